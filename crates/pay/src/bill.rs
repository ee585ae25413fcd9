//! 对账: the gateways' daily bills read into one shape, written the way the gateways write them (the
//! sandbox's side), and compared with the platform's own records of the day.
//!
//! - WeChat Pay's trade bill (`GET /v3/bill/tradebill`, `bill_type=ALL`): UTF-8 CSV, a header
//!   row, one row per payment or refund with every field prefixed by a backtick, then a totals row
//!   pair starting with `总交易单数`.
//! - Alipay's 业务明细 (`alipay.data.dataservice.bill.downloadurl.query`, `bill_type=trade`): CSV
//!   with `#` comment lines around a header row starting with `支付宝交易号`; a refund's row has
//!   业务类型 `退款`, its 订单金额 negative. (Alipay serves it zipped and in GBK: the download is
//!   unpacked before it reaches [`parse_alipay_bill`].)

use crate::{PayError, Result, alipay};

/// A payment or a refund, as a bill or the platform records it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct BillLine {
    pub kind: BillKind,
    pub out_trade_no: String,
    /// A refund's request number (`out_request_no`, 商户退款单号).
    pub out_request_no: Option<String>,
    pub fen: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BillKind {
    Payment,
    Refund,
}

/// What the comparison of a day's bill with the platform's records found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// In the gateway's bill, not in the platform's records (paid or refunded there only).
    ThereNotHere(BillLine),
    /// In the platform's records, not in the gateway's bill.
    HereNotThere(BillLine),
    /// In both, for different amounts.
    AmountDiffers { there: BillLine, here_fen: i64 },
}

/// Every difference between a day's `bill` and the platform's records of the day (`ours`), in the
/// order of the lines' keys.
pub fn compare(bill: &[BillLine], ours: &[BillLine]) -> Vec<Difference> {
    use std::collections::BTreeMap;
    let key = |l: &BillLine| (l.kind, l.out_trade_no.clone(), l.out_request_no.clone());
    let there: BTreeMap<_, _> = bill.iter().map(|l| (key(l), l)).collect();
    let here: BTreeMap<_, _> = ours.iter().map(|l| (key(l), l)).collect();
    let mut found = Vec::new();
    for (k, line) in &there {
        match here.get(k) {
            None => found.push(Difference::ThereNotHere((*line).clone())),
            Some(ours) if ours.fen != line.fen => {
                found.push(Difference::AmountDiffers { there: (*line).clone(), here_fen: ours.fen })
            }
            Some(_) => {}
        }
    }
    found.extend(
        here.iter().filter(|(k, _)| !there.contains_key(k)).map(|(_, l)| Difference::HereNotThere((*l).clone())),
    );
    found
}

const WECHAT_COLUMNS: &[&str] = &[
    "交易时间",
    "公众账号ID",
    "商户号",
    "特约商户号",
    "设备号",
    "微信订单号",
    "商户订单号",
    "用户标识",
    "交易类型",
    "交易状态",
    "付款银行",
    "货币种类",
    "应结订单金额",
    "代金券金额",
    "微信退款单号",
    "商户退款单号",
    "退款金额",
    "充值券退款金额",
    "退款类型",
    "退款状态",
    "商品名称",
    "商户数据包",
    "手续费",
    "费率",
    "订单金额",
    "申请退款金额",
    "费率备注",
];

/// One row of WeChat Pay's trade bill, as the sandbox writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WechatBillRow<'a> {
    /// `yyyy-MM-dd HH:mm:ss`, Beijing time.
    pub at: &'a str,
    pub app_id: &'a str,
    pub merchant_id: &'a str,
    pub transaction_id: &'a str,
    pub line: &'a BillLine,
    /// A refund's own number at WeChat Pay.
    pub refund_id: &'a str,
    pub description: &'a str,
}

/// WeChat Pay's trade bill text for `rows`.
pub fn write_wechat_bill(rows: &[WechatBillRow<'_>]) -> String {
    let mut text = WECHAT_COLUMNS.join(",");
    text.push_str("\r\n");
    let (mut paid, mut refunded) = (0i64, 0i64);
    for row in rows {
        let amount = alipay::amount(row.line.fen);
        let refund = row.line.kind == BillKind::Refund;
        if refund {
            refunded += row.line.fen
        } else {
            paid += row.line.fen
        }
        let fields = [
            row.at,
            row.app_id,
            row.merchant_id,
            "0",
            "",
            row.transaction_id,
            &row.line.out_trade_no,
            "oSandboxUser",
            "NATIVE",
            if refund { "REFUND" } else { "SUCCESS" },
            "OTHERS",
            "CNY",
            if refund { "0.00" } else { &amount },
            "0.00",
            if refund { row.refund_id } else { "0" },
            row.line.out_request_no.as_deref().filter(|_| refund).unwrap_or("0"),
            if refund { &amount } else { "0.00" },
            "0.00",
            if refund { "ORIGINAL" } else { "" },
            if refund { "SUCCESS" } else { "" },
            row.description,
            "",
            "0.00",
            "0.60%",
            if refund { "0.00" } else { &amount },
            if refund { &amount } else { "0.00" },
            "",
        ];
        text.push_str(&fields.iter().map(|f| format!("`{f}")).collect::<Vec<_>>().join(","));
        text.push_str("\r\n");
    }
    text.push_str("总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n");
    let (paid, refunded) = (alipay::amount(paid), alipay::amount(refunded));
    text.push_str(&format!("`{},`{paid},`{refunded},`0.00,`0.00,`{paid},`{refunded}\r\n", rows.len()));
    text
}

/// Reads WeChat Pay's trade bill: a payment for each `SUCCESS` row, a refund for each `REFUND` row.
pub fn parse_wechat_bill(text: &str) -> Result<Vec<BillLine>> {
    let mut lines = text.lines().map(|l| l.trim_end_matches('\r')).filter(|l| !l.trim().is_empty());
    let header = lines.next().ok_or_else(|| malformed("微信支付账单为空"))?;
    let columns = Columns::new(header.split(',').map(|c| c.trim_start_matches('\u{feff}').trim()))?;
    let mut found = Vec::new();
    for line in lines.take_while(|l| !l.starts_with("总交易单数")) {
        let fields: Vec<&str> = line.split(',').map(|f| f.trim().trim_start_matches('`')).collect();
        let get = |name: &str| columns.get(&fields, name);
        found.push(match get("交易状态")? {
            "SUCCESS" => BillLine {
                kind: BillKind::Payment,
                out_trade_no: get("商户订单号")?.to_owned(),
                out_request_no: None,
                fen: alipay::parse_amount(get("应结订单金额")?)?,
            },
            "REFUND" => BillLine {
                kind: BillKind::Refund,
                out_trade_no: get("商户订单号")?.to_owned(),
                out_request_no: Some(get("商户退款单号")?.to_owned()),
                fen: alipay::parse_amount(get("退款金额")?)?,
            },
            // A row for a trade in another state (REVOKED, …) moved no money.
            _ => continue,
        });
    }
    Ok(found)
}

const ALIPAY_COLUMNS: &[&str] = &[
    "支付宝交易号",
    "商户订单号",
    "业务类型",
    "商品名称",
    "创建时间",
    "完成时间",
    "门店编号",
    "门店名称",
    "操作员",
    "终端号",
    "对方账户",
    "订单金额（元）",
    "商家实收（元）",
    "支付宝红包（元）",
    "集分宝（元）",
    "支付宝优惠（元）",
    "商家优惠（元）",
    "券核销金额（元）",
    "券名称",
    "商家红包消费金额（元）",
    "卡消费金额（元）",
    "退款批次号/请求号",
    "服务费（元）",
    "分润（元）",
    "备注",
];

/// One row of Alipay's 业务明细, as the sandbox writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlipayBillRow<'a> {
    pub trade_no: &'a str,
    pub line: &'a BillLine,
    pub subject: &'a str,
    /// `yyyy-MM-dd HH:mm:ss`, Beijing time.
    pub at: &'a str,
}

/// Alipay's 业务明细 text (before zipping and GBK) for the seller `pid` on `day` (`yyyyMMdd`).
pub fn write_alipay_bill(pid: &str, day: &str, rows: &[AlipayBillRow<'_>]) -> String {
    let mut text = format!(
        "#支付宝业务明细查询\r\n#账号：[{pid}]\r\n#起始日期：[{day} 00:00:00]   终止日期：[{day} 23:59:59]\r\n#-----------------------------------------业务明细列表----------------------------------------\r\n"
    );
    text.push_str(&ALIPAY_COLUMNS.join(","));
    text.push_str("\r\n");
    for row in rows {
        let refund = row.line.kind == BillKind::Refund;
        let amount = if refund { format!("-{}", alipay::amount(row.line.fen)) } else { alipay::amount(row.line.fen) };
        let request_no = row.line.out_request_no.as_deref().filter(|_| refund).unwrap_or("");
        let fields = [
            row.trade_no,
            &row.line.out_trade_no,
            if refund { "退款" } else { "交易" },
            row.subject,
            row.at,
            row.at,
            "",
            "",
            "",
            "",
            "sandbox-buyer@example.com",
            &amount,
            &amount,
            "0.00",
            "0.00",
            "0.00",
            "0.00",
            "0.00",
            "",
            "0.00",
            "0.00",
            request_no,
            "0.00",
            "0.00",
            "",
        ];
        // Alipay pads its fields with a tab, so spreadsheets keep the numbers as text.
        text.push_str(&fields.iter().map(|f| format!("{f}\t")).collect::<Vec<_>>().join(","));
        text.push_str("\r\n");
    }
    text.push_str("#-----------------------------------------业务明细列表结束------------------------------------\r\n");
    text.push_str(&format!("#交易合计：{}笔\r\n", rows.len()));
    text
}

/// Reads Alipay's 业务明细 (already unzipped and decoded): a payment for each 交易 row, a refund for
/// each 退款 row.
pub fn parse_alipay_bill(text: &str) -> Result<Vec<BillLine>> {
    let mut lines =
        text.lines().map(|l| l.trim_end_matches('\r')).filter(|l| !l.starts_with('#') && !l.trim().is_empty());
    let header = lines.next().ok_or_else(|| malformed("支付宝账单为空"))?;
    let columns = Columns::new(header.split(',').map(|c| c.trim_start_matches('\u{feff}').trim()))?;
    let mut found = Vec::new();
    for line in lines {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let get = |name: &str| columns.get(&fields, name);
        let fen = alipay::parse_amount(get("订单金额（元）")?.trim_start_matches('-'))?;
        let out_trade_no = get("商户订单号")?.to_owned();
        found.push(match get("业务类型")? {
            "交易" => BillLine { kind: BillKind::Payment, out_trade_no, out_request_no: None, fen },
            "退款" => BillLine {
                kind: BillKind::Refund,
                out_trade_no,
                out_request_no: Some(get("退款批次号/请求号")?.to_owned()),
                fen,
            },
            _ => continue,
        });
    }
    Ok(found)
}

/// A bill's header: where each named column is.
struct Columns(Vec<String>);

impl Columns {
    fn new<'a>(names: impl Iterator<Item = &'a str>) -> Result<Columns> {
        let names: Vec<String> = names.map(str::to_owned).collect();
        if names.len() < 3 {
            return Err(malformed("账单表头无法识别"));
        }
        Ok(Columns(names))
    }

    fn get<'f>(&self, fields: &[&'f str], name: &str) -> Result<&'f str> {
        let index = self.0.iter().position(|c| c == name).ok_or_else(|| malformed(&format!("账单缺少列 {name}")))?;
        fields.get(index).copied().ok_or_else(|| malformed(&format!("账单行缺少 {name}")))
    }
}

fn malformed(what: &str) -> PayError {
    PayError::Malformed(what.to_owned())
}

/// Alipay's bill as it is downloaded: a zip holding the 业务明细 CSV in GBK (the sandbox's side).
pub fn zip_alipay_bill(pid: &str, day: &str, text: &str) -> Result<Vec<u8>> {
    use std::io::Write;
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let name = format!("{pid}_{day}_业务明细.csv");
    zip.start_file(name, options).map_err(|e| malformed(&e.to_string()))?;
    zip.write_all(&gbk).map_err(|e| malformed(&e.to_string()))?;
    Ok(zip.finish().map_err(|e| malformed(&e.to_string()))?.into_inner())
}

/// The 业务明细 inside a downloaded Alipay bill (a zip of GBK CSV files; the summary file, 汇总, is
/// passed over), read.
pub fn unzip_alipay_bill(bytes: &[u8]) -> Result<Vec<BillLine>> {
    use std::io::Read;
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| malformed(&format!("账单压缩包：{e}")))?;
    for index in 0..archive.len() {
        let mut file = archive.by_index(index).map_err(|e| malformed(&e.to_string()))?;
        // Alipay names its files in GBK without zip's UTF-8 flag: read the raw bytes either way.
        let raw_name = file.name_raw();
        let name = match std::str::from_utf8(raw_name) {
            Ok(name) => name.to_owned(),
            Err(_) => encoding_rs::GBK.decode(raw_name).0.into_owned(),
        };
        if !name.contains("业务明细") || name.contains("汇总") {
            continue;
        }
        let mut raw = Vec::new();
        file.read_to_end(&mut raw).map_err(|e| malformed(&e.to_string()))?;
        let (text, _, _) = encoding_rs::GBK.decode(&raw);
        return parse_alipay_bill(&text);
    }
    Err(malformed("账单压缩包中没有业务明细"))
}

/// SHA-1 in hex, as WeChat Pay states a bill file's hash (`hash_type = SHA1`).
pub fn sha1_hex(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
