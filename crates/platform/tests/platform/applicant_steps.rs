//! The applicant's own steps: 邮寄纸质资料, 撤销, 发票申请; and the whole zero-fee paper path.

use crate::{TestPlatform, register, spawn_platform, valid_order};
use certdesk_api::StaffRole;
use certdesk_platform::staff::NewStaff;
use serde_json::{Value, json};

async fn post(p: &TestPlatform, http: &reqwest::Client, path: &str, body: Value) -> (u16, Value) {
    p.post_json(http, path, &body).await
}

async fn free_order(p: &TestPlatform) -> String {
    let mut form = valid_order();
    form["providerId"] = "demo-free".into();
    let (status, order) = post(p, &p.http, "/v1/orders", form).await;
    assert_eq!(status, 201);
    order["orderNo"].as_str().unwrap().to_owned()
}

async fn staff_client(p: &TestPlatform) -> reqwest::Client {
    let new = NewStaff {
        username: "counter".into(),
        display_name: "窗口".into(),
        password: "correct-horse-battery".into(),
        roles: vec![StaffRole::Counter, StaffRole::Producer],
    };
    p.add_staff(&new);
    let (_, session) = post(
        p,
        &reqwest::Client::new(),
        "/v1/staff/sessions",
        json!({"username": "counter", "password": "correct-horse-battery"}),
    )
    .await;
    crate::bearer_client(session["token"].as_str().unwrap())
}

#[tokio::test]
async fn the_zero_fee_paper_path_runs_from_submission_to_issuance() {
    let p = spawn_platform().await;
    let staff = staff_client(&p).await;
    let number = free_order(&p).await;
    let order = |action: &str| format!("/v1/orders/{number}/{action}");
    let staff_step = |action: &str| format!("/v1/staff/orders/{number}/{action}");

    let (status, chosen) = post(&p, &p.http, &order("paper-documents"), json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(chosen["status"], json!({"state": "pendingReview", "verification": "awaitingMaterials"}));
    let (status, _) = post(&p, &staff, &staff_step("materials-received"), json!({})).await;
    assert_eq!(status, 200);
    let (status, _) = post(&p, &staff, &staff_step("approve"), json!({})).await;
    assert_eq!(status, 200);
    crate::certificates::issue_all(&p, &staff, &number).await;
    let (status, issued) =
        post(&p, &staff, &staff_step("ship"), json!({"courier": "EMS", "trackingNo": "1187654321"})).await;
    assert_eq!(status, 200);
    assert_eq!(issued["status"]["state"], "issued");
    let form = json!({"title": "晨安入驻供应商", "taxpayerId": "91330106MA27XY812F", "email": "finance@example.com"});
    let (status, refused) = post(&p, &p.http, &order("invoice"), form).await;
    assert_eq!((status, refused["message"].as_str()), (409, Some("本次申领无需缴费，没有可开具的发票")));

    let detail: Value = p.http.get(p.url(&order("detail"))).send().await.unwrap().json().await.unwrap();
    let steps: Vec<(&str, &str)> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["actor"].as_str().unwrap(), e["to"]["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [
            ("applicant", "pendingVerification"),
            ("applicant", "pendingReview"),
            ("counter", "pendingReview"),
            ("counter", "approved"),
            ("producer", "issued"),
        ]
    );
}

#[tokio::test]
async fn a_fee_order_on_the_paper_path_waits_for_payment() {
    let p = spawn_platform().await;
    let (_, order) = post(&p, &p.http, "/v1/orders", valid_order()).await;
    let number = order["orderNo"].as_str().unwrap();
    let (status, chosen) = post(&p, &p.http, &format!("/v1/orders/{number}/paper-documents"), json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(chosen["status"], json!({"state": "pendingPayment", "verification": "awaitingMaterials"}));
}

#[tokio::test]
async fn cancelling_is_the_applicants_own_and_only_once() {
    let p = spawn_platform().await;
    let number = free_order(&p).await;
    let cancel = format!("/v1/orders/{number}/cancel");
    let (status, cancelled) = post(&p, &p.http, &cancel, json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(cancelled["status"], json!({"state": "cancelled", "refundOwed": false}));
    let (status, again) = post(&p, &p.http, &cancel, json!({})).await;
    assert_eq!((status, again["message"].as_str()), (409, Some("订单当前状态为“已撤销”，不能撤销")));

    let other = register(&p.handle.url(), "测试供应商", "91350100M000100Y43", "supplier").await;
    let mine = free_order(&p).await;
    let (status, _) = post(&p, &other, &format!("/v1/orders/{mine}/cancel"), json!({})).await;
    assert_eq!(status, 404, "another organisation's order cannot be cancelled, nor seen to exist");
    let (status, _) = post(&p, &reqwest::Client::new(), &format!("/v1/orders/{mine}/cancel"), json!({})).await;
    assert_eq!(status, 401);
    // An applicant's session is no staff session.
    let (status, _) = post(&p, &p.http, &format!("/v1/staff/orders/{mine}/approve"), json!({})).await;
    assert_eq!(status, 401);
}
