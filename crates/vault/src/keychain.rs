//! The key in the OS keychain (macOS Keychain, Windows Credential Manager), so it never sits in a
//! file beside the data it protects. Compiled everywhere (on Linux keyring has only its mock store),
//! so that what a refusal or a removed entry does is tested on Linux too.

use crate::{Result, Sealer, VaultError, random_key};

/// The key stored under a service and account in the OS keychain, created on first use.
pub struct KeychainKey {
    entry: keyring::Entry,
    label: String,
}

impl std::fmt::Debug for KeychainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeychainKey({})", self.label)
    }
}

/// Where a key came from: the one already kept, or a new one (first use, or the old one removed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOrigin {
    Kept,
    Created,
}

impl KeychainKey {
    pub fn new(service: &str, account: &str) -> Result<KeychainKey> {
        let entry = keyring::Entry::new(service, account).map_err(keychain_error)?;
        Ok(KeychainKey::from_entry(entry, format!("{service}/{account}")))
    }

    /// Over an entry made elsewhere: the tests give one over keyring's mock credential.
    pub fn from_entry(entry: keyring::Entry, label: impl Into<String>) -> KeychainKey {
        KeychainKey { entry, label: label.into() }
    }

    /// The keychain entry (the tests reach their mock credential through it).
    pub fn entry(&self) -> &keyring::Entry {
        &self.entry
    }

    /// The sealer of the kept key, or of a new one stored now when there is none.
    pub fn load_or_create(&self) -> Result<(Sealer, KeyOrigin)> {
        let (key, origin) = match self.entry.get_secret() {
            Ok(key) => (key, KeyOrigin::Kept),
            Err(keyring::Error::NoEntry) => {
                let key = random_key()?;
                self.entry.set_secret(&key).map_err(keychain_error)?;
                (key.to_vec(), KeyOrigin::Created)
            }
            Err(e) => return Err(keychain_error(e)),
        };
        let sealer = Sealer::from_key(&key)
            .ok_or_else(|| VaultError::DamagedKey { path: format!("keychain:{}", self.label) })?;
        Ok((sealer, origin))
    }
}

/// The keychain's refusals apart from its failures: the user pressed 拒绝 (macOS errSecUserCanceled
/// −128 or errSecAuthFailed −25293), the keychain is locked with no way to ask (−25308), or the store
/// cannot be reached at all (keyring's `NoStorageAccess`: a locked or missing keychain, a Windows
/// logon session without a credential store).
pub fn keychain_error(e: keyring::Error) -> VaultError {
    match e {
        keyring::Error::NoStorageAccess(inner) => VaultError::KeychainDenied(inner.to_string()),
        keyring::Error::PlatformFailure(inner) => {
            // security-framework's Debug carries the OSStatus (`Error { code: -128, .. }`); its Display
            // only the localised message.
            let debug = format!("{inner:?}");
            if ["-128", "-25293", "-25308"].iter().any(|code| debug.contains(&format!("code: {code}"))) {
                VaultError::KeychainDenied(inner.to_string())
            } else {
                VaultError::Keychain(inner.to_string())
            }
        }
        other => VaultError::Keychain(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyring::mock::MockCredential;

    fn mock_entry() -> keyring::Entry {
        keyring::Entry::new_with_credential(Box::new(MockCredential::default()))
    }

    fn fail_next(entry: &keyring::Entry, error: keyring::Error) {
        let credential: &MockCredential = entry.get_credential().downcast_ref().expect("a mock");
        credential.set_error(error);
    }

    /// As security-framework's error shows itself: the OSStatus in Debug, the message in Display.
    struct OsStatus(i32);
    impl std::fmt::Debug for OsStatus {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Error").field("code", &self.0).field("message", &"用户已取消").finish()
        }
    }
    impl std::fmt::Display for OsStatus {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("用户已取消")
        }
    }
    impl std::error::Error for OsStatus {}

    #[test]
    fn the_key_is_created_once_then_kept_and_a_removed_entry_gives_a_new_one() {
        let key = KeychainKey::from_entry(mock_entry(), "test/key");
        let (first, origin) = key.load_or_create().unwrap();
        assert_eq!(origin, KeyOrigin::Created);
        let sealed = first.seal("330106199001011234", "draft-1").unwrap();
        let (again, origin) = key.load_or_create().unwrap();
        assert_eq!(origin, KeyOrigin::Kept);
        assert_eq!(again.open(&sealed, "draft-1").unwrap(), "330106199001011234");
        // The user deletes the entry in Keychain Access or Credential Manager.
        key.entry.delete_credential().unwrap();
        let (replaced, origin) = key.load_or_create().unwrap();
        assert_eq!(origin, KeyOrigin::Created);
        assert!(replaced.open(&sealed, "draft-1").is_err(), "the old values do not open with the new key");
    }

    #[test]
    fn a_refusal_is_told_apart_from_a_failure() {
        let key = KeychainKey::from_entry(mock_entry(), "test/key");
        fail_next(&key.entry, keyring::Error::NoStorageAccess(Box::new(OsStatus(-25308))));
        assert!(matches!(key.load_or_create(), Err(VaultError::KeychainDenied(_))));
        fail_next(&key.entry, keyring::Error::PlatformFailure(Box::new(OsStatus(-128))));
        let denied = key.load_or_create().unwrap_err();
        assert!(matches!(denied, VaultError::KeychainDenied(ref m) if m == "用户已取消"), "{denied:?}");
        fail_next(&key.entry, keyring::Error::PlatformFailure(Box::new(OsStatus(-67671))));
        assert!(matches!(key.load_or_create(), Err(VaultError::Keychain(_))));
        // After each refusal nothing was stored: the next start creates the key as usual.
        assert_eq!(key.load_or_create().unwrap().1, KeyOrigin::Created);
    }

    #[test]
    fn a_keychain_value_of_the_wrong_length_is_a_damaged_key() {
        let key = KeychainKey::from_entry(mock_entry(), "test/key");
        key.entry.set_secret(b"short").unwrap();
        assert!(
            matches!(key.load_or_create(), Err(VaultError::DamagedKey { ref path }) if path == "keychain:test/key")
        );
    }
}

/// The real Keychain / Credential Manager, on the CI's macOS and Windows machines (an entry of the
/// test's own, removed at the end).
#[cfg(all(test, any(target_os = "macos", target_os = "windows")))]
mod system_tests {
    use super::*;

    #[test]
    fn the_systems_keychain_keeps_the_key_and_a_removed_entry_gives_a_new_one() {
        let service = format!("CertDesk-test-{}", std::process::id());
        let key = KeychainKey::new(&service, "local-data-key").unwrap();
        let (first, origin) = key.load_or_create().unwrap();
        assert_eq!(origin, KeyOrigin::Created);
        let sealed = first.seal("value", "context").unwrap();
        let again = KeychainKey::new(&service, "local-data-key").unwrap();
        let (kept, origin) = again.load_or_create().unwrap();
        assert_eq!(origin, KeyOrigin::Kept);
        assert_eq!(kept.open(&sealed, "context").unwrap(), "value");
        again.entry().delete_credential().unwrap();
        assert_eq!(key.load_or_create().unwrap().1, KeyOrigin::Created);
        key.entry().delete_credential().unwrap();
    }
}
