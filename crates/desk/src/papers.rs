//! The papers the app saves for printing (the cover sheet, the 受理回执, the 邮寄清单): PDFs from the
//! platform written to a folder, then opened in the system's viewer. Only a file saved here may be
//! opened that way, so the window cannot have the app open anything else.

use crate::{Desk, lock};
use certdesk_api::{ApiError, ErrorCode};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Where papers are saved: the system's Downloads folder (Windows' known folder, which the user may
/// have moved to another drive; `~/Downloads` on macOS; XDG's on Linux), made if it does not exist
/// yet; where there is none or it cannot be written, `papers` in the app's data folder.
pub fn papers_folder(downloads: Option<PathBuf>, data_dir: &Path) -> Result<PathBuf, ApiError> {
    if let Some(downloads) = downloads {
        match std::fs::create_dir_all(&downloads) {
            Ok(()) => return Ok(downloads),
            Err(e) => tracing::warn!(folder = %downloads.display(), error = %e, "Downloads cannot be used"),
        }
    }
    let fallback = data_dir.join("papers");
    std::fs::create_dir_all(&fallback).map_err(|e| {
        ApiError::new(ErrorCode::Internal, format!("找不到保存文件的文件夹：{}：{e}", fallback.display()))
    })?;
    Ok(fallback)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn papers_go_to_downloads_made_if_missing_else_to_the_data_folder() {
        let home = tempfile::tempdir().unwrap();
        let data = home.path().join("data");
        // A fresh account whose Downloads was never made.
        let downloads = home.path().join("Downloads");
        assert_eq!(papers_folder(Some(downloads.clone()), &data).unwrap(), downloads);
        assert!(downloads.is_dir());
        // No Downloads known, or one that cannot be made (a file stands where it should be).
        assert_eq!(papers_folder(None, &data).unwrap(), data.join("papers"));
        std::fs::write(home.path().join("blocked"), b"").unwrap();
        assert_eq!(papers_folder(Some(home.path().join("blocked/Downloads")), &data).unwrap(), data.join("papers"));
        assert!(data.join("papers").is_dir());
    }
}
