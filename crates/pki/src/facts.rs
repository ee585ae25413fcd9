//! What is shown of a certificate (证书信息): its names as OpenSSL prints them, validity, the
//! SHA-256 fingerprint and the key; and the PEM text of certificates and CRLs.

use crate::csr::KeyAlgorithm;
use crate::{PkiError, Result};
use const_oid::ObjectIdentifier;
use const_oid::db::rfc4519;
use der::pem::LineEnding;
use der::{Decode, Encode, EncodePem};
use sha2::Digest;
use std::time::SystemTime;
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::DirectoryString;
use x509_cert::name::Name;

/// The facts of one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateFacts {
    /// Uppercase hex, without leading zero bytes.
    pub serial: String,
    pub subject: String,
    pub issuer: String,
    pub not_before: SystemTime,
    pub not_after: SystemTime,
    /// `AB:CD:…`, over the DER.
    pub fingerprint_sha256: String,
    pub key: KeyAlgorithm,
}

impl CertificateFacts {
    pub fn of(certificate: &Certificate) -> Result<CertificateFacts> {
        let tbs = certificate.tbs_certificate();
        let serial = tbs.serial_number().as_bytes();
        let significant = &serial[serial.iter().position(|b| *b != 0).unwrap_or(serial.len().saturating_sub(1))..];
        let fingerprint = sha2::Sha256::digest(certificate.to_der()?);
        Ok(CertificateFacts {
            serial: hex(significant, ""),
            subject: display_name(tbs.subject()),
            issuer: display_name(tbs.issuer()),
            not_before: tbs.validity().not_before.to_system_time(),
            not_after: tbs.validity().not_after.to_system_time(),
            fingerprint_sha256: hex(&fingerprint, ":"),
            key: crate::csr::key_algorithm(tbs.subject_public_key_info())?,
        })
    }
}

impl std::fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyAlgorithm::EcdsaP256 => f.write_str("ECDSA P-256"),
            KeyAlgorithm::Rsa { bits } => write!(f, "RSA {bits}"),
            KeyAlgorithm::Sm2 => f.write_str("SM2"),
        }
    }
}

fn hex(bytes: &[u8], separator: &str) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(separator)
}

const SERIAL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.5");

/// `C=CN, O=…, CN=…, serialNumber=…`: in the certificate's order, as `openssl x509 -nameopt
/// utf8,sep_comma_plus_space` prints it (RFC 4514's reversed order reads wrong to people).
pub fn display_name(name: &Name) -> String {
    let mut parts = Vec::new();
    for attribute in name.iter() {
        let label = match attribute.oid {
            rfc4519::COUNTRY_NAME => "C".to_owned(),
            rfc4519::ORGANIZATION_NAME => "O".to_owned(),
            rfc4519::ORGANIZATIONAL_UNIT_NAME => "OU".to_owned(),
            rfc4519::COMMON_NAME => "CN".to_owned(),
            SERIAL_NUMBER => "serialNumber".to_owned(),
            other => other.to_string(),
        };
        let value = attribute.value.decode_as::<DirectoryString>().map(String::from).unwrap_or_else(|_| "?".into());
        parts.push(format!("{label}={value}"));
    }
    parts.join(", ")
}

/// A certificate from DER.
pub fn certificate_from_der(der: &[u8]) -> Result<Certificate> {
    Certificate::from_der(der).map_err(|e| PkiError::Encoding(e.to_string()))
}

/// PEM text (`-----BEGIN CERTIFICATE-----`, `-----BEGIN X509 CRL-----`…), LF line ends.
pub fn to_pem(value: &impl EncodePem) -> Result<String> {
    Ok(value.to_pem(LineEnding::LF)?)
}

/// DER bytes of a certificate or CRL.
pub fn to_der(value: &impl Encode) -> Result<Vec<u8>> {
    Ok(value.to_der()?)
}

/// Every certificate of a PEM text (a chain: the issuing CA, then the root).
pub fn certificates_from_pem(pem: &str) -> Result<Vec<Certificate>> {
    Certificate::load_pem_chain(pem.as_bytes()).map_err(|e| PkiError::Encoding(e.to_string()))
}

/// A CSR's DER as PEM (`-----BEGIN CERTIFICATE REQUEST-----`).
pub fn csr_pem(der: &[u8]) -> String {
    der::pem::encode_string("CERTIFICATE REQUEST", LineEnding::LF, der).expect("PEM of a short DER")
}
