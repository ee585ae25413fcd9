//! `cargo xtask bench store`'s measuring side: fills a local store with `N` orders of one account
//! (default 100,000), then times the order list's page, its search by 订单编号 prefix and by 申领状态
//! through `certdesk_store::order_page`. Prints one tab-separated line per case: the case, the mean
//! microseconds per page, the rows on the page, the total, and the page's two statements with their
//! values written in, for xtask to run the very same SQL through `sqlite3` beside it.
//!
//! Usage: bench_store <database file> [orders] [iterations]

use certdesk_core::{Delivery, Invoice, OrderListFilter, OrderListForm, OrderStatus, Verification};
use std::time::Instant;

const OWNER: &str = "embedded/91350100M000100Y43";

/// One status of each state, as the platform reports them.
fn statuses() -> Vec<OrderStatus> {
    let v = Verification::Verified;
    vec![
        OrderStatus::PendingVerification,
        OrderStatus::PendingPayment { verification: v },
        OrderStatus::PendingReview { verification: v },
        OrderStatus::Rejected { verification: v, reason: "营业执照照片模糊".into() },
        OrderStatus::Approved { verification: v },
        OrderStatus::Issued { verification: v, delivery: Delivery::OnSite, invoice: Invoice::NotRequested },
        OrderStatus::Cancelled { refund_owed: false },
    ]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = std::path::PathBuf::from(args.next().expect("usage: bench_store <database file> [orders] [iterations]"));
    let orders: u32 = args.next().map_or(100_000, |n| n.parse().expect("orders is a number"));
    let iterations: u32 = args.next().map_or(300, |n| n.parse().expect("iterations is a number"));
    let _ = std::fs::remove_file(&path);
    let mut conn = certdesk_store::open(&path).expect("the store opens");
    seed(&mut conn, orders);

    let cases: [(&str, OrderListForm<'_>); 4] = [
        ("list page: the first 10, newest first", OrderListForm::default()),
        ("list page: page 500 of 10", OrderListForm { page: Some(500), ..Default::default() }),
        (
            "search by 订单编号 prefix (1,000 match)",
            OrderListForm { order_no: Some("179594031"), ..Default::default() },
        ),
        ("search by 申领状态 (待审核, 1 in 7)", OrderListForm { status: Some("pendingReview"), ..Default::default() }),
    ];
    for (name, form) in cases {
        let filter = OrderListFilter::parse(form).expect("the cases are valid searches");
        let (items, total) = certdesk_store::order_page(&conn, OWNER, &filter).expect("a page");
        for _ in 0..20 {
            certdesk_store::order_page(&conn, OWNER, &filter).expect("a page");
        }
        let started = Instant::now();
        for _ in 0..iterations {
            std::hint::black_box(certdesk_store::order_page(&conn, OWNER, &filter).expect("a page"));
        }
        let micros = started.elapsed().as_secs_f64() * 1e6 / f64::from(iterations);
        let statements = certdesk_store::page_statements(OWNER, &filter);
        println!(
            "{name}\t{micros:.1}\t{}\t{total}\t{}\t{}",
            items.len(),
            literal(&statements.count, &statements.values),
            literal(&statements.page, &statements.values)
        );
    }
}

/// The orders as the platform's sync leaves them: numbers increasing with time, a mix of states.
fn seed(conn: &mut rusqlite::Connection, orders: u32) {
    let statuses: Vec<(String, &str)> =
        statuses().iter().map(|s| (serde_json::to_string(s).expect("a status serialises"), s.code())).collect();
    let tx = conn.transaction().expect("a transaction");
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO orders (owner, order_no, provider_id, provider_name, organisation_name, applicant_name,
                    quantity, fee_fen, status, status_code, submitted_at)
                 VALUES (?1, ?2, 'zjhx', '浙江汇信CA', '晨安入驻供应商', '陈*', 1, 30000, ?3, ?4, ?5)",
            )
            .expect("the insert prepares");
        for i in 0..orders {
            // 1,000 orders share each 9-digit prefix: 179594031 holds orders 31,000 to 31,999.
            let order_no = format!("{}", 179_594_000_000_000u64 + u64::from(i) * 1_000);
            let (status, state) = &statuses[(i % 7) as usize];
            let day = 1 + (i / 4_000) % 28;
            let submitted_at = format!("2026-11-{day:02}T{:02}:{:02}:00+08:00", (i / 60) % 24, i % 60);
            insert.execute(rusqlite::params![OWNER, order_no, status, state, submitted_at]).expect("a row");
        }
    }
    tx.commit().expect("the seed commits");
    conn.execute_batch("ANALYZE").expect("statistics");
}

/// The statement with its `?N` placeholders replaced by quoted values (highest first, so `?1` does not
/// eat the start of `?10`).
fn literal(sql: &str, values: &[String]) -> String {
    let mut sql = sql.to_owned();
    for (i, value) in values.iter().enumerate().rev() {
        sql = sql.replace(&format!("?{}", i + 1), &format!("'{}'", value.replace('\'', "''")));
    }
    sql
}
