//! The key that seals the app's local personal data (drafts, the organisation's and the staff's
//! sessions): in the OS keychain on macOS and Windows, in an owner-only file beside the database
//! elsewhere. What the user can do to a keychain, the app survives: a refused or broken keychain
//! starts the app with a key for this run only (nothing kept is opened or overwritten, so allowing
//! access later brings it all back), and a removed key gives a new one, with the values sealed under
//! the old one forgotten at once rather than failing one by one later. Either way the user is told
//! what happened ([`LocalKeyNotice`]): orders are the platform's and are never lost.

use crate::{DeskError, Result};
use certdesk_store::{SealedTable, SealedValue};
use certdesk_vault::{KeychainKey, Sealer, VaultError};
use rusqlite::Connection;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;

/// Where the key is kept.
#[derive(Debug, Clone)]
pub enum LocalKey {
    File(PathBuf),
    Keychain(Arc<KeychainKey>),
    /// The keychain's entry could not even be made: the app runs as when it refuses.
    KeychainUnavailable(String),
}

impl PartialEq for LocalKey {
    fn eq(&self, other: &LocalKey) -> bool {
        match (self, other) {
            (LocalKey::File(a), LocalKey::File(b)) => a == b,
            (LocalKey::Keychain(a), LocalKey::Keychain(b)) => Arc::ptr_eq(a, b),
            (LocalKey::KeychainUnavailable(a), LocalKey::KeychainUnavailable(b)) => a == b,
            _ => false,
        }
    }
}
impl Eq for LocalKey {}

/// The keychain entry's service and account.
pub const KEYCHAIN_SERVICE: &str = "CertDesk";
pub const KEYCHAIN_ACCOUNT: &str = "local-data-key";

impl LocalKey {
    /// The keychain on macOS and Windows (unless `CERTDESK_KEY_FILE` is set: the tests), the file
    /// `certdesk.key` in the data folder otherwise.
    pub fn for_this_system(data_dir: &std::path::Path) -> LocalKey {
        let file = LocalKey::File(data_dir.join("certdesk.key"));
        if !cfg!(any(target_os = "macos", target_os = "windows")) || std::env::var_os("CERTDESK_KEY_FILE").is_some() {
            return file;
        }
        match KeychainKey::new(KEYCHAIN_SERVICE, KEYCHAIN_ACCOUNT) {
            Ok(key) => LocalKey::Keychain(Arc::new(key)),
            Err(e) => LocalKey::KeychainUnavailable(e.to_string()),
        }
    }
}

/// What the user is told at start about the local key, once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum LocalKeyNotice {
    /// The keychain refused (`denied`) or failed: this run seals with a key of its own, so the kept
    /// sign-ins and drafts stay closed (and untouched) until access is allowed again.
    #[serde(rename_all = "camelCase")]
    Unavailable { denied: bool, reason: String },
    /// The key was gone (removed from the keychain, the key file deleted): what it sealed was
    /// forgotten, this many drafts and sign-ins.
    #[serde(rename_all = "camelCase")]
    Replaced { drafts: u32, sessions: u32 },
}

/// The sealer, whether it is kept beyond this run, and what to tell the user.
pub(crate) struct OpenedKey {
    pub sealer: Sealer,
    /// False for a key of this run only: nothing kept is opened, restored or forgotten with it.
    pub persistent: bool,
    pub notice: Option<LocalKeyNotice>,
}

pub(crate) fn open(key: &LocalKey, store: &mut Connection) -> Result<OpenedKey> {
    let sealer = match key {
        LocalKey::File(path) => Sealer::load_or_create(path)?,
        LocalKey::Keychain(keychain) => match keychain.load_or_create() {
            Ok((sealer, _)) => sealer,
            Err(VaultError::KeychainDenied(reason)) => return for_this_run(true, reason),
            Err(VaultError::Keychain(reason)) => return for_this_run(false, reason),
            Err(other) => return Err(other.into()),
        },
        LocalKey::KeychainUnavailable(reason) => return for_this_run(false, reason.clone()),
    };
    let forgotten = forget_unopenable(store, &sealer)?;
    let notice = (forgotten.0 + forgotten.1 > 0)
        .then_some(LocalKeyNotice::Replaced { drafts: forgotten.0, sessions: forgotten.1 });
    if let Some(notice) = &notice {
        tracing::warn!(?notice, "local values sealed under another key were forgotten");
    }
    Ok(OpenedKey { sealer, persistent: true, notice })
}

fn for_this_run(denied: bool, reason: String) -> Result<OpenedKey> {
    tracing::warn!(denied, %reason, "the keychain is unavailable; sealing with a key for this run only");
    let key = certdesk_vault::random_key()?;
    let sealer = Sealer::from_key(&key).expect("32 bytes");
    Ok(OpenedKey { sealer, persistent: false, notice: Some(LocalKeyNotice::Unavailable { denied, reason }) })
}

/// What each table sealed its values against (see where they are sealed).
fn context(value: &SealedValue) -> String {
    match value.table {
        SealedTable::Draft | SealedTable::Session => value.key.clone(),
        SealedTable::StaffSession => crate::staff::session_context(&value.key),
    }
}

/// Forgets the values that do not open with `sealer`; how many drafts and sessions.
fn forget_unopenable(store: &mut Connection, sealer: &Sealer) -> Result<(u32, u32)> {
    let closed: Vec<SealedValue> = certdesk_store::sealed_values(store)?
        .into_iter()
        .filter(|v| sealer.open_bytes(&v.sealed, &context(v)).is_err())
        .collect();
    if closed.is_empty() {
        return Ok((0, 0));
    }
    certdesk_store::forget_sealed(store, &closed).map_err(DeskError::from)?;
    let drafts = closed.iter().filter(|v| v.table == SealedTable::Draft).count() as u32;
    Ok((drafts, closed.len() as u32 - drafts))
}
