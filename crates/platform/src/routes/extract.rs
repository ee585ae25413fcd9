//! What the handlers take from a request: bodies and queries answered in the platform's error
//! shape, and who is calling (staff, an applicant, either) from the bearer token.

use crate::applicants::{self, Applicant};
use crate::sessions::{self, SessionKind};
use crate::staff::{self, StaffMember};
use crate::state::{Shared, blocking};
use crate::{PlatformError, Result};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use chrono::Utc;

/// The raw body (an uploaded photo), with an oversize body answered 413 in the platform's shape.
pub(crate) struct ApiBytes(pub(crate) axum::body::Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBytes {
    type Rejection = PlatformError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self> {
        Ok(ApiBytes(axum::body::Bytes::from_request(request, state).await?))
    }
}

/// `axum::extract::Query`, with malformed queries answered in the `{code, message}` shape.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(PlatformError))]
pub(crate) struct ApiQuery<T>(pub(crate) T);

/// `axum::extract::Path`, with a malformed path parameter answered in the `{code, message}` shape.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(PlatformError))]
pub(crate) struct ApiPath<T>(pub(crate) T);

/// `axum::Json`, with malformed bodies answered in the platform's `{code, message}` shape.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(PlatformError))]
pub(crate) struct ApiJson<T>(pub(crate) T);

/// The client's address (behind a configured proxy, the one it forwarded), for the log-in throttle.
pub(crate) struct ClientIp(pub(crate) std::net::IpAddr);

impl FromRequestParts<Shared> for ClientIp {
    type Rejection = PlatformError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip())
            .ok_or_else(|| PlatformError::Internal("served without the peer's address".into()))?;
        Ok(ClientIp(crate::client_address::client_ip(peer, &parts.headers, &state.trusted_proxies)))
    }
}

pub(crate) fn bearer(parts: &Parts) -> Result<String> {
    parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| PlatformError::Unauthorized("请先登录".into()))
}

/// The staff member behind a request, from `Authorization: Bearer <token>`.
pub(crate) struct Staff {
    pub(crate) member: StaffMember,
    pub(crate) token: String,
}

impl Staff {
    /// Appends what this member just did to the 操作日志.
    pub(crate) async fn audit(&self, state: &Shared, action: certdesk_api::AuditAction, detail: String) -> Result<()> {
        let (id, name) = (self.member.id, self.member.display_name.clone());
        crate::state::blocking(state, move |s| {
            let record = crate::store::AuditRecord {
                detail: Some(&detail),
                ..crate::store::AuditRecord::new(action, Some(crate::store::ByStaff { id, name: &name }))
            };
            s.db.record_audit(&record, chrono::Utc::now())
        })
        .await
    }
    /// The service counter's steps (现场受理, its money in and out) are the counter role's: `step`
    /// is refused to other roles.
    pub(crate) fn counter_only(&self, step: &str) -> Result<()> {
        if self.member.roles.contains(&certdesk_api::StaffRole::Counter) {
            Ok(())
        } else {
            Err(PlatformError::Forbidden(format!("您的角色无权{step}")))
        }
    }
}

impl FromRequestParts<Shared> for Staff {
    type Rejection = PlatformError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self> {
        let token = bearer(parts)?;
        let lookup = token.clone();
        let member = blocking(state, move |s| staff::authenticate(&s.db, &lookup, Utc::now())).await?;
        Ok(Staff { member, token })
    }
}

/// The applicant behind a request.
pub(crate) struct ApplicantCaller {
    pub(crate) applicant: Applicant,
    pub(crate) token: String,
}

impl FromRequestParts<Shared> for ApplicantCaller {
    type Rejection = PlatformError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self> {
        let token = bearer(parts)?;
        let lookup = token.clone();
        let applicant = blocking(state, move |s| applicants::authenticate(&s.db, &lookup, Utc::now())).await?;
        Ok(ApplicantCaller { applicant, token })
    }
}

/// Anyone logged in: an applicant sees its organisation's orders, staff see all.
pub(crate) enum Caller {
    Applicant(Applicant),
    Staff,
}

impl Caller {
    pub(crate) fn organisation_id(&self) -> Option<i64> {
        match self {
            Caller::Applicant(applicant) => Some(applicant.organisation_id),
            Caller::Staff => None,
        }
    }
}

impl FromRequestParts<Shared> for Caller {
    type Rejection = PlatformError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self> {
        let token = bearer(parts)?;
        // One connection for the whole lookup: which kind of session, then whose.
        blocking(state, move |s| {
            s.db.read(|conn| match sessions::live(conn, &token, Utc::now())? {
                (SessionKind::Staff, id) => staff::member_on(conn, id).map(|_| Caller::Staff),
                (SessionKind::Applicant, id) => applicants::by_id_on(conn, id).map(Caller::Applicant),
            })
        })
        .await
    }
}
