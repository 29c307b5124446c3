//! The embedded SQLite store: one writer connection (SQLite serialises writers
//! anyway; queueing them in the pool avoids busy-retry storms) and a pool of
//! readers, in WAL mode.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool};

use super::*;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(super) write: SqlitePool,
    pub(super) read: SqlitePool,
}

impl SqliteStore {
    /// PostgreSQL serialises appends to `report_events` with a lock; here
    /// the single writer already does.
    pub(super) async fn lock_events(_tx: &mut sqlx::Transaction<'_, Sqlite>) -> StoreResult<()> {
        Ok(())
    }

    /// PostgreSQL locks the signer's person and phone across petitions; the
    /// single writer serialises signatures here.
    pub(super) async fn lock_signer(_tx: &mut sqlx::Transaction<'_, Sqlite>, _s: &SignatureRecord) -> StoreResult<()> {
        Ok(())
    }

    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // WAL + NORMAL is durable across application crashes; only a power
            // cut may lose the last transactions, never corrupt the file.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            .pragma("cache_size", "-32000");
        let write = SqlitePoolOptions::new().max_connections(1).connect_with(options.clone()).await?;
        MIGRATOR.run(&write).await?;
        let read = SqlitePoolOptions::new().max_connections(8).connect_with(options.read_only(true)).await?;
        Ok(Self { write, read })
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }
}
