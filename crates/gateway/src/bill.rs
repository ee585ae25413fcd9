//! The day's bill: every payment and refund the sandbox made for a merchant on a Beijing day.

use crate::state::{RefundState, Trade};
use certdesk_pay::bill::{BillKind, BillLine};

/// Each payment and refund of `trades` that happened on `day`, with its trade and its time
/// (`yyyy-MM-dd HH:mm:ss`), in time order.
pub(crate) fn lines_of_day(trades: &[Trade], day: chrono::NaiveDate) -> Vec<(&Trade, BillLine, String)> {
    let mut lines = Vec::new();
    for trade in trades {
        if let Some(paid) = trade.paid_at.filter(|at| at.date_naive() == day) {
            let line = BillLine {
                kind: BillKind::Payment,
                out_trade_no: trade.out_trade_no.clone(),
                out_request_no: None,
                fen: trade.amount_fen,
            };
            lines.push((trade, line, certdesk_core::format_shanghai(&paid)));
        }
        for refund in &trade.refunds {
            let Some(done) =
                refund.finished_at.filter(|at| at.date_naive() == day && refund.state == RefundState::Success)
            else {
                continue;
            };
            let line = BillLine {
                kind: BillKind::Refund,
                out_trade_no: trade.out_trade_no.clone(),
                out_request_no: Some(refund.out_request_no.clone()),
                fen: refund.fen,
            };
            lines.push((trade, line, certdesk_core::format_shanghai(&done)));
        }
    }
    lines.sort_by(|a, b| a.2.cmp(&b.2));
    lines
}
