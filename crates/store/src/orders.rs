//! The `orders` table: the last state of each order the platform reported.

use crate::{Result, StoreError};
use certdesk_api::OrderDetail;
use certdesk_api::OrderSummary;
use certdesk_core::{Money, OrderListFilter, OrderNumber};
use rusqlite::{Connection, OptionalExtension, params};

pub(crate) const MIGRATION_20261128_CREATE: &str = "CREATE TABLE orders (
    order_no TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL,
    provider_name TEXT NOT NULL,
    organisation_name TEXT NOT NULL,
    applicant_name TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    fee_fen INTEGER NOT NULL,
    status TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    synced_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX orders_newest_first ON orders(order_no DESC);";

/// Each order belongs to the account that saw it (several organisations may share a computer), and
/// 查看's timeline is kept so that it also opens offline.
pub(crate) const MIGRATION_20261129_OWNER: &str = "ALTER TABLE orders ADD COLUMN owner TEXT NOT NULL DEFAULT '';
CREATE INDEX orders_by_owner ON orders(owner, order_no DESC);
CREATE TABLE order_details (
    order_no TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    detail_json TEXT NOT NULL,
    synced_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
-- Where each account left off in the platform's events feed.
CREATE TABLE feed_cursors (owner TEXT PRIMARY KEY, last_event_id INTEGER NOT NULL);";

/// An order is its owner's: two platforms (or the embedded one and a real one) may issue the same
/// number, and neither may overwrite the other's row. The tables are rebuilt keyed by (owner,
/// order_no), every row kept.
pub(crate) const MIGRATION_20261129_KEYED_BY_OWNER: &str = "CREATE TABLE orders_keyed (
    owner TEXT NOT NULL,
    order_no TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    provider_name TEXT NOT NULL,
    organisation_name TEXT NOT NULL,
    applicant_name TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    fee_fen INTEGER NOT NULL,
    status TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    synced_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (owner, order_no)
);
INSERT INTO orders_keyed (owner, order_no, provider_id, provider_name, organisation_name, applicant_name,
    quantity, fee_fen, status, submitted_at, synced_at)
    SELECT owner, order_no, provider_id, provider_name, organisation_name, applicant_name, quantity, fee_fen,
        status, submitted_at, synced_at FROM orders;
DROP TABLE orders;
ALTER TABLE orders_keyed RENAME TO orders;
CREATE TABLE order_details_keyed (
    owner TEXT NOT NULL,
    order_no TEXT NOT NULL,
    detail_json TEXT NOT NULL,
    synced_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (owner, order_no)
);
INSERT INTO order_details_keyed (owner, order_no, detail_json, synced_at)
    SELECT owner, order_no, detail_json, synced_at FROM order_details;
DROP TABLE order_details;
ALTER TABLE order_details_keyed RENAME TO order_details;";

/// The list is searched by 申领状态 in SQL, a page at a time: the state's code gets a column of its
/// own (filled from the stored status) and an index beside the list's order.
pub(crate) const MIGRATION_20261203_STATUS_CODE: &str =
    "ALTER TABLE orders ADD COLUMN status_code TEXT NOT NULL DEFAULT '';
UPDATE orders SET status_code = COALESCE(json_extract(status, '$.state'), '');
CREATE INDEX orders_by_owner_status ON orders(owner, status_code, order_no DESC);";

/// Records what the platform reported to `owner` about an order, replacing any older local copy.
/// Returns the status stored before, if the order was known: a change is what a notification tells.
pub fn upsert_order(conn: &mut Connection, owner: &str, order: &OrderSummary) -> Result<Option<String>> {
    let status = serde_json::to_string(&order.status).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let tx = conn.transaction()?;
    let before: Option<String> = tx
        .query_row(
            "SELECT status FROM orders WHERE owner = ?1 AND order_no = ?2",
            [owner, order.order_no.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    tx.execute(
        "INSERT INTO orders (order_no, provider_id, provider_name, organisation_name, applicant_name, quantity,
            fee_fen, status, submitted_at, owner, status_code)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (owner, order_no) DO UPDATE SET
            provider_id = excluded.provider_id, provider_name = excluded.provider_name,
            organisation_name = excluded.organisation_name, applicant_name = excluded.applicant_name,
            quantity = excluded.quantity, fee_fen = excluded.fee_fen, status = excluded.status,
            status_code = excluded.status_code, submitted_at = excluded.submitted_at,
            synced_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
        params![
            order.order_no.as_str(),
            order.provider_id,
            order.provider_name,
            order.organisation_name,
            order.applicant_name,
            order.quantity,
            order.fee.fen(),
            status,
            order.submitted_at,
            owner,
            order.status.code(),
        ],
    )?;
    tx.commit()?;
    Ok(before.filter(|b| *b != status))
}

const SUMMARY_COLUMNS: &str =
    "order_no, provider_id, provider_name, organisation_name, applicant_name, quantity, fee_fen, status, submitted_at";

/// Every stored order of `owner`, newest first (order numbers increase with time).
pub fn list_orders(conn: &Connection, owner: &str) -> Result<Vec<OrderSummary>> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {SUMMARY_COLUMNS} FROM orders WHERE owner = ?1 ORDER BY order_no DESC"))?;
    let rows = stmt.query_map([owner], summary_columns)?;
    rows.map(|row| summary(row?)).collect()
}

/// One page of `owner`'s stored orders that pass `filter`, newest first, and how many pass it: the
/// order list's search and paging, in SQL and offline.
pub fn order_page(conn: &Connection, owner: &str, filter: &OrderListFilter) -> Result<(Vec<OrderSummary>, u32)> {
    let PageStatements { count, page, values } = page_statements(owner, filter);
    let total: u32 = conn.prepare_cached(&count)?.query_row(rusqlite::params_from_iter(values.iter()), |r| r.get(0))?;
    let mut stmt = conn.prepare_cached(&page)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(values.iter()), summary_columns)?;
    let items = rows.map(|row| summary(row?)).collect::<Result<_>>()?;
    Ok((items, total))
}

/// The two statements of a page (how many pass, and the page's rows) and their values, in the order
/// of their placeholders. Public so that the benchmark runs the very same SQL through `sqlite3`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageStatements {
    pub count: String,
    pub page: String,
    pub values: Vec<String>,
}

/// The text depends only on which filters are set and on the page, so each shape is prepared once
/// and cached.
pub fn page_statements(owner: &str, filter: &OrderListFilter) -> PageStatements {
    let mut conditions = vec!["owner = ?1".to_owned()];
    let mut values = vec![owner.to_owned()];
    let mut add = |condition: &str, value: String| {
        values.push(value);
        conditions.push(condition.replace('?', &format!("?{}", values.len())));
    };
    if let Some(prefix) = &filter.order_no_prefix {
        // A range on the key (':' follows '9'), which the primary key's index answers; LIKE would not.
        add("order_no >= ?", prefix.clone());
        add("order_no < ?", format!("{prefix}:"));
    }
    if let Some(code) = &filter.status_code {
        add("status_code = ?", code.clone());
    }
    if let Some(provider) = &filter.provider_id {
        add("provider_id = ?", provider.clone());
    }
    // RFC 3339 texts in +08:00 compare correctly against a Beijing date.
    if let Some(from) = filter.submitted_from {
        add("submitted_at >= ?", from.to_string());
    }
    if let Some(before) = filter.submitted_before {
        add("submitted_at < ?", before.to_string());
    }
    let clause = conditions.join(" AND ");
    PageStatements {
        count: format!("SELECT COUNT(*) FROM orders WHERE {clause}"),
        page: format!(
            "SELECT {SUMMARY_COLUMNS} FROM orders WHERE {clause} ORDER BY order_no DESC LIMIT {} OFFSET {}",
            filter.page_size,
            filter.offset()
        ),
        values,
    }
}

type SummaryColumns = (String, String, String, String, String, u32, i64, String, String);

fn summary_columns(r: &rusqlite::Row<'_>) -> rusqlite::Result<SummaryColumns> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?))
}

fn summary(columns: SummaryColumns) -> Result<OrderSummary> {
    let (order_no, provider_id, provider_name, organisation_name, applicant_name, quantity, fee, status, submitted_at) =
        columns;
    Ok(OrderSummary {
        order_no: OrderNumber::parse(&order_no).map_err(|e| StoreError::Corrupt(format!("{order_no}: {e}")))?,
        provider_id,
        provider_name,
        organisation_name,
        applicant_name,
        quantity,
        fee: Money::from_fen(fee),
        status: serde_json::from_str(&status).map_err(|e| StoreError::Corrupt(format!("{order_no}: {e}")))?,
        submitted_at,
    })
}

/// Keeps 查看's answer (the order, its timeline and ETA) for `owner`, and the order's row with it.
pub fn save_order_detail(conn: &mut Connection, owner: &str, detail: &OrderDetail) -> Result<Option<String>> {
    let json = serde_json::to_string(detail).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let changed = upsert_order(conn, owner, &detail.order)?;
    conn.execute(
        "INSERT INTO order_details (order_no, owner, detail_json) VALUES (?1, ?2, ?3)
         ON CONFLICT (owner, order_no) DO UPDATE SET detail_json = excluded.detail_json,
            synced_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
        params![detail.order.order_no.as_str(), owner, json],
    )?;
    Ok(changed)
}

/// 查看 as last seen by `owner`, for when the platform cannot be reached.
pub fn order_detail(conn: &Connection, owner: &str, order_no: &str) -> Result<Option<OrderDetail>> {
    let json: Option<String> = conn
        .query_row("SELECT detail_json FROM order_details WHERE order_no = ?1 AND owner = ?2", [order_no, owner], |r| {
            r.get(0)
        })
        .optional()?;
    json.map(|j| serde_json::from_str(&j).map_err(|e| StoreError::Corrupt(format!("{order_no}: {e}")))).transpose()
}

/// The last event of the platform's feed that `owner` has taken in, if it ever read the feed here.
pub fn feed_cursor(conn: &Connection, owner: &str) -> Result<Option<i64>> {
    Ok(conn.query_row("SELECT last_event_id FROM feed_cursors WHERE owner = ?1", [owner], |r| r.get(0)).optional()?)
}

pub fn save_feed_cursor(conn: &Connection, owner: &str, last_event_id: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO feed_cursors (owner, last_event_id) VALUES (?1, ?2)
         ON CONFLICT (owner) DO UPDATE SET last_event_id = excluded.last_event_id",
        params![owner, last_event_id],
    )?;
    Ok(())
}
