//! The order state machine: one function, [`apply`], decides what an event does to an order.
//!
//! The guide's process: 提交 → 待认证; 人脸认证 passes (or the applicant chooses to mail paper
//! documents) → 待支付 when a fee is due, else 待审核; 确认付款 → 待审核; the platform reviews within 1–2
//! working days, a paper-documents order only after the documents arrive → 审核通过, 待制证 or
//! 审核未通过 with a 不通过理由; after 编辑 the order is reviewed again (verified again when the
//! applicant's name or ID number changed); 制证 and 邮寄, or 现场办理 → 审核通过, 已发证; then 发票申请.
//! 撤销 is possible until approval; a paid order that is cancelled is owed a refund.
//!
//! Every (state, event) pair is decided by one exhaustive `match` with no wildcard arm, so a new
//! state or event does not compile until each pair is decided.

use crate::Money;
use crate::status::{Delivery, Invoice, OrderStatus, Verification};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Who causes an event. Part of the rule: an applicant cannot approve, a reviewer cannot pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum Actor {
    /// 申领人.
    Applicant,
    /// 平台审核人员.
    Reviewer,
    /// 制证人员.
    Producer,
    /// 现场办理窗口.
    Counter,
    /// The payment gateway's signed notification.
    PaymentGateway,
    /// The platform itself (face verification results, invoicing).
    System,
}

impl Actor {
    pub fn label_zh(self) -> &'static str {
        match self {
            Actor::Applicant => "申领人",
            Actor::Reviewer => "审核人员",
            Actor::Producer => "制证人员",
            Actor::Counter => "现场办理窗口",
            Actor::PaymentGateway => "支付网关",
            Actor::System => "平台",
        }
    }

    /// For the app's English interface.
    pub fn label_en(self) -> &'static str {
        match self {
            Actor::Applicant => "Applicant",
            Actor::Reviewer => "Reviewer",
            Actor::Producer => "Production",
            Actor::Counter => "Service counter",
            Actor::PaymentGateway => "Payment gateway",
            Actor::System => "Platform",
        }
    }
}

/// Something that happens to an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(tag = "event", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum OrderEvent {
    /// 人脸认证通过.
    FaceVerificationPassed,
    /// 人脸认证未通过: the order stays 待认证; the attempt is counted elsewhere.
    FaceVerificationFailed,
    /// 邮寄纸质资料: the applicant will mail paper documents instead.
    PaperDocumentsChosen,
    /// 身份证原件核验: the service counter checked the applicant's original ID card, in place of
    /// the face capture (现场办理).
    IdCardChecked,
    /// 付款成功.
    PaymentConfirmed,
    /// 纸质资料已收到.
    MaterialsReceived,
    /// 审核通过.
    Approved,
    /// 审核未通过, with the 不通过理由.
    Rejected { reason: String },
    /// 编辑后重新提交; `identity_changed` when the applicant's name or ID number changed.
    Resubmitted { identity_changed: bool },
    /// 制证完成并邮寄.
    ProducedAndShipped { courier: String, tracking_no: String },
    /// 现场发证.
    IssuedOnSite,
    /// 撤销.
    Cancelled,
    /// 发票申请.
    InvoiceRequested,
    /// 电子发票已开具并发送.
    InvoiceIssued,
}

impl OrderEvent {
    /// What the event does, in the guide's words, for messages.
    pub fn label_zh(&self) -> &'static str {
        match self {
            OrderEvent::FaceVerificationPassed => "人脸认证通过",
            OrderEvent::FaceVerificationFailed => "记录人脸认证失败",
            OrderEvent::PaperDocumentsChosen => "选择邮寄纸质资料",
            OrderEvent::IdCardChecked => "身份证原件核验",
            OrderEvent::PaymentConfirmed => "确认付款",
            OrderEvent::MaterialsReceived => "登记纸质资料已收到",
            OrderEvent::Approved => "审核通过",
            OrderEvent::Rejected { .. } => "审核不通过",
            OrderEvent::Resubmitted { .. } => "重新提交",
            OrderEvent::ProducedAndShipped { .. } => "制证邮寄",
            OrderEvent::IssuedOnSite => "现场发证",
            OrderEvent::Cancelled => "撤销",
            OrderEvent::InvoiceRequested => "申请发票",
            OrderEvent::InvoiceIssued => "开具发票",
        }
    }

    /// Who may cause this event.
    pub fn permitted(&self, actor: Actor) -> bool {
        use Actor::*;
        match self {
            OrderEvent::FaceVerificationPassed | OrderEvent::FaceVerificationFailed => actor == System,
            OrderEvent::PaperDocumentsChosen | OrderEvent::Resubmitted { .. } | OrderEvent::InvoiceRequested => {
                matches!(actor, Applicant | Counter)
            }
            OrderEvent::Cancelled => matches!(actor, Applicant | Counter),
            OrderEvent::PaymentConfirmed => matches!(actor, PaymentGateway | Counter),
            OrderEvent::MaterialsReceived | OrderEvent::Approved | OrderEvent::Rejected { .. } => {
                matches!(actor, Reviewer | Counter)
            }
            OrderEvent::ProducedAndShipped { .. } => actor == Producer,
            OrderEvent::IssuedOnSite | OrderEvent::IdCardChecked => actor == Counter,
            OrderEvent::InvoiceIssued => matches!(actor, System | Counter),
        }
    }
}

/// What the machine needs to know about an order: its status, its fee and whether it is paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderState {
    pub status: OrderStatus,
    pub fee: Money,
    pub paid: bool,
}

impl OrderState {
    /// A just-submitted order: 待认证, unpaid.
    pub fn submitted(fee: Money) -> Self {
        OrderState { status: OrderStatus::PendingVerification, fee, paid: false }
    }

    fn fee_due(&self) -> bool {
        !self.fee.is_zero() && !self.paid
    }

    fn with(&self, status: OrderStatus) -> OrderState {
        OrderState { status, ..self.clone() }
    }
}

/// Why an event was refused. Each message is Chinese, for the person who tried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("{actor}无权{event}", actor = .actor.label_zh())]
    NotPermitted { actor: Actor, event: &'static str },
    #[error("订单当前状态为“{status}”，不能{event}")]
    NotNow { status: String, event: &'static str },
    #[error("请填写不通过理由")]
    ReasonRequired,
    #[error("纸质资料尚未收到，收到后方可审核")]
    MaterialsNotReceived,
    #[error("订单已审核通过，不能撤销")]
    CancelAfterApproval,
    #[error("请填写快递公司和运单号")]
    ShipmentRequired,
    #[error("本次申领无需缴费，没有可开具的发票")]
    NothingToInvoice,
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label_zh())
    }
}

/// Decides what `event`, caused by `actor`, does to an order: the next state, or why not.
pub fn apply(state: &OrderState, actor: Actor, event: &OrderEvent) -> Result<OrderState, TransitionError> {
    use OrderEvent as E;
    use OrderStatus as S;
    if !event.permitted(actor) {
        return Err(TransitionError::NotPermitted { actor, event: event.label_zh() });
    }
    let not_now = || TransitionError::NotNow { status: state.status.label_zh(), event: event.label_zh() };
    let cancel = || Ok(OrderState { status: S::Cancelled { refund_owed: state.paid }, ..state.clone() });
    // After identity is settled, a due fee comes first, then review.
    let verified = |verification| {
        Ok(state.with(if state.fee_due() {
            S::PendingPayment { verification }
        } else {
            S::PendingReview { verification }
        }))
    };

    match &state.status {
        S::PendingVerification => match event {
            E::FaceVerificationPassed => verified(Verification::Verified),
            E::FaceVerificationFailed => Ok(state.clone()),
            E::PaperDocumentsChosen => verified(Verification::AwaitingMaterials),
            E::IdCardChecked => verified(Verification::InPerson),
            E::Cancelled => cancel(),
            E::PaymentConfirmed
            | E::MaterialsReceived
            | E::Approved
            | E::Rejected { .. }
            | E::Resubmitted { .. }
            | E::ProducedAndShipped { .. }
            | E::IssuedOnSite
            | E::InvoiceRequested
            | E::InvoiceIssued => Err(not_now()),
        },
        S::PendingPayment { verification } => match event {
            E::PaymentConfirmed => {
                Ok(OrderState { status: S::PendingReview { verification: *verification }, paid: true, ..state.clone() })
            }
            E::MaterialsReceived => match verification {
                Verification::AwaitingMaterials => {
                    Ok(state.with(S::PendingPayment { verification: Verification::MaterialsReceived }))
                }
                Verification::Verified | Verification::MaterialsReceived | Verification::InPerson => Err(not_now()),
            },
            E::Cancelled => cancel(),
            E::FaceVerificationPassed
            | E::FaceVerificationFailed
            | E::PaperDocumentsChosen
            | E::IdCardChecked
            | E::Approved
            | E::Rejected { .. }
            | E::Resubmitted { .. }
            | E::ProducedAndShipped { .. }
            | E::IssuedOnSite
            | E::InvoiceRequested
            | E::InvoiceIssued => Err(not_now()),
        },
        S::PendingReview { verification } => {
            let reviewable = *verification != Verification::AwaitingMaterials;
            match event {
                E::MaterialsReceived if !reviewable => {
                    Ok(state.with(S::PendingReview { verification: Verification::MaterialsReceived }))
                }
                E::MaterialsReceived => Err(not_now()),
                E::Approved if reviewable => Ok(state.with(S::Approved { verification: *verification })),
                E::Approved => Err(TransitionError::MaterialsNotReceived),
                E::Rejected { reason } if reason.trim().is_empty() => Err(TransitionError::ReasonRequired),
                E::Rejected { reason } if reviewable => {
                    Ok(state.with(S::Rejected { verification: *verification, reason: reason.trim().to_owned() }))
                }
                E::Rejected { .. } => Err(TransitionError::MaterialsNotReceived),
                E::Cancelled => cancel(),
                E::FaceVerificationPassed
                | E::FaceVerificationFailed
                | E::PaperDocumentsChosen
                | E::IdCardChecked
                | E::PaymentConfirmed
                | E::Resubmitted { .. }
                | E::ProducedAndShipped { .. }
                | E::IssuedOnSite
                | E::InvoiceRequested
                | E::InvoiceIssued => Err(not_now()),
            }
        }
        S::Rejected { verification, .. } => match event {
            E::Resubmitted { identity_changed: true } => Ok(state.with(S::PendingVerification)),
            E::Resubmitted { identity_changed: false } => {
                Ok(state.with(S::PendingReview { verification: *verification }))
            }
            E::Cancelled => cancel(),
            E::FaceVerificationPassed
            | E::FaceVerificationFailed
            | E::PaperDocumentsChosen
            | E::IdCardChecked
            | E::PaymentConfirmed
            | E::MaterialsReceived
            | E::Approved
            | E::Rejected { .. }
            | E::ProducedAndShipped { .. }
            | E::IssuedOnSite
            | E::InvoiceRequested
            | E::InvoiceIssued => Err(not_now()),
        },
        S::Approved { verification } => match event {
            E::ProducedAndShipped { courier, tracking_no } => {
                if courier.trim().is_empty() || tracking_no.trim().is_empty() {
                    return Err(TransitionError::ShipmentRequired);
                }
                let delivery =
                    Delivery::Mailed { courier: courier.trim().to_owned(), tracking_no: tracking_no.trim().to_owned() };
                Ok(state.with(S::Issued { verification: *verification, delivery, invoice: Invoice::NotRequested }))
            }
            E::IssuedOnSite => Ok(state.with(S::Issued {
                verification: *verification,
                delivery: Delivery::OnSite,
                invoice: Invoice::NotRequested,
            })),
            E::Cancelled => Err(TransitionError::CancelAfterApproval),
            E::FaceVerificationPassed
            | E::FaceVerificationFailed
            | E::PaperDocumentsChosen
            | E::IdCardChecked
            | E::PaymentConfirmed
            | E::MaterialsReceived
            | E::Approved
            | E::Rejected { .. }
            | E::Resubmitted { .. }
            | E::InvoiceRequested
            | E::InvoiceIssued => Err(not_now()),
        },
        S::Issued { verification, delivery, invoice } => {
            let with_invoice = |invoice| {
                Ok(state.with(S::Issued { verification: *verification, delivery: delivery.clone(), invoice }))
            };
            match event {
                E::InvoiceRequested if state.fee.is_zero() => Err(TransitionError::NothingToInvoice),
                E::InvoiceRequested => match invoice {
                    Invoice::NotRequested => with_invoice(Invoice::Requested),
                    Invoice::Requested | Invoice::Issued => Err(not_now()),
                },
                E::InvoiceIssued => match invoice {
                    Invoice::Requested => with_invoice(Invoice::Issued),
                    Invoice::NotRequested | Invoice::Issued => Err(not_now()),
                },
                E::Cancelled => Err(TransitionError::CancelAfterApproval),
                E::FaceVerificationPassed
                | E::FaceVerificationFailed
                | E::PaperDocumentsChosen
                | E::IdCardChecked
                | E::PaymentConfirmed
                | E::MaterialsReceived
                | E::Approved
                | E::Rejected { .. }
                | E::Resubmitted { .. }
                | E::ProducedAndShipped { .. }
                | E::IssuedOnSite => Err(not_now()),
            }
        }
        S::Cancelled { .. } => match event {
            E::FaceVerificationPassed
            | E::FaceVerificationFailed
            | E::PaperDocumentsChosen
            | E::IdCardChecked
            | E::PaymentConfirmed
            | E::MaterialsReceived
            | E::Approved
            | E::Rejected { .. }
            | E::Resubmitted { .. }
            | E::ProducedAndShipped { .. }
            | E::IssuedOnSite
            | E::Cancelled
            | E::InvoiceRequested
            | E::InvoiceIssued => Err(not_now()),
        },
    }
}
