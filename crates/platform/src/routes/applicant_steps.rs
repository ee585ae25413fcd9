//! The applicant's own steps on an order: 邮寄纸质资料, 撤销 (发票申请 is in `invoices`).

use super::extract::ApplicantCaller;
use crate::state::{Shared, blocking};
use crate::{PlatformError, Result};
use axum::Json;
use axum::extract::{Path, State};
use certdesk_api::{ApiError, OrderSummary};
use certdesk_core::{Actor, OrderEvent, OrderNumber};
use chrono::Utc;

/// Applies the applicant's own step to one of its organisation's orders.
pub(crate) async fn applicant_event(
    state: &Shared,
    caller: ApplicantCaller,
    order_no: &str,
    event: OrderEvent,
) -> Result<Json<OrderSummary>> {
    let order_no = OrderNumber::parse(order_no)?;
    let organisation = caller.applicant.organisation_id;
    let at = Utc::now().with_timezone(&certdesk_core::SHANGHAI).to_rfc3339();
    let order =
        blocking(state, move |s| s.db.transition(&order_no, Some(organisation), Actor::Applicant, None, &event, &at))
            .await?;
    state.changed();
    tracing::info!(order_no = %order.order_no, applicant = caller.applicant.id, status = order.status.code(), "applicant step");
    Ok(Json(order))
}

/// 邮寄纸质资料: verify by mailing paper documents instead of face capture.
#[utoipa::path(
    post,
    path = "/v1/orders/{order_no}/paper-documents",
    tag = "applicant",
    summary = "邮寄纸质资料代替人脸认证",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = OrderSummary),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 404, description = "订单不存在或不属于本机构", body = ApiError),
        (status = 409, description = "订单当前状态不允许此操作", body = ApiError)
    )
)]
pub(crate) async fn choose_paper_documents(
    State(s): State<Shared>,
    caller: ApplicantCaller,
    Path(no): Path<String>,
) -> Result<Json<OrderSummary>> {
    applicant_event(&s, caller, &no, OrderEvent::PaperDocumentsChosen).await
}

/// 撤销.
#[utoipa::path(
    post,
    path = "/v1/orders/{order_no}/cancel",
    tag = "applicant",
    summary = "撤销",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = OrderSummary),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 404, description = "订单不存在或不属于本机构", body = ApiError),
        (status = 409, description = "订单当前状态不允许此操作", body = ApiError)
    )
)]
pub(crate) async fn cancel(
    State(s): State<Shared>,
    caller: ApplicantCaller,
    Path(no): Path<String>,
) -> Result<Json<OrderSummary>> {
    let order_no = OrderNumber::parse(&no)?;
    let organisation = caller.applicant.organisation_id;
    let at = Utc::now().with_timezone(&certdesk_core::SHANGHAI).to_rfc3339();
    let (no, fault) = (order_no.clone(), s.fault);
    // The cancel and the refund owed are one transaction; the refund is sent after it, and
    // whatever stops that (a crash, the gateway down) leaves it owed for reconciliation to send.
    let refund = blocking(&s, move |s| s.db.cancel_order(&no, organisation, &at, fault)).await?;
    s.changed();
    if let Some(refund) = refund {
        if fault == Some(crate::Fault::CancelBeforeRefundSent) {
            return Err(PlatformError::Internal("injected fault: before the refund was sent".into()));
        }
        crate::payments::send_refund(&s, refund).await;
    }
    let order = blocking(&s, move |s| s.db.order(&order_no))
        .await?
        .ok_or_else(|| PlatformError::NotFound("订单不存在".into()))?;
    Ok(Json(order))
}
