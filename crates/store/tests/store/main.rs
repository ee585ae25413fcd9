//! The store on a real SQLite file.

use certdesk_api::OrderSummary;
use certdesk_core::{Money, OrderNumber, OrderStatus, Verification};

const OWNER: &str = "embedded/91350100M000100Y43";
const OTHER: &str = "embedded/91330106MA2AXXXX1X";

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
        certdesk_store::upsert_order(&mut conn, OWNER, &order("159110370124321", OrderStatus::PendingVerification))
            .unwrap();
        certdesk_store::upsert_order(&mut conn, OWNER, &order("154096794598220", OrderStatus::PendingVerification))
            .unwrap();
        certdesk_store::upsert_order(&mut conn, OWNER, &order("160000000000000", OrderStatus::PendingVerification))
            .unwrap();
    }
    let conn = certdesk_store::open(&path).unwrap();
    let numbers: Vec<String> =
        certdesk_store::list_orders(&conn, OWNER).unwrap().into_iter().map(|o| o.order_no.to_string()).collect();
    assert_eq!(numbers, ["160000000000000", "159110370124321", "154096794598220"]);
}

#[test]
fn what_the_platform_reports_replaces_the_local_copy() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = certdesk_store::open(&dir.path().join("certdesk.db")).unwrap();
    certdesk_store::upsert_order(&mut conn, OWNER, &order("159110370124321", OrderStatus::PendingVerification))
        .unwrap();
    let reviewed =
        OrderStatus::Rejected { verification: Verification::Verified, reason: "营业执照照片模糊".into() };
    certdesk_store::upsert_order(&mut conn, OWNER, &order("159110370124321", reviewed.clone())).unwrap();
    let orders = certdesk_store::list_orders(&conn, OWNER).unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].status, reviewed);
}

#[test]
fn a_corrupt_row_is_reported_not_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = certdesk_store::open(&dir.path().join("certdesk.db")).unwrap();
    certdesk_store::upsert_order(&mut conn, OWNER, &order("159110370124321", OrderStatus::PendingVerification))
        .unwrap();
    conn.execute("UPDATE orders SET status = 'garbage'", []).unwrap();
    let error = certdesk_store::list_orders(&conn, OWNER).unwrap_err();
    assert!(matches!(error, certdesk_store::StoreError::Corrupt(_)), "{error}");
}

#[test]
fn drafts_are_saved_replaced_listed_newest_first_and_deleted() {
    use certdesk_store::{StoredDraft, delete_draft, draft, draft_for_order, list_drafts, save_draft};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("certdesk.db");
    let first = StoredDraft {
        id: "d1".into(),
        owner: OWNER.into(),
        order_no: None,
        form_sealed: vec![1, 2, 3],
        step: 0,
        label: "晨安入驻供应商".into(),
        updated_at: String::new(),
    };
    {
        let mut conn = certdesk_store::open(&path).unwrap();
        save_draft(&mut conn, &first).unwrap();
        let edit = StoredDraft { id: "d2".into(), order_no: Some("159110370124321".into()), ..first.clone() };
        save_draft(&mut conn, &edit).unwrap();
        // Saving again replaces, and makes it the newest.
        save_draft(&mut conn, &StoredDraft { form_sealed: vec![9], step: 1, ..first.clone() }).unwrap();
    }
    // After reopening (a restart), both are there, the latest change first.
    let conn = certdesk_store::open(&path).unwrap();
    let drafts = list_drafts(&conn, OWNER).unwrap();
    assert_eq!(drafts.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(), ["d1", "d2"]);
    assert_eq!((drafts[0].form_sealed.clone(), drafts[0].step), (vec![9], 1));
    assert_eq!(draft_for_order(&conn, "159110370124321").unwrap().unwrap().id, "d2");
    assert!(delete_draft(&conn, "d1").unwrap());
    assert!(!delete_draft(&conn, "d1").unwrap());
    assert_eq!(draft(&conn, "d1").unwrap(), None);
}

#[test]
fn a_session_is_kept_per_platform_and_forgotten_on_log_out() {
    use certdesk_store::{StoredSession, forget_session, save_session, session};
    let dir = tempfile::tempdir().unwrap();
    let conn = certdesk_store::open(&dir.path().join("certdesk.db")).unwrap();
    let stored = StoredSession {
        platform_url: "https://zcy.example".into(),
        token_sealed: vec![7; 40],
        username: "supplier".into(),
        organisation_name: "测试供应商".into(),
        credit_code: "91350100M000100Y43".into(),
        expires_at: "2026-11-29T02:00:00+08:00".into(),
    };
    save_session(&conn, &stored).unwrap();
    assert_eq!(session(&conn, "https://zcy.example").unwrap(), Some(stored.clone()));
    assert_eq!(session(&conn, "http://127.0.0.1:8080").unwrap(), None);
    forget_session(&conn, "https://zcy.example").unwrap();
    assert_eq!(session(&conn, "https://zcy.example").unwrap(), None);
}

#[test]
fn each_account_sees_only_its_own_orders_and_drafts() {
    use certdesk_store::{StoredDraft, list_drafts, save_draft};
    let dir = tempfile::tempdir().unwrap();
    let mut conn = certdesk_store::open(&dir.path().join("certdesk.db")).unwrap();
    certdesk_store::upsert_order(&mut conn, OWNER, &order("159110370124321", OrderStatus::PendingVerification))
        .unwrap();
    certdesk_store::upsert_order(&mut conn, OTHER, &order("160000000000000", OrderStatus::PendingVerification))
        .unwrap();
    let mine: Vec<String> =
        certdesk_store::list_orders(&conn, OWNER).unwrap().into_iter().map(|o| o.order_no.to_string()).collect();
    assert_eq!(mine, ["159110370124321"]);
    let draft = StoredDraft {
        id: "d1".into(),
        owner: OTHER.into(),
        order_no: None,
        form_sealed: vec![1],
        step: 0,
        label: "别家机构".into(),
        updated_at: String::new(),
    };
    save_draft(&mut conn, &draft).unwrap();
    assert!(list_drafts(&conn, OWNER).unwrap().is_empty());
    assert_eq!(list_drafts(&conn, OTHER).unwrap().len(), 1);
}

#[test]
fn the_same_number_from_two_platforms_is_two_orders() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = certdesk_store::open(&dir.path().join("certdesk.db")).unwrap();
    let number = "159110370124321";
    certdesk_store::upsert_order(&mut conn, OWNER, &order(number, OrderStatus::PendingVerification)).unwrap();
    let rejected = OrderStatus::Rejected { verification: Verification::Verified, reason: "另一平台".into() };
    // Another owner's order under the same number: new to that owner, nothing to announce.
    assert_eq!(certdesk_store::upsert_order(&mut conn, OTHER, &order(number, rejected.clone())).unwrap(), None);
    assert_eq!(certdesk_store::list_orders(&conn, OWNER).unwrap()[0].status, OrderStatus::PendingVerification);
    assert_eq!(certdesk_store::list_orders(&conn, OTHER).unwrap()[0].status, rejected);
}

#[test]
fn orders_kept_before_they_were_keyed_by_owner_are_all_still_there() {
    use rusqlite_migration::{M, Migrations};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("certdesk.db");
    {
        // The schema as it was before (the first five migrations), with an order and its detail.
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        let earlier: Vec<M<'_>> = certdesk_store::MIGRATIONS[..5].to_vec();
        Migrations::new(earlier).to_latest(&mut conn).unwrap();
        conn.execute_batch(
            "INSERT INTO orders (order_no, provider_id, provider_name, organisation_name, applicant_name, quantity,
                fee_fen, status, submitted_at, owner)
             VALUES ('159110370124321', 'zjhx', '浙江汇信CA', '晨安', '陈晨', 1, 30000, '{\"state\":\"pendingVerification\"}',
                '2020-06-02T21:14:41+08:00', 'me');
             INSERT INTO order_details (order_no, owner, detail_json) VALUES ('159110370124321', 'me', '{}');",
        )
        .unwrap();
    }
    let conn = certdesk_store::open(&path).unwrap();
    let kept = certdesk_store::list_orders(&conn, "me").unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!((kept[0].order_no.as_str(), kept[0].fee.fen()), ("159110370124321", 30000));
    let details: i64 =
        conn.query_row("SELECT COUNT(*) FROM order_details WHERE owner = 'me'", [], |r| r.get(0)).unwrap();
    assert_eq!(details, 1);
}

#[test]
fn an_upsert_says_when_the_status_changed() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = certdesk_store::open(&dir.path().join("certdesk.db")).unwrap();
    let number = "159110370124321";
    // New to this computer: nothing to tell.
    assert_eq!(
        certdesk_store::upsert_order(&mut conn, OWNER, &order(number, OrderStatus::PendingVerification)).unwrap(),
        None
    );
    // The same again: nothing either.
    assert_eq!(
        certdesk_store::upsert_order(&mut conn, OWNER, &order(number, OrderStatus::PendingVerification)).unwrap(),
        None
    );
    let reviewed =
        OrderStatus::Rejected { verification: Verification::Verified, reason: "营业执照照片模糊".into() };
    let before = certdesk_store::upsert_order(&mut conn, OWNER, &order(number, reviewed)).unwrap();
    assert_eq!(before.as_deref(), Some(serde_json::to_string(&OrderStatus::PendingVerification).unwrap().as_str()));
}

#[test]
fn the_detail_is_kept_for_offline_viewing_by_its_owner_only() {
    use certdesk_api::{OrderDetail, OrderEventRecord};
    use certdesk_core::Actor;
    let dir = tempfile::tempdir().unwrap();
    let mut conn = certdesk_store::open(&dir.path().join("certdesk.db")).unwrap();
    let detail = OrderDetail {
        order: order("159110370124321", OrderStatus::PendingVerification),
        history: vec![OrderEventRecord {
            at: "2020-06-02T21:14:41+08:00".into(),
            actor: Actor::Applicant,
            from: None,
            to: OrderStatus::PendingVerification,
            reason: None,
            staff_name: None,
        }],
        eta: None,
    };
    certdesk_store::save_order_detail(&mut conn, OWNER, &detail).unwrap();
    assert_eq!(certdesk_store::order_detail(&conn, OWNER, "159110370124321").unwrap(), Some(detail));
    assert_eq!(certdesk_store::order_detail(&conn, OTHER, "159110370124321").unwrap(), None);
    // The row is kept with it, for the list.
    assert_eq!(certdesk_store::list_orders(&conn, OWNER).unwrap().len(), 1);
}

#[test]
fn the_feed_cursor_is_kept_per_account() {
    let dir = tempfile::tempdir().unwrap();
    let conn = certdesk_store::open(&dir.path().join("certdesk.db")).unwrap();
    assert_eq!(certdesk_store::feed_cursor(&conn, OWNER).unwrap(), None);
    certdesk_store::save_feed_cursor(&conn, OWNER, 41).unwrap();
    certdesk_store::save_feed_cursor(&conn, OWNER, 42).unwrap();
    assert_eq!(certdesk_store::feed_cursor(&conn, OWNER).unwrap(), Some(42));
    assert_eq!(certdesk_store::feed_cursor(&conn, OTHER).unwrap(), None);
}

#[test]
fn each_expiry_notice_is_new_once_per_owner_certificate_and_threshold_across_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("certdesk.db");
    let at = "2027-09-03T10:00:00+08:00";
    {
        let conn = certdesk_store::open(&path).unwrap();
        assert!(certdesk_store::note_expiry_notice(&conn, "org-a", "4A01", 90, at).unwrap());
        assert!(!certdesk_store::note_expiry_notice(&conn, "org-a", "4A01", 90, at).unwrap(), "shown once");
        assert!(certdesk_store::note_expiry_notice(&conn, "org-a", "4A01", 30, at).unwrap(), "the next threshold");
        assert!(certdesk_store::note_expiry_notice(&conn, "org-b", "4A01", 90, at).unwrap(), "another owner");
    }
    let conn = certdesk_store::open(&path).unwrap();
    assert!(!certdesk_store::note_expiry_notice(&conn, "org-a", "4A01", 30, at).unwrap(), "kept across restarts");
    assert!(certdesk_store::note_expiry_notice(&conn, "org-a", "4A01", 7, at).unwrap());
}

fn filter(form: certdesk_core::OrderListForm<'_>) -> certdesk_core::OrderListFilter {
    certdesk_core::OrderListFilter::parse(form).unwrap()
}

fn page_numbers(
    conn: &rusqlite::Connection,
    owner: &str,
    form: certdesk_core::OrderListForm<'_>,
) -> (Vec<String>, u32) {
    let (items, total) = certdesk_store::order_page(conn, owner, &filter(form)).unwrap();
    (items.into_iter().map(|o| o.order_no.to_string()).collect(), total)
}

#[test]
fn the_list_is_searched_and_paged_in_the_store() {
    use certdesk_core::OrderListForm;
    let dir = tempfile::tempdir().unwrap();
    let mut conn = certdesk_store::open(&dir.path().join("certdesk.db")).unwrap();
    // 25 orders on three days, every fifth rejected, the last three with another provider.
    for i in 0..25u32 {
        let mut o = order(&format!("1591103701{i:05}"), OrderStatus::PendingVerification);
        if i % 5 == 0 {
            o.status = OrderStatus::Rejected { verification: Verification::Verified, reason: "模糊".into() };
        }
        if i >= 22 {
            o.provider_id = "cfca".into();
        }
        o.submitted_at = format!("2020-06-{:02}T{:02}:00:00+08:00", 1 + i / 10, i % 10);
        certdesk_store::upsert_order(&mut conn, OWNER, &o).unwrap();
    }
    certdesk_store::upsert_order(&mut conn, OTHER, &order("159110370199999", OrderStatus::PendingVerification))
        .unwrap();

    // Newest first, ten a page, the total of all pages; another account's order is not counted.
    let (first, total) = page_numbers(&conn, OWNER, OrderListForm::default());
    assert_eq!(
        (first.len(), total, first[0].as_str(), first[9].as_str()),
        (10, 25, "159110370100024", "159110370100015")
    );
    let (third, _) = page_numbers(&conn, OWNER, OrderListForm { page: Some(3), ..Default::default() });
    assert_eq!(third, ["159110370100004", "159110370100003", "159110370100002", "159110370100001", "159110370100000"]);
    let (past_the_end, total) = page_numbers(&conn, OWNER, OrderListForm { page: Some(4), ..Default::default() });
    assert_eq!((past_the_end.len(), total), (0, 25));

    // 订单编号 by its first digits: 1591103701000 starts 0–9, 15911037010001 starts 10–19.
    let (prefixed, total) =
        page_numbers(&conn, OWNER, OrderListForm { order_no: Some("15911037010001"), ..Default::default() });
    assert_eq!((prefixed.first().map(String::as_str), total), (Some("159110370100019"), 10));
    let (whole, total) =
        page_numbers(&conn, OWNER, OrderListForm { order_no: Some("159110370100007"), ..Default::default() });
    assert_eq!((whole, total), (vec!["159110370100007".to_owned()], 1));

    // 申领状态, CA服务商 and 申领时间 (Beijing dates, the end inclusive), together.
    let (rejected, total) =
        page_numbers(&conn, OWNER, OrderListForm { status: Some("rejected"), ..Default::default() });
    assert_eq!(
        (rejected, total),
        (
            vec!["159110370100020", "159110370100015", "159110370100010", "159110370100005", "159110370100000"]
                .into_iter()
                .map(String::from)
                .collect::<Vec<_>>(),
            5
        )
    );
    let (cfca, total) = page_numbers(&conn, OWNER, OrderListForm { provider_id: Some("cfca"), ..Default::default() });
    assert_eq!((cfca.len(), total), (3, 3));
    let day_two =
        OrderListForm { submitted_from: Some("2020-06-02"), submitted_to: Some("2020-06-02"), ..Default::default() };
    let (_, total) = page_numbers(&conn, OWNER, day_two);
    assert_eq!(total, 10);
    let (both, total) = page_numbers(&conn, OWNER, OrderListForm { status: Some("rejected"), ..day_two });
    assert_eq!((both, total), (vec!["159110370100015".to_owned(), "159110370100010".to_owned()], 2));

    // A status the platform changes moves the order between the status filters.
    let mut approved = order("159110370100020", OrderStatus::PendingVerification);
    approved.submitted_at = "2020-06-03T00:00:00+08:00".into();
    certdesk_store::upsert_order(&mut conn, OWNER, &approved).unwrap();
    let (_, total) = page_numbers(&conn, OWNER, OrderListForm { status: Some("rejected"), ..Default::default() });
    assert_eq!(total, 4);
}

#[test]
fn orders_kept_before_the_status_column_are_found_by_their_status() {
    use rusqlite_migration::{M, Migrations};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("certdesk.db");
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        // Every migration before the one that added `status_code` (later ones may follow it).
        let before = certdesk_store::MIGRATIONS
            .iter()
            .position(|m| format!("{m:?}").contains("ADD COLUMN status_code"))
            .expect("the status_code migration");
        let earlier: Vec<M<'_>> = certdesk_store::MIGRATIONS[..before].to_vec();
        Migrations::new(earlier).to_latest(&mut conn).unwrap();
        conn.execute_batch(
            "INSERT INTO orders (order_no, provider_id, provider_name, organisation_name, applicant_name, quantity,
                fee_fen, status, submitted_at, owner)
             VALUES ('159110370124321', 'zjhx', '浙江汇信CA', '晨安', '陈晨', 1, 30000,
                '{\"state\":\"rejected\",\"verification\":\"verified\",\"reason\":\"模糊\"}', '2020-06-02T21:14:41+08:00', 'me');",
        )
        .unwrap();
    }
    let conn = certdesk_store::open(&path).unwrap();
    let (found, total) =
        page_numbers(&conn, "me", certdesk_core::OrderListForm { status: Some("rejected"), ..Default::default() });
    assert_eq!((found, total), (vec!["159110370124321".to_owned()], 1));
    let (none, _) = page_numbers(
        &conn,
        "me",
        certdesk_core::OrderListForm { status: Some("pendingVerification"), ..Default::default() },
    );
    assert!(none.is_empty());
}
