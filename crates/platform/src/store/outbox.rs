//! outbox: the email the platform owes. A message is written in the transaction of the change it
//! reports (so a change is never left unannounced and a rolled-back one never announced), then
//! claimed, sent and marked sent by the mail worker (`mail.rs`), retried with back-off while the
//! SMTP server is down. A claim is a lease, so two instances on one PostgreSQL never send the same
//! message at once, and a worker that died mid-send lets another take it over when it expires.
//!
//! Rows hold no personal data beyond a sealed recipient: the message is written from the order
//! when it is sent.

use super::{Conn, Db, Row, params};
use crate::Result;
use certdesk_core::{OrderEvent, OrderNumber, OrderStatus};

/// What a message reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    /// 审核通过.
    Approved,
    /// 审核未通过, the reason in `detail`.
    Rejected,
    /// 已发证 by mail, `courier` and tracking number in `detail` (`courier\ttracking`).
    Shipped,
    /// 已发证 at the counter.
    IssuedOnSite,
    /// A refund made, its amount in fen in `detail`.
    Refunded,
    /// The electronic invoice, sent whatever the organisation's notice setting.
    Invoice,
    /// A certificate's 有效期 ends soon: `serial\tdays left\tnot_after` in `detail`; sent whatever
    /// the setting, as an expired certificate stops the organisation's bids.
    ExpiryReminder,
}

impl MailKind {
    pub fn code(self) -> &'static str {
        match self {
            MailKind::Approved => "approved",
            MailKind::Rejected => "rejected",
            MailKind::Shipped => "shipped",
            MailKind::IssuedOnSite => "issuedOnSite",
            MailKind::Refunded => "refunded",
            MailKind::Invoice => "invoice",
            MailKind::ExpiryReminder => "expiryReminder",
        }
    }

    fn from_code(code: &str) -> Option<MailKind> {
        [
            MailKind::Approved,
            MailKind::Rejected,
            MailKind::Shipped,
            MailKind::IssuedOnSite,
            MailKind::Refunded,
            MailKind::Invoice,
            MailKind::ExpiryReminder,
        ]
        .into_iter()
        .find(|k| k.code() == code)
    }

    /// A status notice, which an organisation may turn off; the invoice and the reminders are not.
    pub fn is_notice(self) -> bool {
        !matches!(self, MailKind::Invoice | MailKind::ExpiryReminder)
    }
}

/// One message owed.
#[derive(Debug, Clone)]
pub struct OutboxRow {
    pub id: i64,
    pub order_no: String,
    pub kind: MailKind,
    pub detail: Option<String>,
    /// Sealed; `None` means the application's email.
    pub recipient_sealed: Option<Vec<u8>>,
    pub created_at: String,
    pub attempts: u32,
    pub sent_at: Option<String>,
    pub last_error: Option<String>,
}

const SELECT_OUTBOX: &str =
    "SELECT id, order_no, kind, detail, recipient_sealed, created_at, attempts, sent_at, last_error FROM outbox";

fn outbox_from_row(row: &Row<'_>) -> Result<OutboxRow> {
    let kind: String = row.get(2)?;
    Ok(OutboxRow {
        id: row.get(0)?,
        order_no: row.get(1)?,
        kind: MailKind::from_code(&kind)
            .ok_or_else(|| crate::PlatformError::Internal(format!("stored mail kind {kind}")))?,
        detail: row.get(3)?,
        recipient_sealed: row.get(4)?,
        created_at: row.get(5)?,
        attempts: row.get(6)?,
        sent_at: row.get(7)?,
        last_error: row.get(8)?,
    })
}

/// Whether the organisation of `order_no` wants status notices (an order of no organisation does).
fn notices_wanted(conn: &Conn<'_>, order_no: &OrderNumber) -> Result<bool> {
    let wanted: Option<Option<bool>> = conn.query_opt(
        "SELECT g.status_notices FROM orders o LEFT JOIN organisations g ON g.id = o.organisation_id
         WHERE o.order_no = ?1",
        params![order_no.as_str()],
        |r| r.get(0),
    )?;
    Ok(wanted.flatten().unwrap_or(true))
}

/// Owes a message, in the caller's transaction. Status notices the organisation turned off are
/// not written; the invoice always is.
pub(crate) fn enqueue(
    conn: &Conn<'_>,
    order_no: &OrderNumber,
    kind: MailKind,
    detail: Option<&str>,
    recipient_sealed: Option<&[u8]>,
    at: &str,
) -> Result<()> {
    if kind.is_notice() && !notices_wanted(conn, order_no)? {
        return Ok(());
    }
    conn.execute(
        "INSERT INTO outbox (order_no, kind, detail, recipient_sealed, created_at, next_attempt_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![order_no.as_str(), kind.code(), detail, recipient_sealed, at],
    )?;
    Ok(())
}

/// The notice an order's step owes, if any: what `apply_event` calls with each step it stores.
pub(crate) fn enqueue_for_step(
    conn: &Conn<'_>,
    order_no: &OrderNumber,
    event: &OrderEvent,
    after: &OrderStatus,
    at: &str,
) -> Result<()> {
    let (kind, detail) = match (event, after) {
        (OrderEvent::Approved, OrderStatus::Approved { .. }) => (MailKind::Approved, None),
        (OrderEvent::Rejected { .. }, OrderStatus::Rejected { reason, .. }) => {
            (MailKind::Rejected, Some(reason.clone()))
        }
        (OrderEvent::ProducedAndShipped { courier, tracking_no }, _) => {
            (MailKind::Shipped, Some(format!("{courier}\t{tracking_no}")))
        }
        (OrderEvent::IssuedOnSite, _) => (MailKind::IssuedOnSite, None),
        // An approval still waiting for a second reviewer, and every other step, say nothing.
        _ => return Ok(()),
    };
    enqueue(conn, order_no, kind, detail.as_deref(), None, at)
}

impl Db {
    /// Messages due at `now`, oldest first, at most `limit`.
    pub fn due_mail(&self, now: &str, limit: i64) -> Result<Vec<OutboxRow>> {
        self.read(|conn| {
            conn.query_map(
                &format!(
                    "{SELECT_OUTBOX} WHERE sent_at IS NULL AND next_attempt_at <= ?1
                     AND (claimed_until IS NULL OR claimed_until < ?1) ORDER BY id LIMIT ?2"
                ),
                params![now, limit],
                outbox_from_row,
            )
        })
    }

    /// Takes message `id` until `until`, unless it was sent or another worker holds it: whether
    /// this worker may send it.
    pub fn claim_mail(&self, id: i64, now: &str, until: &str) -> Result<bool> {
        self.write(|conn| {
            Ok(conn.execute(
                "UPDATE outbox SET claimed_until = ?3
                 WHERE id = ?1 AND sent_at IS NULL AND (claimed_until IS NULL OR claimed_until < ?2)",
                params![id, now, until],
            )? == 1)
        })
    }

    /// Message `id` was accepted by the SMTP server (or written to the folder): sent, once.
    pub fn mail_sent(&self, id: i64, at: &str) -> Result<()> {
        self.write(|conn| {
            conn.execute(
                "UPDATE outbox SET sent_at = ?2, attempts = attempts + 1, claimed_until = NULL, last_error = NULL
                 WHERE id = ?1 AND sent_at IS NULL",
                params![id, at],
            )?;
            Ok(())
        })
    }

    /// Sending message `id` failed: why, and when to try again.
    pub fn mail_failed(&self, id: i64, error: &str, next_attempt_at: &str) -> Result<()> {
        self.write(|conn| {
            conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, claimed_until = NULL, last_error = ?2, next_attempt_at = ?3
                 WHERE id = ?1 AND sent_at IS NULL",
                params![id, error, next_attempt_at],
            )?;
            Ok(())
        })
    }

    /// Every message of an order, oldest first (staff's view and the tests).
    pub fn order_mail(&self, order_no: &OrderNumber) -> Result<Vec<OutboxRow>> {
        self.read(|conn| {
            conn.query_map(
                &format!("{SELECT_OUTBOX} WHERE order_no = ?1 ORDER BY id"),
                params![order_no.as_str()],
                outbox_from_row,
            )
        })
    }

    /// 重新发送: the invoice once more, to `recipient_sealed`, which becomes the invoice's address.
    pub fn enqueue_invoice_again(&self, order_no: &OrderNumber, recipient_sealed: &[u8], at: &str) -> Result<()> {
        self.write(|conn| {
            conn.execute(
                "UPDATE invoices SET email_sealed = ?2 WHERE order_no = ?1",
                params![order_no.as_str(), recipient_sealed],
            )?;
            enqueue(conn, order_no, MailKind::Invoice, None, Some(recipient_sealed), at)
        })
    }

    /// The organisation's 账户设置: whether it receives status notices.
    pub fn status_notices(&self, organisation_id: i64) -> Result<bool> {
        self.read(|conn| {
            conn.query_one("SELECT status_notices FROM organisations WHERE id = ?1", params![organisation_id], |r| {
                r.get(0)
            })
        })
    }

    pub fn set_status_notices(&self, organisation_id: i64, on: bool) -> Result<()> {
        self.write(|conn| {
            conn.execute("UPDATE organisations SET status_notices = ?2 WHERE id = ?1", params![organisation_id, on])?;
            Ok(())
        })
    }
}
