#![no_main]
use certdesk_core::IdNumber;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(id) = IdNumber::parse(text) {
        assert_eq!(IdNumber::parse(id.as_str()).as_ref(), Ok(&id));
        let masked = id.masked();
        assert_eq!(masked.len(), 18);
        assert!(!masked.contains(&id.as_str()[3..14]), "the masked form hides the middle");
        let _ = id.birth_date();
    }
});
