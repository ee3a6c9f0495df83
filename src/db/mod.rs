//! The SQLite state database (WAL): jobs, the base tree of each job, runs and their per-file
//! results, pending conflicts and resumable transfers. Passwords are never stored here.
//!
//! Queries are checked at run time (no `DATABASE_URL` at build time); each submodule owns the
//! queries of one table.

pub mod conflicts;
pub mod first_sync;
pub mod history;
pub mod jobs;
pub mod live;
pub mod local_folders;
pub mod state;
pub mod trash;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("state database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("state database migration failed: {0}; is the data folder from a newer AnemoneSync?")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Invalid(String),
}

pub type DbResult<T> = Result<T, DbError>;

#[derive(Clone)]
pub struct Db {
    pub(crate) pool: SqlitePool,
}

impl Db {
    /// Opens (creating if needed) `anemone.db` in `data_dir` and brings its schema up to date.
    pub async fn open(data_dir: &Path) -> DbResult<Db> {
        crate::private::dir(data_dir).map_err(|e| {
            DbError::Invalid(format!(
                "cannot create the data folder {}: {e}; pass --data-dir or set ANEMONE_SYNC_HOME",
                data_dir.display()
            ))
        })?;
        // Owner-only before SQLite opens it: its WAL and shared-memory files take the
        // database file's mode. Files of older installs are narrowed here too.
        let file = data_dir.join("anemone.db");
        let private = |p: &Path, create: bool| {
            crate::private::file(p, create)
                .map_err(|e| DbError::Invalid(format!("cannot make {} private: {e}", p.display())))
        };
        private(&file, true)?;
        for side in ["anemone.db-wal", "anemone.db-shm"] {
            private(&data_dir.join(side), false)?;
        }
        let opts = SqliteConnectOptions::from_str("sqlite:")?
            .filename(file)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // NORMAL in WAL mode: a crash never corrupts the database; a power cut may lose the
            // last commits, which the next run redoes (the files themselves are safe).
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30))
            .row_buffer_size(4096);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Db { pool })
    }
}

pub fn now_ms() -> i64 {
    crate::fsmeta::system_time_ns(std::time::SystemTime::now()) / 1_000_000
}
