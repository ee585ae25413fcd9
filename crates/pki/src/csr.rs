//! What a CSR must be before the CA signs it: readable, signed by the key it carries, naming the
//! organisation of the order, with a key the profile allows.

use crate::profile::OrganisationSubject;
use crate::{PkiError, Result};
use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use spki::{DecodePublicKey, SubjectPublicKeyInfoOwned};
use x509_cert::ext::pkix::name::DirectoryString;
use x509_cert::request::CertReq;

const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const PRIME256V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
pub(crate) const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const SM2_CURVE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.301");
pub(crate) const SM2_WITH_SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.501");
const SERIAL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.5");

/// The key kinds a 机构证书 may certify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlgorithm {
    EcdsaP256,
    Rsa { bits: usize },
    Sm2,
}

/// A CSR that passed every check: the key to certify.
#[derive(Debug, Clone)]
pub struct CheckedCsr {
    pub public_key: SubjectPublicKeyInfoOwned,
    pub algorithm: KeyAlgorithm,
}

fn text_of(name: &x509_cert::name::Name, oid: ObjectIdentifier) -> String {
    name.by_oid::<DirectoryString>(oid).ok().flatten().map(String::from).unwrap_or_default()
}

fn signed_with(request: &CertReq, expected: ObjectIdentifier) -> Result<()> {
    if request.algorithm.oid == expected {
        Ok(())
    } else {
        Err(PkiError::KeyNotAllowed(format!("签名算法 {}", request.algorithm.oid)))
    }
}

/// The kind of key `spki` holds (any RSA size; only the curves allowed).
pub(crate) fn key_algorithm(spki: &SubjectPublicKeyInfoOwned) -> Result<KeyAlgorithm> {
    match spki.algorithm.oid {
        ID_EC_PUBLIC_KEY => {
            let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
            match curve {
                Some(SM2_CURVE) => Ok(KeyAlgorithm::Sm2),
                Some(PRIME256V1) => Ok(KeyAlgorithm::EcdsaP256),
                other => {
                    Err(PkiError::KeyNotAllowed(format!("椭圆曲线 {}", other.map_or("未知".into(), |c| c.to_string()))))
                }
            }
        }
        RSA_ENCRYPTION => {
            let key = rsa::PublicKey::from_public_key_der(&spki.to_der()?)
                .map_err(|e| PkiError::CsrUnreadable(e.to_string()))?;
            Ok(KeyAlgorithm::Rsa { bits: rsa::traits::PublicKeyParts::size(&key) * 8 })
        }
        other => Err(PkiError::KeyNotAllowed(format!("算法 {other}"))),
    }
}

/// Checks `der` (a PKCS#10 CSR) for the organisation `expected`.
pub fn check_csr(der: &[u8], expected: &OrganisationSubject) -> Result<CheckedCsr> {
    let request = CertReq::from_der(der).map_err(|e| PkiError::CsrUnreadable(e.to_string()))?;
    let spki = &request.info.public_key;
    let signed = request.info.to_der()?;
    let signature = request.signature.raw_bytes();
    let algorithm = key_algorithm(spki)?;
    // The signature: made by the key the request carries, over the request's info, with the
    // algorithm that key's kind signs with.
    let expected_signature = match algorithm {
        KeyAlgorithm::Sm2 => SM2_WITH_SM3,
        KeyAlgorithm::EcdsaP256 => ECDSA_WITH_SHA256,
        KeyAlgorithm::Rsa { bits } if bits == 2048 || bits == 3072 => SHA256_WITH_RSA,
        KeyAlgorithm::Rsa { bits } => return Err(PkiError::KeyNotAllowed(format!("RSA {bits} 位"))),
    };
    signed_with(&request, expected_signature)?;
    crate::proof::verify_signature(spki, &signed, signature).map_err(|e| match e {
        PkiError::BadSignature => PkiError::CsrSignature,
        other => other,
    })?;
    finish(&request, expected, algorithm)
}

/// The names: the order's organisation, and its code.
fn finish(request: &CertReq, expected: &OrganisationSubject, algorithm: KeyAlgorithm) -> Result<CheckedCsr> {
    let subject = &request.info.subject;
    for (field, oid, wanted) in [
        ("机构名称", const_oid::db::rfc4519::ORGANIZATION_NAME, &expected.organisation_name),
        ("统一社会信用代码", SERIAL_NUMBER, &expected.credit_code),
    ] {
        let found = text_of(subject, oid);
        if &found != wanted {
            return Err(PkiError::SubjectMismatch { field, expected: wanted.clone(), found });
        }
    }
    Ok(CheckedCsr { public_key: request.info.public_key.clone(), algorithm })
}

/// A PKCS#10 CSR (DER) for the organisation `subject` and the key `public_key_der` (SPKI), signed
/// by `sign` — a key that never leaves its UKey: `sign` gets the bytes to sign and gives back the
/// signature as a DER SEQUENCE of r and s (ECDSA with SHA-256 for a P-256 key, SM2 with SM3 and
/// the default ID for an SM2 key).
pub fn build_csr(
    subject: &OrganisationSubject,
    public_key_der: &[u8],
    sign: impl FnOnce(&[u8]) -> Result<Vec<u8>>,
) -> Result<Vec<u8>> {
    use x509_cert::request::{CertReqInfo, Version};
    let public_key = SubjectPublicKeyInfoOwned::from_der(public_key_der)
        .map_err(|e| PkiError::Encoding(format!("公钥无法解析：{e}")))?;
    let signature_oid = match key_algorithm(&public_key)? {
        KeyAlgorithm::EcdsaP256 => ECDSA_WITH_SHA256,
        KeyAlgorithm::Sm2 => SM2_WITH_SM3,
        KeyAlgorithm::Rsa { .. } => {
            return Err(PkiError::KeyNotAllowed("UKey 上的 RSA 密钥（请使用 P-256 或 SM2）".into()));
        }
    };
    let info =
        CertReqInfo { version: Version::V1, subject: subject.name()?, public_key, attributes: Default::default() };
    let signature = sign(&info.to_der()?)?;
    let request = CertReq {
        info,
        algorithm: spki::AlgorithmIdentifierOwned { oid: signature_oid, parameters: None },
        signature: der::asn1::BitString::from_bytes(&signature)?,
    };
    Ok(request.to_der()?)
}
