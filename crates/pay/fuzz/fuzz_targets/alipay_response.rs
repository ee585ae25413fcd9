#![no_main]
use certdesk_pay::{RsaVerifier, alipay};
use libfuzzer_sys::fuzz_target;

const PUBLIC: &str = include_str!("../../tests/vectors/test-app-public.pem");

// An open API answer's text: never a panic, never verified without the gateway's signature.
fuzz_target!(|body: &str| {
    let verifier = RsaVerifier::from_public_key_pem(PUBLIC).unwrap();
    assert!(alipay::verify_response(&verifier, body, "alipay.trade.query").is_err());
});
