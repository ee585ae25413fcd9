//! The `drafts` table: applications being typed (new ones, or 编辑 of a rejected order), written on
//! every change so that nothing typed is lost to a crash or a restart. The form itself is sealed by
//! the caller (it holds an ID number); the plain columns only help to list the drafts.

use crate::Result;
use rusqlite::{Connection, OptionalExtension, params};

pub(crate) const MIGRATION_20261128_DRAFTS: &str = "CREATE TABLE drafts (
    id TEXT PRIMARY KEY,
    -- The order being edited after 审核未通过; NULL for a new application.
    order_no TEXT,
    form_sealed BLOB NOT NULL,
    step INTEGER NOT NULL DEFAULT 0,
    label TEXT NOT NULL DEFAULT '',
    -- Bumped on every save: orders the drafts by their last change even within one millisecond.
    seq INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE UNIQUE INDEX drafts_one_per_edited_order ON drafts(order_no) WHERE order_no IS NOT NULL;";

/// A draft belongs to the account that typed it.
pub(crate) const MIGRATION_20261129_OWNER: &str = "ALTER TABLE drafts ADD COLUMN owner TEXT NOT NULL DEFAULT '';";

/// A stored draft; `form_sealed` is opened by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDraft {
    pub id: String,
    /// The account that typed it.
    pub owner: String,
    pub order_no: Option<String>,
    pub form_sealed: Vec<u8>,
    pub step: u32,
    /// What the list of drafts shows (the organisation and the provider), never the ID number.
    pub label: String,
    /// UTC, RFC 3339.
    pub updated_at: String,
}

/// Inserts or replaces the draft `id`.
pub fn save_draft(conn: &mut Connection, draft: &StoredDraft) -> Result<()> {
    let tx = conn.transaction()?;
    tx.execute(
        "INSERT INTO drafts (id, order_no, form_sealed, step, label, owner, seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, (SELECT COALESCE(MAX(seq), 0) + 1 FROM drafts))
         ON CONFLICT (id) DO UPDATE SET order_no = excluded.order_no, form_sealed = excluded.form_sealed,
            step = excluded.step, label = excluded.label, seq = excluded.seq,
            updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
        params![draft.id, draft.order_no, draft.form_sealed, draft.step, draft.label, draft.owner],
    )?;
    tx.commit()?;
    Ok(())
}

const SELECT: &str = "SELECT id, order_no, form_sealed, step, label, updated_at, owner FROM drafts";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredDraft> {
    Ok(StoredDraft {
        id: r.get(0)?,
        order_no: r.get(1)?,
        form_sealed: r.get(2)?,
        step: r.get(3)?,
        label: r.get(4)?,
        updated_at: r.get(5)?,
        owner: r.get(6)?,
    })
}

/// Every draft of `owner`, the most recently changed first.
pub fn list_drafts(conn: &Connection, owner: &str) -> Result<Vec<StoredDraft>> {
    let mut stmt = conn.prepare(&format!("{SELECT} WHERE owner = ?1 ORDER BY seq DESC"))?;
    let rows = stmt.query_map([owner], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn draft(conn: &Connection, id: &str) -> Result<Option<StoredDraft>> {
    Ok(conn.query_row(&format!("{SELECT} WHERE id = ?1"), [id], from_row).optional()?)
}

/// The draft editing `order_no`, if one was started.
pub fn draft_for_order(conn: &Connection, order_no: &str) -> Result<Option<StoredDraft>> {
    Ok(conn.query_row(&format!("{SELECT} WHERE order_no = ?1"), [order_no], from_row).optional()?)
}

/// Whether a draft was there to delete.
pub fn delete_draft(conn: &Connection, id: &str) -> Result<bool> {
    Ok(conn.execute("DELETE FROM drafts WHERE id = ?1", [id])? > 0)
}
