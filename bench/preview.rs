//! The face preview's frame rate as the window receives and draws it: the real app (this release
//! build) under tauri-driver, the demo camera at 30 fps, 人脸认证's 检测环境 with every frame checked.
//! The page counts the frames it received and drew on the canvas (`data-frames-received`,
//! `data-frames-drawn`); this reads both twice, `MEASURED` apart, and prints the rates as one JSON
//! line (and writes it to `CERTDESK_BENCH_OUT` when set). `cargo xtask bench camera` runs it with the
//! display and tauri-driver it sets up; it asserts nothing about speed.

#[allow(dead_code, unused_imports)]
#[path = "../tests/e2e/support.rs"]
mod support;

// The end-to-end steps it reuses; the rest of those files is not used here.
#[allow(dead_code, unused_imports)]
#[path = "../tests/e2e/apply.rs"]
mod apply;

use anyhow::{Context, Result, bail};
use std::time::Duration;
use support::{App, Launch, within};

/// After the rehearsal guides the face into the oval, the preview settles for this long first.
const SETTLE: Duration = Duration::from_secs(3);
/// The stretch the rates are measured over.
const MEASURED: Duration = Duration::from_secs(10);

/// The canvas's counters and the page's clock (ms).
async fn counters(app: &App) -> Result<(f64, f64, f64)> {
    let value = app
        .client
        .execute(
            "const c = document.querySelector('#face-camera canvas');
             return [Number(c.dataset.framesReceived || 0), Number(c.dataset.framesDrawn || 0), performance.now()];",
            vec![],
        )
        .await?;
    let number = |i: usize| value[i].as_f64().with_context(|| format!("the page's counters: {value}"));
    Ok((number(0)?, number(1)?, number(2)?))
}

#[tokio::main]
async fn main() -> Result<()> {
    let data = tempfile::tempdir()?;
    let app = App::launch(Launch { data_dir: data.path(), platform_url: None }).await?;
    let figures = within(180, async {
        app.wait_for_text("#orders", "暂无申领记录").await?;
        apply::fill_application(&app, "晨安入驻供应商", "91330106MA27XY812F").await?;
        apply::review_and_submit(&app, false).await?;
        app.click_css("#wizard-face").await?;
        app.wait_for("#face-consent").await?;
        app.click_css("#face-agree").await?;
        app.click_css("#face-consent-continue").await?;
        app.wait_for("#face-rehearsing").await?;
        app.wait_for_text("#face-guidance", "检测通过，请保持不动").await?;
        tokio::time::sleep(SETTLE).await;
        let (received0, drawn0, at0) = counters(&app).await?;
        tokio::time::sleep(MEASURED).await;
        let (received1, drawn1, at1) = counters(&app).await?;
        let seconds = (at1 - at0) / 1e3;
        if seconds <= 0.0 || received1 <= received0 {
            bail!("no preview frames arrived while measuring ({received0} → {received1})");
        }
        Ok(serde_json::json!({
            "seconds": seconds,
            "received_fps": (received1 - received0) / seconds,
            "drawn_fps": (drawn1 - drawn0) / seconds,
        }))
    })
    .await;
    let _ = app.quit().await;
    let figures = figures?.to_string();
    println!("{figures}");
    if let Some(out) = std::env::var_os("CERTDESK_BENCH_OUT") {
        std::fs::write(out, &figures)?;
    }
    Ok(())
}
