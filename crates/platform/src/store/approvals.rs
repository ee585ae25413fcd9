//! The `order_approvals` table: the reviewers who approved an order in its current review round,
//! for four-eyes review (`approvals_required = 2`). A round ends when the order leaves 待审核
//! (`apply_event` clears it): one rejection rejects, and a resubmitted order is reviewed afresh.

use super::orders::{ByStaff, apply_event, history_row, order_state};
use super::{Db, params};
use crate::{PlatformError, Result};
use certdesk_api::OrderSummary;
use certdesk_core::{Actor, OrderEvent, OrderNumber};

/// What one reviewer's 审核通过 did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approval {
    /// Enough distinct reviewers approved: the order is 审核通过.
    Approved(OrderSummary),
    /// Recorded; the order waits for `required - given` more reviewers.
    Recorded { order: OrderSummary, given: u32, required: u32 },
}

impl Db {
    /// 审核通过 by `by`, in one transaction: with `required` above 1 the approval is counted, and
    /// the order is approved only when that many distinct reviewers have approved it. The same
    /// reviewer twice is refused.
    pub fn approve(
        &self,
        order_no: &OrderNumber,
        actor: Actor,
        by: ByStaff<'_>,
        required: u32,
        at: &str,
    ) -> Result<Approval> {
        let given = self.write(|conn| {
            if required <= 1 {
                apply_event(conn, order_no, None, actor, Some(by), &OrderEvent::Approved, at, None)?;
                return Ok(None);
            }
            // The state machine decides whether the order may be approved now, before anything is kept.
            let (before, status_json) = order_state(conn, order_no, None)?;
            certdesk_core::apply(&before, actor, &OrderEvent::Approved)?;
            let inserted: Option<i64> = conn.query_opt(
                "INSERT INTO order_approvals (order_no, staff_id, staff_name, at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT DO NOTHING RETURNING staff_id",
                params![order_no.as_str(), by.id, by.name, at],
                |r| r.get(0),
            )?;
            if inserted.is_none() {
                return Err(PlatformError::Conflict("您已审核通过该订单，需另一位审核人员复核".into()));
            }
            let given: i64 = conn.query_one(
                "SELECT COUNT(*) FROM order_approvals WHERE order_no = ?1",
                params![order_no.as_str()],
                |r| r.get(0),
            )?;
            let given = u32::try_from(given).unwrap_or(u32::MAX);
            let note = format!("审核通过（{given}/{required}）");
            if given >= required {
                apply_event(conn, order_no, None, actor, Some(by), &OrderEvent::Approved, at, Some(&note))?;
                Ok(None)
            } else {
                let waiting = format!("{note}，待另一位审核人员复核");
                history_row(conn, order_no, actor, Some(by), Some(&status_json), &status_json, at, Some(&waiting))?;
                Ok(Some(given))
            }
        })?;
        let order = self.order(order_no)?.ok_or_else(|| PlatformError::Internal("order vanished".into()))?;
        Ok(match given {
            None => Approval::Approved(order),
            Some(given) => Approval::Recorded { order, given, required },
        })
    }
}
