//! The app's local record of the user's orders in SQLite, so that the order list, search and detail
//! work offline and survive restarts. The platform is the authority: what it reports replaces what
//! is stored here.
//!
//! One module per table; migrations only add; WAL and a busy timeout on every connection; reads over
//! `&Connection`, writes in a transaction.

mod drafts;
mod expiry_notices;
mod orders;
mod preferences;
mod sealed;
mod session;
mod staff_session;

pub use drafts::{StoredDraft, delete_draft, draft, draft_for_order, list_drafts, save_draft};
pub use expiry_notices::note_expiry_notice;
pub use orders::{
    PageStatements, feed_cursor, list_orders, order_detail, order_page, page_statements, save_feed_cursor,
    save_order_detail, upsert_order,
};
pub use preferences::{PREFERRED_CAMERA, preference, set_preference};
pub use sealed::{SealedTable, SealedValue, forget_sealed, sealed_values};
pub use session::{StoredSession, forget_session, save_session, session};
pub use staff_session::{StoredStaffSession, forget_staff_session, save_staff_session, staff_session};

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("本地数据库错误：{0}")]
    Database(#[from] rusqlite::Error),
    #[error("本地数据库升级失败：{0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("本地数据库中的记录已损坏：{0}")]
    Corrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Timestamped migrations, oldest first; never edit one that has shipped, add a new one. Public so
/// that the upgrade tests can build a database as an earlier version left it.
pub const MIGRATIONS: &[M<'static>] = &[
    M::up(orders::MIGRATION_20261128_CREATE),
    M::up(drafts::MIGRATION_20261128_DRAFTS),
    M::up(session::MIGRATION_20261128_SESSION),
    M::up(orders::MIGRATION_20261129_OWNER),
    M::up(drafts::MIGRATION_20261129_OWNER),
    M::up(orders::MIGRATION_20261129_KEYED_BY_OWNER),
    M::up(staff_session::MIGRATION_20261202_STAFF_SESSION),
    M::up(expiry_notices::MIGRATION_20261203_EXPIRY_NOTICES),
    M::up(orders::MIGRATION_20261203_STATUS_CODE),
    M::up(preferences::MIGRATION_20261204_PREFERENCES),
];

/// Opens (creating if needed) the local database at `path` and brings it to the latest schema.
pub fn open(path: &Path) -> Result<Connection> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Corrupt(format!("{}: {e}", dir.display())))?;
    }
    let mut conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // Drafts are written on every change; FULL makes each one durable the moment it is committed.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Migrations::from_slice(MIGRATIONS).to_latest(&mut conn)?;
    Ok(conn)
}
