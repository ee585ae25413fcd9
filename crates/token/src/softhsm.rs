//! SoftHSM2 as a UKey: a token folder of its own and `softhsm2-util` to make new tokens, for the
//! tests and the demo's 演示UKey. SoftHSM2 reads `SOFTHSM2_CONF` once, when the module is first
//! initialised in a process: [`SoftHsm::use_in_this_process`] must come before that. It also sees
//! only the tokens the folder holds then: make them first (a real UKey's module sees keys plugged
//! in later).

use crate::{Result, TokenError};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where Debian, Fedora, Homebrew (Apple silicon, then Intel under /usr/local), a source build and
/// SoftHSM2 for Windows put the module.
const MODULE_PATHS: &[&str] = &[
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib64/pkcs11/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
    "/opt/homebrew/lib/softhsm/libsofthsm2.so",
    "C:\\SoftHSM2\\lib\\softhsm2-x64.dll",
];

/// SoftHSM2's PKCS#11 module, if it is installed.
pub fn module() -> Option<PathBuf> {
    MODULE_PATHS.iter().map(PathBuf::from).find(|p| p.exists())
}

/// A SoftHSM2 configuration whose tokens live in one folder.
#[derive(Debug, Clone)]
pub struct SoftHsm {
    conf: PathBuf,
}

impl SoftHsm {
    /// The configuration in `dir` (written if missing), tokens in `dir/tokens`.
    pub fn at(dir: &Path) -> Result<SoftHsm> {
        let io = |e: std::io::Error| TokenError::Device(format!("SoftHSM2 目录无法创建：{e}"));
        let tokens = dir.join("tokens");
        std::fs::create_dir_all(&tokens).map_err(io)?;
        let conf = dir.join("softhsm2.conf");
        if !conf.exists() {
            let text = format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n",
                tokens.display()
            );
            std::fs::write(&conf, text).map_err(io)?;
        }
        Ok(SoftHsm { conf })
    }

    pub fn conf(&self) -> &Path {
        &self.conf
    }

    /// Points this process's SoftHSM2 at this configuration.
    ///
    /// # Safety
    /// Sets an environment variable: call while no other thread reads the environment (at the
    /// start of `main`, or once under a `OnceLock` in a test binary before any thread uses it).
    pub unsafe fn use_in_this_process(&self) {
        // SAFETY: the caller guarantees no concurrent access to the environment.
        unsafe { std::env::set_var("SOFTHSM2_CONF", &self.conf) };
    }

    /// A new token labelled `label` with the SO and user PINs given, as a UKey leaves its
    /// vendor; its serial number.
    pub fn init_token(&self, label: &str, so_pin: &str, user_pin: &str) -> Result<String> {
        let out = Command::new("softhsm2-util")
            .env("SOFTHSM2_CONF", &self.conf)
            .args(["--init-token", "--free", "--label", label, "--so-pin", so_pin, "--pin", user_pin])
            .output()
            .map_err(|e| TokenError::Device(format!("softhsm2-util 无法运行（请安装 softhsm2）：{e}")))?;
        if !out.status.success() {
            return Err(TokenError::Device(format!(
                "softhsm2-util --init-token: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        self.serial_of(label)
    }

    /// The serial number of the token labelled `label`, from `softhsm2-util --show-slots`.
    pub fn serial_of(&self, label: &str) -> Result<String> {
        let out = Command::new("softhsm2-util")
            .env("SOFTHSM2_CONF", &self.conf)
            .arg("--show-slots")
            .output()
            .map_err(|e| TokenError::Device(e.to_string()))?;
        let text = String::from_utf8_lossy(&out.stdout);
        // A block per slot, each with a `Serial number:` and a `Label:` line.
        for block in text.split("\nSlot ") {
            let field = |name: &str| {
                block.lines().map(str::trim).find_map(|l| l.strip_prefix(name)).map(|v| v.trim().to_owned())
            };
            if field("Label:").as_deref() == Some(label)
                && let Some(serial) = field("Serial number:").filter(|s| !s.is_empty())
            {
                return Ok(serial);
            }
        }
        Err(TokenError::NotPresent)
    }
}
