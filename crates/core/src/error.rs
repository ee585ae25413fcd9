use crate::application::FieldError;

/// Everything a rule of this crate can refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// One or more fields of an application are missing or malformed; each says why in Chinese.
    #[error("申领信息有误：{}", .0.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("；"))]
    InvalidApplication(Vec<FieldError>),
    /// A 发票申请 with fields missing or malformed; each says why in Chinese.
    #[error("发票信息有误：{}", .0.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("；"))]
    InvalidInvoice(Vec<crate::invoice::InvoiceFieldError>),
    /// A value that should be an order number is not one.
    #[error("订单编号应为15位数字")]
    InvalidOrderNumber,
    /// The order list's search form or page is out of range; the text says what to correct.
    #[error("{0}")]
    InvalidListQuery(&'static str),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
