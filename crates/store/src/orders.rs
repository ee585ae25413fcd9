//! The `orders` table: the last state of each order the platform reported.

use crate::{Result, StoreError};
use certdesk_api::OrderDetail;
use certdesk_api::OrderSummary;
use certdesk_core::{Money, OrderNumber};
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
            fee_fen, status, submitted_at, owner)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (owner, order_no) DO UPDATE SET
            provider_id = excluded.provider_id, provider_name = excluded.provider_name,
            organisation_name = excluded.organisation_name, applicant_name = excluded.applicant_name,
            quantity = excluded.quantity, fee_fen = excluded.fee_fen, status = excluded.status,
            submitted_at = excluded.submitted_at,
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
        ],
    )?;
    tx.commit()?;
    Ok(before.filter(|b| *b != status))
}

/// Every stored order of `owner`, newest first (order numbers increase with time).
pub fn list_orders(conn: &Connection, owner: &str) -> Result<Vec<OrderSummary>> {
    let mut stmt = conn.prepare(
        "SELECT order_no, provider_id, provider_name, organisation_name, applicant_name, quantity, fee_fen,
                status, submitted_at
         FROM orders WHERE owner = ?1 ORDER BY order_no DESC",
    )?;
    let rows = stmt.query_map([owner], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, u32>(5)?,
            r.get::<_, i64>(6)?,
            r.get::<_, String>(7)?,
            r.get::<_, String>(8)?,
        ))
    })?;
    rows.map(|row| {
        let (
            order_no,
            provider_id,
            provider_name,
            organisation_name,
            applicant_name,
            quantity,
            fee,
            status,
            submitted_at,
        ) = row?;
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
    })
    .collect()
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
