//! The CA's certificates checked by OpenSSL's CLI (the oracle): the chain verifies, the profile
//! shows the 统一社会信用代码 and the usages; and the CSRs the CA refuses.

use certdesk_pki::{
    Ca, CaAlgorithm, CertificateFacts, CheckedCsr, IssueRequest, KeyAlgorithm, OrganisationSubject, PkiError,
    RevocationReason, Revoked, Urls, build_csr, check_csr, verify_issued_by, verify_signature,
};
use der::{Decode, Encode, EncodePem, pem::LineEnding};
use p256::ecdsa::{DerSignature, SigningKey};
use p256::elliptic_curve::Generate;
use p256::pkcs8::EncodePublicKey;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};
use x509_cert::Certificate;
use x509_cert::builder::{Builder, RequestBuilder};
use x509_cert::request::CertReq;

fn subject() -> OrganisationSubject {
    OrganisationSubject { organisation_name: "晨安入驻供应商".into(), credit_code: "91330106MA27XY812F".into() }
}

fn csr_for(key: &SigningKey, subject: &OrganisationSubject) -> Vec<u8> {
    let builder = RequestBuilder::new(subject.name().unwrap()).unwrap();
    let request: CertReq = builder.build::<_, DerSignature>(key).unwrap();
    request.to_der().unwrap()
}

fn urls() -> Urls {
    Urls {
        crl: "http://127.0.0.1:8080/v1/ca/zjhx/crl".into(),
        ca_issuers: "http://127.0.0.1:8080/v1/ca/zjhx/chain".into(),
    }
}

/// The organisation's certificate for `checked`, valid from `now` for `lifetime`.
fn issue(ca: &Ca, checked: &CheckedCsr, serial: &[u8], now: SystemTime, lifetime: Duration) -> Certificate {
    let request = IssueRequest {
        csr: checked,
        subject: &subject(),
        serial,
        not_before: now,
        not_after: now + lifetime,
        urls: urls(),
    };
    ca.issue(&request).unwrap()
}

/// root.pem, issuing.pem and org.pem in `dir`, for OpenSSL.
fn write_chain(dir: &Path, ca: &Ca, certificate: &Certificate) {
    for (file, cert) in [("root.pem", &ca.root), ("issuing.pem", &ca.issuing), ("org.pem", certificate)] {
        std::fs::write(dir.join(file), cert.to_pem(LineEnding::LF).unwrap()).unwrap();
    }
}

fn openssl(args: &[&str], dir: &Path) -> (bool, String) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl runs");
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn an_organisations_certificate_verifies_with_its_chain_and_shows_the_code_and_usages() {
    let now = SystemTime::now();
    let ca = Ca::generate("浙江汇信CA（沙箱）", CaAlgorithm::EcdsaP256, now).unwrap();
    let key = SigningKey::try_generate().unwrap();
    let checked = check_csr(&csr_for(&key, &subject()), &subject()).unwrap();
    let certificate = issue(&ca, &checked, &[0x4a, 0x11, 0x07], now, Duration::from_secs(365 * 24 * 3600));

    let dir = tempfile::tempdir().unwrap();
    write_chain(dir.path(), &ca, &certificate);
    let (ok, text) = openssl(&["verify", "-CAfile", "root.pem", "-untrusted", "issuing.pem", "org.pem"], dir.path());
    assert!(ok, "{text}");
    assert!(text.contains("org.pem: OK"), "{text}");
    // The issuing CA alone is not trusted: the chain must lead to the root.
    let (ok, _) = openssl(&["verify", "-CAfile", "issuing.pem", "org.pem"], dir.path());
    assert!(!ok, "an intermediate is not a trust anchor");

    let (ok, text) =
        openssl(&["x509", "-in", "org.pem", "-noout", "-text", "-nameopt", "utf8,sep_comma_plus"], dir.path());
    assert!(ok, "{text}");
    for expected in [
        "Subject: C=CN,O=晨安入驻供应商,CN=晨安入驻供应商,serialNumber=91330106MA27XY812F",
        "Digital Signature, Non Repudiation",
        "TLS Web Client Authentication, E-mail Protection",
        "CA:FALSE",
        "URI:http://127.0.0.1:8080/v1/ca/zjhx/crl",
        "CA Issuers - URI:http://127.0.0.1:8080/v1/ca/zjhx/chain",
        "1.2.156.10260.4.1.4:",
        "X509v3 Subject Key Identifier",
        "X509v3 Authority Key Identifier",
        "Serial Number: 4854023 (0x4a1107)",
    ] {
        assert!(text.contains(expected), "{expected} not in:\n{text}");
    }
    // What the platform shows of it agrees with OpenSSL.
    let facts = CertificateFacts::of(&certificate).unwrap();
    assert_eq!(facts.subject, "C=CN, O=晨安入驻供应商, CN=晨安入驻供应商, serialNumber=91330106MA27XY812F");
    assert_eq!(facts.issuer, "C=CN, O=浙江汇信CA（沙箱）, CN=浙江汇信CA（沙箱） 机构证书CA");
    assert_eq!((facts.serial.as_str(), facts.key), ("4A1107", KeyAlgorithm::EcdsaP256));
    let (ok, text) = openssl(&["x509", "-in", "org.pem", "-noout", "-fingerprint", "-sha256"], dir.path());
    assert!(ok, "{text}");
    assert_eq!(text.trim(), format!("sha256 Fingerprint={}", facts.fingerprint_sha256));
    assert_eq!(facts.not_after.duration_since(facts.not_before).unwrap(), Duration::from_secs(365 * 24 * 3600));
    // The organisation code extension carries the 统一社会信用代码 itself.
    let der = certificate.to_der().unwrap();
    assert!(der.windows(18).any(|w| w == b"91330106MA27XY812F"));
    assert_eq!(x509_cert::Certificate::from_der(&der).unwrap(), certificate);
}

#[test]
fn a_csr_with_a_bad_signature_another_organisation_or_another_curve_is_refused() {
    let key = SigningKey::try_generate().unwrap();
    let good = csr_for(&key, &subject());

    let mut tampered = good.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x01;
    assert_eq!(check_csr(&tampered, &subject()).unwrap_err(), PkiError::CsrSignature);

    let other = OrganisationSubject { organisation_name: "另一家公司".into(), ..subject() };
    let refused = check_csr(&csr_for(&key, &other), &subject()).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "证书请求（CSR）中的机构名称与申领信息不一致：应为“晨安入驻供应商”，实为“另一家公司”"
    );
    let other_code = OrganisationSubject { credit_code: "91350100M000100Y43".into(), ..subject() };
    assert!(matches!(
        check_csr(&csr_for(&key, &other_code), &subject()),
        Err(PkiError::SubjectMismatch { field: "统一社会信用代码", .. })
    ));

    assert!(matches!(check_csr(b"not a csr", &subject()), Err(PkiError::CsrUnreadable(_))));

    // A P-384 key made by OpenSSL: not an allowed key.
    let dir = tempfile::tempdir().unwrap();
    let config = "[req]\ndistinguished_name=dn\nprompt=no\n[dn]\nO=晨安入驻供应商\nserialNumber=91330106MA27XY812F\n";
    std::fs::write(dir.path().join("req.cnf"), config).unwrap();
    let (ok, text) = openssl(
        &[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-384",
            "-nodes",
            "-keyout",
            "k.pem",
            "-config",
            "req.cnf",
            "-utf8",
            "-outform",
            "DER",
            "-out",
            "req.der",
        ],
        dir.path(),
    );
    assert!(ok, "{text}");
    let refused = check_csr(&std::fs::read(dir.path().join("req.der")).unwrap(), &subject()).unwrap_err();
    assert_eq!(refused.to_string(), "不支持的密钥：椭圆曲线 1.3.132.0.34（支持 RSA 2048/3072 位、ECDSA P-256、SM2）");

    // And one OpenSSL made on P-256 passes: the CA reads what other software writes.
    let (ok, text) = openssl(
        &[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "k2.pem",
            "-config",
            "req.cnf",
            "-utf8",
            "-outform",
            "DER",
            "-out",
            "req2.der",
        ],
        dir.path(),
    );
    assert!(ok, "{text}");
    check_csr(&std::fs::read(dir.path().join("req2.der")).unwrap(), &subject()).unwrap();
}

#[test]
fn rsa_2048_is_certified_and_a_1024_bit_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = "[req]\ndistinguished_name=dn\nprompt=no\n[dn]\nO=晨安入驻供应商\nserialNumber=91330106MA27XY812F\n";
    std::fs::write(dir.path().join("req.cnf"), config).unwrap();
    let request = |bits: &str, out: &str| {
        let (ok, text) = openssl(
            &[
                "req",
                "-new",
                "-newkey",
                &format!("rsa:{bits}"),
                "-nodes",
                "-keyout",
                "/dev/null",
                "-config",
                "req.cnf",
                "-utf8",
                "-sha256",
                "-outform",
                "DER",
                "-out",
                out,
            ],
            dir.path(),
        );
        assert!(ok, "{text}");
        std::fs::read(dir.path().join(out)).unwrap()
    };
    let refused = check_csr(&request("1024", "small.der"), &subject()).unwrap_err();
    assert_eq!(refused.to_string(), "不支持的密钥：RSA 1024 位（支持 RSA 2048/3072 位、ECDSA P-256、SM2）");

    let mut csr = request("2048", "rsa.der");
    let checked = check_csr(&csr, &subject()).unwrap();
    assert_eq!(checked.algorithm, certdesk_pki::KeyAlgorithm::Rsa { bits: 2048 });
    let now = SystemTime::now();
    let ca = Ca::generate("浙江汇信CA（沙箱）", CaAlgorithm::EcdsaP256, now).unwrap();
    let certificate = issue(&ca, &checked, &[0x01, 0x02], now, Duration::from_secs(3600));
    write_chain(dir.path(), &ca, &certificate);
    let (ok, text) = openssl(&["verify", "-CAfile", "root.pem", "-untrusted", "issuing.pem", "org.pem"], dir.path());
    assert!(ok && text.contains("org.pem: OK"), "{text}");
    let (_, text) = openssl(&["x509", "-in", "org.pem", "-noout", "-text"], dir.path());
    assert!(text.contains("Public-Key: (2048 bit)"), "{text}");

    // The same request with one bit of its signature changed is refused.
    let last = csr.len() - 1;
    csr[last] ^= 0x80;
    assert_eq!(check_csr(&csr, &subject()).unwrap_err(), PkiError::CsrSignature);
}

#[test]
fn a_ca_exported_and_imported_issues_under_the_same_chain_and_refuses_another_key() {
    let now = SystemTime::now();
    let ca = Ca::generate("演示CA（沙箱）", CaAlgorithm::EcdsaP256, now).unwrap();
    let parts = ca.export().unwrap();
    let again = Ca::import(&parts).unwrap();
    assert_eq!((&again.root, &again.issuing), (&ca.root, &ca.issuing));
    let key = SigningKey::try_generate().unwrap();
    let checked = check_csr(&csr_for(&key, &subject()), &subject()).unwrap();
    let certificate = issue(&again, &checked, &[0x33], now, Duration::from_secs(3600));
    let dir = tempfile::tempdir().unwrap();
    write_chain(dir.path(), &ca, &certificate);
    let (ok, text) = openssl(&["verify", "-CAfile", "root.pem", "-untrusted", "issuing.pem", "org.pem"], dir.path());
    assert!(ok, "{text}");

    let other = Ca::generate("另一个CA", CaAlgorithm::EcdsaP256, now).unwrap().export().unwrap();
    let mixed = certdesk_pki::CaParts { issuing_key_pkcs8: other.issuing_key_pkcs8, ..parts };
    assert_eq!(Ca::import(&mixed).err().unwrap().to_string(), "签发证书失败：签发CA的私钥与其证书不匹配");
}

#[test]
fn an_sm2_ca_issues_an_sm2_certificate_that_openssl_verifies() {
    let now = SystemTime::now();
    let ca = Ca::generate("演示SM2 CA（沙箱）", CaAlgorithm::Sm2, now).unwrap();
    let key = certdesk_pki::Sm2Signer::generate().unwrap();
    let request: CertReq =
        RequestBuilder::new(subject().name().unwrap()).unwrap().build::<_, sm2::dsa::DerSignature>(&key).unwrap();
    let mut csr = request.to_der().unwrap();
    let checked = check_csr(&csr, &subject()).unwrap();
    assert_eq!(checked.algorithm, certdesk_pki::KeyAlgorithm::Sm2);
    let certificate = issue(&ca, &checked, &[0x5e, 0x01], now, Duration::from_secs(3600));
    let dir = tempfile::tempdir().unwrap();
    write_chain(dir.path(), &ca, &certificate);
    // OpenSSL 3.0 uses no distinguishing ID unless told, and `verify -vfyopt distid:` tells only the
    // certificate being verified: so each link of the chain is verified on its own, with GM/T 0009's
    // default ID the signatures were made with.
    let distid = format!("distid:{}", certdesk_pki::SM2_DEFAULT_ID);
    let (ok, text) = openssl(&["verify", "-vfyopt", &distid, "-CAfile", "root.pem", "issuing.pem"], dir.path());
    assert!(ok && text.contains("issuing.pem: OK"), "{text}");
    let (ok, text) =
        openssl(&["verify", "-vfyopt", &distid, "-partial_chain", "-CAfile", "issuing.pem", "org.pem"], dir.path());
    assert!(ok && text.contains("org.pem: OK"), "{text}");
    let (ok, text) =
        openssl(&["verify", "-vfyopt", "distid:another-id", "-CAfile", "root.pem", "issuing.pem"], dir.path());
    assert!(!ok, "another ID must not verify: {text}");
    let (_, text) = openssl(&["x509", "-in", "org.pem", "-noout", "-text"], dir.path());
    assert!(text.contains("Signature Algorithm: SM2-with-SM3"), "{text}");

    // Exported and imported, it still signs under the same chain.
    let again = Ca::import(&ca.export().unwrap()).unwrap();
    assert_eq!(again.algorithm(), CaAlgorithm::Sm2);

    let last = csr.len() - 1;
    csr[last] ^= 0x01;
    assert_eq!(check_csr(&csr, &subject()).unwrap_err(), PkiError::CsrSignature);
}

#[test]
fn a_revoked_certificate_fails_verification_against_the_crl_and_another_passes() {
    let now = SystemTime::now();
    let day = Duration::from_secs(24 * 3600);
    let ca = Ca::generate("浙江汇信CA（沙箱）", CaAlgorithm::EcdsaP256, now).unwrap();
    let key = SigningKey::try_generate().unwrap();
    let checked = check_csr(&csr_for(&key, &subject()), &subject()).unwrap();
    let revoked = issue(&ca, &checked, &[0x51, 0x02], now, 365 * day);
    let kept = issue(&ca, &checked, &[0x51, 0x03], now, 365 * day);
    let list = [Revoked { serial: vec![0x51, 0x02], at: now, reason: RevocationReason::KeyCompromise }];
    let crl = ca.crl(&list, now, now + day, 7).unwrap();

    let dir = tempfile::tempdir().unwrap();
    write_chain(dir.path(), &ca, &revoked);
    std::fs::write(dir.path().join("kept.pem"), kept.to_pem(LineEnding::LF).unwrap()).unwrap();
    std::fs::write(dir.path().join("crl.pem"), crl.to_pem(LineEnding::LF).unwrap()).unwrap();
    let chain = std::fs::read_to_string(dir.path().join("root.pem")).unwrap()
        + &std::fs::read_to_string(dir.path().join("issuing.pem")).unwrap();
    std::fs::write(dir.path().join("chain.pem"), chain).unwrap();

    let check = |leaf: &str| {
        openssl(&["verify", "-crl_check", "-CRLfile", "crl.pem", "-CAfile", "chain.pem", leaf], dir.path())
    };
    let (ok, text) = check("org.pem");
    assert!(!ok, "a revoked certificate must not verify: {text}");
    assert!(text.contains("certificate revoked"), "{text}");
    let (ok, text) = check("kept.pem");
    assert!(ok, "{text}");

    let (ok, text) = openssl(&["crl", "-in", "crl.pem", "-noout", "-text", "-CAfile", "chain.pem"], dir.path());
    assert!(ok, "{text}");
    for expected in
        ["verify OK", "Serial Number: 5102", "Key Compromise", "X509v3 CRL Number: \n                7", "Next Update"]
    {
        assert!(text.contains(expected), "{expected} not in:\n{text}");
    }
}

#[test]
fn a_csr_built_around_an_outside_signer_passes_the_checks_and_openssl_req_verify() {
    use signature::Signer;
    let dir = tempfile::tempdir().unwrap();
    // P-256, as a PKCS#11 UKey signs: the closure sees only the bytes to sign.
    let key = SigningKey::try_generate().unwrap();
    let spki = key.verifying_key().to_public_key_der().unwrap();
    let csr = build_csr(&subject(), spki.as_bytes(), |tbs| {
        let signature: DerSignature = key.sign(tbs);
        Ok(signature.to_bytes().to_vec())
    })
    .unwrap();
    assert_eq!(check_csr(&csr, &subject()).unwrap().algorithm, KeyAlgorithm::EcdsaP256);
    std::fs::write(dir.path().join("p256.der"), &csr).unwrap();
    let (ok, text) = openssl(&["req", "-inform", "DER", "-in", "p256.der", "-verify", "-noout"], dir.path());
    assert!(ok && text.contains("verify OK"), "{text}");

    // SM2, as a software SM2 token signs.
    let sm2_key = certdesk_pki::Sm2Signer::generate().unwrap();
    let spki = signature::Keypair::verifying_key(&sm2_key).to_public_key_der().unwrap();
    let csr = build_csr(&subject(), spki.as_bytes(), |tbs| {
        let signature: sm2::dsa::DerSignature = sm2_key.sign(tbs);
        Ok(signature.to_bytes().to_vec())
    })
    .unwrap();
    assert_eq!(check_csr(&csr, &subject()).unwrap().algorithm, KeyAlgorithm::Sm2);

    // A signer that signs something else is caught by the check.
    let csr = build_csr(&subject(), key.verifying_key().to_public_key_der().unwrap().as_bytes(), |_| {
        let signature: DerSignature = key.sign(b"other bytes");
        Ok(signature.to_bytes().to_vec())
    })
    .unwrap();
    assert_eq!(check_csr(&csr, &subject()).unwrap_err(), PkiError::CsrSignature);
}

#[test]
fn a_challenge_signed_by_the_certificates_key_verifies_and_one_by_another_key_does_not() {
    let now = SystemTime::now();
    let ca = Ca::generate("浙江汇信CA（沙箱）", CaAlgorithm::EcdsaP256, now).unwrap();
    let key = SigningKey::try_generate().unwrap();
    let checked = check_csr(&csr_for(&key, &subject()), &subject()).unwrap();
    let certificate = issue(&ca, &checked, &[0x4a, 0x12], now, Duration::from_secs(3600));
    let spki = certificate.tbs_certificate().subject_public_key_info();
    let challenge = "CertDesk 证书登录\n挑战：00112233".as_bytes();
    let signature: DerSignature = signature::Signer::sign(&key, challenge);
    assert_eq!(verify_signature(spki, challenge, signature.as_bytes()), Ok(KeyAlgorithm::EcdsaP256));
    assert_eq!(verify_signature(spki, b"another challenge", signature.as_bytes()), Err(PkiError::BadSignature));
    let other = SigningKey::try_generate().unwrap();
    let forged: DerSignature = signature::Signer::sign(&other, challenge);
    assert_eq!(verify_signature(spki, challenge, forged.as_bytes()), Err(PkiError::BadSignature));
    assert_eq!(verify_signature(spki, challenge, b"not DER"), Err(PkiError::BadSignature));

    // A signature OpenSSL makes with a key of its own verifies against that key's certificate.
    let dir = tempfile::tempdir().unwrap();
    let (ok, text) = openssl(&["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "key.pem"], dir.path());
    assert!(ok, "{text}");
    let (ok, text) = openssl(
        &[
            "req",
            "-new",
            "-key",
            "key.pem",
            "-subj",
            "/C=CN/O=晨安入驻供应商/CN=晨安入驻供应商/serialNumber=91330106MA27XY812F",
            "-utf8",
            "-outform",
            "DER",
            "-out",
            "req.der",
        ],
        dir.path(),
    );
    assert!(ok, "{text}");
    let checked = check_csr(&std::fs::read(dir.path().join("req.der")).unwrap(), &subject()).unwrap();
    let theirs = issue(&ca, &checked, &[0x4a, 0x13], now, Duration::from_secs(3600));
    std::fs::write(dir.path().join("challenge"), challenge).unwrap();
    let (ok, text) =
        openssl(&["dgst", "-sha256", "-sign", "key.pem", "-out", "challenge.sig", "challenge"], dir.path());
    assert!(ok, "{text}");
    let signed = std::fs::read(dir.path().join("challenge.sig")).unwrap();
    let spki = theirs.tbs_certificate().subject_public_key_info();
    assert_eq!(verify_signature(spki, challenge, &signed), Ok(KeyAlgorithm::EcdsaP256));
}

#[test]
fn a_certificate_verifies_against_its_issuing_ca_only() {
    let now = SystemTime::now();
    for algorithm in [CaAlgorithm::EcdsaP256, CaAlgorithm::Sm2] {
        let ca = Ca::generate("浙江汇信CA（沙箱）", algorithm, now).unwrap();
        let key = SigningKey::try_generate().unwrap();
        let checked = check_csr(&csr_for(&key, &subject()), &subject()).unwrap();
        let certificate = issue(&ca, &checked, &[0x4a, 0x14], now, Duration::from_secs(3600));
        assert_eq!(verify_issued_by(&certificate, &ca.issuing), Ok(()), "{algorithm:?}");
        assert_eq!(verify_issued_by(&ca.issuing, &ca.root), Ok(()), "{algorithm:?}");
        assert_eq!(verify_issued_by(&certificate, &ca.root), Err(PkiError::NotIssuedBy), "{algorithm:?}");
        // Another CA of the same name: the name matches, the signature does not.
        let stranger = Ca::generate("浙江汇信CA（沙箱）", algorithm, now).unwrap();
        assert_eq!(verify_issued_by(&certificate, &stranger.issuing), Err(PkiError::NotIssuedBy), "{algorithm:?}");
    }
}
