//! staff_audit (操作日志): who of the staff did what, when — log-ins and failed log-ins, every step
//! on an order (written by the history's own insert, in its transaction), and 管理's changes.
//! Append-only; the administrator reads it filtered by member, order and day.

use super::orders::ByStaff;
use super::{Conn, Db, params};
use crate::{PlatformError, Result};
use certdesk_api::{AuditAction, AuditEntry, AuditQuery};
use certdesk_core::SHANGHAI;
use chrono::{DateTime, NaiveDate, Utc};

/// One entry to append.
#[derive(Debug, Clone, Copy)]
pub struct AuditRecord<'a> {
    pub staff: Option<ByStaff<'a>>,
    pub username: Option<&'a str>,
    pub action: AuditAction,
    pub order_no: Option<&'a str>,
    pub detail: Option<&'a str>,
    pub client: Option<&'a str>,
}

impl<'a> AuditRecord<'a> {
    pub fn new(action: AuditAction, staff: Option<ByStaff<'a>>) -> Self {
        AuditRecord { staff, username: None, action, order_no: None, detail: None, client: None }
    }
}

/// Appends `record` inside `conn`'s transaction.
pub(crate) fn append(conn: &Conn<'_>, record: &AuditRecord<'_>, at: &str) -> Result<()> {
    // A username typed at a failed log-in is whatever the caller sent: kept short.
    let username: Option<String> = record.username.map(|u| u.trim().chars().take(64).collect());
    conn.execute(
        "INSERT INTO staff_audit (at, staff_id, staff_name, username, action, order_no, detail, client)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            at,
            record.staff.map(|s| s.id),
            record.staff.map(|s| s.name),
            username.as_deref(),
            record.action.code(),
            record.order_no,
            record.detail,
            record.client
        ],
    )?;
    Ok(())
}

const MAX_PAGE_SIZE: u32 = 100;

/// `YYYY-MM-DD` as the first instant of that day in Asia/Shanghai, in the stored text form.
fn day_start(text: &str, field: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| PlatformError::BadRequest(format!("{field}应为 YYYY-MM-DD 格式的日期")))
}

fn at_midnight(day: NaiveDate) -> String {
    day.and_hms_opt(0, 0, 0).expect("midnight exists").and_local_timezone(SHANGHAI).unwrap().to_rfc3339()
}

impl Db {
    /// Appends one entry in a transaction of its own.
    pub fn record_audit(&self, record: &AuditRecord<'_>, now: DateTime<Utc>) -> Result<()> {
        let at = now.with_timezone(&SHANGHAI).to_rfc3339();
        self.write(|conn| append(conn, record, &at))
    }

    /// The entries `query` asks for, newest first.
    pub fn audit_entries(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>> {
        let from = query.from.as_deref().map(|d| day_start(d, "开始日期")).transpose()?.map(at_midnight);
        let until = query
            .to
            .as_deref()
            .map(|d| day_start(d, "结束日期"))
            .transpose()?
            .map(|d| at_midnight(d.succ_opt().unwrap_or(d)));
        let size = query.page_size.unwrap_or(50).clamp(1, MAX_PAGE_SIZE);
        let offset = (query.page.unwrap_or(1).max(1) - 1) * size;
        let order_no = query.order_no.as_deref().map(str::trim).filter(|n| !n.is_empty());
        self.read(|conn| {
            conn.query_map(
                "SELECT id, at, staff_id, staff_name, username, action, order_no, detail, client FROM staff_audit
                 WHERE (CAST(?1 AS BIGINT) IS NULL OR staff_id = ?1)
                   AND (CAST(?2 AS TEXT) IS NULL OR order_no = ?2)
                   AND (CAST(?3 AS TEXT) IS NULL OR at >= ?3)
                   AND (CAST(?4 AS TEXT) IS NULL OR at < ?4)
                 ORDER BY at DESC, id DESC LIMIT ?5 OFFSET ?6",
                params![
                    query.member_id,
                    order_no,
                    from.as_deref(),
                    until.as_deref(),
                    i64::from(size),
                    i64::from(offset)
                ],
                |r| {
                    let code: String = r.get(5)?;
                    let action = AuditAction::from_code(&code)
                        .ok_or_else(|| PlatformError::Internal(format!("stored audit action: {code}")))?;
                    Ok(AuditEntry {
                        id: r.get(0)?,
                        at: r.get(1)?,
                        staff_id: r.get(2)?,
                        staff_name: r.get(3)?,
                        username: r.get(4)?,
                        action,
                        order_no: r.get(6)?,
                        detail: r.get(7)?,
                        client: r.get(8)?,
                    })
                },
            )
        })
    }
}
