//! Alipay open platform signing (RSA2): the request's parameters and the asynchronous
//! notification's are signed over one string: every parameter but `sign` (and, for a notification,
//! `sign_type`), empty values dropped, keys in ASCII order, `key=value` over the raw (not
//! URL-encoded) values, joined with `&`.

use crate::{PayError, Result, RsaSigner, RsaVerifier};
use std::collections::BTreeMap;

/// Parameters whose signature was verified: each key exactly once. Everything the platform acts
/// on is read from here, so what is read is what was signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified(BTreeMap<String, String>);

impl Verified {
    /// A parameter that must be there.
    pub fn get(&self, key: &'static str) -> Result<&str> {
        self.0.get(key).map(String::as_str).ok_or(PayError::Missing(key))
    }

    /// A parameter that may be absent (or empty, which Alipay treats alike).
    pub fn optional(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str).filter(|v| !v.is_empty())
    }
}

/// The parameters by key, refusing a key that comes twice: a signature checked over one copy
/// while another copy is read would let a genuine notification carry a second trade's values.
fn unique<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<BTreeMap<&'a str, &'a str>> {
    let mut map = BTreeMap::new();
    for (key, value) in params {
        if map.insert(key, value).is_some() {
            return Err(PayError::Duplicated(key.to_owned()));
        }
    }
    Ok(map)
}

/// The string a request is signed over.
pub fn request_content<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<String> {
    Ok(content(&unique(params)?, &["sign"]))
}

/// The string a notification is verified over.
pub fn notification_content<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<String> {
    Ok(content(&unique(params)?, &["sign", "sign_type"]))
}

fn content(params: &BTreeMap<&str, &str>, skip: &[&str]) -> String {
    // BTreeMap: byte order of the keys, which is ASCII order for Alipay's ASCII parameter names.
    params
        .iter()
        .filter(|(k, v)| !v.is_empty() && !skip.contains(k))
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Verifies `params` against `sign` over their content without `skip`; the verified map.
fn verify<'a>(
    key: &RsaVerifier,
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
    skip: &[&str],
) -> Result<Verified> {
    let map = unique(params)?;
    let sign = map.get("sign").ok_or(PayError::Missing("sign"))?;
    key.verify_base64(content(&map, skip).as_bytes(), sign)?;
    Ok(Verified(map.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect()))
}

/// Signs a request's parameters; the answer is the `sign` parameter's value.
pub fn sign_request<'a>(signer: &RsaSigner, params: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<String> {
    signer.sign_base64(request_content(params)?.as_bytes())
}

/// Verifies a request's signature with the merchant's public key (the gateway's side); the
/// verified parameters.
pub fn verify_request<'a>(
    merchant_public_key: &RsaVerifier,
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Verified> {
    verify(merchant_public_key, params, &["sign"])
}

/// Signs an asynchronous notification's parameters (the gateway's side): the `sign` value.
pub fn sign_notification<'a>(
    signer: &RsaSigner,
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<String> {
    signer.sign_base64(notification_content(params)?.as_bytes())
}

/// An open API answer as the gateway sends it: `{"<method>_response":{…},"sign":"…"}`, the
/// signature over the response object's exact text.
pub fn signed_response(signer: &RsaSigner, method: &str, response: &serde_json::Value) -> Result<String> {
    let text = response.to_string();
    let sign = signer.sign_base64(text.as_bytes())?;
    let sign = serde_json::to_string(&sign).map_err(|e| PayError::Signing(e.to_string()))?;
    Ok(format!("{{\"{}_response\":{text},\"sign\":{sign}}}", method.replace('.', "_")))
}

/// Verifies an asynchronous notification (its form parameters, URL-decoded) with Alipay's public
/// key; the verified parameters, the only ones to read.
pub fn verify_notification<'a>(
    alipay_public_key: &RsaVerifier,
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Verified> {
    verify(alipay_public_key, params, &["sign", "sign_type"])
}

/// Reads a notification's form body (`application/x-www-form-urlencoded`) and verifies it.
pub fn verify_notification_form(alipay_public_key: &RsaVerifier, body: &str) -> Result<Verified> {
    let params: Vec<(String, String)> =
        serde_urlencoded::from_str(body).map_err(|e| PayError::Malformed(e.to_string()))?;
    verify_notification(alipay_public_key, params.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// Fen as Alipay writes an amount: yuan with two decimals (`30000` → `"300.00"`).
pub fn amount(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", fen.unsigned_abs() / 100, fen.unsigned_abs() % 100)
}

/// An Alipay amount back to fen, exactly (no floating point): `"300.00"`, `"300.5"`, `"300"`.
pub fn parse_amount(text: &str) -> Result<i64> {
    let bad = || PayError::Malformed(format!("金额 {text}"));
    let (yuan, cents) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
    if yuan.is_empty()
        || !yuan.bytes().all(|b| b.is_ascii_digit())
        || cents.len() > 2
        || !cents.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let yuan: i64 = yuan.parse().map_err(|_| bad())?;
    let cents: i64 = format!("{cents:0<2}").parse().map_err(|_| bad())?;
    yuan.checked_mul(100).and_then(|y| y.checked_add(cents)).ok_or_else(bad)
}

/// What a verified notification says about a payment the platform expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotificationVerdict {
    /// Paid in full: `TRADE_SUCCESS` or `TRADE_FINISHED`, for this app, this trade and this amount.
    Paid { trade_no: String },
    /// A status that is not payment (`WAIT_BUYER_PAY`, `TRADE_CLOSED`): acknowledged, nothing changes.
    NotPaid { status: String },
}

/// Who a notification must be for: the merchant's app and seller (its PID), and the trade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expected<'a> {
    pub app_id: &'a str,
    pub seller_id: &'a str,
    pub out_trade_no: &'a str,
    pub total_fen: i64,
}

/// Checks a verified notification against the payment it must be for: the app, the seller, the
/// trade number and the amount must be the expected ones, or it is refused.
pub fn check_notification(notification: &Verified, expected: &Expected<'_>) -> Result<NotificationVerdict> {
    if notification.get("app_id")? != expected.app_id {
        return Err(PayError::Malformed("app_id 不符".into()));
    }
    if notification.get("seller_id")? != expected.seller_id {
        return Err(PayError::Malformed("seller_id 不符".into()));
    }
    if notification.get("out_trade_no")? != expected.out_trade_no {
        return Err(PayError::Malformed("out_trade_no 不符".into()));
    }
    if parse_amount(notification.get("total_amount")?)? != expected.total_fen {
        return Err(PayError::Malformed("金额不符".into()));
    }
    Ok(match notification.get("trade_status")? {
        "TRADE_SUCCESS" | "TRADE_FINISHED" => {
            NotificationVerdict::Paid { trade_no: notification.get("trade_no")?.to_owned() }
        }
        other => NotificationVerdict::NotPaid { status: other.to_owned() },
    })
}

/// Verifies an answer of Alipay's open API (`alipay.trade.query`, `alipay.trade.refund`): the
/// signature covers the `<method>_response` object exactly as it appears in the body, so it is cut
/// from the raw text, never re-serialised. Returns the verified object.
pub fn verify_response(alipay_public_key: &RsaVerifier, raw_body: &str, method: &str) -> Result<serde_json::Value> {
    use serde_json::value::RawValue;
    let fields: std::collections::HashMap<String, Box<RawValue>> =
        serde_json::from_str(raw_body).map_err(|e| PayError::Malformed(e.to_string()))?;
    let key = format!("{}_response", method.replace('.', "_"));
    let signed = fields.get(&key).ok_or(PayError::Missing("response"))?;
    let sign: String = fields
        .get("sign")
        .map(|s| serde_json::from_str(s.get()))
        .transpose()
        .map_err(|e| PayError::Malformed(e.to_string()))?
        .ok_or(PayError::Missing("sign"))?;
    alipay_public_key.verify_base64(signed.get().as_bytes(), &sign)?;
    serde_json::from_str(signed.get()).map_err(|e| PayError::Malformed(e.to_string()))
}

/// An `alipay.trade.page.pay` request: what the browser is sent to the gateway with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PagePay<'a> {
    pub app_id: &'a str,
    pub out_trade_no: &'a str,
    pub total_fen: i64,
    pub subject: &'a str,
    /// Where the browser returns (the app's deep link).
    pub return_url: &'a str,
    /// Where the gateway notifies (the platform).
    pub notify_url: &'a str,
    /// `yyyy-MM-dd HH:mm:ss`, Beijing time.
    pub timestamp: &'a str,
}

impl PagePay<'_> {
    /// The request's parameters, signed (`sign` included), in the order Alipay documents them.
    pub fn signed_params(&self, signer: &RsaSigner) -> Result<Vec<(String, String)>> {
        let biz_content = serde_json::json!({
            "out_trade_no": self.out_trade_no,
            "product_code": "FAST_INSTANT_TRADE_PAY",
            "subject": self.subject,
            "total_amount": amount(self.total_fen),
        })
        .to_string();
        let mut params: Vec<(String, String)> = [
            ("app_id", self.app_id),
            ("method", "alipay.trade.page.pay"),
            ("charset", "utf-8"),
            ("sign_type", "RSA2"),
            ("timestamp", self.timestamp),
            ("version", "1.0"),
            ("notify_url", self.notify_url),
            ("return_url", self.return_url),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        params.push(("biz_content".into(), biz_content));
        let sign = sign_request(signer, params.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
        params.push(("sign".into(), sign));
        Ok(params)
    }
}
