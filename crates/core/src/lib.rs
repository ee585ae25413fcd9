//! The rules of the CA证书办理操作指南 (the guide), as plain Rust with no I/O.
//!
//! The platform enforces these rules and the desktop app shows them; neither writes a rule again.
//! An application (申领) is parsed from what the applicant typed into an [`Application`] whose
//! fields are values that cannot be wrong ([`CreditCode`] for the 统一社会信用代码, [`IdNumber`] for
//! the 居民身份证号, …). A submitted order gets an [`OrderNumber`] in the guide's 15-digit format and
//! starts in [`OrderStatus::PendingVerification`] (待认证).
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
mod machine;
mod money;
mod order_number;
mod status;
mod time;

pub use application::{Application, ApplicationForm, DeliveryMethod, FieldError, FormField};
pub use attempts::{FaceAttempts, MAX_FACE_ATTEMPTS_PER_DAY};
pub use calendar::{CalendarError, Eta, OFFICIAL_CALENDAR, WorkCalendar};
pub use error::{Error, Result};
pub use fees::{FeeSchedule, fee_for};
pub use ids::{ApplicantName, CreditCode, Email, IdNumber, Mobile, OrganisationName, Quantity};
pub use machine::{Actor, OrderEvent, OrderState, TransitionError, apply};
pub use money::Money;
pub use order_number::{OrderNumber, OrderNumberGenerator};
pub use status::{Delivery, Invoice, OrderStatus, Verification};
pub use time::{SHANGHAI, format_shanghai, now_shanghai};
