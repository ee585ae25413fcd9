use serde::{Deserialize, Serialize};

/// How the applicant's identity was (or will be) established: the bracket in `待审核 (已认证)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum Verification {
    /// 已认证: live face capture matched the national ID photo.
    Verified,
    /// 待收材料: the applicant chose to mail paper documents; review waits for them.
    AwaitingMaterials,
    /// 材料已收: the paper documents arrived at the platform.
    MaterialsReceived,
    /// 现场核验: the service counter checked the applicant's original ID card (身份证原件核验) in
    /// place of the face capture.
    InPerson,
}

impl Verification {
    /// The wire and storage name (`verified`, `awaitingMaterials`, `materialsReceived`, `inPerson`).
    pub fn code(self) -> &'static str {
        match self {
            Verification::Verified => "verified",
            Verification::AwaitingMaterials => "awaitingMaterials",
            Verification::MaterialsReceived => "materialsReceived",
            Verification::InPerson => "inPerson",
        }
    }

    pub const CODES: [&'static str; 4] = ["verified", "awaitingMaterials", "materialsReceived", "inPerson"];

    pub fn label_zh(self) -> &'static str {
        match self {
            Verification::Verified => "已认证",
            Verification::AwaitingMaterials => "待收材料",
            Verification::MaterialsReceived => "材料已收",
            Verification::InPerson => "现场核验",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Verification::Verified => "verified",
            Verification::AwaitingMaterials => "awaiting documents",
            Verification::MaterialsReceived => "documents received",
            Verification::InPerson => "ID checked at the counter",
        }
    }
}

/// How an issued certificate reached the organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(tag = "method", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Delivery {
    /// 制证后邮寄: produced and mailed, with the courier and its tracking number.
    // Field renames spelled out per variant (not only `rename_all_fields`) so the OpenAPI schema,
    // which reads variant-level serde attributes only, matches the wire.
    #[serde(rename_all = "camelCase")]
    Mailed { courier: String, tracking_no: String },
    /// 现场办理: handed over in person at the platform's service counter.
    OnSite,
}

/// The electronic invoice (电子发票) of an issued order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum Invoice {
    /// 发票申请 not made yet.
    NotRequested,
    /// Requested; to be issued and emailed.
    Requested,
    /// Issued and sent to the email given in the application.
    Issued,
}

/// Where an order stands, as the platform decides it. The status text follows the guide exactly,
/// e.g. `待审核 (已认证)` or `审核通过, 待制证 (已认证)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(tag = "state", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum OrderStatus {
    /// 待认证: submitted; the applicant's identity is still to be verified.
    PendingVerification,
    /// 待支付: verified (or documents chosen) and a fee is due.
    PendingPayment { verification: Verification },
    /// 待审核: waiting for the platform's review.
    PendingReview { verification: Verification },
    /// 审核未通过: rejected with a reason (不通过理由); the applicant may edit and resubmit.
    Rejected { verification: Verification, reason: String },
    /// 审核通过, 待制证: approved; the certificate is being produced.
    Approved { verification: Verification },
    /// 审核通过, 已发证: the certificate was mailed or handed over at the counter.
    Issued { verification: Verification, delivery: Delivery, invoice: Invoice },
    /// 已撤销: cancelled by the applicant; terminal.
    #[serde(rename_all = "camelCase")]
    Cancelled { refund_owed: bool },
}

impl OrderStatus {
    /// Every [`OrderStatus::code`], in the order of the process.
    pub const CODES: [&'static str; 7] =
        ["pendingVerification", "pendingPayment", "pendingReview", "rejected", "approved", "issued", "cancelled"];

    /// A stable name for filtering and storage (`pendingReview`), independent of the label.
    pub fn code(&self) -> &'static str {
        match self {
            OrderStatus::PendingVerification => "pendingVerification",
            OrderStatus::PendingPayment { .. } => "pendingPayment",
            OrderStatus::PendingReview { .. } => "pendingReview",
            OrderStatus::Rejected { .. } => "rejected",
            OrderStatus::Approved { .. } => "approved",
            OrderStatus::Issued { .. } => "issued",
            OrderStatus::Cancelled { .. } => "cancelled",
        }
    }

    pub fn verification(&self) -> Option<Verification> {
        match self {
            OrderStatus::PendingVerification | OrderStatus::Cancelled { .. } => None,
            OrderStatus::PendingPayment { verification }
            | OrderStatus::PendingReview { verification }
            | OrderStatus::Rejected { verification, .. }
            | OrderStatus::Approved { verification }
            | OrderStatus::Issued { verification, .. } => Some(*verification),
        }
    }

    /// 不通过理由, while the order is 审核未通过.
    pub fn rejection_reason(&self) -> Option<&str> {
        match self {
            OrderStatus::Rejected { reason, .. } => Some(reason),
            _ => None,
        }
    }

    /// The status as the guide's order list shows it.
    pub fn label_zh(&self) -> String {
        let base = match self {
            OrderStatus::PendingVerification => "待认证",
            OrderStatus::PendingPayment { .. } => "待支付",
            OrderStatus::PendingReview { .. } => "待审核",
            OrderStatus::Rejected { .. } => "审核未通过",
            OrderStatus::Approved { .. } => "审核通过, 待制证",
            OrderStatus::Issued { .. } => "审核通过, 已发证",
            OrderStatus::Cancelled { .. } => "已撤销",
        };
        match self.verification() {
            Some(v) => format!("{base} ({})", v.label_zh()),
            None => base.to_owned(),
        }
    }

    pub fn label_en(&self) -> String {
        let base = match self {
            OrderStatus::PendingVerification => "Pending verification",
            OrderStatus::PendingPayment { .. } => "Pending payment",
            OrderStatus::PendingReview { .. } => "Pending review",
            OrderStatus::Rejected { .. } => "Rejected",
            OrderStatus::Approved { .. } => "Approved, in production",
            OrderStatus::Issued { .. } => "Approved, issued",
            OrderStatus::Cancelled { .. } => "Cancelled",
        };
        match self.verification() {
            Some(v) => format!("{base} ({})", v.label_en()),
            None => base.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_rejected_order_has_a_rejection_reason() {
        let rejected =
            OrderStatus::Rejected { verification: Verification::Verified, reason: "营业执照照片模糊".into() };
        assert_eq!(rejected.rejection_reason(), Some("营业执照照片模糊"));
        assert_eq!(OrderStatus::PendingVerification.rejection_reason(), None);
        assert_eq!(OrderStatus::Approved { verification: Verification::Verified }.rejection_reason(), None);
    }

    #[test]
    fn labels_keep_the_verification_in_brackets_as_the_guide_shows() {
        let v = Verification::Verified;
        let cases = [
            (OrderStatus::PendingVerification, "待认证"),
            (OrderStatus::PendingReview { verification: v }, "待审核 (已认证)"),
            (OrderStatus::PendingReview { verification: Verification::AwaitingMaterials }, "待审核 (待收材料)"),
            (OrderStatus::Rejected { verification: v, reason: "营业执照模糊".into() }, "审核未通过 (已认证)"),
            (OrderStatus::Approved { verification: v }, "审核通过, 待制证 (已认证)"),
            (
                OrderStatus::Issued { verification: v, delivery: Delivery::OnSite, invoice: Invoice::NotRequested },
                "审核通过, 已发证 (已认证)",
            ),
            (OrderStatus::Cancelled { refund_owed: false }, "已撤销"),
        ];
        for (status, label) in cases {
            assert_eq!(status.label_zh(), label);
        }
    }

    #[test]
    fn status_serialises_with_a_state_tag() {
        let json = serde_json::to_string(&OrderStatus::Rejected {
            verification: Verification::Verified,
            reason: "照片不清晰".into(),
        })
        .unwrap();
        assert_eq!(json, r#"{"state":"rejected","verification":"verified","reason":"照片不清晰"}"#);
    }
}
