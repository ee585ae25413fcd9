#![no_main]
use certdesk_core::ApplicantName;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(name) = ApplicantName::parse(text) {
        assert_eq!(ApplicantName::parse(name.as_str()).as_ref(), Ok(&name));
    }
});
