use super::{FaceCheck, FaceVerdict, FaceVerifier, ProviderUnavailable, VerifyFuture};
use std::collections::HashSet;
use std::sync::Arc;

/// The sandbox provider: a real check of the photo (it decodes and holds exactly one face), and a
/// configured list of ID numbers that always fail. It never sees an ID photo, so it cannot match.
pub struct SandboxVerifier {
    fail_id_numbers: Arc<HashSet<String>>,
}

impl SandboxVerifier {
    pub fn new(fail_id_numbers: impl IntoIterator<Item = String>) -> Self {
        SandboxVerifier {
            fail_id_numbers: Arc::new(fail_id_numbers.into_iter().map(|n| n.trim().to_uppercase()).collect()),
        }
    }

    fn judge(&self, id_number: &str, jpeg: &[u8]) -> FaceVerdict {
        let failed = |reason: &str| FaceVerdict::Failed { reason: reason.to_owned() };
        let image = match certdesk_face::decode(jpeg) {
            Ok(image) => image,
            Err(e) => return FaceVerdict::Failed { reason: e.to_string() },
        };
        match certdesk_face::detect(&image.to_luma8()).len() {
            0 => failed("未检测到人脸，请正对摄像头并确保光线充足"),
            1 if self.fail_id_numbers.contains(&id_number.trim().to_uppercase()) => failed("人像与身份证照片不一致"),
            1 => FaceVerdict::Passed,
            _ => failed("检测到多张人脸，请确保画面中只有申领人本人"),
        }
    }
}

impl FaceVerifier for SandboxVerifier {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    fn verify<'a>(&'a self, check: FaceCheck<'a>) -> VerifyFuture<'a> {
        Box::pin(async move {
            // Detection is CPU work: keep it off the async threads.
            let (id_number, jpeg) = (check.id_number.to_owned(), check.jpeg.to_vec());
            let verifier = SandboxVerifier { fail_id_numbers: Arc::clone(&self.fail_id_numbers) };
            tokio::task::spawn_blocking(move || verifier.judge(&id_number, &jpeg))
                .await
                .map_err(|e| ProviderUnavailable(format!("sandbox check: {e}")))
        })
    }
}
