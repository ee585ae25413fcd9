//! The platform's HTTP API: the router assembled from the areas, one module each, in the order of
//! the README's API table: reference data, orders, face verification, documents, the applicant's
//! steps, events, accounts and sessions, staff, payments. `extract` holds what every area takes
//! from a request.

mod accounts;
mod applicant_steps;
mod bindings;
mod certificates;
mod counter;
mod documents;
mod events;
mod extract;
mod face;
mod invoices;
mod orders;
mod payments;
mod reference;
mod staff;
mod staff_members;

use crate::state::Shared;
use extract::*;

use crate::PlatformError;
use crate::client_address::ClientIpKey;
use axum::routing::get;
use axum::{Json, Router};
use certdesk_api::{ApiError, ErrorCode};
use std::net::IpAddr;
use std::sync::Arc;
use tower_governor::GovernorError;
use tower_governor::governor::GovernorConfigBuilder;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The largest request body: a camera photo fits several times over; JSON bodies are far smaller.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The platform's routes, each with its OpenAPI operation.
fn api(trusted_proxies: &Arc<[IpAddr]>) -> OpenApiRouter<Shared> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health))
        .routes(routes!(reference::list_providers))
        .routes(routes!(reference::settings))
        .routes(routes!(reference::calendar))
        .routes(routes!(orders::submit_order, orders::list_orders))
        .routes(routes!(orders::get_order))
        .routes(routes!(orders::get_order_detail))
        .routes(routes!(orders::get_application, orders::resubmit))
        .routes(routes!(face::face_attempt, face::face_attempts))
        .routes(routes!(face::order_face_attempts))
        .routes(routes!(documents::cover_sheet))
        .routes(routes!(applicant_steps::choose_paper_documents))
        .routes(routes!(applicant_steps::cancel))
        .routes(routes!(invoices::request_invoice))
        .routes(routes!(invoices::invoice))
        .routes(routes!(invoices::invoice_pdf))
        .routes(routes!(invoices::invoice_xml))
        .routes(routes!(invoices::resend_invoice))
        .routes(routes!(events::events))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(accounts::register))
                .routes(routes!(accounts::applicant_log_in, accounts::applicant_log_out))
                .routes(routes!(accounts::staff_log_in, accounts::staff_log_out))
                .layer(login_rate_limit(trusted_proxies, 10)),
        )
        // 证书登录 in a bucket of its own: each sign-in is two calls (the challenge, the proof).
        .merge(
            OpenApiRouter::new()
                .routes(routes!(bindings::log_in_challenge))
                .routes(routes!(bindings::certificate_log_in))
                .layer(login_rate_limit(trusted_proxies, 20)),
        )
        .routes(routes!(accounts::account_settings, accounts::change_account_settings))
        .routes(routes!(bindings::account_certificates, bindings::bind_certificate))
        .routes(routes!(bindings::bind_challenge))
        .routes(routes!(bindings::unbind_certificate))
        .routes(routes!(bindings::renew_certificate))
        .routes(routes!(bindings::reissue_certificate))
        .routes(routes!(bindings::cancel_certificate))
        .routes(routes!(staff::review_queue))
        .routes(routes!(staff::production_queue))
        .routes(routes!(staff::materials_received))
        .routes(routes!(staff::approve))
        .routes(routes!(staff::reject))
        .routes(routes!(staff::ship))
        .routes(routes!(staff::issue_on_site))
        .routes(routes!(staff::shipping_list))
        .routes(routes!(certificates::issue_certificate))
        .routes(routes!(certificates::order_certificates))
        .routes(routes!(certificates::revoke_certificate))
        .routes(routes!(certificates::ca_info))
        .routes(routes!(certificates::chain))
        .routes(routes!(certificates::issuing_certificate))
        .routes(routes!(certificates::crl))
        .routes(routes!(counter::find_organisation))
        .routes(routes!(counter::register_organisation))
        .routes(routes!(counter::submit_at_counter))
        .routes(routes!(counter::id_card_check))
        .routes(routes!(counter::counter_receipt))
        .routes(routes!(staff_members::list_members, staff_members::add_member))
        .routes(routes!(staff_members::set_roles))
        .routes(routes!(staff_members::disable_member))
        .routes(routes!(staff_members::enable_member))
        .routes(routes!(staff_members::reset_password))
        .routes(routes!(staff_members::audit))
        .routes(routes!(payments::counter_payment))
        .routes(routes!(payments::counter_refund))
        .routes(routes!(payments::payments, payments::start_payment))
        .routes(routes!(payments::payment_progress))
        .routes(routes!(payments::flagged_payments))
        .routes(routes!(payments::refunds_owed))
        .routes(routes!(payments::reconciliation))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "CertDesk platform API",
        description = "证书办理台平台接口：CA证书申领、人脸认证、审核、制证与发证。Every error is `ApiError` \
            `{code, message, fields?}` with the message in Chinese.",
        license(name = "MIT OR Apache-2.0")
    ),
    modifiers(&BearerAuth),
    components(schemas(ApiError, ErrorCode))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("`POST /v1/sessions` 或 `POST /v1/staff/sessions` 返回的 token，12小时有效"))
            .build();
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The OpenAPI document of every route, as served at `/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api(&Arc::from(Vec::new())).into_openapi()
}

pub fn router(state: Shared) -> Router {
    let (router, document) = api(&state.trusted_proxies).split_for_parts();
    let document = Arc::new(document);
    router
        .route("/v1/openapi.json", get(move || async move { Json(document.as_ref().clone()) }))
        // The gateways' notifications speak the providers' protocols, not this API's: outside the
        // OpenAPI document, documented by Alipay and WeChat Pay. Open to anyone, so bounded: small
        // bodies, and a limited rate per peer.
        .merge(
            Router::new()
                .route("/v1/payments/{method}/notify", axum::routing::post(payments::payment_notification))
                .layer(axum::extract::DefaultBodyLimit::max(payments::NOTIFY_BODY_LIMIT))
                .layer(notify_rate_limit(&state.trusted_proxies)),
        )
        .fallback(|| async { PlatformError::NotFound("接口不存在".into()) })
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Logging in and registering, per client address (`client_address`), on each instance: a burst of
/// `burst` (10 for passwords, 20 for 证书登录's pairs of calls), then one more every 2 seconds, so nothing is tried at speed (argon2 makes each guess slow as
/// well). Failed log-ins are also counted in the database, per account and per client, across
/// every instance (`store/login_attempts.rs`).
fn login_rate_limit(
    trusted_proxies: &Arc<[IpAddr]>,
    burst: u32,
) -> tower_governor::GovernorLayer<ClientIpKey, governor::middleware::NoOpMiddleware, axum::body::Body> {
    let config = GovernorConfigBuilder::default()
        .key_extractor(ClientIpKey { trusted_proxies: Arc::clone(trusted_proxies) })
        .per_second(2)
        .burst_size(burst)
        .methods(vec![axum::http::Method::POST])
        .finish()
        .expect("a non-zero period and burst");
    tower_governor::GovernorLayer::new(config).error_handler(|error| {
        use axum::response::IntoResponse;
        let wait = match error {
            GovernorError::TooManyRequests { wait_time, .. } => wait_time.max(1),
            _ => 2,
        };
        PlatformError::TooManyRequests(format!("尝试过于频繁，请{wait}秒后再试")).into_response()
    })
}

/// The gateways' notifications, per peer address: a burst of 100 (a gateway's retries and a day's
/// payments arrive far slower), then 50 a second; a stranger posting at speed is answered 429
/// before anything is read or kept.
fn notify_rate_limit(
    trusted_proxies: &Arc<[IpAddr]>,
) -> tower_governor::GovernorLayer<ClientIpKey, governor::middleware::NoOpMiddleware, axum::body::Body> {
    let config = GovernorConfigBuilder::default()
        .key_extractor(ClientIpKey { trusted_proxies: Arc::clone(trusted_proxies) })
        .per_millisecond(20)
        .burst_size(100)
        .finish()
        .expect("a non-zero period and burst");
    tower_governor::GovernorLayer::new(config).error_handler(|_| {
        use axum::response::IntoResponse;
        PlatformError::TooManyRequests("通知过于频繁".into()).into_response()
    })
}

#[utoipa::path(get, path = "/v1/health", tag = "reference", summary = "存活检查", responses((status = 200, description = "ok", body = String)))]
async fn health() -> &'static str {
    "ok"
}
