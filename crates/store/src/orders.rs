//! The `orders` table: the last state of each order the platform reported.

use crate::{Result, StoreError};
use certdesk_api::OrderSummary;
use certdesk_core::{Money, OrderNumber};
use rusqlite::{Connection, params};

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

/// Records what the platform reported about an order, replacing any older local copy.
pub fn upsert_order(conn: &mut Connection, order: &OrderSummary) -> Result<()> {
    let status = serde_json::to_string(&order.status).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let tx = conn.transaction()?;
    tx.execute(
        "INSERT INTO orders (order_no, provider_id, provider_name, organisation_name, applicant_name, quantity,
            fee_fen, status, submitted_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (order_no) DO UPDATE SET
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
        ],
    )?;
    tx.commit()?;
    Ok(())
}

/// Every stored order, newest first (order numbers increase with time).
pub fn list_orders(conn: &Connection) -> Result<Vec<OrderSummary>> {
    let mut stmt = conn.prepare(
        "SELECT order_no, provider_id, provider_name, organisation_name, applicant_name, quantity, fee_fen,
                status, submitted_at
         FROM orders ORDER BY order_no DESC",
    )?;
    let rows = stmt.query_map([], |r| {
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
