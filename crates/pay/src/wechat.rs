//! WeChat Pay API v3 request signatures: the message `METHOD\nURL\ntimestamp\nnonce\nbody\n`
//! (the URL with its query, the body empty for a GET), SHA256withRSA with the merchant's key, in the
//! `WECHATPAY2-SHA256-RSA2048` Authorization header.

use crate::{Result, RsaSigner};

/// One request as it is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedRequest<'a> {
    pub method: &'a str,
    /// The path with its query, e.g. `/v3/pay/transactions/native`.
    pub url: &'a str,
    /// Unix seconds.
    pub timestamp: i64,
    pub nonce: &'a str,
    /// The JSON body; empty for a GET.
    pub body: &'a str,
}

impl SignedRequest<'_> {
    /// The message the signature covers.
    pub fn message(&self) -> String {
        format!("{}\n{}\n{}\n{}\n{}\n", self.method, self.url, self.timestamp, self.nonce, self.body)
    }
}

/// The merchant who signs: its id, its API certificate's serial number and its private key.
#[derive(Debug)]
pub struct Merchant {
    pub merchant_id: String,
    pub certificate_serial: String,
    pub signer: RsaSigner,
}

impl Merchant {
    /// The Authorization header's value for `request`.
    pub fn authorization(&self, request: &SignedRequest<'_>) -> Result<String> {
        let signature = self.signer.sign_base64(request.message().as_bytes())?;
        Ok(format!(
            "WECHATPAY2-SHA256-RSA2048 mchid=\"{}\",nonce_str=\"{}\",signature=\"{signature}\",timestamp=\"{}\",serial_no=\"{}\"",
            self.merchant_id, request.nonce, request.timestamp, self.certificate_serial
        ))
    }
}
