#![no_main]
use certdesk_core::OrganisationName;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(name) = OrganisationName::parse(text) {
        assert_eq!(OrganisationName::parse(name.as_str()).as_ref(), Ok(&name));
    }
});
