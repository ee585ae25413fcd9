//! 证书: the organisation's certificates the CA服务商's CA issues for an order, their revocation, and
//! what the CA publishes (its chain, its CRL).

use serde::{Deserialize, Serialize};

/// `POST /v1/staff/orders/{no}/certificates`: one certificate of the order's 申领数量, for a key pair
/// made on the organisation's UKey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CertificateRequest {
    /// The PKCS#10 request (PEM, `-----BEGIN CERTIFICATE REQUEST-----`), signed by the key on the UKey.
    pub csr_pem: String,
    /// The UKey's serial number (what the token reports), kept beside the certificate.
    pub token_serial: Option<String>,
}

/// 证书状态.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum CertificateStatus {
    /// 有效.
    Valid,
    /// 已吊销.
    Revoked,
}

/// Why a certificate is revoked (吊销原因): the RFC 5280 reasons that apply to an organisation's
/// certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum RevocationReason {
    Unspecified,
    /// The key is lost or known to others (UKey lost).
    KeyCompromise,
    /// The organisation's name or code changed.
    AffiliationChanged,
    /// Replaced by a new certificate.
    Superseded,
    /// The organisation no longer needs it.
    CessationOfOperation,
    /// The platform withdrew it.
    PrivilegeWithdrawn,
}

impl RevocationReason {
    pub const ALL: [RevocationReason; 6] = [
        RevocationReason::Unspecified,
        RevocationReason::KeyCompromise,
        RevocationReason::AffiliationChanged,
        RevocationReason::Superseded,
        RevocationReason::CessationOfOperation,
        RevocationReason::PrivilegeWithdrawn,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RevocationReason::Unspecified => "unspecified",
            RevocationReason::KeyCompromise => "keyCompromise",
            RevocationReason::AffiliationChanged => "affiliationChanged",
            RevocationReason::Superseded => "superseded",
            RevocationReason::CessationOfOperation => "cessationOfOperation",
            RevocationReason::PrivilegeWithdrawn => "privilegeWithdrawn",
        }
    }

    pub fn from_code(code: &str) -> Option<RevocationReason> {
        RevocationReason::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            RevocationReason::Unspecified => "未指明",
            RevocationReason::KeyCompromise => "密钥泄露或UKey遗失",
            RevocationReason::AffiliationChanged => "机构信息变更",
            RevocationReason::Superseded => "已被新证书替换",
            RevocationReason::CessationOfOperation => "停止使用",
            RevocationReason::PrivilegeWithdrawn => "平台撤回",
        }
    }
}

/// `POST /v1/staff/certificates/{serial}/revoke`: 吊销.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Revocation {
    pub reason: RevocationReason,
}

/// 证书信息: one certificate issued for an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CertificateRecord {
    /// 证书序列号, uppercase hex.
    pub serial: String,
    pub order_no: String,
    pub provider_id: String,
    /// 证书主题, as OpenSSL prints it (`C=CN, O=…, CN=…, serialNumber=…`).
    pub subject: String,
    /// 签发者 (the issuing CA's name).
    pub issuer: String,
    /// 有效期, RFC 3339 in Asia/Shanghai.
    pub not_before: String,
    pub not_after: String,
    /// SHA-256 fingerprint of the DER, uppercase hex in pairs separated by colons.
    pub fingerprint_sha256: String,
    /// 密钥算法: `ECDSA P-256`, `SM2`, `RSA 2048`…
    pub key_algorithm: String,
    /// The UKey the key is on, when the production step said.
    pub token_serial: Option<String>,
    pub issued_at: String,
    pub status: CertificateStatus,
    pub revoked_at: Option<String>,
    pub revocation_reason: Option<RevocationReason>,
    /// The certificate itself (PEM), for saving as .cer and writing to the UKey.
    pub certificate_pem: String,
}

/// What the CA signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum CaKeyAlgorithm {
    /// ECDSA P-256 with SHA-256: the UKey makes a P-256 key.
    EcdsaP256,
    /// SM2 with SM3 (GM/T 0015): the UKey makes an SM2 key.
    Sm2,
}

/// `GET /v1/ca/{provider}`: what production needs to know of a CA服务商's CA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CaInfo {
    pub provider_id: String,
    pub algorithm: CaKeyAlgorithm,
    /// A sandbox hierarchy made by the embedded platform: its certificates are for trying the
    /// process, not for signing bids.
    pub sandbox: bool,
    /// How long a new certificate is valid (days).
    pub validity_days: u32,
    /// The issuing CA then the root, PEM.
    pub chain_pem: String,
}

/// What a challenge is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ChallengePurpose {
    /// 绑定: the signed-in organisation binds the certificate on its UKey.
    Bind,
    /// 证书登录: signing in with the UKey, no password.
    LogIn,
}

/// A fresh challenge: `toSign` is signed by the UKey's key as it is (its UTF-8 bytes), once, within
/// five minutes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CertificateChallenge {
    pub challenge_id: String,
    pub to_sign: String,
    /// RFC 3339, Asia/Shanghai.
    pub expires_at: String,
}

/// The proof of possession for 绑定 and 证书登录: the certificate on the UKey and its key's signature
/// over the challenge (base64 of a DER SEQUENCE of r and s for ECDSA and SM2, PKCS#1 v1.5 for RSA).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CertificateProof {
    pub challenge_id: String,
    pub certificate_pem: String,
    pub signature: String,
}

/// Where a certificate stands in CA证书管理.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum CertificateLifecycle {
    /// 有效.
    Valid,
    /// 即将到期: 90 days or fewer left.
    ExpiringSoon,
    /// 已过期.
    Expired,
    /// 已吊销.
    Revoked,
}

/// One of the organisation's certificates in CA证书管理 and CA绑定与解绑.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManagedCertificate {
    pub certificate: CertificateRecord,
    /// CA服务商, by name.
    pub provider_name: String,
    pub lifecycle: CertificateLifecycle,
    /// Whole days until 有效期 ends (negative once expired).
    pub days_left: i64,
    /// Bound to this account (证书登录 accepts it), and since when.
    pub bound_at: Option<String>,
}
