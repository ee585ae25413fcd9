use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of money in integer fen (分). Never a float: ¥300.00 is `Money::from_fen(30000)`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    Serialize,
    Deserialize,
    specta::Type,
    utoipa::ToSchema,
)]
#[serde(transparent)]
pub struct Money(i64);

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_fen(fen: i64) -> Self {
        Money(fen)
    }

    pub const fn fen(self) -> i64 {
        self.0
    }

    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// `self × n`, or `None` on overflow.
    pub fn checked_mul(self, n: u32) -> Option<Money> {
        self.0.checked_mul(i64::from(n)).map(Money)
    }
}

/// `¥1,234.50`: yuan with thousands separators and two decimals of fen.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let yuan = (abs / 100).to_string();
        let mut grouped = String::with_capacity(yuan.len() + yuan.len() / 3);
        for (i, ch) in yuan.chars().enumerate() {
            if i > 0 && (yuan.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        write!(f, "{sign}¥{grouped}.{:02}", abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::Money;

    #[test]
    fn displays_yuan_with_separators_and_two_decimals() {
        let cases = [
            (0, "¥0.00"),
            (5, "¥0.05"),
            (30000, "¥300.00"),
            (123450, "¥1,234.50"),
            (123456789, "¥1,234,567.89"),
            (-150, "-¥1.50"),
        ];
        for (fen, text) in cases {
            assert_eq!(Money::from_fen(fen).to_string(), text, "{fen} fen");
        }
    }

    #[test]
    fn multiplication_refuses_overflow() {
        assert_eq!(Money::from_fen(30000).checked_mul(3), Some(Money::from_fen(90000)));
        assert_eq!(Money::from_fen(i64::MAX).checked_mul(2), None);
    }
}
