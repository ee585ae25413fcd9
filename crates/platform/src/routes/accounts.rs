//! Accounts and sessions: registering an organisation, applicants' and staff's log-in and out.

use super::extract::{ApiJson, ApplicantCaller, ClientIp, Staff};
use crate::Result;
use crate::applicants::{self};
use crate::sessions::{self};
use crate::staff::{self};
use crate::state::{Shared, blocking};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use certdesk_api::{
    AccountSettings, ApiError, ApplicantLogin, ApplicantRegistration, ApplicantSession, StaffLogin, StaffSession,
};
use chrono::Utc;

#[utoipa::path(
    post,
    path = "/v1/accounts",
    tag = "accounts",
    summary = "注册机构的申领账号（返回会话）",
    request_body = ApplicantRegistration,
    responses(
        (status = 201, description = "已注册并登录", body = ApplicantSession),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 409, description = "订单当前状态不允许此操作", body = ApiError),
        (status = 413, description = "请求内容过大", body = ApiError),
        (status = 422, description = "字段不符合规则，fields 逐项说明", body = ApiError),
        (status = 429, description = "请求过于频繁或今日次数已用完", body = ApiError)
    )
)]
pub(crate) async fn register(
    State(state): State<Shared>,
    ApiJson(registration): ApiJson<ApplicantRegistration>,
) -> Result<(StatusCode, Json<ApplicantSession>)> {
    let session = blocking(&state, move |s| applicants::register(&s.db, &registration, Utc::now())).await?;
    Ok((StatusCode::CREATED, Json(session)))
}

#[utoipa::path(
    post,
    path = "/v1/sessions",
    tag = "accounts",
    summary = "申领人登录",
    request_body = ApplicantLogin,
    responses(
        (status = 200, description = "成功", body = ApplicantSession),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 429, description = "请求过于频繁或今日次数已用完", body = ApiError)
    )
)]
pub(crate) async fn applicant_log_in(
    State(state): State<Shared>,
    ClientIp(client): ClientIp,
    ApiJson(login): ApiJson<ApplicantLogin>,
) -> Result<Json<ApplicantSession>> {
    let log_in = move |s: &crate::state::AppState| {
        applicants::log_in(&s.db, &login.username, &login.password, client, Utc::now())
    };
    Ok(Json(blocking(&state, log_in).await?))
}

#[utoipa::path(
    delete,
    path = "/v1/sessions",
    tag = "accounts",
    summary = "申领人退出登录",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "已退出"),
        (status = 401, description = "未登录或会话已过期", body = ApiError)
    )
)]
pub(crate) async fn applicant_log_out(State(state): State<Shared>, caller: ApplicantCaller) -> Result<StatusCode> {
    blocking(&state, move |s| sessions::close(&s.db, &caller.token)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/v1/staff/sessions",
    tag = "staff",
    summary = "工作人员登录",
    request_body = StaffLogin,
    responses(
        (status = 200, description = "成功", body = StaffSession),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 429, description = "请求过于频繁或今日次数已用完", body = ApiError)
    )
)]
pub(crate) async fn staff_log_in(
    State(state): State<Shared>,
    ClientIp(client): ClientIp,
    ApiJson(login): ApiJson<StaffLogin>,
) -> Result<Json<StaffSession>> {
    let log_in =
        move |s: &crate::state::AppState| staff::log_in(&s.db, &login.username, &login.password, client, Utc::now());
    Ok(Json(blocking(&state, log_in).await?))
}

#[utoipa::path(
    delete,
    path = "/v1/staff/sessions",
    tag = "staff",
    summary = "工作人员退出登录",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "已退出"),
        (status = 401, description = "未登录或会话已过期", body = ApiError)
    )
)]
pub(crate) async fn staff_log_out(State(state): State<Shared>, staff: Staff) -> Result<StatusCode> {
    staff.audit(&state, certdesk_api::AuditAction::LogOut, String::new()).await?;
    blocking(&state, move |s| sessions::close(&s.db, &staff.token)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/v1/account/settings",
    tag = "accounts",
    summary = "账户设置（订单状态邮件通知）",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = AccountSettings),
        (status = 401, description = "未登录或会话已过期", body = ApiError)
    )
)]
pub(crate) async fn account_settings(
    State(state): State<Shared>,
    caller: ApplicantCaller,
) -> Result<Json<AccountSettings>> {
    let organisation = caller.applicant.organisation_id;
    let status_notices = blocking(&state, move |s| s.db.status_notices(organisation)).await?;
    Ok(Json(AccountSettings { status_notices }))
}

#[utoipa::path(
    put,
    path = "/v1/account/settings",
    tag = "accounts",
    summary = "修改账户设置（关闭后仍发送电子发票）",
    request_body = AccountSettings,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已保存", body = AccountSettings),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError)
    )
)]
pub(crate) async fn change_account_settings(
    State(state): State<Shared>,
    caller: ApplicantCaller,
    ApiJson(settings): ApiJson<AccountSettings>,
) -> Result<Json<AccountSettings>> {
    let organisation = caller.applicant.organisation_id;
    blocking(&state, move |s| s.db.set_status_notices(organisation, settings.status_notices)).await?;
    tracing::info!(organisation, status_notices = settings.status_notices, "account settings changed");
    Ok(Json(settings))
}
