//! Proof of possession and of issuance: a signature by a certificate's key over a challenge (绑定,
//! 证书登录), and a certificate's signature by its issuer. One verification per key kind, the same
//! one a CSR's signature is checked with.

use crate::csr::{KeyAlgorithm, key_algorithm};
use crate::{PkiError, Result};
use der::Encode;
use signature::Verifier;
use spki::{DecodePublicKey, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;

/// Verifies `signature` over `message` by the key `spki`: ECDSA P-256 with SHA-256 and SM2 with SM3
/// (the default ID) as a DER SEQUENCE of r and s, RSA as PKCS#1 v1.5 with SHA-256. The key's kind.
pub fn verify_signature(spki: &SubjectPublicKeyInfoOwned, message: &[u8], signature: &[u8]) -> Result<KeyAlgorithm> {
    let algorithm = key_algorithm(spki)?;
    let bad = |_| PkiError::BadSignature;
    match algorithm {
        KeyAlgorithm::Sm2 => {
            let point = spki.subject_public_key.as_bytes().ok_or(PkiError::BadSignature)?;
            let key = sm2::dsa::VerifyingKey::from_sec1_bytes(crate::SM2_DEFAULT_ID, point).map_err(bad)?;
            let signature = sm2::dsa::Signature::from_der(signature).map_err(bad)?;
            key.verify(message, &signature).map_err(bad)?;
        }
        KeyAlgorithm::EcdsaP256 => {
            let key =
                p256::ecdsa::VerifyingKey::from_public_key_der(&spki.to_der()?).map_err(|_| PkiError::BadSignature)?;
            let signature = p256::ecdsa::DerSignature::from_bytes(signature).map_err(bad)?;
            key.verify(message, &signature).map_err(bad)?;
        }
        KeyAlgorithm::Rsa { .. } => {
            let key = rsa::PublicKey::from_public_key_der(&spki.to_der()?).map_err(|_| PkiError::BadSignature)?;
            let key = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(key);
            let signature = rsa::pkcs1v15::Signature::try_from(signature).map_err(bad)?;
            key.verify(message, &signature).map_err(bad)?;
        }
    }
    Ok(algorithm)
}

/// Whether `issuer`'s key signed `certificate` (and `issuer` is named as its issuer).
pub fn verify_issued_by(certificate: &Certificate, issuer: &Certificate) -> Result<()> {
    let tbs = certificate.tbs_certificate();
    if tbs.issuer() != issuer.tbs_certificate().subject() {
        return Err(PkiError::NotIssuedBy);
    }
    let signed = tbs.to_der()?;
    let signature = certificate.signature().as_bytes().ok_or(PkiError::NotIssuedBy)?;
    verify_signature(issuer.tbs_certificate().subject_public_key_info(), &signed, signature)
        .map(drop)
        .map_err(|_| PkiError::NotIssuedBy)
}
