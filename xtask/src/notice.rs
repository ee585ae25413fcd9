//! `cargo xtask notice [--check]`: NOTICE, the licences of what the app ships, which 关于 shows: the
//! face model, the fonts, every Rust crate the app links (from `cargo metadata`, dev-dependencies
//! left out) and every npm package in the page (the UI's production dependencies). `--check` fails
//! when the committed file differs from what the dependencies give now; `cargo xtask test` runs it,
//! and `cargo xtask bundle` writes the file before it builds.

use crate::exec::{Step, root};
use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::process::Command;

const HEADER: &str = "证书办理台 CertDesk — NOTICE

CertDesk is licensed under MIT OR Apache-2.0. It ships the works below under their own licences.
This file is written by `cargo xtask notice` from the dependencies; do not edit it by hand.

== The face model ==

SeetaFace Engine 1 frontal face detection model (seeta_fd_frontal_v1.0.bin), compiled into the app,
BSD-2-Clause:

";

const FONTS: &str = "
== Fonts ==

The app ships no font files. The page uses the system's fonts; the cover sheet of 邮寄纸质资料 (a PDF)
embeds a subset of the system's CJK font: Noto Sans CJK (SIL Open Font License 1.1; the Linux
packages depend on fonts-noto-cjk), Microsoft YaHei or SimSun on Windows, PingFang or STHeiti on
macOS, each under its vendor's licence for documents.
";

/// The NOTICE text the dependencies give now.
pub fn render() -> Result<String> {
    let mut text = String::from(HEADER);
    let model = std::fs::read_to_string(root().join("crates/face/model/LICENSE-SeetaFace"))?;
    for line in model.trim_end().lines() {
        text.push_str(&format!("    {line}\n"));
    }
    text.push_str(FONTS);
    text.push_str("\n== Rust crates (compiled into the app) ==\n");
    push_by_licence(&mut text, &rust_crates()?);
    text.push_str("\n== npm packages (in the app's page) ==\n");
    push_by_licence(&mut text, &npm_packages()?);
    Ok(text)
}

/// `cargo xtask notice [--check]`.
pub fn notice(check: bool) -> Result<()> {
    let path = root().join("NOTICE");
    let now = render()?;
    if check {
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != now {
            bail!("NOTICE is out of date with the dependencies: run `cargo xtask notice` and commit it");
        }
        println!("xtask: NOTICE is current");
    } else {
        std::fs::write(&path, now)?;
        println!("xtask: wrote {}", path.display());
    }
    Ok(())
}

/// `licence → "name version"`, each licence's packages in order.
type ByLicence = BTreeMap<String, BTreeSet<String>>;

fn push_by_licence(text: &mut String, packages: &ByLicence) {
    for (licence, names) in packages {
        text.push_str(&format!("\n{licence} ({}):\n", names.len()));
        let mut line = String::from("   ");
        for name in names {
            // Wrapped at 100 columns, as the rest of the repository.
            if line.len() + name.len() + 2 > 100 {
                text.push_str(line.trim_end_matches(','));
                text.push('\n');
                line = String::from("   ");
            }
            line.push(' ');
            line.push_str(name);
            line.push(',');
        }
        text.push_str(line.trim_end_matches(','));
        text.push('\n');
    }
}

/// The crates the app (the `certdesk` package) links on any system, without its workspace's own.
fn rust_crates() -> Result<ByLicence> {
    let out = Step::new("the app's crates and their licences (cargo metadata)")
        .output(Command::new("cargo").current_dir(root()).args(["metadata", "--format-version", "1", "--locked"]))?;
    let metadata: Value = serde_json::from_slice(&out)?;
    let packages: HashMap<&str, &Value> = metadata["packages"]
        .as_array()
        .context("cargo metadata: packages")?
        .iter()
        .filter_map(|p| Some((p["id"].as_str()?, p)))
        .collect();
    let nodes: HashMap<&str, &Value> = metadata["resolve"]["nodes"]
        .as_array()
        .context("cargo metadata: resolve")?
        .iter()
        .filter_map(|n| Some((n["id"].as_str()?, n)))
        .collect();
    let app = packages
        .values()
        .find(|p| p["name"] == "certdesk" && p["source"].is_null())
        .and_then(|p| p["id"].as_str())
        .context("cargo metadata: the certdesk package")?;
    // Normal and build dependencies, followed from the app; a dev-dependency ships nothing.
    let mut seen = BTreeSet::from([app]);
    let mut queue = vec![app];
    while let Some(id) = queue.pop() {
        for dep in nodes.get(id).and_then(|n| n["deps"].as_array()).into_iter().flatten() {
            let shipped = dep["dep_kinds"].as_array().into_iter().flatten().any(|k| k["kind"].as_str() != Some("dev"));
            if let Some(dep_id) = dep["pkg"].as_str()
                && shipped
                && seen.insert(dep_id)
            {
                queue.push(dep_id);
            }
        }
    }
    let mut by_licence = ByLicence::new();
    for id in seen {
        let package = packages[id];
        if package["source"].is_null() {
            continue; // the workspace's own crates: CertDesk's licence, above
        }
        let licence = package["license"].as_str().map_or_else(
            || format!("see the crate's {}", package["license_file"].as_str().unwrap_or("licence file")),
            normalise_licence,
        );
        let name =
            format!("{} {}", package["name"].as_str().unwrap_or("?"), package["version"].as_str().unwrap_or("?"));
        by_licence.entry(licence).or_default().insert(name);
    }
    Ok(by_licence)
}

/// The UI's production packages (`npm ls --omit=dev`), which the built page carries.
fn npm_packages() -> Result<ByLicence> {
    let out = Step::new("the page's npm packages and their licences (npm ls)").output(
        Command::new("npm").current_dir(root().join("ui")).args(["ls", "--omit=dev", "--all", "--json", "--long"]),
    )?;
    let tree: Value = serde_json::from_slice(&out)?;
    let mut by_licence = ByLicence::new();
    let mut stack = vec![&tree];
    while let Some(node) = stack.pop() {
        for (name, dep) in node["dependencies"].as_object().into_iter().flatten() {
            // An optional peer that is not installed (dayjs's moment, date-fns…) has no version: not shipped.
            let Some(version) = dep["version"].as_str() else { continue };
            let licence = dep["license"].as_str().map_or_else(|| "UNKNOWN".to_owned(), normalise_licence);
            if by_licence.entry(licence).or_default().insert(format!("{name} {version}")) {
                stack.push(dep);
            }
        }
    }
    Ok(by_licence)
}

/// `MIT/Apache-2.0` and `Apache-2.0 OR MIT` are one licence choice: written one way.
fn normalise_licence(expression: &str) -> String {
    let expression = expression.replace('/', " OR ");
    let alternatives: BTreeSet<&str> = expression.split(" OR ").map(str::trim).collect();
    if alternatives.iter().any(|a| a.contains(' ') || a.contains('(')) {
        return expression.trim().to_owned(); // AND, WITH, parentheses: kept as written
    }
    alternatives.into_iter().collect::<Vec<_>>().join(" OR ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_licence_choice_is_written_one_way() {
        assert_eq!(normalise_licence("MIT/Apache-2.0"), "Apache-2.0 OR MIT");
        assert_eq!(normalise_licence("Apache-2.0 OR MIT"), "Apache-2.0 OR MIT");
        assert_eq!(normalise_licence("MIT"), "MIT");
        assert_eq!(normalise_licence("(MIT OR Apache-2.0) AND Unicode-3.0"), "(MIT OR Apache-2.0) AND Unicode-3.0");
    }

    #[test]
    fn packages_are_listed_under_their_licence_and_wrapped() {
        let mut packages = ByLicence::new();
        let names: BTreeSet<String> = (0..30).map(|i| format!("crate-{i:02} 1.0.{i}")).collect();
        packages.insert("MIT".into(), names);
        packages.insert("Zlib".into(), BTreeSet::from(["adler32 1.2.0".to_owned()]));
        let mut text = String::new();
        push_by_licence(&mut text, &packages);
        assert!(text.starts_with("\nMIT (30):\n    crate-00 1.0.0, crate-01 1.0.1,"), "{text}");
        assert!(text.contains("\nZlib (1):\n    adler32 1.2.0\n"), "{text}");
        assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
        assert!(text.contains("crate-29 1.0.29\n"), "{text}");
    }
}
