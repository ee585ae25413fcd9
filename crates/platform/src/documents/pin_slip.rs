//! 密码信封: the UKey's user PIN, printed at 制证 for a mailed UKey (it travels separately) or
//! handed over at the counter. Made on the producer's computer: the PIN never reaches the platform.

use super::{MARGIN, Papers};
use crate::Result;
use std::path::PathBuf;

pub struct PinSlip<'a> {
    pub order_no: &'a str,
    pub organisation_name: &'a str,
    pub ukey_serial: &'a str,
    pub certificate_serial: &'a str,
    pub pin: &'a str,
    /// `2026-12-02 15:30:00`, Asia/Shanghai.
    pub printed_at: &'a str,
}

/// Renders the slip as PDF bytes.
pub fn render(slip: &PinSlip<'_>, configured_font: Option<&(PathBuf, u32)>) -> Result<Vec<u8>> {
    let mut papers = Papers::new(configured_font)?;
    papers.text(0.0, MARGIN + 24.0, 22.0, "CA数字证书UKey密码信封");
    papers.note(MARGIN + 50.0, 11.0, "机密：请与UKey分开保管、分开寄送");
    let mut y = MARGIN + 96.0;
    papers.rule(y - 18.0);
    for (label, value) in [
        ("订单编号", slip.order_no),
        ("申领单位", slip.organisation_name),
        ("UKey序列号", slip.ukey_serial),
        ("证书序列号", slip.certificate_serial),
        ("打印时间", slip.printed_at),
    ] {
        papers.text(0.0, y, 13.0, format!("{label}："));
        papers.text(110.0, y, 13.0, value);
        y += 24.0;
    }
    papers.rule(y - 8.0);
    y += 40.0;
    papers.text(0.0, y, 14.0, "用户PIN码：");
    papers.text(110.0, y + 4.0, 28.0, slip.pin);
    y += 56.0;
    for line in [
        "首次使用时，请在证书办理台【CA证书管理】中插入UKey并【修改PIN】，改为只有本单位知道的PIN码。",
        "PIN码连续输错多次将锁定UKey，锁定后须联系CA服务商解锁。",
        "请勿将PIN码写在UKey上，打印后请删除本文件。",
    ] {
        papers.note(y, 11.0, line);
        y += 18.0;
    }
    papers.finish()
}
