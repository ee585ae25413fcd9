//! The events feed: long-polling for what happened, scoped like the orders.

use crate::{TestPlatform, register, spawn_platform, valid_order};
use serde_json::Value;
use std::time::Duration;

async fn feed(p: &TestPlatform, http: &reqwest::Client, query: &str) -> Value {
    let res = http.get(p.url(&format!("/v1/events?{query}"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[tokio::test]
async fn the_feed_lists_what_happened_after_an_id_and_waits_for_the_next() {
    let p = spawn_platform().await;
    let order: Value =
        p.http.post(p.url("/v1/orders")).json(&valid_order()).send().await.unwrap().json().await.unwrap();
    let number = order["orderNo"].as_str().unwrap().to_owned();

    let first = feed(&p, &p.http, "after=0").await;
    assert_eq!(first["events"].as_array().unwrap().len(), 1);
    assert_eq!(first["events"][0]["orderNo"], number.as_str());
    assert_eq!(first["events"][0]["event"]["to"]["state"], "pendingVerification");
    let last = first["lastId"].as_i64().unwrap();

    // Nothing new: a short wait comes back empty, with the same id.
    let idle = feed(&p, &p.http, &format!("after={last}&wait=1")).await;
    assert_eq!((idle["events"].as_array().unwrap().len(), idle["lastId"].as_i64()), (0, Some(last)));

    // A long-poll is answered as soon as something happens.
    let waiting = {
        let http = p.http.clone();
        let url = p.url(&format!("/v1/events?after={last}&wait=20"));
        tokio::spawn(async move { http.get(url).send().await.unwrap().json::<Value>().await.unwrap() })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let cancel = p.http.post(p.url(&format!("/v1/orders/{number}/cancel"))).send().await.unwrap();
    assert_eq!(cancel.status(), 200);
    let woken = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("answered before the wait ran out")
        .unwrap();
    assert_eq!(woken["events"][0]["event"]["to"]["state"], "cancelled");
    assert!(woken["lastId"].as_i64().unwrap() > last);
}

#[tokio::test]
async fn the_feed_shows_an_organisation_only_its_own_orders() {
    let p = spawn_platform().await;
    let other = register(&p.handle.url(), "测试供应商", "91350100M000100Y43", "supplier").await;
    p.http.post(p.url("/v1/orders")).json(&valid_order()).send().await.unwrap();
    let theirs = feed(&p, &other, "after=0").await;
    assert!(theirs["events"].as_array().unwrap().is_empty());
    let anonymous = reqwest::Client::new().get(p.url("/v1/events")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
}
