//! The staff's workbench (工作台): a staff member's session beside the organisation's, and the
//! steps of 审核 and 制证 over the platform's staff API. Both sessions live side by side, so one
//! computer (a demo, a training room) can take an order from 申领 to 已发证, switching between the
//! organisation and the staff. The staff session is sealed like the organisation's.

use crate::{Desk, DeskError, HistoryRow, OrderRow, beijing_text, lock};
use certdesk_api::{
    ApiError, AuditQuery, ErrorCode, NewStaffMember, OrderSummary, PasswordReset, PaymentRecord, Rejection, ReviewItem,
    ReviewQueueQuery, Shipment, StaffLogin, StaffMemberView, StaffRole, StaffRoles, StaffSession, SubmitOrder,
};
use certdesk_client::PlatformClient;
use certdesk_core::OrderNumber;
use certdesk_store::StoredStaffSession;
use certdesk_vault::Sealer;
use rusqlite::Connection;
use serde::Serialize;

/// The staff member signed in on this computer; `None` means the 员工登录 form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StaffAccountView {
    pub username: String,
    pub display_name: String,
    /// What the workbench's menu offers; the platform checks every step again.
    pub roles: Vec<StaffRole>,
}

/// The embedded platform's demo staff accounts and their shared password, shown on the 员工登录
/// form; empty on a real platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DemoStaffView {
    pub accounts: Vec<DemoStaffAccount>,
    pub password: Option<String>,
}

/// One of the embedded platform's demo staff accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DemoStaffAccount {
    pub username: String,
    pub display_name: String,
    pub roles: Vec<StaffRole>,
}

/// A line of the review or production queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct QueueRow {
    pub row: OrderRow,
    /// When the order entered the state it waits in, Beijing time (`2026-12-01 09:30:00`).
    pub waiting_since_text: String,
    pub working_days_waited: u32,
    /// Past the guide's promise (审核 1–2 working days, 制证 1).
    pub overdue: bool,
}

impl From<ReviewItem> for QueueRow {
    fn from(item: ReviewItem) -> QueueRow {
        QueueRow {
            waiting_since_text: beijing_text(&item.waiting_since),
            working_days_waited: item.working_days_waited,
            overdue: item.overdue,
            row: item.order.into(),
        }
    }
}

/// An order in full for the staff: the order, the application as submitted (ID number masked),
/// its payments and its history (face attempts, documents, reviews).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StaffOrderView {
    pub row: OrderRow,
    pub application: SubmitOrder,
    pub payments: Vec<PaymentRecord>,
    /// 人脸认证 attempts: when, the result and why (no photo exists).
    pub face_attempts: Vec<FaceAttemptRow>,
    pub history: Vec<HistoryRow>,
    pub eta: Option<certdesk_api::EtaView>,
    /// The certificates issued for it so far (制证 stops at 申领数量).
    pub certificates: Vec<certdesk_api::CertificateRecord>,
}

/// One 人脸认证 attempt of an order, for the reviewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FaceAttemptRow {
    pub attempt: certdesk_api::FaceAttemptRecord,
    pub at_text: String,
    pub passed: bool,
}

/// A line of the 操作日志.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditRow {
    pub entry: certdesk_api::AuditEntry,
    /// When, Beijing time (`2026-12-01 09:30:00`).
    pub at_text: String,
}

fn roles_text(roles: &[StaffRole]) -> String {
    serde_json::to_string(roles).unwrap_or_else(|_| "[]".into())
}

/// What a staff session's token is sealed against: the platform it is for.
pub(crate) fn session_context(platform: &str) -> String {
    format!("staff {platform}")
}

/// The staff session kept from the last run for `platform`, unless it expired or cannot be opened.
pub(crate) fn restore(
    store: &Connection,
    sealer: &Sealer,
    platform: &str,
    client: &PlatformClient,
) -> crate::Result<Option<StaffAccountView>> {
    let Some(stored) = certdesk_store::staff_session(store, platform)? else { return Ok(None) };
    let expired = chrono::DateTime::parse_from_rfc3339(&stored.expires_at).map_or(true, |t| t <= chrono::Utc::now());
    let roles: Option<Vec<StaffRole>> = serde_json::from_str(&stored.roles).ok();
    match (sealer.open(&stored.token_sealed, &session_context(platform)), roles) {
        (Ok(token), Some(roles)) if !expired => {
            client.set_session(Some(token));
            Ok(Some(StaffAccountView { username: stored.username, display_name: stored.display_name, roles }))
        }
        _ => {
            certdesk_store::forget_staff_session(store, platform)?;
            Ok(None)
        }
    }
}

pub(crate) fn parse(order_no: &str) -> Result<OrderNumber, ApiError> {
    OrderNumber::parse(order_no).map_err(ApiError::from)
}

/// Which platform the sessions belong to: the embedded one keeps its data (and sessions) across
/// starts although it listens on a new port each time.
pub(crate) fn platform_key(embedded: bool, base_url: &str) -> String {
    if embedded { "embedded".into() } else { base_url.to_owned() }
}

impl Desk {
    pub(crate) fn platform_key(&self) -> String {
        platform_key(self.embedded.is_some(), self.client.base_url())
    }

    /// The staff member signed in here, if any.
    pub fn staff_account(&self) -> Option<StaffAccountView> {
        lock(&self.staff).clone()
    }

    /// The embedded platform's demo staff and their password, for the 员工登录 form; nothing on a
    /// real platform.
    pub fn demo_staff(&self) -> DemoStaffView {
        if self.embedded.is_none() {
            return DemoStaffView { accounts: Vec::new(), password: None };
        }
        let accounts = certdesk_platform::DEMO_STAFF
            .iter()
            .map(|s| DemoStaffAccount {
                username: s.username.to_owned(),
                display_name: s.display_name.to_owned(),
                roles: s.roles.to_vec(),
            })
            .collect();
        DemoStaffView { accounts, password: Some(certdesk_platform::DEMO_STAFF_PASSWORD.to_owned()) }
    }

    /// 员工登录: the staff member's session, kept (sealed) for the next start. The organisation's
    /// session stays as it was.
    pub async fn staff_log_in(&self, username: &str, password: &str) -> Result<StaffAccountView, ApiError> {
        let login = StaffLogin { username: username.trim().to_owned(), password: password.to_owned() };
        let session: StaffSession = self.staff_client.staff_log_in(&login).await.map_err(DeskError::from)?;
        let platform = self.platform_key();
        let stored = StoredStaffSession {
            token_sealed: self.sealer.seal(&session.token, &session_context(&platform)).map_err(DeskError::from)?,
            platform,
            username: login.username.clone(),
            display_name: session.display_name.clone(),
            roles: roles_text(&session.roles),
            expires_at: session.expires_at.clone(),
        };
        certdesk_store::save_staff_session(&self.store(), &stored).map_err(DeskError::from)?;
        self.staff_client.set_session(Some(session.token));
        let account =
            StaffAccountView { username: login.username, display_name: session.display_name, roles: session.roles };
        *lock(&self.staff) = Some(account.clone());
        tracing::info!(username = %account.username, "staff signed in");
        Ok(account)
    }

    /// 退出员工登录: ends the staff session here and on the platform (when it can be reached).
    pub async fn staff_log_out(&self) -> Result<(), ApiError> {
        if let Err(e) = self.staff_client.staff_log_out().await {
            tracing::warn!(error = %e, "the platform did not end the staff session; forgetting it here anyway");
        }
        self.forget_staff_session()
    }

    /// Forgets the staff session locally (after 退出, or when the platform refuses it).
    pub fn forget_staff_session(&self) -> Result<(), ApiError> {
        certdesk_store::forget_staff_session(&self.store(), &self.platform_key()).map_err(DeskError::from)?;
        self.staff_client.set_session(None);
        *lock(&self.staff) = None;
        Ok(())
    }

    pub(crate) fn signed_in_staff(&self) -> Result<&PlatformClient, ApiError> {
        if self.staff_client.has_session() {
            Ok(&self.staff_client)
        } else {
            Err(ApiError::new(ErrorCode::Unauthorized, "请先以员工账号登录"))
        }
    }

    /// 审核队列: 待审核 orders, oldest first, with the working days each has waited; `query` filters
    /// (CA服务商, verification, 申领时间) and pages.
    pub async fn review_queue(&self, query: &ReviewQueueQuery) -> Result<Vec<QueueRow>, ApiError> {
        let items = self.signed_in_staff()?.review_queue(query).await.map_err(DeskError::from)?;
        Ok(items.into_iter().map(QueueRow::from).collect())
    }

    /// 制证队列: 审核通过, 待制证 orders, oldest first.
    pub async fn production_queue(&self, query: &ReviewQueueQuery) -> Result<Vec<QueueRow>, ApiError> {
        let items = self.signed_in_staff()?.production_queue(query).await.map_err(DeskError::from)?;
        Ok(items.into_iter().map(QueueRow::from).collect())
    }

    /// An order in full, for 审核 and 制证.
    pub async fn staff_order(&self, order_no: &str) -> Result<StaffOrderView, ApiError> {
        let number = parse(order_no)?;
        let client = self.signed_in_staff()?;
        let (detail, application, payments, face_attempts, certificates) = tokio::try_join!(
            client.order_detail(&number),
            client.application(&number),
            client.payments(&number),
            client.order_face_attempts(&number),
            client.order_certificates(&number)
        )
        .map_err(DeskError::from)?;
        Ok(StaffOrderView {
            row: detail.order.into(),
            application,
            payments,
            face_attempts: face_attempts
                .into_iter()
                .map(|a| FaceAttemptRow { at_text: beijing_text(&a.at), passed: a.outcome == "passed", attempt: a })
                .collect(),
            history: detail.history.into_iter().map(HistoryRow::from).collect(),
            eta: detail.eta,
            certificates,
        })
    }

    /// 纸质资料已收到.
    pub async fn mark_materials_received(&self, order_no: &str) -> Result<OrderRow, ApiError> {
        let number = parse(order_no)?;
        staff_answer(self.signed_in_staff()?.materials_received(&number).await)
    }

    /// 审核通过.
    pub async fn approve(&self, order_no: &str) -> Result<OrderRow, ApiError> {
        let number = parse(order_no)?;
        staff_answer(self.signed_in_staff()?.approve(&number).await)
    }

    /// 审核不通过, with the reason the organisation reads under 编辑.
    pub async fn reject(&self, order_no: &str, reason: &str) -> Result<OrderRow, ApiError> {
        let number = parse(order_no)?;
        let rejection = Rejection { reason: reason.trim().to_owned() };
        staff_answer(self.signed_in_staff()?.reject(&number, &rejection).await)
    }

    /// 制证 and 邮寄: the courier and its tracking number; the order becomes 已发证.
    pub async fn ship(&self, order_no: &str, courier: &str, tracking_no: &str) -> Result<OrderRow, ApiError> {
        let number = parse(order_no)?;
        let shipment = Shipment { courier: courier.trim().to_owned(), tracking_no: tracking_no.trim().to_owned() };
        staff_answer(self.signed_in_staff()?.ship(&number, &shipment).await)
    }
}

impl Desk {
    // 管理: staff accounts, for an administrator (the platform refuses anyone else).

    pub async fn staff_members(&self) -> Result<Vec<StaffMemberView>, ApiError> {
        Ok(self.signed_in_staff()?.staff_members().await.map_err(DeskError::from)?)
    }

    pub async fn add_staff_member(&self, member: NewStaffMember) -> Result<StaffMemberView, ApiError> {
        let member = NewStaffMember {
            username: member.username.trim().to_owned(),
            display_name: member.display_name.trim().to_owned(),
            ..member
        };
        Ok(self.signed_in_staff()?.add_staff_member(&member).await.map_err(DeskError::from)?)
    }

    pub async fn set_staff_roles(&self, id: i64, roles: Vec<StaffRole>) -> Result<StaffMemberView, ApiError> {
        Ok(self.signed_in_staff()?.set_staff_roles(id, &StaffRoles { roles }).await.map_err(DeskError::from)?)
    }

    /// 停用 or 启用; a disabled member's sessions end at once on the platform.
    pub async fn set_staff_disabled(&self, id: i64, disabled: bool) -> Result<StaffMemberView, ApiError> {
        Ok(self.signed_in_staff()?.set_staff_disabled(id, disabled).await.map_err(DeskError::from)?)
    }

    /// 操作日志: what the staff did, newest first, filtered by member, order and day.
    pub async fn staff_audit(&self, query: &AuditQuery) -> Result<Vec<AuditRow>, ApiError> {
        let entries = self.signed_in_staff()?.audit(query).await.map_err(DeskError::from)?;
        Ok(entries.into_iter().map(|entry| AuditRow { at_text: beijing_text(&entry.at), entry }).collect())
    }

    pub async fn reset_staff_password(&self, id: i64, password: String) -> Result<StaffMemberView, ApiError> {
        let reset = PasswordReset { password };
        Ok(self.signed_in_staff()?.reset_staff_password(id, &reset).await.map_err(DeskError::from)?)
    }
}

/// A staff step's answer as a row. Staff steps are not kept in the organisation's local record: the
/// order is the organisation's, and its own app hears of the change from the platform.
pub(crate) fn staff_answer(answer: certdesk_client::Result<OrderSummary>) -> Result<OrderRow, ApiError> {
    Ok(answer.map_err(DeskError::from)?.into())
}
