//! CA绑定与解绑 and CA证书管理 for the signed-in organisation, and 证书登录 (no password: the UKey's
//! signature over a fresh challenge).

use super::extract::{ApiJson, ApplicantCaller};
use crate::Result;
use crate::state::{Shared, blocking};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use certdesk_api::{
    ApiError, ApplicantSession, CertificateChallenge, CertificateProof, ChallengePurpose, ManagedCertificate,
    OrderSummary,
};

#[utoipa::path(
    get,
    path = "/v1/account/certificates",
    tag = "accounts",
    summary = "CA证书管理：本机构的证书（有效、即将到期、已过期、已吊销；是否已绑定）",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = Vec<ManagedCertificate>),
        (status = 401, description = "未登录或会话已过期", body = ApiError)
    )
)]
pub(crate) async fn account_certificates(
    State(state): State<Shared>,
    caller: ApplicantCaller,
) -> Result<Json<Vec<ManagedCertificate>>> {
    let organisation = caller.applicant.organisation_id;
    Ok(Json(blocking(&state, move |s| s.organisation_certificates(organisation)).await?))
}

#[utoipa::path(
    post,
    path = "/v1/account/certificates/challenge",
    tag = "accounts",
    summary = "绑定证书：取得待UKey签名的挑战（5分钟内有效，只能使用一次）",
    security(("bearer" = [])),
    responses(
        (status = 201, description = "成功", body = CertificateChallenge),
        (status = 401, description = "未登录或会话已过期", body = ApiError)
    )
)]
pub(crate) async fn bind_challenge(
    State(state): State<Shared>,
    caller: ApplicantCaller,
) -> Result<(StatusCode, Json<CertificateChallenge>)> {
    let organisation = caller.applicant.organisation_id;
    let challenge =
        blocking(&state, move |s| s.certificate_challenge(ChallengePurpose::Bind, Some(organisation))).await?;
    Ok((StatusCode::CREATED, Json(challenge)))
}

#[utoipa::path(
    post,
    path = "/v1/account/certificates",
    tag = "accounts",
    summary = "绑定证书：UKey中的证书及其对挑战的签名",
    request_body = CertificateProof,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已绑定", body = ManagedCertificate),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 409, description = "该证书已绑定其他机构账号", body = ApiError),
        (status = 422, description = "不能绑定：签名无效、非本平台签发、已吊销、已过期或统一社会信用代码不符", body = ApiError)
    )
)]
pub(crate) async fn bind_certificate(
    State(state): State<Shared>,
    caller: ApplicantCaller,
    ApiJson(proof): ApiJson<CertificateProof>,
) -> Result<(StatusCode, Json<ManagedCertificate>)> {
    let applicant = caller.applicant;
    let bound =
        blocking(&state, move |s| s.bind_certificate(applicant.organisation_id, &applicant.credit_code, &proof))
            .await?;
    Ok((StatusCode::CREATED, Json(bound)))
}

#[utoipa::path(
    delete,
    path = "/v1/account/certificates/{serial}",
    tag = "accounts",
    summary = "解绑证书（解绑后不能再用该证书登录）",
    params(("serial" = String, Path, description = "证书序列号（十六进制）")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "已解绑"),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 404, description = "该证书未绑定本账号", body = ApiError)
    )
)]
pub(crate) async fn unbind_certificate(
    State(state): State<Shared>,
    caller: ApplicantCaller,
    Path(serial): Path<String>,
) -> Result<StatusCode> {
    let organisation = caller.applicant.organisation_id;
    blocking(&state, move |s| s.unbind_certificate(organisation, &serial)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/v1/certificate-sessions/challenge",
    tag = "accounts",
    summary = "证书登录：取得待UKey签名的挑战（5分钟内有效，只能使用一次）",
    responses(
        (status = 201, description = "成功", body = CertificateChallenge),
        (status = 429, description = "请求过于频繁", body = ApiError)
    )
)]
pub(crate) async fn log_in_challenge(State(state): State<Shared>) -> Result<(StatusCode, Json<CertificateChallenge>)> {
    let challenge = blocking(&state, move |s| s.certificate_challenge(ChallengePurpose::LogIn, None)).await?;
    Ok((StatusCode::CREATED, Json(challenge)))
}

#[utoipa::path(
    post,
    path = "/v1/certificate-sessions",
    tag = "accounts",
    summary = "证书登录：UKey中已绑定的证书及其对挑战的签名（无需密码）",
    request_body = CertificateProof,
    responses(
        (status = 200, description = "已登录", body = ApplicantSession),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "不能登录：签名无效、非本平台签发、已吊销、已过期或未绑定", body = ApiError),
        (status = 422, description = "证书或签名的格式不对", body = ApiError),
        (status = 429, description = "请求过于频繁", body = ApiError)
    )
)]
pub(crate) async fn certificate_log_in(
    State(state): State<Shared>,
    ApiJson(proof): ApiJson<CertificateProof>,
) -> Result<Json<ApplicantSession>> {
    Ok(Json(blocking(&state, move |s| s.certificate_log_in(&proof)).await?))
}

#[utoipa::path(
    post,
    path = "/v1/account/certificates/{serial}/renewal",
    tag = "accounts",
    summary = "续期：按上次的申领信息新建一张证书的订单（原证书在新证书签发前仍有效）",
    params(("serial" = String, Path, description = "证书序列号（十六进制）")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已新建续期订单", body = OrderSummary),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 404, description = "证书不存在或不属于本机构", body = ApiError),
        (status = 409, description = "证书已吊销", body = ApiError)
    )
)]
pub(crate) async fn renew_certificate(
    State(state): State<Shared>,
    caller: ApplicantCaller,
    Path(serial): Path<String>,
) -> Result<(StatusCode, Json<OrderSummary>)> {
    let applicant = caller.applicant;
    let order = blocking(&state, move |s| s.replace_certificate(&applicant, &serial, false)).await?;
    Ok((StatusCode::CREATED, Json(order)))
}

#[utoipa::path(
    post,
    path = "/v1/account/certificates/{serial}/reissue",
    tag = "accounts",
    summary = "补办（UKey遗失或损坏）：立即吊销原证书，并新建一张证书的订单",
    params(("serial" = String, Path, description = "证书序列号（十六进制）")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "原证书已吊销，已新建补办订单", body = OrderSummary),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 404, description = "证书不存在或不属于本机构", body = ApiError),
        (status = 409, description = "证书已吊销", body = ApiError)
    )
)]
pub(crate) async fn reissue_certificate(
    State(state): State<Shared>,
    caller: ApplicantCaller,
    Path(serial): Path<String>,
) -> Result<(StatusCode, Json<OrderSummary>)> {
    let applicant = caller.applicant;
    let order = blocking(&state, move |s| s.replace_certificate(&applicant, &serial, true)).await?;
    Ok((StatusCode::CREATED, Json(order)))
}

#[utoipa::path(
    post,
    path = "/v1/account/certificates/{serial}/cancellation",
    tag = "accounts",
    summary = "注销：吊销证书，不再补发",
    params(("serial" = String, Path, description = "证书序列号（十六进制）")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已注销（吊销）", body = ManagedCertificate),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 404, description = "证书不存在或不属于本机构", body = ApiError),
        (status = 409, description = "证书已吊销", body = ApiError)
    )
)]
pub(crate) async fn cancel_certificate(
    State(state): State<Shared>,
    caller: ApplicantCaller,
    Path(serial): Path<String>,
) -> Result<Json<ManagedCertificate>> {
    let organisation = caller.applicant.organisation_id;
    Ok(Json(blocking(&state, move |s| s.cancel_certificate(organisation, &serial)).await?))
}
