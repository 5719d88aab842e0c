//! The database handle and the portable execution layer.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{
    Arguments, ConnectOptions, Database, Encode, FromRow, Postgres, Sqlite, Transaction, Type,
};

use crate::error::{Error, Result};

mod exec;

use exec::TxInner;
pub use exec::*;

/// A value bound to a `$N` placeholder. NULLs carry their type because PostgreSQL wants to know.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Int(i64),
    Bool(bool),
    NullText,
    NullInt,
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        v.map_or(Value::NullText, Value::Text)
    }
}
impl From<Option<&str>> for Value {
    fn from(v: Option<&str>) -> Self {
        v.map_or(Value::NullText, |s| Value::Text(s.to_string()))
    }
}
impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Value::NullInt, Value::Int)
    }
}

/// A row type readable from both backends (what `#[derive(sqlx::FromRow)]` gives).
pub trait Record:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> Record for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// How to open the database.
#[derive(Clone)]
pub struct DbOptions {
    /// `sqlite://path/to/kefu.db` or `postgres://user@host/db`.
    pub url: String,
    /// SQLite: `synchronous=FULL` (every acknowledged write survives power loss) unless the
    /// admin opts into NORMAL (survives a process crash, may lose the last commits on power loss).
    pub sqlite_synchronous_full: bool,
    /// Pool size: PostgreSQL connections, or SQLite reader connections.
    pub max_connections: u32,
    /// PostgreSQL: the schema to work in (tests give each run its own).
    pub pg_schema: Option<String>,
}

impl std::fmt::Debug for DbOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbOptions")
            .field("url", &redact_url(&self.url))
            .field("sqlite_synchronous_full", &self.sqlite_synchronous_full)
            .field("max_connections", &self.max_connections)
            .field("pg_schema", &self.pg_schema)
            .finish()
    }
}

/// Hides the password in `scheme://user:password@host/...` for logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl DbOptions {
    pub fn new(url: impl Into<String>) -> Self {
        DbOptions {
            url: url.into(),
            sqlite_synchronous_full: true,
            max_connections: 8,
            pg_schema: None,
        }
    }
}

enum Pools {
    /// One writer connection (SQLite allows one writer at a time; queueing in the pool is
    /// cheaper than busy-waiting in the library) and a pool of readers, which WAL lets run
    /// beside the writer.
    Sqlite {
        writer: SqlitePool,
        reader: SqlitePool,
    },
    Postgres(PgPool),
}

/// The database. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    pools: Arc<Pools>,
    /// The PostgreSQL notification channel of this deployment (per schema, so test schemas
    /// sharing one database do not hear each other).
    channel: Arc<str>,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// How often the background checkpoint runs, and the log size (pages) from which it also
/// truncates the log file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);
const CHECKPOINT_TRUNCATE_PAGES: i64 = 16_384;

/// Warns when a step that others wait for (a commit, a checkpoint) took long: the first thing
/// to look at when chat latency has spikes (docs/benchmarks.md).
pub fn slow(what: &str, started: std::time::Instant) {
    let took = started.elapsed();
    if took >= SLOW_STEP {
        tracing::warn!(took_ms = took.as_millis() as u64, "{what} was slow");
    }
}

const SLOW_STEP: Duration = Duration::from_millis(50);

/// Moves committed pages from SQLite's write-ahead log into the database file, on a connection
/// of its own, until the writer's pool closes. `PASSIVE` never waits for the writer or readers.
/// `TRUNCATE` shrinks a large log only once nothing was written for a whole interval: it stops
/// the writer while it runs, which measured 50-400 ms (and once 3 s) in the middle of chat
/// traffic (docs/benchmarks.md, L1).
async fn checkpoint(mut conn: sqlx::SqliteConnection, writer: SqlitePool) {
    let mut ticker = tokio::time::interval(CHECKPOINT_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut previous_log = -1;
    loop {
        ticker.tick().await;
        if writer.is_closed() {
            break;
        }
        let started = std::time::Instant::now();
        let r: std::result::Result<(i64, i64, i64), sqlx::Error> =
            sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
                .fetch_one(&mut conn)
                .await;
        slow("checkpoint (passive)", started);
        let quiet = matches!(r, Ok((_, log, _)) if log == previous_log);
        if let Ok((_, log, _)) = r {
            previous_log = log;
        }
        match r {
            Ok((0, log, done)) if quiet && log >= CHECKPOINT_TRUNCATE_PAGES && done == log => {
                let started = std::time::Instant::now();
                let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(&mut conn)
                    .await;
                slow("checkpoint (truncate)", started);
            }
            Ok(_) => {}
            Err(e) => tracing::debug!(error = %e, "checkpoint failed"),
        }
    }
    let _ = sqlx::Connection::close(conn).await;
}

impl Db {
    /// Opens the database named by `options.url`, creating a SQLite file if it is missing.
    pub async fn connect(options: &DbOptions) -> Result<Db> {
        let url = options.url.as_str();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let mut connect = PgConnectOptions::from_str(url)
                .map_err(|e| Error::Config(format!("database.url: {e}")))?;
            if let Some(schema) = &options.pg_schema {
                connect = connect.options([("search_path", schema.as_str())]);
            }
            let pool = PgPoolOptions::new()
                .max_connections(options.max_connections.max(1))
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(connect)
                .await?;
            let schema: String = options
                .pg_schema
                .as_deref()
                .unwrap_or("public")
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            Ok(Db {
                pools: Arc::new(Pools::Postgres(pool)),
                channel: format!("kefu_events_{schema}").into(),
            })
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            Self::open_sqlite(Path::new(path), options).await
        } else {
            Err(Error::Config(format!(
                "database.url must start with sqlite:// or postgres://, not {:?}",
                redact_url(url)
            )))
        }
    }

    async fn open_sqlite(path: &Path, options: &DbOptions) -> Result<Db> {
        let sync = if options.sqlite_synchronous_full {
            SqliteSynchronous::Full
        } else {
            SqliteSynchronous::Normal
        };
        let base = SqliteConnectOptions::new()
            .filename(path)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(sync)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            .pragma("temp_store", "memory");
        // The writer never checkpoints: a checkpoint copies the log into the database file and
        // syncs it, which took tens of milliseconds inside whichever commit crossed the
        // threshold. A connection of its own does it in the background instead, beside the
        // writer (docs/benchmarks.md, L1).
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .connect_with(
                base.clone()
                    .create_if_missing(true)
                    .pragma("wal_autocheckpoint", "0")
                    // When the log starts over after a complete checkpoint, a file grown past
                    // this is cut back to it: the log stays bounded without `TRUNCATE`
                    // checkpoints, which stop the writer while they run.
                    .pragma(
                        "journal_size_limit",
                        (CHECKPOINT_TRUNCATE_PAGES * 4096).to_string(),
                    ),
            )
            .await?;
        let checkpointer = base.clone().connect().await?;
        tokio::spawn(checkpoint(checkpointer, writer.clone()));
        let reader = SqlitePoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .connect_with(base.read_only(true))
            .await?;
        Ok(Db {
            pools: Arc::new(Pools::Sqlite { writer, reader }),
            channel: "".into(),
        })
    }

    /// The PostgreSQL pool, for the notification listener; `None` on SQLite.
    pub fn pg_pool(&self) -> Option<PgPool> {
        match &*self.pools {
            Pools::Postgres(p) => Some(p.clone()),
            Pools::Sqlite { .. } => None,
        }
    }

    /// The channel on which instances announce events to each other.
    pub fn events_channel(&self) -> &str {
        &self.channel
    }

    /// Announces `payload` to every instance now (PostgreSQL; nothing to do on SQLite, where
    /// one instance holds the database).
    pub async fn notify(&self, payload: &str) -> Result<()> {
        if self.backend() == Backend::Postgres {
            crate::Exec::execute(
                self,
                "SELECT pg_notify($1, $2)",
                vec![Value::from(&*self.channel), Value::from(payload)],
            )
            .await?;
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match &*self.pools {
            Pools::Sqlite { .. } => Backend::Sqlite,
            Pools::Postgres(_) => Backend::Postgres,
        }
    }

    /// The most connections the (writer) pool opens.
    pub fn max_connections(&self) -> usize {
        match &*self.pools {
            Pools::Sqlite { writer, .. } => writer.options().get_max_connections() as usize,
            Pools::Postgres(p) => p.options().get_max_connections() as usize,
        }
    }

    /// Applies the embedded migrations that have not run yet. Safe to call from several
    /// instances at once (PostgreSQL takes an advisory lock).
    pub async fn migrate(&self) -> Result<()> {
        match &*self.pools {
            Pools::Sqlite { writer, .. } => SQLITE_MIGRATIONS.run(writer).await?,
            Pools::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// The newest migration version compiled into this binary.
    pub fn latest_migration() -> i64 {
        SQLITE_MIGRATIONS
            .iter()
            .map(|m| m.version)
            .max()
            .unwrap_or(0)
    }

    /// Starts a write transaction. On SQLite it is `BEGIN IMMEDIATE`, so a transaction that
    /// reads before it writes can never fail to upgrade its lock.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match &*self.pools {
            Pools::Sqlite { writer, .. } => {
                let t = match writer.begin_with("BEGIN IMMEDIATE").await {
                    // Some failures (a full disk) make SQLite roll the transaction back by
                    // itself; sqlx's own rollback then fails and it keeps counting the
                    // transaction as open, so this connection would refuse every later BEGIN.
                    // The one writer connection is closed and a fresh one opened.
                    Err(sqlx::Error::InvalidSavePointStatement) => {
                        tracing::warn!(
                            "the database writer was left inside a failed transaction; reopening it"
                        );
                        if let Ok(conn) = writer.acquire().await {
                            let _ = conn.close().await;
                        }
                        writer.begin_with("BEGIN IMMEDIATE").await?
                    }
                    r => r?,
                };
                Tx {
                    inner: TxInner::Sqlite(t),
                    changes: Vec::new(),
                    notes: None,
                }
            }
            Pools::Postgres(pool) => Tx {
                inner: TxInner::Postgres(pool.begin().await?),
                changes: Vec::new(),
                notes: None,
            },
        })
    }

    /// A round trip to the database, for health checks.
    pub async fn ping(&self) -> Result<()> {
        let _: (i64,) = self.fetch_one("SELECT CAST(1 AS BIGINT)", vec![]).await?;
        Ok(())
    }

    pub async fn close(&self) {
        match &*self.pools {
            Pools::Sqlite { writer, reader } => {
                reader.close().await;
                writer.close().await;
            }
            Pools::Postgres(pool) => pool.close().await,
        }
    }

    /// Tables and their columns, sorted: what the schema-equality test compares.
    pub async fn schema_columns(&self) -> Result<Vec<(String, String)>> {
        let sql = match self.backend() {
            Backend::Sqlite => {
                "SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%' \
                 ORDER BY 1, 2"
            }
            Backend::Postgres => {
                "SELECT table_name::TEXT AS t, column_name::TEXT AS c FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%' ORDER BY 1, 2"
            }
        };
        self.fetch_all::<(String, String)>(sql, vec![]).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://kefu:hunter2@db/kefu"),
            "postgres://kefu:***@db/kefu"
        );
        assert_eq!(
            redact_url("postgres://kefu@db/kefu"),
            "postgres://kefu@db/kefu"
        );
        assert_eq!(
            redact_url("sqlite://kefu-data/kefu.db"),
            "sqlite://kefu-data/kefu.db"
        );
    }
}

/// The domain's named sets bind as their stored names.
macro_rules! named_values {
    ($($t:ty),+) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Value::Text(v.as_str().to_string())
            }
        }
        impl From<&$t> for Value {
            fn from(v: &$t) -> Self {
                Value::Text(v.as_str().to_string())
            }
        }
    )+};
}
named_values!(
    kefu_core::conversation::Status,
    kefu_core::Role,
    kefu_core::kinds::Stage,
    kefu_core::kinds::Priority,
    kefu_core::kinds::MessageKind,
    kefu_core::kinds::Channel,
    kefu_core::kinds::CaseKind,
    kefu_core::kinds::CaseStatus
);
