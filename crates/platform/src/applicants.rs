//! Applicant accounts: one per organisation (申领单位), identified by its 统一社会信用代码. An
//! applicant sees and changes only its organisation's orders.

use crate::sessions::{self, SessionKind};
use crate::store::{Conn, Db, params};
use crate::{PlatformError, Result};
use certdesk_api::{ApplicantRegistration, ApplicantSession, OrganisationAccount};
use certdesk_core::{CreditCode, FieldError, FormField, OrganisationName};
use chrono::{DateTime, Utc};

/// The applicant behind a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicant {
    pub id: i64,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub credit_code: String,
    pub username: String,
}

/// The demo organisation of the embedded platform: the guide's 晨安入驻供应商, clearly marked.
pub const DEMO_ORGANISATION: (&str, &str) = ("晨安入驻供应商（演示）", "91330106MA27XY812F");
const DEMO_USERNAME: &str = "demo";

pub(crate) fn refused_field(field: FormField, message: String) -> PlatformError {
    certdesk_core::Error::InvalidApplication(vec![FieldError { field, message }]).into()
}

pub(crate) fn register(db: &Db, registration: &ApplicantRegistration, now: DateTime<Utc>) -> Result<ApplicantSession> {
    let account = register_account(db, registration, now)?;
    let (token, expires_at) = sessions::open(db, SessionKind::Applicant, account.0, now)?;
    let OrganisationAccount { username, organisation_name, credit_code, .. } = account.1;
    Ok(ApplicantSession { token, expires_at, username, organisation_name, credit_code })
}

/// Registers the organisation's account (the same rules whether it registers itself or the service
/// counter does it for a walk-in): its id and the account.
pub(crate) fn register_account(
    db: &Db,
    registration: &ApplicantRegistration,
    now: DateTime<Utc>,
) -> Result<(i64, OrganisationAccount)> {
    let name = OrganisationName::parse(&registration.organisation_name)
        .map_err(|m| refused_field(FormField::OrganisationName, m))?;
    let code = CreditCode::parse(&registration.credit_code).map_err(|m| refused_field(FormField::CreditCode, m))?;
    let username = sessions::check_username(&registration.username)?.to_owned();
    sessions::check_password_strength(&registration.password)?;
    let hash = sessions::hash_password(&registration.password)?;
    let id = create(db, name.as_str(), code.as_str(), &username, &hash, now)?;
    let account = OrganisationAccount {
        organisation_name: name.to_string(),
        credit_code: code.to_string(),
        username,
        registered_at: now.with_timezone(&certdesk_core::SHANGHAI).to_rfc3339(),
    };
    Ok((id, account))
}

/// The account of the organisation with this 统一社会信用代码, for the service counter.
pub(crate) fn by_credit_code(db: &Db, credit_code: &CreditCode) -> Result<Option<(Applicant, OrganisationAccount)>> {
    db.read(|conn| {
        let found: Option<(i64, String)> = conn.query_opt(
            "SELECT a.id, a.created_at FROM applicants a JOIN organisations o ON o.id = a.organisation_id
             WHERE o.credit_code = ?1 ORDER BY a.id LIMIT 1",
            params![credit_code.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let Some((id, created_at)) = found else { return Ok(None) };
        let applicant = by_id_on(conn, id)?;
        let registered_at = DateTime::parse_from_rfc3339(&created_at)
            .map(|t| t.with_timezone(&certdesk_core::SHANGHAI).to_rfc3339())
            .unwrap_or(created_at);
        let account = OrganisationAccount {
            organisation_name: applicant.organisation_name.clone(),
            credit_code: applicant.credit_code.clone(),
            username: applicant.username.clone(),
            registered_at,
        };
        Ok(Some((applicant, account)))
    })
}

fn create(db: &Db, name: &str, code: &str, username: &str, hash: &str, now: DateTime<Utc>) -> Result<i64> {
    db.write(|conn| {
        let taken: bool =
            conn.query_one("SELECT EXISTS (SELECT 1 FROM organisations WHERE credit_code = ?1)", params![code], |r| {
                r.get(0)
            })?;
        if taken {
            return Err(PlatformError::Conflict("该统一社会信用代码已注册，请直接登录".into()));
        }
        let user_taken: bool =
            conn.query_one("SELECT EXISTS (SELECT 1 FROM applicants WHERE username = ?1)", params![username], |r| {
                r.get(0)
            })?;
        if user_taken {
            return Err(PlatformError::Conflict(format!("用户名“{username}”已存在")));
        }
        let organisation_id: i64 = conn.query_one(
            "INSERT INTO organisations (name, credit_code, created_at) VALUES (?1, ?2, ?3) RETURNING id",
            params![name, code, now.to_rfc3339()],
            |r| r.get(0),
        )?;
        let id: i64 = conn.query_one(
            "INSERT INTO applicants (organisation_id, username, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)
             RETURNING id",
            params![organisation_id, username, hash, now.to_rfc3339()],
            |r| r.get(0),
        )?;
        Ok(id)
    })
}

pub(crate) fn log_in(
    db: &Db,
    username: &str,
    password: &str,
    client: std::net::IpAddr,
    now: DateTime<Utc>,
) -> Result<ApplicantSession> {
    let attempt = sessions::Attempt { kind: SessionKind::Applicant, username, client };
    sessions::throttled(db, &attempt, now, || {
        let found: Option<(i64, String)> = db.read(|conn| {
            conn.query_opt(
                "SELECT id, password_hash FROM applicants WHERE username = ?1",
                params![username.trim()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })?;
        let (id, _) = sessions::verify_password(found, |(_, hash)| hash, password)?;
        session_for(db, id, now)
    })
}

pub(crate) fn session_for(db: &Db, id: i64, now: DateTime<Utc>) -> Result<ApplicantSession> {
    let (token, expires_at) = sessions::open(db, SessionKind::Applicant, id, now)?;
    let applicant = by_id(db, id)?;
    Ok(ApplicantSession {
        token,
        expires_at,
        username: applicant.username,
        organisation_name: applicant.organisation_name,
        credit_code: applicant.credit_code,
    })
}

fn by_id(db: &Db, id: i64) -> Result<Applicant> {
    db.read(|conn| by_id_on(conn, id))
}

/// The applicant `id`, read on `conn`.
pub(crate) fn by_id_on(conn: &Conn<'_>, id: i64) -> Result<Applicant> {
    conn.query_one(
        "SELECT a.id, o.id, o.name, o.credit_code, a.username
             FROM applicants a JOIN organisations o ON o.id = a.organisation_id WHERE a.id = ?1",
        params![id],
        |r| {
            Ok(Applicant {
                id: r.get(0)?,
                organisation_id: r.get(1)?,
                organisation_name: r.get(2)?,
                credit_code: r.get(3)?,
                username: r.get(4)?,
            })
        },
    )
}

pub(crate) fn authenticate(db: &Db, token: &str, now: DateTime<Utc>) -> Result<Applicant> {
    db.read(|conn| {
        let id = sessions::subject(conn, token, SessionKind::Applicant, now)?;
        by_id_on(conn, id)
    })
}

/// Seeds the demo organisation's account. Its password is random and never kept: the embedded app
/// signs in through [`demo_session`] instead.
pub(crate) fn seed_demo(db: &Db, now: DateTime<Utc>) -> Result<()> {
    let exists: bool = db.read(|conn| {
        conn.query_one("SELECT EXISTS (SELECT 1 FROM applicants WHERE username = ?1)", params![DEMO_USERNAME], |r| {
            r.get(0)
        })
    })?;
    if exists {
        return Ok(());
    }
    let unusable = crate::random_hex(32)?;
    let hash = sessions::hash_password(&unusable)?;
    create(db, DEMO_ORGANISATION.0, DEMO_ORGANISATION.1, DEMO_USERNAME, &hash, now)?;
    Ok(())
}

/// A session for the demo organisation, for the app that embeds this platform.
pub(crate) fn demo_session(db: &Db, now: DateTime<Utc>) -> Result<ApplicantSession> {
    let id: i64 = db.read(|conn| {
        conn.query_opt("SELECT id FROM applicants WHERE username = ?1", params![DEMO_USERNAME], |r| r.get(0))?
            .ok_or_else(|| PlatformError::Internal("no demo account: demo_data is off".into()))
    })?;
    session_for(db, id, now)
}
