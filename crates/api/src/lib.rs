//! The platform's HTTP contract under `/v1`: what is sent, what comes back, and the one error shape
//! `{code, message}` used over HTTP and over the app's IPC alike.
//!
//! Architecture invariant: plain data only. The platform serves these types, the client sends and
//! receives them, and the app passes them to the UI unchanged (they derive `specta::Type`, so the
//! TypeScript bindings are generated from here).

use certdesk_core::{FieldError, Money, OrderNumber, OrderStatus};
use serde::{Deserialize, Serialize};
use std::fmt;

pub use certdesk_core::ApplicationForm as SubmitOrder;

mod accounts;
pub use accounts::*;
mod certificates;
pub use certificates::*;
mod invoices;
pub use invoices::*;

/// The small closed set of error kinds the UI branches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum ErrorCode {
    /// The request's content breaks a rule; `fields` says which fields and why (HTTP 422).
    Validation,
    /// The request itself is malformed: not JSON, wrong types (HTTP 400).
    BadRequest,
    /// No session, or it expired: log in (HTTP 401).
    Unauthorized,
    /// Logged in, but this is not yours to do (HTTP 403).
    Forbidden,
    NotFound,
    /// The change conflicts with the order's current state (HTTP 409).
    Conflict,
    /// The request (an uploaded photo, a body) is larger than allowed (HTTP 413).
    PayloadTooLarge,
    /// Too many requests: the day's 10 face attempts are used, or logins come too fast (HTTP 429).
    TooManyRequests,
    /// The platform could not be reached (the client and the app), or a service it depends on
    /// could not answer (HTTP 503).
    Unavailable,
    /// Something failed inside; the details are in the log, not in the message (HTTP 500).
    Internal,
}

/// The one error shape. `message` is Chinese, for the user to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// For [`ErrorCode::Validation`]: each refused field with its own message.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
    /// For a refused 发票申请: each refused field of the invoice dialog with its own message.
    #[serde(default, rename = "invoiceFields", skip_serializing_if = "Vec::is_empty")]
    pub invoice_fields: Vec<certdesk_core::InvoiceFieldError>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError { code, message: message.into(), fields: Vec::new(), invoice_fields: Vec::new() }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

impl From<certdesk_core::Error> for ApiError {
    fn from(e: certdesk_core::Error) -> Self {
        let message = e.to_string();
        match e {
            certdesk_core::Error::InvalidApplication(fields) => {
                ApiError { code: ErrorCode::Validation, message, fields, invoice_fields: Vec::new() }
            }
            certdesk_core::Error::InvalidInvoice(invoice_fields) => {
                ApiError { code: ErrorCode::Validation, message, fields: Vec::new(), invoice_fields }
            }
            certdesk_core::Error::InvalidOrderNumber | certdesk_core::Error::InvalidListQuery(_) => {
                ApiError::new(ErrorCode::BadRequest, message)
            }
        }
    }
}

/// A CA service provider (CA服务商) and its fee per certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Provider {
    pub id: String,
    /// As shown in the order list, e.g. 浙江汇信CA.
    pub name: String,
    /// Fee per certificate in fen; zero means the order needs no payment.
    pub unit_fee: Money,
    /// Demo data seeded by the embedded platform, labelled so nobody mistakes it for a real price.
    pub demo: bool,
}

/// An order as the platform reports it: the row of the guide's order list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderSummary {
    /// 订单编号.
    pub order_no: OrderNumber,
    pub provider_id: String,
    /// CA服务商.
    pub provider_name: String,
    /// 机构名称.
    pub organisation_name: String,
    /// 申领人.
    pub applicant_name: String,
    /// 申领数量.
    pub quantity: u32,
    /// The total fee: quantity × the provider's unit fee, in fen.
    pub fee: Money,
    /// 状态.
    pub status: OrderStatus,
    /// 申领时间, RFC 3339 in Asia/Shanghai (`2020-06-02T21:14:41+08:00`).
    pub submitted_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_serialise_as_code_and_message_with_fields_only_when_present() {
        let plain = ApiError::new(ErrorCode::NotFound, "订单不存在");
        assert_eq!(serde_json::to_string(&plain).unwrap(), r#"{"code":"notFound","message":"订单不存在"}"#);
        let refused: ApiError = certdesk_core::Error::InvalidApplication(vec![FieldError {
            field: certdesk_core::FormField::Email,
            message: "请输入电子邮箱".into(),
        }])
        .into();
        assert_eq!(
            serde_json::to_value(&refused).unwrap(),
            serde_json::json!({"code": "validation", "message": "申领信息有误：请输入电子邮箱",
                "fields": [{"field": "email", "message": "请输入电子邮箱"}]})
        );
    }
}

/// `GET /v1/orders` filters, as query parameters. All optional; newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", default)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    /// 订单编号, whole or its first digits.
    pub order_no: Option<String>,
    /// 申领状态, by [`certdesk_core::OrderStatus::code`], e.g. `pendingReview`.
    pub status: Option<String>,
    /// CA服务商.
    pub provider_id: Option<String>,
    /// 申领时间 from this date (`YYYY-MM-DD`, Asia/Shanghai), inclusive.
    pub submitted_from: Option<String>,
    /// 申领时间 up to this date, inclusive.
    pub submitted_to: Option<String>,
    /// 1-based page number; default 1.
    pub page: Option<u32>,
    /// 1 to 100; default 10, as the guide's list shows.
    pub page_size: Option<u32>,
}

impl OrderQuery {
    /// The query checked by the core's rules (the same wherever orders are listed).
    pub fn list_filter(&self) -> certdesk_core::Result<certdesk_core::OrderListFilter> {
        certdesk_core::OrderListFilter::parse(certdesk_core::OrderListForm {
            order_no: self.order_no.as_deref(),
            status: self.status.as_deref(),
            provider_id: self.provider_id.as_deref(),
            submitted_from: self.submitted_from.as_deref(),
            submitted_to: self.submitted_to.as_deref(),
            page: self.page,
            page_size: self.page_size,
        })
    }
}

/// `GET /v1/staff/shipping-list`: the day of the 邮寄清单.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", default)]
#[into_params(parameter_in = Query)]
pub struct ShippingListQuery {
    /// `YYYY-MM-DD` (Asia/Shanghai); today when absent.
    pub date: Option<String>,
}

/// `GET /v1/staff/review-queue` (and `production-queue`) filters and paging: the queue is oldest
/// first, so page 1 is the most urgent. All optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", default)]
#[into_params(parameter_in = Query)]
pub struct ReviewQueueQuery {
    /// CA服务商.
    pub provider_id: Option<String>,
    /// How the applicant was verified: `verified` (人脸认证), `awaitingMaterials` (待收材料) or
    /// `materialsReceived` (材料已收).
    pub verification: Option<String>,
    /// 申领时间 from this date (`YYYY-MM-DD`, Asia/Shanghai), inclusive.
    pub submitted_from: Option<String>,
    /// 申领时间 up to this date, inclusive.
    pub submitted_to: Option<String>,
    /// 1-based page number; default 1.
    pub page: Option<u32>,
    /// 1 to 100; default 50.
    pub page_size: Option<u32>,
}

/// One page of orders and how many match in all (共有 N 条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderPage {
    pub items: Vec<OrderSummary>,
    pub total: u32,
    pub page: u32,
    pub page_size: u32,
}

/// What the platform tells every client about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlatformSettings {
    /// Where applicants mail paper documents when face verification is not possible.
    pub paper_documents_address: String,
    /// The most certificates one application may ask for.
    pub max_quantity: u32,
    /// The version of the working-day calendar (`GET /v1/calendar`).
    pub calendar_version: String,
}

/// The working-day calendar in its documented line format (see `certdesk-core`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CalendarDocument {
    pub version: String,
    pub text: String,
}

/// The header that makes a retried submit return the order the first attempt created.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// One row of an order's append-only history: who moved it from what to what, when, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderEventRecord {
    /// RFC 3339 in Asia/Shanghai.
    pub at: String,
    pub actor: certdesk_core::Actor,
    /// `None` for the submission itself.
    pub from: Option<OrderStatus>,
    pub to: OrderStatus,
    pub reason: Option<String>,
    /// The staff member who took the step (their name then), shown to staff only: an applicant
    /// sees the role (审核人员), never who.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_name: Option<String>,
}

/// When the order's next step is due, in working days (Asia/Shanghai dates, `YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EtaView {
    /// 平台审核 or 制证.
    pub step: String,
    pub earliest: String,
    pub latest: String,
    /// A peak-season warning: review may take longer, apply a month ahead.
    pub peak_season: Option<String>,
}

/// 查看: an order with its history and what to expect next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderDetail {
    pub order: OrderSummary,
    /// Oldest first.
    pub history: Vec<OrderEventRecord>,
    pub eta: Option<EtaView>,
}

/// 今日剩余次数: the face attempts of the order's applicant (by ID number) today, Asia/Shanghai.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FaceAttemptsView {
    pub used: u32,
    pub remaining: u32,
    pub limit: u32,
    /// RFC 3339, the next midnight in Beijing.
    pub resets_at: String,
}

/// One 人脸认证 attempt of an order, as the reviewer sees it (there is no photo to see: only its
/// result was ever kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FaceAttemptRecord {
    /// RFC 3339, Asia/Shanghai.
    pub at: String,
    /// `passed`, `failed`, or `pending` while the provider is asked.
    pub outcome: String,
    /// Why it failed.
    pub reason: Option<String>,
    /// The identity-verification provider asked.
    pub provider: String,
}

/// `POST /v1/orders/{orderNo}/face-verifications` (body: the JPEG photo): the result of one attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FaceAttemptResult {
    pub passed: bool,
    /// Why it failed, for the applicant.
    pub reason: Option<String>,
    pub attempts: FaceAttemptsView,
    /// The order after the attempt: 待支付 or 待审核 when passed, still 待认证 when not.
    pub order: OrderSummary,
}

/// `POST /v1/staff/sessions`: a staff member logs in to the workbench.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StaffLogin {
    pub username: String,
    pub password: String,
}

/// A staff account as 管理 lists it (no password, no hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StaffMemberView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<StaffRole>,
    /// 已停用: the member cannot sign in, and their sessions ended when it was set.
    pub disabled: bool,
    /// RFC 3339.
    pub created_at: String,
}

/// `POST /v1/staff/members`: a new staff account (管理).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewStaffMember {
    pub username: String,
    pub display_name: String,
    /// At least 10 characters.
    pub password: String,
    pub roles: Vec<StaffRole>,
}

/// `PUT /v1/staff/members/{id}/roles`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StaffRoles {
    pub roles: Vec<StaffRole>,
}

/// `POST /v1/staff/members/{id}/password`: 重置密码; the member's sessions end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PasswordReset {
    pub password: String,
}

/// A staff member's role; each allows the process steps of that job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum StaffRole {
    /// 审核: review, reject with a reason, register received paper documents.
    Reviewer,
    /// 制证: produce and mail certificates.
    Producer,
    /// 现场办理: everything a walk-in applicant needs at the counter, including issuing on site.
    Counter,
    /// Manages staff accounts.
    Admin,
}

impl StaffRole {
    pub fn label_zh(self) -> &'static str {
        match self {
            StaffRole::Reviewer => "审核",
            StaffRole::Producer => "制证",
            StaffRole::Counter => "现场办理",
            StaffRole::Admin => "管理",
        }
    }
}

/// An opaque session token and when it stops working.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StaffSession {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// RFC 3339, Asia/Shanghai.
    pub expires_at: String,
    pub display_name: String,
    pub roles: Vec<StaffRole>,
}

/// `POST /v1/staff/orders/{no}/reject`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Rejection {
    /// 不通过理由, shown to the applicant.
    pub reason: String,
}

/// An organisation's applicant account, as the service counter finds or registers it (现场受理).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrganisationAccount {
    pub organisation_name: String,
    pub credit_code: String,
    /// The account's username, for the organisation to sign in to its own app.
    pub username: String,
    /// RFC 3339, Asia/Shanghai.
    pub registered_at: String,
}

/// What a staff member did, as the audit view (管理 → 操作日志) lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum AuditAction {
    /// 员工登录.
    LogIn,
    /// A failed 员工登录 (wrong password, unknown or disabled account, throttled).
    LogInFailed,
    LogOut,
    /// A step on an order (审核, 制证, 窗口): the status it led to is the entry's detail.
    OrderStep,
    /// 为机构注册 at the counter.
    OrganisationRegistered,
    MemberAdded,
    RolesSet,
    MemberDisabled,
    MemberEnabled,
    PasswordReset,
    /// A certificate issued for an order (制证 / 现场发证): its serial is the detail.
    CertificateIssued,
    /// 吊销: the serial and the reason.
    CertificateRevoked,
}

impl AuditAction {
    pub fn code(self) -> &'static str {
        match self {
            AuditAction::LogIn => "logIn",
            AuditAction::LogInFailed => "logInFailed",
            AuditAction::LogOut => "logOut",
            AuditAction::OrderStep => "orderStep",
            AuditAction::OrganisationRegistered => "organisationRegistered",
            AuditAction::MemberAdded => "memberAdded",
            AuditAction::RolesSet => "rolesSet",
            AuditAction::MemberDisabled => "memberDisabled",
            AuditAction::MemberEnabled => "memberEnabled",
            AuditAction::PasswordReset => "passwordReset",
            AuditAction::CertificateIssued => "certificateIssued",
            AuditAction::CertificateRevoked => "certificateRevoked",
        }
    }

    pub const ALL: [AuditAction; 12] = [
        AuditAction::LogIn,
        AuditAction::LogInFailed,
        AuditAction::LogOut,
        AuditAction::OrderStep,
        AuditAction::OrganisationRegistered,
        AuditAction::MemberAdded,
        AuditAction::RolesSet,
        AuditAction::MemberDisabled,
        AuditAction::MemberEnabled,
        AuditAction::PasswordReset,
        AuditAction::CertificateIssued,
        AuditAction::CertificateRevoked,
    ];

    pub fn from_code(code: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.code() == code)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            AuditAction::LogIn => "登录",
            AuditAction::LogInFailed => "登录失败",
            AuditAction::LogOut => "退出登录",
            AuditAction::OrderStep => "办理订单",
            AuditAction::OrganisationRegistered => "为机构注册",
            AuditAction::MemberAdded => "新增员工",
            AuditAction::RolesSet => "设置角色",
            AuditAction::MemberDisabled => "停用员工",
            AuditAction::MemberEnabled => "启用员工",
            AuditAction::PasswordReset => "重置密码",
            AuditAction::CertificateIssued => "签发证书",
            AuditAction::CertificateRevoked => "吊销证书",
        }
    }
}

/// One entry of the audit view, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub id: i64,
    /// RFC 3339, Asia/Shanghai.
    pub at: String,
    /// Who acted; `None` for a failed log-in to an account that does not exist.
    pub staff_id: Option<i64>,
    pub staff_name: Option<String>,
    /// The username given at log-in (for log-ins and failed log-ins).
    pub username: Option<String>,
    pub action: AuditAction,
    pub order_no: Option<String>,
    /// What changed: the status an order step led to, the member's roles, the organisation.
    pub detail: Option<String>,
    /// The caller's address, for log-ins.
    pub client: Option<String>,
}

/// `GET /v1/staff/audit`: filters (all optional) and paging, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", default)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// The staff member's id.
    pub member_id: Option<i64>,
    /// 订单编号.
    pub order_no: Option<String>,
    /// `YYYY-MM-DD` (Asia/Shanghai), inclusive.
    pub from: Option<String>,
    /// `YYYY-MM-DD` (Asia/Shanghai), inclusive.
    pub to: Option<String>,
    /// From 1.
    pub page: Option<u32>,
    /// 1 to 100; 50 when absent.
    pub page_size: Option<u32>,
}

/// `POST /v1/staff/orders/{no}/id-card-check`: 身份证原件核验, what the counter read from the
/// applicant's original second-generation ID card (by the card reader, or typed from the card).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IdCardCheck {
    pub name: String,
    pub id_number: String,
}

/// `POST /v1/staff/orders/{no}/ship`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Shipment {
    pub courier: String,
    pub tracking_no: String,
}

/// How a payment was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum PaymentMethod {
    /// 现金, taken at the service counter.
    CounterCash,
    /// 刷卡 at the counter.
    CounterCard,
    /// 扫码 at the counter (the counter's own terminal).
    CounterQrCode,
    /// 支付宝 page pay.
    Alipay,
    /// 微信支付 Native.
    Wechat,
}

impl PaymentMethod {
    pub fn code(self) -> &'static str {
        match self {
            PaymentMethod::CounterCash => "counterCash",
            PaymentMethod::CounterCard => "counterCard",
            PaymentMethod::CounterQrCode => "counterQrCode",
            PaymentMethod::Alipay => "alipay",
            PaymentMethod::Wechat => "wechat",
        }
    }

    /// As the counter's receipt and the payments list name it.
    pub fn label_zh(self) -> &'static str {
        match self {
            PaymentMethod::CounterCash => "现金",
            PaymentMethod::CounterCard => "刷卡",
            PaymentMethod::CounterQrCode => "窗口扫码",
            PaymentMethod::Alipay => "支付宝",
            PaymentMethod::Wechat => "微信支付",
        }
    }

    pub fn from_code(code: &str) -> Option<PaymentMethod> {
        [Self::CounterCash, Self::CounterCard, Self::CounterQrCode, Self::Alipay, Self::Wechat]
            .into_iter()
            .find(|m| m.code() == code)
    }
}

/// `POST /v1/staff/orders/{no}/counter-payment`: the fee taken at the service counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CounterPayment {
    /// `counterCash`, `counterCard` or `counterQrCode`.
    pub method: PaymentMethod,
    /// The counter's receipt number (收据号).
    pub receipt_no: String,
}

/// A payment of an order, as staff and the applicant see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRecord {
    /// The platform's trade number for the payment, unique across all payments.
    pub out_trade_no: String,
    pub method: PaymentMethod,
    pub amount: Money,
    pub state: PaymentState,
    pub receipt_no: Option<String>,
    pub created_at: String,
    pub paid_at: Option<String>,
    /// The gateway's own number for the trade (支付宝交易号, 微信支付订单号).
    pub gateway_trade_no: Option<String>,
    /// How many notifications the gateway sent for it (each kept as received).
    pub notifications: i64,
    /// When the gateway confirmed its refund.
    pub refunded_at: Option<String>,
}

/// Where a payment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum PaymentState {
    /// Opened at the gateway, not paid (yet).
    Pending,
    /// Paid; the order moved on.
    Paid,
    Failed,
    /// Closed without payment (cancelled at the cashier, or expired).
    Closed,
    /// Paid and given back: the order was cancelled, or it had been paid already.
    Refunded,
    /// The gateway reported a payment of another amount than the one asked: never applied, kept
    /// for staff to see to.
    AmountMismatch,
}

impl PaymentState {
    pub fn code(self) -> &'static str {
        match self {
            PaymentState::Pending => "pending",
            PaymentState::Paid => "paid",
            PaymentState::Failed => "failed",
            PaymentState::Closed => "closed",
            PaymentState::Refunded => "refunded",
            PaymentState::AmountMismatch => "amountMismatch",
        }
    }

    pub fn from_code(code: &str) -> Option<PaymentState> {
        [Self::Pending, Self::Paid, Self::Failed, Self::Closed, Self::Refunded, Self::AmountMismatch]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// `GET /v1/staff/payments/attention`: a payment staff must see to (the gateway reported another
/// amount than the one asked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlaggedPayment {
    pub order_no: OrderNumber,
    pub out_trade_no: String,
    pub method: PaymentMethod,
    /// What was asked.
    pub amount: Money,
    /// What the gateway's signed notification said was paid.
    pub notified_amount: Option<Money>,
    pub state: PaymentState,
    pub gateway_trade_no: Option<String>,
    pub created_at: String,
}

/// Where a refund stands: recorded → sent and accepted → confirmed by the gateway, or its final
/// refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum RefundState {
    /// Owed and recorded; not accepted by the gateway yet (sent again until it is).
    Requested,
    /// Accepted by the gateway, not confirmed yet.
    Processing,
    /// Confirmed by the gateway's query or notification, or given back at the counter.
    Succeeded,
    /// Refused or closed by the gateway: staff must see to it.
    Failed,
    /// The money could not reach the payer (WeChat Pay's ABNORMAL): staff must see to it.
    Abnormal,
}

impl RefundState {
    pub fn code(self) -> &'static str {
        match self {
            RefundState::Requested => "requested",
            RefundState::Processing => "processing",
            RefundState::Succeeded => "succeeded",
            RefundState::Failed => "failed",
            RefundState::Abnormal => "abnormal",
        }
    }

    pub fn from_code(code: &str) -> Option<RefundState> {
        [Self::Requested, Self::Processing, Self::Succeeded, Self::Failed, Self::Abnormal]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// A refund owed or made, as staff see it (`GET /v1/staff/refunds`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefundRecord {
    pub order_no: OrderNumber,
    /// The payment it gives back.
    pub out_trade_no: String,
    pub method: PaymentMethod,
    /// The refund's own number (sent to the gateway under it, once); absent for one still owed at
    /// the counter.
    pub out_request_no: Option<String>,
    pub amount: Money,
    pub state: RefundState,
    pub reason: String,
    /// The gateway's last word when it refused, or why sending failed.
    pub last_error: Option<String>,
    /// 退款 at the counter: the receipt number.
    pub receipt_no: Option<String>,
    pub created_at: String,
    pub done_at: Option<String>,
}

/// `POST /v1/staff/orders/{no}/counter-refund`: the counter gave a counter payment back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CounterRefund {
    /// The counter's receipt number for the refund (退款凭证号).
    pub receipt_no: String,
}

/// `POST /v1/orders/{no}/payments`: 去支付 with 支付宝 (`alipay`) or 微信支付 (`wechat`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StartPayment {
    pub method: PaymentMethod,
    /// Where the gateway sends the browser back after paying: `certdesk://pay/return` (the app's
    /// deep link) or a loopback `http://127.0.0.1:PORT/…` address. Only Alipay uses it.
    #[serde(default)]
    pub return_url: Option<String>,
}

/// A payment opened at the gateway: where to pay it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentStart {
    pub out_trade_no: String,
    pub method: PaymentMethod,
    pub amount: Money,
    /// 支付宝: the gateway's page, opened in the system browser.
    pub pay_url: Option<String>,
    /// 微信支付: the code shown as a QR code for the phone to scan.
    pub code_url: Option<String>,
}

/// `GET /v1/orders/{no}/payments/{out_trade_no}`: the payment as the platform knows it after asking
/// the gateway, and the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentProgress {
    pub out_trade_no: String,
    pub state: PaymentState,
    pub order: OrderSummary,
}

/// A row of the review queue: an order waiting for review and how long it has waited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReviewItem {
    pub order: OrderSummary,
    /// When the order entered 待审核 (RFC 3339).
    pub waiting_since: String,
    /// Working days waited so far; the guide promises review within 2.
    pub working_days_waited: u32,
    /// Past the promised 1–2 working days.
    pub overdue: bool,
}

/// `POST /v1/accounts`: an organisation's applicant account (申领单位账号).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApplicantRegistration {
    /// 机构名称.
    pub organisation_name: String,
    /// 统一社会信用代码: one account per organisation; applications must carry the same code.
    pub credit_code: String,
    pub username: String,
    pub password: String,
}

/// `POST /v1/sessions`: an applicant logs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApplicantLogin {
    pub username: String,
    pub password: String,
}

/// An applicant's opaque session token, for `Authorization: Bearer <token>`, and whose it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApplicantSession {
    pub token: String,
    /// RFC 3339, Asia/Shanghai.
    pub expires_at: String,
    pub username: String,
    pub organisation_name: String,
    pub credit_code: String,
}

/// One entry of the events feed: an order's history row with its place in the feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FeedEvent {
    /// Increasing; pass the last one seen as `after` to get what came since.
    pub id: i64,
    pub order_no: OrderNumber,
    pub event: OrderEventRecord,
}

/// `GET /v1/events?after=ID&wait=SECONDS`: what happened since `after`, waiting up to `wait` seconds
/// (at most 30) when nothing has yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventFeed {
    pub events: Vec<FeedEvent>,
    /// The id to pass as `after` next time (unchanged when nothing happened).
    pub last_id: i64,
}

/// `GET /v1/events` query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", default)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    pub after: Option<i64>,
    pub wait: Option<u32>,
}

/// `GET /v1/staff/reconciliation?date=YYYY-MM-DD`: the day's bills of every gateway compared with
/// the platform's own payments and refunds of the day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReconciliationReport {
    /// The Beijing day, `YYYY-MM-DD`.
    pub date: String,
    pub gateways: Vec<GatewayReconciliation>,
}

/// One gateway's bill against the platform's records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GatewayReconciliation {
    pub method: PaymentMethod,
    /// Payments and refunds in the gateway's bill, and in the platform's records.
    pub bill_lines: u32,
    pub our_lines: u32,
    pub differences: Vec<ReconciliationDifference>,
    /// Why the bill could not be had (the gateway unreachable, no bill yet); then nothing was compared.
    pub error: Option<String>,
}

/// One difference between a bill and the platform's records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReconciliationDifference {
    pub kind: DifferenceKind,
    /// `payment` or `refund`.
    pub line: BillLineKind,
    pub out_trade_no: String,
    pub out_request_no: Option<String>,
    /// The amount in the bill (absent for one only the platform has).
    pub bill_amount: Option<Money>,
    /// The amount the platform recorded (absent for one only the bill has).
    pub our_amount: Option<Money>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum DifferenceKind {
    /// In the gateway's bill, not in the platform's records.
    ThereNotHere,
    /// In the platform's records, not in the gateway's bill.
    HereNotThere,
    AmountDiffers,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum BillLineKind {
    Payment,
    Refund,
}

/// `?date=YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams)]
pub struct ReconciliationQuery {
    /// The Beijing day to reconcile, `YYYY-MM-DD`; yesterday by default.
    pub date: Option<String>,
}
