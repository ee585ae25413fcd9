//! `cargo xtask bench [platform|camera|pay|store|app]`: figures, not assertions; nothing here passes
//! or fails on speed. Each task writes its own section of docs/benchmarks.md, with the commit and the
//! machine's core count, as ratios against a baseline measured beside it in the same run.

mod app;
mod camera;
mod pay;
mod platform;
mod store;

pub use app::{app, stop};
pub use camera::camera;
pub use pay::pay;
pub use platform::platform;
pub use store::store;

use crate::exec::root;
use anyhow::{Context, Result, bail};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// A child process killed when dropped: no server outlives its benchmark.
pub(crate) struct Server(pub(crate) Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

pub(crate) fn wait_listening(port: u16) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            bail!("nothing listens on port {port}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

pub(crate) fn curl_json(args: &[&str]) -> Result<serde_json::Value> {
    let out = Command::new("curl").args(["-sS", "--fail-with-body"]).args(args).output().context("running curl")?;
    if !out.status.success() {
        bail!("curl {args:?}: {}", String::from_utf8_lossy(&out.stdout));
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

/// One wrk run's figures.
pub(crate) fn last_run() -> Result<String> {
    let rev = Command::new("git").current_dir(root()).args(["rev-parse", "--short", "HEAD"]).output()?;
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let status =
        Command::new("git").current_dir(root()).args(["status", "--porcelain", "--untracked-files=no"]).output()?;
    let dirty = if status.stdout.is_empty() { "" } else { " with uncommitted changes" };
    Ok(format!("Last run: commit {}{dirty}, {cores} cores.", String::from_utf8_lossy(&rev.stdout).trim()))
}

/// Replaces one benchmark's section of docs/benchmarks.md (between its markers), keeping the others.
pub(crate) fn write_section(path: &Path, name: &str, body: &str) -> Result<()> {
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
pub(crate) fn criterion_mean_nanos(id: &str) -> Result<f64> {
    let estimates = root().join(format!("target/criterion/{id}/new/estimates.json"));
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&estimates).with_context(|| format!("reading {}", estimates.display()))?,
    )?;
    json["mean"]["point_estimate"].as_f64().context("no mean in the estimates")
}
