//! Starting the app under tauri-driver and finding things in its window.

use anyhow::{Context, Result, bail};
use fantoccini::{Client, ClientBuilder, Locator, elements::Element};
use hyper_util::client::legacy::connect::HttpConnector;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One run of the app: tauri-driver (which starts WebKitWebDriver, which starts the app) and a
/// WebDriver session on it. Dropping it ends the session's processes.
pub struct App {
    pub client: Client,
    driver: Child,
    /// The app's own D-Bus session bus: a second start reaches the running app over it.
    bus: SessionBus,
}

/// A private `dbus-daemon --session` for one run, ended with it.
struct SessionBus {
    daemon: Child,
    address: String,
}

impl SessionBus {
    fn start(data_dir: &Path) -> Result<SessionBus> {
        let socket = data_dir.join("session-bus");
        let address = format!("unix:path={}", socket.display());
        // Left by the bus of an earlier run on the same folder (a relaunch after a kill).
        let _ = std::fs::remove_file(&socket);
        let daemon = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--nopidfile", &format!("--address={address}")])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting dbus-daemon (package dbus-daemon; `cargo xtask test` installs it)")?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            if Instant::now() > deadline {
                bail!("dbus-daemon did not listen at {address}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(SessionBus { daemon, address })
    }
}

impl Drop for SessionBus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// How the app is started: its data folder and, when set, the platform it talks to.
pub struct Launch<'a> {
    pub data_dir: &'a Path,
    pub platform_url: Option<&'a str>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn tauri_driver() -> PathBuf {
    if let Some(path) = std::env::var_os("TAURI_DRIVER") {
        return path.into();
    }
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .map(|home| home.join("bin/tauri-driver"));
    match cargo_bin {
        Some(path) if path.exists() => path,
        _ => PathBuf::from("tauri-driver"),
    }
}

impl App {
    pub async fn launch(launch: Launch<'_>) -> Result<App> {
        let (port, native_port) = (free_port(), free_port());
        // The app's Downloads folder (where the cover sheet goes) inside the run's data folder.
        let config_home = launch.data_dir.join("xdg-config");
        std::fs::create_dir_all(&config_home)?;
        std::fs::write(
            config_home.join("user-dirs.dirs"),
            format!("XDG_DOWNLOAD_DIR=\"{}\"\n", downloads_dir(launch.data_dir).display()),
        )?;
        let bus = SessionBus::start(launch.data_dir)?;
        let mut command = Command::new(tauri_driver());
        command
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            // The payment page "opens in the browser" without one: the test opens it itself.
            .env("BROWSER", "true")
            .env_remove("XDG_CURRENT_DESKTOP")
            // The demo's own SoftHSM2 UKeys, in the launch's data folder, not this machine's.
            .env_remove("SOFTHSM2_CONF")
            .env_remove("CERTDESK_PKCS11_MODULE")
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            // The app inherits this environment through WebKitWebDriver.
            .env("CERTDESK_DATA_DIR", launch.data_dir)
            .env("XDG_CONFIG_HOME", &config_home)
            .env("RUST_LOG", "info")
            // No camera on the test machines: the built-in demo (a face moving into the oval).
            .env("CERTDESK_CAMERA", "demo")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        match launch.platform_url {
            Some(url) => command.env("CERTDESK_PLATFORM_URL", url),
            None => command.env_remove("CERTDESK_PLATFORM_URL"),
        };
        // Its own process group, so that ending the run also ends WebKitWebDriver and the app.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut driver =
            command.spawn().context("starting tauri-driver (run `cargo xtask test`, which installs it)")?;

        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = driver.try_wait()? {
                bail!("tauri-driver exited early: {status}");
            }
            if Instant::now() > deadline {
                end_process_group(&mut driver);
                bail!("tauri-driver did not listen on port {port}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), "wry".into());
        capabilities
            .insert("tauri:options".into(), serde_json::json!({ "application": env!("CARGO_BIN_EXE_certdesk") }));
        // tauri-driver listens before WebKitWebDriver behind it is ready: on a loaded machine the
        // first session request can find the connection dropped (SendRequest). Ask again, briefly.
        let mut attempt = 1;
        let client = loop {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => break client,
                Err(e) if attempt < 4 && driver.try_wait()?.is_none() => {
                    eprintln!("e2e: no WebDriver session yet ({e}); asking again");
                    attempt += 1;
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                Err(e) => {
                    end_process_group(&mut driver);
                    bail!("no WebDriver session with the app after {attempt} requests: {e}");
                }
            }
        };
        Ok(App { client, driver, bus })
    }

    /// Opens `url` as the desktop does for a `certdesk://` link: starts the app binary with it,
    /// which hands it to the running app and exits.
    pub async fn open_deep_link(&self, url: &str) -> Result<()> {
        let mut second = Command::new(env!("CARGO_BIN_EXE_certdesk"))
            .arg(url)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus.address)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()?;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = second.try_wait()? {
                if !status.success() {
                    bail!("the second start ended with {status}");
                }
                return Ok(());
            }
            if Instant::now() > deadline {
                let _ = second.kill();
                bail!("the second start did not hand the link over and exit: it runs as a second app");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits (up to 30 s) for an element to be present.
    pub async fn wait_for(&self, css: &str) -> Result<Element> {
        self.client.wait().for_element(Locator::Css(css)).await.with_context(|| format!("waiting for {css}"))
    }

    /// Waits for an element whose text contains `text`, under the element matched by `css`.
    pub async fn wait_for_text(&self, css: &str, text: &str) -> Result<Element> {
        let xpath =
            format!("//*[contains(normalize-space(.), '{text}') and not(*[contains(normalize-space(.), '{text}')])]");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(scope) = self.client.find(Locator::Css(css)).await
                && let Ok(found) = scope.find(Locator::XPath(&format!("./descendant-or-self::*{}", &xpath[3..]))).await
            {
                return Ok(found);
            }
            if Instant::now() > deadline {
                // What is there instead says more than the absence.
                let there = match self.client.find(Locator::Css(css)).await {
                    Ok(scope) => scope.text().await.unwrap_or_default(),
                    Err(_) => "(nothing matches)".to_owned(),
                };
                bail!("no '{text}' under {css}; it shows: {there}");
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Clicks the element under `css` whose own text is exactly `text` (a link or button label).
    /// The click is dispatched from the page: WebKitWebDriver's own click on an `<a>` without `href`
    /// waits for a navigation that never comes.
    pub async fn click_text(&self, css: &str, text: &str) -> Result<()> {
        self.wait_for(css).await?;
        let clicked = self
            .client
            .execute(
                "const [css, text] = arguments;
                 const target = [...document.querySelectorAll(css + ' *')]
                   .find(el => [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim() === text));
                 if (target) target.click();
                 return Boolean(target);",
                vec![css.into(), text.into()],
            )
            .await?;
        if clicked != serde_json::Value::Bool(true) {
            bail!("no '{text}' under {css}");
        }
        Ok(())
    }

    /// Clicks the first element matching `css`, dispatched from the page: a WebDriver click aims at
    /// the element's position, which is not final while a popup is still zooming in. A disabled
    /// element is waited for, as a person waits for a button to light up: a click on it does nothing
    /// (邮寄纸质资料's 确认 is disabled until the platform's mailing address has arrived).
    pub async fn click_css(&self, css: &str) -> Result<()> {
        self.wait_for(css).await?;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let outcome = self
                .client
                .execute(
                    "const el = document.querySelector(arguments[0]);
                     if (!el) return 'missing';
                     if (el.disabled || el.getAttribute('aria-disabled') === 'true') return 'disabled';
                     el.click();
                     return 'clicked';",
                    vec![css.into()],
                )
                .await?;
            match outcome.as_str() {
                Some("clicked") => return Ok(()),
                Some("missing") => bail!("nothing to click at {css}"),
                _ if Instant::now() > deadline => bail!("{css} stayed disabled for 30 s"),
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// Presses the mouse on the first element matching `css`, from the page: what opens an antd
    /// Select (it listens for mousedown, not click).
    pub async fn mouse_down_css(&self, css: &str) -> Result<()> {
        self.wait_for(css).await?;
        let pressed = self
            .client
            .execute(
                "const el = document.querySelector(arguments[0]);
                 if (el) el.dispatchEvent(new MouseEvent('mousedown', { bubbles: true, cancelable: true }));
                 return Boolean(el);",
                vec![css.into()],
            )
            .await?;
        if pressed != serde_json::Value::Bool(true) {
            bail!("nothing to press at {css}");
        }
        Ok(())
    }

    /// Types into a field. No click first: Send Keys focuses the element itself, and a click at the
    /// field's position while a dialog is still zooming in can land on the mask behind it.
    pub async fn type_into(&self, css: &str, text: &str) -> Result<()> {
        let input = self.wait_for(css).await?;
        input.send_keys(text).await?;
        Ok(())
    }

    /// Replaces what an input holds, as a paste over a selection would: the value is set through
    /// the native setter and an input event tells React.
    pub async fn replace_value(&self, css: &str, text: &str) -> Result<()> {
        self.wait_for(css).await?;
        let done = self
            .client
            .execute(
                "const [css, text] = arguments;
                 const el = document.querySelector(css);
                 if (!el) return false;
                 Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(el, text);
                 el.dispatchEvent(new Event('input', { bubbles: true }));
                 return true;",
                vec![css.into(), text.into()],
            )
            .await?;
        if done != serde_json::Value::Bool(true) {
            bail!("no input at {css}");
        }
        Ok(())
    }

    /// The current value of an input.
    pub async fn value_of(&self, css: &str) -> Result<String> {
        let input = self.wait_for(css).await?;
        Ok(input.prop("value").await?.unwrap_or_default())
    }

    /// Ends the app the hard way, as a crash or a power cut would: no window closing, no shutdown.
    pub fn kill(self) {
        drop(self);
    }

    /// The cells of every row of the order table, as text. Read in one script, so that a table the
    /// sync re-renders meanwhile cannot leave a row behind that is no longer in the page.
    pub async fn order_rows(&self) -> Result<Vec<Vec<String>>> {
        let rows = self
            .client
            .execute(
                "return Array.from(document.querySelectorAll('#orders tr.ant-table-row')).map(row =>
                   Array.from(row.querySelectorAll('td')).map(cell => cell.innerText.replace(/\\s+/g, ' ').trim()));",
                vec![],
            )
            .await?;
        Ok(serde_json::from_value(rows)?)
    }

    /// The order table's rows once it shows `count` of them (a page change renders the new rows a
    /// moment after the pager moves).
    pub async fn wait_for_order_rows(&self, count: usize) -> Result<Vec<Vec<String>>> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let rows = self.order_rows().await?;
            if rows.len() == count {
                return Ok(rows);
            }
            if Instant::now() > deadline {
                bail!("the order table shows {} rows, not {count}: {rows:?}", rows.len());
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Saves a PNG of the window, for the docs and for finding out why a step failed.
    pub async fn screenshot(&self, path: &Path) -> Result<()> {
        // WebKitGTK's snapshot waits for the next painted frame; once a canvas has put the page in
        // composited mode, a still page paints none and the snapshot waits a minute. A dot that
        // appears for two frames makes one.
        self.client
            .execute(
                "const d = document.createElement('div');
                 d.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;background:rgba(0,0,0,0.02)';
                 document.body.appendChild(d);
                 requestAnimationFrame(() => requestAnimationFrame(() => d.remove()));",
                vec![],
            )
            .await?;
        let png = self.client.screenshot().await?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, png)?;
        Ok(())
    }

    /// Ends the session and the app, as a user closing the window would.
    pub async fn quit(self) -> Result<()> {
        let closed = tokio::time::timeout(Duration::from_secs(10), self.client.clone().close()).await;
        drop(self);
        match closed {
            Ok(result) => result.context("closing the WebDriver session"),
            Err(_) => bail!("the WebDriver session did not close within 10 s"),
        }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        end_process_group(&mut self.driver);
    }
}

/// Kills tauri-driver with WebKitWebDriver and the app it started (they share its process group).
fn end_process_group(driver: &mut Child) {
    #[cfg(unix)]
    let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", driver.id())]).status();
    let _ = driver.kill();
    let _ = driver.wait();
}

/// Runs a stretch of a test with an upper bound, so that a WebDriver command that never answers fails
/// the test instead of hanging it.
pub async fn within<T>(seconds: u64, stretch: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    match tokio::time::timeout(Duration::from_secs(seconds), stretch).await {
        Ok(result) => result,
        Err(_) => bail!("this stretch of the test did not finish within {seconds} s"),
    }
}

impl App {
    /// Runs a stretch of a test within `seconds`; when it fails, the window as it was is saved as
    /// `failure_shot` among the artifacts, to see why.
    pub async fn stretch<T>(
        &self,
        seconds: u64,
        failure_shot: &str,
        steps: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        let outcome = within(seconds, steps).await;
        if outcome.is_err() {
            let _ = self.screenshot(&artifacts_dir().join(failure_shot)).await;
        }
        outcome
    }
}

/// A step of a long test, shown as it happens (run with `--nocapture`).
/// 员工登录 with one of the demo accounts the form lists (使用 fills it in).
pub async fn staff_log_in(app: &App, username: &str) -> Result<()> {
    app.wait_for_text("#demo-staff", "certdesk-demo").await?;
    app.click_css(&format!(".use-demo-{username}")).await?;
    app.click_css("#staff-login-submit").await?;
    app.wait_for_text("#staff-account", username).await?;
    Ok(())
}

/// 写入证书 onto the demo's software SM2 UKey (演示CA's orders): the certificate's serial and the
/// UKey's new PIN (the 密码信封's).
pub async fn write_certificate_to_demo_ukey(app: &App) -> Result<(String, String)> {
    app.wait_for("#ukey-writer").await?;
    app.mouse_down_css("#ukey-select").await?;
    app.click_css(".ant-select-item-option[title*='SOFT-SM2-0001']").await?;
    type_pin_and_write(app).await
}

/// 插入新的演示UKey (a blank SoftHSM2 token, made by the app through PKCS#11), then 写入证书 onto
/// it: the certificate's serial, the UKey's new PIN and its label (`演示UKey 2`).
pub async fn write_certificate_to_new_softhsm_ukey(app: &App) -> Result<(String, String, String)> {
    app.wait_for("#ukey-writer").await?;
    app.click_css("#ukey-plug-demo").await?;
    let plugged = app.wait_for_text("#ukey-plugged", "演示UKey").await?.text().await?;
    let start = plugged.find("演示UKey").context("no label in the plugged notice")?;
    let label: String = plugged[start..]
        .chars()
        .take_while(|c| "演示UKey 0123456789".contains(*c))
        .collect::<String>()
        .trim()
        .to_owned();
    let (serial, pin) = type_pin_and_write(app).await?;
    Ok((serial, pin, label))
}

/// In the dialog or form `scope`, the UKey whose option names `label`, and its PIN into `pin_input`.
pub async fn choose_ukey(app: &App, scope: &str, label: &str, pin_input: &str, pin: &str) -> Result<()> {
    app.mouse_down_css(&format!("{scope} .ukey-select")).await?;
    app.click_css(&format!(".ant-select-item-option[title*='{label}（']")).await?;
    app.type_into(pin_input, pin).await
}

/// The demo UKey's factory PIN typed, 写入证书, and the new PIN shown once: the serial and that PIN.
async fn type_pin_and_write(app: &App) -> Result<(String, String)> {
    app.type_into("#ukey-pin", "12345678").await?;
    app.click_css("#ukey-write").await?;
    let pin = app.wait_for("#ukey-new-pin").await?.text().await?;
    if pin.len() != 8 || !pin.chars().all(|c| c.is_ascii_digit()) {
        anyhow::bail!("the UKey's new PIN is not 8 digits: {pin:?}");
    }
    app.wait_for("#ukey-all-issued").await?;
    let serial = app.wait_for("#ukey-certificates .ukey-certificate-serial").await?.text().await?;
    if serial.is_empty() || !serial.chars().all(|c| c.is_ascii_hexdigit()) {
        anyhow::bail!("the certificate's serial is not hex: {serial:?}");
    }
    Ok((serial, pin))
}

/// 有效期 as 查看 shows it, `YYYY-MM-DD HH:MM 至 YYYY-MM-DD HH:MM`: one year from issuance.
pub fn check_one_year_validity(text: &str) -> Result<()> {
    let (from, to) = text.split_once(" 至 ").with_context(|| format!("no validity in {text:?}"))?;
    let year = |s: &str| s.get(..4).and_then(|y| y.parse::<i32>().ok());
    match (year(from), year(to)) {
        (Some(a), Some(b)) if b == a + 1 && from.len() == 16 && to.len() == 16 => Ok(()),
        _ => anyhow::bail!("the validity is not one year: {text:?}"),
    }
}

pub fn step(what: &str) {
    eprintln!("e2e: {what}");
}

/// Where failing runs leave their screenshots.
pub fn artifacts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/e2e")
}

/// Where the app launched with `data_dir` saves downloads.
pub fn downloads_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("downloads")
}

/// Where the screenshots of each screen go: among the run's artifacts, or, with
/// `CERTDESK_UPDATE_SCREENSHOTS=1`, into `docs/screenshots` for the README (so that an ordinary run
/// does not rewrite committed pictures whose clock and order numbers differ each time).
pub fn screenshots_dir() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("CERTDESK_UPDATE_SCREENSHOTS").is_some() {
        root.join("docs/screenshots")
    } else {
        artifacts_dir().join("screenshots")
    }
}
