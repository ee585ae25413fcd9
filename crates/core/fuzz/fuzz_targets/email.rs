#![no_main]
use certdesk_core::Email;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(email) = Email::parse(text) {
        assert!(email.as_str().contains('@'));
        assert_eq!(Email::parse(email.as_str()).as_ref(), Ok(&email));
    }
});
