//! CA证书管理, CA绑定与解绑 and 证书登录: each one line over `Desk`.

use certdesk_api::{ApiError, ManagedCertificate};
use certdesk_desk::{AccountView, Desk};
use tauri::State;

/// CA证书管理: the organisation's certificates.
#[tauri::command]
#[specta::specta]
pub async fn account_certificates(desk: State<'_, Desk>) -> Result<Vec<ManagedCertificate>, ApiError> {
    desk.account_certificates().await
}

/// 绑定 the certificate on the UKey `serial` (its PIN typed, never kept).
#[tauri::command]
#[specta::specta]
pub async fn bind_ukey_certificate(
    desk: State<'_, Desk>,
    serial: String,
    pin: String,
) -> Result<ManagedCertificate, ApiError> {
    desk.bind_ukey_certificate(&serial, &pin).await
}

/// 解绑.
#[tauri::command]
#[specta::specta]
pub async fn unbind_certificate(desk: State<'_, Desk>, serial: String) -> Result<(), ApiError> {
    desk.unbind_certificate(&serial).await
}

/// 证书登录 with the UKey `serial`, no password.
#[tauri::command]
#[specta::specta]
pub async fn log_in_with_ukey(desk: State<'_, Desk>, serial: String, pin: String) -> Result<AccountView, ApiError> {
    desk.log_in_with_ukey(&serial, &pin).await
}

/// The demo only: back in as the demo organisation after 退出登录.
#[tauri::command]
#[specta::specta]
pub async fn demo_log_in(desk: State<'_, Desk>) -> Result<AccountView, ApiError> {
    desk.demo_log_in().await
}

/// 续期 (`reissue` false) or 补办 (true: the certificate is revoked at once): the new order.
#[tauri::command]
#[specta::specta]
pub async fn replace_certificate(
    desk: State<'_, Desk>,
    serial: String,
    reissue: bool,
) -> Result<certdesk_desk::OrderRow, ApiError> {
    desk.replace_certificate(&serial, reissue).await
}

/// 注销.
#[tauri::command]
#[specta::specta]
pub async fn cancel_certificate(desk: State<'_, Desk>, serial: String) -> Result<ManagedCertificate, ApiError> {
    desk.cancel_certificate(&serial).await
}

/// CA证书管理's health panel: the UKeys plugged in and the certificates on each (no PIN asked);
/// and the drivers that did not load.
#[tauri::command]
#[specta::specta]
pub async fn ukey_health(desk: State<'_, Desk>) -> Result<(Vec<certdesk_desk::UkeyHealth>, Vec<String>), ApiError> {
    desk.ukey_health().await
}
