//! 缴费 over HTTP: 去支付 and its progress, the order's payments, 窗口收款 and 退款 at the counter,
//! the staff lists of payments to see to and refunds owed, and the gateways' notifications (in
//! their own protocols, outside the OpenAPI document).

use super::extract::{ApiJson, ApplicantCaller, Caller, Staff};
use crate::state::{Shared, blocking};
use crate::store::ByStaff;
use crate::{PlatformError, Result};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use certdesk_api::{
    ApiError, CounterPayment, CounterRefund, FlaggedPayment, OrderSummary, PaymentMethod, PaymentProgress,
    PaymentRecord, PaymentStart, ReconciliationQuery, ReconciliationReport, RefundRecord, StartPayment,
};
use certdesk_core::OrderNumber;
use chrono::Utc;

/// The largest notification body: the providers' are a few KiB.
pub const NOTIFY_BODY_LIMIT: usize = 16 * 1024;

/// A counter receipt's number (`label` as the form names it), trimmed: required, at most 64
/// characters.
fn receipt_number(text: &str, label: &str) -> Result<String> {
    let receipt = text.trim();
    if receipt.is_empty() || receipt.chars().count() > 64 {
        return Err(PlatformError::Unprocessable(format!("请填写{label}（不超过64个字符）")));
    }
    Ok(receipt.to_owned())
}

/// Whether `candidate` is one of the `allowed` return addresses: parsed, and compared exactly on
/// scheme, host, port and path, with no user info, query or fragment (so `http://localhost:@evil/`
/// and `certdesk://pay/return@evil` are refused, whatever their text begins with).
fn allowed_return_url(candidate: &str, allowed: &[String]) -> bool {
    let Ok(url) = reqwest::Url::parse(candidate) else { return false };
    let plain =
        url.username().is_empty() && url.password().is_none() && url.query().is_none() && url.fragment().is_none();
    plain
        && allowed.iter().filter_map(|a| reqwest::Url::parse(a).ok()).any(|a| {
            a.scheme() == url.scheme()
                && a.host_str() == url.host_str()
                && a.port_or_known_default() == url.port_or_known_default()
                && a.path() == url.path()
        })
}

/// 窗口收款: the counter records the fee taken in person; the order moves from 待支付 to 待审核.
#[utoipa::path(
    post,
    path = "/v1/staff/orders/{order_no}/counter-payment",
    tag = "staff",
    summary = "窗口收款：现金、刷卡或扫码，附收据号",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    request_body = CounterPayment,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = OrderSummary),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 403, description = "角色无权操作", body = ApiError),
        (status = 404, description = "订单不存在或不属于本机构", body = ApiError),
        (status = 409, description = "订单当前状态不允许此操作", body = ApiError),
        (status = 422, description = "字段不符合规则", body = ApiError)
    )
)]
pub(super) async fn counter_payment(
    State(state): State<Shared>,
    staff: Staff,
    Path(order_no): Path<String>,
    ApiJson(payment): ApiJson<CounterPayment>,
) -> Result<Json<OrderSummary>> {
    let order_no = OrderNumber::parse(&order_no)?;
    staff.counter_only("登记窗口收款")?;
    if !matches!(payment.method, PaymentMethod::CounterCash | PaymentMethod::CounterCard | PaymentMethod::CounterQrCode)
    {
        return Err(PlatformError::Unprocessable("窗口收款的方式只能是现金、刷卡或扫码".into()));
    }
    receipt_number(&payment.receipt_no, "收据号")?;
    let at = Utc::now().with_timezone(&certdesk_core::SHANGHAI).to_rfc3339();
    let (staff_id, name) = (staff.member.id, staff.member.display_name.clone());
    let order = blocking(&state, move |s| {
        s.db.record_counter_payment(&order_no, &payment, ByStaff { id: staff_id, name: &name }, &at)
    })
    .await?;
    state.changed();
    tracing::info!(order_no = %order.order_no, staff = staff_id, "counter payment recorded");
    Ok(Json(order))
}

/// The order's payments, for its organisation and for staff.
#[utoipa::path(
    get,
    path = "/v1/orders/{order_no}/payments",
    tag = "applicant",
    summary = "订单的付款记录",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = Vec<PaymentRecord>),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 404, description = "订单不存在或不属于本机构", body = ApiError)
    )
)]
pub(super) async fn payments(
    State(state): State<Shared>,
    caller: Caller,
    Path(order_no): Path<String>,
) -> Result<Json<Vec<PaymentRecord>>> {
    let order_no = OrderNumber::parse(&order_no)?;
    let organisation = caller.organisation_id();
    let payments = blocking(&state, move |s| {
        s.db.order_of(&order_no, organisation)?.ok_or_else(|| PlatformError::NotFound("订单不存在".into()))?;
        s.db.payments(&order_no)
    })
    .await?;
    Ok(Json(payments))
}

/// 去支付: opens a payment of the order's fee at the chosen gateway.
#[utoipa::path(
    post,
    path = "/v1/orders/{order_no}/payments",
    tag = "applicant",
    summary = "去支付：在支付宝或微信支付开立付款",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    request_body = StartPayment,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功：支付宝返回 payUrl（在浏览器打开），微信支付返回 codeUrl（显示二维码）", body = PaymentStart),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 404, description = "订单不存在或不属于本机构", body = ApiError),
        (status = 409, description = "订单当前状态不允许付款", body = ApiError),
        (status = 422, description = "付款方式或返回地址不可用（返回地址须与平台允许的完全一致）", body = ApiError),
        (status = 503, description = "未开通在线支付或支付网关暂时无法使用", body = ApiError)
    )
)]
pub(super) async fn start_payment(
    State(state): State<Shared>,
    caller: ApplicantCaller,
    Path(order_no): Path<String>,
    ApiJson(request): ApiJson<StartPayment>,
) -> Result<Json<PaymentStart>> {
    let order_no = OrderNumber::parse(&order_no)?;
    // The method must be one this platform offers before a payment is recorded: a payment opened
    // for a gateway that does not exist would wait for an answer that never comes.
    let gateways = crate::payments::gateways(&state)?;
    gateways.offers(request.method)?;
    let return_url = request.return_url.unwrap_or_else(|| crate::APP_RETURN_URL.into());
    // Never a redirect to anywhere but where the platform allows.
    if !allowed_return_url(&return_url, &state.return_urls) {
        return Err(PlatformError::Unprocessable("返回地址不在平台允许的范围内".into()));
    }
    let organisation = caller.applicant.organisation_id;
    let at = Utc::now().with_timezone(&certdesk_core::SHANGHAI).to_rfc3339();
    let method = request.method;
    let (out_trade_no, order) =
        blocking(&state, move |s| s.db.open_gateway_payment(&order_no, organisation, method, &at)).await?;
    let subject = format!("CA数字证书（{}，订单{}）", order.provider_name, order.order_no);
    let (pay_url, code_url) = gateways.open(method, &out_trade_no, order.fee.fen(), &subject, &return_url).await?;
    tracing::info!(order_no = %order.order_no, out_trade_no, method = method.code(), "payment opened");
    Ok(Json(PaymentStart { out_trade_no, method, amount: order.fee, pay_url, code_url }))
}

/// The payment as it stands, after asking the gateway while it is pending: what the app polls
/// after the browser returns (the return itself proves nothing).
#[utoipa::path(
    get,
    path = "/v1/orders/{order_no}/payments/{out_trade_no}",
    tag = "applicant",
    summary = "付款结果：待支付时向支付网关查询",
    params(
        ("order_no" = String, Path, description = "订单编号（15位数字）"),
        ("out_trade_no" = String, Path, description = "去支付返回的商户订单号")
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = PaymentProgress),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 404, description = "订单或付款不存在", body = ApiError)
    )
)]
pub(super) async fn payment_progress(
    State(state): State<Shared>,
    caller: ApplicantCaller,
    Path((order_no, out_trade_no)): Path<(String, String)>,
) -> Result<Json<PaymentProgress>> {
    let order_no = OrderNumber::parse(&order_no)?;
    let organisation = caller.applicant.organisation_id;
    let (no, trade) = (order_no.clone(), out_trade_no.clone());
    blocking(&state, move |s| {
        s.db.order_of(&no, Some(organisation))?.ok_or_else(|| PlatformError::NotFound("订单不存在".into()))?;
        match s.db.payment(&trade)? {
            Some(payment) if payment.order_no == no => Ok(()),
            _ => Err(PlatformError::NotFound("付款记录不存在".into())),
        }
    })
    .await?;
    let payment_state = crate::payments::progress(&state, &out_trade_no).await?;
    let order = blocking(&state, move |s| s.db.order(&order_no))
        .await?
        .ok_or_else(|| PlatformError::NotFound("订单不存在".into()))?;
    Ok(Json(PaymentProgress { out_trade_no, state: payment_state, order }))
}

/// A gateway's notification (`alipay` or `wechat`), answered in its own protocol.
pub(super) async fn payment_notification(
    State(state): State<Shared>,
    Path(method): Path<String>,
    headers: HeaderMap,
    body: String,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let method = match PaymentMethod::from_code(&method) {
        Some(method @ (PaymentMethod::Alipay | PaymentMethod::Wechat)) => method,
        _ => return PlatformError::NotFound("接口不存在".into()).into_response(),
    };
    let (status, content_type, body) = crate::payments::notification(&state, method, &headers, &body).await;
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(axum::http::header::CONTENT_TYPE, content_type)], body).into_response()
}

/// Payments a signed notification reported with another amount: never applied, for staff.
#[utoipa::path(
    get,
    path = "/v1/staff/payments/attention",
    tag = "staff",
    summary = "待处理的付款：支付网关通知的金额与应付金额不符",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = Vec<FlaggedPayment>),
        (status = 401, description = "未登录或会话已过期", body = ApiError)
    )
)]
pub(super) async fn flagged_payments(State(state): State<Shared>, _staff: Staff) -> Result<Json<Vec<FlaggedPayment>>> {
    Ok(Json(blocking(&state, |s| s.db.flagged_payments()).await?))
}

/// Refunds owed and not yet made: sent and unconfirmed, refused by the gateway, or owed at the
/// counter.
#[utoipa::path(
    get,
    path = "/v1/staff/refunds",
    tag = "staff",
    summary = "待退款：未确认、被拒绝或待窗口退还的退款",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = Vec<RefundRecord>),
        (status = 401, description = "未登录或会话已过期", body = ApiError)
    )
)]
pub(super) async fn refunds_owed(State(state): State<Shared>, _staff: Staff) -> Result<Json<Vec<RefundRecord>>> {
    Ok(Json(blocking(&state, |s| s.db.refunds_owed()).await?))
}

/// 退款 at the counter: a cancelled order's counter payment given back, with the receipt number.
#[utoipa::path(
    post,
    path = "/v1/staff/orders/{order_no}/counter-refund",
    tag = "staff",
    summary = "窗口退款：退还已撤销订单的窗口收款，附凭证号",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    request_body = CounterRefund,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = Vec<PaymentRecord>),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 403, description = "角色无权操作", body = ApiError),
        (status = 409, description = "没有待退还的窗口收款", body = ApiError),
        (status = 422, description = "字段不符合规则", body = ApiError)
    )
)]
pub(super) async fn counter_refund(
    State(state): State<Shared>,
    staff: Staff,
    Path(order_no): Path<String>,
    ApiJson(refund): ApiJson<CounterRefund>,
) -> Result<Json<Vec<PaymentRecord>>> {
    let order_no = OrderNumber::parse(&order_no)?;
    staff.counter_only("登记窗口退款")?;
    let receipt = receipt_number(&refund.receipt_no, "退款凭证号")?;
    let at = Utc::now().with_timezone(&certdesk_core::SHANGHAI).to_rfc3339();
    let staff_id = staff.member.id;
    let payments = blocking(&state, move |s| {
        s.db.record_counter_refund(&order_no, &receipt, staff_id, &at)?;
        s.db.payments(&order_no)
    })
    .await?;
    state.changed();
    Ok(Json(payments))
}

/// 对账 for a day: every gateway's bill against the platform's payments and refunds of the day.
#[utoipa::path(
    get,
    path = "/v1/staff/reconciliation",
    tag = "staff",
    summary = "对账：支付机构的日账单与平台的付款、退款记录逐笔比对",
    params(ReconciliationQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = ReconciliationReport),
        (status = 400, description = "日期格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 503, description = "未开通在线支付", body = ApiError)
    )
)]
pub(super) async fn reconciliation(
    State(state): State<Shared>,
    _staff: Staff,
    super::ApiQuery(query): super::ApiQuery<ReconciliationQuery>,
) -> Result<Json<ReconciliationReport>> {
    let day = match query.date.as_deref() {
        Some(text) => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| PlatformError::BadRequest("日期格式应为 YYYY-MM-DD".into()))?,
        None => certdesk_core::now_shanghai().date_naive().pred_opt().unwrap_or_default(),
    };
    Ok(Json(crate::payments::reconcile_bills(&state, day).await?))
}

#[cfg(test)]
mod tests {
    use super::allowed_return_url;

    #[test]
    fn return_addresses_match_only_exactly() {
        let allowed = vec!["certdesk://pay/return".to_owned(), "http://127.0.0.1:17890/pay/return".to_owned()];
        for ok in ["certdesk://pay/return", "http://127.0.0.1:17890/pay/return"] {
            assert!(allowed_return_url(ok, &allowed), "{ok}");
        }
        for refused in [
            "http://localhost:@evil.example/",
            "http://127.0.0.1:17890@evil.example/pay/return",
            "http://user@127.0.0.1:17890/pay/return",
            "http://127.0.0.1:17891/pay/return",
            "https://127.0.0.1:17890/pay/return",
            "http://127.0.0.1:17890/pay/return?next=https://evil.example",
            "http://127.0.0.1:17890/pay/return#x",
            "certdesk://pay/return/../x",
            "certdesk://pay.evil/return",
            "certdesk://pay/returned",
            "not a url",
        ] {
            assert!(!allowed_return_url(refused, &allowed), "{refused}");
        }
    }
}
