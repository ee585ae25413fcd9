//! The SMTP server the mail tests send to (aiosmtpd, see `certdesk-testsmtp`), and `[mail]` for it.

pub use certdesk_testsmtp::{Received, SmtpSink, parse, pdf_text};
use std::time::{Duration, Instant};

/// `[mail]` sending to `sink` over plain SMTP on loopback, retrying after 1 s, then 2 s.
pub fn config(sink: &SmtpSink) -> certdesk_platform::MailConfig {
    certdesk_platform::MailConfig {
        smtp_host: Some("127.0.0.1".into()),
        smtp_port: Some(sink.port),
        security: certdesk_platform::MailSecurity::None,
        from: "证书办理台 <noreply@certdesk.example>".into(),
        retry_first_secs: 1,
        retry_max_secs: 2,
        ..certdesk_platform::MailConfig::default()
    }
}

/// Waits until `n` messages have arrived (at most 30 s), then returns them all.
pub async fn wait_for(sink: &SmtpSink, n: usize) -> Vec<Received> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = sink.received();
        if got.len() >= n || Instant::now() > deadline {
            assert!(got.len() >= n, "{} of {n} messages arrived: {got:#?}", got.len());
            return got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
