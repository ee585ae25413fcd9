//! 现场办理 at the service counter: a walk-in's organisation found or registered, the application
//! filled for them, 身份证原件核验 in place of the face capture, 窗口收款, the 受理回执 PDF and
//! 现场发证; and production's 邮寄清单 of the day's shipments.

use crate::cover_sheet::pdf_text;
use crate::staff::{log_in, staff, step};
use crate::{TestPlatform, bearer_client, valid_order};
use crate::{post_json, spawn_platform};
use certdesk_api::StaffRole;
use serde_json::{Value, json};

const WALK_IN: (&str, &str) = ("杭州窗口办理科技有限公司", "91330106MA2CFD8K4X");

fn walk_in_order() -> Value {
    let mut form = valid_order();
    form["organisationName"] = json!(WALK_IN.0);
    form["creditCode"] = json!(WALK_IN.1);
    form["applicantName"] = json!("王窗口");
    form["idNumber"] = json!("11010519491231002X");
    form["delivery"] = json!("counter");
    form
}

async fn get(p: &TestPlatform, token: &str, path: &str) -> reqwest::Response {
    bearer_client(token).get(p.url(path)).send().await.unwrap()
}

#[tokio::test]
async fn a_walk_in_goes_from_registration_to_issued_at_the_counter_and_sees_it_in_its_own_app() {
    let p = spawn_platform().await;
    staff(&p, "counter", &[StaffRole::Counter]);
    let counter = log_in(&p, "counter").await;
    let http = bearer_client(&counter);

    // 现场受理: not registered yet, so the counter registers the organisation's account.
    let res = get(&p, &counter, &format!("/v1/staff/organisations/{}", WALK_IN.1)).await;
    assert_eq!(res.status(), 404);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["message"], "该机构尚未注册申领账号，可在窗口为其注册");
    let registration = json!({"organisationName": WALK_IN.0, "creditCode": WALK_IN.1,
        "username": "walkin", "password": "a-long-password"});
    let (status, account) = p.post_json(&http, "/v1/staff/organisations", &registration).await;
    assert_eq!(status, 201, "{account}");
    assert_eq!((account["username"].as_str(), account["creditCode"].as_str()), (Some("walkin"), Some(WALK_IN.1)));
    let (status, again) = p.post_json(&http, "/v1/staff/organisations", &registration).await;
    assert_eq!((status, again["message"].as_str()), (409, Some("该统一社会信用代码已注册，请直接登录")));
    let found: Value = get(&p, &counter, &format!("/v1/staff/organisations/{}", WALK_IN.1)).await.json().await.unwrap();
    assert_eq!(found["organisationName"], WALK_IN.0);

    // The application, with the same rules as online: a bad mobile is refused by field.
    let mut bad = walk_in_order();
    bad["mobile"] = json!("1380013");
    let (status, refused) = p.post_json(&http, "/v1/staff/counter-orders", &bad).await;
    assert_eq!((status, refused["fields"][0]["field"].as_str()), (422, Some("mobile")), "{refused}");
    let (status, order) = p.post_json(&http, "/v1/staff/counter-orders", &walk_in_order()).await;
    assert_eq!(status, 201, "{order}");
    assert_eq!(order["status"], json!({"state": "pendingVerification"}));
    let number = order["orderNo"].as_str().unwrap().to_owned();

    // 身份证原件核验: what the card says must be what the form says.
    let check = |name: &str, id: &str| json!({"name": name, "idNumber": id});
    let (status, refused) = step(&p, &counter, &number, "id-card-check", check("王窗囗", "11010519491231002X")).await;
    assert_eq!((status, refused["message"].as_str()), (422, Some("身份证姓名与申领表中的申领人姓名不一致，请核对")));
    let (status, refused) = step(&p, &counter, &number, "id-card-check", check("王窗口", "110101199003077777")).await;
    assert_eq!(status, 422, "{refused}");
    let (status, checked) = step(&p, &counter, &number, "id-card-check", check("王窗口", "11010519491231002x")).await;
    assert_eq!(status, 200, "{checked}");
    assert_eq!(checked["status"], json!({"state": "pendingPayment", "verification": "inPerson"}));

    // 窗口收款, then the 受理回执.
    let cash = json!({"method": "counterCash", "receiptNo": "SJ-20261202-07"});
    let (status, paid) = step(&p, &counter, &number, "counter-payment", cash).await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(paid["status"], json!({"state": "pendingReview", "verification": "inPerson"}));
    let res = get(&p, &counter, &format!("/v1/staff/orders/{number}/counter-receipt")).await;
    assert_eq!((res.status().as_u16(), res.headers()["content-type"].to_str().unwrap()), (200, "application/pdf"));
    let text = pdf_text(&res.bytes().await.unwrap());
    for expected in [
        "CA数字证书现场受理回执".to_owned(),
        format!("订单编号：{number}"),
        WALK_IN.0.to_owned(),
        WALK_IN.1.to_owned(),
        "王窗口".to_owned(),
        "¥600.00".to_owned(),
        "现金".to_owned(),
        "SJ-20261202-07".to_owned(),
        "counter（测试）".to_owned(),
        "待审核 (现场核验)".to_owned(),
    ] {
        assert!(text.contains(&expected), "{expected} not in:\n{text}");
    }

    // 现场发证: the counter approves and hands the certificate over.
    let (status, approved) = step(&p, &counter, &number, "approve", json!({})).await;
    assert_eq!(status, 200, "{approved}");
    crate::certificates::issue_all(&p, &crate::bearer_client(&counter), &number).await;
    let (status, issued) = step(&p, &counter, &number, "issue-on-site", json!({})).await;
    assert_eq!(status, 200, "{issued}");
    assert_eq!(issued["status"]["state"], "issued");
    assert_eq!(issued["status"]["delivery"], json!({"method": "onSite"}));

    // The order is the organisation's: in its own list, with the counter's steps in its history.
    let (status, session) = post_json(
        &reqwest::Client::new(),
        &p.url("/v1/sessions"),
        &json!({"username": "walkin", "password": "a-long-password"}),
    )
    .await;
    assert_eq!(status, 200, "{session}");
    let own = bearer_client(session["token"].as_str().unwrap());
    let list: Value = own.get(p.url("/v1/orders")).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["orderNo"], number.as_str());
    let detail: Value =
        own.get(p.url(&format!("/v1/orders/{number}/detail"))).send().await.unwrap().json().await.unwrap();
    let history = detail["history"].as_array().unwrap();
    let actors: Vec<&str> = history.iter().map(|h| h["actor"].as_str().unwrap()).collect();
    assert_eq!(actors, ["counter"; 5], "{history:?}");
    assert!(history.iter().all(|h| h["staffName"].is_null()), "applicants do not see who: {history:?}");
    assert_eq!(history[1]["reason"], "身份证原件核验一致（110***********002X）");
    // Staff do.
    let staff_view: Value =
        http.get(p.url(&format!("/v1/orders/{number}/detail"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(staff_view["history"][0]["staffName"], "counter（测试）");

    // The demo organisation sees none of it.
    let demo: Value = p.http.get(p.url("/v1/orders")).send().await.unwrap().json().await.unwrap();
    assert_eq!(demo["total"], 0);
}

#[tokio::test]
async fn the_counter_cannot_submit_for_an_unregistered_organisation_and_other_roles_are_refused() {
    let p = spawn_platform().await;
    staff(&p, "counter", &[StaffRole::Counter]);
    staff(&p, "reviewer", &[StaffRole::Reviewer]);
    let (counter, reviewer) = (log_in(&p, "counter").await, log_in(&p, "reviewer").await);

    let (status, refused) = p.post_json(&bearer_client(&counter), "/v1/staff/counter-orders", &walk_in_order()).await;
    assert_eq!((status, refused["message"].as_str()), (404, Some("该机构尚未注册申领账号，请先为其注册")));

    let reviewer_http = bearer_client(&reviewer);
    let res = get(&p, &reviewer, "/v1/staff/organisations/91330106MA27XY812F").await;
    assert_eq!(res.status(), 403);
    let (status, _) = p.post_json(&reviewer_http, "/v1/staff/counter-orders", &valid_order()).await;
    assert_eq!(status, 403);
    let (_, order) = p.post_json(&p.http, "/v1/orders", &valid_order()).await;
    let number = order["orderNo"].as_str().unwrap();
    let card = json!({"name": "陈晨", "idNumber": "330102198001010018"});
    let (status, refused) = step(&p, &reviewer, number, "id-card-check", card.clone()).await;
    assert_eq!((status, refused["message"].as_str()), (403, Some("您的角色无权身份证原件核验")));
    assert_eq!(get(&p, &reviewer, &format!("/v1/staff/orders/{number}/counter-receipt")).await.status(), 403);
    // The applicant cannot check its own ID at the counter either.
    let (status, _) = p.post_json(&p.http, &format!("/v1/staff/orders/{number}/id-card-check"), &card).await;
    assert_eq!(status, 401);
    // An online order's card check at the counter works like the walk-in's (the applicant came in).
    let (status, checked) = step(&p, &counter, number, "id-card-check", card).await;
    assert_eq!((status, checked["status"]["verification"].as_str()), (200, Some("inPerson")));
}

#[tokio::test]
async fn the_shipping_list_has_the_days_parcels() {
    let p = spawn_platform().await;
    staff(&p, "desk", &[StaffRole::Reviewer, StaffRole::Producer, StaffRole::Counter]);
    let desk = log_in(&p, "desk").await;
    let (_, order) = p.post_json(&p.http, "/v1/orders", &valid_order()).await;
    let number = order["orderNo"].as_str().unwrap().to_owned();
    let card = json!({"name": "陈晨", "idNumber": "330102198001010018"});
    assert_eq!(step(&p, &desk, &number, "id-card-check", card).await.0, 200);
    let cash = json!({"method": "counterCard", "receiptNo": "R-9"});
    assert_eq!(step(&p, &desk, &number, "counter-payment", cash).await.0, 200);
    assert_eq!(step(&p, &desk, &number, "approve", json!({})).await.0, 200);
    crate::certificates::issue_all(&p, &crate::bearer_client(&desk), &number).await;
    let parcel = json!({"courier": "顺丰速运", "trackingNo": "SF1234567890123"});
    assert_eq!(step(&p, &desk, &number, "ship", parcel).await.0, 200);

    let res = get(&p, &desk, "/v1/staff/shipping-list").await;
    assert_eq!(res.status(), 200);
    let text = pdf_text(&res.bytes().await.unwrap());
    for expected in [&number, "晨安入驻供应商", "顺丰速运", "SF1234567890123", "共 1 件", "邮寄人：desk（测试）"]
    {
        assert!(text.contains(expected), "{expected} not in:\n{text}");
    }
    let res = get(&p, &desk, "/v1/staff/shipping-list?date=2020-01-02").await;
    let text = pdf_text(&res.bytes().await.unwrap());
    assert!(text.contains("CA证书邮寄清单 · 2020-01-02") && text.contains("当日没有邮寄的证书"), "{text}");
    let res = get(&p, &desk, "/v1/staff/shipping-list?date=yesterday").await;
    assert_eq!(res.status(), 400);

    staff(&p, "clerk", &[StaffRole::Counter]);
    let clerk = log_in(&p, "clerk").await;
    assert_eq!(get(&p, &clerk, "/v1/staff/shipping-list").await.status(), 403);
}
