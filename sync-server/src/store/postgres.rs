//! The PostgreSQL store, for production.

use std::collections::HashSet;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use casa_shared_model::petition::{NewPetition, PetitionStatus, Threshold, ThresholdKind};
use casa_shared_model::{DeviceId, IstatCode, PetitionId, ReportId};
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{PgPool, Postgres, QueryBuilder, Row};
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

impl PgStore {
    pub(super) async fn claim_due(&self, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: u32) -> StoreResult<Vec<ClaimedDelivery>> {
        // SKIP LOCKED: rows another server is claiming right now are passed
        // over instead of waited for, so each row goes to one server.
        let rows = sqlx::query(
            "WITH due AS ( \
                 SELECT d.id FROM deliveries d JOIN delivery_targets t ON t.id = d.target_id \
                 WHERE d.delivered_at IS NULL AND d.failed_at IS NULL AND t.enabled AND d.next_attempt_at <= $1 \
                   AND (d.leased_until IS NULL OR d.leased_until < $1) \
                 ORDER BY d.next_attempt_at LIMIT $3 FOR UPDATE OF d SKIP LOCKED), \
             claimed AS ( \
                 UPDATE deliveries SET leased_until = $2, attempts = deliveries.attempts + 1 FROM due WHERE deliveries.id = due.id \
                 RETURNING deliveries.id AS delivery_id, deliveries.report_id, deliveries.attempts, deliveries.target_id) \
             SELECT c.delivery_id, c.report_id, c.attempts, t.id, t.comune, t.department, t.kind, t.url, t.secret, t.service_code, \
                    t.enabled, t.created_at \
             FROM claimed c JOIN delivery_targets t ON t.id = c.target_id ORDER BY c.delivery_id",
        )
        .bind(now)
        .bind(lease_until)
        .bind(i64::from(limit))
        .fetch_all(&self.write)
        .await?;
        rows.iter()
            .map(|row| {
                let attempts: i32 = row.try_get("attempts")?;
                Ok(ClaimedDelivery {
                    id: row.try_get("delivery_id")?,
                    report_id: ReportId::try_from(row.try_get::<Uuid, _>("report_id")?).map_err(corrupt)?,
                    attempts: u32::try_from(attempts).map_err(corrupt)?,
                    target: super::delivery::postgres::target_from_row(row)?,
                })
            })
            .collect()
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

fn count(n: i32) -> StoreResult<u32> {
    u32::try_from(n).map_err(corrupt)
}

fn int(n: u32) -> StoreResult<i32> {
    i32::try_from(n).map_err(corrupt)
}

const PETITION_COLUMNS: &str = "id, comune, title, body, status, status_detail, residents_only, closes_at, signatures, response, \
     author, created_at, updated_at, author_citizen, author_device, open_days, cosponsors, ended_at, anonymised_at";

impl PgStore {
    async fn petition_from_row(&self, row: &PgRow) -> StoreResult<PetitionRecord> {
        let id: Uuid = row.try_get("id")?;
        let thresholds =
            sqlx::query("SELECT kind, signatures, reached_at FROM petition_thresholds WHERE petition_id = $1 ORDER BY signatures")
                .bind(id)
                .fetch_all(&self.write)
                .await?
                .iter()
                .map(|t| {
                    let kind: String = t.try_get("kind")?;
                    Ok(Threshold {
                        kind: ThresholdKind::parse(&kind).ok_or_else(|| corrupt(format!("threshold {kind}")))?,
                        signatures: count(t.try_get("signatures")?)?,
                        reached_at: t.try_get("reached_at")?,
                    })
                })
                .collect::<StoreResult<Vec<_>>>()?;
        let status: String = row.try_get("status")?;
        let detail: Option<String> = row.try_get("status_detail")?;
        let comune: String = row.try_get("comune")?;
        Ok(PetitionRecord {
            id: PetitionId::try_from(id).map_err(corrupt)?,
            comune: parse_istat(&comune)?,
            title: row.try_get("title")?,
            body: row.try_get("body")?,
            status: parse_petition_status(&status, detail.as_deref())?,
            residents_only: row.try_get("residents_only")?,
            closes_at: row.try_get("closes_at")?,
            signatures: count(row.try_get("signatures")?)?,
            response: row.try_get("response")?,
            author: row.try_get("author")?,
            author_citizen: row.try_get("author_citizen")?,
            author_device: row.try_get::<Option<Uuid>, _>("author_device")?.map(DeviceId::try_from).transpose().map_err(corrupt)?,
            open_days: count(row.try_get("open_days")?)?,
            cosponsors: count(row.try_get("cosponsors")?)?,
            thresholds,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
            ended_at: row.try_get("ended_at")?,
            anonymised_at: row.try_get("anonymised_at")?,
        })
    }
}

async fn petition_event(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    petition: Uuid,
    event: &str,
    detail: Option<&str>,
    signatures: u32,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO petition_events (petition_id, event, detail, signatures, at) VALUES ($1, $2, $3, $4, $5)")
        .bind(petition)
        .bind(event)
        .bind(detail)
        .bind(int(signatures)?)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[async_trait]
impl PetitionStore for PgStore {
    async fn insert_petition(
        &self,
        p: &NewPetition,
        status: &PetitionStatus,
        author: &str,
        author_citizen: Option<(Uuid, DeviceId)>,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut tx = self.write.begin().await?;
        let inserted = sqlx::query(&format!(
            "INSERT INTO petitions ({PETITION_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, NULL, $9, $10, $10, $11, $12, $13, $14, NULL, NULL) \
             ON CONFLICT (id) DO NOTHING"
        ))
        .bind(p.id.as_uuid())
        .bind(p.comune.as_str())
        .bind(&p.title)
        .bind(&p.body)
        .bind(status.code())
        .bind(status.detail())
        .bind(p.residents_only)
        .bind(p.closes_at)
        .bind(author)
        .bind(at)
        .bind(author_citizen.map(|(c, _)| c))
        .bind(author_citizen.map(|(_, d)| d.as_uuid()))
        .bind(int(p.open_days)?)
        .bind(int(p.cosponsors)?)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Ok(false);
        }
        for (kind, n) in [(ThresholdKind::Response, p.response_threshold), (ThresholdKind::Debate, p.debate_threshold)] {
            sqlx::query("INSERT INTO petition_thresholds (petition_id, kind, signatures) VALUES ($1, $2, $3)")
                .bind(p.id.as_uuid())
                .bind(kind.as_str())
                .bind(int(n)?)
                .execute(&mut *tx)
                .await?;
        }
        petition_event(&mut tx, p.id.as_uuid(), status.code(), Some(event_actor(author)), 0, at).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn petition(&self, id: &PetitionId) -> StoreResult<Option<PetitionRecord>> {
        let row = sqlx::query(&format!("SELECT {PETITION_COLUMNS} FROM petitions WHERE id = $1"))
            .bind(id.as_uuid())
            .fetch_optional(&self.write)
            .await?;
        match row {
            Some(row) => Ok(Some(self.petition_from_row(&row).await?)),
            None => Ok(None),
        }
    }

    async fn petitions(&self, comune: &IstatCode, statuses: &[&str], limit: u32) -> StoreResult<Vec<PetitionRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {PETITION_COLUMNS} FROM petitions WHERE comune = $1 AND status = ANY($2) ORDER BY CASE status WHEN 'in_moderation' THEN 0 WHEN 'submitted' THEN 1 ELSE 2 END, created_at DESC, id DESC LIMIT $3"
        ))
        .bind(comune.as_str())
        .bind(statuses.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        .bind(i64::from(limit))
        .fetch_all(&self.write)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(self.petition_from_row(row).await?);
        }
        Ok(out)
    }

    async fn sign(&self, s: &SignatureRecord) -> StoreResult<SignOutcome> {
        let mut tx = self.write.begin().await?;
        let pid = s.petition_id.as_uuid();
        if s.rate_limit.is_some() {
            // Signatures on other petitions hold other petitions' locks: the
            // person's row and the phone's advisory lock, taken first (always
            // in this order, before the petition's), make concurrent
            // signatures of one person or phone count one after the other.
            sqlx::query("SELECT 1 FROM citizens WHERE id = $1 FOR UPDATE").bind(s.citizen_id).execute(&mut *tx).await?;
            sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))").bind(s.device_id.to_string()).execute(&mut *tx).await?;
        }
        // The petition's row lock serialises its signers (across servers):
        // the count and the thresholds below are read and written by one
        // transaction at a time, so each threshold is crossed exactly once.
        let petition =
            sqlx::query("SELECT status, status_detail, closes_at, signatures, cosponsors FROM petitions WHERE id = $1 FOR UPDATE")
                .bind(pid)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(petition) = petition else {
            return Ok(SignOutcome::NotFound);
        };
        let current = count(petition.try_get("signatures")?)?;
        let cosponsors = count(petition.try_get("cosponsors")?)?;
        let existing: Option<(Uuid, Uuid, Option<DateTime<Utc>>)> =
            sqlx::query_as("SELECT citizen_id, petition_id, invalidated_at FROM petition_signatures WHERE id = $1")
                .bind(s.id)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some((citizen, petition_id, invalidated)) = existing {
            return Ok(match (citizen == s.citizen_id && petition_id == pid, invalidated) {
                (true, None) => SignOutcome::AlreadyCounted { signatures: current },
                (true, Some(_)) => SignOutcome::Invalidated,
                (false, _) => SignOutcome::IdConflict,
            });
        }
        let code: String = petition.try_get("status")?;
        let detail: Option<String> = petition.try_get("status_detail")?;
        let status = parse_petition_status(&code, detail.as_deref())?;
        let closes_at: Option<DateTime<Utc>> = petition.try_get("closes_at")?;
        if !status.takes_signatures() || closes_at.is_some_and(|c| c <= s.received_at) {
            return Ok(SignOutcome::NotSignable);
        }
        // What `sign_refusal` needs, in one round trip (under the petition's lock).
        let since = s.rate_limit.map(|l| l.since).unwrap_or(s.received_at);
        let (invalidated, standing, by_device, by_citizen): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE invalidated_at IS NOT NULL), count(*) FILTER (WHERE withdrawn_at IS NULL), \
                    (SELECT count(*) FROM petition_signatures WHERE device_id = $3 AND received_at >= $4), \
                    (SELECT count(*) FROM petition_signatures WHERE citizen_id = $2 AND received_at >= $4) \
             FROM petition_signatures WHERE petition_id = $1 AND citizen_id = $2",
        )
        .bind(pid)
        .bind(s.citizen_id)
        .bind(s.device_id.as_uuid())
        .bind(since)
        .fetch_one(&mut *tx)
        .await?;
        if let Some(refused) = sign_refusal(invalidated, standing, by_device, by_citizen, s.rate_limit) {
            return Ok(refused);
        }
        // Signing again after a withdrawal is a new row; the withdrawn one stays.
        let inserted = sqlx::query(
            "INSERT INTO petition_signatures (id, petition_id, citizen_id, device_id, signed_at, received_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (petition_id, citizen_id) WHERE withdrawn_at IS NULL DO NOTHING",
        )
        .bind(s.id)
        .bind(pid)
        .bind(s.citizen_id)
        .bind(s.device_id.as_uuid())
        .bind(s.signed_at)
        .bind(s.received_at)
        .execute(&mut *tx)
        .await;
        let counted = match inserted {
            Ok(done) => done.rows_affected(),
            // The same id sent at once for another petition (whose lock this
            // transaction does not hold) collides on the primary key.
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Ok(SignOutcome::IdConflict),
            Err(e) => return Err(e.into()),
        };
        if counted == 0 {
            return Ok(SignOutcome::AlreadySigned);
        }
        let after: i32 =
            sqlx::query_scalar("UPDATE petitions SET signatures = signatures + 1, updated_at = $1 WHERE id = $2 RETURNING signatures")
                .bind(s.received_at)
                .bind(pid)
                .fetch_one(&mut *tx)
                .await?;
        let after = count(after)?;
        let reached: Vec<String> = sqlx::query_scalar(
            "UPDATE petition_thresholds SET reached_at = $1 WHERE petition_id = $2 AND reached_at IS NULL AND signatures <= $3 RETURNING kind",
        )
        .bind(s.received_at)
        .bind(pid)
        .bind(int(after)?)
        .fetch_all(&mut *tx)
        .await?;
        let mut crossed: Vec<ThresholdKind> = reached.iter().filter_map(|k| ThresholdKind::parse(k)).collect();
        crossed.sort();
        for kind in &crossed {
            petition_event(&mut tx, pid, "threshold_reached", Some(kind.as_str()), after, s.received_at).await?;
        }
        let moved_to = status_after_crossing(&status, &crossed).or_else(|| status_after_cosponsors(&status, cosponsors, after));
        if let Some(next) = &moved_to {
            sqlx::query("UPDATE petitions SET status = $1, status_detail = NULL WHERE id = $2")
                .bind(next.code())
                .bind(pid)
                .execute(&mut *tx)
                .await?;
            petition_event(&mut tx, pid, next.code(), None, after, s.received_at).await?;
        }
        tx.commit().await?;
        Ok(SignOutcome::Counted { signatures: after, crossed, moved_to })
    }

    async fn withdraw(&self, id: Uuid, petition: &PetitionId, citizen: Uuid, at: DateTime<Utc>) -> StoreResult<WithdrawOutcome> {
        let mut tx = self.write.begin().await?;
        let pid = petition.as_uuid();
        let row = sqlx::query("SELECT status, status_detail, closes_at, signatures FROM petitions WHERE id = $1 FOR UPDATE")
            .bind(pid)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Ok(WithdrawOutcome::NotFound);
        };
        let current = count(row.try_get("signatures")?)?;
        let done: Option<Uuid> = sqlx::query_scalar("SELECT citizen_id FROM petition_signatures WHERE withdrawal_id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        if done == Some(citizen) {
            return Ok(WithdrawOutcome::AlreadyWithdrawn { signatures: current });
        }
        let code: String = row.try_get("status")?;
        let detail: Option<String> = row.try_get("status_detail")?;
        let closes_at: Option<DateTime<Utc>> = row.try_get("closes_at")?;
        if !parse_petition_status(&code, detail.as_deref())?.takes_signatures() || closes_at.is_some_and(|c| c <= at) {
            return Ok(WithdrawOutcome::NotSignable);
        }
        let changed = sqlx::query(
            "UPDATE petition_signatures SET withdrawn_at = $1, withdrawal_id = $2 \
             WHERE petition_id = $3 AND citizen_id = $4 AND withdrawn_at IS NULL",
        )
        .bind(at)
        .bind(id)
        .bind(pid)
        .bind(citizen)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Ok(WithdrawOutcome::NotSigned);
        }
        let after: i32 =
            sqlx::query_scalar("UPDATE petitions SET signatures = signatures - 1, updated_at = $1 WHERE id = $2 RETURNING signatures")
                .bind(at)
                .bind(pid)
                .fetch_one(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(WithdrawOutcome::Withdrawn { signatures: count(after)? })
    }

    async fn petition_events(&self, id: &PetitionId) -> StoreResult<Vec<PetitionEvent>> {
        let rows = sqlx::query("SELECT event, detail, signatures, at FROM petition_events WHERE petition_id = $1 ORDER BY seq")
            .bind(id.as_uuid())
            .fetch_all(&self.write)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(PetitionEvent {
                    event: r.try_get("event")?,
                    detail: r.try_get("detail")?,
                    signatures: count(r.try_get("signatures")?)?,
                    at: r.try_get("at")?,
                })
            })
            .collect()
    }

    async fn set_petition_status(&self, t: &PetitionTransition) -> StoreResult<bool> {
        let mut tx = self.write.begin().await?;
        let mut q: QueryBuilder<Postgres> = QueryBuilder::new("UPDATE petitions SET status = ");
        q.push_bind(t.to.code()).push(", status_detail = ").push_bind(t.to.detail().map(str::to_owned));
        q.push(", updated_at = ").push_bind(t.at);
        if let Some(c) = t.closes_at {
            q.push(", closes_at = ").push_bind(c);
        }
        if let Some(r) = &t.response {
            q.push(", response = ").push_bind(r.clone());
        }
        if t.to.has_ended() {
            q.push(", ended_at = COALESCE(ended_at, ").push_bind(t.at).push(")");
        }
        q.push(" WHERE id = ").push_bind(t.id.as_uuid()).push(" AND status = ANY(");
        q.push_bind(t.from.iter().map(|s| s.to_string()).collect::<Vec<_>>()).push(") RETURNING signatures");
        let Some(signatures) = q.build_query_scalar::<i32>().fetch_optional(&mut *tx).await? else {
            return Ok(false);
        };
        petition_event(&mut tx, t.id.as_uuid(), t.to.code(), Some(&t.actor), count(signatures)?, t.at).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn close_due_petitions(&self, now: DateTime<Utc>) -> StoreResult<Vec<PetitionId>> {
        let mut tx = self.write.begin().await?;
        // SKIP LOCKED: a petition whose signer holds its row lock closes on
        // the next sweep rather than make this one wait.
        let closed: Vec<(Uuid, i32)> = sqlx::query_as(
            "UPDATE petitions SET status = 'closed', status_detail = NULL, ended_at = $1, updated_at = $1 \
             WHERE id IN (SELECT id FROM petitions WHERE status IN ('open', 'awaiting_response', 'awaiting_debate') \
                          AND closes_at <= $1 FOR UPDATE SKIP LOCKED) RETURNING id, signatures",
        )
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        for (id, signatures) in &closed {
            petition_event(&mut tx, *id, "closed", Some("closing_date"), count(*signatures)?, now).await?;
        }
        let expired: Vec<(Uuid, i32)> = sqlx::query_as(
            "UPDATE petitions SET status = 'rejected', status_detail = $1, ended_at = $2, updated_at = $2 \
             WHERE id IN (SELECT id FROM petitions WHERE status = 'submitted' AND created_at <= $3 FOR UPDATE SKIP LOCKED) \
             RETURNING id, signatures",
        )
        .bind(PROPOSAL_EXPIRED)
        .bind(now)
        .bind(now - chrono::Duration::days(PROPOSAL_EXPIRY_DAYS))
        .fetch_all(&mut *tx)
        .await?;
        for (id, signatures) in &expired {
            petition_event(&mut tx, *id, "rejected", Some("expired"), count(*signatures)?, now).await?;
        }
        tx.commit().await?;
        closed.into_iter().chain(expired).map(|(id, _)| PetitionId::try_from(id).map_err(corrupt)).collect()
    }

    async fn anonymise_due_petitions(&self, now: DateTime<Utc>) -> StoreResult<u32> {
        let mut tx = self.write.begin().await?;
        // A month is 30 days, as on SQLite.
        let due: Vec<(Uuid, i32)> = sqlx::query_as(
            "SELECT p.id, p.signatures FROM petitions p JOIN comuni c ON c.istat_code = p.comune \
             WHERE p.anonymised_at IS NULL AND p.ended_at IS NOT NULL \
               AND p.ended_at + make_interval(days => 30 * c.petition_anonymise_months) <= $1 \
             FOR UPDATE OF p SKIP LOCKED",
        )
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        for (id, signatures) in &due {
            sqlx::query("DELETE FROM petition_signatures WHERE petition_id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query("UPDATE petition_events SET detail = 'citizen' WHERE petition_id = $1 AND detail LIKE 'citizen:%'")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE petitions SET anonymised_at = $1, author_citizen = NULL, author_device = NULL, \
                 author = CASE WHEN author LIKE 'citizen:%' THEN 'citizen' ELSE author END WHERE id = $2",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            petition_event(&mut tx, *id, "anonymised", None, count(*signatures)?, now).await?;
        }
        tx.commit().await?;
        u32::try_from(due.len()).map_err(corrupt)
    }

    async fn citizen_petitions(&self, citizen: Uuid) -> StoreResult<Vec<PetitionRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {PETITION_COLUMNS} FROM petitions WHERE status IN ('submitted', 'in_moderation', 'rejected') \
               AND (author_citizen = $1 OR id IN \
                 (SELECT petition_id FROM petition_signatures WHERE citizen_id = $1 AND withdrawn_at IS NULL)) \
             ORDER BY created_at DESC LIMIT 50"
        ))
        .bind(citizen)
        .fetch_all(&self.write)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(self.petition_from_row(row).await?);
        }
        Ok(out)
    }

    async fn recent_proposals(&self, citizen: Uuid, since: DateTime<Utc>) -> StoreResult<u32> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM petitions WHERE author_citizen = $1 AND created_at >= $2")
            .bind(citizen)
            .bind(since)
            .fetch_one(&self.write)
            .await?;
        u32::try_from(n).map_err(corrupt)
    }

    async fn signature_timeline(&self, id: &PetitionId, bucket_secs: u32) -> StoreResult<Vec<(DateTime<Utc>, u32)>> {
        let rows: Vec<(DateTime<Utc>, i64)> = sqlx::query_as(
            "SELECT to_timestamp(floor(extract(epoch FROM received_at) / $1) * $1) AS bucket, count(*) FROM petition_signatures \
             WHERE petition_id = $2 AND withdrawn_at IS NULL GROUP BY bucket ORDER BY bucket",
        )
        .bind(f64::from(bucket_secs.max(1)))
        .bind(id.as_uuid())
        .fetch_all(&self.write)
        .await?;
        rows.into_iter().map(|(b, n)| Ok((b, u32::try_from(n).map_err(corrupt)?))).collect()
    }

    async fn shared_devices(&self, id: &PetitionId) -> StoreResult<Vec<SharedDevice>> {
        let rows: Vec<(Uuid, i64, DateTime<Utc>, DateTime<Utc>)> = sqlx::query_as(
            "SELECT device_id, count(DISTINCT citizen_id) AS people, min(received_at), max(received_at) FROM petition_signatures \
             WHERE petition_id = $1 AND withdrawn_at IS NULL GROUP BY device_id HAVING count(DISTINCT citizen_id) > 1 \
             ORDER BY people DESC LIMIT 50",
        )
        .bind(id.as_uuid())
        .fetch_all(&self.write)
        .await?;
        rows.into_iter()
            .map(|(device, n, first, last)| {
                Ok(SharedDevice {
                    device: DeviceId::try_from(device).map_err(corrupt)?,
                    signatures: u32::try_from(n).map_err(corrupt)?,
                    first,
                    last,
                })
            })
            .collect()
    }

    async fn invalidate_signatures(
        &self,
        id: &PetitionId,
        selection: &SignatureSelection,
        apply: bool,
        actor: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<u32> {
        let mut tx = self.write.begin().await?;
        // The petition's row lock, as signers take it: the count stays exact.
        sqlx::query("SELECT 1 FROM petitions WHERE id = $1 FOR UPDATE").bind(id.as_uuid()).execute(&mut *tx).await?;
        let mut q: QueryBuilder<Postgres> = if apply {
            let mut q = QueryBuilder::new("UPDATE petition_signatures SET withdrawn_at = ");
            q.push_bind(at).push(", invalidated_at = ").push_bind(at);
            q
        } else {
            QueryBuilder::new("SELECT count(*) FROM petition_signatures")
        };
        q.push(" WHERE petition_id = ").push_bind(id.as_uuid()).push(" AND withdrawn_at IS NULL");
        if let Some(d) = selection.device {
            q.push(" AND device_id = ").push_bind(d.as_uuid());
        }
        if let Some(f) = selection.from {
            q.push(" AND received_at >= ").push_bind(f);
        }
        if let Some(u) = selection.until {
            q.push(" AND received_at < ").push_bind(u);
        }
        if let Some(b) = selection.received_before {
            q.push(" AND received_at <= ").push_bind(b);
        }
        if !apply {
            let n: i64 = q.build_query_scalar().fetch_one(&mut *tx).await?;
            return u32::try_from(n).map_err(corrupt);
        }
        let n = u32::try_from(q.build().execute(&mut *tx).await?.rows_affected()).map_err(corrupt)?;
        if n > 0 {
            let after: i32 =
                sqlx::query_scalar("UPDATE petitions SET signatures = signatures - $1, updated_at = $2 WHERE id = $3 RETURNING signatures")
                    .bind(int(n)?)
                    .bind(at)
                    .bind(id.as_uuid())
                    .fetch_one(&mut *tx)
                    .await?;
            let back: Option<i32> = sqlx::query_scalar(
                "UPDATE petitions SET status = 'submitted' WHERE id = $1 AND status = 'in_moderation' AND signatures <= cosponsors \
                 RETURNING signatures",
            )
            .bind(id.as_uuid())
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(back) = back {
                petition_event(&mut tx, id.as_uuid(), "submitted", Some("cosponsors_invalidated"), count(back)?, at).await?;
            }
            let detail = format!("{actor}: {n}");
            petition_event(&mut tx, id.as_uuid(), "signatures_invalidated", Some(&detail), count(after)?, at).await?;
        }
        tx.commit().await?;
        Ok(n)
    }

    async fn citizen_standings(
        &self,
        citizen: Uuid,
        petitions: &[PetitionId],
    ) -> StoreResult<std::collections::HashMap<PetitionId, casa_shared_model::petition::SignatureStanding>> {
        if petitions.is_empty() {
            return Ok(Default::default());
        }
        let rows: Vec<(Uuid, bool, bool)> = sqlx::query_as(
            "SELECT petition_id, bool_or(withdrawn_at IS NULL), bool_or(invalidated_at IS NOT NULL) FROM petition_signatures \
             WHERE citizen_id = $1 AND petition_id = ANY($2) GROUP BY petition_id",
        )
        .bind(citizen)
        .bind(petitions.iter().map(|p| p.as_uuid()).collect::<Vec<_>>())
        .fetch_all(&self.write)
        .await?;
        standings(rows)
    }

    async fn petition_counts(&self) -> StoreResult<Vec<PetitionCount>> {
        let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
            "SELECT comune, status, count(*), COALESCE(sum(signatures), 0)::int8 FROM petitions \
             GROUP BY comune, status ORDER BY comune, status",
        )
        .fetch_all(&self.write)
        .await?;
        rows.into_iter()
            .map(|(comune, status, n, sigs)| {
                Ok(PetitionCount {
                    comune: parse_istat(&comune)?,
                    status,
                    petitions: u32::try_from(n).map_err(corrupt)?,
                    signatures: u64::try_from(sigs).map_err(corrupt)?,
                })
            })
            .collect()
    }
}
