//! The platform's shared state: what every handler and the background jobs (reconciliation,
//! the events wake-up) are given, and `blocking`, the one way they reach the database.

use crate::PlatformConfig;
use crate::applicants::{self};
use crate::face::FaceVerifier;
use crate::store::Db;
use crate::{PlatformError, Result};
use certdesk_api::{ApplicantSession, CalendarDocument};
use certdesk_core::{FeeSchedule, OrderNumber, OrderNumberGenerator, WorkCalendar};
use certdesk_vault::Sealer;
use chrono::Utc;
use std::sync::Arc;

pub struct AppState {
    pub(crate) db: Db,
    /// The gateways of online payment; `None` when only the counter takes fees.
    pub(crate) payments: Option<crate::gateways::Gateways>,
    pub(crate) sealer: Sealer,
    /// Who issues the electronic invoices (the sandbox unless a real issuer is configured).
    pub(crate) invoice_issuer: Box<dyn crate::invoices::InvoiceIssuer>,
    pub(crate) face: Arc<dyn FaceVerifier>,
    pub(crate) numbers: OrderNumberGenerator,
    pub(crate) max_quantity: u32,
    /// `approvals_required`: distinct reviewers an approval needs.
    pub(crate) approvals_required: u32,
    pub(crate) fees: FeeSchedule,
    pub(crate) paper_documents_address: String,
    pub(crate) cover_sheet_font: Option<(std::path::PathBuf, u32)>,
    /// The working-day calendar as served, and parsed for the ETAs.
    pub(crate) calendar: CalendarDocument,
    pub(crate) work_calendar: WorkCalendar,
    /// Bumped after every stored history row, waking the events feed's long-polls.
    pub(crate) changes: tokio::sync::watch::Sender<u64>,
    /// Where a gateway may send the browser back (`[payments] return_urls`).
    pub(crate) return_urls: Vec<String>,
    /// Tests only: the failure to inject.
    pub(crate) fault: Option<crate::Fault>,
    /// `trusted_proxies`: whose `X-Forwarded-For` names the client.
    pub(crate) trusted_proxies: Arc<[std::net::IpAddr]>,
    /// The CAs unsealed so far.
    pub(crate) cas: crate::certificates::CaCache,
    /// The platform's address as relying parties reach it: each certificate's CRL and issuer URLs.
    pub(crate) public_url: String,
    /// Where issuing keys on an HSM are opened (`[hsm]`).
    pub(crate) hsm: Option<crate::HsmConfig>,
    /// Where the outbox's email goes (`[mail]`).
    pub(crate) mail: crate::mail::Mail,
    /// Tests only: how far the clock is moved (see `AppState::now`).
    pub(crate) time_travel: Option<chrono::Duration>,
}

impl AppState {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        db: Db,
        last_order: Option<OrderNumber>,
        sealer: Sealer,
        config: &PlatformConfig,
        calendar_text: String,
        work_calendar: WorkCalendar,
        payments: Option<crate::gateways::Gateways>,
        public_url: String,
    ) -> Result<Self> {
        let numbers = OrderNumberGenerator::starting_after(last_order.as_ref());
        let version = work_calendar.version().to_owned();
        Ok(AppState {
            db,
            payments,
            sealer,
            face: config.face.build(),
            numbers,
            max_quantity: config.max_quantity,
            approvals_required: config.approvals_required,
            fees: config.fees.clone(),
            paper_documents_address: config.paper_documents_address.clone(),
            cover_sheet_font: config.cover_sheet_font.as_deref().map(crate::documents::parse_font_setting),
            calendar: CalendarDocument { version, text: calendar_text },
            work_calendar,
            changes: tokio::sync::watch::channel(0).0,
            return_urls: config.payments.return_urls.clone(),
            fault: config.fault,
            trusted_proxies: config.trusted_proxies.clone().into(),
            cas: Default::default(),
            public_url,
            hsm: config.hsm.clone(),
            invoice_issuer: Box::new(crate::invoices::SandboxIssuer::new(config.invoice.clone())),
            mail: crate::mail::Mail::from_config(&config.mail, &config.data_dir)?,
            time_travel: config.time_travel,
        })
    }
}

pub(crate) type Shared = Arc<AppState>;

/// Runs blocking database work off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    state: &Shared,
    f: impl FnOnce(&AppState) -> Result<T> + Send + 'static,
) -> Result<T> {
    let state = Arc::clone(state);
    tokio::task::spawn_blocking(move || f(&state)).await.map_err(|e| PlatformError::Internal(e.to_string()))?
}

impl AppState {
    pub(crate) fn changed(&self) {
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    pub fn demo_session(&self) -> Result<ApplicantSession> {
        applicants::demo_session(&self.db, Utc::now())
    }
}
