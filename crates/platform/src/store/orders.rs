//! The orders, their history (order_events), providers, idempotency keys and face attempts.

use super::{Conn, Db, Param, Row, params};
use crate::{PlatformError, Result};
use certdesk_api::{CounterPayment, OrderSummary, PaymentMethod, PaymentRecord, PaymentState, Provider};
use certdesk_core::{
    Actor, Application, FaceAttempts, MAX_FACE_ATTEMPTS_PER_DAY, Money, OrderEvent, OrderNumber, OrderState,
    OrderStatus, SHANGHAI,
};
use chrono::{DateTime, FixedOffset};

/// The contact details as the orders table keeps them: masked. The full ones exist only inside
/// the sealed application.
struct MaskedContact {
    mobile: String,
    email: String,
    /// `{"recipient", "mobile", "address"}`, each masked.
    mailing: Option<String>,
}

impl MaskedContact {
    fn of(application: &Application) -> MaskedContact {
        let mailing = application.mailing.as_ref().map(|m| {
            serde_json::json!({
                "recipient": certdesk_core::mask_name(&m.recipient),
                "mobile": m.mobile.masked(),
                "address": m.address.masked(),
            })
            .to_string()
        });
        MaskedContact { mobile: application.mobile.masked(), email: application.email.masked(), mailing }
    }
}

/// An order's personal data as stored: the sealed form and the ID number's keyed digest.
pub struct SealedApplication {
    pub sealed: Vec<u8>,
    pub id_number_digest: String,
}

/// What [`Db::insert_order`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Inserted {
    New,
    /// The idempotency key was used before, for the same request: this is the order it created.
    Earlier(OrderNumber),
    /// The idempotency key was used before for a different request.
    KeyReused,
}

/// Demo providers for the embedded platform: the guide's 浙江汇信CA with a fee, and one that
/// needs no payment so the zero-fee path can be walked. Names say they are demo data.
const DEMO_PROVIDERS: &[(&str, &str, i64)] = &[("zjhx", "浙江汇信CA", 30_000), ("demo-free", "演示CA（免缴费）", 0)];

impl Db {
    pub fn seed_demo_providers(&self) -> Result<()> {
        self.write(|conn| {
            for (i, (id, name, fee)) in DEMO_PROVIDERS.iter().enumerate() {
                conn.execute(
                    "INSERT INTO providers (id, name, unit_fee_fen, demo, sort_order) VALUES (?1, ?2, ?3, TRUE, ?4)\n                     ON CONFLICT DO NOTHING",
                    params![id, name, fee, i as i64],
                )?;
            }
            Ok(())
        })
    }

    pub fn providers(&self) -> Result<Vec<Provider>> {
        self.read(|conn| {
            let rows = conn.query_map(
                "SELECT id, name, unit_fee_fen, demo FROM providers ORDER BY sort_order, id",
                params![],
                |r| {
                    Ok(Provider {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        unit_fee: Money::from_fen(r.get(2)?),
                        demo: r.get(3)?,
                    })
                },
            )?;
            Ok(rows)
        })
    }

    pub fn provider(&self, id: &str) -> Result<Option<Provider>> {
        Ok(self.providers()?.into_iter().find(|p| p.id == id))
    }

    pub fn last_order_number(&self) -> Result<Option<OrderNumber>> {
        self.read(|conn| {
            let last: Option<String> = conn.query_one("SELECT MAX(order_no) FROM orders", params![], |r| r.get(0))?;
            Ok(last.and_then(|n| OrderNumber::parse(&n).ok()))
        })
    }

    /// Stores a new order and its first event in one transaction, unless `idempotency` names a key
    /// already used: then nothing is stored and the earlier order's number comes back.
    pub fn insert_order(
        &self,
        order: &OrderSummary,
        application: &Application,
        organisation_id: i64,
        sealed: &SealedApplication,
        idempotency: Option<(&str, &str)>,
        by: Option<ByStaff<'_>>,
    ) -> Result<Inserted> {
        let status = serde_json::to_string(&order.status).expect("status serialises");
        let contact = MaskedContact::of(application);
        self.write(|conn| {
            if let Some((key, hash)) = idempotency {
                let earlier: Option<(String, String)> = conn.query_opt(
                    "SELECT order_no, request_hash FROM idempotency_keys WHERE key = ?1",
                    params![key],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                if let Some((order_no, earlier_hash)) = earlier {
                    let order_no = OrderNumber::parse(&order_no)?;
                    return Ok(if earlier_hash == hash { Inserted::Earlier(order_no) } else { Inserted::KeyReused });
                }
            }
            conn.execute(
                "INSERT INTO orders (order_no, provider_id, organisation_name, credit_code, applicant_name,
                    id_number_masked, mobile, email, mailing, quantity, fee_fen, status, status_code, submitted_at,
                    organisation_id, application_sealed, id_number_digest, status_since)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?14)",
                params![
                    order.order_no.as_str(),
                    order.provider_id,
                    order.organisation_name,
                    application.credit_code.as_str(),
                    order.applicant_name,
                    application.id_number.masked(),
                    contact.mobile,
                    contact.email,
                    contact.mailing,
                    i64::from(order.quantity),
                    order.fee.fen(),
                    status,
                    order.status.code(),
                    order.submitted_at,
                    organisation_id,
                    sealed.sealed,
                    sealed.id_number_digest,
                ],
            )?;
            // 现场受理: the counter submits for the organisation, and the history says who.
            let actor = if by.is_some() { Actor::Counter } else { Actor::Applicant };
            history_row(conn, &order.order_no, actor, by, None, &status, &order.submitted_at, None)?;
            if let Some((key, hash)) = idempotency {
                conn.execute(
                    "INSERT INTO idempotency_keys (key, request_hash, order_no, created_at) VALUES (?1, ?2, ?3, ?4)",
                    params![key, hash, order.order_no.as_str(), order.submitted_at],
                )?;
            }
            Ok(Inserted::New)
        })
    }

    /// A page of orders matching `filter`, newest first, and how many match in all.
    pub fn list_orders(&self, filter: &OrderFilter) -> Result<(Vec<OrderSummary>, u32)> {
        let (clause, values) = filter.clause();
        self.read(|conn| {
            let params: Vec<&dyn Param> = values.iter().map(|v| v.as_ref()).collect();
            let total: u32 =
                conn.query_one(&format!("SELECT COUNT(*) FROM orders o {clause}"), &params, |r| r.get(0))?;
            let sql = format!(
                "{SELECT_SUMMARY} {clause} ORDER BY o.order_no DESC LIMIT {} OFFSET {}",
                filter.limit, filter.offset
            );
            Ok((conn.query_map(&sql, &params, summary_from_row)?, total))
        })
    }
}

impl OrderFilter {
    /// The filter as a `WHERE` clause with its typed values (`?1`, `?2`, … in order).
    fn clause(&self) -> (String, Vec<Box<dyn Param>>) {
        let filter = self;
        let mut conditions = Vec::new();
        // Typed values: an INTEGER column compared with a TEXT parameter cannot use its index.
        let mut values: Vec<Box<dyn Param>> = Vec::new();
        let mut add = |condition: &str, value: Box<dyn Param>| {
            values.push(value);
            conditions.push(condition.replace('?', &format!("?{}", values.len())));
        };
        if let Some(organisation) = filter.organisation_id {
            add("o.organisation_id = ?", Box::new(organisation));
        }
        if let Some(prefix) = &filter.order_no_prefix {
            add("o.order_no LIKE ? || '%'", Box::new(prefix.clone()));
        }
        if let Some(status) = &filter.status_code {
            add("o.status_code = ?", Box::new(status.clone()));
        }
        if let Some(provider) = &filter.provider_id {
            add("o.provider_id = ?", Box::new(provider.clone()));
        }
        if let Some(from) = &filter.submitted_from {
            add("o.submitted_at >= ?", Box::new(from.to_string()));
        }
        if let Some(before) = &filter.submitted_before {
            add("o.submitted_at < ?", Box::new(before.to_string()));
        }
        if let Some(verification) = &filter.verification {
            add("o.verification = ?", Box::new(verification.clone()));
        }
        let clause = if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) };
        (clause, values)
    }
}

impl Db {
    /// Applies `event` by `actor` to the order through the core's state machine, storing the new state
    /// and its history row in one transaction. The refusal comes back when the machine refuses.
    /// With `organisation_id`, only that organisation's order is found (an applicant's step).
    pub fn transition(
        &self,
        order_no: &OrderNumber,
        organisation_id: Option<i64>,
        actor: Actor,
        by: Option<ByStaff<'_>>,
        event: &OrderEvent,
        at: &str,
    ) -> Result<OrderSummary> {
        let reason = match event {
            OrderEvent::Rejected { reason } => Some(reason.trim().to_owned()),
            _ => None,
        };
        self.step(order_no, organisation_id, actor, by, event, at, reason.as_deref())
    }

    /// A counter step (`by` the member at the counter) with `note` in its history row.
    pub fn transition_noted(
        &self,
        order_no: &OrderNumber,
        by: ByStaff<'_>,
        event: &OrderEvent,
        at: &str,
        note: &str,
    ) -> Result<OrderSummary> {
        self.step(order_no, None, Actor::Counter, Some(by), event, at, Some(note))
    }

    /// `apply_event` in a transaction of its own, then the order as it now stands.
    #[allow(clippy::too_many_arguments)]
    fn step(
        &self,
        order_no: &OrderNumber,
        organisation_id: Option<i64>,
        actor: Actor,
        by: Option<ByStaff<'_>>,
        event: &OrderEvent,
        at: &str,
        note: Option<&str>,
    ) -> Result<OrderSummary> {
        self.write(|conn| {
            apply_event(conn, order_no, organisation_id, actor, by, event, at, note)?;
            Ok(())
        })?;
        self.order(order_no)?.ok_or_else(|| PlatformError::Internal("order vanished".into()))
    }

    /// The order's sealed form, for its organisation (or staff).
    pub fn sealed_application(&self, order_no: &OrderNumber, organisation_id: Option<i64>) -> Result<Option<Vec<u8>>> {
        self.read(|conn| {
            let found: Option<Option<Vec<u8>>> = conn
                .query_opt(
                    "SELECT application_sealed FROM orders WHERE order_no = ?1 AND (CAST(?2 AS BIGINT) IS NULL OR organisation_id = ?2)",
                    params![order_no.as_str(), organisation_id],
                    |r| r.get(0),
                )?;
            match found {
                None => Ok(None),
                Some(Some(sealed)) => Ok(Some(sealed)),
                Some(None) => Err(PlatformError::Internal(format!("order {order_no} has no stored application"))),
            }
        })
    }

    /// 重新提交 after 审核未通过: the corrected application replaces the stored one and the order moves
    /// on, in one transaction; `changes` (the changed fields) is kept in the history row.
    #[allow(clippy::too_many_arguments)]
    pub fn resubmit(
        &self,
        order_no: &OrderNumber,
        organisation_id: i64,
        application: &Application,
        sealed: &SealedApplication,
        identity_changed: bool,
        changes: &str,
        at: &str,
    ) -> Result<OrderSummary> {
        let contact = MaskedContact::of(application);
        self.write(|conn| {
            let event = OrderEvent::Resubmitted { identity_changed };
            apply_event(conn, order_no, Some(organisation_id), Actor::Applicant, None, &event, at, Some(changes))?;
            conn.execute(
                "UPDATE orders SET organisation_name = ?1, applicant_name = ?2, id_number_masked = ?3, mobile = ?4,
                    email = ?5, mailing = ?6, application_sealed = ?7, id_number_digest = ?8
                 WHERE order_no = ?9",
                params![
                    application.organisation_name.to_string(),
                    application.applicant_name.to_string(),
                    application.id_number.masked(),
                    contact.mobile,
                    contact.email,
                    contact.mailing,
                    sealed.sealed,
                    sealed.id_number_digest,
                    order_no.as_str(),
                ],
            )?;
            Ok(())
        })?;
        self.order(order_no)?.ok_or_else(|| PlatformError::Internal("order vanished".into()))
    }

    /// Every 人脸认证 attempt of one order, oldest first (for staff).
    pub fn order_face_attempts(&self, order_no: &OrderNumber) -> Result<Vec<certdesk_api::FaceAttemptRecord>> {
        self.read(|conn| {
            conn.query_map(
                "SELECT at, outcome, reason, provider FROM face_attempts WHERE order_no = ?1 ORDER BY at, id",
                params![order_no.as_str()],
                |r| {
                    Ok(certdesk_api::FaceAttemptRecord {
                        at: r.get(0)?,
                        outcome: r.get(1)?,
                        reason: r.get(2)?,
                        provider: r.get(3)?,
                    })
                },
            )
        })
    }

    /// The face attempts made today (Asia/Shanghai) by the person with this ID number digest.
    pub fn face_attempts(&self, id_number_digest: &str, now: &DateTime<FixedOffset>) -> Result<FaceAttempts> {
        self.read(|conn| face_attempts_in(conn, id_number_digest, now))
    }

    /// The ID number digest of an order visible to `organisation_id` (or to staff).
    pub fn id_number_digest(&self, order_no: &OrderNumber, organisation_id: Option<i64>) -> Result<String> {
        self.read(|conn| {
            conn.query_opt(
                "SELECT id_number_digest FROM orders WHERE order_no = ?1 AND (CAST(?2 AS BIGINT) IS NULL OR organisation_id = ?2)",
                params![order_no.as_str(), organisation_id],
                |r| r.get::<Option<String>>(0),
            )?
            .ok_or_else(|| PlatformError::NotFound("订单不存在".into()))?
            .ok_or_else(|| PlatformError::Internal(format!("order {order_no} has no ID number digest")))
        })
    }

    /// Takes one of today's attempts for the order's applicant before the provider is asked, so
    /// that racing attempts cannot exceed the limit: the count and the new row share one
    /// IMMEDIATE transaction. Refused when the order is not 待认证 or the day's attempts are used.
    pub fn reserve_face_attempt(
        &self,
        order_no: &OrderNumber,
        organisation_id: i64,
        now: &DateTime<FixedOffset>,
        image_sha256: &str,
        provider: &str,
    ) -> Result<(i64, FaceAttempts)> {
        self.write(|conn| {
            let (status_code, digest): (String, Option<String>) = conn
                .query_opt(
                    "SELECT status_code, id_number_digest FROM orders WHERE order_no = ?1 AND organisation_id = ?2",
                    params![order_no.as_str(), organisation_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?
                .ok_or_else(|| PlatformError::NotFound("订单不存在".into()))?;
            if status_code != "pendingVerification" {
                return Err(PlatformError::Conflict("该订单当前无需人脸认证".into()));
            }
            let digest = digest.ok_or_else(|| PlatformError::Internal(format!("order {order_no} has no digest")))?;
            let before = face_attempts_in(conn, &digest, now)?;
            if before.exhausted() {
                return Err(PlatformError::TooManyRequests(format!(
                    "今日人脸认证次数已用完（{MAX_FACE_ATTEMPTS_PER_DAY}次），请于{}后再试，或选择邮寄纸质资料",
                    before.resets_at.format("%m月%d日 %H:%M")
                )));
            }
            let now_shanghai = now.with_timezone(&SHANGHAI);
            let id: i64 = conn.query_one(
                "INSERT INTO face_attempts (order_no, id_number_digest, day, at, outcome, image_sha256, provider)
                 VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?6) RETURNING id",
                params![
                    order_no.as_str(),
                    digest,
                    now_shanghai.date_naive().to_string(),
                    now_shanghai.to_rfc3339(),
                    image_sha256,
                    provider
                ],
                |r| r.get(0),
            )?;
            let after = face_attempts_in(conn, &digest, now)?;
            Ok((id, after))
        })
    }

    /// The provider could not answer: the reserved attempt is given back.
    pub fn release_face_attempt(&self, attempt_id: i64) -> Result<()> {
        self.write(|conn| {
            conn.execute("DELETE FROM face_attempts WHERE id = ?1 AND outcome = 'pending'", params![attempt_id])?;
            Ok(())
        })
    }

    /// Records the provider's verdict on a reserved attempt and, in the same transaction, moves the
    /// order on (passed) or notes the failure in its history (failed).
    pub fn finish_face_attempt(
        &self,
        attempt_id: i64,
        order_no: &OrderNumber,
        failure: Option<&str>,
        at: &str,
    ) -> Result<OrderSummary> {
        self.write(|conn| {
            conn.execute(
                "UPDATE face_attempts SET outcome = ?1, reason = ?2 WHERE id = ?3",
                params![if failure.is_some() { "failed" } else { "passed" }, failure, attempt_id],
            )?;
            let (event, reason) = match failure {
                None => (OrderEvent::FaceVerificationPassed, None),
                Some(why) => (OrderEvent::FaceVerificationFailed, Some(format!("人脸认证未通过：{why}"))),
            };
            match apply_event(conn, order_no, None, Actor::System, None, &event, at, reason.as_deref()) {
                Ok(_) => {}
                // Cancelled while the provider was deciding: keep the verdict, leave the order be.
                Err(PlatformError::Transition(refusal)) => {
                    return Err(PlatformError::Transition(refusal));
                }
                Err(other) => return Err(other),
            }
            Ok(())
        })?;
        self.order(order_no)?.ok_or_else(|| PlatformError::Internal("order vanished".into()))
    }

    /// 确认付款 at the counter: the order moves on (待支付 → 待审核) and the payment is recorded as
    /// paid, in one transaction; the state machine refuses a second payment.
    pub fn record_counter_payment(
        &self,
        order_no: &OrderNumber,
        payment: &CounterPayment,
        by: ByStaff<'_>,
        at: &str,
    ) -> Result<OrderSummary> {
        let staff_id = by.id;
        self.write(|conn| {
            let note = format!("窗口收款，收据号 {}", payment.receipt_no.trim());
            let event = OrderEvent::PaymentConfirmed;
            let after = apply_event(conn, order_no, None, Actor::Counter, Some(by), &event, at, Some(&note))?;
            conn.execute(
                "INSERT INTO payments (order_no, out_trade_no, method, amount_fen, state, receipt_no,
                    recorded_by_staff, created_at, paid_at)
                 VALUES (?1, ?2, ?3, ?4, 'paid', ?5, ?6, ?7, ?7)",
                params![
                    order_no.as_str(),
                    format!("CTR{order_no}"),
                    payment.method.code(),
                    after.fee.fen(),
                    payment.receipt_no.trim(),
                    staff_id,
                    at
                ],
            )?;
            Ok(())
        })?;
        self.order(order_no)?.ok_or_else(|| PlatformError::Internal("order vanished".into()))
    }

    /// The day's 邮寄 (制证完成并邮寄 on `day`, Asia/Shanghai), in the order they were shipped: the
    /// order, when, by whom and the shipped status (with the courier and tracking number).
    pub fn shipments_on(&self, day: chrono::NaiveDate) -> Result<Vec<(OrderSummary, EventRow)>> {
        let (from, to) = (day.to_string(), day.succ_opt().unwrap_or(day).to_string());
        self.read(|conn| {
            let events = conn.query_map(
                "SELECT e.order_no, e.at, e.actor, e.from_status, e.to_status, e.reason, e.staff_name FROM order_events e
                 WHERE e.at >= ?1 AND e.at < ?2 AND e.from_status LIKE '{\"state\":\"approved\"%'
                   AND e.to_status LIKE '{\"state\":\"issued\"%' ORDER BY e.id",
                params![from, to],
                |r| {
                    let order_no: String = r.get(0)?;
                    let row = EventRow {
                        at: r.get(1)?,
                        actor: r.get(2)?,
                        from: r.get(3)?,
                        to: r.get(4)?,
                        reason: r.get(5)?,
                        staff_name: r.get(6)?,
                    };
                    Ok((order_no, row))
                },
            )?;
            let mut shipped = Vec::with_capacity(events.len());
            for (order_no, row) in events {
                let order_no = OrderNumber::parse(&order_no)?;
                if let Some(order) = order_on(conn, &order_no)? {
                    shipped.push((order, row));
                }
            }
            Ok(shipped)
        })
    }

    /// The order's payments, oldest first.
    pub fn payments(&self, order_no: &OrderNumber) -> Result<Vec<PaymentRecord>> {
        self.read(|conn| {
            let rows = conn.query_map(
                "SELECT p.out_trade_no, p.method, p.amount_fen, p.state, p.receipt_no, p.created_at, p.paid_at,
                    p.gateway_trade_no,
                    (SELECT COUNT(*) FROM payment_notifications n WHERE n.out_trade_no = p.out_trade_no),
                    (SELECT r.done_at FROM refunds r WHERE r.out_trade_no = p.out_trade_no AND r.state = 'succeeded')
                 FROM payments p WHERE p.order_no = ?1 ORDER BY p.id",
                params![order_no.as_str()],
                |r| {
                    let method: String = r.get(1)?;
                    Ok(PaymentRecord {
                        out_trade_no: r.get(0)?,
                        method: PaymentMethod::from_code(&method)
                            .ok_or_else(|| PlatformError::Internal(format!("payment method {method}")))?,
                        amount: Money::from_fen(r.get(2)?),
                        state: {
                            let state: String = r.get(3)?;
                            PaymentState::from_code(&state)
                                .ok_or_else(|| PlatformError::Internal(format!("payment state {state}")))?
                        },
                        receipt_no: r.get(4)?,
                        created_at: r.get(5)?,
                        paid_at: r.get(6)?,
                        gateway_trade_no: r.get(7)?,
                        notifications: r.get(8)?,
                        refunded_at: r.get(9)?,
                    })
                },
            )?;
            Ok(rows)
        })
    }

    /// A page of the orders `filter` names in one state (its `status_code`: `pendingReview` for 审核,
    /// `approved` for 制证), oldest first, with when each entered it: `orders_in_state` keeps them
    /// in that order.
    pub fn queue(&self, filter: &OrderFilter) -> Result<Vec<(OrderSummary, String)>> {
        let (clause, values) = filter.clause();
        self.read(|conn| {
            let params: Vec<&dyn Param> = values.iter().map(|v| v.as_ref()).collect();
            let rows = conn.query_map(
                &format!(
                    "{SELECT_SUMMARY_WITH_SINCE} {clause} ORDER BY o.status_since, o.order_no LIMIT {} OFFSET {}",
                    filter.limit, filter.offset
                ),
                &params,
                |r| Ok((summary_from_row(r)?, r.get::<String>(9)?)),
            )?;
            Ok(rows)
        })
    }

    /// History rows after `after` (at most 100, oldest first), for one organisation or, for staff, all.
    pub fn events_after(&self, after: i64, organisation_id: Option<i64>) -> Result<Vec<(i64, String, EventRow)>> {
        self.read(|conn| {
            let rows = conn.query_map(
                "SELECT e.id, e.order_no, e.at, e.actor, e.from_status, e.to_status, e.reason, e.staff_name
                 FROM order_events e JOIN orders o ON o.order_no = e.order_no
                 WHERE e.id > ?1 AND (CAST(?2 AS BIGINT) IS NULL OR o.organisation_id = ?2)
                 ORDER BY e.id LIMIT 100",
                params![after, organisation_id],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        EventRow {
                            at: r.get(2)?,
                            actor: r.get(3)?,
                            from: r.get(4)?,
                            to: r.get(5)?,
                            reason: r.get(6)?,
                            staff_name: r.get(7)?,
                        },
                    ))
                },
            )?;
            Ok(rows)
        })
    }

    /// The order's history, oldest first.
    pub fn order_events(&self, order_no: &OrderNumber) -> Result<Vec<EventRow>> {
        self.read(|conn| {
            let rows = conn.query_map(
                "SELECT at, actor, from_status, to_status, reason, staff_name FROM order_events WHERE order_no = ?1
                 ORDER BY id",
                params![order_no.as_str()],
                |r| {
                    Ok(EventRow {
                        at: r.get(0)?,
                        actor: r.get(1)?,
                        from: r.get(2)?,
                        to: r.get(3)?,
                        reason: r.get(4)?,
                        staff_name: r.get(5)?,
                    })
                },
            )?;
            Ok(rows)
        })
    }

    /// The order, if it exists and, for an applicant's view, belongs to `organisation_id`.
    pub fn order_of(&self, order_no: &OrderNumber, organisation_id: Option<i64>) -> Result<Option<OrderSummary>> {
        let Some(organisation_id) = organisation_id else { return self.order(order_no) };
        self.read(|conn| {
            conn.query_opt(
                &format!("{SELECT_SUMMARY} WHERE o.order_no = ?1 AND o.organisation_id = ?2"),
                params![order_no.as_str(), organisation_id],
                summary_from_row,
            )
        })
    }

    pub fn order(&self, order_no: &OrderNumber) -> Result<Option<OrderSummary>> {
        self.read(|conn| order_on(conn, order_no))
    }
}

fn order_on(conn: &Conn<'_>, order_no: &OrderNumber) -> Result<Option<OrderSummary>> {
    conn.query_opt(&format!("{SELECT_SUMMARY} WHERE o.order_no = ?1"), params![order_no.as_str()], summary_from_row)
}

fn face_attempts_in(conn: &Conn<'_>, digest: &str, now: &DateTime<FixedOffset>) -> Result<FaceAttempts> {
    // Counted by the stored Beijing day, not by time: racing attempts are stamped in any order.
    let day = now.with_timezone(&SHANGHAI).date_naive().to_string();
    let used: u32 = conn.query_one(
        "SELECT COUNT(*) FROM face_attempts WHERE id_number_digest = ?1 AND day = ?2",
        params![digest, day],
        |r| r.get(0),
    )?;
    Ok(FaceAttempts::counted(now, used))
}

/// A staff member taking a step, as their history row names them.
#[derive(Debug, Clone, Copy)]
pub struct ByStaff<'a> {
    pub id: i64,
    pub name: &'a str,
}

/// Applies `event` inside `conn`: the order's state through `core::apply`, then its history row.
#[allow(clippy::too_many_arguments)]
pub(crate) fn apply_event(
    conn: &Conn<'_>,
    order_no: &OrderNumber,
    organisation_id: Option<i64>,
    actor: Actor,
    by: Option<ByStaff<'_>>,
    event: &OrderEvent,
    at: &str,
    reason: Option<&str>,
) -> Result<OrderState> {
    let (before, status_json) = order_state(conn, order_no, organisation_id)?;
    let after = certdesk_core::apply(&before, actor, event)?;
    if matches!(event, OrderEvent::ProducedAndShipped { .. } | OrderEvent::IssuedOnSite) {
        super::certificates::require_all_issued(conn, order_no)?;
    }
    let after_json = serde_json::to_string(&after.status).expect("status serialises");
    conn.execute(
        "UPDATE orders SET status = ?1, status_code = ?2, paid = ?3, status_since = ?5, verification = ?6
         WHERE order_no = ?4",
        params![
            after_json,
            after.status.code(),
            after.paid,
            order_no.as_str(),
            at,
            after.status.verification().map(|v| v.code())
        ],
    )?;
    // A review round ends when the order leaves 待审核: approvals given in it do not carry over.
    if after.status.code() != "pendingReview" {
        conn.execute("DELETE FROM order_approvals WHERE order_no = ?1", params![order_no.as_str()])?;
    }
    history_row(conn, order_no, actor, by, Some(&status_json), &after_json, at, reason)?;
    super::outbox::enqueue_for_step(conn, order_no, event, &after.status, at)?;
    Ok(after)
}

/// The order's state as stored (and its status as the stored JSON text), for `organisation_id`
/// or, with `None`, for staff.
pub(crate) fn order_state(
    conn: &Conn<'_>,
    order_no: &OrderNumber,
    organisation_id: Option<i64>,
) -> Result<(OrderState, String)> {
    let found: Option<(String, i64, bool)> = conn.query_opt(
        "SELECT status, fee_fen, paid FROM orders WHERE order_no = ?1 AND (CAST(?2 AS BIGINT) IS NULL OR organisation_id = ?2)",
        params![order_no.as_str(), organisation_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let (status_json, fee, paid) = found.ok_or_else(|| PlatformError::NotFound("订单不存在".into()))?;
    let status: OrderStatus =
        serde_json::from_str(&status_json).map_err(|e| PlatformError::Internal(format!("stored status: {e}")))?;
    Ok((OrderState { status, fee: Money::from_fen(fee), paid }, status_json))
}

/// Appends a history row (the history is append-only).
#[allow(clippy::too_many_arguments)]
pub(crate) fn history_row(
    conn: &Conn<'_>,
    order_no: &OrderNumber,
    actor: Actor,
    by: Option<ByStaff<'_>>,
    from_json: Option<&str>,
    to_json: &str,
    at: &str,
    reason: Option<&str>,
) -> Result<()> {
    let actor_name = serde_json::to_value(actor).expect("actor serialises");
    conn.execute(
        "INSERT INTO order_events (order_no, at, actor, from_status, to_status, reason, staff_id, staff_name)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            order_no.as_str(),
            at,
            actor_name.as_str(),
            from_json,
            to_json,
            reason,
            by.map(|b| b.id),
            by.map(|b| b.name)
        ],
    )?;
    // A staff member's step goes to the audit too, in the same transaction: the status it led to.
    if let Some(by) = by {
        let to = serde_json::from_str::<OrderStatus>(to_json).map(|s| s.label_zh()).unwrap_or_default();
        let detail = match reason {
            Some(reason) => format!("{to}（{reason}）"),
            None => to,
        };
        let record = super::AuditRecord {
            order_no: Some(order_no.as_str()),
            detail: Some(&detail),
            ..super::AuditRecord::new(certdesk_api::AuditAction::OrderStep, Some(by))
        };
        super::staff_audit::append(conn, &record, at)?;
    }
    Ok(())
}

/// One stored history row (statuses still as JSON text, decoded by the caller).
pub struct EventRow {
    pub at: String,
    pub actor: String,
    pub from: Option<String>,
    pub to: String,
    pub reason: Option<String>,
    pub staff_name: Option<String>,
}

const SELECT_SUMMARY: &str = "SELECT o.order_no, o.provider_id, p.name, o.organisation_name, o.applicant_name,
        o.quantity, o.fee_fen, o.status, o.submitted_at
    FROM orders o JOIN providers p ON p.id = o.provider_id";

/// The summary columns and, tenth, when the order entered its current state.
const SELECT_SUMMARY_WITH_SINCE: &str =
    "SELECT o.order_no, o.provider_id, p.name, o.organisation_name, o.applicant_name,
        o.quantity, o.fee_fen, o.status, o.submitted_at, o.status_since
    FROM orders o JOIN providers p ON p.id = o.provider_id";

fn summary_from_row(r: &Row<'_>) -> Result<OrderSummary> {
    let order_no: String = r.get(0)?;
    let status: String = r.get(7)?;
    Ok(OrderSummary {
        order_no: OrderNumber::parse(&order_no)?,
        provider_id: r.get(1)?,
        provider_name: r.get(2)?,
        organisation_name: r.get(3)?,
        applicant_name: r.get(4)?,
        quantity: r.get(5)?,
        fee: Money::from_fen(r.get(6)?),
        status: serde_json::from_str::<OrderStatus>(&status)
            .map_err(|e| PlatformError::Internal(format!("stored status: {e}")))?,
        submitted_at: r.get(8)?,
    })
}

/// A parsed `GET /v1/orders` query: SQL-ready bounds.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    /// Only this organisation's orders (an applicant's view); `None` for staff.
    pub organisation_id: Option<i64>,
    pub order_no_prefix: Option<String>,
    pub status_code: Option<String>,
    pub provider_id: Option<String>,
    /// `YYYY-MM-DD`: RFC 3339 texts in +08:00 compare correctly against a date prefix.
    pub submitted_from: Option<chrono::NaiveDate>,
    pub submitted_before: Option<chrono::NaiveDate>,
    /// By [`certdesk_core::Verification::code`].
    pub verification: Option<String>,
    pub limit: u32,
    pub offset: u32,
}
