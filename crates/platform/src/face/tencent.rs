//! Tencent Cloud FaceID `ImageRecognition` (照片人脸核身): name + ID number + a photo, compared
//! with the photo on record for that ID number. API 3.0, JSON over POST, signed TC3-HMAC-SHA256
//! as <https://cloud.tencent.com/document/api/1007/31324> describes.

use super::{FaceCheck, FaceVerdict, FaceVerifier, ProviderUnavailable, VerifyFuture};
use base64::Engine;
use serde::Deserialize;

pub const SERVICE: &str = "faceid";
pub const ACTION: &str = "ImageRecognition";
pub const VERSION: &str = "2018-03-01";

/// `[face]` with `provider = "tencent"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TencentFaceIdConfig {
    pub secret_id: String,
    pub secret_key: String,
    /// `https://faceid.tencentcloudapi.com` unless a regional or test endpoint is wanted.
    #[serde(default = "default_endpoint")]
    pub endpoint: String,
    #[serde(default = "default_region")]
    pub region: String,
    /// The similarity (0–100) from which the photo counts as the same person; Tencent
    /// recommends 70.
    #[serde(default = "default_min_similarity")]
    pub min_similarity: f64,
}

fn default_endpoint() -> String {
    "https://faceid.tencentcloudapi.com".into()
}
fn default_region() -> String {
    "ap-guangzhou".into()
}
fn default_min_similarity() -> f64 {
    70.0
}

pub struct TencentFaceId {
    config: TencentFaceIdConfig,
    http: reqwest::Client,
}

impl TencentFaceId {
    pub fn new(config: TencentFaceIdConfig) -> Self {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(20))
            .build()
            .expect("a client without custom TLS builds");
        TencentFaceId { config, http }
    }

    async fn call(&self, check: FaceCheck<'_>) -> Result<FaceVerdict, ProviderUnavailable> {
        let unavailable = |what: String| ProviderUnavailable(format!("腾讯云人脸核身：{what}"));
        let body = serde_json::json!({
            "IdCard": check.id_number,
            "Name": check.name,
            "ImageBase64": base64::engine::general_purpose::STANDARD.encode(check.jpeg),
        })
        .to_string();
        let url = reqwest::Url::parse(&self.config.endpoint).map_err(|e| unavailable(format!("endpoint: {e}")))?;
        let host = match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            (None, _) => return Err(unavailable("endpoint has no host".into())),
        };
        let timestamp = chrono::Utc::now().timestamp();
        let content_type = "application/json; charset=utf-8";
        let authorization = tc3::authorization(
            &self.config.secret_id,
            &self.config.secret_key,
            SERVICE,
            &[("content-type", content_type), ("host", &host), ("x-tc-action", &ACTION.to_lowercase())],
            &body,
            timestamp,
        );
        let response = self
            .http
            .post(url)
            .header("Authorization", authorization)
            .header("Content-Type", content_type)
            .header("Host", &host)
            .header("X-TC-Action", ACTION)
            .header("X-TC-Version", VERSION)
            .header("X-TC-Timestamp", timestamp.to_string())
            .header("X-TC-Region", &self.config.region)
            .body(body)
            .send()
            .await
            .map_err(|e| unavailable(format!("请求失败 {e}")))?;
        let text = response.text().await.map_err(|e| unavailable(format!("读取应答失败 {e}")))?;
        let envelope: Envelope = serde_json::from_str(&text).map_err(|e| unavailable(format!("应答无法解析 {e}")))?;
        interpret(envelope.response, self.config.min_similarity).map_err(unavailable)
    }
}

impl FaceVerifier for TencentFaceId {
    fn name(&self) -> &'static str {
        "tencent-faceid"
    }

    fn verify<'a>(&'a self, check: FaceCheck<'a>) -> VerifyFuture<'a> {
        Box::pin(self.call(check))
    }
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "Response")]
    response: ImageRecognitionResponse,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ImageRecognitionResponse {
    sim: Option<f64>,
    result: Option<String>,
    description: Option<String>,
    error: Option<ApiFailure>,
    request_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ApiFailure {
    code: String,
    message: String,
}

/// `Error` in the response is a failure of the call (credentials, quota, parameters): nobody was
/// judged. A `Result` other than `Success` is a judgement (e.g. the photo has no face, the ID
/// number has no record), and so is a similarity below the threshold.
fn interpret(response: ImageRecognitionResponse, min_similarity: f64) -> Result<FaceVerdict, String> {
    if let Some(error) = response.error {
        return Err(format!(
            "{} {} (RequestId {})",
            error.code,
            error.message,
            response.request_id.unwrap_or_default()
        ));
    }
    match (response.result.as_deref(), response.sim) {
        (Some("Success"), Some(sim)) if sim >= min_similarity => Ok(FaceVerdict::Passed),
        (Some("Success"), Some(_)) => Ok(FaceVerdict::Failed { reason: "人像与身份证照片不一致".into() }),
        (Some(code), _) if code != "Success" => Ok(FaceVerdict::Failed {
            reason: response.description.filter(|d| !d.is_empty()).unwrap_or_else(|| format!("核验未通过（{code}）")),
        }),
        _ => Err("应答缺少 Result 或 Sim".into()),
    }
}

/// TC3-HMAC-SHA256, the signature of Tencent Cloud API 3.0 (签名方法 v3).
pub mod tc3 {
    use hmac::{Hmac, KeyInit, Mac};
    use sha2::{Digest, Sha256};

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn hmac(key: &[u8], message: &str) -> Vec<u8> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("any key length");
        mac.update(message.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// The UTC date of `timestamp`, as the credential scope names it.
    pub fn date(timestamp: i64) -> String {
        chrono::DateTime::from_timestamp(timestamp, 0).unwrap_or_default().format("%Y-%m-%d").to_string()
    }

    /// The hex signature of a POST to `/` with no query string. `headers` are the signed headers,
    /// lowercase names in ASCII order with their values.
    pub fn signature(
        secret_key: &str,
        service: &str,
        headers: &[(&str, &str)],
        payload: &str,
        timestamp: i64,
    ) -> String {
        let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{}\n", v.trim())).collect();
        let signed_headers = headers.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(";");
        let canonical_request =
            format!("POST\n/\n\n{canonical_headers}\n{signed_headers}\n{}", hex(&Sha256::digest(payload.as_bytes())));
        let date = date(timestamp);
        let string_to_sign = format!(
            "TC3-HMAC-SHA256\n{timestamp}\n{date}/{service}/tc3_request\n{}",
            hex(&Sha256::digest(canonical_request.as_bytes()))
        );
        let secret_date = hmac(format!("TC3{secret_key}").as_bytes(), &date);
        let secret_service = hmac(&secret_date, service);
        let secret_signing = hmac(&secret_service, "tc3_request");
        hex(&hmac(&secret_signing, &string_to_sign))
    }

    /// The `Authorization` header value.
    pub fn authorization(
        secret_id: &str,
        secret_key: &str,
        service: &str,
        headers: &[(&str, &str)],
        payload: &str,
        timestamp: i64,
    ) -> String {
        let signed_headers = headers.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(";");
        format!(
            "TC3-HMAC-SHA256 Credential={secret_id}/{}/{service}/tc3_request, SignedHeaders={signed_headers}, Signature={}",
            date(timestamp),
            signature(secret_key, service, headers, payload, timestamp)
        )
    }

    #[cfg(test)]
    mod tests {
        /// The worked example of Tencent Cloud's signature documentation (CVM DescribeInstances,
        /// its published example keys, 2019-02-25).
        #[test]
        fn the_documented_example_signs_to_the_documented_signature() {
            let payload = r#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;
            let authorization = super::authorization(
                "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
                "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
                "cvm",
                &[("content-type", "application/json; charset=utf-8"), ("host", "cvm.tencentcloudapi.com")],
                payload,
                1_551_113_065,
            );
            assert_eq!(
                authorization,
                "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, \
                 SignedHeaders=content-type;host, \
                 Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(json: &str) -> ImageRecognitionResponse {
        serde_json::from_str::<Envelope>(json).unwrap().response
    }

    #[test]
    fn a_similarity_at_the_threshold_passes_and_below_it_fails() {
        let at = response(r#"{"Response":{"Sim":70.0,"Result":"Success","Description":"成功","RequestId":"r"}}"#);
        assert_eq!(interpret(at, 70.0), Ok(FaceVerdict::Passed));
        let below = response(r#"{"Response":{"Sim":69.99,"Result":"Success","Description":"成功","RequestId":"r"}}"#);
        assert!(matches!(interpret(below, 70.0), Ok(FaceVerdict::Failed { .. })));
    }

    #[test]
    fn a_judgement_is_a_failure_and_an_api_error_is_unavailability() {
        let judged =
            response(r#"{"Response":{"Sim":0,"Result":"-1102","Description":"照片解码异常","RequestId":"r"}}"#);
        assert_eq!(interpret(judged, 70.0), Ok(FaceVerdict::Failed { reason: "照片解码异常".into() }));
        let error = response(
            r#"{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"签名错误"},"RequestId":"r"}}"#,
        );
        assert!(interpret(error, 70.0).unwrap_err().contains("AuthFailure.SignatureFailure"));
    }
}
