//! The `staff_session` table: a staff member's login to one platform (审核, 制证, 窗口), kept across
//! restarts beside the organisation's. The token is sealed by the caller; it never sits on disk in
//! clear.

use crate::Result;
use rusqlite::{Connection, OptionalExtension, params};

pub(crate) const MIGRATION_20261202_STAFF_SESSION: &str = "CREATE TABLE staff_session (
    platform TEXT PRIMARY KEY,
    token_sealed BLOB NOT NULL,
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    roles TEXT NOT NULL,
    expires_at TEXT NOT NULL
);";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredStaffSession {
    /// The platform's URL, or `embedded`.
    pub platform: String,
    pub token_sealed: Vec<u8>,
    pub username: String,
    pub display_name: String,
    /// The roles' wire names, comma separated (`reviewer,producer`).
    pub roles: String,
    pub expires_at: String,
}

pub fn save_staff_session(conn: &Connection, session: &StoredStaffSession) -> Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO staff_session (platform, token_sealed, username, display_name, roles, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            session.platform,
            session.token_sealed,
            session.username,
            session.display_name,
            session.roles,
            session.expires_at
        ],
    )?;
    Ok(())
}

pub fn staff_session(conn: &Connection, platform: &str) -> Result<Option<StoredStaffSession>> {
    Ok(conn
        .query_row(
            "SELECT platform, token_sealed, username, display_name, roles, expires_at
             FROM staff_session WHERE platform = ?1",
            [platform],
            |r| {
                Ok(StoredStaffSession {
                    platform: r.get(0)?,
                    token_sealed: r.get(1)?,
                    username: r.get(2)?,
                    display_name: r.get(3)?,
                    roles: r.get(4)?,
                    expires_at: r.get(5)?,
                })
            },
        )
        .optional()?)
}

pub fn forget_staff_session(conn: &Connection, platform: &str) -> Result<()> {
    conn.execute("DELETE FROM staff_session WHERE platform = ?1", [platform])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_staff_session_is_kept_per_platform_and_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::open(&dir.path().join("certdesk.db")).unwrap();
        let session = StoredStaffSession {
            platform: "embedded".into(),
            token_sealed: vec![1, 2, 3],
            username: "demo-reviewer".into(),
            display_name: "演示审核员".into(),
            roles: "reviewer".into(),
            expires_at: "2026-12-03T09:00:00+08:00".into(),
        };
        save_staff_session(&conn, &session).unwrap();
        assert_eq!(staff_session(&conn, "embedded").unwrap(), Some(session.clone()));
        assert_eq!(staff_session(&conn, "https://other.example").unwrap(), None);
        // A second login on the same platform replaces the first.
        save_staff_session(&conn, &StoredStaffSession { username: "demo-producer".into(), ..session }).unwrap();
        assert_eq!(staff_session(&conn, "embedded").unwrap().unwrap().username, "demo-producer");
        forget_staff_session(&conn, "embedded").unwrap();
        assert_eq!(staff_session(&conn, "embedded").unwrap(), None);
    }
}
