//! Applicant accounts: registration, login, and each organisation seeing only its own orders.

use crate::{TestPlatform, register, spawn_platform, valid_order};
use serde_json::{Value, json};

const OTHER_CODE: &str = "91350100M000100Y43";

fn other_order() -> Value {
    let mut form = valid_order();
    form["organisationName"] = "测试供应商".into();
    form["creditCode"] = OTHER_CODE.into();
    form
}

async fn submit(p: &TestPlatform, http: &reqwest::Client, form: &Value) -> (u16, Value) {
    p.post_json(http, "/v1/orders", form).await
}

#[tokio::test]
async fn an_organisation_registers_logs_in_and_out() {
    let p = spawn_platform().await;
    let anonymous = reqwest::Client::new();
    let registration = json!({"organisationName": "测试供应商", "creditCode": OTHER_CODE,
        "username": "supplier", "password": "a-long-password"});
    let res = anonymous.post(p.url("/v1/accounts")).json(&registration).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let session: Value = res.json().await.unwrap();
    assert_eq!(
        (session["organisationName"].as_str(), session["creditCode"].as_str()),
        (Some("测试供应商"), Some(OTHER_CODE))
    );

    let again = anonymous.post(p.url("/v1/accounts")).json(&registration).send().await.unwrap();
    assert_eq!(again.status(), 409);
    assert_eq!(again.json::<Value>().await.unwrap()["message"], "该统一社会信用代码已注册，请直接登录");

    let bad = json!({"organisationName": "测试", "creditCode": "91350100M000100Y44", "username": "x", "password": "a-long-password"});
    let res = anonymous.post(p.url("/v1/accounts")).json(&bad).send().await.unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(res.json::<Value>().await.unwrap()["fields"][0]["field"], "creditCode");

    let wrong = anonymous
        .post(p.url("/v1/sessions"))
        .json(&json!({"username": "supplier", "password": "wrong-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let login: Value = anonymous
        .post(p.url("/v1/sessions"))
        .json(&json!({"username": "supplier", "password": "a-long-password"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let http = crate::bearer_client(login["token"].as_str().unwrap());
    assert_eq!(submit(&p, &http, &other_order()).await.0, 201);
    let out = http.delete(p.url("/v1/sessions")).send().await.unwrap();
    assert_eq!(out.status(), 204);
    let (status, body) = submit(&p, &http, &other_order()).await;
    assert_eq!((status, body["message"].as_str()), (401, Some("请先登录")));
}

#[tokio::test]
async fn orders_need_a_login_and_the_organisations_own_credit_code() {
    let p = spawn_platform().await;
    let (status, body) = submit(&p, &reqwest::Client::new(), &valid_order()).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthorized")));
    let (status, body) = submit(&p, &p.http, &other_order()).await;
    assert_eq!(status, 422);
    assert_eq!(body["fields"][0]["message"], "统一社会信用代码与登录账号所属机构不一致");
    for path in ["/v1/orders", "/v1/orders/154175355707863", "/v1/orders/154175355707863/detail"] {
        let res = reqwest::Client::new().get(p.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 401, "{path}");
    }
}

#[tokio::test]
async fn an_organisation_sees_only_its_own_orders_and_staff_see_all() {
    let p = spawn_platform().await;
    let other = register(&p.handle.url(), "测试供应商", OTHER_CODE, "supplier").await;
    let (_, mine) = submit(&p, &p.http, &valid_order()).await;
    let (_, theirs) = submit(&p, &other, &other_order()).await;
    let theirs_no = theirs["orderNo"].as_str().unwrap();

    let my_list: Value = p.http.get(p.url("/v1/orders")).send().await.unwrap().json().await.unwrap();
    assert_eq!(my_list["total"], 1);
    assert_eq!(my_list["items"][0]["orderNo"], mine["orderNo"]);
    for path in [format!("/v1/orders/{theirs_no}"), format!("/v1/orders/{theirs_no}/detail")] {
        let res = p.http.get(p.url(&path)).send().await.unwrap();
        assert_eq!(res.status(), 404, "another organisation's order is not there for me: {path}");
    }

    p.add_staff(&certdesk_platform::staff::NewStaff {
        username: "reviewer".into(),
        display_name: "审核".into(),
        password: "correct-horse-battery".into(),
        roles: vec![certdesk_api::StaffRole::Reviewer],
    });
    let staff_session: Value = reqwest::Client::new()
        .post(p.url("/v1/staff/sessions"))
        .json(&json!({"username": "reviewer", "password": "correct-horse-battery"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let staff = crate::bearer_client(staff_session["token"].as_str().unwrap());
    let all: Value = staff.get(p.url("/v1/orders")).send().await.unwrap().json().await.unwrap();
    assert_eq!(all["total"], 2);
    assert_eq!(staff.get(p.url(&format!("/v1/orders/{theirs_no}"))).send().await.unwrap().status(), 200);
    // A staff token is not an applicant's: it cannot submit.
    assert_eq!(submit(&p, &staff, &valid_order()).await.0, 401);
}

#[tokio::test]
async fn guessing_passwords_at_speed_is_answered_429_in_the_platform_shape() {
    let p = spawn_platform().await;
    let anonymous = reqwest::Client::new();
    let guess = json!({"username": "chenan-demo", "password": "wrong-guess"});
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let res = anonymous.post(p.url("/v1/sessions")).json(&guess).send().await.unwrap();
        let status = res.status().as_u16();
        let body: Value = res.json().await.unwrap();
        if status == 429 {
            assert_eq!(body["code"], "tooManyRequests");
            let message = body["message"].as_str().unwrap();
            assert!(message.starts_with("该账号密码错误次数过多") || message.starts_with("尝试过于频繁"), "{body}");
        }
        statuses.push(status);
    }
    // Five wrong passwords lock the account for a while (counted in the database); past the burst
    // of 10 the client is refused before anything is read.
    assert_eq!(statuses[..5], [401; 5], "{statuses:?}");
    assert_eq!(statuses[5..], [429; 7], "{statuses:?}");
    // Logging out is not limited, and other endpoints are not affected.
    let res = p.http.get(p.url("/v1/orders")).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

/// Logs in as `username` with `password`, through a proxy that says the client is `client`.
async fn log_in_from(p: &TestPlatform, client: &str, username: &str, password: &str) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(p.url("/v1/sessions"))
        .header("x-forwarded-for", format!("198.51.100.200, {client}"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

/// Failures `client` made lately, as the throttle counts them (stored directly: twenty real ones
/// would take the per-instance speed limit's time).
async fn earlier_failures(p: &TestPlatform, client: &'static str, count: usize) {
    let now = chrono::Utc::now().with_timezone(&certdesk_core::SHANGHAI).to_rfc3339();
    p.db(move |db| {
        db.write(|c| {
            for i in 0..count {
                c.execute(
                    "INSERT INTO login_attempts (account, client, at) VALUES (?1, ?2, ?3)",
                    certdesk_platform::params![format!("applicant:someone-{i}"), client, now],
                )?;
            }
            Ok(())
        })
    })
    .await;
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_from_every_address_until_the_window_passes() {
    let p = crate::spawn_platform_with(|c| c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    crate::register(&p.handle.url(), "加锁机构", OTHER_CODE, "locked-org").await;
    crate::register(&p.handle.url(), "旁边机构", "123300004700012347", "next-door").await;
    for i in 0..5 {
        let (status, _) = log_in_from(&p, &format!("203.0.113.{i}"), "locked-org", "wrong-password").await;
        assert_eq!(status, 401);
    }
    // The right password, from yet another address: the account is locked, not the address.
    let (status, body) = log_in_from(&p, "203.0.113.50", "locked-org", "a-long-password").await;
    assert_eq!((status, body["message"].as_str()), (429, Some("该账号密码错误次数过多，请15分钟后再试")), "{body}");
    assert_eq!(log_in_from(&p, "203.0.113.0", "next-door", "a-long-password").await.0, 200);

    // Fifteen minutes on, the right password opens it, and the failures are forgotten.
    p.db(|db| {
        db.write(|c| {
            c.execute("UPDATE login_attempts SET at = '2020-01-01T00:00:00+08:00'", certdesk_platform::params![])
        })
    })
    .await;
    assert_eq!(log_in_from(&p, "203.0.113.50", "locked-org", "a-long-password").await.0, 200);
    let left: i64 = p
        .db(|db| {
            db.read(|c| {
                c.query_one(
                    "SELECT COUNT(*) FROM login_attempts WHERE account = 'applicant:locked-org'",
                    certdesk_platform::params![],
                    |r| r.get(0),
                )
            })
        })
        .await;
    assert_eq!(left, 0);
}

#[tokio::test]
async fn parallel_guesses_are_counted_as_they_come() {
    let p = spawn_platform().await;
    crate::register(&p.handle.url(), "并发机构", OTHER_CODE, "racing-org").await;
    let mut guesses = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let url = p.url("/v1/sessions");
        guesses.spawn(async move {
            let body = json!({"username": "racing-org", "password": "wrong-password"});
            reqwest::Client::new().post(url).json(&body).send().await.unwrap().status().as_u16()
        });
    }
    let statuses = guesses.join_all().await;
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 5, "only five are judged: {statuses:?}");
    assert!(statuses.iter().all(|s| *s == 401 || *s == 429), "{statuses:?}");
}

#[tokio::test]
async fn a_client_with_twenty_failures_is_refused_and_only_a_trusted_proxy_may_name_the_client() {
    // Behind a configured proxy: the forwarded address is the client.
    let p = crate::spawn_platform_with(|c| c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    crate::register(&p.handle.url(), "客户端机构", OTHER_CODE, "client-org").await;
    earlier_failures(&p, "203.0.113.9", 19).await;
    assert_eq!(log_in_from(&p, "203.0.113.9", "nobody", "wrong-password").await.0, 401, "the twentieth");
    let (status, body) = log_in_from(&p, "203.0.113.9", "client-org", "a-long-password").await;
    assert_eq!((status, body["message"].as_str()), (429, Some("登录失败次数过多，请15分钟后再试")), "{body}");
    assert_eq!(log_in_from(&p, "203.0.113.10", "client-org", "a-long-password").await.0, 200, "another client");

    // Without a configured proxy the header is the client's own words: the peer is the client.
    let p = spawn_platform().await;
    crate::register(&p.handle.url(), "客户端机构", OTHER_CODE, "client-org").await;
    earlier_failures(&p, "127.0.0.1", 20).await;
    let (status, body) = log_in_from(&p, "203.0.113.77", "client-org", "a-long-password").await;
    assert_eq!((status, body["message"].as_str()), (429, Some("登录失败次数过多，请15分钟后再试")), "{body}");
}
