//! 邮寄清单: the day's shipments on paper, for production to hand over with the parcels and keep:
//! each order's number, organisation, recipient, courier, tracking number, time and who shipped it.

use super::{MARGIN, PAGE, Papers};
use crate::Result;
use std::path::PathBuf;

/// One parcel on the list.
pub struct Shipped<'a> {
    pub order_no: &'a str,
    pub organisation_name: &'a str,
    pub applicant_name: &'a str,
    pub courier: &'a str,
    pub tracking_no: &'a str,
    /// `15:30`, Asia/Shanghai.
    pub time: &'a str,
    pub staff_name: &'a str,
}

/// Rows per page below the heading.
const ROWS_PER_PAGE: usize = 24;

/// Renders the list of `day` (`2026-12-02`) as PDF bytes; `printed_by` and `printed_at` close it.
pub fn render(
    day: &str,
    shipped: &[Shipped<'_>],
    printed_by: &str,
    printed_at: &str,
    configured_font: Option<&(PathBuf, u32)>,
) -> Result<Vec<u8>> {
    let mut papers = Papers::new(configured_font)?;
    let pages = shipped.len().div_ceil(ROWS_PER_PAGE).max(1);
    let columns: [(f32, &str); 6] = [
        (0.0, "订单编号"),
        (110.0, "申领单位"),
        (255.0, "收件人"),
        (310.0, "快递公司"),
        (370.0, "运单号"),
        (455.0, "时间"),
    ];
    for page in 0..pages {
        if page > 0 {
            papers.new_page();
        }
        papers.text(0.0, MARGIN + 20.0, 20.0, format!("CA证书邮寄清单 · {day}"));
        papers.note(MARGIN + 44.0, 10.0, format!("共 {} 件，第 {}/{} 页", shipped.len(), page + 1, pages));
        let mut y = MARGIN + 76.0;
        for (x, title) in columns {
            papers.text(x, y, 10.0, title);
        }
        papers.rule(y + 6.0);
        y += 22.0;
        for parcel in shipped.iter().skip(page * ROWS_PER_PAGE).take(ROWS_PER_PAGE) {
            let organisation: String = parcel.organisation_name.chars().take(12).collect();
            let cells = [
                parcel.order_no,
                &organisation,
                parcel.applicant_name,
                parcel.courier,
                parcel.tracking_no,
                parcel.time,
            ];
            for ((x, _), cell) in columns.iter().zip(cells) {
                papers.text(*x, y, 9.0, cell);
            }
            papers.note(y + 12.0, 7.5, format!("邮寄人：{}", parcel.staff_name));
            y += 26.0;
        }
        if shipped.is_empty() {
            papers.note(y, 11.0, "当日没有邮寄的证书。");
        }
        papers.note(PAGE.1 - MARGIN, 9.0, format!("打印：{printed_by}　{printed_at}"));
    }
    papers.finish()
}
