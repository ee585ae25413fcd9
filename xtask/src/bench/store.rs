//! `cargo xtask bench store`: the order list's page and its searches on 100,000 orders in the app's
//! local store (`examples/bench_store.rs`, through `certdesk_store::order_page`), each next to the very
//! same two statements run by Debian's `sqlite3` on the same file in the same run.

use super::{last_run, write_section};
use crate::deps;
use crate::exec::{Step, root};
use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

const ORDERS: u32 = 100_000;
const ITERATIONS: u32 = 300;
/// The goal of issue 18: each page at most this many times the raw SQL.
const GOAL: f64 = 1.5;

struct Case {
    name: String,
    micros: f64,
    rows: String,
    total: String,
    count_sql: String,
    page_sql: String,
}

pub fn store() -> Result<()> {
    deps::ensure_debian_packages(&["sqlite3"])?;
    Step::new("build the store's benchmark (release)").run(Command::new("cargo").current_dir(root()).args([
        "build",
        "--release",
        "-p",
        "certdesk-store",
        "--example",
        "bench_store",
    ]))?;
    let dir = std::env::temp_dir().join(format!("certdesk-bench-store-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db = dir.join("certdesk.db");
    let out = Command::new(root().join("target/release/examples/bench_store"))
        .arg(&db)
        .arg(ORDERS.to_string())
        .arg(ITERATIONS.to_string())
        .stderr(Stdio::inherit())
        .output()
        .context("running bench_store")?;
    if !out.status.success() {
        bail!("bench_store failed");
    }
    let cases: Vec<Case> = String::from_utf8(out.stdout)?
        .lines()
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            anyhow::ensure!(f.len() == 6, "bench_store printed {line:?}");
            Ok(Case {
                name: f[0].to_owned(),
                micros: f[1].parse()?,
                rows: f[2].to_owned(),
                total: f[3].to_owned(),
                count_sql: f[4].to_owned(),
                page_sql: f[5].to_owned(),
            })
        })
        .collect::<Result<_>>()?;

    let version = Command::new("sqlite3").arg("--version").output()?;
    let version = String::from_utf8_lossy(&version.stdout).split_whitespace().next().unwrap_or("?").to_owned();
    let mut body = format!(
        "## Local store\n\nWritten by `cargo xtask bench store` (release build): the app's order list read from its local \
         SQLite store, a page at a time, on 100,000 orders of one account (`crates/store/examples/bench_store.rs`): each \
         page is its two statements (how many pass, and the page's rows) through `certdesk_store::order_page`, rows \
         decoded into orders, the mean of {ITERATIONS} after a warm-up. The baseline beside it: the very same two \
         statements, values written in, run {ITERATIONS} times by Debian's `sqlite3` {version} on the same file (its \
         output to /dev/null; the time of starting it, measured alone, taken off). rusqlite bundles a newer SQLite than Debian's, which is why a ratio may be under 1. The count of \
         every order that passes is most of a page's time on the whole list (the guide's 共有 N 条).\n\n{}\n\n\
         | what | rows / total | certdesk_store | sqlite3 | ratio |\n| --- | ---: | ---: | ---: | ---: |\n",
        last_run()?
    );
    let mut worst: f64 = 0.0;
    for case in &cases {
        let raw = sqlite3_micros(&db, &case.count_sql, &case.page_sql)?;
        let ratio = case.micros / raw;
        worst = worst.max(ratio);
        body.push_str(&format!(
            "| {} | {} / {} | {:.0} µs | {raw:.0} µs | {ratio:.2} |\n",
            case.name, case.rows, case.total, case.micros
        ));
    }
    let met = if worst <= GOAL { "**met**" } else { "**not met**" };
    body.push_str(&format!(
        "\nThe goal: each ≤ {GOAL}× the raw SQL — {met} (the worst {worst:.2}×). The list no longer reaches the window \
         whole: `list_orders` answers one page and its total, the search form's filters are its query, and the \
         platform's sync (on start, on focus, every minute, and the events feed) keeps the store current. 申领状态 has \
         a column and an index of its own (`orders_by_owner_status`); 订单编号's prefix is a range on the key.\n",
    ));
    let _ = std::fs::remove_dir_all(&dir);
    write_section(&root().join("docs/benchmarks.md"), "store", &body)
}

/// The mean microseconds `sqlite3` takes for the two statements: the best of three runs of
/// [`ITERATIONS`] repeats, less the best of three runs that only start and stop it.
fn sqlite3_micros(db: &Path, count: &str, page: &str) -> Result<f64> {
    let run = |script: &str| -> Result<f64> {
        let mut best = f64::MAX;
        for _ in 0..3 {
            let started = Instant::now();
            let mut child = Command::new("sqlite3")
                .arg(db)
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .context("starting sqlite3")?;
            child.stdin.take().context("sqlite3's stdin")?.write_all(script.as_bytes())?;
            let out = child.wait_with_output()?;
            if !out.status.success() || !out.stderr.is_empty() {
                bail!("sqlite3: {}", String::from_utf8_lossy(&out.stderr));
            }
            best = best.min(started.elapsed().as_secs_f64() * 1e6);
        }
        Ok(best)
    };
    let warm = format!("{count};\n{page};\n");
    let idle = run(&warm)?;
    let busy = run(&format!("{}{}", warm, format!("{count};\n{page};\n").repeat(ITERATIONS as usize)))?;
    Ok((busy - idle).max(1.0) / f64::from(ITERATIONS))
}
