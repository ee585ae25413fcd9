//! The payments table's use cases. Every change that moves an order happens in the same
//! transaction as the payment's own change, so a payment is applied to its order exactly once
//! however many notifications, queries and retries race for it.

use crate::db::{Db, apply_event};
use crate::{PlatformError, Result};
use certdesk_api::{OrderSummary, PaymentMethod, PaymentState};
use certdesk_core::{Actor, Money, OrderEvent, OrderNumber, OrderState, OrderStatus};
use rusqlite::{OptionalExtension, params};

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
}

impl Settled {
    /// What was made of it, as kept beside the notification.
    pub fn outcome(&self) -> &'static str {
        match self {
            Settled::Paid(_) => "已入账，订单进入待审核",
            Settled::AlreadyPaid => "重复的付款结果，此前已入账",
            Settled::Surplus(_) => "订单已不需要此笔付款，已退款",
            Settled::AlreadyRefunded => "此笔付款此前已退款",
        }
    }
}

fn row_state(text: &str) -> Result<PaymentState> {
    PaymentState::from_code(text).ok_or_else(|| PlatformError::Internal(format!("payment state {text}")))
}

fn row_method(text: &str) -> Result<PaymentMethod> {
    PaymentMethod::from_code(text).ok_or_else(|| PlatformError::Internal(format!("payment method {text}")))
}

/// A refund of the whole of `out_trade_no`, requested in `tx` (once: the request number is the
/// trade's own plus `R`).
fn request_refund(
    tx: &rusqlite::Transaction<'_>,
    out_trade_no: &str,
    method: PaymentMethod,
    amount_fen: i64,
    reason: &str,
    at: &str,
) -> Result<RefundRequest> {
    let out_request_no = format!("{out_trade_no}R");
    tx.execute(
        "INSERT OR IGNORE INTO refunds (out_trade_no, out_request_no, amount_fen, reason, state, created_at)
         VALUES (?1, ?2, ?3, ?4, 'requested', ?5)",
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
        self.with(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let found: Option<(String, i64, bool)> = tx
                .query_row(
                    "SELECT status, fee_fen, paid FROM orders WHERE order_no = ?1 AND organisation_id = ?2",
                    params![order_no.as_str(), organisation_id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
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
                tx.query_row("SELECT COUNT(*) FROM payments WHERE order_no = ?1", [order_no.as_str()], |r| r.get(0))?;
            let out_trade_no = format!("{order_no}P{:02}", count + 1);
            tx.execute(
                "INSERT INTO payments (order_no, out_trade_no, method, amount_fen, state, created_at)
                 VALUES (?1, ?2, ?3, ?4, 'pending', ?5)",
                params![order_no.as_str(), out_trade_no, method.code(), fee, at],
            )?;
            tx.commit()?;
            Ok(out_trade_no)
        })
        .and_then(|out_trade_no| {
            let order = self.order(order_no)?.ok_or_else(|| PlatformError::Internal("order vanished".into()))?;
            Ok((out_trade_no, order))
        })
    }

    pub fn payment(&self, out_trade_no: &str) -> Result<Option<PaymentRow>> {
        self.with(|conn| {
            let found: Option<(String, String, i64, String, String)> = conn
                .query_row(
                    "SELECT order_no, method, amount_fen, state, created_at FROM payments WHERE out_trade_no = ?1",
                    [out_trade_no],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .optional()?;
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
        let settled = self.with(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let (order_no, method, amount_fen, state): (String, String, i64, String) = tx
                .query_row(
                    "SELECT order_no, method, amount_fen, state FROM payments WHERE out_trade_no = ?1",
                    [out_trade_no],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?
                .ok_or_else(|| PlatformError::NotFound(format!("付款 {out_trade_no} 不存在")))?;
            let method = row_method(&method)?;
            // Ok(order): this call paid it; Err(settled): anything else.
            let settled: std::result::Result<OrderNumber, Settled> = match row_state(&state)? {
                PaymentState::Paid => Err(Settled::AlreadyPaid),
                PaymentState::Refunded => Err(Settled::AlreadyRefunded),
                PaymentState::Pending | PaymentState::Closed | PaymentState::Failed => {
                    let order_no = OrderNumber::parse(&order_no)?;
                    let label = if method == PaymentMethod::Wechat { "微信支付" } else { "支付宝" };
                    let note = format!("{label}付款，交易号 {gateway_trade_no}");
                    match apply_event(
                        &tx,
                        &order_no,
                        None,
                        Actor::PaymentGateway,
                        &OrderEvent::PaymentConfirmed,
                        at,
                        Some(&note),
                    ) {
                        Ok(_) => {
                            tx.execute(
                                "UPDATE payments SET state = 'paid', gateway_trade_no = ?2, paid_at = ?3 WHERE out_trade_no = ?1",
                                params![out_trade_no, gateway_trade_no, at],
                            )?;
                            Ok(order_no)
                        }
                        Err(PlatformError::Transition(_)) => {
                            tx.execute(
                                "UPDATE payments SET gateway_trade_no = ?2 WHERE out_trade_no = ?1",
                                params![out_trade_no, gateway_trade_no],
                            )?;
                            Err(Settled::Surplus(request_refund(
                                &tx,
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
            tx.commit()?;
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
        self.with(|conn| {
            Ok(conn.execute(
                "UPDATE payments SET state = 'closed' WHERE out_trade_no = ?1 AND state = 'pending'",
                [out_trade_no],
            )? == 1)
        })
    }

    /// Payments opened at a gateway and not settled: what reconciliation asks about.
    pub fn pending_payments(&self) -> Result<Vec<(String, PaymentRow)>> {
        self.with(|conn| {
            let mut stmt = conn.prepare(
                "SELECT out_trade_no, order_no, method, amount_fen, state, created_at FROM payments
                 WHERE state = 'pending' ORDER BY id",
            )?;
            let rows =
                stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))?;
            let mut found = Vec::new();
            for row in rows {
                let (out_trade_no, order_no, method, amount_fen, state, created_at): (
                    String,
                    String,
                    String,
                    i64,
                    String,
                    String,
                ) = row?;
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

    /// 撤销 of a paid order: its gateway payment is refunded in full. `None` when the order was
    /// not paid through a gateway (a counter payment is given back at the counter).
    pub fn request_order_refund(&self, order_no: &OrderNumber, at: &str) -> Result<Option<RefundRequest>> {
        self.with(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let paid: Option<(String, String, i64)> = tx
                .query_row(
                    "SELECT out_trade_no, method, amount_fen FROM payments
                     WHERE order_no = ?1 AND state = 'paid' AND method IN ('alipay', 'wechat')",
                    [order_no.as_str()],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let refund = paid
                .map(|(out_trade_no, method, fen)| {
                    request_refund(&tx, &out_trade_no, row_method(&method)?, fen, "订单已撤销，退回付款", at)
                })
                .transpose()?;
            tx.commit()?;
            Ok(refund)
        })
    }

    /// Refunds requested and not yet confirmed by the gateway.
    pub fn pending_refunds(&self) -> Result<Vec<RefundRequest>> {
        self.with(|conn| {
            let mut stmt = conn.prepare(
                "SELECT r.out_trade_no, r.out_request_no, p.method, r.amount_fen FROM refunds r
                 JOIN payments p ON p.out_trade_no = r.out_trade_no WHERE r.state = 'requested' ORDER BY r.id",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, String>(2)?, r.get(3)?)))?;
            let mut found = Vec::new();
            for row in rows {
                let (out_trade_no, out_request_no, method, amount_fen) = row?;
                found.push(RefundRequest { out_trade_no, out_request_no, method: row_method(&method)?, amount_fen });
            }
            Ok(found)
        })
    }

    /// The gateway confirmed the refund: the payment is refunded.
    pub fn refund_done(&self, refund: &RefundRequest, at: &str) -> Result<()> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "UPDATE refunds SET state = 'done', done_at = ?2, last_error = NULL WHERE out_request_no = ?1",
                params![refund.out_request_no, at],
            )?;
            tx.execute("UPDATE payments SET state = 'refunded' WHERE out_trade_no = ?1", [&refund.out_trade_no])?;
            tx.commit()?;
            Ok(())
        })
    }

    pub fn refund_failed(&self, refund: &RefundRequest, error: &str) -> Result<()> {
        self.with(|conn| {
            conn.execute(
                "UPDATE refunds SET last_error = ?2 WHERE out_request_no = ?1",
                params![refund.out_request_no, error],
            )?;
            Ok(())
        })
    }

    /// Keeps a notification exactly as received, with what was made of it.
    pub fn record_notification(
        &self,
        provider: &str,
        out_trade_no: Option<&str>,
        raw: &str,
        outcome: &str,
        at: &str,
    ) -> Result<()> {
        self.with(|conn| {
            conn.execute(
                "INSERT INTO payment_notifications (provider, out_trade_no, received_at, raw, outcome)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![provider, out_trade_no, at, raw, outcome],
            )?;
            Ok(())
        })
    }
}
