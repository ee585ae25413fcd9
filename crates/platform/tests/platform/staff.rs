//! The staff workbench: logging in, roles, and the review → production → issuance steps.

use crate::{TestPlatform, spawn_platform, valid_order};
use certdesk_api::StaffRole;
use certdesk_platform::staff::{NewStaff, add_staff};

use serde_json::{Value, json};

const PASSWORD: &str = "correct-horse-battery";

pub fn staff(p: &TestPlatform, username: &str, roles: &[StaffRole]) {
    let new = NewStaff {
        username: username.into(),
        display_name: format!("{username}（测试）"),
        password: PASSWORD.into(),
        roles: roles.to_vec(),
    };
    p.add_staff(&new);
}

pub async fn log_in(p: &TestPlatform, username: &str) -> String {
    let res = p
        .http
        .post(p.url("/v1/staff/sessions"))
        .json(&json!({"username": username, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
}

/// Submits an order and moves it to 待审核 directly in the database: face verification and the
/// applicant's paper-documents choice arrive with their own endpoints (face capture, applicant accounts).
pub async fn order_in_review(p: &TestPlatform, verification: &str) -> String {
    let order: Value =
        p.http.post(p.url("/v1/orders")).json(&valid_order()).send().await.unwrap().json().await.unwrap();
    let number = order["orderNo"].as_str().unwrap().to_owned();
    into_review(p, &number, verification).await;
    number
}

/// Order `number` moved to 待审核, paid, with `verification` (what 认证 and 缴费 would have done).
pub async fn into_review(p: &TestPlatform, number: &str, verification: &str) {
    let status = format!(r#"{{"state":"pendingReview","verification":"{verification}"}}"#);
    let (number_, verification) = (number.to_owned(), verification.to_owned());
    p.db(move |db| {
        db.write(|c| {
            c.execute(
                "UPDATE orders SET status = ?1, status_code = 'pendingReview', paid = TRUE, verification = ?3
                 WHERE order_no = ?2",
                certdesk_platform::params![status, number_, verification],
            )
        })
    })
    .await;
}

pub async fn step(p: &TestPlatform, token: &str, number: &str, action: &str, body: Value) -> (u16, Value) {
    p.post_json(&crate::bearer_client(token), &format!("/v1/staff/orders/{number}/{action}"), &body).await
}

#[tokio::test]
async fn a_reviewer_approves_and_a_producer_mails_the_certificate() {
    let p = spawn_platform().await;
    staff(&p, "reviewer", &[StaffRole::Reviewer]);
    staff(&p, "producer", &[StaffRole::Producer]);
    let (reviewer, producer) = (log_in(&p, "reviewer").await, log_in(&p, "producer").await);
    let number = order_in_review(&p, "verified").await;

    let queue: Value =
        p.http.get(p.url("/v1/staff/review-queue")).bearer_auth(&reviewer).send().await.unwrap().json().await.unwrap();
    assert_eq!(queue[0]["order"]["orderNo"], number.as_str());
    assert_eq!(queue[0]["overdue"], false);

    let (status, approved) = step(&p, &reviewer, &number, "approve", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(approved["status"], json!({"state": "approved", "verification": "verified"}));

    let (status, refused) =
        step(&p, &producer, &number, "ship", json!({"courier": "顺丰速运", "trackingNo": " "})).await;
    assert_eq!((status, refused["message"].as_str()), (422, Some("请填写快递公司和运单号")));
    crate::certificates::issue_all(&p, &crate::bearer_client(&producer), &number).await;
    let (status, issued) =
        step(&p, &producer, &number, "ship", json!({"courier": "顺丰速运", "trackingNo": "SF1234567890"})).await;
    assert_eq!(status, 200);
    assert_eq!(
        issued["status"],
        json!({"state": "issued", "verification": "verified",
               "delivery": {"method": "mailed", "courier": "顺丰速运", "trackingNo": "SF1234567890"},
               "invoice": "notRequested"})
    );

    let detail: Value =
        p.http.get(p.url(&format!("/v1/orders/{number}/detail"))).send().await.unwrap().json().await.unwrap();
    let actors: Vec<&str> =
        detail["history"].as_array().unwrap().iter().map(|e| e["actor"].as_str().unwrap()).collect();
    assert_eq!(actors, ["applicant", "reviewer", "producer"]);
}

#[tokio::test]
async fn a_rejection_needs_a_reason_and_paper_documents_must_arrive_before_review() {
    let p = spawn_platform().await;
    staff(&p, "counter", &[StaffRole::Counter]);
    let counter = log_in(&p, "counter").await;
    let number = order_in_review(&p, "awaitingMaterials").await;

    let (status, body) = step(&p, &counter, &number, "approve", json!({})).await;
    assert_eq!((status, body["message"].as_str()), (409, Some("纸质资料尚未收到，收到后方可审核")));
    let (status, _) = step(&p, &counter, &number, "materials-received", json!({})).await;
    assert_eq!(status, 200);
    let (status, body) = step(&p, &counter, &number, "reject", json!({"reason": "  "})).await;
    assert_eq!((status, body["message"].as_str()), (422, Some("请填写不通过理由")));
    let (status, rejected) = step(&p, &counter, &number, "reject", json!({"reason": "营业执照复印件模糊"})).await;
    assert_eq!(status, 200);
    assert_eq!(
        rejected["status"],
        json!({"state": "rejected", "verification": "materialsReceived", "reason": "营业执照复印件模糊"})
    );
    let detail: Value =
        p.http.get(p.url(&format!("/v1/orders/{number}/detail"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(detail["history"].as_array().unwrap().last().unwrap()["reason"], "营业执照复印件模糊");

    let (status, body) = step(&p, &counter, &number, "issue-on-site", json!({})).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("conflict")));
}

#[tokio::test]
async fn the_counter_approves_and_issues_on_site() {
    let p = spawn_platform().await;
    staff(&p, "counter", &[StaffRole::Counter]);
    let counter = log_in(&p, "counter").await;
    let number = order_in_review(&p, "verified").await;
    assert_eq!(step(&p, &counter, &number, "approve", json!({})).await.0, 200);
    crate::certificates::issue_all(&p, &crate::bearer_client(&counter), &number).await;
    let (status, issued) = step(&p, &counter, &number, "issue-on-site", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(issued["status"]["delivery"], json!({"method": "onSite"}));
}

#[tokio::test]
async fn every_staff_step_is_refused_without_a_valid_session_or_the_right_role() {
    let p = spawn_platform().await;
    staff(&p, "producer", &[StaffRole::Producer]);
    staff(&p, "admin", &[StaffRole::Admin]);
    let number = order_in_review(&p, "verified").await;

    let wrong = p
        .http
        .post(p.url("/v1/staff/sessions"))
        .json(&json!({"username": "producer", "password": "not-the-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let unknown = p
        .http
        .post(p.url("/v1/staff/sessions"))
        .json(&json!({"username": "nobody", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 401);
    assert_eq!(unknown.json::<Value>().await.unwrap()["message"], "用户名或密码错误");

    for action in ["approve", "reject", "materials-received", "ship", "issue-on-site"] {
        let url = p.url(&format!("/v1/staff/orders/{number}/{action}"));
        let anonymous = p.http.post(&url).json(&json!({})).send().await.unwrap();
        assert_eq!(anonymous.status(), 401, "{action} without a session");
        let forged = p.http.post(&url).bearer_auth("0".repeat(64)).json(&json!({})).send().await.unwrap();
        assert_eq!(forged.status(), 401, "{action} with a made-up token");
    }
    let queue = p.http.get(p.url("/v1/staff/review-queue")).send().await.unwrap();
    assert_eq!(queue.status(), 401);

    let producer = log_in(&p, "producer").await;
    let (status, body) = step(&p, &producer, &number, "approve", json!({})).await;
    assert_eq!((status, body["message"].as_str()), (403, Some("您的角色无权审核通过")));
    let (status, _) = step(&p, &producer, &number, "issue-on-site", json!({})).await;
    assert_eq!(status, 403);
    let admin = log_in(&p, "admin").await;
    let queue = p.http.get(p.url("/v1/staff/review-queue")).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(queue.status(), 403);

    // Logging out ends the session.
    let out = p.http.delete(p.url("/v1/staff/sessions")).bearer_auth(&producer).send().await.unwrap();
    assert_eq!(out.status(), 204);
    let (status, body) = step(&p, &producer, &number, "ship", json!({"courier": "EMS", "trackingNo": "1"})).await;
    assert_eq!((status, body["message"].as_str()), (401, Some("请先登录")));
}

#[tokio::test]
async fn an_expired_session_is_refused() {
    let p = spawn_platform().await;
    staff(&p, "reviewer", &[StaffRole::Reviewer]);
    let token = log_in(&p, "reviewer").await;
    p.db(|db| {
        db.write(|c| {
            c.execute("UPDATE sessions SET expires_at = '2020-01-01T00:00:00+00:00'", certdesk_platform::params![])
        })
    })
    .await;
    let res = p.http.get(p.url("/v1/staff/review-queue")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.json::<Value>().await.unwrap()["message"], "登录已过期，请重新登录");
}

#[test]
fn weak_passwords_bad_usernames_and_duplicates_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = crate::fresh_database();
    let base = NewStaff {
        username: "wang".into(),
        display_name: "王".into(),
        password: PASSWORD.into(),
        roles: vec![StaffRole::Reviewer],
    };
    add_staff(dir.path(), database_url.as_deref(), &base).unwrap();
    let duplicate = add_staff(dir.path(), database_url.as_deref(), &base).unwrap_err();
    assert_eq!(duplicate.to_string(), "用户名“wang”已存在");
    let weak = add_staff(
        dir.path(),
        database_url.as_deref(),
        &NewStaff { username: "li".into(), password: "short".into(), ..base.clone() },
    );
    assert!(weak.unwrap_err().to_string().contains("密码至少10位"));
    let odd = add_staff(dir.path(), database_url.as_deref(), &NewStaff { username: "li si".into(), ..base.clone() });
    assert!(odd.unwrap_err().to_string().contains("用户名应为"));
}

#[tokio::test]
async fn the_review_queue_pages_oldest_first_by_when_each_order_entered_review() {
    let p = spawn_platform().await;
    staff(&p, "reviewer", &[StaffRole::Reviewer]);
    let reviewer = log_in(&p, "reviewer").await;
    let numbers = [
        order_in_review(&p, "verified").await,
        order_in_review(&p, "verified").await,
        order_in_review(&p, "verified").await,
    ];
    // The first one went back and came in again last: it now waits the shortest.
    let first = numbers[0].clone();
    p.db(move |db| {
        db.write(|c| {
            c.execute(
                "UPDATE orders SET status_since = '2099-01-01T00:00:00+08:00' WHERE order_no = ?1",
                certdesk_platform::params![first],
            )
        })
    })
    .await;
    let page = |query: &'static str| {
        let (http, url, token) = (p.http.clone(), p.url(&format!("/v1/staff/review-queue{query}")), reviewer.clone());
        async move {
            let res = http.get(url).bearer_auth(token).send().await.unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap())
        }
    };
    let numbers_of = |body: &Value| -> Vec<String> {
        body.as_array().unwrap().iter().map(|item| item["order"]["orderNo"].as_str().unwrap().to_owned()).collect()
    };
    let (status, one) = page("?pageSize=2").await;
    assert_eq!(status, 200);
    assert_eq!(numbers_of(&one), [numbers[1].clone(), numbers[2].clone()]);
    let (_, two) = page("?page=2&pageSize=2").await;
    assert_eq!(numbers_of(&two), [numbers[0].clone()]);
    assert_eq!(two[0]["waitingSince"], "2099-01-01T00:00:00+08:00");
    let (status, refused) = page("?pageSize=101").await;
    assert_eq!(
        (status, refused["message"].as_str()),
        (400, Some("请求格式错误：页码从1开始，每页1至100条")),
        "{refused}"
    );
}

#[tokio::test]
async fn the_production_queue_holds_approved_orders_for_producers_only() {
    let p = spawn_platform().await;
    staff(&p, "reviewer", &[StaffRole::Reviewer]);
    staff(&p, "producer", &[StaffRole::Producer]);
    let (reviewer, producer) = (log_in(&p, "reviewer").await, log_in(&p, "producer").await);
    let waiting = order_in_review(&p, "verified").await;
    let approved = order_in_review(&p, "verified").await;
    assert_eq!(step(&p, &reviewer, &approved, "approve", json!({})).await.0, 200);
    let queue = |token: String| {
        let (http, url) = (p.http.clone(), p.url("/v1/staff/production-queue"));
        async move {
            let res = http.get(url).bearer_auth(token).send().await.unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        }
    };
    let (status, body) = queue(producer.clone()).await;
    assert_eq!(status, 200, "{body}");
    let numbers: Vec<&str> = body.as_array().unwrap().iter().map(|i| i["order"]["orderNo"].as_str().unwrap()).collect();
    assert_eq!(numbers, [approved.as_str()], "only the approved one, not {waiting}");
    assert_eq!(body[0]["order"]["status"]["state"], "approved");
    assert_eq!((body[0]["workingDaysWaited"].as_u64(), body[0]["overdue"].as_bool()), (Some(0), Some(false)));
    // A reviewer does not produce: the queue is refused, as the producer's review queue is.
    let (status, refused) = queue(reviewer).await;
    assert_eq!((status, refused["message"].as_str()), (403, Some("您的角色无权查看制证队列")));
    let res = p.http.get(p.url("/v1/staff/review-queue")).bearer_auth(&producer).send().await.unwrap();
    assert_eq!(res.status(), 403);
    // Shipped, it leaves the queue.
    crate::certificates::issue_all(&p, &crate::bearer_client(&producer), &approved).await;
    let shipped =
        step(&p, &producer, &approved, "ship", json!({"courier": "EMS", "trackingNo": "EA123456789CN"})).await;
    assert_eq!(shipped.0, 200, "{}", shipped.1);
    assert_eq!(queue(producer).await.1, json!([]));
}

#[tokio::test]
async fn demo_data_seeds_the_demo_staff_once_and_only_with_demo_data() {
    let p = spawn_platform().await;
    let log_in_as = |username: &'static str| {
        let (http, url) = (p.http.clone(), p.url("/v1/staff/sessions"));
        async move {
            let res = http
                .post(url)
                .json(&json!({"username": username, "password": certdesk_platform::DEMO_STAFF_PASSWORD}))
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        }
    };
    for demo in certdesk_platform::DEMO_STAFF {
        let (status, session) = log_in_as(demo.username).await;
        assert_eq!(status, 200, "{}: {session}", demo.username);
        assert_eq!(session["displayName"], demo.display_name);
        assert_eq!(session["roles"].as_array().unwrap().len(), demo.roles.len());
    }
    let (_, desk) = log_in_as("demo-desk").await;
    assert_eq!(desk["roles"], json!(["reviewer", "producer", "counter", "admin"]));
    // Exactly the demo staff, each once.
    let count = p
        .db(|db| {
            db.read(|c| c.query_one("SELECT COUNT(*) FROM staff", certdesk_platform::params![], |r| r.get::<i64>(0)))
        })
        .await;
    assert_eq!(count, certdesk_platform::DEMO_STAFF.len() as i64);

    let dir = tempfile::tempdir().unwrap();
    let mut config = certdesk_platform::PlatformConfig::embedded(dir.path());
    config.database_url = crate::fresh_database();
    config.demo_data = false;
    let plain = certdesk_platform::Platform::start(config).await.unwrap();
    let res = reqwest::Client::new()
        .post(format!("{}/v1/staff/sessions", plain.url()))
        .json(&json!({"username": "demo-desk", "password": certdesk_platform::DEMO_STAFF_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "no demo staff without demo data");
    plain.shutdown().await.unwrap();
}

#[tokio::test]
async fn each_staff_step_names_the_member_for_staff_and_only_the_role_for_the_applicant() {
    let p = spawn_platform().await;
    staff(&p, "reviewer", &[StaffRole::Reviewer]);
    let reviewer = log_in(&p, "reviewer").await;
    let number = order_in_review(&p, "verified").await;
    let (status, body) = step(&p, &reviewer, &number, "reject", json!({"reason": "申领人手机号码无法接通"})).await;
    assert_eq!(status, 200, "{body}");
    let detail = |http: reqwest::Client| {
        let url = p.url(&format!("/v1/orders/{number}/detail"));
        async move { http.get(url).send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let as_staff = detail(crate::bearer_client(&reviewer)).await;
    let rejected = as_staff["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (rejected["actor"].as_str(), rejected["staffName"].as_str()),
        (Some("reviewer"), Some("reviewer（测试）"))
    );
    // The organisation sees 审核人员, never who.
    let as_applicant = detail(p.http.clone()).await;
    let seen = as_applicant["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(seen["actor"], "reviewer");
    assert!(seen.get("staffName").is_none(), "{seen}");
    // Nor does the organisation's events feed.
    let feed: Value = p.http.get(p.url("/v1/events?after=0")).send().await.unwrap().json().await.unwrap();
    assert!(feed["events"].as_array().unwrap().iter().all(|e| e["event"].get("staffName").is_none()), "{feed}");
    // Kept in the database with the member's id.
    let kept = p
        .db(move |db| {
            db.read(|c| {
                c.query_one(
                    "SELECT staff_id, staff_name FROM order_events WHERE order_no = ?1 ORDER BY id DESC LIMIT 1",
                    certdesk_platform::params![number],
                    |r| Ok((r.get::<Option<i64>>(0)?, r.get::<Option<String>>(1)?)),
                )
            })
        })
        .await;
    assert!(kept.0.is_some());
    assert_eq!(kept.1.as_deref(), Some("reviewer（测试）"));
}

#[tokio::test]
async fn with_four_eyes_review_an_approval_needs_two_distinct_reviewers_and_one_rejection_rejects() {
    let p = crate::spawn_platform_with(|config| config.approvals_required = 2).await;
    staff(&p, "zhang", &[StaffRole::Reviewer]);
    staff(&p, "li", &[StaffRole::Reviewer]);
    let (zhang, li) = (log_in(&p, "zhang").await, log_in(&p, "li").await);
    let number = order_in_review(&p, "verified").await;

    let (status, first) = step(&p, &zhang, &number, "approve", json!({})).await;
    assert_eq!((status, first["status"]["state"].as_str()), (200, Some("pendingReview")), "{first}");
    // The same reviewer cannot make the second pair of eyes.
    let (status, again) = step(&p, &zhang, &number, "approve", json!({})).await;
    assert_eq!((status, again["message"].as_str()), (409, Some("您已审核通过该订单，需另一位审核人员复核")), "{again}");
    let (status, second) = step(&p, &li, &number, "approve", json!({})).await;
    assert_eq!((status, second["status"]["state"].as_str()), (200, Some("approved")), "{second}");
    let detail: Value = crate::bearer_client(&li)
        .get(p.url(&format!("/v1/orders/{number}/detail")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rows: Vec<(Option<&str>, Option<&str>)> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["staffName"].as_str(), r["reason"].as_str()))
        .filter(|(who, _)| who.is_some())
        .collect();
    assert_eq!(
        rows,
        [
            (Some("zhang（测试）"), Some("审核通过（1/2），待另一位审核人员复核")),
            (Some("li（测试）"), Some("审核通过（2/2）"))
        ]
    );

    // One rejection rejects, even after an approval; the approvals do not carry into the next round.
    let other = order_in_review(&p, "verified").await;
    assert_eq!(step(&p, &zhang, &other, "approve", json!({})).await.0, 200);
    let (status, rejected) = step(&p, &li, &other, "reject", json!({"reason": "营业执照照片模糊"})).await;
    assert_eq!((status, rejected["status"]["state"].as_str()), (200, Some("rejected")), "{rejected}");
    let left = p
        .db(move |db| {
            db.read(|c| {
                c.query_one(
                    "SELECT COUNT(*) FROM order_approvals WHERE order_no = ?1",
                    certdesk_platform::params![other],
                    |r| r.get::<i64>(0),
                )
            })
        })
        .await;
    assert_eq!(left, 0);
}

#[tokio::test]
async fn approvals_required_outside_one_to_five_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = certdesk_platform::PlatformConfig::embedded(dir.path());
    config.approvals_required = 0;
    let refused = certdesk_platform::Platform::start(config).await.err().expect("refused");
    assert!(refused.to_string().contains("approvals_required = 0 无效"), "{refused}");
}

#[tokio::test]
async fn the_review_queue_filters_by_provider_verification_and_submission_date() {
    let p = spawn_platform().await;
    staff(&p, "reviewer", &[StaffRole::Reviewer]);
    let reviewer = log_in(&p, "reviewer").await;
    let faced = order_in_review(&p, "verified").await;
    let mailed = order_in_review(&p, "awaitingMaterials").await;
    let queue = |query: &'static str| {
        let (http, url, token) = (p.http.clone(), p.url(&format!("/v1/staff/review-queue?{query}")), reviewer.clone());
        async move {
            let res = http.get(url).bearer_auth(token).send().await.unwrap();
            let status = res.status().as_u16();
            let body = res.json::<Value>().await.unwrap();
            let numbers: Vec<String> = body
                .as_array()
                .map(|items| items.iter().map(|i| i["order"]["orderNo"].as_str().unwrap().to_owned()).collect())
                .unwrap_or_default();
            (status, numbers, body)
        }
    };
    assert_eq!(queue("").await.1, [faced.clone(), mailed.clone()]);
    assert_eq!(queue("verification=awaitingMaterials").await.1, vec![mailed]);
    assert_eq!(queue("verification=verified").await.1, vec![faced]);
    // Both are 浙江汇信CA's (valid_order's provider).
    let (status, by_provider, _) = queue("providerId=zjhx").await;
    assert_eq!((status, by_provider.len()), (200, 2));
    assert!(queue("providerId=nobody").await.1.is_empty());
    let today = chrono::Utc::now().with_timezone(&certdesk_core::SHANGHAI).format("%Y-%m-%d").to_string();
    assert!(queue("submittedTo=2000-01-01").await.1.is_empty());
    let from_today = p.url(&format!("/v1/staff/review-queue?submittedFrom={today}&submittedTo={today}"));
    let res = p.http.get(from_today).bearer_auth(&reviewer).send().await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap().as_array().unwrap().len(), 2);
    let (status, _, refused) = queue("verification=bogus").await;
    assert_eq!((status, refused["message"].as_str()), (400, Some("请求格式错误：认证方式不存在")), "{refused}");
    let (status, _, refused) = queue("submittedFrom=yesterday").await;
    assert_eq!(status, 400, "{refused}");
}
