//! 人脸认证 providers: who matches a live photo against the national ID photo of name + ID number.
//!
//! The platform counts attempts and keeps results; a provider only answers one question per call.
//! `sandbox` (the embedded default, the tests, staff training) checks that the photo decodes and
//! holds one face; `tencent` calls Tencent Cloud FaceID `ImageRecognition`, signed TC3-HMAC-SHA256.

mod sandbox;
pub mod tencent;

pub use sandbox::SandboxVerifier;
pub use tencent::{TencentFaceId, TencentFaceIdConfig};

use serde::Deserialize;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// One question to a provider. The photo lives only in memory for the call.
pub struct FaceCheck<'a> {
    pub name: &'a str,
    pub id_number: &'a str,
    pub jpeg: &'a [u8],
}

/// The provider's answer about the person.
#[derive(Debug, Clone, PartialEq)]
pub enum FaceVerdict {
    Passed,
    /// Not the same person, or the photo cannot be judged: the reason is shown to the applicant.
    Failed {
        reason: String,
    },
}

/// The provider could not answer (network, credentials, quota): the attempt is not counted.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ProviderUnavailable(pub String);

pub type VerifyFuture<'a> = Pin<Box<dyn Future<Output = Result<FaceVerdict, ProviderUnavailable>> + Send + 'a>>;

pub trait FaceVerifier: Send + Sync {
    /// Kept with each attempt, so a result can be traced to who decided it.
    fn name(&self) -> &'static str;
    fn verify<'a>(&'a self, check: FaceCheck<'a>) -> VerifyFuture<'a>;
}

/// `[face]` in the platform's configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "provider", rename_all = "lowercase", deny_unknown_fields)]
pub enum FaceProviderConfig {
    /// Checks the photo locally; never contacts anyone. `fail_id_numbers` always fail, so the
    /// failure path and the daily limit can be walked.
    Sandbox {
        #[serde(default = "sandbox_failures")]
        fail_id_numbers: Vec<String>,
    },
    Tencent(TencentFaceIdConfig),
}

/// The ID number that the sandbox fails by default: the standard's own example number
/// (GB 11643), which belongs to nobody.
pub const SANDBOX_FAILING_ID_NUMBER: &str = "11010519491231002X";

fn sandbox_failures() -> Vec<String> {
    vec![SANDBOX_FAILING_ID_NUMBER.to_owned()]
}

impl Default for FaceProviderConfig {
    fn default() -> Self {
        FaceProviderConfig::Sandbox { fail_id_numbers: sandbox_failures() }
    }
}

impl FaceProviderConfig {
    pub fn build(&self) -> Arc<dyn FaceVerifier> {
        match self {
            FaceProviderConfig::Sandbox { fail_id_numbers } => Arc::new(SandboxVerifier::new(fail_id_numbers.clone())),
            FaceProviderConfig::Tencent(config) => Arc::new(TencentFaceId::new(config.clone())),
        }
    }
}
