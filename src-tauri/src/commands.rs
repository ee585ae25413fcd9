//! Tauri commands: each one line over `Desk`. Errors cross IPC as `{code, message}` (`ApiError`).

use certdesk_api::{ApiError, PlatformSettings, Provider, SubmitOrder};
use certdesk_core::FieldError;
use certdesk_desk::{Desk, DeskInfo, OrderDetailView, OrderRow};
use tauri::State;

#[tauri::command]
#[specta::specta]
pub fn app_info(desk: State<'_, Desk>) -> DeskInfo {
    desk.info()
}

#[tauri::command]
#[specta::specta]
pub async fn list_providers(desk: State<'_, Desk>) -> Result<Vec<Provider>, ApiError> {
    desk.providers().await
}

#[tauri::command]
#[specta::specta]
pub fn list_orders(desk: State<'_, Desk>) -> Result<Vec<OrderRow>, ApiError> {
    desk.orders()
}

#[tauri::command]
#[specta::specta]
pub async fn submit_application(desk: State<'_, Desk>, form: SubmitOrder) -> Result<OrderRow, ApiError> {
    desk.submit(form).await
}

#[tauri::command]
#[specta::specta]
pub fn check_application(desk: State<'_, Desk>, form: SubmitOrder) -> Vec<FieldError> {
    desk.check_application(&form)
}

#[tauri::command]
#[specta::specta]
pub async fn order_detail(desk: State<'_, Desk>, order_no: String) -> Result<OrderDetailView, ApiError> {
    desk.order_detail(&order_no).await
}

#[tauri::command]
#[specta::specta]
pub async fn sync_orders(desk: State<'_, Desk>) -> Result<Vec<OrderRow>, ApiError> {
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
