//! The staff's workbench on the desk: demo staff on the embedded platform, the staff session kept
//! sealed beside the organisation's, and 审核 → 制证 → 邮寄 through the desk alone.

use super::{form, registration, standalone_platform};
use certdesk_api::{ErrorCode, ReviewQueueQuery, StaffRole, SubmitOrder};
use certdesk_core::{DeliveryMethod, OrderStatus};
use certdesk_desk::{Desk, DeskConfig, SourceConfig};

fn page(page: u32) -> ReviewQueueQuery {
    ReviewQueueQuery { page: Some(page), page_size: Some(10), ..Default::default() }
}

fn mailed() -> SubmitOrder {
    SubmitOrder {
        provider_id: "demo-free".into(),
        delivery: DeliveryMethod::Mail,
        recipient: "陈晨".into(),
        recipient_mobile: "13800138000".into(),
        address: "浙江省杭州市西湖区文三路1号".into(),
        ..form()
    }
}

#[tokio::test]
async fn the_embedded_platforms_demo_staff_review_produce_and_mail_an_order_through_the_desk() {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::start(&DeskConfig::new(dir.path().into(), None, SourceConfig::Demo)).await.unwrap();
    let demo = desk.demo_staff();
    let password = demo.password.clone().expect("the embedded platform shows its demo password");
    let names: Vec<&str> = demo.accounts.iter().map(|a| a.username.as_str()).collect();
    assert_eq!(names, ["demo-reviewer", "demo-producer", "demo-counter", "demo-admin", "demo-desk"]);
    assert_eq!(demo.accounts[4].roles.len(), 4, "综合窗口 has every role");

    // The organisation (signed in as the demo organisation) applies and mails its documents.
    let row = desk.submit(mailed(), None).await.unwrap();
    let number = row.order.order_no.to_string();
    desk.choose_paper_documents(&number).await.unwrap();

    // Nobody on the staff side yet.
    assert_eq!(desk.staff_account(), None);
    let refused = desk.review_queue(&page(1)).await.unwrap_err();
    assert_eq!((refused.code, refused.message.as_str()), (ErrorCode::Unauthorized, "请先以员工账号登录"));
    let wrong = desk.staff_log_in("demo-reviewer", "not-the-password").await.unwrap_err();
    assert_eq!(wrong.code, ErrorCode::Unauthorized);

    let reviewer = desk.staff_log_in("demo-reviewer", &password).await.unwrap();
    assert_eq!((reviewer.display_name.as_str(), reviewer.roles.as_slice()), ("演示审核员", &[StaffRole::Reviewer][..]));
    let queue = desk.review_queue(&page(1)).await.unwrap();
    let item = queue.iter().find(|q| q.row.order.order_no.as_str() == number).expect("the order waits for review");
    assert_eq!(item.row.status_zh, "待审核 (待收材料)");
    assert_eq!((item.working_days_waited, item.overdue), (0, false));
    assert_eq!(item.waiting_since_text.len(), "2026-12-01 09:30:00".len());
    // Filtered by verification: a face-verified filter leaves it out.
    let faced = ReviewQueueQuery { verification: Some("verified".into()), ..page(1) };
    assert!(!desk.review_queue(&faced).await.unwrap().iter().any(|q| q.row.order.order_no.as_str() == number));

    // The order in full: the application with the ID number masked, no payments for a free one.
    let full = desk.staff_order(&number).await.unwrap();
    assert_eq!(full.application.id_number, "330***********0018");
    assert_eq!(full.application.address, "浙江省杭州市西湖区文三路1号");
    assert!(full.payments.is_empty());
    assert!(full.face_attempts.is_empty(), "the paper path has no face attempts");
    assert_eq!(full.history.first().unwrap().status_zh, "待认证");

    // A paper-documents order is reviewed only after the documents arrive.
    let early = desk.approve(&number).await.unwrap_err();
    assert_eq!(early.code, ErrorCode::Conflict, "{}", early.message);
    assert_eq!(desk.mark_materials_received(&number).await.unwrap().status_zh, "待审核 (材料已收)");
    assert_eq!(desk.approve(&number).await.unwrap().status_zh, "审核通过, 待制证 (材料已收)");

    // A reviewer has no production queue; the platform says so.
    let not_mine = desk.production_queue(&page(1)).await.unwrap_err();
    assert_eq!((not_mine.code, not_mine.message.as_str()), (ErrorCode::Forbidden, "您的角色无权查看制证队列"));

    // The producer takes over on the same computer: one staff session at a time.
    desk.staff_log_in("demo-producer", &password).await.unwrap();
    assert_eq!(desk.staff_account().unwrap().username, "demo-producer");
    let queue = desk.production_queue(&page(1)).await.unwrap();
    assert!(queue.iter().any(|q| q.row.order.order_no.as_str() == number));
    assert_eq!(desk.review_queue(&page(1)).await.unwrap_err().code, ErrorCode::Forbidden);
    let blank = desk.ship(&number, "顺丰速运", "  ").await.unwrap_err();
    assert_eq!(blank.code, ErrorCode::Validation, "{}", blank.message);
    // 邮寄 waits for the certificate: written onto the demo's software UKey first.
    let early = desk.ship(&number, "顺丰速运", "SF1234567890").await.unwrap_err();
    assert_eq!(early.code, ErrorCode::Conflict, "{}", early.message);
    let serial = certdesk_desk::DEMO_SOFT_UKEY_SERIAL;
    desk.write_certificate_to_ukey(&number, serial, certdesk_desk::DEMO_UKEY_PIN, |_| {}).await.unwrap();
    let shipped = desk.ship(&number, "顺丰速运", "SF1234567890").await.unwrap();
    assert_eq!(shipped.status_zh, "审核通过, 已发证 (材料已收)");
    assert!(!desk.production_queue(&page(1)).await.unwrap().iter().any(|q| q.row.order.order_no.as_str() == number));

    // The organisation's own list says 已发证 after it syncs.
    desk.sync().await.unwrap();
    let mine = desk.orders().unwrap();
    let order = mine.iter().find(|r| r.order.order_no.as_str() == number).unwrap();
    assert!(matches!(order.order.status, OrderStatus::Issued { .. }), "{:?}", order.order.status);
}

#[tokio::test]
async fn the_staff_session_is_kept_sealed_across_restarts_beside_the_organisations_and_ends_on_log_out() {
    let dir = tempfile::tempdir().unwrap();
    let platform = standalone_platform(dir.path()).await;
    let config = DeskConfig::new(dir.path().join("app"), Some(platform.url()), SourceConfig::Demo);
    let desk = Desk::start(&config).await.unwrap();
    // A real platform shows no demo password, even when it has demo staff.
    assert_eq!(desk.demo_staff().password, None);
    desk.register(registration()).await.unwrap();
    let staff = desk.staff_log_in("demo-desk", certdesk_platform::DEMO_STAFF_PASSWORD).await.unwrap();
    desk.shutdown().await.unwrap();

    let desk = Desk::start(&config).await.unwrap();
    assert_eq!(desk.staff_account(), Some(staff));
    assert!(desk.account().is_some(), "the organisation stays signed in too");
    desk.review_queue(&page(1)).await.unwrap();
    // The token is kept sealed: what the table holds is not the 64 hex digits the platform issued.
    let local = rusqlite::Connection::open(dir.path().join("app/certdesk.db")).unwrap();
    let sealed: Vec<u8> = local.query_row("SELECT token_sealed FROM staff_session", [], |r| r.get(0)).unwrap();
    assert!(sealed.len() > 64 && !sealed.iter().all(u8::is_ascii_hexdigit), "{sealed:?}");

    desk.staff_log_out().await.unwrap();
    assert_eq!(desk.staff_account(), None);
    assert!(desk.account().is_some(), "退出员工登录 leaves the organisation signed in");
    desk.shutdown().await.unwrap();
    let desk = Desk::start(&config).await.unwrap();
    assert_eq!(desk.staff_account(), None);
    assert_eq!(desk.review_queue(&page(1)).await.unwrap_err().code, ErrorCode::Unauthorized);
}
