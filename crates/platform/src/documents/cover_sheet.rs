//! 邮寄纸质资料's cover sheet: the applicant prints it and sends it with the documents, with the
//! order number in large type and as a QR code (the counter scans it on arrival), the address, and
//! what to enclose.

use super::{MARGIN, Papers, lines};
use crate::Result;
use std::path::PathBuf;

/// What the sheet says.
pub struct CoverSheet<'a> {
    pub order_no: &'a str,
    pub organisation_name: &'a str,
    pub applicant_name: &'a str,
    pub address: &'a str,
}

/// Renders the sheet as PDF bytes.
pub fn render(sheet: &CoverSheet<'_>, configured_font: Option<&(PathBuf, u32)>) -> Result<Vec<u8>> {
    let mut papers = Papers::new(configured_font)?;
    papers.text(0.0, MARGIN + 24.0, 24.0, "CA证书申领 · 纸质资料邮寄封面");
    papers.text(0.0, MARGIN + 70.0, 16.0, format!("订单编号：{}", sheet.order_no));
    papers.text(0.0, MARGIN + 98.0, 13.0, format!("申领单位：{}", sheet.organisation_name));
    papers.text(0.0, MARGIN + 122.0, 13.0, format!("申领人：{}", sheet.applicant_name));
    papers.qr_top_right(MARGIN, 130.0, sheet.order_no);

    let mut y = MARGIN + 190.0;
    papers.text(0.0, y, 15.0, "邮寄地址");
    y += 26.0;
    for line in lines(sheet.address, 34) {
        papers.text(0.0, y, 13.0, line);
        y += 20.0;
    }
    y += 20.0;
    papers.text(0.0, y, 15.0, "请随本封面寄送");
    y += 26.0;
    for item in ["1. 加盖公章的CA证书申领资料", "2. 申领人身份证复印件（正反面）", "3. 本封面（请勿折叠二维码）"]
    {
        papers.text(0.0, y, 13.0, item);
        y += 20.0;
    }
    y += 30.0;
    for line in [
        "平台收到纸质资料后开始审核，审核进度可在证书办理台【CA证书申领】中查看。",
        "请在信封上注明订单编号，以便平台收件后及时处理。",
    ] {
        papers.note(y, 11.0, line);
        y += 18.0;
    }
    papers.finish()
}
