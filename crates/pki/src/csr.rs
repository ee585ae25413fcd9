//! What a CSR must be before the CA signs it: readable, signed by the key it carries, naming the
//! organisation of the order, with a key the profile allows.

use crate::profile::OrganisationSubject;
use crate::{PkiError, Result};
use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use signature::Verifier;
use spki::{DecodePublicKey, SubjectPublicKeyInfoOwned};
use x509_cert::ext::pkix::name::DirectoryString;
use x509_cert::request::CertReq;

const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const PRIME256V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const SERIAL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.5");

/// The key kinds a 机构证书 may certify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlgorithm {
    EcdsaP256,
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

/// Checks `der` (a PKCS#10 CSR) for the organisation `expected`.
pub fn check_csr(der: &[u8], expected: &OrganisationSubject) -> Result<CheckedCsr> {
    let request = CertReq::from_der(der).map_err(|e| PkiError::CsrUnreadable(e.to_string()))?;
    let spki = &request.info.public_key;
    let algorithm = match spki.algorithm.oid {
        ID_EC_PUBLIC_KEY => {
            let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
            if curve != Some(PRIME256V1) {
                return Err(PkiError::KeyNotAllowed(format!(
                    "椭圆曲线 {}",
                    curve.map_or("未知".into(), |c| c.to_string())
                )));
            }
            KeyAlgorithm::EcdsaP256
        }
        RSA_ENCRYPTION => return Err(PkiError::KeyNotAllowed("RSA（暂不支持）".into())),
        other => return Err(PkiError::KeyNotAllowed(format!("算法 {other}"))),
    };
    // The signature: made by the key the request carries, over the request's info.
    if request.algorithm.oid != ECDSA_WITH_SHA256 {
        return Err(PkiError::KeyNotAllowed(format!("签名算法 {}", request.algorithm.oid)));
    }
    let key = p256::ecdsa::VerifyingKey::from_public_key_der(&spki.to_der()?).map_err(|_| PkiError::CsrSignature)?;
    let signature =
        p256::ecdsa::DerSignature::from_bytes(request.signature.raw_bytes()).map_err(|_| PkiError::CsrSignature)?;
    key.verify(&request.info.to_der()?, &signature).map_err(|_| PkiError::CsrSignature)?;

    // The names: the order's organisation, and its code.
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
    Ok(CheckedCsr { public_key: spki.clone(), algorithm })
}
