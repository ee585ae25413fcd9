//! The platform over real HTTP on port 0 with a fresh database each.

mod idempotency;
mod listing;
mod orders;
mod providers;
mod staff;

use certdesk_platform::{Platform, PlatformConfig, PlatformHandle};

pub struct TestPlatform {
    pub handle: PlatformHandle,
    pub http: reqwest::Client,
    dir: tempfile::TempDir,
}

impl TestPlatform {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.handle.url())
    }

    /// The platform's data folder, for setting up what has no endpoint yet.
    pub fn data_dir(&self) -> &std::path::Path {
        self.dir.path()
    }
}

pub async fn spawn_platform() -> TestPlatform {
    let dir = tempfile::tempdir().unwrap();
    let handle = Platform::start(PlatformConfig::embedded(dir.path())).await.unwrap();
    TestPlatform { handle, http: reqwest::Client::new(), dir }
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
