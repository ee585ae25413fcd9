#![no_main]
use certdesk_pay::wechat::{Notification, Transaction};
use libfuzzer_sys::fuzz_target;

// A callback's body: parsed, opened with a key, its transaction read; never a panic.
fuzz_target!(|body: &str| {
    if let Ok(notification) = Notification::parse(body) {
        if let Ok(plain) = notification.decrypt(&[7; 32]) {
            let _ = Transaction::parse(&plain).map(|t| t.is_paid_for("1900000001", "wx1", "P01", 30_000));
        }
    }
    let _ = Transaction::parse(body);
});
