#![no_main]
use certdesk_pay::{RsaVerifier, alipay};
use libfuzzer_sys::fuzz_target;

const PUBLIC: &str = include_str!("../../tests/vectors/test-app-public.pem");

// A notification's parameters as they arrive: never a panic, and nothing unsigned is accepted.
fuzz_target!(|params: Vec<(String, String)>| {
    let verifier = RsaVerifier::from_public_key_pem(PUBLIC).unwrap();
    let pairs = || params.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    assert!(alipay::verify_notification(&verifier, pairs()).is_err());
    let _ = alipay::check_notification(pairs(), "2021000000000000", "179595726007000P01", 30_000);
});
