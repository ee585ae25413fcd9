//! The key in the OS keychain (macOS Keychain, Windows Credential Manager), so it never sits in a
//! file beside the data it protects.

use crate::{Result, Sealer, VaultError, random_key};

/// The sealer whose key is stored under `service`/`account` in the OS keychain, created on first use.
pub fn load_or_create_in_keychain(service: &str, account: &str) -> Result<Sealer> {
    let entry = keyring::Entry::new(service, account).map_err(|e| VaultError::Keychain(e.to_string()))?;
    let key = match entry.get_secret() {
        Ok(key) => key,
        Err(keyring::Error::NoEntry) => {
            let key = random_key()?;
            entry.set_secret(&key).map_err(|e| VaultError::Keychain(e.to_string()))?;
            key.to_vec()
        }
        Err(e) => return Err(VaultError::Keychain(e.to_string())),
    };
    Sealer::from_key(&key).ok_or_else(|| VaultError::DamagedKey { path: format!("keychain:{service}/{account}") })
}
