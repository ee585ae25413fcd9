//! The merchant's side over HTTP (feature `client`): what the platform says to a gateway, real or
//! sandbox, and how it reads the answers. Every answer is verified before it is believed.

use crate::wechat::{CallbackHeaders, Merchant, NativeOrder, SignedRequest, Transaction};
use crate::{PayError, Result, RsaSigner, RsaVerifier, alipay};
use serde_json::{Value, json};

fn http_error(e: reqwest::Error) -> PayError {
    PayError::Http(e.to_string())
}

/// `yyyy-MM-dd HH:mm:ss` in Beijing time, as Alipay's `timestamp` parameter wants it.
fn beijing_now() -> String {
    certdesk_core::format_shanghai(&certdesk_core::now_shanghai())
}

/// What a gateway says about a trade when asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TradeQuery {
    /// The gateway has no such trade (never opened, or abandoned before the cashier was shown).
    NotFound,
    /// Paid in full for the expected amount; the gateway's trade number.
    Paid { trade_no: String },
    /// Opened and not paid yet.
    Waiting,
    /// Closed without payment (or refunded in full).
    Closed,
}

/// An Alipay merchant: its app id and key, and Alipay's public key.
pub struct AlipayMerchant {
    /// `https://openapi.alipay.com/gateway.do`, or the sandbox's `/gateway.do`.
    pub gateway_url: String,
    pub app_id: String,
    pub signer: RsaSigner,
    pub alipay_key: RsaVerifier,
    http: reqwest::Client,
}

impl AlipayMerchant {
    pub fn new(gateway_url: String, app_id: String, signer: RsaSigner, alipay_key: RsaVerifier) -> AlipayMerchant {
        let http = reqwest::Client::builder().timeout(std::time::Duration::from_secs(15)).build().unwrap_or_default();
        AlipayMerchant { gateway_url, app_id, signer, alipay_key, http }
    }

    /// The address the browser is sent to for `alipay.trade.page.pay` (its parameters signed, in
    /// the query).
    pub fn page_pay_url(
        &self,
        out_trade_no: &str,
        total_fen: i64,
        subject: &str,
        return_url: &str,
        notify_url: &str,
    ) -> Result<String> {
        let timestamp = beijing_now();
        let params = alipay::PagePay {
            app_id: &self.app_id,
            out_trade_no,
            total_fen,
            subject,
            return_url,
            notify_url,
            timestamp: &timestamp,
        }
        .signed_params(&self.signer)?;
        let mut url = reqwest::Url::parse(&self.gateway_url).map_err(|e| PayError::Http(e.to_string()))?;
        url.query_pairs_mut().extend_pairs(params);
        Ok(url.to_string())
    }

    /// Calls an open API method; the verified `<method>_response` object.
    async fn call(&self, method: &str, biz_content: Value) -> Result<Value> {
        let timestamp = beijing_now();
        let biz = biz_content.to_string();
        let mut params: Vec<(&str, &str)> = vec![
            ("app_id", &self.app_id),
            ("method", method),
            ("charset", "utf-8"),
            ("sign_type", "RSA2"),
            ("timestamp", &timestamp),
            ("version", "1.0"),
            ("biz_content", &biz),
        ];
        let sign = alipay::sign_request(&self.signer, params.clone())?;
        params.push(("sign", &sign));
        let body = self
            .http
            .post(&self.gateway_url)
            .form(&params)
            .send()
            .await
            .map_err(http_error)?
            .text()
            .await
            .map_err(http_error)?;
        alipay::verify_response(&self.alipay_key, &body, method)
    }

    /// `alipay.trade.query`, the answer checked against the amount expected.
    pub async fn query(&self, out_trade_no: &str, expected_fen: i64) -> Result<TradeQuery> {
        let answer = self.call("alipay.trade.query", json!({ "out_trade_no": out_trade_no })).await?;
        let text = |key: &str| answer.get(key).and_then(Value::as_str).unwrap_or("").to_owned();
        if text("code") != "10000" {
            return match text("sub_code").as_str() {
                "ACQ.TRADE_NOT_EXIST" => Ok(TradeQuery::NotFound),
                _ => Err(PayError::Refused { code: text("sub_code"), message: text("sub_msg") }),
            };
        }
        if text("out_trade_no") != out_trade_no || alipay::parse_amount(&text("total_amount"))? != expected_fen {
            return Err(PayError::Malformed("查询结果的订单号或金额不符".into()));
        }
        Ok(match text("trade_status").as_str() {
            "TRADE_SUCCESS" | "TRADE_FINISHED" => TradeQuery::Paid { trade_no: text("trade_no") },
            "WAIT_BUYER_PAY" => TradeQuery::Waiting,
            _ => TradeQuery::Closed,
        })
    }

    /// `alipay.trade.refund`: refunds `fen` under the request number `out_request_no` (asking
    /// again with the same number does not refund twice).
    pub async fn refund(&self, out_trade_no: &str, out_request_no: &str, fen: i64) -> Result<()> {
        let answer = self
            .call(
                "alipay.trade.refund",
                json!({ "out_trade_no": out_trade_no, "out_request_no": out_request_no, "refund_amount": alipay::amount(fen) }),
            )
            .await?;
        let text = |key: &str| answer.get(key).and_then(Value::as_str).unwrap_or("").to_owned();
        if text("code") != "10000" {
            return Err(PayError::Refused { code: text("sub_code"), message: text("sub_msg") });
        }
        Ok(())
    }
}

/// A WeChat Pay merchant: its id, app id, key and APIv3 key, and the platform's public key.
pub struct WechatMerchant {
    /// `https://api.mch.weixin.qq.com`, or the sandbox's address.
    pub base_url: String,
    pub app_id: String,
    pub merchant: Merchant,
    pub platform_serial: String,
    pub platform_key: RsaVerifier,
    pub api_v3_key: [u8; 32],
    http: reqwest::Client,
}

impl WechatMerchant {
    pub fn new(
        base_url: String,
        app_id: String,
        merchant: Merchant,
        platform_serial: String,
        platform_key: RsaVerifier,
        api_v3_key: [u8; 32],
    ) -> WechatMerchant {
        let http = reqwest::Client::builder().timeout(std::time::Duration::from_secs(15)).build().unwrap_or_default();
        WechatMerchant { base_url, app_id, merchant, platform_serial, platform_key, api_v3_key, http }
    }

    /// Sends a signed request; the status and the body, its signature verified.
    async fn send(&self, method: &str, url: &str, body: &str) -> Result<(u16, String)> {
        let mut nonce = [0u8; 16];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut nonce)
            .map_err(|_| PayError::Signing("随机数".into()))?;
        let nonce: String = nonce.iter().map(|b| format!("{b:02X}")).collect();
        let timestamp = chrono::Utc::now().timestamp();
        let authorization =
            self.merchant.authorization(&SignedRequest { method, url, timestamp, nonce: &nonce, body })?;
        let request = match method {
            "GET" => self.http.get(format!("{}{url}", self.base_url)),
            _ => self
                .http
                .post(format!("{}{url}", self.base_url))
                .header("Content-Type", "application/json")
                .body(body.to_owned()),
        };
        let answer = request
            .header("Authorization", authorization)
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(http_error)?;
        let status = answer.status().as_u16();
        let header = |name: &str| answer.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let (ts, nonce, signature, serial) = (
            header("Wechatpay-Timestamp"),
            header("Wechatpay-Nonce"),
            header("Wechatpay-Signature"),
            header("Wechatpay-Serial"),
        );
        let text = answer.text().await.map_err(http_error)?;
        self.verify(&CallbackHeaders { timestamp: &ts, nonce: &nonce, signature: &signature, serial: &serial }, &text)?;
        Ok((status, text))
    }

    fn verify(&self, headers: &CallbackHeaders<'_>, body: &str) -> Result<()> {
        let key = |serial: &str| (serial == self.platform_serial).then_some(&self.platform_key);
        crate::wechat::verify_callback(key, headers, body, chrono::Utc::now().timestamp())
    }

    fn refused(status: u16, body: &str) -> PayError {
        let answer: Value = serde_json::from_str(body).unwrap_or_default();
        let text = |key: &str| answer.get(key).and_then(Value::as_str).unwrap_or("").to_owned();
        PayError::Refused { code: format!("{status} {}", text("code")), message: text("message") }
    }

    /// A Native order: the `code_url` to show as a QR code.
    pub async fn native(
        &self,
        out_trade_no: &str,
        total_fen: i64,
        description: &str,
        notify_url: &str,
    ) -> Result<String> {
        let body = NativeOrder {
            app_id: &self.app_id,
            merchant_id: &self.merchant.merchant_id,
            description,
            out_trade_no,
            total_fen,
            notify_url,
        }
        .body();
        let (status, answer) = self.send("POST", crate::wechat::NATIVE_ORDER_PATH, &body).await?;
        if status != 200 {
            return Err(Self::refused(status, &answer));
        }
        crate::wechat::code_url(&answer)
    }

    /// Queries a trade by the merchant's number, checked against the amount expected.
    pub async fn query(&self, out_trade_no: &str, expected_fen: i64) -> Result<TradeQuery> {
        let url = format!("/v3/pay/transactions/out-trade-no/{out_trade_no}?mchid={}", self.merchant.merchant_id);
        let (status, answer) = self.send("GET", &url, "").await?;
        if status == 404 {
            return Ok(TradeQuery::NotFound);
        }
        if status != 200 {
            return Err(Self::refused(status, &answer));
        }
        let transaction = Transaction::parse(&answer)?;
        let paid = transaction.is_paid_for(&self.merchant.merchant_id, &self.app_id, out_trade_no, expected_fen)?;
        Ok(match transaction.trade_state.as_str() {
            _ if paid => TradeQuery::Paid { trade_no: transaction.transaction_id },
            "NOTPAY" | "USERPAYING" => TradeQuery::Waiting,
            _ => TradeQuery::Closed,
        })
    }

    /// Refunds `refund_fen` of a trade of `total_fen` under `out_refund_no`.
    pub async fn refund(&self, out_trade_no: &str, out_refund_no: &str, refund_fen: i64, total_fen: i64) -> Result<()> {
        let body = json!({
            "out_trade_no": out_trade_no,
            "out_refund_no": out_refund_no,
            "amount": { "refund": refund_fen, "total": total_fen, "currency": "CNY" },
        })
        .to_string();
        let (status, answer) = self.send("POST", "/v3/refund/domestic/refunds", &body).await?;
        if status != 200 {
            return Err(Self::refused(status, &answer));
        }
        Ok(())
    }

    /// A payment callback, verified (signature, serial, five-minute window) and decrypted.
    pub fn open_callback(&self, headers: &CallbackHeaders<'_>, body: &str) -> Result<Transaction> {
        self.verify(headers, body)?;
        let notification = crate::wechat::Notification::parse(body)?;
        Transaction::parse(&notification.decrypt(&self.api_v3_key)?)
    }
}

/// A payment to open: the platform's trade number, the amount, what it is for, and where the
/// browser returns and the gateway notifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TradeRequest<'a> {
    pub out_trade_no: &'a str,
    pub total_fen: i64,
    pub subject: &'a str,
    /// Where the browser returns after paying (page pay only).
    pub return_url: &'a str,
    pub notify_url: &'a str,
}

/// Where the person pays an opened payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// A page to open in the browser (支付宝).
    Page(String),
    /// A code to show as a QR code (微信支付).
    Code(String),
}

/// What a verified notification says. The merchant and app were checked against this merchant;
/// the amount is for the caller to check against the payment it recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub out_trade_no: String,
    pub status: NoticeStatus,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeStatus {
    /// Paid: the gateway's trade number and the amount paid.
    Paid { trade_no: String, total_fen: i64 },
    /// A status that is not payment (waiting, closed): acknowledged, nothing changes.
    NotPaid(String),
}

/// A boxed future, so that [`PaymentProvider`] can be used as `dyn PaymentProvider`.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// One payment provider as a merchant uses it: open a payment, ask about it, refund it, and read
/// its notifications. 支付宝 and 微信支付 (real or sandbox) are the two.
pub trait PaymentProvider: Send + Sync {
    fn open<'a>(&'a self, trade: TradeRequest<'a>) -> BoxFuture<'a, Result<Opened>>;

    /// What the gateway says about the trade, checked against the amount expected.
    fn query<'a>(&'a self, out_trade_no: &'a str, expected_fen: i64) -> BoxFuture<'a, Result<TradeQuery>>;

    /// Refunds `refund_fen` of a trade of `total_fen` under `out_request_no` (the same number again
    /// never refunds twice).
    fn refund<'a>(
        &'a self,
        out_trade_no: &'a str,
        out_request_no: &'a str,
        refund_fen: i64,
        total_fen: i64,
    ) -> BoxFuture<'a, Result<()>>;

    /// Verifies a notification exactly as received (`header` looks its headers up by name) and
    /// reads it.
    fn read_notification(&self, header: &dyn Fn(&str) -> Option<String>, body: &str) -> Result<Notice>;

    /// The answer to a notification: the HTTP status, content type and body that acknowledge it,
    /// or that refuse it with `refusal` (so the gateway sends it again later).
    fn answer_notification(&self, refusal: Option<&str>) -> (u16, &'static str, String);
}

impl PaymentProvider for AlipayMerchant {
    fn open<'a>(&'a self, trade: TradeRequest<'a>) -> BoxFuture<'a, Result<Opened>> {
        Box::pin(async move {
            self.page_pay_url(trade.out_trade_no, trade.total_fen, trade.subject, trade.return_url, trade.notify_url)
                .map(Opened::Page)
        })
    }

    fn query<'a>(&'a self, out_trade_no: &'a str, expected_fen: i64) -> BoxFuture<'a, Result<TradeQuery>> {
        Box::pin(AlipayMerchant::query(self, out_trade_no, expected_fen))
    }

    fn refund<'a>(
        &'a self,
        out_trade_no: &'a str,
        out_request_no: &'a str,
        refund_fen: i64,
        _total_fen: i64,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(AlipayMerchant::refund(self, out_trade_no, out_request_no, refund_fen))
    }

    /// The form body of an asynchronous notification: signature, then app id; the amount is read.
    fn read_notification(&self, _header: &dyn Fn(&str) -> Option<String>, body: &str) -> Result<Notice> {
        let params: Vec<(String, String)> =
            serde_urlencoded::from_str(body).map_err(|e| PayError::Malformed(e.to_string()))?;
        let pairs = || params.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        alipay::verify_notification(&self.alipay_key, pairs())?;
        let get = |key: &'static str| pairs().find(|(k, _)| *k == key).map(|(_, v)| v).ok_or(PayError::Missing(key));
        if get("app_id")? != self.app_id {
            return Err(PayError::Malformed("app_id 不符".into()));
        }
        let out_trade_no = get("out_trade_no")?.to_owned();
        let status = match get("trade_status")? {
            "TRADE_SUCCESS" | "TRADE_FINISHED" => NoticeStatus::Paid {
                trade_no: get("trade_no")?.to_owned(),
                total_fen: alipay::parse_amount(get("total_amount")?)?,
            },
            other => NoticeStatus::NotPaid(other.to_owned()),
        };
        Ok(Notice { out_trade_no, status })
    }

    /// Alipay reads the body: `success`, or anything else to send it again.
    fn answer_notification(&self, refusal: Option<&str>) -> (u16, &'static str, String) {
        (200, "text/plain; charset=utf-8", if refusal.is_some() { "fail" } else { "success" }.to_owned())
    }
}

impl PaymentProvider for WechatMerchant {
    fn open<'a>(&'a self, trade: TradeRequest<'a>) -> BoxFuture<'a, Result<Opened>> {
        Box::pin(async move {
            self.native(trade.out_trade_no, trade.total_fen, trade.subject, trade.notify_url).await.map(Opened::Code)
        })
    }

    fn query<'a>(&'a self, out_trade_no: &'a str, expected_fen: i64) -> BoxFuture<'a, Result<TradeQuery>> {
        Box::pin(WechatMerchant::query(self, out_trade_no, expected_fen))
    }

    fn refund<'a>(
        &'a self,
        out_trade_no: &'a str,
        out_request_no: &'a str,
        refund_fen: i64,
        total_fen: i64,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(WechatMerchant::refund(self, out_trade_no, out_request_no, refund_fen, total_fen))
    }

    /// A callback: signature, serial and time window, decryption, then merchant and app.
    fn read_notification(&self, header: &dyn Fn(&str) -> Option<String>, body: &str) -> Result<Notice> {
        let get = |name: &str| header(name).unwrap_or_default();
        let (timestamp, nonce, signature, serial) =
            (get("Wechatpay-Timestamp"), get("Wechatpay-Nonce"), get("Wechatpay-Signature"), get("Wechatpay-Serial"));
        let callback = CallbackHeaders { timestamp: &timestamp, nonce: &nonce, signature: &signature, serial: &serial };
        let transaction = self.open_callback(&callback, body)?;
        if transaction.mchid != self.merchant.merchant_id || transaction.appid != self.app_id {
            return Err(PayError::Malformed("商户号或应用不符".into()));
        }
        let status = match transaction.trade_state.as_str() {
            "SUCCESS" => {
                NoticeStatus::Paid { trade_no: transaction.transaction_id, total_fen: transaction.amount.total }
            }
            other => NoticeStatus::NotPaid(other.to_owned()),
        };
        Ok(Notice { out_trade_no: transaction.out_trade_no, status })
    }

    /// WeChat Pay reads the status: 2xx acknowledges; an error status with `{code, message}` refuses.
    fn answer_notification(&self, refusal: Option<&str>) -> (u16, &'static str, String) {
        match refusal {
            None => (204, "application/json", String::new()),
            Some(message) => (400, "application/json", json!({"code": "FAIL", "message": message}).to_string()),
        }
    }
}
