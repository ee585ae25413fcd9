//! RSA keys as the gateways hand them out: PKCS#8 PEM private keys (the merchant's) and SPKI PEM
//! public keys (the gateway's). Signing is SHA256withRSA, PKCS#1 v1.5, as both gateways require.

use crate::{PayError, Result};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;

/// Signs with a merchant's private key (ring: constant-time).
pub struct RsaSigner {
    key: ring::signature::RsaKeyPair,
}

impl std::fmt::Debug for RsaSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RsaSigner(..)")
    }
}

/// The DER inside a PEM block labelled `label`.
fn pem_der(pem: &str, label: &str) -> Result<Vec<u8>> {
    let (begin, end) = (format!("-----BEGIN {label}-----"), format!("-----END {label}-----"));
    let body = pem
        .split_once(&begin)
        .and_then(|(_, rest)| rest.split_once(&end))
        .map(|(body, _)| body)
        .ok_or_else(|| PayError::Key(format!("不是 {label} PEM")))?;
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD.decode(compact).map_err(|e| PayError::Key(e.to_string()))
}

impl RsaSigner {
    /// From a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub fn from_pkcs8_pem(pem: &str) -> Result<RsaSigner> {
        let der = pem_der(pem, "PRIVATE KEY")?;
        let key = ring::signature::RsaKeyPair::from_pkcs8(&der).map_err(|e| PayError::Key(e.to_string()))?;
        Ok(RsaSigner { key })
    }

    /// SHA256withRSA of `message`, Base64.
    pub fn sign_base64(&self, message: &[u8]) -> Result<String> {
        let mut signature = vec![0; self.key.public().modulus_len()];
        self.key
            .sign(&ring::signature::RSA_PKCS1_SHA256, &ring::rand::SystemRandom::new(), message, &mut signature)
            .map_err(|e| PayError::Signing(e.to_string()))?;
        Ok(STANDARD.encode(signature))
    }
}

/// Verifies with a gateway's public key.
#[derive(Debug, Clone)]
pub struct RsaVerifier {
    key: VerifyingKey<rsa::sha2::Sha256>,
}

impl RsaVerifier {
    /// From an SPKI PEM (`-----BEGIN PUBLIC KEY-----`).
    pub fn from_public_key_pem(pem: &str) -> Result<RsaVerifier> {
        let key = rsa::PublicKey::from_public_key_pem(pem).map_err(|e| PayError::Key(e.to_string()))?;
        Ok(RsaVerifier { key: VerifyingKey::new(key) })
    }

    /// Whether `signature_base64` is the SHA256withRSA signature of `message`.
    pub fn verify_base64(&self, message: &[u8], signature_base64: &str) -> Result<()> {
        let raw = STANDARD.decode(signature_base64.trim()).map_err(|_| PayError::BadSignature)?;
        let signature = Signature::try_from(raw.as_slice()).map_err(|_| PayError::BadSignature)?;
        self.key.verify(message, &signature).map_err(|_| PayError::BadSignature)
    }
}

/// A fresh RSA key pair (3072 bits, the `rsa` crate's default) as the gateways exchange them: the private key as PKCS#8 PEM
/// (what [`RsaSigner`] reads) and the public key as SPKI PEM (what [`RsaVerifier`] reads). The
/// sandbox gateway makes its own at first start, so none is ever shipped.
pub fn generate_key_pair() -> Result<(String, String)> {
    use rsa::Generate;
    use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
    let key = rsa::PrivateKey::try_generate().map_err(|e| PayError::Key(e.to_string()))?;
    let private = key.to_pkcs8_pem(LineEnding::LF).map_err(|e| PayError::Key(e.to_string()))?.to_string();
    let public = key.to_public_key().to_public_key_pem(LineEnding::LF).map_err(|e| PayError::Key(e.to_string()))?;
    Ok((private, public))
}

/// A key pair kept as files: `NAME.pem` (PKCS#8, readable by its owner only) and `NAME.pub.pem`
/// (SPKI) under `dir`, made by [`generate_key_pair`] the first time. The sandbox gateway keeps its
/// keys so, and the platform its merchant key for the sandbox: none is ever shipped.
pub fn load_or_create_key_pair(dir: &std::path::Path, name: &str) -> Result<(RsaSigner, String)> {
    let io = |e: std::io::Error| PayError::Key(e.to_string());
    let private_path = dir.join(format!("{name}.pem"));
    let public_path = dir.join(format!("{name}.pub.pem"));
    if private_path.exists() && public_path.exists() {
        let signer = RsaSigner::from_pkcs8_pem(&std::fs::read_to_string(&private_path).map_err(io)?)?;
        return Ok((signer, std::fs::read_to_string(&public_path).map_err(io)?));
    }
    let (private, public) = generate_key_pair()?;
    write_owner_only(&private_path, private.as_bytes()).map_err(io)?;
    std::fs::write(&public_path, &public).map_err(io)?;
    Ok((RsaSigner::from_pkcs8_pem(&private)?, public))
}

/// Writes a secret readable by its owner only (on Unix; elsewhere the folder's permissions apply).
pub fn write_owner_only(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(bytes)
}
