//! The PostgreSQL store, for production.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres};

use super::sql::sql;
use super::*;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Serialises the transactions that append to `report_events`: a `bigserial`
/// is handed out before commit, so without it a reader could see seq 11
/// committed while seq 10 is still in flight and move its cursor past 10.
const EVENTS_LOCK: i64 = 0x0007_2006_ca5a;

#[derive(Debug, Clone)]
pub struct PgStore {
    /// The same pool under the names the SQLite store gives its two, so
    /// that one body (see `sql.rs`) serves both.
    pub(super) write: PgPool,
    pub(super) read: PgPool,
}

impl PgStore {
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(10)).connect_with(options).await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { read: pool.clone(), write: pool })
    }

    /// Signatures on other petitions hold other petitions' locks: the
    /// person's row and the phone's advisory lock, taken first (always in this
    /// order, before the petition's), make concurrent signatures of one
    /// person or phone count one after the other.
    pub(super) async fn lock_signer(tx: &mut sqlx::Transaction<'_, Postgres>, s: &SignatureRecord) -> StoreResult<()> {
        sql!("SELECT 1 FROM citizens WHERE id = $1 FOR UPDATE", s.citizen_id).execute(&mut **tx).await?;
        sql!("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))", s.device_id.to_string()).execute(&mut **tx).await?;
        Ok(())
    }

    pub(super) async fn lock_events(tx: &mut sqlx::Transaction<'_, Postgres>) -> StoreResult<()> {
        sql!("SELECT pg_advisory_xact_lock($1)", EVENTS_LOCK).execute(&mut **tx).await?;
        Ok(())
    }
}

#[async_trait]
impl Store for PgStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.write).await?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }
}
