//! Working days in Asia/Shanghai: statutory holidays and make-up working days (调休) as data, and the
//! ETAs the guide promises: review within 1–2 working days of entering 待审核 (or of the paper
//! documents arriving), production within 1 working day of approval.
//!
//! The schedule changes every year, so it is data the platform serves and updates, in the line format
//! documented at the top of `data/calendar.txt` (the official 2025 and 2026 schedules).

use crate::SHANGHAI;
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, Weekday};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// The calendar that ships with CertDesk.
pub const OFFICIAL_CALENDAR: &str = include_str!("../data/calendar.txt");

/// Why a calendar text was refused: the line and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("工作日历第{line}行：{message}")]
pub struct CalendarError {
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkCalendar {
    version: String,
    years: BTreeSet<i32>,
    holidays: BTreeMap<NaiveDate, String>,
    workdays: BTreeMap<NaiveDate, String>,
    peaks: Vec<(NaiveDate, NaiveDate, String)>,
}

/// When an order can expect the next step, as dates in Asia/Shanghai.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eta {
    pub earliest: NaiveDate,
    pub latest: NaiveDate,
    /// Set in a peak season: review may take longer than promised.
    pub peak_season: Option<String>,
}

/// Spans longer than this are refused: a typo like 2025..2052 should not allocate decades of days.
const MAX_RANGE_DAYS: i64 = 92;

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| format!("“{text}”不是有效日期（应为YYYY-MM-DD）"))
}

fn parse_range(text: &str) -> Result<(NaiveDate, NaiveDate), String> {
    let (from, to) = match text.split_once("..") {
        Some((from, to)) => (parse_date(from)?, parse_date(to)?),
        None => (parse_date(text)?, parse_date(text)?),
    };
    if to < from {
        return Err(format!("日期范围“{text}”的结束早于开始"));
    }
    if (to - from).num_days() > MAX_RANGE_DAYS {
        return Err(format!("日期范围“{text}”超过{MAX_RANGE_DAYS}天"));
    }
    Ok((from, to))
}

impl WorkCalendar {
    /// The calendar shipped in `data/calendar.txt`.
    pub fn official() -> &'static WorkCalendar {
        static CALENDAR: OnceLock<WorkCalendar> = OnceLock::new();
        CALENDAR.get_or_init(|| WorkCalendar::parse(OFFICIAL_CALENDAR).expect("the shipped calendar parses"))
    }

    pub fn parse(text: &str) -> Result<WorkCalendar, CalendarError> {
        let mut calendar = WorkCalendar {
            version: String::new(),
            years: BTreeSet::new(),
            holidays: BTreeMap::new(),
            workdays: BTreeMap::new(),
            peaks: Vec::new(),
        };
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let error = |message: String| CalendarError { line: index + 1, message };
            let mut words = line.splitn(3, char::is_whitespace);
            let keyword = words.next().unwrap_or_default();
            let first = words.next().map(str::trim).unwrap_or_default();
            let name = words.next().map(str::trim).unwrap_or_default().to_owned();
            match keyword {
                "version" if !first.is_empty() => calendar.version = line["version".len()..].trim().to_owned(),
                "year" => {
                    let year = first.parse::<i32>().ok().filter(|y| (1990..=2200).contains(y));
                    calendar.years.insert(year.ok_or_else(|| error(format!("“{first}”不是有效年份")))?);
                }
                "holiday" | "workday" | "peak" => {
                    if name.is_empty() {
                        return Err(error(format!("{keyword}需要日期和名称")));
                    }
                    let (from, to) = parse_range(first).map_err(error)?;
                    match keyword {
                        "holiday" => {
                            let mut day = from;
                            while day <= to {
                                calendar.holidays.insert(day, name.clone());
                                day += Duration::days(1);
                            }
                        }
                        "workday" if from == to => {
                            if matches!(from.weekday(), Weekday::Sat | Weekday::Sun) {
                                calendar.workdays.insert(from, name);
                            } else {
                                return Err(error(format!("{from}本来就是工作日，不需要调休")));
                            }
                        }
                        "workday" => return Err(error("调休上班日应逐日列出".into())),
                        _ => calendar.peaks.push((from, to, name)),
                    }
                }
                _ => return Err(error(format!("无法识别“{line}”"))),
            }
        }
        if calendar.version.is_empty() {
            return Err(CalendarError { line: 0, message: "缺少version行".into() });
        }
        if let Some(day) = calendar.holidays.keys().find(|d| calendar.workdays.contains_key(d)) {
            return Err(CalendarError { line: 0, message: format!("{day}同时是假日和调休上班日") });
        }
        Ok(calendar)
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    /// Whether the file covers `year`; outside it only weekends are days off.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if self.workdays.contains_key(&date) {
            return true;
        }
        if self.holidays.contains_key(&date) {
            return false;
        }
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// The name of the holiday or 调休 on `date`, if any.
    pub fn note(&self, date: NaiveDate) -> Option<&str> {
        self.holidays.get(&date).or_else(|| self.workdays.get(&date)).map(String::as_str)
    }

    /// The `n`-th working day after `date` (`n = 0` is `date` itself).
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut day = date;
        let mut left = n;
        while left > 0 {
            day += Duration::days(1);
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// Working days after `from`'s date up to and including `to`'s date, in Asia/Shanghai: how many
    /// working days have passed. Zero when `to` is not later.
    pub fn working_days_between(&self, from: &DateTime<FixedOffset>, to: &DateTime<FixedOffset>) -> u32 {
        let (start, end) = (shanghai_date(from), shanghai_date(to));
        let mut count = 0;
        let mut day = start;
        while day < end {
            day += Duration::days(1);
            if self.is_working_day(day) {
                count += 1;
            }
        }
        count
    }

    pub fn peak_season(&self, date: NaiveDate) -> Option<&str> {
        self.peaks.iter().find(|(from, to, _)| (*from..=*to).contains(&date)).map(|(_, _, name)| name.as_str())
    }

    /// 审核: within 1–2 working days of entering 待审核 (or of the paper documents arriving).
    pub fn review_eta(&self, since: &DateTime<FixedOffset>) -> Eta {
        self.eta(since, 1, 2)
    }

    /// 制证: within 1 working day of approval.
    pub fn production_eta(&self, approved: &DateTime<FixedOffset>) -> Eta {
        self.eta(approved, 1, 1)
    }

    fn eta(&self, since: &DateTime<FixedOffset>, earliest: u32, latest: u32) -> Eta {
        let day = shanghai_date(since);
        Eta {
            earliest: self.add_working_days(day, earliest),
            latest: self.add_working_days(day, latest),
            peak_season: self.peak_season(day).map(|name| format!("{name}：审核可能延长，建议提前一个月办理")),
        }
    }
}

fn shanghai_date(instant: &DateTime<FixedOffset>) -> NaiveDate {
    instant.with_timezone(&SHANGHAI).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn the_official_calendar_covers_2025_and_2026() {
        let calendar = WorkCalendar::official();
        assert!(calendar.covers(2025) && calendar.covers(2026));
        assert!(!calendar.covers(2027));
    }

    #[test]
    fn holidays_and_make_up_days_follow_the_announced_schedules() {
        let calendar = WorkCalendar::official();
        let cases = [
            ("2025-01-26", true, "Sunday worked before 春节"),
            ("2025-01-28", false, "除夕 2025"),
            ("2025-02-04", false, "last day of 春节 2025"),
            ("2025-02-05", true, "back to work"),
            ("2025-10-08", false, "国庆 2025 is eight days"),
            ("2025-10-11", true, "Saturday worked after 国庆"),
            ("2026-01-04", true, "Sunday worked after 元旦 2026"),
            ("2026-02-14", true, "Saturday worked before 春节 2026"),
            ("2026-02-23", false, "last day of 春节 2026"),
            ("2026-05-09", true, "Saturday worked after 劳动节 2026"),
            ("2026-09-25", false, "中秋节 2026"),
            ("2026-10-10", true, "Saturday worked after 国庆 2026"),
            ("2026-11-28", false, "an ordinary Saturday"),
            ("2026-11-30", true, "an ordinary Monday"),
        ];
        for (day, working, why) in cases {
            assert_eq!(calendar.is_working_day(date(day)), working, "{day}: {why}");
        }
        assert_eq!(calendar.note(date("2026-02-28")), Some("春节调休"));
    }

    #[test]
    fn adding_working_days_skips_holidays_and_counts_make_up_days() {
        let calendar = WorkCalendar::official();
        // Wednesday before the 2026 National Day break; Saturday 10-10 is a make-up working day.
        assert_eq!(calendar.add_working_days(date("2026-09-30"), 1), date("2026-10-08"));
        assert_eq!(calendar.add_working_days(date("2026-09-30"), 3), date("2026-10-10"));
        // Friday 2026-02-13: Saturday 02-14 is a working day.
        assert_eq!(calendar.add_working_days(date("2026-02-13"), 1), date("2026-02-14"));
        assert_eq!(calendar.add_working_days(date("2026-02-13"), 2), date("2026-02-24"));
        assert_eq!(calendar.add_working_days(date("2026-02-13"), 0), date("2026-02-13"));
    }

    #[test]
    fn working_days_between_counts_in_beijing_time() {
        let calendar = WorkCalendar::official();
        // 2026-09-30 23:30 UTC is already 10-01 in Beijing.
        let from = at("2026-09-30T23:30:00Z");
        assert_eq!(calendar.working_days_between(&from, &at("2026-10-08T09:00:00+08:00")), 1);
        assert_eq!(calendar.working_days_between(&from, &at("2026-10-07T09:00:00+08:00")), 0);
        assert_eq!(calendar.working_days_between(&at("2026-11-30T09:00:00+08:00"), &from), 0);
    }

    #[test]
    fn etas_are_the_guides_working_days_with_a_peak_season_hint() {
        let calendar = WorkCalendar::official();
        let review = calendar.review_eta(&at("2026-09-30T10:00:00+08:00"));
        assert_eq!((review.earliest, review.latest), (date("2026-10-08"), date("2026-10-09")));
        assert_eq!(review.peak_season, None);
        let production = calendar.production_eta(&at("2026-12-04T16:00:00+08:00"));
        assert_eq!((production.earliest, production.latest), (date("2026-12-07"), date("2026-12-07")));
        assert_eq!(production.peak_season.as_deref(), Some("年底及春节前高峰：审核可能延长，建议提前一个月办理"));
    }

    #[test]
    fn a_malformed_calendar_is_refused_with_its_line() {
        let cases = [
            ("year 2025", CalendarError { line: 0, message: "缺少version行".into() }),
            (
                "version 1\nholiday 2025-13-01 元旦",
                CalendarError { line: 2, message: "“2025-13-01”不是有效日期（应为YYYY-MM-DD）".into() },
            ),
            ("version 1\nholiday 2025-01-01", CalendarError { line: 2, message: "holiday需要日期和名称".into() }),
            (
                "version 1\n\nworkday 2025-01-27 调休",
                CalendarError { line: 3, message: "2025-01-27本来就是工作日，不需要调休".into() },
            ),
            (
                "version 1\nholiday 2025-01-05..2025-01-01 x",
                CalendarError {
                    line: 2, message: "日期范围“2025-01-05..2025-01-01”的结束早于开始".into()
                },
            ),
            (
                "version 1\nholiday 2025-01-01..2052-01-01 x",
                CalendarError { line: 2, message: "日期范围“2025-01-01..2052-01-01”超过92天".into() },
            ),
            (
                "version 1\nholidays 2025-01-01 x",
                CalendarError { line: 2, message: "无法识别“holidays 2025-01-01 x”".into() },
            ),
        ];
        for (text, error) in cases {
            assert_eq!(WorkCalendar::parse(text), Err(error), "{text}");
        }
    }
}
