//! The store on a real SQLite file.

use certdesk_api::OrderSummary;
use certdesk_core::{Money, OrderNumber, OrderStatus, Verification};

fn order(number: &str, status: OrderStatus) -> OrderSummary {
    OrderSummary {
        order_no: OrderNumber::parse(number).unwrap(),
        provider_id: "zjhx".into(),
        provider_name: "浙江汇信CA".into(),
        organisation_name: "晨安入驻供应商".into(),
        applicant_name: "陈晨".into(),
        quantity: 1,
        fee: Money::from_fen(30000),
        status,
        submitted_at: "2020-06-02T21:14:41+08:00".into(),
    }
}

#[test]
fn orders_are_listed_newest_first_and_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/certdesk.db");
    {
        let mut conn = certdesk_store::open(&path).unwrap();
        certdesk_store::upsert_order(&mut conn, &order("159110370124321", OrderStatus::PendingVerification)).unwrap();
        certdesk_store::upsert_order(&mut conn, &order("154096794598220", OrderStatus::PendingVerification)).unwrap();
        certdesk_store::upsert_order(&mut conn, &order("160000000000000", OrderStatus::PendingVerification)).unwrap();
    }
    let conn = certdesk_store::open(&path).unwrap();
    let numbers: Vec<String> =
        certdesk_store::list_orders(&conn).unwrap().into_iter().map(|o| o.order_no.to_string()).collect();
    assert_eq!(numbers, ["160000000000000", "159110370124321", "154096794598220"]);
}

#[test]
fn what_the_platform_reports_replaces_the_local_copy() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = certdesk_store::open(&dir.path().join("certdesk.db")).unwrap();
    certdesk_store::upsert_order(&mut conn, &order("159110370124321", OrderStatus::PendingVerification)).unwrap();
    let reviewed =
        OrderStatus::Rejected { verification: Verification::Verified, reason: "营业执照照片模糊".into() };
    certdesk_store::upsert_order(&mut conn, &order("159110370124321", reviewed.clone())).unwrap();
    let orders = certdesk_store::list_orders(&conn).unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].status, reviewed);
}

#[test]
fn a_corrupt_row_is_reported_not_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = certdesk_store::open(&dir.path().join("certdesk.db")).unwrap();
    certdesk_store::upsert_order(&mut conn, &order("159110370124321", OrderStatus::PendingVerification)).unwrap();
    conn.execute("UPDATE orders SET status = 'garbage'", []).unwrap();
    let error = certdesk_store::list_orders(&conn).unwrap_err();
    assert!(matches!(error, certdesk_store::StoreError::Corrupt(_)), "{error}");
}
