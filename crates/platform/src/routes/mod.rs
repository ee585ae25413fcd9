//! The platform's HTTP API: the router, the extractors every area shares, and the handlers by area
//! (`payments` in its own module; the rest are being moved out area by area).

mod payments;

use crate::PlatformConfig;
use crate::applicants::{self, Applicant};
use crate::face::{FaceCheck, FaceVerdict, FaceVerifier};
use crate::sessions::{self, SessionKind};
use crate::staff::{self, StaffMember};
use crate::store::{Db, EventRow, Inserted, OrderFilter, SealedApplication};
use crate::{PlatformError, Result};
use axum::extract::{FromRequest, FromRequestParts, Path, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::routing::get;
use axum::{Json, Router};
use certdesk_api::{
    ApiError, ApplicantLogin, ApplicantRegistration, ApplicantSession, CalendarDocument, ErrorCode, EtaView, EventFeed,
    EventQuery, FaceAttemptResult, FaceAttemptsView, FeedEvent, IDEMPOTENCY_KEY, OrderDetail, OrderEventRecord,
    OrderPage, OrderQuery, OrderSummary, PlatformSettings, Provider, Rejection, ReviewItem, Shipment, StaffLogin,
    StaffSession, SubmitOrder,
};
use certdesk_core::{
    Actor, Application, CreditCode, Error as RuleError, FaceAttempts, FeeSchedule, FieldError, FormField, IdNumber,
    MAX_FACE_ATTEMPTS_PER_DAY, OrderEvent, OrderNumber, OrderNumberGenerator, OrderState, OrderStatus, Verification,
    WorkCalendar, fee_for,
};
use certdesk_vault::Sealer;
use chrono::{DateTime, NaiveDate, Utc};
use std::sync::Arc;
use tower_governor::GovernorError;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::PeerIpKeyExtractor;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub struct AppState {
    pub(crate) db: Db,
    /// The gateways of online payment; `None` when only the counter takes fees.
    pub(crate) payments: Option<crate::payments::Gateways>,
    sealer: Sealer,
    face: Arc<dyn FaceVerifier>,
    numbers: OrderNumberGenerator,
    max_quantity: u32,
    fees: FeeSchedule,
    paper_documents_address: String,
    cover_sheet_font: Option<(std::path::PathBuf, u32)>,
    /// The working-day calendar as served, and parsed for the ETAs.
    calendar: CalendarDocument,
    work_calendar: WorkCalendar,
    /// Bumped after every stored history row, waking the events feed's long-polls.
    changes: tokio::sync::watch::Sender<u64>,
    /// Where a gateway may send the browser back (`[payments] return_urls`).
    return_urls: Vec<String>,
    /// Tests only: the failure to inject.
    fault: Option<crate::Fault>,
}

impl AppState {
    pub fn new(
        db: Db,
        last_order: Option<OrderNumber>,
        sealer: Sealer,
        config: &PlatformConfig,
        calendar_text: String,
        work_calendar: WorkCalendar,
        payments: Option<crate::payments::Gateways>,
    ) -> Result<Self> {
        let numbers = OrderNumberGenerator::starting_after(last_order.as_ref());
        let version = work_calendar.version().to_owned();
        Ok(AppState {
            db,
            payments,
            sealer,
            face: config.face.build(),
            numbers,
            max_quantity: config.max_quantity,
            fees: config.fees.clone(),
            paper_documents_address: config.paper_documents_address.clone(),
            cover_sheet_font: config.cover_sheet_font.as_deref().map(crate::cover_sheet::parse_font_setting),
            calendar: CalendarDocument { version, text: calendar_text },
            work_calendar,
            changes: tokio::sync::watch::channel(0).0,
            return_urls: config.payments.return_urls.clone(),
            fault: config.fault,
        })
    }
}

type Shared = Arc<AppState>;

/// The largest request body: a camera photo fits several times over; JSON bodies are far smaller.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The raw body (an uploaded photo), with an oversize body answered 413 in the platform's shape.
struct ApiBytes(axum::body::Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBytes {
    type Rejection = PlatformError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self> {
        Ok(ApiBytes(axum::body::Bytes::from_request(request, state).await?))
    }
}

/// `axum::extract::Query`, with malformed queries answered in the `{code, message}` shape.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(PlatformError))]
struct ApiQuery<T>(T);

/// `axum::Json`, with malformed bodies answered in the platform's `{code, message}` shape.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(PlatformError))]
struct ApiJson<T>(T);

/// The platform's routes, each with its OpenAPI operation.
fn api() -> OpenApiRouter<Shared> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health))
        .routes(routes!(list_providers))
        .routes(routes!(settings))
        .routes(routes!(calendar))
        .routes(routes!(submit_order, list_orders))
        .routes(routes!(get_order))
        .routes(routes!(get_order_detail))
        .routes(routes!(get_application, resubmit))
        .routes(routes!(face_attempt, face_attempts))
        .routes(routes!(cover_sheet))
        .routes(routes!(choose_paper_documents))
        .routes(routes!(cancel))
        .routes(routes!(request_invoice))
        .routes(routes!(events))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(register))
                .routes(routes!(applicant_log_in, applicant_log_out))
                .routes(routes!(staff_log_in, staff_log_out))
                .layer(login_rate_limit()),
        )
        .routes(routes!(review_queue))
        .routes(routes!(materials_received))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(ship))
        .routes(routes!(issue_on_site))
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
    api().into_openapi()
}

pub fn router(state: Shared) -> Router {
    let (router, document) = api().split_for_parts();
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
                .layer(notify_rate_limit()),
        )
        .fallback(|| async { PlatformError::NotFound("接口不存在".into()) })
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Logging in and registering, per client address: a burst of 10, then one more every 2 seconds,
/// so passwords cannot be guessed at speed (argon2 makes each guess slow as well).
fn login_rate_limit()
-> tower_governor::GovernorLayer<PeerIpKeyExtractor, governor::middleware::NoOpMiddleware, axum::body::Body> {
    let config = GovernorConfigBuilder::default()
        .per_second(2)
        .burst_size(10)
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
fn notify_rate_limit()
-> tower_governor::GovernorLayer<PeerIpKeyExtractor, governor::middleware::NoOpMiddleware, axum::body::Body> {
    let config = GovernorConfigBuilder::default()
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

/// Runs blocking database work off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    state: &Shared,
    f: impl FnOnce(&AppState) -> Result<T> + Send + 'static,
) -> Result<T> {
    let state = Arc::clone(state);
    tokio::task::spawn_blocking(move || f(&state)).await.map_err(|e| PlatformError::Internal(e.to_string()))?
}

#[utoipa::path(
    get,
    path = "/v1/providers",
    tag = "reference",
    summary = "CA服务商及每张证书的费用（分）",
    responses(
        (status = 200, description = "成功", body = Vec<Provider>)
    )
)]
async fn list_providers(State(state): State<Shared>) -> Result<Json<Vec<Provider>>> {
    Ok(Json(blocking(&state, |s| s.db.providers()).await?))
}

#[utoipa::path(
    get,
    path = "/v1/settings",
    tag = "reference",
    summary = "纸质资料邮寄地址、申领数量上限、工作日历版本",
    responses(
        (status = 200, description = "成功", body = PlatformSettings)
    )
)]
async fn settings(State(state): State<Shared>) -> Json<PlatformSettings> {
    Json(PlatformSettings {
        paper_documents_address: state.paper_documents_address.clone(),
        max_quantity: state.max_quantity,
        calendar_version: state.calendar.version.clone(),
    })
}

#[utoipa::path(
    get,
    path = "/v1/calendar",
    tag = "reference",
    summary = "工作日历（法定节假日与调休）",
    responses(
        (status = 200, description = "成功", body = CalendarDocument)
    )
)]
async fn calendar(State(state): State<Shared>) -> Json<CalendarDocument> {
    Json(state.calendar.clone())
}

/// `201 Created` with the new order; `200 OK` with the earlier order when the `Idempotency-Key`
/// was used before for the same application.
#[utoipa::path(
    post,
    path = "/v1/orders",
    tag = "applicant",
    summary = "提交申领；同一 Idempotency-Key 重试返回同一订单",
    request_body = SubmitOrder,
    params(("Idempotency-Key" = Option<String>, Header, description = "1至255个可见ASCII字符")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "新订单", body = OrderSummary),
        (status = 200, description = "该 Idempotency-Key 先前创建的订单", body = OrderSummary),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 409, description = "订单当前状态不允许此操作", body = ApiError),
        (status = 413, description = "请求内容过大", body = ApiError),
        (status = 422, description = "字段不符合规则，fields 逐项说明", body = ApiError)
    )
)]
async fn submit_order(
    State(state): State<Shared>,
    caller: ApplicantCaller,
    headers: HeaderMap,
    ApiJson(form): ApiJson<SubmitOrder>,
) -> Result<(StatusCode, Json<OrderSummary>)> {
    let key = match headers.get(IDEMPOTENCY_KEY) {
        None => None,
        Some(value) => match value.to_str() {
            Ok(key) if (1..=255).contains(&key.len()) => Some(key.to_owned()),
            _ => return Err(PlatformError::BadRequest(format!("{IDEMPOTENCY_KEY}应为1至255个可见ASCII字符"))),
        },
    };
    let applicant = caller.applicant;
    let (created, order) = blocking(&state, move |s| s.submit(&applicant, &form, key.as_deref())).await?;
    if created {
        state.changed();
    }
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(order)))
}

#[utoipa::path(
    get,
    path = "/v1/orders",
    tag = "applicant",
    summary = "订单列表：筛选、分页、总数，最新在前",
    params(OrderQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = OrderPage),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError)
    )
)]
async fn list_orders(
    State(state): State<Shared>,
    caller: Caller,
    ApiQuery(query): ApiQuery<OrderQuery>,
) -> Result<Json<OrderPage>> {
    let filter = OrderFilter { organisation_id: caller.organisation_id(), ..order_filter(&query)? };
    let (page, page_size) = (filter.offset / filter.limit + 1, filter.limit);
    let (items, total) = blocking(&state, move |s| s.db.list_orders(&filter)).await?;
    Ok(Json(OrderPage { items, total, page, page_size }))
}

fn bearer(parts: &Parts) -> Result<String> {
    parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| PlatformError::Unauthorized("请先登录".into()))
}

/// The staff member behind a request, from `Authorization: Bearer <token>`.
struct Staff {
    member: StaffMember,
    token: String,
}

impl FromRequestParts<Shared> for Staff {
    type Rejection = PlatformError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self> {
        let token = bearer(parts)?;
        let lookup = token.clone();
        let member = blocking(state, move |s| staff::authenticate(&s.db, &lookup, Utc::now())).await?;
        Ok(Staff { member, token })
    }
}

/// The applicant behind a request.
struct ApplicantCaller {
    applicant: Applicant,
    token: String,
}

impl FromRequestParts<Shared> for ApplicantCaller {
    type Rejection = PlatformError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self> {
        let token = bearer(parts)?;
        let lookup = token.clone();
        let applicant = blocking(state, move |s| applicants::authenticate(&s.db, &lookup, Utc::now())).await?;
        Ok(ApplicantCaller { applicant, token })
    }
}

/// Anyone logged in: an applicant sees its organisation's orders, staff see all.
enum Caller {
    Applicant(Applicant),
    Staff,
}

impl Caller {
    fn organisation_id(&self) -> Option<i64> {
        match self {
            Caller::Applicant(applicant) => Some(applicant.organisation_id),
            Caller::Staff => None,
        }
    }
}

impl FromRequestParts<Shared> for Caller {
    type Rejection = PlatformError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self> {
        let token = bearer(parts)?;
        blocking(state, move |s| match sessions::kind_of(&s.db, &token)? {
            Some(SessionKind::Staff) => staff::authenticate(&s.db, &token, Utc::now()).map(|_| Caller::Staff),
            Some(SessionKind::Applicant) | None => {
                applicants::authenticate(&s.db, &token, Utc::now()).map(Caller::Applicant)
            }
        })
        .await
    }
}

#[utoipa::path(
    post,
    path = "/v1/accounts",
    tag = "accounts",
    summary = "注册机构的申领账号（返回会话）",
    request_body = ApplicantRegistration,
    responses(
        (status = 201, description = "已注册并登录", body = ApplicantSession),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 409, description = "订单当前状态不允许此操作", body = ApiError),
        (status = 413, description = "请求内容过大", body = ApiError),
        (status = 422, description = "字段不符合规则，fields 逐项说明", body = ApiError),
        (status = 429, description = "请求过于频繁或今日次数已用完", body = ApiError)
    )
)]
async fn register(
    State(state): State<Shared>,
    ApiJson(registration): ApiJson<ApplicantRegistration>,
) -> Result<(StatusCode, Json<ApplicantSession>)> {
    let session = blocking(&state, move |s| applicants::register(&s.db, &registration, Utc::now())).await?;
    Ok((StatusCode::CREATED, Json(session)))
}

#[utoipa::path(
    post,
    path = "/v1/sessions",
    tag = "accounts",
    summary = "申领人登录",
    request_body = ApplicantLogin,
    responses(
        (status = 200, description = "成功", body = ApplicantSession),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 429, description = "请求过于频繁或今日次数已用完", body = ApiError)
    )
)]
async fn applicant_log_in(
    State(state): State<Shared>,
    ApiJson(login): ApiJson<ApplicantLogin>,
) -> Result<Json<ApplicantSession>> {
    Ok(Json(blocking(&state, move |s| applicants::log_in(&s.db, &login.username, &login.password, Utc::now())).await?))
}

#[utoipa::path(
    delete,
    path = "/v1/sessions",
    tag = "accounts",
    summary = "申领人退出登录",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "已退出"),
        (status = 401, description = "未登录或会话已过期", body = ApiError)
    )
)]
async fn applicant_log_out(State(state): State<Shared>, caller: ApplicantCaller) -> Result<StatusCode> {
    blocking(&state, move |s| sessions::close(&s.db, &caller.token)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/v1/staff/sessions",
    tag = "staff",
    summary = "工作人员登录",
    request_body = StaffLogin,
    responses(
        (status = 200, description = "成功", body = StaffSession),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 429, description = "请求过于频繁或今日次数已用完", body = ApiError)
    )
)]
async fn staff_log_in(State(state): State<Shared>, ApiJson(login): ApiJson<StaffLogin>) -> Result<Json<StaffSession>> {
    Ok(Json(blocking(&state, move |s| staff::log_in(&s.db, &login.username, &login.password, Utc::now())).await?))
}

#[utoipa::path(
    delete,
    path = "/v1/staff/sessions",
    tag = "staff",
    summary = "工作人员退出登录",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "已退出"),
        (status = 401, description = "未登录或会话已过期", body = ApiError)
    )
)]
async fn staff_log_out(State(state): State<Shared>, staff: Staff) -> Result<StatusCode> {
    blocking(&state, move |s| sessions::close(&s.db, &staff.token)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 待审核 orders, oldest first, with the working days each has waited against the guide's 1–2.
#[utoipa::path(
    get,
    path = "/v1/staff/review-queue",
    tag = "staff",
    summary = "审核队列：待审核订单，最早在前，含已等待工作日",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = Vec<ReviewItem>),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 403, description = "角色无权操作", body = ApiError)
    )
)]
async fn review_queue(State(state): State<Shared>, staff: Staff) -> Result<Json<Vec<ReviewItem>>> {
    if staff.member.actor_for(&OrderEvent::Approved).is_none() {
        return Err(PlatformError::Forbidden("您的角色无权查看审核队列".into()));
    }
    let queue = blocking(&state, |s| s.db.review_queue()).await?;
    let calendar = &state.work_calendar;
    let now = Utc::now().fixed_offset();
    Ok(Json(
        queue
            .into_iter()
            .map(|(order, since)| {
                let waited =
                    DateTime::parse_from_rfc3339(&since).map(|t| calendar.working_days_between(&t, &now)).unwrap_or(0);
                ReviewItem { order, waiting_since: since, working_days_waited: waited, overdue: waited > 2 }
            })
            .collect(),
    ))
}

/// Applies a staff member's step to an order, in the first of their roles that the process allows.
async fn staff_event(state: &Shared, staff: Staff, order_no: &str, event: OrderEvent) -> Result<Json<OrderSummary>> {
    let order_no = OrderNumber::parse(order_no)?;
    let actor = staff
        .member
        .actor_for(&event)
        .ok_or_else(|| PlatformError::Forbidden(format!("您的角色无权{}", event.label_zh())))?;
    let at = Utc::now().with_timezone(&certdesk_core::SHANGHAI).to_rfc3339();
    let order = blocking(state, move |s| s.db.transition(&order_no, None, actor, &event, &at)).await?;
    state.changed();
    tracing::info!(order_no = %order.order_no, staff = staff.member.id, ?actor, status = order.status.code(), "staff step");
    Ok(Json(order))
}

/// Applies the applicant's own step to one of its organisation's orders.
async fn applicant_event(
    state: &Shared,
    caller: ApplicantCaller,
    order_no: &str,
    event: OrderEvent,
) -> Result<Json<OrderSummary>> {
    let order_no = OrderNumber::parse(order_no)?;
    let organisation = caller.applicant.organisation_id;
    let at = Utc::now().with_timezone(&certdesk_core::SHANGHAI).to_rfc3339();
    let order =
        blocking(state, move |s| s.db.transition(&order_no, Some(organisation), Actor::Applicant, &event, &at)).await?;
    state.changed();
    tracing::info!(order_no = %order.order_no, applicant = caller.applicant.id, status = order.status.code(), "applicant step");
    Ok(Json(order))
}

/// 邮寄纸质资料: verify by mailing paper documents instead of face capture.
#[utoipa::path(
    post,
    path = "/v1/orders/{order_no}/paper-documents",
    tag = "applicant",
    summary = "邮寄纸质资料代替人脸认证",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = OrderSummary),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 404, description = "订单不存在或不属于本机构", body = ApiError),
        (status = 409, description = "订单当前状态不允许此操作", body = ApiError)
    )
)]
async fn choose_paper_documents(
    State(s): State<Shared>,
    caller: ApplicantCaller,
    Path(no): Path<String>,
) -> Result<Json<OrderSummary>> {
    applicant_event(&s, caller, &no, OrderEvent::PaperDocumentsChosen).await
}

/// 撤销.
#[utoipa::path(
    post,
    path = "/v1/orders/{order_no}/cancel",
    tag = "applicant",
    summary = "撤销",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = OrderSummary),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 404, description = "订单不存在或不属于本机构", body = ApiError),
        (status = 409, description = "订单当前状态不允许此操作", body = ApiError)
    )
)]
async fn cancel(
    State(s): State<Shared>,
    caller: ApplicantCaller,
    Path(no): Path<String>,
) -> Result<Json<OrderSummary>> {
    let order_no = OrderNumber::parse(&no)?;
    let organisation = caller.applicant.organisation_id;
    let at = Utc::now().with_timezone(&certdesk_core::SHANGHAI).to_rfc3339();
    let (no, fault) = (order_no.clone(), s.fault);
    // The cancel and the refund owed are one transaction; the refund is sent after it, and
    // whatever stops that (a crash, the gateway down) leaves it owed for reconciliation to send.
    let refund = blocking(&s, move |s| s.db.cancel_order(&no, organisation, &at, fault)).await?;
    s.changed();
    if let Some(refund) = refund {
        if fault == Some(crate::Fault::CancelBeforeRefundSent) {
            return Err(PlatformError::Internal("injected fault: before the refund was sent".into()));
        }
        crate::payments::send_refund(&s, refund).await;
    }
    let order = blocking(&s, move |s| s.db.order(&order_no))
        .await?
        .ok_or_else(|| PlatformError::NotFound("订单不存在".into()))?;
    Ok(Json(order))
}

/// 发票申请.
#[utoipa::path(
    post,
    path = "/v1/orders/{order_no}/invoice",
    tag = "applicant",
    summary = "发票申请",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = OrderSummary),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 404, description = "订单不存在或不属于本机构", body = ApiError),
        (status = 409, description = "订单当前状态不允许此操作", body = ApiError)
    )
)]
async fn request_invoice(
    State(s): State<Shared>,
    caller: ApplicantCaller,
    Path(no): Path<String>,
) -> Result<Json<OrderSummary>> {
    applicant_event(&s, caller, &no, OrderEvent::InvoiceRequested).await
}

#[utoipa::path(
    post,
    path = "/v1/staff/orders/{order_no}/materials-received",
    tag = "staff",
    summary = "登记纸质资料已收到",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = OrderSummary),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 403, description = "角色无权操作", body = ApiError),
        (status = 404, description = "订单不存在或不属于本机构", body = ApiError),
        (status = 409, description = "订单当前状态不允许此操作", body = ApiError)
    )
)]
async fn materials_received(
    State(s): State<Shared>,
    staff: Staff,
    Path(no): Path<String>,
) -> Result<Json<OrderSummary>> {
    staff_event(&s, staff, &no, OrderEvent::MaterialsReceived).await
}

#[utoipa::path(
    post,
    path = "/v1/staff/orders/{order_no}/approve",
    tag = "staff",
    summary = "审核通过",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = OrderSummary),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 403, description = "角色无权操作", body = ApiError),
        (status = 404, description = "订单不存在或不属于本机构", body = ApiError),
        (status = 409, description = "订单当前状态不允许此操作", body = ApiError)
    )
)]
async fn approve(State(s): State<Shared>, staff: Staff, Path(no): Path<String>) -> Result<Json<OrderSummary>> {
    staff_event(&s, staff, &no, OrderEvent::Approved).await
}

#[utoipa::path(
    post,
    path = "/v1/staff/orders/{order_no}/reject",
    tag = "staff",
    summary = "审核不通过（附不通过理由）",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    request_body = Rejection,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = OrderSummary),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 403, description = "角色无权操作", body = ApiError),
        (status = 404, description = "订单不存在或不属于本机构", body = ApiError),
        (status = 409, description = "订单当前状态不允许此操作", body = ApiError),
        (status = 422, description = "字段不符合规则，fields 逐项说明", body = ApiError)
    )
)]
async fn reject(
    State(s): State<Shared>,
    staff: Staff,
    Path(no): Path<String>,
    ApiJson(body): ApiJson<Rejection>,
) -> Result<Json<OrderSummary>> {
    staff_event(&s, staff, &no, OrderEvent::Rejected { reason: body.reason }).await
}

#[utoipa::path(
    post,
    path = "/v1/staff/orders/{order_no}/ship",
    tag = "staff",
    summary = "制证完成并邮寄（快递公司与运单号）",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    request_body = Shipment,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = OrderSummary),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 403, description = "角色无权操作", body = ApiError),
        (status = 404, description = "订单不存在或不属于本机构", body = ApiError),
        (status = 409, description = "订单当前状态不允许此操作", body = ApiError),
        (status = 422, description = "字段不符合规则，fields 逐项说明", body = ApiError)
    )
)]
async fn ship(
    State(s): State<Shared>,
    staff: Staff,
    Path(no): Path<String>,
    ApiJson(body): ApiJson<Shipment>,
) -> Result<Json<OrderSummary>> {
    staff_event(&s, staff, &no, OrderEvent::ProducedAndShipped { courier: body.courier, tracking_no: body.tracking_no })
        .await
}

#[utoipa::path(
    post,
    path = "/v1/staff/orders/{order_no}/issue-on-site",
    tag = "staff",
    summary = "现场发证",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = OrderSummary),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 403, description = "角色无权操作", body = ApiError),
        (status = 404, description = "订单不存在或不属于本机构", body = ApiError),
        (status = 409, description = "订单当前状态不允许此操作", body = ApiError)
    )
)]
async fn issue_on_site(State(s): State<Shared>, staff: Staff, Path(no): Path<String>) -> Result<Json<OrderSummary>> {
    staff_event(&s, staff, &no, OrderEvent::IssuedOnSite).await
}

/// The events feed: history rows after `after`, for the caller's organisation (staff: all). With
/// nothing new yet, waits up to `wait` seconds (at most 30) for something to happen.
#[utoipa::path(
    get,
    path = "/v1/events",
    tag = "applicant",
    summary = "事件流：after 之后的历史记录，最多等待 wait 秒（长轮询）",
    params(EventQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = EventFeed),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError)
    )
)]
async fn events(
    State(state): State<Shared>,
    caller: Caller,
    ApiQuery(query): ApiQuery<EventQuery>,
) -> Result<Json<EventFeed>> {
    let after = query.after.unwrap_or(0).max(0);
    let wait = std::time::Duration::from_secs(u64::from(query.wait.unwrap_or(0).min(30)));
    let organisation = caller.organisation_id();
    // Subscribe before the first look, so that a change between the look and the wait is not missed.
    let mut changes = state.changes.subscribe();
    let mut feed = blocking(&state, move |s| s.feed(after, organisation)).await?;
    if feed.events.is_empty()
        && !wait.is_zero()
        && let Ok(Ok(())) = tokio::time::timeout(wait, changes.changed()).await
    {
        feed = blocking(&state, move |s| s.feed(after, organisation)).await?;
    }
    Ok(Json(feed))
}

/// A stored history row as the API shows it.
fn event_record(row: EventRow) -> Result<OrderEventRecord> {
    let decode = |json: &str| {
        serde_json::from_str::<OrderStatus>(json).map_err(|e| PlatformError::Internal(format!("stored status: {e}")))
    };
    Ok(OrderEventRecord {
        actor: serde_json::from_value(serde_json::Value::String(row.actor.clone()))
            .map_err(|e| PlatformError::Internal(format!("stored actor {}: {e}", row.actor)))?,
        from: row.from.as_deref().map(decode).transpose()?,
        to: decode(&row.to)?,
        reason: row.reason,
        at: row.at,
    })
}

/// Checks a list query and turns it into SQL-ready bounds.
fn order_filter(query: &OrderQuery) -> Result<OrderFilter> {
    let bad = |message: &str| PlatformError::BadRequest(message.to_owned());
    let trimmed = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
    let order_no_prefix = trimmed(&query.order_no);
    if order_no_prefix.as_deref().is_some_and(|n| n.len() > 15 || !n.bytes().all(|b| b.is_ascii_digit())) {
        return Err(bad("订单编号只能是不超过15位的数字"));
    }
    let status_code = trimmed(&query.status);
    if status_code.as_deref().is_some_and(|s| !OrderStatus::CODES.contains(&s)) {
        return Err(bad("申领状态不存在"));
    }
    let date = |v: &Option<String>| -> Result<Option<NaiveDate>> {
        trimmed(v)
            .map(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|_| bad("申领时间应为YYYY-MM-DD格式的日期")))
            .transpose()
    };
    let (from, to) = (date(&query.submitted_from)?, date(&query.submitted_to)?);
    if let (Some(from), Some(to)) = (from, to)
        && to < from
    {
        return Err(bad("申领时间的结束日期早于开始日期"));
    }
    let page = query.page.unwrap_or(1);
    let page_size = query.page_size.unwrap_or(10);
    if page == 0 || !(1..=100).contains(&page_size) {
        return Err(bad("页码从1开始，每页1至100条"));
    }
    Ok(OrderFilter {
        organisation_id: None,
        order_no_prefix,
        status_code,
        provider_id: trimmed(&query.provider_id),
        submitted_from: from,
        submitted_before: to.and_then(|d| d.succ_opt()),
        limit: page_size,
        offset: (page - 1).saturating_mul(page_size),
    })
}

#[utoipa::path(
    get,
    path = "/v1/orders/{order_no}",
    tag = "applicant",
    summary = "一个订单",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = OrderSummary),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 404, description = "订单不存在或不属于本机构", body = ApiError)
    )
)]
async fn get_order(
    State(state): State<Shared>,
    caller: Caller,
    Path(order_no): Path<String>,
) -> Result<Json<OrderSummary>> {
    let order_no = OrderNumber::parse(&order_no)?;
    let organisation = caller.organisation_id();
    let found = blocking(&state, move |s| s.db.order_of(&order_no, organisation)).await?;
    found.map(Json).ok_or_else(|| PlatformError::NotFound("订单不存在".into()))
}

#[utoipa::path(
    get,
    path = "/v1/orders/{order_no}/cover-sheet",
    tag = "applicant",
    summary = "邮寄纸质资料封面（PDF，含订单编号二维码）",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", content_type = "application/pdf", body = Vec<u8>),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 404, description = "订单不存在或不属于本机构", body = ApiError),
        (status = 503, description = "服务暂不可用（如未找到中文字体）", body = ApiError)
    )
)]
async fn cover_sheet(
    State(state): State<Shared>,
    caller: Caller,
    Path(order_no): Path<String>,
) -> Result<axum::response::Response> {
    use axum::response::IntoResponse;
    let order_no = OrderNumber::parse(&order_no)?;
    let organisation = caller.organisation_id();
    let pdf = blocking(&state, move |s| {
        let order =
            s.db.order_of(&order_no, organisation)?.ok_or_else(|| PlatformError::NotFound("订单不存在".into()))?;
        let sheet = crate::cover_sheet::CoverSheet {
            order_no: order.order_no.as_str(),
            organisation_name: &order.organisation_name,
            applicant_name: &order.applicant_name,
            address: &s.paper_documents_address,
        };
        crate::cover_sheet::render(&sheet, s.cover_sheet_font.as_ref())
    })
    .await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/pdf"),
            (axum::http::header::CONTENT_DISPOSITION, "attachment; filename=\"cover-sheet.pdf\""),
        ],
        pdf,
    )
        .into_response())
}

const MISMATCHED_CODE: &str = "统一社会信用代码与登录账号所属机构不一致";

/// The form's keyed digest (HMAC-SHA256 with the platform's key): the same application gives the
/// same fingerprint on every build, so a retried submit is recognised; without the key nobody can
/// test guesses of the ID number against it (an unkeyed hash and the masked number gave it away).
fn request_fingerprint(sealer: &Sealer, form: &SubmitOrder) -> String {
    let json = serde_json::to_string(form).expect("a form serialises");
    sealer.digest(&format!("submit fingerprint v2\n{json}"))
}

#[utoipa::path(
    get,
    path = "/v1/orders/{order_no}/detail",
    tag = "applicant",
    summary = "查看：订单、历史记录与预计工作日",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = OrderDetail),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 404, description = "订单不存在或不属于本机构", body = ApiError)
    )
)]
async fn get_order_detail(
    State(state): State<Shared>,
    caller: Caller,
    Path(order_no): Path<String>,
) -> Result<Json<OrderDetail>> {
    let order_no = OrderNumber::parse(&order_no)?;
    let organisation = caller.organisation_id();
    Ok(Json(blocking(&state, move |s| s.detail(&order_no, organisation)).await?))
}

impl AppState {
    /// The order, its history and, while it waits for review or production, the ETA.
    fn detail(&self, order_no: &OrderNumber, organisation_id: Option<i64>) -> Result<OrderDetail> {
        let order =
            self.db.order_of(order_no, organisation_id)?.ok_or_else(|| PlatformError::NotFound("订单不存在".into()))?;
        let history = self.db.order_events(order_no)?.into_iter().map(event_record).collect::<Result<Vec<_>>>()?;
        // The ETA counts from when the order entered its current state.
        let since = history.last().and_then(|e| DateTime::parse_from_rfc3339(&e.at).ok());
        let calendar = &self.work_calendar;
        let eta = since.and_then(|since| {
            let (step, eta) = match &order.status {
                OrderStatus::PendingReview { verification } if *verification != Verification::AwaitingMaterials => {
                    ("平台审核", calendar.review_eta(&since))
                }
                OrderStatus::Approved { .. } => ("制证", calendar.production_eta(&since)),
                _ => return None,
            };
            Some(EtaView {
                step: step.into(),
                earliest: eta.earliest.to_string(),
                latest: eta.latest.to_string(),
                peak_season: eta.peak_season,
            })
        });
        Ok(OrderDetail { order, history, eta })
    }

    /// Whether a new order was created, and the order.
    fn submit(
        &self,
        applicant: &Applicant,
        form: &SubmitOrder,
        idempotency_key: Option<&str>,
    ) -> Result<(bool, OrderSummary)> {
        let application = Application::parse(form, self.max_quantity);
        let provider = self.db.provider(form.provider_id.trim())?;
        let (application, provider) = match (application, provider) {
            (Ok(a), Some(p)) => (a, p),
            (result, provider) => {
                let mut fields = match result {
                    Err(RuleError::InvalidApplication(fields)) => fields,
                    Err(other) => return Err(other.into()),
                    Ok(_) => Vec::new(),
                };
                if matches!(CreditCode::parse(&form.credit_code), Ok(code) if code.as_str() != applicant.credit_code) {
                    fields.push(FieldError { field: FormField::CreditCode, message: MISMATCHED_CODE.into() });
                }
                if provider.is_none() && !fields.iter().any(|f| f.field == FormField::ProviderId) {
                    fields.insert(0, FieldError { field: FormField::ProviderId, message: "所选CA服务商不存在".into() });
                }
                return Err(RuleError::InvalidApplication(fields).into());
            }
        };
        if application.credit_code.as_str() != applicant.credit_code {
            let fields = vec![FieldError { field: FormField::CreditCode, message: MISMATCHED_CODE.into() }];
            return Err(RuleError::InvalidApplication(fields).into());
        }
        let fee = fee_for(provider.unit_fee, application.quantity, &application.credit_code, &self.fees)
            .ok_or_else(|| PlatformError::Internal("fee overflow".into()))?;
        let request_hash = idempotency_key.map(|_| request_fingerprint(&self.sealer, form));
        let idempotency = idempotency_key.zip(request_hash.as_deref());
        // Another instance on the same database may have given the same number in the same
        // millisecond: the primary key refuses the second, which takes the next number.
        let mut tries = 0;
        let (order, inserted) = loop {
            tries += 1;
            let order_no = self.numbers.next();
            let order = OrderSummary {
                submitted_at: order_no.issued_at().to_rfc3339(),
                order_no,
                provider_id: provider.id.clone(),
                provider_name: provider.name.clone(),
                organisation_name: application.organisation_name.to_string(),
                applicant_name: application.applicant_name.to_string(),
                quantity: application.quantity.get(),
                fee,
                status: OrderState::submitted(fee).status,
            };
            let sealed = self.seal(form, &application, &order.order_no)?;
            match self.db.insert_order(&order, &application, applicant.organisation_id, &sealed, idempotency) {
                Err(e) if e.is_unique_violation() && tries < 5 => {
                    tracing::debug!(order_no = %order.order_no, "order number taken by another instance");
                }
                other => break (order, other?),
            }
        };
        match inserted {
            Inserted::New => {
                tracing::info!(order_no = %order.order_no, applicant_id = %application.id_number, "order submitted");
                Ok((true, order))
            }
            // Keys are global; an earlier order of another organisation is not this caller's to see.
            Inserted::Earlier(order_no) => match self.db.order_of(&order_no, Some(applicant.organisation_id))? {
                Some(earlier) => Ok((false, earlier)),
                None => Err(PlatformError::Conflict(format!("该{IDEMPOTENCY_KEY}已用于另一份申领"))),
            },
            Inserted::KeyReused => Err(PlatformError::Conflict(format!("该{IDEMPOTENCY_KEY}已用于另一份申领"))),
        }
    }
}

fn attempts_view(attempts: &FaceAttempts) -> FaceAttemptsView {
    FaceAttemptsView {
        used: attempts.used,
        remaining: attempts.remaining,
        limit: MAX_FACE_ATTEMPTS_PER_DAY,
        resets_at: attempts.resets_at.to_rfc3339(),
    }
}

/// 今日剩余次数 for the order's applicant.
#[utoipa::path(
    get,
    path = "/v1/orders/{order_no}/face-verifications",
    tag = "applicant",
    summary = "今日剩余人脸认证次数",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = FaceAttemptsView),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 404, description = "订单不存在或不属于本机构", body = ApiError)
    )
)]
async fn face_attempts(
    State(state): State<Shared>,
    caller: Caller,
    Path(order_no): Path<String>,
) -> Result<Json<FaceAttemptsView>> {
    let order_no = OrderNumber::parse(&order_no)?;
    let organisation = caller.organisation_id();
    let now = Utc::now().with_timezone(&certdesk_core::SHANGHAI);
    let attempts = blocking(&state, move |s| {
        let digest = s.db.id_number_digest(&order_no, organisation)?;
        s.db.face_attempts(&digest, &now)
    })
    .await?;
    Ok(Json(attempts_view(&attempts)))
}

/// 人脸认证: one attempt with the photo in the body (JPEG). The attempt is taken from the day's
/// allowance before the provider is asked and given back if the provider cannot answer. The photo
/// stays in memory and is dropped with the request; only its SHA-256 is kept.
#[utoipa::path(
    post,
    path = "/v1/orders/{order_no}/face-verifications",
    tag = "applicant",
    summary = "人脸认证：上传一张JPEG照片，每人每天最多10次",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    request_body(content = Vec<u8>, content_type = "image/jpeg", description = "人脸照片"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = FaceAttemptResult),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 404, description = "订单不存在或不属于本机构", body = ApiError),
        (status = 409, description = "订单当前状态不允许此操作", body = ApiError),
        (status = 413, description = "请求内容过大", body = ApiError),
        (status = 429, description = "请求过于频繁或今日次数已用完", body = ApiError),
        (status = 503, description = "依赖的服务暂不可用", body = ApiError)
    )
)]
async fn face_attempt(
    State(state): State<Shared>,
    caller: ApplicantCaller,
    Path(order_no): Path<String>,
    ApiBytes(photo): ApiBytes,
) -> Result<Json<FaceAttemptResult>> {
    let order_no = OrderNumber::parse(&order_no)?;
    if photo.is_empty() {
        return Err(PlatformError::BadRequest("请上传人脸照片（JPEG）".into()));
    }
    let organisation = caller.applicant.organisation_id;
    let image_sha256 = crate::sha256_hex(&photo);
    let now = Utc::now().with_timezone(&certdesk_core::SHANGHAI);
    let provider = state.face.name();
    let (form, (attempt_id, attempts)) = {
        let order_no = order_no.clone();
        blocking(&state, move |s| {
            let form = s.stored_form(&order_no, Some(organisation))?;
            let reserved = s.db.reserve_face_attempt(&order_no, organisation, &now, &image_sha256, provider)?;
            Ok((form, reserved))
        })
        .await?
    };
    let check = FaceCheck { name: form.applicant_name.trim(), id_number: form.id_number.trim(), jpeg: &photo };
    let verdict = match state.face.verify(check).await {
        Ok(verdict) => verdict,
        Err(unavailable) => {
            blocking(&state, move |s| s.db.release_face_attempt(attempt_id)).await?;
            return Err(PlatformError::Unavailable(unavailable.0));
        }
    };
    drop(photo);
    let reason = match &verdict {
        FaceVerdict::Passed => None,
        FaceVerdict::Failed { reason } => Some(reason.clone()),
    };
    let at = now.to_rfc3339();
    let failure = reason.clone();
    let number = order_no.clone();
    let order =
        blocking(&state, move |s| s.db.finish_face_attempt(attempt_id, &number, failure.as_deref(), &at)).await?;
    state.changed();
    tracing::info!(%order_no, provider, passed = reason.is_none(), remaining = attempts.remaining, "face attempt");
    Ok(Json(FaceAttemptResult { passed: reason.is_none(), reason, attempts: attempts_view(&attempts), order }))
}

/// The stored application, for 编辑 after 审核未通过: the form as last submitted, with the ID number
/// masked (sending it back unchanged keeps it).
#[utoipa::path(
    get,
    path = "/v1/orders/{order_no}/application",
    tag = "applicant",
    summary = "编辑：提交时的申领表（身份证号脱敏）",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = SubmitOrder),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 404, description = "订单不存在或不属于本机构", body = ApiError)
    )
)]
async fn get_application(
    State(state): State<Shared>,
    caller: Caller,
    Path(order_no): Path<String>,
) -> Result<Json<SubmitOrder>> {
    let order_no = OrderNumber::parse(&order_no)?;
    let organisation = caller.organisation_id();
    let mut form = blocking(&state, move |s| s.stored_form(&order_no, organisation)).await?;
    form.id_number = IdNumber::parse(&form.id_number).map(|id| id.masked()).unwrap_or_default();
    Ok(Json(form))
}

/// 编辑 and 重新提交 after 审核未通过.
#[utoipa::path(
    put,
    path = "/v1/orders/{order_no}/application",
    tag = "applicant",
    summary = "审核未通过后修改并重新提交",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    request_body = SubmitOrder,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = OrderSummary),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 404, description = "订单不存在或不属于本机构", body = ApiError),
        (status = 409, description = "订单当前状态不允许此操作", body = ApiError),
        (status = 413, description = "请求内容过大", body = ApiError),
        (status = 422, description = "字段不符合规则，fields 逐项说明", body = ApiError)
    )
)]
async fn resubmit(
    State(state): State<Shared>,
    caller: ApplicantCaller,
    Path(order_no): Path<String>,
    ApiJson(form): ApiJson<SubmitOrder>,
) -> Result<Json<OrderSummary>> {
    let order_no = OrderNumber::parse(&order_no)?;
    let applicant = caller.applicant;
    let order = blocking(&state, move |s| s.resubmit(&applicant, &order_no, form)).await?;
    state.changed();
    Ok(Json(order))
}

impl AppState {
    /// The form as last submitted, opened from its sealed copy.
    fn stored_form(&self, order_no: &OrderNumber, organisation_id: Option<i64>) -> Result<SubmitOrder> {
        let sealed = self
            .db
            .sealed_application(order_no, organisation_id)?
            .ok_or_else(|| PlatformError::NotFound("订单不存在".into()))?;
        let json = self.sealer.open(&sealed, order_no.as_str())?;
        serde_json::from_str(&json).map_err(|e| PlatformError::Internal(format!("stored application: {e}")))
    }

    fn seal(&self, form: &SubmitOrder, application: &Application, order_no: &OrderNumber) -> Result<SealedApplication> {
        let json = serde_json::to_string(form).expect("a form serialises");
        Ok(SealedApplication {
            sealed: self.sealer.seal(&json, order_no.as_str())?,
            id_number_digest: self.sealer.digest(application.id_number.as_str()),
        })
    }

    fn resubmit(&self, applicant: &Applicant, order_no: &OrderNumber, mut form: SubmitOrder) -> Result<OrderSummary> {
        let stored = self.stored_form(order_no, Some(applicant.organisation_id))?;
        let before = Application::parse(&stored, u32::MAX)
            .map_err(|e| PlatformError::Internal(format!("stored application of {order_no}: {e}")))?;
        // The masked number as shown by `get_application` means "unchanged".
        if form.id_number.trim() == before.id_number.masked() {
            form.id_number = stored.id_number.clone();
        }
        let after = Application::parse(&form, self.max_quantity)?;
        let mut refused = Vec::new();
        if after.credit_code.as_str() != applicant.credit_code {
            refused.push(FieldError { field: FormField::CreditCode, message: MISMATCHED_CODE.into() });
        }
        // The fee was fixed (and maybe paid) at submission: another provider or quantity is a new order.
        for field in [FormField::ProviderId, FormField::Quantity] {
            if after.changed_fields(&before).contains(&field) {
                let message = format!("重新提交时不能更改{}，如需更改请撤销后重新申领", field.label_zh());
                refused.push(FieldError { field, message });
            }
        }
        if !refused.is_empty() {
            return Err(RuleError::InvalidApplication(refused).into());
        }
        let changes = after.changed_fields(&before);
        let note = if changes.is_empty() {
            "重新提交：未修改申领信息".to_owned()
        } else {
            format!("重新提交，修改了：{}", changes.iter().map(|f| f.label_zh()).collect::<Vec<_>>().join("、"))
        };
        let sealed = self.seal(&form, &after, order_no)?;
        let at = Utc::now().with_timezone(&certdesk_core::SHANGHAI).to_rfc3339();
        let identity_changed = after.identity_changed(&before);
        let order =
            self.db.resubmit(order_no, applicant.organisation_id, &after, &sealed, identity_changed, &note, &at)?;
        tracing::info!(order_no = %order_no, identity_changed, changes = %note, "order resubmitted");
        Ok(order)
    }
}

impl AppState {
    pub(crate) fn changed(&self) {
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    fn feed(&self, after: i64, organisation_id: Option<i64>) -> Result<EventFeed> {
        let events = self
            .db
            .events_after(after, organisation_id)?
            .into_iter()
            .map(|(id, order_no, row)| {
                Ok(FeedEvent { id, order_no: OrderNumber::parse(&order_no)?, event: event_record(row)? })
            })
            .collect::<Result<Vec<_>>>()?;
        let last_id = events.last().map_or(after, |e| e.id);
        Ok(EventFeed { events, last_id })
    }

    pub fn demo_session(&self) -> Result<ApplicantSession> {
        applicants::demo_session(&self.db, Utc::now())
    }
}
