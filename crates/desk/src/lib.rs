//! What the desktop app does, as plain async functions: start (or connect to) the platform, submit
//! an application, list the user's orders. The Tauri shell (`src-tauri`) adapts each to a command
//! in one line; everything here is tested without a window.
//!
//! The platform decides; the local store remembers what it said, so the order list shows after a
//! restart and while the platform cannot be reached.

use certdesk_api::{ApiError, ErrorCode, OrderSummary, Provider, SubmitOrder};
use certdesk_client::PlatformClient;
use certdesk_platform::{Platform, PlatformConfig, PlatformHandle};
use rusqlite::Connection;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Mutex;

/// Where the app keeps its data and which platform it talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskConfig {
    /// Folder for the local database (and the embedded platform's, under `platform/`).
    pub data_dir: PathBuf,
    /// A platform to talk to; `None` starts the embedded platform with demo data.
    pub platform_url: Option<String>,
}

impl DeskConfig {
    /// `CERTDESK_DATA_DIR` and `CERTDESK_PLATFORM_URL` override the defaults.
    pub fn from_env(default_data_dir: PathBuf) -> Self {
        let non_empty = |name| std::env::var(name).ok().filter(|v: &String| !v.trim().is_empty());
        DeskConfig {
            data_dir: non_empty("CERTDESK_DATA_DIR").map(PathBuf::from).unwrap_or(default_data_dir),
            platform_url: non_empty("CERTDESK_PLATFORM_URL"),
        }
    }
}

/// Shown in the UI's footer so that the user (and support) can see which platform is in use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DeskInfo {
    pub platform_url: String,
    /// True when the app runs its own platform with demo data.
    pub embedded: bool,
    pub version: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error(transparent)]
    Store(#[from] certdesk_store::StoreError),
    #[error(transparent)]
    Client(#[from] certdesk_client::ClientError),
    #[error("无法启动内置平台：{0}")]
    Platform(#[from] certdesk_platform::PlatformError),
}

pub type Result<T, E = DeskError> = std::result::Result<T, E>;

impl From<DeskError> for ApiError {
    fn from(e: DeskError) -> ApiError {
        match e {
            DeskError::Client(client) => client.into(),
            DeskError::Store(store) => ApiError::new(ErrorCode::Internal, store.to_string()),
            DeskError::Platform(_) => ApiError::new(ErrorCode::Internal, e.to_string()),
        }
    }
}

/// An order as the order list shows it: what the platform reported, with the status text in the
/// guide's words (and in English) and the 申领时间 in Beijing time, so the UI renders without rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct OrderRow {
    pub order: OrderSummary,
    /// e.g. `待审核 (已认证)`.
    pub status_zh: String,
    pub status_en: String,
    /// `2020-06-02 21:14:41`.
    pub submitted_at_text: String,
}

/// `2020-06-02 21:14:41` from an RFC 3339 instant; the text as it came if it is not one.
fn beijing_text(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| certdesk_core::format_shanghai(&t))
        .unwrap_or_else(|_| rfc3339.to_owned())
}

impl From<OrderSummary> for OrderRow {
    fn from(order: OrderSummary) -> OrderRow {
        let submitted_at_text = beijing_text(&order.submitted_at);
        OrderRow { status_zh: order.status.label_zh(), status_en: order.status.label_en(), submitted_at_text, order }
    }
}

/// One line of the 查看 timeline, ready to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct HistoryRow {
    /// `2026-11-28 14:19:35`, Beijing time.
    pub at_text: String,
    /// Who: 申领人, 审核人员, ….
    pub actor_zh: String,
    /// The status the order entered.
    pub status_zh: String,
    pub reason: Option<String>,
}

/// 查看: the order as listed, its timeline, and the ETA of its next step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct OrderDetailView {
    pub row: OrderRow,
    pub history: Vec<HistoryRow>,
    pub eta: Option<certdesk_api::EtaView>,
}

pub struct Desk {
    store: Mutex<Connection>,
    client: PlatformClient,
    /// Kept so the embedded platform lives as long as the app.
    embedded: Option<PlatformHandle>,
}

impl Desk {
    /// Opens the local store and connects to the configured platform, starting the embedded one when
    /// none is configured. Must run inside a tokio runtime.
    pub async fn start(config: &DeskConfig) -> Result<Desk> {
        let store = certdesk_store::open(&config.data_dir.join("certdesk.db"))?;
        let (client, embedded) = match &config.platform_url {
            Some(url) => (PlatformClient::new(url.clone())?, None),
            None => {
                let handle = Platform::start(PlatformConfig::embedded(config.data_dir.join("platform"))).await?;
                // The embedded platform's demo organisation is signed in without a password.
                let session = handle.demo_session()?;
                (PlatformClient::new(handle.url())?.with_session(session.token), Some(handle))
            }
        };
        tracing::info!(platform = %client.base_url(), embedded = embedded.is_some(), "desk started");
        Ok(Desk { store: Mutex::new(store), client, embedded })
    }

    pub fn info(&self) -> DeskInfo {
        DeskInfo {
            platform_url: self.client.base_url().to_owned(),
            embedded: self.embedded.is_some(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }

    /// Unique per install and submit: the process, the instant and a counter.
    fn next_idempotency_key(&self) -> String {
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("certdesk-{}-{nanos}-{n}", std::process::id())
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.store.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The CA service providers and their fees, from the platform.
    pub async fn providers(&self) -> Result<Vec<Provider>, ApiError> {
        Ok(self.client.providers().await.map_err(DeskError::from)?)
    }

    /// The user's orders as last reported by the platform, newest first; works offline.
    pub fn orders(&self) -> Result<Vec<OrderRow>, ApiError> {
        let orders = certdesk_store::list_orders(&self.store()).map_err(DeskError::from)?;
        Ok(orders.into_iter().map(OrderRow::from).collect())
    }

    /// The refused fields of a form being typed, by the core's rules, without asking the platform.
    pub fn check_application(&self, form: &SubmitOrder) -> Vec<certdesk_core::FieldError> {
        certdesk_core::check_application(form, certdesk_core::DEFAULT_MAX_QUANTITY)
    }

    /// Submits an application to the platform and records the new order locally.
    pub async fn submit(&self, form: SubmitOrder) -> Result<OrderRow, ApiError> {
        // One key for this submit and its retry: a lost answer never makes a second order.
        let key = self.next_idempotency_key();
        let order = match self.client.submit_order(&form, Some(&key)).await {
            Err(certdesk_client::ClientError::Unreachable(reason)) => {
                tracing::warn!(%reason, "submit not answered; retrying once with the same key");
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                self.client.submit_order(&form, Some(&key)).await
            }
            other => other,
        }
        .map_err(DeskError::from)?;
        certdesk_store::upsert_order(&mut self.store(), &order).map_err(DeskError::from)?;
        Ok(order.into())
    }

    /// 查看: the order with its history and ETA, from the platform; what it says is kept locally.
    pub async fn order_detail(&self, order_no: &str) -> Result<OrderDetailView, ApiError> {
        let order_no = certdesk_core::OrderNumber::parse(order_no).map_err(ApiError::from)?;
        let detail = self.client.order_detail(&order_no).await.map_err(DeskError::from)?;
        certdesk_store::upsert_order(&mut self.store(), &detail.order).map_err(DeskError::from)?;
        let history = detail
            .history
            .into_iter()
            .map(|event| {
                let at_text = beijing_text(&event.at);
                HistoryRow {
                    at_text,
                    actor_zh: event.actor.label_zh().to_owned(),
                    status_zh: event.to.label_zh(),
                    reason: event.reason,
                }
            })
            .collect();
        Ok(OrderDetailView { row: detail.order.into(), history, eta: detail.eta })
    }

    /// Brings the local record up to date with every order the platform has for this organisation;
    /// the platform wins. Returns the list as it now stands.
    pub async fn sync(&self) -> Result<Vec<OrderRow>, ApiError> {
        let mut page = 1;
        loop {
            let query = certdesk_api::OrderQuery { page: Some(page), page_size: Some(100), ..Default::default() };
            let batch = self.client.orders(&query).await.map_err(DeskError::from)?;
            {
                let mut store = self.store();
                for order in &batch.items {
                    certdesk_store::upsert_order(&mut store, order).map_err(DeskError::from)?;
                }
            }
            if batch.items.is_empty() || page * batch.page_size >= batch.total {
                break;
            }
            page += 1;
        }
        self.orders()
    }

    /// Where to mail paper documents, and the platform's other settings.
    pub async fn settings(&self) -> Result<certdesk_api::PlatformSettings, ApiError> {
        Ok(self.client.settings().await.map_err(DeskError::from)?)
    }

    /// 邮寄纸质资料 for an order waiting for verification.
    pub async fn choose_paper_documents(&self, order_no: &str) -> Result<OrderRow, ApiError> {
        let order_no = certdesk_core::OrderNumber::parse(order_no).map_err(ApiError::from)?;
        self.record(self.client.choose_paper_documents(&order_no).await)
    }

    /// 撤销.
    pub async fn cancel(&self, order_no: &str) -> Result<OrderRow, ApiError> {
        let order_no = certdesk_core::OrderNumber::parse(order_no).map_err(ApiError::from)?;
        self.record(self.client.cancel(&order_no).await)
    }

    /// Keeps what the platform answered and returns it as a row.
    fn record(&self, answer: certdesk_client::Result<OrderSummary>) -> Result<OrderRow, ApiError> {
        let order = answer.map_err(DeskError::from)?;
        certdesk_store::upsert_order(&mut self.store(), &order).map_err(DeskError::from)?;
        Ok(order.into())
    }

    /// Stops the embedded platform, if any, waiting for requests in flight.
    pub async fn shutdown(self) -> Result<()> {
        if let Some(platform) = self.embedded {
            platform.shutdown().await?;
        }
        Ok(())
    }
}
