//! The PostgreSQL store, for production.

use std::collections::HashSet;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Row};
use uuid::Uuid;

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
        sqlx::query("SELECT 1 FROM citizens WHERE id = $1 FOR UPDATE").bind(s.citizen_id).execute(&mut **tx).await?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))").bind(s.device_id.to_string()).execute(&mut **tx).await?;
        Ok(())
    }

    pub(super) async fn lock_events(tx: &mut sqlx::Transaction<'_, Postgres>) -> StoreResult<()> {
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(EVENTS_LOCK).execute(&mut **tx).await?;
        Ok(())
    }
}

pub(super) use super::reports::postgres::{report_from_row, REPORT_COLUMNS};

impl PgStore {
    pub(super) async fn ingest_batch(&self, reports: &[RoutedReport]) -> StoreResult<Vec<Ingested>> {
        if reports.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.write.begin().await?;
        // Taken before the first insert: a concurrent re-send of the same id
        // would otherwise wait on our row while we wait on its lock.
        Self::lock_events(&mut tx).await?;
        let mut cols = IngestColumns::with_capacity(reports.len());
        for r in reports {
            cols.push(r)?;
        }
        let inserted: Vec<Uuid> = sqlx::query_scalar(
            "INSERT INTO reports (id, device_id, source, api_key_id, comune, category, department, description, lat, lon, \
             accuracy_m, address, captured_at, received_at, updated_at, photos, media_url, routing_method, routing_distance_m, \
             fingerprint, status) \
             SELECT t.id, t.device_id, t.source, t.api_key_id, t.comune, t.category, t.department, t.description, t.lat, t.lon, \
                    t.accuracy_m, t.address, t.captured_at, t.received_at, t.received_at, \
                    ARRAY(SELECT jsonb_array_elements_text(t.photos::jsonb)), t.media_url, t.routing_method, \
                    t.routing_distance_m, t.fingerprint, 'in_moderation' \
             FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], \
                         $9::float8[], $10::float8[], $11::float8[], $12::text[], $13::timestamptz[], $14::timestamptz[], \
                         $15::text[], $16::text[], $17::text[], $18::float8[], $19::text[]) \
                  AS t(id, device_id, source, api_key_id, comune, category, department, description, lat, lon, accuracy_m, \
                       address, captured_at, received_at, photos, media_url, routing_method, routing_distance_m, fingerprint) \
             ON CONFLICT (id) DO NOTHING RETURNING id",
        )
        .bind(&cols.id)
        .bind(&cols.device_id)
        .bind(&cols.source)
        .bind(&cols.api_key_id)
        .bind(&cols.comune)
        .bind(&cols.category)
        .bind(&cols.department)
        .bind(&cols.description)
        .bind(&cols.lat)
        .bind(&cols.lon)
        .bind(&cols.accuracy_m)
        .bind(&cols.address)
        .bind(&cols.captured_at)
        .bind(&cols.received_at)
        .bind(&cols.photos)
        .bind(&cols.media_url)
        .bind(&cols.routing_method)
        .bind(&cols.routing_distance_m)
        .bind(&cols.fingerprint)
        .fetch_all(&mut *tx)
        .await?;
        if !inserted.is_empty() {
            sqlx::query(
                "INSERT INTO report_events (report_id, device_id, status, actor, at) \
                 SELECT id, device_id, 'in_moderation', 'system', received_at FROM reports WHERE id = ANY($1) ORDER BY id",
            )
            .bind(&inserted)
            .execute(&mut *tx)
            .await?;
        }
        let fresh: HashSet<Uuid> = inserted.into_iter().collect();
        let rest: Vec<Uuid> = cols.id.iter().filter(|id| !fresh.contains(id)).copied().collect();
        let mut existing = std::collections::HashMap::new();
        if !rest.is_empty() {
            let rows = sqlx::query("SELECT id, comune, department, routing_method, fingerprint FROM reports WHERE id = ANY($1)")
                .bind(&rest)
                .fetch_all(&mut *tx)
                .await?;
            for row in rows {
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
        Ok(answer_ingest(reports, cols.fingerprint, fresh, &existing))
    }
}

/// The ingest batch, column by column, for one `UNNEST` insert.
struct IngestColumns {
    id: Vec<Uuid>,
    device_id: Vec<Option<Uuid>>,
    source: Vec<&'static str>,
    api_key_id: Vec<Option<Uuid>>,
    comune: Vec<String>,
    category: Vec<String>,
    department: Vec<String>,
    description: Vec<String>,
    lat: Vec<f64>,
    lon: Vec<f64>,
    accuracy_m: Vec<f64>,
    address: Vec<Option<String>>,
    captured_at: Vec<DateTime<Utc>>,
    received_at: Vec<DateTime<Utc>>,
    photos: Vec<String>,
    media_url: Vec<Option<String>>,
    routing_method: Vec<&'static str>,
    routing_distance_m: Vec<Option<f64>>,
    fingerprint: Vec<String>,
}

impl IngestColumns {
    fn with_capacity(n: usize) -> Self {
        Self {
            id: Vec::with_capacity(n),
            device_id: Vec::with_capacity(n),
            source: Vec::with_capacity(n),
            api_key_id: Vec::with_capacity(n),
            comune: Vec::with_capacity(n),
            category: Vec::with_capacity(n),
            department: Vec::with_capacity(n),
            description: Vec::with_capacity(n),
            lat: Vec::with_capacity(n),
            lon: Vec::with_capacity(n),
            accuracy_m: Vec::with_capacity(n),
            address: Vec::with_capacity(n),
            captured_at: Vec::with_capacity(n),
            received_at: Vec::with_capacity(n),
            photos: Vec::with_capacity(n),
            media_url: Vec::with_capacity(n),
            routing_method: Vec::with_capacity(n),
            routing_distance_m: Vec::with_capacity(n),
            fingerprint: Vec::with_capacity(n),
        }
    }

    fn push(&mut self, r: &RoutedReport) -> StoreResult<()> {
        let n = &r.report;
        self.id.push(n.id.as_uuid());
        self.device_id.push(r.device_id.map(|d| d.as_uuid()));
        self.source.push(r.source.as_str());
        self.api_key_id.push(r.api_key_id);
        self.comune.push(r.comune.as_str().to_owned());
        self.category.push(n.category.as_str().to_owned());
        self.department.push(r.department.clone());
        self.description.push(n.description.as_str().to_owned());
        self.lat.push(n.location.lat());
        self.lon.push(n.location.lon());
        self.accuracy_m.push(n.location.accuracy_m());
        self.address.push(r.address.clone());
        self.captured_at.push(n.captured_at);
        self.received_at.push(r.received_at);
        self.photos.push(serde_json::to_string(&n.photos).map_err(corrupt)?);
        self.media_url.push(r.media_url.clone());
        self.routing_method.push(r.routing_method);
        self.routing_distance_m.push(r.routing_distance_m);
        self.fingerprint.push(n.fingerprint());
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
