//! 制证 onto a UKey through the desk: a SoftHSM2 token (PKCS#11) for 浙江汇信CA's P-256 and the
//! demo's software SM2 UKey for 演示CA, each step announced, the certificate read back, a new PIN.

use super::form;
use certdesk_api::{CertificateStatus, ErrorCode, PaymentMethod, RevocationReason, SubmitOrder};
use certdesk_core::{DeliveryMethod, OrderStatus};
use certdesk_desk::{Desk, DeskConfig, SourceConfig, UkeyConfig, UkeyStep};
use certdesk_token::softhsm::{self, SoftHsm};
use std::sync::{Arc, Mutex, OnceLock};

struct Hsm {
    _dir: tempfile::TempDir,
    serials: Vec<(&'static str, String)>,
}

/// The UKeys of this binary's tests, labelled, each with the PIN 12345678.
const UKEYS: [&str; 3] = ["演示UKey-窗口", "演示UKey-P256", "演示UKey-登录"];

/// This binary's SoftHSM2 with every test's token made, before any test loads the module:
/// SoftHSM2 sees the tokens there are when it is first initialised in a process.
fn ukey(label: &str) -> String {
    static HSM: OnceLock<Hsm> = OnceLock::new();
    let hsm = HSM.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let hsm = SoftHsm::at(dir.path()).unwrap();
        // SAFETY: set once, inside the OnceLock every UKey test passes through first.
        unsafe { hsm.use_in_this_process() };
        let serials =
            UKEYS.iter().map(|label| (*label, hsm.init_token(label, "87654321", "12345678").unwrap())).collect();
        Hsm { _dir: dir, serials }
    });
    hsm.serials.iter().find(|(l, _)| *l == label).map(|(_, s)| s.clone()).expect("a label of UKEYS")
}

async fn desk_with_ukeys(dir: &std::path::Path) -> Desk {
    ukey(UKEYS[0]);
    let mut config = DeskConfig::new(dir.into(), None, SourceConfig::Demo);
    config.ukeys = UkeyConfig {
        pkcs11_module: Some(softhsm::module().expect("SoftHSM2 is installed")),
        skf: None,
        demo_software_token: true,
        demo_pkcs11: false,
    };
    Desk::start(&config).await.unwrap()
}

/// A walk-in order of `provider`, approved and waiting for 制证, with the all-roles demo clerk
/// signed in.
async fn approved_at_counter(desk: &Desk, provider: &str) -> String {
    let password = desk.demo_staff().password.unwrap();
    desk.staff_log_in("demo-desk", &password).await.unwrap();
    let account = desk.find_organisation("91330106MA27XY812F").await.unwrap().expect("the demo organisation");
    let card = desk.read_id_card().await.unwrap();
    let walk_in = SubmitOrder {
        provider_id: provider.into(),
        organisation_name: account.organisation_name.clone(),
        credit_code: account.credit_code.clone(),
        applicant_name: card.name.clone(),
        id_number: card.id_number.clone(),
        delivery: DeliveryMethod::Counter,
        ..form()
    };
    let number = desk.submit_at_counter(walk_in).await.unwrap().order.order_no.to_string();
    let checked = desk.check_id_card(&number, &card.name, &card.id_number).await.unwrap();
    if matches!(checked.order.status, OrderStatus::PendingPayment { .. }) {
        desk.take_counter_payment(&number, PaymentMethod::CounterCash, "CASH-0001").await.unwrap();
    }
    desk.approve(&number).await.unwrap();
    number
}

fn recorder() -> (Arc<Mutex<Vec<UkeyStep>>>, impl Fn(UkeyStep) + Send + 'static) {
    let steps = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&steps);
    (steps, move |step| sink.lock().unwrap().push(step))
}

#[tokio::test]
async fn the_counter_writes_a_certificate_onto_a_softhsm_ukey_and_hands_it_over_with_a_new_pin() {
    let serial = ukey("演示UKey-窗口");
    let dir = tempfile::tempdir().unwrap();
    let desk = desk_with_ukeys(dir.path()).await;
    let number = approved_at_counter(&desk, "zjhx").await;

    let list = desk.list_ukeys().await.unwrap();
    assert!(list.problems.is_empty(), "{:?}", list.problems);
    let ukey = list.ukeys.iter().find(|u| u.serial == serial).expect("the SoftHSM2 UKey is listed");
    assert_eq!((ukey.driver.as_str(), ukey.key_kinds.as_slice()), ("PKCS#11", ["P-256".to_owned()].as_slice()));
    assert!(list.ukeys.iter().any(|u| u.driver == "软件" && u.key_kinds.contains(&"SM2".to_owned())));

    // A wrong PIN stops at 输入PIN, says so, and issues nothing.
    let (steps, on_step) = recorder();
    let refused = desk.write_certificate_to_ukey(&number, &serial, "00000000", on_step).await.unwrap_err();
    assert_eq!((refused.code, refused.message.starts_with("PIN码错误")), (ErrorCode::Validation, true), "{refused:?}");
    assert_eq!(*steps.lock().unwrap(), [UkeyStep::Detect, UkeyStep::Pin]);
    assert!(desk.staff_order(&number).await.unwrap().certificates.is_empty());

    let (steps, on_step) = recorder();
    let issued = desk.write_certificate_to_ukey(&number, &serial, "12345678", on_step).await.unwrap();
    assert_eq!(
        *steps.lock().unwrap(),
        [UkeyStep::Detect, UkeyStep::Pin, UkeyStep::GenerateKey, UkeyStep::Issue, UkeyStep::Write, UkeyStep::Verify]
    );
    assert_eq!(issued.certificate.token_serial.as_deref(), Some(serial.as_str()));
    assert_eq!(issued.certificate.key_algorithm, "ECDSA P-256");
    assert!(issued.new_pin.len() == 8 && issued.new_pin != "12345678");

    // The 密码信封 carries the new PIN; it is made here and saved as a paper to print.
    let request = certdesk_desk::PinSlipRequest {
        order_no: number.clone(),
        organisation_name: "晨安入驻供应商".into(),
        ukey_serial: serial.clone(),
        certificate_serial: issued.certificate.serial.clone(),
        pin: issued.new_pin.clone(),
    };
    let slip = desk.save_pin_slip(request, &dir.path().join("papers")).await.unwrap();
    assert!(desk.is_saved_paper(&slip));
    let text = std::process::Command::new("pdftotext").arg(&slip).arg("-").output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    for expected in [issued.new_pin.as_str(), serial.as_str(), issued.certificate.serial.as_str(), "密码信封"] {
        assert!(text.contains(expected), "{expected} not in {text}");
    }

    // The platform has it beside the order; the UKey has a PIN only the 密码信封 knows.
    let view = desk.staff_order(&number).await.unwrap();
    assert_eq!(view.certificates.iter().map(|c| &c.serial).collect::<Vec<_>>(), [&issued.certificate.serial]);
    let (_, on_step) = recorder();
    let old = desk.write_certificate_to_ukey(&number, &serial, "12345678", on_step).await.unwrap_err();
    assert!(old.message.starts_with("PIN码错误"), "{old:?}");
    desk.change_ukey_pin(&serial, &issued.new_pin, "13572468").await.unwrap();

    // 申领数量 1: 现场发证 now; a second certificate is refused by the platform.
    let (_, on_step) = recorder();
    let full = desk.write_certificate_to_ukey(&number, &serial, "13572468", on_step).await.unwrap_err();
    assert_eq!((full.code, full.message.as_str()), (ErrorCode::Conflict, "该订单申领数量为1，证书已全部签发"));
    let handed = desk.issue_at_counter(&number).await.unwrap();
    assert!(matches!(handed.order.status, OrderStatus::Issued { .. }));
}

#[tokio::test]
async fn the_free_demo_ca_writes_an_sm2_certificate_onto_the_software_ukey_and_a_missing_ukey_is_said() {
    let dir = tempfile::tempdir().unwrap();
    let desk = desk_with_ukeys(dir.path()).await;
    let number = approved_at_counter(&desk, "demo-free").await;

    let (_, on_step) = recorder();
    let missing = desk.write_certificate_to_ukey(&number, "NO-SUCH-UKEY", "12345678", on_step).await.unwrap_err();
    assert_eq!((missing.code, missing.message.as_str()), (ErrorCode::Unavailable, "未检测到UKey，请插入UKey后重试"));

    // 演示CA is an SM2 CA: a P-256 UKey cannot take its certificate.
    let serial = ukey("演示UKey-P256");
    let (_, on_step) = recorder();
    let unsupported = desk.write_certificate_to_ukey(&number, &serial, "12345678", on_step).await.unwrap_err();
    assert_eq!(unsupported.message, "UKey不支持SM2密钥");

    let (_, on_step) = recorder();
    let issued = desk
        .write_certificate_to_ukey(&number, certdesk_desk::DEMO_SOFT_UKEY_SERIAL, certdesk_desk::DEMO_UKEY_PIN, on_step)
        .await
        .unwrap();
    assert_eq!(issued.certificate.key_algorithm, "SM2");
    assert!(issued.certificate.issuer.contains("演示CA（免缴费）（沙箱）"), "{}", issued.certificate.issuer);

    // 吊销 by the clerk: the organisation's 查看 sees it revoked, with the reason.
    let bad = desk.revoke_certificate("not-hex", RevocationReason::KeyCompromise).await.unwrap_err();
    assert_eq!((bad.code, bad.message.as_str()), (ErrorCode::Validation, "证书序列号应为十六进制数字"));
    let revoked = desk.revoke_certificate(&issued.certificate.serial, RevocationReason::KeyCompromise).await.unwrap();
    assert_eq!(revoked.status, CertificateStatus::Revoked);
    let listed = desk.order_certificates(&number).await.unwrap();
    assert_eq!(
        (listed[0].status, listed[0].revocation_reason),
        (CertificateStatus::Revoked, Some(RevocationReason::KeyCompromise))
    );
    let again = desk.revoke_certificate(&issued.certificate.serial, RevocationReason::Superseded).await.unwrap_err();
    assert_eq!(again.code, ErrorCode::Conflict, "{again:?}");
}

#[tokio::test]
async fn the_demo_plugs_in_a_blank_softhsm_ukey_on_request_and_a_vendor_setup_cannot() {
    let dir = tempfile::tempdir().unwrap();
    ukey(UKEYS[0]);
    let mut config = DeskConfig::new(dir.path().into(), None, SourceConfig::Demo);
    config.ukeys = UkeyConfig {
        pkcs11_module: Some(softhsm::module().expect("SoftHSM2 is installed")),
        skf: None,
        demo_software_token: true,
        demo_pkcs11: true,
    };
    let desk = Desk::start(&config).await.unwrap();
    let before = desk.list_ukeys().await.unwrap();
    assert!(before.demo_can_plug);
    let after = desk.plug_demo_ukey().await.unwrap();
    assert_eq!(after.ukeys.len(), before.ukeys.len() + 1);
    let new: Vec<_> = after.ukeys.iter().filter(|u| !before.ukeys.iter().any(|b| b.serial == u.serial)).collect();
    assert_eq!(new.len(), 1, "{:?}", after.ukeys);
    assert!(new[0].label.starts_with(certdesk_desk::DEMO_PKCS11_LABEL), "{}", new[0].label);
    assert_eq!((new[0].driver.as_str(), new[0].key_kinds.as_slice()), ("PKCS#11", &["P-256".to_owned()][..]));

    // The new UKey takes 浙江汇信CA's certificate with the demo PIN.
    let number = approved_at_counter(&desk, "zjhx").await;
    let (_, on_step) = recorder();
    let issued = desk.write_certificate_to_ukey(&number, &new[0].serial, certdesk_desk::DEMO_UKEY_PIN, on_step).await;
    assert_eq!(issued.unwrap().certificate.token_serial.as_deref(), Some(new[0].serial.as_str()));

    // Where UKeys are real, none is made up.
    let vendor = desk_with_ukeys(tempfile::tempdir().unwrap().path()).await;
    assert!(!vendor.list_ukeys().await.unwrap().demo_can_plug);
    let refused = vendor.plug_demo_ukey().await.unwrap_err();
    assert_eq!(
        (refused.code, refused.message.as_str()),
        (ErrorCode::BadRequest, "只有演示模式可以插入演示UKey，请插入真实的UKey")
    );
}

#[tokio::test]
async fn the_certificate_on_a_softhsm_ukey_is_bound_then_signs_in_until_it_is_unbound_or_revoked() {
    let serial = ukey("演示UKey-登录");
    let dir = tempfile::tempdir().unwrap();
    let desk = desk_with_ukeys(dir.path()).await;
    let number = approved_at_counter(&desk, "zjhx").await;
    let issued = desk.write_certificate_to_ukey(&number, &serial, "12345678", |_| {}).await.unwrap();
    let pin = issued.new_pin;

    // The health panel reads the certificate off the UKey, no PIN asked.
    let (health, _) = desk.ukey_health().await.unwrap();
    let on_it = health.iter().find(|h| h.ukey.serial == serial).expect("the UKey is listed");
    assert_eq!(on_it.problem, None);
    assert_eq!(on_it.certificates.len(), 1, "{on_it:?}");
    assert_eq!(on_it.certificates[0].serial, issued.certificate.serial);
    assert!((360..=366).contains(&on_it.certificates[0].days_left), "{:?}", on_it.certificates[0]);

    // Nothing bound yet: the UKey does not sign in.
    let refused = desk.log_in_with_ukey(&serial, &pin).await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::Unauthorized);
    assert!(refused.message.contains("尚未绑定机构账号"), "{refused:?}");
    let wrong = desk.bind_ukey_certificate(&serial, "00000000").await.unwrap_err();
    assert_eq!((wrong.code, wrong.message.starts_with("PIN码错误")), (ErrorCode::Validation, true), "{wrong:?}");

    let bound = desk.bind_ukey_certificate(&serial, &pin).await.unwrap();
    assert_eq!(bound.certificate.serial, issued.certificate.serial);
    assert!(bound.bound_at.is_some());
    let managed = desk.account_certificates().await.unwrap();
    let mine = managed.iter().find(|c| c.certificate.serial == bound.certificate.serial).unwrap();
    assert_eq!(mine.lifecycle, certdesk_api::CertificateLifecycle::Valid);
    assert_eq!(mine.certificate.token_serial.as_deref(), Some(serial.as_str()));

    // The demo organisation signs out, and back in with the UKey alone.
    desk.log_out().await.unwrap();
    assert_eq!(desk.account(), None);
    assert_eq!(desk.account_certificates().await.unwrap_err().code, ErrorCode::Unauthorized);
    let account = desk.log_in_with_ukey(&serial, &pin).await.unwrap();
    assert_eq!(account.credit_code, "91330106MA27XY812F");
    assert!(
        desk.account_certificates().await.unwrap().iter().any(|c| c.certificate.serial == bound.certificate.serial)
    );
    desk.log_out().await.unwrap();
    assert!(desk.demo_log_in().await.unwrap().demo, "the demo's own way back in");

    desk.unbind_certificate(&bound.certificate.serial).await.unwrap();
    assert_eq!(desk.log_in_with_ukey(&serial, &pin).await.unwrap_err().code, ErrorCode::Unauthorized);

    // 续期: a new order of one certificate, listed here; the certificate still signs in.
    let renewal = desk.replace_certificate(&bound.certificate.serial, false).await.unwrap();
    assert_eq!((renewal.order.quantity, renewal.status_zh.as_str()), (1, "待认证"));
    assert!(desk.orders().unwrap().iter().any(|r| r.order.order_no == renewal.order.order_no));

    // Bound again, then 补办 (the UKey lost): revoked at once, refused with the reason.
    desk.bind_ukey_certificate(&serial, &pin).await.unwrap();
    let reissue = desk.replace_certificate(&bound.certificate.serial, true).await.unwrap();
    assert_ne!(reissue.order.order_no, renewal.order.order_no);
    let again = desk.cancel_certificate(&bound.certificate.serial).await.unwrap_err();
    assert_eq!(again.code, ErrorCode::Conflict, "注销 of a revoked certificate: {again:?}");
    let revoked = desk.log_in_with_ukey(&serial, &pin).await.unwrap_err();
    assert_eq!(revoked.message, "该证书已吊销（密钥泄露或UKey遗失），不能使用");
    let managed = desk.account_certificates().await.unwrap();
    let mine = managed.iter().find(|c| c.certificate.serial == bound.certificate.serial).unwrap();
    assert_eq!(mine.lifecycle, certdesk_api::CertificateLifecycle::Revoked);
}
