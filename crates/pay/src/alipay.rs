//! Alipay open platform signing (RSA2): the request's parameters and the asynchronous
//! notification's are signed over one string: every parameter but `sign` (and, for a notification,
//! `sign_type`), empty values dropped, keys in ASCII order, `key=value` over the raw (not
//! URL-encoded) values, joined with `&`.

use crate::{PayError, Result, RsaSigner, RsaVerifier};
use std::collections::BTreeMap;

/// The string a request is signed over.
pub fn request_content<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    content(params, &["sign"])
}

/// The string a notification is verified over.
pub fn notification_content<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    content(params, &["sign", "sign_type"])
}

fn content<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>, skip: &[&str]) -> String {
    // BTreeMap: byte order of the keys, which is ASCII order for Alipay's ASCII parameter names.
    let sorted: BTreeMap<&str, &str> = params.into_iter().filter(|(k, v)| !v.is_empty() && !skip.contains(k)).collect();
    sorted.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

/// Signs a request's parameters; the answer is the `sign` parameter's value.
pub fn sign_request<'a>(signer: &RsaSigner, params: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<String> {
    signer.sign_base64(request_content(params).as_bytes())
}

/// Verifies a request's signature with the merchant's public key (the gateway's side).
pub fn verify_request<'a>(
    merchant_public_key: &RsaVerifier,
    params: impl IntoIterator<Item = (&'a str, &'a str)> + Clone,
) -> Result<()> {
    let sign =
        params.clone().into_iter().find(|(k, _)| *k == "sign").map(|(_, v)| v).ok_or(PayError::Missing("sign"))?;
    merchant_public_key.verify_base64(request_content(params).as_bytes(), sign)
}

/// Signs an asynchronous notification's parameters (the gateway's side): the `sign` value.
pub fn sign_notification<'a>(
    signer: &RsaSigner,
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<String> {
    signer.sign_base64(notification_content(params).as_bytes())
}

/// An open API answer as the gateway sends it: `{"<method>_response":{…},"sign":"…"}`, the
/// signature over the response object's exact text.
pub fn signed_response(signer: &RsaSigner, method: &str, response: &serde_json::Value) -> Result<String> {
    let text = response.to_string();
    let sign = signer.sign_base64(text.as_bytes())?;
    let sign = serde_json::to_string(&sign).map_err(|e| PayError::Signing(e.to_string()))?;
    Ok(format!("{{\"{}_response\":{text},\"sign\":{sign}}}", method.replace('.', "_")))
}

/// Verifies an asynchronous notification (its form parameters, URL-decoded) with Alipay's public key.
pub fn verify_notification<'a>(
    alipay_public_key: &RsaVerifier,
    params: impl IntoIterator<Item = (&'a str, &'a str)> + Clone,
) -> Result<()> {
    let sign =
        params.clone().into_iter().find(|(k, _)| *k == "sign").map(|(_, v)| v).ok_or(PayError::Missing("sign"))?;
    alipay_public_key.verify_base64(notification_content(params).as_bytes(), sign)
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

/// Checks a notification whose signature was verified against the payment it names: the app id,
/// the trade number and the amount must be the expected ones, or it is refused.
pub fn check_notification<'a>(
    params: impl IntoIterator<Item = (&'a str, &'a str)> + Clone,
    app_id: &str,
    out_trade_no: &str,
    expected_fen: i64,
) -> Result<NotificationVerdict> {
    let get = |key: &'static str| {
        params.clone().into_iter().find(|(k, _)| *k == key).map(|(_, v)| v).ok_or(PayError::Missing(key))
    };
    if get("app_id")? != app_id {
        return Err(PayError::Malformed("app_id 不符".into()));
    }
    if get("out_trade_no")? != out_trade_no {
        return Err(PayError::Malformed("out_trade_no 不符".into()));
    }
    if parse_amount(get("total_amount")?)? != expected_fen {
        return Err(PayError::Malformed("金额不符".into()));
    }
    let status = get("trade_status")?;
    Ok(match status {
        "TRADE_SUCCESS" | "TRADE_FINISHED" => NotificationVerdict::Paid { trade_no: get("trade_no")?.to_owned() },
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
