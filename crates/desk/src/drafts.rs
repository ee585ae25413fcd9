//! Drafts: what the applicant has typed, saved on every change and sealed (it holds an ID number),
//! so that a crash, a closed window or a restart loses nothing. Several may exist: new applications,
//! and at most one edit per rejected order.

use crate::{Desk, DeskError, beijing_text};
use certdesk_api::{ApiError, ErrorCode, SubmitOrder};
use serde::{Deserialize, Serialize};

/// A draft to save: `id` is `None` the first time, then the id that came back.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DraftInput {
    pub id: Option<String>,
    /// The rejected order being edited; `None` for a new application.
    pub order_no: Option<String>,
    pub form: SubmitOrder,
    /// The wizard step the applicant was on.
    pub step: u32,
}

/// A draft as the list of drafts shows it (no personal data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DraftSummary {
    pub id: String,
    pub order_no: Option<String>,
    /// The organisation typed so far, or 未填写机构名称.
    pub label: String,
    pub step: u32,
    /// `2026-11-28 14:19:35`, Beijing time.
    pub updated_at_text: String,
}

/// A draft opened to continue typing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DraftView {
    pub id: String,
    pub order_no: Option<String>,
    pub form: SubmitOrder,
    pub step: u32,
}

fn summary(stored: certdesk_store::StoredDraft) -> DraftSummary {
    DraftSummary {
        updated_at_text: beijing_text(&stored.updated_at),
        id: stored.id,
        order_no: stored.order_no,
        label: stored.label,
        step: stored.step,
    }
}

impl Desk {
    /// Saves (or replaces) a draft; returns it as listed, with its id for the next save.
    pub fn save_draft(&self, draft: DraftInput) -> Result<DraftSummary, ApiError> {
        let mut store = self.store();
        // An edit keeps one draft per order, whatever id the screen holds.
        let existing_edit = match &draft.order_no {
            Some(order_no) => certdesk_store::draft_for_order(&store, order_no).map_err(DeskError::from)?,
            None => None,
        };
        let id = draft.id.or(existing_edit.map(|d| d.id)).unwrap_or_else(|| crate::unique_id("draft"));
        let json = serde_json::to_string(&draft.form).expect("a form serialises");
        let organisation = draft.form.organisation_name.trim();
        let label = match (&draft.order_no, organisation.is_empty()) {
            (Some(order_no), _) => format!("编辑订单 {order_no}"),
            (None, true) => "未填写机构名称".to_owned(),
            (None, false) => organisation.chars().take(40).collect(),
        };
        let stored = certdesk_store::StoredDraft {
            owner: self.owner()?,
            form_sealed: self.sealer.seal(&json, &id).map_err(DeskError::from)?,
            id,
            order_no: draft.order_no,
            step: draft.step,
            label,
            updated_at: String::new(),
        };
        certdesk_store::save_draft(&mut store, &stored).map_err(DeskError::from)?;
        let saved = certdesk_store::draft(&store, &stored.id).map_err(DeskError::from)?.expect("just saved");
        Ok(summary(saved))
    }

    /// Every draft that opens, the most recently changed first. (Those sealed under a key this run
    /// cannot reach, when the keychain refused, are left in the store for a later run.)
    pub fn drafts(&self) -> Result<Vec<DraftSummary>, ApiError> {
        let drafts = certdesk_store::list_drafts(&self.store(), &self.owner()?).map_err(DeskError::from)?;
        Ok(drafts.into_iter().filter(|d| self.sealer.open_bytes(&d.form_sealed, &d.id).is_ok()).map(summary).collect())
    }

    /// Opens a draft to continue typing.
    pub fn draft(&self, id: &str) -> Result<DraftView, ApiError> {
        let stored = certdesk_store::draft(&self.store(), id)
            .map_err(DeskError::from)?
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "草稿不存在或已提交"))?;
        self.open_draft(stored)
    }

    /// The draft of the edit of `order_no`, if one was started.
    pub fn draft_for_order(&self, order_no: &str) -> Result<Option<DraftView>, ApiError> {
        let stored = certdesk_store::draft_for_order(&self.store(), order_no).map_err(DeskError::from)?;
        stored.map(|d| self.open_draft(d)).transpose()
    }

    fn open_draft(&self, stored: certdesk_store::StoredDraft) -> Result<DraftView, ApiError> {
        let json = self.sealer.open(&stored.form_sealed, &stored.id).map_err(DeskError::from)?;
        let form = serde_json::from_str(&json)
            .map_err(|e| ApiError::new(ErrorCode::Internal, format!("草稿已损坏，无法打开：{e}")))?;
        Ok(DraftView { id: stored.id, order_no: stored.order_no, form, step: stored.step })
    }

    /// 删除草稿; also what a successful submit does.
    pub fn discard_draft(&self, id: &str) -> Result<(), ApiError> {
        certdesk_store::delete_draft(&self.store(), id).map_err(DeskError::from)?;
        Ok(())
    }
}
