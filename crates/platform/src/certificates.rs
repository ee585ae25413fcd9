//! 证书: each CA服务商's CA as the platform keeps it (both certificates and the issuing CA's key
//! sealed in the database, unsealed once per process), the certificates it issues for an order,
//! 吊销 and the CRL every certificate names.
//!
//! The embedded platform makes a sandbox hierarchy for each demo provider at first start, named
//! （沙箱） in every certificate so nobody mistakes it for a real CA. With `[hsm]`, the issuing keys
//! of the providers it names are made on the HSM instead, and the database keeps, sealed in place
//! of the key, where it is: a PKCS#11 URI (RFC 7512), `pkcs11:token=…;object=…`.

use crate::state::AppState;
use crate::store::{ByStaff, Db, NewCertificate, StoredCa};
use crate::{PlatformError, Result};
use certdesk_api::{CaInfo, CaKeyAlgorithm, CertificateRecord, RevocationReason};
use certdesk_core::{OrderNumber, SHANGHAI};
use certdesk_pki::{Ca, CaAlgorithm, CaParts, CertificateFacts, IssueRequest, OrganisationSubject, Urls};
use certdesk_vault::Sealer;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// A new certificate's validity unless the provider's CA says otherwise: the guide's one year.
pub const DEFAULT_VALIDITY_DAYS: u32 = 365;

/// How long a CRL is good for. Lists are signed when asked for, so a revocation is in the next one
/// fetched; relying parties that cache a list fetch again after this.
const CRL_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// The demo providers' sandbox algorithms: 浙江汇信CA's UKeys make P-256 keys (as SoftHSM2 does),
/// the free demo CA is an SM2 CA (GM/T 0015).
fn sandbox_algorithm(provider_id: &str) -> CaAlgorithm {
    match provider_id {
        "demo-free" => CaAlgorithm::Sm2,
        _ => CaAlgorithm::EcdsaP256,
    }
}

fn algorithm_code(algorithm: CaAlgorithm) -> &'static str {
    match algorithm {
        CaAlgorithm::EcdsaP256 => "ecdsaP256",
        CaAlgorithm::Sm2 => "sm2",
    }
}

fn algorithm_of(code: &str) -> Result<CaAlgorithm> {
    match code {
        "ecdsaP256" => Ok(CaAlgorithm::EcdsaP256),
        "sm2" => Ok(CaAlgorithm::Sm2),
        other => Err(PlatformError::Internal(format!("stored CA algorithm {other}"))),
    }
}

/// What binds a sealed issuing key to its provider: copied into another row, it does not open.
fn seal_context(provider_id: &str) -> String {
    format!("certificate authority {provider_id}")
}

/// What the sealed key column holds for a key on the HSM, before its token and label.
const HSM_KEY_URI: &str = "pkcs11:";

fn hsm_key_uri(token_label: &str, key_label: &str) -> String {
    // Labels are ours (`<provider>-issuing`) or the operator's; `;` and `=` would break the URI.
    format!("{HSM_KEY_URI}token={};object={}", token_label.replace([';', '='], "_"), key_label.replace([';', '='], "_"))
}

/// The token and key labels of a stored PKCS#11 URI.
fn parse_hsm_key_uri(uri: &str) -> Option<(&str, &str)> {
    let rest = uri.strip_prefix(HSM_KEY_URI)?;
    let (token, object) = rest.split_once(';')?;
    Some((token.strip_prefix("token=")?, object.strip_prefix("object=")?))
}

fn hsm_key_label(provider_id: &str) -> String {
    format!("{provider_id}-issuing")
}

fn hsm_error(e: certdesk_token::TokenError) -> PlatformError {
    PlatformError::Config(format!("HSM：{e}"))
}

/// At start with `[hsm]`: a CA whose issuing key is made on the HSM for each provider it names that
/// has none (a key already there under the provider's label, left by an instance starting at the
/// same moment, is used); a provider whose CA keeps its key elsewhere stops the start.
pub(crate) fn ensure_hsm_cas(db: &Db, sealer: &Sealer, hsm: &crate::HsmConfig) -> Result<()> {
    use certdesk_token::hsm::{HsmCaKey, HsmKeyRef};
    let providers = db.providers()?;
    let pin = hsm.user_pin()?;
    for provider_id in &hsm.providers {
        let provider = providers
            .iter()
            .find(|p| &p.id == provider_id)
            .ok_or_else(|| PlatformError::Config(format!("[hsm] providers 中的 {provider_id} 不是已有的CA服务商")))?;
        if let Some(stored) = db.certificate_authority(provider_id)? {
            let location = sealer.open_bytes(&stored.issuing_key_sealed, &seal_context(provider_id))?;
            if !location.starts_with(HSM_KEY_URI.as_bytes()) {
                return Err(PlatformError::Config(format!(
                    "{provider_id} 已有签发CA，其私钥不在HSM中：不能改为HSM签发（已签发的证书都由原密钥签发）"
                )));
            }
            continue;
        }
        let key_label = hsm_key_label(provider_id);
        let at = HsmKeyRef { module: &hsm.module, token_label: &hsm.token_label, key_label: &key_label, pin: &pin };
        let key = match HsmCaKey::open(&at) {
            Ok(key) => key,
            Err(certdesk_token::TokenError::NoSuchObject) => HsmCaKey::generate(&at).map_err(hsm_error)?,
            Err(e) => return Err(hsm_error(e)),
        };
        let name = if provider.demo { format!("{}（沙箱）", provider.name) } else { provider.name.clone() };
        let ca = Ca::generate_with_issuing_signer(&name, Arc::new(key), SystemTime::now())?;
        let location = hsm_key_uri(&hsm.token_label, &key_label);
        let stored = StoredCa {
            provider_id: provider_id.clone(),
            algorithm: algorithm_code(ca.algorithm()).to_owned(),
            sandbox: provider.demo,
            validity_days: DEFAULT_VALIDITY_DAYS,
            root_der: certdesk_pki::to_der(&ca.root)?,
            issuing_der: certdesk_pki::to_der(&ca.issuing)?,
            issuing_key_sealed: sealer.seal_bytes(location.as_bytes(), &seal_context(provider_id))?,
            created_at: now_text(),
        };
        if db.insert_certificate_authority(&stored)? {
            tracing::info!(provider = %provider_id, token = %hsm.token_label, key = %key_label, "CA created, its issuing key on the HSM");
        }
    }
    Ok(())
}

/// Makes a CA for `provider_id` and stores it, unless it has one (made by another instance first).
pub fn create_ca(
    db: &Db,
    sealer: &Sealer,
    provider_id: &str,
    provider_name: &str,
    algorithm: CaAlgorithm,
    sandbox: bool,
    validity_days: u32,
) -> Result<bool> {
    let name = if sandbox { format!("{provider_name}（沙箱）") } else { provider_name.to_owned() };
    let ca = Ca::generate(&name, algorithm, SystemTime::now())?;
    let parts = ca.export()?;
    let stored = StoredCa {
        provider_id: provider_id.to_owned(),
        algorithm: algorithm_code(algorithm).to_owned(),
        sandbox,
        validity_days,
        root_der: parts.root.clone(),
        issuing_der: parts.issuing.clone(),
        issuing_key_sealed: sealer.seal_bytes(&parts.issuing_key_pkcs8, &seal_context(provider_id))?,
        created_at: now_text(),
    };
    db.insert_certificate_authority(&stored)
}

/// At start with demo data: a sandbox CA for every demo provider that has none.
pub(crate) fn ensure_sandbox_cas(db: &Db, sealer: &Sealer) -> Result<()> {
    for provider in db.providers()?.into_iter().filter(|p| p.demo) {
        if db.certificate_authority(&provider.id)?.is_none() {
            let algorithm = sandbox_algorithm(&provider.id);
            if create_ca(db, sealer, &provider.id, &provider.name, algorithm, true, DEFAULT_VALIDITY_DAYS)? {
                tracing::info!(provider = %provider.id, ?algorithm, "sandbox CA created");
            }
        }
    }
    Ok(())
}

/// The CAs unsealed so far, by provider: a key is opened once per process, not per request.
#[derive(Default)]
pub(crate) struct CaCache {
    opened: Mutex<HashMap<String, Arc<LoadedCa>>>,
}

pub(crate) struct LoadedCa {
    pub ca: Ca,
    pub sandbox: bool,
    pub validity_days: u32,
}

fn now_text() -> String {
    Utc::now().with_timezone(&SHANGHAI).to_rfc3339()
}

fn shanghai(at: SystemTime) -> String {
    DateTime::<Utc>::from(at).with_timezone(&SHANGHAI).to_rfc3339()
}

/// A 128-bit random serial, positive and without a leading zero byte (RFC 5280 allows 20 octets).
fn random_serial() -> Result<Vec<u8>> {
    let mut serial = [0u8; 16];
    getrandom::fill(&mut serial).map_err(|e| PlatformError::Internal(e.to_string()))?;
    serial[0] = (serial[0] & 0x7f) | 0x40;
    Ok(serial.to_vec())
}

fn serial_bytes(hex: &str) -> Result<Vec<u8>> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("zz"), 16))
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| PlatformError::Internal(format!("stored serial {hex}")))
}

impl AppState {
    /// The provider's CA, unsealed on first use.
    pub(crate) fn ca(&self, provider_id: &str) -> Result<Arc<LoadedCa>> {
        if let Some(ca) = self.cas.opened.lock().expect("CA cache").get(provider_id) {
            return Ok(Arc::clone(ca));
        }
        let stored = self
            .db
            .certificate_authority(provider_id)?
            .ok_or_else(|| PlatformError::NotFound("该CA服务商尚未配置签发CA，无法签发证书".into()))?;
        let key = self.sealer.open_bytes(&stored.issuing_key_sealed, &seal_context(provider_id))?;
        let ca = match std::str::from_utf8(&key).ok().and_then(parse_hsm_key_uri) {
            Some((token_label, key_label)) => {
                let hsm = self.hsm.as_ref().ok_or_else(|| {
                    PlatformError::CaUnavailable(format!("{provider_id} 的签发CA私钥在HSM中，但平台未配置 [hsm]"))
                })?;
                let pin = hsm.user_pin().map_err(|e| PlatformError::CaUnavailable(e.to_string()))?;
                let at = certdesk_token::hsm::HsmKeyRef { module: &hsm.module, token_label, key_label, pin: &pin };
                let signer = certdesk_token::hsm::HsmCaKey::open(&at)
                    .map_err(|e| PlatformError::CaUnavailable(format!("HSM无法使用，暂不能签发证书：{e}")))?;
                Ca::with_issuing_signer(&stored.root_der, &stored.issuing_der, Arc::new(signer))?
            }
            None => Ca::import(&CaParts {
                algorithm: algorithm_of(&stored.algorithm)?,
                root: stored.root_der,
                issuing: stored.issuing_der,
                issuing_key_pkcs8: key,
            })?,
        };
        let loaded = Arc::new(LoadedCa { ca, sandbox: stored.sandbox, validity_days: stored.validity_days });
        self.cas.opened.lock().expect("CA cache").insert(provider_id.to_owned(), Arc::clone(&loaded));
        Ok(loaded)
    }

    fn urls(&self, provider_id: &str) -> Urls {
        Urls {
            crl: format!("{}/v1/ca/{provider_id}/crl", self.public_url),
            ca_issuers: format!("{}/v1/ca/{provider_id}/issuing.cer", self.public_url),
        }
    }

    /// 制证: the order's next certificate for the key in `csr_pem`.
    pub(crate) fn issue_certificate(
        &self,
        order_no: &OrderNumber,
        csr_pem: &str,
        token_serial: Option<&str>,
        by: ByStaff<'_>,
    ) -> Result<CertificateRecord> {
        let csr = crate::pem_der(csr_pem, "证书请求（CSR）应为 PEM 格式（BEGIN CERTIFICATE REQUEST）")?;
        let at = now_text();
        let (record, der) = self.db.insert_certificate(order_no, token_serial, by, &at, |order| {
            let subject = OrganisationSubject {
                organisation_name: order.organisation_name.clone(),
                credit_code: order.credit_code.clone(),
            };
            let checked = certdesk_pki::check_csr(&csr, &subject)?;
            let loaded = self.ca(&order.provider_id)?;
            let now = SystemTime::now();
            let serial = random_serial()?;
            let certificate = loaded.ca.issue(&IssueRequest {
                csr: &checked,
                subject: &subject,
                serial: &serial,
                not_before: now,
                not_after: now + Duration::from_secs(u64::from(loaded.validity_days) * 24 * 3600),
                urls: self.urls(&order.provider_id),
            })?;
            let facts = CertificateFacts::of(&certificate)?;
            Ok(NewCertificate {
                serial: facts.serial,
                subject: facts.subject,
                issuer: facts.issuer,
                not_before: shanghai(facts.not_before),
                not_after: shanghai(facts.not_after),
                fingerprint_sha256: facts.fingerprint_sha256,
                key_algorithm: facts.key.to_string(),
                der: certdesk_pki::to_der(&certificate)?,
            })
        })?;
        with_pem(record, &der)
    }

    pub(crate) fn order_certificates(
        &self,
        order_no: &OrderNumber,
        organisation_id: Option<i64>,
    ) -> Result<Vec<CertificateRecord>> {
        self.db.order_of(order_no, organisation_id)?.ok_or_else(|| PlatformError::NotFound("订单不存在".into()))?;
        self.db.certificates_of(order_no)?.into_iter().map(|(record, der)| with_pem(record, &der)).collect()
    }

    /// 吊销.
    pub(crate) fn revoke_certificate(
        &self,
        serial: &str,
        reason: RevocationReason,
        by: ByStaff<'_>,
    ) -> Result<CertificateRecord> {
        let serial = serial.trim().to_ascii_uppercase();
        let (record, der) = self.db.revoke_certificate(&serial, reason, Some(by), &now_text())?;
        with_pem(record, &der)
    }

    /// The provider's CRL (DER), signed now.
    pub(crate) fn crl(&self, provider_id: &str) -> Result<Vec<u8>> {
        let loaded = self.ca(provider_id)?;
        let revoked = self
            .db
            .revoked_certificates(provider_id)?
            .into_iter()
            .map(|entry| {
                let at = DateTime::parse_from_rfc3339(&entry.revoked_at)
                    .map_err(|_| PlatformError::Internal(format!("stored time {}", entry.revoked_at)))?;
                Ok(certdesk_pki::Revoked {
                    serial: serial_bytes(&entry.serial)?,
                    at: SystemTime::from(at),
                    reason: pki_reason(entry.reason),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let now = SystemTime::now();
        // Milliseconds since 1970: grows from one list to the next on every instance whose clock is
        // right, without a counter shared between instances.
        let number = now.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
        let crl = loaded.ca.crl(&revoked, now, now + CRL_LIFETIME, number)?;
        Ok(certdesk_pki::to_der(&crl)?)
    }

    pub(crate) fn ca_info(&self, provider_id: &str) -> Result<CaInfo> {
        let loaded = self.ca(provider_id)?;
        let chain_pem = certdesk_pki::to_pem(&loaded.ca.issuing)? + &certdesk_pki::to_pem(&loaded.ca.root)?;
        Ok(CaInfo {
            provider_id: provider_id.to_owned(),
            algorithm: match loaded.ca.algorithm() {
                CaAlgorithm::EcdsaP256 => CaKeyAlgorithm::EcdsaP256,
                CaAlgorithm::Sm2 => CaKeyAlgorithm::Sm2,
            },
            sandbox: loaded.sandbox,
            validity_days: loaded.validity_days,
            chain_pem,
        })
    }

    /// The issuing CA's certificate (DER), where every certificate's AIA points.
    pub(crate) fn issuing_certificate(&self, provider_id: &str) -> Result<Vec<u8>> {
        Ok(certdesk_pki::to_der(&self.ca(provider_id)?.ca.issuing)?)
    }
}

pub(crate) fn with_pem(mut record: CertificateRecord, der: &[u8]) -> Result<CertificateRecord> {
    record.certificate_pem = certdesk_pki::to_pem(&certdesk_pki::certificate_from_der(der)?)?;
    Ok(record)
}

fn pki_reason(reason: RevocationReason) -> certdesk_pki::RevocationReason {
    use certdesk_pki::RevocationReason as P;
    match reason {
        RevocationReason::Unspecified => P::Unspecified,
        RevocationReason::KeyCompromise => P::KeyCompromise,
        RevocationReason::AffiliationChanged => P::AffiliationChanged,
        RevocationReason::Superseded => P::Superseded,
        RevocationReason::CessationOfOperation => P::CessationOfOperation,
        RevocationReason::PrivilegeWithdrawn => P::PrivilegeWithdrawn,
    }
}
