//! `cargo xtask bench platform`: load on the standalone platform (release build) with Debian's `wrk`,
//! on SQLite and on PostgreSQL, next to a bare axum JSON handler and raw inserts in the same run;
//! req/s, ratios, p50 and p99 into docs/benchmarks.md.
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
        .args(["-t2", "-c100", "-d10s", "--latency"])
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

/// One backend's figures.
struct BackendRun {
    name: &'static str,
    raw_inserts_per_second: f64,
    rows: Vec<(String, Figures)>,
}

/// `cargo xtask bench platform`: the bare axum handler, then the platform on SQLite and on
/// PostgreSQL, each over the same seeded data, all loaded by wrk with 100 connections.
pub fn platform() -> Result<()> {
    deps::ensure_debian_packages(&["wrk", "curl", "postgresql"])?;
    Step::new("build the platform, the seeder and the baseline (release)").run(
        Command::new("cargo").current_dir(root()).args([
            "build",
            "--release",
            "-p",
            "certdesk-platform",
            "--bin",
            "certdesk-platform",
            "--example",
            "bare_json",
            "--example",
            "bench_seed",
        ]),
    )?;
    let release = root().join("target/release");
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
    wait_listening(bare_port)?;
    let baseline = wrk(&format!("http://127.0.0.1:{bare_port}/json"), &[])?;
    drop(bare);

    let sqlite = backend(&release, "SQLite", None)?;
    let server = certdesk_testpg::Server::start(certdesk_testpg::Durability::Full).map_err(anyhow::Error::msg)?;
    let postgres = backend(&release, "PostgreSQL", Some(server.database()))?;
    drop(server);
    write_report(&root().join("docs/benchmarks.md"), &baseline, &[sqlite, postgres])
}

/// Seeds a fresh database, starts the platform on it and loads each request.
fn backend(release: &Path, name: &'static str, database_url: Option<String>) -> Result<BackendRun> {
    let data = std::env::temp_dir().join(format!("certdesk-bench-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let mut seed = Command::new(release.join("examples/bench_seed"));
    seed.arg(&data).args(database_url.as_deref());
    let out = Step::new(format!("seed 100,000 orders ({name})")).output(&mut seed)?;
    let seeded: serde_json::Value = serde_json::from_slice(&out).context("the seeder's answer")?;
    let mut staff = Command::new(release.join("certdesk-platform"));
    staff
        .args([
            "staff",
            "add",
            "--username",
            "bench-reviewer",
            "--name",
            "压测审核",
            "--roles",
            "reviewer",
            "--data-dir",
        ])
        .arg(&data)
        .env("CERTDESK_STAFF_PASSWORD", "a-long-password");
    if let Some(url) = &database_url {
        staff.args(["--database-url", url]);
    }
    Step::new("add the reviewer").run(&mut staff)?;

    let port = free_port()?;
    let config = data.join("platform.toml");
    let mut toml = format!("listen = \"127.0.0.1:{port}\"\ndata_dir = {:?}\n", data.display().to_string());
    if let Some(url) = &database_url {
        toml.push_str(&format!("database_url = {url:?}\n"));
    }
    std::fs::write(&config, toml)?;
    let platform = Server(
        Command::new(release.join("certdesk-platform"))
            .args(["serve", "--config"])
            .arg(&config)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .context("starting the platform")?,
    );
    wait_listening(port)?;
    let base = format!("http://127.0.0.1:{port}");
    let log_in = |path: &str, username: &str| -> Result<String> {
        let body = serde_json::json!({"username": username, "password": "a-long-password"}).to_string();
        let session =
            curl_json(&["-X", "POST", &format!("{base}{path}"), "-H", "content-type: application/json", "-d", &body])?;
        Ok(format!("Authorization: Bearer {}", session["token"].as_str().context("no token")?))
    };
    let applicant = log_in("/v1/sessions", seeded["username"].as_str().context("no username")?)?;
    let reviewer = log_in("/v1/staff/sessions", "bench-reviewer")?;
    let order_no = seeded["orderNo"].as_str().context("no order number")?;
    let order_body = r#"{"providerId":"zjhx","quantity":1,"organisationName":"压测机构1","creditCode":"91350100M000100Y43","applicantName":"陈晨","idNumber":"330102198001010018","mobile":"13800138000","email":"invoice@example.com","delivery":"counter","recipient":"","recipientMobile":"","address":""}"#;
    let script = data.join("submit.lua");
    let token = applicant.trim_start_matches("Authorization: Bearer ");
    std::fs::write(
        &script,
        format!(
            "wrk.method = \"POST\"\nwrk.body = [[{order_body}]]\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.headers[\"Authorization\"] = \"Bearer {token}\"\n"
        ),
    )?;
    let rows = vec![
        ("GET /v1/orders/{no}".to_owned(), wrk(&format!("{base}/v1/orders/{order_no}"), &["-H", &applicant])?),
        (
            "GET /v1/orders: an organisation's first page (10 of its 1,000)".to_owned(),
            wrk(&format!("{base}/v1/orders"), &["-H", &applicant])?,
        ),
        (
            "GET /v1/staff/review-queue: the first page (50 of 10,000 waiting)".to_owned(),
            wrk(&format!("{base}/v1/staff/review-queue"), &["-H", &reviewer])?,
        ),
        (
            "POST /v1/orders (submit)".to_owned(),
            wrk(&format!("{base}/v1/orders"), &["-s", script.to_str().context("path")?])?,
        ),
    ];
    drop(platform);
    let _ = std::fs::remove_dir_all(&data);
    Ok(BackendRun {
        name,
        raw_inserts_per_second: seeded["rawInsertsPerSecond"].as_f64().context("no raw insert figure")?,
        rows,
    })
}

fn write_report(path: &Path, baseline: &Figures, runs: &[BackendRun]) -> Result<()> {
    let mut text = String::from(
        "## Platform\n\nWritten by `cargo xtask bench platform` (release build): a bare axum JSON handler, then the\n\
         standalone platform on SQLite (a temporary folder) and on PostgreSQL (a server of its own with its\n\
         default, durable settings), each over 1,000 organisations and 100,000 orders (one organisation\n\
         with 1,000, a tenth of all waiting for review) written by `examples/bench_seed.rs`, loaded with\n\
         `wrk -t2 -c100 -d10s` on loopback. The ratio of GET is to the bare handler; of submit, to raw\n\
         inserts of the same rows (the order and its history row, one transaction each, 16 threads, the\n\
         same durability) timed by the seeder. The load generator and the database share the machine's\n\
         cores with the server: compare rows of one run, not runs on different machines.\n\n",
    );
    text.push_str(&format!(
        "{}\n\n| backend | what | req/s | ratio | p50 | p99 |\n| --- | --- | ---: | ---: | ---: | ---: |\n",
        last_run()?
    ));
    text.push_str(&format!(
        "| — | bare axum JSON handler (baseline) | {:.0} | 1.00 | {} | {} |\n",
        baseline.requests_per_second, baseline.p50, baseline.p99
    ));
    for run in runs {
        text.push_str(&format!(
            "| {} | raw inserts, one order per transaction (baseline for submit) | {:.0} | 1.00 | | |\n",
            run.name, run.raw_inserts_per_second
        ));
        for (what, figures) in &run.rows {
            let ratio = if what.starts_with("POST") {
                format!("{:.2}", figures.requests_per_second / run.raw_inserts_per_second)
            } else if what.starts_with("GET /v1/orders/") {
                format!("{:.2}", figures.requests_per_second / baseline.requests_per_second)
            } else {
                String::new()
            };
            text.push_str(&format!(
                "| {} | {what} | {:.0} | {ratio} | {} | {} |\n",
                run.name, figures.requests_per_second, figures.p50, figures.p99
            ));
        }
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
