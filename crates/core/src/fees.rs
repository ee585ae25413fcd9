//! The fee of an application: 申领数量 × the provider's price per certificate, less any waiver the
//! platform's configuration grants. A zero fee means the order skips 待支付.

use crate::{CreditCode, Money, Quantity};
use serde::{Deserialize, Serialize};

/// The platform's waiver rules, from its configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeeSchedule {
    /// Certificates free of charge in each application (e.g. 1: the first certificate is free).
    pub free_certificates: u32,
    /// 统一社会信用代码 registration-authority codes (its first character) whose applications are
    /// free, e.g. `['1']` for organisations registered by 机构编制 (事业单位).
    pub waived_authorities: Vec<char>,
}

/// The fee in fen, or `None` if it would overflow (a price no provider could have).
pub fn fee_for(unit_fee: Money, quantity: Quantity, credit_code: &CreditCode, schedule: &FeeSchedule) -> Option<Money> {
    let authority = credit_code.as_str().chars().next();
    if authority.is_some_and(|a| schedule.waived_authorities.contains(&a)) {
        return Some(Money::ZERO);
    }
    unit_fee.checked_mul(quantity.get().saturating_sub(schedule.free_certificates))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> CreditCode {
        CreditCode::parse(s).unwrap()
    }

    #[test]
    fn the_fee_is_quantity_times_the_unit_price_less_waivers() {
        let company = code("91330106MA27XY812F");
        let institution = code("123300004700012347");
        let unit = Money::from_fen(30_000);
        let three = Quantity::parse(3, 20).unwrap();
        let none = FeeSchedule::default();
        assert_eq!(fee_for(unit, three, &company, &none), Some(Money::from_fen(90_000)));
        let first_free = FeeSchedule { free_certificates: 1, ..FeeSchedule::default() };
        assert_eq!(fee_for(unit, three, &company, &first_free), Some(Money::from_fen(60_000)));
        let one = Quantity::parse(1, 20).unwrap();
        assert_eq!(fee_for(unit, one, &company, &first_free), Some(Money::ZERO));
        let institutions_free = FeeSchedule { waived_authorities: vec!['1'], ..FeeSchedule::default() };
        assert_eq!(fee_for(unit, three, &institution, &institutions_free), Some(Money::ZERO));
        assert_eq!(fee_for(unit, three, &company, &institutions_free), Some(Money::from_fen(90_000)));
        assert_eq!(fee_for(Money::from_fen(i64::MAX), three, &company, &none), None);
    }
}
