//! WeChat Pay API v3 request signatures: the message `METHOD\nURL\ntimestamp\nnonce\nbody\n`
//! (the URL with its query, the body empty for a GET), SHA256withRSA with the merchant's key, in the
//! `WECHATPAY2-SHA256-RSA2048` Authorization header.

use crate::{PayError, Result, RsaSigner, RsaVerifier};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

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

/// An Authorization header read back (the gateway's side).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub merchant_id: String,
    pub nonce: String,
    pub signature: String,
    pub timestamp: i64,
    pub serial: String,
}

impl Authorization {
    /// Parses `WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",signature="…",timestamp="…",serial_no="…"`.
    pub fn parse(header: &str) -> Result<Authorization> {
        let fields =
            header.strip_prefix("WECHATPAY2-SHA256-RSA2048 ").ok_or_else(|| PayError::Malformed("认证类型".into()))?;
        let mut found = std::collections::HashMap::new();
        for field in fields.split(',') {
            let (key, value) = field.trim().split_once('=').ok_or_else(|| PayError::Malformed(field.into()))?;
            let value = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value);
            found.insert(key, value.to_owned());
        }
        let mut take = |key: &'static str| found.remove(key).ok_or(PayError::Missing(key));
        Ok(Authorization {
            merchant_id: take("mchid")?,
            nonce: take("nonce_str")?,
            signature: take("signature")?,
            timestamp: take("timestamp")?.parse().map_err(|_| PayError::Malformed("timestamp".into()))?,
            serial: take("serial_no")?,
        })
    }

    /// Verifies the request it came with against the merchant's public key, within the same
    /// five-minute window as callbacks.
    pub fn verify(&self, merchant_key: &RsaVerifier, method: &str, url: &str, body: &str, now: i64) -> Result<()> {
        if (now - self.timestamp).abs() > CALLBACK_WINDOW_SECONDS {
            return Err(PayError::Stale);
        }
        let request = SignedRequest { method, url, timestamp: self.timestamp, nonce: &self.nonce, body };
        merchant_key.verify_base64(request.message().as_bytes(), &self.signature)
    }
}

/// The `Wechatpay-Signature` of an answer or a callback (the gateway's side): over
/// `timestamp\nnonce\nbody\n`, what [`verify_callback`] checks.
pub fn sign_callback(platform_signer: &RsaSigner, timestamp: i64, nonce: &str, body: &str) -> Result<String> {
    platform_signer.sign_base64(format!("{timestamp}\n{nonce}\n{body}\n").as_bytes())
}

/// How far a callback's timestamp may be from now, either way.
pub const CALLBACK_WINDOW_SECONDS: i64 = 300;

/// The headers a callback is verified with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallbackHeaders<'a> {
    /// `Wechatpay-Timestamp`, Unix seconds.
    pub timestamp: &'a str,
    /// `Wechatpay-Nonce`.
    pub nonce: &'a str,
    /// `Wechatpay-Signature`, Base64.
    pub signature: &'a str,
    /// `Wechatpay-Serial`: which platform certificate signed.
    pub serial: &'a str,
}

/// Verifies a callback: a timestamp within five minutes of `now`, the platform key named by the
/// serial, and the signature over `timestamp\nnonce\nbody\n` (the body exactly as received).
pub fn verify_callback<'k>(
    platform_key: impl Fn(&str) -> Option<&'k RsaVerifier>,
    headers: &CallbackHeaders<'_>,
    body: &str,
    now: i64,
) -> Result<()> {
    let timestamp: i64 = headers.timestamp.trim().parse().map_err(|_| PayError::Stale)?;
    if (now - timestamp).abs() > CALLBACK_WINDOW_SECONDS {
        return Err(PayError::Stale);
    }
    let key = platform_key(headers.serial).ok_or_else(|| PayError::UnknownSerial(headers.serial.to_owned()))?;
    let message = format!("{}\n{}\n{body}\n", headers.timestamp, headers.nonce);
    key.verify_base64(message.as_bytes(), headers.signature)
}

/// A callback's body.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct Notification {
    pub id: String,
    pub event_type: String,
    pub resource: EncryptedResource,
}

/// The encrypted part of a callback.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct EncryptedResource {
    pub algorithm: String,
    pub ciphertext: String,
    #[serde(default)]
    pub associated_data: String,
    pub nonce: String,
}

impl EncryptedResource {
    /// Encrypts a transaction for a callback (the gateway's side): AEAD_AES_256_GCM with the APIv3
    /// key, `nonce` being 12 ASCII characters.
    pub fn seal(
        api_v3_key: &[u8; 32],
        nonce: &str,
        associated_data: &str,
        plaintext: &str,
    ) -> Result<EncryptedResource> {
        let nonce_bytes: [u8; 12] =
            nonce.as_bytes().try_into().map_err(|_| PayError::Malformed("nonce 须为 12 个字符".into()))?;
        let cipher = Aes256Gcm::new_from_slice(api_v3_key).map_err(|_| PayError::Decrypt)?;
        let sealed = cipher
            .encrypt(&Nonce::from(nonce_bytes), Payload { msg: plaintext.as_bytes(), aad: associated_data.as_bytes() })
            .map_err(|_| PayError::Decrypt)?;
        Ok(EncryptedResource {
            algorithm: "AEAD_AES_256_GCM".into(),
            ciphertext: STANDARD.encode(sealed),
            associated_data: associated_data.into(),
            nonce: nonce.into(),
        })
    }
}

impl Notification {
    pub fn parse(body: &str) -> Result<Notification> {
        serde_json::from_str(body).map_err(|e| PayError::Malformed(e.to_string()))
    }

    /// The resource's plaintext (a transaction's JSON): AEAD_AES_256_GCM with the APIv3 key, the
    /// `associated_data` as AAD, the tag being the ciphertext's last 16 bytes.
    pub fn decrypt(&self, api_v3_key: &[u8; 32]) -> Result<String> {
        let resource = &self.resource;
        if resource.algorithm != "AEAD_AES_256_GCM" {
            return Err(PayError::Malformed(format!("algorithm {}", resource.algorithm)));
        }
        let ciphertext = STANDARD.decode(&resource.ciphertext).map_err(|_| PayError::Decrypt)?;
        let nonce: [u8; 12] = resource.nonce.as_bytes().try_into().map_err(|_| PayError::Decrypt)?;
        let cipher = Aes256Gcm::new_from_slice(api_v3_key).map_err(|_| PayError::Decrypt)?;
        let plain = cipher
            .decrypt(&Nonce::from(nonce), Payload { msg: &ciphertext, aad: resource.associated_data.as_bytes() })
            .map_err(|_| PayError::Decrypt)?;
        String::from_utf8(plain).map_err(|_| PayError::Decrypt)
    }
}

/// A Native (QR code) order: `POST /v3/pay/transactions/native`. Amounts are integer fen, as the
/// gateway itself counts them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NativeOrder<'a> {
    pub app_id: &'a str,
    pub merchant_id: &'a str,
    pub description: &'a str,
    pub out_trade_no: &'a str,
    pub total_fen: i64,
    /// Where the gateway sends the payment's callback (the platform).
    pub notify_url: &'a str,
}

/// The path Native orders are placed at.
pub const NATIVE_ORDER_PATH: &str = "/v3/pay/transactions/native";

impl NativeOrder<'_> {
    /// The request body, exactly the text that is signed and sent.
    pub fn body(&self) -> String {
        serde_json::json!({
            "appid": self.app_id,
            "mchid": self.merchant_id,
            "description": self.description,
            "out_trade_no": self.out_trade_no,
            "notify_url": self.notify_url,
            "amount": { "total": self.total_fen, "currency": "CNY" },
        })
        .to_string()
    }
}

/// The answer to a Native order: the `code_url` the app shows as a QR code.
pub fn code_url(answer_body: &str) -> Result<String> {
    #[derive(serde::Deserialize)]
    struct Answer {
        code_url: String,
    }
    serde_json::from_str::<Answer>(answer_body).map(|a| a.code_url).map_err(|e| PayError::Malformed(e.to_string()))
}

/// The decrypted transaction of a payment callback, as far as the platform needs it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct Transaction {
    pub mchid: String,
    pub appid: String,
    pub out_trade_no: String,
    /// The gateway's number; absent until paid.
    #[serde(default)]
    pub transaction_id: String,
    pub trade_state: String,
    pub amount: TransactionAmount,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct TransactionAmount {
    pub total: i64,
}

impl Transaction {
    pub fn parse(plaintext: &str) -> Result<Transaction> {
        serde_json::from_str(plaintext).map_err(|e| PayError::Malformed(e.to_string()))
    }

    /// Paid in full for this merchant, app, trade and amount; `Ok(false)` for a state that is not
    /// payment (NOTPAY, CLOSED…); an error when it names another merchant, app, trade or amount.
    pub fn is_paid_for(&self, merchant_id: &str, app_id: &str, out_trade_no: &str, expected_fen: i64) -> Result<bool> {
        if self.mchid != merchant_id || self.appid != app_id || self.out_trade_no != out_trade_no {
            return Err(PayError::Malformed("商户、应用或订单号不符".into()));
        }
        if self.amount.total != expected_fen {
            return Err(PayError::Malformed("金额不符".into()));
        }
        Ok(self.trade_state == "SUCCESS")
    }
}
