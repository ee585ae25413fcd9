//! 人脸认证 attempts: at most 10 per applicant ID number per Asia/Shanghai calendar day, because the
//! match against the national ID photo can fail and each attempt costs the platform a query.

use crate::SHANGHAI;
use chrono::{DateTime, Duration, FixedOffset, NaiveTime};

pub const MAX_FACE_ATTEMPTS_PER_DAY: u32 = 10;

/// Where an applicant stands today: attempts used, left, and when the count starts again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaceAttempts {
    pub used: u32,
    pub remaining: u32,
    /// The next midnight in Asia/Shanghai.
    pub resets_at: DateTime<FixedOffset>,
}

impl FaceAttempts {
    /// Counts the attempts made on `now`'s Asia/Shanghai calendar day among `attempts` (any order, any
    /// offset; earlier days and the future are ignored).
    pub fn at(now: &DateTime<FixedOffset>, attempts: &[DateTime<FixedOffset>]) -> FaceAttempts {
        let now = now.with_timezone(&SHANGHAI);
        let start =
            now.date_naive().and_time(NaiveTime::MIN).and_local_timezone(SHANGHAI).single().expect("fixed offset");
        let used = attempts.iter().filter(|t| **t >= start && **t <= now).count().min(u32::MAX as usize) as u32;
        FaceAttempts::counted(&now, used)
    }

    /// `used` attempts counted for `now`'s Asia/Shanghai calendar day by someone else (a
    /// database that keeps the day with each attempt, so that a racing attempt stamped a moment
    /// later than `now` still counts).
    pub fn counted(now: &DateTime<FixedOffset>, used: u32) -> FaceAttempts {
        let now = now.with_timezone(&SHANGHAI);
        let start =
            now.date_naive().and_time(NaiveTime::MIN).and_local_timezone(SHANGHAI).single().expect("fixed offset");
        FaceAttempts {
            used,
            remaining: MAX_FACE_ATTEMPTS_PER_DAY.saturating_sub(used),
            resets_at: start + Duration::days(1),
        }
    }

    pub fn exhausted(&self) -> bool {
        self.remaining == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn attempts_count_per_beijing_calendar_day() {
        // 15:59 UTC is 23:59 in Beijing; 16:00 UTC is the next day there.
        let yesterday = at("2026-11-27T15:59:00Z");
        let today: Vec<_> = (0..3).map(|m| at(&format!("2026-11-27T16:0{m}:00Z"))).collect();
        let mut all = vec![yesterday];
        all.extend(&today);
        let state = FaceAttempts::at(&at("2026-11-28T12:00:00+08:00"), &all);
        assert_eq!((state.used, state.remaining), (3, 7));
        assert_eq!(state.resets_at, at("2026-11-29T00:00:00+08:00"));
    }

    #[test]
    fn the_tenth_attempt_exhausts_the_day_and_more_never_go_negative() {
        let now = at("2026-11-28T20:00:00+08:00");
        let attempts: Vec<_> = (0..12).map(|i| at(&format!("2026-11-28T08:{i:02}:00+08:00"))).collect();
        assert_eq!(FaceAttempts::at(&now, &attempts[..9]).remaining, 1);
        assert!(FaceAttempts::at(&now, &attempts[..10]).exhausted());
        assert_eq!(FaceAttempts::at(&now, &attempts).remaining, 0);
    }
}
