//! 发票申请, the electronic invoice, 账户设置 and the demo's 演示邮箱: each one line over `Desk`.

use crate::commands::papers_folder;
use certdesk_api::{AccountSettings, ApiError, InvoiceApplication, InvoiceRecord};
use certdesk_desk::{DemoMessage, Desk, OrderRow};
use tauri::State;

/// 发票申请 with the dialog's fields (`null`: the application's, as the dialog prefills them).
#[tauri::command]
#[specta::specta]
pub async fn request_invoice(
    desk: State<'_, Desk>,
    order_no: String,
    form: Option<InvoiceApplication>,
) -> Result<OrderRow, ApiError> {
    desk.request_invoice(&order_no, form).await
}

/// What the 发票申请 dialog starts with.
#[tauri::command]
#[specta::specta]
pub async fn invoice_prefill(desk: State<'_, Desk>, order_no: String) -> Result<InvoiceApplication, ApiError> {
    desk.invoice_prefill(&order_no).await
}

#[tauri::command]
#[specta::specta]
pub async fn order_invoice(desk: State<'_, Desk>, order_no: String) -> Result<InvoiceRecord, ApiError> {
    desk.order_invoice(&order_no).await
}

/// Saves the invoice's PDF in the Downloads folder; its path.
#[tauri::command]
#[specta::specta]
pub async fn save_invoice(desk: State<'_, Desk>, app: tauri::AppHandle, order_no: String) -> Result<String, ApiError> {
    Ok(desk.save_invoice(&order_no, &papers_folder(&app)?).await?.display().to_string())
}

/// 重新发送, to `email` when corrected.
#[tauri::command]
#[specta::specta]
pub async fn resend_invoice(
    desk: State<'_, Desk>,
    order_no: String,
    email: Option<String>,
) -> Result<InvoiceRecord, ApiError> {
    desk.resend_invoice(&order_no, email).await
}

#[tauri::command]
#[specta::specta]
pub async fn account_settings(desk: State<'_, Desk>) -> Result<AccountSettings, ApiError> {
    desk.account_settings().await
}

#[tauri::command]
#[specta::specta]
pub async fn change_account_settings(
    desk: State<'_, Desk>,
    settings: AccountSettings,
) -> Result<AccountSettings, ApiError> {
    desk.change_account_settings(settings).await
}

/// The 演示邮箱: the embedded platform's email, newest first.
#[tauri::command]
#[specta::specta]
pub fn demo_mailbox(desk: State<'_, Desk>) -> Result<Vec<DemoMessage>, ApiError> {
    desk.demo_mailbox()
}

/// Saves an attachment of a 演示邮箱 message in the Downloads folder; its path (to open).
#[tauri::command]
#[specta::specta]
pub fn save_mail_attachment(
    desk: State<'_, Desk>,
    app: tauri::AppHandle,
    file: String,
    name: String,
) -> Result<String, ApiError> {
    Ok(desk.save_mail_attachment(&file, &name, &papers_folder(&app)?)?.display().to_string())
}

/// Opens the 演示邮箱's folder in the file manager (its `.eml` files open in a mail program).
#[tauri::command]
#[specta::specta]
pub fn open_mail_folder(desk: State<'_, Desk>, app: tauri::AppHandle) -> Result<(), ApiError> {
    use tauri_plugin_opener::OpenerExt;
    let internal = |e: String| ApiError::new(certdesk_api::ErrorCode::Internal, e);
    let folder = desk
        .mail_folder()
        .ok_or_else(|| ApiError::new(certdesk_api::ErrorCode::NotFound, "连接正式平台时没有演示邮箱"))?;
    std::fs::create_dir_all(&folder).map_err(|e| internal(format!("无法创建邮件文件夹：{e}")))?;
    app.opener()
        .open_path(folder.display().to_string(), None::<&str>)
        .map_err(|e| internal(format!("无法打开文件夹：{e}")))
}
