//! The platform over real HTTP on port 0 with a fresh database each: a SQLite file, or with
//! `CERTDESK_TEST_DATABASE=postgres` a database on the PostgreSQL server this test binary starts
//! (`cargo xtask test` runs the suite both ways).

mod accounts;
mod applicant_steps;
mod audit;
mod bindings;
mod certificates;
mod config;
mod counter;
mod counter_payment;
mod cover_sheet;
mod events;
mod every_endpoint;
mod face;
mod idempotency;
mod instances;
mod invoices;
mod listing;
mod mail;
mod openapi;
mod orders;
mod payment_trust;
mod payments;
mod providers;
mod refunds;
mod resubmission;
mod schema;
mod smtp_sink;
mod staff;
mod staff_members;

use certdesk_platform::{Platform, PlatformConfig, PlatformHandle};

pub struct TestPlatform {
    pub handle: PlatformHandle,
    pub http: reqwest::Client,
    dir: tempfile::TempDir,
    database_url: Option<String>,
}

/// Whether this run keeps the platform's data in PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var("CERTDESK_TEST_DATABASE").is_ok_and(|v| v == "postgres")
}

/// A fresh database for one platform: `None` (its SQLite file) or a new PostgreSQL database.
pub fn fresh_database() -> Option<String> {
    on_postgres().then(|| certdesk_testpg::Server::shared().database())
}

impl TestPlatform {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.handle.url())
    }

    /// POSTs `body` to `path` with `http`'s session: the status and the JSON answer.
    pub async fn post_json(
        &self,
        http: &reqwest::Client,
        path: &str,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        post_json(http, &self.url(path), body).await
    }

    /// The platform's data folder, for setting up what has no endpoint yet.
    pub fn data_dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    pub fn database_url(&self) -> Option<&str> {
        self.database_url.as_deref()
    }

    /// Creates a staff account in this platform's database.
    pub fn add_staff(&self, staff: &certdesk_platform::staff::NewStaff) -> i64 {
        certdesk_platform::staff::add_staff(self.data_dir(), self.database_url(), staff).unwrap()
    }

    /// Runs `f` on the platform's database: to set up what has no endpoint, or to look at what is
    /// stored. SQL in the dialect both backends take (see `store`).
    pub async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&certdesk_platform::store::Db) -> certdesk_platform::Result<T> + Send + 'static,
    ) -> T {
        self.handle.with_db(f).await.unwrap()
    }

    /// Every file the database keeps this platform's data in, flushed: the SQLite file and its
    /// WAL, or on PostgreSQL this database's folder and the server's WAL after a checkpoint.
    pub async fn database_files(&self) -> Vec<std::path::PathBuf> {
        match self.database_url() {
            None => every_file(self.data_dir())
                .into_iter()
                .filter(|f| f.to_string_lossy().contains("platform.db"))
                .collect(),
            Some(_) => {
                let oid: i64 = self
                    .db(|db| {
                        db.read(|c| {
                            c.query_one(
                                "SELECT CAST(oid AS BIGINT) FROM pg_database WHERE datname = current_database()",
                                certdesk_platform::params![],
                                |r| r.get(0),
                            )
                        })
                    })
                    .await;
                let server = certdesk_testpg::Server::shared();
                server.psql("postgres", "CHECKPOINT").unwrap();
                let cluster = server.cluster_dir();
                let mut files = every_file(&cluster.join("base").join(oid.to_string()));
                files.extend(every_file(&cluster.join("pg_wal")));
                files
            }
        }
    }
}

/// A platform on port 0 with a fresh database; `http` is signed in as the demo organisation, whose
/// 统一社会信用代码 is the one in [`valid_order`].
pub async fn spawn_platform() -> TestPlatform {
    spawn_platform_with(|_| {}).await
}

/// [`spawn_platform`] with the embedded configuration changed by `configure`.
pub async fn spawn_platform_with(configure: impl FnOnce(&mut PlatformConfig)) -> TestPlatform {
    let dir = tempfile::tempdir().unwrap();
    let mut config = PlatformConfig::embedded(dir.path());
    config.database_url = fresh_database();
    configure(&mut config);
    let database_url = config.database_url.clone();
    let handle = Platform::start(config).await.unwrap();
    let http = authed(&handle).await;
    TestPlatform { handle, http, dir, database_url }
}

/// An HTTP client that sends the demo organisation's session with every request.
pub async fn authed(handle: &PlatformHandle) -> reqwest::Client {
    bearer_client(&handle.demo_session().await.unwrap().token)
}

pub fn bearer_client(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::AUTHORIZATION, format!("Bearer {token}").parse().unwrap());
    reqwest::Client::builder().default_headers(headers).build().unwrap()
}

pub fn valid_order() -> serde_json::Value {
    serde_json::json!({
        "providerId": "zjhx",
        "quantity": 2,
        "organisationName": "晨安入驻供应商",
        "creditCode": "91330106MA27XY812F",
        "applicantName": "陈晨",
        "idNumber": "330102198001010018",
        "mobile": "13800138000",
        "email": "invoice@example.com",
        "delivery": "mail",
        "recipient": "陈晨",
        "recipientMobile": "13800138000",
        "address": "浙江省杭州市西湖区文三路1号"
    })
}

/// Registers an organisation's applicant account and returns a client signed in as it.
pub async fn register(base_url: &str, organisation: &str, credit_code: &str, username: &str) -> reqwest::Client {
    let res = reqwest::Client::new()
        .post(format!("{base_url}/v1/accounts"))
        .json(&serde_json::json!({"organisationName": organisation, "creditCode": credit_code,
            "username": username, "password": "a-long-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let session: serde_json::Value = res.json().await.unwrap();
    bearer_client(session["token"].as_str().unwrap())
}

/// POSTs `body` to `url`: the status and the JSON answer.
pub async fn post_json(http: &reqwest::Client, url: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
    let res = http.post(url).json(body).send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

/// A camera fixture (`tests/fixtures/camera/NAME.png`) encoded as the JPEG the app would upload.
pub fn fixture_jpeg(name: &str) -> Vec<u8> {
    let path = format!("{}/../../tests/fixtures/camera/{name}.png", env!("CARGO_MANIFEST_DIR"));
    let image = image::open(path).unwrap().to_rgb8();
    let mut jpeg = Vec::new();
    image.write_to(&mut std::io::Cursor::new(&mut jpeg), image::ImageFormat::Jpeg).unwrap();
    jpeg
}

/// A file's bytes, or `None` when it went away after it was listed (the database server's own
/// temporary files do).
pub fn read_if_there(path: &std::path::Path) -> Option<Vec<u8>> {
    match std::fs::read(path) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => panic!("{}: {e}", path.display()),
    }
}

/// Whether `text` appears in `bytes` (a fast search: the files are the size of a database).
pub fn holds(bytes: &[u8], text: &str) -> bool {
    String::from_utf8_lossy(bytes).contains(text)
}

/// Every file under `dir`, in its folders too (the platform's data folder holds the embedded
/// sandbox gateway's).
pub fn every_file(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    // A folder may go away while it is walked (the database server's temporary ones).
    let Ok(entries) = std::fs::read_dir(dir) else { return files };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() { files.extend(every_file(&path)) } else { files.push(path) }
    }
    files
}
