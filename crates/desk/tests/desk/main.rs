//! The desk's use cases against the real embedded platform and a real local database.

use certdesk_api::{ErrorCode, SubmitOrder};
use certdesk_core::{DeliveryMethod, OrderStatus};
use certdesk_desk::{Desk, DeskConfig};

fn form() -> SubmitOrder {
    SubmitOrder {
        provider_id: "zjhx".into(),
        quantity: 1,
        organisation_name: "晨安入驻供应商".into(),
        credit_code: "91330106MA27XY812F".into(),
        applicant_name: "陈晨".into(),
        id_number: "330102198001010018".into(),
        mobile: "13800138000".into(),
        email: "invoice@example.com".into(),
        delivery: DeliveryMethod::Counter,
        recipient: String::new(),
        recipient_mobile: String::new(),
        address: String::new(),
    }
}

#[tokio::test]
async fn with_no_platform_configured_the_desk_starts_the_embedded_one() {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::start(&DeskConfig { data_dir: dir.path().into(), platform_url: None }).await.unwrap();
    let info = desk.info();
    assert!(info.embedded);
    assert!(info.platform_url.starts_with("http://127.0.0.1:"));
    assert!(desk.providers().await.unwrap().iter().any(|p| p.name == "浙江汇信CA"));
}

#[tokio::test]
async fn a_submitted_order_is_listed_and_still_listed_when_the_platform_is_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    let config = DeskConfig { data_dir: dir.path().into(), platform_url: None };
    let desk = Desk::start(&config).await.unwrap();
    let row = desk.submit(form()).await.unwrap();
    assert_eq!(row.order.status, OrderStatus::PendingVerification);
    assert_eq!(row.status_zh, "待认证");
    assert_eq!(row.submitted_at_text.len(), "2020-06-02 21:14:41".len());
    assert_eq!(desk.orders().unwrap(), vec![row.clone()]);
    desk.shutdown().await.unwrap();

    // Port 9 (discard) is closed on loopback: the platform cannot be reached.
    let offline = DeskConfig { platform_url: Some("http://127.0.0.1:9".into()), ..config };
    let desk = Desk::start(&offline).await.unwrap();
    assert_eq!(desk.orders().unwrap(), vec![row]);
    let error = desk.providers().await.unwrap_err();
    assert_eq!(error.code, ErrorCode::Unavailable);
    assert_eq!(error.message, "无法连接平台，请检查网络后重试");
}

#[tokio::test]
async fn a_refused_application_is_not_recorded_locally() {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::start(&DeskConfig { data_dir: dir.path().into(), platform_url: None }).await.unwrap();
    let error = desk.submit(SubmitOrder { id_number: "330102198001010019".into(), ..form() }).await.unwrap_err();
    assert_eq!(error.code, ErrorCode::Validation);
    assert_eq!(error.fields[0].message, "身份证号校验位错误，请核对后重新输入");
    assert!(desk.orders().unwrap().is_empty());
}

#[tokio::test]
async fn a_form_is_checked_by_the_core_rules_without_the_platform() {
    let dir = tempfile::tempdir().unwrap();
    let offline = DeskConfig { data_dir: dir.path().into(), platform_url: Some("http://127.0.0.1:9".into()) };
    let desk = Desk::start(&offline).await.unwrap();
    assert!(desk.check_application(&form()).is_empty());
    let refused = desk.check_application(&SubmitOrder { mobile: "12345".into(), quantity: 0, ..form() });
    let messages: Vec<&str> = refused.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(messages, ["申领数量至少为1", "手机号码应为11位数字，以13至19开头"]);
}

#[tokio::test]
async fn the_detail_comes_from_the_platform_with_a_readable_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::start(&DeskConfig { data_dir: dir.path().into(), platform_url: None }).await.unwrap();
    let row = desk.submit(form()).await.unwrap();
    let detail = desk.order_detail(row.order.order_no.as_str()).await.unwrap();
    assert_eq!(detail.row, row);
    assert_eq!(detail.history.len(), 1);
    assert_eq!((detail.history[0].actor_zh.as_str(), detail.history[0].status_zh.as_str()), ("申领人", "待认证"));
    assert_eq!(detail.history[0].at_text, row.submitted_at_text);
    assert_eq!(detail.eta, None);
    let error = desk.order_detail("12345").await.unwrap_err();
    assert_eq!(error.message, "订单编号应为15位数字");
}

#[tokio::test]
async fn paper_documents_and_cancel_go_through_the_platform_and_are_kept_locally() {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::start(&DeskConfig { data_dir: dir.path().into(), platform_url: None }).await.unwrap();
    let free = desk.submit(SubmitOrder { provider_id: "demo-free".into(), ..form() }).await.unwrap();
    let chosen = desk.choose_paper_documents(free.order.order_no.as_str()).await.unwrap();
    assert_eq!(chosen.status_zh, "待审核 (待收材料)");
    let cancelled = desk.cancel(free.order.order_no.as_str()).await.unwrap();
    assert_eq!(cancelled.status_zh, "已撤销");
    assert_eq!(desk.orders().unwrap()[0].status_zh, "已撤销");
    let again = desk.cancel(free.order.order_no.as_str()).await.unwrap_err();
    assert_eq!((again.code, again.message.as_str()), (ErrorCode::Conflict, "订单当前状态为“已撤销”，不能撤销"));
    assert_eq!(
        desk.settings().await.unwrap().paper_documents_address,
        "杭州市西湖区转塘街道鲤鱼山街鹏辉科技园1号楼政采云有限公司"
    );
}

#[tokio::test]
async fn sync_brings_back_orders_the_local_record_lost() {
    let dir = tempfile::tempdir().unwrap();
    let config = DeskConfig { data_dir: dir.path().into(), platform_url: None };
    let desk = Desk::start(&config).await.unwrap();
    let mut submitted = Vec::new();
    for _ in 0..3 {
        submitted.push(desk.submit(form()).await.unwrap());
    }
    desk.shutdown().await.unwrap();
    std::fs::remove_file(dir.path().join("certdesk.db")).unwrap();
    let _ = std::fs::remove_file(dir.path().join("certdesk.db-wal"));
    let _ = std::fs::remove_file(dir.path().join("certdesk.db-shm"));

    let desk = Desk::start(&config).await.unwrap();
    assert!(desk.orders().unwrap().is_empty());
    let synced = desk.sync().await.unwrap();
    submitted.reverse();
    assert_eq!(synced, submitted);
}
