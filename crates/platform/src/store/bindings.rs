//! certificate_challenges and certificate_bindings: CA绑定与解绑 and 证书登录. A challenge is taken
//! once, before it expires, for what it was made for; a certificate is bound to at most one
//! organisation at a time, and an unbinding keeps its row.

use super::certificates::{SELECT_CERTIFICATE, record_from_row};
use super::{Db, params};
use crate::{PlatformError, Result};
use certdesk_api::CertificateRecord;

/// A challenge as made.
#[derive(Debug, Clone)]
pub struct NewChallenge<'a> {
    pub id: &'a str,
    /// `bind` or `logIn`.
    pub purpose: &'a str,
    pub organisation_id: Option<i64>,
    pub to_sign: &'a str,
    pub created_at: &'a str,
    pub expires_at: &'a str,
}

/// A certificate of an organisation (with its CA服务商's name), with its binding if it has one.
pub type OrganisationCertificate = (CertificateRecord, Vec<u8>, String, Option<String>);

impl Db {
    pub fn insert_challenge(&self, challenge: &NewChallenge<'_>) -> Result<()> {
        self.write(|conn| {
            conn.execute(
                "INSERT INTO certificate_challenges (id, purpose, organisation_id, to_sign, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    challenge.id,
                    challenge.purpose,
                    challenge.organisation_id,
                    challenge.to_sign,
                    challenge.created_at,
                    challenge.expires_at
                ],
            )?;
            Ok(())
        })
    }

    /// Uses challenge `id` for `purpose` (and, for 绑定, the organisation it was made for): its text,
    /// or `None` when it is unknown, used, expired or made for something else.
    pub fn take_challenge(
        &self,
        id: &str,
        purpose: &str,
        organisation_id: Option<i64>,
        now: &str,
    ) -> Result<Option<String>> {
        self.write(|conn| {
            let to_sign: Option<String> = conn.query_opt(
                "UPDATE certificate_challenges SET used_at = ?4
                 WHERE id = ?1 AND purpose = ?2 AND used_at IS NULL AND expires_at > ?4
                   AND ((CAST(?3 AS BIGINT) IS NULL AND organisation_id IS NULL) OR organisation_id = ?3)
                 RETURNING to_sign",
                params![id, purpose, organisation_id, now],
                |r| r.get(0),
            )?;
            Ok(to_sign)
        })
    }

    /// Binds `serial` to the organisation; `false` when it already is.
    pub fn bind_certificate(&self, serial: &str, organisation_id: i64, at: &str) -> Result<bool> {
        self.write(|conn| {
            let bound_to: Option<i64> = conn.query_opt(
                "SELECT organisation_id FROM certificate_bindings WHERE serial = ?1 AND unbound_at IS NULL",
                params![serial],
                |r| r.get(0),
            )?;
            match bound_to {
                Some(id) if id == organisation_id => Ok(false),
                Some(_) => Err(PlatformError::Conflict("该证书已绑定其他机构账号".into())),
                None => {
                    conn.execute(
                        "INSERT INTO certificate_bindings (serial, organisation_id, bound_at) VALUES (?1, ?2, ?3)",
                        params![serial, organisation_id, at],
                    )?;
                    Ok(true)
                }
            }
        })
    }

    /// 解绑: the binding ends (its row stays, with when).
    pub fn unbind_certificate(&self, serial: &str, organisation_id: i64, at: &str) -> Result<()> {
        self.write(|conn| {
            let changed = conn.execute(
                "UPDATE certificate_bindings SET unbound_at = ?3
                 WHERE serial = ?1 AND organisation_id = ?2 AND unbound_at IS NULL",
                params![serial, organisation_id, at],
            )?;
            if changed == 0 {
                return Err(PlatformError::NotFound("该证书未绑定本账号".into()));
            }
            Ok(())
        })
    }

    /// The organisation `serial` is bound to now.
    pub fn bound_organisation(&self, serial: &str) -> Result<Option<i64>> {
        self.read(|conn| {
            conn.query_opt(
                "SELECT organisation_id FROM certificate_bindings WHERE serial = ?1 AND unbound_at IS NULL",
                params![serial],
                |r| r.get(0),
            )
        })
    }

    /// Every certificate issued for the organisation's orders, newest first, with when each was bound.
    pub fn organisation_certificates(&self, organisation_id: i64) -> Result<Vec<OrganisationCertificate>> {
        self.read(|conn| {
            let certificates = conn.query_map(
                &format!(
                    "{SELECT_CERTIFICATE} WHERE order_no IN (SELECT order_no FROM orders WHERE organisation_id = ?1)
                     ORDER BY issued_at DESC, serial"
                ),
                params![organisation_id],
                record_from_row,
            )?;
            let mut found = Vec::new();
            for (record, der) in certificates {
                let bound_at: Option<String> = conn.query_opt(
                    "SELECT bound_at FROM certificate_bindings
                     WHERE serial = ?1 AND organisation_id = ?2 AND unbound_at IS NULL",
                    params![record.serial.as_str(), organisation_id],
                    |r| r.get(0),
                )?;
                let provider_name: String = conn.query_one(
                    "SELECT name FROM providers WHERE id = ?1",
                    params![record.provider_id.as_str()],
                    |r| r.get(0),
                )?;
                found.push((record, der, provider_name, bound_at));
            }
            Ok(found)
        })
    }

    /// The applicant account that signs in for the organisation (its first).
    pub fn organisation_applicant(&self, organisation_id: i64) -> Result<Option<i64>> {
        self.read(|conn| {
            conn.query_opt(
                "SELECT id FROM applicants WHERE organisation_id = ?1 ORDER BY id LIMIT 1",
                params![organisation_id],
                |r| r.get(0),
            )
        })
    }
}

/// A certificate an expiry reminder may be owed for.
#[derive(Debug, Clone)]
pub struct Expiring {
    pub serial: String,
    pub order_no: String,
    pub not_after: String,
}

impl Db {
    /// Certificates not revoked whose 有效期 ends between `now` and `until`.
    pub fn expiring_certificates(&self, now: &str, until: &str) -> Result<Vec<Expiring>> {
        self.read(|conn| {
            conn.query_map(
                "SELECT serial, order_no, not_after FROM certificates
                 WHERE revoked_at IS NULL AND not_after > ?1 AND not_after <= ?2 ORDER BY not_after",
                params![now, until],
                |r| Ok(Expiring { serial: r.get(0)?, order_no: r.get(1)?, not_after: r.get(2)? }),
            )
        })
    }

    /// Records the reminder of `days` for `serial` and the thresholds above it (a certificate found
    /// late gets only the most urgent), and owes its email in the same transaction: whether this
    /// call owed it (`false`: sent before, by this instance or another).
    pub fn remind_expiry(
        &self,
        certificate: &Expiring,
        days: i64,
        above: &[i64],
        detail: &str,
        at: &str,
    ) -> Result<bool> {
        self.write(|conn| {
            let owed = conn.execute(
                "INSERT INTO certificate_reminders (serial, days, at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                params![certificate.serial.as_str(), days, at],
            )? == 1;
            for higher in above {
                conn.execute(
                    "INSERT INTO certificate_reminders (serial, days, at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                    params![certificate.serial.as_str(), *higher, at],
                )?;
            }
            if owed {
                let order_no = certdesk_core::OrderNumber::parse(&certificate.order_no)?;
                super::outbox::enqueue(conn, &order_no, super::MailKind::ExpiryReminder, Some(detail), None, at)?;
            }
            Ok(owed)
        })
    }
}

impl Db {
    /// Marks `order_no` as replacing `serial` (`renewal` for 续期, `reissue` for 补办), with the note
    /// in its history, in one transaction.
    pub fn mark_renewal(
        &self,
        order_no: &certdesk_core::OrderNumber,
        serial: &str,
        kind: &str,
        note: &str,
        at: &str,
    ) -> Result<()> {
        self.write(|conn| {
            conn.execute(
                "UPDATE orders SET renewal_of = ?2, renewal_kind = ?3 WHERE order_no = ?1",
                params![order_no.as_str(), serial, kind],
            )?;
            conn.execute(
                "INSERT INTO order_events (order_no, at, actor, from_status, to_status, reason)
                 SELECT order_no, ?2, 'applicant', status, status, ?3 FROM orders WHERE order_no = ?1",
                params![order_no.as_str(), at, note],
            )?;
            Ok(())
        })
    }

    /// What `order_no` replaces, if it is a 续期 or 补办: (serial, kind).
    pub fn renewal_of(&self, order_no: &certdesk_core::OrderNumber) -> Result<Option<(String, String)>> {
        self.read(|conn| {
            let found: Option<(Option<String>, Option<String>)> = conn.query_opt(
                "SELECT renewal_of, renewal_kind FROM orders WHERE order_no = ?1",
                params![order_no.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            Ok(found.and_then(|(serial, kind)| serial.zip(kind)))
        })
    }
}
