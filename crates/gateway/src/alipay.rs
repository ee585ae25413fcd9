//! `gateway.do`: Alipay's open API as the sandbox answers it. Every request is verified against
//! the merchant's registered key; answers are signed with the gateway's key over the exact text
//! of the `<method>_response` object.

use crate::cashier;
use crate::state::{Gateway, Provider, RefundState, Refusal};
use axum::extract::{Form, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use certdesk_pay::{alipay, bill};
use serde_json::{Value, json};
use std::sync::Arc;

type Params = Vec<(String, String)>;

pub(crate) async fn gateway_get(State(gateway): State<Arc<Gateway>>, Query(params): Query<Params>) -> Response {
    handle(&gateway, params)
}

/// Parameters may come in the query (Alipay's SDKs put `charset` there) and in the form.
pub(crate) async fn gateway_post(
    State(gateway): State<Arc<Gateway>>,
    Query(mut params): Query<Params>,
    Form(form): Form<Params>,
) -> Response {
    params.extend(form);
    handle(&gateway, params)
}

fn param<'a>(params: &'a Params, key: &str) -> &'a str {
    params.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or("")
}

fn handle(gateway: &Arc<Gateway>, params: Params) -> Response {
    // Only to know how to answer; everything acted on is read from the verified parameters.
    let method = param(&params, "method").to_owned();
    let page = method == "alipay.trade.page.pay";
    let refuse = |sub_code: &str, sub_msg: &str| {
        if page {
            cashier::error_page(StatusCode::BAD_REQUEST, &format!("{sub_msg}（{sub_code}）"))
        } else {
            answer(
                gateway,
                &method,
                json!({"code": "40002", "msg": "Invalid Arguments", "sub_code": sub_code, "sub_msg": sub_msg}),
            )
        }
    };
    let Some((merchant_key, _)) = gateway.merchant_key(Provider::Alipay, param(&params, "app_id")) else {
        return refuse("isv.invalid-app-id", "无效的AppID参数");
    };
    let params = match alipay::verify_request(&merchant_key, params.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
        Ok(verified) => verified,
        Err(certdesk_pay::PayError::Duplicated(key)) => {
            return refuse("isv.invalid-parameter", &format!("参数重复：{key}"));
        }
        Err(_) => return refuse("isv.invalid-signature", "验签出错"),
    };
    let param = |key: &str| params.optional(key).unwrap_or("");
    let app_id = param("app_id");
    if method != param("method") {
        return refuse("isv.invalid-method", "方法名不一致");
    }
    let Ok(biz) = serde_json::from_str::<Value>(param("biz_content")) else {
        return refuse("isv.invalid-parameter", "biz_content 不是 JSON");
    };
    let biz_str = |key: &str| biz.get(key).and_then(Value::as_str).unwrap_or("").to_owned();
    let out_trade_no = biz_str("out_trade_no");
    match method.as_str() {
        "alipay.trade.page.pay" => {
            let Ok(amount_fen) = alipay::parse_amount(&biz_str("total_amount")) else {
                return refuse("isv.invalid-parameter", "金额格式错误");
            };
            if out_trade_no.is_empty() || amount_fen <= 0 {
                return refuse("isv.missing-parameter", "缺少订单号或金额");
            }
            let return_url = Some(param("return_url")).filter(|u| !u.is_empty());
            match gateway.open_trade(
                Provider::Alipay,
                app_id,
                app_id,
                &out_trade_no,
                amount_fen,
                &biz_str("subject"),
                param("notify_url"),
                return_url,
            ) {
                Ok(trade) => cashier::page_for(&trade),
                Err(_) => refuse("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改"),
            }
        }
        "alipay.trade.query" => match gateway.find(Provider::Alipay, app_id, &out_trade_no) {
            Some(trade) => answer(
                gateway,
                &method,
                json!({
                    "code": "10000",
                    "msg": "Success",
                    "trade_no": trade.trade_no,
                    "out_trade_no": trade.out_trade_no,
                    "trade_status": trade.alipay_status(),
                    "total_amount": alipay::amount(trade.amount_fen),
                    "send_pay_date": trade.paid_at.as_ref().map(certdesk_core::format_shanghai),
                }),
            ),
            None => not_exist(gateway, &method),
        },
        "alipay.trade.refund" => {
            let Ok(refund_fen) = alipay::parse_amount(&biz_str("refund_amount")) else {
                return refuse("isv.invalid-parameter", "退款金额格式错误");
            };
            let request_no =
                Some(biz_str("out_request_no")).filter(|n| !n.is_empty()).unwrap_or_else(|| out_trade_no.clone());
            match gateway.refund(Provider::Alipay, app_id, &out_trade_no, &request_no, refund_fen, None) {
                Ok((trade, refund)) => answer(
                    gateway,
                    &method,
                    json!({
                        "code": "10000",
                        "msg": "Success",
                        "trade_no": trade.trade_no,
                        "out_trade_no": trade.out_trade_no,
                        "refund_fee": alipay::amount(trade.refunded_fen()),
                        "fund_change": if refund.state == RefundState::Success { "Y" } else { "N" },
                    }),
                ),
                Err(Refusal::NotFound) => not_exist(gateway, &method),
                Err(Refusal::Inconsistent) => {
                    business_failure(gateway, &method, "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额与此前请求不一致")
                }
                Err(Refusal::NotRefundable(why)) => business_failure(gateway, &method, "ACQ.TRADE_STATUS_ERROR", why),
            }
        }
        // The refund's own state: REFUND_SUCCESS once the money moved; no refund_status while it
        // is on its way.
        "alipay.trade.fastpay.refund.query" => {
            let request_no =
                Some(biz_str("out_request_no")).filter(|n| !n.is_empty()).unwrap_or_else(|| out_trade_no.clone());
            let found = gateway.find(Provider::Alipay, app_id, &out_trade_no);
            match found.as_ref().and_then(|trade| trade.refund(&request_no).map(|refund| (trade, refund))) {
                Some((trade, refund)) => answer(
                    gateway,
                    &method,
                    json!({
                        "code": "10000",
                        "msg": "Success",
                        "trade_no": trade.trade_no,
                        "out_trade_no": trade.out_trade_no,
                        "out_request_no": refund.out_request_no,
                        "total_amount": alipay::amount(trade.amount_fen),
                        "refund_amount": alipay::amount(refund.fen),
                        "refund_status": (refund.state == RefundState::Success).then_some("REFUND_SUCCESS"),
                        "gmt_refund_pay": refund.finished_at.as_ref().map(certdesk_core::format_shanghai),
                    }),
                ),
                // Alipay answers success with no refund data for a refund it never received.
                None if found.is_some() => answer(gateway, &method, json!({"code": "10000", "msg": "Success"})),
                None => not_exist(gateway, &method),
            }
        }
        // The day's bill: where to download it (the sandbox's own address; Alipay's is a signed,
        // expiring link to its file store).
        "alipay.data.dataservice.bill.downloadurl.query" => {
            let Ok(day) = chrono::NaiveDate::parse_from_str(&biz_str("bill_date"), "%Y-%m-%d") else {
                return refuse("isv.invalid-parameter", "bill_date 格式应为 yyyy-MM-dd");
            };
            answer(
                gateway,
                &method,
                json!({
                    "code": "10000",
                    "msg": "Success",
                    "bill_download_url": format!("{}/sandbox/bills/alipay/{app_id}/{}.zip", gateway.base_url, day.format("%Y%m%d")),
                }),
            )
        }
        _ => refuse("isv.invalid-method", "不存在的方法名"),
    }
}

fn not_exist(gateway: &Gateway, method: &str) -> Response {
    business_failure(gateway, method, "ACQ.TRADE_NOT_EXIST", "交易不存在")
}

fn business_failure(gateway: &Gateway, method: &str, sub_code: &str, sub_msg: &str) -> Response {
    answer(
        gateway,
        method,
        json!({"code": "40004", "msg": "Business Failed", "sub_code": sub_code, "sub_msg": sub_msg}),
    )
}

/// A signed JSON answer.
fn answer(gateway: &Gateway, method: &str, response: Value) -> Response {
    let method = if method.is_empty() { "error" } else { method };
    match alipay::signed_response(&gateway.alipay_key, method, &response) {
        Ok(body) => ([(header::CONTENT_TYPE, "application/json;charset=utf-8")], body).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// `GET /sandbox/bills/alipay/{app_id}/{yyyyMMdd}.zip`: the day's 业务明细, zipped in GBK as Alipay
/// serves it.
pub(crate) async fn bill_file(
    State(gateway): State<Arc<Gateway>>,
    axum::extract::Path((app_id, file)): axum::extract::Path<(String, String)>,
) -> Response {
    let Some(day) = file.strip_suffix(".zip").and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y%m%d").ok()) else {
        return (StatusCode::NOT_FOUND, "no such bill").into_response();
    };
    let Some(seller_id) = gateway.alipay_seller_id(&app_id) else {
        return (StatusCode::NOT_FOUND, "no such merchant").into_response();
    };
    let trades = gateway.trades_of_day(Provider::Alipay, &app_id, day);
    let lines = crate::bill::lines_of_day(&trades, day);
    let rows: Vec<_> = lines
        .iter()
        .map(|(trade, line, at)| bill::AlipayBillRow { trade_no: &trade.trade_no, line, subject: &trade.subject, at })
        .collect();
    let compact = day.format("%Y%m%d").to_string();
    let text = bill::write_alipay_bill(&seller_id, &compact, &rows);
    match bill::zip_alipay_bill(&seller_id, &compact, &text) {
        Ok(zip) => ([(header::CONTENT_TYPE, "application/zip")], zip).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}
