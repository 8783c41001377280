//! The seam between the store's logic and a database: statements with `?N` placeholders run
//! with plain values, rows come back as plain values, and a dialect names what differs.

use super::StoreError;
use async_trait::async_trait;

/// A parameter or a column value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    /// A list bound as one parameter (PostgreSQL's arrays; see [`Dialect::any_of`]).
    Texts(Vec<String>),
}

impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Value::Int(value)
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Value::Text(value.to_owned())
    }
}

impl From<String> for Value {
    fn from(value: String) -> Self {
        Value::Text(value)
    }
}

impl From<&String> for Value {
    fn from(value: &String) -> Self {
        Value::Text(value.clone())
    }
}

impl From<Option<String>> for Value {
    fn from(value: Option<String>) -> Self {
        value.map_or(Value::Null, Value::Text)
    }
}

/// Builds a parameter list: `values![a, b, c]`.
macro_rules! values {
    ($($value:expr),* $(,)?) => {
        vec![$($crate::store::driver::Value::from($value)),*]
    };
}
pub(crate) use values;

/// One result row, its columns in the statement's order.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(pub Vec<Value>);

impl Row {
    fn column(&self, index: usize) -> Result<&Value, StoreError> {
        self.0
            .get(index)
            .ok_or_else(|| StoreError::Corrupt(format!("no column {index}")))
    }

    pub fn int(&self, index: usize) -> Result<i64, StoreError> {
        match self.column(index)? {
            Value::Int(value) => Ok(*value),
            other => Err(StoreError::Corrupt(format!("column {index}: {other:?}"))),
        }
    }

    pub fn optional_int(&self, index: usize) -> Result<Option<i64>, StoreError> {
        match self.column(index)? {
            Value::Null => Ok(None),
            _ => self.int(index).map(Some),
        }
    }

    pub fn text(&self, index: usize) -> Result<String, StoreError> {
        self.optional_text(index)?
            .ok_or_else(|| StoreError::Corrupt(format!("column {index} is null")))
    }

    pub fn optional_text(&self, index: usize) -> Result<Option<String>, StoreError> {
        match self.column(index)? {
            Value::Null => Ok(None),
            Value::Text(value) => Ok(Some(value.clone())),
            other => Err(StoreError::Corrupt(format!("column {index}: {other:?}"))),
        }
    }
}

/// The connection handling of one database.
#[async_trait]
pub trait Driver: Send + Sync + 'static {
    fn dialect(&self) -> Dialect;

    /// Runs a statement; the number of rows it changed.
    async fn execute(&self, sql: &str, values: Vec<Value>) -> Result<u64, StoreError>;

    /// Runs a statement; the rows it returned.
    async fn query(&self, sql: &str, values: Vec<Value>) -> Result<Vec<Row>, StoreError>;

    /// A read that must not wait behind a write in progress (ingress's lookups).
    async fn read(&self, sql: &str, values: Vec<Value>) -> Result<Vec<Row>, StoreError> {
        self.query(sql, values).await
    }

    /// A point read on a worker's path (by key, a row or none): SQLite answers it on the
    /// calling thread when its read connection is free, sparing a hand-off to a blocking thread.
    async fn lookup(&self, sql: &str, values: Vec<Value>) -> Result<Vec<Row>, StoreError> {
        self.read(sql, values).await
    }

    async fn begin(&self) -> Result<Box<dyn Transaction>, StoreError>;

    /// Runs `steps` in one transaction: every one commits, or none (the first failing step,
    /// or a required change that did not happen, rolls back). The rows each step changed.
    async fn transact(&self, steps: Vec<Step>) -> Result<Vec<u64>, StoreError> {
        let mut tx = self.begin().await?;
        let mut changed = Vec::with_capacity(steps.len());
        for step in steps {
            let rows = tx.execute(step.sql, step.values).await?;
            if rows == 0
                && let Some(error) = step.unless_unchanged
            {
                // Dropped without commit: rolled back.
                return Err(error);
            }
            changed.push(rows);
        }
        tx.commit().await?;
        Ok(changed)
    }
}

/// One statement of [`Driver::transact`].
#[derive(Debug)]
pub struct Step {
    pub sql: &'static str,
    pub values: Vec<Value>,
    /// When set and the statement changes no row, the transaction rolls back with this error.
    pub unless_unchanged: Option<StoreError>,
}

impl Step {
    pub fn new(sql: &'static str, values: Vec<Value>) -> Self {
        Self {
            sql,
            values,
            unless_unchanged: None,
        }
    }

    /// The transaction goes no further unless this statement changes a row.
    pub fn must_change(mut self, otherwise: StoreError) -> Self {
        self.unless_unchanged = Some(otherwise);
        self
    }
}

/// Statements that commit together or not at all; dropped without `commit`, it rolls back.
#[async_trait]
pub trait Transaction: Send {
    async fn execute(&mut self, sql: &str, values: Vec<Value>) -> Result<u64, StoreError>;

    async fn query(&mut self, sql: &str, values: Vec<Value>) -> Result<Vec<Row>, StoreError>;

    /// Several statements without parameters (schema changes).
    async fn batch(&mut self, sql: &str) -> Result<(), StoreError>;

    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}

/// What the SQL of the two databases does not share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// Serialises migrations between PostgreSQL instances starting at once (0x74616e64656d, "tandem").
const MIGRATION_LOCK: &str = "SELECT pg_advisory_xact_lock(127961812723053)";

impl Dialect {
    /// `sqlite` or `postgres`, for metrics and logs.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        }
    }

    /// The text of a statement as this database takes it (statements are written with `?N`).
    pub fn placeholders(self, sql: &str) -> std::borrow::Cow<'_, str> {
        match self {
            Dialect::Sqlite => sql.into(),
            Dialect::Postgres => for_postgres(sql).into(),
        }
    }

    /// `column` equal to one of `values`, as one condition and its parameters from `?1`:
    /// PostgreSQL binds the list as one array (one statement text whatever the count).
    pub fn any_of(self, column: &str, values: &[String]) -> (String, Vec<Value>) {
        match self {
            Dialect::Postgres => (
                format!("{column} = ANY(?1)"),
                vec![Value::Texts(values.to_vec())],
            ),
            Dialect::Sqlite => {
                let marks: Vec<String> = (1..=values.len()).map(|n| format!("?{n}")).collect();
                (
                    format!("{column} IN ({})", marks.join(", ")),
                    values.iter().map(Value::from).collect(),
                )
            }
        }
    }

    /// Appended to a `SELECT` inside a transaction so that two takers cannot both decide on
    /// the row they read (SQLite's single writer connection already serialises them).
    pub fn lock_rows(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE",
        }
    }

    /// The statement that makes concurrent migrations wait for each other, if needed.
    pub fn migration_lock(self) -> Option<&'static str> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some(MIGRATION_LOCK),
        }
    }

    /// Picks this database's version of a DDL text.
    pub fn ddl<'a>(self, sqlite: &'a str, postgres: &'a str) -> &'a str {
        match self {
            Dialect::Sqlite => sqlite,
            Dialect::Postgres => postgres,
        }
    }
}

/// `?N` → `$N`.
fn for_postgres(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(|next| next.is_ascii_digit()) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_rewritten_for_postgres() {
        assert_eq!(
            Dialect::Postgres.placeholders("SELECT a FROM t WHERE b = ?1 AND c = ?12 AND d = '?'"),
            "SELECT a FROM t WHERE b = $1 AND c = $12 AND d = '?'"
        );
        assert_eq!(Dialect::Sqlite.placeholders("b = ?1"), "b = ?1");
    }

    #[test]
    fn a_list_is_one_array_for_postgres_and_one_placeholder_each_for_sqlite() {
        let keys = ["a".to_owned(), "b".to_owned()];
        let (condition, values) = Dialect::Sqlite.any_of("k", &keys);
        assert_eq!(condition, "k IN (?1, ?2)");
        assert_eq!(values, values!["a", "b"]);
        let (condition, values) = Dialect::Postgres.any_of("k", &keys);
        assert_eq!(condition, "k = ANY(?1)");
        assert_eq!(values, vec![Value::Texts(keys.to_vec())]);
    }
}
