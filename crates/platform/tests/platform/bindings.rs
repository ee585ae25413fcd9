//! CA绑定与解绑 and 证书登录 over HTTP: a certificate is bound only by a signature of its own key over a
//! fresh challenge, for the organisation it names; it then signs in without a password; a revoked,
//! expired, unbound or foreign certificate, another key's signature and a used challenge are each
//! refused with the reason; CA证书管理 lists the organisation's certificates with where they stand.

use crate::staff::{log_in, order_in_review, staff, step};
use crate::{TestPlatform, bearer_client, spawn_platform};
use certdesk_api::StaffRole;
use der::Encode;
use p256::ecdsa::{DerSignature, SigningKey};
use p256::elliptic_curve::Generate;
use serde_json::{Value, json};
use x509_cert::builder::{Builder, RequestBuilder};
use x509_cert::request::CertReq;

const ORGANISATION: &str = "晨安入驻供应商";
const CREDIT_CODE: &str = "91330106MA27XY812F";

fn csr(key: &SigningKey) -> String {
    let subject =
        certdesk_pki::OrganisationSubject { organisation_name: ORGANISATION.into(), credit_code: CREDIT_CODE.into() };
    let request: CertReq = RequestBuilder::new(subject.name().unwrap()).unwrap().build::<_, DerSignature>(key).unwrap();
    der::pem::encode_string("CERTIFICATE REQUEST", der::pem::LineEnding::LF, &request.to_der().unwrap()).unwrap()
}

/// The demo organisation's approved order with one certificate (申领数量 2, so the order stays in
/// 制证) for a key held here as on a UKey: the key and the certificate (PEM, serial).
async fn certificate_with_key(p: &TestPlatform) -> (SigningKey, String, String) {
    staff(p, "reviewer", &[StaffRole::Reviewer]);
    staff(p, "producer", &[StaffRole::Producer]);
    let (reviewer, producer) = (log_in(p, "reviewer").await, log_in(p, "producer").await);
    let number = order_in_review(p, "verified").await;
    assert_eq!(step(p, &reviewer, &number, "approve", json!({})).await.0, 200);
    let key = SigningKey::try_generate().unwrap();
    let (status, issued) =
        step(p, &producer, &number, "certificates", json!({"csrPem": csr(&key), "tokenSerial": "SOFTHSM-1"})).await;
    assert_eq!(status, 200, "{issued}");
    (key, issued["certificatePem"].as_str().unwrap().to_owned(), issued["serial"].as_str().unwrap().to_owned())
}

/// The UKey's signature over the challenge's text, as sent.
fn sign(key: &SigningKey, to_sign: &str) -> String {
    use base64::Engine;
    let signature: DerSignature = p256::ecdsa::signature::Signer::sign(key, to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(signature.as_bytes())
}

async fn challenge(p: &TestPlatform, http: &reqwest::Client, path: &str) -> Value {
    let res = http.post(p.url(path)).send().await.unwrap();
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

/// Binds the certificate for `http`'s organisation: the status and the answer.
async fn bind(p: &TestPlatform, http: &reqwest::Client, key: &SigningKey, pem: &str) -> (u16, Value) {
    let c = challenge(p, http, "/v1/account/certificates/challenge").await;
    let proof = json!({"challengeId": c["challengeId"], "certificatePem": pem, "signature": sign(key, c["toSign"].as_str().unwrap())});
    p.post_json(http, "/v1/account/certificates", &proof).await
}

/// 证书登录 with the certificate and `key`'s signature: the status and the answer.
async fn certificate_log_in(p: &TestPlatform, key: &SigningKey, pem: &str) -> (u16, Value) {
    let anyone = reqwest::Client::new();
    let c = challenge(p, &anyone, "/v1/certificate-sessions/challenge").await;
    let proof = json!({"challengeId": c["challengeId"], "certificatePem": pem, "signature": sign(key, c["toSign"].as_str().unwrap())});
    p.post_json(&anyone, "/v1/certificate-sessions", &proof).await
}

async fn managed(p: &TestPlatform) -> Vec<Value> {
    let list: Value = p.http.get(p.url("/v1/account/certificates")).send().await.unwrap().json().await.unwrap();
    list.as_array().unwrap_or_else(|| panic!("{list}")).clone()
}

#[tokio::test]
async fn a_certificate_bound_by_proof_of_its_key_then_signs_in_without_a_password() {
    let p = spawn_platform().await;
    let (key, pem, serial) = certificate_with_key(&p).await;
    let listed = managed(&p).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["certificate"]["serial"], serial.as_str());
    assert!(listed[0]["providerName"].as_str().unwrap().starts_with("浙江汇信CA"), "{}", listed[0]);
    assert_eq!((listed[0]["lifecycle"].as_str(), listed[0]["boundAt"].as_null()), (Some("valid"), Some(())));
    assert!((360..=366).contains(&listed[0]["daysLeft"].as_i64().unwrap()), "{}", listed[0]);

    // Not bound yet: 证书登录 says what to do.
    let (status, refused) = certificate_log_in(&p, &key, &pem).await;
    assert_eq!(status, 401, "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("尚未绑定机构账号"), "{refused}");

    // Another key's signature binds nothing; the challenge it spent is gone.
    let c = challenge(&p, &p.http, "/v1/account/certificates/challenge").await;
    let to_sign = c["toSign"].as_str().unwrap();
    assert!(to_sign.starts_with("CertDesk 绑定证书\n"), "{to_sign}");
    let other = SigningKey::try_generate().unwrap();
    let forged = json!({"challengeId": c["challengeId"], "certificatePem": pem, "signature": sign(&other, to_sign)});
    let (status, refused) = p.post_json(&p.http, "/v1/account/certificates", &forged).await;
    assert_eq!((status, refused["message"].as_str()), (422, Some("签名验证失败：UKey中的密钥与证书不匹配")));
    let replay = json!({"challengeId": c["challengeId"], "certificatePem": pem, "signature": sign(&key, to_sign)});
    let (status, refused) = p.post_json(&p.http, "/v1/account/certificates", &replay).await;
    assert_eq!((status, refused["message"].as_str()), (422, Some("验证已过期或已使用，请重新操作")));
    assert!(managed(&p).await[0]["boundAt"].is_null());

    let (status, bound) = bind(&p, &p.http, &key, &pem).await;
    assert_eq!(status, 201, "{bound}");
    assert!(bound["boundAt"].is_string(), "{bound}");
    assert!(managed(&p).await[0]["boundAt"].is_string());

    // 证书登录: the organisation's session, no password.
    let (status, session) = certificate_log_in(&p, &key, &pem).await;
    assert_eq!(status, 200, "{session}");
    assert_eq!(session["creditCode"], CREDIT_CODE);
    let signed_in = bearer_client(session["token"].as_str().unwrap());
    let mine: Value = signed_in.get(p.url("/v1/account/certificates")).send().await.unwrap().json().await.unwrap();
    assert_eq!(mine[0]["certificate"]["serial"], serial.as_str());

    // A 绑定 challenge does not sign anyone in, and a login challenge is used once.
    let c = challenge(&p, &p.http, "/v1/account/certificates/challenge").await;
    let wrong = json!({"challengeId": c["challengeId"], "certificatePem": pem, "signature": sign(&key, c["toSign"].as_str().unwrap())});
    assert_eq!(p.post_json(&reqwest::Client::new(), "/v1/certificate-sessions", &wrong).await.0, 401);
    let c = challenge(&p, &reqwest::Client::new(), "/v1/certificate-sessions/challenge").await;
    let proof = json!({"challengeId": c["challengeId"], "certificatePem": pem, "signature": sign(&key, c["toSign"].as_str().unwrap())});
    assert_eq!(p.post_json(&reqwest::Client::new(), "/v1/certificate-sessions", &proof).await.0, 200);
    assert_eq!(p.post_json(&reqwest::Client::new(), "/v1/certificate-sessions", &proof).await.0, 401, "replayed");

    // 解绑: no more 证书登录 with it.
    let url = p.url(&format!("/v1/account/certificates/{serial}"));
    assert_eq!(p.http.delete(&url).send().await.unwrap().status(), 204);
    assert_eq!(p.http.delete(&url).send().await.unwrap().status(), 404);
    let (status, refused) = certificate_log_in(&p, &key, &pem).await;
    assert_eq!(status, 401);
    assert!(refused["message"].as_str().unwrap().contains("尚未绑定"), "{refused}");
    let rows: i64 = p
        .db(|db| {
            db.read(|c| {
                c.query_one(
                    "SELECT COUNT(*) FROM certificate_bindings WHERE unbound_at IS NOT NULL",
                    certdesk_platform::params![],
                    |r| r.get(0),
                )
            })
        })
        .await;
    assert_eq!(rows, 1, "the unbinding is kept");
}

#[tokio::test]
async fn another_organisation_a_foreign_a_revoked_and_an_expired_certificate_are_refused_with_the_reason() {
    let p = spawn_platform().await;
    let (key, pem, serial) = certificate_with_key(&p).await;

    // Another organisation holding the key still cannot bind what names the first.
    let stranger = crate::register(&p.handle.url(), "另一家供应商", "91350100M000100Y43", "stranger").await;
    let (status, refused) = bind(&p, &stranger, &key, &pem).await;
    assert_eq!((status, refused["message"].as_str()), (422, Some("该证书的统一社会信用代码与本账号不符，不能绑定")));

    // A certificate for the same organisation and key from a CA of the same name elsewhere.
    let now = std::time::SystemTime::now();
    let lookalike = certdesk_pki::Ca::generate("zjhx", certdesk_pki::CaAlgorithm::EcdsaP256, now).unwrap();
    let subject =
        certdesk_pki::OrganisationSubject { organisation_name: ORGANISATION.into(), credit_code: CREDIT_CODE.into() };
    let checked = certdesk_pki::check_csr(&der::pem::decode_vec(csr(&key).as_bytes()).unwrap().1, &subject).unwrap();
    let serial_bytes: Vec<u8> =
        (0..serial.len()).step_by(2).map(|i| u8::from_str_radix(&serial[i..i + 2], 16).unwrap()).collect();
    let forged = lookalike
        .issue(&certdesk_pki::IssueRequest {
            csr: &checked,
            subject: &subject,
            serial: &serial_bytes,
            not_before: now,
            not_after: now + std::time::Duration::from_secs(86_400),
            urls: certdesk_pki::Urls { crl: "http://x/crl".into(), ca_issuers: "http://x/ca".into() },
        })
        .unwrap();
    let forged_pem = certdesk_pki::to_pem(&forged).unwrap();
    let (status, refused) = bind(&p, &p.http, &key, &forged_pem).await;
    assert_eq!((status, refused["message"].as_str()), (422, Some("该证书不是本平台签发的机构证书")));

    assert_eq!(bind(&p, &p.http, &key, &pem).await.0, 201);
    assert_eq!(certificate_log_in(&p, &key, &forged_pem).await.0, 401);

    // Expired: the same certificate with the clock past its 有效期 (one year), and 即将到期 before;
    // then, on time again, revoked.
    let TestPlatform { handle, dir, database_url, .. } = p;
    handle.shutdown().await.unwrap();
    let mut dir = Some(dir);
    for (days, lifecycle, login) in [(300, "expiringSoon", 200), (400, "expired", 401), (0, "valid", 200)] {
        let mut config = certdesk_platform::PlatformConfig::embedded(dir.as_ref().unwrap().path());
        config.database_url = database_url.clone();
        config.time_travel = Some(chrono::Duration::days(days));
        let handle = certdesk_platform::Platform::start(config).await.unwrap();
        let http = crate::authed(&handle).await;
        let moved = TestPlatform { handle, http, dir: dir.take().unwrap(), database_url: database_url.clone() };
        assert_eq!(managed(&moved).await[0]["lifecycle"], lifecycle, "{days} days on");
        let (status, answer) = certificate_log_in(&moved, &key, &pem).await;
        assert_eq!(status, login, "{days} days on: {answer}");
        if login == 401 {
            assert_eq!(answer["message"], "该证书已过期，请办理续期");
        }
        if days == 0 {
            let producer = log_in(&moved, "producer").await;
            let url = moved.url(&format!("/v1/staff/certificates/{serial}/revoke"));
            let res =
                bearer_client(&producer).post(url).json(&json!({"reason": "keyCompromise"})).send().await.unwrap();
            assert_eq!(res.status(), 200);
            let (status, refused) = certificate_log_in(&moved, &key, &pem).await;
            assert_eq!(
                (status, refused["message"].as_str()),
                (401, Some("该证书已吊销（密钥泄露或UKey遗失），不能使用"))
            );
            assert_eq!(managed(&moved).await[0]["lifecycle"], "revoked");
        }
        let TestPlatform { handle, dir: kept, .. } = moved;
        handle.shutdown().await.unwrap();
        dir = Some(kept);
    }
}

/// The platform on `dir`'s data again, its clock `days` ahead.
async fn restarted_at(dir: tempfile::TempDir, database_url: Option<String>, days: i64) -> TestPlatform {
    let mut config = certdesk_platform::PlatformConfig::embedded(dir.path());
    config.database_url = database_url.clone();
    config.time_travel = Some(chrono::Duration::days(days));
    // A message a restart interrupted (or a write refused while the database recovers) is tried
    // again within the test's wait, not after the default 30 s.
    config.mail.retry_first_secs = 1;
    config.mail.retry_max_secs = 2;
    let handle = certdesk_platform::Platform::start(config).await.unwrap();
    let http = crate::authed(&handle).await;
    TestPlatform { handle, http, dir, database_url }
}

/// The expiry reminders owed so far: (days left, serial) from each one's detail.
async fn reminders(p: &TestPlatform) -> Vec<(i64, String)> {
    let rows: Vec<String> = p
        .db(|db| {
            db.read(|c| {
                c.query_map(
                    "SELECT detail FROM outbox WHERE kind = 'expiryReminder' ORDER BY id",
                    certdesk_platform::params![],
                    |r| r.get(0),
                )
            })
        })
        .await;
    rows.iter()
        .map(|d| {
            let mut parts = d.split('\t');
            let serial = parts.next().unwrap().to_owned();
            (parts.next().unwrap().parse().unwrap(), serial)
        })
        .collect()
}

#[tokio::test]
async fn expiry_reminders_are_owed_once_at_90_30_and_7_days_with_the_clock_moved() {
    let p = spawn_platform().await;
    let (_, _, serial) = certificate_with_key(&p).await;
    assert!(reminders(&p).await.is_empty(), "a year left: nothing to remind");
    let TestPlatform { handle, dir, database_url, .. } = p;
    handle.shutdown().await.unwrap();

    let mut dir = Some(dir);
    let mut expected: Vec<i64> = Vec::new();
    // (days on, the reminder that start owes: days left within its threshold), twice at 280 days.
    for (days, owes) in [(280, Some(90)), (280, None), (300, None), (340, Some(30)), (361, Some(7)), (400, None)] {
        let p = restarted_at(dir.take().unwrap(), database_url.clone(), days).await;
        if let Some(threshold) = owes {
            expected.push(threshold);
        }
        // The check runs as the platform starts: wait for it to have owed what it owes.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let got = loop {
            let got = reminders(&p).await;
            if got.len() >= expected.len() || std::time::Instant::now() > deadline {
                break got;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        };
        assert_eq!(got.len(), expected.len(), "{days} days on: {got:?}");
        // And sent (an .eml file), before this start ends.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let unsent: i64 = p
                .db(|db| {
                    db.read(|c| {
                        c.query_one(
                            "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL",
                            certdesk_platform::params![],
                            |r| r.get(0),
                        )
                    })
                })
                .await;
            if unsent == 0 {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "{days} days on: {unsent} messages not sent");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        for ((days_left, reminded), threshold) in got.iter().zip(&expected) {
            assert_eq!(reminded, &serial);
            assert!(*days_left <= *threshold && *days_left > threshold - 30, "{days_left} days left for {threshold}");
        }
        let TestPlatform { handle, dir: kept, .. } = p;
        handle.shutdown().await.unwrap();
        dir = Some(kept);
    }

    // And the email says it: the .eml files of the last start (no SMTP server) include the three.
    let p = restarted_at(dir.take().unwrap(), database_url, 400).await;
    let mail = crate::mail::eml_messages(&p, 4).await;
    let subjects: Vec<&str> = mail.iter().map(|m| m.subject.as_str()).filter(|s| s.contains("证书即将到期")).collect();
    assert_eq!(subjects.len(), 3, "{subjects:?}");
    assert!(subjects.iter().all(|s| s.contains(&serial)), "{subjects:?}");
    assert!(mail.iter().any(|m| m.text.contains("「CA证书管理」中办理续期")));
}

/// `number` moved to 待审核 (as verified and paid), then approved by the reviewer.
async fn approve(p: &TestPlatform, number: &str) {
    crate::staff::into_review(p, number, "verified").await;
    let reviewer = log_in(p, "reviewer").await;
    assert_eq!(step(p, &reviewer, number, "approve", json!({})).await.0, 200);
}

async fn post(p: &TestPlatform, http: &reqwest::Client, path: &str) -> (u16, Value) {
    p.post_json(http, path, &json!({})).await
}

#[tokio::test]
async fn a_renewal_keeps_the_first_certificate_valid_and_a_reissue_revokes_it_before_its_new_order() {
    let p = spawn_platform().await;
    let (_, _, first) = certificate_with_key(&p).await;

    // 续期: a new order of one certificate, prefilled from the last application, marked.
    let (status, renewal) = post(&p, &p.http, &format!("/v1/account/certificates/{first}/renewal")).await;
    assert_eq!(status, 201, "{renewal}");
    let renewal_no = renewal["orderNo"].as_str().unwrap().to_owned();
    assert_eq!(
        (renewal["quantity"].as_i64(), renewal["status"]["state"].as_str()),
        (Some(1), Some("pendingVerification"))
    );
    let application: Value =
        p.http.get(p.url(&format!("/v1/orders/{renewal_no}/application"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        (application["applicantName"].as_str(), application["organisationName"].as_str()),
        (Some("陈晨"), Some(ORGANISATION))
    );
    let detail =
        p.http.get(p.url(&format!("/v1/orders/{renewal_no}/detail"))).send().await.unwrap().text().await.unwrap();
    assert!(detail.contains(&format!("续期：替换证书 {first}")), "{detail}");

    // It goes the usual way and ends with a second certificate, the first still valid.
    approve(&p, &renewal_no).await;
    let producer = log_in(&p, "producer").await;
    let key = SigningKey::try_generate().unwrap();
    let (status, second) =
        step(&p, &producer, &renewal_no, "certificates", json!({"csrPem": csr(&key), "tokenSerial": "SOFTHSM-2"}))
            .await;
    assert_eq!(status, 200, "{second}");
    let second = second["serial"].as_str().unwrap().to_owned();
    let states: Vec<(String, String)> = managed(&p)
        .await
        .iter()
        .map(|c| (c["certificate"]["serial"].as_str().unwrap().to_owned(), c["lifecycle"].as_str().unwrap().to_owned()))
        .collect();
    assert!(
        states.contains(&(first.clone(), "valid".into())) && states.contains(&(second.clone(), "valid".into())),
        "{states:?}"
    );

    // 补办: the first is revoked (on the CRL) before the new order exists.
    let stranger = crate::register(&p.handle.url(), "另一家供应商", "91350100M000100Y43", "stranger").await;
    assert_eq!(post(&p, &stranger, &format!("/v1/account/certificates/{first}/reissue")).await.0, 404);
    let (status, reissue) = post(&p, &p.http, &format!("/v1/account/certificates/{first}/reissue")).await;
    assert_eq!(status, 201, "{reissue}");
    let reissue_no = reissue["orderNo"].as_str().unwrap().to_owned();
    let crl = reqwest::get(p.url("/v1/ca/zjhx/crl")).await.unwrap().bytes().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ca.crl"), &crl).unwrap();
    let out = std::process::Command::new("openssl")
        .args(["crl", "-inform", "DER", "-in", "ca.crl", "-noout", "-text"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&first) && text.contains("Key Compromise"), "{text}");
    assert!(!text.contains(&second), "the renewed certificate stays valid");
    let (revoked_at, reissue_created): (String, String) = p
        .db(move |db| {
            db.read(|c| {
                c.query_one(
                    "SELECT (SELECT revoked_at FROM certificates WHERE serial = ?1),
                            (SELECT submitted_at FROM orders WHERE order_no = ?2)",
                    certdesk_platform::params![first.clone(), reissue_no.clone()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
            })
        })
        .await;
    assert!(revoked_at <= reissue_created, "revoked at {revoked_at}, the new order made at {reissue_created}");
    let history: Value = p
        .http
        .get(p.url(&format!("/v1/orders/{}/detail", renewal["orderNo"].as_str().unwrap())))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(history.to_string().contains("续期"));
    let audited: i64 = p
        .db(|db| {
            db.read(|c| {
                c.query_one(
                    "SELECT COUNT(*) FROM staff_audit WHERE action = 'certificateRevoked' AND staff_id IS NULL",
                    certdesk_platform::params![],
                    |r| r.get(0),
                )
            })
        })
        .await;
    assert_eq!(audited, 1, "the organisation's own revocation is in the audit view");

    // 注销 the second: revoked, no new order; a revoked one cannot be renewed or cancelled again.
    let (status, cancelled) = post(&p, &p.http, &format!("/v1/account/certificates/{second}/cancellation")).await;
    assert_eq!((status, cancelled["lifecycle"].as_str()), (200, Some("revoked")), "{cancelled}");
    assert_eq!(cancelled["certificate"]["revocationReason"], "cessationOfOperation");
    assert_eq!(post(&p, &p.http, &format!("/v1/account/certificates/{second}/renewal")).await.0, 409);
    assert_eq!(post(&p, &p.http, &format!("/v1/account/certificates/{second}/cancellation")).await.0, 409);
}
