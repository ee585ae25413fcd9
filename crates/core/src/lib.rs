//! The rules of the CA证书办理操作指南 (the guide), as plain Rust with no I/O.
//!
//! The platform enforces these rules and the desktop app shows them; neither writes a rule again.
//! An application (申领) is parsed from what the applicant typed into an [`Application`] whose
//! fields are values that cannot be wrong ([`CreditCode`] for the 统一社会信用代码, [`IdNumber`] for
//! the 居民身份证号, …). A submitted order gets an [`OrderNumber`] in the guide's 15-digit format and
//! starts in [`OrderStatus::PendingVerification`] (待认证).
//!
//! ## The order's way through the guide
//!
//! | 状态 | what it means | left by |
//! | --- | --- | --- |
//! | 待认证 | submitted; identity not yet verified | 人脸认证通过, or 邮寄纸质资料 chosen |
//! | 待支付 (已认证 / 待收材料) | a fee is due | 确认付款 |
//! | 待审核 (已认证 / 待收材料 / 材料已收) | with the platform's reviewers (1–2 working days; a paper-documents order only once they arrive) | 审核通过, 审核不通过, 撤销 |
//! | 审核未通过 (…) with the 不通过理由 | the applicant may 编辑 and resubmit | resubmission: 待审核 again, or 待认证 when the applicant's name or ID number changed |
//! | 审核通过, 待制证 | production within 1 working day | 制证邮寄 (courier and tracking number), or 现场发证 at the counter |
//! | 审核通过, 已发证 | done; 发票申请 possible when a fee was paid | — |
//! | 已撤销 | terminal; a paid order is owed a refund | — |
//!
//! [`apply`] decides every (state, event) pair, including who may cause the event ([`Actor`]); the
//! table in `tests/core/machine_table.txt` lists each outcome. [`WorkCalendar`] holds the working days
//! (statutory holidays and 调休 as data), [`FaceAttempts`] the 10-a-day limit of 人脸认证, and
//! [`fee_for`] the fee with the platform's waivers.
//!
//! Architecture invariant: this crate performs no I/O and depends on no framework (tauri, axum,
//! rusqlite, reqwest). Time comes in as an argument; nothing here reads the clock except
//! [`OrderNumberGenerator::next`], which must.

mod application;
mod attempts;
mod calendar;
mod error;
mod fees;
mod ids;
mod invoice;
mod list_filter;
mod machine;
mod money;
mod order_number;
mod status;
mod time;

pub use application::{
    Application, ApplicationForm, DEFAULT_MAX_QUANTITY, DeliveryMethod, FieldError, FormField, check_application,
};
pub use attempts::{FaceAttempts, MAX_FACE_ATTEMPTS_PER_DAY};
pub use calendar::{CalendarError, Eta, OFFICIAL_CALENDAR, WorkCalendar};
pub use error::{Error, Result};
pub use fees::{FeeSchedule, fee_for};
pub use ids::{
    ApplicantName, CreditCode, Email, IdNumber, Mobile, OrganisationName, PostalAddress, Quantity, mask_name,
};
pub use invoice::{
    INVOICE_ITEM_ZH, INVOICE_KIND_ZH, InvoiceField, InvoiceFieldError, InvoiceForm, InvoiceRequest,
    MAX_INVOICE_TITLE_CHARS, TaxRate, TaxSplit, amount_in_words, check_invoice_form, split_tax,
};
pub use list_filter::{OrderListFilter, OrderListForm};
pub use machine::{Actor, OrderEvent, OrderState, TransitionError, apply};
pub use money::Money;
pub use order_number::{OrderNumber, OrderNumberGenerator};
pub use status::{Delivery, Invoice, OrderStatus, Verification};
pub use time::{SHANGHAI, format_shanghai, now_shanghai};
