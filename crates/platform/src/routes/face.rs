//! 人脸认证: today's attempts and one attempt with the photo.

use super::extract::{ApiBytes, ApplicantCaller, Caller, Staff};
use crate::face::{FaceCheck, FaceVerdict};
use crate::state::{Shared, blocking};
use crate::{PlatformError, Result};
use axum::Json;
use axum::extract::{Path, State};
use certdesk_api::{ApiError, FaceAttemptRecord, FaceAttemptResult, FaceAttemptsView};
use certdesk_core::{FaceAttempts, MAX_FACE_ATTEMPTS_PER_DAY, OrderNumber};
use chrono::Utc;

pub(crate) fn attempts_view(attempts: &FaceAttempts) -> FaceAttemptsView {
    FaceAttemptsView {
        used: attempts.used,
        remaining: attempts.remaining,
        limit: MAX_FACE_ATTEMPTS_PER_DAY,
        resets_at: attempts.resets_at.to_rfc3339(),
    }
}

/// 今日剩余次数 for the order's applicant.
#[utoipa::path(
    get,
    path = "/v1/orders/{order_no}/face-verifications",
    tag = "applicant",
    summary = "今日剩余人脸认证次数",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = FaceAttemptsView),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 404, description = "订单不存在或不属于本机构", body = ApiError)
    )
)]
pub(crate) async fn face_attempts(
    State(state): State<Shared>,
    caller: Caller,
    Path(order_no): Path<String>,
) -> Result<Json<FaceAttemptsView>> {
    let order_no = OrderNumber::parse(&order_no)?;
    let organisation = caller.organisation_id();
    let now = Utc::now().with_timezone(&certdesk_core::SHANGHAI);
    let attempts = blocking(&state, move |s| {
        let digest = s.db.id_number_digest(&order_no, organisation)?;
        s.db.face_attempts(&digest, &now)
    })
    .await?;
    Ok(Json(attempts_view(&attempts)))
}

/// 人脸认证: one attempt with the photo in the body (JPEG). The attempt is taken from the day's
/// allowance before the provider is asked and given back if the provider cannot answer. The photo
/// stays in memory and is dropped with the request; only its SHA-256 is kept.
#[utoipa::path(
    post,
    path = "/v1/orders/{order_no}/face-verifications",
    tag = "applicant",
    summary = "人脸认证：上传一张JPEG照片，每人每天最多10次",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    request_body(content = Vec<u8>, content_type = "image/jpeg", description = "人脸照片"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = FaceAttemptResult),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 404, description = "订单不存在或不属于本机构", body = ApiError),
        (status = 409, description = "订单当前状态不允许此操作", body = ApiError),
        (status = 413, description = "请求内容过大", body = ApiError),
        (status = 429, description = "请求过于频繁或今日次数已用完", body = ApiError),
        (status = 503, description = "依赖的服务暂不可用", body = ApiError)
    )
)]
pub(crate) async fn face_attempt(
    State(state): State<Shared>,
    caller: ApplicantCaller,
    Path(order_no): Path<String>,
    ApiBytes(photo): ApiBytes,
) -> Result<Json<FaceAttemptResult>> {
    let order_no = OrderNumber::parse(&order_no)?;
    if photo.is_empty() {
        return Err(PlatformError::BadRequest("请上传人脸照片（JPEG）".into()));
    }
    let organisation = caller.applicant.organisation_id;
    let image_sha256 = crate::sha256_hex(&photo);
    let now = Utc::now().with_timezone(&certdesk_core::SHANGHAI);
    let provider = state.face.name();
    let (form, (attempt_id, attempts)) = {
        let order_no = order_no.clone();
        blocking(&state, move |s| {
            let form = s.stored_form(&order_no, Some(organisation))?;
            let reserved = s.db.reserve_face_attempt(&order_no, organisation, &now, &image_sha256, provider)?;
            Ok((form, reserved))
        })
        .await?
    };
    let check = FaceCheck { name: form.applicant_name.trim(), id_number: form.id_number.trim(), jpeg: &photo };
    let verdict = match state.face.verify(check).await {
        Ok(verdict) => verdict,
        Err(unavailable) => {
            blocking(&state, move |s| s.db.release_face_attempt(attempt_id)).await?;
            return Err(PlatformError::Unavailable(unavailable.0));
        }
    };
    drop(photo);
    let reason = match &verdict {
        FaceVerdict::Passed => None,
        FaceVerdict::Failed { reason } => Some(reason.clone()),
    };
    let at = now.to_rfc3339();
    let failure = reason.clone();
    let number = order_no.clone();
    let order =
        blocking(&state, move |s| s.db.finish_face_attempt(attempt_id, &number, failure.as_deref(), &at)).await?;
    state.changed();
    tracing::info!(%order_no, provider, passed = reason.is_none(), remaining = attempts.remaining, "face attempt");
    Ok(Json(FaceAttemptResult { passed: reason.is_none(), reason, attempts: attempts_view(&attempts), order }))
}

/// The order's 人脸认证 attempts for staff: when, passed or failed and why, which provider. No photo
/// exists to show.
#[utoipa::path(
    get,
    path = "/v1/staff/orders/{order_no}/face-attempts",
    tag = "staff",
    summary = "订单的人脸认证记录（时间、结果、原因；照片从不保存）",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功，按时间先后", body = Vec<FaceAttemptRecord>),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError)
    )
)]
pub(crate) async fn order_face_attempts(
    State(state): State<Shared>,
    _staff: Staff,
    Path(order_no): Path<String>,
) -> Result<Json<Vec<FaceAttemptRecord>>> {
    let order_no = OrderNumber::parse(&order_no)?;
    Ok(Json(blocking(&state, move |s| s.db.order_face_attempts(&order_no)).await?))
}
