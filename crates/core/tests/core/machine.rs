//! Every (state, event) pair of the order state machine, as one reviewed table.

use certdesk_core::{Actor, Delivery, Invoice, Money, OrderEvent, OrderState, OrderStatus, Verification, apply};

const FEE: Money = Money::from_fen(30_000);

fn state(status: OrderStatus, fee: Money, paid: bool) -> OrderState {
    OrderState { status, fee, paid }
}

/// One order in each status (and the variants that change an outcome), named for the table.
fn states() -> Vec<(&'static str, OrderState)> {
    use OrderStatus as S;
    use Verification::*;
    let issued = |invoice| S::Issued {
        verification: Verified,
        delivery: Delivery::Mailed { courier: "顺丰速运".into(), tracking_no: "SF1234567890".into() },
        invoice,
    };
    vec![
        ("待认证", state(S::PendingVerification, FEE, false)),
        ("待认证 免缴费", state(S::PendingVerification, Money::ZERO, false)),
        ("待认证 已付(编辑后)", state(S::PendingVerification, FEE, true)),
        ("待支付 已认证", state(S::PendingPayment { verification: Verified }, FEE, false)),
        ("待支付 待收材料", state(S::PendingPayment { verification: AwaitingMaterials }, FEE, false)),
        ("待审核 已认证", state(S::PendingReview { verification: Verified }, FEE, true)),
        ("待审核 待收材料", state(S::PendingReview { verification: AwaitingMaterials }, Money::ZERO, false)),
        ("待审核 材料已收", state(S::PendingReview { verification: MaterialsReceived }, FEE, true)),
        ("待支付 现场核验", state(S::PendingPayment { verification: InPerson }, FEE, false)),
        ("待审核 现场核验", state(S::PendingReview { verification: InPerson }, FEE, true)),
        ("审核未通过", state(S::Rejected { verification: Verified, reason: "营业执照模糊".into() }, FEE, true)),
        ("待制证", state(S::Approved { verification: Verified }, FEE, true)),
        ("已发证", state(issued(Invoice::NotRequested), FEE, true)),
        ("已发证 发票已申请", state(issued(Invoice::Requested), FEE, true)),
        ("已发证 免缴费", state(issued(Invoice::NotRequested), Money::ZERO, false)),
        ("已撤销", state(S::Cancelled { refund_owed: false }, FEE, false)),
    ]
}

/// Every event, with sample data where it carries some.
fn events() -> Vec<(&'static str, OrderEvent)> {
    use OrderEvent as E;
    vec![
        ("人脸通过", E::FaceVerificationPassed),
        ("人脸失败", E::FaceVerificationFailed),
        ("选邮寄材料", E::PaperDocumentsChosen),
        ("身份证核验", E::IdCardChecked),
        ("付款成功", E::PaymentConfirmed),
        ("材料收到", E::MaterialsReceived),
        ("审核通过", E::Approved),
        ("驳回", E::Rejected { reason: "照片不清晰".into() }),
        ("驳回无理由", E::Rejected { reason: "  ".into() }),
        ("重提 改身份", E::Resubmitted { identity_changed: true }),
        ("重提", E::Resubmitted { identity_changed: false }),
        ("邮寄", E::ProducedAndShipped { courier: "顺丰速运".into(), tracking_no: "SF1".into() }),
        ("邮寄无单号", E::ProducedAndShipped { courier: "顺丰速运".into(), tracking_no: "".into() }),
        ("现场发证", E::IssuedOnSite),
        ("撤销", E::Cancelled),
        ("申请发票", E::InvoiceRequested),
        ("开票", E::InvoiceIssued),
    ]
}

const ACTORS: [Actor; 6] =
    [Actor::Applicant, Actor::Reviewer, Actor::Producer, Actor::Counter, Actor::PaymentGateway, Actor::System];

/// The first actor allowed to cause `event` (each is tried in ACTORS order).
fn permitted_actor(event: &OrderEvent) -> Actor {
    *ACTORS.iter().find(|a| event.permitted(**a)).expect("every event has someone who may cause it")
}

fn outcome(before: &OrderState, event: &OrderEvent) -> String {
    match apply(before, permitted_actor(event), event) {
        Ok(after) => {
            let mut text = format!("→ {}", after.status.label_zh());
            if after.paid != before.paid {
                text.push_str(" 已付");
            }
            match &after.status {
                OrderStatus::Rejected { reason, .. } => text.push_str(&format!(" 理由:{reason}")),
                OrderStatus::Issued { delivery: Delivery::OnSite, invoice, .. } => {
                    text.push_str(&format!(" 现场 {invoice:?}"))
                }
                OrderStatus::Issued { delivery: Delivery::Mailed { tracking_no, .. }, invoice, .. } => {
                    text.push_str(&format!(" 邮寄:{tracking_no} {invoice:?}"))
                }
                OrderStatus::Cancelled { refund_owed: true } => text.push_str(" 应退款"),
                _ => {}
            }
            if after == *before {
                text.push_str(" (不变)");
            }
            text
        }
        Err(e) => format!("✗ {e}"),
    }
}

/// The whole table: a line per (state, event) pair.
fn table() -> String {
    let mut out = String::new();
    for (state_name, state) in states() {
        out.push_str(&format!("[{state_name}]\n"));
        for (event_name, event) in events() {
            out.push_str(&format!("  {event_name}: {}\n", outcome(&state, &event)));
        }
    }
    out
}

#[test]
fn every_state_and_event_pair_has_the_reviewed_outcome() {
    let expected = include_str!("machine_table.txt");
    let actual = table();
    if std::env::var_os("UPDATE_TABLES").is_some() {
        std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/core/machine_table.txt"), &actual).unwrap();
        return;
    }
    if actual != expected {
        for (i, (a, e)) in actual.lines().zip(expected.lines()).enumerate() {
            assert_eq!(a, e, "line {} of tests/core/machine_table.txt", i + 1);
        }
        assert_eq!(actual.lines().count(), expected.lines().count(), "number of lines");
    }
}

#[test]
fn only_the_right_actor_may_cause_each_event() {
    let expected = [
        ("人脸通过", vec![Actor::System]),
        ("选邮寄材料", vec![Actor::Applicant, Actor::Counter]),
        ("身份证核验", vec![Actor::Counter]),
        ("付款成功", vec![Actor::Counter, Actor::PaymentGateway]),
        ("材料收到", vec![Actor::Reviewer, Actor::Counter]),
        ("审核通过", vec![Actor::Reviewer, Actor::Counter]),
        ("驳回", vec![Actor::Reviewer, Actor::Counter]),
        ("重提", vec![Actor::Applicant, Actor::Counter]),
        ("邮寄", vec![Actor::Producer]),
        ("现场发证", vec![Actor::Counter]),
        ("撤销", vec![Actor::Applicant, Actor::Counter]),
        ("申请发票", vec![Actor::Applicant, Actor::Counter]),
        ("开票", vec![Actor::Counter, Actor::System]),
    ];
    let events = events();
    for (name, allowed) in expected {
        let event = &events.iter().find(|(n, _)| *n == name).unwrap().1;
        let actual: Vec<Actor> = ACTORS.iter().copied().filter(|a| event.permitted(*a)).collect();
        assert_eq!(actual, allowed, "{name}");
    }
}

#[test]
fn a_forbidden_actor_is_refused_whatever_the_state() {
    let order = state(OrderStatus::PendingReview { verification: Verification::Verified }, FEE, true);
    let refused = apply(&order, Actor::Applicant, &OrderEvent::Approved).unwrap_err();
    assert_eq!(refused.to_string(), "申领人无权审核通过");
    let refused = apply(&order, Actor::Reviewer, &OrderEvent::PaymentConfirmed).unwrap_err();
    assert_eq!(refused.to_string(), "审核人员无权确认付款");
}
