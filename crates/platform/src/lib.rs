//! The platform service: the authority for every CA certificate order.
//!
//! The desktop app only asks; the platform decides, using `certdesk-core` for every rule. It runs
//! embedded in the app on loopback (the default, with demo data) or on its own as
//! `certdesk-platform serve`. State lives in SQLite; the HTTP contract is `certdesk-api`.

mod applicants;
mod bindings;
pub mod certificates;
mod client_address;
mod config;
pub mod documents;
mod error;
pub mod face;
mod gateways;
pub mod invoices;
mod mail;
mod payments;
mod reminders;
mod routes;
mod sessions;
pub mod staff;
mod state;
/// The storage boundary; public for the tests, which look at what is stored.
#[doc(hidden)]
pub mod store;

pub use config::{
    APP_RETURN_URL, AlipayConfig, Fault, HsmConfig, InvoiceConfig, MailConfig, MailSecurity, PaymentsConfig,
    PlatformConfig, WechatConfig,
};
pub use error::{PlatformError, Result};
pub use routes::openapi;
pub use staff::{DEMO_STAFF, DEMO_STAFF_PASSWORD, DemoStaff};

/// SHA-256 in lowercase hex: how tokens, photos and notification bodies are kept.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// `bytes` random bytes in lowercase hex: session tokens, challenges, unusable passwords.
pub(crate) fn random_hex(bytes: usize) -> Result<String> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).map_err(|e| PlatformError::Internal(format!("no randomness: {e}")))?;
    Ok(buffer.iter().map(|b| format!("{b:02x}")).collect())
}

/// The DER inside a PEM (or the base64 of the DER without the armour); `refusal` says what was
/// expected when it is neither.
pub(crate) fn pem_der(pem: &str, refusal: &str) -> Result<Vec<u8>> {
    use base64::Engine;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).map(str::trim).collect();
    base64::engine::general_purpose::STANDARD.decode(body).map_err(|_| PlatformError::Unprocessable(refusal.to_owned()))
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
    state: Arc<state::AppState>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    /// The reconciliation of pending payments, stopped with the server.
    reconciliation: Option<tokio::task::JoinHandle<()>>,
    /// On PostgreSQL, the wake-up of this instance's event feeds by every instance's changes.
    listener: Option<tokio::task::JoinHandle<()>>,
    /// The outbox's sender.
    mailer: Option<tokio::task::JoinHandle<()>>,
    /// The expiry reminders' hourly check.
    reminders: Option<tokio::task::JoinHandle<()>>,
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
    pub async fn demo_session(&self) -> Result<certdesk_api::ApplicantSession> {
        state::blocking(&self.state, |s| s.demo_session()).await
    }

    /// The sandbox payment gateway's address (`http://127.0.0.1:PORT`) when payments go through
    /// it: the only address besides https ones that the app opens a payment page from.
    /// The folder the platform writes its email to, when it has no SMTP server (the demo's 演示邮箱).
    pub fn mail_folder(&self) -> Option<std::path::PathBuf> {
        match &self.state.mail.transport {
            mail::Transport::Folder(folder) => Some(folder.clone()),
            mail::Transport::Smtp(_) => None,
        }
    }

    pub fn sandbox_gateway_url(&self) -> Option<String> {
        self.state.payments.as_ref().and_then(|g| g.sandbox_url()).map(str::to_owned)
    }

    /// Runs `f` on the platform's database on a blocking thread: for tests, which set up what has
    /// no endpoint and look at what is stored.
    #[doc(hidden)]
    pub async fn with_db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&store::Db) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        state::blocking(&self.state, move |s| f(&s.db)).await
    }

    pub async fn shutdown(mut self) -> Result<()> {
        for task in [self.reconciliation.take(), self.listener.take(), self.mailer.take(), self.reminders.take()]
            .into_iter()
            .flatten()
        {
            task.abort();
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
        for task in [self.reconciliation.take(), self.listener.take(), self.mailer.take(), self.reminders.take()]
            .into_iter()
            .flatten()
        {
            task.abort();
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
        config.check()?;
        std::fs::create_dir_all(&config.data_dir)?;
        let (data_dir, database_url, demo_data, hsm) =
            (config.data_dir.clone(), config.database_url.clone(), config.demo_data, config.hsm.clone());
        // The database is only ever used from the blocking threads (see `store`).
        let (db, last_order, sealer) = tokio::task::spawn_blocking(move || {
            let sealer = certdesk_vault::Sealer::load_or_create(&data_dir.join("personal-data.key"))?;
            let db = store::Db::open(database_url.as_deref(), &data_dir.join("platform.db"))?;
            if demo_data {
                db.seed_demo_providers()?;
                applicants::seed_demo(&db, chrono::Utc::now())?;
                staff::seed_demo(&db, chrono::Utc::now())?;
            }
            // Before the sandbox CAs: a provider named in [hsm] gets its key there, not in the database.
            if let Some(hsm) = &hsm {
                certificates::ensure_hsm_cas(&db, &sealer, hsm)?;
            }
            if demo_data {
                certificates::ensure_sandbox_cas(&db, &sealer)?;
            }
            let last_order = db.last_order_number()?;
            Ok::<_, PlatformError>((db, last_order, sealer))
        })
        .await
        .map_err(|e| PlatformError::Internal(e.to_string()))??;
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
            gateways::Gateways::from_config(&config.payments, &config.data_dir, &format!("http://{addr}")).await?;
        let public_url = config.public_url.clone().unwrap_or_else(|| format!("http://{addr}"));
        let public_url = public_url.trim_end_matches('/').to_owned();
        let state = Arc::new(state::AppState::new(
            db,
            last_order,
            sealer,
            &config,
            calendar_text,
            calendar,
            payments,
            public_url,
        )?);
        // Invoices requested before a crash or while the issuer was down.
        {
            let state = Arc::clone(&state);
            tokio::task::spawn_blocking(move || {
                if let Err(e) = state.issue_pending_invoices() {
                    tracing::warn!(error = %e, "pending invoices not taken up");
                }
            });
        }
        let reconciliation = payments::spawn_reconciliation(Arc::clone(&state));
        let mailer = Some(mail::spawn_mail_worker(Arc::clone(&state)));
        let reminders = Some(reminders::spawn_reminders(Arc::clone(&state)));
        let wake_ups = spawn_listener(Arc::clone(&state));
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
        Ok(PlatformHandle {
            addr,
            state,
            stop: Some(stop),
            task: Some(task),
            reconciliation,
            listener: wake_ups,
            mailer,
            reminders,
        })
    }
}

/// On PostgreSQL, listens for the history rows any instance stores and wakes this instance's
/// event feeds; connects again when the connection drops (and wakes them then too, as a
/// notification may have been missed meanwhile).
fn spawn_listener(state: Arc<state::AppState>) -> Option<tokio::task::JoinHandle<()>> {
    state.db.postgres()?;
    Some(tokio::spawn(async move {
        loop {
            let Some(pg) = state.db.postgres() else { return };
            let woken = Arc::clone(&state);
            if let Err(e) = pg.listen(store::ORDER_EVENTS_CHANNEL, move || woken.changed()).await {
                tracing::warn!(error = %e, "cannot listen for other instances' changes");
            }
            state.changed();
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    }))
}
