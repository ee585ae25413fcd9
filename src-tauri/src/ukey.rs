//! 制证 onto the organisation's UKey: the UKeys plugged in, writing a certificate with its progress
//! sent to the UI step by step, 修改PIN and the 密码信封; each one line over `Desk`.

use crate::commands::papers_folder;
use certdesk_api::ApiError;
use certdesk_desk::{Desk, PinSlipRequest, UkeyIssued, UkeyList, UkeyStep};
use tauri::State;
use tauri_specta::Event;

/// A step of 写入证书 starting, for the progress the UI shows.
#[derive(Debug, Clone, serde::Serialize, specta::Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct UkeyProgress {
    pub order_no: String,
    pub step: UkeyStep,
}

#[tauri::command]
#[specta::specta]
pub async fn list_ukeys(desk: State<'_, Desk>) -> Result<UkeyList, ApiError> {
    desk.list_ukeys().await
}

#[tauri::command]
#[specta::specta]
pub async fn write_certificate_to_ukey(
    app: tauri::AppHandle,
    desk: State<'_, Desk>,
    order_no: String,
    ukey_serial: String,
    pin: String,
) -> Result<UkeyIssued, ApiError> {
    let (handle, number) = (app.clone(), order_no.clone());
    let on_step = move |step| {
        if let Err(e) = (UkeyProgress { order_no: number.clone(), step }).emit(&handle) {
            tracing::warn!(error = %e, "UKey progress not sent to the window");
        }
    };
    desk.write_certificate_to_ukey(&order_no, &ukey_serial, &pin, on_step).await
}

/// 插入新的演示UKey (the demo only).
#[tauri::command]
#[specta::specta]
pub async fn plug_demo_ukey(desk: State<'_, Desk>) -> Result<UkeyList, ApiError> {
    desk.plug_demo_ukey().await
}

#[tauri::command]
#[specta::specta]
pub async fn change_ukey_pin(
    desk: State<'_, Desk>,
    ukey_serial: String,
    old_pin: String,
    new_pin: String,
) -> Result<(), ApiError> {
    desk.change_ukey_pin(&ukey_serial, &old_pin, &new_pin).await
}

#[tauri::command]
#[specta::specta]
pub async fn save_pin_slip(
    app: tauri::AppHandle,
    desk: State<'_, Desk>,
    slip: PinSlipRequest,
) -> Result<String, ApiError> {
    let folder = papers_folder(&app)?;
    desk.save_pin_slip(slip, &folder).await.map(|path| path.display().to_string())
}
