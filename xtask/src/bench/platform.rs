//! `cargo xtask bench platform`: load on the standalone platform (release build) with Debian's `wrk`,
//! on SQLite and on PostgreSQL, next to a bare axum JSON handler and raw inserts in the same run;
//! req/s, ratios, p50 and p99 into docs/benchmarks.md.

use super::{Server, curl_json, free_port, last_run, wait_listening, write_section};
use crate::deps;
use crate::exec::{Step, root};
use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

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
