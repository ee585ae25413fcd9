//! Every sealed value the store holds, across its tables (drafts, the organisation's and the staff's
//! sessions), so that the app can check them against its key at start and forget those that no
//! longer open (the key was removed from the keychain) instead of failing on each later.

use crate::Result;
use rusqlite::Connection;

/// Which table a sealed value is in; its row's key is what the app sealed it against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealedTable {
    Draft,
    Session,
    StaffSession,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedValue {
    pub table: SealedTable,
    /// The draft's id, the session's platform URL, the staff session's platform.
    pub key: String,
    pub sealed: Vec<u8>,
}

pub fn sealed_values(conn: &Connection) -> Result<Vec<SealedValue>> {
    let mut values = Vec::new();
    for (table, sql) in [
        (SealedTable::Draft, "SELECT id, form_sealed FROM drafts"),
        (SealedTable::Session, "SELECT platform_url, token_sealed FROM session"),
        (SealedTable::StaffSession, "SELECT platform, token_sealed FROM staff_session"),
    ] {
        let mut statement = conn.prepare(sql)?;
        let rows = statement.query_map([], |r| Ok(SealedValue { table, key: r.get(0)?, sealed: r.get(1)? }))?;
        for row in rows {
            values.push(row?);
        }
    }
    Ok(values)
}

/// Forgets the row of each value, in one transaction.
pub fn forget_sealed(conn: &mut Connection, values: &[SealedValue]) -> Result<()> {
    let tx = conn.transaction()?;
    for value in values {
        let sql = match value.table {
            SealedTable::Draft => "DELETE FROM drafts WHERE id = ?1",
            SealedTable::Session => "DELETE FROM session WHERE platform_url = ?1",
            SealedTable::StaffSession => "DELETE FROM staff_session WHERE platform = ?1",
        };
        tx.execute(sql, [&value.key])?;
    }
    tx.commit()?;
    Ok(())
}
