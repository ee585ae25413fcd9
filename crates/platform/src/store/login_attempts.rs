//! login_attempts: each log-in attempt is reserved as a failure before the password is checked,
//! so that parallel guesses are counted as they come (a success clears its account's failures).
//! Kept in the database, so the limits hold across every instance behind a load balancer.

use super::{Db, params};
use crate::{PlatformError, Result};
use certdesk_core::SHANGHAI;
use chrono::{DateTime, Duration, Utc};

/// The window failures are counted in.
pub const WINDOW_MINUTES: i64 = 15;
/// Failures of one account in the window before it is refused (whoever tries).
pub const ACCOUNT_FAILURES: i64 = 5;
/// Failures from one client address in the window before it is refused (whichever account).
pub const CLIENT_FAILURES: i64 = 20;

impl Db {
    /// Reserves an attempt on `account` from `client`, or refuses it when either has failed too
    /// often lately. Count and reservation share one transaction.
    pub fn reserve_login_attempt(&self, account: &str, client: &str, now: DateTime<Utc>) -> Result<i64> {
        let now = now.with_timezone(&SHANGHAI);
        let since = (now - Duration::minutes(WINDOW_MINUTES)).to_rfc3339();
        let day_ago = (now - Duration::days(1)).to_rfc3339();
        self.write(|conn| {
            conn.execute("DELETE FROM login_attempts WHERE at < ?1", params![day_ago])?;
            let count = |column: &str, value: &str| {
                conn.query_one(
                    &format!("SELECT COUNT(*), MIN(at) FROM login_attempts WHERE {column} = ?1 AND at >= ?2"),
                    params![value, since],
                    |r| Ok((r.get::<i64>(0)?, r.get::<Option<String>>(1)?)),
                )
            };
            let minutes_left = |oldest: Option<String>| {
                let oldest = oldest.and_then(|t| DateTime::parse_from_rfc3339(&t).ok()).unwrap_or(now.fixed_offset());
                let left = oldest + Duration::minutes(WINDOW_MINUTES) - now.fixed_offset();
                (left.num_seconds() + 59).div_euclid(60).max(1)
            };
            let (failures, oldest) = count("account", account)?;
            if failures >= ACCOUNT_FAILURES {
                return Err(PlatformError::TooManyRequests(format!(
                    "该账号密码错误次数过多，请{}分钟后再试",
                    minutes_left(oldest)
                )));
            }
            let (failures, oldest) = count("client", client)?;
            if failures >= CLIENT_FAILURES {
                return Err(PlatformError::TooManyRequests(format!(
                    "登录失败次数过多，请{}分钟后再试",
                    minutes_left(oldest)
                )));
            }
            conn.query_one(
                "INSERT INTO login_attempts (account, client, at) VALUES (?1, ?2, ?3) RETURNING id",
                params![account, client, now.to_rfc3339()],
                |r| r.get(0),
            )
        })
    }

    /// The password was right: the account's failures (and this attempt) are forgotten.
    pub fn forget_login_failures(&self, account: &str) -> Result<()> {
        self.write(|conn| conn.execute("DELETE FROM login_attempts WHERE account = ?1", params![account])).map(drop)
    }

    /// The attempt could not be judged (the database, not the password): it does not count.
    pub fn release_login_attempt(&self, id: i64) -> Result<()> {
        self.write(|conn| conn.execute("DELETE FROM login_attempts WHERE id = ?1", params![id])).map(drop)
    }
}
