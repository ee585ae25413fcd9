//! `cargo xtask bench camera`: the per-frame work at 640×480 (criterion), as a share of 33 ms, and the
//! checks' verdicts on the labelled frames against their labels and against the verdicts before.

use super::{criterion_mean_nanos, last_run, write_section};
use crate::deps;
use crate::exec::{Step, root};
use anyhow::{Context, Result, bail};
use std::process::Command;

/// The goals of issue 18: a frame's checks within 30% of the 33 ms between frames, and the preview
/// in the window at 25 frames a second or more while they run.
const GOAL_MS: f64 = 10.0;
const PREVIEW_GOAL_FPS: f64 = 25.0;

/// `cargo xtask bench camera`: criterion over the per-frame work, then the verdicts.
pub fn camera() -> Result<()> {
    Step::new("benchmark the per-frame work (criterion, release)")
        .run(Command::new("cargo").current_dir(root()).args(["bench", "-p", "certdesk-camera", "--bench", "frame"]))?;
    let verdicts = Command::new("cargo")
        .current_dir(root())
        .args(["run", "-q", "--release", "-p", "certdesk-camera", "--example", "verdicts"])
        .output()
        .context("running the verdicts example")?;
    if !verdicts.status.success() {
        bail!("the verdicts example failed: {}", String::from_utf8_lossy(&verdicts.stderr));
    }
    let now: Vec<Vec<String>> =
        String::from_utf8(verdicts.stdout)?.lines().map(|l| l.split('\t').map(str::to_owned).collect()).collect();
    let before_path = root().join("crates/camera/benches/verdicts-before.tsv");
    let before: Vec<Vec<String>> = std::fs::read_to_string(&before_path)
        .with_context(|| format!("reading {}", before_path.display()))?
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect();

    let frame_ms = 1000.0 / 30.0;
    let rows = [
        (
            "checks_one_face",
            "checks of a frame with one face in the oval (to grey, detection at 240×180, light, contrast, sharpness)",
            1.0,
        ),
        ("checks_no_face", "checks of a frame with no face", 1.0),
        ("checks_labelled_set", "checks of a labelled frame, the mean over the set below", now.len() as f64),
        ("preview_jpeg", "preview JPEG (quality 70)", 1.0),
        ("photo_jpeg", "photo JPEG (quality 92)", 1.0),
        ("decode_mjpeg", "decode an MJPEG frame", 1.0),
        ("decode_yuyv", "decode a YUYV frame", 1.0),
    ];
    let mut body = String::from(
        "## Camera\n\nWritten by `cargo xtask bench camera` (criterion, release build, one thread): the work done\n\
         on every 640×480 frame, as a share of the 33 ms between frames at 30 fps. A frame costs decode +\n\
         checks + preview JPEG; the photo JPEG is paid once per attempt.\n\n",
    );
    body.push_str(&format!("{}\n\n| what | mean | share of 33 ms |\n| --- | ---: | ---: |\n", last_run()?));
    let mut one_face = 0.0;
    for (id, what, per) in rows {
        let millis = criterion_mean_nanos(id)? / 1e6 / per;
        if id == "checks_one_face" {
            one_face = millis;
        }
        body.push_str(&format!("| {what} | {millis:.2} ms | {:.0}% |\n", millis / frame_ms * 100.0));
    }
    let met = if one_face <= GOAL_MS { "**met**" } else { "**not met**" };
    body.push_str(&format!(
        "\nThe goal: the checks of a frame with one face in the oval ≤ {GOAL_MS:.0} ms on one core (30% of 33 ms) — \
         {met} ({one_face:.2} ms; 24.77 ms at commit 6686188). Where the time went and what took it away: \
         rustface's default `rayon` feature split each window's small sums across threads, so most of a frame \
         was spent handing work between two cores (off: 24.8 → 9.4 ms); the two resizes (the frame to 240×180 \
         for detection, the face to 128 px for sharpness) were half of what remained, and run in SIMD with \
         `fast_image_resize`'s same triangle filter (→ 7.2 ms); light and contrast sum whole rows as integers. \
         The resized pixels differ slightly, so a face within a pixel of a threshold may read the other way: \
         the demo's approach frame 11 (117 px against 117.8 for 请靠近一些) now does.\n",
    ));

    // Each frame as (kind, variant, label, before, after), the earlier verdict matched by kind and variant.
    let table: Vec<[&str; 5]> = now
        .iter()
        .map(|row| {
            let cell = |c: usize| row.get(c).map_or("?", String::as_str);
            let was = before.iter().find(|b| b.first() == row.first() && b.get(1) == row.get(1));
            let was = was.and_then(|b| b.get(2)).map_or("—", String::as_str);
            [cell(0), cell(1), cell(2), was, cell(3)]
        })
        .collect();
    let labels_met_before = table.iter().filter(|[_, _, label, was, _]| label == was).count();
    let labels_met_now = table.iter().filter(|[_, _, label, _, now]| label == now).count();
    let same = table.iter().filter(|[_, _, _, was, now]| was == now).count();
    body.push_str(&format!(
        "\n### The checks' verdicts on the labelled frames\n\n`certdesk_camera::labelled`: {} frames of 640×480 \
         made from the two public-domain fixtures, each labelled with the guidance a person would give; \
         before = the code of commit f2719d7 (`crates/camera/benches/verdicts-before.tsv`), after = this run. \
         Labels met: {labels_met_before} of {} before, {labels_met_now} of {} after; the same verdict before and \
         after: {same} of {}. (`crates/camera/tests/labelled.rs` fails on any label missed.)\n\n\
         | kind | frame | label | before | after |\n| --- | --- | --- | --- | --- |\n",
        now.len(),
        now.len(),
        now.len(),
        now.len(),
    ));
    for [kind, variant, label, was, after] in &table {
        body.push_str(&format!("| {kind} | {variant} | {label} | {was} | {after} |\n"));
    }
    body.push_str(&preview_section()?);
    write_section(&root().join("docs/benchmarks.md"), "camera", &body)
}

/// The preview's frame rate in the real app (`bench/preview.rs`, release, under tauri-driver), as a
/// subsection of the report; said to be skipped where no WebDriver runs.
fn preview_section() -> Result<String> {
    let mut text = String::from(
        "\n### The preview in the window\n\n`bench/preview.rs`: the real app (release build) under tauri-driver \
         and Xvfb, the demo camera at 30 fps, 人脸认证's 检测环境 (every frame checked, nothing taken), the face in \
         the oval; the page counts the frames it receives and draws on the preview's canvas, read twice over \
         WebDriver.\n\n",
    );
    if !deps::ensure_system_packages(deps::Purpose::Test)? {
        text.push_str(&format!("Not measured in this run: {}.\n", deps::e2e_unsupported_reason()));
        return Ok(text);
    }
    deps::ensure_ui_packages()?;
    deps::ensure_tauri_driver()?;
    crate::build_ui()?;
    let display = deps::virtual_display()?;
    let scratch = std::env::temp_dir().join(format!("certdesk-bench-preview-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    let out = scratch.join("preview.json");
    let mut command = Command::new("cargo");
    command
        .current_dir(root())
        .args(["bench", "-p", "certdesk", "--bench", "preview"])
        .env("CERTDESK_BENCH_OUT", &out)
        // As the end-to-end tests run: a fresh webview store, the shared-memory renderer Xvfb draws.
        .env("XDG_DATA_HOME", scratch.join("webview"))
        .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
        .env("LIBGL_ALWAYS_SOFTWARE", "1");
    if let Some(display) = &display {
        command.env("DISPLAY", display.name());
    }
    let ran = Step::new("the preview's frame rate in the real app (release, tauri-driver)").run(&mut command);
    let figures = ran.and_then(|()| Ok(std::fs::read_to_string(&out)?));
    let _ = std::fs::remove_dir_all(&scratch);
    let figures: serde_json::Value = serde_json::from_str(&figures?)?;
    let rate = |key: &str| figures[key].as_f64().with_context(|| format!("{key} in {figures}"));
    let (received, drawn, seconds) = (rate("received_fps")?, rate("drawn_fps")?, rate("seconds")?);
    let met = if drawn >= PREVIEW_GOAL_FPS { "**met**" } else { "**not met**" };
    text.push_str(&format!(
        "| what | frames a second |\n| --- | ---: |\n| received by the window | {received:.1} |\n\
         | drawn on the canvas | {drawn:.1} |\n\nOver {seconds:.1} s. The goal: ≥ {PREVIEW_GOAL_FPS:.0} fps in the \
         window with the checks running — {met} ({drawn:.1} drawn). Before (commit b85ce80): 15.0 fps received \
         and drawn, because the app sent a preview frame at most every 50 ms, so every other frame of a \
         30 fps camera; since then at most every 20 ms (`PREVIEW_INTERVAL`, crates/desk/src/face.rs), and the \
         window drops a frame that arrives while it still decodes the last.\n",
    ));
    Ok(text)
}
