//! UKeys for real: SoftHSM2 as a PKCS#11 token (one token folder for this test binary, a token per
//! test), OpenSC's pkcs11-tool and OpenSSL's CLI as the oracles; the software SM2 token.

use certdesk_pki::{Ca, CaAlgorithm, IssueRequest, KeyAlgorithm, OrganisationSubject, Urls, build_csr, check_csr};
use certdesk_token::pkcs11::Pkcs11Source;
use certdesk_token::soft::SoftTokenSource;
use certdesk_token::softhsm::{self, SoftHsm};
use certdesk_token::{KeyKind, Token, TokenError, TokenSource};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

const SO_PIN: &str = "87654321";
const PIN: &str = "123456";

struct Hsm {
    _dir: tempfile::TempDir,
    hsm: SoftHsm,
    module: PathBuf,
    serials: Vec<(&'static str, String)>,
}

/// Each test's token: SoftHSM2 sees the tokens there are when it is first initialised in a
/// process, so all are made before any test loads the module.
const TOKENS: [&str; 4] = ["ukey-produce", "ukey-pin", "ukey-present", "ca-hsm"];

/// This binary's SoftHSM2, pointed at before the first test touches PKCS#11.
fn hsm() -> &'static Hsm {
    static HSM: OnceLock<Hsm> = OnceLock::new();
    HSM.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let hsm = SoftHsm::at(dir.path()).unwrap();
        // SAFETY: set once, inside the OnceLock every test passes through before any PKCS#11 call.
        unsafe { hsm.use_in_this_process() };
        let module = softhsm::module().expect("SoftHSM2 is installed (cargo xtask test installs softhsm2)");
        let serials = TOKENS.iter().map(|label| (*label, hsm.init_token(label, SO_PIN, PIN).unwrap())).collect();
        Hsm { _dir: dir, hsm, module, serials }
    })
}

/// The test's token labelled `label` (one of [`TOKENS`]), logged-out, with its serial.
fn fresh_token(label: &str) -> (Pkcs11Source, String) {
    let hsm = hsm();
    let serial = hsm.serials.iter().find(|(l, _)| *l == label).map(|(_, s)| s.clone()).expect("a label of TOKENS");
    (Pkcs11Source::load(&hsm.module).unwrap(), serial)
}

fn subject() -> OrganisationSubject {
    OrganisationSubject { organisation_name: "晨安入驻供应商".into(), credit_code: "91330106MA27XY812F".into() }
}

fn run(program: &str, args: &[&str], dir: &Path) -> (bool, String) {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("SOFTHSM2_CONF", hsm().hsm.conf())
        .output()
        .unwrap_or_else(|e| panic!("{program} runs: {e}"));
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

/// The whole of 制证 on the token: key, CSR signed on the token, certificate and chain written back.
fn produce(token: &mut dyn Token, kind: KeyKind, ca: &Ca) -> (certdesk_token::TokenKey, Vec<u8>) {
    use der::Encode;
    let key = token.generate_key(kind, "晨安入驻供应商").unwrap();
    let csr = build_csr(&subject(), &key.public_key, |tbs| {
        token.sign(&key, tbs).map_err(|e| certdesk_pki::PkiError::Signing(e.to_string()))
    })
    .unwrap();
    let checked = check_csr(&csr, &subject()).unwrap();
    let now = SystemTime::now();
    let certificate = ca
        .issue(&IssueRequest {
            csr: &checked,
            subject: &subject(),
            serial: &[0x42, 0x01],
            not_before: now,
            not_after: now + Duration::from_secs(365 * 24 * 3600),
            urls: Urls { crl: "http://127.0.0.1/v1/ca/zjhx/crl".into(), ca_issuers: "http://127.0.0.1/ca.cer".into() },
        })
        .unwrap();
    let der = certificate.to_der().unwrap();
    let subject_der = subject().name().unwrap().to_der().unwrap();
    token.write_certificate(Some(&key), "机构证书", &der, &subject_der).unwrap();
    for (label, ca_cert) in [("签发CA", &ca.issuing), ("根CA", &ca.root)] {
        let ca_subject = ca_cert.tbs_certificate().subject().to_der().unwrap();
        token.write_certificate(None, label, &ca_cert.to_der().unwrap(), &ca_subject).unwrap();
    }
    (key, der)
}

#[test]
fn a_key_made_on_a_softhsm_token_signs_its_csr_and_takes_a_certificate_openssl_verifies() {
    let (source, serial) = fresh_token("ukey-produce");
    let listed = source.tokens().unwrap();
    let info = listed.iter().find(|t| t.serial == serial).expect("the new token is listed");
    assert_eq!((info.label.as_str(), info.kinds.as_slice()), ("ukey-produce", [KeyKind::EcdsaP256].as_slice()));
    assert!(!info.pin.locked && !info.pin.final_try);

    let mut token = source.open(&serial).unwrap();
    assert_eq!(token.generate_key(KeyKind::EcdsaP256, "x").unwrap_err(), TokenError::NotLoggedIn);
    token.log_in(PIN).unwrap();
    let ca = Ca::generate("浙江汇信CA（沙箱）", CaAlgorithm::EcdsaP256, SystemTime::now()).unwrap();
    let (key, der) = produce(token.as_mut(), KeyKind::EcdsaP256, &ca);

    // Read back: the certificate sits beside the key (same CKA_ID) and certifies that key.
    let stored = token.certificates().unwrap();
    assert_eq!(stored.len(), 3, "the certificate and both CA certificates");
    let mine = stored.iter().find(|c| c.id == key.id).expect("the certificate carries the key's id");
    assert_eq!(mine.der, der);
    let certificate = certdesk_pki::certificate_from_der(&mine.der).unwrap();
    let spki = der::Encode::to_der(certificate.tbs_certificate().subject_public_key_info()).unwrap();
    assert_eq!(token.public_key(&key.id).unwrap(), spki);
    assert_eq!(certdesk_pki::CertificateFacts::of(&certificate).unwrap().key, KeyAlgorithm::EcdsaP256);

    // OpenSC reads the token as any application would: the private key never extractable, the
    // certificate exportable and verified by OpenSSL against the chain.
    let dir = tempfile::tempdir().unwrap();
    let module = hsm().module.display().to_string();
    let (ok, objects) = run(
        "pkcs11-tool",
        &["--module", &module, "--token-label", "ukey-produce", "--login", "--pin", PIN, "--list-objects"],
        dir.path(),
    );
    assert!(ok, "{objects}");
    let private = &objects[objects.find("Private Key Object").expect("a private key")..];
    let access = private.lines().find(|l| l.trim_start().starts_with("Access:")).unwrap();
    assert!(
        access.contains("sensitive") && access.contains("never extractable") && access.contains("local"),
        "{access}"
    );
    let id: String = key.id.iter().map(|b| format!("{b:02x}")).collect();
    let (ok, text) = run(
        "pkcs11-tool",
        &[
            "--module",
            &module,
            "--token-label",
            "ukey-produce",
            "--read-object",
            "--type",
            "cert",
            "--id",
            &id,
            "-o",
            "org.der",
        ],
        dir.path(),
    );
    assert!(ok, "{text}");
    let chain = certdesk_pki::to_pem(&ca.issuing).unwrap() + &certdesk_pki::to_pem(&ca.root).unwrap();
    std::fs::write(dir.path().join("chain.pem"), chain).unwrap();
    let (ok, text) = run("openssl", &["x509", "-inform", "DER", "-in", "org.der", "-out", "org.pem"], dir.path());
    assert!(ok, "{text}");
    let (ok, text) = run("openssl", &["verify", "-CAfile", "chain.pem", "org.pem"], dir.path());
    assert!(ok && text.contains("org.pem: OK"), "{text}");
}

#[test]
fn a_wrong_pin_is_refused_and_changing_the_pin_takes_the_new_one() {
    let (source, serial) = fresh_token("ukey-pin");
    let mut token = source.open(&serial).unwrap();
    assert!(matches!(token.log_in("000000"), Err(TokenError::WrongPin { .. })));
    let refused = token.log_in("000000").unwrap_err();
    assert!(refused.to_string().starts_with("PIN码错误"), "{refused}");

    assert!(matches!(token.change_pin("000000", "24681357"), Err(TokenError::WrongPin { .. })));
    assert_eq!(token.change_pin(PIN, "1").unwrap_err().to_string(), "新PIN码不符合要求：长度应为4至255位");
    token.change_pin(PIN, "24681357").unwrap();
    // A new session: the old PIN no longer opens it, the new one does.
    let mut again = source.open(&serial).unwrap();
    assert!(matches!(again.log_in(PIN), Err(TokenError::WrongPin { .. })));
    again.log_in("24681357").unwrap();
}

#[test]
fn a_blank_token_initialised_in_this_process_is_listed_at_once_and_opens_with_its_user_pin() {
    let (source, _) = fresh_token("ukey-present");
    let before = source.tokens().unwrap().len();
    let serial = source.init_token("新UKey", SO_PIN, "11223344").unwrap();
    let listed = source.tokens().unwrap();
    assert_eq!(listed.len(), before + 1, "{listed:?}");
    let new = listed.iter().find(|t| t.serial == serial).expect("the new token is listed");
    assert_eq!(new.label, "新UKey");
    let mut token = source.open(&serial).unwrap();
    assert!(matches!(token.log_in(SO_PIN), Err(TokenError::WrongPin { .. })), "the SO PIN is not the user's");
    token.log_in("11223344").unwrap();
    assert!(token.certificates().unwrap().is_empty());
    // Other applications see it too, with the same serial.
    let (ok, out) =
        run("pkcs11-tool", &["--module", hsm().module.to_str().unwrap(), "--list-token-slots"], Path::new("."));
    assert!(ok && out.contains(&serial), "{out}");
}

#[test]
fn no_token_and_no_driver_are_told_apart() {
    let (source, _) = fresh_token("ukey-present");
    let Err(missing) = source.open("0000000000000000") else { panic!("no such token") };
    assert_eq!(missing, TokenError::NotPresent);
    assert_eq!(missing.to_string(), "未检测到UKey，请插入UKey后重试");
    let Err(no_driver) = Pkcs11Source::load("/nonexistent/vendor-pkcs11.so") else { panic!("no such module") };
    assert!(no_driver.to_string().starts_with("UKey驱动无法加载（/nonexistent/vendor-pkcs11.so）"), "{no_driver}");
}

#[test]
fn the_software_token_makes_sm2_keys_counts_pin_tries_and_fills_up() {
    let source = SoftTokenSource::new();
    source.plug("演示SM2 UKey", "SOFT-0001", PIN, 1);
    let mut token = source.open("SOFT-0001").unwrap();
    let refused = token.log_in("999999").unwrap_err();
    assert_eq!(refused.to_string(), "PIN码错误，还可尝试5次");
    assert_eq!(token.info().unwrap().pin.tries_left, Some(5));
    token.log_in(PIN).unwrap();
    assert_eq!(token.info().unwrap().pin.tries_left, Some(6), "a right PIN resets the count");

    let ca = Ca::generate("演示CA（免缴费）（沙箱）", CaAlgorithm::Sm2, SystemTime::now()).unwrap();
    let (key, der) = produce(token.as_mut(), KeyKind::Sm2, &ca);
    assert_eq!(key.kind, KeyKind::Sm2);
    let certificate = certdesk_pki::certificate_from_der(&der).unwrap();
    assert_eq!(certdesk_pki::CertificateFacts::of(&certificate).unwrap().key, KeyAlgorithm::Sm2);
    assert_eq!(token.generate_key(KeyKind::Sm2, "second").unwrap_err(), TokenError::Full);
    assert_eq!(TokenError::Full.to_string(), "UKey存储空间已满，无法写入");

    // Six wrong PINs lock it, the last try announced.
    let mut other = source.open("SOFT-0001").unwrap();
    for _ in 0..4 {
        assert!(matches!(other.log_in("111111"), Err(TokenError::WrongPin { final_try: false, .. })));
    }
    let last = other.log_in("111111").unwrap_err();
    assert_eq!(last, TokenError::WrongPin { tries_left: Some(1), final_try: true });
    assert_eq!(other.log_in("111111").unwrap_err(), TokenError::Locked);
    assert_eq!(other.log_in(PIN).unwrap_err(), TokenError::Locked, "locked even for the right PIN");
    assert!(source.tokens().unwrap()[0].pin.locked);

    source.unplug("SOFT-0001");
    assert!(matches!(source.open("SOFT-0001"), Err(TokenError::NotPresent)));
}

/// A CSR of a software P-256 key for the organisation, checked.
fn software_csr() -> certdesk_pki::CheckedCsr {
    use p256::pkcs8::EncodePublicKey;
    use signature::Signer;
    let key = p256::ecdsa::SigningKey::from_slice(&[0x17; 32]).unwrap();
    let spki = key.verifying_key().to_public_key_der().unwrap();
    let csr = build_csr(&subject(), spki.as_bytes(), |tbs| {
        let signature: p256::ecdsa::DerSignature = key.sign(tbs);
        Ok(signature.to_bytes().to_vec())
    })
    .unwrap();
    check_csr(&csr, &subject()).unwrap()
}

fn issue_with(ca: &Ca, serial: &[u8]) -> Vec<u8> {
    use der::Encode;
    let now = SystemTime::now();
    let request = IssueRequest {
        csr: &software_csr(),
        subject: &subject(),
        serial,
        not_before: now,
        not_after: now + Duration::from_secs(365 * 24 * 3600),
        urls: Urls { crl: "http://127.0.0.1/v1/ca/zjhx/crl".into(), ca_issuers: "http://127.0.0.1/ca.cer".into() },
    };
    ca.issue(&request).unwrap().to_der().unwrap()
}

#[test]
fn the_issuing_ca_key_is_made_on_the_hsm_signs_there_and_is_found_again_after_a_restart() {
    use certdesk_token::hsm::{HsmCaKey, HsmKeyRef};
    use der::Encode;
    let hsm = hsm();
    let at = HsmKeyRef { module: &hsm.module, token_label: "ca-hsm", key_label: "zjhx-issuing", pin: PIN };
    // Before any session is logged in (PKCS#11 logs in the whole application, not one session).
    let wrong = HsmKeyRef { pin: "000000", ..at.clone() };
    assert!(matches!(HsmCaKey::open(&wrong), Err(TokenError::WrongPin { .. })));
    assert_eq!(HsmCaKey::open(&at).err(), Some(TokenError::NoSuchObject), "no key before it is made");
    let key = HsmCaKey::generate(&at).unwrap();
    let ca = Ca::generate_with_issuing_signer("浙江汇信CA", std::sync::Arc::new(key), SystemTime::now()).unwrap();
    assert!(ca.export().is_err(), "an HSM key is not exported");
    assert!(HsmCaKey::generate(&at).is_err(), "a CA's key is never replaced by accident");

    // As after a restart: the certificates from the database, the key found on the HSM by label.
    let (root, issuing) = (ca.root.to_der().unwrap(), ca.issuing.to_der().unwrap());
    let reopened = Ca::with_issuing_signer(&root, &issuing, std::sync::Arc::new(HsmCaKey::open(&at).unwrap())).unwrap();
    let other = Ca::generate("演示CA", CaAlgorithm::EcdsaP256, SystemTime::now()).unwrap();
    let mismatch = Ca::with_issuing_signer(
        &root,
        &other.issuing.to_der().unwrap(),
        std::sync::Arc::new(HsmCaKey::open(&at).unwrap()),
    );
    assert!(mismatch.is_err(), "another CA's certificate does not go with this key");

    let dir = tempfile::tempdir().unwrap();
    let first = issue_with(&ca, &[0x61, 0x01]);
    let second = issue_with(&reopened, &[0x61, 0x02]);
    std::fs::write(dir.path().join("first.der"), first).unwrap();
    std::fs::write(dir.path().join("second.der"), second).unwrap();
    let chain = certdesk_pki::to_pem(&ca.issuing).unwrap() + &certdesk_pki::to_pem(&ca.root).unwrap();
    std::fs::write(dir.path().join("chain.pem"), chain).unwrap();
    let now = SystemTime::now();
    let revoked = [certdesk_pki::Revoked {
        serial: vec![0x61, 0x01],
        at: now,
        reason: certdesk_pki::RevocationReason::KeyCompromise,
    }];
    let crl = reopened.crl(&revoked, now, now + Duration::from_secs(3600), 1).unwrap();
    std::fs::write(dir.path().join("crl.pem"), certdesk_pki::to_pem(&crl).unwrap()).unwrap();
    for name in ["first", "second"] {
        let (ok, text) = run(
            "openssl",
            &["x509", "-inform", "DER", "-in", &format!("{name}.der"), "-out", &format!("{name}.pem")],
            dir.path(),
        );
        assert!(ok, "{text}");
        let (ok, text) = run("openssl", &["verify", "-CAfile", "chain.pem", &format!("{name}.pem")], dir.path());
        assert!(ok, "{name}: {text}");
    }
    // The CRL the HSM signed: the first is revoked, the second still good.
    let crl_check = |leaf: &str| {
        run("openssl", &["verify", "-crl_check", "-CRLfile", "crl.pem", "-CAfile", "chain.pem", leaf], dir.path())
    };
    let (ok, text) = crl_check("first.pem");
    assert!(!ok && text.contains("certificate revoked"), "{text}");
    let (ok, text) = crl_check("second.pem");
    assert!(ok, "{text}");

    // The key is on the HSM only: sensitive, never extractable, made there.
    let module = hsm.module.display().to_string();
    let (ok, objects) = run(
        "pkcs11-tool",
        &[
            "--module",
            &module,
            "--token-label",
            "ca-hsm",
            "--login",
            "--pin",
            PIN,
            "--list-objects",
            "--type",
            "privkey",
        ],
        dir.path(),
    );
    assert!(ok, "{objects}");
    assert!(objects.contains("zjhx-issuing"), "{objects}");
    let access = objects.lines().find(|l| l.trim_start().starts_with("Access:")).unwrap();
    assert!(access.contains("never extractable") && access.contains("local"), "{access}");
}
