//! Keeps the app current while it runs: follows the platform's events feed, and turns each status
//! the platform changed (a review, production, mailing) into a desktop notification and an event the
//! UI refreshes its list on.

use certdesk_api::ErrorCode;
use certdesk_desk::{Desk, StatusChange};
use std::time::Duration;
use tauri::{AppHandle, Manager};
use tauri_plugin_notification::NotificationExt;
use tauri_specta::Event;

/// Sent to the UI when the platform changed an order's status.
#[derive(Debug, Clone, serde::Serialize, specta::Type, tauri_specta::Event)]
pub struct OrderStatusChanged(pub StatusChange);

/// Long-poll for this long: the platform caps a wait at 30 s.
const FEED_WAIT_SECONDS: u32 = 25;

pub fn spawn(app: &AppHandle) {
    let mut changes = app.state::<Desk>().status_changes();
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            match changes.recv().await {
                Ok(change) => announce(&handle, change),
                Err(RecvError::Lagged(missed)) => tracing::warn!(missed, "status changes dropped before announcing"),
                Err(RecvError::Closed) => break,
            }
        }
    });
    // Certificates nearing the end of 有效期: at start, then every hour, each reminder once.
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        let desk = handle.state::<Desk>();
        loop {
            let wait = match desk.expiry_notices().await {
                Ok(notices) => {
                    for notice in notices {
                        notify(&handle, &notice.message_zh());
                    }
                    Duration::from_secs(3600)
                }
                // Nobody signed in yet, or the platform away: look again in a minute.
                Err(e) => {
                    tracing::debug!(error = %e.message, "expiry notices not checked");
                    Duration::from_secs(60)
                }
            };
            tokio::time::sleep(wait).await;
        }
    });
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        let desk = handle.state::<Desk>();
        loop {
            match desk.follow_events(FEED_WAIT_SECONDS).await {
                Ok(_) => {}
                // Nobody signed in yet: look again shortly.
                Err(e) if e.code == ErrorCode::Unauthorized => tokio::time::sleep(Duration::from_secs(3)).await,
                Err(e) => {
                    tracing::debug!(error = %e.message, "events feed unavailable; retrying");
                    tokio::time::sleep(Duration::from_secs(15)).await;
                }
            }
        }
    });
}

fn notify(app: &AppHandle, message: &str) {
    let shown = app.notification().builder().title("证书办理台").body(message).show();
    if let Err(e) = shown {
        // No notification service (a bare X server, a locked-down desktop): the in-app notice remains.
        tracing::info!(error = %e, "desktop notification not shown");
    }
}

fn announce(app: &AppHandle, change: StatusChange) {
    notify(app, &change.message_zh());
    if let Err(e) = OrderStatusChanged(change).emit(app) {
        tracing::warn!(error = %e, "status change not sent to the window");
    }
}
