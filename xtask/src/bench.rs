//! `cargo xtask bench platform`: load on the standalone platform (release build) with Debian's `wrk`,
//! next to a bare axum JSON handler in the same run; req/s, p50 and p99 into docs/benchmarks.md.
//! Figures, not assertions: nothing here passes or fails on speed.

use crate::deps;
use crate::exec::{Step, root};
use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn wait_listening(port: u16) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            bail!("nothing listens on port {port}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

fn curl_json(args: &[&str]) -> Result<serde_json::Value> {
    let out = Command::new("curl").args(["-sS", "--fail-with-body"]).args(args).output().context("running curl")?;
    if !out.status.success() {
        bail!("curl {args:?}: {}", String::from_utf8_lossy(&out.stdout));
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

/// One wrk run's figures.
struct Figures {
    requests_per_second: f64,
    p50: String,
    p99: String,
}

fn wrk(url: &str, extra: &[&str]) -> Result<Figures> {
    let out = Command::new("wrk")
        .args(["-t2", "-c32", "-d10s", "--latency"])
        .args(extra)
        .arg(url)
        .output()
        .context("running wrk")?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.split_whitespace().nth(1))
            .map(str::to_owned)
    };
    let errors = text.lines().find(|l| l.contains("Non-2xx") || l.contains("Socket errors"));
    if let Some(errors) = errors {
        bail!("wrk saw failures against {url}: {errors}\n{text}");
    }
    Ok(Figures {
        requests_per_second: field("Requests/sec:").and_then(|v| v.parse().ok()).context("no Requests/sec")?,
        p50: field("50%").context("no p50")?,
        p99: field("99%").context("no p99")?,
    })
}

pub fn platform() -> Result<()> {
    deps::ensure_debian_packages(&["wrk", "curl"])?;
    Step::new("build the platform and the baseline (release)").run(Command::new("cargo").current_dir(root()).args(
        ["build", "--release", "-p", "certdesk-platform", "--bin", "certdesk-platform", "--example", "bare_json"],
    ))?;
    let release = root().join("target/release");
    let data = std::env::temp_dir().join(format!("certdesk-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);

    let port = free_port()?;
    let platform = Server(
        Command::new(release.join("certdesk-platform"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
            .arg(&data)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .context("starting the platform")?,
    );
    let bare_port = free_port()?;
    let mut bare_child = Command::new(release.join("examples/bare_json"))
        .arg(format!("127.0.0.1:{bare_port}"))
        .stdout(Stdio::piped())
        .spawn()
        .context("starting the baseline")?;
    if let Some(stdout) = bare_child.stdout.take() {
        let _ = BufReader::new(stdout).lines().next();
    }
    let bare = Server(bare_child);
    wait_listening(port)?;
    wait_listening(bare_port)?;
    let base = format!("http://127.0.0.1:{port}");

    let session = curl_json(&[
        "-X",
        "POST",
        &format!("{base}/v1/accounts"),
        "-H",
        "content-type: application/json",
        "-d",
        r#"{"organisationName":"压测供应商","creditCode":"91350100M000100Y43","username":"bench","password":"a-long-password"}"#,
    ])?;
    let token = session["token"].as_str().context("no token")?.to_owned();
    let auth = format!("Authorization: Bearer {token}");
    let order_body = r#"{"providerId":"zjhx","quantity":1,"organisationName":"压测供应商","creditCode":"91350100M000100Y43","applicantName":"陈晨","idNumber":"330102198001010018","mobile":"13800138000","email":"invoice@example.com","delivery":"counter","recipient":"","recipientMobile":"","address":""}"#;
    let order = curl_json(&[
        "-X",
        "POST",
        &format!("{base}/v1/orders"),
        "-H",
        "content-type: application/json",
        "-H",
        &auth,
        "-d",
        order_body,
    ])?;
    let order_no = order["orderNo"].as_str().context("no order number")?.to_owned();
    let script = data.join("submit.lua");
    std::fs::write(
        &script,
        format!(
            "wrk.method = \"POST\"\nwrk.body = [[{order_body}]]\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.headers[\"Authorization\"] = \"Bearer {token}\"\n"
        ),
    )?;

    // Submits first, so that the reads below run over the tens of thousands of orders they stored.
    let baseline = wrk(&format!("http://127.0.0.1:{bare_port}/json"), &[])?;
    let submit = wrk(&format!("{base}/v1/orders"), &["-s", script.to_str().context("path")?])?;
    let stored = curl_json(&["-H", &auth, &format!("{base}/v1/orders?pageSize=1")])?["total"].as_u64().unwrap_or(0);
    let runs: Vec<(String, Figures)> = vec![
        ("bare axum JSON handler (baseline)".into(), baseline),
        ("POST /v1/orders (submit)".into(), submit),
        ("GET /v1/orders/{no}".into(), wrk(&format!("{base}/v1/orders/{order_no}"), &["-H", &auth])?),
        (
            format!("GET /v1/orders (first page of 10, {stored} orders stored)"),
            wrk(&format!("{base}/v1/orders"), &["-H", &auth])?,
        ),
    ];
    drop(platform);
    drop(bare);
    let _ = std::fs::remove_dir_all(&data);
    write_report(&root().join("docs/benchmarks.md"), &runs)
}

fn write_report(path: &Path, runs: &[(String, Figures)]) -> Result<()> {
    let mut text = String::from(
        "## Platform\n\nWritten by `cargo xtask bench platform`, which starts the standalone platform (release build,\n\
         SQLite in a temporary folder) and a bare axum JSON handler side by side and loads each with\n\
         `wrk -t2 -c32 -d10s` on loopback. The load generator shares the machine's cores with the server,\n\
         so compare rows of one run, not runs on different machines.\n\n",
    );
    text.push_str(&format!("{}\n\n| what | req/s | p50 | p99 |\n| --- | ---: | ---: | ---: |\n", last_run()?));
    for (what, figures) in runs {
        text.push_str(&format!(
            "| {what} | {:.0} | {} | {} |\n",
            figures.requests_per_second, figures.p50, figures.p99
        ));
    }
    write_section(path, "platform", &text)
}

fn last_run() -> Result<String> {
    let rev = Command::new("git").current_dir(root()).args(["rev-parse", "--short", "HEAD"]).output()?;
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let status =
        Command::new("git").current_dir(root()).args(["status", "--porcelain", "--untracked-files=no"]).output()?;
    let dirty = if status.stdout.is_empty() { "" } else { " with uncommitted changes" };
    Ok(format!("Last run: commit {}{dirty}, {cores} cores.", String::from_utf8_lossy(&rev.stdout).trim()))
}

/// Replaces one benchmark's section of docs/benchmarks.md (between its markers), keeping the others.
fn write_section(path: &Path, name: &str, body: &str) -> Result<()> {
    let (start, end) = (format!("<!-- bench:{name} -->"), format!("<!-- /bench:{name} -->"));
    let header = "# Benchmarks\n\nFigures, not assertions: each section is written by its `cargo xtask bench` task; nothing\n\
                  passes or fails on speed.\n";
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let old = if old.contains("<!-- bench:") { old } else { header.to_owned() };
    let section = format!("{start}\n{body}{end}");
    let new = match (old.find(&start), old.find(&end)) {
        (Some(a), Some(b)) if a < b => format!("{}{section}{}", &old[..a], &old[b + end.len()..]),
        _ => format!("{}\n{section}\n", old.trim_end()),
    };
    std::fs::write(path, &new)?;
    println!("\n{body}");
    Ok(())
}

/// The mean time of criterion benchmark `id` in its last run, in nanoseconds.
fn criterion_mean_nanos(id: &str) -> Result<f64> {
    let estimates = root().join(format!("target/criterion/{id}/new/estimates.json"));
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&estimates).with_context(|| format!("reading {}", estimates.display()))?,
    )?;
    json["mean"]["point_estimate"].as_f64().context("no mean in the estimates")
}

/// `cargo xtask bench camera`: criterion over the per-frame work at 640×480, as a share of 33 ms.
pub fn camera() -> Result<()> {
    Step::new("benchmark the per-frame work (criterion, release)")
        .run(Command::new("cargo").current_dir(root()).args(["bench", "-p", "certdesk-camera", "--bench", "frame"]))?;
    let rows = [
        (
            "checks_one_face",
            "checks of a frame with one face in the oval (detection at 240×180, light, contrast, sharpness)",
        ),
        ("checks_no_face", "checks of a frame with no face"),
        ("preview_jpeg", "preview JPEG (quality 70)"),
        ("photo_jpeg", "photo JPEG (quality 92)"),
        ("decode_mjpeg", "decode an MJPEG frame"),
        ("decode_yuyv", "decode a YUYV frame"),
    ];
    let mut body = String::from(
        "## Camera\n\nWritten by `cargo xtask bench camera` (criterion, release build): the work done on every\n\
         640×480 frame, as a share of the 33 ms between frames at 30 fps. A frame costs decode + checks +\n\
         preview JPEG; the photo JPEG is paid once per attempt.\n\n",
    );
    body.push_str(&format!("{}\n\n| what | mean | share of 33 ms |\n| --- | ---: | ---: |\n", last_run()?));
    for (id, what) in rows {
        let millis = criterion_mean_nanos(id)? / 1e6;
        body.push_str(&format!("| {what} | {millis:.2} ms | {:.0}% |\n", millis / (1000.0 / 30.0) * 100.0));
    }
    write_section(&root().join("docs/benchmarks.md"), "camera", &body)
}

pub fn pay() -> Result<()> {
    Step::new("benchmark the payment signatures (criterion, release)")
        .run(Command::new("cargo").current_dir(root()).args(["bench", "-p", "certdesk-pay", "--bench", "protocol"]))?;
    let rows = [
        ("alipay_sign_page_pay", "支付宝: sign a page pay request (RSA2, ring)"),
        ("alipay_verify_notification", "支付宝: verify a notification (RSA2, rsa)"),
        ("wechat_sign_request", "微信支付: sign a request (SHA256withRSA, ring)"),
        ("wechat_open_callback", "微信支付: verify and decrypt a callback (rsa, AES-256-GCM)"),
    ];
    let mut body = String::from(
        "## Payment signatures\n\nWritten by `cargo xtask bench pay` (criterion, release build): the cryptography of one\n\
         payment, with 2048-bit keys (the size Alipay and WeChat Pay issue). Opening a payment signs once; a\n\
         notification is verified once per delivery, so one core checks the figure in the last column\n\
         each second.\n\n",
    );
    body.push_str(&format!("{}\n\n| what | mean | per second, one core |\n| --- | ---: | ---: |\n", last_run()?));
    for (id, what) in rows {
        let nanos = criterion_mean_nanos(id)?;
        body.push_str(&format!("| {what} | {:.2} ms | {:.0} |\n", nanos / 1e6, 1e9 / nanos));
    }
    write_section(&root().join("docs/benchmarks.md"), "pay", &body)
}
