#![no_main]
use certdesk_core::Mobile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(mobile) = Mobile::parse(text) {
        assert_eq!(mobile.as_str().len(), 11);
        assert_eq!(Mobile::parse(mobile.as_str()).as_ref(), Ok(&mobile));
    }
});
