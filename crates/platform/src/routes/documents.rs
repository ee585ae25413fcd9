//! Documents for the applicant: 邮寄纸质资料's cover sheet; how every PDF is answered.

use super::extract::Caller;
use crate::state::{Shared, blocking};
use crate::{PlatformError, Result};
use axum::extract::{Path, State};
use certdesk_api::ApiError;
use certdesk_core::OrderNumber;

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
pub(crate) async fn cover_sheet(
    State(state): State<Shared>,
    caller: Caller,
    Path(order_no): Path<String>,
) -> Result<axum::response::Response> {
    let order_no = OrderNumber::parse(&order_no)?;
    let organisation = caller.organisation_id();
    let pdf = blocking(&state, move |s| {
        let order =
            s.db.order_of(&order_no, organisation)?.ok_or_else(|| PlatformError::NotFound("订单不存在".into()))?;
        let sheet = crate::documents::cover_sheet::CoverSheet {
            order_no: order.order_no.as_str(),
            organisation_name: &order.organisation_name,
            applicant_name: &order.applicant_name,
            address: &s.paper_documents_address,
        };
        crate::documents::cover_sheet::render(&sheet, s.cover_sheet_font.as_ref())
    })
    .await?;
    Ok(pdf_response(pdf, "cover-sheet.pdf"))
}

/// A PDF to download as `filename`.
pub(crate) fn pdf_response(pdf: Vec<u8>, filename: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    let disposition = format!("attachment; filename=\"{filename}\"");
    (
        [
            (axum::http::header::CONTENT_TYPE, "application/pdf".to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        pdf,
    )
        .into_response()
}
