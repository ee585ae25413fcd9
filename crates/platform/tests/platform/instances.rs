//! Several instances on one PostgreSQL database, as behind a load balancer: order numbers and
//! idempotency keys hold across them, a change on one wakes the event feeds of the other, and a
//! gateway notification delivered to both is applied once. These need PostgreSQL: they run in the
//! suite's PostgreSQL pass (`CERTDESK_TEST_DATABASE=postgres`, which `cargo xtask test` runs).

use crate::payments::{AlipayIds, alipay_notification, eventually, gateway, notify_alipay, through};
use certdesk_api::IDEMPOTENCY_KEY;
use certdesk_gateway::{GatewayHandle, RegistrationRequest};
use certdesk_platform::{Platform, PlatformConfig, PlatformHandle};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// Two instances on one database and one data folder (the personal-data key is the deployment's,
/// shared by every instance), paying through one sandbox gateway.
struct Pair {
    dir: tempfile::TempDir,
    gateway: GatewayHandle,
    a: PlatformHandle,
    b: PlatformHandle,
    /// Signed in as the demo organisation: the session is in the database, good on both.
    http: reqwest::Client,
}

async fn two_instances() -> Option<Pair> {
    if !crate::on_postgres() {
        eprintln!("skipped: several instances need PostgreSQL (CERTDESK_TEST_DATABASE=postgres)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let gateway = gateway(&dir.path().join("gateway"), 1).await;
    let database_url = crate::fresh_database();
    let config = || {
        let mut config = PlatformConfig::embedded(dir.path().join("platform"));
        config.database_url = database_url.clone();
        through(&gateway, 3600.0)(&mut config);
        config
    };
    let a = Platform::start(config()).await.unwrap();
    let b = Platform::start(config()).await.unwrap();
    let http = crate::authed(&a).await;
    Some(Pair { dir, gateway, a, b, http })
}

impl Pair {
    fn instance(&self, i: usize) -> &PlatformHandle {
        if i.is_multiple_of(2) { &self.a } else { &self.b }
    }
}

#[tokio::test]
async fn two_hundred_parallel_submits_over_two_instances_are_all_listed_once_with_keys_honoured() {
    let Some(pair) = two_instances().await else { return };
    // 60 keys, each sent once to each instance at the same time, and 80 submits without a key.
    let mut requests: Vec<(usize, Option<String>)> =
        (0..60).flat_map(|i| [(0, Some(format!("key-{i}"))), (1, Some(format!("key-{i}")))]).collect();
    requests.extend((0..80).map(|i| (i, None)));
    assert_eq!(requests.len(), 200);
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|(instance, key)| {
            let http = pair.http.clone();
            let url = format!("{}/v1/orders", pair.instance(instance).url());
            tokio::spawn(async move {
                let mut request = http.post(url).json(&crate::valid_order());
                if let Some(key) = &key {
                    request = request.header(IDEMPOTENCY_KEY, key);
                }
                let res = request.send().await.unwrap();
                let status = res.status().as_u16();
                let body: Value = res.json().await.unwrap();
                assert!(status == 201 || status == 200, "{status} {body}");
                (key, status, body["orderNo"].as_str().unwrap().to_owned())
            })
        })
        .collect();
    let mut by_key: HashMap<String, HashSet<String>> = HashMap::new();
    let mut created = Vec::new();
    for task in tasks {
        let (key, status, number) = task.await.unwrap();
        if status == 201 {
            created.push(number.clone());
        }
        if let Some(key) = key {
            by_key.entry(key).or_default().insert(number);
        }
    }
    assert!(by_key.values().all(|numbers| numbers.len() == 1), "a key made two orders: {by_key:?}");
    assert_eq!(created.len(), 140, "one order per key and one per unkeyed submit");
    let distinct: HashSet<&String> = created.iter().collect();
    assert_eq!(distinct.len(), created.len(), "an order number was given twice");

    // Every one is listed, on either instance, in pages.
    for instance in [&pair.a, &pair.b] {
        let mut listed = HashSet::new();
        for page in 1..=2 {
            let url = format!("{}/v1/orders?page={page}&pageSize=100", instance.url());
            let list: Value = pair.http.get(url).send().await.unwrap().json().await.unwrap();
            assert_eq!(list["total"], 140);
            for item in list["items"].as_array().unwrap() {
                listed.insert(item["orderNo"].as_str().unwrap().to_owned());
            }
        }
        assert_eq!(listed, created.iter().cloned().collect::<HashSet<_>>());
    }
}

#[tokio::test]
async fn a_change_on_one_instance_wakes_a_feed_waiting_on_the_other() {
    let Some(pair) = two_instances().await else { return };
    let (status, order) =
        crate::post_json(&pair.http, &format!("{}/v1/orders", pair.b.url()), &crate::valid_order()).await;
    assert_eq!(status, 201);
    let number = order["orderNo"].as_str().unwrap().to_owned();
    let first: Value =
        pair.http.get(format!("{}/v1/events?after=0", pair.a.url())).send().await.unwrap().json().await.unwrap();
    let last = first["lastId"].as_i64().unwrap();

    let waiting = {
        let (http, url) = (pair.http.clone(), format!("{}/v1/events?after={last}&wait=25", pair.a.url()));
        tokio::spawn(async move { http.get(url).send().await.unwrap().json::<Value>().await.unwrap() })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let cancel = pair.http.post(format!("{}/v1/orders/{number}/cancel", pair.b.url())).send().await.unwrap();
    assert_eq!(cancel.status(), 200);
    // Well before the long-poll's own 25 s: woken by B's change, not by the wait running out.
    let woken = tokio::time::timeout(Duration::from_secs(10), waiting).await.expect("A's feed was not woken").unwrap();
    let events = woken["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{woken}");
    assert_eq!(events[0]["orderNo"], number.as_str());
    assert_eq!(events[0]["event"]["to"]["state"], "cancelled");
}

#[tokio::test]
async fn the_same_notification_delivered_to_both_instances_is_applied_once() {
    let Some(pair) = two_instances().await else { return };
    let view = crate::payments::TestPlatformView { url: pair.a.url(), http: pair.http.clone() };
    let number = view.order_awaiting_payment().await;
    let (status, started) = crate::post_json(
        &pair.http,
        &format!("{}/v1/orders/{number}/payments", pair.a.url()),
        &json!({"method": "alipay"}),
    )
    .await;
    assert_eq!(status, 200, "{started}");
    let out_trade_no = started["outTradeNo"].as_str().unwrap().to_owned();

    let public_key_pem = std::fs::read_to_string(pair.dir.path().join("platform/merchant-key.pub.pem")).unwrap();
    let registration = pair.gateway.register(&RegistrationRequest { name: "x".into(), public_key_pem }).unwrap();
    let ids = AlipayIds { app_id: registration.alipay_app_id, seller_id: registration.alipay_seller_id };
    let body = alipay_notification(pair.gateway.alipay_signer(), &ids, &out_trade_no, "600.00", "TRADE_SUCCESS");
    // Delivered to both at once, several times over, as a gateway retrying behind a balancer might.
    let mut deliveries = tokio::task::JoinSet::new();
    for i in 0..6 {
        deliveries.spawn(notify_alipay(pair.instance(i).url(), body.clone()));
    }
    while let Some(answer) = deliveries.join_next().await {
        assert_eq!(answer.unwrap(), "success");
    }

    let payments_url = format!("{}/v1/orders/{number}/payments", pair.b.url());
    eventually("the payment", || {
        let (http, url) = (pair.http.clone(), payments_url.clone());
        async move { http.get(url).send().await.unwrap().json::<Value>().await.unwrap()[0]["state"] == "paid" }
    })
    .await;
    let payments: Value = pair.http.get(&payments_url).send().await.unwrap().json().await.unwrap();
    assert_eq!(payments.as_array().unwrap().len(), 1, "{payments}");
    assert_eq!(payments[0]["notifications"], 6, "every delivery is kept");
    let detail: Value = pair
        .http
        .get(format!("{}/v1/orders/{number}/detail", pair.a.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let by_gateway =
        detail["history"].as_array().unwrap().iter().filter(|row| row["actor"] == "paymentGateway").count();
    assert_eq!(by_gateway, 1, "the order moved once: {detail}");
    assert_eq!(detail["order"]["status"]["state"], "pendingReview");
}

#[tokio::test]
async fn wrong_passwords_on_one_instance_lock_the_account_on_the_other() {
    let Some(pair) = two_instances().await else { return };
    crate::register(&pair.a.url(), "两实例机构", "91350100M000100Y43", "two-instances").await;
    let log_in = |base: String, password: &'static str| async move {
        let body = json!({"username": "two-instances", "password": password});
        reqwest::Client::new().post(format!("{base}/v1/sessions")).json(&body).send().await.unwrap().status().as_u16()
    };
    for i in 0..5 {
        assert_eq!(log_in(pair.instance(i).url(), "wrong-password").await, 401);
    }
    assert_eq!(log_in(pair.b.url(), "a-long-password").await, 429, "B knows of the failures on A");
    assert_eq!(log_in(pair.a.url(), "a-long-password").await, 429);
}
