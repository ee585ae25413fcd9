#![no_main]
use certdesk_core::CreditCode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(code) = CreditCode::parse(text) {
        // A parsed code is canonical: 18 upper-case characters that parse to themselves.
        assert_eq!(code.as_str().len(), 18);
        assert_eq!(CreditCode::parse(code.as_str()).as_ref(), Ok(&code));
    }
});
