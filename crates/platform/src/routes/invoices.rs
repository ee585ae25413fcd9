//! 发票申请 and the electronic invoice: request it, see it, download its PDF and XML.

use super::extract::{ApiJson, ApplicantCaller, Caller};
use crate::Result;
use crate::state::{Shared, blocking};
use axum::Json;
use axum::extract::{Path, State};
use certdesk_api::{ApiError, InvoiceApplication, InvoiceRecord, InvoiceResend, OrderSummary};
use certdesk_core::OrderNumber;

/// 发票申请: the dialog's 发票抬头, 纳税人识别号 and email; the invoice is issued at once.
#[utoipa::path(
    post,
    path = "/v1/orders/{order_no}/invoice",
    tag = "applicant",
    summary = "发票申请（开具电子发票）",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    request_body = InvoiceApplication,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功：已申请发票，开具后为已开具发票", body = OrderSummary),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 404, description = "订单不存在或不属于本机构", body = ApiError),
        (status = 409, description = "订单当前状态不允许此操作（未发证、已申请或免费订单）", body = ApiError),
        (status = 422, description = "发票信息有误（invoiceFields 逐项说明）", body = ApiError)
    )
)]
pub(crate) async fn request_invoice(
    State(state): State<Shared>,
    caller: ApplicantCaller,
    Path(no): Path<String>,
    ApiJson(form): ApiJson<InvoiceApplication>,
) -> Result<Json<OrderSummary>> {
    let order_no = OrderNumber::parse(&no)?;
    let organisation = caller.applicant.organisation_id;
    let order = blocking(&state, move |s| s.request_invoice(&order_no, organisation, &form)).await?;
    state.changed();
    Ok(Json(order))
}

#[utoipa::path(
    get,
    path = "/v1/orders/{order_no}/invoice",
    tag = "applicant",
    summary = "订单的电子发票（发票号码、金额、税额、开票日期）",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = InvoiceRecord),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 404, description = "订单不存在、不属于本机构或尚未申请发票", body = ApiError)
    )
)]
pub(crate) async fn invoice(
    State(state): State<Shared>,
    caller: Caller,
    Path(no): Path<String>,
) -> Result<Json<InvoiceRecord>> {
    let order_no = OrderNumber::parse(&no)?;
    let organisation = caller.organisation_id();
    Ok(Json(blocking(&state, move |s| s.invoice_record(&order_no, organisation)).await?))
}

#[utoipa::path(
    get,
    path = "/v1/orders/{order_no}/invoice.pdf",
    tag = "applicant",
    summary = "电子发票（PDF）",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", content_type = "application/pdf", body = Vec<u8>),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 404, description = "订单不存在、不属于本机构或尚未申请发票", body = ApiError),
        (status = 409, description = "发票正在开具", body = ApiError),
        (status = 503, description = "服务暂不可用（如未找到中文字体）", body = ApiError)
    )
)]
pub(crate) async fn invoice_pdf(
    State(state): State<Shared>,
    caller: Caller,
    Path(no): Path<String>,
) -> Result<axum::response::Response> {
    let order_no = OrderNumber::parse(&no)?;
    let organisation = caller.organisation_id();
    let name = format!("invoice-{}.pdf", order_no.as_str());
    let pdf = blocking(&state, move |s| s.invoice_documents(&order_no, organisation, true)).await?;
    Ok(super::documents::pdf_response(pdf, &name))
}

#[utoipa::path(
    get,
    path = "/v1/orders/{order_no}/invoice.xml",
    tag = "applicant",
    summary = "电子发票（XML，与PDF同样的数据）",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", content_type = "application/xml", body = String),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 404, description = "订单不存在、不属于本机构或尚未申请发票", body = ApiError),
        (status = 409, description = "发票正在开具", body = ApiError)
    )
)]
pub(crate) async fn invoice_xml(
    State(state): State<Shared>,
    caller: Caller,
    Path(no): Path<String>,
) -> Result<axum::response::Response> {
    use axum::response::IntoResponse;
    let order_no = OrderNumber::parse(&no)?;
    let organisation = caller.organisation_id();
    let xml = blocking(&state, move |s| s.invoice_documents(&order_no, organisation, false)).await?;
    Ok(([(axum::http::header::CONTENT_TYPE, "application/xml; charset=utf-8")], xml).into_response())
}

/// 重新发送: the issued invoice by email once more, to the same or a corrected address.
#[utoipa::path(
    post,
    path = "/v1/orders/{order_no}/invoice/resend",
    tag = "applicant",
    summary = "重新发送电子发票（可更正邮箱）",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    request_body = InvoiceResend,
    security(("bearer" = [])),
    responses(
        (status = 202, description = "已安排发送", body = InvoiceRecord),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 404, description = "订单不存在、不属于本机构或尚未申请发票", body = ApiError),
        (status = 409, description = "发票正在开具", body = ApiError),
        (status = 422, description = "邮箱有误（invoiceFields 说明）", body = ApiError)
    )
)]
pub(crate) async fn resend_invoice(
    State(state): State<Shared>,
    caller: ApplicantCaller,
    Path(no): Path<String>,
    ApiJson(resend): ApiJson<InvoiceResend>,
) -> Result<(axum::http::StatusCode, Json<InvoiceRecord>)> {
    let order_no = OrderNumber::parse(&no)?;
    let organisation = caller.applicant.organisation_id;
    let record = blocking(&state, move |s| s.resend_invoice(&order_no, organisation, resend.email.as_deref())).await?;
    state.changed();
    Ok((axum::http::StatusCode::ACCEPTED, Json(record)))
}
