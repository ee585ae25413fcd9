//! SQLite: one writer and a pool of readers on one WAL file.

use super::{Conn, ConnInner};
use crate::{PlatformError, Result};
use rusqlite::{Connection, OptionalExtension};
use rusqlite_migration::{M, Migrations};
use std::path::Path;
use std::sync::Mutex;

/// How many readers may run at once; writers queue on the one writer.
const READERS: u32 = 8;

pub struct Sqlite {
    /// SQLite has one writer at a time anyway: holding it here keeps writers from failing with
    /// SQLITE_BUSY, and a transaction is always IMMEDIATE, so a read inside it is never stale.
    writer: Mutex<Connection>,
    readers: r2d2::Pool<r2d2_sqlite::SqliteConnectionManager>,
}

/// Every connection: a busy timeout for the rare checkpoint, foreign keys on, deleted rows zeroed
/// (personal data masked after the fact leaves nothing behind in free pages).
fn configure(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    // In WAL, NORMAL loses no committed transaction to an application crash, and at most the
    // last ones to a power cut; FULL syncs every commit. Orders and payments are worth FULL.
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(())
}

impl Sqlite {
    pub fn open(path: &Path) -> Result<Sqlite> {
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        configure(&mut conn)?;
        // Migrations rebuild tables, which SQLite wants done with foreign keys off; they are
        // checked right after and enforced from then on.
        conn.pragma_update(None, "foreign_keys", "OFF")?;
        Migrations::from_slice(MIGRATIONS).to_latest(&mut conn)?;
        let broken: Option<String> = conn.query_row("PRAGMA foreign_key_check", [], |r| r.get(0)).optional()?;
        if let Some(table) = broken {
            return Err(PlatformError::Internal(format!("foreign key broken in {table} after migration")));
        }
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let manager = r2d2_sqlite::SqliteConnectionManager::file(path)
            .with_flags(rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .with_init(configure);
        let readers = r2d2::Pool::builder()
            .max_size(READERS)
            .min_idle(Some(0))
            .build(manager)
            .map_err(|e| PlatformError::Internal(format!("SQLite readers: {e}")))?;
        Ok(Sqlite { writer: Mutex::new(conn), readers })
    }

    pub fn read<T>(&self, f: impl FnOnce(&Conn<'_>) -> Result<T>) -> Result<T> {
        let conn = self.readers.get().map_err(|e| PlatformError::Internal(format!("SQLite reader: {e}")))?;
        f(&Conn { inner: ConnInner::Sqlite(&conn) })
    }

    pub fn write<T>(&self, f: &mut dyn FnMut(&Conn<'_>) -> Result<T>) -> Result<T> {
        // A panic while holding the lock leaves the connection itself intact; carry on.
        let mut conn = self.writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let value = f(&Conn { inner: ConnInner::Sqlite(&tx) })?;
        tx.commit()?;
        Ok(value)
    }
}

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
    // Log-in attempts, counted per account and per client address across every instance.
    M::up(
        "CREATE TABLE login_attempts (
        id INTEGER PRIMARY KEY,
        account TEXT NOT NULL,
        client TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX login_attempts_by_account ON login_attempts(account, at);
    CREATE INDEX login_attempts_by_client ON login_attempts(client, at);",
    ),
    // When each order entered its state, kept on the order: the review queue sorts by it through
    // an index instead of looking up every waiting order's last history row.
    M::up(
        "ALTER TABLE orders ADD COLUMN status_since TEXT;
    UPDATE orders SET status_since = COALESCE(
        (SELECT e.at FROM order_events e WHERE e.order_no = orders.order_no ORDER BY e.id DESC LIMIT 1), submitted_at);
    CREATE INDEX orders_in_state ON orders(status_code, status_since, order_no);",
    ),
    // Every staff step names the person (their id, and their name as it was then).
    M::up(
        "ALTER TABLE order_events ADD COLUMN staff_id INTEGER;
    ALTER TABLE order_events ADD COLUMN staff_name TEXT;",
    ),
    // Four-eyes review: who approved an order in its current review round.
    M::up(
        "CREATE TABLE order_approvals (
        order_no TEXT NOT NULL REFERENCES orders(order_no),
        staff_id INTEGER NOT NULL,
        staff_name TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (order_no, staff_id)
    );",
    ),
    // How the applicant was verified, kept beside the status for the review queue's filter.
    M::up(
        "ALTER TABLE orders ADD COLUMN verification TEXT;
    UPDATE orders SET verification = json_extract(status, '$.verification');",
    ),
    // 管理: a staff account can be disabled (停用).
    M::up("ALTER TABLE staff ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;"),
    // 操作日志: staff log-ins (and failures) and every staff action; the history's time gets an index
    // for the day's 邮寄清单.
    M::up(
        "CREATE TABLE staff_audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        staff_id INTEGER,
        staff_name TEXT,
        username TEXT,
        action TEXT NOT NULL,
        order_no TEXT,
        detail TEXT,
        client TEXT
    );
    CREATE INDEX staff_audit_by_time ON staff_audit(at);
    CREATE INDEX staff_audit_by_member ON staff_audit(staff_id, at);
    CREATE INDEX staff_audit_by_order ON staff_audit(order_no, at);
    CREATE INDEX order_events_by_time ON order_events(at);",
    ),
    // 证书: each CA服务商's CA (the issuing key sealed) and every certificate issued for an order.
    M::up(
        "CREATE TABLE certificate_authorities (
        provider_id TEXT PRIMARY KEY REFERENCES providers(id),
        algorithm TEXT NOT NULL CHECK (algorithm IN ('ecdsaP256', 'sm2')),
        sandbox INTEGER NOT NULL,
        validity_days INTEGER NOT NULL CHECK (validity_days > 0),
        root_der BLOB NOT NULL,
        issuing_der BLOB NOT NULL,
        issuing_key_sealed BLOB NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE certificates (
        serial TEXT PRIMARY KEY,
        order_no TEXT NOT NULL REFERENCES orders(order_no),
        provider_id TEXT NOT NULL REFERENCES providers(id),
        subject TEXT NOT NULL,
        issuer TEXT NOT NULL,
        not_before TEXT NOT NULL,
        not_after TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        key_algorithm TEXT NOT NULL,
        token_serial TEXT,
        der BLOB NOT NULL,
        issued_at TEXT NOT NULL,
        issued_by INTEGER,
        revoked_at TEXT,
        revocation_reason TEXT,
        revoked_by INTEGER
    );
    CREATE INDEX certificates_by_order ON certificates(order_no, issued_at);
    CREATE INDEX certificates_revoked ON certificates(provider_id, revoked_at);",
    ),
    // 发票申请 and the electronic invoices: a request is stored (with its email sealed) in the
    // order's 申请发票 transaction, and gets its number and figures when the issuer has issued it.
    M::up(
        "CREATE TABLE invoices (
        id INTEGER PRIMARY KEY,
        order_no TEXT NOT NULL UNIQUE REFERENCES orders(order_no),
        title TEXT NOT NULL,
        taxpayer_id TEXT NOT NULL,
        email_sealed BLOB NOT NULL,
        total_fen INTEGER NOT NULL,
        requested_at TEXT NOT NULL,
        invoice_no TEXT UNIQUE,
        amount_fen INTEGER,
        tax_fen INTEGER,
        rate_bp INTEGER,
        issued_at TEXT,
        issuer TEXT,
        sandbox INTEGER
    );
    CREATE INDEX invoices_pending ON invoices(issued_at, id);",
    ),
    // The email owed (see `outbox.rs`), and each organisation's 账户设置 for status notices.
    M::up(
        "CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        order_no TEXT NOT NULL REFERENCES orders(order_no),
        kind TEXT NOT NULL,
        detail TEXT,
        recipient_sealed BLOB,
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        claimed_until TEXT,
        sent_at TEXT,
        last_error TEXT
    );
    CREATE INDEX outbox_due ON outbox(sent_at, next_attempt_at);
    CREATE INDEX outbox_by_order ON outbox(order_no, id);
    ALTER TABLE organisations ADD COLUMN status_notices INTEGER NOT NULL DEFAULT 1;",
    ),
    // CA绑定与解绑 and 证书登录: single-use challenges, and which certificate is bound to which
    // organisation (an unbinding keeps the row, with when).
    M::up(
        "CREATE TABLE certificate_challenges (
        id TEXT PRIMARY KEY,
        purpose TEXT NOT NULL,
        organisation_id INTEGER REFERENCES organisations(id),
        to_sign TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT
    );
    CREATE TABLE certificate_bindings (
        id INTEGER PRIMARY KEY,
        serial TEXT NOT NULL REFERENCES certificates(serial),
        organisation_id INTEGER NOT NULL REFERENCES organisations(id),
        bound_at TEXT NOT NULL,
        unbound_at TEXT
    );
    CREATE UNIQUE INDEX certificate_bound_once ON certificate_bindings(serial) WHERE unbound_at IS NULL;
    CREATE INDEX certificate_bindings_by_organisation ON certificate_bindings(organisation_id, bound_at);",
    ),
    // Expiry reminders (90, 30 and 7 days before 有效期 ends): one row per certificate and threshold,
    // written with the email it owes.
    M::up(
        "CREATE TABLE certificate_reminders (
        serial TEXT NOT NULL REFERENCES certificates(serial),
        days INTEGER NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (serial, days)
    );",
    ),
    // 续期 and 补办: a new order that replaces a certificate says which, and why.
    M::up(
        "ALTER TABLE orders ADD COLUMN renewal_of TEXT REFERENCES certificates(serial);
    ALTER TABLE orders ADD COLUMN renewal_kind TEXT;",
    ),
];
