//! The cashier page: where the person paying 确认付款 or 取消. Paying notifies the merchant (in the
//! background, retried) and sends the browser back to the merchant's `return_url` with Alipay's
//! signed return parameters; the merchant must still confirm with a query or the notification.

use crate::notify::spawn_delivery;
use crate::state::{Gateway, Provider, Trade, TradeState};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use std::sync::Arc;

pub(crate) async fn page(State(gateway): State<Arc<Gateway>>, Path(id): Path<String>) -> Response {
    match gateway.trade(&id) {
        Some(trade) => page_for(&trade),
        None => error_page(StatusCode::NOT_FOUND, "交易不存在"),
    }
}

pub(crate) async fn pay(State(gateway): State<Arc<Gateway>>, Path(id): Path<String>) -> Response {
    let Some((trade, paid_now)) = gateway.pay(&id) else {
        return error_page(StatusCode::NOT_FOUND, "交易不存在");
    };
    if trade.state != TradeState::Success {
        return page_for(&trade);
    }
    if paid_now {
        spawn_delivery(Arc::clone(&gateway), trade.clone());
    }
    match (trade.provider, &trade.return_url) {
        (Provider::Alipay, Some(return_url)) => match return_location(&gateway, &trade, return_url) {
            Ok(location) => Redirect::to(&location).into_response(),
            Err(e) => error_page(StatusCode::INTERNAL_SERVER_ERROR, &e),
        },
        _ => Redirect::to(&format!("/cashier/{id}")).into_response(),
    }
}

pub(crate) async fn cancel(State(gateway): State<Arc<Gateway>>, Path(id): Path<String>) -> Response {
    match gateway.cancel(&id) {
        Some(_) => Redirect::to(&format!("/cashier/{id}")).into_response(),
        None => error_page(StatusCode::NOT_FOUND, "交易不存在"),
    }
}

/// `return_url` with Alipay's synchronous return parameters, signed.
fn return_location(gateway: &Gateway, trade: &Trade, return_url: &str) -> Result<String, String> {
    let mut url = reqwest::Url::parse(return_url).map_err(|e| format!("return_url 无效：{e}"))?;
    let timestamp = certdesk_core::format_shanghai(&certdesk_core::now_shanghai());
    let amount = certdesk_pay::alipay::amount(trade.amount_fen);
    let mut params = vec![
        ("app_id", trade.app_id.as_str()),
        ("method", "alipay.trade.page.pay.return"),
        ("charset", "utf-8"),
        ("version", "1.0"),
        ("timestamp", timestamp.as_str()),
        ("out_trade_no", trade.out_trade_no.as_str()),
        ("trade_no", trade.trade_no.as_str()),
        ("total_amount", amount.as_str()),
        ("sign_type", "RSA2"),
    ];
    let sign =
        certdesk_pay::alipay::sign_notification(&gateway.alipay_key, params.clone()).map_err(|e| e.to_string())?;
    params.push(("sign", &sign));
    url.query_pairs_mut().extend_pairs(params);
    Ok(url.to_string())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn shell(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
<title>{title}</title><style>body{{font-family:system-ui,'Noto Sans CJK SC','Microsoft YaHei',sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#222}}\
.sandbox{{background:#fff7e6;border:1px solid #ffd591;padding:.5rem .75rem;border-radius:4px;font-size:.9rem}}\
.amount{{font-size:2rem;margin:1rem 0}}dl{{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem}}dt{{color:#666}}\
button{{font-size:1rem;padding:.5rem 1.5rem;margin-right:1rem;border-radius:4px;border:1px solid #1677ff;cursor:pointer}}\
.pay{{background:#1677ff;color:#fff}}.cancel{{background:#fff;color:#1677ff}}</style></head><body>\
<p class=\"sandbox\">沙箱支付网关：用于演示、测试和培训，不会真实扣款。</p>{body}</body></html>",
        title = escape(title)
    )
}

/// The cashier for a trade, in its current state.
pub(crate) fn page_for(trade: &Trade) -> Response {
    let provider = match trade.provider {
        Provider::Alipay => "支付宝",
        Provider::Wechat => "微信支付",
    };
    let status = match (trade.state, trade.refunded_fen() > 0) {
        (TradeState::WaitBuyerPay, _) => format!(
            "<form method=\"post\" action=\"/cashier/{id}/pay\" style=\"display:inline\"><button class=\"pay\" type=\"submit\" id=\"confirm-pay\">确认付款</button></form>\
<form method=\"post\" action=\"/cashier/{id}/cancel\" style=\"display:inline\"><button class=\"cancel\" type=\"submit\" id=\"cancel-pay\">取消</button></form>",
            id = escape(&trade.id)
        ),
        (_, true) => "<p id=\"trade-state\" data-state=\"refunded\">已退款。</p>".to_owned(),
        (TradeState::Success, false) => {
            "<p id=\"trade-state\" data-state=\"paid\">支付成功。请回到证书办理台查看订单。</p>".to_owned()
        }
        (TradeState::Closed, false) => {
            "<p id=\"trade-state\" data-state=\"closed\">交易已关闭。请回到证书办理台重新支付或取消。</p>".to_owned()
        }
    };
    let body = format!(
        "<h1>{provider}收银台</h1><div class=\"amount\">¥{amount}</div><dl><dt>商品</dt><dd>{subject}</dd>\
<dt>商户订单号</dt><dd id=\"out-trade-no\">{out_trade_no}</dd><dt>交易号</dt><dd>{trade_no}</dd></dl>{status}",
        amount = certdesk_pay::alipay::amount(trade.amount_fen),
        subject = escape(&trade.subject),
        out_trade_no = escape(&trade.out_trade_no),
        trade_no = escape(&trade.trade_no),
    );
    ([(header::CACHE_CONTROL, "no-store")], Html(shell(&format!("{provider}收银台"), &body))).into_response()
}

pub(crate) fn error_page(status: StatusCode, message: &str) -> Response {
    let body = format!("<h1>无法支付</h1><p id=\"error\">{}</p>", escape(message));
    (status, Html(shell("无法支付", &body))).into_response()
}
