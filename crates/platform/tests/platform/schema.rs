//! The two backends' migrations kept in step: the same tables, columns and indexes.

use certdesk_platform::params;
use certdesk_platform::store::{Db, outside_runtime};
use std::collections::BTreeSet;

fn columns_and_indexes(db: &Db, tables_sql: &str, indexes_sql: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    db.read(|c| {
        let columns =
            c.query_map(tables_sql, params![], |r| Ok(format!("{}.{}", r.get::<String>(0)?, r.get::<String>(1)?)))?;
        let indexes = c.query_map(indexes_sql, params![], |r| r.get::<String>(0))?;
        Ok((columns.into_iter().collect(), indexes.into_iter().collect()))
    })
    .unwrap()
}

#[test]
fn sqlite_and_postgresql_have_the_same_tables_columns_and_indexes() {
    if !crate::on_postgres() {
        eprintln!("skipped: needs PostgreSQL (CERTDESK_TEST_DATABASE=postgres)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = crate::fresh_database().unwrap();
    let (sqlite, postgres) = outside_runtime(|| {
        let sqlite = Db::open(None, &dir.path().join("platform.db"))?;
        let postgres = Db::open(Some(&url), &dir.path().join("unused.db"))?;
        Ok((
            columns_and_indexes(
                &sqlite,
                "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
            ),
            columns_and_indexes(
                &postgres,
                "SELECT table_name::text, column_name::text FROM information_schema.columns
                 WHERE table_schema = 'public' AND table_name <> 'schema_migrations'",
                "SELECT indexname::text FROM pg_indexes
                 WHERE schemaname = 'public' AND indexname NOT LIKE '%\\_pkey' AND indexname NOT LIKE '%\\_key'",
            ),
        ))
    })
    .unwrap();
    assert!(sqlite.0.len() > 80, "every table's columns were read: {:?}", sqlite.0);
    assert_eq!(sqlite.0, postgres.0, "columns");
    assert_eq!(sqlite.1, postgres.1, "indexes");
}
