//! The platform's SQLite database: one connection behind a mutex (SQLite has one writer anyway),
//! WAL and a busy timeout, migrations that only add.

use crate::{PlatformError, Result};
use certdesk_api::{CounterPayment, OrderSummary, PaymentMethod, PaymentRecord, PaymentState, Provider};
use certdesk_core::{
    Actor, Application, FaceAttempts, MAX_FACE_ATTEMPTS_PER_DAY, Money, OrderEvent, OrderNumber, OrderState,
    OrderStatus, SHANGHAI,
};
use chrono::{DateTime, FixedOffset};
use rusqlite::{Connection, OptionalExtension, params};
use rusqlite_migration::{M, Migrations};
use std::path::Path;
use std::sync::Mutex;

const MIGRATIONS: &[M<'static>] = &[
    M::up(
        "CREATE TABLE providers (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        unit_fee_fen INTEGER NOT NULL CHECK (unit_fee_fen >= 0),
        demo INTEGER NOT NULL DEFAULT 0,
        sort_order INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE orders (
        order_no TEXT PRIMARY KEY,
        provider_id TEXT NOT NULL REFERENCES providers(id),
        organisation_name TEXT NOT NULL,
        credit_code TEXT NOT NULL,
        applicant_name TEXT NOT NULL,
        id_number_masked TEXT NOT NULL,
        mobile TEXT NOT NULL,
        email TEXT NOT NULL,
        mailing TEXT,
        quantity INTEGER NOT NULL CHECK (quantity > 0),
        fee_fen INTEGER NOT NULL CHECK (fee_fen >= 0),
        status TEXT NOT NULL,
        status_code TEXT NOT NULL,
        submitted_at TEXT NOT NULL
    );
    -- Append-only: who moved which order from what to what, when, and why.
    CREATE TABLE order_events (
        id INTEGER PRIMARY KEY,
        order_no TEXT NOT NULL REFERENCES orders(order_no),
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        from_status TEXT,
        to_status TEXT NOT NULL,
        reason TEXT
    );
    CREATE INDEX order_events_by_order ON order_events(order_no, id);",
    ),
    // Idempotent submits: a key names the order its first request created.
    M::up(
        "ALTER TABLE orders ADD COLUMN paid INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE idempotency_keys (
        key TEXT PRIMARY KEY,
        request_hash TEXT NOT NULL,
        order_no TEXT NOT NULL REFERENCES orders(order_no),
        created_at TEXT NOT NULL
    );
    CREATE INDEX orders_by_status ON orders(status_code, order_no);
    CREATE INDEX orders_by_provider ON orders(provider_id, order_no);",
    ),
    // Staff accounts and the sessions of anyone who logs in (argon2 hashes; tokens stored hashed).
    M::up(
        "CREATE TABLE staff (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        roles TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('staff', 'applicant')),
        subject_id INTEGER NOT NULL,
        expires_at TEXT NOT NULL
    );",
    ),
    // Applicant accounts: one per organisation; orders belong to an organisation.
    M::up(
        "CREATE TABLE organisations (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        credit_code TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
    );
    CREATE TABLE applicants (
        id INTEGER PRIMARY KEY,
        organisation_id INTEGER NOT NULL REFERENCES organisations(id),
        username TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    ALTER TABLE orders ADD COLUMN organisation_id INTEGER REFERENCES organisations(id);
    CREATE INDEX orders_by_organisation ON orders(organisation_id, order_no);",
    ),
    // Personal data sealed at rest (the whole form, see `sealing.rs`), a keyed digest of the ID
    // number, and the face verification attempts: results, times and image hashes, never images.
    M::up(
        "ALTER TABLE orders ADD COLUMN application_sealed BLOB;
    ALTER TABLE orders ADD COLUMN id_number_digest TEXT;
    CREATE TABLE face_attempts (
        id INTEGER PRIMARY KEY,
        order_no TEXT NOT NULL REFERENCES orders(order_no),
        id_number_digest TEXT NOT NULL,
        day TEXT NOT NULL,
        at TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('pending', 'passed', 'failed')),
        reason TEXT,
        image_sha256 TEXT NOT NULL,
        provider TEXT NOT NULL
    );
    CREATE INDEX face_attempts_by_person ON face_attempts(id_number_digest, day);",
    ),
    // Payments: at the counter now, through the gateways later. At most one paid payment per order.
    M::up(
        "CREATE TABLE payments (
        id INTEGER PRIMARY KEY,
        order_no TEXT NOT NULL REFERENCES orders(order_no),
        out_trade_no TEXT NOT NULL UNIQUE,
        method TEXT NOT NULL,
        amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
        state TEXT NOT NULL CHECK (state IN ('pending', 'paid', 'failed', 'closed', 'refunded')),
        receipt_no TEXT,
        recorded_by_staff INTEGER REFERENCES staff(id),
        created_at TEXT NOT NULL,
        paid_at TEXT
    );
    CREATE UNIQUE INDEX one_paid_payment_per_order ON payments(order_no) WHERE state = 'paid';
    CREATE INDEX payments_by_order ON payments(order_no, id);",
    ),
    // Payments through the gateways: the gateway's trade number, every notification as received
    // (raw, with what the platform made of it), and refunds (requested before they are sent, so a
    // refund interrupted half-way is retried under the same request number, never made twice).
    M::up(
        "ALTER TABLE payments ADD COLUMN gateway_trade_no TEXT;
    CREATE INDEX pending_payments ON payments(state, created_at) WHERE state = 'pending';
    CREATE TABLE payment_notifications (
        id INTEGER PRIMARY KEY,
        provider TEXT NOT NULL,
        out_trade_no TEXT,
        received_at TEXT NOT NULL,
        raw TEXT NOT NULL,
        outcome TEXT NOT NULL
    );
    CREATE TABLE refunds (
        id INTEGER PRIMARY KEY,
        out_trade_no TEXT NOT NULL REFERENCES payments(out_trade_no),
        out_request_no TEXT NOT NULL UNIQUE,
        amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
        reason TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('requested', 'done')),
        created_at TEXT NOT NULL,
        done_at TEXT,
        last_error TEXT
    );",
    ),
    // Payments staff must see to (a signed notification for another amount); refunds with a
    // lifecycle confirmed by the gateway (requested → processing → succeeded, or failed /
    // abnormal), counter refunds with their receipt; notifications whose signature failed kept as
    // a digest and a size only; contact details kept only masked (the full ones are in the sealed
    // application); the unkeyed submit fingerprints dropped (they gave the ID number away).
    // Tables are rebuilt to change their CHECKs: `Db::open` runs migrations with foreign keys off
    // and checks them after, as SQLite's documentation asks for schema changes.
    M::up(
        "CREATE TABLE payments_v8 (
        id INTEGER PRIMARY KEY,
        order_no TEXT NOT NULL REFERENCES orders(order_no),
        out_trade_no TEXT NOT NULL UNIQUE,
        method TEXT NOT NULL,
        amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
        state TEXT NOT NULL CHECK (state IN ('pending', 'paid', 'failed', 'closed', 'refunded', 'amountMismatch')),
        receipt_no TEXT,
        recorded_by_staff INTEGER REFERENCES staff(id),
        created_at TEXT NOT NULL,
        paid_at TEXT,
        gateway_trade_no TEXT,
        notified_amount_fen INTEGER
    );
    INSERT INTO payments_v8 (id, order_no, out_trade_no, method, amount_fen, state, receipt_no, recorded_by_staff,
        created_at, paid_at, gateway_trade_no)
        SELECT id, order_no, out_trade_no, method, amount_fen, state, receipt_no, recorded_by_staff,
        created_at, paid_at, gateway_trade_no FROM payments;
    DROP TABLE payments;
    ALTER TABLE payments_v8 RENAME TO payments;
    CREATE UNIQUE INDEX one_paid_payment_per_order ON payments(order_no) WHERE state = 'paid';
    CREATE INDEX payments_by_order ON payments(order_no, id);
    CREATE INDEX pending_payments ON payments(state, created_at) WHERE state = 'pending';
    CREATE INDEX payments_needing_attention ON payments(state) WHERE state = 'amountMismatch';

    CREATE TABLE refunds_v8 (
        id INTEGER PRIMARY KEY,
        out_trade_no TEXT NOT NULL REFERENCES payments(out_trade_no),
        out_request_no TEXT NOT NULL UNIQUE,
        amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
        reason TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('requested', 'processing', 'succeeded', 'failed', 'abnormal')),
        created_at TEXT NOT NULL,
        done_at TEXT,
        last_error TEXT,
        receipt_no TEXT,
        refunded_by_staff INTEGER REFERENCES staff(id)
    );
    INSERT INTO refunds_v8 (id, out_trade_no, out_request_no, amount_fen, reason, state, created_at, done_at, last_error)
        SELECT id, out_trade_no, out_request_no, amount_fen, reason,
            CASE state WHEN 'done' THEN 'succeeded' ELSE 'requested' END, created_at, done_at, last_error FROM refunds;
    DROP TABLE refunds;
    ALTER TABLE refunds_v8 RENAME TO refunds;
    CREATE INDEX refunds_open ON refunds(state) WHERE state <> 'succeeded';
    -- Cancelled orders paid at the counter were owed their money with nothing on record.
    INSERT OR IGNORE INTO refunds (out_trade_no, out_request_no, amount_fen, reason, state, created_at)
        SELECT p.out_trade_no, p.out_trade_no || 'R', p.amount_fen, '订单已撤销，退回付款', 'requested', p.paid_at
        FROM payments p JOIN orders o ON o.order_no = p.order_no
        WHERE p.state = 'paid' AND o.status_code = 'cancelled';

    CREATE TABLE payment_notifications_v8 (
        id INTEGER PRIMARY KEY,
        provider TEXT NOT NULL,
        out_trade_no TEXT,
        received_at TEXT NOT NULL,
        verified INTEGER NOT NULL,
        raw TEXT,
        body_size INTEGER NOT NULL,
        body_sha256 TEXT,
        outcome TEXT NOT NULL
    );
    INSERT INTO payment_notifications_v8 (id, provider, out_trade_no, received_at, verified, raw, body_size, outcome)
        SELECT id, provider, out_trade_no, received_at, out_trade_no IS NOT NULL,
            CASE WHEN out_trade_no IS NULL THEN NULL ELSE raw END, length(CAST(raw AS BLOB)), outcome
        FROM payment_notifications;
    DROP TABLE payment_notifications;
    ALTER TABLE payment_notifications_v8 RENAME TO payment_notifications;
    CREATE INDEX notifications_by_trade ON payment_notifications(out_trade_no);
    CREATE INDEX unverified_notifications ON payment_notifications(received_at) WHERE verified = 0;

    UPDATE orders SET mobile = substr(mobile, 1, 3) || '****' || substr(mobile, 8),
        email = substr(email, 1, 1) || '***' || substr(email, instr(email, '@')),
        mailing = NULL;
    DELETE FROM idempotency_keys;",
    ),
];

/// The contact details as the orders table keeps them: masked. The full ones exist only inside
/// the sealed application.
struct MaskedContact {
    mobile: String,
    email: String,
    /// `{"recipient", "mobile", "address"}`, each masked.
    mailing: Option<String>,
}

impl MaskedContact {
    fn of(application: &Application) -> MaskedContact {
        let mailing = application.mailing.as_ref().map(|m| {
            serde_json::json!({
                "recipient": certdesk_core::mask_name(&m.recipient),
                "mobile": m.mobile.masked(),
                "address": m.address.masked(),
            })
            .to_string()
        });
        MaskedContact { mobile: application.mobile.masked(), email: application.email.masked(), mailing }
    }
}

/// An order's personal data as stored: the sealed form and the ID number's keyed digest.
pub struct SealedApplication {
    pub sealed: Vec<u8>,
    pub id_number_digest: String,
}

/// What [`Db::insert_order`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Inserted {
    New,
    /// The idempotency key was used before, for the same request: this is the order it created.
    Earlier(OrderNumber),
    /// The idempotency key was used before for a different request.
    KeyReused,
}

pub struct Db {
    conn: Mutex<Connection>,
}

/// Demo providers for the embedded platform: the guide's 浙江汇信CA with a fee, and one that
/// needs no payment so the zero-fee path can be walked. Names say they are demo data.
const DEMO_PROVIDERS: &[(&str, &str, i64)] = &[("zjhx", "浙江汇信CA", 30_000), ("demo-free", "演示CA（免缴费）", 0)];

impl Db {
    pub fn open(path: &Path) -> Result<Db> {
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Deleted and overwritten rows (personal data masked after the fact) are zeroed on disk.
        conn.pragma_update(None, "secure_delete", "ON")?;
        // Migrations rebuild tables, which SQLite wants done with foreign keys off; they are
        // checked right after and enforced from then on.
        conn.pragma_update(None, "foreign_keys", "OFF")?;
        Migrations::from_slice(MIGRATIONS).to_latest(&mut conn)?;
        let broken: Option<String> = conn.query_row("PRAGMA foreign_key_check", [], |r| r.get(0)).optional()?;
        if let Some(table) = broken {
            return Err(PlatformError::Internal(format!("foreign key broken in {table} after migration")));
        }
        conn.pragma_update(None, "foreign_keys", "ON")?;
        Ok(Db { conn: Mutex::new(conn) })
    }

    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T>) -> Result<T> {
        // A panic while holding the lock leaves the connection itself intact; carry on.
        let mut conn = self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut conn)
    }

    pub fn seed_demo_providers(&self) -> Result<()> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            for (i, (id, name, fee)) in DEMO_PROVIDERS.iter().enumerate() {
                tx.execute(
                    "INSERT OR IGNORE INTO providers (id, name, unit_fee_fen, demo, sort_order) VALUES (?1, ?2, ?3, 1, ?4)",
                    params![id, name, fee, i as i64],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    pub fn providers(&self) -> Result<Vec<Provider>> {
        self.with(|conn| {
            let mut stmt =
                conn.prepare("SELECT id, name, unit_fee_fen, demo FROM providers ORDER BY sort_order, id")?;
            let rows = stmt.query_map([], |r| {
                Ok(Provider { id: r.get(0)?, name: r.get(1)?, unit_fee: Money::from_fen(r.get(2)?), demo: r.get(3)? })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    pub fn provider(&self, id: &str) -> Result<Option<Provider>> {
        Ok(self.providers()?.into_iter().find(|p| p.id == id))
    }

    pub fn last_order_number(&self) -> Result<Option<OrderNumber>> {
        self.with(|conn| {
            let last: Option<String> = conn.query_row("SELECT MAX(order_no) FROM orders", [], |r| r.get(0))?;
            Ok(last.and_then(|n| OrderNumber::parse(&n).ok()))
        })
    }

    /// Stores a new order and its first event in one transaction, unless `idempotency` names a key
    /// already used: then nothing is stored and the earlier order's number comes back.
    pub fn insert_order(
        &self,
        order: &OrderSummary,
        application: &Application,
        organisation_id: i64,
        sealed: &SealedApplication,
        idempotency: Option<(&str, &str)>,
    ) -> Result<Inserted> {
        let status = serde_json::to_string(&order.status).expect("status serialises");
        let contact = MaskedContact::of(application);
        self.with(|conn| {
            let tx = conn.transaction()?;
            if let Some((key, hash)) = idempotency {
                let earlier: Option<(String, String)> = tx
                    .query_row("SELECT order_no, request_hash FROM idempotency_keys WHERE key = ?1", [key], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })
                    .optional()?;
                if let Some((order_no, earlier_hash)) = earlier {
                    let order_no = OrderNumber::parse(&order_no).map_err(|e| from_sql(0, e))?;
                    return Ok(if earlier_hash == hash {
                        Inserted::Earlier(order_no)
                    } else {
                        Inserted::KeyReused
                    });
                }
            }
            tx.execute(
                "INSERT INTO orders (order_no, provider_id, organisation_name, credit_code, applicant_name,
                    id_number_masked, mobile, email, mailing, quantity, fee_fen, status, status_code, submitted_at,
                    organisation_id, application_sealed, id_number_digest)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
                params![
                    order.order_no.as_str(),
                    order.provider_id,
                    order.organisation_name,
                    application.credit_code.as_str(),
                    order.applicant_name,
                    application.id_number.masked(),
                    contact.mobile,
                    contact.email,
                    contact.mailing,
                    order.quantity,
                    order.fee.fen(),
                    status,
                    order.status.code(),
                    order.submitted_at,
                    organisation_id,
                    sealed.sealed,
                    sealed.id_number_digest,
                ],
            )?;
            tx.execute(
                "INSERT INTO order_events (order_no, at, actor, from_status, to_status) VALUES (?1, ?2, 'applicant', NULL, ?3)",
                params![order.order_no.as_str(), order.submitted_at, status],
            )?;
            if let Some((key, hash)) = idempotency {
                tx.execute(
                    "INSERT INTO idempotency_keys (key, request_hash, order_no, created_at) VALUES (?1, ?2, ?3, ?4)",
                    params![key, hash, order.order_no.as_str(), order.submitted_at],
                )?;
            }
            tx.commit()?;
            Ok(Inserted::New)
        })
    }

    /// A page of orders matching `filter`, newest first, and how many match in all.
    pub fn list_orders(&self, filter: &OrderFilter) -> Result<(Vec<OrderSummary>, u32)> {
        let mut conditions = Vec::new();
        // Typed values: an INTEGER column compared with a TEXT parameter cannot use its index.
        let mut values: Vec<rusqlite::types::Value> = Vec::new();
        let mut add = |condition: &str, value: rusqlite::types::Value| {
            values.push(value);
            conditions.push(condition.replace('?', &format!("?{}", values.len())));
        };
        if let Some(organisation) = filter.organisation_id {
            add("o.organisation_id = ?", organisation.into());
        }
        if let Some(prefix) = &filter.order_no_prefix {
            add("o.order_no LIKE ? || '%'", prefix.clone().into());
        }
        if let Some(status) = &filter.status_code {
            add("o.status_code = ?", status.clone().into());
        }
        if let Some(provider) = &filter.provider_id {
            add("o.provider_id = ?", provider.clone().into());
        }
        if let Some(from) = &filter.submitted_from {
            add("o.submitted_at >= ?", from.to_string().into());
        }
        if let Some(before) = &filter.submitted_before {
            add("o.submitted_at < ?", before.to_string().into());
        }
        let clause = if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) };
        self.with(|conn| {
            let params = rusqlite::params_from_iter(values.iter());
            let total: u32 =
                conn.query_row(&format!("SELECT COUNT(*) FROM orders o {clause}"), params, |r| r.get(0))?;
            let sql = format!(
                "{SELECT_SUMMARY} {clause} ORDER BY o.order_no DESC LIMIT {} OFFSET {}",
                filter.limit, filter.offset
            );
            let mut stmt = conn.prepare(&sql)?;
            let rows = stmt.query_map(rusqlite::params_from_iter(values.iter()), summary_from_row)?;
            Ok((rows.collect::<Result<_, _>>()?, total))
        })
    }

    /// Applies `event` by `actor` to the order through the core's state machine, storing the new state
    /// and its history row in one transaction. The refusal comes back when the machine refuses.
    /// With `organisation_id`, only that organisation's order is found (an applicant's step).
    pub fn transition(
        &self,
        order_no: &OrderNumber,
        organisation_id: Option<i64>,
        actor: Actor,
        event: &OrderEvent,
        at: &str,
    ) -> Result<OrderSummary> {
        let reason = match event {
            OrderEvent::Rejected { reason } => Some(reason.trim().to_owned()),
            _ => None,
        };
        self.with(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            apply_event(&tx, order_no, organisation_id, actor, event, at, reason.as_deref())?;
            tx.commit()?;
            Ok(())
        })?;
        self.order(order_no)?.ok_or_else(|| PlatformError::Internal("order vanished".into()))
    }

    /// The order's sealed form, for its organisation (or staff).
    pub fn sealed_application(&self, order_no: &OrderNumber, organisation_id: Option<i64>) -> Result<Option<Vec<u8>>> {
        self.with(|conn| {
            let found: Option<Option<Vec<u8>>> = conn
                .query_row(
                    "SELECT application_sealed FROM orders WHERE order_no = ?1 AND (?2 IS NULL OR organisation_id = ?2)",
                    params![order_no.as_str(), organisation_id],
                    |r| r.get(0),
                )
                .optional()?;
            match found {
                None => Ok(None),
                Some(Some(sealed)) => Ok(Some(sealed)),
                Some(None) => Err(PlatformError::Internal(format!("order {order_no} has no stored application"))),
            }
        })
    }

    /// 重新提交 after 审核未通过: the corrected application replaces the stored one and the order moves
    /// on, in one transaction; `changes` (the changed fields) is kept in the history row.
    #[allow(clippy::too_many_arguments)]
    pub fn resubmit(
        &self,
        order_no: &OrderNumber,
        organisation_id: i64,
        application: &Application,
        sealed: &SealedApplication,
        identity_changed: bool,
        changes: &str,
        at: &str,
    ) -> Result<OrderSummary> {
        let contact = MaskedContact::of(application);
        self.with(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let event = OrderEvent::Resubmitted { identity_changed };
            apply_event(&tx, order_no, Some(organisation_id), Actor::Applicant, &event, at, Some(changes))?;
            tx.execute(
                "UPDATE orders SET organisation_name = ?1, applicant_name = ?2, id_number_masked = ?3, mobile = ?4,
                    email = ?5, mailing = ?6, application_sealed = ?7, id_number_digest = ?8
                 WHERE order_no = ?9",
                params![
                    application.organisation_name.to_string(),
                    application.applicant_name.to_string(),
                    application.id_number.masked(),
                    contact.mobile,
                    contact.email,
                    contact.mailing,
                    sealed.sealed,
                    sealed.id_number_digest,
                    order_no.as_str(),
                ],
            )?;
            tx.commit()?;
            Ok(())
        })?;
        self.order(order_no)?.ok_or_else(|| PlatformError::Internal("order vanished".into()))
    }

    /// The face attempts made today (Asia/Shanghai) by the person with this ID number digest.
    pub fn face_attempts(&self, id_number_digest: &str, now: &DateTime<FixedOffset>) -> Result<FaceAttempts> {
        self.with(|conn| face_attempts_in(conn, id_number_digest, now))
    }

    /// The ID number digest of an order visible to `organisation_id` (or to staff).
    pub fn id_number_digest(&self, order_no: &OrderNumber, organisation_id: Option<i64>) -> Result<String> {
        self.with(|conn| {
            conn.query_row(
                "SELECT id_number_digest FROM orders WHERE order_no = ?1 AND (?2 IS NULL OR organisation_id = ?2)",
                params![order_no.as_str(), organisation_id],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()?
            .ok_or_else(|| PlatformError::NotFound("订单不存在".into()))?
            .ok_or_else(|| PlatformError::Internal(format!("order {order_no} has no ID number digest")))
        })
    }

    /// Takes one of today's attempts for the order's applicant before the provider is asked, so
    /// that racing attempts cannot exceed the limit: the count and the new row share one
    /// IMMEDIATE transaction. Refused when the order is not 待认证 or the day's attempts are used.
    pub fn reserve_face_attempt(
        &self,
        order_no: &OrderNumber,
        organisation_id: i64,
        now: &DateTime<FixedOffset>,
        image_sha256: &str,
        provider: &str,
    ) -> Result<(i64, FaceAttempts)> {
        self.with(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let (status_code, digest): (String, Option<String>) = tx
                .query_row(
                    "SELECT status_code, id_number_digest FROM orders WHERE order_no = ?1 AND organisation_id = ?2",
                    params![order_no.as_str(), organisation_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?
                .ok_or_else(|| PlatformError::NotFound("订单不存在".into()))?;
            if status_code != "pendingVerification" {
                return Err(PlatformError::Conflict("该订单当前无需人脸认证".into()));
            }
            let digest = digest.ok_or_else(|| PlatformError::Internal(format!("order {order_no} has no digest")))?;
            let before = face_attempts_in(&tx, &digest, now)?;
            if before.exhausted() {
                return Err(PlatformError::TooManyRequests(format!(
                    "今日人脸认证次数已用完（{MAX_FACE_ATTEMPTS_PER_DAY}次），请于{}后再试，或选择邮寄纸质资料",
                    before.resets_at.format("%m月%d日 %H:%M")
                )));
            }
            let now_shanghai = now.with_timezone(&SHANGHAI);
            tx.execute(
                "INSERT INTO face_attempts (order_no, id_number_digest, day, at, outcome, image_sha256, provider)
                 VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?6)",
                params![
                    order_no.as_str(),
                    digest,
                    now_shanghai.date_naive().to_string(),
                    now_shanghai.to_rfc3339(),
                    image_sha256,
                    provider
                ],
            )?;
            let id = tx.last_insert_rowid();
            let after = face_attempts_in(&tx, &digest, now)?;
            tx.commit()?;
            Ok((id, after))
        })
    }

    /// The provider could not answer: the reserved attempt is given back.
    pub fn release_face_attempt(&self, attempt_id: i64) -> Result<()> {
        self.with(|conn| {
            conn.execute("DELETE FROM face_attempts WHERE id = ?1 AND outcome = 'pending'", [attempt_id])?;
            Ok(())
        })
    }

    /// Records the provider's verdict on a reserved attempt and, in the same transaction, moves the
    /// order on (passed) or notes the failure in its history (failed).
    pub fn finish_face_attempt(
        &self,
        attempt_id: i64,
        order_no: &OrderNumber,
        failure: Option<&str>,
        at: &str,
    ) -> Result<OrderSummary> {
        self.with(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            tx.execute(
                "UPDATE face_attempts SET outcome = ?1, reason = ?2 WHERE id = ?3",
                params![if failure.is_some() { "failed" } else { "passed" }, failure, attempt_id],
            )?;
            let (event, reason) = match failure {
                None => (OrderEvent::FaceVerificationPassed, None),
                Some(why) => (OrderEvent::FaceVerificationFailed, Some(format!("人脸认证未通过：{why}"))),
            };
            match apply_event(&tx, order_no, None, Actor::System, &event, at, reason.as_deref()) {
                Ok(_) => {}
                // Cancelled while the provider was deciding: keep the verdict, leave the order be.
                Err(PlatformError::Transition(refusal)) => {
                    tx.commit()?;
                    return Err(PlatformError::Transition(refusal));
                }
                Err(other) => return Err(other),
            }
            tx.commit()?;
            Ok(())
        })?;
        self.order(order_no)?.ok_or_else(|| PlatformError::Internal("order vanished".into()))
    }

    /// 确认付款 at the counter: the order moves on (待支付 → 待审核) and the payment is recorded as
    /// paid, in one transaction; the state machine refuses a second payment.
    pub fn record_counter_payment(
        &self,
        order_no: &OrderNumber,
        payment: &CounterPayment,
        staff_id: i64,
        at: &str,
    ) -> Result<OrderSummary> {
        self.with(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let note = format!("窗口收款，收据号 {}", payment.receipt_no.trim());
            let after =
                apply_event(&tx, order_no, None, Actor::Counter, &OrderEvent::PaymentConfirmed, at, Some(&note))?;
            tx.execute(
                "INSERT INTO payments (order_no, out_trade_no, method, amount_fen, state, receipt_no,
                    recorded_by_staff, created_at, paid_at)
                 VALUES (?1, ?2, ?3, ?4, 'paid', ?5, ?6, ?7, ?7)",
                params![
                    order_no.as_str(),
                    format!("CTR{order_no}"),
                    payment.method.code(),
                    after.fee.fen(),
                    payment.receipt_no.trim(),
                    staff_id,
                    at
                ],
            )?;
            tx.commit()?;
            Ok(())
        })?;
        self.order(order_no)?.ok_or_else(|| PlatformError::Internal("order vanished".into()))
    }

    /// The order's payments, oldest first.
    pub fn payments(&self, order_no: &OrderNumber) -> Result<Vec<PaymentRecord>> {
        self.with(|conn| {
            let mut stmt = conn.prepare(
                "SELECT p.out_trade_no, p.method, p.amount_fen, p.state, p.receipt_no, p.created_at, p.paid_at,
                    p.gateway_trade_no,
                    (SELECT COUNT(*) FROM payment_notifications n WHERE n.out_trade_no = p.out_trade_no),
                    (SELECT r.done_at FROM refunds r WHERE r.out_trade_no = p.out_trade_no AND r.state = 'succeeded')
                 FROM payments p WHERE p.order_no = ?1 ORDER BY p.id",
            )?;
            let rows = stmt.query_map([order_no.as_str()], |r| {
                let method: String = r.get(1)?;
                Ok(PaymentRecord {
                    out_trade_no: r.get(0)?,
                    method: PaymentMethod::from_code(&method)
                        .ok_or_else(|| from_sql(1, PlatformError::Internal(format!("payment method {method}"))))?,
                    amount: Money::from_fen(r.get(2)?),
                    state: {
                        let state: String = r.get(3)?;
                        PaymentState::from_code(&state)
                            .ok_or_else(|| from_sql(3, PlatformError::Internal(format!("payment state {state}"))))?
                    },
                    receipt_no: r.get(4)?,
                    created_at: r.get(5)?,
                    paid_at: r.get(6)?,
                    gateway_trade_no: r.get(7)?,
                    notifications: r.get(8)?,
                    refunded_at: r.get(9)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Orders waiting for review, oldest first, with when each entered its current state.
    pub fn review_queue(&self) -> Result<Vec<(OrderSummary, String)>> {
        self.with(|conn| {
            let mut stmt = conn.prepare(&format!(
                "{SELECT_SUMMARY_WITH_SINCE} WHERE o.status_code = 'pendingReview' ORDER BY since, o.order_no"
            ))?;
            let rows = stmt.query_map([], |r| Ok((summary_from_row(r)?, r.get::<_, String>(9)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// History rows after `after` (at most 100, oldest first), for one organisation or, for staff, all.
    pub fn events_after(&self, after: i64, organisation_id: Option<i64>) -> Result<Vec<(i64, String, EventRow)>> {
        self.with(|conn| {
            let mut stmt = conn.prepare(
                "SELECT e.id, e.order_no, e.at, e.actor, e.from_status, e.to_status, e.reason
                 FROM order_events e JOIN orders o ON o.order_no = e.order_no
                 WHERE e.id > ?1 AND (?2 IS NULL OR o.organisation_id = ?2)
                 ORDER BY e.id LIMIT 100",
            )?;
            let rows = stmt.query_map(params![after, organisation_id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    EventRow { at: r.get(2)?, actor: r.get(3)?, from: r.get(4)?, to: r.get(5)?, reason: r.get(6)? },
                ))
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// The order's history, oldest first.
    pub fn order_events(&self, order_no: &OrderNumber) -> Result<Vec<EventRow>> {
        self.with(|conn| {
            let mut stmt = conn.prepare(
                "SELECT at, actor, from_status, to_status, reason FROM order_events WHERE order_no = ?1 ORDER BY id",
            )?;
            let rows = stmt.query_map([order_no.as_str()], |r| {
                Ok(EventRow { at: r.get(0)?, actor: r.get(1)?, from: r.get(2)?, to: r.get(3)?, reason: r.get(4)? })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// The order, if it exists and, for an applicant's view, belongs to `organisation_id`.
    pub fn order_of(&self, order_no: &OrderNumber, organisation_id: Option<i64>) -> Result<Option<OrderSummary>> {
        let Some(organisation_id) = organisation_id else { return self.order(order_no) };
        self.with(|conn| {
            Ok(conn
                .query_row(
                    &format!("{SELECT_SUMMARY} WHERE o.order_no = ?1 AND o.organisation_id = ?2"),
                    params![order_no.as_str(), organisation_id],
                    summary_from_row,
                )
                .optional()?)
        })
    }

    pub fn order(&self, order_no: &OrderNumber) -> Result<Option<OrderSummary>> {
        self.with(|conn| {
            Ok(conn
                .query_row(&format!("{SELECT_SUMMARY} WHERE o.order_no = ?1"), [order_no.as_str()], summary_from_row)
                .optional()?)
        })
    }
}

fn face_attempts_in(conn: &Connection, digest: &str, now: &DateTime<FixedOffset>) -> Result<FaceAttempts> {
    // Counted by the stored Beijing day, not by time: racing attempts are stamped in any order.
    let day = now.with_timezone(&SHANGHAI).date_naive().to_string();
    let used: u32 = conn
        .prepare_cached("SELECT COUNT(*) FROM face_attempts WHERE id_number_digest = ?1 AND day = ?2")?
        .query_row(params![digest, day], |r| r.get(0))?;
    Ok(FaceAttempts::counted(now, used))
}

/// Applies `event` inside `tx`: the order's state through `core::apply`, then its history row.
pub(crate) fn apply_event(
    tx: &rusqlite::Transaction<'_>,
    order_no: &OrderNumber,
    organisation_id: Option<i64>,
    actor: Actor,
    event: &OrderEvent,
    at: &str,
    reason: Option<&str>,
) -> Result<OrderState> {
    let found: Option<(String, i64, bool)> = tx
        .query_row(
            "SELECT status, fee_fen, paid FROM orders WHERE order_no = ?1 AND (?2 IS NULL OR organisation_id = ?2)",
            params![order_no.as_str(), organisation_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let (status_json, fee, paid) = found.ok_or_else(|| PlatformError::NotFound("订单不存在".into()))?;
    let status: OrderStatus =
        serde_json::from_str(&status_json).map_err(|e| PlatformError::Internal(format!("stored status: {e}")))?;
    let before = OrderState { status, fee: Money::from_fen(fee), paid };
    let after = certdesk_core::apply(&before, actor, event)?;
    let after_json = serde_json::to_string(&after.status).expect("status serialises");
    tx.execute(
        "UPDATE orders SET status = ?1, status_code = ?2, paid = ?3 WHERE order_no = ?4",
        params![after_json, after.status.code(), after.paid, order_no.as_str()],
    )?;
    let actor_name = serde_json::to_value(actor).expect("actor serialises");
    tx.execute(
        "INSERT INTO order_events (order_no, at, actor, from_status, to_status, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![order_no.as_str(), at, actor_name.as_str(), status_json, after_json, reason],
    )?;
    Ok(after)
}

/// One stored history row (statuses still as JSON text, decoded by the caller).
pub struct EventRow {
    pub at: String,
    pub actor: String,
    pub from: Option<String>,
    pub to: String,
    pub reason: Option<String>,
}

const SELECT_SUMMARY: &str = "SELECT o.order_no, o.provider_id, p.name, o.organisation_name, o.applicant_name,
        o.quantity, o.fee_fen, o.status, o.submitted_at
    FROM orders o JOIN providers p ON p.id = o.provider_id";

/// The summary columns and, tenth, when the order entered its current state.
const SELECT_SUMMARY_WITH_SINCE: &str =
    "SELECT o.order_no, o.provider_id, p.name, o.organisation_name, o.applicant_name,
        o.quantity, o.fee_fen, o.status, o.submitted_at,
        (SELECT e.at FROM order_events e WHERE e.order_no = o.order_no ORDER BY e.id DESC LIMIT 1) AS since
    FROM orders o JOIN providers p ON p.id = o.provider_id";

fn summary_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OrderSummary> {
    let order_no: String = r.get(0)?;
    let status: String = r.get(7)?;
    Ok(OrderSummary {
        order_no: OrderNumber::parse(&order_no).map_err(|e| from_sql(0, e))?,
        provider_id: r.get(1)?,
        provider_name: r.get(2)?,
        organisation_name: r.get(3)?,
        applicant_name: r.get(4)?,
        quantity: r.get(5)?,
        fee: Money::from_fen(r.get(6)?),
        status: serde_json::from_str::<OrderStatus>(&status).map_err(|e| from_sql(7, e))?,
        submitted_at: r.get(8)?,
    })
}

/// A parsed `GET /v1/orders` query: SQL-ready bounds.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    /// Only this organisation's orders (an applicant's view); `None` for staff.
    pub organisation_id: Option<i64>,
    pub order_no_prefix: Option<String>,
    pub status_code: Option<String>,
    pub provider_id: Option<String>,
    /// `YYYY-MM-DD`: RFC 3339 texts in +08:00 compare correctly against a date prefix.
    pub submitted_from: Option<chrono::NaiveDate>,
    pub submitted_before: Option<chrono::NaiveDate>,
    pub limit: u32,
    pub offset: u32,
}

pub(crate) fn from_sql(column: usize, e: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(e))
}
