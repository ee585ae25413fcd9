//! WeChat Pay API v3 as the sandbox answers it: requests checked against the merchant's
//! Authorization header, answers signed with the platform key in `Wechatpay-*` headers.

use crate::notify::{wechat_refund, wechat_signature_headers, wechat_transaction};
use crate::state::{Gateway, Provider, RefundState, Refusal};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use certdesk_pay::wechat::Authorization;
use serde_json::{Value, json};
use std::sync::Arc;

/// A refusal before the request is read: status, code and message.
type Refused = (StatusCode, &'static str, &'static str);

/// Checks the Authorization of a request: the merchant it names, its key, the exact method, URI
/// and body. Returns the merchant id.
fn authorised(gateway: &Gateway, headers: &HeaderMap, method: &str, uri: &Uri, body: &str) -> Result<String, Refused> {
    const SIGN_ERROR: Refused = (StatusCode::UNAUTHORIZED, "SIGN_ERROR", "签名错误");
    let header = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).ok_or(SIGN_ERROR)?;
    let authorization = Authorization::parse(header).map_err(|_| SIGN_ERROR)?;
    let (key, _) = gateway.merchant_key(Provider::Wechat, &authorization.merchant_id).ok_or((
        StatusCode::BAD_REQUEST,
        "MCH_NOT_EXISTS",
        "商户号不存在",
    ))?;
    let url = uri.path_and_query().map(|p| p.as_str()).unwrap_or(uri.path());
    authorization.verify(&key, method, url, body, chrono::Utc::now().timestamp()).map_err(|_| SIGN_ERROR)?;
    Ok(authorization.merchant_id)
}

/// A signed POST with a JSON body: the merchant id and the body read.
fn authorised_json(gateway: &Gateway, headers: &HeaderMap, uri: &Uri, body: &str) -> Result<(String, Value), Refused> {
    let merchant = authorised(gateway, headers, "POST", uri, body)?;
    let value = serde_json::from_str(body).map_err(|_| (StatusCode::BAD_REQUEST, "PARAM_ERROR", "请求体不是 JSON"))?;
    Ok((merchant, value))
}

pub(crate) async fn native_order(
    State(gateway): State<Arc<Gateway>>,
    headers: HeaderMap,
    uri: Uri,
    body: String,
) -> Response {
    let (merchant, order) = match authorised_json(&gateway, &headers, &uri, &body) {
        Ok(read) => read,
        Err((status, code, message)) => return error(&gateway, status, code, message),
    };
    let text = |key: &str| order.get(key).and_then(Value::as_str).unwrap_or("").to_owned();
    let total = order.pointer("/amount/total").and_then(Value::as_i64).unwrap_or(0);
    if text("mchid") != merchant {
        return error(&gateway, StatusCode::BAD_REQUEST, "PARAM_ERROR", "mchid 与请求签名的商户号不符");
    }
    if text("out_trade_no").is_empty() || total <= 0 || text("notify_url").is_empty() {
        return error(&gateway, StatusCode::BAD_REQUEST, "PARAM_ERROR", "缺少订单号、金额或通知地址");
    }
    match gateway.open_trade(
        Provider::Wechat,
        &merchant,
        &text("appid"),
        &text("out_trade_no"),
        total,
        &text("description"),
        &text("notify_url"),
        None,
    ) {
        // The sandbox's code_url opens its cashier page: "scanning" it is opening it.
        Ok(trade) => {
            signed(&gateway, StatusCode::OK, json!({"code_url": format!("{}/cashier/{}", gateway.base_url, trade.id)}))
        }
        Err(_) => error(&gateway, StatusCode::BAD_REQUEST, "OUT_TRADE_NO_USED", "商户订单号重复"),
    }
}

pub(crate) async fn query(
    State(gateway): State<Arc<Gateway>>,
    axum::extract::Path(out_trade_no): axum::extract::Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let merchant = match authorised(&gateway, &headers, "GET", &uri, "") {
        Ok(merchant) => merchant,
        Err((status, code, message)) => return error(&gateway, status, code, message),
    };
    match gateway.find(Provider::Wechat, &merchant, &out_trade_no) {
        Some(trade) => signed(&gateway, StatusCode::OK, wechat_transaction(&trade)),
        None => error(&gateway, StatusCode::NOT_FOUND, "ORDER_NOT_EXIST", "订单不存在"),
    }
}

pub(crate) async fn refund(
    State(gateway): State<Arc<Gateway>>,
    headers: HeaderMap,
    uri: Uri,
    body: String,
) -> Response {
    let (merchant, request) = match authorised_json(&gateway, &headers, &uri, &body) {
        Ok(read) => read,
        Err((status, code, message)) => return error(&gateway, status, code, message),
    };
    let text = |key: &str| request.get(key).and_then(Value::as_str).unwrap_or("").to_owned();
    let refund_fen = request.pointer("/amount/refund").and_then(Value::as_i64).unwrap_or(0);
    let out_trade_no = text("out_trade_no");
    let notify_url = text("notify_url");
    match gateway.refund(
        Provider::Wechat,
        &merchant,
        &out_trade_no,
        &text("out_refund_no"),
        refund_fen,
        Some(&notify_url),
    ) {
        Ok((trade, refund)) => {
            if refund.state != RefundState::Processing {
                crate::notify::spawn_refund_delivery(Arc::clone(&gateway), trade.clone(), refund.clone());
            }
            signed(&gateway, StatusCode::OK, wechat_refund(&trade, &refund))
        }
        Err(Refusal::NotFound) => error(&gateway, StatusCode::NOT_FOUND, "RESOURCE_NOT_EXISTS", "订单不存在"),
        Err(Refusal::Inconsistent) => {
            error(&gateway, StatusCode::BAD_REQUEST, "INVALID_REQUEST", "退款单号已用于其他金额")
        }
        Err(Refusal::NotRefundable(why)) => error(&gateway, StatusCode::FORBIDDEN, "NOT_ENOUGH", why),
    }
}

/// `GET /v3/refund/domestic/refunds/{out_refund_no}`: where a refund stands.
pub(crate) async fn refund_query(
    State(gateway): State<Arc<Gateway>>,
    axum::extract::Path(out_refund_no): axum::extract::Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let merchant = match authorised(&gateway, &headers, "GET", &uri, "") {
        Ok(merchant) => merchant,
        Err((status, code, message)) => return error(&gateway, status, code, message),
    };
    match gateway.find_refund(Provider::Wechat, &merchant, &out_refund_no) {
        Some((trade, refund)) => signed(&gateway, StatusCode::OK, wechat_refund(&trade, &refund)),
        None => error(&gateway, StatusCode::NOT_FOUND, "RESOURCE_NOT_EXISTS", "退款单不存在"),
    }
}

fn error(gateway: &Gateway, status: StatusCode, code: &str, message: &str) -> Response {
    signed(gateway, status, json!({"code": code, "message": message}))
}

/// A JSON answer with its `Wechatpay-*` signature headers.
fn signed(gateway: &Gateway, status: StatusCode, value: Value) -> Response {
    let body = value.to_string();
    match wechat_signature_headers(gateway, &body) {
        Ok(signature) => {
            let mut response = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
            for (name, value) in signature {
                if let Ok(value) = value.parse() {
                    response.headers_mut().insert(name, value);
                }
            }
            response
        }
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

#[derive(serde::Deserialize)]
pub(crate) struct BillQuery {
    bill_date: String,
}

/// `GET /v3/bill/tradebill?bill_date=…`: where the day's trade bill is, and its SHA-1.
pub(crate) async fn trade_bill(
    State(gateway): State<Arc<Gateway>>,
    axum::extract::Query(query): axum::extract::Query<BillQuery>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let merchant = match authorised(&gateway, &headers, "GET", &uri, "") {
        Ok(merchant) => merchant,
        Err((status, code, message)) => return error(&gateway, status, code, message),
    };
    let Ok(day) = chrono::NaiveDate::parse_from_str(&query.bill_date, "%Y-%m-%d") else {
        return error(&gateway, StatusCode::BAD_REQUEST, "PARAM_ERROR", "bill_date 格式应为 yyyy-MM-dd");
    };
    let file = bill_text(&gateway, &merchant, day);
    let token = format!("{merchant}-{}", day.format("%Y%m%d"));
    signed(
        &gateway,
        StatusCode::OK,
        json!({
            "hash_type": "SHA1",
            "hash_value": certdesk_pay::bill::sha1_hex(file.as_bytes()),
            "download_url": format!("{}/v3/billdownload/file?token={token}", gateway.base_url),
        }),
    )
}

#[derive(serde::Deserialize)]
pub(crate) struct DownloadQuery {
    token: String,
}

/// `GET /v3/billdownload/file?token=…`: the bill itself (unsigned, as WeChat Pay serves files).
pub(crate) async fn bill_download(
    State(gateway): State<Arc<Gateway>>,
    axum::extract::Query(query): axum::extract::Query<DownloadQuery>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let merchant = match authorised(&gateway, &headers, "GET", &uri, "") {
        Ok(merchant) => merchant,
        Err((status, code, message)) => return error(&gateway, status, code, message),
    };
    let day = query
        .token
        .strip_prefix(&format!("{merchant}-"))
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y%m%d").ok());
    match day {
        Some(day) => {
            ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], bill_text(&gateway, &merchant, day)).into_response()
        }
        None => error(&gateway, StatusCode::NOT_FOUND, "RESOURCE_NOT_EXISTS", "账单不存在"),
    }
}

fn bill_text(gateway: &Gateway, merchant: &str, day: chrono::NaiveDate) -> String {
    let trades = gateway.trades_of_day(Provider::Wechat, merchant, day);
    let lines = crate::bill::lines_of_day(&trades, day);
    let rows: Vec<_> = lines
        .iter()
        .map(|(trade, line, at)| certdesk_pay::bill::WechatBillRow {
            at,
            app_id: &trade.app_id,
            merchant_id: &trade.merchant,
            transaction_id: &trade.trade_no,
            line,
            refund_id: line
                .out_request_no
                .as_deref()
                .and_then(|no| trade.refund(no))
                .map_or("", |r| r.refund_id.as_str()),
            description: &trade.subject,
        })
        .collect();
    certdesk_pay::bill::write_wechat_bill(&rows)
}
