//! 窗口收款: the fee taken at the service counter moves an order from 待支付 to 待审核, once.

use crate::staff::{log_in, staff, step};
use crate::{TestPlatform, fixture_jpeg, register, spawn_platform, valid_order};
use certdesk_api::StaffRole;
use serde_json::{Value, json};

/// A fee order (浙江汇信CA, 2 × ¥300.00) whose applicant passed face verification: 待支付.
pub async fn order_awaiting_payment(p: &TestPlatform) -> String {
    let (status, order) = p.post_json(&p.http, "/v1/orders", &valid_order()).await;
    assert_eq!(status, 201);
    assert_eq!(order["fee"], 60_000);
    let number = order["orderNo"].as_str().unwrap().to_owned();
    let res = p
        .http
        .post(p.url(&format!("/v1/orders/{number}/face-verifications")))
        .header("content-type", "image/jpeg")
        .body(fixture_jpeg("astronaut"))
        .send()
        .await
        .unwrap();
    let result: Value = res.json().await.unwrap();
    assert_eq!(result["order"]["status"], json!({"state": "pendingPayment", "verification": "verified"}));
    number
}

async fn payments(p: &TestPlatform, http: &reqwest::Client, number: &str) -> (u16, Value) {
    let res = http.get(p.url(&format!("/v1/orders/{number}/payments"))).send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test]
async fn the_counter_takes_the_fee_once_and_the_order_goes_to_review() {
    let p = spawn_platform().await;
    let number = order_awaiting_payment(&p).await;
    staff(&p, "counter", &[StaffRole::Counter]);
    let counter = log_in(&p, "counter").await;

    let (status, paid) =
        step(&p, &counter, &number, "counter-payment", json!({"method": "counterCash", "receiptNo": " R-0001 "})).await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(paid["status"], json!({"state": "pendingReview", "verification": "verified"}));

    // A second payment for the same order is refused by the state machine; nothing is recorded twice.
    let (status, refused) =
        step(&p, &counter, &number, "counter-payment", json!({"method": "counterCard", "receiptNo": "R-0002"})).await;
    assert_eq!((status, refused["code"].as_str()), (409, Some("conflict")));

    let (status, list) = payments(&p, &p.http, &number).await;
    assert_eq!(status, 200);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["method"], "counterCash");
    assert_eq!(list[0]["amount"], 60_000);
    assert_eq!(list[0]["state"], "paid");
    assert_eq!(list[0]["receiptNo"], "R-0001");
    assert_eq!(list[0]["outTradeNo"], format!("CTR{number}"));

    let detail: Value =
        p.http.get(p.url(&format!("/v1/orders/{number}/detail"))).send().await.unwrap().json().await.unwrap();
    let last = detail["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["actor"].as_str(), last["reason"].as_str()), (Some("counter"), Some("窗口收款，收据号 R-0001")));

    // 撤销 after paying: the refund is owed.
    let (status, cancelled) = p.post_json(&p.http, &format!("/v1/orders/{number}/cancel"), &json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(cancelled["status"], json!({"state": "cancelled", "refundOwed": true}));
}

#[tokio::test]
async fn only_the_counter_records_payments_and_only_with_a_receipt() {
    let p = spawn_platform().await;
    let number = order_awaiting_payment(&p).await;
    staff(&p, "reviewer", &[StaffRole::Reviewer]);
    staff(&p, "counter", &[StaffRole::Counter]);
    let (reviewer, counter) = (log_in(&p, "reviewer").await, log_in(&p, "counter").await);
    let cash = json!({"method": "counterCash", "receiptNo": "R-1"});
    let (status, refused) = step(&p, &reviewer, &number, "counter-payment", cash.clone()).await;
    assert_eq!((status, refused["code"].as_str()), (403, Some("forbidden")));
    let (status, refused) =
        step(&p, &counter, &number, "counter-payment", json!({"method": "counterCash", "receiptNo": "  "})).await;
    assert_eq!((status, refused["message"].as_str()), (422, Some("请填写收据号（不超过64个字符）")));
    let (status, refused) =
        step(&p, &counter, &number, "counter-payment", json!({"method": "alipay", "receiptNo": "R-1"})).await;
    assert_eq!((status, refused["message"].as_str()), (422, Some("窗口收款的方式只能是现金、刷卡或扫码")));
    // An order not waiting for payment (zero fee) cannot be paid.
    let mut free = valid_order();
    free["providerId"] = "demo-free".into();
    let (_, order) = p.post_json(&p.http, "/v1/orders", &free).await;
    let free_number = order["orderNo"].as_str().unwrap();
    assert_eq!(step(&p, &counter, free_number, "counter-payment", cash.clone()).await.0, 409);
    // Nothing was recorded by the refusals.
    assert_eq!(payments(&p, &p.http, &number).await.1, json!([]));
    // Another organisation does not see this order's payments; staff do.
    let other = register(&p.handle.url(), "另一家公司", "91110000600037341L", "other").await;
    assert_eq!(payments(&p, &other, &number).await.0, 404);
    assert_eq!(payments(&p, &crate::bearer_client(&counter), &number).await.0, 200);
}
