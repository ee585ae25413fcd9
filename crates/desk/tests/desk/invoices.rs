//! 发票申请 through the desk on the embedded platform: the dialog prefilled from the application,
//! its fields checked, the invoice saved as a PDF; the platform's email in the 演示邮箱, with the
//! invoice attached; 重新发送 to a corrected address; 账户设置 turning status notices off.

use super::form;
use certdesk_api::{AccountSettings, ErrorCode, InvoiceApplication, PaymentMethod};
use certdesk_desk::{Desk, DeskConfig, SourceConfig};

/// The demo organisation's paid order (浙江汇信CA, ¥300.00), 现场发证 through the demo counter.
async fn issued_on_site(desk: &Desk) -> String {
    let number = desk.submit(form(), None).await.unwrap().order.order_no.to_string();
    desk.choose_paper_documents(&number).await.unwrap();
    let password = desk.demo_staff().password.unwrap();
    desk.staff_log_in("demo-desk", &password).await.unwrap();
    desk.take_counter_payment(&number, PaymentMethod::CounterCash, "R-0001").await.unwrap();
    desk.mark_materials_received(&number).await.unwrap();
    desk.approve(&number).await.unwrap();
    desk.write_certificate_to_ukey(&number, certdesk_desk::DEMO_SOFT_UKEY_SERIAL, certdesk_desk::DEMO_UKEY_PIN, |_| {})
        .await
        .unwrap();
    assert_eq!(desk.issue_at_counter(&number).await.unwrap().status_zh, "审核通过, 已发证 (材料已收)");
    number
}

/// The 演示邮箱 once it holds `n` messages (the platform's worker writes them shortly after).
async fn mailbox(desk: &Desk, n: usize) -> Vec<certdesk_desk::DemoMessage> {
    for _ in 0..300 {
        let messages = desk.demo_mailbox().unwrap();
        if messages.len() >= n {
            return messages;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the 演示邮箱 holds {:?}", desk.demo_mailbox().unwrap());
}

#[tokio::test]
async fn an_invoice_is_requested_saved_mailed_and_resent_to_a_corrected_address() {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::start(&DeskConfig::new(dir.path().join("app"), None, SourceConfig::Demo)).await.unwrap();
    let number = issued_on_site(&desk).await;
    let notices = mailbox(&desk, 2).await;
    assert!(notices[0].subject.contains("已发证（现场领取）"), "{notices:?}");
    assert!(notices[1].subject.contains("审核通过"), "{notices:?}");

    let prefill = desk.invoice_prefill(&number).await.unwrap();
    assert_eq!(
        prefill,
        InvoiceApplication {
            title: "晨安入驻供应商".into(),
            taxpayer_id: "91330106MA27XY812F".into(),
            email: "invoice@example.com".into()
        }
    );
    let refused = desk
        .request_invoice(&number, Some(InvoiceApplication { email: "finance@".into(), ..prefill.clone() }))
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::Validation);
    assert_eq!(refused.invoice_fields[0].field, certdesk_core::InvoiceField::Email, "{refused:?}");
    let chosen = InvoiceApplication { email: "finance@example.com".into(), ..prefill };
    let row = desk.request_invoice(&number, Some(chosen)).await.unwrap();
    assert!(row.status_zh.contains("已发证"), "{}", row.status_zh);
    let invoice = desk.order_invoice(&number).await.unwrap();
    let invoice_no = invoice.invoice_no.clone().expect("issued at once");
    assert_eq!((invoice.total, invoice.email_masked.as_str()), (30000, "f***@example.com"));

    let folder = dir.path().join("saved");
    let pdf = desk.save_invoice(&number, &folder).await.unwrap();
    assert_eq!(pdf, folder.join(format!("电子发票-{invoice_no}.pdf")));
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    assert!(desk.is_saved_paper(&pdf), "the viewer may open it");

    // The invoice's email, newest first in the 演示邮箱, with the PDF to open.
    let messages = mailbox(&desk, 3).await;
    let mail = &messages[0];
    assert!(mail.subject.contains(&invoice_no), "{mail:?}");
    assert_eq!(mail.to, "finance@example.com");
    assert!(mail.text.contains("¥300.00") && mail.text.contains("叁佰元整"), "{}", mail.text);
    let pdf_name = format!("invoice-{invoice_no}.pdf");
    assert_eq!(mail.attachments, [pdf_name.clone(), format!("invoice-{invoice_no}.xml")]);
    let opened = desk.save_mail_attachment(&mail.file, &pdf_name, &folder).unwrap();
    assert_eq!(std::fs::read(&opened).unwrap(), std::fs::read(&pdf).unwrap(), "the same invoice");
    assert!(desk.is_saved_paper(&opened));
    // Only the folder's own messages.
    let outside = desk.save_mail_attachment("../platform.db", &pdf_name, &folder).unwrap_err();
    assert_eq!(outside.code, ErrorCode::BadRequest);
    assert_eq!(desk.save_mail_attachment(&mail.file, "nope.pdf", &folder).unwrap_err().code, ErrorCode::NotFound);

    // 重新发送 to a corrected address.
    let resent = desk.resend_invoice(&number, Some(" accounts@example.org ".into())).await.unwrap();
    assert_eq!(resent.email_masked, "a***@example.org");
    assert_eq!(mailbox(&desk, 4).await[0].to, "accounts@example.org");
}

#[tokio::test]
async fn with_status_notices_off_only_the_invoice_arrives() {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::start(&DeskConfig::new(dir.path().join("app"), None, SourceConfig::Demo)).await.unwrap();
    assert_eq!(desk.account_settings().await.unwrap(), AccountSettings { status_notices: true });
    let off = desk.change_account_settings(AccountSettings { status_notices: false }).await.unwrap();
    assert_eq!(off, AccountSettings { status_notices: false });
    assert_eq!(desk.account_settings().await.unwrap(), off, "kept by the platform");
    let number = issued_on_site(&desk).await;
    desk.request_invoice(&number, None).await.unwrap();
    let messages = mailbox(&desk, 1).await;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let messages_later = desk.demo_mailbox().unwrap();
    assert_eq!(messages_later.len(), 1, "{messages_later:?}");
    assert!(messages[0].subject.contains("电子发票"));
    assert_eq!(messages[0].to, "invoice@example.com", "the application's address by default");
}
