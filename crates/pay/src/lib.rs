//! The payment gateways' protocols, as pure functions and small types: what is signed, how, and how
//! an answer or a notification is verified. No HTTP here (but for the `client` feature, the
//! merchant's calls) and no storage (but for key files): the platform and the sandbox gateway use
//! these on both sides of the wire.
//!
//! - [`alipay`]: RSA2 (SHA256withRSA) over the sorted `key=value` string, as Alipay's open
//!   platform defines it for requests and asynchronous notifications.
//! - [`wechat`]: WeChat Pay API v3 request signatures (`METHOD\nURL\ntimestamp\nnonce\nbody\n`) and
//!   the `WECHATPAY2-SHA256-RSA2048` Authorization header.

pub mod alipay;
pub mod bill;
#[cfg(feature = "client")]
pub mod client;
pub mod keys;
pub mod wechat;

pub use keys::{RsaSigner, RsaVerifier, generate_key_pair, load_or_create_key_pair, write_owner_only};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PayError {
    #[error("密钥无法读取：{0}")]
    Key(String),
    #[error("签名失败：{0}")]
    Signing(String),
    #[error("签名验证失败")]
    BadSignature,
    /// A parameter given twice: which copy was signed and which is read cannot be told apart.
    #[error("参数重复：{0}")]
    Duplicated(String),
    #[error("通知缺少参数：{0}")]
    Missing(&'static str),
    /// A callback's timestamp is more than five minutes from now: a replay or a wrong clock.
    #[error("通知时间戳超出允许范围")]
    Stale,
    /// A callback signed with a platform certificate this merchant does not know.
    #[error("未知的平台证书序列号：{0}")]
    UnknownSerial(String),
    #[error("通知内容无法解密")]
    Decrypt,
    #[error("通知格式错误：{0}")]
    Malformed(String),
    #[error("无法连接支付网关：{0}")]
    Http(String),
    /// The gateway answered (signed) and refused: its code and message.
    #[error("支付网关拒绝：{message}（{code}）")]
    Refused { code: String, message: String },
}

pub type Result<T, E = PayError> = std::result::Result<T, E>;
