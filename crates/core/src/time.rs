use chrono::{DateTime, FixedOffset, Utc};

/// Asia/Shanghai. China has kept +08:00 without daylight saving since 1991, so a fixed offset is
/// exact for every date an order can carry.
pub const SHANGHAI: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("+08:00 is a valid offset"),
};

/// The current instant in Asia/Shanghai.
pub fn now_shanghai() -> DateTime<FixedOffset> {
    Utc::now().with_timezone(&SHANGHAI)
}

/// `2020-06-02 21:14:41`, the guide's 申领时间 format, in Asia/Shanghai whatever the input offset.
pub fn format_shanghai(instant: &DateTime<FixedOffset>) -> String {
    instant.with_timezone(&SHANGHAI).format("%Y-%m-%d %H:%M:%S").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_any_instant_in_beijing_time() {
        let utc = DateTime::parse_from_rfc3339("2018-11-09T08:52:37Z").unwrap();
        assert_eq!(format_shanghai(&utc), "2018-11-09 16:52:37");
    }
}
