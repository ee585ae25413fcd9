//! The `session` table: the applicant's login to one platform, kept across restarts. The token is
//! sealed by the caller; it never sits on disk in clear.

use crate::Result;
use rusqlite::{Connection, OptionalExtension, params};

pub(crate) const MIGRATION_20261128_SESSION: &str = "CREATE TABLE session (
    platform_url TEXT PRIMARY KEY,
    token_sealed BLOB NOT NULL,
    username TEXT NOT NULL,
    organisation_name TEXT NOT NULL,
    credit_code TEXT NOT NULL,
    expires_at TEXT NOT NULL
);";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    pub platform_url: String,
    pub token_sealed: Vec<u8>,
    pub username: String,
    pub organisation_name: String,
    pub credit_code: String,
    pub expires_at: String,
}

pub fn save_session(conn: &Connection, session: &StoredSession) -> Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO session (platform_url, token_sealed, username, organisation_name, credit_code,
            expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            session.platform_url,
            session.token_sealed,
            session.username,
            session.organisation_name,
            session.credit_code,
            session.expires_at
        ],
    )?;
    Ok(())
}

pub fn session(conn: &Connection, platform_url: &str) -> Result<Option<StoredSession>> {
    Ok(conn
        .query_row(
            "SELECT platform_url, token_sealed, username, organisation_name, credit_code, expires_at
             FROM session WHERE platform_url = ?1",
            [platform_url],
            |r| {
                Ok(StoredSession {
                    platform_url: r.get(0)?,
                    token_sealed: r.get(1)?,
                    username: r.get(2)?,
                    organisation_name: r.get(3)?,
                    credit_code: r.get(4)?,
                    expires_at: r.get(5)?,
                })
            },
        )
        .optional()?)
}

pub fn forget_session(conn: &Connection, platform_url: &str) -> Result<()> {
    conn.execute("DELETE FROM session WHERE platform_url = ?1", [platform_url])?;
    Ok(())
}
