//! 人脸认证 over HTTP: the sandbox provider, the daily limit under races, the photo never kept, and
//! the Tencent Cloud FaceID adapter against a local fake that checks its TC3 signature.

use crate::staff::{log_in, staff, step};
use crate::{TestPlatform, fixture_jpeg, register, spawn_platform, spawn_platform_with, valid_order};
use certdesk_api::StaffRole;
use certdesk_platform::face::{FaceProviderConfig, SANDBOX_FAILING_ID_NUMBER, TencentFaceIdConfig, tencent};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

async fn order_with(p: &TestPlatform, provider: &str, id_number: &str) -> String {
    let mut form = valid_order();
    form["providerId"] = provider.into();
    form["idNumber"] = id_number.into();
    let (status, order) = p.post_json(&p.http, "/v1/orders", &form).await;
    assert_eq!(status, 201, "{order}");
    order["orderNo"].as_str().unwrap().to_owned()
}

async fn attempt(p: &TestPlatform, http: &reqwest::Client, number: &str, photo: Vec<u8>) -> (u16, Value) {
    let res = http
        .post(p.url(&format!("/v1/orders/{number}/face-verifications")))
        .header("content-type", "image/jpeg")
        .body(photo)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test]
async fn the_face_path_runs_from_submission_through_review_and_mailing_to_issuance() {
    let p = spawn_platform().await;
    let number = order_with(&p, "demo-free", "330102198001010018").await;
    let (status, result) = attempt(&p, &p.http, &number, fixture_jpeg("astronaut")).await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(result["passed"], true);
    assert_eq!(result["attempts"]["used"], 1);
    assert_eq!(result["attempts"]["remaining"], 9);
    assert_eq!(result["attempts"]["limit"], 10);
    assert!(result["attempts"]["resetsAt"].as_str().unwrap().ends_with("T00:00:00+08:00"), "{result}");
    // Zero fee: straight to review.
    assert_eq!(result["order"]["status"], json!({"state": "pendingReview", "verification": "verified"}));

    staff(&p, "reviewer", &[StaffRole::Reviewer]);
    staff(&p, "producer", &[StaffRole::Producer]);
    let (reviewer, producer) = (log_in(&p, "reviewer").await, log_in(&p, "producer").await);
    assert_eq!(step(&p, &reviewer, &number, "approve", json!({})).await.0, 200);
    crate::certificates::issue_all(&p, &crate::bearer_client(&producer), &number).await;
    let (status, issued) =
        step(&p, &producer, &number, "ship", json!({"courier": "顺丰速运", "trackingNo": "SF1000000001"})).await;
    assert_eq!(status, 200);
    assert_eq!(issued["status"]["state"], "issued");
    assert_eq!(issued["status"]["verification"], "verified");

    let detail: Value =
        p.http.get(p.url(&format!("/v1/orders/{number}/detail"))).send().await.unwrap().json().await.unwrap();
    let actors: Vec<_> = detail["history"].as_array().unwrap().iter().map(|e| e["actor"].as_str().unwrap()).collect();
    assert_eq!(actors, ["applicant", "system", "reviewer", "producer"]);
}

#[tokio::test]
async fn a_fee_order_goes_to_payment_after_the_face_passes() {
    let p = spawn_platform().await;
    let number = order_with(&p, "zjhx", "330102198001010018").await;
    let (status, result) = attempt(&p, &p.http, &number, fixture_jpeg("astronaut")).await;
    assert_eq!(status, 200);
    assert_eq!(result["order"]["status"], json!({"state": "pendingPayment", "verification": "verified"}));
    // Verified once is enough.
    let (status, refused) = attempt(&p, &p.http, &number, fixture_jpeg("astronaut")).await;
    assert_eq!((status, refused["code"].as_str()), (409, Some("conflict")));
}

#[tokio::test]
async fn a_photo_without_a_face_fails_with_a_reason_and_counts() {
    let p = spawn_platform().await;
    let number = order_with(&p, "demo-free", "330102198001010018").await;
    let (status, result) = attempt(&p, &p.http, &number, fixture_jpeg("coffee")).await;
    assert_eq!(status, 200);
    assert_eq!(result["passed"], false);
    assert_eq!(result["reason"], "未检测到人脸，请正对摄像头并确保光线充足");
    assert_eq!(result["attempts"]["remaining"], 9);
    assert_eq!(result["order"]["status"]["state"], "pendingVerification");
    let detail: Value =
        p.http.get(p.url(&format!("/v1/orders/{number}/detail"))).send().await.unwrap().json().await.unwrap();
    let last = detail["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["reason"], "人脸认证未通过：未检测到人脸，请正对摄像头并确保光线充足");
    // Not an image at all: judged and counted too (the app never sends one).
    let (status, result) = attempt(&p, &p.http, &number, b"definitely not a jpeg".to_vec()).await;
    assert_eq!((status, result["reason"].as_str()), (200, Some("照片无法识别，请重新拍摄")));
    let view: Value = p
        .http
        .get(p.url(&format!("/v1/orders/{number}/face-verifications")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((view["used"].as_u64(), view["remaining"].as_u64()), (Some(2), Some(8)));

    // A reviewer sees each attempt's result and reason (no photo exists); the applicant cannot ask.
    let (status, result) = attempt(&p, &p.http, &number, fixture_jpeg("astronaut")).await;
    assert_eq!((status, result["passed"].as_bool()), (200, Some(true)), "{result}");
    staff(&p, "reviewer", &[StaffRole::Reviewer]);
    let reviewer = log_in(&p, "reviewer").await;
    let path = format!("/v1/staff/orders/{number}/face-attempts");
    let records: Value = crate::bearer_client(&reviewer).get(p.url(&path)).send().await.unwrap().json().await.unwrap();
    let seen: Vec<(&str, Option<&str>)> =
        records.as_array().unwrap().iter().map(|r| (r["outcome"].as_str().unwrap(), r["reason"].as_str())).collect();
    assert_eq!(
        seen,
        [
            ("failed", Some("未检测到人脸，请正对摄像头并确保光线充足")),
            ("failed", Some("照片无法识别，请重新拍摄")),
            ("passed", None)
        ]
    );
    assert_eq!(records[0]["provider"], "sandbox");
    assert_eq!(p.http.get(p.url(&path)).send().await.unwrap().status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_eleven_racing_attempts_exactly_ten_are_taken_and_the_person_is_then_refused_everywhere() {
    let p = spawn_platform().await;
    let number = order_with(&p, "demo-free", SANDBOX_FAILING_ID_NUMBER).await;
    let photo = fixture_jpeg("astronaut");
    let mut racing = tokio::task::JoinSet::new();
    for _ in 0..11 {
        let (http, url, photo) =
            (p.http.clone(), p.url(&format!("/v1/orders/{number}/face-verifications")), photo.clone());
        racing.spawn(async move {
            let res = http.post(url).header("content-type", "image/jpeg").body(photo).send().await.unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        });
    }
    let results = racing.join_all().await;
    let taken: Vec<_> = results.iter().filter(|(s, _)| *s == 200).collect();
    let refused: Vec<_> = results.iter().filter(|(s, _)| *s == 429).collect();
    assert_eq!((taken.len(), refused.len()), (10, 1), "{results:?}");
    assert!(taken.iter().all(|(_, r)| r["passed"] == false && r["reason"] == "人像与身份证照片不一致"));
    let mut remaining: Vec<_> = taken.iter().map(|(_, r)| r["attempts"]["remaining"].as_u64().unwrap()).collect();
    remaining.sort_unstable();
    assert_eq!(remaining, (0..10).collect::<Vec<_>>(), "each taken attempt saw its own count");
    assert_eq!(refused[0].1["code"], "tooManyRequests");
    assert!(refused[0].1["message"].as_str().unwrap().contains("邮寄纸质资料"), "{:?}", refused[0].1);
    // The limit is per person, not per order: another order with the same ID number is refused too,
    // and the fallback is still open.
    let second = order_with(&p, "demo-free", SANDBOX_FAILING_ID_NUMBER).await;
    assert_eq!(attempt(&p, &p.http, &second, photo.clone()).await.0, 429);
    let (status, chosen) = p.post_json(&p.http, &format!("/v1/orders/{second}/paper-documents"), &json!({})).await;
    assert_eq!((status, chosen["status"]["state"].as_str()), (200, Some("pendingReview")));
}

#[tokio::test]
async fn the_photo_is_never_kept_only_its_hash() {
    let p = spawn_platform().await;
    let number = order_with(&p, "demo-free", "330102198001010018").await;
    let photo = fixture_jpeg("astronaut");
    assert_eq!(attempt(&p, &p.http, &number, photo.clone()).await.0, 200);
    let order_no = number.clone();
    let (hash, outcome): (String, String) = p
        .db(move |db| {
            db.read(|c| {
                c.query_one(
                    "SELECT image_sha256, outcome FROM face_attempts WHERE order_no = ?1",
                    certdesk_platform::params![order_no],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
            })
        })
        .await;
    use sha2::Digest;
    let expected: String = sha2::Sha256::digest(&photo).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!((hash, outcome.as_str()), (expected, "passed"));
    // No file the platform wrote (its database server's included) holds any 256-byte run of the photo.
    let probe = &photo[photo.len() / 2..photo.len() / 2 + 256];
    for path in crate::every_file(p.data_dir()).into_iter().chain(p.database_files().await) {
        let Some(bytes) = crate::read_if_there(&path) else { continue };
        assert!(!bytes.windows(probe.len()).any(|w| w == probe), "photo bytes in {}", path.display());
    }
}

#[tokio::test]
async fn attempts_are_refused_clearly_for_bad_input_and_for_anyone_but_the_organisation() {
    let p = spawn_platform().await;
    let number = order_with(&p, "demo-free", "330102198001010018").await;
    // Larger than the body limit: 413 in the platform's shape, nothing counted.
    let (status, refused) = attempt(&p, &p.http, &number, vec![0xFF; 2 * 1024 * 1024]).await;
    assert_eq!((status, refused["code"].as_str()), (413, Some("payloadTooLarge")), "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("1024KB"), "{refused}");
    let (status, refused) = attempt(&p, &p.http, &number, Vec::new()).await;
    assert_eq!((status, refused["code"].as_str()), (400, Some("badRequest")));
    let (status, _) = attempt(&p, &p.http, "not-a-number", fixture_jpeg("astronaut")).await;
    assert_eq!(status, 400);
    let (status, _) = attempt(&p, &reqwest::Client::new(), &number, fixture_jpeg("astronaut")).await;
    assert_eq!(status, 401);
    let other = register(&p.handle.url(), "另一家公司", "91110000600037341L", "other").await;
    let (status, _) = attempt(&p, &other, &number, fixture_jpeg("astronaut")).await;
    assert_eq!(status, 404);
    let res = other.get(p.url(&format!("/v1/orders/{number}/face-verifications"))).send().await.unwrap();
    assert_eq!(res.status(), 404);
    staff(&p, "reviewer", &[StaffRole::Reviewer]);
    let reviewer = crate::bearer_client(&log_in(&p, "reviewer").await);
    assert_eq!(attempt(&p, &reviewer, &number, fixture_jpeg("astronaut")).await.0, 401);
    // None of those took an attempt.
    let view: Value = p
        .http
        .get(p.url(&format!("/v1/orders/{number}/face-verifications")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(view["used"], 0);
}

/// A stand-in for Tencent Cloud FaceID: checks every header and the TC3 signature with the secret it
/// shares with the test, then judges by name (陈晨 is similar, anyone else is not).
async fn fake_tencent(secret_key: &'static str, calls: Arc<AtomicUsize>) -> String {
    use axum::http::HeaderMap;
    let app = axum::Router::new().route(
        "/",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let calls = Arc::clone(&calls);
            async move {
                calls.fetch_add(1, Ordering::SeqCst);
                let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                let failure = |code: &str| {
                    axum::Json(json!({"Response": {"Error": {"Code": code, "Message": code}, "RequestId": "fake"}}))
                };
                if header("x-tc-action") != "ImageRecognition" || header("x-tc-version") != "2018-03-01" {
                    return failure("InvalidAction");
                }
                let timestamp: i64 = header("x-tc-timestamp").parse().unwrap_or(0);
                if (chrono::Utc::now().timestamp() - timestamp).abs() > 300 {
                    return failure("AuthFailure.SignatureExpire");
                }
                let signed = [
                    ("content-type", header("content-type")),
                    ("host", header("host")),
                    ("x-tc-action", header("x-tc-action").to_lowercase()),
                ];
                let signed: Vec<(&str, &str)> = signed.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let expected = tencent::tc3::authorization("AKIDtest", secret_key, "faceid", &signed, &body, timestamp);
                if header("authorization") != expected {
                    return failure("AuthFailure.SignatureFailure");
                }
                let request: Value = serde_json::from_str(&body).unwrap();
                let photo_ok = request["ImageBase64"].as_str().is_some_and(|b| b.len() > 1000);
                let sim = if request["Name"] == "陈晨" && request["IdCard"] == "330102198001010018" && photo_ok {
                    91.5
                } else {
                    12.0
                };
                axum::Json(
                    json!({"Response": {"Sim": sim, "Result": "Success", "Description": "成功", "RequestId": "fake"}}),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

async fn tencent_platform(endpoint: String, secret_key: &str) -> TestPlatform {
    let config = TencentFaceIdConfig {
        secret_id: "AKIDtest".into(),
        secret_key: secret_key.into(),
        endpoint,
        region: "ap-shanghai".into(),
        min_similarity: 70.0,
    };
    spawn_platform_with(|c| c.face = FaceProviderConfig::Tencent(config)).await
}

#[tokio::test]
async fn the_tencent_adapter_signs_its_calls_and_its_verdicts_move_the_order() {
    let calls = Arc::new(AtomicUsize::new(0));
    let endpoint = fake_tencent("tencent-test-secret", Arc::clone(&calls)).await;
    let p = tencent_platform(endpoint, "tencent-test-secret").await;

    let number = order_with(&p, "demo-free", "330102198001010018").await;
    let (status, result) = attempt(&p, &p.http, &number, fixture_jpeg("astronaut")).await;
    assert_eq!((status, result["passed"].as_bool()), (200, Some(true)), "{result}");

    let mut form = valid_order();
    form["providerId"] = "demo-free".into();
    form["applicantName"] = "王芳".into();
    let (_, other) = p.post_json(&p.http, "/v1/orders", &form).await;
    let other = other["orderNo"].as_str().unwrap().to_owned();
    let (status, result) = attempt(&p, &p.http, &other, fixture_jpeg("astronaut")).await;
    assert_eq!(status, 200);
    assert_eq!(result["reason"], "人像与身份证照片不一致");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_refused_signature_makes_the_provider_unavailable_and_costs_no_attempt() {
    let calls = Arc::new(AtomicUsize::new(0));
    let endpoint = fake_tencent("the-real-secret", Arc::clone(&calls)).await;
    let p = tencent_platform(endpoint, "a-wrong-secret").await;
    let number = order_with(&p, "demo-free", "330102198001010018").await;
    let (status, refused) = attempt(&p, &p.http, &number, fixture_jpeg("astronaut")).await;
    assert_eq!((status, refused["code"].as_str()), (503, Some("unavailable")), "{refused}");
    assert_eq!(refused["message"], "人脸认证服务暂时不可用，本次不计入次数，请稍后重试");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let view: Value = p
        .http
        .get(p.url(&format!("/v1/orders/{number}/face-verifications")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(view["used"], 0);
    let order: Value = p.http.get(p.url(&format!("/v1/orders/{number}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(order["status"]["state"], "pendingVerification");
}
