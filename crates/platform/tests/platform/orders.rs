use crate::{spawn_platform, valid_order};
use certdesk_platform::{Platform, PlatformConfig};
use serde_json::Value;

#[tokio::test]
async fn a_submitted_order_gets_a_fifteen_digit_number_and_waits_for_verification() {
    let p = spawn_platform().await;
    let res = p.http.post(p.url("/v1/orders")).json(&valid_order()).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let order: Value = res.json().await.unwrap();
    let number = order["orderNo"].as_str().unwrap();
    assert_eq!(number.len(), 15);
    assert!(number.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(order["status"], serde_json::json!({"state": "pendingVerification"}));
    assert_eq!(order["fee"], 60000, "two certificates at ¥300.00");
    assert_eq!(order["providerName"], "浙江汇信CA");
    assert!(order["submittedAt"].as_str().unwrap().ends_with("+08:00"));
    // The number's first ten digits are its submission time in Unix seconds.
    let seconds: i64 = number[..10].parse().unwrap();
    let submitted = chrono::DateTime::parse_from_rfc3339(order["submittedAt"].as_str().unwrap()).unwrap();
    assert_eq!(submitted.timestamp(), seconds);

    let fetched: Value = p.http.get(p.url(&format!("/v1/orders/{number}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(fetched, order);
}

#[tokio::test]
async fn a_form_with_bad_fields_is_refused_with_every_field_named() {
    let p = spawn_platform().await;
    let mut form = valid_order();
    form["creditCode"] = "91330106MA27XY812E".into();
    form["idNumber"] = "33010219800101001".into();
    form["providerId"] = "nobody".into();
    let res = p.http.post(p.url("/v1/orders")).json(&form).send().await.unwrap();
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "validation");
    let fields: Vec<&str> = body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["providerId", "creditCode", "idNumber"]);
    assert_eq!(body["fields"][1]["message"], "统一社会信用代码校验位错误，请核对后重新输入");
}

#[tokio::test]
async fn a_malformed_body_gets_the_same_error_shape() {
    let p = spawn_platform().await;
    for body in ["not json", r#"{"providerId": 5}"#] {
        let res = p
            .http
            .post(p.url("/v1/orders"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{body}");
        let error: Value = res.json().await.unwrap();
        assert_eq!(error["code"], "badRequest");
        assert!(error["message"].as_str().unwrap().starts_with("请求格式错误"));
    }
}

#[tokio::test]
async fn an_unknown_or_malformed_order_number_is_refused() {
    let p = spawn_platform().await;
    let missing = p.http.get(p.url("/v1/orders/154175355707863")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let malformed = p.http.get(p.url("/v1/orders/abc")).send().await.unwrap();
    assert_eq!(malformed.status(), 400);
    assert_eq!(malformed.json::<Value>().await.unwrap()["message"], "订单编号应为15位数字");
}

#[tokio::test]
async fn orders_survive_a_restart_and_new_numbers_stay_above_old_ones() {
    let dir = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let first = Platform::start(PlatformConfig::embedded(dir.path())).await.unwrap();
    let old: Value = http
        .post(format!("{}/v1/orders", first.url()))
        .json(&valid_order())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    first.shutdown().await.unwrap();

    let second = Platform::start(PlatformConfig::embedded(dir.path())).await.unwrap();
    let number = old["orderNo"].as_str().unwrap();
    let again = http.get(format!("{}/v1/orders/{number}", second.url())).send().await.unwrap();
    assert_eq!(again.status(), 200);
    let new: Value = http
        .post(format!("{}/v1/orders", second.url()))
        .json(&valid_order())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(new["orderNo"].as_str().unwrap() > number);
}

#[tokio::test]
async fn parallel_submits_get_distinct_numbers() {
    let p = spawn_platform().await;
    let submits = (0..50).map(|_| {
        let http = p.http.clone();
        let url = p.url("/v1/orders");
        tokio::spawn(
            async move { http.post(url).json(&valid_order()).send().await.unwrap().json::<Value>().await.unwrap() },
        )
    });
    let mut numbers = std::collections::HashSet::new();
    for submit in submits {
        let order = submit.await.unwrap();
        assert!(numbers.insert(order["orderNo"].as_str().unwrap().to_owned()));
    }
    assert_eq!(numbers.len(), 50);
}

#[tokio::test]
async fn a_configured_waiver_makes_the_order_free() {
    let dir = tempfile::tempdir().unwrap();
    let config = PlatformConfig {
        fees: certdesk_core::FeeSchedule { waived_authorities: vec!['1'], ..Default::default() },
        ..PlatformConfig::embedded(dir.path())
    };
    let platform = Platform::start(config).await.unwrap();
    let http = reqwest::Client::new();
    let mut institution = valid_order();
    institution["creditCode"] = "123300004700012347".into();
    let order: Value = http
        .post(format!("{}/v1/orders", platform.url()))
        .json(&institution)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(order["fee"], 0);
    let company: Value = http
        .post(format!("{}/v1/orders", platform.url()))
        .json(&valid_order())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(company["fee"], 60000);
}
