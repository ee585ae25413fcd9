#![no_main]
use certdesk_core::OrderNumber;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(number) = OrderNumber::parse(text) {
        let _ = number.issued_at();
        assert_eq!(number.packed().to_string(), number.as_str());
    }
});
