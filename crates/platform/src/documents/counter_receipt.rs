//! 受理回执: what the service counter hands a walk-in applicant, printed after 窗口收款 (or at
//! 现场受理 when nothing is due): the order, who paid what against which receipt, the clerk and the
//! time, and the order number as a QR code for the counter to scan when the applicant comes back.

use super::{MARGIN, Papers};
use crate::Result;
use std::path::PathBuf;

/// What the receipt says.
pub struct CounterReceipt<'a> {
    pub order_no: &'a str,
    pub organisation_name: &'a str,
    pub credit_code: &'a str,
    pub applicant_name: &'a str,
    pub provider_name: &'a str,
    pub quantity: u32,
    /// `¥300.00`, or `免费` when nothing is due.
    pub amount: &'a str,
    /// How it was paid (`现金`, `银行卡`, `窗口扫码`), with the counter's receipt number.
    pub payment: Option<(&'a str, &'a str)>,
    /// Where the order stands now, in the guide's words.
    pub status: &'a str,
    pub staff_name: &'a str,
    /// `2026-12-02 15:30:00`, Asia/Shanghai.
    pub printed_at: &'a str,
}

/// Renders the receipt as PDF bytes.
pub fn render(receipt: &CounterReceipt<'_>, configured_font: Option<&(PathBuf, u32)>) -> Result<Vec<u8>> {
    let mut papers = Papers::new(configured_font)?;
    papers.text(0.0, MARGIN + 24.0, 22.0, "CA数字证书现场受理回执");
    papers.text(0.0, MARGIN + 66.0, 16.0, format!("订单编号：{}", receipt.order_no));
    papers.qr_top_right(MARGIN, 120.0, receipt.order_no);

    let mut y = MARGIN + 150.0;
    papers.rule(y - 18.0);
    let (paid_by, receipt_no) = match receipt.payment {
        Some((method, receipt_no)) => (method, receipt_no),
        None => ("—", "—"),
    };
    let rows = [
        ("申领单位", receipt.organisation_name.to_owned()),
        ("统一社会信用代码", receipt.credit_code.to_owned()),
        ("申领人", receipt.applicant_name.to_owned()),
        ("CA服务商", receipt.provider_name.to_owned()),
        ("申领数量", format!("{} 个", receipt.quantity)),
        ("金额", receipt.amount.to_owned()),
        ("收款方式", paid_by.to_owned()),
        ("收据号", receipt_no.to_owned()),
        ("当前状态", receipt.status.to_owned()),
        ("经办人员", receipt.staff_name.to_owned()),
        ("打印时间", receipt.printed_at.to_owned()),
    ];
    for (label, value) in rows {
        papers.text(0.0, y, 13.0, format!("{label}："));
        papers.text(130.0, y, 13.0, value);
        y += 24.0;
    }
    papers.rule(y - 8.0);
    y += 24.0;
    for line in [
        "请妥善保管本回执。审核进度可在证书办理台【CA证书申领】中按订单编号查看。",
        "现场领取证书时请出示本回执及经办人身份证原件。",
    ] {
        papers.note(y, 11.0, line);
        y += 18.0;
    }
    papers.finish()
}
