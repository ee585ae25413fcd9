//! The papers the app saves for printing (the cover sheet, the 受理回执, the 邮寄清单): PDFs from the
//! platform written to a folder, then opened in the system's viewer. Only a file saved here may be
//! opened that way, so the window cannot have the app open anything else.

use crate::{Desk, lock};
use certdesk_api::{ApiError, ErrorCode};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

#[derive(Debug, Default)]
pub(crate) struct SavedPapers(Mutex<HashSet<PathBuf>>);

impl Desk {
    /// Writes `pdf` as `folder/name` and remembers it as openable.
    pub(crate) fn save_paper(&self, folder: &Path, name: &str, pdf: &[u8]) -> Result<PathBuf, ApiError> {
        let path = folder.join(name);
        std::fs::create_dir_all(folder)
            .and_then(|()| std::fs::write(&path, pdf))
            .map_err(|e| ApiError::new(ErrorCode::Internal, format!("文件无法保存到 {}：{e}", folder.display())))?;
        lock(&self.papers.0).insert(path.clone());
        Ok(path)
    }

    /// Whether `path` is a paper this app saved (and so may be opened in the viewer).
    pub fn is_saved_paper(&self, path: &Path) -> bool {
        lock(&self.papers.0).contains(path)
    }
}
