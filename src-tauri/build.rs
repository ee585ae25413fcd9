//! Tauri's build step, and the commit 关于 shows (`CERTDESK_COMMIT` when the release workflow or
//! `cargo xtask bundle` sets it, else git's HEAD; "unknown" outside a checkout).

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=CERTDESK_COMMIT");
    let commit = std::env::var("CERTDESK_COMMIT").ok().filter(|c| !c.is_empty()).unwrap_or_else(|| {
        // Rebuilt when HEAD moves: the file HEAD names (refs/heads/main), or HEAD itself when detached.
        // Only files that exist: cargo reruns a build script every time for a path that does not.
        let watch = |path: &Path| {
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        };
        let git = Path::new(".git");
        if let Ok(head) = std::fs::read_to_string(git.join("HEAD")) {
            watch(&git.join("HEAD"));
            if let Some(reference) = head.trim().strip_prefix("ref: ") {
                watch(&git.join(reference));
                watch(&git.join("packed-refs"));
            }
        }
        Command::new("git")
            .args(["rev-parse", "--short=12", "HEAD"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map_or_else(|| "unknown".to_owned(), |o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    });
    println!("cargo:rustc-env=CERTDESK_COMMIT={commit}");
    tauri_build::build()
}
