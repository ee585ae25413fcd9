//! CA在线申领 in the real app: submit an application, see it listed, choose 邮寄纸质资料, 撤销 it;
//! restart with the platform unreachable: still listed as the platform last reported it.

use crate::support::{App, Launch, artifacts_dir, step, within};
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
    app.wait_gone("#apply-submit").await?;
    Ok(())
}

#[tokio::test]
#[ignore = "drives the real app: needs a display, tauri-driver and WebKitWebDriver (`cargo xtask test`)"]
async fn an_application_submitted_in_the_app_is_listed_and_survives_a_restart_without_the_platform() -> Result<()> {
    let data = tempfile::tempdir()?;

    // First run: the embedded platform with demo data.
    step("launch with the embedded platform");
    let app = App::launch(Launch { data_dir: data.path(), platform_url: None }).await?;
    let outcome = within(120, async {
        app.wait_for_text("#orders", "暂无申领记录").await?;
        step("fill and submit CA在线申领");
        fill_and_submit(&app).await?;
        app.wait_for_text("#orders", "待认证").await?;
        app.screenshot(&artifacts_dir().join("apply-submitted.png")).await?;
        app.order_rows().await
    })
    .await;
    if outcome.is_err() {
        let _ = app.screenshot(&artifacts_dir().join("apply-failed.png")).await;
    }
    let rows = outcome?;
    assert_eq!(rows.len(), 1, "one order listed: {rows:?}");
    // CA服务商, 订单编号, 机构名称, 申领人, 申领时间, 状态, 操作
    let row = &rows[0];
    assert_eq!(row[0], "浙江汇信CA");
    let order_no = row[1].clone();
    assert!(order_no.len() == 15 && order_no.bytes().all(|b| b.is_ascii_digit()), "{row:?}");
    assert_eq!(&row[2..4], ["晨安入驻供应商", "陈晨"]);
    assert_eq!(row[5], "待认证");

    step("邮寄纸质资料, then 撤销");
    let outcome = within(120, async {
        app.click_text("#orders", "邮寄纸质资料").await?;
        app.wait_for_text("#paper-address", "杭州市西湖区转塘街道鲤鱼山街鹏辉科技园1号楼政采云有限公司").await?;
        app.click_css("#paper-confirm").await?;
        app.wait_for_text("#orders", "待支付 (待收材料)").await?;
        app.click_text("#orders", "撤销").await?;
        app.click_css(".ant-popconfirm .ant-btn-primary").await?;
        app.wait_for_text("#orders", "已撤销").await?;
        app.order_rows().await
    })
    .await;
    if outcome.is_err() {
        let _ = app.screenshot(&artifacts_dir().join("steps-failed.png")).await;
    }
    let rows = outcome?;
    assert_eq!(rows[0][5], "已撤销", "{rows:?}");
    step("quit");
    app.quit().await?;

    // Second run: the platform cannot be reached (nothing listens on port 9); the list is local.
    step("launch with the platform unreachable");
    let app = App::launch(Launch { data_dir: data.path(), platform_url: Some("http://127.0.0.1:9") }).await?;
    let outcome = within(120, async {
        app.wait_for_text("#orders", &order_no).await?;
        app.wait_for("#offline-banner").await?;
        app.screenshot(&artifacts_dir().join("apply-offline.png")).await?;
        app.order_rows().await
    })
    .await;
    if outcome.is_err() {
        let _ = app.screenshot(&artifacts_dir().join("offline-failed.png")).await;
    }
    let rows = outcome?;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!((rows[0][1].as_str(), rows[0][5].as_str()), (order_no.as_str(), "已撤销"));
    app.quit().await?;
    Ok(())
}
