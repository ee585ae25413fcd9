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

/// Verifies an asynchronous notification (its form parameters, URL-decoded) with Alipay's public key.
pub fn verify_notification<'a>(
    alipay_public_key: &RsaVerifier,
    params: impl IntoIterator<Item = (&'a str, &'a str)> + Clone,
) -> Result<()> {
    let sign =
        params.clone().into_iter().find(|(k, _)| *k == "sign").map(|(_, v)| v).ok_or(PayError::Missing("sign"))?;
    alipay_public_key.verify_base64(notification_content(params).as_bytes(), sign)
}
