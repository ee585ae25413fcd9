//! Logging in, for staff and applicants alike: argon2 password hashes, opaque random tokens stored
//! only as SHA-256 hashes, sessions that expire.

use crate::store::{Conn, Db, params};
use crate::{PlatformError, Result};
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use certdesk_core::SHANGHAI;
use chrono::{DateTime, Duration, Utc};

/// How long a login lasts: one working day and a bit.
const SESSION_HOURS: i64 = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Staff,
    Applicant,
}

impl SessionKind {
    fn as_str(self) -> &'static str {
        match self {
            SessionKind::Staff => "staff",
            SessionKind::Applicant => "applicant",
        }
    }
}

pub fn check_username(username: &str) -> Result<&str> {
    let username = username.trim();
    if username.is_empty()
        || username.len() > 64
        || !username.chars().all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
    {
        return Err(PlatformError::BadRequest("用户名应为1至64位字母、数字或 . _ - @".into()));
    }
    Ok(username)
}

pub fn check_password_strength(password: &str) -> Result<()> {
    if password.chars().count() < 10 {
        return Err(PlatformError::BadRequest("密码至少10位".into()));
    }
    Ok(())
}

pub fn hash_password(password: &str) -> Result<String> {
    Ok(Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| PlatformError::Internal(format!("hashing: {e}")))?
        .to_string())
}

fn refused() -> PlatformError {
    PlatformError::Unauthorized("用户名或密码错误".into())
}

/// Checks `password` against the account found (if any). Unknown user and wrong password get the
/// same answer after the same work, so neither the message nor the timing tells which usernames exist.
pub fn verify_password<T>(found: Option<T>, hash_of: impl Fn(&T) -> &String, password: &str) -> Result<T> {
    let Some(account) = found else {
        let _ = Argon2::default().hash_password(password.as_bytes());
        return Err(refused());
    };
    Argon2::default().verify_password(password.as_bytes(), hash_of(&account).as_str()).map_err(|_| refused())?;
    Ok(account)
}

fn hash_token(token: &str) -> String {
    crate::sha256_hex(token.as_bytes())
}

/// Who is trying to log in, for the throttle.
pub struct Attempt<'a> {
    pub kind: SessionKind,
    pub username: &'a str,
    pub client: std::net::IpAddr,
}

/// Runs `check` (the password check and the session it opens) as one throttled attempt: refused
/// when the account or the client failed too often lately; a wrong password counts, a right one
/// clears the account's failures, anything else does not count.
pub fn throttled<T>(
    db: &Db,
    attempt: &Attempt<'_>,
    now: DateTime<Utc>,
    check: impl FnOnce() -> Result<T>,
) -> Result<T> {
    let account = format!("{}:{}", attempt.kind.as_str(), attempt.username.trim());
    let id = db.reserve_login_attempt(&account, &attempt.client.to_string(), now)?;
    match check() {
        Ok(value) => {
            db.forget_login_failures(&account)?;
            Ok(value)
        }
        Err(refused @ PlatformError::Unauthorized(_)) => Err(refused),
        Err(other) => {
            db.release_login_attempt(id)?;
            Err(other)
        }
    }
}

/// Opens a session for `subject_id`; returns the token and when it expires (RFC 3339, Shanghai).
pub fn open(db: &Db, kind: SessionKind, subject_id: i64, now: DateTime<Utc>) -> Result<(String, String)> {
    let token = crate::random_hex(32)?;
    let expires = now + Duration::hours(SESSION_HOURS);
    db.write(|conn| {
        conn.execute("DELETE FROM sessions WHERE expires_at < ?1", params![now.to_rfc3339()])?;
        conn.execute(
            "INSERT INTO sessions (token_hash, kind, subject_id, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![hash_token(&token), kind.as_str(), subject_id, expires.to_rfc3339()],
        )?;
        Ok(())
    })?;
    Ok((token, expires.with_timezone(&SHANGHAI).to_rfc3339()))
}

/// The subject of a live session of `kind`, read on `conn` (with the rest of who is calling: one
/// connection per request's authentication).
pub fn subject(conn: &Conn<'_>, token: &str, kind: SessionKind, now: DateTime<Utc>) -> Result<i64> {
    match live(conn, token, now)? {
        (found, id) if found == kind => Ok(id),
        _ => Err(PlatformError::Unauthorized("请先登录".into())),
    }
}

/// Which kind of live session `token` is, and whose: one query, so a request that serves either
/// kind of caller authenticates on one connection.
pub fn live(conn: &Conn<'_>, token: &str, now: DateTime<Utc>) -> Result<(SessionKind, i64)> {
    let found: Option<(String, i64, String)> = conn.query_opt(
        "SELECT kind, subject_id, expires_at FROM sessions WHERE token_hash = ?1",
        params![hash_token(token)],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let Some((kind, id, expires_at)) = found else {
        return Err(PlatformError::Unauthorized("请先登录".into()));
    };
    let kind = match kind.as_str() {
        "staff" => SessionKind::Staff,
        "applicant" => SessionKind::Applicant,
        _ => return Err(PlatformError::Unauthorized("请先登录".into())),
    };
    if DateTime::parse_from_rfc3339(&expires_at).map_or(true, |t| t <= now) {
        return Err(PlatformError::Unauthorized("登录已过期，请重新登录".into()));
    }
    Ok((kind, id))
}

pub fn close(db: &Db, token: &str) -> Result<()> {
    db.write(|conn| {
        conn.execute("DELETE FROM sessions WHERE token_hash = ?1", params![hash_token(token)])?;
        Ok(())
    })
}
