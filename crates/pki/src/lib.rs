//! The CA服务商's certificates (no tauri, no HTTP): the organisation's certificate profile (机构证书),
//! the checks a CSR must pass, and a CA — a root and an issuing CA — that issues X.509 certificates.
//!
//! The CA signs with ECDSA P-256 software keys (the embedded platform's sandbox hierarchy); it
//! certifies RSA 2048/3072 and P-256 keys. SM2 and a CA key in a PKCS#11 HSM come behind the same
//! [`Ca`] next.

mod ca;
mod crl;
mod csr;
mod external;
mod facts;
mod profile;
mod proof;
mod sm2_signer;

pub use ca::{Ca, CaAlgorithm, CaParts, IssueRequest};
pub use crl::{RevocationReason, Revoked};
pub use csr::{CheckedCsr, KeyAlgorithm, build_csr, check_csr};
pub use external::CaSigner;
pub use facts::{CertificateFacts, certificate_from_der, certificates_from_pem, csr_pem, display_name, to_der, to_pem};
pub use profile::{ORGANISATION_CODE_OID, OrganisationSubject, Urls};
pub use proof::{verify_issued_by, verify_signature};
pub use sm2_signer::{SM2_DEFAULT_ID, Sm2Signer};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PkiError {
    #[error("证书请求（CSR）无法解析：{0}")]
    CsrUnreadable(String),
    #[error("证书请求（CSR）的签名无效")]
    CsrSignature,
    #[error("证书请求（CSR）中的{field}与申领信息不一致：应为“{expected}”，实为“{found}”")]
    SubjectMismatch { field: &'static str, expected: String, found: String },
    #[error("不支持的密钥：{0}（支持 RSA 2048/3072 位、ECDSA P-256、SM2）")]
    KeyNotAllowed(String),
    #[error("签名验证失败：签名不是由该证书的密钥对这次的挑战所做")]
    BadSignature,
    #[error("证书不是由本平台的CA签发")]
    NotIssuedBy,
    #[error("证书编码失败：{0}")]
    Encoding(String),
    #[error("签发证书失败：{0}")]
    Signing(String),
}

pub type Result<T, E = PkiError> = std::result::Result<T, E>;

impl From<der::Error> for PkiError {
    fn from(e: der::Error) -> Self {
        PkiError::Encoding(e.to_string())
    }
}
