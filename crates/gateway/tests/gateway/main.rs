//! The sandbox gateway over real HTTP on loopback, spoken to by the merchant's side of
//! `certdesk-pay` (what the platform uses), with a merchant server of the test's own receiving
//! the notifications.

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use certdesk_gateway::{
    Gateway, GatewayConfig, GatewayHandle, NotifySchedule, RefundMode, RefundState, Registration, RegistrationRequest,
};
use certdesk_pay::client::{
    AlipayMerchant, Notice, NoticeStatus, PaymentProvider, RefundOutcome, TradeQuery, WechatMerchant,
};
use certdesk_pay::wechat::{CallbackHeaders, Merchant};
use certdesk_pay::{PayError, RsaSigner, RsaVerifier, alipay};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const RETURN_URL: &str = "certdesk://pay/return";

struct Setup {
    gateway: GatewayHandle,
    registration: Registration,
    merchant_private: String,
    _dir: tempfile::TempDir,
}

async fn start(dir: &std::path::Path, retries: usize) -> GatewayHandle {
    let mut config = GatewayConfig::local(dir);
    config.alipay_notify = NotifySchedule::every(Duration::from_millis(50), retries);
    config.wechat_notify = NotifySchedule::every(Duration::from_millis(50), retries);
    Gateway::start(config).await.unwrap()
}

async fn setup(retries: usize) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let gateway = start(dir.path(), retries).await;
    let (merchant_private, merchant_public) = certdesk_pay::generate_key_pair().unwrap();
    let registration = certdesk_gateway::register_over_http(
        &gateway.url(),
        &RegistrationRequest { name: "测试平台".into(), public_key_pem: merchant_public },
    )
    .await
    .unwrap();
    Setup { gateway, registration, merchant_private, _dir: dir }
}

impl Setup {
    fn alipay(&self) -> AlipayMerchant {
        AlipayMerchant::new(
            self.gateway.alipay_gateway_url(),
            self.registration.alipay_app_id.clone(),
            self.registration.alipay_seller_id.clone(),
            RsaSigner::from_pkcs8_pem(&self.merchant_private).unwrap(),
            RsaVerifier::from_public_key_pem(&self.registration.alipay_public_key_pem).unwrap(),
        )
    }

    fn wechat_signed_by(&self, private_pem: &str) -> WechatMerchant {
        WechatMerchant::new(
            self.gateway.url(),
            self.registration.wechat_app_id.clone(),
            Merchant {
                merchant_id: self.registration.wechat_merchant_id.clone(),
                certificate_serial: self.registration.wechat_merchant_serial.clone(),
                signer: RsaSigner::from_pkcs8_pem(private_pem).unwrap(),
            },
            self.registration.wechat_platform_serial.clone(),
            RsaVerifier::from_public_key_pem(&self.registration.wechat_platform_public_key_pem).unwrap(),
            self.registration.wechat_api_v3_key.as_bytes().try_into().unwrap(),
        )
    }

    fn wechat(&self) -> WechatMerchant {
        self.wechat_signed_by(&self.merchant_private)
    }
}

/// The merchant's notification endpoints: they refuse the first `fail_first` attempts.
#[derive(Default)]
struct Received {
    fail_first: usize,
    attempts: usize,
    alipay: Vec<Vec<(String, String)>>,
    wechat: Vec<(HeaderMap, String)>,
}

type Inbox = Arc<Mutex<Received>>;

async fn merchant_server(fail_first: usize) -> (String, Inbox) {
    async fn alipay_notify(State(inbox): State<Inbox>, Form(params): Form<Vec<(String, String)>>) -> &'static str {
        let mut inbox = inbox.lock().unwrap();
        inbox.attempts += 1;
        if inbox.attempts <= inbox.fail_first {
            return "fail";
        }
        inbox.alipay.push(params);
        "success"
    }
    async fn wechat_notify(State(inbox): State<Inbox>, headers: HeaderMap, body: String) -> StatusCode {
        let mut inbox = inbox.lock().unwrap();
        inbox.attempts += 1;
        if inbox.attempts <= inbox.fail_first {
            return StatusCode::INTERNAL_SERVER_ERROR;
        }
        inbox.wechat.push((headers, body));
        StatusCode::NO_CONTENT
    }
    let inbox = Arc::new(Mutex::new(Received { fail_first, ..Received::default() }));
    let app = axum::Router::new()
        .route("/alipay", post(alipay_notify))
        .route("/wechat", post(wechat_notify))
        .with_state(Arc::clone(&inbox));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, inbox)
}

/// Waits (up to 20 s) until `done` holds for the inbox.
async fn wait_for(inbox: &Inbox, done: impl Fn(&Received) -> bool) {
    for _ in 0..400 {
        if done(&inbox.lock().unwrap()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the notification did not arrive");
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// The cashier page's id, read from its 确认付款 form.
fn cashier_id(page: &str) -> String {
    let start = page.find("action=\"/cashier/").expect("a cashier form") + "action=\"/cashier/".len();
    page[start..].split('/').next().unwrap().to_owned()
}

async fn open_cashier(url: &str) -> (StatusCode, String) {
    let answer = browser().get(url).send().await.unwrap();
    (answer.status(), answer.text().await.unwrap())
}

async fn press(gateway: &GatewayHandle, id: &str, button: &str) -> reqwest::Response {
    browser().post(format!("{}/cashier/{id}/{button}", gateway.url())).send().await.unwrap()
}

#[tokio::test]
async fn keys_are_made_at_first_start_kept_to_the_owner_and_the_same_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (_, merchant_public) = certdesk_pay::generate_key_pair().unwrap();
    let request = RegistrationRequest { name: "测试平台".into(), public_key_pem: merchant_public };
    let first = start(dir.path(), 1).await;
    let before = first.register(&request).unwrap();
    assert_eq!(first.register(&request).unwrap(), before, "registering the same key again changes nothing");
    first.shutdown().await.unwrap();

    let again = start(dir.path(), 1).await;
    assert_eq!(again.register(&request).unwrap(), before, "keys, ids and the APIv3 key survive a restart");
    assert_eq!(before.wechat_api_v3_key.len(), 32);
    assert_ne!(before.alipay_public_key_pem, before.wechat_platform_public_key_pem);
    #[cfg(unix)]
    for secret in ["alipay-gateway.pem", "wechatpay-platform.pem", "merchants.json"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(secret)).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{secret} is readable by others");
    }
    let refused = again.register(&RegistrationRequest { name: "x".into(), public_key_pem: "not a key".into() });
    assert!(refused.is_err());
}

#[tokio::test]
async fn alipay_page_pay_shows_the_cashier_returns_signed_and_notifies_until_acknowledged() {
    let setup = setup(5).await;
    let (merchant_url, inbox) = merchant_server(2).await;
    let alipay = setup.alipay();
    let url =
        alipay.page_pay_url("CDP0001", 30_000, "CA数字证书", RETURN_URL, &format!("{merchant_url}/alipay")).unwrap();

    let (status, page) = open_cashier(&url).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("¥300.00") && page.contains("确认付款") && page.contains("CDP0001"), "{page}");
    assert_eq!(alipay.query("CDP0001", 30_000).await.unwrap(), TradeQuery::Waiting);

    let id = cashier_id(&page);
    let paid = press(&setup.gateway, &id, "pay").await;
    assert_eq!(paid.status(), StatusCode::SEE_OTHER);
    let location = reqwest::Url::parse(paid.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(format!("{}://{}{}", location.scheme(), location.host_str().unwrap(), location.path()), RETURN_URL);
    let returned: Vec<(String, String)> = location.query_pairs().into_owned().collect();
    let gateway_key = RsaVerifier::from_public_key_pem(&setup.registration.alipay_public_key_pem).unwrap();
    alipay::verify_notification(&gateway_key, returned.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .expect("the return parameters are signed by the gateway");

    // Refused twice by the merchant, acknowledged the third time: then no more.
    wait_for(&inbox, |r| r.alipay.len() == 1).await;
    let notification = inbox.lock().unwrap().alipay[0].clone();
    assert_eq!(inbox.lock().unwrap().attempts, 3);
    let pairs = || notification.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    let verified = alipay::verify_notification(&gateway_key, pairs()).unwrap();
    let expected = alipay::Expected {
        app_id: &setup.registration.alipay_app_id,
        seller_id: &setup.registration.alipay_seller_id,
        out_trade_no: "CDP0001",
        total_fen: 30_000,
    };
    let verdict = alipay::check_notification(&verified, &expected).unwrap();
    let alipay::NotificationVerdict::Paid { trade_no } = verdict else { panic!("not paid: {verdict:?}") };
    assert_eq!(alipay.query("CDP0001", 30_000).await.unwrap(), TradeQuery::Paid { trade_no: trade_no.clone() });
    // The same through the one trait the platform uses for every provider.
    let body = serde_urlencoded::to_string(&notification).unwrap();
    let notice = PaymentProvider::read_notification(&alipay, &|_| None, &body).unwrap();
    assert_eq!(
        notice,
        Notice {
            out_trade_no: "CDP0001".into(),
            status: NoticeStatus::Paid { trade_no: trade_no.clone(), total_fen: 30_000 }
        }
    );
    assert_eq!(PaymentProvider::answer_notification(&alipay, None).2, "success");
    assert_eq!(PaymentProvider::answer_notification(&alipay, Some("签名验证失败")).2, "fail");
    let tampered = body.replace("300.00", "0.01");
    assert_eq!(PaymentProvider::read_notification(&alipay, &|_| None, &tampered), Err(PayError::BadSignature));
    assert_eq!(setup.gateway.notifications_delivered(), 1);

    // Pressing 确认付款 again (a second tab) pays nothing more and notifies nobody.
    let again = press(&setup.gateway, &id, "pay").await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    // Opening the same page pay again shows the trade paid, with no button.
    let (_, page) = open_cashier(&url).await;
    assert!(page.contains("data-state=\"paid\"") && !page.contains("确认付款"), "{page}");
    assert_eq!(setup.gateway.notifications_delivered(), 1);
}

#[tokio::test]
async fn altered_unknown_and_inconsistent_alipay_requests_are_refused() {
    let setup = setup(1).await;
    let alipay = setup.alipay();
    let url = alipay.page_pay_url("CDP0002", 30_000, "CA数字证书", RETURN_URL, "http://127.0.0.1:9/n").unwrap();

    let cheaper = url.replace("300.00", "0.01");
    assert_ne!(cheaper, url);
    let (status, page) = open_cashier(&cheaper).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("验签出错"), "{page}");

    let stranger = url.replace(&setup.registration.alipay_app_id, "2021999999999999");
    let (status, page) = open_cashier(&stranger).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("无效的AppID"), "{page}");

    assert_eq!(open_cashier(&url).await.0, StatusCode::OK);
    let other_amount = alipay.page_pay_url("CDP0002", 100, "CA数字证书", RETURN_URL, "http://127.0.0.1:9/n").unwrap();
    let (status, page) = open_cashier(&other_amount).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("交易信息被篡改"), "{page}");

    assert_eq!(alipay.query("CDP-NEVER", 100).await.unwrap(), TradeQuery::NotFound);
    // The merchant expecting another amount does not take the gateway's word for it.
    assert!(matches!(alipay.query("CDP0002", 100).await, Err(PayError::Malformed(_))));
    // An answer signed by anyone but the gateway is not believed.
    let impostor = AlipayMerchant::new(
        setup.gateway.alipay_gateway_url(),
        setup.registration.alipay_app_id.clone(),
        setup.registration.alipay_seller_id.clone(),
        RsaSigner::from_pkcs8_pem(&setup.merchant_private).unwrap(),
        RsaVerifier::from_public_key_pem(&setup.registration.wechat_platform_public_key_pem).unwrap(),
    );
    assert_eq!(impostor.query("CDP0002", 30_000).await, Err(PayError::BadSignature));
}

#[tokio::test]
async fn a_cancelled_trade_is_closed_and_cannot_be_paid_afterwards() {
    let setup = setup(1).await;
    let alipay = setup.alipay();
    let url = alipay.page_pay_url("CDP0003", 30_000, "CA数字证书", RETURN_URL, "http://127.0.0.1:9/n").unwrap();
    let id = cashier_id(&open_cashier(&url).await.1);
    assert_eq!(press(&setup.gateway, &id, "cancel").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(alipay.query("CDP0003", 30_000).await.unwrap(), TradeQuery::Closed);
    let after = press(&setup.gateway, &id, "pay").await;
    assert_eq!(after.status(), StatusCode::OK);
    assert!(after.text().await.unwrap().contains("交易已关闭"));
    assert_eq!(alipay.query("CDP0003", 30_000).await.unwrap(), TradeQuery::Closed);
}

#[tokio::test]
async fn alipay_refunds_count_once_per_request_never_exceed_the_payment_and_are_confirmed_by_the_query() {
    let setup = setup(1).await;
    let alipay = setup.alipay();
    let url = alipay.page_pay_url("CDP0004", 30_000, "CA数字证书", RETURN_URL, "http://127.0.0.1:9/n").unwrap();
    let id = cashier_id(&open_cashier(&url).await.1);
    let unpaid = alipay.refund("CDP0004", "R0", 100).await.unwrap();
    assert!(matches!(&unpaid, RefundOutcome::Failed(why) if why.contains("未支付")), "not paid yet: {unpaid:?}");
    press(&setup.gateway, &id, "pay").await;

    // Accepted is not done: the query confirms it.
    assert_eq!(alipay.refund("CDP0004", "R1", 100).await.unwrap(), RefundOutcome::Processing);
    assert_eq!(alipay.refund("CDP0004", "R1", 100).await.unwrap(), RefundOutcome::Processing);
    assert_eq!(alipay.query_refund("CDP0004", "R1").await.unwrap(), Some(RefundOutcome::Succeeded));
    assert_eq!(alipay.query_refund("CDP0004", "R9").await.unwrap(), None, "never asked for");
    assert!(matches!(alipay.query("CDP0004", 30_000).await.unwrap(), TradeQuery::Paid { .. }), "partly refunded");
    let too_much = alipay.refund("CDP0004", "R2", 30_000).await.unwrap();
    assert!(matches!(&too_much, RefundOutcome::Failed(why) if why.contains("超过")), "{too_much:?}");

    // Told to take its time, the sandbox answers no refund_status until it is finished.
    setup.gateway.set_refund_mode(RefundMode::Processing);
    assert_eq!(alipay.refund("CDP0004", "R3", 29_900).await.unwrap(), RefundOutcome::Processing);
    assert_eq!(alipay.query_refund("CDP0004", "R3").await.unwrap(), Some(RefundOutcome::Processing));
    assert!(matches!(alipay.query("CDP0004", 30_000).await.unwrap(), TradeQuery::Paid { .. }), "not yet back");
    assert!(setup.gateway.finish_refund("R3", RefundState::Success));
    assert!(!setup.gateway.finish_refund("R3", RefundState::Success), "finished once");
    assert_eq!(alipay.query_refund("CDP0004", "R3").await.unwrap(), Some(RefundOutcome::Succeeded));
    assert_eq!(alipay.query("CDP0004", 30_000).await.unwrap(), TradeQuery::Closed, "refunded in full");
    let refunds = setup.gateway.refunds_of("CDP0004");
    assert_eq!(
        refunds.iter().map(|(no, fen, _)| (no.as_str(), *fen)).collect::<Vec<_>>(),
        [("R1", 100), ("R3", 29_900)]
    );

    // Told to refuse, it refuses with a business failure, the gateway's last word.
    setup.gateway.set_refund_mode(RefundMode::Refuse);
    let url = alipay.page_pay_url("CDP0007", 30_000, "CA数字证书", RETURN_URL, "http://127.0.0.1:9/n").unwrap();
    press(&setup.gateway, &cashier_id(&open_cashier(&url).await.1), "pay").await;
    let refused = alipay.refund("CDP0007", "R1", 30_000).await.unwrap();
    assert!(matches!(&refused, RefundOutcome::Failed(why) if why.contains("余额不足")), "{refused:?}");
}

#[tokio::test]
async fn wechat_native_order_is_paid_at_its_code_url_called_back_queried_and_refunded() {
    let setup = setup(5).await;
    let (merchant_url, inbox) = merchant_server(1).await;
    let wechat = setup.wechat();
    let code_url = wechat.native("CDP0005", 30_000, "CA数字证书", &format!("{merchant_url}/wechat")).await.unwrap();
    assert!(code_url.starts_with(&setup.gateway.url()), "{code_url}");
    assert_eq!(wechat.query("CDP0005", 30_000).await.unwrap(), TradeQuery::Waiting);

    let (status, page) = open_cashier(&code_url).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("微信支付收银台") && page.contains("¥300.00"), "{page}");
    press(&setup.gateway, &cashier_id(&page), "pay").await;

    wait_for(&inbox, |r| r.wechat.len() == 1).await;
    let (headers, body) = inbox.lock().unwrap().wechat[0].clone();
    assert_eq!(inbox.lock().unwrap().attempts, 2, "refused once, acknowledged the second time");
    let header = |name: &str| headers[name].to_str().unwrap().to_owned();
    let (timestamp, nonce, signature, serial) = (
        header("Wechatpay-Timestamp"),
        header("Wechatpay-Nonce"),
        header("Wechatpay-Signature"),
        header("Wechatpay-Serial"),
    );
    let callback = CallbackHeaders { timestamp: &timestamp, nonce: &nonce, signature: &signature, serial: &serial };
    let transaction = wechat.open_callback(&callback, &body).unwrap();
    let notice = PaymentProvider::read_notification(&wechat, &|name| Some(header(name)), &body).unwrap();
    assert_eq!(notice.out_trade_no, "CDP0005");
    assert!(matches!(notice.status, NoticeStatus::Paid { total_fen: 30_000, .. }), "{notice:?}");
    assert_eq!(PaymentProvider::read_notification(&wechat, &|_| None, &body), Err(PayError::Stale), "no headers");
    assert!(
        transaction
            .is_paid_for(&setup.registration.wechat_merchant_id, &setup.registration.wechat_app_id, "CDP0005", 30_000)
            .unwrap()
    );
    assert_eq!(
        wechat.query("CDP0005", 30_000).await.unwrap(),
        TradeQuery::Paid { trade_no: transaction.transaction_id.clone() }
    );
    // The callback altered in transit is refused.
    let altered = body.replace("TRANSACTION.SUCCESS", "TRANSACTION.SUCCESS ");
    assert_eq!(wechat.open_callback(&callback, &altered), Err(PayError::BadSignature));

    // A refund left processing: queried PROCESSING, then finished; its result is called back.
    setup.gateway.set_refund_mode(RefundMode::Processing);
    let notify = format!("{merchant_url}/wechat");
    assert_eq!(wechat.refund("CDP0005", "R1", 30_000, 30_000, &notify).await.unwrap(), RefundOutcome::Processing);
    assert_eq!(wechat.query_refund("CDP0005", "R1").await.unwrap(), Some(RefundOutcome::Processing));
    assert_eq!(wechat.query_refund("CDP0005", "R9").await.unwrap(), None);
    assert!(setup.gateway.finish_refund("R1", RefundState::Success));
    assert_eq!(wechat.query_refund("CDP0005", "R1").await.unwrap(), Some(RefundOutcome::Succeeded));
    wait_for(&inbox, |r| r.wechat.len() == 2).await;
    let (headers, body) = inbox.lock().unwrap().wechat[1].clone();
    let header = |name: &str| headers[name].to_str().unwrap().to_owned();
    let notice = PaymentProvider::read_notification(&wechat, &|name| Some(header(name)), &body).unwrap();
    assert_eq!(
        notice,
        Notice {
            out_trade_no: "CDP0005".into(),
            status: NoticeStatus::Refund {
                out_refund_no: "R1".into(),
                outcome: RefundOutcome::Succeeded,
                refund_fen: 30_000
            }
        }
    );
    assert_eq!(wechat.query("CDP0005", 30_000).await.unwrap(), TradeQuery::Closed);
    let more = wechat.refund("CDP0005", "R2", 1, 30_000, &notify).await.unwrap();
    assert!(matches!(more, RefundOutcome::Failed(_)), "{more:?}");
}

#[tokio::test]
async fn a_wechat_request_signed_with_another_key_is_refused() {
    let setup = setup(1).await;
    let (other_private, _) = certdesk_pay::generate_key_pair().unwrap();
    let forger = setup.wechat_signed_by(&other_private);
    let refused = forger.native("CDP0006", 30_000, "CA数字证书", "http://127.0.0.1:9/n").await;
    assert!(matches!(&refused, Err(PayError::Refused { code, .. }) if code == "401 SIGN_ERROR"), "{refused:?}");
    assert_eq!(setup.wechat().query("CDP0006", 30_000).await.unwrap(), TradeQuery::NotFound);
}

#[tokio::test]
async fn the_days_bills_list_every_payment_and_refund_of_the_merchant() {
    use certdesk_pay::bill::{BillKind, BillLine};
    let setup = setup(1).await;
    let (alipay, wechat) = (setup.alipay(), setup.wechat());
    let url = alipay.page_pay_url("CDP0011", 30_000, "CA数字证书", RETURN_URL, "http://127.0.0.1:9/n").unwrap();
    press(&setup.gateway, &cashier_id(&open_cashier(&url).await.1), "pay").await;
    alipay.refund("CDP0011", "CDP0011R", 30_000).await.unwrap();
    let unpaid = alipay.page_pay_url("CDP0012", 30_000, "CA数字证书", RETURN_URL, "http://127.0.0.1:9/n").unwrap();
    open_cashier(&unpaid).await;
    let code_url = wechat.native("CDP0013", 60_000, "CA数字证书", "http://127.0.0.1:9/n").await.unwrap();
    press(&setup.gateway, &cashier_id(&open_cashier(&code_url).await.1), "pay").await;

    let today = certdesk_core::now_shanghai().date_naive();
    let line = |kind, no: &str, request: Option<&str>, fen| BillLine {
        kind,
        out_trade_no: no.into(),
        out_request_no: request.map(Into::into),
        fen,
    };
    assert_eq!(
        alipay.bill(today).await.unwrap(),
        [line(BillKind::Payment, "CDP0011", None, 30_000), line(BillKind::Refund, "CDP0011", Some("CDP0011R"), 30_000)]
    );
    assert_eq!(wechat.bill(today).await.unwrap(), [line(BillKind::Payment, "CDP0013", None, 60_000)]);
    assert!(alipay.bill(today.pred_opt().unwrap()).await.unwrap().is_empty(), "nothing the day before");
}
