//! The electronic invoice (电子发票（普通发票）) in the layout of a fully digital invoice (数电票):
//! 发票号码 and 开票日期, 购买方 and 销售方, the line with 数量, 单价, 金额, 税率 and 税额, 合计, 价税合计 in
//! words and figures, 备注 and 开票人, a QR code; as a PDF page and as XML with the same figures.
//! A sandbox invoice says so across its face: only the tax authority issues legal invoices.

use super::{MARGIN, PAGE, Papers};
use crate::Result;
use certdesk_core::{INVOICE_ITEM_ZH, Money, TaxRate, amount_in_words};
use std::path::PathBuf;

/// What an invoice says.
#[derive(Debug, Clone)]
pub struct Invoice<'a> {
    pub invoice_no: &'a str,
    /// `2026-12-03`.
    pub issue_date: &'a str,
    pub buyer_name: &'a str,
    pub buyer_taxpayer_id: &'a str,
    pub seller_name: &'a str,
    pub seller_taxpayer_id: &'a str,
    pub quantity: u32,
    /// 金额 (before tax), 税额 and 价税合计.
    pub amount: Money,
    pub tax: Money,
    pub total: Money,
    pub rate: TaxRate,
    pub order_no: &'a str,
    pub provider_name: &'a str,
    pub drawer: &'a str,
    pub sandbox: bool,
}

/// The words a sandbox invoice carries.
pub const SANDBOX_NOTICE: &str = "演示发票（沙箱）：非税务机关开具，不能用于报销、抵扣或记账";

/// `283.02`: yuan with two decimals, as the invoice's figures are printed (no ¥, no separators).
pub fn yuan(money: Money) -> String {
    let fen = money.fen();
    format!("{}{}.{:02}", if fen < 0 { "-" } else { "" }, fen.unsigned_abs() / 100, fen.unsigned_abs() % 100)
}

/// 单价 before tax: 金额 ÷ 数量, to at most 8 decimals with trailing zeros dropped (but two kept).
pub fn unit_price(amount: Money, quantity: u32) -> String {
    let quantity = i128::from(quantity.max(1));
    // In 10^-8 yuan, rounded half up.
    let scaled = (i128::from(amount.fen()) * 1_000_000 * 2 + quantity) / (quantity * 2);
    let (whole, fraction) = (scaled / 100_000_000, scaled % 100_000_000);
    let mut fraction = format!("{fraction:08}");
    while fraction.len() > 2 && fraction.ends_with('0') {
        fraction.pop();
    }
    format!("{whole}.{fraction}")
}

/// `2026年12月03日` from `2026-12-03`.
fn chinese_date(date: &str) -> String {
    match (date.get(0..4), date.get(5..7), date.get(8..10)) {
        (Some(y), Some(m), Some(d)) => format!("{y}年{m}月{d}日"),
        _ => date.to_owned(),
    }
}

/// What the QR code holds: the fields a verifier reads (number, date, total), comma-separated as
/// invoice codes are.
pub fn qr_text(invoice: &Invoice<'_>) -> String {
    format!("01,32,,{},{},{},,", invoice.invoice_no, yuan(invoice.total), invoice.issue_date.replace('-', ""))
}

/// Renders the invoice as a one-page PDF.
pub fn render_pdf(invoice: &Invoice<'_>, configured_font: Option<&(PathBuf, u32)>) -> Result<Vec<u8>> {
    let width = PAGE.0 - 2.0 * MARGIN;
    let mut papers = Papers::new(configured_font)?;
    papers.qr_top_right(MARGIN - 16.0, 84.0, &qr_text(invoice));
    papers.text(90.0, MARGIN + 26.0, 20.0, "电子发票（普通发票）");
    papers.text(0.0, MARGIN + 58.0, 10.0, format!("发票号码：{}", invoice.invoice_no));
    papers.text(0.0, MARGIN + 74.0, 10.0, format!("开票日期：{}", chinese_date(invoice.issue_date)));
    if invoice.sandbox {
        papers.note(MARGIN + 96.0, 11.0, SANDBOX_NOTICE);
    }

    // 购买方 | 销售方.
    let top = MARGIN + 108.0;
    let half = width / 2.0;
    papers.frame(0.0, top, width, 64.0);
    papers.frame(half, top, 0.0, 64.0);
    for (x, heading, name, code) in [
        (0.0, "购买方信息", invoice.buyer_name, invoice.buyer_taxpayer_id),
        (half, "销售方信息", invoice.seller_name, invoice.seller_taxpayer_id),
    ] {
        papers.text(x + 6.0, top + 16.0, 9.0, heading);
        for (i, line) in super::lines(&format!("名称：{name}"), 22).iter().take(2).enumerate() {
            papers.text(x + 6.0, top + 32.0 + 11.0 * i as f32, 9.0, line.clone());
        }
        papers.text(x + 6.0, top + 58.0, 8.0, format!("统一社会信用代码/纳税人识别号：{code}"));
    }

    // The line and 合计.
    let table = top + 76.0;
    let columns: [(f32, &str); 6] =
        [(6.0, "项目名称"), (180.0, "数量"), (215.0, "单价"), (295.0, "金额"), (360.0, "税率/征收率"), (425.0, "税额")];
    papers.frame(0.0, table, width, 78.0);
    for (x, heading) in columns {
        papers.text(x, table + 16.0, 9.0, heading);
    }
    let row = [
        INVOICE_ITEM_ZH.to_owned(),
        invoice.quantity.to_string(),
        unit_price(invoice.amount, invoice.quantity),
        yuan(invoice.amount),
        invoice.rate.percent_text(),
        yuan(invoice.tax),
    ];
    for ((x, _), value) in columns.iter().zip(row) {
        papers.text(*x, table + 38.0, 8.5, value);
    }
    papers.text(6.0, table + 68.0, 9.0, "合　　计");
    papers.text(295.0, table + 68.0, 9.0, format!("¥{}", yuan(invoice.amount)));
    papers.text(425.0, table + 68.0, 9.0, format!("¥{}", yuan(invoice.tax)));

    // 价税合计.
    let sum = table + 78.0;
    papers.frame(0.0, sum, width, 26.0);
    papers.text(6.0, sum + 17.0, 9.5, format!("价税合计（大写）　ⓧ{}", amount_in_words(invoice.total)));
    papers.text(330.0, sum + 17.0, 9.5, format!("（小写）¥{}", yuan(invoice.total)));

    // 备注.
    let remark = sum + 26.0;
    papers.frame(0.0, remark, width, 40.0);
    papers.text(6.0, remark + 16.0, 9.0, format!("备注：订单编号 {}", invoice.order_no));
    papers.text(
        36.0,
        remark + 31.0,
        9.0,
        format!("CA服务商 {}，数字证书 {} 张", invoice.provider_name, invoice.quantity),
    );
    papers.text(0.0, remark + 62.0, 9.0, format!("开票人：{}", invoice.drawer));
    papers.finish()
}

/// The same invoice as XML (UTF-8).
pub fn render_xml(invoice: &Invoice<'_>) -> String {
    use quick_xml::escape::escape;
    let e = |s: &str| escape(s).into_owned();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<EInvoice kind="电子发票（普通发票）" sandbox="{sandbox}">
  <InvoiceNumber>{number}</InvoiceNumber>
  <IssueDate>{date}</IssueDate>
  <Buyer><Name>{buyer}</Name><TaxpayerId>{buyer_id}</TaxpayerId></Buyer>
  <Seller><Name>{seller}</Name><TaxpayerId>{seller_id}</TaxpayerId></Seller>
  <Items>
    <Item><Name>{item}</Name><Quantity>{quantity}</Quantity><UnitPrice>{unit}</UnitPrice><Amount>{amount}</Amount><TaxRate>{rate}</TaxRate><Tax>{tax}</Tax></Item>
  </Items>
  <TotalAmount>{amount}</TotalAmount>
  <TotalTax>{tax}</TotalTax>
  <TotalWithTax>{total}</TotalWithTax>
  <TotalWithTaxInWords>{words}</TotalWithTaxInWords>
  <Remark>订单编号 {order_no}</Remark>
  <Drawer>{drawer}</Drawer>
</EInvoice>
"#,
        sandbox = invoice.sandbox,
        number = e(invoice.invoice_no),
        date = e(invoice.issue_date),
        buyer = e(invoice.buyer_name),
        buyer_id = e(invoice.buyer_taxpayer_id),
        seller = e(invoice.seller_name),
        seller_id = e(invoice.seller_taxpayer_id),
        item = e(INVOICE_ITEM_ZH),
        quantity = invoice.quantity,
        unit = unit_price(invoice.amount, invoice.quantity),
        amount = yuan(invoice.amount),
        rate = invoice.rate.percent_text(),
        tax = yuan(invoice.tax),
        total = yuan(invoice.total),
        words = amount_in_words(invoice.total),
        order_no = e(invoice.order_no),
        drawer = e(invoice.drawer),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_print_as_invoices_print_them() {
        assert_eq!(yuan(Money::from_fen(28302)), "283.02");
        assert_eq!(yuan(Money::from_fen(5)), "0.05");
        assert_eq!(unit_price(Money::from_fen(28302), 1), "283.02");
        assert_eq!(unit_price(Money::from_fen(56604), 2), "283.02");
        assert_eq!(unit_price(Money::from_fen(100), 3), "0.33333333");
        assert_eq!(unit_price(Money::from_fen(200), 3), "0.66666667");
        assert_eq!(chinese_date("2026-12-03"), "2026年12月03日");
    }
}
