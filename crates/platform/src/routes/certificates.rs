//! 证书: 制证's certificate for a CSR, the organisation's certificates, 吊销, and what each CA
//! publishes to relying parties (its chain, the issuing CA's certificate, its CRL).

use super::extract::{ApiJson, Caller, Staff};
use crate::state::{Shared, blocking};
use crate::store::ByStaff;
use crate::{PlatformError, Result};
use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use certdesk_api::{ApiError, CaInfo, CertificateRecord, CertificateRequest, Revocation, StaffRole};
use certdesk_core::{OrderEvent, OrderNumber};

/// Certificates are made by whoever produces them: 制证 (mailed) or the counter (现场发证).
fn may_issue(staff: &Staff) -> Result<()> {
    let ship = OrderEvent::ProducedAndShipped { courier: String::new(), tracking_no: String::new() };
    if staff.member.actor_for(&ship).is_some() || staff.member.actor_for(&OrderEvent::IssuedOnSite).is_some() {
        Ok(())
    } else {
        Err(PlatformError::Forbidden("您的角色无权签发证书".into()))
    }
}

#[utoipa::path(
    post,
    path = "/v1/staff/orders/{order_no}/certificates",
    tag = "staff",
    summary = "签发证书：为UKey上生成的密钥（CSR）签发机构证书，每单不超过申领数量",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    request_body = CertificateRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已签发", body = CertificateRecord),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 403, description = "角色无权操作", body = ApiError),
        (status = 404, description = "订单不存在，或CA服务商未配置签发CA", body = ApiError),
        (status = 409, description = "订单不在待制证状态，或证书已全部签发", body = ApiError),
        (status = 422, description = "CSR 无效：无法解析、签名无效、主题与申领信息不一致或密钥不受支持", body = ApiError)
    )
)]
pub(crate) async fn issue_certificate(
    State(state): State<Shared>,
    staff: Staff,
    Path(order_no): Path<String>,
    ApiJson(request): ApiJson<CertificateRequest>,
) -> Result<Json<CertificateRecord>> {
    may_issue(&staff)?;
    let order_no = OrderNumber::parse(&order_no)?;
    let token_serial = request.token_serial.map(|t| t.trim().chars().take(64).collect::<String>());
    let (id, name) = (staff.member.id, staff.member.display_name.clone());
    let record = blocking(&state, move |s| {
        s.issue_certificate(&order_no, &request.csr_pem, token_serial.as_deref(), ByStaff { id, name: &name })
    })
    .await?;
    tracing::info!(order_no = %record.order_no, serial = %record.serial, staff = staff.member.id, "certificate issued");
    Ok(Json(record))
}

#[utoipa::path(
    get,
    path = "/v1/orders/{order_no}/certificates",
    tag = "applicant",
    summary = "证书信息：订单已签发的证书（序列号、主题、有效期、SHA-256 指纹、UKey 序列号）",
    params(("order_no" = String, Path, description = "订单编号（15位数字）")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = Vec<CertificateRecord>),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 404, description = "订单不存在或不属于本机构", body = ApiError)
    )
)]
pub(crate) async fn order_certificates(
    State(state): State<Shared>,
    caller: Caller,
    Path(order_no): Path<String>,
) -> Result<Json<Vec<CertificateRecord>>> {
    let order_no = OrderNumber::parse(&order_no)?;
    let organisation = caller.organisation_id();
    Ok(Json(blocking(&state, move |s| s.order_certificates(&order_no, organisation)).await?))
}

#[utoipa::path(
    post,
    path = "/v1/staff/certificates/{serial}/revoke",
    tag = "staff",
    summary = "吊销证书（RFC 5280 吊销原因），列入CA的证书吊销列表",
    params(("serial" = String, Path, description = "证书序列号（十六进制）")),
    request_body = Revocation,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已吊销", body = CertificateRecord),
        (status = 400, description = "请求格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 403, description = "角色无权操作", body = ApiError),
        (status = 404, description = "证书不存在", body = ApiError),
        (status = 409, description = "证书已吊销", body = ApiError)
    )
)]
pub(crate) async fn revoke_certificate(
    State(state): State<Shared>,
    staff: Staff,
    Path(serial): Path<String>,
    ApiJson(revocation): ApiJson<Revocation>,
) -> Result<Json<CertificateRecord>> {
    // Those who issue certificates, and administrators, may revoke them.
    if may_issue(&staff).is_err() && !staff.member.roles.contains(&StaffRole::Admin) {
        return Err(PlatformError::Forbidden("您的角色无权吊销证书".into()));
    }
    let (id, name) = (staff.member.id, staff.member.display_name.clone());
    let record =
        blocking(&state, move |s| s.revoke_certificate(&serial, revocation.reason, ByStaff { id, name: &name }))
            .await?;
    tracing::info!(serial = %record.serial, reason = revocation.reason.code(), staff = staff.member.id, "certificate revoked");
    Ok(Json(record))
}

#[utoipa::path(
    get,
    path = "/v1/ca/{provider_id}",
    tag = "ca",
    summary = "CA服务商的签发CA：算法、是否沙箱、证书有效期与证书链",
    params(("provider_id" = String, Path, description = "CA服务商")),
    responses(
        (status = 200, description = "成功", body = CaInfo),
        (status = 404, description = "CA服务商未配置签发CA", body = ApiError)
    )
)]
pub(crate) async fn ca_info(State(state): State<Shared>, Path(provider_id): Path<String>) -> Result<Json<CaInfo>> {
    Ok(Json(blocking(&state, move |s| s.ca_info(&provider_id)).await?))
}

#[utoipa::path(
    get,
    path = "/v1/ca/{provider_id}/chain",
    tag = "ca",
    summary = "证书链（PEM）：签发CA证书与根CA证书",
    params(("provider_id" = String, Path, description = "CA服务商")),
    responses(
        (status = 200, description = "成功", content_type = "application/x-pem-file", body = String),
        (status = 404, description = "CA服务商未配置签发CA", body = ApiError)
    )
)]
pub(crate) async fn chain(State(state): State<Shared>, Path(provider_id): Path<String>) -> Result<Response> {
    let info = blocking(&state, move |s| s.ca_info(&provider_id)).await?;
    Ok(([(axum::http::header::CONTENT_TYPE, "application/x-pem-file")], info.chain_pem).into_response())
}

#[utoipa::path(
    get,
    path = "/v1/ca/{provider_id}/issuing.cer",
    tag = "ca",
    summary = "签发CA证书（DER）：每张证书的“颁发机构信息访问”所指",
    params(("provider_id" = String, Path, description = "CA服务商")),
    responses(
        (status = 200, description = "成功", content_type = "application/pkix-cert", body = Vec<u8>),
        (status = 404, description = "CA服务商未配置签发CA", body = ApiError)
    )
)]
pub(crate) async fn issuing_certificate(
    State(state): State<Shared>,
    Path(provider_id): Path<String>,
) -> Result<Response> {
    let der = blocking(&state, move |s| s.issuing_certificate(&provider_id)).await?;
    Ok(([(axum::http::header::CONTENT_TYPE, "application/pkix-cert")], der).into_response())
}

#[utoipa::path(
    get,
    path = "/v1/ca/{provider_id}/crl",
    tag = "ca",
    summary = "证书吊销列表（CRL，DER），每张证书的“CRL分发点”所指",
    params(("provider_id" = String, Path, description = "CA服务商")),
    responses(
        (status = 200, description = "成功", content_type = "application/pkix-crl", body = Vec<u8>),
        (status = 404, description = "CA服务商未配置签发CA", body = ApiError)
    )
)]
pub(crate) async fn crl(State(state): State<Shared>, Path(provider_id): Path<String>) -> Result<Response> {
    let der = blocking(&state, move |s| s.crl(&provider_id)).await?;
    Ok(([(axum::http::header::CONTENT_TYPE, "application/pkix-crl")], der).into_response())
}
