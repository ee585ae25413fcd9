//! The supply chain, checked in `cargo xtask test`: `cargo deny check` (advisories, licences, bans,
//! sources; `deny.toml` names each accepted advisory and why), and `npm audit` of the UI's
//! production packages against `ui/audit-accepted.json`.
//!
//! The development machines reach the package registries only: the RustSec database's home is out
//! of reach, so a local copy is used when there is one (`CERTDESK_ADVISORY_DB`, or the shared
//! `../shared/advisory-db` beside the checkout) and how old it is is printed; without one, cargo-deny
//! fetches it as usual. npm's audit endpoint may be refused the same way: then that is said, and the
//! release workflow, which reaches it, runs the audit.

use crate::deps;
use crate::exec::{Step, root};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The folder cargo-deny (0.20) keeps the default advisory database in, named from its URL.
const DEFAULT_DB_FOLDER: &str = "advisory-db-3157b0e258782691";

/// `cargo deny check`, then `npm audit`.
pub fn check() -> Result<()> {
    deny()?;
    npm_audit()
}

fn deny() -> Result<()> {
    deps::ensure_cargo_tool("cargo-deny", "cargo-deny@^0.20")?;
    let mut command = Command::new("cargo");
    // Every workspace member's graph: the test helpers' crates are checked as well as the app's.
    command.current_dir(root()).args(["deny", "--locked", "--workspace"]);
    let scratch = match local_advisory_db() {
        Some(copy) => {
            let (scratch, config, age) = offline_config(&copy)?;
            println!("xtask: the RustSec advisory database from {} ({age})", copy.display());
            command.arg("--offline").arg("--config").arg(&config).arg("check");
            Some(scratch)
        }
        None => {
            let fetched = Step::new("fetch the RustSec advisory database (cargo deny fetch db)")
                .run(Command::new("cargo").current_dir(root()).args(["deny", "fetch", "db"]));
            if fetched.is_ok() {
                command.arg("check");
            } else {
                // Said, not passed over: the rest is still checked.
                println!(
                    "xtask: advisories were NOT checked in this run: no local copy of the RustSec database \
                     (CERTDESK_ADVISORY_DB, shared/advisory-db) and no route to it; licences, bans and sources are"
                );
                command.args(["--offline", "check", "bans", "licenses", "sources"]);
            }
            None
        }
    };
    let outcome = Step::new("supply chain: cargo deny check (advisories, licences, bans, sources)").run(&mut command);
    if let Some(scratch) = scratch {
        let _ = std::fs::remove_dir_all(scratch);
    }
    outcome
}

/// The local copy of the RustSec database, when this machine has one: `CERTDESK_ADVISORY_DB`, or
/// `shared/advisory-db` beside the checkout or beside any folder above it.
fn local_advisory_db() -> Option<PathBuf> {
    let chosen = std::env::var_os("CERTDESK_ADVISORY_DB").filter(|p| !p.is_empty()).map(PathBuf::from);
    let root = root();
    let beside = root.ancestors().skip(1).map(|dir| dir.join("shared/advisory-db"));
    chosen.into_iter().chain(beside).find(|p| p.join("crates").is_dir())
}

/// `deny.toml` with the database pointed at a git repository made from the copy (cargo-deny opens
/// its database as a repository), in a scratch folder; and the copy's age as SNAPSHOT.md gives it.
fn offline_config(copy: &Path) -> Result<(PathBuf, PathBuf, String)> {
    let scratch = std::env::temp_dir().join(format!("certdesk-advisory-db-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    // Where cargo-deny looks for the default database (github.com/rustsec/advisory-db) under `db-path`.
    let db = scratch.join("dbs").join(DEFAULT_DB_FOLDER);
    std::fs::create_dir_all(&db)?;
    let copied = Command::new("cp").arg("-r").arg(copy.join("crates")).arg(copy.join("rust")).arg(&db).status()?;
    if !copied.success() {
        bail!("could not copy {}", copy.display());
    }
    let git = |args: &[&str]| -> Result<()> {
        let status = Command::new("git")
            .current_dir(&db)
            .args(["-c", "user.name=xtask", "-c", "user.email=xtask@localhost", "-c", "commit.gpgsign=false"])
            .args(args)
            .stdout(std::process::Stdio::null())
            .status()?;
        if !status.success() {
            bail!("git {} in {} failed", args.join(" "), db.display());
        }
        Ok(())
    };
    git(&["init", "-q"])?;
    git(&["add", "-A"])?;
    git(&["commit", "-q", "-m", "advisory-db snapshot"])?;
    let snapshot = std::fs::read_to_string(copy.join("SNAPSHOT.md")).unwrap_or_default();
    let age = snapshot_date(&snapshot).map_or_else(
        || "its date unknown: SNAPSHOT.md gives none".to_owned(),
        |date| {
            let days = (chrono::Local::now().date_naive() - date).num_days();
            format!("taken {date}, {days} days ago: advisories published since are not checked")
        },
    );
    let config = std::fs::read_to_string(root().join("deny.toml"))?;
    let offline = config.replacen(
        "[advisories]\n",
        &format!("[advisories]\ndb-path = {:?}\n", scratch.join("dbs").display().to_string()),
        1,
    );
    let config_path = scratch.join("deny.toml");
    std::fs::write(&config_path, offline)?;
    Ok((scratch, config_path, age))
}

/// The first `(YYYY-MM-DD)` in SNAPSHOT.md.
fn snapshot_date(text: &str) -> Option<chrono::NaiveDate> {
    text.split('(').skip(1).find_map(|rest| chrono::NaiveDate::parse_from_str(rest.get(..10)?, "%Y-%m-%d").ok())
}

/// `npm audit` of the production packages; each finding must be in `ui/audit-accepted.json` with its reason.
fn npm_audit() -> Result<()> {
    println!(
        "\n==> xtask: supply chain: npm audit --omit=dev (the page's packages)\n    $ npm audit --omit=dev --json"
    );
    let out = Command::new("npm").current_dir(root().join("ui")).args(["audit", "--omit=dev", "--json"]).output()?;
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    if report.get("vulnerabilities").is_none() {
        // The endpoint refused (this machine's registry proxy answers 405) or npm failed before asking.
        let why = report["message"].as_str().or_else(|| report["error"]["summary"].as_str()).unwrap_or("no report");
        println!(
            "xtask: npm audit was not checked in this run: npm's audit endpoint gave no report ({why}); the release workflow runs it"
        );
        return Ok(());
    }
    let accepted: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("ui/audit-accepted.json"))?)?;
    let unaccepted = unaccepted_findings(&report, &accepted)?;
    if !unaccepted.is_empty() {
        bail!("npm audit found advisories not accepted in ui/audit-accepted.json:\n  {}", unaccepted.join("\n  "));
    }
    println!("xtask: npm audit: nothing found beyond what ui/audit-accepted.json accepts");
    Ok(())
}

/// The advisories (`package: url`) in an `npm audit --json` report that `accepted` does not list.
fn unaccepted_findings(report: &serde_json::Value, accepted: &serde_json::Value) -> Result<Vec<String>> {
    let accepted: Vec<&str> = accepted["accepted"]
        .as_array()
        .context("ui/audit-accepted.json: an `accepted` list")?
        .iter()
        .map(|a| a["advisory"].as_str().context("each accepted finding names its `advisory` (its URL)"))
        .collect::<Result<_>>()?;
    let mut found = Vec::new();
    for (package, finding) in report["vulnerabilities"].as_object().into_iter().flatten() {
        // `via` holds the advisories themselves (objects) and the packages they come through (strings).
        for via in finding["via"].as_array().into_iter().flatten().filter(|v| v.is_object()) {
            let url = via["url"].as_str().unwrap_or("(no url)");
            if !accepted.contains(&url) {
                found.push(format!("{package}: {} {url}", via["title"].as_str().unwrap_or("")));
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_snapshot_date_is_read_from_its_text() {
        let text = "taken at upstream commit bf5c0d2 (2026-08-21). Advisories published after (that) date";
        assert_eq!(snapshot_date(text), chrono::NaiveDate::from_ymd_opt(2026, 8, 21));
        assert_eq!(snapshot_date("no date here (soon)"), None);
    }

    #[test]
    fn an_advisory_fails_the_audit_unless_accepted() {
        let report = json!({"vulnerabilities": {
            "dayjs": {"via": [{"title": "ReDoS", "url": "https://github.com/advisories/GHSA-aaaa"}]},
            "antd": {"via": ["dayjs"]},
        }});
        let none = json!({"accepted": []});
        assert_eq!(
            unaccepted_findings(&report, &none).unwrap(),
            ["dayjs: ReDoS https://github.com/advisories/GHSA-aaaa"]
        );
        let accepted = json!({"accepted": [{"advisory": "https://github.com/advisories/GHSA-aaaa", "reason": "r"}]});
        assert!(unaccepted_findings(&report, &accepted).unwrap().is_empty());
        assert!(unaccepted_findings(&report, &json!({})).is_err());
    }
}
