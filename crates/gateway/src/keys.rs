//! The gateway's own key pairs, made at first start and kept in its data folder (the private key
//! readable by its owner only), so no key is ever part of the repository.

use crate::Result;
use certdesk_pay::RsaSigner;
use sha2::{Digest, Sha256};
use std::path::Path;

/// A key pair by name: `NAME.pem` (PKCS#8) and `NAME.pub.pem` (SPKI) under `dir`.
pub(crate) fn load_or_create(dir: &Path, name: &str) -> Result<(RsaSigner, String)> {
    let private_path = dir.join(format!("{name}.pem"));
    let public_path = dir.join(format!("{name}.pub.pem"));
    if private_path.exists() && public_path.exists() {
        let signer = RsaSigner::from_pkcs8_pem(&std::fs::read_to_string(&private_path)?)?;
        return Ok((signer, std::fs::read_to_string(&public_path)?));
    }
    let (private, public) = certdesk_pay::generate_key_pair()?;
    write_private(&private_path, &private)?;
    std::fs::write(&public_path, &public)?;
    Ok((RsaSigner::from_pkcs8_pem(&private)?, public))
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

/// A certificate serial number for a public key, as WeChat Pay names keys: 40 upper-case hex
/// digits, here derived from the key so the same key always has the same serial.
pub(crate) fn serial_of(public_pem: &str) -> String {
    Sha256::digest(public_pem.trim().as_bytes())[..20].iter().map(|b| format!("{b:02X}")).collect()
}

/// `len` random characters from `[0-9A-Za-z]`.
pub(crate) fn random_token(len: usize) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect()
}
