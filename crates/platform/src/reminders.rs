//! Expiry reminders: 90, 30 and 7 days before a certificate's 有效期 ends, an email to the
//! organisation, once per threshold (a row per certificate and threshold, written with the email in
//! one transaction, so several instances running the job send it once between them).

use crate::Result;
use crate::state::AppState;
use certdesk_core::SHANGHAI;
use chrono::DateTime;
use std::sync::Arc;

/// The thresholds in days, most urgent first.
pub(crate) const REMINDER_DAYS: [i64; 3] = [7, 30, 90];

/// The most urgent threshold `days_left` has reached, and those above it.
fn threshold(days_left: i64) -> Option<(i64, &'static [i64])> {
    let at = REMINDER_DAYS.iter().position(|t| days_left <= *t)?;
    Some((REMINDER_DAYS[at], &REMINDER_DAYS[at + 1..]))
}

impl AppState {
    /// Owes each reminder that is due now; how many were owed.
    pub(crate) fn owe_expiry_reminders(&self) -> Result<usize> {
        let now = self.now();
        let horizon = now + chrono::Duration::days(REMINDER_DAYS[REMINDER_DAYS.len() - 1]);
        let at = now.with_timezone(&SHANGHAI).to_rfc3339();
        let mut owed = 0;
        for certificate in self.db.expiring_certificates(&at, &horizon.with_timezone(&SHANGHAI).to_rfc3339())? {
            let Ok(end) = DateTime::parse_from_rfc3339(&certificate.not_after) else { continue };
            let days_left = (end.to_utc() - now).num_days();
            let Some((days, above)) = threshold(days_left) else { continue };
            let detail = format!("{}\t{days_left}\t{}", certificate.serial, certificate.not_after);
            if self.db.remind_expiry(&certificate, days, above, &detail, &at)? {
                tracing::info!(serial = %certificate.serial, days_left, "expiry reminder owed");
                owed += 1;
            }
        }
        if owed > 0 {
            self.changed();
        }
        Ok(owed)
    }
}

/// At start, then every hour.
pub(crate) fn spawn_reminders(state: Arc<AppState>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = crate::state::blocking(&state, |s| s.owe_expiry_reminders()).await {
                tracing::warn!(error = %e, "expiry reminders not checked");
            }
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::threshold;

    #[test]
    fn each_reminder_is_the_most_urgent_threshold_reached() {
        let cases = [
            (120, None),
            (91, None),
            (90, Some((90, &[][..]))),
            (31, Some((90, &[][..]))),
            (30, Some((30, &[90][..]))),
            (8, Some((30, &[90][..]))),
            (7, Some((7, &[30, 90][..]))),
            (0, Some((7, &[30, 90][..]))),
        ];
        for (days_left, expected) in cases {
            assert_eq!(threshold(days_left), expected, "{days_left} days left");
        }
    }
}
