//! Reference data: CA服务商, the platform's settings, the working-day calendar.

use crate::Result;
use crate::state::{Shared, blocking};
use axum::Json;
use axum::extract::State;
use certdesk_api::{CalendarDocument, PlatformSettings, Provider};

#[utoipa::path(
    get,
    path = "/v1/providers",
    tag = "reference",
    summary = "CA服务商及每张证书的费用（分）",
    responses(
        (status = 200, description = "成功", body = Vec<Provider>)
    )
)]
pub(crate) async fn list_providers(State(state): State<Shared>) -> Result<Json<Vec<Provider>>> {
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
pub(crate) async fn settings(State(state): State<Shared>) -> Json<PlatformSettings> {
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
pub(crate) async fn calendar(State(state): State<Shared>) -> Json<CalendarDocument> {
    Json(state.calendar.clone())
}
