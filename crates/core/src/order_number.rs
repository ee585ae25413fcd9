use crate::{Error, Result, SHANGHAI};
use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

/// The guide's 15-digit 订单编号: 10 digits of Unix seconds, 3 of milliseconds and a 2-digit sequence,
/// so `154175355707863` was issued at 1541753557.078 (2018-11-09 16:52:37 Beijing time).
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, specta::Type, utoipa::ToSchema,
)]
#[serde(try_from = "String", into = "String")]
pub struct OrderNumber(String);

impl OrderNumber {
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        if text.len() == 15 && text.bytes().all(|b| b.is_ascii_digit()) && !text.starts_with('0') {
            Ok(OrderNumber(text.to_owned()))
        } else {
            Err(Error::InvalidOrderNumber)
        }
    }

    fn from_packed(packed: u64) -> Self {
        OrderNumber(packed.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number as an integer, the order in which numbers were issued.
    pub fn packed(&self) -> u64 {
        self.0.parse().expect("an OrderNumber is 15 digits")
    }

    /// The instant encoded in the first 13 digits, in Asia/Shanghai.
    pub fn issued_at(&self) -> DateTime<FixedOffset> {
        let millis = (self.packed() / 100) as i64;
        Utc.timestamp_millis_opt(millis)
            .single()
            .expect("13 digits of milliseconds are a valid instant")
            .with_timezone(&SHANGHAI)
    }
}

impl fmt::Display for OrderNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for OrderNumber {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        OrderNumber::parse(s)
    }
}

impl TryFrom<String> for OrderNumber {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        OrderNumber::parse(&s)
    }
}

impl From<OrderNumber> for String {
    fn from(n: OrderNumber) -> String {
        n.0
    }
}

/// Issues order numbers that are unique and strictly increasing, from any number of threads.
///
/// The state is the last number issued, packed as `millis × 100 + sequence`. A new number is the
/// current millisecond with sequence 0, or, when that is not above the last one (same millisecond,
/// or a clock that stepped back), the last one plus one. More than 100 numbers in one millisecond
/// borrow from the next millisecond rather than repeat.
#[derive(Debug, Default)]
pub struct OrderNumberGenerator {
    last: AtomicU64,
}

impl OrderNumberGenerator {
    /// A generator that will only issue numbers above `last`, e.g. the highest one already stored,
    /// so that a restarted platform never repeats a number.
    pub fn starting_after(last: Option<&OrderNumber>) -> Self {
        OrderNumberGenerator { last: AtomicU64::new(last.map_or(0, OrderNumber::packed)) }
    }

    pub fn next(&self) -> OrderNumber {
        self.next_at(Utc::now().timestamp_millis() as u64)
    }

    /// The next number when the clock reads `unix_millis`.
    pub fn next_at(&self, unix_millis: u64) -> OrderNumber {
        let floor = unix_millis * 100;
        let mut last = self.last.load(Ordering::Relaxed);
        loop {
            let candidate = floor.max(last + 1);
            match self.last.compare_exchange_weak(last, candidate, Ordering::AcqRel, Ordering::Relaxed) {
                Ok(_) => return OrderNumber::from_packed(candidate),
                Err(actual) => last = actual,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::Arc;

    #[test]
    fn the_guides_number_decodes_to_its_application_time() {
        let n = OrderNumber::parse("154175355707863").unwrap();
        assert_eq!(crate::format_shanghai(&n.issued_at()), "2018-11-09 16:52:37");
    }

    #[test]
    fn parse_refuses_anything_but_fifteen_digits() {
        for bad in ["", "15417535570786", "1541753557078630", "15417535570786a", "054175355707863"] {
            assert_eq!(OrderNumber::parse(bad), Err(Error::InvalidOrderNumber), "{bad:?}");
        }
    }

    #[test]
    fn numbers_in_one_millisecond_take_the_next_sequence() {
        let generator = OrderNumberGenerator::default();
        let ms = 1_541_753_557_078;
        assert_eq!(generator.next_at(ms).as_str(), "154175355707800");
        assert_eq!(generator.next_at(ms).as_str(), "154175355707801");
        assert_eq!(generator.next_at(ms + 1).as_str(), "154175355707900");
    }

    #[test]
    fn a_clock_that_steps_back_never_repeats_a_number() {
        let generator = OrderNumberGenerator::default();
        let first = generator.next_at(1_600_000_000_500);
        let second = generator.next_at(1_600_000_000_000);
        assert!(second > first);
    }

    #[test]
    fn a_restarted_generator_continues_above_the_stored_maximum() {
        let stored = OrderNumber::parse("200000000000042").unwrap();
        let generator = OrderNumberGenerator::starting_after(Some(&stored));
        assert_eq!(generator.next_at(1_600_000_000_000).as_str(), "200000000000043");
    }

    #[test]
    fn many_threads_get_unique_increasing_numbers() {
        let generator = Arc::new(OrderNumberGenerator::default());
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let generator = Arc::clone(&generator);
                std::thread::spawn(move || (0..5_000).map(|_| generator.next()).collect::<Vec<_>>())
            })
            .collect();
        let mut all = HashSet::new();
        for thread in threads {
            let numbers = thread.join().unwrap();
            assert!(numbers.windows(2).all(|w| w[0] < w[1]), "each thread sees increasing numbers");
            for n in numbers {
                assert_eq!(n.as_str().len(), 15);
                assert!(all.insert(n), "numbers are unique");
            }
        }
        assert_eq!(all.len(), 40_000);
    }
}
