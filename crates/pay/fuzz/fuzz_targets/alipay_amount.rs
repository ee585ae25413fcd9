#![no_main]
use certdesk_pay::alipay::{amount, parse_amount};
use libfuzzer_sys::fuzz_target;

// Any text: refused or read exactly; what is read writes back to the same fen.
fuzz_target!(|text: &str| {
    if let Ok(fen) = parse_amount(text) {
        assert!(fen >= 0);
        assert_eq!(parse_amount(&amount(fen)), Ok(fen));
    }
});
