//! The desk's use cases against the real embedded platform and a real local database.

use certdesk_api::{ErrorCode, SubmitOrder};
use certdesk_core::{DeliveryMethod, OrderStatus};
use certdesk_desk::{Desk, DeskConfig, SourceConfig};

mod counter;
mod invoices;
mod local_key;
mod ukey;
mod workbench;

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
    let desk = Desk::start(&DeskConfig::new(dir.path().into(), None, SourceConfig::Demo)).await.unwrap();
    let info = desk.info();
    assert!(info.embedded);
    assert!(info.platform_url.starts_with("http://127.0.0.1:"));
    assert!(desk.providers().await.unwrap().iter().any(|p| p.name == "浙江汇信CA"));
}

#[tokio::test]
async fn a_submitted_order_is_listed_and_still_listed_and_viewed_when_the_platform_is_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    let platform = standalone_platform(dir.path()).await;
    let config = DeskConfig::new(dir.path().join("app"), Some(platform.url()), SourceConfig::Demo);
    let desk = Desk::start(&config).await.unwrap();
    desk.register(registration()).await.unwrap();
    let row = desk.submit(my_form(), None).await.unwrap();
    assert_eq!(row.order.status, OrderStatus::PendingVerification);
    assert_eq!(row.status_zh, "待认证");
    assert_eq!(row.submitted_at_text.len(), "2020-06-02 21:14:41".len());
    assert_eq!(desk.orders().unwrap(), vec![row.clone()]);
    let number = row.order.order_no.to_string();
    let online = desk.order_detail(&number).await.unwrap();
    assert!(!online.offline);
    desk.shutdown().await.unwrap();
    platform.shutdown().await.unwrap();

    // The platform is gone: the app starts signed in, lists the order and opens 查看 from what it kept.
    let desk = Desk::start(&config).await.unwrap();
    assert_eq!(desk.orders().unwrap(), vec![row]);
    let kept = desk.order_detail(&number).await.unwrap();
    assert!(kept.offline);
    assert_eq!(kept.history, online.history);
    let error = desk.providers().await.unwrap_err();
    assert_eq!(error.code, ErrorCode::Unavailable);
    assert_eq!(error.message, "无法连接平台，请检查网络后重试");
    // An order never viewed here has nothing kept: the error says the platform is unreachable.
    assert_eq!(desk.order_detail("159110370124321").await.unwrap_err().code, ErrorCode::Unavailable);
}

#[tokio::test]
async fn a_refused_application_is_not_recorded_locally() {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::start(&DeskConfig::new(dir.path().into(), None, SourceConfig::Demo)).await.unwrap();
    let error = desk.submit(SubmitOrder { id_number: "330102198001010019".into(), ..form() }, None).await.unwrap_err();
    assert_eq!(error.code, ErrorCode::Validation);
    assert_eq!(error.fields[0].message, "身份证号校验位错误，请核对后重新输入");
    assert!(desk.orders().unwrap().is_empty());
}

#[tokio::test]
async fn a_form_is_checked_by_the_core_rules_without_the_platform() {
    let dir = tempfile::tempdir().unwrap();
    let offline = DeskConfig::new(dir.path().into(), Some("http://127.0.0.1:9".into()), SourceConfig::Demo);
    let desk = Desk::start(&offline).await.unwrap();
    assert!(desk.check_application(&form(), None).is_empty());
    let refused = desk.check_application(&SubmitOrder { mobile: "12345".into(), quantity: 0, ..form() }, None);
    let messages: Vec<&str> = refused.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(messages, ["申领数量至少为1", "手机号码应为11位数字，以13至19开头"]);
    // 编辑 shows the kept number masked; typed back unchanged it is not refused, anything else is.
    let masked = SubmitOrder { id_number: "330***********0018".into(), ..form() };
    assert!(desk.check_application(&masked, Some("330***********0018")).is_empty());
    assert_eq!(desk.check_application(&masked, None).len(), 1);
    let other = SubmitOrder { id_number: "330***********0019".into(), ..form() };
    assert_eq!(desk.check_application(&other, Some("330***********0018")).len(), 1);
}

#[tokio::test]
async fn the_detail_comes_from_the_platform_with_a_readable_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::start(&DeskConfig::new(dir.path().into(), None, SourceConfig::Demo)).await.unwrap();
    let row = desk.submit(form(), None).await.unwrap();
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
    let desk = Desk::start(&DeskConfig::new(dir.path().into(), None, SourceConfig::Demo)).await.unwrap();
    let free = desk.submit(SubmitOrder { provider_id: "demo-free".into(), ..form() }, None).await.unwrap();
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
    let config = DeskConfig::new(dir.path().into(), None, SourceConfig::Demo);
    let desk = Desk::start(&config).await.unwrap();
    let mut submitted = Vec::new();
    for _ in 0..3 {
        submitted.push(desk.submit(form(), None).await.unwrap());
    }
    desk.shutdown().await.unwrap();
    std::fs::remove_file(dir.path().join("certdesk.db")).unwrap();
    let _ = std::fs::remove_file(dir.path().join("certdesk.db-wal"));
    let _ = std::fs::remove_file(dir.path().join("certdesk.db-shm"));

    let desk = Desk::start(&config).await.unwrap();
    assert!(desk.orders().unwrap().is_empty());
    assert_eq!(desk.sync().await.unwrap() as usize, submitted.len());
    submitted.reverse();
    assert_eq!(desk.orders().unwrap(), submitted);
    // The list's pages come from the local store, the newest first, with the total of all pages.
    let query = |page| certdesk_api::OrderQuery { page: Some(page), page_size: Some(2), ..Default::default() };
    let first = desk.order_page(&query(1)).unwrap();
    assert_eq!((first.items.as_slice(), first.total, first.page_size), (&submitted[..2], submitted.len() as u32, 2));
    // A bad search is refused in Chinese, typed as a bad request.
    let bad = desk.order_page(&certdesk_api::OrderQuery { order_no: Some("12ab".into()), ..Default::default() });
    let bad = bad.unwrap_err();
    assert_eq!((bad.code, bad.message.as_str()), (ErrorCode::BadRequest, "订单编号只能是不超过15位的数字"));
}

#[tokio::test]
async fn a_draft_is_kept_sealed_across_restarts_and_discarded_by_the_submit() {
    use certdesk_desk::DraftInput;
    let dir = tempfile::tempdir().unwrap();
    let config = DeskConfig::new(dir.path().into(), None, SourceConfig::Demo);
    let desk = Desk::start(&config).await.unwrap();
    let half = SubmitOrder { mobile: "138".into(), email: String::new(), ..form() };
    let saved = desk.save_draft(DraftInput { id: None, order_no: None, form: half.clone(), step: 0 }).unwrap();
    assert_eq!(saved.label, "晨安入驻供应商");
    // Every change replaces the same draft.
    let typed_on = SubmitOrder { mobile: "13800138000".into(), email: "invoice@example.com".into(), ..half.clone() };
    let again = desk
        .save_draft(DraftInput { id: Some(saved.id.clone()), order_no: None, form: typed_on.clone(), step: 1 })
        .unwrap();
    assert_eq!(again.id, saved.id);
    let other = desk
        .save_draft(DraftInput {
            id: None,
            order_no: None,
            form: SubmitOrder { organisation_name: String::new(), ..form() },
            step: 0,
        })
        .unwrap();
    assert_eq!(other.label, "未填写机构名称");
    desk.shutdown().await.unwrap();

    // Nothing on disk holds the ID number in clear.
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            assert!(!bytes.windows(18).any(|w| w == b"330102198001010018"), "{}", path.display());
        }
    }

    // After a restart both drafts are there, the latest change first, and open as typed.
    let desk = Desk::start(&config).await.unwrap();
    let drafts = desk.drafts().unwrap();
    assert_eq!(drafts.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(), [other.id.as_str(), saved.id.as_str()]);
    let opened = desk.draft(&saved.id).unwrap();
    assert_eq!((opened.form, opened.step), (typed_on.clone(), 1));
    // Submitting from the draft discards it; a refused submit keeps it.
    let refused = desk.submit(SubmitOrder { email: "x".into(), ..typed_on.clone() }, Some(saved.id.clone())).await;
    assert!(refused.is_err());
    assert_eq!(desk.drafts().unwrap().len(), 2);
    desk.submit(typed_on, Some(saved.id.clone())).await.unwrap();
    assert_eq!(desk.drafts().unwrap().iter().map(|d| d.id.clone()).collect::<Vec<_>>(), [other.id]);
    assert_eq!(desk.draft(&saved.id).unwrap_err().code, ErrorCode::NotFound);
}

/// A platform of its own (not the desk's embedded one), so the desk must sign in to it.
async fn standalone_platform(dir: &std::path::Path) -> certdesk_platform::PlatformHandle {
    certdesk_platform::Platform::start(certdesk_platform::PlatformConfig::embedded(dir.join("platform"))).await.unwrap()
}

/// The registered organisation's application.
fn my_form() -> SubmitOrder {
    SubmitOrder {
        provider_id: "demo-free".into(),
        organisation_name: "测试供应商".into(),
        credit_code: "91350100M000100Y43".into(),
        ..form()
    }
}

/// A reviewer of `platform`, acting over the staff API.
struct Reviewer {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Reviewer {
    async fn sign_in(platform: &certdesk_platform::PlatformHandle, platform_dir: &std::path::Path) -> Reviewer {
        let staff = certdesk_platform::staff::NewStaff {
            username: "reviewer".into(),
            display_name: "审核员".into(),
            password: "correct-horse-battery".into(),
            roles: vec![certdesk_api::StaffRole::Reviewer],
        };
        certdesk_platform::staff::add_staff(platform_dir, None, &staff).unwrap();
        let http = reqwest::Client::new();
        let session: serde_json::Value = http
            .post(format!("{}/v1/staff/sessions", platform.url()))
            .json(&serde_json::json!({"username": "reviewer", "password": "correct-horse-battery"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Reviewer { http, base: platform.url(), token: session["token"].as_str().unwrap().to_owned() }
    }

    async fn act(&self, order_no: &str, step: &str, body: serde_json::Value) {
        let res = self
            .http
            .post(format!("{}/v1/staff/orders/{order_no}/{step}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{step}");
    }
}

fn registration() -> certdesk_desk::Registration {
    certdesk_desk::Registration {
        organisation_name: "测试供应商".into(),
        credit_code: "91350100M000100Y43".into(),
        username: "supplier".into(),
        password: "a-long-password".into(),
    }
}

#[tokio::test]
async fn against_a_remote_platform_the_applicant_registers_and_stays_signed_in_until_logging_out() {
    let dir = tempfile::tempdir().unwrap();
    let platform = standalone_platform(dir.path()).await;
    let config = DeskConfig::new(dir.path().join("app"), Some(platform.url()), SourceConfig::Demo);
    let desk = Desk::start(&config).await.unwrap();
    assert_eq!(desk.account(), None);
    assert_eq!(desk.sync().await.unwrap_err().code, ErrorCode::Unauthorized);

    let account = desk.register(registration()).await.unwrap();
    assert_eq!((account.username.as_str(), account.organisation_name.as_str()), ("supplier", "测试供应商"));
    let row = desk
        .submit(
            SubmitOrder {
                organisation_name: "测试供应商".into(), credit_code: "91350100M000100Y43".into(), ..form()
            },
            None,
        )
        .await
        .unwrap();
    desk.shutdown().await.unwrap();

    // A restart keeps the session (sealed on disk), so the orders come from the platform again.
    let desk = Desk::start(&config).await.unwrap();
    assert_eq!(desk.account(), Some(account.clone()));
    assert_eq!(desk.sync().await.unwrap(), 1);
    assert_eq!(desk.orders().unwrap(), vec![row]);
    // The kept token is sealed: on its own, the row opens nothing.
    let store = certdesk_store::open(&config.data_dir.join("certdesk.db")).unwrap();
    let kept = certdesk_store::session(&store, &platform.url()).unwrap().unwrap();
    assert!(std::str::from_utf8(&kept.token_sealed).is_err() || kept.token_sealed.len() > 60);
    let forged = certdesk_client::PlatformClient::new(platform.url())
        .unwrap()
        .with_session(String::from_utf8_lossy(&kept.token_sealed).into_owned());
    assert!(forged.orders(&Default::default()).await.is_err());

    desk.log_out().await.unwrap();
    assert_eq!(desk.account(), None);
    assert_eq!(desk.sync().await.unwrap_err().code, ErrorCode::Unauthorized);
    desk.shutdown().await.unwrap();
    let desk = Desk::start(&config).await.unwrap();
    assert_eq!(desk.account(), None);
    // Logging in again; a wrong password is refused in Chinese.
    let wrong = desk.log_in("supplier", "not-the-password").await.unwrap_err();
    assert_eq!(wrong.code, ErrorCode::Unauthorized);
    assert_eq!(desk.log_in("supplier", "a-long-password").await.unwrap(), account);
}

#[tokio::test]
async fn a_rejected_order_is_edited_with_its_reason_and_resubmitted() {
    let dir = tempfile::tempdir().unwrap();
    let platform = standalone_platform(dir.path()).await;
    let config = DeskConfig::new(dir.path().join("app"), Some(platform.url()), SourceConfig::Demo);
    let desk = Desk::start(&config).await.unwrap();
    desk.register(registration()).await.unwrap();
    let row = desk.submit(my_form(), None).await.unwrap();
    let number = row.order.order_no.to_string();
    desk.choose_paper_documents(&number).await.unwrap();

    // A reviewer receives the documents and rejects, over the staff API.
    let reviewer = Reviewer::sign_in(&platform, &dir.path().join("platform")).await;
    reviewer.act(&number, "materials-received", serde_json::json!({})).await;
    reviewer.act(&number, "reject", serde_json::json!({"reason": "邮箱无法接收发票"})).await;

    let edit = desk.application(&number).await.unwrap();
    assert_eq!(edit.reason.as_deref(), Some("邮箱无法接收发票"));
    assert_eq!(edit.form.id_number, "330***********0018");
    assert_eq!(desk.orders().unwrap()[0].status_zh, "审核未通过 (材料已收)");
    let corrected = SubmitOrder { email: "finance@example.com".into(), ..edit.form.clone() };
    let draft = desk
        .save_draft(certdesk_desk::DraftInput {
            id: None,
            order_no: Some(number.clone()),
            form: corrected.clone(),
            step: 0,
        })
        .unwrap();
    assert_eq!(draft.label, format!("编辑订单 {number}"));
    assert_eq!(desk.draft_for_order(&number).unwrap().unwrap().form, corrected);
    let resubmitted = desk.resubmit(&number, corrected, Some(draft.id)).await.unwrap();
    assert_eq!(resubmitted.status_zh, "待审核 (材料已收)");
    assert!(desk.drafts().unwrap().is_empty());
    let detail = desk.order_detail(&number).await.unwrap();
    assert_eq!(detail.history.last().unwrap().reason.as_deref(), Some("重新提交，修改了：电子邮箱"));
}

#[tokio::test]
async fn a_status_the_platform_changes_is_announced_once_also_when_it_changed_while_the_app_was_closed() {
    use tokio::sync::broadcast::error::TryRecvError;
    let dir = tempfile::tempdir().unwrap();
    let platform = standalone_platform(dir.path()).await;
    let config = DeskConfig::new(dir.path().join("app"), Some(platform.url()), SourceConfig::Demo);
    let desk = Desk::start(&config).await.unwrap();
    desk.register(registration()).await.unwrap();
    let mut changes = desk.status_changes();
    // The first look only finds where the feed ends.
    assert_eq!(desk.follow_events(0).await.unwrap(), 0);
    let number = desk.submit(my_form(), None).await.unwrap().order.order_no.to_string();
    desk.choose_paper_documents(&number).await.unwrap();

    // The applicant's own steps are in the feed but change nothing that is not already known here.
    assert_eq!(desk.follow_events(0).await.unwrap(), 1);
    assert_eq!(changes.try_recv().unwrap_err(), TryRecvError::Empty);

    let reviewer = Reviewer::sign_in(&platform, &dir.path().join("platform")).await;
    reviewer.act(&number, "materials-received", serde_json::json!({})).await;
    reviewer.act(&number, "reject", serde_json::json!({"reason": "邮箱无法接收发票"})).await;
    assert_eq!(desk.follow_events(5).await.unwrap(), 1);
    let change = changes.try_recv().unwrap();
    assert_eq!(change.order_no, number);
    assert_eq!(change.status_zh, "审核未通过 (材料已收)");
    assert_eq!(
        change.message_zh(),
        format!("订单 {number} 状态变为：审核未通过 (材料已收)，不通过理由：邮箱无法接收发票")
    );
    // Seen once: neither sync nor the feed announces it again.
    desk.sync().await.unwrap();
    assert_eq!(desk.follow_events(0).await.unwrap(), 0);
    assert_eq!(changes.try_recv().unwrap_err(), TryRecvError::Empty);
    desk.shutdown().await.unwrap();

    // Resubmitted elsewhere and approved while this app was closed: the next start announces it.
    let edit = certdesk_client::PlatformClient::new(platform.url()).unwrap();
    let session = edit
        .log_in(&certdesk_api::ApplicantLogin { username: "supplier".into(), password: "a-long-password".into() })
        .await
        .unwrap();
    let edit = edit.with_session(session.token);
    let order_no = certdesk_core::OrderNumber::parse(&number).unwrap();
    let kept = edit.application(&order_no).await.unwrap();
    edit.resubmit(&order_no, &SubmitOrder { email: "finance@example.com".into(), ..kept }).await.unwrap();
    reviewer.act(&number, "approve", serde_json::json!({})).await;
    let desk = Desk::start(&config).await.unwrap();
    let mut changes = desk.status_changes();
    assert_eq!(desk.follow_events(0).await.unwrap(), 1);
    assert_eq!(changes.try_recv().unwrap().status_zh, "审核通过, 待制证 (材料已收)");
    assert_eq!(changes.try_recv().unwrap_err(), TryRecvError::Empty);
}

#[tokio::test]
async fn each_organisation_on_one_computer_sees_only_its_own_orders_and_drafts() {
    let dir = tempfile::tempdir().unwrap();
    let platform = standalone_platform(dir.path()).await;
    let config = DeskConfig::new(dir.path().join("app"), Some(platform.url()), SourceConfig::Demo);
    let desk = Desk::start(&config).await.unwrap();
    desk.register(registration()).await.unwrap();
    desk.submit(my_form(), None).await.unwrap();
    desk.save_draft(certdesk_desk::DraftInput { id: None, order_no: None, form: my_form(), step: 0 }).unwrap();
    desk.log_out().await.unwrap();

    let other = certdesk_desk::Registration {
        organisation_name: "北京某机构".into(),
        credit_code: "91110000600037341L".into(),
        username: "beijing".into(),
        password: "another-long-password".into(),
    };
    desk.register(other).await.unwrap();
    assert!(desk.orders().unwrap().is_empty());
    assert!(desk.drafts().unwrap().is_empty());
    assert_eq!(desk.sync().await.unwrap(), 0);
    desk.log_out().await.unwrap();

    desk.log_in("supplier", "a-long-password").await.unwrap();
    assert_eq!(desk.orders().unwrap().len(), 1);
    assert_eq!(desk.drafts().unwrap().len(), 1);
}

/// A capture's output, collected from the sink on the capture thread.
struct Captured {
    frames: std::sync::mpsc::Receiver<Vec<u8>>,
    statuses: std::sync::mpsc::Receiver<certdesk_desk::CaptureStatus>,
}

fn sink() -> (certdesk_desk::CaptureSink, Captured) {
    let (frame_tx, frames) = std::sync::mpsc::channel();
    let (status_tx, statuses) = std::sync::mpsc::channel();
    let sink = certdesk_desk::CaptureSink {
        frame: Box::new(move |jpeg| frame_tx.send(jpeg).is_ok()),
        status: Box::new(move |status| status_tx.send(status).is_ok()),
    };
    (sink, Captured { frames, statuses })
}

impl Captured {
    /// Statuses until one is final (captured or failed), or `limit` of them.
    fn until_final(&self, limit: usize) -> Vec<certdesk_desk::CaptureStatus> {
        let mut seen = Vec::new();
        while seen.len() < limit {
            let Ok(status) = self.statuses.recv_timeout(std::time::Duration::from_secs(30)) else { break };
            let last = status.captured || status.error.is_some();
            seen.push(status);
            if last {
                break;
            }
        }
        seen
    }
}

#[tokio::test]
async fn a_face_capture_guides_takes_the_photo_itself_and_one_attempt_moves_the_order_on() {
    use certdesk_face::checks::Guidance;
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::start(&DeskConfig::new(dir.path().into(), None, SourceConfig::Demo)).await.unwrap();
    desk.request_camera_access().unwrap();
    let cameras = desk.camera_devices().unwrap();
    assert_eq!((cameras.devices[0].name.as_str(), cameras.chosen), ("演示摄像头", Some(0)));
    let number = desk.submit(form(), None).await.unwrap().order.order_no.to_string();
    assert_eq!(desk.face_attempts(&number).await.unwrap().remaining, 10);
    // Nothing taken yet: nothing to send.
    assert_eq!(desk.submit_face_attempt(&number).await.unwrap_err().code, ErrorCode::Conflict);

    // 检测环境: guidance only, never a photo.
    let (rehearsal_sink, rehearsal) = sink();
    desk.start_capture(0, true, rehearsal_sink).unwrap();
    let seen = rehearsal.until_final(90);
    desk.stop_capture();
    // The camera started is the one offered first next time (kept by name in the local store).
    let store = certdesk_store::open(&dir.path().join("certdesk.db")).unwrap();
    assert_eq!(
        certdesk_store::preference(&store, certdesk_store::PREFERRED_CAMERA).unwrap().as_deref(),
        Some("演示摄像头")
    );
    assert!(seen.iter().any(|s| s.guidance == Guidance::Ready), "{:?}", seen.last());
    assert!(seen.iter().all(|s| !s.captured));
    assert_eq!(desk.submit_face_attempt(&number).await.unwrap_err().code, ErrorCode::Conflict);

    // The attempt: the face moves into the oval, the checks hold, the photo is taken.
    let (attempt_sink, attempt) = sink();
    desk.start_capture(0, false, attempt_sink).unwrap();
    let seen = attempt.until_final(400);
    let last = seen.last().unwrap();
    assert!(last.captured, "{last:?}");
    assert!(seen.iter().any(|s| s.guidance == Guidance::TooFar && s.message_zh == "请靠近一些"));
    assert_eq!((last.width, last.height), (640, 480));
    let frames: Vec<Vec<u8>> = attempt.frames.try_iter().collect();
    assert!(frames.len() >= seen.len() - 1 && image::load_from_memory(&frames[0]).is_ok());

    let result = desk.submit_face_attempt(&number).await.unwrap();
    assert!(result.passed, "{result:?}");
    assert_eq!(result.attempts.remaining, 9);
    assert_eq!(result.row.status_zh, "待支付 (已认证)");
    assert_eq!(desk.orders().unwrap()[0].status_zh, "待支付 (已认证)");
    // The photo went with the attempt: it cannot be sent twice.
    assert_eq!(desk.submit_face_attempt(&number).await.unwrap_err().code, ErrorCode::Conflict);
}

#[tokio::test]
async fn a_failed_face_attempt_says_why_and_counts() {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::start(&DeskConfig::new(dir.path().into(), None, SourceConfig::Demo)).await.unwrap();
    // The sandbox provider fails this ID number, so that failures can be exercised.
    let failing = SubmitOrder { id_number: "11010519491231002X".into(), ..form() };
    let number = desk.submit(failing, None).await.unwrap().order.order_no.to_string();
    let (attempt_sink, attempt) = sink();
    desk.start_capture(0, false, attempt_sink).unwrap();
    // 拍照 by hand as soon as a frame passes.
    let mut taken = false;
    for _ in 0..400 {
        let status = attempt.statuses.recv_timeout(std::time::Duration::from_secs(30)).unwrap();
        if status.captured {
            taken = true;
            break;
        }
        if status.guidance == certdesk_face::checks::Guidance::Ready {
            desk.take_photo();
        }
    }
    assert!(taken);
    let result = desk.submit_face_attempt(&number).await.unwrap();
    assert!(!result.passed);
    assert!(result.reason.is_some_and(|r| !r.is_empty()));
    assert_eq!(result.attempts.remaining, 9);
    assert_eq!(result.row.status_zh, "待认证");
}

#[tokio::test]
async fn a_camera_that_cannot_be_opened_says_so_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let camera = SourceConfig::Fixture(dir.path().join("no-such-picture.png"));
    let desk = Desk::start(&DeskConfig::new(dir.path().into(), None, camera)).await.unwrap();
    let (broken_sink, broken) = sink();
    desk.start_capture(0, false, broken_sink).unwrap();
    let seen = broken.until_final(5);
    assert!(seen.last().unwrap().error.as_deref().is_some_and(|e| e.starts_with("测试画面无法读取")), "{seen:?}");
}

#[tokio::test]
async fn the_cover_sheet_is_saved_as_a_pdf_named_after_the_order() {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::start(&DeskConfig::new(dir.path().into(), None, SourceConfig::Demo)).await.unwrap();
    let number = desk.submit(form(), None).await.unwrap().order.order_no.to_string();
    let downloads = dir.path().join("下载");
    let saved = desk.save_cover_sheet(&number, &downloads).await.unwrap();
    assert_eq!(saved, downloads.join(format!("CA证书申领封面-{number}.pdf")));
    assert!(std::fs::read(&saved).unwrap().starts_with(b"%PDF-"));
    assert_eq!(desk.save_cover_sheet("123", &downloads).await.unwrap_err().code, ErrorCode::BadRequest);
}

#[tokio::test]
async fn going_to_pay_opens_the_gateway_and_only_the_platforms_answer_moves_the_order() {
    use certdesk_api::{PaymentMethod, PaymentState};
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::start(&DeskConfig::new(dir.path().into(), None, SourceConfig::Demo)).await.unwrap();
    let number = desk.submit(form(), None).await.unwrap().order.order_no.to_string();
    // Not verified yet: nothing to pay.
    assert_eq!(desk.start_payment(&number, PaymentMethod::Alipay).await.unwrap_err().code, ErrorCode::Conflict);
    let (attempt_sink, attempt) = sink();
    desk.start_capture(0, false, attempt_sink).unwrap();
    assert!(attempt.until_final(400).last().unwrap().captured);
    assert!(desk.submit_face_attempt(&number).await.unwrap().passed);

    let started = desk.start_payment(&number, PaymentMethod::Alipay).await.unwrap();
    assert_eq!(started.amount.fen(), 30_000);
    let pay_url = started.pay_url.clone().unwrap();
    assert_eq!(desk.pay_page(&started.out_trade_no), Some(pay_url.clone()));
    assert_eq!(desk.pay_page("someone-else"), None);
    let waiting = desk.payment_progress(&number, &started.out_trade_no).await.unwrap();
    assert_eq!((waiting.state, waiting.row.status_zh.as_str()), (PaymentState::Pending, "待支付 (已认证)"));

    // The person pays at the embedded sandbox's cashier; the gateway sends the browser back.
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = browser.get(&pay_url).send().await.unwrap().text().await.unwrap();
    let action = page.split("action=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let paid = browser.post(reqwest::Url::parse(&pay_url).unwrap().join(&action).unwrap()).send().await.unwrap();
    let returned = paid.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(certdesk_desk::pay_return_trade(&returned), Some(started.out_trade_no.clone()));

    let done = desk.payment_progress(&number, &started.out_trade_no).await.unwrap();
    assert_eq!((done.state, done.row.status_zh.as_str()), (PaymentState::Paid, "待审核 (已认证)"));
    assert_eq!(desk.orders().unwrap()[0].status_zh, "待审核 (已认证)", "kept locally");
}

#[test]
fn only_the_apps_own_return_address_names_a_trade() {
    use certdesk_desk::pay_return_trade;
    assert_eq!(pay_return_trade("certdesk://pay/return?out_trade_no=159P01&sign=x"), Some("159P01".into()));
    assert_eq!(pay_return_trade("certdesk://pay/return?app_id=1&out_trade_no=A%2FB"), Some("A/B".into()));
    assert_eq!(pay_return_trade("certdesk://pay/return"), None);
    assert_eq!(pay_return_trade("certdesk://pay/return?out_trade_no="), None);
    assert_eq!(pay_return_trade("https://evil.example/certdesk://pay/return?out_trade_no=1"), None);
    assert_eq!(pay_return_trade("certdesk://other?out_trade_no=1"), None);
}

#[test]
fn a_payment_page_opens_only_over_https_or_from_the_sandbox_gateway() {
    use certdesk_desk::pay_page_allowed;
    let sandbox = Some("http://127.0.0.1:8090");
    for allowed in [
        "https://openapi.alipay.com/gateway.do?app_id=1&sign=x",
        "http://127.0.0.1:8090/gateway.do?app_id=1",
        "http://127.0.0.1:8090/cashier/abc",
    ] {
        assert!(pay_page_allowed(allowed, sandbox), "{allowed}");
    }
    for refused in [
        "http://openapi.alipay.com/gateway.do",
        "http://127.0.0.1:8091/gateway.do",
        "http://127.0.0.1:8090@evil.example/gateway.do",
        "https://user@evil.example/",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "certdesk://pay/return",
        "not a url",
    ] {
        assert!(!pay_page_allowed(refused, sandbox), "{refused}");
    }
    assert!(!pay_page_allowed("http://127.0.0.1:8090/gateway.do", None), "no sandbox configured: https only");
}
