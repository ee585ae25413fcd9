//! Online payment: the gateways the platform is a merchant of, the notifications they send, and
//! reconciliation. The app's return from the gateway is never trusted; only a verified
//! notification or the platform's own query of the gateway moves an order.

use crate::state::{AppState, blocking};
use crate::store::{KeptNotification, PaymentRow, RefundRequest, Settled};
use crate::{PlatformError, Result};
use certdesk_api::{PaymentMethod, PaymentState, ReconciliationReport};
use certdesk_pay::client::{NoticeStatus, RefundOutcome, TradeQuery};
use std::sync::Arc;

use crate::gateways::Gateways;

fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic elsewhere while holding it leaves a plain date behind; carry on.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn now() -> String {
    certdesk_core::now_shanghai().to_rfc3339()
}

/// The gateways, or the refusal a platform without online payment answers.
pub(crate) fn gateways(state: &AppState) -> Result<&Gateways> {
    state
        .payments
        .as_ref()
        .ok_or_else(|| PlatformError::PaymentUnavailable("平台未开通在线支付，请到服务窗口缴费".into()))
}

/// Records a payment the gateway reported paid, and sends back a surplus one.
async fn settle(state: &Arc<AppState>, out_trade_no: &str, gateway_trade_no: &str) -> Result<Settled> {
    let (no, trade_no) = (out_trade_no.to_owned(), gateway_trade_no.to_owned());
    let settled = blocking(state, move |s| s.db.settle_payment(&no, &trade_no, &now())).await?;
    match &settled {
        Settled::Paid(order) => {
            state.changed();
            tracing::info!(order_no = %order.order_no, out_trade_no, "payment settled");
        }
        Settled::Surplus(refund) => {
            tracing::warn!(out_trade_no, "a payment for an order that no longer awaits one: refunding");
            send_refund(state, refund.clone()).await;
        }
        Settled::AlreadyPaid | Settled::AlreadyRefunded | Settled::Flagged => {}
    }
    Ok(settled)
}

/// Sends a recorded refund and asks at once whether it went through. A refund is done only when
/// the gateway confirms it (its refund query, or WeChat Pay's refund notification); until then it
/// is processing, and no answer at all leaves it owed, to be sent again under the same number.
pub(crate) async fn send_refund(state: &Arc<AppState>, refund: RefundRequest) {
    let Ok(gateways) = gateways(state) else { return };
    match gateways.refund(&refund).await {
        Ok(outcome) => {
            record_refund(state, &refund, outcome.clone()).await;
            if outcome == RefundOutcome::Processing {
                confirm_refund(state, refund).await;
            }
        }
        Err(e) => {
            tracing::warn!(out_request_no = %refund.out_request_no, error = %e, "refund not sent; sent again later");
            let why = e.to_string();
            if let Err(e) = blocking(state, move |s| s.db.refund_not_sent(&refund, &why)).await {
                tracing::error!(error = %e, "refund failure not recorded");
            }
        }
    }
}

/// Asks the gateway where a refund it accepted stands, and records it.
async fn confirm_refund(state: &Arc<AppState>, refund: RefundRequest) {
    let Ok(gateways) = gateways(state) else { return };
    match gateways.query_refund(&refund).await {
        Ok(Some(outcome)) => record_refund(state, &refund, outcome).await,
        Ok(None) => {
            tracing::warn!(out_request_no = %refund.out_request_no, "the gateway has no such refund; sending again");
            if let Err(e) = blocking(state, move |s| s.db.refund_unknown_to_gateway(&refund)).await {
                tracing::error!(error = %e, "refund not recorded");
            }
        }
        Err(e) => tracing::warn!(out_request_no = %refund.out_request_no, error = %e, "refund query failed"),
    }
}

async fn record_refund(state: &Arc<AppState>, refund: &RefundRequest, outcome: RefundOutcome) {
    match &outcome {
        RefundOutcome::Failed(why) | RefundOutcome::Abnormal(why) => {
            tracing::warn!(out_request_no = %refund.out_request_no, why, "refund refused: left for staff")
        }
        RefundOutcome::Succeeded => tracing::info!(out_request_no = %refund.out_request_no, "refund confirmed"),
        RefundOutcome::Processing => {}
    }
    let refund = refund.clone();
    if let Err(e) = blocking(state, move |s| s.db.record_refund_outcome(&refund, &outcome, &now())).await {
        tracing::error!(error = %e, "refund outcome not recorded");
    }
    state.changed();
}

/// Asks the gateway about one pending payment and records what it says.
async fn reconcile_one(state: &Arc<AppState>, out_trade_no: &str, payment: &PaymentRow) -> Result<()> {
    let gateways = gateways(state)?;
    match gateways.query(payment, out_trade_no).await? {
        TradeQuery::Paid { trade_no } => {
            settle(state, out_trade_no, &trade_no).await?;
        }
        TradeQuery::Closed => {
            let no = out_trade_no.to_owned();
            blocking(state, move |s| s.db.close_payment(&no)).await?;
        }
        TradeQuery::NotFound => {
            let opened = chrono::DateTime::parse_from_rfc3339(&payment.created_at)
                .map_err(|e| PlatformError::Internal(e.to_string()))?;
            if certdesk_core::now_shanghai() - opened > gateways.expire_after {
                let no = out_trade_no.to_owned();
                blocking(state, move |s| s.db.close_payment(&no)).await?;
            }
        }
        TradeQuery::Waiting => {}
    }
    Ok(())
}

/// One pass of reconciliation: every pending payment queried, every refund owed sent (again),
/// every refund the gateway has not confirmed asked about.
pub async fn reconcile(state: &Arc<AppState>) -> Result<()> {
    let pending = blocking(state, |s| s.db.pending_payments()).await?;
    for (out_trade_no, payment) in pending {
        if let Err(e) = reconcile_one(state, &out_trade_no, &payment).await {
            tracing::warn!(out_trade_no, error = %e, "reconciliation: payment left pending");
        }
    }
    for refund in blocking(state, |s| s.db.refunds_to_send()).await? {
        send_refund(state, refund).await;
    }
    for refund in blocking(state, |s| s.db.refunds_to_confirm()).await? {
        confirm_refund(state, refund).await;
    }
    // The digests of strangers' bodies are kept a month, for looking into an attack, then dropped.
    let month_ago = (certdesk_core::now_shanghai() - chrono::Duration::days(30)).to_rfc3339();
    blocking(state, move |s| s.db.prune_unverified_notifications(&month_ago)).await?;
    Ok(())
}

/// 对账: every gateway's bill of `day` compared with the platform's payments and refunds of the
/// day; each difference is logged for staff and answered.
pub async fn reconcile_bills(state: &Arc<AppState>, day: chrono::NaiveDate) -> Result<ReconciliationReport> {
    use certdesk_api::{BillLineKind, DifferenceKind, GatewayReconciliation, ReconciliationDifference};
    use certdesk_pay::bill::{BillKind, Difference};
    let gateways = gateways(state)?;
    let date = day.format("%Y-%m-%d").to_string();
    let mut report = ReconciliationReport { date: date.clone(), gateways: Vec::new() };
    for (method, gateway) in gateways.offered() {
        let day_text = date.clone();
        let ours = blocking(state, move |s| s.db.day_records(method, &day_text)).await?;
        let mut entry = GatewayReconciliation {
            method,
            bill_lines: 0,
            our_lines: ours.len() as u32,
            differences: Vec::new(),
            error: None,
        };
        match gateway.bill(day).await {
            Err(e) => {
                tracing::warn!(method = method.code(), %date, error = %e, "对账: the bill could not be had");
                entry.error = Some(format!("账单无法获取：{e}"));
            }
            Ok(bill) => {
                entry.bill_lines = bill.len() as u32;
                for difference in certdesk_pay::bill::compare(&bill, &ours) {
                    let (kind, line, bill_fen, our_fen) = match difference {
                        Difference::ThereNotHere(line) => {
                            (DifferenceKind::ThereNotHere, line.clone(), Some(line.fen), None)
                        }
                        Difference::HereNotThere(line) => {
                            (DifferenceKind::HereNotThere, line.clone(), None, Some(line.fen))
                        }
                        Difference::AmountDiffers { there, here_fen } => {
                            (DifferenceKind::AmountDiffers, there.clone(), Some(there.fen), Some(here_fen))
                        }
                    };
                    tracing::warn!(method = method.code(), %date, ?kind, out_trade_no = %line.out_trade_no, "对账: a difference");
                    entry.differences.push(ReconciliationDifference {
                        kind,
                        line: if line.kind == BillKind::Refund { BillLineKind::Refund } else { BillLineKind::Payment },
                        out_trade_no: line.out_trade_no,
                        out_request_no: line.out_request_no,
                        bill_amount: bill_fen.map(certdesk_core::Money::from_fen),
                        our_amount: our_fen.map(certdesk_core::Money::from_fen),
                    });
                }
            }
        }
        report.gateways.push(entry);
    }
    Ok(report)
}

/// The daily 对账 of yesterday's bills, once a day from 10:00 Beijing time (the bills are ready by
/// then), its differences in the log; staff ask for any day at `GET /v1/staff/reconciliation`.
async fn daily_bills(state: &Arc<AppState>) {
    let Ok(gateways) = gateways(state) else { return };
    let now = certdesk_core::now_shanghai();
    let Some(yesterday) = now.date_naive().pred_opt() else { return };
    let due = now.time() >= chrono::NaiveTime::from_hms_opt(10, 0, 0).expect("a time");
    let done = *lock(&gateways.billed_through) >= Some(yesterday);
    if due && !done {
        match reconcile_bills(state, yesterday).await {
            Ok(report) if report.gateways.iter().all(|g| g.error.is_none()) => {
                *lock(&gateways.billed_through) = Some(yesterday);
                let differences: usize = report.gateways.iter().map(|g| g.differences.len()).sum();
                tracing::info!(day = %report.date, differences, "对账 done");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "对账 failed"),
        }
    }
}

/// The advisory lock of the reconciliation job (any number the platform uses for nothing else).
const RECONCILIATION_LOCK: i64 = 7_284_002;

/// Reconciles at start and then every `reconcile_every`, until the platform stops.
pub fn spawn_reconciliation(state: Arc<AppState>) -> Option<tokio::task::JoinHandle<()>> {
    let every = state.payments.as_ref()?.reconcile_every;
    Some(tokio::spawn(async move {
        loop {
            // Several instances on one PostgreSQL: one of them reconciles at a time.
            let lock = match state.db.postgres() {
                None => None,
                Some(pg) => match pg.try_job_lock(RECONCILIATION_LOCK).await {
                    Ok(Some(lock)) => Some(lock),
                    Ok(None) => {
                        tracing::debug!("another instance is reconciling");
                        tokio::time::sleep(every).await;
                        continue;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "reconciliation: cannot take its lock");
                        tokio::time::sleep(every).await;
                        continue;
                    }
                },
            };
            if let Err(e) = reconcile(&state).await {
                tracing::warn!(error = %e, "reconciliation failed");
            }
            daily_bills(&state).await;
            drop(lock);
            tokio::time::sleep(every).await;
        }
    }))
}

/// Where a payment stands for the applicant waiting on it: asks the gateway first while pending.
pub async fn progress(state: &Arc<AppState>, out_trade_no: &str) -> Result<PaymentState> {
    let no = out_trade_no.to_owned();
    let payment = blocking(state, move |s| s.db.payment(&no))
        .await?
        .ok_or_else(|| PlatformError::NotFound("付款记录不存在".into()))?;
    if payment.state == PaymentState::Pending {
        // The gateway being unreachable is not the applicant's error: the payment stays pending.
        if let Err(e) = reconcile_one(state, out_trade_no, &payment).await {
            tracing::warn!(out_trade_no, error = %e, "payment query failed");
        }
    }
    let no = out_trade_no.to_owned();
    Ok(blocking(state, move |s| s.db.payment(&no)).await?.map(|p| p.state).unwrap_or(payment.state))
}

/// `POST /v1/payments/{method}/notify`: a gateway's notification, verified, kept as received with
/// what was made of it, and answered in the gateway's own terms (acknowledged, or refused so that
/// the gateway sends it again later).
pub async fn notification(
    state: &Arc<AppState>,
    method: PaymentMethod,
    headers: &axum::http::HeaderMap,
    raw: &str,
) -> (u16, &'static str, String) {
    let gateway = match gateways(state).and_then(|g| g.gateway(method)) {
        Ok(gateway) => gateway,
        Err(e) => return (503, "text/plain; charset=utf-8", e.to_string()),
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (out_trade_no, verdict) = match gateway.read_notification(&header, raw) {
        Ok(notice) => {
            let verdict = apply_notice(state, method, &notice.out_trade_no, notice.status).await;
            (Some(notice.out_trade_no), verdict)
        }
        Err(e) => (None, Err(e.to_string())),
    };
    let outcome = match &verdict {
        Ok(outcome) => outcome.clone(),
        Err(refusal) => format!("拒绝：{refusal}"),
    };
    let (body, provider) = (raw.to_owned(), method.code());
    let kept = blocking(state, move |s| {
        let verified = out_trade_no.is_some();
        let kept = KeptNotification {
            provider,
            out_trade_no: out_trade_no.as_deref(),
            verified,
            body: &body,
            outcome: &outcome,
        };
        s.db.record_notification(&kept, &now())
    })
    .await;
    if let Err(e) = kept {
        tracing::error!(error = %e, "notification not kept");
    }
    gateway.answer_notification(verdict.err().as_deref())
}

/// What a verified notice does to the payment it names: the amount must be the one recorded.
async fn apply_notice(
    state: &Arc<AppState>,
    method: PaymentMethod,
    out_trade_no: &str,
    status: NoticeStatus,
) -> std::result::Result<String, String> {
    let no = out_trade_no.to_owned();
    let payment = blocking(state, move |s| s.db.payment(&no))
        .await
        .map_err(|e| e.to_string())?
        .filter(|p| p.method == method)
        .ok_or("未知的商户订单号")?;
    match status {
        NoticeStatus::NotPaid(status) => Ok(format!("未付款状态 {status}，不处理")),
        // Signed, so the money moved: never applied, never left pending, but flagged for staff
        // (and acknowledged, so the gateway stops sending it).
        NoticeStatus::Paid { total_fen, trade_no } if total_fen != payment.amount_fen => {
            let no = out_trade_no.to_owned();
            let flagged = blocking(state, move |s| s.db.flag_amount_mismatch(&no, total_fen, &trade_no))
                .await
                .map_err(|e| e.to_string())?;
            tracing::warn!(out_trade_no, total_fen, expected = payment.amount_fen, "payment of another amount flagged");
            state.changed();
            let flag = if flagged { "已标记待人工处理" } else { "付款此前已有结果，未改变" };
            Ok(format!("金额不符：通知 {total_fen} 分，应付 {} 分，{flag}", payment.amount_fen))
        }
        NoticeStatus::Paid { trade_no, .. } => {
            let settled = settle(state, out_trade_no, &trade_no).await.map_err(|e| e.to_string())?;
            Ok(settled.outcome().to_owned())
        }
        NoticeStatus::Refund { out_refund_no, outcome, refund_fen } => {
            let no = out_refund_no.clone();
            let refund = blocking(state, move |s| s.db.refund_request(&no))
                .await
                .map_err(|e| e.to_string())?
                .filter(|r| r.out_trade_no == out_trade_no && r.method == method)
                .ok_or("未知的退款单号")?;
            if refund.amount_fen != refund_fen {
                return Err(format!("退款金额不符：通知 {refund_fen} 分，应退 {} 分", refund.amount_fen));
            }
            record_refund(state, &refund, outcome.clone()).await;
            Ok(format!("退款结果：{outcome:?}"))
        }
    }
}
