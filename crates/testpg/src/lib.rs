//! A PostgreSQL server of the tests' own: Debian's `postgresql` package, `initdb` into a temporary
//! folder (as the `postgres` user when running as root: initdb refuses root), listening on
//! 127.0.0.1 only, one per process, with a fresh database for each test.
//!
//! The server stops when the process that started it ends, however it ends: it is run by a shell
//! that waits on a pipe from this process and stops the server (and removes its folder) when the
//! pipe closes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How the server trades durability for speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Tests: no fsync, no waiting for the WAL (a crash of the test machine loses nothing of value).
    Off,
    /// Benchmarks: PostgreSQL's defaults, every commit synced.
    Full,
}

pub struct Server {
    port: u16,
    cluster: PathBuf,
    bin: PathBuf,
    next: AtomicU32,
    /// Closing this stops the server.
    lifeline: Mutex<Option<ChildStdin>>,
    child: Mutex<Child>,
    _dir: tempfile::TempDir,
}

impl Server {
    /// The process's server, started on first use.
    pub fn shared() -> &'static Server {
        static SERVER: OnceLock<Server> = OnceLock::new();
        SERVER
            .get_or_init(|| Server::start(Durability::Off).unwrap_or_else(|e| panic!("PostgreSQL for the tests: {e}")))
    }

    pub fn start(durability: Durability) -> Result<Server, String> {
        let bin = bin_dir()?;
        let root = is_root();
        let dir = tempfile::Builder::new().prefix("certdesk-pg-").tempdir().map_err(|e| e.to_string())?;
        let cluster = dir.path().join("data");
        if root {
            run(Command::new("chown").arg("postgres:").arg(dir.path()))?;
        }
        let as_owner = |program: &str| {
            let mut command = if root { Command::new("runuser") } else { Command::new(bin.join(program)) };
            if root {
                command.args(["-u", "postgres", "--"]).arg(bin.join(program));
            }
            command
        };
        run(as_owner("initdb").arg("-D").arg(&cluster).args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ]))?;
        let port = free_port()?;
        let mut settings = vec![
            "-c listen_addresses=127.0.0.1".to_owned(),
            format!("-c unix_socket_directories={}", dir.path().display()),
            "-c max_connections=400".to_owned(),
        ];
        if durability == Durability::Off {
            settings.extend(["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"].map(String::from));
        }
        // The shell starts the server, waits until this process's pipe closes, then stops it.
        let script = format!(
            "\"$0\" -D \"$1\" -p {port} {} >>\"$2\" 2>&1 & pid=$!; read _; kill -INT $pid; wait $pid; rm -rf \"$3\"",
            settings.join(" ")
        );
        let mut shell = if root { Command::new("runuser") } else { Command::new("sh") };
        if root {
            shell.args(["-u", "postgres", "--", "sh"]);
        }
        let mut child = shell
            .arg("-c")
            .arg(script)
            .arg(bin.join("postgres"))
            .arg(&cluster)
            .arg(dir.path().join("server.log"))
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting postgres: {e}"))?;
        let lifeline = child.stdin.take();
        let server = Server {
            port,
            cluster,
            bin,
            next: AtomicU32::new(0),
            lifeline: Mutex::new(lifeline),
            child: Mutex::new(child),
            _dir: dir,
        };
        server.wait_ready()?;
        Ok(server)
    }

    fn wait_ready(&self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = Command::new(self.bin.join("pg_isready"))
                .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-q"])
                .status()
                .map_err(|e| format!("pg_isready: {e}"))?
                .success();
            if ready {
                return Ok(());
            }
            if Instant::now() > deadline {
                let log =
                    std::fs::read_to_string(self.cluster.parent().unwrap().join("server.log")).unwrap_or_default();
                return Err(format!("PostgreSQL did not start in 30 s:\n{log}"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's files (`PGDATA`), for tests that look for what must not be written in clear.
    pub fn cluster_dir(&self) -> &Path {
        &self.cluster
    }

    /// A new, empty database: its URL.
    pub fn database(&self) -> String {
        let name = format!("t{}_{}", std::process::id(), self.next.fetch_add(1, Ordering::Relaxed));
        self.psql("postgres", &format!("CREATE DATABASE {name}")).unwrap_or_else(|e| panic!("{e}"));
        self.url(&name)
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Runs `sql` in `database` with psql (as the tests' superuser): its output, unaligned.
    pub fn psql(&self, database: &str, sql: &str) -> Result<String, String> {
        let out = Command::new(self.bin.join("psql"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "postgres", "-d", database])
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .output()
            .map_err(|e| format!("psql: {e}"))?;
        if !out.status.success() {
            return Err(format!("psql {sql}: {}", String::from_utf8_lossy(&out.stderr)));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim_end().to_owned())
    }

    /// Stops the server now (it stops anyway when the process ends).
    pub fn stop(&self) {
        if let Some(mut lifeline) = self.lifeline.lock().unwrap().take() {
            let _ = lifeline.write_all(b"\n");
        }
        let _ = self.child.lock().unwrap().wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false)
}

/// Debian's `/usr/lib/postgresql/<version>/bin`, the newest installed; else the folder of an
/// `initdb` on PATH.
fn bin_dir() -> Result<PathBuf, String> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin)| bin.join("initdb").exists())
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .find(|dir| dir.join("initdb").exists())
        .ok_or_else(|| "no PostgreSQL server: install Debian's postgresql package (cargo xtask test does)".into())
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

fn run(command: &mut Command) -> Result<(), String> {
    let out = command.output().map_err(|e| format!("{command:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{command:?}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
    }
}
