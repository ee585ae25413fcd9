use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use certdesk_api::{ApiError, ErrorCode};

/// Everything the platform can refuse or fail at. Each maps to one HTTP status and the
/// `{code, message}` body; internal failures are logged and answered with a generic message.
#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    #[error(transparent)]
    Rule(#[from] certdesk_core::Error),
    #[error(transparent)]
    Transition(#[from] certdesk_core::TransitionError),
    /// No valid session.
    #[error("{0}")]
    Unauthorized(String),
    /// A valid session, but not allowed to do this.
    #[error("{0}")]
    Forbidden(String),
    #[error("请求格式错误：{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// A well-formed request whose content breaks a rule with no form field to name.
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    TooManyRequests(String),
    /// A service the platform depends on (the face verification provider) could not answer.
    #[error("{0}")]
    Unavailable(String),
    /// Online payment is not offered, or its gateway could not answer: the message is the
    /// applicant's (the gateway's own words go to the log where the error is made).
    #[error("{0}")]
    PaymentUnavailable(String),
    /// No CJK font to set the cover sheet in: the message says what to install or configure.
    #[error("{0}")]
    NoFont(String),
    /// The issuing CA's key cannot be used now (its HSM is not configured or does not answer).
    #[error("{0}")]
    CaUnavailable(String),
    #[error("database: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("database: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("migration: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("internal: {0}")]
    Internal(String),
    #[error("personal data: {0}")]
    Vault(#[from] certdesk_vault::VaultError),
    /// A CSR the CA refuses (unreadable, badly signed, another organisation, a key not allowed), or
    /// the CA failing to sign.
    #[error(transparent)]
    Pki(#[from] certdesk_pki::PkiError),
    /// The configuration cannot be used; only at start.
    #[error("配置错误：{0}")]
    Config(String),
}

pub type Result<T, E = PlatformError> = std::result::Result<T, E>;

impl PlatformError {
    pub fn to_api_error(&self) -> (StatusCode, ApiError) {
        match self {
            PlatformError::Rule(rule) => {
                let api = ApiError::from(rule.clone());
                let status = match api.code {
                    ErrorCode::Validation => StatusCode::UNPROCESSABLE_ENTITY,
                    _ => StatusCode::BAD_REQUEST,
                };
                (status, api)
            }
            PlatformError::BadRequest(_) => {
                (StatusCode::BAD_REQUEST, ApiError::new(ErrorCode::BadRequest, self.to_string()))
            }
            PlatformError::Transition(refusal) => {
                use certdesk_core::TransitionError as T;
                let (status, code) = match refusal {
                    T::NotPermitted { .. } => (StatusCode::FORBIDDEN, ErrorCode::Forbidden),
                    T::ReasonRequired | T::ShipmentRequired => {
                        (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::Validation)
                    }
                    T::NotNow { .. } | T::MaterialsNotReceived | T::CancelAfterApproval | T::NothingToInvoice => {
                        (StatusCode::CONFLICT, ErrorCode::Conflict)
                    }
                };
                (status, ApiError::new(code, refusal.to_string()))
            }
            PlatformError::Forbidden(m) => (StatusCode::FORBIDDEN, ApiError::new(ErrorCode::Forbidden, m.clone())),
            PlatformError::Unauthorized(m) => {
                (StatusCode::UNAUTHORIZED, ApiError::new(ErrorCode::Unauthorized, m.clone()))
            }
            PlatformError::NotFound(m) => (StatusCode::NOT_FOUND, ApiError::new(ErrorCode::NotFound, m.clone())),
            PlatformError::Conflict(m) => (StatusCode::CONFLICT, ApiError::new(ErrorCode::Conflict, m.clone())),
            PlatformError::Unprocessable(m) => {
                (StatusCode::UNPROCESSABLE_ENTITY, ApiError::new(ErrorCode::Validation, m.clone()))
            }
            PlatformError::PayloadTooLarge(m) => {
                (StatusCode::PAYLOAD_TOO_LARGE, ApiError::new(ErrorCode::PayloadTooLarge, m.clone()))
            }
            PlatformError::TooManyRequests(m) => {
                (StatusCode::TOO_MANY_REQUESTS, ApiError::new(ErrorCode::TooManyRequests, m.clone()))
            }
            // The provider's own words go to the log only; the applicant gets the plain fact.
            PlatformError::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                ApiError::new(ErrorCode::Unavailable, "人脸认证服务暂时不可用，本次不计入次数，请稍后重试"),
            ),
            PlatformError::PaymentUnavailable(message) => {
                (StatusCode::SERVICE_UNAVAILABLE, ApiError::new(ErrorCode::Unavailable, message.clone()))
            }
            PlatformError::NoFont(message) | PlatformError::CaUnavailable(message) => {
                (StatusCode::SERVICE_UNAVAILABLE, ApiError::new(ErrorCode::Unavailable, message.clone()))
            }
            PlatformError::Pki(e) => {
                use certdesk_pki::PkiError as P;
                match e {
                    P::CsrUnreadable(_)
                    | P::CsrSignature
                    | P::SubjectMismatch { .. }
                    | P::KeyNotAllowed(_)
                    | P::BadSignature
                    | P::NotIssuedBy => {
                        (StatusCode::UNPROCESSABLE_ENTITY, ApiError::new(ErrorCode::Validation, e.to_string()))
                    }
                    P::Encoding(_) | P::Signing(_) => (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        ApiError::new(ErrorCode::Internal, "平台内部错误，请稍后重试"),
                    ),
                }
            }
            PlatformError::Database(_)
            | PlatformError::Postgres(_)
            | PlatformError::Migration(_)
            | PlatformError::Io(_)
            | PlatformError::Internal(_)
            | PlatformError::Vault(_)
            | PlatformError::Config(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, ApiError::new(ErrorCode::Internal, "平台内部错误，请稍后重试"))
            }
        }
    }
}

impl IntoResponse for PlatformError {
    fn into_response(self) -> Response {
        let (status, body) = self.to_api_error();
        if status.is_server_error() || matches!(self, PlatformError::Unavailable(_)) {
            tracing::error!(error = %self, "request failed");
        }
        (status, axum::Json(body)).into_response()
    }
}

/// Bodies over the limit are 413 in the platform's shape; other malformed bodies 400.
fn body_refusal(status: StatusCode, text: String) -> PlatformError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        PlatformError::PayloadTooLarge(format!("请求内容过大，上限为{}KB", crate::routes::BODY_LIMIT / 1024))
    } else {
        PlatformError::BadRequest(text)
    }
}

impl From<axum::extract::rejection::JsonRejection> for PlatformError {
    fn from(rejection: axum::extract::rejection::JsonRejection) -> Self {
        body_refusal(rejection.status(), rejection.body_text())
    }
}

impl From<axum::extract::rejection::BytesRejection> for PlatformError {
    fn from(rejection: axum::extract::rejection::BytesRejection) -> Self {
        body_refusal(rejection.status(), rejection.body_text())
    }
}

impl From<axum::extract::rejection::QueryRejection> for PlatformError {
    fn from(rejection: axum::extract::rejection::QueryRejection) -> Self {
        PlatformError::BadRequest(rejection.body_text())
    }
}

impl From<axum::extract::rejection::PathRejection> for PlatformError {
    fn from(rejection: axum::extract::rejection::PathRejection) -> Self {
        PlatformError::BadRequest(rejection.body_text())
    }
}
