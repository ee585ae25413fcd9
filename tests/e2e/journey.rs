//! The applicant's journey against a platform of its own (started in this test process, real HTTP on
//! loopback), whose staff the test plays over the staff API: register in the app, apply, 邮寄纸质资料,
//! the documents received and the fee taken at the counter, 审核不通过 → 编辑 with the 不通过理由 →
//! 重新提交 → approved, produced and mailed → 发票申请; search and pagination over 26 orders; and the
//! list offline after the platform stops.

use crate::apply::{correct_mobile_and_resubmit, fill_application, review_and_submit, wait_for_status};
use crate::support::{App, Launch, screenshots_dir, step};
use anyhow::{Context, Result, bail};
use certdesk_api::StaffRole;
use certdesk_platform::{Platform, PlatformConfig, PlatformHandle};
use serde_json::{Value, json};

const ORGANISATION: &str = "测试供应商";
const CREDIT_CODE: &str = "91350100M000100Y43";
const USERNAME: &str = "supplier";
const PASSWORD: &str = "a-long-password";

/// The platform's staff, acting over the staff API.
struct Staff {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Staff {
    async fn log_in(platform: &PlatformHandle, data_dir: &std::path::Path) -> Result<Staff> {
        let new = certdesk_platform::staff::NewStaff {
            username: "counter".into(),
            display_name: "综合窗口".into(),
            password: "correct-horse-battery".into(),
            roles: vec![StaffRole::Reviewer, StaffRole::Producer, StaffRole::Counter],
        };
        certdesk_platform::staff::add_staff(data_dir, None, &new)?;
        let http = reqwest::Client::new();
        let session: Value = http
            .post(format!("{}/v1/staff/sessions", platform.url()))
            .json(&json!({"username": "counter", "password": "correct-horse-battery"}))
            .send()
            .await?
            .json()
            .await?;
        let token = session["token"].as_str().context("staff token")?.to_owned();
        Ok(Staff { http, base: platform.url(), token })
    }

    async fn step(&self, order_no: &str, action: &str, body: Value) -> Result<Value> {
        let res = self
            .http
            .post(format!("{}/v1/staff/orders/{order_no}/{action}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await?;
        let status = res.status();
        let body: Value = res.json().await?;
        if !status.is_success() {
            bail!("staff {action} on {order_no}: {status} {body}");
        }
        Ok(body)
    }

    /// 制证 as the workbench does it, on a software SM2 UKey (the order's CA服务商 is 演示CA, SM2):
    /// the key made on the token, the CSR signed there, the certificate issued by the platform.
    async fn issue_certificate(&self, order_no: &str) -> Result<Value> {
        use certdesk_token::{KeyKind, TokenSource as _};
        let ukeys = certdesk_token::soft::SoftTokenSource::new();
        ukeys.plug("测试UKey", "SOFT-JOURNEY-1", "12345678", 2);
        let mut token = ukeys.open("SOFT-JOURNEY-1")?;
        token.log_in("12345678")?;
        let key = token.generate_key(KeyKind::Sm2, ORGANISATION)?;
        let subject = certdesk_pki::OrganisationSubject {
            organisation_name: ORGANISATION.into(),
            credit_code: CREDIT_CODE.into(),
        };
        let csr = certdesk_pki::build_csr(&subject, &key.public_key, |tbs| {
            token.sign(&key, tbs).map_err(|e| certdesk_pki::PkiError::Signing(e.to_string()))
        })?;
        let body = json!({"csrPem": certdesk_pki::csr_pem(&csr), "tokenSerial": "SOFT-JOURNEY-1"});
        self.step(order_no, "certificates", body).await
    }
}

/// 25 more orders of the organisation, submitted straight to the platform (as from another computer).
async fn submit_more_orders(platform: &PlatformHandle, count: usize) -> Result<()> {
    let http = reqwest::Client::new();
    let session: Value = http
        .post(format!("{}/v1/sessions", platform.url()))
        .json(&json!({"username": USERNAME, "password": PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    let token = session["token"].as_str().context("applicant token")?;
    for _ in 0..count {
        let res = http
            .post(format!("{}/v1/orders", platform.url()))
            .bearer_auth(token)
            .json(&json!({
                "providerId": "demo-free", "quantity": 1, "organisationName": ORGANISATION,
                "creditCode": CREDIT_CODE, "applicantName": "王芳", "idNumber": "330102198001010018",
                "mobile": "13800138000", "email": "invoice@example.com", "delivery": "counter",
                "recipient": "", "recipientMobile": "", "address": ""
            }))
            .send()
            .await?;
        if res.status() != 201 {
            bail!("submit: {}", res.status());
        }
    }
    Ok(())
}

async fn register_in_the_app(app: &App) -> Result<()> {
    app.wait_for("#login").await?;
    app.screenshot(&screenshots_dir().join("00-login.png")).await?;
    app.click_text("#login", "注册机构账号").await?;
    for (field, value) in [
        ("organisationName", ORGANISATION),
        ("creditCode", CREDIT_CODE),
        ("username", USERNAME),
        ("password", PASSWORD),
        ("confirm", PASSWORD),
    ] {
        app.type_into(&format!("#register_{field}"), value).await?;
    }
    app.click_css("#register-submit").await?;
    app.wait_for_text("#account-name", ORGANISATION).await?;
    Ok(())
}

#[tokio::test]
#[ignore = "drives the real app: needs a display, tauri-driver and WebKitWebDriver (`cargo xtask test`)"]
async fn the_whole_journey_against_a_platform_of_its_own_then_offline() -> Result<()> {
    let data = tempfile::tempdir()?;
    let platform_dir = data.path().join("platform");
    // The platform's email goes to a real SMTP server on loopback, read back at 发票申请.
    let sink = certdesk_testsmtp::SmtpSink::start();
    let mut config = PlatformConfig::embedded(&platform_dir);
    config.mail = certdesk_platform::MailConfig {
        smtp_host: Some("127.0.0.1".into()),
        smtp_port: Some(sink.port),
        security: certdesk_platform::MailSecurity::None,
        retry_first_secs: 1,
        retry_max_secs: 2,
        ..Default::default()
    };
    let platform = Platform::start(config).await?;
    let url = platform.url();
    let staff = Staff::log_in(&platform, &platform_dir).await?;
    let app_dir = data.path().join("app");

    step("register the organisation in the app and apply");
    let app = App::launch(Launch { data_dir: &app_dir, platform_url: Some(&url) }).await?;
    let outcome = app
        .stretch(180, "journey-apply-failed.png", async {
            register_in_the_app(&app).await?;
            app.wait_for_text("#orders", "暂无申领记录").await?;
            fill_application(&app, ORGANISATION, CREDIT_CODE).await?;
            review_and_submit(&app, false).await?;
            app.click_css("#wizard-paper").await?;
            app.click_css("#paper-confirm").await?;
            app.wait_for_text("#orders", "待支付 (待收材料)").await?;
            let rows = app.order_rows().await?;
            Ok(rows[0][1].clone())
        })
        .await;
    let order_no = outcome?;

    step("the platform receives the documents, takes the fee at the counter and rejects");
    staff.step(&order_no, "materials-received", json!({})).await?;
    staff.step(&order_no, "counter-payment", json!({"method": "counterCash", "receiptNo": "R-2026-0001"})).await?;
    staff.step(&order_no, "reject", json!({"reason": "申领人手机号码无法接通"})).await?;

    step("编辑 shows the 不通过理由; correct and 重新提交");
    let outcome = app
        .stretch(150, "journey-edit-failed.png", async {
            // The app follows the platform's events feed: the rejection arrives without a refresh.
            app.wait_for_text(".status-change-notice", "不通过理由：申领人手机号码无法接通").await?;
            app.screenshot(&screenshots_dir().join("06b-status-notice.png")).await?;
            wait_for_status(&app, &order_no, "审核未通过 (材料已收)").await?;
            correct_mobile_and_resubmit(&app, &order_no, "申领人手机号码无法接通", "待审核 (材料已收)", true).await
        })
        .await;
    outcome?;

    step("approved, produced and mailed; 发票申请 in the app");
    staff.step(&order_no, "approve", json!({})).await?;
    let certificate = staff.issue_certificate(&order_no).await?;
    if certificate["keyAlgorithm"] != "SM2" {
        bail!("演示CA issues SM2 certificates: {certificate}");
    }
    staff.step(&order_no, "ship", json!({"courier": "顺丰速运", "trackingNo": "SF1234567890"})).await?;
    let outcome = app
        .stretch(120, "journey-invoice-failed.png", async {
            wait_for_status(&app, &order_no, "审核通过, 已发证 (材料已收)").await?;
            app.click_text("#orders", "发票申请").await?;
            // Prefilled from the application; the email changed to the finance department's.
            app.wait_for_text(".invoice-request", "电子发票（普通发票）").await?;
            // The prefill arrives from the platform just after the dialog opens.
            let mut title = String::new();
            for _ in 0..100 {
                title = app.value_of("#invoice_title").await?;
                if title == ORGANISATION {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            if title != ORGANISATION {
                bail!("发票抬头 not prefilled with 机构名称: {title:?}");
            }
            app.replace_value("#invoice_email", "finance@example.com").await?;
            app.screenshot(&screenshots_dir().join("07b-invoice-request.png")).await?;
            app.click_css("#invoice-submit").await?;
            app.wait_for_text("#orders", "发票已开具").await?;
            app.click_text("#orders", "查看").await?;
            app.wait_for_text("#invoice-state", "发票已开具").await?;
            app.wait_for_text(".order-detail", "重新提交，修改了：手机号码").await?;
            app.wait_for_text("#detail-tracking", "SF1234567890").await?;
            app.wait_for_text(".order-detail", "顺丰速运").await?;
            app.screenshot(&screenshots_dir().join("08-issued-detail.png")).await?;
            let invoice_no = app.wait_for("#invoice-number").await?.text().await?;
            app.click_css(".order-detail .ant-drawer-close").await?;
            Ok(invoice_no)
        })
        .await;
    let invoice_no = outcome?;

    step("the invoice and the status emails are in the SMTP server's mailbox");
    let received = tokio::task::spawn_blocking(move || {
        let got = sink.wait_for(4);
        (sink, got)
    });
    let (sink, got) = received.await?;
    let got = got.ok_or_else(|| anyhow::anyhow!("not every email arrived"))?;
    let invoice = got
        .iter()
        .find(|m| m.subject.contains("电子发票"))
        .ok_or_else(|| anyhow::anyhow!("no invoice email: {got:#?}"))?;
    if invoice.rcpt_to != "finance@example.com" || !invoice.subject.contains(&invoice_no) {
        bail!("the invoice went to {} as {:?}", invoice.rcpt_to, invoice.subject);
    }
    let pdf = invoice
        .attachments
        .iter()
        .find(|(name, _, _)| name == &format!("invoice-{invoice_no}.pdf"))
        .ok_or_else(|| anyhow::anyhow!("no PDF attached: {:?}", invoice.attachments))?;
    let text = certdesk_testsmtp::pdf_text(&pdf.2);
    if !text.contains(&invoice_no) || !text.contains(ORGANISATION) {
        bail!("the attached PDF does not read as the invoice:\n{text}");
    }
    // The README shows the invoice: its page as the mail program's PDF viewer would.
    let scratch = tempfile::tempdir()?;
    std::fs::write(scratch.path().join("invoice.pdf"), &pdf.2)?;
    let rendered = std::process::Command::new("pdftoppm")
        .args(["-png", "-r", "90", "-singlefile", "invoice.pdf", "invoice"])
        .current_dir(scratch.path())
        .status()?;
    if !rendered.success() {
        bail!("pdftoppm could not render the invoice: {rendered}");
    }
    std::fs::create_dir_all(screenshots_dir())?;
    std::fs::copy(scratch.path().join("invoice.png"), screenshots_dir().join("21-invoice-pdf.png"))?;
    let rejection = got.iter().find(|m| m.subject.contains("审核未通过"));
    if !rejection.is_some_and(|m| m.text.contains("申领人手机号码无法接通") && m.rcpt_to == "invoice@example.com")
    {
        bail!("the rejection's email with its reason is missing: {got:#?}");
    }
    drop(sink);

    step("search and pagination over 26 orders");
    submit_more_orders(&platform, 25).await?;
    let outcome = app
        .stretch(150, "journey-search-failed.png", async {
            app.click_css("#refresh-orders").await?;
            app.wait_for_text("#orders", "共有 26 条").await?;
            app.wait_for_order_rows(10).await?;
            // Page 2, then the jump to page 3 (6 left there).
            app.click_css("#orders .ant-pagination-item-2").await?;
            app.wait_for("#orders .ant-pagination-item-2.ant-pagination-item-active").await?;
            app.type_into("#orders .ant-pagination-options-quick-jumper input", "3").await?;
            app.click_text("#orders .ant-pagination-options-quick-jumper", "Go").await?;
            app.wait_for("#orders .ant-pagination-item-3.ant-pagination-item-active").await?;
            let last_page = app.wait_for_order_rows(6).await?;
            // By number.
            app.type_into("#search_orderNo", &order_no).await?;
            app.click_css("#search-submit").await?;
            app.wait_for_text("#orders", "共有 1 条").await?;
            let by_number = app.wait_for_order_rows(1).await?;
            // By status: 待认证 is every order but the first.
            app.click_css("#search-reset").await?;
            app.mouse_down_css("#search_status").await?;
            app.click_css(".ant-select-item-option[title='待认证']").await?;
            app.click_css("#search-submit").await?;
            app.wait_for_text("#orders", "共有 25 条").await?;
            app.screenshot(&screenshots_dir().join("09-search.png")).await?;
            // English from the header's language switch, and back.
            app.mouse_down_css("#language").await?;
            app.click_css(".ant-select-item-option[title='English']").await?;
            app.wait_for_text("#orders", "25 in all").await?;
            app.wait_for_text(".ant-card-head", "CA certificate applications").await?;
            app.screenshot(&screenshots_dir().join("11-english.png")).await?;
            app.mouse_down_css("#language").await?;
            app.click_css(".ant-select-item-option[title='中文']").await?;
            app.wait_for_text("#orders", "共有 25 条").await?;
            Ok((last_page, by_number))
        })
        .await;
    let (last_page, by_number) = outcome?;
    assert_eq!(last_page.len(), 6, "{last_page:?}");
    assert_eq!(by_number.len(), 1);
    assert_eq!(by_number[0][1], order_no);
    app.quit().await?;

    step("the platform stops; the app starts signed in and lists the orders offline");
    platform.shutdown().await?;
    let app = App::launch(Launch { data_dir: &app_dir, platform_url: Some(&url) }).await?;
    let outcome = app
        .stretch(120, "journey-offline-failed.png", async {
            app.wait_for("#offline-banner").await?;
            app.wait_for_text("#orders", "共有 26 条").await?;
            app.screenshot(&screenshots_dir().join("10-offline.png")).await?;
            let rows = app.order_rows().await?;
            // 查看 opens from what was kept at the last look.
            app.type_into("#search_orderNo", &order_no).await?;
            app.click_css("#search-submit").await?;
            app.wait_for_text("#orders", "共有 1 条").await?;
            app.click_text("#orders", "查看").await?;
            app.wait_for("#detail-offline").await?;
            app.wait_for_text(".order-detail", "重新提交，修改了：手机号码").await?;
            Ok(rows)
        })
        .await;
    let rows = outcome?;
    assert_eq!(rows.len(), 10);
    app.quit().await?;
    Ok(())
}
