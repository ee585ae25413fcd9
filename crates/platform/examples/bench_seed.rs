//! The platform benchmark's data and its raw-insert baseline, written straight through the store:
//! `bench_seed DATA_DIR [DATABASE_URL]` fills an empty platform database with 1,000 organisations
//! and 100,000 orders (one organisation with 1,000 of them, a tenth of all waiting for review),
//! then times single-order write transactions (the order and its history row, as a submit writes
//! them) from 16 threads with the backend's own durability, and prints one JSON line for
//! `cargo xtask bench platform`: the big organisation's login, one of its orders, inserts per second.

use anyhow::Context;
use certdesk_core::{OrderNumber, OrderNumberGenerator};
use certdesk_platform::params;
use certdesk_platform::store::{Backend, Conn, Db, outside_runtime};
use std::time::Instant;

const ORGANISATIONS: usize = 1_000;
const ORDERS: usize = 100_000;
const BIG: usize = 1_000;
const RAW_INSERTS: usize = 4_000;
const RAW_THREADS: usize = 16;
const PASSWORD: &str = "a-long-password";

const REVIEWING: &str = r#"{"state":"pendingReview","verification":"verified"}"#;
const VERIFYING: &str = r#"{"state":"pendingVerification"}"#;

fn insert_order(
    c: &Conn<'_>,
    number: &OrderNumber,
    organisation: i64,
    reviewing: bool,
) -> certdesk_platform::Result<()> {
    let at = number.issued_at().to_rfc3339();
    let (status, code) = if reviewing { (REVIEWING, "pendingReview") } else { (VERIFYING, "pendingVerification") };
    c.execute(
        "INSERT INTO orders (order_no, provider_id, organisation_name, credit_code, applicant_name, id_number_masked,
            mobile, email, quantity, fee_fen, status, status_code, submitted_at, paid, organisation_id,
            id_number_digest, status_since)
         VALUES (?1, 'zjhx', ?2, ?3, '陈晨', '330***********0018', '138****8000', 'i***@example.com', 1, 30000,
            ?4, ?5, ?6, ?7, ?8, 'bench', ?6)",
        params![
            number.as_str(),
            format!("压测机构{organisation}"),
            credit_code(organisation),
            status,
            code,
            at,
            reviewing,
            organisation
        ],
    )?;
    c.execute(
        "INSERT INTO order_events (order_no, at, actor, from_status, to_status) VALUES (?1, ?2, 'applicant', NULL, ?3)",
        params![number.as_str(), at, status],
    )?;
    Ok(())
}

/// The big organisation has a real 统一社会信用代码, which its submits must name; the others need
/// only be distinct.
fn credit_code(organisation: i64) -> String {
    if organisation == 1 { "91350100M000100Y43".to_owned() } else { format!("BENCH{organisation:013}") }
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let data_dir = std::path::PathBuf::from(args.next().context("usage: bench_seed DATA_DIR [DATABASE_URL]")?);
    let database_url = args.next();
    std::fs::create_dir_all(&data_dir)?;
    let hash = {
        use argon2::password_hash::PasswordHasher;
        argon2::Argon2::default().hash_password(PASSWORD.as_bytes()).map_err(|e| anyhow::anyhow!("{e}"))?.to_string()
    };
    let line = outside_runtime(|| {
        let db = Db::open(database_url.as_deref(), &data_dir.join("platform.db"))?;
        db.seed_demo_providers()?;
        let now = chrono::Utc::now().to_rfc3339();
        // Organisation ids are 1..=ORGANISATIONS in a fresh database.
        db.write(|c| {
            for i in 1..=ORGANISATIONS as i64 {
                let id: i64 = c.query_one(
                    "INSERT INTO organisations (name, credit_code, created_at) VALUES (?1, ?2, ?3) RETURNING id",
                    params![format!("压测机构{i}"), credit_code(i), now],
                    |r| r.get(0),
                )?;
                c.execute(
                    "INSERT INTO applicants (organisation_id, username, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
                    params![id, format!("bench-{i}"), hash, now],
                )?;
            }
            Ok(())
        })?;
        // The last 30 days, 20 ms apart: the big organisation's orders spread among everyone's.
        let start = chrono::Utc::now().timestamp_millis() as u64 - 30 * 24 * 3600 * 1000;
        let numbers = OrderNumberGenerator::starting_after(None);
        let mut first_big = None;
        let mut k = 0usize;
        while k < ORDERS {
            let batch: Vec<(OrderNumber, i64, bool)> = (k..(k + 2_000).min(ORDERS))
                .map(|i| {
                    let number = numbers.next_at(start + i as u64 * 20);
                    // Every (ORDERS / BIG)th order is the big organisation's; the rest go round.
                    let organisation = if i % (ORDERS / BIG) == 0 { 1 } else { 2 + (i % (ORGANISATIONS - 1)) as i64 };
                    (number, organisation, i % 10 == 3)
                })
                .collect();
            first_big = first_big.or_else(|| batch.iter().find(|b| b.1 == 1).map(|b| b.0.clone()));
            db.write(|c| {
                for (number, organisation, reviewing) in &batch {
                    insert_order(c, number, *organisation, *reviewing)?;
                }
                Ok(())
            })?;
            k += batch.len();
        }
        // The baseline for submit: the same two rows, one transaction each, from 16 threads.
        let (db, numbers) = (&db, &numbers);
        // Each thread blocks on the database as a platform's blocking thread would: in the runtime.
        let runtime = tokio::runtime::Handle::current();
        let started = Instant::now();
        std::thread::scope(|scope| {
            for _ in 0..RAW_THREADS {
                let runtime = runtime.clone();
                scope.spawn(move || {
                    let _entered = runtime.enter();
                    for _ in 0..RAW_INSERTS / RAW_THREADS {
                        let number = numbers.next();
                        db.write(|c| insert_order(c, &number, 2, false)).expect("a raw insert");
                    }
                });
            }
        });
        let per_second = RAW_INSERTS as f64 / started.elapsed().as_secs_f64();
        // As a running database is after a day of autovacuum (or SQLite's `ANALYZE` in its
        // maintenance): the planner knows the tables, and PostgreSQL's visibility map lets a count
        // read the index alone. VACUUM runs outside a transaction: on PostgreSQL a reader is a plain
        // connection; SQLite's readers are read-only, and its ANALYZE runs in a write.
        match db.backend() {
            Backend::Postgres => db.read(|c| c.execute("VACUUM ANALYZE", params![]))?,
            Backend::Sqlite => db.write(|c| c.execute("ANALYZE", params![]))?,
        };
        let order_no = first_big.expect("the big organisation has orders");
        Ok(serde_json::json!({
            "username": "bench-1",
            "password": PASSWORD,
            "orderNo": order_no.as_str(),
            "rawInsertsPerSecond": per_second,
        })
        .to_string())
    })?;
    println!("{line}");
    Ok(())
}
