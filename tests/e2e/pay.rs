//! 缴费 end to end on the embedded platform: an order verified with the demo camera, 去支付 →
//! 支付宝 → 确认付款. The test plays the person in the browser: it opens the sandbox gateway's
//! cashier page over HTTP and presses 确认付款 there, then opens the gateway's `certdesk://` return
//! as the desktop would (a second start of the app, which hands it to the running one). The app
//! confirms with the platform and shows the order 待审核. A second order is paid with 微信支付 from
//! the 人脸认证通过 screen: its QR code's address opened at the cashier, the app finding it paid.

use crate::apply::{fill_application, review_and_submit};
use crate::face::consent;
use crate::support::{App, Launch, screenshots_dir, step};
use anyhow::{Context, Result, bail};

/// The person at the sandbox cashier: opens the page and presses `button`; where the gateway sends
/// the browser next.
async fn at_the_cashier(pay_url: &str, button: &str) -> Result<String> {
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let page = browser.get(pay_url).send().await?.text().await?;
    if !page.contains("确认付款") {
        bail!("the cashier page shows no 确认付款: {page}");
    }
    let action = page
        .split("action=\"")
        .map(|rest| rest.split('"').next().unwrap_or_default())
        .find(|action| action.ends_with(&format!("/{button}")))
        .context("no form for the button")?
        .to_owned();
    let answer = browser.post(reqwest::Url::parse(pay_url)?.join(&action)?).send().await?;
    let location = answer.headers().get("location").context("the cashier did not send the browser on")?;
    Ok(location.to_str()?.to_owned())
}

/// A new application whose applicant passes 人脸认证 with the demo camera: the order waits for
/// payment, the 人脸认证通过 screen still open.
async fn apply_and_pass_face(app: &App) -> Result<()> {
    fill_application(app, "晨安入驻供应商", "91330106MA27XY812F").await?;
    review_and_submit(app, false).await?;
    app.click_css("#wizard-face").await?;
    consent(app).await?;
    app.click_css("#face-start").await?;
    app.wait_for_text(".face-verification", "待支付 (已认证)").await?;
    Ok(())
}

#[tokio::test]
#[ignore = "drives the real app: needs a display, tauri-driver and WebKitWebDriver (`cargo xtask test`)"]
async fn orders_are_paid_with_alipay_and_wechat_pay_at_the_sandbox_cashier() -> Result<()> {
    let data = tempfile::tempdir()?;
    step("launch with the embedded platform, its sandbox gateway and the demo camera");
    let app = App::launch(Launch { data_dir: data.path(), platform_url: None }).await?;
    let outcome = app
        .stretch(240, "pay-failed.png", async {
            app.wait_for_text("#orders", "暂无申领记录").await?;
            step("apply and pass 人脸认证: the order waits for payment");
            apply_and_pass_face(&app).await?;
            app.click_css("#face-done").await?;
            app.wait_for_text("#orders", "待支付 (已认证)").await?;

            step("去支付: the amount and the methods, 支付宝, 确认付款");
            app.click_text("#orders", "去支付").await?;
            app.wait_for_text("#pay-amount", "¥300.00").await?;
            app.wait_for_text("#payment", "微信支付").await?;
            app.screenshot(&screenshots_dir().join("17-pay-choose.png")).await?;
            app.click_css("#pay-confirm").await?;
            let waiting = app.wait_for("#pay-waiting").await?;
            app.wait_for_text("#pay-waiting", "正在确认付款结果").await?;
            let pay_url = waiting.attr("data-pay-url").await?.context("the page's address")?;
            app.screenshot(&screenshots_dir().join("18-pay-waiting.png")).await?;

            step("in the browser: the sandbox cashier, 确认付款, back to certdesk://pay/return");
            let back = at_the_cashier(&pay_url, "pay").await?;
            if !back.starts_with("certdesk://pay/return?") {
                bail!("the gateway sent the browser to {back}");
            }
            app.open_deep_link(&back).await?;
            app.wait_for_text("#pay-paid", "付款成功，订单已进入待审核 (已认证)").await?;
            app.screenshot(&screenshots_dir().join("19-pay-paid.png")).await?;
            app.click_css("#pay-done").await?;
            app.wait_for_text("#orders", "待审核 (已认证)").await?;

            step("a second order: 去支付 straight from 人脸认证通过, 微信支付, its QR code");
            apply_and_pass_face(&app).await?;
            app.click_css("#face-pay").await?;
            app.wait_for_text("#pay-amount", "¥300.00").await?;
            app.click_css("#pay-wechat").await?;
            app.click_css("#pay-confirm").await?;
            app.wait_for_text("#pay-waiting", "请使用微信扫描二维码付款").await?;
            app.wait_for("#pay-qrcode svg").await?;
            app.screenshot(&screenshots_dir().join("20-pay-wechat-qrcode.png")).await?;
            let code_url = app.wait_for("#pay-waiting").await?.attr("data-pay-url").await?.context("the code")?;
            step("the phone \"scans\" the code: the sandbox cashier, 确认付款; the app finds it paid");
            at_the_cashier(&code_url, "pay").await?;
            app.wait_for_text("#pay-paid", "付款成功，订单已进入待审核 (已认证)").await?;
            app.click_css("#pay-done").await?;
            let rows = app.order_rows().await?;
            if rows.len() != 2 || !rows.iter().all(|row| row.iter().any(|cell| cell == "待审核 (已认证)")) {
                bail!("both orders should be 待审核 (已认证): {rows:?}");
            }
            Ok(())
        })
        .await;
    app.quit().await?;
    outcome
}
