//! The payments table's use cases. Every change that moves an order happens in the same
//! transaction as the payment's own change, so a payment is applied to its order exactly once
//! however many notifications, queries and retries race for it.

use super::orders::apply_event;
use super::{Conn, Db, params};
use crate::{Fault, PlatformError, Result};
use certdesk_api::{FlaggedPayment, OrderSummary, PaymentMethod, PaymentState, RefundRecord, RefundState};
use certdesk_core::{Actor, Money, OrderEvent, OrderNumber, OrderState, OrderStatus};
use certdesk_pay::client::RefundOutcome;

/// A payment as the gateway code needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRow {
    pub order_no: OrderNumber,
    pub method: PaymentMethod,
    pub amount_fen: i64,
    pub state: PaymentState,
    pub created_at: String,
}

/// A refund to send (or send again) to the gateway, under its own request number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    pub out_trade_no: String,
    pub out_request_no: String,
    pub method: PaymentMethod,
    pub amount_fen: i64,
}

/// What settling a payment the gateway reports paid did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// This call recorded the payment and moved the order on (待支付 → 待审核).
    Paid(OrderSummary),
    /// Recorded before: nothing changes (a repeated notification, a query after it).
    AlreadyPaid,
    /// Paid, but the order no longer awaits payment (paid another way, or 撤销): the money goes
    /// back; the refund is recorded and must be sent.
    Surplus(RefundRequest),
    AlreadyRefunded,
    /// Flagged for staff before (a notification of another amount): left to them.
    Flagged,
}

impl Settled {
    /// What was made of it, as kept beside the notification.
    pub fn outcome(&self) -> &'static str {
        match self {
            Settled::Paid(_) => "已入账，订单进入待审核",
            Settled::AlreadyPaid => "重复的付款结果，此前已入账",
            Settled::Surplus(_) => "订单已不需要此笔付款，已退款",
            Settled::AlreadyRefunded => "此笔付款此前已退款",
            Settled::Flagged => "此笔付款金额不符，已标记待人工处理",
        }
    }
}

fn row_state(text: &str) -> Result<PaymentState> {
    PaymentState::from_code(text).ok_or_else(|| PlatformError::Internal(format!("payment state {text}")))
}

fn row_method(text: &str) -> Result<PaymentMethod> {
    PaymentMethod::from_code(text).ok_or_else(|| PlatformError::Internal(format!("payment method {text}")))
}

/// A refund of the whole of `out_trade_no`, requested in `conn` (once: the request number is the
/// trade's own plus `R`).
fn request_refund(
    conn: &Conn<'_>,
    out_trade_no: &str,
    method: PaymentMethod,
    amount_fen: i64,
    reason: &str,
    at: &str,
) -> Result<RefundRequest> {
    let out_request_no = format!("{out_trade_no}R");
    conn.execute(
        "INSERT INTO refunds (out_trade_no, out_request_no, amount_fen, reason, state, created_at)
         VALUES (?1, ?2, ?3, ?4, 'requested', ?5) ON CONFLICT DO NOTHING",
        params![out_trade_no, out_request_no, amount_fen, reason, at],
    )?;
    Ok(RefundRequest { out_trade_no: out_trade_no.to_owned(), out_request_no, method, amount_fen })
}

impl Db {
    /// 去支付: a new pending payment of the order's fee, when the order awaits payment. Each call
    /// opens a new trade number (重新支付 after a closed one); whichever is paid first pays the
    /// order, and any other paid later is refunded.
    pub fn open_gateway_payment(
        &self,
        order_no: &OrderNumber,
        organisation_id: i64,
        method: PaymentMethod,
        at: &str,
    ) -> Result<(String, OrderSummary)> {
        self.write(|conn| {
            let found: Option<(String, i64, bool)> = conn.query_opt(
                "SELECT status, fee_fen, paid FROM orders WHERE order_no = ?1 AND organisation_id = ?2",
                params![order_no.as_str(), organisation_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            let (status, fee, paid) = found.ok_or_else(|| PlatformError::NotFound("订单不存在".into()))?;
            let status: OrderStatus =
                serde_json::from_str(&status).map_err(|e| PlatformError::Internal(format!("stored status: {e}")))?;
            // The state machine decides whether the order can be paid now; nothing is stored here.
            certdesk_core::apply(
                &OrderState { status, fee: Money::from_fen(fee), paid },
                Actor::PaymentGateway,
                &OrderEvent::PaymentConfirmed,
            )?;
            let count: i64 =
                conn.query_one("SELECT COUNT(*) FROM payments WHERE order_no = ?1", params![order_no.as_str()], |r| {
                    r.get(0)
                })?;
            let out_trade_no = format!("{order_no}P{:02}", count + 1);
            conn.execute(
                "INSERT INTO payments (order_no, out_trade_no, method, amount_fen, state, created_at)
                 VALUES (?1, ?2, ?3, ?4, 'pending', ?5)",
                params![order_no.as_str(), out_trade_no, method.code(), fee, at],
            )?;
            Ok(out_trade_no)
        })
        .and_then(|out_trade_no| {
            let order = self.order(order_no)?.ok_or_else(|| PlatformError::Internal("order vanished".into()))?;
            Ok((out_trade_no, order))
        })
    }

    pub fn payment(&self, out_trade_no: &str) -> Result<Option<PaymentRow>> {
        self.read(|conn| {
            let found: Option<(String, String, i64, String, String)> = conn.query_opt(
                "SELECT order_no, method, amount_fen, state, created_at FROM payments WHERE out_trade_no = ?1",
                params![out_trade_no],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )?;
            found
                .map(|(order_no, method, amount_fen, state, created_at)| {
                    Ok(PaymentRow {
                        order_no: OrderNumber::parse(&order_no)?,
                        method: row_method(&method)?,
                        amount_fen,
                        state: row_state(&state)?,
                        created_at,
                    })
                })
                .transpose()
        })
    }

    /// The gateway says `out_trade_no` is paid (a verified notification or query): record it and
    /// move the order, once.
    pub fn settle_payment(&self, out_trade_no: &str, gateway_trade_no: &str, at: &str) -> Result<Settled> {
        let settled = self.write(|conn| {
            let (order_no, method, amount_fen, state): (String, String, i64, String) = conn
                .query_opt(
                    "SELECT order_no, method, amount_fen, state FROM payments WHERE out_trade_no = ?1",
                    params![out_trade_no],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )?
                .ok_or_else(|| PlatformError::NotFound(format!("付款 {out_trade_no} 不存在")))?;
            let method = row_method(&method)?;
            // Ok(order): this call paid it; Err(settled): anything else.
            let settled: std::result::Result<OrderNumber, Settled> = match row_state(&state)? {
                PaymentState::Paid => Err(Settled::AlreadyPaid),
                PaymentState::Refunded => Err(Settled::AlreadyRefunded),
                // Flagged for staff: a later word from the gateway does not settle it on its own.
                PaymentState::AmountMismatch => Err(Settled::Flagged),
                PaymentState::Pending | PaymentState::Closed | PaymentState::Failed => {
                    let order_no = OrderNumber::parse(&order_no)?;
                    let label = if method == PaymentMethod::Wechat { "微信支付" } else { "支付宝" };
                    let note = format!("{label}付款，交易号 {gateway_trade_no}");
                    match apply_event(
                        conn,
                        &order_no,
                        None,
                        Actor::PaymentGateway,
                        None,
                        &OrderEvent::PaymentConfirmed,
                        at,
                        Some(&note),
                    ) {
                        Ok(_) => {
                            conn.execute(
                                "UPDATE payments SET state = 'paid', gateway_trade_no = ?2, paid_at = ?3 WHERE out_trade_no = ?1",
                                params![out_trade_no, gateway_trade_no, at],
                            )?;
                            Ok(order_no)
                        }
                        Err(PlatformError::Transition(_)) => {
                            conn.execute(
                                "UPDATE payments SET gateway_trade_no = ?2 WHERE out_trade_no = ?1",
                                params![out_trade_no, gateway_trade_no],
                            )?;
                            Err(Settled::Surplus(request_refund(
                                conn,
                                out_trade_no,
                                method,
                                amount_fen,
                                "订单已付款或已撤销，退回此笔付款",
                                at,
                            )?))
                        }
                        Err(other) => return Err(other),
                    }
                }
            };
            Ok(settled)
        })?;
        match settled {
            Ok(order_no) => Ok(Settled::Paid(
                self.order(&order_no)?.ok_or_else(|| PlatformError::Internal("order vanished".into()))?,
            )),
            Err(other) => Ok(other),
        }
    }

    /// The gateway closed (or never had) the trade: a pending payment becomes closed.
    pub fn close_payment(&self, out_trade_no: &str) -> Result<bool> {
        self.write(|conn| {
            Ok(conn.execute(
                "UPDATE payments SET state = 'closed' WHERE out_trade_no = ?1 AND state = 'pending'",
                params![out_trade_no],
            )? == 1)
        })
    }

    /// Payments opened at a gateway and not settled: what reconciliation asks about.
    pub fn pending_payments(&self) -> Result<Vec<(String, PaymentRow)>> {
        self.read(|conn| {
            let rows = conn.query_map(
                "SELECT out_trade_no, order_no, method, amount_fen, state, created_at FROM payments
                 WHERE state = 'pending' ORDER BY id",
                params![],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )?;
            let mut found = Vec::new();
            for row in rows {
                let (out_trade_no, order_no, method, amount_fen, state, created_at): (
                    String,
                    String,
                    String,
                    i64,
                    String,
                    String,
                ) = row;
                found.push((
                    out_trade_no,
                    PaymentRow {
                        order_no: OrderNumber::parse(&order_no)?,
                        method: row_method(&method)?,
                        amount_fen,
                        state: row_state(&state)?,
                        created_at,
                    },
                ));
            }
            Ok(found)
        })
    }

    /// A signed notification reported `notified_fen` paid where the payment asked for another
    /// amount: the payment is flagged for staff (never paid, never left pending). `false` when it
    /// was already settled one way or another.
    pub fn flag_amount_mismatch(&self, out_trade_no: &str, notified_fen: i64, gateway_trade_no: &str) -> Result<bool> {
        self.write(|conn| {
            Ok(conn.execute(
                "UPDATE payments SET state = 'amountMismatch', notified_amount_fen = ?2, gateway_trade_no = ?3
                 WHERE out_trade_no = ?1 AND state IN ('pending', 'closed', 'failed')",
                params![out_trade_no, notified_fen, gateway_trade_no],
            )? == 1)
        })
    }

    /// The payments staff must see to, oldest first.
    pub fn flagged_payments(&self) -> Result<Vec<FlaggedPayment>> {
        self.read(|conn| {
            let rows = conn.query_map(
                "SELECT order_no, out_trade_no, method, amount_fen, notified_amount_fen, state, gateway_trade_no,
                    created_at FROM payments WHERE state = 'amountMismatch' ORDER BY id",
                params![],
                |r| {
                    Ok((
                        r.get::<String>(0)?,
                        r.get::<String>(1)?,
                        r.get::<String>(2)?,
                        r.get::<i64>(3)?,
                        r.get::<Option<i64>>(4)?,
                        r.get::<String>(5)?,
                        r.get::<Option<String>>(6)?,
                        r.get::<String>(7)?,
                    ))
                },
            )?;
            let mut found = Vec::new();
            for row in rows {
                let (order_no, out_trade_no, method, amount, notified, state, gateway_trade_no, created_at) = row;
                found.push(FlaggedPayment {
                    order_no: OrderNumber::parse(&order_no)?,
                    out_trade_no,
                    method: row_method(&method)?,
                    amount: Money::from_fen(amount),
                    notified_amount: notified.map(Money::from_fen),
                    state: row_state(&state)?,
                    gateway_trade_no,
                    created_at,
                });
            }
            Ok(found)
        })
    }

    /// 撤销 by the applicant: the order's change and, for a paid order, the refund owed, in one
    /// transaction, so no crash can leave an order owed a refund that nothing records. The refund
    /// comes back when it is to be sent to a gateway (a counter payment is given back at the
    /// counter, and waits in the staff list of refunds owed).
    pub fn cancel_order(
        &self,
        order_no: &OrderNumber,
        organisation_id: i64,
        at: &str,
        fault: Option<Fault>,
    ) -> Result<Option<RefundRequest>> {
        self.write(|conn| {
            let after = apply_event(
                conn,
                order_no,
                Some(organisation_id),
                Actor::Applicant,
                None,
                &OrderEvent::Cancelled,
                at,
                None,
            )?;
            if fault == Some(Fault::CancelBeforeRefundRecorded) {
                return Err(PlatformError::Internal("injected fault: before the refund was recorded".into()));
            }
            let mut refund = None;
            if let OrderStatus::Cancelled { refund_owed: true } = after.status {
                let paid: (String, String, i64) = conn
                    .query_opt(
                        "SELECT out_trade_no, method, amount_fen FROM payments WHERE order_no = ?1 AND state = 'paid'",
                        params![order_no.as_str()],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                    )?
                    .ok_or_else(|| PlatformError::Internal(format!("{order_no} is paid with no paid payment")))?;
                let method = row_method(&paid.1)?;
                let owed = request_refund(conn, &paid.0, method, paid.2, "订单已撤销，退回付款", at)?;
                refund = matches!(method, PaymentMethod::Alipay | PaymentMethod::Wechat).then_some(owed);
            }
            Ok(refund)
        })
    }

    /// Refunds owed to a gateway and not accepted by it yet: sent (again) under their own number.
    pub fn refunds_to_send(&self) -> Result<Vec<RefundRequest>> {
        self.refunds_in("requested")
    }

    /// Refunds a gateway accepted and has not confirmed: asked about.
    pub fn refunds_to_confirm(&self) -> Result<Vec<RefundRequest>> {
        self.refunds_in("processing")
    }

    fn refunds_in(&self, state: &str) -> Result<Vec<RefundRequest>> {
        self.read(|conn| {
            let rows = conn.query_map(
                "SELECT r.out_trade_no, r.out_request_no, p.method, r.amount_fen FROM refunds r
                 JOIN payments p ON p.out_trade_no = r.out_trade_no
                 WHERE r.state = ?1 AND p.method IN ('alipay', 'wechat') ORDER BY r.id",
                params![state],
                |r| Ok((r.get(0)?, r.get(1)?, r.get::<String>(2)?, r.get(3)?)),
            )?;
            let mut found = Vec::new();
            for row in rows {
                let (out_trade_no, out_request_no, method, amount_fen) = row;
                found.push(RefundRequest { out_trade_no, out_request_no, method: row_method(&method)?, amount_fen });
            }
            Ok(found)
        })
    }

    /// A refund by its request number, as sent.
    pub fn refund_request(&self, out_request_no: &str) -> Result<Option<RefundRequest>> {
        self.read(|conn| {
            let found: Option<(String, String, String, i64)> = conn.query_opt(
                "SELECT r.out_trade_no, r.out_request_no, p.method, r.amount_fen FROM refunds r
                     JOIN payments p ON p.out_trade_no = r.out_trade_no WHERE r.out_request_no = ?1",
                params![out_request_no],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?;
            found
                .map(|(out_trade_no, out_request_no, method, amount_fen)| {
                    Ok(RefundRequest { out_trade_no, out_request_no, method: row_method(&method)?, amount_fen })
                })
                .transpose()
        })
    }

    /// Records what the gateway said of a refund. Only forward: a refund confirmed stays
    /// confirmed, and one that failed is not made processing again by a late answer. Confirmed,
    /// its payment is refunded in the same transaction.
    pub fn record_refund_outcome(&self, refund: &RefundRequest, outcome: &RefundOutcome, at: &str) -> Result<()> {
        self.write(|conn| {
            let no = &refund.out_request_no;
            match outcome {
                RefundOutcome::Processing => {
                    conn.execute(
                        "UPDATE refunds SET state = 'processing', last_error = NULL
                         WHERE out_request_no = ?1 AND state = 'requested'",
                        params![no],
                    )?;
                }
                RefundOutcome::Succeeded => {
                    let changed = conn.execute(
                        "UPDATE refunds SET state = 'succeeded', done_at = ?2, last_error = NULL
                         WHERE out_request_no = ?1 AND state <> 'succeeded'",
                        params![no, at],
                    )?;
                    if changed == 1 {
                        conn.execute(
                            "UPDATE payments SET state = 'refunded' WHERE out_trade_no = ?1",
                            params![&refund.out_trade_no],
                        )?;
                        refunded_notice(conn, &refund.out_trade_no, refund.amount_fen, at)?;
                    }
                }
                RefundOutcome::Failed(why) | RefundOutcome::Abnormal(why) => {
                    let state = if matches!(outcome, RefundOutcome::Failed(_)) { "failed" } else { "abnormal" };
                    conn.execute(
                        "UPDATE refunds SET state = ?2, last_error = ?3
                         WHERE out_request_no = ?1 AND state IN ('requested', 'processing')",
                        params![no, state, why],
                    )?;
                }
            }
            Ok(())
        })
    }

    /// Sending failed (no answer): the refund stays owed, with why, and is sent again.
    pub fn refund_not_sent(&self, refund: &RefundRequest, error: &str) -> Result<()> {
        self.write(|conn| {
            conn.execute(
                "UPDATE refunds SET last_error = ?2 WHERE out_request_no = ?1",
                params![refund.out_request_no, error],
            )?;
            Ok(())
        })
    }

    /// The gateway has no record of a refund it was sent: owed again, to be sent under the same
    /// number.
    pub fn refund_unknown_to_gateway(&self, refund: &RefundRequest) -> Result<()> {
        self.write(|conn| {
            conn.execute(
                "UPDATE refunds SET state = 'requested', last_error = '支付网关没有这笔退款，将重新发送'
                 WHERE out_request_no = ?1 AND state = 'processing'",
                params![&refund.out_request_no],
            )?;
            Ok(())
        })
    }

    /// Every refund not yet made (owed at the counter, at a gateway, or refused there), oldest
    /// first: the staff list of refunds owed.
    pub fn refunds_owed(&self) -> Result<Vec<RefundRecord>> {
        self.read(|conn| {
            let rows = conn.query_map(
                "SELECT p.order_no, r.out_trade_no, p.method, r.out_request_no, r.amount_fen, r.state, r.reason,
                    r.last_error, r.receipt_no, r.created_at, r.done_at
                 FROM refunds r JOIN payments p ON p.out_trade_no = r.out_trade_no
                 WHERE r.state <> 'succeeded' ORDER BY r.id",
                params![],
                |r| {
                    Ok((
                        (r.get::<String>(0)?, r.get::<String>(1)?, r.get::<String>(2)?, r.get::<String>(3)?),
                        (r.get::<i64>(4)?, r.get::<String>(5)?, r.get::<String>(6)?),
                        (r.get(7)?, r.get(8)?, r.get(9)?, r.get(10)?),
                    ))
                },
            )?;
            let mut found = Vec::new();
            for row in rows {
                let ((order_no, out_trade_no, method, out_request_no), (amount, state, reason), rest) = row;
                let (last_error, receipt_no, created_at, done_at) = rest;
                let method = row_method(&method)?;
                found.push(RefundRecord {
                    order_no: OrderNumber::parse(&order_no)?,
                    out_trade_no,
                    // A counter refund is not sent anywhere under a number.
                    out_request_no: matches!(method, PaymentMethod::Alipay | PaymentMethod::Wechat)
                        .then_some(out_request_no),
                    method,
                    amount: Money::from_fen(amount),
                    state: RefundState::from_code(&state)
                        .ok_or_else(|| PlatformError::Internal(format!("refund state {state}")))?,
                    reason,
                    last_error,
                    receipt_no,
                    created_at,
                    done_at,
                });
            }
            Ok(found)
        })
    }

    /// 退款 at the counter: a cancelled order's counter payment given back, with the receipt
    /// number and the staff member, once.
    pub fn record_counter_refund(
        &self,
        order_no: &OrderNumber,
        receipt_no: &str,
        staff_id: i64,
        at: &str,
    ) -> Result<()> {
        self.write(|conn| {
            let owed: Option<(String, String)> = conn.query_opt(
                "SELECT r.out_request_no, r.out_trade_no FROM refunds r
                     JOIN payments p ON p.out_trade_no = r.out_trade_no
                     WHERE p.order_no = ?1 AND p.method LIKE 'counter%' AND r.state = 'requested'",
                params![order_no.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let (out_request_no, out_trade_no) =
                owed.ok_or_else(|| PlatformError::Conflict("该订单没有待退还的窗口收款".into()))?;
            conn.execute(
                "UPDATE refunds SET state = 'succeeded', done_at = ?2, receipt_no = ?3, refunded_by_staff = ?4
                 WHERE out_request_no = ?1",
                params![out_request_no, at, receipt_no, staff_id],
            )?;
            conn.execute("UPDATE payments SET state = 'refunded' WHERE out_trade_no = ?1", params![out_trade_no])?;
            let amount: i64 = conn.query_one(
                "SELECT amount_fen FROM refunds WHERE out_request_no = ?1",
                params![out_request_no],
                |r| r.get(0),
            )?;
            refunded_notice(conn, &out_trade_no, amount, at)?;
            let note = format!("窗口退款，凭证号 {receipt_no}");
            conn.execute(
                "INSERT INTO order_events (order_no, at, actor, from_status, to_status, reason)
                 SELECT order_no, ?2, 'counter', status, status, ?3 FROM orders WHERE order_no = ?1",
                params![order_no.as_str(), at, note],
            )?;
            Ok(())
        })
    }

    /// What the platform recorded of `method` on `day` (`YYYY-MM-DD`, Beijing): the payments paid
    /// then (those flagged for another amount included, at the amount asked) and the refunds
    /// confirmed then, as a bill would list them.
    pub fn day_records(&self, method: PaymentMethod, day: &str) -> Result<Vec<certdesk_pay::bill::BillLine>> {
        use certdesk_pay::bill::{BillKind, BillLine};
        self.read(|conn| {
            let mut found = Vec::new();
            for row in conn.query_map(
                "SELECT out_trade_no, amount_fen FROM payments WHERE method = ?1 AND (
                    (state IN ('paid', 'refunded') AND substr(paid_at, 1, 10) = ?2)
                    OR (state = 'amountMismatch' AND substr(created_at, 1, 10) = ?2))",
                params![method.code(), day],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )? {
                let (out_trade_no, fen) = row;
                found.push(BillLine { kind: BillKind::Payment, out_trade_no, out_request_no: None, fen });
            }
            for row in conn.query_map(
                "SELECT r.out_trade_no, r.out_request_no, r.amount_fen FROM refunds r
                 JOIN payments p ON p.out_trade_no = r.out_trade_no
                 WHERE p.method = ?1 AND r.state = 'succeeded' AND substr(r.done_at, 1, 10) = ?2",
                params![method.code(), day],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )? {
                let (out_trade_no, out_request_no, fen) = row;
                found.push(BillLine {
                    kind: BillKind::Refund,
                    out_trade_no,
                    out_request_no: Some(out_request_no),
                    fen,
                });
            }
            Ok(found)
        })
    }

    /// Keeps a notification with what was made of it: exactly as received when its signature
    /// held, and only its size and SHA-256 when it did not (a stranger's body fills no disk).
    pub fn record_notification(&self, notification: &KeptNotification<'_>, at: &str) -> Result<()> {
        let n = notification;
        self.write(|conn| {
            conn.execute(
                "INSERT INTO payment_notifications
                    (provider, out_trade_no, received_at, verified, raw, body_size, body_sha256, outcome)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    n.provider,
                    n.out_trade_no,
                    at,
                    n.verified,
                    n.verified.then_some(n.body),
                    n.body.len() as i64,
                    crate::sha256_hex(n.body.as_bytes()),
                    n.outcome
                ],
            )?;
            Ok(())
        })
    }

    /// Forgets the digests of unverified notifications received before `before`.
    pub fn prune_unverified_notifications(&self, before: &str) -> Result<usize> {
        self.write(|conn| {
            let pruned = conn.execute(
                "DELETE FROM payment_notifications WHERE verified = FALSE AND received_at < ?1",
                params![before],
            )?;
            Ok(pruned as usize)
        })
    }
}

/// A notification as it is kept.
pub struct KeptNotification<'a> {
    pub provider: &'a str,
    /// The trade it names, when its signature held.
    pub out_trade_no: Option<&'a str>,
    pub verified: bool,
    pub body: &'a str,
    pub outcome: &'a str,
}

/// The email a refund made owes the organisation, in the refund's transaction.
fn refunded_notice(conn: &Conn<'_>, out_trade_no: &str, amount_fen: i64, at: &str) -> Result<()> {
    let order_no: String =
        conn.query_one("SELECT order_no FROM payments WHERE out_trade_no = ?1", params![out_trade_no], |r| r.get(0))?;
    super::outbox::enqueue(
        conn,
        &OrderNumber::parse(&order_no)?,
        super::MailKind::Refunded,
        Some(&amount_fen.to_string()),
        None,
        at,
    )
}
