//! End-to-end tests: the real CertDesk binary in a real window (under Xvfb on CI), driven over
//! WebDriver through tauri-driver and WebKitWebDriver.
//!
//! They need a display, `tauri-driver` and `WebKitWebDriver`, so they are `#[ignore]`d in a plain
//! `cargo test`; `cargo xtask test` installs those and runs them with `--ignored`.

mod apply;
mod counter;
mod face;
mod journey;
mod pay;
mod support;
mod workbench;
