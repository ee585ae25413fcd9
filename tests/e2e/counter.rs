//! 现场办理 in the real app on the embedded platform: the demo counter clerk registers a walk-in's
//! organisation, reads the applicant's ID card with the fixture reader into the application, checks
//! the original card, takes the payment in cash, prints the 受理回执 (its text read back with
//! pdftotext) and issues the certificate on site; then the demo administrator's 员工管理 and 操作日志. No HTTP of
//! the test's own.

use crate::support::{
    App, Launch, choose_ukey, downloads_dir, screenshots_dir, staff_log_in, step, write_certificate_to_new_softhsm_ukey,
};
use anyhow::{Context, Result, bail};

const WALK_IN: (&str, &str) = ("杭州窗口办理科技有限公司", "91330106MA2CFD8K4X");

#[tokio::test]
#[ignore = "drives the real app: needs a display, tauri-driver and WebKitWebDriver (`cargo xtask test`)"]
async fn a_walk_in_goes_from_intake_to_issued_at_the_counter_with_the_receipt_printed() -> Result<()> {
    let data = tempfile::tempdir()?;
    let app = App::launch(Launch { data_dir: data.path(), platform_url: None }).await?;

    step("the demo counter clerk finds no account for the walk-in and registers one");
    let outcome = app
        .stretch(150, "counter-intake-failed.png", async {
            app.wait_for_text("#orders", "暂无申领记录").await?;
            app.click_css("#switch-side").await?;
            staff_log_in(&app, "demo-counter").await?;
            app.wait_for_text("#staff-menu", "现场办理").await?;
            app.type_into("#counter-credit-code", WALK_IN.1).await?;
            app.click_css("#counter-find").await?;
            app.wait_for("#counter-not-found").await?;
            app.type_into("#counter-register_organisationName", WALK_IN.0).await?;
            app.type_into("#counter-register_username", "walkin").await?;
            app.type_into("#counter-register_password", "a-long-password").await?;
            app.screenshot(&screenshots_dir().join("36-counter-register.png")).await?;
            app.click_css("#counter-register-submit").await?;
            app.wait_for_text("#counter-account", "walkin").await?;
            app.click_css("#counter-next").await?;

            step("读取身份证 fills the applicant; the clerk types the rest and submits");
            app.click_css("#counter-read-card").await?;
            app.wait_for_text("#counter-card", "王窗口，110***********002X").await?;
            let id = app.value_of("#counter-application_idNumber").await?;
            if id != "11010519491231002X" {
                bail!("the card's number did not fill the form: {id:?}");
            }
            app.wait_for_text("#apply-total", "¥300.00").await?;
            app.type_into("#counter-application_mobile", "13800138000").await?;
            app.type_into("#counter-application_email", "walkin@example.com").await?;
            app.screenshot(&screenshots_dir().join("37-counter-application.png")).await?;
            app.click_css("#counter-submit").await?;
            app.wait_for_text("#counter-order-status", "待认证").await?;
            Ok(())
        })
        .await;
    outcome?;

    step("身份证原件核验, 窗口收款 in cash, the 受理回执 and 现场发证");
    let outcome = app
        .stretch(150, "counter-order-failed.png", async {
            app.click_css("#counter-id-check-submit").await?;
            app.wait_for_text("#counter-order-status", "待支付 (现场核验)").await?;
            app.type_into("#counter-receipt-no", "SJ-20261202-07").await?;
            app.screenshot(&screenshots_dir().join("38-counter-payment.png")).await?;
            app.click_css("#counter-take-payment").await?;
            app.wait_for_text("#counter-order-status", "待审核 (现场核验)").await?;
            app.click_css("#counter-receipt").await?;
            app.wait_for_text("#counter-receipt-saved", "CA证书受理回执-").await?;
            app.click_css("#counter-approve").await?;
            app.wait_for_text("#counter-order-status", "审核通过, 待制证 (现场核验)").await?;
            // The demo's SoftHSM2 UKey: a real PKCS#11 token, made blank here by the app.
            let written = write_certificate_to_new_softhsm_ukey(&app).await?;
            app.click_css("#counter-issue-submit").await?;
            app.screenshot(&screenshots_dir().join("39-counter-issue.png")).await?;
            app.click_css("#counter-issue-confirm").await?;
            app.wait_for_text("#counter-order-status", "审核通过, 已发证 (现场核验)").await?;
            app.wait_for_text("#staff-certificates .certificate-serial", &written.0).await?;
            app.wait_for_text("#staff-certificates", "ECDSA P-256").await?;
            Ok(written)
        })
        .await;
    let (serial, pin, ukey) = outcome?;

    step(
        "the walk-in signs in with its password, binds the SoftHSM2 UKey's certificate, signs in with the UKey, then 注销",
    );
    let outcome = app
        .stretch(180, "counter-bind-failed.png", async {
            app.click_css("#switch-side").await?;
            app.click_css("#log-out").await?;
            app.type_into("#login_username", "walkin").await?;
            app.type_into("#login_password", "a-long-password").await?;
            app.click_css("#login-submit").await?;
            app.wait_for_text("#account-name", WALK_IN.0).await?;
            app.click_text(".ant-menu", "CA绑定与解绑").await?;
            app.click_css("#bind-certificate").await?;
            choose_ukey(&app, ".bind-certificate", &ukey, "#bind_pin", &pin).await?;
            app.click_css("#bind-submit").await?;
            app.wait_for("#bound-done").await?;
            app.wait_for_text("#bound-certificates", &serial).await?;
            app.click_text(".ant-menu", "CA证书管理").await?;
            app.wait_for_text("#managed-certificates", &serial).await?;
            app.wait_for_text("#managed-certificates", "已绑定").await?;

            // 证书登录: no password.
            app.click_css("#log-out").await?;
            app.click_text("#login", "证书登录").await?;
            choose_ukey(&app, "#ukey-login", &ukey, "#ukey-login_pin", &pin).await?;
            app.click_css("#ukey-login-submit").await?;
            app.wait_for_text("#account-name", WALK_IN.0).await?;

            // 注销 (the organisation gives it up): revoked at once, and 证书登录 says so.
            app.click_text(".ant-menu", "CA证书管理").await?;
            app.click_css("#managed-certificates .certificate-cancel").await?;
            app.click_css(".ant-popconfirm .ant-btn-dangerous").await?;
            app.wait_for_text("#managed-certificates", "已吊销").await?;
            app.click_css("#log-out").await?;
            app.click_text("#login", "证书登录").await?;
            choose_ukey(&app, "#ukey-login", &ukey, "#ukey-login_pin", &pin).await?;
            app.click_css("#ukey-login-submit").await?;
            app.wait_for_text(".ant-message", "该证书已吊销（停止使用）").await?;
            // Back to the demo organisation, and to the staff side for the administrator.
            app.click_css("#demo-log-in").await?;
            app.wait_for_text("#account-name", "晨安入驻供应商").await?;
            app.click_text(".ant-menu", "CA证书申领").await?;
            app.wait_for("#orders").await?;
            app.click_css("#switch-side").await
        })
        .await;
    outcome?;

    step("the 受理回执 in Downloads says what was taken, by whom");
    let receipt = std::fs::read_dir(downloads_dir(data.path()))?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("CA证书受理回执-")))
        .context("no 受理回执 in Downloads")?;
    let text = std::process::Command::new("pdftotext").arg(&receipt).arg("-").output()?;
    let text = String::from_utf8(text.stdout)?;
    for expected in [WALK_IN.0, WALK_IN.1, "王窗口", "¥300.00", "现金", "SJ-20261202-07", "演示窗口"] {
        if !text.contains(expected) {
            bail!("{expected} is not in the 受理回执:\n{text}");
        }
    }

    step("员工管理 for the demo administrator; the demo organisation's own list has no walk-in");
    let outcome = app
        .stretch(90, "counter-admin-failed.png", async {
            app.click_css("#staff-log-out").await?;
            staff_log_in(&app, "demo-admin").await?;
            app.wait_for_text("#staff-members", "demo-counter").await?;
            app.screenshot(&screenshots_dir().join("40-staff-members.png")).await?;
            // 操作日志: the clerk's steps on the walk-in's order, by name.
            app.click_text("#staff-menu", "操作日志").await?;
            app.wait_for_text("#staff-audit", "演示窗口员").await?;
            app.wait_for_text("#staff-audit", "办理订单").await?;
            app.screenshot(&screenshots_dir().join("41-staff-audit.png")).await?;
            app.click_css("#switch-side").await?;
            app.wait_for_text("#orders", "暂无申领记录").await?;
            Ok(())
        })
        .await;
    outcome?;
    app.quit().await?;
    Ok(())
}
