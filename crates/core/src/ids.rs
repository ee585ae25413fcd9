//! Values that parse, not strings that are checked later. Each `parse` returns the value or a
//! message in Chinese that says what is wrong, for the field the caller names.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A message for the applicant, in Chinese.
pub type Refusal = String;

macro_rules! string_value {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
    };
}

/// 统一社会信用代码 (GB 32100-2015): 18 characters from the code's 31-character alphabet, the last one
/// a check character over the first 17.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CreditCode(String);
string_value!(CreditCode);

const CREDIT_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

impl CreditCode {
    pub fn parse(text: &str) -> Result<Self, Refusal> {
        let code = text.trim().to_ascii_uppercase();
        if code.is_empty() {
            return Err("请输入统一社会信用代码".into());
        }
        if code.chars().count() != 18 {
            return Err(format!("统一社会信用代码应为18位，当前为{}位", code.chars().count()));
        }
        let mut values = [0u32; 18];
        for (i, b) in code.bytes().enumerate() {
            match CREDIT_ALPHABET.iter().position(|&c| c == b) {
                Some(v) => values[i] = v as u32,
                None => {
                    return Err(format!(
                        "统一社会信用代码第{}位“{}”不是有效字符（不使用I、O、Z、S、V）",
                        i + 1,
                        code[i..].chars().next().unwrap_or('?')
                    ));
                }
            }
        }
        if !code.as_bytes()[2..8].iter().all(u8::is_ascii_digit) {
            return Err("统一社会信用代码第3至8位应为行政区划码（数字）".into());
        }
        let sum: u32 = values[..17].iter().zip(CREDIT_WEIGHTS).map(|(v, w)| v * w).sum();
        let expected = (31 - sum % 31) % 31;
        if values[17] != expected {
            return Err("统一社会信用代码校验位错误，请核对后重新输入".into());
        }
        Ok(CreditCode(code))
    }
}

/// 居民身份证号 (GB 11643-1999): a 6-digit region, a real birth date, a 3-digit sequence and the
/// ISO 7064 MOD 11-2 check character (`X` accepted in either case, kept upper case).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IdNumber(String);

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";
/// The first two digits: provinces, autonomous regions, municipalities, Taiwan, Hong Kong, Macao.
const ID_PROVINCES: &[u32] = &[
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63,
    64, 65, 71, 81, 82, 83,
];

impl IdNumber {
    pub fn parse(text: &str) -> Result<Self, Refusal> {
        let id = text.trim().to_ascii_uppercase();
        if id.is_empty() {
            return Err("请输入身份证号".into());
        }
        if id.chars().count() != 18 {
            return Err(format!("身份证号应为18位，当前为{}位", id.chars().count()));
        }
        let bytes = id.as_bytes();
        if let Some(i) = bytes[..17].iter().position(|b| !b.is_ascii_digit()) {
            return Err(format!("身份证号第{}位应为数字", i + 1));
        }
        if !(bytes[17].is_ascii_digit() || bytes[17] == b'X') {
            return Err("身份证号最后一位应为数字或X".into());
        }
        let province: u32 = id[..2].parse().expect("two digits");
        if !ID_PROVINCES.contains(&province) {
            return Err("身份证号前两位不是有效的省级行政区划码".into());
        }
        let birth = NaiveDate::parse_from_str(&id[6..14], "%Y%m%d")
            .ok()
            .filter(|d| *d >= NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid date"));
        if birth.is_none() {
            return Err("身份证号中的出生日期无效".into());
        }
        let sum: u32 = bytes[..17].iter().zip(ID_WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
        if bytes[17] != ID_CHECK[(sum % 11) as usize] {
            return Err("身份证号校验位错误，请核对后重新输入".into());
        }
        Ok(IdNumber(id))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> NaiveDate {
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").expect("checked by parse")
    }

    /// For lists and logs: the first 3 and the last 4 characters, the rest hidden.
    pub fn masked(&self) -> String {
        format!("{}***********{}", &self.0[..3], &self.0[14..])
    }
}

/// Never print a whole ID number by accident: `{}` and `{:?}` both mask it.
impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

/// A mainland mobile number: 11 digits starting 13–19, with an optional +86 and separators dropped.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Mobile(String);
string_value!(Mobile);

impl Mobile {
    pub fn parse(text: &str) -> Result<Self, Refusal> {
        let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if digits.is_empty() {
            return Err("请输入手机号码".into());
        }
        let digits = digits.strip_prefix("+86").or_else(|| digits.strip_prefix("0086")).unwrap_or(&digits);
        let b = digits.as_bytes();
        if b.len() == 11 && b.iter().all(u8::is_ascii_digit) && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) {
            Ok(Mobile(digits.to_owned()))
        } else {
            Err("手机号码应为11位数字，以13至19开头".into())
        }
    }

    /// As lists and logs show it: `138****5678`.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

/// An email address, where the electronic invoice is sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);
string_value!(Email);

impl Email {
    pub fn parse(text: &str) -> Result<Self, Refusal> {
        let email = text.trim();
        if email.is_empty() {
            return Err("请输入电子邮箱".into());
        }
        let valid = email.len() <= 254
            && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            && match email.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && local.len() <= 64
                        && !domain.contains('@')
                        && domain.split('.').count() >= 2
                        && domain.split('.').all(|label| {
                            !label.is_empty()
                                && !label.starts_with('-')
                                && !label.ends_with('-')
                                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
                        })
                }
                None => false,
            };
        if valid {
            Ok(Email(email.to_owned()))
        } else {
            Err("电子邮箱格式不正确，例如 name@example.com".into())
        }
    }

    /// As lists and logs show it: the first character of the local part, then `***@domain`.
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.split_once('@').unwrap_or((&self.0, ""));
        let first: String = local.chars().take(1).collect();
        format!("{first}***@{domain}")
    }
}

/// 机构名称: the organisation's registered name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OrganisationName(String);
string_value!(OrganisationName);

impl OrganisationName {
    pub fn parse(text: &str) -> Result<Self, Refusal> {
        let name = text.trim();
        let len = name.chars().count();
        if len == 0 {
            Err("请输入机构名称".into())
        } else if !(2..=100).contains(&len) {
            Err("机构名称应为2至100个字".into())
        } else if name.chars().any(char::is_control) {
            Err("机构名称含有不可见字符".into())
        } else {
            Ok(OrganisationName(name.to_owned()))
        }
    }
}

/// 申领人: the applicant's name as on the 居民身份证, Chinese characters with the middle dot of
/// minority names (阿依古丽·买买提); look-alike dots are normalised to U+00B7.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ApplicantName(String);
string_value!(ApplicantName);

impl ApplicantName {
    pub fn parse(text: &str) -> Result<Self, Refusal> {
        let name: String =
            text.trim().chars().map(|c| if matches!(c, '・' | '•' | '．' | '.') { '·' } else { c }).collect();
        let len = name.chars().count();
        if len == 0 {
            return Err("请输入申领人姓名".into());
        }
        let is_han =
            |c: char| matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' | '\u{20000}'..='\u{2ebef}');
        if !name.chars().all(|c| is_han(c) || c == '·') {
            return Err("申领人姓名应与身份证一致，只能包含汉字和间隔号“·”".into());
        }
        if name.starts_with('·') || name.ends_with('·') || name.contains("··") {
            return Err("申领人姓名中的间隔号“·”位置不正确".into());
        }
        if !(2..=30).contains(&len) {
            return Err("申领人姓名应为2至30个字".into());
        }
        Ok(ApplicantName(name))
    }
}

/// 邮寄地址: where the certificate is mailed, province to street and number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PostalAddress(String);
string_value!(PostalAddress);

impl PostalAddress {
    pub fn parse(text: &str) -> Result<Self, Refusal> {
        let address = text.trim();
        match address.chars().count() {
            0 => Err("请输入邮寄地址".into()),
            1..=4 => Err("邮寄地址过短，请填写省、市、区及详细地址".into()),
            5..=200 if !address.chars().any(char::is_control) => Ok(PostalAddress(address.to_owned())),
            5..=200 => Err("邮寄地址含有不可见字符".into()),
            _ => Err("邮寄地址应为5至200个字".into()),
        }
    }

    /// As lists and logs show it: the first six characters (province and city, as a rule), then
    /// `****`.
    pub fn masked(&self) -> String {
        let start: String = self.0.chars().take(6).collect();
        format!("{start}****")
    }
}

/// A person's name as lists and logs show it: the first character, then `*` for each other.
pub fn mask_name(name: &str) -> String {
    name.chars().enumerate().map(|(i, c)| if i == 0 { c } else { '*' }).collect()
}

/// 申领数量: how many certificates, from 1 up to the platform's configured maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Quantity(u32);

impl Quantity {
    pub fn parse(n: u32, max: u32) -> Result<Self, Refusal> {
        if n == 0 {
            Err("申领数量至少为1".into())
        } else if n > max {
            Err(format!("申领数量一次最多{max}个"))
        } else {
            Ok(Quantity(n))
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_codes_with_a_correct_check_character_parse() {
        for ok in ["91350100M000100Y43", "91330106MA27XY812F", "91330000143055832u", " 123300004700012347 "] {
            assert!(CreditCode::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(CreditCode::parse("91330000143055832u").unwrap().as_str(), "91330000143055832U");
    }

    #[test]
    fn credit_code_refusals_say_what_is_wrong() {
        let cases = [
            ("", "请输入统一社会信用代码"),
            ("9135010", "统一社会信用代码应为18位，当前为7位"),
            ("91350100M000100Y44", "统一社会信用代码校验位错误，请核对后重新输入"),
            ("9135010OM000100Y43", "统一社会信用代码第8位“O”不是有效字符（不使用I、O、Z、S、V）"),
            ("91A50100M000100Y43", "统一社会信用代码第3至8位应为行政区划码（数字）"),
        ];
        for (input, message) in cases {
            assert_eq!(CreditCode::parse(input), Err(message.to_string()), "{input}");
        }
    }

    #[test]
    fn id_numbers_with_a_real_birth_date_and_check_digit_parse() {
        for ok in ["11010519491231002X", "11010519491231002x", "440301198512124412", "110101200002290018"] {
            assert!(IdNumber::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(IdNumber::parse("11010519491231002x").unwrap().as_str(), "11010519491231002X");
    }

    #[test]
    fn id_number_refusals_say_what_is_wrong() {
        let cases = [
            ("", "请输入身份证号"),
            ("1101051949123100", "身份证号应为18位，当前为16位"),
            ("11010519491231002Y", "身份证号最后一位应为数字或X"),
            ("1101051949123A002X", "身份证号第14位应为数字"),
            ("990105194912310021", "身份证号前两位不是有效的省级行政区划码"),
            ("110101200102290018", "身份证号中的出生日期无效"),
            ("110105194912310021", "身份证号校验位错误，请核对后重新输入"),
        ];
        for (input, message) in cases {
            assert_eq!(IdNumber::parse(input), Err(message.to_string()), "{input}");
        }
    }

    #[test]
    fn id_numbers_are_masked_wherever_they_are_printed() {
        let id = IdNumber::parse("440301198512124412").unwrap();
        assert_eq!(id.masked(), "440***********4412");
        assert_eq!(id.to_string(), "440***********4412");
        assert_eq!(format!("{id:?}"), "IdNumber(440***********4412)");
    }

    #[test]
    fn contact_details_are_masked_for_lists_and_logs() {
        assert_eq!(Mobile::parse("+86 139-1234-5678").unwrap().masked(), "139****5678");
        assert_eq!(Email::parse("chen.chen@supplier-example.cn").unwrap().masked(), "c***@supplier-example.cn");
        assert_eq!(Email::parse("张三@例子.中国").unwrap().masked(), "张***@例子.中国");
        assert_eq!(PostalAddress::parse("浙江省杭州市西湖区文三路九十九号").unwrap().masked(), "浙江省杭州市****");
        assert_eq!(mask_name("欧阳收件"), "欧***");
        assert_eq!(mask_name("李"), "李");
    }

    #[test]
    fn mobiles_drop_separators_and_the_country_code() {
        assert_eq!(Mobile::parse("+86 138-0013-8000").unwrap().as_str(), "13800138000");
        assert!(Mobile::parse("12800138000").is_err());
        assert!(Mobile::parse("1380013800").is_err());
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert!(Email::parse("invoice@example.com").is_ok());
        for bad in ["invoice", "@example.com", "a@b", "a b@example.com", "a@@example.com", "a@-x.com"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn applicant_names_allow_the_middle_dot_of_minority_names() {
        assert_eq!(ApplicantName::parse("阿依古丽•买买提").unwrap().as_str(), "阿依古丽·买买提");
        assert!(ApplicantName::parse("王明").is_ok());
        assert!(ApplicantName::parse("陈").is_err());
        assert!(ApplicantName::parse("Wang Ming").is_err());
        assert!(ApplicantName::parse("·王明").is_err());
    }

    #[test]
    fn postal_addresses_need_enough_detail() {
        assert_eq!(
            PostalAddress::parse(" 浙江省杭州市西湖区文三路1号 ").unwrap().as_str(),
            "浙江省杭州市西湖区文三路1号"
        );
        assert_eq!(PostalAddress::parse("杭州"), Err("邮寄地址过短，请填写省、市、区及详细地址".to_string()));
        assert_eq!(PostalAddress::parse("浙江省\u{7}杭州市"), Err("邮寄地址含有不可见字符".to_string()));
        assert_eq!(PostalAddress::parse(&"路".repeat(201)), Err("邮寄地址应为5至200个字".to_string()));
    }

    #[test]
    fn quantity_is_between_one_and_the_maximum() {
        assert!(Quantity::parse(0, 20).is_err());
        assert_eq!(Quantity::parse(20, 20).unwrap().get(), 20);
        assert_eq!(Quantity::parse(21, 20), Err("申领数量一次最多20个".to_string()));
    }
}
