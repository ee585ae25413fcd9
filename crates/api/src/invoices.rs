//! 发票申请 and the electronic invoice (电子发票), as the API carries them.

use serde::{Deserialize, Serialize};

/// `POST /v1/orders/{no}/invoice`: the 发票申请 dialog.
pub use certdesk_core::InvoiceForm as InvoiceApplication;

/// The order's electronic invoice, once requested.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceRecord {
    pub order_no: String,
    /// 发票号码 (20 digits), once issued.
    pub invoice_no: Option<String>,
    /// 发票抬头.
    pub title: String,
    /// 纳税人识别号.
    pub taxpayer_id: String,
    /// Where it was sent, masked (`fi***@example.com`).
    pub email_masked: String,
    /// 价税合计, fen.
    pub total: i64,
    /// 金额 (before tax) and 税额, fen, once issued.
    pub amount: Option<i64>,
    pub tax: Option<i64>,
    /// 税率 as printed (`6%`), once issued.
    pub tax_rate: Option<String>,
    /// 价税合计（大写）.
    pub total_in_words: String,
    pub requested_at: String,
    /// 开票日期 (RFC 3339, Asia/Shanghai), once issued.
    pub issued_at: Option<String>,
    /// A sandbox invoice (演示发票): not issued by the tax authority.
    pub sandbox: bool,
}

/// `POST /v1/orders/{no}/invoice/resend`: 重新发送 the issued invoice, to the address it went to or
/// to a corrected one (which then becomes the invoice's address).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InvoiceResend {
    /// The corrected address; `null` sends it again to the same one.
    pub email: Option<String>,
}
