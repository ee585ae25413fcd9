//! The staff workbench's commands (员工登录, 审核, 制证): each one line over `Desk`.

use certdesk_api::{
    ApiError, AuditQuery, CertificateRecord, NewStaffMember, ReviewQueueQuery, RevocationReason, StaffMemberView,
    StaffRole,
};
use certdesk_desk::{AuditRow, DemoStaffView, Desk, OrderRow, QueueRow, StaffAccountView, StaffOrderView};
use tauri::State;

#[tauri::command]
#[specta::specta]
pub fn staff_account(desk: State<'_, Desk>) -> Option<StaffAccountView> {
    desk.staff_account()
}

#[tauri::command]
#[specta::specta]
pub fn demo_staff(desk: State<'_, Desk>) -> DemoStaffView {
    desk.demo_staff()
}

#[tauri::command]
#[specta::specta]
pub async fn staff_log_in(
    desk: State<'_, Desk>,
    username: String,
    password: String,
) -> Result<StaffAccountView, ApiError> {
    desk.staff_log_in(&username, &password).await
}

#[tauri::command]
#[specta::specta]
pub async fn staff_log_out(desk: State<'_, Desk>) -> Result<(), ApiError> {
    desk.staff_log_out().await
}

#[tauri::command]
#[specta::specta]
pub fn forget_staff_session(desk: State<'_, Desk>) -> Result<(), ApiError> {
    desk.forget_staff_session()
}

#[tauri::command]
#[specta::specta]
pub async fn review_queue(desk: State<'_, Desk>, query: ReviewQueueQuery) -> Result<Vec<QueueRow>, ApiError> {
    desk.review_queue(&query).await
}

#[tauri::command]
#[specta::specta]
pub async fn production_queue(desk: State<'_, Desk>, query: ReviewQueueQuery) -> Result<Vec<QueueRow>, ApiError> {
    desk.production_queue(&query).await
}

#[tauri::command]
#[specta::specta]
pub async fn staff_order(desk: State<'_, Desk>, order_no: String) -> Result<StaffOrderView, ApiError> {
    desk.staff_order(&order_no).await
}

#[tauri::command]
#[specta::specta]
pub async fn mark_materials_received(desk: State<'_, Desk>, order_no: String) -> Result<OrderRow, ApiError> {
    desk.mark_materials_received(&order_no).await
}

#[tauri::command]
#[specta::specta]
pub async fn approve_order(desk: State<'_, Desk>, order_no: String) -> Result<OrderRow, ApiError> {
    desk.approve(&order_no).await
}

#[tauri::command]
#[specta::specta]
pub async fn reject_order(desk: State<'_, Desk>, order_no: String, reason: String) -> Result<OrderRow, ApiError> {
    desk.reject(&order_no, &reason).await
}

#[tauri::command]
#[specta::specta]
pub async fn ship_order(
    desk: State<'_, Desk>,
    order_no: String,
    courier: String,
    tracking_no: String,
) -> Result<OrderRow, ApiError> {
    desk.ship(&order_no, &courier, &tracking_no).await
}

/// 吊销 a certificate, with its RFC 5280 reason.
#[tauri::command]
#[specta::specta]
pub async fn revoke_certificate(
    desk: State<'_, Desk>,
    serial: String,
    reason: RevocationReason,
) -> Result<CertificateRecord, ApiError> {
    desk.revoke_certificate(&serial, reason).await
}

#[tauri::command]
#[specta::specta]
pub async fn staff_members(desk: State<'_, Desk>) -> Result<Vec<StaffMemberView>, ApiError> {
    desk.staff_members().await
}

#[tauri::command]
#[specta::specta]
pub async fn add_staff_member(desk: State<'_, Desk>, member: NewStaffMember) -> Result<StaffMemberView, ApiError> {
    desk.add_staff_member(member).await
}

#[tauri::command]
#[specta::specta]
pub async fn set_staff_roles(
    desk: State<'_, Desk>,
    id: i64,
    roles: Vec<StaffRole>,
) -> Result<StaffMemberView, ApiError> {
    desk.set_staff_roles(id, roles).await
}

#[tauri::command]
#[specta::specta]
pub async fn set_staff_disabled(desk: State<'_, Desk>, id: i64, disabled: bool) -> Result<StaffMemberView, ApiError> {
    desk.set_staff_disabled(id, disabled).await
}

#[tauri::command]
#[specta::specta]
pub async fn reset_staff_password(
    desk: State<'_, Desk>,
    id: i64,
    password: String,
) -> Result<StaffMemberView, ApiError> {
    desk.reset_staff_password(id, password).await
}

#[tauri::command]
#[specta::specta]
pub async fn staff_audit(desk: State<'_, Desk>, query: AuditQuery) -> Result<Vec<AuditRow>, ApiError> {
    desk.staff_audit(&query).await
}
