//! 编辑 and 重新提交 after 审核未通过, and personal data sealed at rest.

use crate::staff::{log_in, staff, step};
use crate::{TestPlatform, register, spawn_platform, valid_order};
use certdesk_api::StaffRole;
use serde_json::{Value, json};

/// A zero-fee order on the paper path, documents received, rejected by a reviewer with `reason`.
async fn rejected_order(p: &TestPlatform, reason: &str) -> String {
    let mut form = valid_order();
    form["providerId"] = "demo-free".into();
    let (status, order) = p.post_json(&p.http, "/v1/orders", &form).await;
    assert_eq!(status, 201, "{order}");
    let number = order["orderNo"].as_str().unwrap().to_owned();
    let (status, _) = p.post_json(&p.http, &format!("/v1/orders/{number}/paper-documents"), &json!({})).await;
    assert_eq!(status, 200);
    staff(p, "reviewer", &[StaffRole::Reviewer]);
    let reviewer = log_in(p, "reviewer").await;
    assert_eq!(step(p, &reviewer, &number, "materials-received", json!({})).await.0, 200);
    let (status, rejected) = step(p, &reviewer, &number, "reject", json!({"reason": reason})).await;
    assert_eq!(status, 200, "{rejected}");
    number
}

async fn put(p: &TestPlatform, http: &reqwest::Client, number: &str, body: &Value) -> (u16, Value) {
    let res = http.put(p.url(&format!("/v1/orders/{number}/application"))).json(body).send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test]
async fn a_corrected_application_goes_back_to_review_and_the_change_stays_in_the_history() {
    let p = spawn_platform().await;
    let number = rejected_order(&p, "手机号码无法接通").await;

    // 编辑 prefills the form as submitted, the ID number masked.
    let res = p.http.get(p.url(&format!("/v1/orders/{number}/application"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let mut form: Value = res.json().await.unwrap();
    assert_eq!(form["idNumber"], "330***********0018");
    assert_eq!(form["mobile"], "13800138000");
    assert_eq!(form["providerId"], "demo-free");

    form["mobile"] = "13900139000".into();
    let (status, order) = put(&p, &p.http, &number, &form).await;
    assert_eq!(status, 200, "{order}");
    // The identity did not change, so the received documents still count.
    assert_eq!(order["status"], json!({"state": "pendingReview", "verification": "materialsReceived"}));

    let detail: Value =
        p.http.get(p.url(&format!("/v1/orders/{number}/detail"))).send().await.unwrap().json().await.unwrap();
    let history = detail["history"].as_array().unwrap();
    let reasons: Vec<_> = history.iter().map(|e| e["reason"].as_str().unwrap_or("")).collect();
    assert!(reasons.contains(&"手机号码无法接通"), "{reasons:?}");
    assert_eq!(reasons.last(), Some(&"重新提交，修改了：手机号码"));
    assert_eq!(history.last().unwrap()["actor"], "applicant");

    // The stored application is the corrected one; a second resubmission is refused.
    let again: Value =
        p.http.get(p.url(&format!("/v1/orders/{number}/application"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(again["mobile"], "13900139000");
    let (status, refused) = put(&p, &p.http, &number, &again).await;
    assert_eq!((status, refused["code"].as_str()), (409, Some("conflict")));
}

#[tokio::test]
async fn a_new_id_number_means_the_identity_is_verified_again() {
    let p = spawn_platform().await;
    let number = rejected_order(&p, "申领人非本单位员工").await;
    let mut form = valid_order();
    form["providerId"] = "demo-free".into();
    form["applicantName"] = "王芳".into();
    form["idNumber"] = "11010519491231002X".into();
    let (status, order) = put(&p, &p.http, &number, &form).await;
    assert_eq!(status, 200, "{order}");
    assert_eq!(order["status"], json!({"state": "pendingVerification"}));
    assert_eq!(order["applicantName"], "王芳");
    let detail: Value =
        p.http.get(p.url(&format!("/v1/orders/{number}/detail"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(detail["history"].as_array().unwrap().last().unwrap()["reason"], "重新提交，修改了：申领人、身份证号");
}

#[tokio::test]
async fn a_resubmission_is_refused_field_by_field_when_it_breaks_a_rule() {
    let p = spawn_platform().await;
    let number = rejected_order(&p, "地址不详").await;
    let mut form = valid_order();
    form["providerId"] = "zjhx".into();
    form["quantity"] = 3.into();
    form["email"] = "not-an-email".into();
    let (status, refused) = put(&p, &p.http, &number, &form).await;
    assert_eq!((status, refused["code"].as_str()), (422, Some("validation")), "{refused}");
    let fields: Vec<_> = refused["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"email"), "{fields:?}");
    // Provider and quantity fixed the fee: changing them is a new order.
    let mut form = valid_order();
    form["quantity"] = 3.into();
    let (status, refused) = put(&p, &p.http, &number, &form).await;
    assert_eq!(status, 422);
    let messages: Vec<_> =
        refused["fields"].as_array().unwrap().iter().map(|f| f["message"].as_str().unwrap().to_owned()).collect();
    assert!(messages.contains(&"重新提交时不能更改CA服务商，如需更改请撤销后重新申领".to_owned()), "{messages:?}");
    assert!(messages.contains(&"重新提交时不能更改申领数量，如需更改请撤销后重新申领".to_owned()), "{messages:?}");
    // Nothing changed on a refusal.
    let order: Value = p.http.get(p.url(&format!("/v1/orders/{number}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(order["status"]["state"], "rejected");
    // Malformed bodies get the same shape.
    let res = p
        .http
        .put(p.url(&format!("/v1/orders/{number}/application")))
        .header("content-type", "application/json")
        .body("{\"quantity\": \"two\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "badRequest");
}

#[tokio::test]
async fn only_the_organisation_may_read_or_resubmit_its_application() {
    let p = spawn_platform().await;
    let number = rejected_order(&p, "资料不全").await;
    let other = register(&p.handle.url(), "另一家公司", "91110000600037341L", "other").await;
    let res = other.get(p.url(&format!("/v1/orders/{number}/application"))).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let (status, _) = put(&p, &other, &number, &valid_order()).await;
    assert_eq!(status, 404);
    let (status, body) = put(&p, &reqwest::Client::new(), &number, &valid_order()).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthorized")));
    // Staff may read it (for review); they never resubmit for the applicant.
    let reviewer = log_in(&p, "reviewer").await;
    let res = crate::bearer_client(&reviewer).get(p.url(&format!("/v1/orders/{number}/application"))).send().await;
    assert_eq!(res.unwrap().status(), 200);
    let (status, _) = put(&p, &crate::bearer_client(&reviewer), &number, &valid_order()).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn no_id_number_is_stored_in_plain_text() {
    let p = spawn_platform().await;
    let number = rejected_order(&p, "资料不全").await;
    let mut form = valid_order();
    form["providerId"] = "demo-free".into();
    form["idNumber"] = "11010519491231002X".into();
    assert_eq!(put(&p, &p.http, &number, &form).await.0, 200);
    // Every file the platform wrote: the database, its WAL, the key (one that went away while the
    // folder was walked, SQLite's journal or the outbox's partial file, holds nothing at rest).
    for path in crate::every_file(p.data_dir()) {
        let Some(bytes) = crate::read_if_there(&path) else { continue };
        for id in ["330102198001010018", "11010519491231002X"] {
            assert!(!bytes.windows(id.len()).any(|w| w == id.as_bytes()), "{id} in {}", path.display());
        }
    }
}
