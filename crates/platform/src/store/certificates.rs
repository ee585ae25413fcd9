//! certificate_authorities (each CA服务商's CA: both certificates and the issuing CA's sealed key)
//! and certificates (every certificate issued for an order, and its revocation).

use super::orders::ByStaff;
use super::{Conn, Db, Row, params};
use crate::{PlatformError, Result};
use certdesk_api::{CertificateRecord, CertificateStatus, RevocationReason};
use certdesk_core::OrderNumber;

/// A CA as stored. `issuing_key_sealed` is the issuing CA's PKCS#8 key sealed by the platform's
/// vault, bound to the provider's id.
#[derive(Debug, Clone)]
pub struct StoredCa {
    pub provider_id: String,
    /// `ecdsaP256` or `sm2`.
    pub algorithm: String,
    pub sandbox: bool,
    pub validity_days: u32,
    pub root_der: Vec<u8>,
    pub issuing_der: Vec<u8>,
    pub issuing_key_sealed: Vec<u8>,
    pub created_at: String,
}

/// A certificate to store, as the CA made it.
#[derive(Debug, Clone)]
pub struct NewCertificate {
    pub serial: String,
    pub subject: String,
    pub issuer: String,
    pub not_before: String,
    pub not_after: String,
    pub fingerprint_sha256: String,
    pub key_algorithm: String,
    pub der: Vec<u8>,
}

/// What an order's production must be for its next certificate: who it is for.
#[derive(Debug, Clone)]
pub struct CertificateSubject {
    pub provider_id: String,
    pub organisation_name: String,
    pub credit_code: String,
}

/// A revoked certificate, for the CRL.
#[derive(Debug, Clone)]
pub struct RevokedEntry {
    pub serial: String,
    pub revoked_at: String,
    pub reason: RevocationReason,
}

pub(super) const SELECT_CERTIFICATE: &str =
    "SELECT serial, order_no, provider_id, subject, issuer, not_before, not_after,
    fingerprint, key_algorithm, token_serial, issued_at, revoked_at, revocation_reason, der FROM certificates";

pub(super) fn record_from_row(row: &Row<'_>) -> Result<(CertificateRecord, Vec<u8>)> {
    let reason: Option<String> = row.get(12)?;
    let revoked_at: Option<String> = row.get(11)?;
    let record = CertificateRecord {
        serial: row.get(0)?,
        order_no: row.get(1)?,
        provider_id: row.get(2)?,
        subject: row.get(3)?,
        issuer: row.get(4)?,
        not_before: row.get(5)?,
        not_after: row.get(6)?,
        fingerprint_sha256: row.get(7)?,
        key_algorithm: row.get(8)?,
        token_serial: row.get(9)?,
        issued_at: row.get(10)?,
        status: if revoked_at.is_some() { CertificateStatus::Revoked } else { CertificateStatus::Valid },
        revoked_at,
        revocation_reason: reason.as_deref().and_then(RevocationReason::from_code),
        // Filled from the DER by the caller, which has the PEM encoder.
        certificate_pem: String::new(),
    };
    Ok((record, row.get(13)?))
}

impl Db {
    pub fn certificate_authority(&self, provider_id: &str) -> Result<Option<StoredCa>> {
        self.read(|conn| {
            conn.query_opt(
                "SELECT provider_id, algorithm, sandbox, validity_days, root_der, issuing_der, issuing_key_sealed,
                        created_at
                 FROM certificate_authorities WHERE provider_id = ?1",
                params![provider_id],
                |r| {
                    Ok(StoredCa {
                        provider_id: r.get(0)?,
                        algorithm: r.get(1)?,
                        sandbox: r.get(2)?,
                        validity_days: r.get(3)?,
                        root_der: r.get(4)?,
                        issuing_der: r.get(5)?,
                        issuing_key_sealed: r.get(6)?,
                        created_at: r.get(7)?,
                    })
                },
            )
        })
    }

    /// Stores `ca` unless the provider has one already (another instance made it first); whether
    /// this one was stored.
    pub fn insert_certificate_authority(&self, ca: &StoredCa) -> Result<bool> {
        self.write(|conn| {
            let stored = conn.execute(
                "INSERT INTO certificate_authorities
                    (provider_id, algorithm, sandbox, validity_days, root_der, issuing_der, issuing_key_sealed, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
                params![
                    ca.provider_id,
                    ca.algorithm,
                    ca.sandbox,
                    i64::from(ca.validity_days),
                    ca.root_der,
                    ca.issuing_der,
                    ca.issuing_key_sealed,
                    ca.created_at
                ],
            )?;
            Ok(stored == 1)
        })
    }

    /// Issues the order's next certificate in one transaction: the order must be 审核通过, 待制证
    /// and have fewer valid certificates than its 申领数量; `make` signs it for the order's
    /// organisation (it may run again on PostgreSQL, so it must only compute).
    pub fn insert_certificate(
        &self,
        order_no: &OrderNumber,
        token_serial: Option<&str>,
        by: ByStaff<'_>,
        at: &str,
        mut make: impl FnMut(&CertificateSubject) -> Result<NewCertificate>,
    ) -> Result<(CertificateRecord, Vec<u8>)> {
        self.write(|conn| {
            let order = conn.query_opt(
                "SELECT provider_id, organisation_name, credit_code, quantity, status_code FROM orders WHERE order_no = ?1",
                params![order_no.as_str()],
                |r| {
                    let subject = CertificateSubject {
                        provider_id: r.get(0)?,
                        organisation_name: r.get(1)?,
                        credit_code: r.get(2)?,
                    };
                    Ok((subject, r.get::<u32>(3)?, r.get::<String>(4)?))
                },
            )?;
            let (subject, quantity, status) = order.ok_or_else(|| PlatformError::NotFound("订单不存在".into()))?;
            if status != "approved" {
                return Err(PlatformError::Conflict("只有审核通过、待制证的订单才能签发证书".into()));
            }
            let issued = valid_count(conn, order_no)?;
            if issued >= quantity {
                return Err(PlatformError::Conflict(format!("该订单申领数量为{quantity}，证书已全部签发")));
            }
            let new = make(&subject)?;
            conn.execute(
                "INSERT INTO certificates (serial, order_no, provider_id, subject, issuer, not_before, not_after,
                    fingerprint, key_algorithm, token_serial, der, issued_at, issued_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    new.serial,
                    order_no.as_str(),
                    subject.provider_id,
                    new.subject,
                    new.issuer,
                    new.not_before,
                    new.not_after,
                    new.fingerprint_sha256,
                    new.key_algorithm,
                    token_serial,
                    new.der,
                    at,
                    by.id
                ],
            )?;
            let detail = format!("证书序列号 {}", new.serial);
            let audit = super::AuditRecord {
                order_no: Some(order_no.as_str()),
                detail: Some(&detail),
                ..super::AuditRecord::new(certdesk_api::AuditAction::CertificateIssued, Some(by))
            };
            super::staff_audit::append(conn, &audit, at)?;
            conn.query_one(&format!("{SELECT_CERTIFICATE} WHERE serial = ?1"), params![new.serial], record_from_row)
        })
    }

    /// The order's certificates, oldest first.
    pub fn certificates_of(&self, order_no: &OrderNumber) -> Result<Vec<(CertificateRecord, Vec<u8>)>> {
        self.read(|conn| {
            conn.query_map(
                &format!("{SELECT_CERTIFICATE} WHERE order_no = ?1 ORDER BY issued_at, serial"),
                params![order_no.as_str()],
                record_from_row,
            )
        })
    }

    /// How many of the order's certificates are not revoked.
    pub fn valid_certificates(&self, order_no: &OrderNumber) -> Result<u32> {
        self.read(|conn| valid_count(conn, order_no))
    }

    pub fn certificate(&self, serial: &str) -> Result<Option<(CertificateRecord, Vec<u8>)>> {
        self.read(|conn| {
            conn.query_opt(&format!("{SELECT_CERTIFICATE} WHERE serial = ?1"), params![serial], record_from_row)
        })
    }

    /// 吊销: marks the certificate revoked, once.
    /// 吊销 by a staff member, or with `by` `None` by the organisation itself (补办, 注销): then the
    /// certificate's order records it in its history too, as the organisation's.
    pub fn revoke_certificate(
        &self,
        serial: &str,
        reason: RevocationReason,
        by: Option<ByStaff<'_>>,
        at: &str,
    ) -> Result<(CertificateRecord, Vec<u8>)> {
        self.write(|conn| {
            let (record, _) = conn
                .query_opt(&format!("{SELECT_CERTIFICATE} WHERE serial = ?1"), params![serial], record_from_row)?
                .ok_or_else(|| PlatformError::NotFound("证书不存在".into()))?;
            if record.status == CertificateStatus::Revoked {
                return Err(PlatformError::Conflict("该证书已吊销".into()));
            }
            conn.execute(
                "UPDATE certificates SET revoked_at = ?1, revocation_reason = ?2, revoked_by = ?3 WHERE serial = ?4",
                params![at, reason.code(), by.map(|b| b.id), serial],
            )?;
            let detail = match by {
                Some(_) => format!("证书序列号 {serial}，原因：{}", reason.label_zh()),
                None => format!("机构自行申请吊销证书序列号 {serial}，原因：{}", reason.label_zh()),
            };
            if by.is_none() {
                conn.execute(
                    "INSERT INTO order_events (order_no, at, actor, from_status, to_status, reason)
                     SELECT order_no, ?2, 'applicant', status, status, ?3 FROM orders WHERE order_no = ?1",
                    params![record.order_no.as_str(), at, detail.as_str()],
                )?;
            }
            let audit = super::AuditRecord {
                order_no: Some(&record.order_no),
                detail: Some(&detail),
                ..super::AuditRecord::new(certdesk_api::AuditAction::CertificateRevoked, by)
            };
            super::staff_audit::append(conn, &audit, at)?;
            conn.query_one(&format!("{SELECT_CERTIFICATE} WHERE serial = ?1"), params![serial], record_from_row)
        })
    }

    /// Every certificate of the provider's CA that is revoked, for its CRL.
    pub fn revoked_certificates(&self, provider_id: &str) -> Result<Vec<RevokedEntry>> {
        self.read(|conn| {
            conn.query_map(
                "SELECT serial, revoked_at, revocation_reason FROM certificates
                 WHERE provider_id = ?1 AND revoked_at IS NOT NULL ORDER BY revoked_at, serial",
                params![provider_id],
                |r| {
                    let reason: String = r.get(2)?;
                    Ok(RevokedEntry {
                        serial: r.get(0)?,
                        revoked_at: r.get(1)?,
                        reason: RevocationReason::from_code(&reason).unwrap_or(RevocationReason::Unspecified),
                    })
                },
            )
        })
    }
}

fn valid_count(conn: &Conn<'_>, order_no: &OrderNumber) -> Result<u32> {
    conn.query_one(
        "SELECT COUNT(*) FROM certificates WHERE order_no = ?1 AND revoked_at IS NULL",
        params![order_no.as_str()],
        |r| r.get(0),
    )
}

/// 已发证 needs every certificate of 申领数量: the order leaves production only with them.
pub(crate) fn require_all_issued(conn: &Conn<'_>, order_no: &OrderNumber) -> Result<()> {
    let quantity: u32 =
        conn.query_one("SELECT quantity FROM orders WHERE order_no = ?1", params![order_no.as_str()], |r| r.get(0))?;
    let issued = valid_count(conn, order_no)?;
    if issued < quantity {
        return Err(PlatformError::Conflict(format!(
            "证书尚未全部签发：申领数量{quantity}，已签发{issued}张，请先为机构写入证书"
        )));
    }
    Ok(())
}
