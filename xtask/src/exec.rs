use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root (the folder above xtask/).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the repository").to_path_buf()
}

/// A named step: printed before it runs, so a long run says what it is doing.
pub struct Step(String);

impl Step {
    pub fn new(what: impl Into<String>) -> Self {
        Step(what.into())
    }

    pub fn run(self, command: &mut Command) -> Result<()> {
        println!("\n==> xtask: {}\n    $ {}", self.0, describe(command));
        let status = command.status().with_context(|| format!("could not start `{}`", describe(command)))?;
        if !status.success() {
            bail!("{} failed ({status})", self.0);
        }
        Ok(())
    }

    /// Runs the step and returns what it printed (its errors go to the terminal).
    pub fn output(self, command: &mut Command) -> Result<Vec<u8>> {
        println!("\n==> xtask: {}\n    $ {}", self.0, describe(command));
        let out = command
            .stderr(std::process::Stdio::inherit())
            .output()
            .with_context(|| format!("could not start `{}`", describe(command)))?;
        if !out.status.success() {
            bail!("{} failed ({})", self.0, out.status);
        }
        Ok(out.stdout)
    }
}

fn describe(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

/// Whether `program` can be found on PATH.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}
