//! 发票申请 over HTTP: the dialog's fields checked, the electronic invoice issued at once with a
//! 20-digit number, its PDF (read back with pdftotext) and XML (parsed) carrying the same figures;
//! a request the issuer did not answer is issued at the next start.

use crate::staff::{log_in, order_in_review, staff, step};
use crate::{TestPlatform, spawn_platform_with};
use certdesk_api::StaffRole;
use serde_json::{Value, json};

const ORGANISATION: &str = "晨安入驻供应商";
const CREDIT_CODE: &str = "91330106MA27XY812F";

fn form() -> Value {
    json!({"title": ORGANISATION, "taxpayerId": CREDIT_CODE, "email": "finance@example.com"})
}

/// A paid order of 申领数量 2 (¥600.00), issued: what 发票申请 is for.
pub(crate) async fn issued_order(p: &TestPlatform) -> String {
    staff(p, "reviewer", &[StaffRole::Reviewer]);
    staff(p, "producer", &[StaffRole::Producer]);
    let (reviewer, producer) = (log_in(p, "reviewer").await, log_in(p, "producer").await);
    let number = order_in_review(p, "verified").await;
    assert_eq!(step(p, &reviewer, &number, "approve", json!({})).await.0, 200);
    crate::certificates::issue_all(p, &crate::bearer_client(&producer), &number).await;
    let (status, body) =
        step(p, &producer, &number, "ship", json!({"courier": "顺丰速运", "trackingNo": "SF1234567890"})).await;
    assert_eq!(status, 200, "{body}");
    number
}

pub(crate) fn xml_field(xml: &str, path: &[&str]) -> String {
    use quick_xml::Reader;
    use quick_xml::events::Event;
    let mut reader = Reader::from_str(xml);
    let mut at: Vec<String> = Vec::new();
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) => at.push(e.name().as_ref().to_owned()),
            Event::End(_) => {
                at.pop();
            }
            Event::Text(t) if at.iter().map(String::as_str).eq(path.iter().copied()) => {
                return t.xml10_content().into_owned();
            }
            Event::Eof => panic!("{path:?} not in {xml}"),
            _ => {}
        }
    }
}

#[tokio::test]
async fn an_issued_order_gets_its_electronic_invoice_with_the_same_figures_in_pdf_and_xml() {
    let p = crate::spawn_platform().await;
    let number = issued_order(&p).await;
    let url = |tail: &str| p.url(&format!("/v1/orders/{number}/invoice{tail}"));

    // Every field said at once; nothing recorded.
    let bad = json!({"title": " ", "taxpayerId": "91330106MA27XY812A", "email": "finance"});
    let (status, refused) = p.post_json(&p.http, &format!("/v1/orders/{number}/invoice"), &bad).await;
    assert_eq!((status, refused["code"].as_str()), (422, Some("validation")), "{refused}");
    let fields: Vec<&str> =
        refused["invoiceFields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["title", "taxpayerId", "email"]);
    assert_eq!(reqwest::Client::new().get(url("")).bearer_auth("x").send().await.unwrap().status(), 401);
    assert_eq!(p.http.get(url("")).send().await.unwrap().status(), 404);

    let (status, order) = p.post_json(&p.http, &format!("/v1/orders/{number}/invoice"), &form()).await;
    assert_eq!(status, 200, "{order}");
    assert_eq!(order["status"]["invoice"], "issued");
    let record: Value = p.http.get(url("")).send().await.unwrap().json().await.unwrap();
    let invoice_no = record["invoiceNo"].as_str().unwrap().to_owned();
    assert!(invoice_no.len() == 20 && invoice_no.bytes().all(|b| b.is_ascii_digit()), "{invoice_no}");
    // ¥600.00 at 6%: 金额 566.04 (600 ÷ 1.06 = 566.0377…, half up), 税额 33.96.
    assert_eq!(
        (record["total"].as_i64(), record["amount"].as_i64(), record["tax"].as_i64()),
        (Some(60000), Some(56604), Some(3396))
    );
    assert_eq!((record["taxRate"].as_str(), record["totalInWords"].as_str()), (Some("6%"), Some("陆佰元整")));
    assert_eq!((record["emailMasked"].as_str(), record["sandbox"].as_bool()), (Some("f***@example.com"), Some(true)));

    // The PDF says it, in words a person reads.
    let res = p.http.get(url(".pdf")).send().await.unwrap();
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("invoice.pdf"), res.bytes().await.unwrap()).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", "invoice.pdf", "-"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for expected in [
        invoice_no.as_str(),
        "电子发票（普通发票）",
        ORGANISATION,
        CREDIT_CODE,
        "政采云有限公司（演示）",
        "*信息技术服务*数字证书服务费",
        "566.04",
        "33.96",
        "¥600.00",
        "陆佰元整",
        "演示发票（沙箱）",
        &number,
    ] {
        assert!(text.contains(expected), "{expected} not in the PDF:\n{text}");
    }

    // The XML parses and carries the same figures.
    let xml = p.http.get(url(".xml")).send().await.unwrap().text().await.unwrap();
    assert_eq!(xml_field(&xml, &["EInvoice", "InvoiceNumber"]), invoice_no);
    assert_eq!(xml_field(&xml, &["EInvoice", "Buyer", "Name"]), ORGANISATION);
    assert_eq!(xml_field(&xml, &["EInvoice", "Buyer", "TaxpayerId"]), CREDIT_CODE);
    assert_eq!(xml_field(&xml, &["EInvoice", "TotalAmount"]), "566.04");
    assert_eq!(xml_field(&xml, &["EInvoice", "TotalTax"]), "33.96");
    assert_eq!(xml_field(&xml, &["EInvoice", "TotalWithTax"]), "600.00");
    assert_eq!(xml_field(&xml, &["EInvoice", "TotalWithTaxInWords"]), "陆佰元整");
    assert_eq!(xml_field(&xml, &["EInvoice", "Items", "Item", "UnitPrice"]), "283.02");

    // Once only; and another organisation sees nothing of it.
    let (status, again) = p.post_json(&p.http, &format!("/v1/orders/{number}/invoice"), &form()).await;
    assert_eq!(status, 409, "{again}");
    let stranger = crate::register(&p.handle.url(), "另一家供应商", "91350100M000100Y43", "stranger").await;
    assert_eq!(stranger.get(url(".pdf")).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn a_request_the_issuer_did_not_answer_is_issued_at_the_next_start() {
    let p = spawn_platform_with(|c| c.fault = Some(certdesk_platform::Fault::InvoiceIssuerDown)).await;
    let number = issued_order(&p).await;
    let (status, order) = p.post_json(&p.http, &format!("/v1/orders/{number}/invoice"), &form()).await;
    assert_eq!(status, 200, "{order}");
    assert_eq!(order["status"]["invoice"], "requested", "kept, not lost");
    let res = p.http.get(p.url(&format!("/v1/orders/{number}/invoice.pdf"))).send().await.unwrap();
    assert_eq!(res.status(), 409);

    let TestPlatform { handle, dir, database_url, .. } = p;
    handle.shutdown().await.unwrap();
    let config = certdesk_platform::PlatformConfig {
        database_url: database_url.clone(),
        ..certdesk_platform::PlatformConfig::embedded(dir.path())
    };
    let handle = certdesk_platform::Platform::start(config).await.unwrap();
    let p = TestPlatform { http: crate::authed(&handle).await, handle, dir, database_url };
    let record = loop {
        let record: Value =
            p.http.get(p.url(&format!("/v1/orders/{number}/invoice"))).send().await.unwrap().json().await.unwrap();
        if record["invoiceNo"].is_string() {
            break record;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(record["amount"], 56604);
    let order: Value = p.http.get(p.url(&format!("/v1/orders/{number}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(order["status"]["invoice"], "issued");
}
