//! The events feed: history rows after an id, long-polled.

use super::extract::{ApiQuery, Caller};
use super::orders::event_record;
use crate::Result;
use crate::state::{AppState, Shared, blocking};
use axum::Json;
use axum::extract::State;
use certdesk_api::{ApiError, EventFeed, EventQuery, FeedEvent};
use certdesk_core::OrderNumber;

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
pub(crate) async fn events(
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
impl AppState {
    pub(crate) fn feed(&self, after: i64, organisation_id: Option<i64>) -> Result<EventFeed> {
        let events = self
            .db
            .events_after(after, organisation_id)?
            .into_iter()
            .map(|(id, order_no, row)| {
                Ok(FeedEvent {
                    id,
                    order_no: OrderNumber::parse(&order_no)?,
                    event: event_record(row, organisation_id.is_none())?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let last_id = events.last().map_or(after, |e| e.id);
        Ok(EventFeed { events, last_id })
    }
}
