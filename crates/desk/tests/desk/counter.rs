//! 窗口 on the desk: a walk-in's organisation registered at the counter, the ID card read by the
//! fixture reader into the form and the check, 窗口收款, the 受理回执 saved as a paper the viewer may
//! open, and 现场发证 — through the desk alone, on the embedded platform's demo staff.

use super::form;
use certdesk_api::{ApplicantRegistration, AuditAction, AuditQuery, ErrorCode, PaymentMethod, SubmitOrder};
use certdesk_core::{DeliveryMethod, OrderStatus};
use certdesk_desk::{Desk, DeskConfig, ReaderConfig, SourceConfig};

const CREDIT_CODE: &str = "91330106MA2CFD8K4X";

#[tokio::test]
async fn a_walk_in_is_registered_read_from_the_card_paid_at_the_counter_and_issued_on_site() {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::start(&DeskConfig::new(dir.path().into(), None, SourceConfig::Demo)).await.unwrap();
    let password = desk.demo_staff().password.unwrap();

    // Nothing at the counter before a staff member signs in.
    assert_eq!(desk.find_organisation(CREDIT_CODE).await.unwrap_err().code, ErrorCode::Unauthorized);
    desk.staff_log_in("demo-counter", &password).await.unwrap();

    // 现场受理: a bad code is refused before asking; the walk-in has no account yet.
    assert_eq!(desk.find_organisation("123").await.unwrap_err().code, ErrorCode::Validation);
    assert_eq!(desk.find_organisation(CREDIT_CODE).await.unwrap(), None);
    let account = desk
        .register_organisation(ApplicantRegistration {
            organisation_name: " 杭州窗口办理科技有限公司 ".into(),
            credit_code: CREDIT_CODE.to_lowercase(),
            username: "walkin".into(),
            password: "a-long-password".into(),
        })
        .await
        .unwrap();
    assert_eq!(account.organisation_name, "杭州窗口办理科技有限公司");
    assert_eq!(desk.find_organisation(CREDIT_CODE).await.unwrap(), Some(account.clone()));

    // 读取身份证 (the demo reader's card) fills the applicant.
    let card = desk.read_id_card().await.unwrap();
    assert_eq!((card.name.as_str(), card.id_number.as_str()), ("王窗口", "11010519491231002X"));
    assert_eq!(card.id_number_masked, "110***********002X");
    assert_eq!(card.reader, "演示身份证阅读器");
    let walk_in = SubmitOrder {
        organisation_name: account.organisation_name.clone(),
        credit_code: account.credit_code.clone(),
        applicant_name: card.name.clone(),
        id_number: card.id_number.clone(),
        delivery: DeliveryMethod::Counter,
        ..form()
    };
    let row = desk.submit_at_counter(walk_in).await.unwrap();
    let number = row.order.order_no.to_string();
    assert_eq!(row.status_zh, "待认证");
    assert!(desk.orders().unwrap().iter().all(|r| r.order.order_no != row.order.order_no), "not the demo org's");

    // 身份证原件核验 from the card; a mismatch is refused in words.
    let other = desk.check_id_card(&number, "王窗囗", &card.id_number).await.unwrap_err();
    assert_eq!(other.message, "身份证姓名与申领表中的申领人姓名不一致，请核对");
    let checked = desk.check_id_card(&number, &card.name, &card.id_number).await.unwrap();
    assert_eq!(checked.status_zh, "待支付 (现场核验)");

    // 窗口收款 needs the receipt number.
    let blank = desk.take_counter_payment(&number, PaymentMethod::CounterCard, " ").await.unwrap_err();
    assert_eq!(blank.code, ErrorCode::Validation, "{}", blank.message);
    let paid = desk.take_counter_payment(&number, PaymentMethod::CounterCard, "POS-0001").await.unwrap();
    assert_eq!(paid.status_zh, "待审核 (现场核验)");

    // The 受理回执 is saved as a paper the viewer may open; nothing else is.
    let folder = dir.path().join("Downloads");
    let receipt = desk.save_counter_receipt(&number, &folder).await.unwrap();
    assert_eq!(receipt, folder.join(format!("CA证书受理回执-{number}.pdf")));
    assert!(std::fs::read(&receipt).unwrap().starts_with(b"%PDF-"));
    assert!(desk.is_saved_paper(&receipt));
    assert!(!desk.is_saved_paper(&dir.path().join("certdesk.db")));

    // 现场发证: approved, the certificate written onto the applicant's UKey, handed over.
    let early = desk.issue_at_counter(&number).await.unwrap_err();
    assert_eq!(early.message, "证书尚未全部签发：申领数量1，已签发0张，请先为机构写入证书");
    let serial = certdesk_desk::DEMO_SOFT_UKEY_SERIAL;
    desk.write_certificate_to_ukey(&number, serial, certdesk_desk::DEMO_UKEY_PIN, |_| {}).await.unwrap();
    let issued = desk.issue_at_counter(&number).await.unwrap();
    assert!(matches!(issued.order.status, OrderStatus::Issued { .. }), "{:?}", issued.order.status);
    let again = desk.issue_at_counter(&number).await.unwrap_err();
    assert_eq!(again.code, ErrorCode::Conflict);

    // 操作日志: the administrator sees each of the clerk's steps on the order, newest first.
    assert_eq!(desk.staff_audit(&AuditQuery::default()).await.unwrap_err().code, ErrorCode::Forbidden);
    desk.staff_log_in("demo-admin", &password).await.unwrap();
    let query = AuditQuery { order_no: Some(number.clone()), ..Default::default() };
    let entries = desk.staff_audit(&query).await.unwrap();
    assert_eq!(entries.iter().filter(|s| s.entry.action == AuditAction::CertificateIssued).count(), 1, "{entries:?}");
    let steps: Vec<_> = entries.into_iter().filter(|s| s.entry.action != AuditAction::CertificateIssued).collect();
    assert!(steps.len() >= 4, "{steps:?}");
    assert!(
        steps
            .iter()
            .all(|s| s.entry.action == AuditAction::OrderStep && s.entry.staff_name.as_deref() == Some("演示窗口员")),
        "{steps:?}"
    );
    assert!(steps[0].entry.detail.as_deref().unwrap().contains("已发证"), "{steps:?}");
    assert_eq!(steps.last().unwrap().entry.detail.as_deref(), Some("待认证"));
    assert_eq!(steps[0].at_text.len(), "2026-12-01 09:30:00".len());
}

#[tokio::test]
async fn a_reviewer_has_no_counter_and_a_computer_without_a_reader_says_to_install_the_driver() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = DeskConfig::new(dir.path().into(), None, SourceConfig::Demo);
    config.id_reader = ReaderConfig::Sdt(Some(dir.path().join("sdtapi.dll")));
    let desk = Desk::start(&config).await.unwrap();
    let refused = desk.read_id_card().await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::Unavailable);
    assert_eq!(refused.message, "未找到身份证阅读器驱动（sdtapi.dll），请安装阅读器厂商提供的驱动程序后重试");

    desk.staff_log_in("demo-reviewer", &desk.demo_staff().password.unwrap()).await.unwrap();
    let refused = desk.find_organisation(CREDIT_CODE).await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::Forbidden, "{}", refused.message);
    let refused = desk.submit_at_counter(SubmitOrder { credit_code: CREDIT_CODE.into(), ..form() }).await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::Forbidden, "{}", refused.message);
}
