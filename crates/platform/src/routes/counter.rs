//! 现场办理 at the service counter: 现场受理 for a walk-in (find the organisation's account or
//! register it, then the application filled for them), 身份证原件核验 in place of the face capture,
//! and the printed 受理回执. 窗口收款 and 退款 are in `payments`, 现场发证 in `staff`.

use super::extract::{ApiJson, ApiPath, Staff};
use super::orders::idempotency_key;
use crate::applicants;
use crate::state::{Shared, blocking};
use crate::store::ByStaff;
use crate::{PlatformError, Result};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use certdesk_api::{
    ApiError, ApplicantRegistration, IdCardCheck, OrderSummary, OrganisationAccount, PaymentState, SubmitOrder,
};
use certdesk_core::{CreditCode, IdNumber, OrderEvent, OrderNumber, format_shanghai};
use chrono::Utc;

fn credit_code(text: &str) -> Result<CreditCode> {
    CreditCode::parse(text).map_err(PlatformError::Unprocessable)
}

#[utoipa::path(
    get,
    path = "/v1/staff/organisations/{credit_code}",
    tag = "counter",
    summary = "现场受理：按统一社会信用代码查找机构的申领账号",
    params(("credit_code" = String, Path, description = "统一社会信用代码（18位）")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = OrganisationAccount),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 403, description = "角色无权操作", body = ApiError),
        (status = 404, description = "该机构尚未注册", body = ApiError),
        (status = 422, description = "统一社会信用代码不符合规则", body = ApiError)
    )
)]
pub(crate) async fn find_organisation(
    State(state): State<Shared>,
    staff: Staff,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<OrganisationAccount>> {
    staff.counter_only("现场受理")?;
    let code = credit_code(&code)?;
    let found = blocking(&state, move |s| applicants::by_credit_code(&s.db, &code)).await?;
    found
        .map(|(_, account)| Json(account))
        .ok_or_else(|| PlatformError::NotFound("该机构尚未注册申领账号，可在窗口为其注册".into()))
}

#[utoipa::path(
    post,
    path = "/v1/staff/organisations",
    tag = "counter",
    summary = "现场受理：为机构注册申领账号（与机构自行注册规则相同）",
    request_body = ApplicantRegistration,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已注册", body = OrganisationAccount),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 403, description = "角色无权操作", body = ApiError),
        (status = 409, description = "该机构或用户名已注册", body = ApiError),
        (status = 422, description = "字段不符合规则，fields 逐项说明", body = ApiError)
    )
)]
pub(crate) async fn register_organisation(
    State(state): State<Shared>,
    staff: Staff,
    ApiJson(registration): ApiJson<ApplicantRegistration>,
) -> Result<(StatusCode, Json<OrganisationAccount>)> {
    staff.counter_only("为机构注册")?;
    let (_, account) =
        blocking(&state, move |s| applicants::register_account(&s.db, &registration, Utc::now())).await?;
    tracing::info!(staff = staff.member.id, "organisation registered at the counter");
    let detail = format!("{}（{}）", account.organisation_name, account.credit_code);
    staff.audit(&state, certdesk_api::AuditAction::OrganisationRegistered, detail).await?;
    Ok((StatusCode::CREATED, Json(account)))
}

#[utoipa::path(
    post,
    path = "/v1/staff/counter-orders",
    tag = "counter",
    summary = "现场受理：为已注册的机构提交申领（与在线申领规则相同）；同一 Idempotency-Key 重试返回同一订单",
    request_body = SubmitOrder,
    params(("Idempotency-Key" = Option<String>, Header, description = "1至255个可见ASCII字符")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "新订单，属于该机构", body = OrderSummary),
        (status = 200, description = "该 Idempotency-Key 先前创建的订单", body = OrderSummary),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 403, description = "角色无权操作", body = ApiError),
        (status = 404, description = "该机构尚未注册", body = ApiError),
        (status = 409, description = "订单当前状态不允许此操作", body = ApiError),
        (status = 422, description = "字段不符合规则，fields 逐项说明", body = ApiError)
    )
)]
pub(crate) async fn submit_at_counter(
    State(state): State<Shared>,
    staff: Staff,
    headers: HeaderMap,
    ApiJson(form): ApiJson<SubmitOrder>,
) -> Result<(StatusCode, Json<OrderSummary>)> {
    staff.counter_only("现场受理")?;
    let key = idempotency_key(&headers)?;
    let (id, name) = (staff.member.id, staff.member.display_name.clone());
    let (created, order) = blocking(&state, move |s| {
        // The form's own code names the organisation; the same rules as online then check it.
        let code = CreditCode::parse(&form.credit_code)
            .map_err(|m| applicants::refused_field(certdesk_core::FormField::CreditCode, m))?;
        let (applicant, _) = applicants::by_credit_code(&s.db, &code)?
            .ok_or_else(|| PlatformError::NotFound("该机构尚未注册申领账号，请先为其注册".into()))?;
        s.submit(&applicant, &form, key.as_deref(), Some(ByStaff { id, name: &name }))
    })
    .await?;
    if created {
        state.changed();
        tracing::info!(order_no = %order.order_no, staff = staff.member.id, "order submitted at the counter");
    }
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(order)))
}

#[utoipa::path(
    post,
    path = "/v1/staff/orders/{order_no}/id-card-check",
    tag = "counter",
    summary = "身份证原件核验：读卡所得姓名与身份证号须与申领表一致，代替人脸认证",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    request_body = IdCardCheck,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = OrderSummary),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 403, description = "角色无权操作", body = ApiError),
        (status = 404, description = "订单不存在", body = ApiError),
        (status = 409, description = "订单当前状态不允许此操作", body = ApiError),
        (status = 422, description = "身份证与申领表不一致", body = ApiError)
    )
)]
pub(crate) async fn id_card_check(
    State(state): State<Shared>,
    staff: Staff,
    ApiPath(order_no): ApiPath<String>,
    ApiJson(card): ApiJson<IdCardCheck>,
) -> Result<Json<OrderSummary>> {
    staff.counter_only("身份证原件核验")?;
    let order_no = OrderNumber::parse(&order_no)?;
    let (id, name) = (staff.member.id, staff.member.display_name.clone());
    let order = blocking(&state, move |s| {
        let form = s.stored_form(&order_no, None)?;
        let on_card = IdNumber::parse(&card.id_number)
            .map_err(|m| PlatformError::Unprocessable(format!("身份证号码读取有误：{m}")))?;
        let applied = IdNumber::parse(&form.id_number)
            .map_err(|e| PlatformError::Internal(format!("stored ID number of {order_no}: {e}")))?;
        if card.name.trim() != form.applicant_name.trim() {
            return Err(PlatformError::Unprocessable("身份证姓名与申领表中的申领人姓名不一致，请核对".into()));
        }
        if on_card != applied {
            return Err(PlatformError::Unprocessable("身份证号码与申领表不一致，请核对".into()));
        }
        let at = Utc::now().with_timezone(&certdesk_core::SHANGHAI).to_rfc3339();
        let by = ByStaff { id, name: &name };
        let note = format!("身份证原件核验一致（{}）", on_card.masked());
        s.db.transition_noted(&order_no, by, &OrderEvent::IdCardChecked, &at, &note)
    })
    .await?;
    state.changed();
    tracing::info!(order_no = %order.order_no, staff = staff.member.id, "ID card checked at the counter");
    Ok(Json(order))
}

#[utoipa::path(
    get,
    path = "/v1/staff/orders/{order_no}/counter-receipt",
    tag = "counter",
    summary = "受理回执（PDF：订单编号、机构、申领人、金额、收据号、经办人员、时间、订单编号二维码）",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", content_type = "application/pdf", body = Vec<u8>),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 403, description = "角色无权操作", body = ApiError),
        (status = 404, description = "订单不存在", body = ApiError),
        (status = 503, description = "服务暂不可用（如未找到中文字体）", body = ApiError)
    )
)]
pub(crate) async fn counter_receipt(
    State(state): State<Shared>,
    staff: Staff,
    ApiPath(order_no): ApiPath<String>,
) -> Result<axum::response::Response> {
    staff.counter_only("打印受理回执")?;
    let order_no = OrderNumber::parse(&order_no)?;
    let staff_name = staff.member.display_name.clone();
    let pdf = blocking(&state, move |s| {
        let order = s.db.order(&order_no)?.ok_or_else(|| PlatformError::NotFound("订单不存在".into()))?;
        let form = s.stored_form(&order_no, None)?;
        let payments = s.db.payments(&order_no)?;
        let paid = payments.iter().rev().find(|p| p.state == PaymentState::Paid);
        let amount = if order.fee.is_zero() { "免费".to_owned() } else { order.fee.to_string() };
        let payment = paid.map(|p| (p.method.label_zh(), p.receipt_no.as_deref().unwrap_or("—")));
        let status = order.status.label_zh();
        let printed_at = format_shanghai(&Utc::now().fixed_offset());
        let receipt = crate::documents::counter_receipt::CounterReceipt {
            order_no: order.order_no.as_str(),
            organisation_name: &order.organisation_name,
            credit_code: &form.credit_code,
            applicant_name: &order.applicant_name,
            provider_name: &order.provider_name,
            quantity: order.quantity,
            amount: &amount,
            payment,
            status: &status,
            staff_name: &staff_name,
            printed_at: &printed_at,
        };
        crate::documents::counter_receipt::render(&receipt, s.cover_sheet_font.as_ref())
    })
    .await?;
    Ok(super::documents::pdf_response(pdf, "counter-receipt.pdf"))
}
