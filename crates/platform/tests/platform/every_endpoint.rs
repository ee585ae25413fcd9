//! Every operation in the OpenAPI document, refused the same way: without a session (401), with a
//! malformed order number (400) and with a malformed or mistyped body (400), always `{code, message}`.
//! Driven by the document, so a new route is covered the day it is added.

use crate::staff::{log_in, staff};
use crate::{TestPlatform, bearer_client, spawn_platform, valid_order};
use certdesk_api::StaffRole;
use serde_json::Value;

struct Operation {
    method: reqwest::Method,
    path: String,
    secured: bool,
    json_body: bool,
    binary_body: bool,
}

fn operations() -> Vec<Operation> {
    let doc = serde_json::to_value(certdesk_platform::openapi()).unwrap();
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let content = op["requestBody"]["content"].as_object();
            out.push(Operation {
                method: method.to_uppercase().parse().unwrap(),
                path: path.clone(),
                secured: op["security"].as_array().is_some_and(|s| !s.is_empty()),
                json_body: content.is_some_and(|c| c.contains_key("application/json")),
                binary_body: content.is_some_and(|c| c.contains_key("image/jpeg")),
            });
        }
    }
    out
}

async fn send(
    p: &TestPlatform,
    http: &reqwest::Client,
    op: &Operation,
    path: &str,
    body: Option<&str>,
) -> (u16, Value) {
    let mut request = http.request(op.method.clone(), p.url(path));
    if let Some(body) = body {
        let kind = if op.binary_body { "image/jpeg" } else { "application/json" };
        request = request.header("content-type", kind).body(body.to_owned());
    }
    let res = request.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{} {path}: not JSON: {text}", op.method));
    (status, json)
}

fn assert_refusal(op: &Operation, what: &str, (status, body): &(u16, Value), expected: (u16, &str)) {
    assert_eq!(
        (*status, body["code"].as_str()),
        (expected.0, Some(expected.1)),
        "{} {} {what}: {body}",
        op.method,
        op.path
    );
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{} {} {what}: {body}", op.method, op.path);
}

#[tokio::test]
async fn every_endpoint_refuses_missing_sessions_and_bad_input_in_the_platform_shape() {
    let p = spawn_platform().await;
    staff(&p, "all-roles", &[StaffRole::Reviewer, StaffRole::Producer, StaffRole::Counter, StaffRole::Admin]);
    let staff_http = bearer_client(&log_in(&p, "all-roles").await);
    let (status, order) = p.post_json(&p.http, "/v1/orders", &valid_order()).await;
    assert_eq!(status, 201);
    let number = order["orderNo"].as_str().unwrap();
    let operations = operations();
    assert!(operations.len() >= 25, "{} operations", operations.len());
    let mut checked = (0, 0, 0);
    for op in &operations {
        let http = if op.path.starts_with("/v1/staff/") { &staff_http } else { &p.http };
        let is_order_path = op.path.contains("{order_no}");
        // A staff member's id: the first account (it exists, so a refusal is about the request).
        let real_path = op.path.replace("{order_no}", number).replace("{id}", "1");
        if op.secured {
            let anonymous = reqwest::Client::new();
            let body = (op.json_body || op.binary_body).then_some("{}");
            assert_refusal(
                op,
                "without a session",
                &send(&p, &anonymous, op, &real_path, body).await,
                (401, "unauthorized"),
            );
            let forged = bearer_client("forged-token");
            assert_refusal(
                op,
                "with a forged session",
                &send(&p, &forged, op, &real_path, body).await,
                (401, "unauthorized"),
            );
            checked.0 += 1;
        }
        if is_order_path {
            let bad_path = op.path.replace("{order_no}", "12ab");
            let body = if op.json_body {
                Some("{}")
            } else if op.binary_body {
                Some("x")
            } else {
                None
            };
            assert_refusal(
                op,
                "with a malformed order number",
                &send(&p, http, op, &bad_path, body).await,
                (400, "badRequest"),
            );
            checked.1 += 1;
        }
        if op.json_body {
            for body in ["{not json", "[1, 2]", r#"{"quantity": "two", "reason": 7, "username": false}"#] {
                assert_refusal(
                    op,
                    &format!("with body {body}"),
                    &send(&p, http, op, &real_path, Some(body)).await,
                    (400, "badRequest"),
                );
            }
            checked.2 += 1;
        }
        if op.binary_body {
            assert_refusal(
                op,
                "with an empty body",
                &send(&p, http, op, &real_path, Some("")).await,
                (400, "badRequest"),
            );
            checked.2 += 1;
        }
    }
    // Every kind of check ran on something: the document was not empty of what it should hold.
    assert!(checked.0 >= 18 && checked.1 >= 12 && checked.2 >= 8, "{checked:?}");
}
