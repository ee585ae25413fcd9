//! CA在线申领 in the real app on the embedded platform: the wizard (填写申领信息 → 核对信息 →
//! 身份认证), 邮寄纸质资料 and 撤销; and a draft typed halfway surviving the app being killed.

use crate::support::{App, Launch, downloads_dir, screenshots_dir, step};
use anyhow::Result;

/// Opens CA在线申领 and fills every field for `organisation` (浙江汇信CA, mailed).
pub async fn fill_application(app: &App, organisation: &str, credit_code: &str) -> Result<()> {
    app.click_css("#apply-online").await?;
    // Wait until the providers arrived and the total shows, so the form is complete.
    app.wait_for_text("#apply-total", "¥300.00").await?;
    for (field, value) in [
        ("organisationName", organisation),
        ("creditCode", credit_code),
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
    Ok(())
}

/// 下一步 → 核对信息 → 提交, ending on the wizard's 身份认证 step.
pub async fn review_and_submit(app: &App, screenshots: bool) -> Result<()> {
    app.click_css("#apply-next").await?;
    app.wait_for_text("#apply-review", "330102198001010018").await?;
    if screenshots {
        app.screenshot(&screenshots_dir().join("02-review.png")).await?;
    }
    app.click_css("#apply-submit").await?;
    app.wait_for_text(".apply-wizard", "申领已提交").await?;
    Ok(())
}

/// Waits until the list shows `expected` as the 状态 of `order_no`, refreshing as a user would.
pub async fn wait_for_status(app: &App, order_no: &str, expected: &str) -> Result<()> {
    for _ in 0..60 {
        app.click_css("#refresh-orders").await?;
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        if app.order_rows().await?.iter().any(|r| r[1] == order_no && r[5] == expected) {
            return Ok(());
        }
    }
    anyhow::bail!("order {order_no} never showed {expected}")
}

/// 编辑 a rejected order: the 不通过理由 `reason` shown, the kept ID number masked, the mobile
/// corrected to 13900139000 (marked 已修改), then 重新提交; ends when the list says `resubmitted`.
pub async fn correct_mobile_and_resubmit(
    app: &App,
    order_no: &str,
    reason: &str,
    resubmitted: &str,
    screenshots: bool,
) -> Result<()> {
    app.click_text("#orders", "编辑").await?;
    app.wait_for_text("#rejection-reason", reason).await?;
    for _ in 0..40 {
        if app.value_of("#apply_idNumber").await? == "330***********0018" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    app.replace_value("#apply_mobile", "13900139000").await?;
    app.wait_for_text(".apply-wizard", "已修改").await?;
    if screenshots {
        app.screenshot(&screenshots_dir().join("07-edit-rejected.png")).await?;
    }
    app.click_css("#apply-next").await?;
    app.wait_for_text("#apply-review", "13900139000").await?;
    app.click_css("#apply-submit").await?;
    app.wait_for_text(".apply-wizard", "已重新提交").await?;
    app.click_css("#wizard-done").await?;
    wait_for_status(app, order_no, resubmitted).await
}

#[tokio::test]
#[ignore = "drives the real app: needs a display, tauri-driver and WebKitWebDriver (`cargo xtask test`)"]
async fn a_zero_fee_application_goes_through_the_wizard_to_paper_documents_and_is_cancelled_in_review() -> Result<()> {
    let data = tempfile::tempdir()?;
    step("launch with the embedded platform");
    let app = App::launch(Launch { data_dir: data.path(), platform_url: None }).await?;
    let outcome = app
        .stretch(150, "apply-failed.png", async {
            app.wait_for_text("#orders", "暂无申领记录").await?;
            step("关于: the version, the commit built from, NOTICE");
            app.click_css("#about-open").await?;
            app.wait_for_text("#about-notice", "SeetaFace").await?;
            app.wait_for_text("#about-version", env!("CARGO_PKG_VERSION")).await?;
            let commit = app.wait_for("#about-commit").await?.text().await?;
            let head = std::process::Command::new("git").args(["rev-parse", "--short=12", "HEAD"]).output()?;
            if head.status.success() && std::env::var_os("CERTDESK_COMMIT").is_none() {
                assert_eq!(commit, String::from_utf8_lossy(&head.stdout).trim(), "关于 names the commit built from");
            }
            app.screenshot(&screenshots_dir().join("42-about.png")).await?;
            app.click_css("#about-close").await?;
            step("fill CA在线申领, review, submit");
            fill_application(&app, "晨安入驻供应商", "91330106MA27XY812F").await?;
            // The zero-fee provider: no payment step, straight to review once the documents are chosen.
            app.mouse_down_css("#apply_providerId").await?;
            app.click_css(".ant-select-item-option[title^='演示CA（免缴费）']").await?;
            app.wait_for_text("#apply-total", "¥0.00").await?;
            app.wait_for_text("#draft-status", "草稿已自动保存").await?;
            app.screenshot(&screenshots_dir().join("01-apply-form.png")).await?;
            review_and_submit(&app, true).await?;
            app.screenshot(&screenshots_dir().join("03-submitted.png")).await?;
            step("邮寄纸质资料 from the wizard's last step");
            app.click_css("#wizard-paper").await?;
            app.wait_for_text("#paper-address", "杭州市西湖区转塘街道鲤鱼山街鹏辉科技园1号楼政采云有限公司").await?;
            app.screenshot(&screenshots_dir().join("04-paper-documents.png")).await?;
            step("下载封面: the cover sheet saved as a PDF in Downloads");
            app.click_css("#paper-cover-sheet").await?;
            app.wait_for_text("#paper-cover-saved", "CA证书申领封面-").await?;
            let saved: Vec<_> = std::fs::read_dir(downloads_dir(data.path()))?.flatten().map(|e| e.path()).collect();
            if saved.len() != 1 || !std::fs::read(&saved[0])?.starts_with(b"%PDF-") {
                anyhow::bail!("no cover sheet PDF in Downloads: {saved:?}");
            }
            app.click_css("#paper-confirm").await?;
            app.wait_for_text("#orders", "待审核 (待收材料)").await?;
            app.order_rows().await
        })
        .await;
    let rows = outcome?;
    assert_eq!(rows.len(), 1, "one order listed: {rows:?}");
    // CA服务商, 订单编号, 机构名称, 申领人, 申领时间, 状态, 操作
    let row = &rows[0];
    assert_eq!(row[0], "演示CA（免缴费）");
    assert!(row[1].len() == 15 && row[1].bytes().all(|b| b.is_ascii_digit()), "{row:?}");
    assert_eq!(&row[2..4], ["晨安入驻供应商", "陈晨"]);
    // The submitted application's draft is gone.
    assert!(app.client.find(fantoccini::Locator::Css("#drafts")).await.is_err(), "no 草稿箱 after submitting");

    step("查看, then 撤销 while 待审核");
    let outcome = app
        .stretch(120, "steps-failed.png", async {
            app.click_text("#orders", "查看").await?;
            app.wait_for_text(".order-detail", "办理记录").await?;
            app.screenshot(&screenshots_dir().join("05-detail.png")).await?;
            app.click_css(".order-detail .ant-drawer-close").await?;
            app.click_text("#orders", "撤销").await?;
            app.click_css(".ant-popconfirm .ant-btn-primary").await?;
            app.wait_for_text("#orders", "已撤销").await?;
            app.order_rows().await
        })
        .await;
    assert_eq!(outcome?[0][5], "已撤销");
    app.quit().await?;
    Ok(())
}

#[tokio::test]
#[ignore = "drives the real app: needs a display, tauri-driver and WebKitWebDriver (`cargo xtask test`)"]
async fn a_draft_typed_halfway_survives_the_app_being_killed() -> Result<()> {
    let data = tempfile::tempdir()?;
    step("type half an application");
    let app = App::launch(Launch { data_dir: data.path(), platform_url: None }).await?;
    let outcome = app
        .stretch(120, "draft-failed.png", async {
            app.wait_for_text("#orders", "暂无申领记录").await?;
            app.click_css("#apply-online").await?;
            app.wait_for_text("#apply-total", "¥300.00").await?;
            app.type_into("#apply_organisationName", "半途供应商").await?;
            app.type_into("#apply_mobile", "13912345678").await?;
            app.wait_for_text("#draft-status", "草稿已自动保存").await
        })
        .await;
    outcome?;
    step("kill the app");
    app.kill();

    step("start again: the draft is in 草稿箱 and continues as typed");
    let app = App::launch(Launch { data_dir: data.path(), platform_url: None }).await?;
    let outcome = app
        .stretch(120, "draft-restore-failed.png", async {
            app.wait_for_text("#drafts", "半途供应商").await?;
            app.screenshot(&screenshots_dir().join("06-drafts.png")).await?;
            app.click_text("#drafts", "继续填写").await?;
            app.wait_for("#apply_mobile").await?;
            let mut mobile = String::new();
            for _ in 0..40 {
                mobile = app.value_of("#apply_mobile").await?;
                if !mobile.is_empty() {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            }
            Ok((app.value_of("#apply_organisationName").await?, mobile))
        })
        .await;
    assert_eq!(outcome?, ("半途供应商".to_owned(), "13912345678".to_owned()));
    app.quit().await?;
    Ok(())
}
