//! 管理: the administrator's staff accounts — list, add, set roles, 停用 / 启用, 重置密码 — and the
//! 操作日志 of what every member did.

use super::extract::{ApiJson, ApiPath, ApiQuery, Staff};
use crate::staff;
use crate::state::{Shared, blocking};
use crate::{PlatformError, Result};
use axum::Json;
use axum::extract::State;
use certdesk_api::{
    ApiError, AuditAction, AuditEntry, AuditQuery, NewStaffMember, PasswordReset, StaffMemberView, StaffRole,
    StaffRoles,
};

/// The member an administrator changed, as the audit names them: `陈审核（chen）：审核、管理`.
fn described(member: &StaffMemberView) -> String {
    let roles: Vec<&str> = member.roles.iter().map(|r| r.label_zh()).collect();
    format!("{}（{}）：{}", member.display_name, member.username, roles.join("、"))
}

fn admin_only(staff: &Staff) -> Result<i64> {
    if staff.member.roles.contains(&StaffRole::Admin) {
        Ok(staff.member.id)
    } else {
        Err(PlatformError::Forbidden("您的角色无权管理员工账号".into()))
    }
}

#[utoipa::path(
    get,
    path = "/v1/staff/members",
    tag = "staff",
    summary = "管理：员工账号列表",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = Vec<StaffMemberView>),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 403, description = "角色无权操作", body = ApiError)
    )
)]
pub(crate) async fn list_members(State(state): State<Shared>, caller: Staff) -> Result<Json<Vec<StaffMemberView>>> {
    admin_only(&caller)?;
    Ok(Json(blocking(&state, |s| staff::members(&s.db)).await?))
}

#[utoipa::path(
    post,
    path = "/v1/staff/members",
    tag = "staff",
    summary = "管理：新增员工账号",
    request_body = NewStaffMember,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = StaffMemberView),
        (status = 400, description = "用户名、密码或角色不符合要求", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 403, description = "角色无权操作", body = ApiError),
        (status = 409, description = "用户名已存在", body = ApiError)
    )
)]
pub(crate) async fn add_member(
    State(state): State<Shared>,
    caller: Staff,
    ApiJson(new): ApiJson<NewStaffMember>,
) -> Result<Json<StaffMemberView>> {
    let admin = admin_only(&caller)?;
    let member = blocking(&state, move |s| staff::create_member(&s.db, &new)).await?;
    tracing::info!(admin, member = member.id, username = %member.username, "staff member added");
    caller.audit(&state, AuditAction::MemberAdded, described(&member)).await?;
    Ok(Json(member))
}

#[utoipa::path(
    put,
    path = "/v1/staff/members/{id}/roles",
    tag = "staff",
    summary = "管理：设置员工角色（立即生效）",
    params(("id" = i64, Path, description = "员工账号编号")),
    request_body = StaffRoles,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = StaffMemberView),
        (status = 400, description = "至少需要一个角色", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 403, description = "角色无权操作", body = ApiError),
        (status = 404, description = "员工账号不存在", body = ApiError),
        (status = 409, description = "不能取消自己的管理角色", body = ApiError)
    )
)]
pub(crate) async fn set_roles(
    State(state): State<Shared>,
    caller: Staff,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<StaffRoles>,
) -> Result<Json<StaffMemberView>> {
    let admin = admin_only(&caller)?;
    let member = blocking(&state, move |s| staff::set_roles(&s.db, admin, id, &body.roles)).await?;
    tracing::info!(admin, member = id, roles = ?member.roles, "staff roles set");
    caller.audit(&state, AuditAction::RolesSet, described(&member)).await?;
    Ok(Json(member))
}

#[utoipa::path(
    post,
    path = "/v1/staff/members/{id}/disable",
    tag = "staff",
    summary = "管理：停用员工账号（其会话立即失效）",
    params(("id" = i64, Path, description = "员工账号编号")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = StaffMemberView),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 403, description = "角色无权操作", body = ApiError),
        (status = 404, description = "员工账号不存在", body = ApiError),
        (status = 409, description = "不能停用自己的账号", body = ApiError)
    )
)]
pub(crate) async fn disable_member(
    State(state): State<Shared>,
    caller: Staff,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<StaffMemberView>> {
    set_disabled(&state, &caller, id, true).await
}

#[utoipa::path(
    post,
    path = "/v1/staff/members/{id}/enable",
    tag = "staff",
    summary = "管理：启用员工账号",
    params(("id" = i64, Path, description = "员工账号编号")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = StaffMemberView),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 403, description = "角色无权操作", body = ApiError),
        (status = 404, description = "员工账号不存在", body = ApiError)
    )
)]
pub(crate) async fn enable_member(
    State(state): State<Shared>,
    caller: Staff,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<StaffMemberView>> {
    set_disabled(&state, &caller, id, false).await
}

/// 停用 (the member's sessions end in the same transaction) or 启用.
async fn set_disabled(state: &Shared, caller: &Staff, id: i64, disabled: bool) -> Result<Json<StaffMemberView>> {
    let admin = admin_only(caller)?;
    let member = blocking(state, move |s| staff::set_disabled(&s.db, admin, id, disabled)).await?;
    tracing::info!(admin, member = id, disabled, "staff member disabled or enabled");
    let action = if disabled { AuditAction::MemberDisabled } else { AuditAction::MemberEnabled };
    caller.audit(state, action, described(&member)).await?;
    Ok(Json(member))
}

#[utoipa::path(
    post,
    path = "/v1/staff/members/{id}/password",
    tag = "staff",
    summary = "管理：重置员工密码（其会话立即失效）",
    params(("id" = i64, Path, description = "员工账号编号")),
    request_body = PasswordReset,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = StaffMemberView),
        (status = 400, description = "密码不符合要求", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 403, description = "角色无权操作", body = ApiError),
        (status = 404, description = "员工账号不存在", body = ApiError)
    )
)]
pub(crate) async fn reset_password(
    State(state): State<Shared>,
    caller: Staff,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PasswordReset>,
) -> Result<Json<StaffMemberView>> {
    let admin = admin_only(&caller)?;
    let member = blocking(&state, move |s| staff::reset_password(&s.db, id, &body.password)).await?;
    tracing::info!(admin, member = id, "staff password reset; their sessions ended");
    caller.audit(&state, AuditAction::PasswordReset, described(&member)).await?;
    Ok(Json(member))
}

#[utoipa::path(
    get,
    path = "/v1/staff/audit",
    tag = "staff",
    summary = "管理：操作日志（登录、登录失败、订单办理、员工管理），按员工、订单、日期筛选，最新在前",
    params(AuditQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "成功", body = Vec<AuditEntry>),
        (status = 400, description = "日期格式错误", body = ApiError),
        (status = 401, description = "未登录或会话已过期", body = ApiError),
        (status = 403, description = "角色无权操作", body = ApiError)
    )
)]
pub(crate) async fn audit(
    State(state): State<Shared>,
    caller: Staff,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Json<Vec<AuditEntry>>> {
    admin_only(&caller)?;
    Ok(Json(blocking(&state, move |s| s.db.audit_entries(&query)).await?))
}
