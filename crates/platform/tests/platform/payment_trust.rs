//! What a payment provider's merchant rules demand of the platform: money applied only from what a
//! gateway signed (one copy of each parameter, the configured merchant, the recorded amount), the
//! notify endpoints closed to strangers filling the disk, return addresses compared exactly, and
//! personal data that cannot be read or recovered from the database.

use crate::payments::{alipay_ids, alipay_notification, notify_alipay, paying, start_payment};
use crate::{TestPlatform, spawn_platform, valid_order};
use serde_json::{Value, json};

/// A reviewer signed in on `p`.
async fn reviewer(p: &TestPlatform) -> reqwest::Client {
    crate::staff::staff(p, "trust-reviewer", &[certdesk_api::StaffRole::Reviewer]);
    crate::bearer_client(&crate::staff::log_in(p, "trust-reviewer").await)
}

async fn order_state(p: &TestPlatform, number: &str) -> Value {
    let order: Value = p.http.get(p.url(&format!("/v1/orders/{number}"))).send().await.unwrap().json().await.unwrap();
    order["status"]["state"].clone()
}

async fn payment_states(p: &TestPlatform, number: &str) -> Vec<String> {
    let list: Value =
        p.http.get(p.url(&format!("/v1/orders/{number}/payments"))).send().await.unwrap().json().await.unwrap();
    list.as_array().unwrap().iter().map(|p| p["state"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_genuine_notification_with_a_second_trade_put_in_front_settles_neither() {
    let (_dir, gateway, p, first) = paying(1).await;
    let second = crate::counter_payment::order_awaiting_payment(&p).await;
    let (_, paid) = start_payment(&p, &first, "alipay").await;
    let (_, target) = start_payment(&p, &second, "alipay").await;
    let (paid_trade, target_trade) = (paid["outTradeNo"].as_str().unwrap(), target["outTradeNo"].as_str().unwrap());

    // A genuine notification for the first trade, with the second trade's number and amount put
    // in front of it: the signature holds over one copy of each key, the platform must not read
    // the other.
    let genuine =
        alipay_notification(gateway.alipay_signer(), &alipay_ids(&p, &gateway), paid_trade, "600.00", "TRADE_SUCCESS");
    let polluted = format!("out_trade_no={target_trade}&total_amount=600.00&{genuine}");
    assert_eq!(notify_alipay(p.handle.url(), polluted).await, "fail");
    assert_eq!(order_state(&p, &second).await, "pendingPayment", "the second trade is not paid");
    assert_eq!(payment_states(&p, &second).await, ["pending"]);
    assert_eq!(order_state(&p, &first).await, "pendingPayment");

    // The same key twice, even with the same value, is refused too.
    let doubled = format!("out_trade_no={paid_trade}&{genuine}");
    assert_eq!(notify_alipay(p.handle.url(), doubled).await, "fail");
    assert_eq!(order_state(&p, &first).await, "pendingPayment");

    // The genuine notification alone pays the first.
    assert_eq!(notify_alipay(p.handle.url(), genuine).await, "success");
    assert_eq!(order_state(&p, &first).await, "pendingReview");
    assert_eq!(order_state(&p, &second).await, "pendingPayment");
}

#[tokio::test]
async fn a_signed_notification_for_the_wrong_amount_is_flagged_for_staff_and_never_pays() {
    let (_dir, gateway, p, number) = paying(1).await;
    let (_, started) = start_payment(&p, &number, "alipay").await;
    let out_trade_no = started["outTradeNo"].as_str().unwrap();
    let ids = alipay_ids(&p, &gateway);
    let cheap = alipay_notification(gateway.alipay_signer(), &ids, out_trade_no, "0.01", "TRADE_SUCCESS");
    // Acknowledged (the gateway need not send it again: it is kept and flagged), never applied.
    assert_eq!(notify_alipay(p.handle.url(), cheap).await, "success");
    assert_eq!(order_state(&p, &number).await, "pendingPayment");
    assert_eq!(payment_states(&p, &number).await, ["amountMismatch"]);

    let staff = reviewer(&p).await;
    let flagged: Value = staff.get(p.url("/v1/staff/payments/attention")).send().await.unwrap().json().await.unwrap();
    let flagged = flagged.as_array().unwrap();
    assert_eq!(flagged.len(), 1, "{flagged:?}");
    assert_eq!(flagged[0]["outTradeNo"], out_trade_no);
    assert_eq!(flagged[0]["orderNo"], number.as_str());
    assert_eq!(flagged[0]["state"], "amountMismatch");
    assert_eq!(flagged[0]["amount"], 60_000);
    assert_eq!(flagged[0]["notifiedAmount"], 1);
}

#[tokio::test]
async fn the_notify_endpoints_refuse_large_bodies_and_strangers_at_speed_and_keep_no_unverified_body() {
    let (_dir, _gateway, p, _number) = paying(1).await;
    let url = format!("{}/v1/payments/alipay/notify", p.handle.url());
    let http = reqwest::Client::new();
    let large = format!("sign=x&padding={}", "a".repeat(17 * 1024));
    let answer = http.post(&url).body(large).send().await.unwrap();
    assert_eq!(answer.status(), 413);

    // A stranger's bodies: nothing of them is kept but their digest and size.
    let marker = "stranger-body-marker";
    let forged = format!("out_trade_no={marker}&total_amount=1.00&sign=AAAA");
    assert_eq!(http.post(&url).body(forged.clone()).send().await.unwrap().text().await.unwrap(), "fail");
    let (raw, size, digest): (Option<String>, i64, String) = p
        .db(|db| {
            db.read(|c| {
                c.query_one(
                    "SELECT raw, body_size, body_sha256 FROM payment_notifications ORDER BY id DESC LIMIT 1",
                    certdesk_platform::params![],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
            })
        })
        .await;
    assert_eq!(raw, None, "an unverified body is not kept");
    assert_eq!(size, forged.len() as i64);
    assert_eq!(digest.len(), 64);

    // At speed, from one peer: refused before anything is read.
    let mut racing = tokio::task::JoinSet::new();
    for _ in 0..300 {
        let (http, url, body) = (http.clone(), url.clone(), forged.clone());
        racing.spawn(async move { http.post(url).body(body).send().await.unwrap().status().as_u16() });
    }
    let statuses = racing.join_all().await;
    assert!(statuses.contains(&429), "some refused: {statuses:?}");
    let kept: i64 = p
        .db(|db| {
            db.read(|c| {
                c.query_one("SELECT COUNT(*) FROM payment_notifications", certdesk_platform::params![], |r| r.get(0))
            })
        })
        .await;
    assert!(kept < 300, "the refused ones are not recorded: {kept}");
}

#[tokio::test]
async fn return_addresses_are_compared_exactly() {
    let (_dir, _gateway, p, number) = paying(1).await;
    let path = format!("/v1/orders/{number}/payments");
    for trick in [
        "http://localhost:@evil.example/",
        "http://127.0.0.1:80@evil.example/pay/return",
        "http://localhost.evil.example:80/",
        "http://127.0.0.1:8080/",
        "certdesk://pay/return@evil.example",
        "certdesk://evil/return",
        "certdesk://pay/return/../../x",
        "CERTDESK://pay.evil/return",
        "javascript:alert(1)//certdesk://pay/return",
        "https://evil.example/?certdesk://pay/return",
    ] {
        let (status, refused) = p.post_json(&p.http, &path, &json!({"method": "alipay", "returnUrl": trick})).await;
        assert_eq!((status, refused["code"].as_str()), (422, Some("validation")), "{trick}: {refused}");
    }
    assert!(payment_states(&p, &number).await.is_empty(), "nothing opened by the refusals");
    let (status, _) =
        p.post_json(&p.http, &path, &json!({"method": "alipay", "returnUrl": "certdesk://pay/return"})).await;
    assert_eq!(status, 200);
}

/// FNV-1a over the form's JSON: the unkeyed fingerprint the platform once stored.
fn fnv1a(bytes: &[u8]) -> String {
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3));
    format!("{hash:016x}")
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Every 身份证号 of region 330102 born in 1980 with sequence 001 (the check character computed).
fn candidates() -> Vec<String> {
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let checks = b"10X98765432";
    let mut found = Vec::new();
    let mut day = chrono::NaiveDate::from_ymd_opt(1980, 1, 1).unwrap();
    while day.format("%Y").to_string() == "1980" {
        let body = format!("330102{}001", day.format("%Y%m%d"));
        let sum: u32 = body.bytes().zip(weights).map(|(b, w)| u32::from(b - b'0') * w).sum();
        found.push(format!("{body}{}", checks[(sum % 11) as usize] as char));
        day = day.succ_opt().unwrap();
    }
    found
}

#[tokio::test]
async fn the_submit_fingerprint_and_the_masked_id_number_no_longer_give_the_id_number_away() {
    let p = spawn_platform().await;
    let mut form = valid_order();
    let secret = "330102198007150011";
    form["idNumber"] = secret.into();
    let res = p.http.post(p.url("/v1/orders")).header("Idempotency-Key", "k-1").json(&form).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let (stored, masked): (String, String) = p
        .db(|db| {
            db.read(|c| {
                let stored =
                    c.query_one("SELECT request_hash FROM idempotency_keys", certdesk_platform::params![], |r| {
                        r.get(0)
                    })?;
                let masked =
                    c.query_one("SELECT id_number_masked FROM orders", certdesk_platform::params![], |r| r.get(0))?;
                Ok((stored, masked))
            })
        })
        .await;
    assert!(secret.starts_with(&masked[..3]) && secret.ends_with(&masked[masked.len() - 4..]));

    // The attacker has the database and the rest of the form: every candidate that fits the mask,
    // fingerprinted the ways an unkeyed hash could have been made.
    let fits = candidates().into_iter().filter(|c| c[..3] == masked[..3] && c[14..] == masked[masked.len() - 4..]);
    let recovered: Vec<String> = fits
        .filter(|candidate| {
            let mut guess = form.clone();
            guess["idNumber"] = candidate.as_str().into();
            // Serialised as the platform serialises the form it received.
            let guess: certdesk_api::SubmitOrder = serde_json::from_value(guess).unwrap();
            let json = serde_json::to_vec(&guess).unwrap();
            [fnv1a(&json), sha256_hex(&json)].contains(&stored)
        })
        .collect();
    assert!(recovered.is_empty(), "the ID number was recovered: {recovered:?}");
    assert!(candidates().contains(&secret.to_owned()), "the attack would have covered it");

    // The same key and form still name the same order.
    let again = p.http.post(p.url("/v1/orders")).header("Idempotency-Key", "k-1").json(&form).send().await.unwrap();
    assert_eq!(again.status(), 200);
}

#[tokio::test]
async fn contact_details_are_not_in_the_database_in_clear() {
    let p = spawn_platform().await;
    let mut form = valid_order();
    form["mobile"] = "13912345678".into();
    form["email"] = "chen.chen@supplier-example.cn".into();
    form["recipient"] = "欧阳收件".into();
    form["recipientMobile"] = "13787654321".into();
    form["address"] = "浙江省杭州市西湖区文三路九十九号".into();
    let (status, order) = p.post_json(&p.http, "/v1/orders", &form).await;
    assert_eq!(status, 201, "{order}");
    let number = order["orderNo"].as_str().unwrap();

    let (mobile, email): (String, String) = p
        .db(|db| {
            db.read(|c| {
                c.query_one("SELECT mobile, email FROM orders", certdesk_platform::params![], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
            })
        })
        .await;
    assert_eq!((mobile.as_str(), email.as_str()), ("139****5678", "c***@supplier-example.cn"));
    // Nowhere in the database's files (SQLite's WAL, PostgreSQL's cluster) is any of them in clear.
    for file in &p.database_files().await {
        let Some(bytes) = crate::read_if_there(file) else { continue };
        for secret in ["13912345678", "chen.chen@", "欧阳收件", "13787654321", "文三路九十九号", "330102198001010018"]
        {
            assert!(!crate::holds(&bytes, secret), "{secret} is in {} in clear", file.display());
        }
    }

    // Staff see them in full in the order's application; the organisation sees its own.
    let staff = reviewer(&p).await;
    let application: Value =
        staff.get(p.url(&format!("/v1/orders/{number}/application"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(application["mobile"], "13912345678", "{application}");
    assert_eq!(application["address"], "浙江省杭州市西湖区文三路九十九号");
    assert_eq!(application["idNumber"], "330***********0018", "the ID number stays masked");
}
