//! The platform's email: the outbox (`store/outbox.rs`) emptied by one worker per instance.
//!
//! Each message owed is claimed (a lease), written from the order as it is now (`compose.rs`),
//! handed to the SMTP server — or, with none configured, written as an `.eml` file — and marked
//! sent. A failure leaves it owed with why, tried again after a wait that doubles. A message is
//! marked sent only after the server accepted it; a crash between the two sends it again with the
//! same Message-ID, the one case where a reader may see it twice.

mod compose;

use crate::config::{MailConfig, MailSecurity};
use crate::state::AppState;
use crate::store::OutboxRow;
use crate::{PlatformError, Result};
use certdesk_core::SHANGHAI;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How long a claimed message is this worker's: longer than any send takes.
const LEASE: Duration = Duration::from_secs(120);
/// Messages taken per round.
const BATCH: i64 = 20;

/// Where messages go.
pub(crate) enum Transport {
    Smtp(Box<AsyncSmtpTransport<Tokio1Executor>>),
    /// The embedded platform without an SMTP server: a folder of `.eml` files.
    Folder(PathBuf),
}

pub(crate) struct Mail {
    pub(crate) transport: Transport,
    pub(crate) from: Mailbox,
    retry_first: Duration,
    retry_max: Duration,
}

impl Mail {
    pub(crate) fn from_config(config: &MailConfig, data_dir: &std::path::Path) -> Result<Mail> {
        let from: Mailbox = config.from.parse().map_err(|e| PlatformError::Config(format!("[mail] from：{e}")))?;
        let transport = match &config.smtp_host {
            None => Transport::Folder(config.folder.clone().unwrap_or_else(|| data_dir.join("mail"))),
            Some(host) => {
                let (tls, port) = match config.security {
                    MailSecurity::Starttls => (Some(Tls::Required(tls_parameters(host, config)?)), 587),
                    MailSecurity::Tls => (Some(Tls::Wrapper(tls_parameters(host, config)?)), 465),
                    MailSecurity::None => (None, 25),
                };
                let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                    .port(config.smtp_port.unwrap_or(port))
                    .timeout(Some(Duration::from_secs(30)));
                if let Some(tls) = tls {
                    builder = builder.tls(tls);
                }
                if let Some(username) = &config.username {
                    let password = match &config.password {
                        Some(password) => password.clone(),
                        None => std::env::var(&config.password_env).map_err(|_| {
                            PlatformError::Config(format!(
                                "[mail] 设置了 username，却没有密码：请设置环境变量 {}",
                                config.password_env
                            ))
                        })?,
                    };
                    builder = builder.credentials(Credentials::new(username.clone(), password));
                }
                Transport::Smtp(Box::new(builder.build()))
            }
        };
        Ok(Mail {
            transport,
            from,
            retry_first: Duration::from_secs(config.retry_first_secs),
            retry_max: Duration::from_secs(config.retry_max_secs),
        })
    }

    /// The wait before attempt `attempts + 1`: the first wait, doubled each time, at most the max.
    fn retry_after(&self, attempts: u32) -> Duration {
        let doubled = self.retry_first.saturating_mul(1u32.checked_shl(attempts.min(20)).unwrap_or(u32::MAX));
        doubled.min(self.retry_max)
    }

    /// Hands `message` over; `Err` with why when it was not accepted.
    async fn send(&self, row: &OutboxRow, message: &Message) -> std::result::Result<(), String> {
        match &self.transport {
            Transport::Smtp(smtp) => smtp.send(message.clone()).await.map(drop).map_err(|e| e.to_string()),
            Transport::Folder(folder) => {
                let (folder, bytes) = (folder.clone(), message.formatted());
                let name = eml_name(row);
                tokio::task::spawn_blocking(move || write_eml(&folder, &name, &bytes))
                    .await
                    .map_err(|e| e.to_string())?
                    .map_err(|e| e.to_string())
            }
        }
    }
}

/// The TLS of a connection to `host`: its certificate checked against the public roots and, with
/// `tls_root`, the intranet's own CA.
fn tls_parameters(host: &str, config: &MailConfig) -> Result<TlsParameters> {
    let tls = |e: lettre::transport::smtp::Error| PlatformError::Config(format!("[mail] TLS：{e}"));
    let mut builder = TlsParameters::builder(host.to_owned());
    if let Some(path) = &config.tls_root {
        let pem = std::fs::read(path)
            .map_err(|e| PlatformError::Config(format!("[mail] tls_root {}：{e}", path.display())))?;
        builder = builder.add_root_certificate(Certificate::from_pem(&pem).map_err(tls)?);
    }
    builder.build().map_err(tls)
}

/// One file per message, named by when it was owed and what it is, so the folder sorts by time
/// and a message written again after a crash replaces itself.
fn eml_name(row: &OutboxRow) -> String {
    let when: String = row.created_at.chars().take(19).filter(char::is_ascii_digit).collect();
    format!("{when}-{:08}-{}-{}.eml", row.id, row.order_no, row.kind.code())
}

fn write_eml(folder: &std::path::Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    // A partial file of its own: a worker stopped mid-write (a restart) may still be finishing the
    // same message; the last rename wins and both wrote the same bytes.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::fs::create_dir_all(folder)?;
    let partial = folder.join(format!(".{name}.{}-{n}.partial", std::process::id()));
    std::fs::write(&partial, bytes)?;
    std::fs::rename(&partial, folder.join(name))
}

impl AppState {
    /// Now on the platform's clock, as the outbox's columns hold times.
    fn mail_now(&self) -> String {
        self.now().with_timezone(&SHANGHAI).to_rfc3339()
    }

    /// `wait` from now on the platform's clock.
    fn mail_after(&self, wait: Duration) -> String {
        let wait = chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
        (self.now() + wait).with_timezone(&SHANGHAI).to_rfc3339()
    }
}

impl AppState {
    /// Sends what is due; how many messages were sent.
    pub(crate) async fn deliver_due_mail(self: &Arc<Self>) -> Result<usize> {
        let due = crate::state::blocking(self, |s| s.db.due_mail(&s.mail_now(), BATCH)).await?;
        let mut sent = 0;
        for row in due {
            let id = row.id;
            let claimed =
                crate::state::blocking(self, move |s| s.db.claim_mail(id, &s.mail_now(), &s.mail_after(LEASE))).await?;
            if !claimed {
                continue;
            }
            let composed = {
                let row = row.clone();
                crate::state::blocking(self, move |s| s.compose_mail(&row)).await
            };
            let outcome = match composed {
                Ok((message, to_masked)) => match self.mail.send(&row, &message).await {
                    Ok(()) => {
                        tracing::info!(order_no = %row.order_no, kind = row.kind.code(), to = %to_masked, "email sent");
                        Ok(())
                    }
                    Err(e) => Err(e),
                },
                Err(e) => Err(e.to_string()),
            };
            match outcome {
                Ok(()) => {
                    crate::state::blocking(self, move |s| s.db.mail_sent(id, &s.mail_now())).await?;
                    sent += 1;
                }
                Err(error) => {
                    let next = self.mail_after(self.mail.retry_after(row.attempts));
                    tracing::warn!(order_no = %row.order_no, kind = row.kind.code(), attempts = row.attempts + 1,
                        %error, retry_at = %next, "email not sent; it is kept and tried again");
                    crate::state::blocking(self, move |s| s.db.mail_failed(id, &error, &next)).await?;
                }
            }
        }
        Ok(sent)
    }
}

/// The worker: a round at start, after every change this instance stores, and at least as often
/// as the first retry's wait (for retries, and for what other instances owe).
pub(crate) fn spawn_mail_worker(state: Arc<AppState>) -> tokio::task::JoinHandle<()> {
    let mut changes = state.changes.subscribe();
    let every = state.mail.retry_first.min(Duration::from_secs(5));
    tokio::spawn(async move {
        loop {
            match state.deliver_due_mail().await {
                // A full batch: more may be waiting.
                Ok(n) if n as i64 == BATCH => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "mail round failed"),
            }
            tokio::select! {
                _ = changes.changed() => {}
                _ = tokio::time::sleep(every) => {}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_twice_as_long_each_time_up_to_the_maximum() {
        let config = MailConfig { retry_first_secs: 30, retry_max_secs: 3600, ..MailConfig::default() };
        let mail = Mail::from_config(&config, std::path::Path::new("/tmp")).unwrap();
        let waits: Vec<u64> = (0..10).map(|n| mail.retry_after(n).as_secs()).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        assert_eq!(mail.retry_after(u32::MAX).as_secs(), 3600);
    }
}
