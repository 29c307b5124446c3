//! The embedded SQLite store: one writer connection (SQLite serialises writers
//! anyway; queueing them in the pool avoids busy-retry storms) and a pool of
//! readers, in WAL mode.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};
use uuid::Uuid;

use super::*;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Rows per multi-row insert: 21 parameters each stays far below SQLite's
/// 32,766-parameter limit.
const INSERT_CHUNK: usize = 500;

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(super) write: SqlitePool,
    pub(super) read: SqlitePool,
}

pub(super) fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
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

pub(super) use super::reports::sqlite::{report_from_row, REPORT_COLUMNS};

impl SqliteStore {
    pub(super) async fn ingest_batch(&self, reports: &[RoutedReport]) -> StoreResult<Vec<Ingested>> {
        if reports.is_empty() {
            return Ok(Vec::new());
        }
        let fingerprints: Vec<String> = reports.iter().map(|r| r.report.fingerprint()).collect();
        let photos = reports.iter().map(|r| serde_json::to_string(&r.report.photos).map_err(corrupt)).collect::<StoreResult<Vec<_>>>()?;
        let mut tx = self.write.begin().await?;
        // A few statements per batch rather than per report: each statement is
        // a round trip to SQLite's worker thread.
        let mut inserted: Vec<Uuid> = Vec::with_capacity(reports.len());
        for (chunk, offset) in reports.chunks(INSERT_CHUNK).zip((0..).step_by(INSERT_CHUNK)) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
                "INSERT INTO reports (id, device_id, source, api_key_id, comune, category, department, description, lat, lon, \
                 accuracy_m, address, captured_at, received_at, updated_at, photos, media_url, routing_method, routing_distance_m, \
                 fingerprint, status) ",
            );
            q.push_values(chunk.iter().enumerate(), |mut row, (i, r)| {
                let n = &r.report;
                let at = micros(r.received_at);
                row.push_bind(n.id.as_uuid())
                    .push_bind(r.device_id.map(|d| d.as_uuid()))
                    .push_bind(r.source.as_str())
                    .push_bind(r.api_key_id)
                    .push_bind(r.comune.as_str().to_owned())
                    .push_bind(n.category.as_str().to_owned())
                    .push_bind(r.department.clone())
                    .push_bind(n.description.as_str().to_owned())
                    .push_bind(n.location.lat())
                    .push_bind(n.location.lon())
                    .push_bind(n.location.accuracy_m())
                    .push_bind(r.address.clone())
                    .push_bind(micros(n.captured_at))
                    .push_bind(at)
                    .push_bind(at)
                    .push_bind(photos[offset + i].clone())
                    .push_bind(r.media_url.clone())
                    .push_bind(r.routing_method)
                    .push_bind(r.routing_distance_m)
                    .push_bind(fingerprints[offset + i].clone())
                    .push("'in_moderation'");
            });
            q.push(" ON CONFLICT (id) DO NOTHING RETURNING id");
            let ids: Vec<Uuid> = q.build_query_scalar().fetch_all(&mut *tx).await?;
            inserted.extend(ids);
        }
        let fresh: std::collections::HashSet<Uuid> = inserted.iter().copied().collect();
        for chunk in inserted.chunks(INSERT_CHUNK * 10) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
                "INSERT INTO report_events (report_id, device_id, status, actor, at) \
                 SELECT id, device_id, 'in_moderation', 'system', received_at FROM reports WHERE id IN (",
            );
            let mut sep = q.separated(", ");
            for id in chunk {
                sep.push_bind(*id);
            }
            q.push(") ORDER BY rowid");
            q.build().execute(&mut *tx).await?;
        }
        let rest: Vec<Uuid> = reports.iter().map(|r| r.report.id.as_uuid()).filter(|id| !fresh.contains(id)).collect();
        let mut existing = std::collections::HashMap::new();
        for chunk in rest.chunks(INSERT_CHUNK * 10) {
            let mut q: QueryBuilder<Sqlite> =
                QueryBuilder::new("SELECT id, comune, department, routing_method, fingerprint FROM reports WHERE id IN (");
            let mut sep = q.separated(", ");
            for id in chunk {
                sep.push_bind(*id);
            }
            q.push(")");
            for row in q.build().fetch_all(&mut *tx).await? {
                let id: Uuid = row.try_get("id")?;
                let kept = (
                    parse_istat(row.try_get("comune")?)?,
                    row.try_get::<String, _>("department")?,
                    row.try_get::<String, _>("routing_method")?,
                    row.try_get::<String, _>("fingerprint")?,
                );
                existing.insert(id, kept);
            }
        }
        tx.commit().await?;
        Ok(answer_ingest(reports, fingerprints, fresh, &existing))
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
