//! 证书 over HTTP: 制证 turns a UKey's CSR into a certificate of the order's CA服务商, as many as
//! 申领数量; the organisation sees them; 吊销 puts one on the CRL every certificate names. OpenSSL's
//! CLI is the oracle for every certificate and list.

use crate::staff::{log_in, order_in_review, staff, step};
use crate::{TestPlatform, bearer_client, spawn_platform};
use certdesk_api::StaffRole;
use der::Encode;
use p256::ecdsa::{DerSignature, SigningKey};
use p256::elliptic_curve::Generate;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use x509_cert::builder::{Builder, RequestBuilder};
use x509_cert::request::CertReq;

const ORGANISATION: &str = "晨安入驻供应商";
const CREDIT_CODE: &str = "91330106MA27XY812F";

fn subject(organisation: &str, code: &str) -> certdesk_pki::OrganisationSubject {
    certdesk_pki::OrganisationSubject { organisation_name: organisation.into(), credit_code: code.into() }
}

/// A PEM CSR for a fresh P-256 key, as a UKey signs it.
pub fn p256_csr(organisation: &str, code: &str) -> String {
    let key = SigningKey::try_generate().unwrap();
    let request: CertReq = RequestBuilder::new(subject(organisation, code).name().unwrap())
        .unwrap()
        .build::<_, DerSignature>(&key)
        .unwrap();
    pem("CERTIFICATE REQUEST", &request.to_der().unwrap())
}

fn sm2_csr(organisation: &str, code: &str) -> String {
    let key = certdesk_pki::Sm2Signer::generate().unwrap();
    let request: CertReq = RequestBuilder::new(subject(organisation, code).name().unwrap())
        .unwrap()
        .build::<_, sm2::dsa::DerSignature>(&key)
        .unwrap();
    pem("CERTIFICATE REQUEST", &request.to_der().unwrap())
}

fn pem(label: &str, der: &[u8]) -> String {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der).unwrap()
}

fn pem_body(pem: &str) -> Vec<u8> {
    der::pem::decode_vec(pem.as_bytes()).unwrap().1
}

fn openssl(args: &[&str], dir: &Path) -> (bool, String) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl runs");
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

async fn issue(p: &TestPlatform, token: &str, number: &str, csr: &str) -> (u16, Value) {
    step(p, token, number, "certificates", json!({"csrPem": csr, "tokenSerial": "SOFTHSM-7F3A"})).await
}

/// An order of `provider` (申领数量 2) approved and waiting for 制证, and the producer's token.
async fn approved_order(p: &TestPlatform) -> (String, String) {
    staff(p, "reviewer", &[StaffRole::Reviewer]);
    staff(p, "producer", &[StaffRole::Producer]);
    let (reviewer, producer) = (log_in(p, "reviewer").await, log_in(p, "producer").await);
    let number = order_in_review(p, "verified").await;
    assert_eq!(step(p, &reviewer, &number, "approve", json!({})).await.0, 200);
    (number, producer)
}

async fn bytes(url: &str) -> Vec<u8> {
    let res = reqwest::get(url).await.unwrap();
    assert_eq!(res.status(), 200, "{url}");
    res.bytes().await.unwrap().to_vec()
}

/// The URI after `label` in `openssl x509 -text`'s output.
fn uri_after(text: &str, label: &str) -> String {
    let at = text.find(label).unwrap_or_else(|| panic!("{label} not in {text}"));
    let rest = &text[at..];
    let uri = &rest[rest.find("URI:").unwrap() + 4..];
    uri.split_whitespace().next().unwrap().to_owned()
}

#[tokio::test]
async fn a_producer_issues_the_orders_certificates_which_verify_with_the_published_chain_and_crl() {
    let p = spawn_platform().await;
    let (number, producer) = approved_order(&p).await;

    let (status, first) = issue(&p, &producer, &number, &p256_csr(ORGANISATION, CREDIT_CODE)).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["subject"], format!("C=CN, O={ORGANISATION}, CN={ORGANISATION}, serialNumber={CREDIT_CODE}"));
    assert_eq!(first["issuer"], "C=CN, O=浙江汇信CA（沙箱）, CN=浙江汇信CA（沙箱） 机构证书CA");
    assert_eq!((first["keyAlgorithm"].as_str(), first["status"].as_str()), (Some("ECDSA P-256"), Some("valid")));
    assert_eq!(first["tokenSerial"], "SOFTHSM-7F3A");
    assert_eq!(first["serial"].as_str().unwrap().len(), 32, "a 128-bit random serial");

    let dir = tempfile::tempdir().unwrap();
    let chain = bytes(&p.url("/v1/ca/zjhx/chain")).await;
    std::fs::write(dir.path().join("chain.pem"), &chain).unwrap();
    std::fs::write(dir.path().join("org.pem"), first["certificatePem"].as_str().unwrap()).unwrap();
    let (ok, text) = openssl(&["verify", "-CAfile", "chain.pem", "org.pem"], dir.path());
    assert!(ok && text.contains("org.pem: OK"), "{text}");
    let (ok, fingerprint) = openssl(&["x509", "-in", "org.pem", "-noout", "-fingerprint", "-sha256"], dir.path());
    assert!(ok);
    assert_eq!(fingerprint.trim(), format!("sha256 Fingerprint={}", first["fingerprintSha256"].as_str().unwrap()));

    // The CRL and the issuer's certificate are where the certificate says.
    let (_, text) = openssl(&["x509", "-in", "org.pem", "-noout", "-text"], dir.path());
    let crl_url = uri_after(&text, "X509v3 CRL Distribution Points");
    let issuer_url = uri_after(&text, "CA Issuers");
    assert_eq!(crl_url, p.url("/v1/ca/zjhx/crl"));
    std::fs::write(dir.path().join("crl.der"), bytes(&crl_url).await).unwrap();
    std::fs::write(dir.path().join("issuing.der"), bytes(&issuer_url).await).unwrap();
    let (ok, text) = openssl(
        &["x509", "-inform", "DER", "-in", "issuing.der", "-noout", "-subject", "-nameopt", "utf8"],
        dir.path(),
    );
    assert!(ok && text.contains("机构证书CA"), "{text}");
    let (ok, text) =
        openssl(&["crl", "-inform", "DER", "-in", "crl.der", "-CAfile", "chain.pem", "-noout"], dir.path());
    assert!(ok && text.contains("verify OK"), "{text}");
    let (ok, text) = openssl(&["crl", "-inform", "DER", "-in", "crl.der", "-out", "crl.pem"], dir.path());
    assert!(ok, "{text}");
    let checked =
        || openssl(&["verify", "-crl_check", "-CRLfile", "crl.pem", "-CAfile", "chain.pem", "org.pem"], dir.path());
    let (ok, text) = checked();
    assert!(ok, "not revoked yet: {text}");

    // 申领数量 2: a second certificate, and no third.
    let (status, second) = issue(&p, &producer, &number, &p256_csr(ORGANISATION, CREDIT_CODE)).await;
    assert_eq!(status, 200, "{second}");
    assert_ne!(second["serial"], first["serial"]);
    let (status, refused) = issue(&p, &producer, &number, &p256_csr(ORGANISATION, CREDIT_CODE)).await;
    assert_eq!((status, refused["message"].as_str()), (409, Some("该订单申领数量为2，证书已全部签发")));

    // The organisation sees both in 查看; another organisation sees nothing of them.
    let listed: Vec<Value> =
        p.http.get(p.url(&format!("/v1/orders/{number}/certificates"))).send().await.unwrap().json().await.unwrap();
    let serials: Vec<&Value> = listed.iter().map(|c| &c["serial"]).collect();
    assert_eq!(serials, [&first["serial"], &second["serial"]]);
    assert_eq!(listed[0]["certificatePem"], first["certificatePem"]);
    let stranger = crate::register(&p.handle.url(), "另一家供应商", "91350100M000100Y43", "stranger").await;
    let res = stranger.get(p.url(&format!("/v1/orders/{number}/certificates"))).send().await.unwrap();
    assert_eq!(res.status(), 404);

    // 吊销: the first goes on the CRL with its reason, once; the second still verifies.
    let serial = first["serial"].as_str().unwrap();
    let revoke = |reason: &str| {
        let http = bearer_client(&producer);
        let url = p.url(&format!("/v1/staff/certificates/{serial}/revoke"));
        let body = json!({ "reason": reason });
        async move { crate::post_json(&http, &url, &body).await }
    };
    let (status, revoked) = revoke("keyCompromise").await;
    assert_eq!(status, 200, "{revoked}");
    assert_eq!(
        (revoked["status"].as_str(), revoked["revocationReason"].as_str()),
        (Some("revoked"), Some("keyCompromise"))
    );
    let (status, again) = revoke("superseded").await;
    assert_eq!((status, again["message"].as_str()), (409, Some("该证书已吊销")));

    std::fs::write(dir.path().join("crl.der"), bytes(&crl_url).await).unwrap();
    openssl(&["crl", "-inform", "DER", "-in", "crl.der", "-out", "crl.pem"], dir.path());
    let (ok, text) = checked();
    assert!(!ok && text.contains("certificate revoked"), "{text}");
    let (_, text) = openssl(&["crl", "-in", "crl.pem", "-noout", "-text"], dir.path());
    assert!(text.contains(&format!("Serial Number: {serial}")) && text.contains("Key Compromise"), "{text}");
    std::fs::write(dir.path().join("second.pem"), second["certificatePem"].as_str().unwrap()).unwrap();
    let (ok, text) =
        openssl(&["verify", "-crl_check", "-CRLfile", "crl.pem", "-CAfile", "chain.pem", "second.pem"], dir.path());
    assert!(ok, "{text}");

    // A revoked certificate no longer counts: the order may have its replacement.
    let (status, replacement) = issue(&p, &producer, &number, &p256_csr(ORGANISATION, CREDIT_CODE)).await;
    assert_eq!(status, 200, "{replacement}");

    // Each issuance and the revocation are in the 操作日志.
    let number_ = number.clone();
    let audited: Vec<String> = p
        .db(move |db| {
            db.read(|c| {
                c.query_map(
                    "SELECT action FROM staff_audit WHERE order_no = ?1 AND action LIKE 'certificate%' ORDER BY id",
                    certdesk_platform::params![number_],
                    |r| r.get(0),
                )
            })
        })
        .await;
    assert_eq!(audited, ["certificateIssued", "certificateIssued", "certificateRevoked", "certificateIssued"]);
}

#[tokio::test]
async fn a_csr_for_another_organisation_or_not_a_csr_is_refused_and_only_producers_issue() {
    let p = spawn_platform().await;
    let (number, producer) = approved_order(&p).await;

    let (status, refused) = issue(&p, &producer, &number, &p256_csr("另一家公司", CREDIT_CODE)).await;
    assert_eq!(status, 422);
    assert_eq!(
        refused["message"],
        "证书请求（CSR）中的机构名称与申领信息不一致：应为“晨安入驻供应商”，实为“另一家公司”"
    );
    let (status, refused) = issue(&p, &producer, &number, "not a csr").await;
    assert_eq!((status, refused["code"].as_str()), (422, Some("validation")));
    let (status, refused) = issue(&p, &producer, &number, &pem("CERTIFICATE REQUEST", b"garbage")).await;
    assert_eq!(status, 422);
    assert!(refused["message"].as_str().unwrap().starts_with("证书请求（CSR）无法解析"), "{refused}");

    // A signature that does not verify: the request's last byte (inside the signature) changed.
    let good = p256_csr(ORGANISATION, CREDIT_CODE);
    let mut der = pem_body(&good);
    *der.last_mut().unwrap() ^= 0x01;
    let (status, refused) = issue(&p, &producer, &number, &pem("CERTIFICATE REQUEST", &der)).await;
    assert_eq!((status, refused["message"].as_str()), (422, Some("证书请求（CSR）的签名无效")));
    // Keys OpenSSL makes that the CA does not certify: a 1024-bit RSA key, a P-384 key.
    for (key, what) in [
        (&["-newkey", "rsa:1024"][..], "RSA 1024"),
        (&["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp384r1"][..], "P-384"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let subject = format!("/C=CN/O={ORGANISATION}/CN={ORGANISATION}/serialNumber={CREDIT_CODE}");
        let mut args =
            vec!["req", "-new", "-utf8", "-nodes", "-keyout", "key.pem", "-out", "csr.pem", "-subj", &subject];
        args.extend_from_slice(key);
        let (ok, text) = openssl(&args, dir.path());
        assert!(ok, "{text}");
        let csr = std::fs::read_to_string(dir.path().join("csr.pem")).unwrap();
        let (status, refused) = issue(&p, &producer, &number, &csr).await;
        assert_eq!((status, refused["code"].as_str()), (422, Some("validation")), "{what}: {refused}");
        let message = refused["message"].as_str().unwrap();
        assert!(message.starts_with("不支持的密钥："), "{what}: {message}");
    }

    let reviewer = log_in(&p, "reviewer").await;
    let (status, refused) = issue(&p, &reviewer, &number, &p256_csr(ORGANISATION, CREDIT_CODE)).await;
    assert_eq!((status, refused["message"].as_str()), (403, Some("您的角色无权签发证书")));
    // The applicant's own session is not a staff session.
    let res = p
        .http
        .post(p.url(&format!("/v1/staff/orders/{number}/certificates")))
        .json(&json!({"csrPem": p256_csr(ORGANISATION, CREDIT_CODE)}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    // An order not yet approved gets no certificate.
    let waiting = order_in_review(&p, "verified").await;
    let (status, refused) = issue(&p, &producer, &waiting, &p256_csr(ORGANISATION, CREDIT_CODE)).await;
    assert_eq!((status, refused["message"].as_str()), (409, Some("只有审核通过、待制证的订单才能签发证书")));
    let none: Vec<Value> =
        p.http.get(p.url(&format!("/v1/orders/{number}/certificates"))).send().await.unwrap().json().await.unwrap();
    assert!(none.is_empty());
}

#[tokio::test]
async fn the_free_demo_providers_sm2_ca_issues_sm2_certificates_that_openssl_verifies() {
    let p = spawn_platform().await;
    let info: Value = reqwest::get(p.url("/v1/ca/demo-free")).await.unwrap().json().await.unwrap();
    assert_eq!((info["algorithm"].as_str(), info["sandbox"].as_bool()), (Some("sm2"), Some(true)));
    assert_eq!(info["validityDays"], 365);
    let (number, producer) = approved_order(&p).await;
    let number_ = number.clone();
    p.db(move |db| {
        db.write(|c| {
            c.execute(
                "UPDATE orders SET provider_id = 'demo-free' WHERE order_no = ?1",
                certdesk_platform::params![number_],
            )
        })
    })
    .await;
    // The SM2 CA's UKeys make SM2 keys.
    let (status, issued) = issue(&p, &producer, &number, &sm2_csr(ORGANISATION, CREDIT_CODE)).await;
    assert_eq!(status, 200, "{issued}");
    assert_eq!(issued["keyAlgorithm"], "SM2");
    assert_eq!(issued["issuer"], "C=CN, O=演示CA（免缴费）（沙箱）, CN=演示CA（免缴费）（沙箱） 机构证书CA");

    // OpenSSL 3.0 applies the SM2 ID to one link at a time (docs/decisions.md).
    let dir = tempfile::tempdir().unwrap();
    let chain = String::from_utf8(bytes(&p.url("/v1/ca/demo-free/chain")).await).unwrap();
    let end = chain.find("-----END CERTIFICATE-----").unwrap() + "-----END CERTIFICATE-----\n".len();
    std::fs::write(dir.path().join("issuing.pem"), &chain[..end]).unwrap();
    std::fs::write(dir.path().join("root.pem"), &chain[end..]).unwrap();
    std::fs::write(dir.path().join("org.pem"), issued["certificatePem"].as_str().unwrap()).unwrap();
    let distid = "distid:1234567812345678";
    let (ok, text) = openssl(&["verify", "-vfyopt", distid, "-CAfile", "root.pem", "issuing.pem"], dir.path());
    assert!(ok, "{text}");
    let (ok, text) =
        openssl(&["verify", "-vfyopt", distid, "-partial_chain", "-CAfile", "issuing.pem", "org.pem"], dir.path());
    assert!(ok, "{text}");
}

#[tokio::test]
async fn the_ca_is_kept_across_restarts_with_its_key_sealed_at_rest() {
    let dir = tempfile::tempdir().unwrap();
    let config = certdesk_platform::PlatformConfig {
        database_url: crate::fresh_database(),
        ..certdesk_platform::PlatformConfig::embedded(dir.path())
    };
    let first = certdesk_platform::Platform::start(config.clone()).await.unwrap();
    let chain = bytes(&format!("{}/v1/ca/zjhx/chain", first.url())).await;
    first.shutdown().await.unwrap();
    let second = certdesk_platform::Platform::start(config.clone()).await.unwrap();
    assert_eq!(bytes(&format!("{}/v1/ca/zjhx/chain", second.url())).await, chain, "the same CA after a restart");

    // The stored key opens only with the platform's key, and only as zjhx's.
    let sealed: Vec<u8> =
        second.with_db(|db| Ok(db.certificate_authority("zjhx")?.unwrap().issuing_key_sealed)).await.unwrap();
    let sealer = certdesk_vault::Sealer::load_or_create(&dir.path().join("personal-data.key")).unwrap();
    let pkcs8 = sealer.open_bytes(&sealed, "certificate authority zjhx").unwrap();
    assert!(sealer.open_bytes(&sealed, "certificate authority demo-free").is_err());
    let other = certdesk_vault::Sealer::from_key(&[7u8; 32]).unwrap();
    assert!(other.open_bytes(&sealed, "certificate authority zjhx").is_err());
    if config.database_url.is_none() {
        // Nowhere in the database files is the key in the clear.
        for file in crate::every_file(dir.path()).into_iter().filter(|f| f.to_string_lossy().contains("platform.db")) {
            let Some(bytes) = crate::read_if_there(&file) else { continue };
            assert!(!bytes.windows(pkcs8.len()).any(|w| w == pkcs8.as_slice()), "{}", file.display());
        }
    }
    let unknown = reqwest::get(format!("{}/v1/ca/nobody/crl", second.url())).await.unwrap();
    assert_eq!(unknown.status(), 404);
    let body: Value = unknown.json().await.unwrap();
    assert_eq!(body["message"], "该CA服务商尚未配置签发CA，无法签发证书");
}

/// Every certificate of the order's 申领数量, issued for P-256 CSRs of its organisation, through
/// `http` (a producer's or the counter's session): what 已发证 needs.
pub async fn issue_all(p: &TestPlatform, http: &reqwest::Client, number: &str) {
    let number_ = number.to_owned();
    let (organisation, code, quantity): (String, String, i64) = p
        .db(move |db| {
            db.read(|c| {
                c.query_one(
                    "SELECT organisation_name, credit_code, quantity FROM orders WHERE order_no = ?1",
                    certdesk_platform::params![number_],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
            })
        })
        .await;
    for _ in 0..quantity {
        let body = json!({"csrPem": p256_csr(&organisation, &code), "tokenSerial": "SOFTHSM-TEST"});
        let (status, issued) = p.post_json(http, &format!("/v1/staff/orders/{number}/certificates"), &body).await;
        assert_eq!(status, 200, "{issued}");
    }
}

#[tokio::test]
async fn an_order_is_not_shipped_or_issued_on_site_before_all_its_certificates_are() {
    let p = spawn_platform().await;
    let (number, producer) = approved_order(&p).await;
    let parcel = json!({"courier": "顺丰速运", "trackingNo": "SF1234567890"});
    let (status, refused) = step(&p, &producer, &number, "ship", parcel.clone()).await;
    assert_eq!(
        (status, refused["message"].as_str()),
        (409, Some("证书尚未全部签发：申领数量2，已签发0张，请先为机构写入证书"))
    );
    assert_eq!(issue(&p, &producer, &number, &p256_csr(ORGANISATION, CREDIT_CODE)).await.0, 200);
    let (status, refused) = step(&p, &producer, &number, "ship", parcel.clone()).await;
    assert_eq!((status, refused["message"].as_str().unwrap().contains("已签发1张")), (409, true));
    // Nothing moved: still 待制证.
    let order: Value = p.http.get(p.url(&format!("/v1/orders/{number}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(order["status"]["state"], "approved");
    assert_eq!(issue(&p, &producer, &number, &p256_csr(ORGANISATION, CREDIT_CODE)).await.0, 200);
    let (status, shipped) = step(&p, &producer, &number, "ship", parcel).await;
    assert_eq!(status, 200, "{shipped}");
    assert_eq!(shipped["status"]["state"], "issued");
}

/// This binary's SoftHSM2, one token for the CA keys, made before any test loads the module (SoftHSM2
/// sees the tokens there are when a process first initialises it).
fn ca_hsm() -> &'static (tempfile::TempDir, std::path::PathBuf) {
    static HSM: std::sync::OnceLock<(tempfile::TempDir, std::path::PathBuf)> = std::sync::OnceLock::new();
    HSM.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let hsm = certdesk_token::softhsm::SoftHsm::at(dir.path()).unwrap();
        // SAFETY: set once, inside the OnceLock the one HSM test passes through before PKCS#11 is loaded.
        unsafe { hsm.use_in_this_process() };
        hsm.init_token("certdesk-ca", "87654321", HSM_PIN).unwrap();
        let module =
            certdesk_token::softhsm::module().expect("SoftHSM2 is installed (cargo xtask test installs softhsm2)");
        (dir, module)
    })
}

const HSM_PIN: &str = "24681357";

fn hsm_config(module: &Path) -> certdesk_platform::HsmConfig {
    toml::from_str(&format!(
        "module = {:?}\ntoken_label = \"certdesk-ca\"\npin = \"{HSM_PIN}\"\nproviders = [\"zjhx\"]\n",
        module.display().to_string()
    ))
    .unwrap()
}

#[tokio::test]
async fn with_an_hsm_the_issuing_key_is_made_there_signs_there_and_serves_again_after_a_restart() {
    let (_, module) = ca_hsm();
    let dir = tempfile::tempdir().unwrap();
    let config = certdesk_platform::PlatformConfig {
        database_url: crate::fresh_database(),
        hsm: Some(hsm_config(module)),
        ..certdesk_platform::PlatformConfig::embedded(dir.path())
    };
    let handle = certdesk_platform::Platform::start(config.clone()).await.unwrap();
    let http = crate::authed(&handle).await;
    let p = TestPlatform { handle, http, dir, database_url: config.database_url.clone() };
    let (number, producer) = approved_order(&p).await;
    let (status, first) = issue(&p, &producer, &number, &p256_csr(ORGANISATION, CREDIT_CODE)).await;
    assert_eq!(status, 200, "{first}");
    let chain = bytes(&p.url("/v1/ca/zjhx/chain")).await;

    // The database keeps where the key is, not the key.
    let sealed: Vec<u8> =
        p.handle.with_db(|db| Ok(db.certificate_authority("zjhx")?.unwrap().issuing_key_sealed)).await.unwrap();
    let sealer = certdesk_vault::Sealer::load_or_create(&p.dir.path().join("personal-data.key")).unwrap();
    let location = sealer.open_bytes(&sealed, "certificate authority zjhx").unwrap();
    assert_eq!(location.as_slice(), b"pkcs11:token=certdesk-ca;object=zjhx-issuing");

    // The key is on the HSM only, and it is the issuing CA's.
    let work = tempfile::tempdir().unwrap();
    let out = Command::new("pkcs11-tool")
        .args(["--module", module.to_str().unwrap(), "--token-label", "certdesk-ca", "--login", "--pin", HSM_PIN])
        .args(["--read-object", "--type", "pubkey", "--label", "zjhx-issuing", "-o", "hsm-key.der"])
        .current_dir(work.path())
        .env("SOFTHSM2_CONF", std::env::var_os("SOFTHSM2_CONF").unwrap())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(work.path().join("chain.pem"), &chain).unwrap();
    let (ok, issuing_key) = openssl(&["x509", "-in", "chain.pem", "-noout", "-pubkey"], work.path());
    assert!(ok, "{issuing_key}");
    let (ok, hsm_key) = openssl(&["pkey", "-pubin", "-inform", "DER", "-in", "hsm-key.der"], work.path());
    assert!(ok, "{hsm_key}");
    assert_eq!(issuing_key.trim(), hsm_key.trim(), "the issuing CA's certificate certifies the HSM's key");
    // The sandbox CA of the other demo provider is unaffected.
    assert!(!bytes(&p.url("/v1/ca/demo-free")).await.is_empty());

    // After a restart the same CA opens its key on the HSM again and signs the second certificate.
    let TestPlatform { handle, dir, .. } = p;
    handle.shutdown().await.unwrap();
    let handle = certdesk_platform::Platform::start(config.clone()).await.unwrap();
    let http = crate::authed(&handle).await;
    let p = TestPlatform { handle, http, dir, database_url: config.database_url.clone() };
    assert_eq!(bytes(&p.url("/v1/ca/zjhx/chain")).await, chain, "the same CA after a restart");
    let producer = log_in(&p, "producer").await;
    let (status, second) = issue(&p, &producer, &number, &p256_csr(ORGANISATION, CREDIT_CODE)).await;
    assert_eq!(status, 200, "{second}");
    let revoke = p
        .http
        .post(p.url(&format!("/v1/staff/certificates/{}/revoke", first["serial"].as_str().unwrap())))
        .bearer_auth(&producer)
        .json(&json!({"reason": "keyCompromise"}))
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), 200);
    std::fs::write(work.path().join("crl.der"), bytes(&p.url("/v1/ca/zjhx/crl")).await).unwrap();
    let (ok, text) = openssl(&["crl", "-inform", "DER", "-in", "crl.der", "-out", "crl.pem"], work.path());
    assert!(ok, "{text}");
    for (name, certificate, good) in [("first.pem", &first, false), ("second.pem", &second, true)] {
        std::fs::write(work.path().join(name), certificate["certificatePem"].as_str().unwrap()).unwrap();
        let (ok, text) = openssl(&["verify", "-CAfile", "chain.pem", name], work.path());
        assert!(ok, "{name}: {text}");
        let (ok, text) =
            openssl(&["verify", "-crl_check", "-CRLfile", "crl.pem", "-CAfile", "chain.pem", name], work.path());
        assert_eq!(ok, good, "{name}: {text}");
    }

    // A platform without [hsm] cannot sign for that CA, and says why.
    let TestPlatform { handle, dir, .. } = p;
    handle.shutdown().await.unwrap();
    let without = certdesk_platform::PlatformConfig { hsm: None, ..config.clone() };
    let handle = certdesk_platform::Platform::start(without).await.unwrap();
    let p = TestPlatform { http: crate::authed(&handle).await, handle, dir, database_url: config.database_url.clone() };
    let res = reqwest::get(p.url("/v1/ca/zjhx/crl")).await.unwrap();
    assert_eq!(res.status(), 503);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["message"], "zjhx 的签发CA私钥在HSM中，但平台未配置 [hsm]");
}
