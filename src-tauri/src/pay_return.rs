//! The way back from the payment gateway: its page sends the browser to `certdesk://pay/return`,
//! the system starts the app with that address, and the running app receives it (single-instance
//! forwards a second start's arguments to the deep-link plugin). The window is told which payment
//! to ask the platform about; the return itself proves nothing.

use tauri::{AppHandle, Manager};
use tauri_specta::Event;

/// Sent to the UI when the gateway sent the browser back after a payment.
#[derive(Debug, Clone, serde::Serialize, specta::Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct PayReturned {
    pub out_trade_no: String,
}

/// Handles the addresses the app was opened with.
pub fn handle(app: &AppHandle, urls: impl IntoIterator<Item = String>) {
    for url in urls {
        let Some(out_trade_no) = certdesk_desk::pay_return_trade(&url) else {
            tracing::info!("ignored an address the app was opened with");
            continue;
        };
        tracing::info!(out_trade_no, "returned from the payment gateway");
        if let Some(window) = app.get_webview_window("main") {
            let _ = window.unminimize();
            let _ = window.set_focus();
        }
        if let Err(e) = (PayReturned { out_trade_no }).emit(app) {
            tracing::warn!(error = %e, "payment return not sent to the window");
        }
    }
}
