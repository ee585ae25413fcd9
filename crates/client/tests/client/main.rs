//! The client against the real platform on loopback.

use certdesk_api::{ErrorCode, SubmitOrder};
use certdesk_client::{ClientError, PlatformClient};
use certdesk_core::{DeliveryMethod, FormField, OrderStatus};
use certdesk_platform::{Platform, PlatformConfig};

/// A client signed in as a freshly registered organisation whose 统一社会信用代码 is the one in [`form`].
async fn signed_in(url: String) -> PlatformClient {
    let client = PlatformClient::new(url).unwrap();
    let registration = certdesk_api::ApplicantRegistration {
        organisation_name: "测试供应商".into(),
        credit_code: "91350100M000100Y43".into(),
        username: "supplier".into(),
        password: "a-long-password".into(),
    };
    let session = client.register(&registration).await.unwrap();
    assert_eq!(session.organisation_name, "测试供应商");
    client.with_session(session.token)
}

fn form() -> SubmitOrder {
    SubmitOrder {
        provider_id: "demo-free".into(),
        quantity: 1,
        organisation_name: "测试供应商".into(),
        credit_code: "91350100M000100Y43".into(),
        applicant_name: "屈安".into(),
        id_number: "11010519491231002X".into(),
        mobile: "13900139000".into(),
        email: "a@example.com".into(),
        delivery: DeliveryMethod::Counter,
        recipient: String::new(),
        recipient_mobile: String::new(),
        address: String::new(),
    }
}

#[tokio::test]
async fn the_client_submits_and_reads_back_an_order() {
    let dir = tempfile::tempdir().unwrap();
    let platform = Platform::start(PlatformConfig::embedded(dir.path())).await.unwrap();
    let client = signed_in(format!("{}/", platform.url())).await;

    let providers = client.providers().await.unwrap();
    assert!(providers.iter().any(|p| p.name == "浙江汇信CA"));

    let order = client.submit_order(&form(), None).await.unwrap();
    assert_eq!(order.status, OrderStatus::PendingVerification);
    assert_eq!(order.fee.fen(), 0);
    assert_eq!(client.order(&order.order_no).await.unwrap(), order);
}

#[tokio::test]
async fn a_refused_form_comes_back_as_a_typed_validation_error() {
    let dir = tempfile::tempdir().unwrap();
    let platform = Platform::start(PlatformConfig::embedded(dir.path())).await.unwrap();
    let client = signed_in(platform.url()).await;
    let bad = SubmitOrder { email: "not-an-email".into(), ..form() };
    match client.submit_order(&bad, None).await {
        Err(ClientError::Api(api)) => {
            assert_eq!(api.code, ErrorCode::Validation);
            assert_eq!(api.fields.len(), 1);
            assert_eq!(api.fields[0].field, FormField::Email);
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_stopped_platform_is_reported_as_unreachable_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let platform = Platform::start(PlatformConfig::embedded(dir.path())).await.unwrap();
    let client = PlatformClient::new(platform.url()).unwrap();
    platform.shutdown().await.unwrap();
    let error = client.providers().await.unwrap_err();
    assert!(matches!(error, ClientError::Unreachable(_)), "{error:?}");
    let api: certdesk_api::ApiError = error.into();
    assert_eq!(api.code, ErrorCode::Unavailable);
    assert_eq!(api.message, "无法连接平台，请检查网络后重试");
}

#[tokio::test]
async fn the_client_lists_pages_reads_settings_and_retries_idempotently() {
    let dir = tempfile::tempdir().unwrap();
    let platform = Platform::start(PlatformConfig::embedded(dir.path())).await.unwrap();
    let client = signed_in(platform.url()).await;
    let first = client.submit_order(&form(), Some("retry-1")).await.unwrap();
    let again = client.submit_order(&form(), Some("retry-1")).await.unwrap();
    assert_eq!(first, again);
    client.submit_order(&form(), None).await.unwrap();

    let page = client
        .orders(&certdesk_api::OrderQuery { page_size: Some(1), page: Some(2), ..Default::default() })
        .await
        .unwrap();
    assert_eq!((page.total, page.page, page.page_size), (2, 2, 1));
    assert_eq!(page.items, vec![first]);

    let settings = client.settings().await.unwrap();
    assert_eq!(settings.max_quantity, 20);
    assert_eq!(client.calendar().await.unwrap().version, settings.calendar_version);
}

#[tokio::test]
async fn without_a_session_orders_are_refused_as_unauthorized() {
    let dir = tempfile::tempdir().unwrap();
    let platform = Platform::start(PlatformConfig::embedded(dir.path())).await.unwrap();
    let client = PlatformClient::new(platform.url()).unwrap();
    match client.submit_order(&form(), None).await {
        Err(ClientError::Api(api)) => {
            assert_eq!((api.code, api.message.as_str()), (ErrorCode::Unauthorized, "请先登录"))
        }
        other => panic!("expected 401, got {other:?}"),
    }
    let login = certdesk_api::ApplicantLogin { username: "nobody".into(), password: "whatever-long".into() };
    assert!(matches!(client.log_in(&login).await, Err(ClientError::Api(api)) if api.code == ErrorCode::Unauthorized));
}
