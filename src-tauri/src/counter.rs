//! The service counter's commands (现场受理, 身份证原件核验, 窗口收款, 受理回执, 现场发证, 窗口退款)
//! and production's 邮寄清单: each one line over `Desk`.

use crate::commands::papers_folder;
use certdesk_api::{ApiError, ApplicantRegistration, OrganisationAccount, PaymentMethod, PaymentRecord, SubmitOrder};
use certdesk_desk::{Desk, IdCardView, OrderRow};
use tauri::State;

#[tauri::command]
#[specta::specta]
pub async fn read_id_card(desk: State<'_, Desk>) -> Result<IdCardView, ApiError> {
    desk.read_id_card().await
}

#[tauri::command]
#[specta::specta]
pub async fn find_organisation(
    desk: State<'_, Desk>,
    credit_code: String,
) -> Result<Option<OrganisationAccount>, ApiError> {
    desk.find_organisation(&credit_code).await
}

#[tauri::command]
#[specta::specta]
pub async fn register_organisation(
    desk: State<'_, Desk>,
    registration: ApplicantRegistration,
) -> Result<OrganisationAccount, ApiError> {
    desk.register_organisation(registration).await
}

#[tauri::command]
#[specta::specta]
pub async fn submit_at_counter(desk: State<'_, Desk>, form: SubmitOrder) -> Result<OrderRow, ApiError> {
    desk.submit_at_counter(form).await
}

#[tauri::command]
#[specta::specta]
pub async fn check_id_card(
    desk: State<'_, Desk>,
    order_no: String,
    name: String,
    id_number: String,
) -> Result<OrderRow, ApiError> {
    desk.check_id_card(&order_no, &name, &id_number).await
}

#[tauri::command]
#[specta::specta]
pub async fn take_counter_payment(
    desk: State<'_, Desk>,
    order_no: String,
    method: PaymentMethod,
    receipt_no: String,
) -> Result<OrderRow, ApiError> {
    desk.take_counter_payment(&order_no, method, &receipt_no).await
}

#[tauri::command]
#[specta::specta]
pub async fn issue_at_counter(desk: State<'_, Desk>, order_no: String) -> Result<OrderRow, ApiError> {
    desk.issue_at_counter(&order_no).await
}

#[tauri::command]
#[specta::specta]
pub async fn refund_at_counter(
    desk: State<'_, Desk>,
    order_no: String,
    receipt_no: String,
) -> Result<Vec<PaymentRecord>, ApiError> {
    desk.refund_at_counter(&order_no, &receipt_no).await
}

/// Saves the 受理回执 in the Downloads folder and returns its path, for `open_saved_file`.
#[tauri::command]
#[specta::specta]
pub async fn save_counter_receipt(
    desk: State<'_, Desk>,
    app: tauri::AppHandle,
    order_no: String,
) -> Result<String, ApiError> {
    Ok(desk.save_counter_receipt(&order_no, &papers_folder(&app)?).await?.display().to_string())
}

/// Saves the day's 邮寄清单 (`date` `YYYY-MM-DD`, today when absent) and returns its path.
#[tauri::command]
#[specta::specta]
pub async fn save_shipping_list(
    desk: State<'_, Desk>,
    app: tauri::AppHandle,
    date: Option<String>,
) -> Result<String, ApiError> {
    Ok(desk.save_shipping_list(date.as_deref(), &papers_folder(&app)?).await?.display().to_string())
}
