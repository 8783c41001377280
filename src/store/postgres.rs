//! The store's connections on PostgreSQL, for several tandem instances sharing one state: a
//! pool, and the conversion of values and rows.

use super::StoreError;
use super::driver::{Dialect, Driver, Row, Transaction, Value};
use super::sql_store::SqlStore;
use async_trait::async_trait;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::query::Query;
use sqlx::{Column, Postgres, Row as _, TypeInfo};
use std::str::FromStr;
use std::time::Duration;

/// The store on PostgreSQL.
pub type PostgresStore = SqlStore<PostgresDriver>;

pub struct PostgresDriver {
    pool: PgPool,
}

fn unavailable(error: sqlx::Error) -> StoreError {
    StoreError::Unavailable(error.to_string())
}

fn corrupt(error: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(error.to_string())
}

impl SqlStore<PostgresDriver> {
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url).map_err(|_| {
            StoreError::Unavailable("store.url is not a valid postgres:// URL".into())
        })?;
        Self::connect_with(options).await
    }

    pub async fn connect_with(options: PgConnectOptions) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(unavailable)?;
        Self::migrated(PostgresDriver { pool }).await
    }
}

/// `sql` (with `?N` placeholders) with `values` bound.
fn bound(sql: &str, values: Vec<Value>) -> Query<'_, Postgres, PgArguments> {
    values
        .into_iter()
        .fold(sqlx::query(sql), |query, value| match value {
            Value::Null => query.bind(None::<String>),
            Value::Int(n) => query.bind(n),
            Value::Text(text) => query.bind(text),
            Value::Texts(texts) => query.bind(texts),
        })
}

fn row_from(row: &PgRow) -> Result<Row, StoreError> {
    let columns = row.columns().iter().map(|column| {
        let i = column.ordinal();
        let value = match column.type_info().name() {
            "INT8" => row.try_get::<Option<i64>, _>(i).map(|n| n.map(Value::Int)),
            "INT4" => row
                .try_get::<Option<i32>, _>(i)
                .map(|n| n.map(|n| Value::Int(n.into()))),
            _ => row
                .try_get::<Option<String>, _>(i)
                .map(|t| t.map(Value::Text)),
        };
        value
            .map(|value| value.unwrap_or(Value::Null))
            .map_err(corrupt)
    });
    columns.collect::<Result<_, _>>().map(Row)
}

fn rows_from(rows: Vec<PgRow>) -> Result<Vec<Row>, StoreError> {
    rows.iter().map(row_from).collect()
}

#[async_trait]
impl Driver for PostgresDriver {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn execute(&self, sql: &str, values: Vec<Value>) -> Result<u64, StoreError> {
        let sql = Dialect::Postgres.placeholders(sql);
        let done = bound(&sql, values)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(done.rows_affected())
    }

    async fn query(&self, sql: &str, values: Vec<Value>) -> Result<Vec<Row>, StoreError> {
        let sql = Dialect::Postgres.placeholders(sql);
        let rows = bound(&sql, values)
            .fetch_all(&self.pool)
            .await
            .map_err(unavailable)?;
        rows_from(rows)
    }

    async fn begin(&self) -> Result<Box<dyn Transaction>, StoreError> {
        let tx = self.pool.begin().await.map_err(unavailable)?;
        Ok(Box::new(PostgresTransaction { tx }))
    }
}

/// sqlx rolls the transaction back when it is dropped uncommitted.
struct PostgresTransaction {
    tx: sqlx::Transaction<'static, Postgres>,
}

#[async_trait]
impl Transaction for PostgresTransaction {
    async fn execute(&mut self, sql: &str, values: Vec<Value>) -> Result<u64, StoreError> {
        let sql = Dialect::Postgres.placeholders(sql);
        let done = bound(&sql, values)
            .execute(&mut *self.tx)
            .await
            .map_err(unavailable)?;
        Ok(done.rows_affected())
    }

    async fn query(&mut self, sql: &str, values: Vec<Value>) -> Result<Vec<Row>, StoreError> {
        let sql = Dialect::Postgres.placeholders(sql);
        let rows = bound(&sql, values)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(unavailable)?;
        rows_from(rows)
    }

    async fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        // A query without arguments goes by the simple protocol, which takes several statements.
        sqlx::Executor::execute(&mut *self.tx, sql)
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.tx.commit().await.map_err(unavailable)
    }
}
