//! The desktop shell: Tauri window, app state and one-line command adapters over `certdesk-desk`.
//!
//! Architecture invariant: only this crate depends on `tauri`; it holds no rules and no SQL.

mod ca;
mod commands;
mod counter;
mod follow;
mod invoices;
mod pay_return;
mod ukey;
mod workbench;

use certdesk_desk::{Desk, DeskConfig};
use tauri::Manager;

/// The typed command surface; `ui/src/api/bindings.ts` is generated from it.
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new()
        .commands(tauri_specta::collect_commands![
            commands::app_info,
            commands::about,
            commands::mark_ready,
            commands::list_providers,
            commands::list_orders,
            commands::order_detail,
            commands::check_application,
            commands::submit_application,
            commands::sync_orders,
            commands::platform_settings,
            commands::choose_paper_documents,
            commands::cancel_order,
            commands::account,
            commands::log_in,
            commands::register,
            commands::log_out,
            commands::forget_session,
            commands::save_draft,
            commands::list_drafts,
            commands::open_draft,
            commands::draft_for_order,
            commands::discard_draft,
            commands::application_for_edit,
            commands::resubmit_application,
            invoices::request_invoice,
            invoices::invoice_prefill,
            invoices::order_invoice,
            invoices::save_invoice,
            invoices::resend_invoice,
            invoices::account_settings,
            invoices::change_account_settings,
            invoices::demo_mailbox,
            invoices::save_mail_attachment,
            invoices::open_mail_folder,
            commands::request_camera_access,
            commands::camera_devices,
            commands::start_face_capture,
            commands::take_photo,
            commands::stop_face_capture,
            commands::discard_photo,
            commands::face_attempts,
            commands::submit_face_attempt,
            commands::save_cover_sheet,
            commands::open_saved_file,
            commands::start_payment,
            commands::reopen_pay_page,
            commands::payment_progress,
            workbench::staff_account,
            workbench::demo_staff,
            workbench::staff_log_in,
            workbench::staff_log_out,
            workbench::forget_staff_session,
            workbench::review_queue,
            workbench::production_queue,
            workbench::staff_order,
            workbench::mark_materials_received,
            workbench::approve_order,
            workbench::reject_order,
            workbench::ship_order,
            workbench::revoke_certificate,
            workbench::staff_members,
            workbench::add_staff_member,
            workbench::set_staff_roles,
            workbench::set_staff_disabled,
            workbench::reset_staff_password,
            workbench::staff_audit,
            counter::read_id_card,
            counter::find_organisation,
            counter::register_organisation,
            counter::submit_at_counter,
            counter::check_id_card,
            counter::take_counter_payment,
            counter::issue_at_counter,
            counter::refund_at_counter,
            counter::save_counter_receipt,
            counter::save_shipping_list,
            ukey::list_ukeys,
            ukey::write_certificate_to_ukey,
            ukey::change_ukey_pin,
            ukey::plug_demo_ukey,
            ukey::save_pin_slip,
            commands::order_certificates,
            commands::save_certificate,
            ca::account_certificates,
            ca::bind_ukey_certificate,
            ca::unbind_certificate,
            ca::log_in_with_ukey,
            ca::demo_log_in,
            ca::replace_certificate,
            ca::cancel_certificate,
            ca::ukey_health,
        ])
        .events(tauri_specta::collect_events![follow::OrderStatusChanged, pay_return::PayReturned, ukey::UkeyProgress])
        // Money is i64 fen; any real amount is far below 2^53, so a JS number is exact.
        .dangerously_cast_bigints_to_number()
}

/// Writes the TypeScript bindings for the UI to `path`.
pub fn export_bindings(path: &std::path::Path) -> Result<(), String> {
    specta_builder()
        .export(
            specta_typescript::Typescript::default()
                .header("// Generated from Rust by tauri-specta: do not edit; run `cargo xtask bindings`.\n"),
            path,
        )
        .map_err(|e| e.to_string())
}

/// Where Tauri keeps this app's data (`app_data_dir`), known before it starts.
fn app_data_dir() -> Option<std::path::PathBuf> {
    let chosen = std::env::var_os("CERTDESK_DATA_DIR").filter(|d| !d.is_empty()).map(Into::into);
    chosen.or_else(|| Some(dirs::data_dir()?.join(IDENTIFIER)))
}

/// Under `cargo xtask bench app` (`CERTDESK_BENCH` set): the demo organisation is signed in at start
/// (its order list is what is timed) and the window's ready mark is printed.
pub(crate) fn bench_mode() -> bool {
    static BENCH: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *BENCH.get_or_init(|| std::env::var_os("CERTDESK_BENCH").is_some_and(|v| !v.is_empty()))
}

/// When `run` began, and how long after it the desk (the embedded platform, the local store) was up:
/// the first of the start's phases the benchmark reports.
static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
static DESK_UP_MS: std::sync::OnceLock<u128> = std::sync::OnceLock::new();

/// `desk=<ms>` for the ready mark, when the desk is up.
pub(crate) fn desk_phase() -> String {
    DESK_UP_MS.get().map_or_else(String::new, |ms| format!("desk={ms}"))
}

/// tauri.conf.json's `identifier`.
const IDENTIFIER: &str = "cn.certdesk.app";

pub fn run() {
    STARTED.get_or_init(std::time::Instant::now);
    if let Some(data_dir) = app_data_dir() {
        // SAFETY: the first thing the app does, before any other thread exists.
        unsafe { certdesk_desk::prepare_demo_softhsm(&data_dir) };
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,certdesk=debug".into()),
        )
        .init();
    let builder = specta_builder();
    tauri::Builder::default()
        // First: a second start (the browser opening certdesk://pay/return…) hands its address to
        // this instance's deep-link plugin and exits.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.set_focus();
            }
        }))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            {
                use tauri_plugin_deep_link::DeepLinkExt;
                // Installed builds register certdesk:// through their bundle; a development build
                // registers itself so the gateway's return reaches it too.
                #[cfg(all(debug_assertions, any(target_os = "linux", windows)))]
                if let Err(e) = app.deep_link().register_all() {
                    tracing::info!(error = %e, "certdesk:// not registered with the desktop");
                }
                let handle = app.handle().clone();
                app.deep_link().on_open_url(move |event| {
                    pay_return::handle(&handle, event.urls().into_iter().map(|u| u.to_string()))
                });
            }
            let config = DeskConfig::from_env(app.path().app_data_dir()?);
            let desk = tauri::async_runtime::block_on(Desk::start(&config))?;
            let _ = DESK_UP_MS.set(STARTED.get().map_or(0, |t| t.elapsed().as_millis()));
            if bench_mode() && desk.account().is_none() {
                tauri::async_runtime::block_on(desk.demo_log_in())?;
            }
            app.manage(desk);
            follow::spawn(app.handle());
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("CertDesk failed to start");
}

#[cfg(test)]
mod tests {
    /// The demo's UKeys go where Tauri keeps the rest of the app's data.
    #[test]
    fn the_identifier_is_tauri_confs() {
        let conf = include_str!("../../tauri.conf.json");
        let conf: serde_json::Value = serde_json::from_str(conf).unwrap();
        assert_eq!(conf["identifier"], super::IDENTIFIER);
    }

    /// The committed bindings must be what the Rust code generates: a renamed command or a changed
    /// type shows up here, not as a runtime error in the UI.
    #[test]
    fn committed_typescript_bindings_match_the_rust_commands() {
        let committed_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/api/bindings.ts");
        if std::env::var_os("CERTDESK_UPDATE_BINDINGS").is_some() {
            super::export_bindings(&committed_path).unwrap();
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let fresh_path = dir.path().join("bindings.ts");
        super::export_bindings(&fresh_path).unwrap();
        let fresh = std::fs::read_to_string(&fresh_path).unwrap();
        let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
        assert!(
            fresh == committed,
            "ui/src/api/bindings.ts is out of date with the Rust commands: run `cargo xtask bindings` and commit it"
        );
    }
}
