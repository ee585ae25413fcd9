//! What the desktop app does, as plain async functions: start (or connect to) the platform, submit
//! an application, list the user's orders. The Tauri shell (`src-tauri`) adapts each to a command
//! in one line; everything here is tested without a window.
//!
//! The platform decides; the local store remembers what it said, so the order list shows after a
//! restart and while the platform cannot be reached.

mod bindings;
mod certificates;
mod counter;
mod drafts;
mod face;
mod invoices;
mod local_key;
mod papers;
mod staff;
mod ukey;

pub use bindings::{ExpiryNotice, OnUkeyCertificate, UkeyHealth};
pub use certdesk_camera::{DeviceInfo, SourceConfig};
pub use certdesk_idcard::ReaderConfig;
pub use counter::IdCardView;
pub use drafts::{DraftInput, DraftSummary, DraftView};
pub use face::{CameraChoice, CaptureSink, CaptureStatus, FaceAttemptView};
pub use invoices::DemoMessage;
pub use local_key::{KEYCHAIN_ACCOUNT, KEYCHAIN_SERVICE, LocalKey, LocalKeyNotice};
pub use papers::papers_folder;
pub use staff::{
    AuditRow, DemoStaffAccount, DemoStaffView, FaceAttemptRow, QueueRow, StaffAccountView, StaffOrderView,
};
pub use ukey::{
    DEMO_PKCS11_LABEL, DEMO_SOFT_UKEY_SERIAL, DEMO_UKEY_PIN, PinSlipRequest, UkeyConfig, UkeyIssued, UkeyList,
    UkeyStep, UkeyView, prepare_demo_softhsm,
};

use certdesk_api::{
    ApiError, ApplicantSession, ErrorCode, OrderSummary, PaymentMethod, PaymentStart, PaymentState, Provider,
    StartPayment, SubmitOrder,
};
use certdesk_client::PlatformClient;
use certdesk_platform::{Platform, PlatformConfig, PlatformHandle};
use certdesk_vault::Sealer;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

/// Where the app keeps its data and which platform it talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskConfig {
    /// Folder for the local database (and the embedded platform's, under `platform/`).
    pub data_dir: PathBuf,
    /// A platform to talk to; `None` starts the embedded platform with demo data.
    pub platform_url: Option<String>,
    /// Where 人脸认证 takes its frames: the webcam, or the demo or fixture images.
    pub camera: SourceConfig,
    /// A sandbox payment gateway the remote platform pays through (`http://host:port`): its pages
    /// are the only ones besides https pages that 去支付 opens. The embedded platform's own is
    /// known without it.
    pub sandbox_gateway: Option<String>,
    /// The counter's ID card reader (身份证原件核验).
    pub id_reader: ReaderConfig,
    /// Where 制证 finds the organisation's UKeys.
    pub ukeys: ukey::UkeyConfig,
    /// Where the key sealing the local personal data is kept.
    pub local_key: LocalKey,
}

impl DeskConfig {
    /// With the embedded platform (a demo) the counter reads the demo card; otherwise the vendor's
    /// reader library.
    pub fn new(data_dir: PathBuf, platform_url: Option<String>, camera: SourceConfig) -> Self {
        let id_reader = if platform_url.is_none() { ReaderConfig::Demo } else { ReaderConfig::Sdt(None) };
        let ukeys = ukey::UkeyConfig { demo_software_token: platform_url.is_none(), ..Default::default() };
        let local_key = LocalKey::for_this_system(&data_dir);
        DeskConfig { data_dir, platform_url, camera, sandbox_gateway: None, id_reader, ukeys, local_key }
    }

    /// `CERTDESK_DATA_DIR`, `CERTDESK_PLATFORM_URL`, `CERTDESK_CAMERA`, `CERTDESK_SANDBOX_GATEWAY`
    /// and `CERTDESK_ID_READER` (`demo`, `sdt` or `sdt:PATH`) override the defaults.
    pub fn from_env(default_data_dir: PathBuf) -> Self {
        let non_empty = |name| std::env::var(name).ok().filter(|v: &String| !v.trim().is_empty());
        let mut config = DeskConfig::new(
            non_empty("CERTDESK_DATA_DIR").map(PathBuf::from).unwrap_or(default_data_dir),
            non_empty("CERTDESK_PLATFORM_URL"),
            SourceConfig::from_env(),
        );
        config.sandbox_gateway = non_empty("CERTDESK_SANDBOX_GATEWAY");
        if let Some(reader) = non_empty("CERTDESK_ID_READER") {
            config.id_reader = ReaderConfig::parse(Some(&reader));
        }
        config.ukeys = ukey::UkeyConfig::from_env(config.platform_url.is_none());
        config
    }
}

/// Whether 去支付 may open `url` in the browser: an https page, or a page of the sandbox gateway
/// the platform pays through (plain http on this machine or a training room). Anything else a
/// platform (or whoever stands in for it) answers is refused: `javascript:`, `file:`, a plain-http
/// page anywhere.
pub fn pay_page_allowed(url: &str, sandbox_gateway: Option<&str>) -> bool {
    let Ok(url) = url::Url::parse(url) else { return false };
    if url.scheme() == "https" && url.host_str().is_some() && url.username().is_empty() && url.password().is_none() {
        return true;
    }
    let Some(sandbox) = sandbox_gateway.and_then(|s| url::Url::parse(s).ok()) else { return false };
    url.origin() == sandbox.origin() && url.username().is_empty() && url.password().is_none()
}

/// Shown in the UI's footer so that the user (and support) can see which platform is in use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DeskInfo {
    pub platform_url: String,
    /// True when the app runs its own platform with demo data.
    pub embedded: bool,
    pub version: String,
    /// What happened to the local key at start, when the user must be told (a refused keychain, a
    /// removed key).
    pub local_key_notice: Option<LocalKeyNotice>,
}

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error(transparent)]
    Store(#[from] certdesk_store::StoreError),
    #[error(transparent)]
    Client(#[from] certdesk_client::ClientError),
    #[error("无法启动内置平台：{0}")]
    Platform(#[from] certdesk_platform::PlatformError),
    #[error("本地加密数据不可用：{0}")]
    Vault(#[from] certdesk_vault::VaultError),
}

pub type Result<T, E = DeskError> = std::result::Result<T, E>;

impl From<DeskError> for ApiError {
    fn from(e: DeskError) -> ApiError {
        match e {
            DeskError::Client(client) => client.into(),
            DeskError::Store(store) => ApiError::new(ErrorCode::Internal, store.to_string()),
            DeskError::Platform(_) | DeskError::Vault(_) => ApiError::new(ErrorCode::Internal, e.to_string()),
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

fn account_of(session: &ApplicantSession) -> AccountView {
    AccountView {
        username: session.username.clone(),
        organisation_name: session.organisation_name.clone(),
        credit_code: session.credit_code.clone(),
        demo: false,
    }
}

/// The session kept from the last run for this platform, unless it expired or cannot be opened.
fn restore_session(store: &Connection, sealer: &Sealer, client: &PlatformClient) -> Result<Option<AccountView>> {
    let Some(stored) = certdesk_store::session(store, client.base_url())? else { return Ok(None) };
    let expired = chrono::DateTime::parse_from_rfc3339(&stored.expires_at).map_or(true, |t| t <= chrono::Utc::now());
    let token = match sealer.open(&stored.token_sealed, client.base_url()) {
        Ok(token) if !expired => token,
        _ => {
            certdesk_store::forget_session(store, client.base_url())?;
            return Ok(None);
        }
    };
    client.set_session(Some(token));
    Ok(Some(AccountView {
        username: stored.username,
        organisation_name: stored.organisation_name,
        credit_code: stored.credit_code,
        demo: false,
    }))
}

/// A mutex's contents even after a panic elsewhere: every value kept behind one here stays valid
/// between statements, so a poisoned lock holds nothing half-written.
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Unique on this computer: the process, the instant and a counter (a draft's id, a submit's
/// idempotency key).
pub(crate) fn unique_id(prefix: &str) -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{}-{nanos:x}-{n}", std::process::id())
}

/// A submit sent again once, with the same idempotency key, when its answer was lost on the way:
/// the platform then returns the order the first one made, never a second.
pub(crate) async fn retry_unreachable<T, F, Fut>(send: F) -> certdesk_client::Result<T>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = certdesk_client::Result<T>>,
{
    match send().await {
        Err(certdesk_client::ClientError::Unreachable(reason)) => {
            tracing::warn!(%reason, "submit not answered; retrying once with the same key");
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            send().await
        }
        other => other,
    }
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

/// A page of the order list and how many orders pass the search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct OrderRowPage {
    pub items: Vec<OrderRow>,
    pub total: u32,
    pub page: u32,
    pub page_size: u32,
}

/// One line of the 查看 timeline, ready to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct HistoryRow {
    /// `2026-11-28 14:19:35`, Beijing time.
    pub at_text: String,
    /// Who: 申领人, 审核人员, ….
    pub actor_zh: String,
    pub actor_en: String,
    /// The status the order entered.
    pub status_zh: String,
    pub status_en: String,
    pub reason: Option<String>,
    /// Who on the platform's staff, for the staff's workbench; `None` for the organisation's view.
    pub staff_name: Option<String>,
}

impl From<certdesk_api::OrderEventRecord> for HistoryRow {
    fn from(event: certdesk_api::OrderEventRecord) -> HistoryRow {
        HistoryRow {
            at_text: beijing_text(&event.at),
            actor_zh: event.actor.label_zh().to_owned(),
            actor_en: event.actor.label_en().to_owned(),
            status_zh: event.to.label_zh(),
            status_en: event.to.label_en(),
            reason: event.reason,
            staff_name: event.staff_name,
        }
    }
}

/// 查看: the order as listed, its timeline, and the ETA of its next step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct OrderDetailView {
    pub row: OrderRow,
    pub history: Vec<HistoryRow>,
    pub eta: Option<certdesk_api::EtaView>,
    /// True when the platform could not be reached and this is the copy kept from the last 查看.
    pub offline: bool,
}

/// An order whose status the platform changed (a review, production, mailing): what the desktop
/// notification says. The applicant's own actions in this app are not announced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StatusChange {
    pub order_no: String,
    pub status_zh: String,
    pub status_en: String,
    /// 不通过理由, when the change is a rejection.
    pub reason: Option<String>,
}

impl StatusChange {
    fn of(order: &OrderSummary) -> StatusChange {
        let reason = order.status.rejection_reason().map(str::to_owned);
        StatusChange {
            order_no: order.order_no.to_string(),
            status_zh: order.status.label_zh(),
            status_en: order.status.label_en(),
            reason,
        }
    }

    /// The notification's text, in Chinese as the app's default.
    pub fn message_zh(&self) -> String {
        match &self.reason {
            Some(reason) => format!("订单 {} 状态变为：{}，不通过理由：{reason}", self.order_no, self.status_zh),
            None => format!("订单 {} 状态变为：{}", self.order_no, self.status_zh),
        }
    }
}

/// The organisation's account the app is signed in with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AccountView {
    pub username: String,
    pub organisation_name: String,
    pub credit_code: String,
    /// True for the embedded platform's demo organisation (no password, no logging out).
    pub demo: bool,
}

/// 注册: the organisation's applicant account.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Registration {
    pub organisation_name: String,
    pub credit_code: String,
    pub username: String,
    pub password: String,
}

/// 编辑 after 审核未通过: the application as submitted (ID number masked) and why it was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationForEdit {
    pub order_no: String,
    pub form: SubmitOrder,
    /// 不通过理由.
    pub reason: Option<String>,
}

pub struct Desk {
    store: Mutex<Connection>,
    client: PlatformClient,
    /// Seals what must not sit on disk in clear: drafts (ID numbers) and the session token.
    sealer: Sealer,
    /// Who is signed in, if anyone.
    account: Mutex<Option<AccountView>>,
    /// 申领数量 upper bound, from the platform's settings once known.
    max_quantity: AtomicU32,
    /// Status changes the platform made, as sync and the events feed find them.
    changes: tokio::sync::broadcast::Sender<StatusChange>,
    /// Where 人脸认证 takes its frames, and the capture running now.
    camera: SourceConfig,
    capture: face::CaptureSlot,
    /// Kept so the embedded platform lives as long as the app.
    embedded: Option<PlatformHandle>,
    /// The staff member's session (工作台), beside the organisation's.
    staff_client: PlatformClient,
    staff: Mutex<Option<StaffAccountView>>,
    /// The gateway pages of the payments opened here, by trade number.
    pay_pages: Mutex<std::collections::HashMap<String, String>>,
    /// The sandbox gateway whose http pages 去支付 may open.
    sandbox_gateway: Option<String>,
    /// The counter's ID card reader.
    id_reader: std::sync::Arc<dyn certdesk_idcard::IdCardReader>,
    /// The papers (PDFs) saved here, the only files the window may have opened.
    papers: papers::SavedPapers,
    /// The organisation's UKeys, for 制证 and 现场发证.
    ukeys: std::sync::Arc<ukey::Ukeys>,
    local_key_notice: Option<LocalKeyNotice>,
}

/// Where the gateway sends the browser back after paying: the app's deep link.
pub const PAY_RETURN_URL: &str = "certdesk://pay/return";

/// The trade number a gateway's return names (`certdesk://pay/return?…&out_trade_no=…`), if the
/// address is the app's return at all. It only tells the app which payment to ask about.
pub fn pay_return_trade(url: &str) -> Option<String> {
    let query = url.strip_prefix(PAY_RETURN_URL)?.strip_prefix('?')?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).ok()?;
    pairs.into_iter().find(|(k, _)| k == "out_trade_no").map(|(_, v)| v).filter(|v| !v.is_empty())
}

/// A payment as the app shows it while waiting: its state and the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PaymentProgressView {
    pub out_trade_no: String,
    pub state: PaymentState,
    pub row: OrderRow,
}

impl Desk {
    /// Opens the local store and connects to the configured platform, starting the embedded one when
    /// none is configured. Must run inside a tokio runtime.
    pub async fn start(config: &DeskConfig) -> Result<Desk> {
        let mut store = certdesk_store::open(&config.data_dir.join("certdesk.db"))?;
        let local_key::OpenedKey { sealer, persistent, notice: local_key_notice } =
            local_key::open(&config.local_key, &mut store)?;
        let (client, embedded, account) = match &config.platform_url {
            Some(url) => {
                let client = PlatformClient::new(url.clone())?;
                // With a key of this run only the kept session cannot open: it is left for a later run.
                let account = if persistent { restore_session(&store, &sealer, &client)? } else { None };
                (client, None, account)
            }
            None => {
                let platform_config = PlatformConfig::embedded(config.data_dir.join("platform"));
                let handle = Platform::start(platform_config).await?;
                // The embedded platform's demo organisation is signed in without a password.
                let session = handle.demo_session().await?;
                let account = AccountView { demo: true, ..account_of(&session) };
                (PlatformClient::new(handle.url())?.with_session(session.token), Some(handle), Some(account))
            }
        };
        let sandbox_gateway =
            embedded.as_ref().and_then(|h| h.sandbox_gateway_url()).or_else(|| config.sandbox_gateway.clone());
        let staff_client = PlatformClient::new(client.base_url())?;
        let platform = staff::platform_key(embedded.is_some(), client.base_url());
        let staff = if persistent { staff::restore(&store, &sealer, &platform, &staff_client)? } else { None };
        tracing::info!(platform = %client.base_url(), embedded = embedded.is_some(), signed_in = account.is_some(), "desk started");
        Ok(Desk {
            store: Mutex::new(store),
            client,
            sealer,
            account: Mutex::new(account),
            max_quantity: AtomicU32::new(certdesk_core::DEFAULT_MAX_QUANTITY),
            changes: tokio::sync::broadcast::channel(64).0,
            camera: config.camera.clone(),
            capture: face::CaptureSlot::default(),
            embedded,
            staff_client,
            staff: Mutex::new(staff),
            pay_pages: Mutex::default(),
            sandbox_gateway,
            id_reader: config.id_reader.open().into(),
            ukeys: std::sync::Arc::new(ukey::Ukeys::new(config.ukeys.clone())),
            papers: papers::SavedPapers::default(),
            local_key_notice,
        })
    }

    /// Status changes made by the platform (reviews, production, mailing), for notifications.
    pub fn status_changes(&self) -> tokio::sync::broadcast::Receiver<StatusChange> {
        self.changes.subscribe()
    }

    /// Whose local records these are: the signed-in organisation on this platform. Several
    /// organisations may use one computer; each sees only its own orders and drafts.
    fn owner(&self) -> Result<String, ApiError> {
        let account = self.account().ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "请先登录"))?;
        // The embedded platform listens on a new port at every start; its data stays the same.
        Ok(format!("{}/{}", self.platform_key(), account.credit_code))
    }

    /// Keeps what the platform reported and announces a status it changed since the last look.
    fn keep_reported(&self, owner: &str, order: &OrderSummary) -> Result<(), ApiError> {
        let before = certdesk_store::upsert_order(&mut self.store(), owner, order).map_err(DeskError::from)?;
        if before.is_some() {
            tracing::info!(order_no = %order.order_no, status = %order.status.label_en(), "status changed on the platform");
            // Nobody listening (tests, no window yet) is fine.
            let _ = self.changes.send(StatusChange::of(order));
        }
        Ok(())
    }

    /// Who is signed in; `None` means the login screen.
    pub fn account(&self) -> Option<AccountView> {
        lock(&self.account).clone()
    }

    /// 登录 with the organisation's account; the session is kept (sealed) for the next start.
    pub async fn log_in(&self, username: &str, password: &str) -> Result<AccountView, ApiError> {
        let login =
            certdesk_api::ApplicantLogin { username: username.trim().to_owned(), password: password.to_owned() };
        let session = self.client.log_in(&login).await.map_err(DeskError::from)?;
        self.keep_session(&session)
    }

    /// 注册 the organisation's account; signed in afterwards.
    pub async fn register(&self, registration: Registration) -> Result<AccountView, ApiError> {
        let registration = certdesk_api::ApplicantRegistration {
            organisation_name: registration.organisation_name,
            credit_code: registration.credit_code,
            username: registration.username,
            password: registration.password,
        };
        let session = self.client.register(&registration).await.map_err(DeskError::from)?;
        self.keep_session(&session)
    }

    fn keep_session(&self, session: &ApplicantSession) -> Result<AccountView, ApiError> {
        let url = self.client.base_url().to_owned();
        let stored = certdesk_store::StoredSession {
            token_sealed: self.sealer.seal(&session.token, &url).map_err(DeskError::from)?,
            platform_url: url,
            username: session.username.clone(),
            organisation_name: session.organisation_name.clone(),
            credit_code: session.credit_code.clone(),
            expires_at: session.expires_at.clone(),
        };
        certdesk_store::save_session(&self.store(), &stored).map_err(DeskError::from)?;
        self.client.set_session(Some(session.token.clone()));
        let account = account_of(session);
        *lock(&self.account) = Some(account.clone());
        Ok(account)
    }

    /// 退出登录: ends the session here and on the platform (when it can be reached).
    pub async fn log_out(&self) -> Result<(), ApiError> {
        if let Err(e) = self.client.log_out().await {
            tracing::warn!(error = %e, "the platform did not end the session; forgetting it here anyway");
        }
        self.forget_session()
    }

    /// Forgets the session locally (after a log-out, or when the platform says it expired). The
    /// demo keeps nothing on disk: the next start signs the demo organisation in again.
    pub fn forget_session(&self) -> Result<(), ApiError> {
        if self.embedded.is_some() {
            self.client.set_session(None);
            *lock(&self.account) = None;
            return Ok(());
        }
        certdesk_store::forget_session(&self.store(), self.client.base_url()).map_err(DeskError::from)?;
        self.client.set_session(None);
        *lock(&self.account) = None;
        Ok(())
    }

    /// The demo only: signed in as the demo organisation again (after 退出登录), no password.
    pub async fn demo_log_in(&self) -> Result<AccountView, ApiError> {
        let handle = self
            .embedded
            .as_ref()
            .ok_or_else(|| ApiError::new(ErrorCode::BadRequest, "只有演示环境可以直接进入演示机构"))?;
        let session = handle.demo_session().await.map_err(DeskError::from)?;
        let account = AccountView { demo: true, ..account_of(&session) };
        self.client.set_session(Some(session.token));
        *lock(&self.account) = Some(account.clone());
        Ok(account)
    }

    pub fn info(&self) -> DeskInfo {
        DeskInfo {
            platform_url: self.client.base_url().to_owned(),
            embedded: self.embedded.is_some(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            local_key_notice: self.local_key_notice.clone(),
        }
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Connection> {
        lock(&self.store)
    }

    /// The CA service providers and their fees, from the platform.
    pub async fn providers(&self) -> Result<Vec<Provider>, ApiError> {
        Ok(self.client.providers().await.map_err(DeskError::from)?)
    }

    /// The user's orders as last reported by the platform, newest first; works offline.
    pub fn orders(&self) -> Result<Vec<OrderRow>, ApiError> {
        let orders = certdesk_store::list_orders(&self.store(), &self.owner()?).map_err(DeskError::from)?;
        Ok(orders.into_iter().map(OrderRow::from).collect())
    }

    /// One page of the order list with the search form's filters, from the local store (kept current
    /// by [`Desk::sync`] and the events feed): the window holds a page, never the whole list, and
    /// the list searches and pages offline too.
    pub fn order_page(&self, query: &certdesk_api::OrderQuery) -> Result<OrderRowPage, ApiError> {
        let filter = query.list_filter().map_err(ApiError::from)?;
        let (items, total) =
            certdesk_store::order_page(&self.store(), &self.owner()?, &filter).map_err(DeskError::from)?;
        Ok(OrderRowPage {
            items: items.into_iter().map(OrderRow::from).collect(),
            total,
            page: filter.page,
            page_size: filter.page_size,
        })
    }

    /// The refused fields of a form being typed, by the core's rules, without asking the platform.
    /// `kept_id_number` is the masked number 编辑 shows: typed back unchanged, the platform keeps the
    /// number it has, so it is not refused here.
    pub fn check_application(
        &self,
        form: &SubmitOrder,
        kept_id_number: Option<&str>,
    ) -> Vec<certdesk_core::FieldError> {
        let mut refused = certdesk_core::check_application(form, self.max_quantity.load(Ordering::Relaxed));
        if kept_id_number.is_some_and(|kept| kept == form.id_number.trim()) {
            refused.retain(|f| f.field != certdesk_core::FormField::IdNumber);
        }
        refused
    }

    /// Submits an application to the platform and records the new order locally; the draft it was
    /// typed in, if any, is discarded once the platform has the order.
    pub async fn submit(&self, form: SubmitOrder, draft_id: Option<String>) -> Result<OrderRow, ApiError> {
        // One key for this submit and its retry: a lost answer never makes a second order.
        let key = unique_id("certdesk");
        let order = retry_unreachable(|| self.client.submit_order(&form, Some(&key))).await.map_err(DeskError::from)?;
        certdesk_store::upsert_order(&mut self.store(), &self.owner()?, &order).map_err(DeskError::from)?;
        if let Some(id) = draft_id {
            self.discard_draft(&id)?;
        }
        Ok(order.into())
    }

    /// 编辑: the application of a rejected order as the platform has it, with the 不通过理由.
    pub async fn application(&self, order_no: &str) -> Result<ApplicationForEdit, ApiError> {
        let number = certdesk_core::OrderNumber::parse(order_no).map_err(ApiError::from)?;
        let form = self.client.application(&number).await.map_err(DeskError::from)?;
        let order = self.client.order(&number).await.map_err(DeskError::from)?;
        let reason = order.status.rejection_reason().map(str::to_owned);
        certdesk_store::upsert_order(&mut self.store(), &self.owner()?, &order).map_err(DeskError::from)?;
        Ok(ApplicationForEdit { order_no: number.to_string(), form, reason })
    }

    /// 重新提交 after 审核未通过; the edit's draft is discarded once the platform accepts it.
    pub async fn resubmit(
        &self,
        order_no: &str,
        form: SubmitOrder,
        draft_id: Option<String>,
    ) -> Result<OrderRow, ApiError> {
        let number = certdesk_core::OrderNumber::parse(order_no).map_err(ApiError::from)?;
        let row = self.record(self.client.resubmit(&number, &form).await)?;
        if let Some(id) = draft_id {
            self.discard_draft(&id)?;
        }
        Ok(row)
    }

    /// 查看: the order with its history and ETA, from the platform; what it says is kept locally and
    /// shown from there (marked offline) when the platform cannot be reached.
    pub async fn order_detail(&self, order_no: &str) -> Result<OrderDetailView, ApiError> {
        let order_no = certdesk_core::OrderNumber::parse(order_no).map_err(ApiError::from)?;
        let owner = self.owner()?;
        let (detail, offline) = match self.client.order_detail(&order_no).await {
            Ok(detail) => {
                certdesk_store::save_order_detail(&mut self.store(), &owner, &detail).map_err(DeskError::from)?;
                (detail, false)
            }
            Err(certdesk_client::ClientError::Unreachable(reason)) => {
                let kept =
                    certdesk_store::order_detail(&self.store(), &owner, order_no.as_str()).map_err(DeskError::from)?;
                match kept {
                    Some(detail) => (detail, true),
                    None => return Err(DeskError::from(certdesk_client::ClientError::Unreachable(reason)).into()),
                }
            }
            Err(e) => return Err(DeskError::from(e).into()),
        };
        let history = detail.history.into_iter().map(HistoryRow::from).collect();
        Ok(OrderDetailView { row: detail.order.into(), history, eta: detail.eta, offline })
    }

    /// Brings the local record up to date with every order the platform has for this organisation;
    /// the platform wins. Returns how many orders the platform has (the list then reads its pages
    /// from the local store).
    pub async fn sync(&self) -> Result<u32, ApiError> {
        let owner = self.owner()?;
        let mut page = 1;
        loop {
            let query = certdesk_api::OrderQuery { page: Some(page), page_size: Some(100), ..Default::default() };
            let batch = self.client.orders(&query).await.map_err(DeskError::from)?;
            for order in &batch.items {
                self.keep_reported(&owner, order)?;
            }
            if batch.items.is_empty() || page * batch.page_size >= batch.total {
                return Ok(batch.total);
            }
            page += 1;
        }
    }

    /// Waits up to `wait` seconds on the platform's events feed, then brings each order it names up to
    /// date (announcing the statuses the platform changed). Returns how many orders were refreshed.
    /// Where the feed was left is kept per account, so what happened while the app was closed is
    /// announced at the next start.
    pub async fn follow_events(&self, wait: u32) -> Result<usize, ApiError> {
        let owner = self.owner()?;
        let cursor = certdesk_store::feed_cursor(&self.store(), &owner).map_err(DeskError::from)?;
        let Some(after) = cursor else {
            // First time here: start at the feed's end; sync brings the orders as they are now.
            let mut after = 0;
            loop {
                let feed = self.client.events(after, 0).await.map_err(DeskError::from)?;
                if feed.events.is_empty() {
                    break;
                }
                after = feed.last_id;
            }
            certdesk_store::save_feed_cursor(&self.store(), &owner, after).map_err(DeskError::from)?;
            return Ok(0);
        };
        let feed = self.client.events(after, wait).await.map_err(DeskError::from)?;
        let mut named: Vec<&certdesk_core::OrderNumber> = feed.events.iter().map(|e| &e.order_no).collect();
        named.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        named.dedup();
        for order_no in &named {
            let order = self.client.order(order_no).await.map_err(DeskError::from)?;
            self.keep_reported(&owner, &order)?;
        }
        certdesk_store::save_feed_cursor(&self.store(), &owner, feed.last_id).map_err(DeskError::from)?;
        Ok(named.len())
    }

    /// Where to mail paper documents, and the platform's other settings.
    pub async fn settings(&self) -> Result<certdesk_api::PlatformSettings, ApiError> {
        let settings = self.client.settings().await.map_err(DeskError::from)?;
        // The form is checked against the platform's own limit from now on.
        self.max_quantity.store(settings.max_quantity, Ordering::Relaxed);
        Ok(settings)
    }

    /// 邮寄纸质资料 for an order waiting for verification.
    pub async fn choose_paper_documents(&self, order_no: &str) -> Result<OrderRow, ApiError> {
        let order_no = certdesk_core::OrderNumber::parse(order_no).map_err(ApiError::from)?;
        self.record(self.client.choose_paper_documents(&order_no).await)
    }

    /// Saves 邮寄纸质资料's cover sheet (PDF, from the platform) in `folder` and returns where.
    pub async fn save_cover_sheet(&self, order_no: &str, folder: &Path) -> Result<PathBuf, ApiError> {
        let number = certdesk_core::OrderNumber::parse(order_no).map_err(ApiError::from)?;
        let pdf = self.client.cover_sheet(&number).await.map_err(DeskError::from)?;
        self.save_paper(folder, &format!("CA证书申领封面-{number}.pdf"), &pdf)
    }

    /// 撤销.
    pub async fn cancel(&self, order_no: &str) -> Result<OrderRow, ApiError> {
        let order_no = certdesk_core::OrderNumber::parse(order_no).map_err(ApiError::from)?;
        self.record(self.client.cancel(&order_no).await)
    }

    /// 去支付 with 支付宝 or 微信支付: the payment opened at the gateway. The gateway sends the
    /// browser back to [`PAY_RETURN_URL`]; the app then asks [`Desk::payment_progress`].
    pub async fn start_payment(&self, order_no: &str, method: PaymentMethod) -> Result<PaymentStart, ApiError> {
        let order_no = certdesk_core::OrderNumber::parse(order_no).map_err(ApiError::from)?;
        let request = StartPayment { method, return_url: Some(PAY_RETURN_URL.to_owned()) };
        let started = self.client.start_payment(&order_no, &request).await.map_err(DeskError::from)?;
        if let Some(url) = &started.pay_url {
            if !pay_page_allowed(url, self.sandbox_gateway.as_deref()) {
                tracing::warn!(out_trade_no = %started.out_trade_no, "a payment page that is not https refused");
                return Err(ApiError::new(
                    ErrorCode::Unavailable,
                    "支付页面地址不安全（不是 https），已拒绝打开，请联系平台",
                ));
            }
            lock(&self.pay_pages).insert(started.out_trade_no.clone(), url.clone());
        }
        Ok(started)
    }

    /// The gateway page of a payment this app opened (to open it again in the browser); `None`
    /// for any other address, so the window cannot have the app open arbitrary pages.
    pub fn pay_page(&self, out_trade_no: &str) -> Option<String> {
        lock(&self.pay_pages).get(out_trade_no).cloned()
    }

    /// Where a payment stands, as the platform finds it by asking the gateway; the order as it
    /// now stands is kept locally. The browser's return proves nothing: only this does.
    pub async fn payment_progress(&self, order_no: &str, out_trade_no: &str) -> Result<PaymentProgressView, ApiError> {
        let number = certdesk_core::OrderNumber::parse(order_no).map_err(ApiError::from)?;
        let progress = self.client.payment_progress(&number, out_trade_no).await.map_err(DeskError::from)?;
        let row = self.record(Ok(progress.order))?;
        Ok(PaymentProgressView { out_trade_no: progress.out_trade_no, state: progress.state, row })
    }

    /// Keeps what the platform answered and returns it as a row.
    fn record(&self, answer: certdesk_client::Result<OrderSummary>) -> Result<OrderRow, ApiError> {
        let order = answer.map_err(DeskError::from)?;
        certdesk_store::upsert_order(&mut self.store(), &self.owner()?, &order).map_err(DeskError::from)?;
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
