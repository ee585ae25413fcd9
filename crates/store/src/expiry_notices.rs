//! The `expiry_notices` table: which expiry reminders (a certificate, a threshold in days) this
//! computer has shown as a desktop notification, so each shows once per owner.

use crate::Result;
use rusqlite::{Connection, params};

pub(crate) const MIGRATION_20261203_EXPIRY_NOTICES: &str = "CREATE TABLE expiry_notices (
    owner TEXT NOT NULL,
    serial TEXT NOT NULL,
    days INTEGER NOT NULL,
    shown_at TEXT NOT NULL,
    PRIMARY KEY (owner, serial, days)
);";

/// Records the notice of `days` for `serial`; whether it is new (and so is to be shown).
pub fn note_expiry_notice(conn: &Connection, owner: &str, serial: &str, days: i64, at: &str) -> Result<bool> {
    let inserted = conn.execute(
        "INSERT OR IGNORE INTO expiry_notices (owner, serial, days, shown_at) VALUES (?1, ?2, ?3, ?4)",
        params![owner, serial, days, at],
    )?;
    Ok(inserted == 1)
}
