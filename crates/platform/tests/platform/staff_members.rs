//! 管理: staff accounts managed by an administrator — who may, roles taking effect at once, a
//! disabled member's session refused at once, a reset password ending the old sessions.

use crate::TestPlatform;
use crate::staff::{log_in, staff};
use certdesk_api::StaffRole;
use serde_json::{Value, json};

async fn call(p: &TestPlatform, token: &str, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = p.http.request(method, p.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let res = request.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn review_queue(p: &TestPlatform, token: &str) -> u16 {
    p.http.get(p.url("/v1/staff/review-queue")).bearer_auth(token).send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn only_an_administrator_manages_staff_and_a_disabled_members_session_is_refused_at_once() {
    let p = crate::spawn_platform().await;
    staff(&p, "admin", &[StaffRole::Admin]);
    staff(&p, "reviewer", &[StaffRole::Reviewer]);
    let (admin, reviewer) = (log_in(&p, "admin").await, log_in(&p, "reviewer").await);
    use reqwest::Method;

    // A reviewer manages nobody.
    let (status, refused) = call(&p, &reviewer, Method::GET, "/v1/staff/members", None).await;
    assert_eq!((status, refused["message"].as_str()), (403, Some("您的角色无权管理员工账号")));

    // The administrator lists (no hashes), adds, and sets roles.
    let (status, members) = call(&p, &admin, Method::GET, "/v1/staff/members", None).await;
    assert_eq!(status, 200, "{members}");
    assert!(!members.to_string().contains("argon2"), "{members}");
    let id_of = |members: &Value, username: &str| {
        members.as_array().unwrap().iter().find(|m| m["username"] == username).unwrap()["id"].as_i64().unwrap()
    };
    let reviewer_id = id_of(&members, "reviewer");
    let new =
        json!({"username": "wang", "displayName": "王审核", "password": "a-long-password", "roles": ["reviewer"]});
    let (status, wang) = call(&p, &admin, Method::POST, "/v1/staff/members", Some(new.clone())).await;
    assert_eq!((status, wang["displayName"].as_str(), wang["disabled"].as_bool()), (200, Some("王审核"), Some(false)));
    let (status, duplicate) = call(&p, &admin, Method::POST, "/v1/staff/members", Some(new)).await;
    assert_eq!((status, duplicate["message"].as_str()), (409, Some("用户名“wang”已存在")));
    let weak = json!({"username": "zhao", "displayName": "赵", "password": "short", "roles": ["reviewer"]});
    assert_eq!(call(&p, &admin, Method::POST, "/v1/staff/members", Some(weak)).await.0, 400);

    // Roles take effect at once, on the session the member already has.
    assert_eq!(review_queue(&p, &reviewer).await, 200);
    let path = format!("/v1/staff/members/{reviewer_id}/roles");
    let (status, changed) = call(&p, &admin, Method::PUT, &path, Some(json!({"roles": ["producer"]}))).await;
    assert_eq!((status, changed["roles"].clone()), (200, json!(["producer"])));
    assert_eq!(review_queue(&p, &reviewer).await, 403);
    assert_eq!(call(&p, &admin, Method::PUT, &path, Some(json!({"roles": []}))).await.0, 400);
    call(&p, &admin, Method::PUT, &path, Some(json!({"roles": ["reviewer"]}))).await;

    // 停用: the session already open is refused at once, and so is a new log-in.
    let (status, disabled) =
        call(&p, &admin, Method::POST, &format!("/v1/staff/members/{reviewer_id}/disable"), None).await;
    assert_eq!((status, disabled["disabled"].as_bool()), (200, Some(true)), "{disabled}");
    assert_eq!(review_queue(&p, &reviewer).await, 401);
    let res = p
        .http
        .post(p.url("/v1/staff/sessions"))
        .json(&json!({"username": "reviewer", "password": "correct-horse-battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.json::<Value>().await.unwrap()["message"], "该员工账号已停用，请联系管理员");
    // 启用 again: signs in as before.
    call(&p, &admin, Method::POST, &format!("/v1/staff/members/{reviewer_id}/enable"), None).await;
    let again = log_in(&p, "reviewer").await;
    assert_eq!(review_queue(&p, &again).await, 200);

    // 重置密码 ends the sessions opened with the old one.
    let reset = format!("/v1/staff/members/{reviewer_id}/password");
    assert_eq!(call(&p, &admin, Method::POST, &reset, Some(json!({"password": "short"}))).await.0, 400);
    let (status, _) = call(&p, &admin, Method::POST, &reset, Some(json!({"password": "another-long-one"}))).await;
    assert_eq!(status, 200);
    assert_eq!(review_queue(&p, &again).await, 401);

    // An administrator neither disables themselves nor takes 管理 from themselves.
    let admin_id = id_of(&call(&p, &admin, Method::GET, "/v1/staff/members", None).await.1, "admin");
    let (status, refused) =
        call(&p, &admin, Method::POST, &format!("/v1/staff/members/{admin_id}/disable"), None).await;
    assert_eq!((status, refused["message"].as_str()), (409, Some("不能停用自己的账号")));
    let own = format!("/v1/staff/members/{admin_id}/roles");
    let (status, refused) = call(&p, &admin, Method::PUT, &own, Some(json!({"roles": ["reviewer"]}))).await;
    assert_eq!((status, refused["message"].as_str()), (409, Some("不能取消自己的管理角色")));
    let (status, missing) = call(&p, &admin, Method::POST, "/v1/staff/members/999999/enable", None).await;
    assert_eq!((status, missing["message"].as_str()), (404, Some("员工账号不存在")));
}
