#![no_main]
use certdesk_pay::wechat::Authorization;
use libfuzzer_sys::fuzz_target;

// An Authorization header as a merchant (or anyone) sends it to the sandbox gateway.
fuzz_target!(|header: &str| {
    if let Ok(read) = Authorization::parse(header) {
        assert!(header.starts_with("WECHATPAY2-SHA256-RSA2048 "));
        let _ = (read.merchant_id, read.nonce, read.signature, read.timestamp, read.serial);
    }
});
