//! Refunds owed, made and confirmed: 撤销 records the refund in its own transaction, a refund is
//! done only when the gateway confirms it, the ones it refuses and the ones owed at the counter wait
//! in the staff list, and none is ever made twice.

use crate::payments::{
    TestPlatformView, at_cashier, browser, eventually, gateway, payment_list, start_payment, through,
};
use crate::{TestPlatform, authed, post_json, spawn_platform_with};
use certdesk_api::StaffRole;
use certdesk_gateway::{GatewayHandle, RefundMode, RefundState};
use certdesk_platform::{Fault, Platform, PlatformConfig};
use serde_json::{Value, json};

/// A platform paying through `gateway`, reconciling every 0.2 s, and an order of it paid with
/// `method` at the cashier: its number and the payment's trade number.
async fn paid_order(gateway: &GatewayHandle, method: &str) -> (TestPlatform, String, String) {
    let p = spawn_platform_with(through(gateway, 0.2)).await;
    let number = crate::counter_payment::order_awaiting_payment(&p).await;
    let (_, started) = start_payment(&p, &number, method).await;
    let page = started["payUrl"].as_str().or(started["codeUrl"].as_str()).unwrap().to_owned();
    at_cashier(&page, "pay").await;
    eventually("the payment", || async { payment_list(&p, &number).await[0]["state"] == "paid" }).await;
    (p, number, started["outTradeNo"].as_str().unwrap().to_owned())
}

async fn staff_client(p: &TestPlatform, username: &str, roles: &[StaffRole]) -> reqwest::Client {
    crate::staff::staff(p, username, roles);
    crate::bearer_client(&crate::staff::log_in(p, username).await)
}

async fn refunds_owed(p: &TestPlatform, staff: &reqwest::Client) -> Vec<Value> {
    let list: Value = staff.get(p.url("/v1/staff/refunds")).send().await.unwrap().json().await.unwrap();
    list.as_array().unwrap_or_else(|| panic!("{list}")).clone()
}

async fn cancel(p: &TestPlatform, number: &str) -> (u16, Value) {
    p.post_json(&p.http, &format!("/v1/orders/{number}/cancel"), &json!({})).await
}

#[tokio::test]
async fn a_refund_reported_processing_stays_processing_until_the_gateway_confirms_it() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = gateway(dir.path(), 3).await;
    for method in ["wechat", "alipay"] {
        let (p, number, out_trade_no) = paid_order(&gateway, method).await;
        let reviewer = staff_client(&p, "refund-reviewer", &[StaffRole::Reviewer]).await;
        gateway.set_refund_mode(RefundMode::Processing);
        let (status, cancelled) = cancel(&p, &number).await;
        assert_eq!(status, 200, "{cancelled}");
        assert_eq!(cancelled["status"], json!({"state": "cancelled", "refundOwed": true}));

        // Accepted and not confirmed, through several reconciliations: still processing.
        tokio::time::sleep(std::time::Duration::from_millis(800)).await;
        let owed = refunds_owed(&p, &reviewer).await;
        assert_eq!(owed.len(), 1, "{method}: {owed:?}");
        assert_eq!(
            (owed[0]["state"].as_str(), owed[0]["orderNo"].as_str()),
            (Some("processing"), Some(number.as_str()))
        );
        assert_eq!(owed[0]["amount"], 60_000);
        assert_eq!(payment_list(&p, &number).await[0]["state"], "paid", "{method}: not refunded until confirmed");

        // Confirmed: by WeChat Pay's refund notification, or Alipay's refund query.
        let out_request_no = owed[0]["outRequestNo"].as_str().unwrap().to_owned();
        assert!(gateway.finish_refund(&out_request_no, RefundState::Success));
        eventually("the confirmation", || async { payment_list(&p, &number).await[0]["state"] == "refunded" }).await;
        assert!(refunds_owed(&p, &reviewer).await.is_empty());
        assert_eq!(gateway.refunds_of(&out_trade_no).len(), 1, "{method}: refunded once");
        // And the organisation is told, once (the platform has no SMTP server: an .eml file).
        let mail = crate::mail::eml_messages(&p, 1).await;
        assert!(mail[0].subject.contains("退款已完成") && mail[0].subject.contains(&number), "{:?}", mail[0].subject);
        assert!(mail[0].text.contains("¥600.00"), "{}", mail[0].text);
        assert_eq!(mail[0].rcpt_to, "", "written, not sent");
        assert_eq!(mail[0].to, "invoice@example.com");
        gateway.set_refund_mode(RefundMode::Immediate);
    }
}

#[tokio::test]
async fn a_refund_the_gateway_refuses_reaches_the_staff_list_and_is_not_sent_again() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = gateway(dir.path(), 3).await;
    let (p, number, out_trade_no) = paid_order(&gateway, "alipay").await;
    let reviewer = staff_client(&p, "refund-reviewer", &[StaffRole::Reviewer]).await;
    gateway.set_refund_mode(RefundMode::Refuse);
    assert_eq!(cancel(&p, &number).await.0, 200);
    gateway.set_refund_mode(RefundMode::Immediate);
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;

    let owed = refunds_owed(&p, &reviewer).await;
    assert_eq!(owed.len(), 1, "{owed:?}");
    assert_eq!(owed[0]["state"], "failed");
    assert!(owed[0]["lastError"].as_str().unwrap().contains("余额不足"), "{}", owed[0]);
    assert_eq!(owed[0]["outTradeNo"], out_trade_no.as_str());
    assert!(gateway.refunds_of(&out_trade_no).is_empty(), "a refused refund is not retried behind staff's back");
    assert_eq!(payment_list(&p, &number).await[0]["state"], "paid");
    // The staff lists are the staff's.
    let res = p.http.get(p.url("/v1/staff/refunds")).send().await.unwrap();
    assert_eq!(res.status(), 401);
}

async fn order_state(url: &str, http: &reqwest::Client, number: &str) -> Value {
    let order: Value = http.get(format!("{url}/v1/orders/{number}")).send().await.unwrap().json().await.unwrap();
    order["status"].clone()
}

#[tokio::test]
async fn a_crash_around_cancelling_leaves_nothing_half_done_and_the_refund_is_sent_once() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = gateway(&dir.path().join("gateway"), 3).await;
    let data = dir.path().join("platform");
    let database_url = crate::fresh_database();
    let config = |fault: Option<Fault>| {
        let mut config = PlatformConfig::embedded(&data);
        config.database_url = database_url.clone();
        through(&gateway, if fault.is_some() { 3600.0 } else { 0.2 })(&mut config);
        config.fault = fault;
        config
    };

    // A failure inside the transaction, after the order's change: none of it stays.
    let first = Platform::start(config(Some(Fault::CancelBeforeRefundRecorded))).await.unwrap();
    let view = TestPlatformView { url: first.url(), http: authed(&first).await };
    let number = view.order_awaiting_payment().await;
    let (_, started) =
        post_json(&view.http, &format!("{}/v1/orders/{number}/payments", view.url), &json!({"method": "alipay"})).await;
    let pay_url = started["payUrl"].as_str().unwrap().to_owned();
    let out_trade_no = started["outTradeNo"].as_str().unwrap().to_owned();
    at_cashier(&pay_url, "pay").await;
    eventually("the payment", || {
        let (url, http) = (view.url.clone(), view.http.clone());
        let number = number.clone();
        async move { order_state(&url, &http, &number).await["state"] == "pendingReview" }
    })
    .await;
    let (status, _) = post_json(&view.http, &format!("{}/v1/orders/{number}/cancel", view.url), &json!({})).await;
    assert_eq!(status, 500);
    assert_eq!(order_state(&view.url, &view.http, &number).await["state"], "pendingReview", "not cancelled");
    first.shutdown().await.unwrap();

    // Stopped after the transaction, before the refund is sent: cancelled, the refund owed.
    let second = Platform::start(config(Some(Fault::CancelBeforeRefundSent))).await.unwrap();
    let view = TestPlatformView { url: second.url(), http: authed(&second).await };
    let (status, _) = post_json(&view.http, &format!("{}/v1/orders/{number}/cancel", view.url), &json!({})).await;
    assert_eq!(status, 500);
    assert_eq!(order_state(&view.url, &view.http, &number).await, json!({"state": "cancelled", "refundOwed": true}));
    second.shutdown().await.unwrap();
    // The refund owed is on record (the stopped handler never sent it; the platform's own start-up
    // pass of reconciliation may have, racing the request).
    let trade = out_trade_no.clone();
    let owed: i64 = certdesk_platform::store::outside_runtime(|| {
        let db = certdesk_platform::store::Db::open(database_url.as_deref(), &data.join("platform.db"))?;
        db.read(|c| {
            c.query_one(
                "SELECT COUNT(*) FROM refunds WHERE out_trade_no = ?1",
                certdesk_platform::params![trade],
                |r| r.get(0),
            )
        })
    })
    .unwrap();
    assert_eq!(owed, 1);

    // Started again: reconciliation sends the refund owed, once.
    let third = Platform::start(config(None)).await.unwrap();
    let http = authed(&third).await;
    let payments = format!("{}/v1/orders/{number}/payments", third.url());
    eventually("the refund", || {
        let (http, payments) = (http.clone(), payments.clone());
        async move { http.get(payments).send().await.unwrap().json::<Value>().await.unwrap()[0]["state"] == "refunded" }
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let refunds = gateway.refunds_of(&out_trade_no);
    assert_eq!(refunds.len(), 1, "{refunds:?}");
    assert_eq!((refunds[0].1, refunds[0].2), (60_000, RefundState::Success));
    let page = browser().get(&pay_url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("data-state=\"refunded\""), "the gateway agrees");
}

#[tokio::test]
async fn a_cancelled_counter_payment_waits_in_the_list_until_the_counter_gives_it_back() {
    let p = spawn_platform_with(|_| {}).await;
    let counter = staff_client(&p, "refund-counter", &[StaffRole::Counter]).await;
    let reviewer = staff_client(&p, "refund-reviewer", &[StaffRole::Reviewer]).await;
    let number = crate::counter_payment::order_awaiting_payment(&p).await;
    let path = format!("/v1/staff/orders/{number}/counter-payment");
    let (status, _) = p.post_json(&counter, &path, &json!({"method": "counterCash", "receiptNo": "R-100"})).await;
    assert_eq!(status, 200);
    assert_eq!(cancel(&p, &number).await.0, 200);

    let owed = refunds_owed(&p, &reviewer).await;
    assert_eq!(owed.len(), 1, "{owed:?}");
    assert_eq!((owed[0]["method"].as_str(), owed[0]["state"].as_str()), (Some("counterCash"), Some("requested")));
    assert_eq!(owed[0]["outRequestNo"], Value::Null, "nothing is sent anywhere for it");

    let refund_path = format!("/v1/staff/orders/{number}/counter-refund");
    let (status, _) = p.post_json(&reviewer, &refund_path, &json!({"receiptNo": "TK-1"})).await;
    assert_eq!(status, 403, "the counter's to do");
    let (status, _) = p.post_json(&counter, &refund_path, &json!({"receiptNo": " "})).await;
    assert_eq!(status, 422);
    let (status, payments) = p.post_json(&counter, &refund_path, &json!({"receiptNo": "TK-1"})).await;
    assert_eq!(status, 200, "{payments}");
    assert_eq!(payments[0]["state"], "refunded");
    assert!(payments[0]["refundedAt"].is_string());
    assert!(refunds_owed(&p, &reviewer).await.is_empty());
    let (status, again) = p.post_json(&counter, &refund_path, &json!({"receiptNo": "TK-2"})).await;
    assert_eq!((status, again["message"].as_str()), (409, Some("该订单没有待退还的窗口收款")));
    let detail: Value =
        p.http.get(p.url(&format!("/v1/orders/{number}/detail"))).send().await.unwrap().json().await.unwrap();
    let last = detail["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["reason"], "窗口退款，凭证号 TK-1", "{last}");
}

#[tokio::test]
async fn the_days_bills_are_compared_with_the_platforms_records_and_every_difference_is_reported() {
    use certdesk_pay::client::AlipayMerchant;
    use certdesk_pay::{RsaSigner, RsaVerifier};
    let dir = tempfile::tempdir().unwrap();
    let gateway = gateway(dir.path(), 3).await;
    // In step: A paid with 支付宝, W paid with 微信支付 and refunded after 撤销.
    let (p, _a, _) = paid_order(&gateway, "alipay").await;
    let w = crate::counter_payment::order_awaiting_payment(&p).await;
    let (_, started) = start_payment(&p, &w, "wechat").await;
    at_cashier(started["codeUrl"].as_str().unwrap(), "pay").await;
    eventually("the payment", || async { payment_list(&p, &w).await[0]["state"] == "paid" }).await;
    assert_eq!(cancel(&p, &w).await.0, 200);
    eventually("the refund", || async { payment_list(&p, &w).await[0]["state"] == "refunded" }).await;

    // Paid there, never opened here: a trade under the platform's merchant the platform knows nothing of.
    let ids = crate::payments::alipay_ids(&p, &gateway);
    let registration_key = std::fs::read_to_string(p.data_dir().join("merchant-key.pub.pem")).unwrap();
    let registration = gateway
        .register(&certdesk_gateway::RegistrationRequest { name: "x".into(), public_key_pem: registration_key })
        .unwrap();
    let merchant = AlipayMerchant::new(
        gateway.alipay_gateway_url(),
        ids.app_id,
        ids.seller_id,
        RsaSigner::from_pkcs8_pem(&std::fs::read_to_string(p.data_dir().join("merchant-key.pem")).unwrap()).unwrap(),
        RsaVerifier::from_public_key_pem(&registration.alipay_public_key_pem).unwrap(),
    );
    let stray = "999999999999999P09";
    let url =
        merchant.page_pay_url(stray, 12_300, "CA数字证书", "certdesk://pay/return", "http://127.0.0.1:9/n").unwrap();
    at_cashier(&url, "pay").await;

    // The platform's records changed behind its back: B's amount, and C paid here only.
    let b = crate::counter_payment::order_awaiting_payment(&p).await;
    let (_, started) = start_payment(&p, &b, "alipay").await;
    let b_trade = started["outTradeNo"].as_str().unwrap().to_owned();
    at_cashier(started["payUrl"].as_str().unwrap(), "pay").await;
    eventually("the payment", || async { payment_list(&p, &b).await[0]["state"] == "paid" }).await;
    let c = crate::counter_payment::order_awaiting_payment(&p).await;
    let c_trade = format!("{c}P07");
    let now = chrono::Utc::now().with_timezone(&certdesk_core::SHANGHAI).to_rfc3339();
    let (b_, c_, c_trade_, now_) = (b_trade.clone(), c.clone(), c_trade.clone(), now.clone());
    p.db(move |db| {
        db.write(|conn| {
            conn.execute(
                "UPDATE payments SET amount_fen = 50000 WHERE out_trade_no = ?1",
                certdesk_platform::params![b_],
            )?;
            conn.execute(
                "INSERT INTO payments (order_no, out_trade_no, method, amount_fen, state, created_at, paid_at)
                 VALUES (?1, ?2, 'alipay', 60000, 'paid', ?3, ?3)",
                certdesk_platform::params![c_, c_trade_, now_],
            )
        })
    })
    .await;

    let reviewer = staff_client(&p, "bill-reviewer", &[StaffRole::Reviewer]).await;
    let today = &now[..10];
    let report: Value = reviewer
        .get(p.url(&format!("/v1/staff/reconciliation?date={today}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(report["date"], today);
    let of =
        |method: &str| report["gateways"].as_array().unwrap().iter().find(|g| g["method"] == method).unwrap().clone();
    let (alipay, wechat) = (of("alipay"), of("wechat"));
    assert_eq!(wechat["differences"], json!([]), "{wechat}");
    assert_eq!(
        (wechat["billLines"].as_u64(), wechat["ourLines"].as_u64()),
        (Some(2), Some(2)),
        "a payment and its refund"
    );
    assert_eq!((alipay["billLines"].as_u64(), alipay["ourLines"].as_u64()), (Some(3), Some(3)), "{alipay}");
    let mut differences: Vec<(String, String, Value, Value)> = alipay["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            assert_eq!(d["line"], "payment");
            (
                d["kind"].as_str().unwrap().into(),
                d["outTradeNo"].as_str().unwrap().into(),
                d["billAmount"].clone(),
                d["ourAmount"].clone(),
            )
        })
        .collect();
    differences.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let mut expected = vec![
        ("amountDiffers".to_owned(), b_trade.clone(), json!(60_000), json!(50_000)),
        ("hereNotThere".to_owned(), c_trade.clone(), Value::Null, json!(60_000)),
        ("thereNotHere".to_owned(), stray.to_owned(), json!(12_300), Value::Null),
    ];
    expected.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    assert_eq!(differences, expected);

    let bad = reviewer.get(p.url("/v1/staff/reconciliation?date=2026-13-01")).send().await.unwrap();
    assert_eq!(bad.status(), 400);
    let nothing = reviewer.get(p.url("/v1/staff/reconciliation?date=2020-01-01")).send().await.unwrap();
    let nothing: Value = nothing.json().await.unwrap();
    assert!(nothing["gateways"].as_array().unwrap().iter().all(|g| g["differences"] == json!([])));
}
