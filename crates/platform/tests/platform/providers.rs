use crate::spawn_platform;
use serde_json::Value;

#[tokio::test]
async fn the_embedded_platform_lists_its_labelled_demo_providers_with_fees_in_fen() {
    let p = spawn_platform().await;
    let res = p.http.get(p.url("/v1/providers")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let providers: Value = res.json().await.unwrap();
    assert_eq!(
        providers,
        serde_json::json!([
            {"id": "zjhx", "name": "浙江汇信CA", "unitFee": 30000, "demo": true},
            {"id": "demo-free", "name": "演示CA（免缴费）", "unitFee": 0, "demo": true},
        ])
    );
}

#[tokio::test]
async fn an_unknown_path_answers_not_found_in_the_error_shape() {
    let p = spawn_platform().await;
    let res = p.http.get(p.url("/v1/nothing-here")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "notFound");
}
