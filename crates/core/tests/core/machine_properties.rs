//! Invariants of the state machine over random sequences of events by random actors.

use certdesk_core::{Actor, Money, OrderEvent, OrderState, OrderStatus, Verification, apply};
use proptest::prelude::*;

fn any_actor() -> impl Strategy<Value = Actor> {
    prop_oneof![
        Just(Actor::Applicant),
        Just(Actor::Reviewer),
        Just(Actor::Producer),
        Just(Actor::Counter),
        Just(Actor::PaymentGateway),
        Just(Actor::System),
    ]
}

fn any_event() -> impl Strategy<Value = OrderEvent> {
    prop_oneof![
        Just(OrderEvent::FaceVerificationPassed),
        Just(OrderEvent::FaceVerificationFailed),
        Just(OrderEvent::PaperDocumentsChosen),
        Just(OrderEvent::IdCardChecked),
        Just(OrderEvent::PaymentConfirmed),
        Just(OrderEvent::MaterialsReceived),
        Just(OrderEvent::Approved),
        "[ a-z]{0,3}".prop_map(|reason| OrderEvent::Rejected { reason }),
        any::<bool>().prop_map(|identity_changed| OrderEvent::Resubmitted { identity_changed }),
        ("[a-z]{0,2}", "[0-9]{0,2}")
            .prop_map(|(courier, tracking_no)| OrderEvent::ProducedAndShipped { courier, tracking_no }),
        Just(OrderEvent::IssuedOnSite),
        Just(OrderEvent::Cancelled),
        Just(OrderEvent::InvoiceRequested),
        Just(OrderEvent::InvoiceIssued),
    ]
}

/// What happened on the way, to check the invariants against.
#[derive(Default)]
struct History {
    identity_settled: bool,
    approved: bool,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn the_guides_invariants_hold_on_every_path(
        fee in prop_oneof![Just(0i64), Just(30_000i64)],
        steps in prop::collection::vec((any_actor(), any_event()), 0..40),
    ) {
        let mut order = OrderState::submitted(Money::from_fen(fee));
        let mut history = History::default();
        for (actor, event) in steps {
            let before = order.clone();
            let Ok(after) = apply(&order, actor, &event) else { continue };
            prop_assert!(event.permitted(actor));

            // 已撤销 is terminal: nothing leaves it.
            let was_cancelled = matches!(before.status, OrderStatus::Cancelled { .. });
            prop_assert!(!was_cancelled);
            // 撤销 is refused after approval.
            let was_approved = matches!(before.status, OrderStatus::Approved { .. } | OrderStatus::Issued { .. });
            prop_assert!(!(matches!(event, OrderEvent::Cancelled) && was_approved));
            // A paid order that is cancelled owes a refund; an unpaid one does not.
            if let OrderStatus::Cancelled { refund_owed } = after.status {
                prop_assert_eq!(refund_owed, after.paid);
            }
            // Payment happens once, and only through payment.
            if after.paid != before.paid {
                prop_assert!(matches!(event, OrderEvent::PaymentConfirmed) && !before.paid);
            }
            match after.status.verification() {
                Some(Verification::Verified | Verification::MaterialsReceived | Verification::InPerson) => {
                    history.identity_settled = true
                }
                Some(Verification::AwaitingMaterials) | None => {}
            }
            if matches!(after.status, OrderStatus::PendingVerification) {
                history.identity_settled = false; // re-verification after the identity changed
            }
            if matches!(after.status, OrderStatus::Approved { .. }) {
                // Review only with identity settled and the fee paid.
                prop_assert!(history.identity_settled);
                prop_assert!(fee == 0 || after.paid);
                history.approved = true;
            }
            if matches!(after.status, OrderStatus::Issued { .. }) {
                prop_assert!(history.identity_settled && history.approved && (fee == 0 || after.paid));
                prop_assert!(matches!(
                    after.status.verification(),
                    Some(Verification::Verified | Verification::MaterialsReceived | Verification::InPerson)
                ));
            }
            order = after;
        }
    }
}
