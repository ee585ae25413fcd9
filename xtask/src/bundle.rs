//! `cargo xtask bundle`: the Linux installers (`.deb`, `.rpm`) by the Tauri bundler, offline; and
//! `cargo xtask test-bundle [--debug]`: the `.deb` installed on this machine with apt, the installed
//! app started under Xvfb to its first screen, its `certdesk://` handler checked, the package
//! removed. `--debug` packages the debug build `cargo xtask test` has just made (the same files,
//! unoptimised, nothing built again): CI runs that after the tests; without it the release build.
//! AppImage is left to the release workflow: its tools (linuxdeploy) are downloaded as it builds.
//! Windows' and macOS' installers are built by `.github/workflows/release.yml`.

use crate::exec::{Step, on_path, root};
use crate::{deps, notice};
use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The package's name as apt knows it: the bundler's, from tauri.conf.json's `productName`.
const PACKAGE: &str = "cert-desk";
/// The desktop entry the package installs (tauri.conf.json's `productName`).
const DESKTOP_FILE: &str = "/usr/share/applications/CertDesk.desktop";

/// What `bundle` built.
pub struct Packages {
    pub deb: PathBuf,
    pub rpm: PathBuf,
}

/// Which build goes into the packages.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Build {
    Release,
    /// The tests' debug build (`cargo test --workspace`'s features and targets, so nothing is rebuilt).
    Debug,
}

/// `cargo xtask bundle`: NOTICE written, then the build and its deb and rpm.
pub fn bundle(build: Build) -> Result<Packages> {
    if !cfg!(target_os = "linux") {
        bail!(
            "`cargo xtask bundle` builds the Linux packages; Windows' and macOS' installers come from the release workflow (README, Installers)"
        );
    }
    deps::ensure_system_packages(deps::Purpose::Build)?;
    deps::ensure_ui_packages()?;
    notice::notice(false)?;
    let bundle_dir = root().join(if build == Build::Release { "target/release/bundle" } else { "target/debug/bundle" });
    let _ = std::fs::remove_dir_all(&bundle_dir);
    // The bundler runs tauri.conf.json's beforeBuildCommand (the UI's build), then cargo.
    let mut command = Command::new(root().join("ui/node_modules/.bin/tauri"));
    command.current_dir(root()).args(["build", "--bundles", "deb,rpm", "--ci"]);
    // As `cargo test --workspace` builds: its targets and its features, so cargo finds it all built.
    if build == Build::Debug {
        command.args(["--debug", "--", "--workspace", "--tests"]);
    }
    Step::new(match build {
        Build::Release => "build the release app and its deb and rpm (Tauri bundler)",
        Build::Debug => "package the tests' debug build as a deb and rpm (Tauri bundler)",
    })
    .run(&mut command)?;
    let packages =
        Packages { deb: only_file(&bundle_dir.join("deb"), "deb")?, rpm: only_file(&bundle_dir.join("rpm"), "rpm")? };
    for package in [&packages.deb, &packages.rpm] {
        let size = std::fs::metadata(package)?.len() as f64 / (1024.0 * 1024.0);
        println!("xtask: {} ({size:.1} MiB)", package.display());
    }
    Ok(packages)
}

/// `cargo xtask test-bundle`: the deb installed, started, checked and removed.
pub fn test_bundle(build: Build) -> Result<()> {
    let packages = bundle(build)?;
    deps::ensure_system_packages(deps::Purpose::Test)?;
    // desktop-file-utils: its trigger writes the MIME cache that says which app opens certdesk://.
    deps::ensure_debian_packages(&["desktop-file-utils"])?;
    if !on_path("dpkg") {
        bail!("the install test needs dpkg and apt (Debian or Ubuntu)");
    }
    let contents = Step::new("what the deb carries (dpkg --contents)")
        .output(Command::new("dpkg-deb").arg("--contents").arg(&packages.deb))?;
    check_contents(&String::from_utf8_lossy(&contents))?;
    let fields = Step::new("the deb's control fields")
        .output(Command::new("dpkg-deb").args(["--field"]).arg(&packages.deb).args(["Package", "Depends"]))?;
    check_depends(&String::from_utf8_lossy(&fields))?;
    Step::new("install the deb (apt-get install ./…deb)")
        .run(apt().args(["install", "-y", "-q", "--no-install-recommends"]).arg(absolute(&packages.deb)?))?;
    let checked = check_installed();
    let removed = Step::new("remove the package (apt-get remove)").run(apt().args(["remove", "-y", "-q", PACKAGE]));
    checked?;
    removed?;
    if Path::new("/usr/bin/certdesk").exists() || Path::new(DESKTOP_FILE).exists() {
        bail!("the package's files are still there after apt-get remove");
    }
    println!("xtask: the deb installed, named the handler of certdesk://, started to its first screen and was removed");
    Ok(())
}

/// The installed app: its desktop entry, the scheme handler the desktop database records, and a
/// start under Xvfb to the first screen (the demo organisation's order list painted).
fn check_installed() -> Result<()> {
    let entry = std::fs::read_to_string(DESKTOP_FILE).with_context(|| format!("{DESKTOP_FILE} after install"))?;
    check_desktop_entry(&entry)?;
    let cache = std::fs::read_to_string("/usr/share/applications/mimeinfo.cache").unwrap_or_default();
    if !cache.lines().any(|l| l.starts_with("x-scheme-handler/certdesk=") && l.contains("CertDesk.desktop")) {
        bail!("the desktop database does not name CertDesk.desktop as the handler of x-scheme-handler/certdesk");
    }
    println!("xtask: certdesk:// is handled by CertDesk.desktop (mimeinfo.cache)");
    let display = deps::virtual_display()?;
    let display_name = display.as_ref().map(|d| d.name().to_owned()).or_else(|| std::env::var("DISPLAY").ok());
    let scratch = tempfile_dir("certdesk-installed")?;
    let result = start_installed(display_name.as_deref().context("no display")?, &scratch);
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

/// `/usr/bin/certdesk` started as a user would (its own home), until it says its first screen is painted.
fn start_installed(display: &str, scratch: &Path) -> Result<()> {
    println!("\n==> xtask: start the installed /usr/bin/certdesk under Xvfb");
    let mut child = Command::new("/usr/bin/certdesk")
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", scratch)
        .env("DISPLAY", display)
        // The ready mark on stdout once the first page of orders is painted (the demo organisation signed in).
        .env("CERTDESK_BENCH", "1")
        .env("CERTDESK_CAMERA", "demo")
        .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
        .env("LIBGL_ALWAYS_SOFTWARE", "1")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .process_group(0)
        .spawn()
        .context("starting /usr/bin/certdesk")?;
    let stdout = child.stdout.take().context("the app's stdout")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.starts_with("certdesk-ready ") {
                let _ = tx.send(line);
            }
        }
    });
    let ready = rx.recv_timeout(Duration::from_secs(120));
    crate::bench::stop(&mut child);
    let mark = ready.context("the installed app did not paint its first screen within 120 s")?;
    println!("xtask: the installed app painted its first screen ({mark})");
    // Its data went where an installed app's goes: the user's data folder.
    let data = scratch.join(".local/share/cn.certdesk.app");
    if !data.is_dir() {
        bail!("the installed app kept no data in {}", data.display());
    }
    Ok(())
}

/// The files an installed CertDesk needs: the binary, its desktop entry and icons.
fn check_contents(listing: &str) -> Result<()> {
    for wanted in ["usr/bin/certdesk", "usr/share/applications/CertDesk.desktop", "usr/share/icons/hicolor/"] {
        let listed = |path: &str| path.trim_start_matches("./").starts_with(wanted);
        if !listing.lines().any(|l| l.split_whitespace().last().is_some_and(listed)) {
            bail!("the deb lacks {wanted}:\n{listing}");
        }
    }
    Ok(())
}

/// The runtime the app relies on, declared: WebKitGTK and the CJK font of the page and the cover sheet.
fn check_depends(fields: &str) -> Result<()> {
    for wanted in ["libwebkit2gtk-4.1-0", "fonts-noto-cjk"] {
        if !fields.contains(wanted) {
            bail!("the deb does not depend on {wanted}:\n{fields}");
        }
    }
    Ok(())
}

/// The desktop entry opens `certdesk://` links with the app (the payment gateway's return).
fn check_desktop_entry(entry: &str) -> Result<()> {
    let field = |name: &str| entry.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix('='));
    let mime = field("MimeType").context("the desktop entry has no MimeType")?;
    if !mime.split(';').any(|m| m == "x-scheme-handler/certdesk") {
        bail!("the desktop entry does not claim x-scheme-handler/certdesk: MimeType={mime}");
    }
    let exec = field("Exec").context("the desktop entry has no Exec")?;
    if !exec.contains("certdesk") || !exec.contains("%u") && !exec.contains("%U") {
        bail!("the desktop entry's Exec does not pass the link to the app: Exec={exec}");
    }
    Ok(())
}

fn apt() -> Command {
    let mut command = if is_root() { Command::new("apt-get") } else { Command::new("sudo") };
    if !is_root() {
        command.arg("apt-get");
    }
    command.env("DEBIAN_FRONTEND", "noninteractive");
    command
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn only_file(dir: &Path, extension: &str) -> Result<PathBuf> {
    let found: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("the bundler wrote no {}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .collect();
    match found.as_slice() {
        [one] => Ok(one.clone()),
        _ => bail!("expected one .{extension} in {}, found {found:?}", dir.display()),
    }
}

fn absolute(path: &Path) -> Result<PathBuf> {
    Ok(std::fs::canonicalize(path)?)
}

fn tempfile_dir(prefix: &str) -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("{prefix}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_desktop_entry_must_claim_the_scheme_and_pass_the_link() {
        let good = "[Desktop Entry]\nName=CertDesk\nExec=certdesk %u\nMimeType=x-scheme-handler/certdesk\n";
        assert!(check_desktop_entry(good).is_ok());
        let no_scheme = good.replace("MimeType=x-scheme-handler/certdesk", "MimeType=text/plain");
        assert!(check_desktop_entry(&no_scheme).is_err());
        let no_argument = good.replace("certdesk %u", "certdesk");
        assert!(check_desktop_entry(&no_argument).is_err());
        assert!(check_desktop_entry("[Desktop Entry]\nExec=certdesk %u\n").is_err());
    }

    #[test]
    fn the_deb_must_carry_the_binary_and_declare_its_runtime() {
        // As dpkg-deb --contents lists the bundler's deb (no leading ./).
        let listing = "drwxr-xr-x 0/0 0 2026-12-04 04:15 usr/bin\n-rwxr-xr-x 0/0 1 2026-12-04 04:15 usr/bin/certdesk\n\
                       -rw-r--r-- 0/0 1 2026-12-04 04:15 usr/share/applications/CertDesk.desktop\n\
                       -rw-r--r-- 0/0 1 2026-12-04 04:15 usr/share/icons/hicolor/32x32/apps/certdesk.png\n";
        assert!(check_contents(listing).is_ok());
        assert!(check_contents(&listing.replace("./", "")).is_ok());
        assert!(check_contents(&listing.replace("usr/bin/certdesk", "usr/bin/other")).is_err());
        assert!(check_depends("Package: certdesk\nDepends: libwebkit2gtk-4.1-0, libgtk-3-0, fonts-noto-cjk").is_ok());
        assert!(check_depends("Package: certdesk\nDepends: libwebkit2gtk-4.1-0, libgtk-3-0").is_err());
    }
}
