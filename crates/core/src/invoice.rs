//! 发票申请's rules: what an invoice request must say, how an amount paid splits into 金额 and 税额,
//! and the amount in words (人民币大写) as a fully digital invoice (数电票) prints it.

use crate::{CreditCode, Email, Error, Money, Result};
use serde::{Deserialize, Serialize};

/// The one kind of invoice the platform issues: 电子发票（普通发票）.
pub const INVOICE_KIND_ZH: &str = "电子发票（普通发票）";

/// The line every certificate invoice carries (税收分类: 信息技术服务).
pub const INVOICE_ITEM_ZH: &str = "*信息技术服务*数字证书服务费";

/// The longest 发票抬头 a 数电票 takes (the buyer's name field).
pub const MAX_INVOICE_TITLE_CHARS: usize = 100;

/// A field of the 发票申请 dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum InvoiceField {
    /// 发票抬头.
    Title,
    /// 纳税人识别号.
    TaxpayerId,
    /// 电子邮箱.
    Email,
}

/// Why one field of a 发票申请 is refused, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceFieldError {
    pub field: InvoiceField,
    pub message: String,
}

/// What the applicant typed in 发票申请.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceForm {
    /// 发票抬头: the buyer's name (prefilled with 机构名称).
    pub title: String,
    /// 纳税人识别号 (prefilled with the 统一社会信用代码).
    pub taxpayer_id: String,
    /// Where the invoice is sent (prefilled with the application's email).
    pub email: String,
}

/// A checked 发票申请.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceRequest {
    pub title: String,
    /// An organisation's 纳税人识别号 is its 统一社会信用代码.
    pub taxpayer_id: CreditCode,
    pub email: Email,
}

/// Every field's refusal at once, so the dialog marks them all.
pub fn check_invoice_form(form: &InvoiceForm) -> Result<InvoiceRequest> {
    let mut errors = Vec::new();
    let mut refuse = |field, message: String| errors.push(InvoiceFieldError { field, message });
    let title = form.title.trim().to_owned();
    if title.is_empty() {
        refuse(InvoiceField::Title, "请输入发票抬头".into());
    } else if title.chars().count() > MAX_INVOICE_TITLE_CHARS {
        refuse(InvoiceField::Title, format!("发票抬头最多{MAX_INVOICE_TITLE_CHARS}个字"));
    } else if title.chars().any(char::is_control) {
        refuse(InvoiceField::Title, "发票抬头含有无效字符".into());
    }
    let taxpayer_id = CreditCode::parse(&form.taxpayer_id)
        .map_err(|m| refuse(InvoiceField::TaxpayerId, m.replace("统一社会信用代码", "纳税人识别号")))
        .ok();
    let email = Email::parse(&form.email).map_err(|m| refuse(InvoiceField::Email, m)).ok();
    match (taxpayer_id, email) {
        (Some(taxpayer_id), Some(email)) if errors.is_empty() => Ok(InvoiceRequest { title, taxpayer_id, email }),
        _ => Err(Error::InvalidInvoice(errors)),
    }
}

/// A 税率 in basis points: 600 is 6%, the rate of 信息技术服务 for a general VAT taxpayer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TaxRate(u32);

impl TaxRate {
    /// 6%.
    pub const INFORMATION_SERVICES: TaxRate = TaxRate(600);

    /// `basis_points` of at most 100%.
    pub fn from_basis_points(basis_points: u32) -> Option<TaxRate> {
        (basis_points <= 10_000).then_some(TaxRate(basis_points))
    }

    pub fn basis_points(self) -> u32 {
        self.0
    }

    /// `6%`, `1.5%`, `13%`: as the invoice prints it.
    pub fn percent_text(self) -> String {
        let (whole, hundredths) = (self.0 / 100, self.0 % 100);
        match hundredths {
            0 => format!("{whole}%"),
            h if h % 10 == 0 => format!("{whole}.{}%", h / 10),
            h => format!("{whole}.{h:02}%"),
        }
    }
}

/// 价税合计 split into 金额 (before tax) and 税额.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxSplit {
    /// 金额: 价税合计 ÷ (1 + 税率), rounded half up to the fen.
    pub amount: Money,
    /// 税额: 价税合计 − 金额, so that the two always add up to what was paid.
    pub tax: Money,
    /// 价税合计: the amount paid.
    pub total: Money,
}

/// The split of `total` (the amount paid, tax included) at `rate`. 金额 is rounded half up to the
/// fen and 税额 is what remains: the invoice's 价税合计 is exactly what the organisation paid, and
/// 税额 differs from 金额 × 税率 by less than one fen.
pub fn split_tax(total: Money, rate: TaxRate) -> TaxSplit {
    let (total_fen, rate) = (i128::from(total.fen()), i128::from(rate.0));
    let denominator = 10_000 + rate;
    // Half up on the absolute value: the same rounding for a red-letter (negative) amount.
    let rounded = (total_fen.abs() * 10_000 * 2 + denominator) / (denominator * 2);
    let amount = if total_fen < 0 { -rounded } else { rounded };
    let amount = i64::try_from(amount).expect("金额 is at most 价税合计");
    TaxSplit { amount: Money::from_fen(amount), tax: Money::from_fen(total.fen() - amount), total }
}

const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];

/// 价税合计（大写）: `fen` in words as Chinese invoices and cheques write them.
///
/// The rules (中国人民银行《支付结算办法》附件 and the 数电票's print): digits 零壹贰叁肆伍陆柒捌玖 with
/// 拾佰仟 inside each group of four and 万, 亿 between groups; a run of zeros inside the number is
/// one 零, and none at the end of a group; a group that is all zeros writes nothing (and no 万);
/// 元 after the yuan, then 整 when there are no 角 and 分; 角 without 整; 零 between 元 and 分 when
/// there are 分 but no 角 (叁佰元零伍分); no 零 for a zero yuan digit before 角 (壹拾元伍角); below one
/// yuan no 元 at all (伍角, 伍分); nothing is 零元整. Negative amounts (red-letter invoices) start 负.
pub fn amount_in_words(money: Money) -> String {
    let fen = money.fen();
    let mut out = String::new();
    if fen < 0 {
        out.push('负');
    }
    let abs = fen.unsigned_abs();
    let (yuan, jiao, fen) = (abs / 100, (abs / 10 % 10) as usize, (abs % 10) as usize);
    if yuan == 0 && jiao == 0 && fen == 0 {
        return "零元整".into();
    }
    if yuan > 0 {
        out.push_str(&yuan_in_words(yuan));
        out.push('元');
    }
    match (jiao, fen) {
        (0, 0) => out.push('整'),
        (0, f) => {
            if yuan > 0 {
                out.push('零');
            }
            out.push(DIGITS[f]);
            out.push('分');
        }
        (j, 0) => {
            out.push(DIGITS[j]);
            out.push('角');
        }
        (j, f) => {
            out.push(DIGITS[j]);
            out.push('角');
            out.push(DIGITS[f]);
            out.push('分');
        }
    }
    out
}

/// A positive whole number of yuan in words, by groups of four digits from the top.
fn yuan_in_words(yuan: u64) -> String {
    const GROUP_UNITS: [&str; 5] = ["", "万", "亿", "万亿", "亿亿"];
    let mut groups = Vec::new();
    let mut rest = yuan;
    while rest > 0 {
        groups.push((rest % 10_000) as usize);
        rest /= 10_000;
    }
    let mut out = String::new();
    // A zero owed before the next digit written: inside a group, or for a group below 1000.
    let mut zero_pending = false;
    for (index, &group) in groups.iter().enumerate().rev() {
        if group == 0 {
            zero_pending = !out.is_empty();
            continue;
        }
        if !out.is_empty() && group < 1000 {
            zero_pending = true;
        }
        let digits = [group / 1000, group / 100 % 10, group / 10 % 10, group % 10];
        for (position, &digit) in digits.iter().enumerate() {
            if digit == 0 {
                zero_pending = zero_pending || !out.is_empty();
                continue;
            }
            if zero_pending && !out.is_empty() {
                out.push('零');
            }
            zero_pending = false;
            out.push(DIGITS[digit]);
            out.push_str(["仟", "佰", "拾", ""][position]);
        }
        out.push_str(GROUP_UNITS[index]);
        // Zeros at the end of a group are not written; the next group decides on its own.
        zero_pending = false;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(fen: i64) -> String {
        amount_in_words(Money::from_fen(fen))
    }

    #[test]
    fn amounts_in_words_follow_the_zero_rules() {
        for (fen, expected) in [
            (0, "零元整"),
            (5, "伍分"),
            (50, "伍角"),
            (55, "伍角伍分"),
            (100, "壹元整"),
            (1000, "壹拾元整"),
            (1050, "壹拾元伍角"),
            (30000, "叁佰元整"),
            (30005, "叁佰元零伍分"),
            (30050, "叁佰元伍角"),
            (31800, "叁佰壹拾捌元整"),
            (100_500, "壹仟零伍元整"),
            (100_505, "壹仟零伍元零伍分"),
            (168_032, "壹仟陆佰捌拾元叁角贰分"),
            (1_000_000, "壹万元整"),
            (1_000_100, "壹万零壹元整"),
            (1_050_000, "壹万零伍佰元整"),
            (1_500_000, "壹万伍仟元整"),
            (10_500_000, "壹拾万伍仟元整"),
            (100_050_000, "壹佰万零伍佰元整"),
            (10_000_000_000, "壹亿元整"),
            (10_001_000_000, "壹亿零壹万元整"),
            (10_010_000_000, "壹亿零壹拾万元整"),
            (11_000_000_000, "壹亿壹仟万元整"),
            (100_000_100_000, "壹拾亿零壹仟元整"),
            (-30000, "负叁佰元整"),
        ] {
            assert_eq!(words(fen), expected, "{fen} fen");
        }
    }

    /// An independent reading, by text: the yuan padded to groups of four, each group's digits
    /// written with their unit or as 零, its trailing 零 dropped, then runs of 零 collapsed and
    /// the leading and trailing ones removed from the whole.
    fn by_text(fen: u64) -> String {
        let (yuan, jiao, f) = (fen / 100, (fen / 10 % 10) as usize, (fen % 10) as usize);
        if fen == 0 {
            return "零元整".into();
        }
        let mut text = String::new();
        if yuan > 0 {
            let digits = yuan.to_string();
            let padded = format!("{}{digits}", "0".repeat((4 - digits.len() % 4) % 4));
            let groups: Vec<&str> = (0..padded.len() / 4).map(|i| &padded[i * 4..i * 4 + 4]).collect();
            for (i, group) in groups.iter().enumerate() {
                let unit = ["", "万", "亿", "万亿"][groups.len() - 1 - i];
                if *group == "0000" {
                    text.push('零');
                    continue;
                }
                let mut part = String::new();
                for (d, place) in group.bytes().zip(["仟", "佰", "拾", ""]) {
                    let d = usize::from(d - b'0');
                    if d == 0 {
                        part.push('零');
                    } else {
                        part.push(DIGITS[d]);
                        part.push_str(place);
                    }
                }
                text.push_str(part.trim_end_matches('零'));
                text.push_str(unit);
            }
            while text.contains("零零") {
                text = text.replace("零零", "零");
            }
            text = text.trim_matches('零').to_owned();
            text.push('元');
        }
        match (jiao, f) {
            (0, 0) => text.push('整'),
            (0, f) => text.push_str(&format!("{}{}分", if yuan > 0 { "零" } else { "" }, DIGITS[f])),
            (j, 0) => text.push_str(&format!("{}角", DIGITS[j])),
            (j, f) => text.push_str(&format!("{}角{}分", DIGITS[j], DIGITS[f])),
        }
        text
    }

    proptest::proptest! {
        #[test]
        fn amounts_in_words_agree_with_an_independent_reading(fen in 0u64..100_000_000_000_000) {
            proptest::prop_assert_eq!(words(fen as i64), by_text(fen));
        }

        /// Mostly zeros, where the rules are: runs inside groups, whole groups, 角 or 分 alone.
        #[test]
        fn amounts_full_of_zeros_agree_too(
            digits in proptest::collection::vec(proptest::prop_oneof![3 => proptest::strategy::Just(0u64), 1 => 1u64..10], 1..=16)
        ) {
            let fen = digits.iter().fold(0u64, |n, d| n * 10 + d);
            proptest::prop_assert_eq!(words(fen as i64), by_text(fen));
        }
    }

    #[test]
    fn the_independent_reading_passes_the_table_too() {
        for fen in [0u64, 5, 30005, 100_505, 168_032, 1_000_100, 1_050_000, 10_500_000, 100_050_000, 10_001_000_000] {
            assert_eq!(by_text(fen), words(fen as i64), "{fen}");
        }
    }

    #[test]
    fn the_tax_split_adds_up_to_what_was_paid_and_rounds_half_up() {
        let six = TaxRate::INFORMATION_SERVICES;
        // ¥300.00 at 6%: 283.0188… → 283.02, tax 16.98.
        let split = split_tax(Money::from_fen(30000), six);
        assert_eq!((split.amount.fen(), split.tax.fen(), split.total.fen()), (28302, 1698, 30000));
        // ¥1.06 at 6% is exactly ¥1.00 + ¥0.06.
        let split = split_tax(Money::from_fen(106), six);
        assert_eq!((split.amount.fen(), split.tax.fen()), (100, 6));
        // Half a fen rounds up (at 100%, 1 fen is 0.5 + 0.5).
        let hundred = TaxRate::from_basis_points(10_000).unwrap();
        assert_eq!(split_tax(Money::from_fen(1), hundred).amount.fen(), 1, "0.5 fen rounds up");
        assert_eq!(split_tax(Money::from_fen(3), hundred).amount.fen(), 2, "1.5 fen rounds up");
        assert_eq!(split_tax(Money::from_fen(0), six).amount.fen(), 0);
        assert_eq!(split_tax(Money::from_fen(-30000), six).amount.fen(), -28302);
        assert_eq!(
            (six.percent_text(), TaxRate::from_basis_points(150).unwrap().percent_text()),
            ("6%".into(), "1.5%".into())
        );
        assert!(TaxRate::from_basis_points(10_001).is_none());
    }

    proptest::proptest! {
        #[test]
        fn the_tax_is_within_a_fen_of_the_amount_times_the_rate(fen in 0i64..10_000_000_000, bp in 0u32..=1700) {
            let rate = TaxRate::from_basis_points(bp).unwrap();
            let split = split_tax(Money::from_fen(fen), rate);
            proptest::prop_assert_eq!(split.amount.fen() + split.tax.fen(), fen);
            // |tax − amount × rate| < 1 fen, in exact arithmetic (× 10000).
            let exact = i128::from(split.amount.fen()) * i128::from(bp);
            let diff = (i128::from(split.tax.fen()) * 10_000 - exact).abs();
            proptest::prop_assert!(diff < 10_000 + i128::from(bp), "{} {} {}", fen, bp, diff);
        }
    }

    #[test]
    fn an_invoice_request_is_checked_field_by_field() {
        let form = InvoiceForm {
            title: " 晨安入驻供应商 ".into(),
            taxpayer_id: "91330106ma27xy812f".into(),
            email: "finance@example.com".into(),
        };
        let request = check_invoice_form(&form).unwrap();
        assert_eq!((request.title.as_str(), request.taxpayer_id.as_str()), ("晨安入驻供应商", "91330106MA27XY812F"));
        let bad = InvoiceForm { title: "".into(), taxpayer_id: "91330106MA27XY812A".into(), email: "finance".into() };
        let Err(Error::InvalidInvoice(errors)) = check_invoice_form(&bad) else { panic!("refused") };
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, [InvoiceField::Title, InvoiceField::TaxpayerId, InvoiceField::Email]);
        assert_eq!(errors[0].message, "请输入发票抬头");
        assert!(errors[1].message.contains("纳税人识别号"), "{}", errors[1].message);
        let long = InvoiceForm { title: "长".repeat(101), ..form };
        let Err(Error::InvalidInvoice(errors)) = check_invoice_form(&long) else { panic!("refused") };
        assert_eq!(errors[0].message, "发票抬头最多100个字");
    }
}
