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
    /// The merchant's Alipay user id (PID, `2088…`): a notification naming another seller is refused.
    pub seller_id: String,
    pub signer: RsaSigner,
    pub alipay_key: RsaVerifier,
    http: reqwest::Client,
}

impl AlipayMerchant {
    pub fn new(
        gateway_url: String,
        app_id: String,
        seller_id: String,
        signer: RsaSigner,
        alipay_key: RsaVerifier,
    ) -> AlipayMerchant {
        let http = reqwest::Client::builder().timeout(std::time::Duration::from_secs(15)).build().unwrap_or_default();
        AlipayMerchant { gateway_url, app_id, seller_id, signer, alipay_key, http }
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

    /// `alipay.trade.refund`: asks to refund `fen` under the request number `out_request_no`
    /// (asking again with the same number does not refund twice). An accepted request is only
    /// [`RefundOutcome::Processing`]: the refund query confirms it.
    pub async fn refund(&self, out_trade_no: &str, out_request_no: &str, fen: i64) -> Result<RefundOutcome> {
        let answer = self
            .call(
                "alipay.trade.refund",
                json!({ "out_trade_no": out_trade_no, "out_request_no": out_request_no, "refund_amount": alipay::amount(fen) }),
            )
            .await?;
        let text = |key: &str| answer.get(key).and_then(Value::as_str).unwrap_or("").to_owned();
        Ok(match text("code").as_str() {
            "10000" => RefundOutcome::Processing,
            // A signed business refusal (the balance, the trade's state) is Alipay's last word on
            // this request; a system error (20000) may pass, and is asked again.
            "40004" => RefundOutcome::Failed(format!("{}（{}）", text("sub_msg"), text("sub_code"))),
            _ => return Err(PayError::Refused { code: text("sub_code"), message: text("sub_msg") }),
        })
    }

    /// `alipay.trade.fastpay.refund.query`: `REFUND_SUCCESS` confirms the refund; an answer with
    /// no refund in it means Alipay never received the request (`None`: send it again).
    pub async fn query_refund(&self, out_trade_no: &str, out_request_no: &str) -> Result<Option<RefundOutcome>> {
        let answer = self
            .call(
                "alipay.trade.fastpay.refund.query",
                json!({ "out_trade_no": out_trade_no, "out_request_no": out_request_no }),
            )
            .await?;
        let text = |key: &str| answer.get(key).and_then(Value::as_str).unwrap_or("").to_owned();
        if text("code") != "10000" {
            return match text("sub_code").as_str() {
                "ACQ.TRADE_NOT_EXIST" => Ok(None),
                _ => Err(PayError::Refused { code: text("sub_code"), message: text("sub_msg") }),
            };
        }
        if text("out_request_no").is_empty() {
            return Ok(None);
        }
        if text("out_request_no") != out_request_no || text("out_trade_no") != out_trade_no {
            return Err(PayError::Malformed("退款查询结果的单号不符".into()));
        }
        Ok(Some(if text("refund_status") == "REFUND_SUCCESS" {
            RefundOutcome::Succeeded
        } else {
            RefundOutcome::Processing
        }))
    }
}

impl AlipayMerchant {
    /// The day's trade bill (业务明细): `alipay.data.dataservice.bill.downloadurl.query`, then the
    /// zip it names. A day with no bill yet is an error (the bill comes the next morning).
    pub async fn bill(&self, day: chrono::NaiveDate) -> Result<Vec<crate::bill::BillLine>> {
        let answer = self
            .call(
                "alipay.data.dataservice.bill.downloadurl.query",
                json!({ "bill_type": "trade", "bill_date": day.format("%Y-%m-%d").to_string() }),
            )
            .await?;
        let text = |key: &str| answer.get(key).and_then(Value::as_str).unwrap_or("").to_owned();
        if text("code") != "10000" {
            return Err(PayError::Refused { code: text("sub_code"), message: text("sub_msg") });
        }
        let bytes = self.http.get(text("bill_download_url")).send().await.map_err(http_error)?;
        if !bytes.status().is_success() {
            return Err(PayError::Http(format!("账单下载失败：{}", bytes.status())));
        }
        crate::bill::unzip_alipay_bill(&bytes.bytes().await.map_err(http_error)?)
    }
}

/// Where a refund stands, in the gateway's final or passing word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundOutcome {
    /// Accepted, not confirmed yet: ask again (or wait for WeChat Pay's refund notification).
    Processing,
    /// The money is back with the payer.
    Succeeded,
    /// Refused or closed without the money moving: staff must see to it.
    Failed(String),
    /// WeChat Pay's ABNORMAL: the money could not reach the payer (a closed card); staff must see
    /// to it with the payer.
    Abnormal(String),
}

impl RefundOutcome {
    /// A WeChat Pay refund `status`.
    fn from_wechat(status: &str) -> Result<RefundOutcome> {
        Ok(match status {
            "SUCCESS" => RefundOutcome::Succeeded,
            "PROCESSING" => RefundOutcome::Processing,
            "CLOSED" => RefundOutcome::Failed("退款关闭".into()),
            "ABNORMAL" => RefundOutcome::Abnormal("退款异常：退款到银行发现用户的卡作废或者冻结了".into()),
            other => return Err(PayError::Malformed(format!("退款状态 {other}"))),
        })
    }
}

/// A WeChat Pay refund as its answers, queries and (decrypted) notifications describe it.
#[derive(Debug, Clone, serde::Deserialize)]
struct Refund {
    #[serde(default)]
    mchid: Option<String>,
    out_trade_no: String,
    out_refund_no: String,
    /// `status` in answers and queries, `refund_status` in notifications.
    #[serde(alias = "refund_status")]
    status: String,
    amount: RefundAmount,
}

#[derive(Debug, Clone, serde::Deserialize)]
struct RefundAmount {
    refund: i64,
}

impl Refund {
    fn parse(text: &str) -> Result<Refund> {
        serde_json::from_str(text).map_err(|e| PayError::Malformed(e.to_string()))
    }

    /// The refund, when it is this merchant's (where it says), for this trade and request.
    fn checked(self, merchant_id: &str, out_trade_no: &str, out_refund_no: &str) -> Result<Refund> {
        if self.mchid.as_deref().is_some_and(|m| m != merchant_id)
            || self.out_trade_no != out_trade_no
            || self.out_refund_no != out_refund_no
        {
            return Err(PayError::Malformed("退款的商户号或单号不符".into()));
        }
        Ok(self)
    }

    fn status(&self) -> Result<RefundOutcome> {
        RefundOutcome::from_wechat(&self.status)
    }
}

/// A request's nonce: 32 random hex characters.
fn nonce() -> Result<String> {
    let mut nonce = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut nonce)
        .map_err(|_| PayError::Signing("随机数".into()))?;
    Ok(nonce.iter().map(|b| format!("{b:02X}")).collect())
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
        let nonce = nonce()?;
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

    /// Asks to refund `refund_fen` of a trade of `total_fen` under `out_refund_no`; the result
    /// comes to `notify_url`, and the refund query confirms it.
    pub async fn refund(
        &self,
        out_trade_no: &str,
        out_refund_no: &str,
        refund_fen: i64,
        total_fen: i64,
        notify_url: &str,
    ) -> Result<RefundOutcome> {
        let body = json!({
            "out_trade_no": out_trade_no,
            "out_refund_no": out_refund_no,
            "notify_url": notify_url,
            "amount": { "refund": refund_fen, "total": total_fen, "currency": "CNY" },
        })
        .to_string();
        let (status, answer) = self.send("POST", "/v3/refund/domestic/refunds", &body).await?;
        match status {
            200 => {}
            // Signed business refusals (the balance, the trade): WeChat Pay's word on this request.
            400 | 403 | 404 => {
                let PayError::Refused { code, message } = Self::refused(status, &answer) else { unreachable!() };
                return Ok(RefundOutcome::Failed(format!("{message}（{code}）")));
            }
            _ => return Err(Self::refused(status, &answer)),
        }
        // SUCCESS in the answer still waits for the query or the notification to confirm it.
        match Refund::parse(&answer)?.checked(&self.merchant.merchant_id, out_trade_no, out_refund_no)?.status()? {
            RefundOutcome::Succeeded => Ok(RefundOutcome::Processing),
            other => Ok(other),
        }
    }

    /// `GET /v3/refund/domestic/refunds/{out_refund_no}`: where the refund stands; `None` when
    /// WeChat Pay has no such refund (send it again).
    pub async fn query_refund(&self, out_trade_no: &str, out_refund_no: &str) -> Result<Option<RefundOutcome>> {
        let (status, answer) = self.send("GET", &format!("/v3/refund/domestic/refunds/{out_refund_no}"), "").await?;
        match status {
            200 => Refund::parse(&answer)?
                .checked(&self.merchant.merchant_id, out_trade_no, out_refund_no)?
                .status()
                .map(Some),
            404 => Ok(None),
            _ => Err(Self::refused(status, &answer)),
        }
    }

    /// The day's trade bill (`GET /v3/bill/tradebill`, `bill_type=ALL`): the signed answer names
    /// the file and its SHA-1; the file (unsigned, as WeChat Pay serves it) must have that hash.
    pub async fn bill(&self, day: chrono::NaiveDate) -> Result<Vec<crate::bill::BillLine>> {
        let url = format!("/v3/bill/tradebill?bill_date={}&bill_type=ALL", day.format("%Y-%m-%d"));
        let (status, answer) = self.send("GET", &url, "").await?;
        if status != 200 {
            return Err(Self::refused(status, &answer));
        }
        #[derive(serde::Deserialize)]
        struct Answer {
            hash_type: String,
            hash_value: String,
            download_url: String,
        }
        let answer: Answer = serde_json::from_str(&answer).map_err(|e| PayError::Malformed(e.to_string()))?;
        let download = reqwest::Url::parse(&answer.download_url).map_err(|e| PayError::Malformed(e.to_string()))?;
        let path = match download.query() {
            Some(query) => format!("{}?{query}", download.path()),
            None => download.path().to_owned(),
        };
        let (timestamp, nonce) = (chrono::Utc::now().timestamp(), nonce()?);
        let authorization = self.merchant.authorization(&SignedRequest {
            method: "GET",
            url: &path,
            timestamp,
            nonce: &nonce,
            body: "",
        })?;
        let file = self
            .http
            .get(download)
            .header("Authorization", authorization)
            .send()
            .await
            .map_err(http_error)?
            .bytes()
            .await
            .map_err(http_error)?;
        if !answer.hash_type.eq_ignore_ascii_case("SHA1")
            || crate::bill::sha1_hex(&file) != answer.hash_value.to_lowercase()
        {
            return Err(PayError::Malformed("账单文件的摘要不符".into()));
        }
        crate::bill::parse_wechat_bill(&String::from_utf8_lossy(&file))
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
    /// A refund's result (WeChat Pay's refund notification): its request number, what became of
    /// it and the amount refunded.
    Refund { out_refund_no: String, outcome: RefundOutcome, refund_fen: i64 },
}

/// A refund to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundRequest<'a> {
    pub out_trade_no: &'a str,
    /// The merchant's number for the refund: asking again under it never refunds twice.
    pub out_request_no: &'a str,
    pub refund_fen: i64,
    pub total_fen: i64,
    /// Where WeChat Pay sends the refund's result.
    pub notify_url: &'a str,
}

/// A boxed future, so that [`PaymentProvider`] can be used as `dyn PaymentProvider`.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// One payment provider as a merchant uses it: open a payment, ask about it, refund it, and read
/// its notifications. 支付宝 and 微信支付 (real or sandbox) are the two.
pub trait PaymentProvider: Send + Sync {
    fn open<'a>(&'a self, trade: TradeRequest<'a>) -> BoxFuture<'a, Result<Opened>>;

    /// What the gateway says about the trade, checked against the amount expected.
    fn query<'a>(&'a self, out_trade_no: &'a str, expected_fen: i64) -> BoxFuture<'a, Result<TradeQuery>>;

    /// Asks to refund `refund_fen` of a trade of `total_fen` under `out_request_no` (the same
    /// number again never refunds twice). An accepted request is [`RefundOutcome::Processing`]
    /// until [`PaymentProvider::query_refund`] or a refund notification confirms it; an error is
    /// no answer at all (ask again).
    fn refund<'a>(&'a self, refund: RefundRequest<'a>) -> BoxFuture<'a, Result<RefundOutcome>>;

    /// Where the refund stands at the gateway; `None` when it has no such refund.
    fn query_refund<'a>(
        &'a self,
        out_trade_no: &'a str,
        out_request_no: &'a str,
    ) -> BoxFuture<'a, Result<Option<RefundOutcome>>>;

    /// The day's bill (Beijing day): every payment and refund the gateway made for this merchant.
    fn bill(&self, day: chrono::NaiveDate) -> BoxFuture<'_, Result<Vec<crate::bill::BillLine>>>;

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

    fn refund<'a>(&'a self, refund: RefundRequest<'a>) -> BoxFuture<'a, Result<RefundOutcome>> {
        Box::pin(AlipayMerchant::refund(self, refund.out_trade_no, refund.out_request_no, refund.refund_fen))
    }

    fn query_refund<'a>(
        &'a self,
        out_trade_no: &'a str,
        out_request_no: &'a str,
    ) -> BoxFuture<'a, Result<Option<RefundOutcome>>> {
        Box::pin(AlipayMerchant::query_refund(self, out_trade_no, out_request_no))
    }

    fn bill(&self, day: chrono::NaiveDate) -> BoxFuture<'_, Result<Vec<crate::bill::BillLine>>> {
        Box::pin(AlipayMerchant::bill(self, day))
    }

    /// The form body of an asynchronous notification: verified (each key once), then the app and
    /// the seller; everything is read from the verified parameters.
    fn read_notification(&self, _header: &dyn Fn(&str) -> Option<String>, body: &str) -> Result<Notice> {
        let notification = alipay::verify_notification_form(&self.alipay_key, body)?;
        if notification.get("app_id")? != self.app_id {
            return Err(PayError::Malformed("app_id 不符".into()));
        }
        if notification.get("seller_id")? != self.seller_id {
            return Err(PayError::Malformed("seller_id 不符".into()));
        }
        let out_trade_no = notification.get("out_trade_no")?.to_owned();
        let status = match notification.get("trade_status")? {
            "TRADE_SUCCESS" | "TRADE_FINISHED" => NoticeStatus::Paid {
                trade_no: notification.get("trade_no")?.to_owned(),
                total_fen: alipay::parse_amount(notification.get("total_amount")?)?,
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

    fn refund<'a>(&'a self, refund: RefundRequest<'a>) -> BoxFuture<'a, Result<RefundOutcome>> {
        Box::pin(WechatMerchant::refund(
            self,
            refund.out_trade_no,
            refund.out_request_no,
            refund.refund_fen,
            refund.total_fen,
            refund.notify_url,
        ))
    }

    fn query_refund<'a>(
        &'a self,
        out_trade_no: &'a str,
        out_request_no: &'a str,
    ) -> BoxFuture<'a, Result<Option<RefundOutcome>>> {
        Box::pin(WechatMerchant::query_refund(self, out_trade_no, out_request_no))
    }

    fn bill(&self, day: chrono::NaiveDate) -> BoxFuture<'_, Result<Vec<crate::bill::BillLine>>> {
        Box::pin(WechatMerchant::bill(self, day))
    }

    /// A callback: signature, serial and time window, decryption, then merchant and app; only
    /// the decrypted resource is read.
    fn read_notification(&self, header: &dyn Fn(&str) -> Option<String>, body: &str) -> Result<Notice> {
        let get = |name: &str| header(name).unwrap_or_default();
        let (timestamp, nonce, signature, serial) =
            (get("Wechatpay-Timestamp"), get("Wechatpay-Nonce"), get("Wechatpay-Signature"), get("Wechatpay-Serial"));
        let callback = CallbackHeaders { timestamp: &timestamp, nonce: &nonce, signature: &signature, serial: &serial };
        self.verify(&callback, body)?;
        let notification = crate::wechat::Notification::parse(body)?;
        let plaintext = notification.decrypt(&self.api_v3_key)?;
        if notification.event_type.starts_with("REFUND.") {
            let refund = Refund::parse(&plaintext)?;
            if refund.mchid.as_deref() != Some(self.merchant.merchant_id.as_str()) {
                return Err(PayError::Malformed("商户号不符".into()));
            }
            let (outcome, refund_fen) = (refund.status()?, refund.amount.refund);
            let status = NoticeStatus::Refund { out_refund_no: refund.out_refund_no, outcome, refund_fen };
            return Ok(Notice { out_trade_no: refund.out_trade_no, status });
        }
        let transaction = Transaction::parse(&plaintext)?;
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
