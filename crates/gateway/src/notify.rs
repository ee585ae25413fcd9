//! Asynchronous notifications: sent when a trade is paid and retried on the provider's schedule
//! until the merchant acknowledges one (Alipay: the body `success`; WeChat Pay: a 2xx status).

use crate::state::{Gateway, Provider, Refund, RefundState, Trade};
use crate::{Result, keys::random_token};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// The waits before each attempt, the first counted from the payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifySchedule(pub Vec<Duration>);

impl NotifySchedule {
    /// Alipay's documented schedule: at once, then 4m, 10m, 10m, 1h, 2h, 6h, 15h (8 attempts in 25 h).
    pub fn alipay() -> NotifySchedule {
        let minutes = [0, 4, 10, 10, 60, 120, 360, 900];
        NotifySchedule(minutes.iter().map(|m| Duration::from_secs(m * 60)).collect())
    }

    /// WeChat Pay's documented schedule: at once, then 15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h.
    pub fn wechat() -> NotifySchedule {
        let seconds = [0, 15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600];
        NotifySchedule(seconds.iter().map(|s| Duration::from_secs(*s)).collect())
    }

    /// `attempts` attempts, `gap` apart, the first at once: for tests and training.
    pub fn every(gap: Duration, attempts: usize) -> NotifySchedule {
        NotifySchedule((0..attempts).map(|i| if i == 0 { Duration::ZERO } else { gap }).collect())
    }
}

/// What a notification tells the merchant.
#[derive(Debug, Clone)]
enum Event {
    Paid(Trade),
    /// WeChat Pay only: a refund's final result (Alipay's merchants query theirs).
    Refund(Trade, Refund),
}

impl Event {
    fn trade(&self) -> &Trade {
        match self {
            Event::Paid(trade) | Event::Refund(trade, _) => trade,
        }
    }
}

/// Starts delivering the notification of a trade just paid, in the background.
pub(crate) fn spawn_delivery(gateway: Arc<Gateway>, trade: Trade) {
    spawn(gateway, Event::Paid(trade));
}

/// Starts delivering a WeChat Pay refund's result to the address its request gave, if any.
pub(crate) fn spawn_refund_delivery(gateway: Arc<Gateway>, trade: Trade, refund: Refund) {
    if trade.provider == Provider::Wechat && refund.notify_url.is_some() {
        spawn(gateway, Event::Refund(trade, refund));
    }
}

fn spawn(gateway: Arc<Gateway>, event: Event) {
    tokio::spawn(async move {
        let trade = event.trade();
        let schedule = match trade.provider {
            Provider::Alipay => gateway.alipay_notify.clone(),
            Provider::Wechat => gateway.wechat_notify.clone(),
        };
        for (attempt, wait) in schedule.0.iter().enumerate() {
            tokio::time::sleep(*wait).await;
            match deliver_once(&gateway, &event).await {
                Ok(true) => {
                    gateway.delivered.fetch_add(1, Ordering::SeqCst);
                    tracing::info!(out_trade_no = %trade.out_trade_no, attempt, "notification acknowledged");
                    return;
                }
                Ok(false) => {
                    tracing::warn!(out_trade_no = %trade.out_trade_no, attempt, "notification not acknowledged")
                }
                Err(e) => {
                    tracing::warn!(out_trade_no = %trade.out_trade_no, attempt, error = %e, "notification failed")
                }
            }
        }
        tracing::warn!(out_trade_no = %trade.out_trade_no, "notification given up; the merchant must query");
    });
}

async fn deliver_once(gateway: &Gateway, event: &Event) -> Result<bool> {
    let trade = event.trade();
    let request = match event {
        Event::Paid(trade) if trade.provider == Provider::Alipay => {
            gateway.http.post(&trade.notify_url).form(&alipay_notification(gateway, trade)?)
        }
        Event::Paid(_) | Event::Refund(..) => {
            let (url, (body, headers)) = match event {
                Event::Paid(trade) => (trade.notify_url.as_str(), wechat_notification(gateway, trade)?),
                Event::Refund(trade, refund) => (
                    refund.notify_url.as_deref().unwrap_or_default(),
                    wechat_refund_notification(gateway, trade, refund)?,
                ),
            };
            let mut request = gateway.http.post(url).header("Content-Type", "application/json");
            for (name, value) in headers {
                request = request.header(name, value);
            }
            request.body(body)
        }
    };
    let answer = request.send().await.map_err(|e| crate::GatewayError::Http(e.to_string()))?;
    let ok = answer.status().is_success();
    let text = answer.text().await.unwrap_or_default();
    Ok(match trade.provider {
        Provider::Alipay => ok && text.trim() == "success",
        Provider::Wechat => ok,
    })
}

/// The signed form parameters of an Alipay `trade_status_sync` notification.
pub(crate) fn alipay_notification(gateway: &Gateway, trade: &Trade) -> Result<Vec<(String, String)>> {
    let now = certdesk_core::format_shanghai(&certdesk_core::now_shanghai());
    let paid = trade.paid_at.as_ref().map(certdesk_core::format_shanghai).unwrap_or_default();
    let amount = certdesk_pay::alipay::amount(trade.amount_fen);
    let seller_id = gateway.alipay_seller_id(&trade.app_id).unwrap_or_default();
    let mut params: Vec<(String, String)> = [
        ("notify_time", now.as_str()),
        ("notify_type", "trade_status_sync"),
        ("notify_id", &random_token(32)),
        ("app_id", &trade.app_id),
        ("seller_id", &seller_id),
        ("charset", "utf-8"),
        ("version", "1.0"),
        ("sign_type", "RSA2"),
        ("trade_no", &trade.trade_no),
        ("out_trade_no", &trade.out_trade_no),
        ("total_amount", &amount),
        ("receipt_amount", &amount),
        ("trade_status", trade.alipay_status()),
        ("gmt_payment", &paid),
        ("subject", &trade.subject),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let sign = certdesk_pay::alipay::sign_notification(
        &gateway.alipay_key,
        params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    )?;
    params.push(("sign".into(), sign));
    Ok(params)
}

/// The transaction as WeChat Pay describes it, in queries and (encrypted) in callbacks.
pub(crate) fn wechat_transaction(trade: &Trade) -> serde_json::Value {
    serde_json::json!({
        "appid": trade.app_id,
        "mchid": trade.merchant,
        "out_trade_no": trade.out_trade_no,
        "transaction_id": trade.trade_no,
        "trade_type": "NATIVE",
        "trade_state": trade.wechat_state(),
        "trade_state_desc": match trade.wechat_state() { "SUCCESS" => "支付成功", "NOTPAY" => "未支付", "REFUND" => "转入退款", _ => "已关闭" },
        "success_time": trade.paid_at.map(|t| t.to_rfc3339()),
        "amount": { "total": trade.amount_fen, "payer_total": trade.amount_fen, "currency": "CNY", "payer_currency": "CNY" },
    })
}

/// A WeChat Pay callback: the JSON body (the transaction sealed with the merchant's APIv3 key) and
/// its `Wechatpay-*` headers.
pub(crate) fn wechat_notification(gateway: &Gateway, trade: &Trade) -> Result<(String, Vec<(&'static str, String)>)> {
    let transaction = wechat_transaction(trade).to_string();
    wechat_callback(gateway, trade, "TRANSACTION.SUCCESS", "transaction", "支付成功", &transaction)
}

/// A refund's result as WeChat Pay describes it: in answers, queries and (encrypted) callbacks.
pub(crate) fn wechat_refund(trade: &Trade, refund: &Refund) -> serde_json::Value {
    serde_json::json!({
        "mchid": trade.merchant,
        "refund_id": refund.refund_id,
        "out_refund_no": refund.out_request_no,
        "transaction_id": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "status": refund.state.wechat_status(),
        "success_time": refund.finished_at.filter(|_| refund.state == RefundState::Success).map(|t| t.to_rfc3339()),
        "amount": { "refund": refund.fen, "total": trade.amount_fen, "payer_refund": refund.fen,
            "payer_total": trade.amount_fen, "currency": "CNY" },
    })
}

fn wechat_refund_notification(
    gateway: &Gateway,
    trade: &Trade,
    refund: &Refund,
) -> Result<(String, Vec<(&'static str, String)>)> {
    let (event_type, summary) = match refund.state {
        RefundState::Success => ("REFUND.SUCCESS", "退款成功"),
        RefundState::Abnormal => ("REFUND.ABNORMAL", "退款异常"),
        RefundState::Closed | RefundState::Processing => ("REFUND.CLOSED", "退款关闭"),
    };
    // A notification names the state `refund_status` where answers and queries say `status`.
    let mut plaintext = wechat_refund(trade, refund);
    if let Some(fields) = plaintext.as_object_mut() {
        let status = fields.remove("status").unwrap_or_default();
        fields.insert("refund_status".into(), status);
    }
    wechat_callback(gateway, trade, event_type, "refund", summary, &plaintext.to_string())
}

/// A callback of `event_type` whose resource is `plaintext` sealed with the merchant's APIv3 key.
fn wechat_callback(
    gateway: &Gateway,
    trade: &Trade,
    event_type: &str,
    original_type: &str,
    summary: &str,
    plaintext: &str,
) -> Result<(String, Vec<(&'static str, String)>)> {
    let (_, api_v3_key) = gateway
        .merchant_key(Provider::Wechat, &trade.merchant)
        .ok_or_else(|| crate::GatewayError::Registry(format!("商户 {} 未注册", trade.merchant)))?;
    let key: [u8; 32] =
        api_v3_key.as_bytes().try_into().map_err(|_| crate::GatewayError::Registry("APIv3 密钥".into()))?;
    let resource = certdesk_pay::wechat::EncryptedResource::seal(&key, &random_token(12), original_type, plaintext)?;
    let body = serde_json::json!({
        "id": format!("EV-{}", random_token(20)),
        "create_time": certdesk_core::now_shanghai().to_rfc3339(),
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": summary,
        "resource": {
            "original_type": original_type,
            "algorithm": resource.algorithm,
            "ciphertext": resource.ciphertext,
            "associated_data": resource.associated_data,
            "nonce": resource.nonce,
        },
    })
    .to_string();
    Ok((body.clone(), wechat_signature_headers(gateway, &body)?))
}

/// The `Wechatpay-*` headers that sign an answer's or a callback's body.
pub(crate) fn wechat_signature_headers(gateway: &Gateway, body: &str) -> Result<Vec<(&'static str, String)>> {
    let timestamp = chrono::Utc::now().timestamp();
    let nonce = random_token(32);
    let signature = certdesk_pay::wechat::sign_callback(&gateway.wechat_key, timestamp, &nonce, body)?;
    Ok(vec![
        ("Wechatpay-Timestamp", timestamp.to_string()),
        ("Wechatpay-Nonce", nonce),
        ("Wechatpay-Signature", signature),
        ("Wechatpay-Serial", gateway.wechat_serial.clone()),
        ("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048".to_owned()),
    ])
}
