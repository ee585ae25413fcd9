//! The `preferences` table: what the user chose on this computer and expects to find again (the
//! camera for 人脸认证). Not personal data: names of devices, never sealed.

use crate::Result;
use rusqlite::{Connection, OptionalExtension, params};

pub(crate) const MIGRATION_20261204_PREFERENCES: &str = "CREATE TABLE preferences (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);";

/// The camera chosen last (its name).
pub const PREFERRED_CAMERA: &str = "camera";

pub fn preference(conn: &Connection, name: &str) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT value FROM preferences WHERE name = ?1", [name], |r| r.get(0)).optional()?)
}

pub fn set_preference(conn: &Connection, name: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO preferences (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        params![name, value],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preference_is_kept_and_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("certdesk.db");
        let conn = crate::open(&path).unwrap();
        assert_eq!(preference(&conn, PREFERRED_CAMERA).unwrap(), None);
        set_preference(&conn, PREFERRED_CAMERA, "Integrated Camera").unwrap();
        set_preference(&conn, PREFERRED_CAMERA, "Logitech C920").unwrap();
        drop(conn);
        let conn = crate::open(&path).unwrap();
        assert_eq!(preference(&conn, PREFERRED_CAMERA).unwrap().as_deref(), Some("Logitech C920"));
    }
}
