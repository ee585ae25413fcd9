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
    let config = PlatformConfig { database_url: crate::fresh_database(), ..PlatformConfig::embedded(dir.path()) };
    let first = Platform::start(config.clone()).await.unwrap();
    let http = crate::authed(&first).await;
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

    let second = Platform::start(config).await.unwrap();
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
        database_url: crate::fresh_database(),
        ..PlatformConfig::embedded(dir.path())
    };
    let platform = Platform::start(config).await.unwrap();
    let institution_http = crate::register(&platform.url(), "某事业单位", "123300004700012347", "institution").await;
    let mut institution = valid_order();
    institution["creditCode"] = "123300004700012347".into();
    let orders_url = format!("{}/v1/orders", platform.url());
    let (_, order) = crate::post_json(&institution_http, &orders_url, &institution).await;
    assert_eq!(order["fee"], 0);
    let (_, company) = crate::post_json(&crate::authed(&platform).await, &orders_url, &valid_order()).await;
    assert_eq!(company["fee"], 60000);
}

#[tokio::test]
async fn the_detail_shows_the_history_and_the_review_eta_in_working_days() {
    let p = crate::spawn_platform().await;
    let platform = &p.handle;
    let http = crate::authed(platform).await;
    let order: Value = http
        .post(format!("{}/v1/orders", platform.url()))
        .json(&valid_order())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let number = order["orderNo"].as_str().unwrap();
    let detail_url = format!("{}/v1/orders/{number}/detail", platform.url());

    let detail: Value = http.get(&detail_url).send().await.unwrap().json().await.unwrap();
    assert_eq!(detail["order"], order);
    assert_eq!(
        detail["history"],
        serde_json::json!([{"at": order["submittedAt"], "actor": "applicant", "from": null,
            "to": {"state": "pendingVerification"}, "reason": null}])
    );
    assert_eq!(detail["eta"], Value::Null, "no ETA before verification");

    // Stand in for the review transition (its endpoint comes with staff accounts): the order entered
    // 待审核 on the eve of the 2026 National Day break.
    let number_ = number.to_owned();
    p.db(move |db| {
        db.write(|c| {
            let reviewing = r#"{"state":"pendingReview","verification":"verified"}"#;
            c.execute(
                "UPDATE orders SET status = ?1, status_code = 'pendingReview' WHERE order_no = ?2",
                certdesk_platform::params![reviewing, number_],
            )?;
            c.execute(
                "INSERT INTO order_events (order_no, at, actor, from_status, to_status)
                 VALUES (?1, '2026-09-30T10:00:00+08:00', 'system', '{\"state\":\"pendingVerification\"}', ?2)",
                certdesk_platform::params![number_, reviewing],
            )
        })
    })
    .await;
    let detail: Value = http.get(&detail_url).send().await.unwrap().json().await.unwrap();
    assert_eq!(detail["history"].as_array().unwrap().len(), 2);
    assert_eq!(detail["history"][1]["actor"], "system");
    assert_eq!(
        detail["eta"],
        serde_json::json!({"step": "平台审核", "earliest": "2026-10-08", "latest": "2026-10-09", "peakSeason": null})
    );
    let missing = http.get(format!("{}/v1/orders/154175355707863/detail", platform.url())).send().await.unwrap();
    assert_eq!(missing.status(), 404);
}
