//! Orders: 提交申领, the list, one order and its detail (history, ETA), 编辑 and 重新提交.

use super::extract::{ApiJson, ApiQuery, ApplicantCaller, Caller};
use crate::applicants::Applicant;
use crate::state::{AppState, Shared, blocking};
use crate::store::{ByStaff, EventRow, Inserted, OrderFilter, SealedApplication};
use crate::{PlatformError, Result};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use certdesk_api::{
    ApiError, EtaView, IDEMPOTENCY_KEY, OrderDetail, OrderEventRecord, OrderPage, OrderQuery, OrderSummary, SubmitOrder,
};
use certdesk_core::{
    Application, CreditCode, Error as RuleError, FieldError, FormField, IdNumber, OrderNumber, OrderState, OrderStatus,
    Verification, fee_for,
};
use certdesk_vault::Sealer;
use chrono::{DateTime, Utc};

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
pub(crate) async fn submit_order(
    State(state): State<Shared>,
    caller: ApplicantCaller,
    headers: HeaderMap,
    ApiJson(form): ApiJson<SubmitOrder>,
) -> Result<(StatusCode, Json<OrderSummary>)> {
    let key = idempotency_key(&headers)?;
    let applicant = caller.applicant;
    let (created, order) = blocking(&state, move |s| s.submit(&applicant, &form, key.as_deref(), None)).await?;
    if created {
        state.changed();
    }
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(order)))
}

/// The request's `Idempotency-Key`, if it sent one: 1 to 255 visible ASCII characters.
pub(crate) fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>> {
    match headers.get(IDEMPOTENCY_KEY) {
        None => Ok(None),
        Some(value) => match value.to_str() {
            Ok(key) if (1..=255).contains(&key.len()) => Ok(Some(key.to_owned())),
            _ => Err(PlatformError::BadRequest(format!("{IDEMPOTENCY_KEY}应为1至255个可见ASCII字符"))),
        },
    }
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
pub(crate) async fn list_orders(
    State(state): State<Shared>,
    caller: Caller,
    ApiQuery(query): ApiQuery<OrderQuery>,
) -> Result<Json<OrderPage>> {
    let filter = OrderFilter { organisation_id: caller.organisation_id(), ..order_filter(&query)? };
    let (page, page_size) = (filter.offset / filter.limit + 1, filter.limit);
    let (items, total) = blocking(&state, move |s| s.db.list_orders(&filter)).await?;
    Ok(Json(OrderPage { items, total, page, page_size }))
}

/// A stored history row as the API shows it.
/// A history row for the wire; `for_staff` keeps the staff member's name, which applicants never see.
pub(crate) fn event_record(row: EventRow, for_staff: bool) -> Result<OrderEventRecord> {
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
        staff_name: if for_staff { row.staff_name } else { None },
    })
}

/// Checks a list query (the core's rules) and turns it into SQL-ready bounds.
pub(crate) fn order_filter(query: &OrderQuery) -> Result<OrderFilter> {
    let list = query.list_filter().map_err(|e| PlatformError::BadRequest(e.to_string()))?;
    Ok(OrderFilter {
        organisation_id: None,
        order_no_prefix: list.order_no_prefix.clone(),
        status_code: list.status_code.clone(),
        provider_id: list.provider_id.clone(),
        submitted_from: list.submitted_from,
        submitted_before: list.submitted_before,
        verification: None,
        limit: list.page_size,
        offset: list.offset(),
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
pub(crate) async fn get_order(
    State(state): State<Shared>,
    caller: Caller,
    Path(order_no): Path<String>,
) -> Result<Json<OrderSummary>> {
    let order_no = OrderNumber::parse(&order_no)?;
    let organisation = caller.organisation_id();
    let found = blocking(&state, move |s| s.db.order_of(&order_no, organisation)).await?;
    found.map(Json).ok_or_else(|| PlatformError::NotFound("订单不存在".into()))
}

pub(crate) const MISMATCHED_CODE: &str = "统一社会信用代码与登录账号所属机构不一致";

/// The form's keyed digest (HMAC-SHA256 with the platform's key): the same application gives the
/// same fingerprint on every build, so a retried submit is recognised; without the key nobody can
/// test guesses of the ID number against it (an unkeyed hash and the masked number gave it away).
pub(crate) fn request_fingerprint(sealer: &Sealer, form: &SubmitOrder) -> String {
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
pub(crate) async fn get_order_detail(
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
    pub(crate) fn detail(&self, order_no: &OrderNumber, organisation_id: Option<i64>) -> Result<OrderDetail> {
        let order =
            self.db.order_of(order_no, organisation_id)?.ok_or_else(|| PlatformError::NotFound("订单不存在".into()))?;
        let history = self
            .db
            .order_events(order_no)?
            .into_iter()
            .map(|e| event_record(e, organisation_id.is_none()))
            .collect::<Result<Vec<_>>>()?;
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

    /// Whether a new order was created, and the order: submitted by the organisation's `applicant`,
    /// or `by` the service counter for it (现场受理).
    pub(crate) fn submit(
        &self,
        applicant: &Applicant,
        form: &SubmitOrder,
        idempotency_key: Option<&str>,
        by: Option<ByStaff<'_>>,
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
            match self.db.insert_order(&order, &application, applicant.organisation_id, &sealed, idempotency, by) {
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
pub(crate) async fn get_application(
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
pub(crate) async fn resubmit(
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
    pub(crate) fn stored_form(&self, order_no: &OrderNumber, organisation_id: Option<i64>) -> Result<SubmitOrder> {
        let sealed = self
            .db
            .sealed_application(order_no, organisation_id)?
            .ok_or_else(|| PlatformError::NotFound("订单不存在".into()))?;
        let json = self.sealer.open(&sealed, order_no.as_str())?;
        serde_json::from_str(&json).map_err(|e| PlatformError::Internal(format!("stored application: {e}")))
    }

    pub(crate) fn seal(
        &self,
        form: &SubmitOrder,
        application: &Application,
        order_no: &OrderNumber,
    ) -> Result<SealedApplication> {
        let json = serde_json::to_string(form).expect("a form serialises");
        Ok(SealedApplication {
            sealed: self.sealer.seal(&json, order_no.as_str())?,
            id_number_digest: self.sealer.digest(application.id_number.as_str()),
        })
    }

    pub(crate) fn resubmit(
        &self,
        applicant: &Applicant,
        order_no: &OrderNumber,
        mut form: SubmitOrder,
    ) -> Result<OrderSummary> {
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
