//! CA绑定与解绑 and 证书登录: proof that the organisation holds a certificate's key.
//!
//! The platform makes a single-use challenge; the UKey signs its text; the platform checks, in
//! order, that the challenge is fresh and for this, that the signature is by the certificate's key,
//! that the certificate is one this platform issued (the same bytes, signed by its provider's
//! issuing CA), not revoked, within its validity, and then that its 统一社会信用代码 is the account's
//! (绑定) or that it is bound to an account (证书登录). Each refusal says which, in Chinese.

use crate::state::AppState;
use crate::store::NewChallenge;
use crate::{PlatformError, Result};
use certdesk_api::{
    ApplicantSession, CertificateChallenge, CertificateLifecycle, CertificateProof, CertificateRecord,
    CertificateStatus, ChallengePurpose, ManagedCertificate,
};
use certdesk_core::SHANGHAI;
use chrono::{DateTime, Utc};

/// How long a challenge may be answered.
const CHALLENGE_LIFETIME: chrono::Duration = chrono::Duration::minutes(5);
/// From how many days before 有效期 ends a certificate is 即将到期.
pub(crate) const EXPIRING_SOON_DAYS: i64 = 90;

fn purpose_code(purpose: ChallengePurpose) -> &'static str {
    match purpose {
        ChallengePurpose::Bind => "bind",
        ChallengePurpose::LogIn => "logIn",
    }
}

/// Where a certificate stands at `now`, and its whole days left.
pub(crate) fn lifecycle(record: &CertificateRecord, now: DateTime<Utc>) -> (CertificateLifecycle, i64) {
    let days_left = DateTime::parse_from_rfc3339(&record.not_after)
        .map(|end| (end.with_timezone(&Utc) - now).num_days())
        .unwrap_or(0);
    let ended = DateTime::parse_from_rfc3339(&record.not_after).is_ok_and(|end| end.with_timezone(&Utc) <= now);
    let state = if record.status == CertificateStatus::Revoked {
        CertificateLifecycle::Revoked
    } else if ended {
        CertificateLifecycle::Expired
    } else if days_left <= EXPIRING_SOON_DAYS {
        CertificateLifecycle::ExpiringSoon
    } else {
        CertificateLifecycle::Valid
    };
    (state, days_left)
}

impl AppState {
    /// The platform's clock: the real one, moved by `time_travel` in tests.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.time_travel.unwrap_or_default()
    }

    /// A fresh challenge for `purpose`; 绑定's belongs to the signed-in organisation.
    pub(crate) fn certificate_challenge(
        &self,
        purpose: ChallengePurpose,
        organisation_id: Option<i64>,
    ) -> Result<CertificateChallenge> {
        let now = self.now().with_timezone(&SHANGHAI);
        let id = crate::random_hex(16)?;
        let nonce = crate::random_hex(32)?;
        let action = match purpose {
            ChallengePurpose::Bind => "绑定证书",
            ChallengePurpose::LogIn => "证书登录",
        };
        // What the UKey signs says what it is for and where, so a signature given for one cannot
        // be replayed for another.
        let to_sign =
            format!("CertDesk {action}\n平台：{}\n挑战：{nonce}\n时间：{}", self.public_url, now.to_rfc3339());
        let expires_at = (now + CHALLENGE_LIFETIME).to_rfc3339();
        self.db.insert_challenge(&NewChallenge {
            id: &id,
            purpose: purpose_code(purpose),
            organisation_id,
            to_sign: &to_sign,
            created_at: &now.to_rfc3339(),
            expires_at: &expires_at,
        })?;
        Ok(CertificateChallenge { challenge_id: id, to_sign, expires_at })
    }

    /// The checks every proof passes: the certificate it proves, as this platform issued it.
    fn check_proof(
        &self,
        proof: &CertificateProof,
        purpose: ChallengePurpose,
        organisation_id: Option<i64>,
    ) -> Result<CertificateRecord> {
        use base64::Engine;
        let refused = |message: &str| match purpose {
            ChallengePurpose::LogIn => PlatformError::Unauthorized(message.to_owned()),
            ChallengePurpose::Bind => PlatformError::Unprocessable(message.to_owned()),
        };
        let now = self.now();
        let to_sign = self
            .db
            .take_challenge(
                &proof.challenge_id,
                purpose_code(purpose),
                organisation_id,
                &now.with_timezone(&SHANGHAI).to_rfc3339(),
            )?
            .ok_or_else(|| refused("验证已过期或已使用，请重新操作"))?;
        let der = crate::pem_der(&proof.certificate_pem, "证书应为 PEM 格式（BEGIN CERTIFICATE）")?;
        let certificate = certdesk_pki::certificate_from_der(&der).map_err(|_| refused("证书无法解析"))?;
        let signature = base64::engine::general_purpose::STANDARD
            .decode(proof.signature.trim())
            .map_err(|_| PlatformError::Unprocessable("签名应为 base64 编码".into()))?;
        let spki = certificate.tbs_certificate().subject_public_key_info();
        certdesk_pki::verify_signature(spki, to_sign.as_bytes(), &signature)
            .map_err(|_| refused("签名验证失败：UKey中的密钥与证书不匹配"))?;
        let facts = certdesk_pki::CertificateFacts::of(&certificate)?;
        let foreign = || refused("该证书不是本平台签发的机构证书");
        let (record, stored_der) = self.db.certificate(&facts.serial)?.ok_or_else(foreign)?;
        if stored_der != der {
            return Err(foreign());
        }
        let ca = self.db.certificate_authority(&record.provider_id)?.ok_or_else(foreign)?;
        let issuing = certdesk_pki::certificate_from_der(&ca.issuing_der)?;
        certdesk_pki::verify_issued_by(&certificate, &issuing).map_err(|_| foreign())?;
        if record.status == CertificateStatus::Revoked {
            let reason = record.revocation_reason.map(|r| r.label_zh()).unwrap_or("未指明");
            return Err(refused(&format!("该证书已吊销（{reason}），不能使用")));
        }
        let now_system: std::time::SystemTime = now.into();
        if now_system < facts.not_before {
            return Err(refused("该证书尚未生效"));
        }
        if now_system >= facts.not_after {
            return Err(refused("该证书已过期，请办理续期"));
        }
        Ok(record)
    }

    /// 绑定 the certificate on the organisation's UKey to its account.
    pub(crate) fn bind_certificate(
        &self,
        organisation_id: i64,
        credit_code: &str,
        proof: &CertificateProof,
    ) -> Result<ManagedCertificate> {
        let record = self.check_proof(proof, ChallengePurpose::Bind, Some(organisation_id))?;
        let owner = self.db.order_of(&certdesk_core::OrderNumber::parse(&record.order_no)?, Some(organisation_id))?;
        if owner.is_none() || !record.subject.contains(&format!("serialNumber={credit_code}")) {
            return Err(PlatformError::Unprocessable("该证书的统一社会信用代码与本账号不符，不能绑定".into()));
        }
        let at = self.now().with_timezone(&SHANGHAI).to_rfc3339();
        if self.db.bind_certificate(&record.serial, organisation_id, &at)? {
            tracing::info!(organisation_id, serial = %record.serial, "certificate bound");
        }
        self.managed_certificate(organisation_id, &record.serial)
    }

    /// 解绑.
    pub(crate) fn unbind_certificate(&self, organisation_id: i64, serial: &str) -> Result<()> {
        let at = self.now().with_timezone(&SHANGHAI).to_rfc3339();
        self.db.unbind_certificate(&serial.trim().to_ascii_uppercase(), organisation_id, &at)?;
        tracing::info!(organisation_id, serial, "certificate unbound");
        Ok(())
    }

    /// 证书登录: a session for the account the certificate is bound to.
    pub(crate) fn certificate_log_in(&self, proof: &CertificateProof) -> Result<ApplicantSession> {
        let record = self.check_proof(proof, ChallengePurpose::LogIn, None)?;
        let organisation_id = self.db.bound_organisation(&record.serial)?.ok_or_else(|| {
            PlatformError::Unauthorized(
                "该证书尚未绑定机构账号：请先用账号密码登录，在「CA绑定与解绑」中绑定后再使用证书登录".into(),
            )
        })?;
        let applicant = self
            .db
            .organisation_applicant(organisation_id)?
            .ok_or_else(|| PlatformError::Unauthorized("该证书绑定的机构没有申领账号".into()))?;
        tracing::info!(organisation_id, serial = %record.serial, "signed in with a certificate");
        crate::applicants::session_for(&self.db, applicant, self.now())
    }

    /// CA证书管理: every certificate of the organisation, with where it stands.
    pub(crate) fn organisation_certificates(&self, organisation_id: i64) -> Result<Vec<ManagedCertificate>> {
        let now = self.now();
        self.db
            .organisation_certificates(organisation_id)?
            .into_iter()
            .map(|(record, der, provider_name, bound_at)| {
                let certificate = crate::certificates::with_pem(record, &der)?;
                let (lifecycle, days_left) = lifecycle(&certificate, now);
                Ok(ManagedCertificate { certificate, provider_name, lifecycle, days_left, bound_at })
            })
            .collect()
    }

    fn managed_certificate(&self, organisation_id: i64, serial: &str) -> Result<ManagedCertificate> {
        self.organisation_certificates(organisation_id)?
            .into_iter()
            .find(|c| c.certificate.serial == serial)
            .ok_or_else(|| PlatformError::NotFound("证书不存在".into()))
    }
}

impl AppState {
    /// The organisation's certificate `serial` (404 for anyone else's).
    fn own_certificate(&self, organisation_id: i64, serial: &str) -> Result<CertificateRecord> {
        let serial = serial.trim().to_ascii_uppercase();
        let (record, _) = self.db.certificate(&serial)?.ok_or_else(|| PlatformError::NotFound("证书不存在".into()))?;
        let order_no = certdesk_core::OrderNumber::parse(&record.order_no)?;
        self.db
            .order_of(&order_no, Some(organisation_id))?
            .ok_or_else(|| PlatformError::NotFound("证书不存在".into()))?;
        Ok(record)
    }

    /// 续期 (the certificate stays valid) or 补办 (revoked first, at once, as its UKey is lost or
    /// damaged): a new order of one certificate prefilled from the certificate's application,
    /// marked as replacing it. It then goes the way every order goes (认证, 缴费, 审核, 制证).
    pub(crate) fn replace_certificate(
        &self,
        applicant: &crate::applicants::Applicant,
        serial: &str,
        reissue: bool,
    ) -> Result<certdesk_api::OrderSummary> {
        let record = self.own_certificate(applicant.organisation_id, serial)?;
        if record.status == CertificateStatus::Revoked {
            return Err(PlatformError::Conflict("该证书已吊销，请在CA证书申领中重新申领".into()));
        }
        let at = self.now().with_timezone(&SHANGHAI).to_rfc3339();
        if reissue {
            // Revoked before the new order exists: a lost UKey signs nothing from now on.
            self.db.revoke_certificate(&record.serial, certdesk_api::RevocationReason::KeyCompromise, None, &at)?;
            tracing::info!(serial = %record.serial, "certificate revoked for 补办");
        }
        let order_no = certdesk_core::OrderNumber::parse(&record.order_no)?;
        let mut form = self.stored_form(&order_no, Some(applicant.organisation_id))?;
        form.quantity = 1;
        let (_, order) = self.submit(applicant, &form, None, None)?;
        let (kind, note) = if reissue {
            ("reissue", format!("补办：替换已吊销的证书 {}（UKey遗失或损坏）", record.serial))
        } else {
            ("renewal", format!("续期：替换证书 {}（原证书在新证书签发前仍有效）", record.serial))
        };
        self.db.mark_renewal(&order.order_no, &record.serial, kind, &note, &at)?;
        tracing::info!(serial = %record.serial, order_no = %order.order_no, kind, "replacement order made");
        self.changed();
        Ok(order)
    }

    /// 注销: the certificate revoked at the organisation's request, with no replacement.
    pub(crate) fn cancel_certificate(&self, organisation_id: i64, serial: &str) -> Result<ManagedCertificate> {
        let record = self.own_certificate(organisation_id, serial)?;
        let at = self.now().with_timezone(&SHANGHAI).to_rfc3339();
        self.db.revoke_certificate(&record.serial, certdesk_api::RevocationReason::CessationOfOperation, None, &at)?;
        // A certificate no one may use is no longer bound either.
        let _ = self.db.unbind_certificate(&record.serial, organisation_id, &at);
        tracing::info!(serial = %record.serial, "certificate cancelled (注销)");
        self.changed();
        self.managed_certificate(organisation_id, &record.serial)
    }
}
