//! Personal data at rest: ID numbers are stored sealed (AES-256-GCM), never in plain text, and
//! looked up by a keyed digest (HMAC-SHA256) so that attempts can be counted per person without
//! the number itself. The key lives in `personal-data.key` beside the database, created on first
//! start (owner-only on Unix): a copied database alone reveals nothing.

use crate::{PlatformError, Result};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::path::Path;

const NONCE_LEN: usize = 12;

pub struct Sealer {
    cipher: Aes256Gcm,
    digest_key: [u8; 32],
}

impl Sealer {
    /// Loads the key from `path`, creating it with fresh random bytes when the file does not exist.
    pub fn load_or_create(path: &Path) -> Result<Sealer> {
        let key = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut bytes = vec![0u8; 32];
                getrandom::fill(&mut bytes).map_err(|e| PlatformError::Internal(format!("random: {e}")))?;
                write_private(path, &bytes)?;
                bytes
            }
            Err(e) => return Err(e.into()),
        };
        Sealer::from_key(&key)
            .map_err(|_| PlatformError::Config(format!("{}: 个人信息密钥应为32字节，文件已损坏", path.display())))
    }

    fn from_key(key: &[u8]) -> std::result::Result<Sealer, ()> {
        let cipher = Aes256Gcm::new_from_slice(key).map_err(|_| ())?;
        // A separate key for digests, derived so one file holds everything.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).map_err(|_| ())?;
        mac.update(b"certdesk id-number digest v1");
        Ok(Sealer { cipher, digest_key: mac.finalize().into_bytes().into() })
    }

    /// `nonce || ciphertext+tag`, bound to `context` (the order number) so a sealed value copied
    /// into another row does not open.
    pub fn seal(&self, plaintext: &str, context: &str) -> Result<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| PlatformError::Internal(format!("random: {e}")))?;
        let sealed = self
            .cipher
            .encrypt(&Nonce::from(nonce), Payload { msg: plaintext.as_bytes(), aad: context.as_bytes() })
            .map_err(|_| PlatformError::Internal("seal failed".into()))?;
        Ok([nonce.as_slice(), &sealed].concat())
    }

    pub fn open(&self, sealed: &[u8], context: &str) -> Result<String> {
        let broken = || PlatformError::Internal("a sealed value does not open with this key".into());
        if sealed.len() < NONCE_LEN {
            return Err(broken());
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| broken())?;
        let plain = self
            .cipher
            .decrypt(&Nonce::from(nonce), Payload { msg: body, aad: context.as_bytes() })
            .map_err(|_| broken())?;
        String::from_utf8(plain).map_err(|_| broken())
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
        assert!(error.to_string().contains("个人信息密钥"), "{error}");
    }
}
