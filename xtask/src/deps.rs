//! Installing what the tasks need: Debian/Ubuntu packages, the UI's npm packages, tauri-driver, and a
//! virtual display. Where this OS cannot install something, stop with a message listing what to
//! install by hand (the README has the per-OS steps).

use crate::exec::{Step, on_path, root};
use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// Debian packages that building the app needs (WebKitGTK and friends; libclang for bindgen), and
/// SoftHSM2, the demo's PKCS#11 UKey that `cargo xtask run` offers at 制证 and 现场发证.
const BUILD_PACKAGES: &[&str] = &[
    "softhsm2",
    "libwebkit2gtk-4.1-dev",
    "build-essential",
    "curl",
    "wget",
    "file",
    "libxdo-dev",
    "libssl-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "libclang-dev",
    "pkg-config",
];

/// And what driving the real app in the end-to-end tests needs.
// dbus-daemon: the end-to-end run gives the app a session bus of its own, over which a second start
// (the payment gateway's certdesk:// return) reaches the running app. postgresql: the platform's
// suite runs a second time on a server of its own (certdesk-testpg). openssl: the oracle the
// certificate tests check the CA's certificates with. opensc: its pkcs11-tool, the oracle reading
// the SoftHSM2 tokens as other applications do. python3-aiosmtpd: the real SMTP server the mail
// tests send to (started on loopback, stopped and started again).
const TEST_PACKAGES: &[&str] = &[
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "fonts-noto-cjk",
    "poppler-utils",
    "dbus-daemon",
    "postgresql",
    "openssl",
    "opensc",
    "python3-aiosmtpd",
];

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Build,
    Test,
}

/// Whether a PostgreSQL server can be started for the tests (Debian's layout, or initdb on PATH).
pub fn postgres_available() -> bool {
    std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .any(|version| version.path().join("bin/initdb").exists())
        || on_path("initdb")
}

/// Installs missing Debian packages; returns whether the end-to-end tests can run on this OS.
pub fn ensure_system_packages(purpose: Purpose) -> Result<bool> {
    if cfg!(target_os = "linux") {
        let mut wanted: Vec<&str> = BUILD_PACKAGES.to_vec();
        if purpose == Purpose::Test {
            wanted.extend(TEST_PACKAGES);
        }
        if !on_path("dpkg-query") || !on_path("apt-get") {
            println!(
                "xtask: this Linux has no apt; make sure these (or your distribution's equivalents) are installed:\n  {}",
                wanted.join(" ")
            );
            return Ok(purpose == Purpose::Test && on_path("WebKitWebDriver") && on_path("Xvfb"));
        }
        let missing: Vec<&str> = wanted.into_iter().filter(|p| !dpkg_installed(p)).collect();
        if missing.is_empty() {
            println!("xtask: system packages present");
        } else {
            apt_install(&missing)?;
        }
        Ok(purpose == Purpose::Test)
    } else if cfg!(target_os = "macos") {
        if !Command::new("xcode-select").arg("-p").output().is_ok_and(|o| o.status.success()) {
            bail!("install the Xcode Command Line Tools first: xcode-select --install");
        }
        Ok(false)
    } else if cfg!(target_os = "windows") {
        println!("xtask: on Windows the app needs the Microsoft C++ Build Tools and WebView2 (see README)");
        Ok(purpose == Purpose::Test && on_path("msedgedriver.exe"))
    } else {
        bail!("this OS is not supported; see the README for Windows, macOS and Debian/Ubuntu")
    }
}

pub fn e2e_unsupported_reason() -> &'static str {
    if cfg!(target_os = "macos") {
        "macOS has no WebDriver for WKWebView (tauri-driver supports Linux and Windows)"
    } else if cfg!(target_os = "windows") {
        "msedgedriver.exe matching your Edge version is not on PATH (see README)"
    } else {
        "WebKitWebDriver and Xvfb are not installed"
    }
}

fn dpkg_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
}

fn apt_install(packages: &[&str]) -> Result<()> {
    let is_root = Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let apt = |args: &[&str]| {
        let mut command = if is_root { Command::new("apt-get") } else { Command::new("sudo") };
        if !is_root {
            command.arg("apt-get");
        }
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        command
    };
    if !is_root && !on_path("sudo") {
        bail!("these packages are missing and there is no sudo to install them:\n  {}", packages.join(" "));
    }
    Step::new("apt-get update").run(&mut apt(&["update", "-q"]))?;
    let mut args = vec!["install", "-y", "-q", "--no-install-recommends"];
    args.extend(packages);
    Step::new("install missing system packages").run(&mut apt(&args))
}

/// Installs the given Debian packages when missing (for tasks beyond run and test).
pub fn ensure_debian_packages(packages: &[&str]) -> Result<()> {
    if !cfg!(target_os = "linux") || !on_path("dpkg-query") {
        for package in packages {
            if !on_path(package) {
                bail!("install {} by hand (see README)", packages.join(" "));
            }
        }
        return Ok(());
    }
    let missing: Vec<&str> = packages.iter().copied().filter(|p| !dpkg_installed(p)).collect();
    if missing.is_empty() { Ok(()) } else { apt_install(&missing) }
}

/// `npm ci` in ui/ when node_modules is missing or older than package-lock.json.
pub fn ensure_ui_packages() -> Result<()> {
    if !on_path(if cfg!(windows) { "npm.cmd" } else { "npm" }) {
        bail!("Node.js 20+ and npm are needed for the UI: install them (see README) and run this again");
    }
    let ui = root().join("ui");
    let stamp = ui.join("node_modules/.package-lock.json");
    let lock = ui.join("package-lock.json");
    let fresh = match (
        std::fs::metadata(&stamp).and_then(|m| m.modified()),
        std::fs::metadata(&lock).and_then(|m| m.modified()),
    ) {
        (Ok(installed), Ok(locked)) => installed >= locked,
        _ => false,
    };
    if fresh {
        println!("xtask: UI packages present");
        return Ok(());
    }
    Step::new("install the UI's npm packages").run(Command::new("npm").current_dir(&ui).args([
        "ci",
        "--no-audit",
        "--no-fund",
    ]))
}

/// tauri-driver from crates.io, into cargo's bin folder, when it is not there yet.
pub fn ensure_tauri_driver() -> Result<()> {
    ensure_cargo_tool("tauri-driver", "tauri-driver@^2")
}

/// `cargo install --locked SPEC` when `binary` is neither in cargo's bin folder nor on PATH.
pub fn ensure_cargo_tool(binary: &str, spec: &str) -> Result<()> {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .context("neither CARGO_HOME nor HOME is set")?;
    if cargo_home.join("bin").join(binary).exists() || on_path(binary) {
        println!("xtask: {binary} present");
        return Ok(());
    }
    Step::new("install a cargo tool").run(Command::new("cargo").args(["install", "--locked", spec]))
}

/// An Xvfb server for the end-to-end tests when there is no display; stopped when dropped.
pub struct VirtualDisplay {
    name: String,
    server: Child,
}

impl VirtualDisplay {
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for VirtualDisplay {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

/// `None` when a display is already there (a desktop session, or `xvfb-run`).
pub fn virtual_display() -> Result<Option<VirtualDisplay>> {
    if !cfg!(target_os = "linux") || std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty()) {
        return Ok(None);
    }
    // -displayfd: Xvfb picks a free display number and writes it once it accepts connections.
    let mut server = Command::new("Xvfb")
        .args(["-displayfd", "1", "-screen", "0", "1280x900x24", "-nolisten", "tcp"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("starting Xvfb")?;
    let mut line = String::new();
    BufReader::new(server.stdout.take().context("Xvfb's stdout")?).read_line(&mut line)?;
    let number = line.trim();
    if number.is_empty() {
        let _ = server.kill();
        bail!("Xvfb did not start");
    }
    println!("xtask: virtual display :{number} (Xvfb)");
    Ok(Some(VirtualDisplay { name: format!(":{number}"), server }))
}
