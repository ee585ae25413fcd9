//! The platform's storage: SQLite (embedded and small deployments) or PostgreSQL (several
//! instances on one database), behind one boundary.
//!
//! The table code is written once, as synchronous transactions over [`Conn`], and always runs on
//! the blocking threads (`routes::blocking`), never on the async ones. SQLite serves it from one
//! writer and a pool of readers (WAL); PostgreSQL from a deadpool of tokio-postgres clients, each
//! call bridged with `Handle::block_on`, and every write transaction SERIALIZABLE and retried on
//! a serialisation failure, so the invariants that SQLite's single writer gives hold on both.
//!
//! SQL is written in the dialect both accept: numbered parameters `?1` (rewritten to `$1` for
//! PostgreSQL), `RETURNING id`, `ON CONFLICT DO NOTHING`, `TRUE`/`FALSE`, text timestamps in RFC
//! 3339 at +08:00 (which compare as they sort), integers as 64-bit.

mod approvals;
mod bindings;
mod certificates;
mod invoices;
mod login_attempts;
mod orders;
mod outbox;
mod payments;
mod postgres;
mod sqlite;
mod staff_audit;

pub use approvals::Approval;
pub use bindings::{Expiring, NewChallenge, OrganisationCertificate};
pub use certificates::{CertificateSubject, NewCertificate, RevokedEntry, StoredCa};
pub use invoices::{InvoiceRow, IssuedFigures, NewInvoiceRequest};
pub use orders::{ByStaff, EventRow, Inserted, OrderFilter, SealedApplication};
pub use outbox::{MailKind, OutboxRow};
pub use payments::{KeptNotification, PaymentRow, RefundRequest, Settled};
pub use staff_audit::AuditRecord;

use crate::{PlatformError, Result};

/// Which database a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The platform's database.
pub struct Db {
    inner: Inner,
}

enum Inner {
    Sqlite(sqlite::Sqlite),
    Postgres(postgres::Postgres),
}

impl Db {
    /// Opens the database `database_url` names (`postgres://…`), or else the SQLite file
    /// `sqlite_path`, and brings its schema up to date. Call from a blocking thread.
    pub fn open(database_url: Option<&str>, sqlite_path: &std::path::Path) -> Result<Db> {
        let inner = match database_url {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Inner::Postgres(postgres::Postgres::open(url)?)
            }
            Some(other) => {
                return Err(PlatformError::Config(format!(
                    "database_url 只支持 postgres://…（未设置时使用 SQLite 文件）：{other}"
                )));
            }
            None => Inner::Sqlite(sqlite::Sqlite::open(sqlite_path)?),
        };
        Ok(Db { inner })
    }

    pub fn backend(&self) -> Backend {
        match self.inner {
            Inner::Sqlite(_) => Backend::Sqlite,
            Inner::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs `f` on a reader: it sees committed data and may not write.
    pub fn read<T>(&self, f: impl FnOnce(&Conn<'_>) -> Result<T>) -> Result<T> {
        match &self.inner {
            Inner::Sqlite(db) => db.read(f),
            Inner::Postgres(db) => db.read(f),
        }
    }

    /// Runs `f` in one write transaction, committed when it returns `Ok`, rolled back when it
    /// returns `Err`. On PostgreSQL `f` may run again when the transaction loses a race
    /// (serialisation failure): it must do nothing outside the database.
    pub fn write<T>(&self, mut f: impl FnMut(&Conn<'_>) -> Result<T>) -> Result<T> {
        match &self.inner {
            Inner::Sqlite(db) => db.write(&mut f),
            Inner::Postgres(db) => db.write(&mut f),
        }
    }

    /// The PostgreSQL side, for what only several instances need (LISTEN/NOTIFY, advisory locks).
    pub(crate) fn postgres(&self) -> Option<&postgres::Postgres> {
        match &self.inner {
            Inner::Postgres(db) => Some(db),
            Inner::Sqlite(_) => None,
        }
    }
}

/// The channel a new history row is announced on (by a trigger; see the PostgreSQL migrations).
pub(crate) const ORDER_EVENTS_CHANNEL: &str = "order_events";

/// Runs blocking database work `f` from any context (a command line, an async test): on a thread
/// with a runtime of its own, whose blocking pool is where [`Db`] expects to be called.
pub fn outside_runtime<T: Send>(f: impl FnOnce() -> Result<T> + Send) -> Result<T> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                // A worker drives the connections' I/O while this thread blocks on them, as a
                // blocking-pool thread would (`f` borrows, so it cannot be spawned there).
                let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
                let _entered = runtime.enter();
                f()
            })
            .join()
            .map_err(|_| PlatformError::Internal("database work panicked".into()))?
    })
}

/// A connection or a transaction of either backend, as the table code sees it.
pub struct Conn<'a> {
    inner: ConnInner<'a>,
}

enum ConnInner<'a> {
    Sqlite(&'a rusqlite::Connection),
    Postgres(postgres::PgConn<'a>),
}

impl Conn<'_> {
    pub fn backend(&self) -> Backend {
        match self.inner {
            ConnInner::Sqlite(_) => Backend::Sqlite,
            ConnInner::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs a statement; how many rows it changed.
    pub fn execute(&self, sql: &str, params: &[&dyn Param]) -> Result<u64> {
        match &self.inner {
            ConnInner::Sqlite(conn) => {
                let mut stmt = conn.prepare_cached(sql)?;
                Ok(stmt.execute(rusqlite::params_from_iter(params.iter().map(|p| *p as &dyn rusqlite::ToSql)))? as u64)
            }
            ConnInner::Postgres(conn) => conn.execute(sql, params),
        }
    }

    /// Every row of a query, each read by `f`.
    pub fn query_map<T>(
        &self,
        sql: &str,
        params: &[&dyn Param],
        mut f: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<Vec<T>> {
        match &self.inner {
            ConnInner::Sqlite(conn) => {
                let mut stmt = conn.prepare_cached(sql)?;
                let mut rows =
                    stmt.query(rusqlite::params_from_iter(params.iter().map(|p| *p as &dyn rusqlite::ToSql)))?;
                let mut out = Vec::new();
                while let Some(row) = rows.next()? {
                    out.push(f(&Row { inner: RowInner::Sqlite(row) })?);
                }
                Ok(out)
            }
            ConnInner::Postgres(conn) => {
                conn.query(sql, params)?.iter().map(|row| f(&Row { inner: RowInner::Postgres(row) })).collect()
            }
        }
    }

    /// The first row of a query, if there is one.
    pub fn query_opt<T>(
        &self,
        sql: &str,
        params: &[&dyn Param],
        f: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<Option<T>> {
        let mut f = Some(f);
        let mut first = None;
        // Reading stops at the first row; the rest (there should be none) are not decoded.
        self.query_map(sql, params, |row| {
            if let Some(f) = f.take() {
                first = Some(f(row)?);
            }
            Ok(())
        })?;
        Ok(first)
    }

    /// The one row a query must return (an aggregate, or a row just written).
    pub fn query_one<T>(&self, sql: &str, params: &[&dyn Param], f: impl FnOnce(&Row<'_>) -> Result<T>) -> Result<T> {
        self.query_opt(sql, params, f)?.ok_or_else(|| PlatformError::Internal(format!("no row from: {sql}")))
    }
}

/// One row of a result.
pub struct Row<'a> {
    inner: RowInner<'a>,
}

enum RowInner<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Postgres(&'a tokio_postgres::Row),
}

impl Row<'_> {
    /// Column `index` (from 0) as a `T`.
    pub fn get<T: Column>(&self, index: usize) -> Result<T> {
        match &self.inner {
            RowInner::Sqlite(row) => T::from_sqlite(row, index),
            RowInner::Postgres(row) => T::from_postgres(row, index),
        }
    }
}

/// A value a statement may take as a parameter: one both drivers bind to the same column type
/// (`i64` ↔ INTEGER / BIGINT, `bool` ↔ INTEGER / BOOLEAN, text, bytes, and `Option`s of them).
/// Narrower integers are not parameters: PostgreSQL would refuse them for a BIGINT column.
pub trait Param: rusqlite::ToSql + tokio_postgres::types::ToSql + Sync {}

impl Param for i64 {}
impl Param for bool {}
impl Param for String {}
impl Param for &str {}
impl Param for Vec<u8> {}
impl Param for &[u8] {}
impl<T: Param> Param for Option<T> {}
impl<T: Param> Param for &T {}

/// `params![a, b]`: the parameters of a statement.
#[macro_export]
#[doc(hidden)]
macro_rules! params {
    () => { &[] as &[&dyn $crate::store::Param] };
    ($($p:expr),+ $(,)?) => { &[$(&$p as &dyn $crate::store::Param),+] as &[&dyn $crate::store::Param] };
}
pub use crate::params;

/// A type a column may be read as, from either driver.
pub trait Column: Sized {
    fn from_sqlite(row: &rusqlite::Row<'_>, index: usize) -> Result<Self>;
    fn from_postgres(row: &tokio_postgres::Row, index: usize) -> Result<Self>;
}

macro_rules! column {
    ($($t:ty),*) => {$(
        impl Column for $t {
            fn from_sqlite(row: &rusqlite::Row<'_>, index: usize) -> Result<Self> {
                Ok(row.get(index)?)
            }
            fn from_postgres(row: &tokio_postgres::Row, index: usize) -> Result<Self> {
                Ok(row.try_get(index)?)
            }
        }
    )*};
}
column!(i64, bool, String, Vec<u8>, Option<i64>, Option<bool>, Option<String>, Option<Vec<u8>>);

/// Counts and quantities: stored as 64-bit, read narrower where the domain is.
macro_rules! narrow_column {
    ($($t:ty),*) => {$(
        impl Column for $t {
            fn from_sqlite(row: &rusqlite::Row<'_>, index: usize) -> Result<Self> {
                narrow(i64::from_sqlite(row, index)?)
            }
            fn from_postgres(row: &tokio_postgres::Row, index: usize) -> Result<Self> {
                narrow(i64::from_postgres(row, index)?)
            }
        }
    )*};
}
narrow_column!(u32, i32);

fn narrow<T: TryFrom<i64>>(value: i64) -> Result<T> {
    T::try_from(value).map_err(|_| PlatformError::Internal(format!("stored number {value} out of range")))
}

impl PlatformError {
    /// A unique constraint refused the row (two instances made the same order number).
    pub(crate) fn is_unique_violation(&self) -> bool {
        match self {
            PlatformError::Database(rusqlite::Error::SqliteFailure(e, _)) => {
                e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                    || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            }
            PlatformError::Postgres(e) => e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION),
            _ => false,
        }
    }
}
