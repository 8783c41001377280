//! The default store's connections: a SQLite file (WAL, `synchronous = FULL`), one writer
//! connection and one read-only connection, each used from blocking tasks.

use super::StoreError;
use super::driver::{Dialect, Driver, Row, Step, Transaction, Value};
use super::sql_store::SqlStore;
use async_trait::async_trait;
use rusqlite::Connection;
use rusqlite::types::{Value as SqliteValue, ValueRef};
use std::path::Path;
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// The store on a SQLite file.
pub type SqliteStore = SqlStore<SqliteDriver>;

pub struct SqliteDriver {
    writer: Arc<Mutex<Connection>>,
    /// A second connection for the lookups on ingress's path: in WAL mode it reads while the
    /// writer waits for its fsync.
    reader: Arc<Mutex<Connection>>,
}

fn unavailable(error: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(error.to_string())
}

impl SqlStore<SqliteDriver> {
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let path = path.to_owned();
        let (writer, reader) = tokio::task::spawn_blocking(move || {
            let writer = connect(&path)?;
            let reader = connect(&path)?;
            reader
                .pragma_update(None, "query_only", true)
                .map_err(unavailable)?;
            Ok::<_, StoreError>((writer, reader))
        })
        .await
        .map_err(unavailable)??;
        Self::migrated(SqliteDriver {
            writer: Arc::new(Mutex::new(writer)),
            reader: Arc::new(Mutex::new(reader)),
        })
        .await
    }
}

fn connect(path: &Path) -> Result<Connection, StoreError> {
    let connection = Connection::open(path)
        .map_err(|e| StoreError::Unavailable(format!("cannot open {}: {e}", path.display())))?;
    connection
        .pragma_update(None, "journal_mode", "WAL")
        .map_err(unavailable)?;
    connection
        .pragma_update(None, "synchronous", "FULL")
        .map_err(unavailable)?;
    connection
        .busy_timeout(std::time::Duration::from_secs(5))
        .map_err(unavailable)?;
    connection.set_prepared_statement_cache_capacity(64);
    Ok(connection)
}

/// Takes a connection for the caller alone. A transaction abandoned mid-statement (its task
/// cancelled) may have left the connection inside it: that is rolled back first.
async fn take(connection: &Arc<Mutex<Connection>>) -> OwnedMutexGuard<Connection> {
    let guard = Arc::clone(connection).lock_owned().await;
    if guard.is_autocommit() {
        return guard;
    }
    let (guard, _) = on(guard, |c| c.execute_batch("ROLLBACK").map_err(unavailable)).await;
    guard
}

/// Runs `work` on a blocking thread and gives the connection back with its result.
async fn on<T: Send + 'static>(
    mut guard: OwnedMutexGuard<Connection>,
    work: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
) -> (OwnedMutexGuard<Connection>, Result<T, StoreError>) {
    let connection = Arc::clone(OwnedMutexGuard::mutex(&guard));
    match tokio::task::spawn_blocking(move || {
        let result = work(&mut guard);
        (guard, result)
    })
    .await
    {
        Ok(done) => done,
        // The work panicked and took the guard with it; the mutex is free again.
        Err(e) => (connection.lock_owned().await, Err(unavailable(e))),
    }
}

fn parameters(values: Vec<Value>) -> Result<Vec<SqliteValue>, StoreError> {
    values
        .into_iter()
        .map(|value| match value {
            Value::Null => Ok(SqliteValue::Null),
            Value::Int(n) => Ok(SqliteValue::Integer(n)),
            Value::Text(text) => Ok(SqliteValue::Text(text)),
            Value::Texts(_) => Err(unavailable("SQLite takes no list parameter")),
        })
        .collect()
}

fn column(value: ValueRef<'_>) -> Result<Value, StoreError> {
    match value {
        ValueRef::Null => Ok(Value::Null),
        ValueRef::Integer(n) => Ok(Value::Int(n)),
        ValueRef::Text(text) => std::str::from_utf8(text)
            .map(|text| Value::Text(text.to_owned()))
            .map_err(|e| StoreError::Corrupt(e.to_string())),
        other => Err(StoreError::Corrupt(format!(
            "unexpected {:?} column",
            other.data_type()
        ))),
    }
}

fn execute(c: &Connection, sql: &str, values: Vec<Value>) -> Result<u64, StoreError> {
    let values = parameters(values)?;
    let mut statement = c.prepare_cached(sql).map_err(unavailable)?;
    let changed = statement
        .execute(rusqlite::params_from_iter(values))
        .map_err(unavailable)?;
    Ok(changed as u64)
}

fn query(c: &Connection, sql: &str, values: Vec<Value>) -> Result<Vec<Row>, StoreError> {
    let values = parameters(values)?;
    let mut statement = c.prepare_cached(sql).map_err(unavailable)?;
    let width = statement.column_count();
    let mut rows = statement
        .query(rusqlite::params_from_iter(values))
        .map_err(unavailable)?;
    let mut read = Vec::new();
    while let Some(row) = rows.next().map_err(unavailable)? {
        let columns = (0..width)
            .map(|i| column(row.get_ref(i).map_err(unavailable)?))
            .collect::<Result<_, _>>()?;
        read.push(Row(columns));
    }
    Ok(read)
}

async fn run<T: Send + 'static>(
    connection: &Arc<Mutex<Connection>>,
    work: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    on(take(connection).await, work).await.1
}

#[async_trait]
impl Driver for SqliteDriver {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    async fn execute(&self, sql: &str, values: Vec<Value>) -> Result<u64, StoreError> {
        let sql = sql.to_owned();
        run(&self.writer, move |c| execute(c, &sql, values)).await
    }

    async fn query(&self, sql: &str, values: Vec<Value>) -> Result<Vec<Row>, StoreError> {
        let sql = sql.to_owned();
        run(&self.writer, move |c| query(c, &sql, values)).await
    }

    async fn read(&self, sql: &str, values: Vec<Value>) -> Result<Vec<Row>, StoreError> {
        let sql = sql.to_owned();
        run(&self.reader, move |c| query(c, &sql, values)).await
    }

    /// On the calling thread when the read connection is free: a lookup by key in WAL mode
    /// takes microseconds and never waits for an fsync, less than the hand-off to a blocking
    /// thread and back. Busy (another lookup, a long ops query), it goes the usual way.
    async fn lookup(&self, sql: &str, values: Vec<Value>) -> Result<Vec<Row>, StoreError> {
        match self.reader.try_lock() {
            Ok(guard) if guard.is_autocommit() => query(&guard, sql, values),
            _ => self.read(sql, values).await,
        }
    }

    /// The whole transaction in one trip to a blocking thread (one hand-off, one fsync).
    async fn transact(&self, steps: Vec<Step>) -> Result<Vec<u64>, StoreError> {
        run(&self.writer, move |c| {
            let tx = c.transaction().map_err(unavailable)?;
            let mut changed = Vec::with_capacity(steps.len());
            for step in steps {
                let rows = execute(&tx, step.sql, step.values)?;
                if rows == 0
                    && let Some(error) = step.unless_unchanged
                {
                    // Dropping `tx` rolls it back.
                    return Err(error);
                }
                changed.push(rows);
            }
            tx.commit().map_err(unavailable)?;
            Ok(changed)
        })
        .await
    }

    async fn begin(&self) -> Result<Box<dyn Transaction>, StoreError> {
        let guard = take(&self.writer).await;
        let (guard, begun) = on(guard, |c| c.execute_batch("BEGIN").map_err(unavailable)).await;
        begun?;
        Ok(Box::new(SqliteTransaction { guard: Some(guard) }))
    }
}

/// Holds the writer connection from `BEGIN` to `COMMIT`.
struct SqliteTransaction {
    /// `None` once committed, or while a statement runs on a blocking thread.
    guard: Option<OwnedMutexGuard<Connection>>,
}

impl SqliteTransaction {
    async fn step<T: Send + 'static>(
        &mut self,
        work: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let guard = self
            .guard
            .take()
            .ok_or_else(|| unavailable("the transaction is over"))?;
        let (guard, result) = on(guard, work).await;
        self.guard = Some(guard);
        result
    }
}

#[async_trait]
impl Transaction for SqliteTransaction {
    async fn execute(&mut self, sql: &str, values: Vec<Value>) -> Result<u64, StoreError> {
        let sql = sql.to_owned();
        self.step(move |c| execute(c, &sql, values)).await
    }

    async fn query(&mut self, sql: &str, values: Vec<Value>) -> Result<Vec<Row>, StoreError> {
        let sql = sql.to_owned();
        self.step(move |c| query(c, &sql, values)).await
    }

    async fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        let sql = sql.to_owned();
        self.step(move |c| c.execute_batch(&sql).map_err(unavailable))
            .await
    }

    async fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        self.step(|c| c.execute_batch("COMMIT").map_err(unavailable))
            .await?;
        self.guard = None;
        Ok(())
    }
}

impl Drop for SqliteTransaction {
    fn drop(&mut self) {
        // Rolled back on a blocking thread that keeps the connection until it is done, so the
        // next user finds it outside any transaction.
        if let Some(guard) = self.guard.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn_blocking(move || {
                if let Err(e) = guard.execute_batch("ROLLBACK") {
                    tracing::warn!(error = %e, "sqlite rollback failed");
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::store::driver::{Driver, Step, values};
    use crate::store::{Store, StoreError};
    use std::time::Duration;

    const REMEMBER: &str =
        "INSERT INTO received_deliveries (dedupe_key, received_at) VALUES (?1, 0)";
    const FORGET: &str = "DELETE FROM received_deliveries WHERE dedupe_key = ?1";
    const KEYS: &str = "SELECT dedupe_key FROM received_deliveries ORDER BY dedupe_key";

    async fn open(dir: &tempfile::TempDir) -> super::SqliteStore {
        super::SqliteStore::open(&dir.path().join("store.db"))
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_transaction_whose_required_change_fails_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir).await;
        let steps = vec![
            Step::new(REMEMBER, values!["a"]),
            Step::new(FORGET, values!["never there"])
                .must_change(StoreError::NotFound("never there".into())),
            Step::new(REMEMBER, values!["b"]),
        ];
        let refused = store.driver().transact(steps).await;
        assert!(
            matches!(refused, Err(StoreError::NotFound(_))),
            "{refused:?}"
        );
        let kept = store.driver().lookup(KEYS, vec![]).await.unwrap();
        assert!(kept.is_empty(), "the first step was rolled back: {kept:?}");

        let steps = vec![
            Step::new(REMEMBER, values!["a"]),
            Step::new(FORGET, values!["a"]).must_change(StoreError::NotFound("a".into())),
            Step::new(REMEMBER, values!["b"]),
        ];
        let changed = store.driver().transact(steps).await.unwrap();
        assert_eq!(changed, vec![1, 1, 1]);
        let kept = store.driver().lookup(KEYS, vec![]).await.unwrap();
        assert_eq!(kept.len(), 1, "only b is left: {kept:?}");
        store.check().await.expect("the writer is free again");
    }

    #[tokio::test]
    async fn lookups_see_commits_and_not_open_writes() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir).await;
        let mut writing = store.driver().begin().await.unwrap();
        writing.execute(REMEMBER, values!["k"]).await.unwrap();
        let during = store.driver().lookup(KEYS, vec![]).await.unwrap();
        assert!(during.is_empty(), "nothing uncommitted is seen");
        writing.commit().await.unwrap();
        let after = store.driver().lookup(KEYS, vec![]).await.unwrap();
        assert_eq!(after.len(), 1, "the commit is seen at once");
    }

    #[tokio::test]
    async fn reads_do_not_wait_behind_an_open_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = super::SqliteStore::open(&dir.path().join("store.db"))
            .await
            .unwrap();
        let mut writing = store.driver().begin().await.unwrap();
        let remember = "INSERT INTO received_deliveries (dedupe_key, received_at) VALUES (?1, 0)";
        writing.execute(remember, values!["k"]).await.unwrap();
        let lookup = "SELECT dedupe_key FROM received_deliveries";
        let seen = tokio::time::timeout(
            Duration::from_secs(2),
            store.driver().read(lookup, Vec::new()),
        )
        .await
        .expect("the read went ahead of the open write")
        .unwrap();
        assert!(seen.is_empty(), "nothing uncommitted is seen");
        let behind = tokio::time::timeout(Duration::from_millis(200), store.check()).await;
        assert!(
            behind.is_err(),
            "a writer statement waits for the open write"
        );
        writing.commit().await.unwrap();
        let seen = store.driver().read(lookup, Vec::new()).await.unwrap();
        assert_eq!(seen.len(), 1, "the committed write is seen");
    }
}
