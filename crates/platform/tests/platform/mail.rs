//! The platform's email through a real SMTP server on loopback (aiosmtpd), each message parsed back:
//! a notice for every status change to the application's address, the invoice with its PDF and XML
//! to the invoice's address, sent once even when the server was down across a restart, 重新发送 to
//! a corrected address, notices turned off in 账户设置, and `.eml` files when there is no server.

use crate::invoices::{issued_order, xml_field};
use crate::smtp_sink::{Received, SmtpSink, config, pdf_text, wait_for};
use crate::staff::{log_in, order_in_review, staff, step};
use crate::{TestPlatform, spawn_platform_with};
use certdesk_api::StaffRole;
use serde_json::{Value, json};

const APPLICATION_EMAIL: &str = "invoice@example.com";
const INVOICE_EMAIL: &str = "finance@example.com";

fn invoice_form(email: &str) -> Value {
    json!({"title": "晨安入驻供应商", "taxpayerId": "91330106MA27XY812F", "email": email})
}

async fn request_invoice(p: &TestPlatform, number: &str) {
    let (status, order) =
        p.post_json(&p.http, &format!("/v1/orders/{number}/invoice"), &invoice_form(INVOICE_EMAIL)).await;
    assert_eq!(status, 200, "{order}");
}

fn with_subject<'a>(messages: &'a [Received], part: &str) -> Vec<&'a Received> {
    messages.iter().filter(|m| m.subject.contains(part)).collect()
}

/// What the outbox holds of an order: (kind, sent, attempts).
async fn outbox_of(p: &TestPlatform, number: &str) -> Vec<(String, bool, u32)> {
    let number = certdesk_core::OrderNumber::parse(number).unwrap();
    p.db(move |db| db.order_mail(&number))
        .await
        .into_iter()
        .map(|row| (row.kind.code().to_owned(), row.sent_at.is_some(), row.attempts))
        .collect()
}

#[tokio::test]
async fn every_status_change_and_the_invoice_reach_their_addresses_once_each() {
    let sink = SmtpSink::start();
    let p = spawn_platform_with(|c| c.mail = config(&sink)).await;

    // A rejection tells why.
    staff(&p, "rejecter", &[StaffRole::Reviewer]);
    let rejecter = log_in(&p, "rejecter").await;
    let rejected = order_in_review(&p, "verified").await;
    let reason = "营业执照照片模糊，请重新上传清晰的照片";
    assert_eq!(step(&p, &rejecter, &rejected, "reject", json!({"reason": reason})).await.0, 200);
    let got = wait_for(&sink, 1).await;
    assert_eq!(got[0].rcpt_to, APPLICATION_EMAIL);
    assert!(got[0].subject.contains("审核未通过") && got[0].subject.contains(&rejected), "{:?}", got[0].subject);
    assert!(got[0].text.contains(reason), "{}", got[0].text);

    // 审核通过, then 已发证 with the tracking number, then the invoice.
    let number = issued_order(&p).await;
    request_invoice(&p, &number).await;
    let got = wait_for(&sink, 4).await;
    let approved = with_subject(&got, "审核通过");
    assert_eq!(approved.len(), 1, "{got:#?}");
    assert!(approved[0].subject.contains(&number));
    let shipped = with_subject(&got, "已发证");
    assert_eq!(shipped.len(), 1);
    assert!(shipped[0].text.contains("顺丰速运") && shipped[0].text.contains("SF1234567890"), "{}", shipped[0].text);
    for notice in [approved[0], shipped[0]] {
        assert_eq!(notice.rcpt_to, APPLICATION_EMAIL);
        assert!(notice.text.contains("晨安入驻供应商"), "{}", notice.text);
        assert!(notice.attachments.is_empty());
    }

    let record: Value =
        p.http.get(p.url(&format!("/v1/orders/{number}/invoice"))).send().await.unwrap().json().await.unwrap();
    let invoice_no = record["invoiceNo"].as_str().unwrap();
    let invoices = with_subject(&got, "电子发票");
    assert_eq!(invoices.len(), 1, "{got:#?}");
    let invoice = invoices[0];
    assert_eq!(invoice.rcpt_to, INVOICE_EMAIL, "the address given in 发票申请");
    assert!(invoice.subject.contains(invoice_no) && invoice.subject.contains(&number), "{}", invoice.subject);
    assert!(invoice.message_id.contains("@certdesk.example"), "{}", invoice.message_id);
    let names: Vec<&str> = invoice.attachments.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(names, [format!("invoice-{invoice_no}.pdf"), format!("invoice-{invoice_no}.xml")]);
    let (_, pdf_type, pdf) = &invoice.attachments[0];
    assert_eq!(pdf_type, "application/pdf");
    let text = pdf_text(pdf);
    for expected in [invoice_no, "晨安入驻供应商", "¥600.00", "陆佰元整", "演示发票"] {
        assert!(text.contains(expected), "{expected} not in the mailed PDF:\n{text}");
    }
    let xml = String::from_utf8(invoice.attachments[1].2.clone()).unwrap();
    assert_eq!(xml_field(&xml, &["EInvoice", "InvoiceNumber"]), invoice_no);
    assert_eq!(xml_field(&xml, &["EInvoice", "TotalWithTax"]), "600.00");
    assert_eq!(xml_field(&xml, &["EInvoice", "TotalWithTaxInWords"]), "陆佰元整");
    assert!(invoice.text.contains(invoice_no) && invoice.text.contains("演示发票"), "{}", invoice.text);

    // Nothing more comes: each was sent once, and the outbox says so.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(sink.received().len(), 4);
    assert_eq!(
        outbox_of(&p, &number).await,
        [("approved".into(), true, 1), ("shipped".into(), true, 1), ("invoice".into(), true, 1)]
    );
}

#[tokio::test]
async fn starttls_and_tls_reach_a_server_whose_certificate_only_the_configured_ca_vouches_for() {
    use certdesk_platform::MailSecurity;
    use certdesk_testsmtp::Tls;
    for (tls, security) in [(Tls::Starttls, MailSecurity::Starttls), (Tls::Implicit, MailSecurity::Tls)] {
        let sink = SmtpSink::start_with(tls);
        let mail = |tls_root| certdesk_platform::MailConfig {
            smtp_host: Some("localhost".into()),
            security,
            tls_root,
            ..config(&sink)
        };
        // Without the intranet's CA the server's certificate is not trusted: nothing is sent.
        let untrusted = spawn_platform_with(|c| c.mail = mail(None)).await;
        let number = issued_order(&untrusted).await;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let owed = outbox_of(&untrusted, &number).await;
            if owed.len() == 2 && owed.iter().all(|(_, sent, attempts)| !sent && *attempts >= 1) {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "{:?}", outbox_of(&untrusted, &number).await);
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(sink.received().is_empty(), "{tls:?}: sent over a connection it could not trust");
        drop(untrusted);

        let p = spawn_platform_with(|c| c.mail = mail(Some(sink.ca_pem()))).await;
        let number = issued_order(&p).await;
        let got = wait_for(&sink, 2).await;
        assert!(got.iter().all(|m| m.subject.contains(&number)), "{tls:?}: {got:#?}");
    }
}

#[tokio::test]
async fn with_the_smtp_server_down_the_invoice_is_sent_once_when_it_is_back_even_across_a_restart() {
    let mut sink = SmtpSink::stopped();
    let p = spawn_platform_with(|c| c.mail = config(&sink)).await;
    let number = issued_order(&p).await;
    request_invoice(&p, &number).await;

    // Tried and failed, and kept.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !outbox_of(&p, &number)
        .await
        .iter()
        .any(|(kind, sent, attempts)| kind == "invoice" && !sent && *attempts >= 2)
    {
        assert!(std::time::Instant::now() < deadline, "no retry: {:?}", outbox_of(&p, &number).await);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }

    // The platform restarts while the server is still down.
    let TestPlatform { handle, dir, database_url, .. } = p;
    handle.shutdown().await.unwrap();
    let mut restarted = certdesk_platform::PlatformConfig::embedded(dir.path());
    restarted.database_url = database_url.clone();
    restarted.mail = config(&sink);
    let handle = certdesk_platform::Platform::start(restarted).await.unwrap();
    let http = crate::authed(&handle).await;
    let p = TestPlatform { handle, http, dir, database_url };

    sink.resume();
    let got = wait_for(&sink, 3).await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let got_later = sink.received();
    assert_eq!(got_later.len(), got.len(), "nothing sent twice: {got_later:#?}");
    assert_eq!(with_subject(&got_later, "电子发票").len(), 1, "{got_later:#?}");
    assert_eq!(with_subject(&got_later, "审核通过").len(), 1);
    assert!(outbox_of(&p, &number).await.iter().all(|(_, sent, _)| *sent));
}

#[tokio::test]
async fn resending_the_invoice_goes_to_the_corrected_address_which_it_keeps() {
    let sink = SmtpSink::start();
    let p = spawn_platform_with(|c| c.mail = config(&sink)).await;
    let number = issued_order(&p).await;
    request_invoice(&p, &number).await;
    wait_for(&sink, 3).await;
    let resend = format!("/v1/orders/{number}/invoice/resend");

    let (status, refused) = p.post_json(&p.http, &resend, &json!({"email": "finance@"})).await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["invoiceFields"][0]["field"], "email");

    let (status, record) = p.post_json(&p.http, &resend, &json!({"email": "accounts@example.org"})).await;
    assert_eq!(status, 202, "{record}");
    assert_eq!(record["emailMasked"], "a***@example.org");
    let got = wait_for(&sink, 4).await;
    let copy = with_subject(&got, "电子发票")[1];
    assert_eq!(copy.rcpt_to, "accounts@example.org");
    assert_eq!(copy.attachments.len(), 2);

    // Again, to the address it has now.
    let (status, _) = p.post_json(&p.http, &resend, &json!({"email": null})).await;
    assert_eq!(status, 202);
    let got = wait_for(&sink, 5).await;
    assert_eq!(with_subject(&got, "电子发票")[2].rcpt_to, "accounts@example.org");

    let stranger = crate::register(&p.handle.url(), "另一家供应商", "91350100M000100Y43", "stranger").await;
    let (status, _) = p.post_json(&stranger, &resend, &json!({"email": null})).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn an_organisation_that_turned_notices_off_gets_only_its_invoices() {
    let sink = SmtpSink::start();
    let p = spawn_platform_with(|c| c.mail = config(&sink)).await;
    let settings = p.url("/v1/account/settings");
    let current: Value = p.http.get(&settings).send().await.unwrap().json().await.unwrap();
    assert_eq!(current, json!({"statusNotices": true}));
    let res = p.http.put(&settings).json(&json!({"statusNotices": false})).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let current: Value = p.http.get(&settings).send().await.unwrap().json().await.unwrap();
    assert_eq!(current, json!({"statusNotices": false}));
    assert_eq!(reqwest::Client::new().get(&settings).send().await.unwrap().status(), 401);

    let number = issued_order(&p).await;
    request_invoice(&p, &number).await;
    let got = wait_for(&sink, 1).await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let got_later = sink.received();
    assert_eq!(got_later.len(), 1, "{got_later:#?}");
    assert!(got[0].subject.contains("电子发票"), "{}", got[0].subject);
    assert_eq!(outbox_of(&p, &number).await, [("invoice".into(), true, 1)]);
}

#[tokio::test]
async fn without_an_smtp_server_each_message_is_an_eml_file_a_mail_program_opens() {
    let p = crate::spawn_platform().await;
    let number = issued_order(&p).await;
    request_invoice(&p, &number).await;
    let messages = eml_messages(&p, 3).await;
    assert!(messages[0].subject.contains("审核通过"), "{:?}", messages[0].subject);
    assert!(messages[1].subject.contains("已发证"));
    assert!(messages[2].subject.contains("电子发票"));
    assert_eq!(messages[2].to, INVOICE_EMAIL);
    assert!(pdf_text(&messages[2].attachments[0].2).contains("陆佰元整"));
}

/// The `.eml` files the platform wrote (it has no SMTP server), parsed, once there are `n` of them
/// (at most 30 s): oldest first.
pub(crate) async fn eml_messages(p: &TestPlatform, n: usize) -> Vec<Received> {
    let folder = p.data_dir().join("mail");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let files = loop {
        let mut files: Vec<_> = std::fs::read_dir(&folder)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|f| f.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort();
        if files.len() >= n || std::time::Instant::now() > deadline {
            break files;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(files.len(), n, "{files:?}");
    files.iter().map(|f| crate::smtp_sink::parse(&std::fs::read(f).unwrap())).collect()
}
