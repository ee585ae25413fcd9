//! 人脸认证 with the demo camera (a face moving into the oval; no camera exists on the test machines):
//! the consent, the rehearsal (检测环境), a passing attempt that moves the order on; then an applicant
//! the sandbox provider fails: 重试 and 邮寄纸质资料 after each failure, and after the tenth of the
//! day only 邮寄纸质资料.

use crate::apply::{fill_application, review_and_submit};
use crate::support::{App, Launch, screenshots_dir, step};
use anyhow::{Result, bail};

/// The sandbox provider's failing ID number (`SANDBOX_FAILING_ID_NUMBER` in the platform).
const FAILING_ID_NUMBER: &str = "11010519491231002X";

/// The consent accepted; the camera's rehearsal running.
pub async fn consent(app: &App) -> Result<()> {
    app.wait_for("#face-consent").await?;
    app.click_css("#face-agree").await?;
    app.click_css("#face-consent-continue").await?;
    app.wait_for("#face-rehearsing").await?;
    // 开始认证 is enabled once the system allowed the camera and the rehearsal runs.
    app.wait_for("#face-start:not([disabled])").await?;
    Ok(())
}

#[tokio::test]
#[ignore = "drives the real app: needs a display, tauri-driver and WebKitWebDriver (`cargo xtask test`)"]
async fn face_verification_passes_with_the_demo_camera_and_failures_fall_back_to_paper() -> Result<()> {
    let data = tempfile::tempdir()?;
    step("launch with the embedded platform and the demo camera");
    let app = App::launch(Launch { data_dir: data.path(), platform_url: None }).await?;
    let outcome = app
        .stretch(240, "face-failed.png", async {
            app.wait_for_text("#orders", "暂无申领记录").await?;
            step("apply, then 人脸认证 from the wizard: consent, 检测环境, 开始认证");
            fill_application(&app, "晨安入驻供应商", "91330106MA27XY812F").await?;
            review_and_submit(&app, false).await?;
            app.click_css("#wizard-face").await?;
            app.screenshot(&screenshots_dir().join("12-face-consent.png")).await?;
            consent(&app).await?;
            // The rehearsal guides the face into the oval and takes nothing.
            app.wait_for_text("#face-guidance", "请靠近一些").await?;
            app.wait_for_text("#face-guidance", "检测通过，请保持不动").await?;
            app.screenshot(&screenshots_dir().join("13-face-rehearsal.png")).await?;
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            if app.client.find(fantoccini::Locator::Css("#face-camera")).await.is_err() {
                bail!("the rehearsal left the camera screen (it must never take a photo)");
            }
            app.wait_for_text("#face-remaining", "今日剩余次数 10/10").await?;
            app.click_css("#face-start").await?;
            app.wait_for_text(".face-verification", "人脸认证通过").await?;
            app.wait_for_text(".face-verification", "待支付 (已认证)").await?;
            app.screenshot(&screenshots_dir().join("14-face-passed.png")).await?;
            app.click_css("#face-done").await?;
            app.wait_for_text("#orders", "待支付 (已认证)").await?;

            step("an applicant the provider fails: 重试 or 邮寄纸质资料, then only 邮寄纸质资料");
            fill_application(&app, "晨安入驻供应商", "91330106MA27XY812F").await?;
            app.replace_value("#apply_idNumber", FAILING_ID_NUMBER).await?;
            app.click_css("#apply-next").await?;
            app.wait_for_text("#apply-review", FAILING_ID_NUMBER).await?;
            app.click_css("#apply-submit").await?;
            app.wait_for_text(".apply-wizard", "申领已提交").await?;
            app.click_css("#wizard-face").await?;
            consent(&app).await?;
            app.click_css("#face-start").await?;
            for attempt in 1..=10 {
                let started = std::time::Instant::now();
                app.wait_for_text(".face-verification", "人脸认证未通过").await?;
                eprintln!("e2e: failed attempt {attempt} after {:.1} s", started.elapsed().as_secs_f64());
                if attempt == 1 {
                    app.wait_for("#face-retry").await?;
                    app.wait_for("#face-paper").await?;
                    app.screenshot(&screenshots_dir().join("15-face-failed.png")).await?;
                }
                if attempt < 10 {
                    app.wait_for_text("#face-failure", &format!("今日剩余 {} 次", 10 - attempt)).await?;
                    app.click_css("#face-retry").await?;
                    app.wait_for("#face-camera").await?;
                }
            }
            app.wait_for_text("#face-exhausted", "今日认证次数已用完").await?;
            if app.client.find(fantoccini::Locator::Css("#face-retry")).await.is_ok() {
                bail!("重试 offered after the tenth failure");
            }
            app.screenshot(&screenshots_dir().join("16-face-exhausted.png")).await?;
            app.click_css("#face-paper").await?;
            app.wait_for_text("#paper-address", "鹏辉科技园").await?;
            Ok(())
        })
        .await;
    outcome?;
    app.quit().await
}
