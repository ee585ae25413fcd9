//! CA证书管理, CA绑定与解绑 and 证书登录 in the app: the platform's challenge signed on the UKey by the
//! key of the organisation's certificate there (the PIN typed, never kept), the proof sent back.

use crate::ukey::{Ukeys, internal, token_error};
use crate::{AccountView, Desk, DeskError};
use certdesk_api::{ApiError, CertificateChallenge, CertificateProof, ErrorCode, ManagedCertificate};
use certdesk_token::{KeyKind, TokenError, TokenKey};
use std::sync::Arc;

/// Signs `challenge` on the UKey `serial` with the key of the organisation's certificate on it
/// (the latest to expire, if it holds several): the proof the platform checks.
fn prove(
    ukeys: &Ukeys,
    serial: &str,
    pin: &str,
    challenge: &CertificateChallenge,
) -> Result<CertificateProof, ApiError> {
    use base64::Engine;
    let mut token = ukeys.open(serial).map_err(token_error)?;
    if token.info().map_err(token_error)?.pin.locked {
        return Err(token_error(TokenError::Locked));
    }
    token.log_in(pin).map_err(token_error)?;
    let mut chosen = None;
    for stored in token.certificates().map_err(token_error)? {
        // The organisation's certificate sits beside its key (an id); CA certificates have none.
        if stored.id.is_empty() {
            continue;
        }
        let Ok(certificate) = certdesk_pki::certificate_from_der(&stored.der) else { continue };
        let Ok(facts) = certdesk_pki::CertificateFacts::of(&certificate) else { continue };
        if chosen.as_ref().is_none_or(|(_, _, later): &(_, _, std::time::SystemTime)| facts.not_after > *later) {
            chosen = Some((stored, certificate, facts.not_after));
        }
    }
    let (stored, certificate, _) =
        chosen.ok_or_else(|| ApiError::new(ErrorCode::NotFound, "UKey中没有机构证书，请先办理证书"))?;
    let certified = certdesk_pki::to_der(certificate.tbs_certificate().subject_public_key_info()).map_err(internal)?;
    if token.public_key(&stored.id).map_err(token_error)? != certified {
        return Err(ApiError::new(ErrorCode::Conflict, "UKey中的证书与密钥不匹配，请联系CA服务商"));
    }
    let kind = match certdesk_pki::CertificateFacts::of(&certificate).map_err(internal)?.key {
        certdesk_pki::KeyAlgorithm::EcdsaP256 => KeyKind::EcdsaP256,
        certdesk_pki::KeyAlgorithm::Sm2 => KeyKind::Sm2,
        certdesk_pki::KeyAlgorithm::Rsa { .. } => return Err(token_error(TokenError::Unsupported("RSA"))),
    };
    let key = TokenKey { id: stored.id.clone(), kind, public_key: certified };
    let signature = token.sign(&key, challenge.to_sign.as_bytes()).map_err(token_error)?;
    Ok(CertificateProof {
        challenge_id: challenge.challenge_id.clone(),
        certificate_pem: certdesk_pki::to_pem(&certificate).map_err(internal)?,
        signature: base64::engine::general_purpose::STANDARD.encode(signature),
    })
}

/// A desktop notification owed: a certificate reached 90, 30 or 7 days before its 有效期 ends.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ExpiryNotice {
    pub serial: String,
    pub provider_name: String,
    pub days_left: i64,
    pub not_after: String,
}

impl ExpiryNotice {
    pub fn message_zh(&self) -> String {
        format!(
            "{}的证书（序列号 {}）将于{}到期，剩余{}天，请在「CA证书管理」中办理续期",
            self.provider_name,
            self.serial,
            self.not_after.get(..10).unwrap_or(&self.not_after),
            self.days_left
        )
    }
}

/// An organisation's certificate as it sits on a UKey (read without the PIN: certificates are public).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct OnUkeyCertificate {
    pub serial: String,
    pub subject: String,
    /// RFC 3339, Asia/Shanghai.
    pub not_after: String,
    pub days_left: i64,
}

/// The health panel's row: a UKey plugged in and the organisation's certificates on it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct UkeyHealth {
    pub ukey: crate::UkeyView,
    pub certificates: Vec<OnUkeyCertificate>,
    /// Why the certificates could not be read, if they could not.
    pub problem: Option<String>,
}

fn on_ukey_certificates(ukeys: &Ukeys, serial: &str) -> Result<Vec<OnUkeyCertificate>, TokenError> {
    let mut token = ukeys.open(serial)?;
    let now = std::time::SystemTime::now();
    let mut found = Vec::new();
    for stored in token.certificates()? {
        if stored.id.is_empty() {
            continue;
        }
        let Ok(certificate) = certdesk_pki::certificate_from_der(&stored.der) else { continue };
        let Ok(facts) = certdesk_pki::CertificateFacts::of(&certificate) else { continue };
        let not_after = chrono::DateTime::<chrono::Utc>::from(facts.not_after);
        let days_left = match facts.not_after.duration_since(now) {
            Ok(left) => (left.as_secs() / 86_400) as i64,
            Err(past) => -((past.duration().as_secs() / 86_400) as i64) - 1,
        };
        found.push(OnUkeyCertificate {
            serial: facts.serial,
            subject: facts.subject,
            not_after: not_after.with_timezone(&certdesk_core::SHANGHAI).to_rfc3339(),
            days_left,
        });
    }
    Ok(found)
}

/// A serial as typed: hex digits only (it goes into a URL).
pub(crate) fn checked_serial(serial: &str) -> Result<&str, ApiError> {
    let serial = serial.trim();
    if serial.is_empty() || !serial.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(ApiError::new(ErrorCode::Validation, "证书序列号应为十六进制数字"));
    }
    Ok(serial)
}

/// The thresholds of the reminders, as the platform's emails.
const NOTICE_DAYS: [i64; 3] = [7, 30, 90];

impl Desk {
    /// The expiry notices to show now, each once per certificate and threshold on this computer
    /// (the platform emails the same reminders).
    pub async fn expiry_notices(&self) -> Result<Vec<ExpiryNotice>, ApiError> {
        let certificates = self.account_certificates().await?;
        let owner = self.owner()?;
        let at = chrono::Utc::now().with_timezone(&certdesk_core::SHANGHAI).to_rfc3339();
        let mut due = Vec::new();
        for c in certificates {
            if c.lifecycle != certdesk_api::CertificateLifecycle::ExpiringSoon {
                continue;
            }
            let Some(days) = NOTICE_DAYS.into_iter().find(|t| c.days_left <= *t) else { continue };
            let new = certdesk_store::note_expiry_notice(&self.store(), &owner, &c.certificate.serial, days, &at)
                .map_err(DeskError::from)?;
            if new {
                due.push(ExpiryNotice {
                    serial: c.certificate.serial.clone(),
                    provider_name: c.provider_name.clone(),
                    days_left: c.days_left,
                    not_after: c.certificate.not_after.clone(),
                });
            }
        }
        Ok(due)
    }

    /// The proof for `challenge` from the UKey `serial`, off the async threads (a token is slow).
    async fn prove_on_ukey(
        &self,
        serial: &str,
        pin: &str,
        challenge: CertificateChallenge,
    ) -> Result<CertificateProof, ApiError> {
        let (ukeys, serial, pin) = (Arc::clone(&self.ukeys), serial.to_owned(), pin.to_owned());
        tokio::task::spawn_blocking(move || prove(&ukeys, &serial, &pin, &challenge))
            .await
            .map_err(|e| ApiError::new(ErrorCode::Internal, format!("读取UKey未完成：{e}")))?
    }

    /// CA证书管理's health panel: each UKey plugged in, its PIN state and the certificates on it.
    pub async fn ukey_health(&self) -> Result<(Vec<UkeyHealth>, Vec<String>), ApiError> {
        let ukeys = Arc::clone(&self.ukeys);
        tokio::task::spawn_blocking(move || {
            let list = ukeys.list();
            let health = list
                .ukeys
                .into_iter()
                .map(|ukey| match on_ukey_certificates(&ukeys, &ukey.serial) {
                    Ok(certificates) => UkeyHealth { ukey, certificates, problem: None },
                    Err(e) => UkeyHealth { ukey, certificates: Vec::new(), problem: Some(e.to_string()) },
                })
                .collect();
            (health, list.problems)
        })
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("读取UKey未完成：{e}")))
    }

    /// CA证书管理: the organisation's certificates, with where each stands and whether it is bound.
    pub async fn account_certificates(&self) -> Result<Vec<ManagedCertificate>, ApiError> {
        Ok(self.client.account_certificates().await.map_err(DeskError::from)?)
    }

    /// 绑定 the certificate on the UKey `serial` to the signed-in organisation.
    pub async fn bind_ukey_certificate(&self, serial: &str, pin: &str) -> Result<ManagedCertificate, ApiError> {
        let challenge = self.client.bind_challenge().await.map_err(DeskError::from)?;
        let proof = self.prove_on_ukey(serial, pin, challenge).await?;
        let bound = self.client.bind_certificate(&proof).await.map_err(DeskError::from)?;
        tracing::info!(serial = %bound.certificate.serial, "certificate bound");
        Ok(bound)
    }

    /// 解绑.
    pub async fn unbind_certificate(&self, serial: &str) -> Result<(), ApiError> {
        let serial = checked_serial(serial)?;
        Ok(self.client.unbind_certificate(serial).await.map_err(DeskError::from)?)
    }

    /// 续期 (`reissue` false: the certificate stays valid) or 补办 (true: it is revoked at once): the
    /// new order, prefilled from the certificate's application, as the order list shows it.
    pub async fn replace_certificate(&self, serial: &str, reissue: bool) -> Result<crate::OrderRow, ApiError> {
        let serial = checked_serial(serial)?;
        self.record(self.client.replace_certificate(serial, reissue).await)
    }

    /// 注销: the certificate revoked, no replacement.
    pub async fn cancel_certificate(&self, serial: &str) -> Result<ManagedCertificate, ApiError> {
        let serial = checked_serial(serial)?;
        Ok(self.client.cancel_certificate(serial).await.map_err(DeskError::from)?)
    }

    /// 证书登录 with the UKey `serial`: no password; signed in as the account the certificate is
    /// bound to.
    pub async fn log_in_with_ukey(&self, serial: &str, pin: &str) -> Result<AccountView, ApiError> {
        let challenge = self.client.log_in_challenge().await.map_err(DeskError::from)?;
        let proof = self.prove_on_ukey(serial, pin, challenge).await?;
        let session = self.client.certificate_log_in(&proof).await.map_err(DeskError::from)?;
        self.keep_session(&session)
    }
}
