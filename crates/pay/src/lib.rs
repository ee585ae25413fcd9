//! The payment gateways' protocols, as pure functions and small types: what is signed, how, and how
//! an answer or a notification is verified. No HTTP and no storage here: the platform and the
//! sandbox gateway use these on both sides of the wire.
//!
//! - [`alipay`]: RSA2 (SHA256withRSA) over the sorted `key=value` string, as Alipay's open
//!   platform defines it for requests and asynchronous notifications.
//! - [`wechat`]: WeChat Pay API v3 request signatures (`METHOD\nURL\ntimestamp\nnonce\nbody\n`) and
//!   the `WECHATPAY2-SHA256-RSA2048` Authorization header.

pub mod alipay;
pub mod keys;
pub mod wechat;

pub use keys::{RsaSigner, RsaVerifier};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PayError {
    #[error("密钥无法读取：{0}")]
    Key(String),
    #[error("签名失败：{0}")]
    Signing(String),
    #[error("签名验证失败")]
    BadSignature,
    #[error("通知缺少参数：{0}")]
    Missing(&'static str),
}

pub type Result<T, E = PayError> = std::result::Result<T, E>;
