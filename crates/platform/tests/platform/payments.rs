//! 去支付 through the sandbox gateway over real HTTP: the cashier, the notifications (genuine,
//! forged, replayed, duplicated, out of order, for the wrong amount), reconciliation after the
//! platform was down, a second payment of a paid order, and 撤销 after paying.

use crate::counter_payment::order_awaiting_payment;
use crate::{TestPlatform, authed, post_json, spawn_platform_with};
use certdesk_gateway::{Gateway, GatewayConfig, GatewayHandle, NotifySchedule, RegistrationRequest};
use certdesk_pay::{RsaSigner, alipay, wechat};
use certdesk_platform::{Platform, PlatformConfig};
use serde_json::{Value, json};
use std::time::Duration;

/// A sandbox gateway of the test's own, notifying at once and retrying `retries - 1` times quickly.
pub(crate) async fn gateway(dir: &std::path::Path, retries: usize) -> GatewayHandle {
    let mut config = GatewayConfig::local(dir);
    config.alipay_notify = NotifySchedule::every(Duration::from_millis(100), retries);
    config.wechat_notify = NotifySchedule::every(Duration::from_millis(100), retries);
    Gateway::start(config).await.unwrap()
}

pub(crate) fn through(gateway: &GatewayHandle, reconcile_every_seconds: f64) -> impl FnOnce(&mut PlatformConfig) {
    let url = gateway.url();
    move |config| {
        config.payments.sandbox_gateway = Some(url);
        config.payments.reconcile_every_seconds = Some(reconcile_every_seconds);
    }
}

pub(crate) async fn start_payment(p: &TestPlatform, number: &str, method: &str) -> (u16, Value) {
    p.post_json(&p.http, &format!("/v1/orders/{number}/payments"), &json!({"method": method})).await
}

async fn progress(p: &TestPlatform, number: &str, out_trade_no: &str) -> Value {
    let url = p.url(&format!("/v1/orders/{number}/payments/{out_trade_no}"));
    p.http.get(url).send().await.unwrap().json().await.unwrap()
}

async fn order(p: &TestPlatform, number: &str) -> Value {
    p.http.get(p.url(&format!("/v1/orders/{number}"))).send().await.unwrap().json().await.unwrap()
}

pub(crate) async fn payment_list(p: &TestPlatform, number: &str) -> Vec<Value> {
    let url = p.url(&format!("/v1/orders/{number}/payments"));
    p.http.get(url).send().await.unwrap().json::<Value>().await.unwrap().as_array().unwrap().clone()
}

/// How many times the gateway moved the order (history rows by the payment gateway).
async fn gateway_transitions(p: &TestPlatform, number: &str) -> usize {
    let detail: Value =
        p.http.get(p.url(&format!("/v1/orders/{number}/detail"))).send().await.unwrap().json().await.unwrap();
    detail["history"].as_array().unwrap().iter().filter(|row| row["actor"] == "paymentGateway").count()
}

pub(crate) fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Opens a cashier page (Alipay's pay URL or WeChat Pay's code URL) and presses `button`.
pub(crate) async fn at_cashier(url: &str, button: &str) -> reqwest::Response {
    let page = browser().get(url).send().await.unwrap().text().await.unwrap();
    let start = page.find("action=\"/cashier/").expect("a cashier form") + "action=\"".len();
    let action = page[start..].split('"').next().unwrap().replace("/pay", &format!("/{button}"));
    let base = reqwest::Url::parse(url).unwrap();
    browser().post(base.join(&action).unwrap()).send().await.unwrap()
}

/// Waits (up to 30 s) for `check` to hold.
pub(crate) async fn eventually<F: std::future::Future<Output = bool>>(what: &str, mut check: impl FnMut() -> F) {
    for _ in 0..300 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} did not happen");
}

const IN_REVIEW: &str = "pendingReview";

/// A gateway of the test's own (notifying `retries` times), a platform paying through it (its
/// reconciliation left to the tests), and an order of it waiting for payment.
pub(crate) async fn paying(retries: usize) -> (tempfile::TempDir, GatewayHandle, TestPlatform, String) {
    let dir = tempfile::tempdir().unwrap();
    let gateway = gateway(dir.path(), retries).await;
    let p = spawn_platform_with(through(&gateway, 3600.0)).await;
    let number = order_awaiting_payment(&p).await;
    (dir, gateway, p, number)
}

#[tokio::test]
async fn paying_with_alipay_at_the_cashier_moves_the_order_to_review_once() {
    let (_dir, gateway, p, number) = paying(3).await;

    let (status, started) = start_payment(&p, &number, "alipay").await;
    assert_eq!(status, 200, "{started}");
    assert_eq!(started["amount"], 60_000);
    assert_eq!(started["codeUrl"], Value::Null);
    let out_trade_no = started["outTradeNo"].as_str().unwrap().to_owned();
    let pay_url = started["payUrl"].as_str().unwrap().to_owned();
    assert!(pay_url.starts_with(&gateway.alipay_gateway_url()), "{pay_url}");
    assert_eq!(progress(&p, &number, &out_trade_no).await["state"], "pending");

    let paid = at_cashier(&pay_url, "pay").await;
    assert_eq!(paid.status(), 303);
    assert!(paid.headers()["location"].to_str().unwrap().starts_with("certdesk://pay/return?"));
    eventually("the notification", || async { gateway.notifications_delivered() == 1 }).await;

    let after = progress(&p, &number, &out_trade_no).await;
    assert_eq!(after["state"], "paid", "{after}");
    assert_eq!(after["order"]["status"]["state"], IN_REVIEW);
    assert_eq!(gateway_transitions(&p, &number).await, 1);
    let list = payment_list(&p, &number).await;
    assert_eq!(list.len(), 1);
    assert_eq!((list[0]["method"].as_str(), list[0]["state"].as_str()), (Some("alipay"), Some("paid")));
    assert_eq!(list[0]["notifications"], 1, "the notification is kept");
    assert!(list[0]["gatewayTradeNo"].as_str().is_some_and(|n| !n.is_empty()));

    // 去支付 again on a paid order is refused: it no longer awaits payment.
    assert_eq!(start_payment(&p, &number, "alipay").await.0, 409);
}

/// Who the platform is at the sandbox's Alipay: its app id and seller id (PID).
#[derive(Clone)]
pub(crate) struct AlipayIds {
    pub app_id: String,
    pub seller_id: String,
}

/// The platform's Alipay ids at `gateway` (registering the same key again answers the same).
pub(crate) fn alipay_ids(p: &TestPlatform, gateway: &GatewayHandle) -> AlipayIds {
    let public_key_pem = std::fs::read_to_string(p.data_dir().join("merchant-key.pub.pem")).unwrap();
    let registration = gateway.register(&RegistrationRequest { name: "x".into(), public_key_pem }).unwrap();
    AlipayIds { app_id: registration.alipay_app_id, seller_id: registration.alipay_seller_id }
}

/// An Alipay notification for `out_trade_no`, signed by `signer`.
pub(crate) fn alipay_notification(
    signer: &RsaSigner,
    ids: &AlipayIds,
    out_trade_no: &str,
    amount: &str,
    status: &str,
) -> String {
    let mut params = vec![
        ("notify_type", "trade_status_sync".to_owned()),
        ("notify_id", format!("n-{out_trade_no}-{status}-{amount}")),
        ("app_id", ids.app_id.clone()),
        ("seller_id", ids.seller_id.clone()),
        ("charset", "utf-8".to_owned()),
        ("version", "1.0".to_owned()),
        ("sign_type", "RSA2".to_owned()),
        ("trade_no", format!("T{out_trade_no}")),
        ("out_trade_no", out_trade_no.to_owned()),
        ("total_amount", amount.to_owned()),
        ("trade_status", status.to_owned()),
    ];
    let sign = alipay::sign_notification(signer, params.iter().map(|(k, v)| (*k, v.as_str()))).unwrap();
    params.push(("sign", sign));
    serde_urlencoded::to_string(&params).unwrap()
}

/// Posts an Alipay notification to the platform at `base_url`: its answer.
pub(crate) async fn notify_alipay(base_url: String, body: String) -> String {
    reqwest::Client::new()
        .post(format!("{base_url}/v1/payments/alipay/notify"))
        .header("content-type", "application/x-www-form-urlencoded; charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn forged_wrong_early_duplicated_and_late_alipay_notifications_change_nothing_wrongly() {
    let (_dir, gateway, p, number) = paying(1).await;
    let (_, started) = start_payment(&p, &number, "alipay").await;
    let out_trade_no = started["outTradeNo"].as_str().unwrap().to_owned();
    let ids = alipay_ids(&p, &gateway);
    let real = gateway.alipay_signer();
    let (forger_key, _) = certdesk_pay::generate_key_pair().unwrap();
    let forger = RsaSigner::from_pkcs8_pem(&forger_key).unwrap();

    let other_app = AlipayIds { app_id: "2021000000000001".into(), ..ids.clone() };
    let other_seller = AlipayIds { seller_id: "2088000000000009".into(), ..ids.clone() };
    // (A signed notification for the wrong amount is flagged for staff: payment_trust.rs.)
    let refused = [
        ("signed by someone else", alipay_notification(&forger, &ids, &out_trade_no, "600.00", "TRADE_SUCCESS")),
        ("for another app", alipay_notification(real, &other_app, &out_trade_no, "600.00", "TRADE_SUCCESS")),
        ("for another seller", alipay_notification(real, &other_seller, &out_trade_no, "600.00", "TRADE_SUCCESS")),
        ("for an unknown trade", alipay_notification(real, &ids, "999999999999999P01", "600.00", "TRADE_SUCCESS")),
    ];
    for (what, body) in refused {
        assert_eq!(notify_alipay(p.handle.url(), body).await, "fail", "{what}");
    }
    // Replayed with the trade number changed: the signature no longer holds.
    let replayed = alipay_notification(real, &ids, "000000000000000P01", "600.00", "TRADE_SUCCESS")
        .replace("000000000000000P01", &out_trade_no);
    assert_eq!(notify_alipay(p.handle.url(), replayed).await, "fail");
    // A status that is not payment is acknowledged and changes nothing.
    assert_eq!(
        notify_alipay(p.handle.url(), alipay_notification(real, &ids, &out_trade_no, "600.00", "WAIT_BUYER_PAY")).await,
        "success"
    );
    assert_eq!(order(&p, &number).await["status"]["state"], "pendingPayment");
    assert_eq!(gateway_transitions(&p, &number).await, 0);

    // Twenty copies of the genuine notification at once: every one acknowledged, one transition.
    let genuine = alipay_notification(real, &ids, &out_trade_no, "600.00", "TRADE_SUCCESS");
    let mut racing = tokio::task::JoinSet::new();
    for _ in 0..20 {
        racing.spawn(notify_alipay(p.handle.url(), genuine.clone()));
    }
    let answers = racing.join_all().await;
    assert!(answers.iter().all(|a| a == "success"), "{answers:?}");
    assert_eq!(order(&p, &number).await["status"]["state"], IN_REVIEW);
    assert_eq!(gateway_transitions(&p, &number).await, 1);

    // Out of order: a closing notification after the payment changes nothing.
    assert_eq!(
        notify_alipay(p.handle.url(), alipay_notification(real, &ids, &out_trade_no, "600.00", "TRADE_CLOSED")).await,
        "success"
    );
    let list = payment_list(&p, &number).await;
    assert_eq!(list[0]["state"], "paid");
    // Every notification is kept as received; those whose signature and merchant held are linked
    // to the trade they name (the waiting one, twenty genuine, the closing one).
    assert_eq!(list[0]["notifications"], 22);
    assert_eq!(gateway_transitions(&p, &number).await, 1);
}

/// The APIv3 key the sandbox gave the platform (registering the same key again answers the same).
fn api_v3_key(p: &TestPlatform, gateway: &GatewayHandle) -> [u8; 32] {
    let public_key_pem = std::fs::read_to_string(p.data_dir().join("merchant-key.pub.pem")).unwrap();
    let registration = gateway.register(&RegistrationRequest { name: "x".into(), public_key_pem }).unwrap();
    registration.wechat_api_v3_key.as_bytes().try_into().unwrap()
}

/// A WeChat Pay callback for `transaction`, sealed with `key` and signed at `timestamp`.
fn wechat_callback(
    gateway: &GatewayHandle,
    key: &[u8; 32],
    transaction: &Value,
    timestamp: i64,
    break_tag: bool,
) -> (Vec<(&'static str, String)>, String) {
    let mut resource =
        wechat::EncryptedResource::seal(key, "0123456789ab", "transaction", &transaction.to_string()).unwrap();
    if break_tag {
        use base64::Engine;
        let engine = base64::engine::general_purpose::STANDARD;
        let mut sealed = engine.decode(&resource.ciphertext).unwrap();
        *sealed.last_mut().unwrap() ^= 1;
        resource.ciphertext = engine.encode(sealed);
    }
    let body = json!({"id": "EV-1", "event_type": "TRANSACTION.SUCCESS", "resource_type": "encrypt-resource", "resource": resource}).to_string();
    let signature = wechat::sign_callback(gateway.wechat_signer(), timestamp, "nonce-1", &body).unwrap();
    (
        vec![
            ("Wechatpay-Timestamp", timestamp.to_string()),
            ("Wechatpay-Nonce", "nonce-1".to_owned()),
            ("Wechatpay-Signature", signature),
        ],
        body,
    )
}

#[tokio::test]
async fn wechat_callbacks_with_a_bad_tag_or_a_stale_time_are_refused_and_the_scanned_code_pays() {
    let (_dir, gateway, p, number) = paying(3).await;
    let (status, started) = start_payment(&p, &number, "wechat").await;
    assert_eq!(status, 200, "{started}");
    assert_eq!(started["payUrl"], Value::Null);
    let out_trade_no = started["outTradeNo"].as_str().unwrap().to_owned();
    let code_url = started["codeUrl"].as_str().unwrap().to_owned();

    let key = api_v3_key(&p, &gateway);
    let public_key_pem = std::fs::read_to_string(p.data_dir().join("merchant-key.pub.pem")).unwrap();
    let registration = gateway.register(&RegistrationRequest { name: "x".into(), public_key_pem }).unwrap();
    let transaction = json!({
        "mchid": registration.wechat_merchant_id, "appid": registration.wechat_app_id,
        "out_trade_no": out_trade_no, "transaction_id": "4200000001", "trade_state": "SUCCESS",
        "amount": {"total": 60_000}
    });
    let now = chrono::Utc::now().timestamp();
    let send = |(headers, body): (Vec<(&'static str, String)>, String)| {
        let mut request = reqwest::Client::new()
            .post(p.url("/v1/payments/wechat/notify"))
            .header("Content-Type", "application/json")
            .header("Wechatpay-Serial", registration.wechat_platform_serial.clone());
        for (name, value) in headers {
            request = request.header(name, value);
        }
        async move {
            let answer = request.body(body).send().await.unwrap();
            (answer.status().as_u16(), answer.json::<Value>().await.unwrap_or_default())
        }
    };
    let (status, refused) = send(wechat_callback(&gateway, &key, &transaction, now, true)).await;
    assert_eq!((status, refused["code"].as_str()), (400, Some("FAIL")), "a bad tag: {refused}");
    let (status, refused) = send(wechat_callback(&gateway, &key, &transaction, now - 400, false)).await;
    assert_eq!((status, refused["code"].as_str()), (400, Some("FAIL")), "stale: {refused}");
    // The decrypted resource naming another merchant, another app or a trade that is not this
    // merchant's WeChat Pay payment: refused (the outer body carries nothing that is read).
    for (field, value) in
        [("mchid", "1999999999"), ("appid", "wx0000000000000000"), ("out_trade_no", "999999999999999P01")]
    {
        let mut other = transaction.clone();
        other[field] = json!(value);
        assert_eq!(send(wechat_callback(&gateway, &key, &other, now, false)).await.0, 400, "another {field}");
    }
    assert_eq!(order(&p, &number).await["status"]["state"], "pendingPayment");

    // "Scanning" the code opens the sandbox's cashier; paying there calls the platform back.
    at_cashier(&code_url, "pay").await;
    eventually("the callback", || async { gateway.notifications_delivered() == 1 }).await;
    assert_eq!(order(&p, &number).await["status"]["state"], IN_REVIEW);
    let list = payment_list(&p, &number).await;
    assert_eq!((list[0]["method"].as_str(), list[0]["state"].as_str()), (Some("wechat"), Some("paid")));
    assert_eq!(gateway_transitions(&p, &number).await, 1);
}

#[tokio::test]
async fn a_payment_made_while_the_platform_was_down_is_found_by_reconciliation() {
    let dir = tempfile::tempdir().unwrap();
    // One attempt only: the notification is lost for good.
    let gateway = gateway(&dir.path().join("gateway"), 1).await;
    let data = dir.path().join("platform");
    let database_url = crate::fresh_database();
    let config = |reconcile: f64| {
        let mut config = PlatformConfig::embedded(&data);
        config.database_url = database_url.clone();
        through(&gateway, reconcile)(&mut config);
        config
    };
    let first = Platform::start(config(3600.0)).await.unwrap();
    let http = authed(&first).await;
    let p = TestPlatformView { url: first.url(), http: http.clone() };
    let number = p.order_awaiting_payment().await;
    let (_, started) =
        post_json(&http, &format!("{}/v1/orders/{number}/payments", p.url), &json!({"method": "alipay"})).await;
    let pay_url = started["payUrl"].as_str().unwrap().to_owned();
    first.shutdown().await.unwrap();

    // Paid while the platform is down: the notification finds nobody.
    assert_eq!(at_cashier(&pay_url, "pay").await.status(), 303);

    let second = Platform::start(config(0.2)).await.unwrap();
    let http = authed(&second).await;
    let url = format!("{}/v1/orders/{number}", second.url());
    eventually("reconciliation", || {
        let (http, url) = (http.clone(), url.clone());
        async move { http.get(url).send().await.unwrap().json::<Value>().await.unwrap()["status"]["state"] == IN_REVIEW }
    })
    .await;
    let list: Value = http.get(format!("{url}/payments")).send().await.unwrap().json().await.unwrap();
    assert_eq!(list[0]["state"], "paid");
    assert_eq!(list[0]["notifications"], 0, "paid by the query, not by a notification");
    assert_eq!(gateway.notifications_delivered(), 0);
}

/// What `order_awaiting_payment` needs, for a platform started by hand.
pub(crate) struct TestPlatformView {
    pub url: String,
    pub http: reqwest::Client,
}

impl TestPlatformView {
    pub(crate) async fn order_awaiting_payment(&self) -> String {
        let (status, order) = post_json(&self.http, &format!("{}/v1/orders", self.url), &crate::valid_order()).await;
        assert_eq!(status, 201);
        let number = order["orderNo"].as_str().unwrap().to_owned();
        let res = self
            .http
            .post(format!("{}/v1/orders/{number}/face-verifications", self.url))
            .header("content-type", "image/jpeg")
            .body(crate::fixture_jpeg("astronaut"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.json::<Value>().await.unwrap()["order"]["status"]["state"], "pendingPayment");
        number
    }
}

#[tokio::test]
async fn a_second_payment_of_a_paid_order_is_refunded_and_cancelling_a_paid_order_refunds_it() {
    let (_dir, gateway, p, number) = paying(3).await;
    // Two tabs: 支付宝 and 微信支付 both opened, both paid.
    let (_, first) = start_payment(&p, &number, "alipay").await;
    let (_, second) = start_payment(&p, &number, "wechat").await;
    assert_ne!(first["outTradeNo"], second["outTradeNo"]);
    at_cashier(first["payUrl"].as_str().unwrap(), "pay").await;
    at_cashier(second["codeUrl"].as_str().unwrap(), "pay").await;
    eventually("both notifications", || async { gateway.notifications_delivered() >= 2 }).await;
    let states = || async {
        payment_list(&p, &number).await.iter().map(|p| p["state"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    // Whichever notification arrives first pays the order (they race); the other is refunded.
    let sorted = || async {
        let mut states = states().await;
        states.sort();
        states
    };
    eventually("the refund of the other", || async { sorted().await == ["paid", "refunded"] }).await;
    assert_eq!(gateway_transitions(&p, &number).await, 1);
    let payments = payment_list(&p, &number).await;
    let refunded = payments.iter().find(|p| p["state"] == "refunded").unwrap();
    assert!(refunded["refundedAt"].is_string(), "{refunded}");

    // 撤销 of the paid order: the first payment goes back too.
    let (status, cancelled) = p.post_json(&p.http, &format!("/v1/orders/{number}/cancel"), &json!({})).await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["status"], json!({"state": "cancelled", "refundOwed": true}));
    assert_eq!(states().await, ["refunded", "refunded"]);
    let page = browser().get(first["payUrl"].as_str().unwrap()).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("data-state=\"refunded\""), "the gateway agrees: {page}");
}

#[tokio::test]
async fn going_to_pay_is_refused_when_the_order_cannot_be_paid_that_way() {
    let (_dir, _gateway, p, number) = paying(1).await;
    let path = format!("/v1/orders/{number}/payments");
    let (status, refused) = p.post_json(&p.http, &path, &json!({"method": "counterCash"})).await;
    assert_eq!((status, refused["message"].as_str()), (422, Some("在线支付只能选择支付宝或微信支付")));
    let (status, refused) =
        p.post_json(&p.http, &path, &json!({"method": "alipay", "returnUrl": "https://evil.example/"})).await;
    assert_eq!((status, refused["message"].as_str()), (422, Some("返回地址不在平台允许的范围内")));
    let mut free = crate::valid_order();
    free["providerId"] = "demo-free".into();
    let (_, free) = p.post_json(&p.http, "/v1/orders", &free).await;
    let free_path = format!("/v1/orders/{}/payments", free["orderNo"].as_str().unwrap());
    assert_eq!(p.post_json(&p.http, &free_path, &json!({"method": "alipay"})).await.0, 409);
    assert!(payment_list(&p, &number).await.is_empty(), "nothing opened by the refusals");

    // A platform offering only 支付宝 refuses 微信支付 before recording anything.
    let dir = tempfile::tempdir().unwrap();
    let (private, public) = certdesk_pay::generate_key_pair().unwrap();
    std::fs::write(dir.path().join("merchant.pem"), private).unwrap();
    std::fs::write(dir.path().join("alipay.pub.pem"), public).unwrap();
    let alipay_only = spawn_platform_with(|config| {
        config.payments = certdesk_platform::PaymentsConfig {
            alipay: Some(certdesk_platform::AlipayConfig {
                gateway_url: "http://127.0.0.1:9/gateway.do".into(),
                app_id: "2021000000000000".into(),
                seller_id: "2088000000000000".into(),
                private_key: dir.path().join("merchant.pem"),
                alipay_public_key: dir.path().join("alipay.pub.pem"),
            }),
            ..Default::default()
        }
    })
    .await;
    let number = order_awaiting_payment(&alipay_only).await;
    let (status, refused) = start_payment(&alipay_only, &number, "wechat").await;
    assert_eq!((status, refused["message"].as_str()), (503, Some("平台未开通微信支付，请选择其他付款方式")));
    assert!(payment_list(&alipay_only, &number).await.is_empty(), "no payment waits for a gateway that is not there");

    // A platform without online payment says so.
    let counter_only = spawn_platform_with(|config| config.payments = Default::default()).await;
    let number = order_awaiting_payment(&counter_only).await;
    let (status, refused) = start_payment(&counter_only, &number, "alipay").await;
    assert_eq!((status, refused["message"].as_str()), (503, Some("平台未开通在线支付，请到服务窗口缴费")));
}
