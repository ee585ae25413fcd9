//! CA在线申领 in the real app: submit an application, see it listed; restart offline, still listed.

use crate::support::{App, Launch, artifacts_dir};
use anyhow::Result;

async fn fill_and_submit(app: &App) -> Result<()> {
    app.wait_for("#apply-online").await?.click().await?;
    // Wait until the providers arrived and the total shows, so the form is complete.
    app.wait_for_text("#apply-total", "¥300.00").await?;
    for (field, value) in [
        ("organisationName", "晨安入驻供应商"),
        ("creditCode", "91330106MA27XY812F"),
        ("applicantName", "陈晨"),
        ("idNumber", "330102198001010018"),
        ("mobile", "13800138000"),
        ("email", "invoice@example.com"),
        ("recipient", "陈晨"),
        ("recipientMobile", "13800138000"),
        ("address", "浙江省杭州市西湖区文三路1号"),
    ] {
        app.type_into(&format!("#apply_{field}"), value).await?;
    }
    app.wait_for("#apply-submit").await?.click().await?;
    Ok(())
}

#[tokio::test]
#[ignore = "drives the real app: needs a display, tauri-driver and WebKitWebDriver (`cargo xtask test`)"]
async fn an_application_submitted_in_the_app_is_listed_and_survives_a_restart_without_the_platform() -> Result<()> {
    let data = tempfile::tempdir()?;

    // First run: the embedded platform with demo data.
    let app = App::launch(Launch { data_dir: data.path(), platform_url: None }).await?;
    let outcome = async {
        app.wait_for_text("#orders", "暂无申领记录").await?;
        fill_and_submit(&app).await?;
        app.wait_for_text("#orders", "待认证").await?;
        app.screenshot(&artifacts_dir().join("apply-submitted.png")).await?;
        app.order_rows().await
    }
    .await;
    if outcome.is_err() {
        let _ = app.screenshot(&artifacts_dir().join("apply-failed.png")).await;
    }
    let rows = outcome?;
    assert_eq!(rows.len(), 1, "one order listed: {rows:?}");
    let row = &rows[0];
    for expected in ["浙江汇信CA", "晨安入驻供应商", "陈晨", "待认证"] {
        assert!(row.contains(expected), "row {row:?} shows {expected}");
    }
    let order_no: String = row
        .split_whitespace()
        .find(|w| w.len() == 15 && w.bytes().all(|b| b.is_ascii_digit()))
        .expect("a 15-digit order number")
        .into();
    app.quit().await?;

    // Second run: the platform cannot be reached (nothing listens on port 9); the list is local.
    let app = App::launch(Launch { data_dir: data.path(), platform_url: Some("http://127.0.0.1:9") }).await?;
    let outcome = async {
        app.wait_for_text("#orders", &order_no).await?;
        app.wait_for("#offline-banner").await?;
        app.screenshot(&artifacts_dir().join("apply-offline.png")).await?;
        app.order_rows().await
    }
    .await;
    if outcome.is_err() {
        let _ = app.screenshot(&artifacts_dir().join("offline-failed.png")).await;
    }
    let rows = outcome?;
    assert_eq!(rows.len(), 1);
    assert!(rows[0].contains(&order_no) && rows[0].contains("待认证"), "{rows:?}");
    app.quit().await?;
    Ok(())
}
