//! The order list's search form (订单编号, 申领状态, CA服务商, 申领时间) and its page, checked once for
//! every place that lists orders: the platform's `GET /v1/orders`, the staff's queue, and the app's
//! local store.

use crate::{Error, OrderStatus, Result};
use chrono::NaiveDate;

/// A checked search: values trimmed, empty ones dropped, dates parsed, the page in range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderListFilter {
    /// 订单编号, whole or its first digits.
    pub order_no_prefix: Option<String>,
    /// 申领状态 by [`OrderStatus::code`].
    pub status_code: Option<String>,
    pub provider_id: Option<String>,
    /// 申领时间 from this Beijing date, inclusive.
    pub submitted_from: Option<NaiveDate>,
    /// 申领时间 before this Beijing date (the day after the form's end date).
    pub submitted_before: Option<NaiveDate>,
    /// 1-based.
    pub page: u32,
    /// 1 to [`OrderListFilter::MAX_PAGE_SIZE`].
    pub page_size: u32,
}

/// The form as typed: each field may be absent or blank.
#[derive(Debug, Clone, Copy, Default)]
pub struct OrderListForm<'a> {
    pub order_no: Option<&'a str>,
    pub status: Option<&'a str>,
    pub provider_id: Option<&'a str>,
    /// `YYYY-MM-DD`.
    pub submitted_from: Option<&'a str>,
    pub submitted_to: Option<&'a str>,
    pub page: Option<u32>,
    pub page_size: Option<u32>,
}

impl OrderListFilter {
    pub const DEFAULT_PAGE_SIZE: u32 = 10;
    pub const MAX_PAGE_SIZE: u32 = 100;

    /// Checks the form; the refusal says in Chinese what to correct.
    pub fn parse(form: OrderListForm<'_>) -> Result<OrderListFilter> {
        let bad = |message: &'static str| Error::InvalidListQuery(message);
        let trimmed = |v: Option<&str>| v.map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        let order_no_prefix = trimmed(form.order_no);
        if order_no_prefix.as_deref().is_some_and(|n| n.len() > 15 || !n.bytes().all(|b| b.is_ascii_digit())) {
            return Err(bad("订单编号只能是不超过15位的数字"));
        }
        let status_code = trimmed(form.status);
        if status_code.as_deref().is_some_and(|s| !OrderStatus::CODES.contains(&s)) {
            return Err(bad("申领状态不存在"));
        }
        let date = |v: Option<&str>| -> Result<Option<NaiveDate>> {
            trimmed(v)
                .map(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|_| bad("申领时间应为YYYY-MM-DD格式的日期")))
                .transpose()
        };
        let (from, to) = (date(form.submitted_from)?, date(form.submitted_to)?);
        if let (Some(from), Some(to)) = (from, to)
            && to < from
        {
            return Err(bad("申领时间的结束日期早于开始日期"));
        }
        let page = form.page.unwrap_or(1);
        let page_size = form.page_size.unwrap_or(Self::DEFAULT_PAGE_SIZE);
        if page == 0 || !(1..=Self::MAX_PAGE_SIZE).contains(&page_size) {
            return Err(bad("页码从1开始，每页1至100条"));
        }
        Ok(OrderListFilter {
            order_no_prefix,
            status_code,
            provider_id: trimmed(form.provider_id),
            submitted_from: from,
            submitted_before: to.and_then(|d| d.succ_opt()),
            page,
            page_size,
        })
    }

    /// Rows to skip before the page.
    pub fn offset(&self) -> u32 {
        (self.page - 1).saturating_mul(self.page_size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(form: OrderListForm<'_>) -> std::result::Result<OrderListFilter, String> {
        OrderListFilter::parse(form).map_err(|e| e.to_string())
    }

    #[test]
    fn blanks_are_no_filter_and_the_defaults_are_the_guides_first_page() {
        let f = parse(OrderListForm { order_no: Some("  "), status: Some(""), ..Default::default() }).unwrap();
        assert_eq!(
            (f.order_no_prefix.clone(), f.status_code.clone(), f.page, f.page_size, f.offset()),
            (None, None, 1, 10, 0)
        );
    }

    #[test]
    fn the_end_date_is_inclusive_and_pages_skip_whole_pages() {
        let form = OrderListForm {
            order_no: Some(" 2026 "),
            submitted_from: Some("2026-12-01"),
            submitted_to: Some("2026-12-31"),
            page: Some(3),
            page_size: Some(20),
            ..Default::default()
        };
        let f = parse(form).unwrap();
        assert_eq!(f.order_no_prefix.as_deref(), Some("2026"));
        assert_eq!(f.submitted_before, NaiveDate::from_ymd_opt(2027, 1, 1));
        assert_eq!(f.offset(), 40);
    }

    #[test]
    fn each_mistake_is_refused_in_chinese() {
        let cases = [
            (OrderListForm { order_no: Some("12a"), ..Default::default() }, "订单编号只能是不超过15位的数字"),
            (
                OrderListForm { order_no: Some("1234567890123456"), ..Default::default() },
                "订单编号只能是不超过15位的数字",
            ),
            (OrderListForm { status: Some("lost"), ..Default::default() }, "申领状态不存在"),
            (
                OrderListForm { submitted_from: Some("2026/12/01"), ..Default::default() },
                "申领时间应为YYYY-MM-DD格式的日期",
            ),
            (
                OrderListForm {
                    submitted_from: Some("2026-12-02"),
                    submitted_to: Some("2026-12-01"),
                    ..Default::default()
                },
                "申领时间的结束日期早于开始日期",
            ),
            (OrderListForm { page: Some(0), ..Default::default() }, "页码从1开始，每页1至100条"),
            (OrderListForm { page_size: Some(101), ..Default::default() }, "页码从1开始，每页1至100条"),
        ];
        for (form, message) in cases {
            assert_eq!(parse(form).unwrap_err(), message, "{form:?}");
        }
    }
}
