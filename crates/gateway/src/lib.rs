//! The sandbox payment gateway: a real HTTP peer that speaks Alipay's page pay and WeChat Pay's
//! Native protocols exactly as the platform's side expects them (`certdesk-pay` on both ends), with
//! key pairs of its own made at first start and kept in its data folder, never in the repository.
//!
//! - `GET|POST /gateway.do`: `alipay.trade.page.pay` (answers the cashier page),
//!   `alipay.trade.query` and `alipay.trade.refund` (signed JSON answers).
//! - `POST /v3/pay/transactions/native`, `GET /v3/pay/transactions/out-trade-no/{no}`,
//!   `POST /v3/refund/domestic/refunds`: WeChat Pay v3, requests checked against the merchant's
//!   Authorization, answers signed with `Wechatpay-*` headers.
//! - `GET /cashier/{id}`: the page where a person 确认付款 or 取消; paying sends the signed
//!   notification (retried on the provider's schedule) and returns the browser to `return_url`.
//! - `alipay.trade.fastpay.refund.query` and `GET /v3/refund/domestic/refunds/{no}`: where a refund
//!   stands; WeChat Pay refunds also send their result to the request's `notify_url`.
//! - The day's bill: `alipay.data.dataservice.bill.downloadurl.query` (a zip of the GBK 业务明细 at
//!   `/sandbox/bills/alipay/…`) and `GET /v3/bill/tradebill` (the file at `/v3/billdownload/file`).
//! - `POST /sandbox/refund-mode` (`{"mode": "immediate" | "processing" | "refuse"}`) and
//!   `POST /sandbox/refunds/{no}/finish` (`{"outcome": "SUCCESS" | "ABNORMAL" | "CLOSED"}`): make the
//!   next refunds take time or fail, and finish one that is processing, to walk those paths.
//! - `POST /sandbox/merchants`: a merchant (the platform) registers its public key and receives
//!   its app ids, the gateway's public keys and the APIv3 key. A real gateway does this in its
//!   merchant console.
//!
//! Trades live in memory: the sandbox is a peer for the embedded platform, the tests and staff
//! training, and a platform that asks about a trade the sandbox forgot is told it does not exist,
//! as a real gateway tells it about an abandoned one.

mod alipay;
mod bill;
mod cashier;
mod keys;
mod notify;
mod state;
mod wechat;

pub use notify::NotifySchedule;
pub use state::{RefundMode, RefundState, Registration, RegistrationRequest};

use axum::Router;
use axum::routing::{get, post};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::oneshot;

#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("沙箱支付网关数据目录无法使用：{0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Pay(#[from] certdesk_pay::PayError),
    #[error("商户注册信息无法读取：{0}")]
    Registry(String),
    #[error("无法连接沙箱支付网关：{0}")]
    Http(String),
}

pub type Result<T, E = GatewayError> = std::result::Result<T, E>;

/// How the sandbox runs.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// Port 0 picks a free port.
    pub listen: SocketAddr,
    /// Where its keys and the registered merchants are kept.
    pub data_dir: PathBuf,
    /// When notifications are sent and retried; the providers' own schedules by default.
    pub alipay_notify: NotifySchedule,
    pub wechat_notify: NotifySchedule,
}

impl GatewayConfig {
    /// Loopback on a free port, the providers' retry schedules.
    pub fn local(data_dir: impl Into<PathBuf>) -> GatewayConfig {
        GatewayConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: data_dir.into(),
            alipay_notify: NotifySchedule::alipay(),
            wechat_notify: NotifySchedule::wechat(),
        }
    }
}

/// A running sandbox gateway; dropping it stops the server.
pub struct GatewayHandle {
    addr: SocketAddr,
    state: Arc<state::Gateway>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl GatewayHandle {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Alipay's gateway address as merchants configure it.
    pub fn alipay_gateway_url(&self) -> String {
        format!("{}/gateway.do", self.url())
    }

    /// Registers a merchant directly (what `POST /sandbox/merchants` does).
    pub fn register(&self, request: &RegistrationRequest) -> Result<Registration> {
        self.state.register(request)
    }

    /// The gateway's own Alipay key, for tests that must forge a correctly signed notification
    /// (a replay, a notification out of order).
    pub fn alipay_signer(&self) -> &certdesk_pay::RsaSigner {
        &self.state.alipay_key
    }

    /// The gateway's WeChat Pay platform key, for the same tests.
    pub fn wechat_signer(&self) -> &certdesk_pay::RsaSigner {
        &self.state.wechat_key
    }

    /// How the next refunds are treated (what `POST /sandbox/refund-mode` sets).
    pub fn set_refund_mode(&self, mode: RefundMode) {
        self.state.set_refund_mode(mode);
    }

    /// Finishes a refund left processing (what `POST /sandbox/refunds/{no}/finish` does); `false`
    /// when no such refund is processing.
    pub fn finish_refund(&self, out_request_no: &str, outcome: RefundState) -> bool {
        finish(&self.state, out_request_no, outcome)
    }

    /// The refunds the sandbox made of a merchant's trade: (request number, fen, state), in order.
    pub fn refunds_of(&self, out_trade_no: &str) -> Vec<(String, i64, RefundState)> {
        self.state.refunds_of(out_trade_no)
    }

    /// Notifications delivered (acknowledged by the merchant) so far.
    pub fn notifications_delivered(&self) -> u64 {
        self.state.delivered.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub async fn shutdown(mut self) -> Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.map_err(|e| GatewayError::Io(std::io::Error::other(e)))??;
        }
        Ok(())
    }

    /// Serves until Ctrl-C.
    pub async fn serve_until_signal(self) -> Result<()> {
        let _ = tokio::signal::ctrl_c().await;
        self.shutdown().await
    }
}

impl Drop for GatewayHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub struct Gateway;

impl Gateway {
    /// Loads (or makes, at first start) its keys under `config.data_dir`, binds and serves in the
    /// background of the current tokio runtime.
    pub async fn start(config: GatewayConfig) -> Result<GatewayHandle> {
        std::fs::create_dir_all(&config.data_dir)?;
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(state::Gateway::open(&config, format!("http://{addr}"))?);
        let app = router(Arc::clone(&state));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
        tracing::info!(%addr, "sandbox payment gateway listening");
        Ok(GatewayHandle { addr, state, stop: Some(stop), task: Some(task) })
    }
}

fn router(state: Arc<state::Gateway>) -> Router {
    Router::new()
        .route("/gateway.do", get(alipay::gateway_get).post(alipay::gateway_post))
        .route(certdesk_pay::wechat::NATIVE_ORDER_PATH, post(wechat::native_order))
        .route("/v3/pay/transactions/out-trade-no/{out_trade_no}", get(wechat::query))
        .route("/v3/refund/domestic/refunds", post(wechat::refund))
        .route("/v3/refund/domestic/refunds/{out_refund_no}", get(wechat::refund_query))
        .route("/v3/bill/tradebill", get(wechat::trade_bill))
        .route("/v3/billdownload/file", get(wechat::bill_download))
        .route("/sandbox/bills/alipay/{app_id}/{file}", get(alipay::bill_file))
        .route("/sandbox/refund-mode", post(refund_mode))
        .route("/sandbox/refunds/{out_request_no}/finish", post(finish_refund))
        .route("/cashier/{id}", get(cashier::page))
        .route("/cashier/{id}/pay", post(cashier::pay))
        .route("/cashier/{id}/cancel", post(cashier::cancel))
        .route("/sandbox/merchants", post(register))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

async fn register(
    axum::extract::State(state): axum::extract::State<Arc<state::Gateway>>,
    axum::Json(request): axum::Json<RegistrationRequest>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match state.register(&request) {
        Ok(registration) => axum::Json(registration).into_response(),
        Err(e) => (axum::http::StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    }
}

fn finish(state: &Arc<state::Gateway>, out_request_no: &str, outcome: RefundState) -> bool {
    match state.finish_refund(out_request_no, outcome) {
        Some((trade, refund)) => {
            notify::spawn_refund_delivery(Arc::clone(state), trade, refund);
            true
        }
        None => false,
    }
}

#[derive(serde::Deserialize)]
struct RefundModeRequest {
    mode: RefundMode,
}

async fn refund_mode(
    axum::extract::State(state): axum::extract::State<Arc<state::Gateway>>,
    axum::Json(request): axum::Json<RefundModeRequest>,
) -> axum::http::StatusCode {
    state.set_refund_mode(request.mode);
    axum::http::StatusCode::NO_CONTENT
}

#[derive(serde::Deserialize)]
struct FinishRequest {
    outcome: RefundState,
}

async fn finish_refund(
    axum::extract::State(state): axum::extract::State<Arc<state::Gateway>>,
    axum::extract::Path(out_request_no): axum::extract::Path<String>,
    axum::Json(request): axum::Json<FinishRequest>,
) -> axum::http::StatusCode {
    if finish(&state, &out_request_no, request.outcome) {
        axum::http::StatusCode::NO_CONTENT
    } else {
        axum::http::StatusCode::NOT_FOUND
    }
}

/// Registers a merchant with a sandbox gateway over HTTP (what the platform does at start).
pub async fn register_over_http(gateway_url: &str, request: &RegistrationRequest) -> Result<Registration> {
    let answer = reqwest::Client::new()
        .post(format!("{}/sandbox/merchants", gateway_url.trim_end_matches('/')))
        .json(request)
        .send()
        .await
        .map_err(|e| GatewayError::Http(e.to_string()))?;
    if !answer.status().is_success() {
        let status = answer.status();
        let text = answer.text().await.unwrap_or_default();
        return Err(GatewayError::Http(format!("{status}: {text}")));
    }
    answer.json().await.map_err(|e| GatewayError::Http(e.to_string()))
}
