//! Personal data at rest: values are sealed with AES-256-GCM, never stored in plain text, and looked
//! up by a keyed digest (HMAC-SHA256) so that equal values can be matched without storing them. The
//! platform keeps its key in a file beside its database; the desktop app keeps its key in the OS
//! keychain where there is one (macOS, Windows) and in an owner-only file otherwise.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::path::Path;

mod keychain;
pub use keychain::{KeyOrigin, KeychainKey, keychain_error};

const NONCE_LEN: usize = 12;
pub const KEY_LEN: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("密钥文件{path}应为32字节，文件已损坏")]
    DamagedKey { path: String },
    #[error("无法读写密钥：{0}")]
    Io(#[from] std::io::Error),
    #[error("系统钥匙串不可用：{0}")]
    Keychain(String),
    /// The user or the system refused access to the keychain (a dialog answered 拒绝, a locked store).
    #[error("系统钥匙串拒绝了访问：{0}")]
    KeychainDenied(String),
    #[error("系统随机数不可用：{0}")]
    Random(String),
    /// Wrong key, wrong context or damaged data: the value cannot be opened.
    #[error("加密数据无法解开（密钥或数据不匹配）")]
    Unopenable,
}

pub type Result<T, E = VaultError> = std::result::Result<T, E>;

pub struct Sealer {
    cipher: Aes256Gcm,
    digest_key: [u8; 32],
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

/// Fresh random key bytes.
pub fn random_key() -> Result<[u8; KEY_LEN]> {
    let mut key = [0u8; KEY_LEN];
    getrandom::fill(&mut key).map_err(|e| VaultError::Random(e.to_string()))?;
    Ok(key)
}

impl Sealer {
    /// Loads the key from `path`, creating it (owner-only on Unix) with fresh random bytes when the
    /// file does not exist.
    pub fn load_or_create(path: &Path) -> Result<Sealer> {
        let key = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = random_key()?;
                write_private(path, &key)?;
                key.to_vec()
            }
            Err(e) => return Err(e.into()),
        };
        Sealer::from_key(&key).ok_or_else(|| VaultError::DamagedKey { path: path.display().to_string() })
    }

    /// `None` unless `key` is 32 bytes.
    pub fn from_key(key: &[u8]) -> Option<Sealer> {
        if key.len() != KEY_LEN {
            return None;
        }
        let cipher = Aes256Gcm::new_from_slice(key).ok()?;
        // A separate key for digests, derived so one secret holds everything.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).ok()?;
        mac.update(b"certdesk id-number digest v1");
        Some(Sealer { cipher, digest_key: mac.finalize().into_bytes().into() })
    }

    /// `nonce || ciphertext+tag`, bound to `context` (e.g. the order number) so a sealed value
    /// copied into another row does not open.
    pub fn seal(&self, plaintext: &str, context: &str) -> Result<Vec<u8>> {
        self.seal_bytes(plaintext.as_bytes(), context)
    }

    pub fn open(&self, sealed: &[u8], context: &str) -> Result<String> {
        let plain = self.open_bytes(sealed, context)?;
        String::from_utf8(plain.to_vec()).map_err(|_| VaultError::Unopenable)
    }

    /// [`Sealer::seal`] for bytes (a private key's PKCS#8).
    pub fn seal_bytes(&self, plaintext: &[u8], context: &str) -> Result<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| VaultError::Random(e.to_string()))?;
        let sealed = self
            .cipher
            .encrypt(&Nonce::from(nonce), Payload { msg: plaintext, aad: context.as_bytes() })
            .map_err(|_| VaultError::Unopenable)?;
        Ok([nonce.as_slice(), &sealed].concat())
    }

    /// What [`Sealer::seal_bytes`] sealed, in a buffer wiped when dropped.
    pub fn open_bytes(&self, sealed: &[u8], context: &str) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        if sealed.len() < NONCE_LEN {
            return Err(VaultError::Unopenable);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| VaultError::Unopenable)?;
        let plain = self
            .cipher
            .decrypt(&Nonce::from(nonce), Payload { msg: body, aad: context.as_bytes() })
            .map_err(|_| VaultError::Unopenable)?;
        Ok(zeroize::Zeroizing::new(plain))
    }

    /// A keyed digest of `value` (hex): equal values give equal digests, and without the key the
    /// digest cannot be tried against the small space of ID numbers.
    pub fn digest(&self, value: &str) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.digest_key).expect("any key length");
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key_and_context() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("personal-data.key");
        let sealer = Sealer::load_or_create(&path).unwrap();
        let sealed = sealer.seal("330106199001011234", "202611280000001").unwrap();
        assert!(!String::from_utf8_lossy(&sealed).contains("330106"));
        assert_eq!(sealer.open(&sealed, "202611280000001").unwrap(), "330106199001011234");
        assert!(sealer.open(&sealed, "202611280000002").is_err(), "another row's context");
        // The same file gives the same key after a restart; a new file gives another.
        let again = Sealer::load_or_create(&path).unwrap();
        assert_eq!(again.open(&sealed, "202611280000001").unwrap(), "330106199001011234");
        assert_eq!(again.digest("x"), sealer.digest("x"));
        let other = Sealer::load_or_create(&dir.path().join("other.key")).unwrap();
        assert!(other.open(&sealed, "202611280000001").is_err());
        assert_ne!(other.digest("x"), sealer.digest("x"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn a_damaged_key_file_stops_the_start_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("personal-data.key");
        std::fs::write(&path, b"short").unwrap();
        let error = Sealer::load_or_create(&path).err().unwrap();
        assert!(matches!(error, VaultError::DamagedKey { .. }), "{error}");
        assert!(error.to_string().contains("32字节"), "{error}");
    }
}
