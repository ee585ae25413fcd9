#![no_main]
use certdesk_core::WorkCalendar;
use chrono::{Duration, NaiveDate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(calendar) = WorkCalendar::parse(text) {
        let start = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        for offset in 0..40 {
            let day = start + Duration::days(offset * 17);
            let next = calendar.add_working_days(day, 2);
            assert!(next >= day);
        }
    }
});
