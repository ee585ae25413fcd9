//! The staff's steps: the review queue, 纸质资料已收到, 审核通过 / 审核不通过, 邮寄 and the day's
//! 邮寄清单, 现场发证.

use super::extract::{ApiJson, ApiQuery, Staff};
use crate::state::{Shared, blocking};
use crate::store::{Approval, ByStaff, OrderFilter};
use crate::{PlatformError, Result};
use axum::Json;
use axum::extract::{Path, State};
use certdesk_api::{
    ApiError, OrderQuery, OrderSummary, Rejection, ReviewItem, ReviewQueueQuery, Shipment, ShippingListQuery,
};
use certdesk_core::{Delivery, OrderEvent, OrderNumber, OrderStatus, Verification, format_shanghai};
use chrono::{DateTime, Utc};

/// 待审核 orders, oldest first, with the working days each has waited against the guide's 1–2.
#[utoipa::path(
    get,
    path = "/v1/staff/review-queue",
    tag = "staff",
    summary = "审核队列：待审核订单，最早在前，含已等待工作日",
    params(ReviewQueueQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = Vec<ReviewItem>),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 403, description = "角色无权操作", body = ApiError)
    )
)]
pub(crate) async fn review_queue(
    State(state): State<Shared>,
    staff: Staff,
    ApiQuery(query): ApiQuery<ReviewQueueQuery>,
) -> Result<Json<Vec<ReviewItem>>> {
    allowed(&staff, &OrderEvent::Approved, "您的角色无权查看审核队列")?;
    queue(&state, "pendingReview", REVIEW_DAYS, query).await
}

/// 审核通过, 待制证 orders, oldest first, against the guide's 1 working day for 制证.
#[utoipa::path(
    get,
    path = "/v1/staff/production-queue",
    tag = "staff",
    summary = "制证队列：审核通过、待制证的订单，最早在前，含已等待工作日",
    params(ReviewQueueQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = Vec<ReviewItem>),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 403, description = "角色无权操作", body = ApiError)
    )
)]
pub(crate) async fn production_queue(
    State(state): State<Shared>,
    staff: Staff,
    ApiQuery(query): ApiQuery<ReviewQueueQuery>,
) -> Result<Json<Vec<ReviewItem>>> {
    let shipping = OrderEvent::ProducedAndShipped { courier: String::new(), tracking_no: String::new() };
    allowed(&staff, &shipping, "您的角色无权查看制证队列")?;
    queue(&state, "approved", PRODUCTION_DAYS, query).await
}

/// A queue is for whoever may take its step.
fn allowed(staff: &Staff, step: &OrderEvent, refusal: &str) -> Result<()> {
    match staff.member.actor_for(step) {
        Some(_) => Ok(()),
        None => Err(PlatformError::Forbidden(refusal.into())),
    }
}

/// A queue's query as the list's filter (the same checks and messages), in `status_code`, 50 a page
/// unless asked otherwise.
fn queue_filter(query: ReviewQueueQuery, status_code: &str) -> Result<OrderFilter> {
    let verification = query.verification.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
    if verification.as_deref().is_some_and(|v| !Verification::CODES.contains(&v)) {
        return Err(PlatformError::BadRequest("认证方式不存在".into()));
    }
    let list = OrderQuery {
        order_no: None,
        status: Some(status_code.to_owned()),
        provider_id: query.provider_id,
        submitted_from: query.submitted_from,
        submitted_to: query.submitted_to,
        page: query.page,
        page_size: Some(query.page_size.unwrap_or(50)),
    };
    Ok(OrderFilter { verification, ..super::orders::order_filter(&list)? })
}

/// The guide: 审核 within 1–2 working days; the certificate produced within 1.
const REVIEW_DAYS: u32 = 2;
const PRODUCTION_DAYS: u32 = 1;

/// A page of the orders in `status_code`, with the working days each has waited and whether that
/// is past `promised_days`.
async fn queue(
    state: &Shared,
    status_code: &'static str,
    promised_days: u32,
    query: ReviewQueueQuery,
) -> Result<Json<Vec<ReviewItem>>> {
    let filter = queue_filter(query, status_code)?;
    let queue = blocking(state, move |s| s.db.queue(&filter)).await?;
    let calendar = &state.work_calendar;
    let now = Utc::now().fixed_offset();
    Ok(Json(
        queue
            .into_iter()
            .map(|(order, since)| {
                let waited =
                    DateTime::parse_from_rfc3339(&since).map(|t| calendar.working_days_between(&t, &now)).unwrap_or(0);
                ReviewItem { order, waiting_since: since, working_days_waited: waited, overdue: waited > promised_days }
            })
            .collect(),
    ))
}

/// Applies a staff member's step to an order, in the first of their roles that the process allows.
pub(crate) async fn staff_event(
    state: &Shared,
    staff: Staff,
    order_no: &str,
    event: OrderEvent,
) -> Result<Json<OrderSummary>> {
    let order_no = OrderNumber::parse(order_no)?;
    let actor = staff
        .member
        .actor_for(&event)
        .ok_or_else(|| PlatformError::Forbidden(format!("您的角色无权{}", event.label_zh())))?;
    let at = Utc::now().with_timezone(&certdesk_core::SHANGHAI).to_rfc3339();
    let (id, name) = (staff.member.id, staff.member.display_name.clone());
    let order = blocking(state, move |s| {
        s.db.transition(&order_no, None, actor, Some(ByStaff { id, name: &name }), &event, &at)
    })
    .await?;
    state.changed();
    tracing::info!(order_no = %order.order_no, staff = staff.member.id, ?actor, status = order.status.code(), "staff step");
    Ok(Json(order))
}

#[utoipa::path(
    post,
    path = "/v1/staff/orders/{order_no}/materials-received",
    tag = "staff",
    summary = "登记纸质资料已收到",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = OrderSummary),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 403, description = "角色无权操作", body = ApiError),
        (status = 404, description = "订单不存在或不属于本机构", body = ApiError),
        (status = 409, description = "订单当前状态不允许此操作", body = ApiError)
    )
)]
pub(crate) async fn materials_received(
    State(s): State<Shared>,
    staff: Staff,
    Path(no): Path<String>,
) -> Result<Json<OrderSummary>> {
    staff_event(&s, staff, &no, OrderEvent::MaterialsReceived).await
}

#[utoipa::path(
    post,
    path = "/v1/staff/orders/{order_no}/approve",
    tag = "staff",
    summary = "审核通过",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = OrderSummary),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 403, description = "角色无权操作", body = ApiError),
        (status = 404, description = "订单不存在或不属于本机构", body = ApiError),
        (status = 409, description = "订单当前状态不允许此操作", body = ApiError)
    )
)]
pub(crate) async fn approve(
    State(state): State<Shared>,
    staff: Staff,
    Path(no): Path<String>,
) -> Result<Json<OrderSummary>> {
    let order_no = OrderNumber::parse(&no)?;
    let actor = staff
        .member
        .actor_for(&OrderEvent::Approved)
        .ok_or_else(|| PlatformError::Forbidden(format!("您的角色无权{}", OrderEvent::Approved.label_zh())))?;
    let at = Utc::now().with_timezone(&certdesk_core::SHANGHAI).to_rfc3339();
    let (id, name, required) = (staff.member.id, staff.member.display_name.clone(), state.approvals_required);
    let approval =
        blocking(&state, move |s| s.db.approve(&order_no, actor, ByStaff { id, name: &name }, required, &at)).await?;
    state.changed();
    let order = match approval {
        Approval::Approved(order) => order,
        Approval::Recorded { order, given, required } => {
            tracing::info!(order_no = %order.order_no, staff = id, given, required, "approval recorded, review continues");
            order
        }
    };
    tracing::info!(order_no = %order.order_no, staff = id, status = order.status.code(), "staff step");
    Ok(Json(order))
}

#[utoipa::path(
    post,
    path = "/v1/staff/orders/{order_no}/reject",
    tag = "staff",
    summary = "审核不通过（附不通过理由）",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    request_body = Rejection,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = OrderSummary),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 403, description = "角色无权操作", body = ApiError),
        (status = 404, description = "订单不存在或不属于本机构", body = ApiError),
        (status = 409, description = "订单当前状态不允许此操作", body = ApiError),
        (status = 422, description = "字段不符合规则，fields 逐项说明", body = ApiError)
    )
)]
pub(crate) async fn reject(
    State(s): State<Shared>,
    staff: Staff,
    Path(no): Path<String>,
    ApiJson(body): ApiJson<Rejection>,
) -> Result<Json<OrderSummary>> {
    staff_event(&s, staff, &no, OrderEvent::Rejected { reason: body.reason }).await
}

#[utoipa::path(
    post,
    path = "/v1/staff/orders/{order_no}/ship",
    tag = "staff",
    summary = "制证完成并邮寄（快递公司与运单号）",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    request_body = Shipment,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = OrderSummary),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 403, description = "角色无权操作", body = ApiError),
        (status = 404, description = "订单不存在或不属于本机构", body = ApiError),
        (status = 409, description = "订单当前状态不允许此操作", body = ApiError),
        (status = 422, description = "字段不符合规则，fields 逐项说明", body = ApiError)
    )
)]
pub(crate) async fn ship(
    State(s): State<Shared>,
    staff: Staff,
    Path(no): Path<String>,
    ApiJson(body): ApiJson<Shipment>,
) -> Result<Json<OrderSummary>> {
    staff_event(&s, staff, &no, OrderEvent::ProducedAndShipped { courier: body.courier, tracking_no: body.tracking_no })
        .await
}

#[utoipa::path(
    post,
    path = "/v1/staff/orders/{order_no}/issue-on-site",
    tag = "staff",
    summary = "现场发证",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = OrderSummary),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 403, description = "角色无权操作", body = ApiError),
        (status = 404, description = "订单不存在或不属于本机构", body = ApiError),
        (status = 409, description = "订单当前状态不允许此操作", body = ApiError)
    )
)]
pub(crate) async fn issue_on_site(
    State(s): State<Shared>,
    staff: Staff,
    Path(no): Path<String>,
) -> Result<Json<OrderSummary>> {
    staff_event(&s, staff, &no, OrderEvent::IssuedOnSite).await
}

#[utoipa::path(
    get,
    path = "/v1/staff/shipping-list",
    tag = "staff",
    summary = "邮寄清单（PDF）：当日制证邮寄的订单、快递公司、运单号、时间与邮寄人",
    params(ShippingListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", content_type = "application/pdf", body = Vec<u8>),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 403, description = "角色无权操作", body = ApiError),
        (status = 503, description = "服务暂不可用（如未找到中文字体）", body = ApiError)
    )
)]
pub(crate) async fn shipping_list(
    State(state): State<Shared>,
    staff: Staff,
    ApiQuery(query): ApiQuery<ShippingListQuery>,
) -> Result<axum::response::Response> {
    let shipping = OrderEvent::ProducedAndShipped { courier: String::new(), tracking_no: String::new() };
    allowed(&staff, &shipping, "您的角色无权打印邮寄清单")?;
    let today = Utc::now().with_timezone(&certdesk_core::SHANGHAI).date_naive();
    let day = match query.date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => today,
        Some(d) => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| PlatformError::BadRequest("日期应为YYYY-MM-DD格式".into()))?,
    };
    let printed_by = staff.member.display_name.clone();
    let pdf = blocking(&state, move |s| {
        let shipments = s.db.shipments_on(day)?;
        let mut rows = Vec::with_capacity(shipments.len());
        for (order, event) in &shipments {
            let status: OrderStatus =
                serde_json::from_str(&event.to).map_err(|e| PlatformError::Internal(format!("stored status: {e}")))?;
            let OrderStatus::Issued { delivery: Delivery::Mailed { courier, tracking_no }, .. } = status else {
                continue; // 现场发证: nothing was mailed
            };
            let time = DateTime::parse_from_rfc3339(&event.at)
                .map(|t| t.with_timezone(&certdesk_core::SHANGHAI).format("%H:%M").to_string())
                .unwrap_or_default();
            rows.push((order, courier, tracking_no, time, event.staff_name.clone().unwrap_or_default()));
        }
        let shipped: Vec<_> = rows
            .iter()
            .map(|(order, courier, tracking_no, time, staff_name)| crate::documents::shipping_list::Shipped {
                order_no: order.order_no.as_str(),
                organisation_name: &order.organisation_name,
                applicant_name: &order.applicant_name,
                courier,
                tracking_no,
                time,
                staff_name,
            })
            .collect();
        let printed_at = format_shanghai(&Utc::now().fixed_offset());
        let day = day.to_string();
        crate::documents::shipping_list::render(&day, &shipped, &printed_by, &printed_at, s.cover_sheet_font.as_ref())
    })
    .await?;
    Ok(super::documents::pdf_response(pdf, "shipping-list.pdf"))
}
