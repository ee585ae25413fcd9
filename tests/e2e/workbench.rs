//! The whole process on one computer with the embedded platform and nothing else: the demo
//! organisation applies, and the demo staff do every staff step in the app's 员工工作台 — 纸质资料已收到,
//! 审核不通过 with a reason, (the organisation edits and 重新提交), 审核通过, then 制证 and 邮寄 by
//! the producer — until the organisation's own list says 已发证. The test makes no HTTP calls.

use crate::apply::{correct_mobile_and_resubmit, fill_application, review_and_submit, wait_for_status};
use crate::support::{
    App, Launch, check_one_year_validity, screenshots_dir, staff_log_in, step, write_certificate_to_demo_ukey,
};
use anyhow::{Result, bail};
use chrono::Datelike;

const DEMO_ORGANISATION: &str = "晨安入驻供应商";
const DEMO_CREDIT_CODE: &str = "91330106MA27XY812F";

#[tokio::test]
#[ignore = "drives the real app: needs a display, tauri-driver and WebKitWebDriver (`cargo xtask test`)"]
async fn an_order_goes_from_the_application_to_issued_with_every_staff_step_in_the_workbench() -> Result<()> {
    let data = tempfile::tempdir()?;
    let app = App::launch(Launch { data_dir: data.path(), platform_url: None }).await?;

    step("the demo organisation applies and mails its documents");
    let outcome = app
        .stretch(150, "workbench-apply-failed.png", async {
            app.wait_for_text("#orders", "暂无申领记录").await?;
            fill_application(&app, DEMO_ORGANISATION, DEMO_CREDIT_CODE).await?;
            app.mouse_down_css("#apply_providerId").await?;
            app.click_css(".ant-select-item-option[title^='演示CA（免缴费）']").await?;
            app.wait_for_text("#apply-total", "¥0.00").await?;
            review_and_submit(&app, false).await?;
            app.click_css("#wizard-paper").await?;
            app.click_css("#paper-confirm").await?;
            app.wait_for_text("#orders", "待审核 (待收材料)").await?;
            Ok(app.order_rows().await?[0][1].clone())
        })
        .await;
    let order_no = outcome?;

    step("员工工作台: the demo reviewer receives the documents and rejects with a common reason");
    let outcome = app
        .stretch(150, "workbench-reject-failed.png", async {
            app.click_css("#switch-side").await?;
            app.wait_for("#staff-login").await?;
            app.screenshot(&screenshots_dir().join("30-staff-login.png")).await?;
            staff_log_in(&app, "demo-reviewer").await?;
            app.wait_for_text("#review-queue", &order_no).await?;
            // A reviewer's menu has the review queue only.
            app.wait_for_text("#staff-menu", "审核队列").await?;
            let menu = app.wait_for("#staff-menu").await?.text().await?;
            if menu.contains("制证队列") {
                bail!("a reviewer was offered the production queue: {menu}");
            }
            app.screenshot(&screenshots_dir().join("31-review-queue.png")).await?;
            app.click_css("#review-queue .queue-handle").await?;
            app.wait_for_text("#staff-application", "330***********0018").await?;
            app.click_css("#materials-received").await?;
            app.wait_for_text("#staff-application", "待审核 (材料已收)").await?;
            app.screenshot(&screenshots_dir().join("32-review-order.png")).await?;
            app.click_css("#reject").await?;
            app.mouse_down_css("#common-reason").await?;
            app.click_css(".ant-select-item-option[title='申领人手机号码无法接通']").await?;
            app.screenshot(&screenshots_dir().join("33-review-reject.png")).await?;
            app.click_css("#reject-submit").await?;
            app.wait_for_text(".ant-message", "审核未通过 (材料已收)").await?;
            app.wait_for_text("#review-queue", "队列中暂无订单").await?;
            Ok(())
        })
        .await;
    outcome?;

    step("back to the organisation: 编辑 shows the reason; correct and 重新提交");
    let outcome = app
        .stretch(150, "workbench-edit-failed.png", async {
            app.click_css("#switch-side").await?;
            wait_for_status(&app, &order_no, "审核未通过 (材料已收)").await?;
            correct_mobile_and_resubmit(&app, &order_no, "申领人手机号码无法接通", "待审核 (材料已收)", false).await
        })
        .await;
    outcome?;

    step("the reviewer approves; the demo producer takes over and mails the certificate");
    let outcome = app
        .stretch(180, "workbench-ship-failed.png", async {
            app.click_css("#switch-side").await?;
            app.click_css(".queue-refresh").await?;
            app.wait_for_text("#review-queue", &order_no).await?;
            app.click_css("#review-queue .queue-handle").await?;
            app.wait_for_text("#staff-application", "13900139000").await?;
            app.click_css("#approve").await?;
            app.click_css(".ant-popconfirm .ant-btn-primary").await?;
            app.wait_for_text(".ant-message", "审核通过, 待制证 (材料已收)").await?;
            app.click_css("#staff-log-out").await?;
            staff_log_in(&app, "demo-producer").await?;
            app.wait_for_text("#production-queue", &order_no).await?;
            app.screenshot(&screenshots_dir().join("34-production-queue.png")).await?;
            app.click_css("#production-queue .queue-ship").await?;
            app.wait_for_text("#ship-to", "浙江省杭州市西湖区文三路1号").await?;
            let written = write_certificate_to_demo_ukey(&app).await?;
            app.screenshot(&screenshots_dir().join("35a-ukey-written.png")).await?;
            app.mouse_down_css("#shipment_courier").await?;
            app.click_css(".ant-select-item-option[title='顺丰速运']").await?;
            app.type_into("#shipment_trackingNo", "SF1234567890").await?;
            app.screenshot(&screenshots_dir().join("35-ship.png")).await?;
            app.click_css("#ship-submit").await?;
            app.wait_for_text(".ant-message", "审核通过, 已发证 (材料已收)").await?;
            app.wait_for_text("#production-queue", "队列中暂无订单").await?;
            Ok(written)
        })
        .await;
    let (serial, pin) = outcome?;

    step("the organisation's own list says 已发证, and 查看 shows the tracking number and the certificate");
    let outcome = app
        .stretch(120, "workbench-issued-failed.png", async {
            app.click_css("#switch-side").await?;
            wait_for_status(&app, &order_no, "审核通过, 已发证 (材料已收)").await?;
            app.click_text("#orders", "查看").await?;
            app.wait_for_text("#detail-tracking", "SF1234567890").await?;
            app.wait_for_text(".order-detail", "重新提交，修改了：手机号码").await?;
            // 证书信息: the certificate written at 制证, valid for a year.
            app.wait_for_text("#certificate-info .certificate-serial", &serial).await?;
            app.wait_for_text("#certificate-info .certificate-status", "有效").await?;
            let validity = app.wait_for("#certificate-info .certificate-validity").await?.text().await?;
            check_one_year_validity(&validity)?;
            app.click_css("#certificate-info .certificate-save").await?;
            app.wait_for_text("#certificate-saved", &format!("机构证书-{serial}.cer")).await?;
            app.screenshot(&screenshots_dir().join("35b-certificate-info.png")).await?;
            app.click_css(".order-detail .ant-drawer-close").await
        })
        .await;
    outcome?;

    step("CA绑定与解绑: 绑定 the UKey's certificate; CA证书管理 shows it; 退出登录, then 证书登录 with the UKey");
    let outcome = app
        .stretch(150, "workbench-bind-failed.png", async {
            app.click_text(".ant-menu", "CA绑定与解绑").await?;
            app.click_css("#bind-certificate").await?;
            app.mouse_down_css(".bind-certificate .ukey-select").await?;
            app.click_css(".ant-select-item-option[title*='SOFT-SM2-0001']").await?;
            app.type_into("#bind_pin", &pin).await?;
            app.click_css("#bind-submit").await?;
            app.wait_for("#bound-done").await?;
            app.wait_for_text("#bound-certificates", &serial).await?;
            app.screenshot(&screenshots_dir().join("35c-bound.png")).await?;

            app.click_text(".ant-menu", "CA证书管理").await?;
            app.wait_for_text("#managed-certificates", &serial).await?;
            app.wait_for_text("#managed-certificates", "有效").await?;
            app.wait_for_text("#managed-certificates", "已绑定").await?;
            let next_year = (chrono::Utc::now().with_timezone(&certdesk_core::SHANGHAI).year() + 1).to_string();
            app.wait_for_text("#managed-certificates", &next_year).await?;
            app.screenshot(&screenshots_dir().join("35d-certificates.png")).await?;
            // The demo's 演示邮箱 holds what the platform sent (审核未通过, 审核通过, 已发证), and 账户设置.
            app.click_css("#demo-mailbox").await?;
            app.wait_for_text(".demo-mailbox .mail-subject", "已发证").await?;
            app.screenshot(&screenshots_dir().join("35f-demo-mailbox.png")).await?;
            app.click_css(".demo-mailbox .ant-drawer-close").await?;
            app.click_css("#account-settings").await?;
            app.wait_for("#status-notices").await?;
            app.screenshot(&screenshots_dir().join("35g-account-settings.png")).await?;
            app.click_css(".account-settings .ant-modal-close").await?;

            app.click_css("#log-out").await?;
            app.wait_for("#login").await?;
            app.click_text("#login", "证书登录").await?;
            app.mouse_down_css("#ukey-login .ukey-select").await?;
            app.click_css(".ant-select-item-option[title*='SOFT-SM2-0001']").await?;
            app.type_into("#ukey-login_pin", &pin).await?;
            app.screenshot(&screenshots_dir().join("35e-certificate-login.png")).await?;
            app.click_css("#ukey-login-submit").await?;
            app.wait_for_text("#account-name", "晨安入驻供应商").await?;
            Ok(())
        })
        .await;
    outcome?;
    app.quit().await?;
    Ok(())
}
