use crate::db::Db;
use crate::{PlatformError, Result};
use axum::extract::{FromRequest, Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use certdesk_api::{OrderSummary, Provider, SubmitOrder};
use certdesk_core::{
    Application, Error as RuleError, FeeSchedule, FieldError, FormField, OrderNumber, OrderNumberGenerator, OrderState,
    fee_for,
};
use std::sync::Arc;

pub struct AppState {
    db: Db,
    numbers: OrderNumberGenerator,
    max_quantity: u32,
    fees: FeeSchedule,
}

impl AppState {
    pub fn new(db: Db, max_quantity: u32, fees: FeeSchedule) -> Result<Self> {
        let numbers = OrderNumberGenerator::starting_after(db.last_order_number()?.as_ref());
        Ok(AppState { db, numbers, max_quantity, fees })
    }
}

type Shared = Arc<AppState>;

/// `axum::Json`, with malformed bodies answered in the platform's `{code, message}` shape.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(PlatformError))]
struct ApiJson<T>(T);

pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/v1/health", get(|| async { "ok" }))
        .route("/v1/providers", get(list_providers))
        .route("/v1/orders", post(submit_order))
        .route("/v1/orders/{order_no}", get(get_order))
        .fallback(|| async { PlatformError::NotFound("接口不存在".into()) })
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Runs blocking database work off the async threads.
async fn blocking<T: Send + 'static>(
    state: &Shared,
    f: impl FnOnce(&AppState) -> Result<T> + Send + 'static,
) -> Result<T> {
    let state = Arc::clone(state);
    tokio::task::spawn_blocking(move || f(&state)).await.map_err(|e| PlatformError::Internal(e.to_string()))?
}

async fn list_providers(State(state): State<Shared>) -> Result<Json<Vec<Provider>>> {
    Ok(Json(blocking(&state, |s| s.db.providers()).await?))
}

async fn submit_order(
    State(state): State<Shared>,
    ApiJson(form): ApiJson<SubmitOrder>,
) -> Result<(StatusCode, Json<OrderSummary>)> {
    let order = blocking(&state, move |s| s.submit(&form)).await?;
    Ok((StatusCode::CREATED, Json(order)))
}

async fn get_order(State(state): State<Shared>, Path(order_no): Path<String>) -> Result<Json<OrderSummary>> {
    let order_no = OrderNumber::parse(&order_no)?;
    let found = blocking(&state, move |s| s.db.order(&order_no)).await?;
    found.map(Json).ok_or_else(|| PlatformError::NotFound("订单不存在".into()))
}

impl AppState {
    fn submit(&self, form: &SubmitOrder) -> Result<OrderSummary> {
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
                if provider.is_none() && !fields.iter().any(|f| f.field == FormField::ProviderId) {
                    fields.insert(0, FieldError { field: FormField::ProviderId, message: "所选CA服务商不存在".into() });
                }
                return Err(RuleError::InvalidApplication(fields).into());
            }
        };
        let fee = fee_for(provider.unit_fee, application.quantity, &application.credit_code, &self.fees)
            .ok_or_else(|| PlatformError::Internal("fee overflow".into()))?;
        let order_no = self.numbers.next();
        let order = OrderSummary {
            submitted_at: order_no.issued_at().to_rfc3339(),
            order_no,
            provider_id: provider.id,
            provider_name: provider.name,
            organisation_name: application.organisation_name.to_string(),
            applicant_name: application.applicant_name.to_string(),
            quantity: application.quantity.get(),
            fee,
            status: OrderState::submitted(fee).status,
        };
        self.db.insert_order(&order, &application)?;
        tracing::info!(order_no = %order.order_no, applicant_id = %application.id_number, "order submitted");
        Ok(order)
    }
}
