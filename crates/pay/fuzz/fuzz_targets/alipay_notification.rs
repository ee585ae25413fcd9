#![no_main]
use certdesk_pay::{RsaVerifier, alipay};
use libfuzzer_sys::fuzz_target;

const PUBLIC: &str = include_str!("../../tests/vectors/test-app-public.pem");

// A notification as it arrives, as parameters and as a form body: never a panic, and nothing
// unsigned is accepted.
fuzz_target!(|input: (Vec<(String, String)>, String)| {
    let (params, body) = input;
    let verifier = RsaVerifier::from_public_key_pem(PUBLIC).unwrap();
    assert!(alipay::verify_notification(&verifier, params.iter().map(|(k, v)| (k.as_str(), v.as_str()))).is_err());
    assert!(alipay::verify_notification_form(&verifier, &body).is_err());
});
