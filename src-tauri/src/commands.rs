//! Tauri commands: each one line over `Desk`. Errors cross IPC as `{code, message}` (`ApiError`).

use certdesk_api::{
    ApiError, FaceAttemptsView, OrderQuery, PaymentMethod, PaymentStart, PlatformSettings, Provider, SubmitOrder,
};
use certdesk_core::FieldError;
use certdesk_desk::{
    AccountView, ApplicationForEdit, CameraChoice, CaptureSink, CaptureStatus, Desk, DeskInfo, DraftInput,
    DraftSummary, DraftView, FaceAttemptView, OrderDetailView, OrderRow, OrderRowPage, PaymentProgressView,
    Registration,
};
use tauri::State;
use tauri::ipc::{Channel, InvokeResponseBody, JavaScriptChannelId};

/// The window has painted `what` (the first page of orders): `cargo xtask bench app` times the start
/// to this line on stdout. Said only under the benchmark (`CERTDESK_BENCH`), silent otherwise.
#[tauri::command]
#[specta::specta]
pub fn mark_ready(what: String) {
    if crate::bench_mode() {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "certdesk-ready {what} {}", crate::desk_phase());
        let _ = out.flush();
    }
}

#[tauri::command]
#[specta::specta]
pub fn app_info(desk: State<'_, Desk>) -> DeskInfo {
    desk.info()
}

/// 关于: what this build is and the licences of what it ships.
#[derive(Debug, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AboutView {
    pub version: String,
    /// The commit it was built from (`src-tauri/build.rs`).
    pub commit: String,
    /// NOTICE: the face model's, the fonts', every crate's and npm package's licence.
    pub notice: String,
}

#[tauri::command]
#[specta::specta]
pub fn about() -> AboutView {
    AboutView {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        commit: env!("CERTDESK_COMMIT").to_owned(),
        notice: include_str!("../../NOTICE").to_owned(),
    }
}

#[tauri::command]
#[specta::specta]
pub async fn list_providers(desk: State<'_, Desk>) -> Result<Vec<Provider>, ApiError> {
    desk.providers().await
}

// Async: run on the runtime's threads, not the window's, so a page read waiting for the store (a sync
// writing it) never holds up the window.
#[tauri::command]
#[specta::specta]
pub async fn list_orders(desk: State<'_, Desk>, query: OrderQuery) -> Result<OrderRowPage, ApiError> {
    desk.order_page(&query)
}

#[tauri::command]
#[specta::specta]
pub async fn submit_application(
    desk: State<'_, Desk>,
    form: SubmitOrder,
    draft_id: Option<String>,
) -> Result<OrderRow, ApiError> {
    desk.submit(form, draft_id).await
}

#[tauri::command]
#[specta::specta]
pub fn check_application(desk: State<'_, Desk>, form: SubmitOrder, kept_id_number: Option<String>) -> Vec<FieldError> {
    desk.check_application(&form, kept_id_number.as_deref())
}

#[tauri::command]
#[specta::specta]
pub async fn order_detail(desk: State<'_, Desk>, order_no: String) -> Result<OrderDetailView, ApiError> {
    desk.order_detail(&order_no).await
}

#[tauri::command]
#[specta::specta]
pub async fn sync_orders(desk: State<'_, Desk>) -> Result<u32, ApiError> {
    desk.sync().await
}

#[tauri::command]
#[specta::specta]
pub async fn platform_settings(desk: State<'_, Desk>) -> Result<PlatformSettings, ApiError> {
    desk.settings().await
}

#[tauri::command]
#[specta::specta]
pub async fn choose_paper_documents(desk: State<'_, Desk>, order_no: String) -> Result<OrderRow, ApiError> {
    desk.choose_paper_documents(&order_no).await
}

#[tauri::command]
#[specta::specta]
pub async fn cancel_order(desk: State<'_, Desk>, order_no: String) -> Result<OrderRow, ApiError> {
    desk.cancel(&order_no).await
}

#[tauri::command]
#[specta::specta]
pub fn account(desk: State<'_, Desk>) -> Option<AccountView> {
    desk.account()
}

#[tauri::command]
#[specta::specta]
pub async fn log_in(desk: State<'_, Desk>, username: String, password: String) -> Result<AccountView, ApiError> {
    desk.log_in(&username, &password).await
}

#[tauri::command]
#[specta::specta]
pub async fn register(desk: State<'_, Desk>, registration: Registration) -> Result<AccountView, ApiError> {
    desk.register(registration).await
}

#[tauri::command]
#[specta::specta]
pub async fn log_out(desk: State<'_, Desk>) -> Result<(), ApiError> {
    desk.log_out().await
}

#[tauri::command]
#[specta::specta]
pub fn forget_session(desk: State<'_, Desk>) -> Result<(), ApiError> {
    desk.forget_session()
}

#[tauri::command]
#[specta::specta]
pub fn save_draft(desk: State<'_, Desk>, draft: DraftInput) -> Result<DraftSummary, ApiError> {
    desk.save_draft(draft)
}

#[tauri::command]
#[specta::specta]
pub fn list_drafts(desk: State<'_, Desk>) -> Result<Vec<DraftSummary>, ApiError> {
    desk.drafts()
}

#[tauri::command]
#[specta::specta]
pub fn open_draft(desk: State<'_, Desk>, id: String) -> Result<DraftView, ApiError> {
    desk.draft(&id)
}

#[tauri::command]
#[specta::specta]
pub fn draft_for_order(desk: State<'_, Desk>, order_no: String) -> Result<Option<DraftView>, ApiError> {
    desk.draft_for_order(&order_no)
}

#[tauri::command]
#[specta::specta]
pub fn discard_draft(desk: State<'_, Desk>, id: String) -> Result<(), ApiError> {
    desk.discard_draft(&id)
}

#[tauri::command]
#[specta::specta]
pub async fn application_for_edit(desk: State<'_, Desk>, order_no: String) -> Result<ApplicationForEdit, ApiError> {
    desk.application(&order_no).await
}

#[tauri::command]
#[specta::specta]
pub async fn resubmit_application(
    desk: State<'_, Desk>,
    order_no: String,
    form: SubmitOrder,
    draft_id: Option<String>,
) -> Result<OrderRow, ApiError> {
    desk.resubmit(&order_no, form, draft_id).await
}

/// Asks the system for the camera after 人脸认证's consent (macOS shows its dialog the first time)
/// and answers once the user has; off the window's thread, which the dialog needs.
#[tauri::command]
#[specta::specta]
pub async fn request_camera_access(app: tauri::AppHandle) -> Result<(), ApiError> {
    use tauri::Manager;
    tauri::async_runtime::spawn_blocking(move || app.state::<Desk>().request_camera_access())
        .await
        .map_err(|e| ApiError::new(certdesk_api::ErrorCode::Internal, e.to_string()))?
}

/// The cameras, with the one chosen last time.
#[tauri::command]
#[specta::specta]
pub fn camera_devices(desk: State<'_, Desk>) -> Result<CameraChoice, ApiError> {
    desk.camera_devices()
}

/// 人脸认证's camera: which one, whether it is the rehearsal (检测环境), and the channel the preview
/// frames go to as raw JPEG bytes (an `ArrayBuffer` in the window, not base64 in JSON).
#[derive(serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CaptureRequest {
    pub device: u32,
    pub rehearsal: bool,
    // A channel inside a struct crosses as its id (`__CHANNEL__:n`), typed as a string.
    #[specta(type = String)]
    pub frames: JavaScriptChannelId,
}

#[tauri::command]
#[specta::specta]
pub async fn start_face_capture(
    desk: State<'_, Desk>,
    webview: tauri::Webview,
    request: CaptureRequest,
    status: Channel<CaptureStatus>,
) -> Result<(), ApiError> {
    let frames: Channel<InvokeResponseBody> = request.frames.channel_on(webview);
    let sink = CaptureSink {
        frame: Box::new(move |jpeg| frames.send(InvokeResponseBody::Raw(jpeg)).is_ok()),
        status: Box::new(move |s| status.send(s).is_ok()),
    };
    desk.start_capture(request.device, request.rehearsal, sink)
}

#[tauri::command]
#[specta::specta]
pub fn take_photo(desk: State<'_, Desk>) {
    desk.take_photo()
}

#[tauri::command]
#[specta::specta]
pub async fn stop_face_capture(desk: State<'_, Desk>) -> Result<(), ApiError> {
    desk.stop_capture();
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub fn discard_photo(desk: State<'_, Desk>) {
    desk.discard_photo()
}

#[tauri::command]
#[specta::specta]
pub async fn face_attempts(desk: State<'_, Desk>, order_no: String) -> Result<FaceAttemptsView, ApiError> {
    desk.face_attempts(&order_no).await
}

#[tauri::command]
#[specta::specta]
pub async fn submit_face_attempt(desk: State<'_, Desk>, order_no: String) -> Result<FaceAttemptView, ApiError> {
    desk.submit_face_attempt(&order_no).await
}

/// Where the papers are saved: the Downloads folder, or the app's data folder when there is none
/// (`certdesk_desk::papers_folder`).
pub(crate) fn papers_folder(app: &tauri::AppHandle) -> Result<std::path::PathBuf, ApiError> {
    use tauri::Manager;
    let data_dir = app
        .path()
        .app_data_dir()
        .map_err(|e| ApiError::new(certdesk_api::ErrorCode::Internal, format!("找不到保存文件的文件夹：{e}")))?;
    certdesk_desk::papers_folder(app.path().download_dir().ok(), &data_dir)
}

/// 证书信息: the order's certificates.
#[tauri::command]
#[specta::specta]
pub async fn order_certificates(
    desk: State<'_, Desk>,
    order_no: String,
) -> Result<Vec<certdesk_api::CertificateRecord>, ApiError> {
    desk.order_certificates(&order_no).await
}

/// Saves a certificate (.cer) and its CA's chain (.pem) in the Downloads folder; both paths.
#[tauri::command]
#[specta::specta]
pub async fn save_certificate(
    desk: State<'_, Desk>,
    app: tauri::AppHandle,
    order_no: String,
    serial: String,
) -> Result<Vec<String>, ApiError> {
    let saved = desk.save_certificate(&order_no, &serial, &papers_folder(&app)?).await?;
    Ok(saved.into_iter().map(|p| p.display().to_string()).collect())
}

/// Saves 邮寄纸质资料's cover sheet in the Downloads folder and returns the file's path.
#[tauri::command]
#[specta::specta]
pub async fn save_cover_sheet(
    desk: State<'_, Desk>,
    app: tauri::AppHandle,
    order_no: String,
) -> Result<String, ApiError> {
    Ok(desk.save_cover_sheet(&order_no, &papers_folder(&app)?).await?.display().to_string())
}

/// Opens a paper this app saved (cover sheet, 受理回执, 邮寄清单) with the system's viewer, to print.
#[tauri::command]
#[specta::specta]
pub fn open_saved_file(desk: State<'_, Desk>, app: tauri::AppHandle, path: String) -> Result<(), ApiError> {
    use tauri_plugin_opener::OpenerExt;
    // Only what the app saved: the window cannot have the app open anything else.
    if !desk.is_saved_paper(std::path::Path::new(&path)) {
        return Err(ApiError::new(certdesk_api::ErrorCode::BadRequest, "只能打开本程序保存的文件"));
    }
    app.opener()
        .open_path(path, None::<&str>)
        .map_err(|e| ApiError::new(certdesk_api::ErrorCode::Internal, format!("无法打开文件：{e}")))
}

/// 去支付 → 确认付款: opens the payment at the gateway. 支付宝's page is opened in the system
/// browser here; 微信支付's code comes back for the window to show as a QR code.
#[tauri::command]
#[specta::specta]
pub async fn start_payment(
    desk: State<'_, Desk>,
    app: tauri::AppHandle,
    order_no: String,
    method: PaymentMethod,
) -> Result<PaymentStart, ApiError> {
    let started = desk.start_payment(&order_no, method).await?;
    if let Some(url) = &started.pay_url {
        // No browser to open is not a failed payment: the window shows the page's address too.
        if let Err(e) = open_in_browser(&app, url) {
            tracing::warn!(error = %e.message, "the payment page was not opened");
        }
    }
    Ok(started)
}

/// Opens the gateway page of a payment this app opened, again (the browser tab was closed).
#[tauri::command]
#[specta::specta]
pub fn reopen_pay_page(desk: State<'_, Desk>, app: tauri::AppHandle, out_trade_no: String) -> Result<(), ApiError> {
    let url = desk
        .pay_page(&out_trade_no)
        .ok_or_else(|| ApiError::new(certdesk_api::ErrorCode::NotFound, "找不到这笔付款的支付页面，请重新支付"))?;
    open_in_browser(&app, &url)
}

fn open_in_browser(app: &tauri::AppHandle, url: &str) -> Result<(), ApiError> {
    use tauri_plugin_opener::OpenerExt;
    app.opener().open_url(url, None::<&str>).map_err(|e| {
        ApiError::new(
            certdesk_api::ErrorCode::Internal,
            format!("无法打开浏览器：{e}。请复制链接到浏览器中打开：{url}"),
        )
    })
}

/// Where a payment stands: the platform asks the gateway. What the app polls while waiting.
#[tauri::command]
#[specta::specta]
pub async fn payment_progress(
    desk: State<'_, Desk>,
    order_no: String,
    out_trade_no: String,
) -> Result<PaymentProgressView, ApiError> {
    desk.payment_progress(&order_no, &out_trade_no).await
}
