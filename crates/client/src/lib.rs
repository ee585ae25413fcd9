//! A typed client for the platform's `/v1` API: one struct owning the HTTP client, the base URL and
//! the timeout; typed requests and responses; every failure mapped to [`ClientError`].

use certdesk_api::{
    ApiError, ApplicantLogin, ApplicantRegistration, ApplicantSession, CalendarDocument, ErrorCode, EventFeed,
    FaceAttemptResult, FaceAttemptsView, IDEMPOTENCY_KEY, OrderDetail, OrderPage, OrderQuery, OrderSummary,
    PaymentProgress, PaymentStart, PlatformSettings, Provider, StartPayment, SubmitOrder,
};
use certdesk_core::OrderNumber;
use reqwest::{Method, RequestBuilder};
use serde::de::DeserializeOwned;
use std::sync::{Arc, RwLock};
use std::time::Duration;

mod staff;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The platform answered with its `{code, message}` error.
    #[error("{0}")]
    Api(ApiError),
    /// The platform could not be reached (refused, timed out, DNS).
    #[error("无法连接平台：{0}")]
    Unreachable(String),
    /// The platform answered with something that is not the contract.
    #[error("平台返回了无法识别的响应：{0}")]
    Protocol(String),
}

pub type Result<T, E = ClientError> = std::result::Result<T, E>;

impl From<ClientError> for ApiError {
    fn from(e: ClientError) -> ApiError {
        match e {
            ClientError::Api(api) => api,
            ClientError::Unreachable(_) => ApiError::new(ErrorCode::Unavailable, "无法连接平台，请检查网络后重试"),
            ClientError::Protocol(_) => ApiError::new(ErrorCode::Internal, "平台返回了无法识别的响应，请稍后重试"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct PlatformClient {
    http: reqwest::Client,
    base_url: String,
    /// The session token sent as `Authorization: Bearer`, once logged in; shared by the clones, so
    /// logging in or out takes effect for every holder.
    token: Arc<RwLock<Option<String>>>,
}

impl PlatformClient {
    /// `base_url` like `http://127.0.0.1:8080`; a trailing slash is ignored.
    pub fn new(base_url: impl Into<String>) -> Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("certdesk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        let base_url = base_url.into().trim_end_matches('/').to_owned();
        Ok(PlatformClient { http, base_url, token: Arc::new(RwLock::new(None)) })
    }

    /// The same client, sending `token` with every request.
    pub fn with_session(self, token: impl Into<String>) -> Self {
        self.set_session(Some(token.into()));
        self
    }

    /// Starts (`Some`) or ends (`None`) sending a session token.
    pub fn set_session(&self, token: Option<String>) {
        *self.token.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = token;
    }

    pub fn has_session(&self) -> bool {
        self.token.read().unwrap_or_else(|poisoned| poisoned.into_inner()).is_some()
    }

    /// Ends the session on the platform (the token stops working there too).
    pub async fn log_out(&self) -> Result<()> {
        // 204 No Content: only the status matters.
        answer(self.request(Method::DELETE, "/v1/sessions")).await.map(|_| ())
    }

    /// Registers an organisation's applicant account; the session it returns is logged in.
    pub async fn register(&self, registration: &ApplicantRegistration) -> Result<ApplicantSession> {
        send(self.request(Method::POST, "/v1/accounts").json(registration)).await
    }

    pub async fn log_in(&self, login: &ApplicantLogin) -> Result<ApplicantSession> {
        send(self.request(Method::POST, "/v1/sessions").json(login)).await
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let request = self.http.request(method, format!("{}{path}", self.base_url));
        match self.token.read().unwrap_or_else(|poisoned| poisoned.into_inner()).as_deref() {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    pub async fn providers(&self) -> Result<Vec<Provider>> {
        send(self.request(Method::GET, "/v1/providers")).await
    }

    /// Submits an application. With an `idempotency_key`, a retry after a lost answer returns the
    /// order the first attempt created instead of a second one.
    pub async fn submit_order(&self, form: &SubmitOrder, idempotency_key: Option<&str>) -> Result<OrderSummary> {
        let mut request = self.request(Method::POST, "/v1/orders").json(form);
        if let Some(key) = idempotency_key {
            request = request.header(IDEMPOTENCY_KEY, key);
        }
        send(request).await
    }

    pub async fn order_detail(&self, order_no: &OrderNumber) -> Result<OrderDetail> {
        send(self.request(Method::GET, &format!("/v1/orders/{order_no}/detail"))).await
    }

    /// 证书信息: the order's certificates.
    pub async fn order_certificates(&self, order_no: &OrderNumber) -> Result<Vec<certdesk_api::CertificateRecord>> {
        send(self.request(Method::GET, &format!("/v1/orders/{order_no}/certificates"))).await
    }

    /// A CA服务商's issuing CA: its algorithm and chain.
    pub async fn ca_info(&self, provider_id: &str) -> Result<certdesk_api::CaInfo> {
        send(self.request(Method::GET, &format!("/v1/ca/{provider_id}"))).await
    }

    /// An applicant's own step on an order: `paper-documents`, `cancel` or `invoice`.
    async fn applicant_step(&self, order_no: &OrderNumber, step: &str) -> Result<OrderSummary> {
        send(self.request(Method::POST, &format!("/v1/orders/{order_no}/{step}")).json(&serde_json::json!({}))).await
    }

    /// 邮寄纸质资料: verify by mailing paper documents instead of face capture.
    pub async fn choose_paper_documents(&self, order_no: &OrderNumber) -> Result<OrderSummary> {
        self.applicant_step(order_no, "paper-documents").await
    }

    /// 撤销.
    pub async fn cancel(&self, order_no: &OrderNumber) -> Result<OrderSummary> {
        self.applicant_step(order_no, "cancel").await
    }

    /// 发票申请 with the dialog's fields.
    pub async fn request_invoice(
        &self,
        order_no: &OrderNumber,
        form: &certdesk_api::InvoiceApplication,
    ) -> Result<OrderSummary> {
        send(self.request(Method::POST, &format!("/v1/orders/{order_no}/invoice")).json(form)).await
    }

    /// The order's electronic invoice.
    pub async fn invoice(&self, order_no: &OrderNumber) -> Result<certdesk_api::InvoiceRecord> {
        send(self.request(Method::GET, &format!("/v1/orders/{order_no}/invoice"))).await
    }

    /// Its PDF.
    pub async fn invoice_pdf(&self, order_no: &OrderNumber) -> Result<Vec<u8>> {
        send_bytes(self.request(Method::GET, &format!("/v1/orders/{order_no}/invoice.pdf"))).await
    }

    /// 重新发送 the invoice, to `email` if corrected.
    pub async fn resend_invoice(
        &self,
        order_no: &OrderNumber,
        email: Option<&str>,
    ) -> Result<certdesk_api::InvoiceRecord> {
        let body = certdesk_api::InvoiceResend { email: email.map(str::to_owned) };
        send(self.request(Method::POST, &format!("/v1/orders/{order_no}/invoice/resend")).json(&body)).await
    }

    /// 账户设置.
    pub async fn account_settings(&self) -> Result<certdesk_api::AccountSettings> {
        send(self.request(Method::GET, "/v1/account/settings")).await
    }

    pub async fn change_account_settings(
        &self,
        settings: &certdesk_api::AccountSettings,
    ) -> Result<certdesk_api::AccountSettings> {
        send(self.request(Method::PUT, "/v1/account/settings").json(settings)).await
    }

    pub async fn orders(&self, query: &OrderQuery) -> Result<OrderPage> {
        send(self.request(Method::GET, "/v1/orders").query(query)).await
    }

    pub async fn settings(&self) -> Result<PlatformSettings> {
        send(self.request(Method::GET, "/v1/settings")).await
    }

    pub async fn calendar(&self) -> Result<CalendarDocument> {
        send(self.request(Method::GET, "/v1/calendar")).await
    }

    /// 编辑: the application as submitted, the ID number masked.
    pub async fn application(&self, order_no: &OrderNumber) -> Result<SubmitOrder> {
        send(self.request(Method::GET, &format!("/v1/orders/{order_no}/application"))).await
    }

    /// 重新提交 after 审核未通过.
    pub async fn resubmit(&self, order_no: &OrderNumber, form: &SubmitOrder) -> Result<OrderSummary> {
        send(self.request(Method::PUT, &format!("/v1/orders/{order_no}/application")).json(form)).await
    }

    /// History rows after `after`, waiting up to `wait` seconds for the next when there are none.
    pub async fn events(&self, after: i64, wait: u32) -> Result<EventFeed> {
        let request = self
            .request(Method::GET, "/v1/events")
            .query(&[("after", after.to_string()), ("wait", wait.to_string())])
            .timeout(Duration::from_secs(u64::from(wait) + 15));
        send(request).await
    }

    /// 邮寄纸质资料's cover sheet, as PDF bytes.
    pub async fn cover_sheet(&self, order_no: &OrderNumber) -> Result<Vec<u8>> {
        send_bytes(self.request(Method::GET, &format!("/v1/orders/{order_no}/cover-sheet"))).await
    }

    /// 今日剩余次数 of the order's applicant.
    pub async fn face_attempts(&self, order_no: &OrderNumber) -> Result<FaceAttemptsView> {
        send(self.request(Method::GET, &format!("/v1/orders/{order_no}/face-verifications"))).await
    }

    /// One 人脸认证 attempt with the photo as JPEG. Sent once, never retried: a retry could spend a
    /// second of the applicant's ten attempts on the same photo.
    pub async fn verify_face(&self, order_no: &OrderNumber, jpeg: Vec<u8>) -> Result<FaceAttemptResult> {
        let request = self
            .request(Method::POST, &format!("/v1/orders/{order_no}/face-verifications"))
            .header(reqwest::header::CONTENT_TYPE, "image/jpeg")
            .body(jpeg);
        send(request).await
    }

    /// 去支付: opens a payment at the gateway (支付宝's page or 微信支付's code).
    pub async fn start_payment(&self, order_no: &OrderNumber, request: &StartPayment) -> Result<PaymentStart> {
        send(self.request(Method::POST, &format!("/v1/orders/{order_no}/payments")).json(request)).await
    }

    /// Where a payment stands; the platform asks the gateway while it is pending.
    pub async fn payment_progress(&self, order_no: &OrderNumber, out_trade_no: &str) -> Result<PaymentProgress> {
        send(self.request(Method::GET, &format!("/v1/orders/{order_no}/payments/{out_trade_no}"))).await
    }

    pub async fn order(&self, order_no: &OrderNumber) -> Result<OrderSummary> {
        send(self.request(Method::GET, &format!("/v1/orders/{order_no}"))).await
    }

    /// CA证书管理: the organisation's certificates.
    pub async fn account_certificates(&self) -> Result<Vec<certdesk_api::ManagedCertificate>> {
        send(self.request(Method::GET, "/v1/account/certificates")).await
    }

    /// 绑定's challenge, for the UKey to sign.
    pub async fn bind_challenge(&self) -> Result<certdesk_api::CertificateChallenge> {
        send(self.request(Method::POST, "/v1/account/certificates/challenge")).await
    }

    /// 绑定 with the UKey's proof.
    pub async fn bind_certificate(
        &self,
        proof: &certdesk_api::CertificateProof,
    ) -> Result<certdesk_api::ManagedCertificate> {
        send(self.request(Method::POST, "/v1/account/certificates").json(proof)).await
    }

    /// 解绑.
    pub async fn unbind_certificate(&self, serial: &str) -> Result<()> {
        answer(self.request(Method::DELETE, &format!("/v1/account/certificates/{serial}"))).await.map(|_| ())
    }

    /// 续期 (`renewal`) or 补办 (`reissue`): the new order.
    pub async fn replace_certificate(&self, serial: &str, reissue: bool) -> Result<OrderSummary> {
        let step = if reissue { "reissue" } else { "renewal" };
        send(self.request(Method::POST, &format!("/v1/account/certificates/{serial}/{step}"))).await
    }

    /// 注销.
    pub async fn cancel_certificate(&self, serial: &str) -> Result<certdesk_api::ManagedCertificate> {
        send(self.request(Method::POST, &format!("/v1/account/certificates/{serial}/cancellation"))).await
    }

    /// 证书登录's challenge (no session needed).
    pub async fn log_in_challenge(&self) -> Result<certdesk_api::CertificateChallenge> {
        send(self.request(Method::POST, "/v1/certificate-sessions/challenge")).await
    }

    /// 证书登录 with the UKey's proof: a session, no password.
    pub async fn certificate_log_in(&self, proof: &certdesk_api::CertificateProof) -> Result<ApplicantSession> {
        send(self.request(Method::POST, "/v1/certificate-sessions").json(proof)).await
    }
}

fn unreachable(e: reqwest::Error) -> ClientError {
    if e.is_connect() || e.is_timeout() || e.is_request() {
        ClientError::Unreachable(e.to_string())
    } else {
        ClientError::Protocol(e.to_string())
    }
}

async fn send<T: DeserializeOwned>(request: RequestBuilder) -> Result<T> {
    let (status, body) = answer(request).await?;
    serde_json::from_slice(&body).map_err(|e| ClientError::Protocol(format!("{status}: {e}")))
}

/// The body of a successful answer as it came (a PDF); a refusal as the platform's error.
async fn send_bytes(request: RequestBuilder) -> Result<Vec<u8>> {
    Ok(answer(request).await?.1)
}

async fn answer(request: RequestBuilder) -> Result<(reqwest::StatusCode, Vec<u8>)> {
    let response = request.send().await.map_err(unreachable)?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| ClientError::Unreachable(e.to_string()))?;
    if status.is_success() {
        Ok((status, body.to_vec()))
    } else {
        match serde_json::from_slice::<ApiError>(&body) {
            Ok(api) => Err(ClientError::Api(api)),
            Err(_) => Err(ClientError::Protocol(format!("{status}: {}", String::from_utf8_lossy(&body)))),
        }
    }
}
