//! Serial numbers and random tokens. The gateway's key pairs are made at first start and kept in
//! its data folder by `certdesk_pay::load_or_create_key_pair`, so no key is ever in the repository.

use sha2::{Digest, Sha256};

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
