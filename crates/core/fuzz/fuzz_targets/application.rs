#![no_main]
use certdesk_core::{Application, ApplicationForm, Error};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(form) = serde_json::from_slice::<ApplicationForm>(data) else { return };
    match Application::parse(&form, 20) {
        Ok(application) => assert!((1..=20).contains(&application.quantity.get())),
        Err(Error::InvalidApplication(fields)) => assert!(!fields.is_empty()),
        Err(other) => panic!("unexpected refusal {other:?}"),
    }
});
