//! The OpenAPI document: served, committed, and describing every route the platform answers.

use crate::spawn_platform;
use serde_json::Value;

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let generated = certdesk_platform::openapi_json() + "\n";
    if std::env::var_os("CERTDESK_UPDATE_OPENAPI").is_some() {
        std::fs::write(COMMITTED, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json is out of date with the routes: run `cargo xtask bindings` and commit it"
    );
}

#[tokio::test]
async fn the_document_is_served_and_names_every_step_of_the_process() {
    let p = spawn_platform().await;
    let res = reqwest::get(p.url("/v1/openapi.json")).await.unwrap();
    assert_eq!(res.status(), 200);
    let doc: Value = res.json().await.unwrap();
    assert_eq!(doc["openapi"].as_str().map(|v| v.starts_with("3.")), Some(true));
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/v1/orders", "post"),
        ("/v1/orders", "get"),
        ("/v1/orders/{order_no}/detail", "get"),
        ("/v1/orders/{order_no}/application", "put"),
        ("/v1/orders/{order_no}/face-verifications", "post"),
        ("/v1/orders/{order_no}/paper-documents", "post"),
        ("/v1/orders/{order_no}/cancel", "post"),
        ("/v1/orders/{order_no}/invoice", "post"),
        ("/v1/events", "get"),
        ("/v1/staff/review-queue", "get"),
        ("/v1/staff/orders/{order_no}/reject", "post"),
        ("/v1/staff/orders/{order_no}/ship", "post"),
        ("/v1/staff/orders/{order_no}/issue-on-site", "post"),
    ] {
        assert!(paths.get(path).and_then(|p| p.get(method)).is_some(), "{method} {path} missing");
    }
    // Errors share one schema; the status schema follows the wire format (a `state` tag, camelCase).
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["ApiError"]["properties"]["code"].is_object(), "{}", schemas["ApiError"]);
    let status = serde_json::to_string(&schemas["OrderStatus"]).unwrap();
    assert!(status.contains("\"state\"") && status.contains("pendingReview"), "{status}");
    assert!(status.contains("refundOwed"), "fields renamed like the wire: {status}");
    let delivery = serde_json::to_string(&schemas["Delivery"]).unwrap();
    assert!(delivery.contains("trackingNo") && !delivery.contains("tracking_no"), "{delivery}");
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}
