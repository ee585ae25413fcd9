//! 操作日志: staff log-ins and failed log-ins, each step on an order and 管理's changes, recorded
//! with who and when, and read by an administrator filtered by member, order and day.

use crate::staff::{log_in, order_in_review, staff, step};
use crate::{TestPlatform, bearer_client, spawn_platform};
use certdesk_api::StaffRole;
use serde_json::{Value, json};

async fn audit(p: &TestPlatform, token: &str, query: &str) -> (u16, Value) {
    let res = bearer_client(token).get(p.url(&format!("/v1/staff/audit{query}"))).send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

fn actions(entries: &Value) -> Vec<(String, String)> {
    entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap().to_owned(), e["staffName"].as_str().unwrap_or("").to_owned()))
        .collect()
}

#[tokio::test]
async fn logins_failed_logins_order_steps_and_member_changes_are_in_the_audit_by_member_order_and_day() {
    let p = spawn_platform().await;
    staff(&p, "admin", &[StaffRole::Admin]);
    staff(&p, "reviewer", &[StaffRole::Reviewer]);

    // A wrong password and an unknown account: both recorded, with the name typed and the address.
    let wrong = json!({"username": "reviewer", "password": "not-the-password"});
    let res = p.http.post(p.url("/v1/staff/sessions")).json(&wrong).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let nobody = json!({"username": "nobody", "password": "whatever-it-is"});
    assert_eq!(p.http.post(p.url("/v1/staff/sessions")).json(&nobody).send().await.unwrap().status(), 401);

    let reviewer = log_in(&p, "reviewer").await;
    let admin = log_in(&p, "admin").await;
    let number = order_in_review(&p, "verified").await;
    let (status, _) = step(&p, &reviewer, &number, "reject", json!({"reason": "营业执照照片模糊，请重新提交"})).await;
    assert_eq!(status, 200);
    let other = order_in_review(&p, "verified").await;
    assert_eq!(step(&p, &reviewer, &other, "approve", json!({})).await.0, 200);

    // 管理: a change of roles is recorded with the roles it gave.
    let members: Value =
        bearer_client(&admin).get(p.url("/v1/staff/members")).send().await.unwrap().json().await.unwrap();
    let reviewer_id =
        members.as_array().unwrap().iter().find(|m| m["username"] == "reviewer").unwrap()["id"].as_i64().unwrap();
    let res = bearer_client(&admin)
        .put(p.url(&format!("/v1/staff/members/{reviewer_id}/roles")))
        .json(&json!({"roles": ["reviewer", "producer"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = bearer_client(&reviewer).delete(p.url("/v1/staff/sessions")).send().await.unwrap();
    assert_eq!(res.status(), 204);

    // Everything, newest first.
    let (status, all) = audit(&p, &admin, "").await;
    assert_eq!(status, 200, "{all}");
    let names = |name: &str| format!("{name}（测试）");
    assert_eq!(
        actions(&all),
        [
            ("logOut".into(), names("reviewer")),
            ("rolesSet".into(), names("admin")),
            ("orderStep".into(), names("reviewer")),
            ("orderStep".into(), names("reviewer")),
            ("logIn".into(), names("admin")),
            ("logIn".into(), names("reviewer")),
            ("logInFailed".into(), String::new()),
            ("logInFailed".into(), String::new()),
        ]
    );
    let entries = all.as_array().unwrap();
    assert_eq!(entries[1]["detail"], "reviewer（测试）（reviewer）：审核、制证");
    assert_eq!(entries[3]["orderNo"], number.as_str());
    assert_eq!(entries[3]["detail"], "审核未通过 (已认证)（营业执照照片模糊，请重新提交）");
    assert_eq!(entries[2]["detail"], "审核通过, 待制证 (已认证)");
    assert_eq!((entries[6]["username"].as_str(), entries[7]["username"].as_str()), (Some("nobody"), Some("reviewer")));
    assert_eq!(entries[7]["detail"], "用户名或密码错误");
    assert_eq!(entries[7]["client"], "127.0.0.1");
    assert!(entries[7]["staffId"].is_null(), "a failed log-in names nobody: {}", entries[7]);

    // By member, by order, by day.
    let (_, mine) = audit(&p, &admin, &format!("?memberId={reviewer_id}")).await;
    assert_eq!(
        actions(&mine).iter().map(|a| a.0.as_str()).collect::<Vec<_>>(),
        ["logOut", "orderStep", "orderStep", "logIn"]
    );
    let (_, one) = audit(&p, &admin, &format!("?orderNo={number}")).await;
    assert_eq!(one.as_array().unwrap().len(), 1, "{one}");
    let today = certdesk_core::now_shanghai().format("%Y-%m-%d").to_string();
    let (_, today_only) = audit(&p, &admin, &format!("?from={today}&to={today}")).await;
    assert_eq!(today_only.as_array().unwrap().len(), 8);
    let (_, before) = audit(&p, &admin, "?to=2020-01-01").await;
    assert_eq!(before, json!([]));
    let (_, page) = audit(&p, &admin, "?page=2&pageSize=3").await;
    assert_eq!(actions(&page).iter().map(|a| a.0.as_str()).collect::<Vec<_>>(), ["orderStep", "logIn", "logIn"]);
    let (status, refused) = audit(&p, &admin, "?from=2026-13-01").await;
    assert_eq!((status, refused["message"].as_str()), (400, Some("请求格式错误：开始日期应为 YYYY-MM-DD 格式的日期")));

    // Only an administrator reads it.
    let reviewer = log_in(&p, "reviewer").await;
    let (status, refused) = audit(&p, &reviewer, "").await;
    assert_eq!((status, refused["message"].as_str()), (403, Some("您的角色无权管理员工账号")));
}
