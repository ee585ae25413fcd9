//! PostgreSQL: a pool of tokio-postgres clients, driven from the blocking threads.

use super::{Conn, ConnInner, Param};
use crate::{PlatformError, Result};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio::runtime::Handle;
use tokio_postgres::error::SqlState;
use tokio_postgres::{IsolationLevel, NoTls};

/// Clients in the pool: PostgreSQL's own default allows 100 connections for all instances.
const CLIENTS: usize = 16;
/// A write transaction that keeps losing races gives up after this many tries (each after a
/// random pause that doubles, up to 64 ms: under a burst of submits, most succeed by the third).
const TRIES: u32 = 30;

pub struct Postgres {
    pool: Pool,
    config: tokio_postgres::Config,
}

fn pool_error(e: deadpool_postgres::PoolError) -> PlatformError {
    match e {
        deadpool_postgres::PoolError::Backend(e) => PlatformError::Postgres(e),
        other => PlatformError::Unavailable(format!("数据库连接不可用：{other}")),
    }
}

/// The SQL both backends share, with SQLite's `?N` parameters as PostgreSQL's `$N` (quoted text
/// left alone).
fn dialect(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quoted = false;
    for c in sql.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted => out.push('$'),
            _ => out.push(c),
        }
    }
    out
}

impl Postgres {
    pub fn open(url: &str) -> Result<Postgres> {
        let config: tokio_postgres::Config =
            url.parse().map_err(|e| PlatformError::Config(format!("database_url 无法解析：{e}")))?;
        let manager =
            Manager::from_config(config.clone(), NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager)
            .max_size(CLIENTS)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|e| PlatformError::Config(format!("database_url: {e}")))?;
        let db = Postgres { pool, config };
        db.migrate()?;
        Ok(db)
    }

    fn client(&self, rt: &Handle) -> Result<deadpool_postgres::Client> {
        rt.block_on(self.pool.get()).map_err(pool_error)
    }

    /// Applies the migrations not yet applied, each in its own transaction, under an advisory
    /// lock so that instances starting together migrate once.
    fn migrate(&self) -> Result<()> {
        let rt = Handle::current();
        let mut client = self.client(&rt)?;
        rt.block_on(async {
            client.batch_execute("SELECT pg_advisory_lock(7284001)").await?;
            let result = async {
                client
                    .batch_execute(
                        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)",
                    )
                    .await?;
                let done: i64 = client
                    .query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[])
                    .await?
                    .get(0);
                for (i, sql) in MIGRATIONS.iter().enumerate() {
                    let version = i as i64 + 1;
                    if version <= done {
                        continue;
                    }
                    let tx = client.transaction().await?;
                    tx.batch_execute(sql).await?;
                    tx.execute(
                        "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                        &[&version, &chrono::Utc::now().to_rfc3339()],
                    )
                    .await?;
                    tx.commit().await?;
                }
                Ok::<_, tokio_postgres::Error>(())
            }
            .await;
            client.batch_execute("SELECT pg_advisory_unlock(7284001)").await?;
            result
        })?;
        Ok(())
    }

    pub fn read<T>(&self, f: impl FnOnce(&Conn<'_>) -> Result<T>) -> Result<T> {
        let rt = Handle::current();
        let client = self.client(&rt)?;
        f(&Conn { inner: ConnInner::Postgres(PgConn { client: PgClient::Client(&client), rt: rt.clone() }) })
    }

    pub fn write<T>(&self, f: &mut dyn FnMut(&Conn<'_>) -> Result<T>) -> Result<T> {
        let rt = Handle::current();
        let mut client = self.client(&rt)?;
        let mut tries = 0;
        loop {
            tries += 1;
            let tx = rt.block_on(client.build_transaction().isolation_level(IsolationLevel::Serializable).start())?;
            let outcome = f(&Conn { inner: ConnInner::Postgres(PgConn { client: PgClient::Tx(&tx), rt: rt.clone() }) });
            let outcome = match outcome {
                Ok(value) => rt.block_on(tx.commit()).map(|()| value).map_err(PlatformError::from),
                Err(e) => {
                    // Dropped unfinished, the transaction is rolled back.
                    drop(tx);
                    Err(e)
                }
            };
            match outcome {
                Err(e) if e.is_serialization_failure() && tries < TRIES => {
                    tracing::debug!(tries, "transaction lost a race; trying again");
                    std::thread::sleep(backoff(tries));
                    continue;
                }
                other => return other,
            }
        }
    }

    /// A connection of its own, outside the pool: for LISTEN, and for session advisory locks
    /// that must end with the connection if the holder dies.
    pub(crate) async fn connect(
        &self,
    ) -> Result<(
        tokio_postgres::Client,
        tokio_postgres::Connection<tokio_postgres::Socket, tokio_postgres::tls::NoTlsStream>,
    )> {
        Ok(self.config.connect(NoTls).await?)
    }

    /// Listens on `channel` and calls `on_notify` for each notification, until the connection
    /// ends (the caller connects again).
    pub(crate) async fn listen(&self, channel: &str, on_notify: impl Fn() + Send + 'static) -> Result<()> {
        let (client, mut connection) = self.connect().await?;
        let driver = tokio::spawn(async move {
            loop {
                match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                    Some(Ok(tokio_postgres::AsyncMessage::Notification(_))) => on_notify(),
                    Some(Ok(_)) => {}
                    Some(Err(e)) => {
                        tracing::warn!(error = %e, "LISTEN connection lost");
                        break;
                    }
                    None => break,
                }
            }
        });
        client.batch_execute(&format!("LISTEN {channel}")).await?;
        let _ = driver.await;
        Ok(())
    }

    /// Takes the advisory lock `key` if no instance holds it; held until the [`JobLock`] is
    /// dropped (or the instance dies: it is the lock of a connection of its own).
    pub(crate) async fn try_job_lock(&self, key: i64) -> Result<Option<JobLock>> {
        let (client, connection) = self.connect().await?;
        let task = tokio::spawn(async move {
            let _ = connection.await;
        });
        let taken: bool = client.query_one("SELECT pg_try_advisory_lock($1)", &[&key]).await?.get(0);
        if !taken {
            task.abort();
            return Ok(None);
        }
        Ok(Some(JobLock { _client: client, task }))
    }
}

/// A session advisory lock: released when its connection closes, which dropping this does.
pub struct JobLock {
    _client: tokio_postgres::Client,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for JobLock {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub(super) enum PgClient<'a> {
    Client(&'a deadpool_postgres::Client),
    Tx(&'a deadpool_postgres::Transaction<'a>),
}

pub(super) struct PgConn<'a> {
    client: PgClient<'a>,
    rt: Handle,
}

impl PgConn<'_> {
    fn params<'p>(params: &'p [&'p dyn Param]) -> Vec<&'p (dyn tokio_postgres::types::ToSql + Sync)> {
        params.iter().map(|p| *p as &(dyn tokio_postgres::types::ToSql + Sync)).collect()
    }

    pub fn execute(&self, sql: &str, params: &[&dyn Param]) -> Result<u64> {
        let sql = dialect(sql);
        let params = Self::params(params);
        Ok(self.rt.block_on(async {
            match &self.client {
                PgClient::Client(c) => {
                    let stmt = c.prepare_cached(&sql).await?;
                    c.execute(&stmt, &params).await
                }
                PgClient::Tx(t) => {
                    let stmt = t.prepare_cached(&sql).await?;
                    t.execute(&stmt, &params).await
                }
            }
        })?)
    }

    pub fn query(&self, sql: &str, params: &[&dyn Param]) -> Result<Vec<tokio_postgres::Row>> {
        let sql = dialect(sql);
        let params = Self::params(params);
        Ok(self.rt.block_on(async {
            match &self.client {
                PgClient::Client(c) => {
                    let stmt = c.prepare_cached(&sql).await?;
                    c.query(&stmt, &params).await
                }
                PgClient::Tx(t) => {
                    let stmt = t.prepare_cached(&sql).await?;
                    t.query(&stmt, &params).await
                }
            }
        })?)
    }
}

/// A random pause before try `tries + 1`, so that the transactions that collided do not collide
/// again in step.
fn backoff(tries: u32) -> std::time::Duration {
    let mut byte = [0u8; 2];
    let _ = getrandom::fill(&mut byte);
    let ceiling_us = 1000u64 << tries.min(6);
    std::time::Duration::from_micros(u64::from(u16::from_le_bytes(byte)) % ceiling_us)
}

impl PlatformError {
    /// The transaction lost a race with another (SERIALIZABLE) and may simply be run again.
    pub(crate) fn is_serialization_failure(&self) -> bool {
        match self {
            PlatformError::Postgres(e) => {
                matches!(e.code(), Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED)
            }
            _ => false,
        }
    }
}

/// The schema, as SQLite's migrations leave it (`tests` hold the two in step).
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE providers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    unit_fee_fen BIGINT NOT NULL CHECK (unit_fee_fen >= 0),
    demo BOOLEAN NOT NULL DEFAULT FALSE,
    sort_order BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE organisations (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL,
    credit_code TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
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
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    fee_fen BIGINT NOT NULL CHECK (fee_fen >= 0),
    status TEXT NOT NULL,
    status_code TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    paid BOOLEAN NOT NULL DEFAULT FALSE,
    organisation_id BIGINT REFERENCES organisations(id),
    application_sealed BYTEA,
    id_number_digest TEXT
);
CREATE INDEX orders_by_status ON orders(status_code, order_no);
CREATE INDEX orders_by_provider ON orders(provider_id, order_no);
CREATE INDEX orders_by_organisation ON orders(organisation_id, order_no);
CREATE TABLE order_events (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    order_no TEXT NOT NULL REFERENCES orders(order_no),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    reason TEXT
);
CREATE INDEX order_events_by_order ON order_events(order_no, id);
CREATE TABLE idempotency_keys (
    key TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    order_no TEXT NOT NULL REFERENCES orders(order_no),
    created_at TEXT NOT NULL
);
CREATE TABLE staff (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    roles TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('staff', 'applicant')),
    subject_id BIGINT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE applicants (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE face_attempts (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    order_no TEXT NOT NULL REFERENCES orders(order_no),
    id_number_digest TEXT NOT NULL,
    day TEXT NOT NULL,
    at TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('pending', 'passed', 'failed')),
    reason TEXT,
    image_sha256 TEXT NOT NULL,
    provider TEXT NOT NULL
);
CREATE INDEX face_attempts_by_person ON face_attempts(id_number_digest, day);
CREATE TABLE payments (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    order_no TEXT NOT NULL REFERENCES orders(order_no),
    out_trade_no TEXT NOT NULL UNIQUE,
    method TEXT NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    state TEXT NOT NULL CHECK (state IN ('pending', 'paid', 'failed', 'closed', 'refunded', 'amountMismatch')),
    receipt_no TEXT,
    recorded_by_staff BIGINT REFERENCES staff(id),
    created_at TEXT NOT NULL,
    paid_at TEXT,
    gateway_trade_no TEXT,
    notified_amount_fen BIGINT
);
CREATE UNIQUE INDEX one_paid_payment_per_order ON payments(order_no) WHERE state = 'paid';
CREATE INDEX payments_by_order ON payments(order_no, id);
CREATE INDEX pending_payments ON payments(state, created_at) WHERE state = 'pending';
CREATE INDEX payments_needing_attention ON payments(state) WHERE state = 'amountMismatch';
CREATE TABLE refunds (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    out_trade_no TEXT NOT NULL REFERENCES payments(out_trade_no),
    out_request_no TEXT NOT NULL UNIQUE,
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    reason TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('requested', 'processing', 'succeeded', 'failed', 'abnormal')),
    created_at TEXT NOT NULL,
    done_at TEXT,
    last_error TEXT,
    receipt_no TEXT,
    refunded_by_staff BIGINT REFERENCES staff(id)
);
CREATE INDEX refunds_open ON refunds(state) WHERE state <> 'succeeded';
CREATE TABLE payment_notifications (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    provider TEXT NOT NULL,
    out_trade_no TEXT,
    received_at TEXT NOT NULL,
    verified BOOLEAN NOT NULL,
    raw TEXT,
    body_size BIGINT NOT NULL,
    body_sha256 TEXT,
    outcome TEXT NOT NULL
);
CREATE INDEX notifications_by_trade ON payment_notifications(out_trade_no);
CREATE INDEX unverified_notifications ON payment_notifications(received_at) WHERE verified = FALSE;
-- Every instance's events feed waits on this channel: a new history row wakes them all.
CREATE FUNCTION notify_order_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('order_events', '');
    RETURN NULL;
END $$;
CREATE TRIGGER order_events_notify AFTER INSERT ON order_events
    FOR EACH STATEMENT EXECUTE FUNCTION notify_order_events();
"#,
    r#"
CREATE TABLE login_attempts (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    account TEXT NOT NULL,
    client TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX login_attempts_by_account ON login_attempts(account, at);
CREATE INDEX login_attempts_by_client ON login_attempts(client, at);
"#,
    r#"
ALTER TABLE orders ADD COLUMN status_since TEXT;
UPDATE orders SET status_since = COALESCE(
    (SELECT e.at FROM order_events e WHERE e.order_no = orders.order_no ORDER BY e.id DESC LIMIT 1), submitted_at);
CREATE INDEX orders_in_state ON orders(status_code, status_since, order_no);
"#,
    r#"
ALTER TABLE order_events ADD COLUMN staff_id BIGINT;
ALTER TABLE order_events ADD COLUMN staff_name TEXT;
"#,
    r#"
CREATE TABLE order_approvals (
    order_no TEXT NOT NULL REFERENCES orders(order_no),
    staff_id BIGINT NOT NULL,
    staff_name TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (order_no, staff_id)
);
"#,
    r#"
ALTER TABLE orders ADD COLUMN verification TEXT;
UPDATE orders SET verification = (status::jsonb)->>'verification';
"#,
    "ALTER TABLE staff ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE;",
    r#"
CREATE TABLE staff_audit (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    at TEXT NOT NULL,
    staff_id BIGINT,
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
CREATE INDEX order_events_by_time ON order_events(at);
"#,
    r#"
CREATE TABLE certificate_authorities (
    provider_id TEXT PRIMARY KEY REFERENCES providers(id),
    algorithm TEXT NOT NULL CHECK (algorithm IN ('ecdsaP256', 'sm2')),
    sandbox BOOLEAN NOT NULL,
    validity_days BIGINT NOT NULL CHECK (validity_days > 0),
    root_der BYTEA NOT NULL,
    issuing_der BYTEA NOT NULL,
    issuing_key_sealed BYTEA NOT NULL,
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
    der BYTEA NOT NULL,
    issued_at TEXT NOT NULL,
    issued_by BIGINT,
    revoked_at TEXT,
    revocation_reason TEXT,
    revoked_by BIGINT
);
CREATE INDEX certificates_by_order ON certificates(order_no, issued_at);
CREATE INDEX certificates_revoked ON certificates(provider_id, revoked_at);
"#,
    r#"
CREATE TABLE invoices (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    order_no TEXT NOT NULL UNIQUE REFERENCES orders(order_no),
    title TEXT NOT NULL,
    taxpayer_id TEXT NOT NULL,
    email_sealed BYTEA NOT NULL,
    total_fen BIGINT NOT NULL,
    requested_at TEXT NOT NULL,
    invoice_no TEXT UNIQUE,
    amount_fen BIGINT,
    tax_fen BIGINT,
    rate_bp BIGINT,
    issued_at TEXT,
    issuer TEXT,
    sandbox BOOLEAN
);
CREATE INDEX invoices_pending ON invoices(issued_at, id);
"#,
    r#"
CREATE TABLE outbox (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    order_no TEXT NOT NULL REFERENCES orders(order_no),
    kind TEXT NOT NULL,
    detail TEXT,
    recipient_sealed BYTEA,
    created_at TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_until TEXT,
    sent_at TEXT,
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox(sent_at, next_attempt_at);
CREATE INDEX outbox_by_order ON outbox(order_no, id);
ALTER TABLE organisations ADD COLUMN status_notices BOOLEAN NOT NULL DEFAULT TRUE;
"#,
    r#"
CREATE TABLE certificate_challenges (
    id TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,
    organisation_id BIGINT REFERENCES organisations(id),
    to_sign TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE TABLE certificate_bindings (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    serial TEXT NOT NULL REFERENCES certificates(serial),
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    bound_at TEXT NOT NULL,
    unbound_at TEXT
);
CREATE UNIQUE INDEX certificate_bound_once ON certificate_bindings(serial) WHERE unbound_at IS NULL;
CREATE INDEX certificate_bindings_by_organisation ON certificate_bindings(organisation_id, bound_at);
"#,
    r#"
CREATE TABLE certificate_reminders (
    serial TEXT NOT NULL REFERENCES certificates(serial),
    days BIGINT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (serial, days)
);
"#,
    r#"
ALTER TABLE orders ADD COLUMN renewal_of TEXT REFERENCES certificates(serial);
ALTER TABLE orders ADD COLUMN renewal_kind TEXT;
"#,
];
