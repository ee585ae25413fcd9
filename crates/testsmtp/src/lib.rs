//! A real SMTP server on loopback for the mail tests: Debian's aiosmtpd, delivering into a maildir
//! that the tests read back and parse (mailparse). Stopped and started again on the same port to
//! play an SMTP server that is down.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SmtpSink {
    pub port: u16,
    maildir: tempfile::TempDir,
    child: Option<Child>,
    tls: Tls,
}

/// How the server protects its connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    None,
    /// STARTTLS offered and required before MAIL.
    Starttls,
    /// TLS from the first byte (SMTPS).
    Implicit,
}

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The envelope's recipients (`RCPT TO`).
    pub rcpt_to: String,
    pub to: String,
    pub subject: String,
    pub message_id: String,
    /// The plain text part.
    pub text: String,
    /// Each attachment: file name, content type and bytes.
    pub attachments: Vec<(String, String, Vec<u8>)>,
}

/// Debian's python, not a pyenv one on PATH that lacks the Debian module.
const PYTHON: &str = "/usr/bin/python3";

impl SmtpSink {
    /// A server on a free loopback port.
    pub fn start() -> SmtpSink {
        SmtpSink::start_with(Tls::None)
    }

    /// A server on a free loopback port with `tls`: its certificate (for `localhost` and
    /// 127.0.0.1) issued by a CA made for it, whose certificate is [`SmtpSink::ca_pem`].
    pub fn start_with(tls: Tls) -> SmtpSink {
        let mut sink = SmtpSink::stopped();
        sink.tls = tls;
        if tls != Tls::None {
            make_certificates(sink.maildir.path());
        }
        sink.resume();
        sink
    }

    /// A port where nothing listens yet: the server is down until [`SmtpSink::resume`].
    pub fn stopped() -> SmtpSink {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        SmtpSink { port, maildir: tempfile::tempdir().unwrap(), child: None, tls: Tls::None }
    }

    /// The CA certificate the server's certificate chains to (PEM), for a TLS server.
    pub fn ca_pem(&self) -> PathBuf {
        self.maildir.path().join("ca.pem")
    }

    /// Starts the server (again) on its port and waits until it answers.
    pub fn resume(&mut self) {
        assert!(self.child.is_none(), "already running");
        let dir = self.maildir.path();
        let (cert, key) = (dir.join("server.pem"), dir.join("server.key"));
        let tls_args: Vec<std::ffi::OsString> = match self.tls {
            Tls::None => vec![],
            Tls::Starttls => vec!["--tlscert".into(), cert.into(), "--tlskey".into(), key.into()],
            Tls::Implicit => vec!["--smtpscert".into(), cert.into(), "--smtpskey".into(), key.into()],
        };
        let child = Command::new(PYTHON)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{}", self.port)])
            .args(tls_args)
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            // Maildir makes its folders only when the maildir does not exist yet.
            .arg(self.maildir.path().join("maildir"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{PYTHON} -m aiosmtpd (Debian package python3-aiosmtpd): {e}"));
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("aiosmtpd exited with {status}: is python3-aiosmtpd installed? (cargo xtask test installs it)");
            }
            assert!(Instant::now() < deadline, "aiosmtpd did not start on port {}", self.port);
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the server: connections are refused until it resumes.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Every message received so far, in the order received.
    pub fn received(&self) -> Vec<Received> {
        read_maildir(&self.maildir.path().join("maildir"))
    }

    /// The messages once `n` have arrived, or `None` after 30 s; checked on a blocking thread
    /// every 100 ms (call it through `spawn_blocking` from async code).
    pub fn wait_for(&self, n: usize) -> Option<Vec<Received>> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let got = self.received();
            if got.len() >= n {
                return Some(got);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A CA and a server certificate it issues for `localhost` and 127.0.0.1, by OpenSSL's CLI: the
/// server certificate is not a CA's, as TLS clients insist.
fn make_certificates(dir: &Path) {
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl on PATH");
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    let p256 = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    openssl(
        &[
            &["req", "-x509"][..],
            &p256,
            &["-days", "2", "-subj", "/CN=CertDesk test mail CA", "-keyout", "ca.key", "-out", "ca.pem"],
        ]
        .concat(),
    );
    openssl(
        &[&["req"][..], &p256, &["-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr"]].concat(),
    );
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "server.ext",
        "-out",
        "server.pem",
    ]);
}

/// The messages of a maildir (aiosmtpd's Mailbox writes `new/`), oldest first.
pub fn read_maildir(dir: &Path) -> Vec<Received> {
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(dir.join("new"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| (e.metadata().unwrap().modified().unwrap(), e.path()))
        .collect();
    files.sort();
    files.into_iter().map(|(_, path)| parse(&std::fs::read(path).unwrap())).collect()
}

/// Parses one message as a mail program would.
pub fn parse(bytes: &[u8]) -> Received {
    use mailparse::MailHeaderMap;
    let mail = mailparse::parse_mail(bytes).unwrap();
    let header = |name: &str| mail.headers.get_first_value(name).unwrap_or_default();
    let mut text = String::new();
    let mut attachments = Vec::new();
    for part in mail.parts() {
        let disposition = part.get_content_disposition();
        if disposition.disposition == mailparse::DispositionType::Attachment {
            let name = disposition.params.get("filename").cloned().unwrap_or_default();
            attachments.push((name, part.ctype.mimetype.clone(), part.get_body_raw().unwrap()));
        } else if part.ctype.mimetype == "text/plain" {
            text.push_str(&part.get_body().unwrap());
        }
    }
    Received {
        rcpt_to: header("X-RcptTo"),
        to: header("To"),
        subject: header("Subject"),
        message_id: header("Message-ID"),
        text,
        attachments,
    }
}

/// The text of a PDF, read by pdftotext.
pub fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.pdf"), pdf).unwrap();
    let out = Command::new("pdftotext").args(["-layout", "a.pdf", "-"]).current_dir(dir.path()).output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}
