//! The platform service: the authority for every CA certificate order.
//!
//! The desktop app only asks; the platform decides, using `certdesk-core` for every rule. It runs
//! embedded in the app on loopback (the default, with demo data) or on its own as
//! `certdesk-platform serve`. State lives in SQLite; the HTTP contract is `certdesk-api`.

mod applicants;
mod config;
pub mod cover_sheet;
mod db;
mod error;
pub mod face;
mod payment_store;
mod payments;
mod routes;
mod sessions;
pub mod staff;

pub use config::{APP_RETURN_URL, AlipayConfig, Fault, PaymentsConfig, PlatformConfig, WechatConfig};
pub use error::{PlatformError, Result};
pub use routes::openapi;

/// SHA-256 in lowercase hex: how tokens, photos and notification bodies are kept.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The OpenAPI document as pretty JSON: what `docs/openapi.json` holds.
pub fn openapi_json() -> String {
    openapi().to_pretty_json().expect("the OpenAPI document serialises")
}

use certdesk_core::{OFFICIAL_CALENDAR, WorkCalendar};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::oneshot;

/// A running platform. Dropping the handle stops the server; [`PlatformHandle::shutdown`] stops it
/// and waits for requests in flight to finish.
pub struct PlatformHandle {
    addr: SocketAddr,
    state: Arc<routes::AppState>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    /// The reconciliation of pending payments, stopped with the server.
    reconciliation: Option<tokio::task::JoinHandle<()>>,
}

impl PlatformHandle {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A session of the demo organisation (晨安入驻供应商（演示）), for the app embedding this platform
    /// with demo data: it is signed in without a password, which exists nowhere.
    pub fn demo_session(&self) -> Result<certdesk_api::ApplicantSession> {
        self.state.demo_session()
    }

    /// The sandbox payment gateway's address (`http://127.0.0.1:PORT`) when payments go through
    /// it: the only address besides https ones that the app opens a payment page from.
    pub fn sandbox_gateway_url(&self) -> Option<String> {
        self.state.payments.as_ref().and_then(|g| g.sandbox_url()).map(str::to_owned)
    }

    pub async fn shutdown(mut self) -> Result<()> {
        if let Some(reconciliation) = self.reconciliation.take() {
            reconciliation.abort();
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.map_err(|e| PlatformError::Internal(e.to_string()))??;
        }
        Ok(())
    }

    /// Serves until the process is asked to stop (Ctrl-C), then shuts down gracefully.
    pub async fn serve_until_signal(self) -> Result<()> {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("stopping");
        self.shutdown().await
    }
}

impl Drop for PlatformHandle {
    fn drop(&mut self) {
        if let Some(reconciliation) = self.reconciliation.take() {
            reconciliation.abort();
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub struct Platform;

impl Platform {
    /// Opens (or creates) the database under `config.data_dir`, seeds demo data when asked, binds
    /// `config.listen` and serves in the background of the current tokio runtime.
    pub async fn start(config: PlatformConfig) -> Result<PlatformHandle> {
        std::fs::create_dir_all(&config.data_dir)?;
        let db = db::Db::open(&config.data_dir.join("platform.db"))?;
        let sealer = certdesk_vault::Sealer::load_or_create(&config.data_dir.join("personal-data.key"))?;
        if config.demo_data {
            db.seed_demo_providers()?;
            applicants::seed_demo(&db, chrono::Utc::now())?;
        }
        // Parsed once here: a broken file stops the start, and requests use the parsed calendar.
        let calendar_text = match &config.calendar {
            Some(path) => std::fs::read_to_string(path)?,
            None => OFFICIAL_CALENDAR.to_owned(),
        };
        let calendar = WorkCalendar::parse(&calendar_text).map_err(|e| match &config.calendar {
            Some(path) => PlatformError::Config(format!("{}: {e}", path.display())),
            None => PlatformError::Config(e.to_string()),
        })?;
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let payments =
            payments::Gateways::from_config(&config.payments, &config.data_dir, &format!("http://{addr}")).await?;
        let state = Arc::new(routes::AppState::new(db, sealer, &config, calendar_text, calendar, payments)?);
        let reconciliation = payments::spawn_reconciliation(Arc::clone(&state));
        let (stop, stopped) = oneshot::channel::<()>();
        let app = routes::router(Arc::clone(&state));
        let task = tokio::spawn(async move {
            // The peer address is what the login rate limit counts by.
            axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
        tracing::info!(%addr, "platform listening");
        Ok(PlatformHandle { addr, state, stop: Some(stop), task: Some(task), reconciliation })
    }
}
