//! `cargo xtask`: the developer tasks. Each installs what it needs first and says what it is doing.
//!
//! - `cargo xtask run`: build the UI and the app, open CertDesk on the embedded platform (demo data).
//! - `cargo xtask test`: every test: the workspace's cargo tests (the platform's suite a second time
//!   on PostgreSQL), the UI's Vitest tests, and the
//!   WebDriver end-to-end tests against the real app under Xvfb.
//! - `cargo xtask bindings`: regenerate `ui/src/api/bindings.ts` from the Rust commands and
//!   `docs/openapi.json` from the platform's routes.
//! - `cargo xtask bench [platform|camera|pay|store|app]`: load figures for the platform, per-frame camera
//!   figures with the checks' verdicts, the payment signatures' cost, the local store's pages and the
//!   app's start, memory and size against a bare Tauri shell into `docs/benchmarks.md`.
//! - `cargo xtask bundle`: the Linux installers (deb, rpm); `cargo xtask test-bundle`: the deb
//!   installed, started and removed again. `cargo xtask notice [--check]`: NOTICE, the licences 关于 shows.
//! - `cargo xtask fuzz [SECONDS]`: run every fuzz target of `crates/core` for SECONDS each (default 30).

mod bench;
mod bundle;
mod deps;
mod exec;
mod notice;
mod supply;

use anyhow::{Result, bail};
use exec::{Step, root};
use std::process::{Command, ExitCode};

const USAGE: &str = "usage: cargo xtask <run|test|bindings|bundle|test-bundle|supply|notice|fuzz|bench>

  run       install what is missing, build, and open CertDesk on the embedded platform with demo data
  test      install what is missing and run every test (Rust, UI, end-to-end)
  bindings  regenerate ui/src/api/bindings.ts (Rust commands) and docs/openapi.json (platform routes)
  bundle    build the Linux installers (deb, rpm) into target/release/bundle
  test-bundle [--debug]  build them (--debug: package the tests' debug build), install the deb with apt,
            start it under Xvfb, check certdesk://, remove it
  supply    the supply chain: cargo deny check (deny.toml) and npm audit (ui/audit-accepted.json)
  notice [--check]  write NOTICE (the licences of what the app ships) or check that it is current
  fuzz [S]  run every parser's fuzz target for S seconds each (default 30)
  bench [platform|camera|pay|store|app]  load the standalone platform with wrk next to a bare axum handler,
            time the per-frame camera work and the payment signatures with criterion, and the local store's
            pages next to sqlite3, and CertDesk's start and memory next to a bare Tauri shell; figures to
            docs/benchmarks.md";

fn main() -> ExitCode {
    match dispatch() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nxtask: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("test") => test(),
        Some("bindings") => bindings(),
        Some("bundle") => bundle::bundle(bundle::Build::Release).map(drop),
        Some("test-bundle") => bundle::test_bundle(if args.get(1).is_some_and(|a| a == "--debug") {
            bundle::Build::Debug
        } else {
            bundle::Build::Release
        }),
        Some("supply") => supply::check(),
        Some("notice") => notice::notice(args.get(1).is_some_and(|a| a == "--check")),
        Some("fuzz") => fuzz(args.get(1).map(String::as_str)),
        Some("bench") => match args.get(1).map(String::as_str) {
            Some("platform") => bench::platform(),
            Some("camera") => bench::camera(),
            Some("pay") => bench::pay(),
            Some("store") => bench::store(),
            Some("app") => bench::app(),
            None => bench::platform()
                .and_then(|()| bench::camera())
                .and_then(|()| bench::pay())
                .and_then(|()| bench::store())
                .and_then(|()| bench::app()),
            Some(other) => bail!("unknown benchmark '{other}' (available: platform, camera, pay, store, app)"),
        },
        Some("-h" | "--help" | "help") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => bail!("unknown task '{other}'\n\n{USAGE}"),
    }
}

fn run(extra: &[String]) -> Result<()> {
    deps::ensure_system_packages(deps::Purpose::Build)?;
    deps::ensure_ui_packages()?;
    build_ui()?;
    let mut command = Command::new("cargo");
    command.current_dir(root()).args(["run", "-p", "certdesk", "--"]).args(extra);
    if std::env::var_os("CERTDESK_CAMERA").is_none() && !has_camera() {
        println!("xtask: no camera found: 人脸认证 uses the demo camera (CERTDESK_CAMERA=demo)");
        command.env("CERTDESK_CAMERA", "demo");
    }
    Step::new("start CertDesk (embedded platform, demo data)").run(&mut command)
}

/// Whether this computer has a camera the app could open; only Linux can tell cheaply (V4L2 nodes).
fn has_camera() -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    std::fs::read_dir("/dev")
        .map(|entries| entries.flatten().any(|e| e.file_name().to_string_lossy().starts_with("video")))
        .unwrap_or(false)
}

fn test() -> Result<()> {
    let e2e = deps::ensure_system_packages(deps::Purpose::Test)?;
    deps::ensure_ui_packages()?;
    build_ui()?;
    if e2e {
        deps::ensure_tauri_driver()?;
    }
    Step::new("formatting (cargo fmt --check)")
        .run(Command::new("cargo").current_dir(root()).args(["fmt", "--all", "--check"]))?;
    Step::new("lints (cargo clippy, warnings are errors)").run(Command::new("cargo").current_dir(root()).args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    notice::notice(true)?;
    supply::check()?;
    Step::new("Rust tests (workspace)").run(Command::new("cargo").current_dir(root()).args(["test", "--workspace"]))?;
    if deps::postgres_available() {
        // The same platform suite, each test on a fresh database of a PostgreSQL server it starts.
        // `--workspace` keeps the workspace run's features, so nothing is built again.
        Step::new("platform tests on PostgreSQL").run(
            Command::new("cargo")
                .current_dir(root())
                .args(["test", "--workspace", "--test", "platform"])
                .env("CERTDESK_TEST_DATABASE", "postgres"),
        )?;
    } else {
        println!("xtask: the platform tests on PostgreSQL were skipped: no PostgreSQL server is installed");
    }
    Step::new("UI tests (Vitest)").run(Command::new("npm").current_dir(root().join("ui")).args(["test"]))?;
    if e2e {
        let display = deps::virtual_display()?;
        let webview_data = std::env::temp_dir().join(format!("certdesk-e2e-data-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&webview_data);
        std::fs::create_dir_all(&webview_data)?;
        let mut command = Command::new("cargo");
        command
            .current_dir(root())
            .args(["test", "-p", "certdesk", "--test", "e2e", "--", "--ignored", "--test-threads=1", "--nocapture"])
            // The webview's own storage (the language chosen, in localStorage) starts empty each run,
            // as on a fresh machine, instead of carrying over from an earlier run on this one.
            .env("XDG_DATA_HOME", &webview_data)
            // WebKitGTK's DMA-BUF renderer draws nothing under Xvfb; the shared-memory path does.
            .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
            .env("LIBGL_ALWAYS_SOFTWARE", "1");
        if let Some(display) = &display {
            command.env("DISPLAY", display.name());
        }
        let outcome = Step::new("end-to-end tests (the real app over WebDriver)").run(&mut command);
        let _ = std::fs::remove_dir_all(&webview_data);
        outcome?;
        drop(display);
    } else {
        println!("xtask: the end-to-end tests were skipped: {}", deps::e2e_unsupported_reason());
    }
    println!("xtask: every test passed");
    Ok(())
}

fn bindings() -> Result<()> {
    let dist = root().join("ui/dist");
    if !dist.join("index.html").exists() {
        // The app's build embeds ui/dist; a placeholder is enough to generate bindings.
        std::fs::create_dir_all(&dist)?;
        std::fs::write(dist.join("index.html"), "<!doctype html><title>CertDesk</title>")?;
    }
    Step::new("regenerate ui/src/api/bindings.ts").run(
        Command::new("cargo")
            .current_dir(root())
            .args(["test", "-p", "certdesk", "--lib", "committed_typescript_bindings"])
            .env("CERTDESK_UPDATE_BINDINGS", "1"),
    )?;
    Step::new("regenerate docs/openapi.json").run(
        Command::new("cargo")
            .current_dir(root())
            .args(["test", "-p", "certdesk-platform", "--test", "platform", "the_committed_openapi_document"])
            .env("CERTDESK_UPDATE_OPENAPI", "1"),
    )
}

fn fuzz(seconds: Option<&str>) -> Result<()> {
    let seconds: u32 = match seconds {
        Some(s) => s.parse().map_err(|_| anyhow::anyhow!("SECONDS must be a whole number, not '{s}'"))?,
        None => 30,
    };
    deps::ensure_cargo_tool("cargo-fuzz", "cargo-fuzz")?;
    // The core's parsers of what people type, and what the payment code reads from the network.
    let mut ran = 0;
    for crate_dir in ["crates/core", "crates/pay"] {
        let dir = root().join(crate_dir);
        let listed = Command::new("cargo").current_dir(&dir).args(["fuzz", "list"]).output()?;
        let targets: Vec<String> = String::from_utf8(listed.stdout)?.lines().map(str::to_owned).collect();
        if targets.is_empty() {
            bail!("`cargo fuzz list` found no targets in {crate_dir}/fuzz");
        }
        for target in &targets {
            // cargo-fuzz passes nightly-only flags (-Z sanitizer); RUSTC_BOOTSTRAP lets the stable toolchain take them.
            Step::new(format!("fuzz {target} for {seconds} s")).run(
                Command::new("cargo")
                    .current_dir(&dir)
                    .args(["fuzz", "run", target, "--", &format!("-max_total_time={seconds}")])
                    .env("RUSTC_BOOTSTRAP", "1"),
            )?;
        }
        ran += targets.len();
    }
    println!("xtask: {ran} fuzz targets ran {seconds} s each without a crash");
    Ok(())
}

pub(crate) fn build_ui() -> Result<()> {
    Step::new("build the UI (ui/dist)")
        .run(Command::new("npm").current_dir(root().join("ui")).args(["run", "build"]))?;
    // The benchmark's bare shell is a workspace member: its page must exist for it to compile.
    Step::new("build the bare shell's page (ui/dist-bare)")
        .run(Command::new("npx").current_dir(root().join("ui")).args(["vite", "build", "-c", "vite.bare.config.ts"]))
}
