//! The database: SQLite (embedded default) or PostgreSQL (scale-out), behind one handle.
//!
//! Queries are written once, with `$1`-style parameters that both engines understand, and
//! compiled against each native driver by the [`on_pool!`], [`on_writer!`] and [`on_tx!`]
//! macros. Times are stored as UTC milliseconds (BIGINT) so values compare the same way on
//! both engines. SQLite gets a single writer connection (writes are serialised by SQLite
//! anyway; one connection means no `SQLITE_BUSY` upgrades) and a pool of readers.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Postgres, Sqlite};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// Which engine a [`Db`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

/// A handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite {
        reader: sqlx::SqlitePool,
        writer: sqlx::SqlitePool,
    },
    Postgres(sqlx::PgPool),
}

/// An open write transaction on either engine.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

/// Why the database could not be opened or migrated.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("DATABASE_URL is not a valid database address: {0}")]
    BadUrl(String),
    #[error("could not connect to the database: {0}")]
    Connect(String),
    #[error("database migration failed: {0}")]
    Migrate(String),
    #[error("could not create the data directory {0}: {1}")]
    DataDir(String, String),
}

/// Runs `$body` with `$p` bound to the read pool of whichever engine `$db` is.
#[macro_export]
macro_rules! on_pool {
    ($db:expr, |$p:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite { reader: $p, .. } => $body,
            $crate::db::Db::Postgres($p) => $body,
        }
    };
}

/// Runs `$body` with `$p` bound to the pool that writes (SQLite's single writer).
#[macro_export]
macro_rules! on_writer {
    ($db:expr, |$p:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite { writer: $p, .. } => $body,
            $crate::db::Db::Postgres($p) => $body,
        }
    };
}

/// Runs `$body` with `$c` bound to the transaction's connection.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, |$c:ident| $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::db::Tx::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

impl Db {
    /// Opens the database named by `url`, or the embedded SQLite file in `data_dir`.
    pub async fn connect(url: Option<&str>, data_dir: &Path) -> Result<Db, DbError> {
        match url {
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
                Self::connect_postgres(u, 32).await
            }
            Some(u) if u.starts_with("sqlite:") => {
                let opts = SqliteConnectOptions::from_str(u)
                    .map_err(|e| DbError::BadUrl(e.to_string()))?;
                Self::connect_sqlite(opts).await
            }
            Some(u) => Err(DbError::BadUrl(format!(
                "{:?} (expected postgres://user@host/db or sqlite:path)",
                redact(u)
            ))),
            None => {
                std::fs::create_dir_all(data_dir)
                    .map_err(|e| DbError::DataDir(data_dir.display().to_string(), e.to_string()))?;
                let opts = SqliteConnectOptions::new().filename(data_dir.join("evently.db"));
                Self::connect_sqlite(opts).await
            }
        }
    }

    /// Opens PostgreSQL with a pool of at most `max` connections.
    pub async fn connect_postgres(url: &str, max: u32) -> Result<Db, DbError> {
        let opts = PgConnectOptions::from_str(url)
            .map_err(|e| DbError::BadUrl(format!("{} ({e})", redact(url))))?
            .log_slow_statements(tracing::log::LevelFilter::Off, Duration::from_secs(5))
            // JIT compilation costs more than it saves on short OLTP queries.
            .options([("jit", "off")]);
        let pool = PgPoolOptions::new()
            .max_connections(max)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await
            .map_err(|e| DbError::Connect(describe_connect_error(&e)))?;
        Ok(Db::Postgres(pool))
    }

    /// Opens SQLite in WAL mode with one writer and several readers.
    pub async fn connect_sqlite(opts: SqliteConnectOptions) -> Result<Db, DbError> {
        let opts = opts
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-32000")
            .log_slow_statements(tracing::log::LevelFilter::Off, Duration::from_secs(5));
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.clone())
            .await
            .map_err(|e| DbError::Connect(describe_connect_error(&e)))?;
        let reader = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.read_only(true))
            .await;
        // A brand-new file cannot be opened read-only before the writer has created it,
        // which it has by now; retry once for safety.
        let reader = match reader {
            Ok(r) => r,
            Err(e) => return Err(DbError::Connect(describe_connect_error(&e))),
        };
        Ok(Db::Sqlite { reader, writer })
    }

    pub fn engine(&self) -> Engine {
        match self {
            Db::Sqlite { .. } => Engine::Sqlite,
            Db::Postgres(_) => Engine::Postgres,
        }
    }

    /// Applies the migrations for this engine. Fails loudly on a broken or edited migration.
    pub async fn migrate(&self) -> Result<(), DbError> {
        match self {
            Db::Sqlite { writer, .. } => sqlx::migrate!("./migrations/sqlite")
                .run(writer)
                .await
                .map_err(|e| DbError::Migrate(e.to_string())),
            Db::Postgres(pool) => sqlx::migrate!("./migrations/postgres")
                .run(pool)
                .await
                .map_err(|e| DbError::Migrate(e.to_string())),
        }
    }

    /// Starts a write transaction. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`), so a transaction never fails half-way on a lock upgrade.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        match self {
            Db::Sqlite { writer, .. } => {
                Ok(Tx::Sqlite(writer.begin_with("BEGIN IMMEDIATE").await?))
            }
            Db::Postgres(pool) => Ok(Tx::Postgres(pool.begin().await?)),
        }
    }

    /// A cheap round trip, for health checks.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        on_pool!(self, |p| sqlx::query("SELECT 1")
            .execute(p)
            .await
            .map(|_| ()))
    }

    /// Closes every connection (graceful shutdown).
    pub async fn close(&self) {
        match self {
            Db::Sqlite { reader, writer } => {
                reader.close().await;
                writer.close().await;
            }
            Db::Postgres(p) => p.close().await,
        }
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
        }
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(t) => t.rollback().await,
            Tx::Postgres(t) => t.rollback().await,
        }
    }

    pub fn engine(&self) -> Engine {
        match self {
            Tx::Sqlite(_) => Engine::Sqlite,
            Tx::Postgres(_) => Engine::Postgres,
        }
    }
}

/// Hides the password in a database URL before it is printed.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s + 3 => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

fn describe_connect_error(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Io(io) => format!("{io} (is the database server running and reachable?)"),
        sqlx::Error::PoolTimedOut => {
            "timed out waiting for a connection (is the database reachable?)".to_string()
        }
        other => other.to_string(),
    }
}

/// True when `e` is a unique-constraint violation.
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// True when `e` is a CHECK-constraint violation.
pub fn is_check_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_check_violation())
}

/// Logs a failed statement with its full cause. The error types of the features call this
/// and answer the client with a plain "internal error": database text never leaves the log.
pub(crate) fn log_failure(context: &str, e: &sqlx::Error) {
    tracing::error!(error = %e, error.debug = ?e, "{context}");
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact("postgres://h/db"), "postgres://h/db");
    }
}
