//! The embedded SQLite store: one writer connection (SQLite serialises writers
//! anyway; queueing them in the pool avoids busy-retry storms) and a pool of
//! readers, in WAL mode.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use casa_shared_model::petition::{NewPetition, PetitionStatus, Threshold, ThresholdKind};
use casa_shared_model::{DeviceId, IstatCode, PetitionId, ReportId};
use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
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

pub(super) fn optional_micros(row: &SqliteRow, name: &str) -> StoreResult<Option<DateTime<Utc>>> {
    row.try_get::<Option<i64>, _>(name)?.map(from_micros).transpose()
}

pub(super) fn from_micros(us: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_micros(us).ok_or_else(|| corrupt(format!("timestamp {us}")))
}

impl SqliteStore {
    /// PostgreSQL serialises appends to `report_events` with a lock; here
    /// the single writer already does.
    pub(super) async fn lock_events(_tx: &mut sqlx::Transaction<'_, Sqlite>) -> StoreResult<()> {
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

impl SqliteStore {
    /// One writer at a time (this store's single write connection): the
    /// select and the lease cannot interleave with another claim.
    pub(super) async fn claim_due(&self, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: u32) -> StoreResult<Vec<ClaimedDelivery>> {
        // One writer at a time (SQLite's rule, and this store's single write
        // connection): the select and the lease cannot interleave with
        // another claim, so no row locking is needed.
        let mut tx = self.write.begin().await?;
        let ids: Vec<Uuid> = sqlx::query_scalar(
            "UPDATE deliveries SET leased_until = ?, attempts = attempts + 1 WHERE id IN ( \
                 SELECT d.id FROM deliveries d JOIN delivery_targets t ON t.id = d.target_id \
                 WHERE d.delivered_at IS NULL AND d.failed_at IS NULL AND t.enabled AND d.next_attempt_at <= ? \
                   AND (d.leased_until IS NULL OR d.leased_until < ?) \
                 ORDER BY d.next_attempt_at LIMIT $4) \
             RETURNING id",
        )
        .bind(micros(lease_until))
        .bind(micros(now))
        .bind(micros(now))
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await?;
        let mut claimed = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(INSERT_CHUNK) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
                "SELECT d.id AS delivery_id, d.report_id, d.attempts, t.id, t.comune, t.department, t.kind, t.url, t.secret, \
                        t.service_code, t.enabled, t.created_at \
                 FROM deliveries d JOIN delivery_targets t ON t.id = d.target_id WHERE d.id IN (",
            );
            let mut sep = q.separated(", ");
            for id in chunk {
                sep.push_bind(*id);
            }
            q.push(") ORDER BY d.id");
            for row in q.build().fetch_all(&mut *tx).await? {
                let attempts: i64 = row.try_get("attempts")?;
                claimed.push(ClaimedDelivery {
                    id: row.try_get("delivery_id")?,
                    report_id: ReportId::try_from(row.try_get::<Uuid, _>("report_id")?).map_err(corrupt)?,
                    attempts: u32::try_from(attempts).map_err(corrupt)?,
                    target: super::delivery::sqlite::target_from_row(&row)?,
                });
            }
        }
        tx.commit().await?;
        Ok(claimed)
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

const PETITION_COLUMNS: &str = "id, comune, title, body, status, status_detail, residents_only, closes_at, signatures, response, \
     author, created_at, updated_at, author_citizen, author_device, open_days, cosponsors, ended_at, anonymised_at";

impl SqliteStore {
    async fn petition_from_row(&self, row: &SqliteRow) -> StoreResult<PetitionRecord> {
        let id: Uuid = row.try_get("id")?;
        let thresholds =
            sqlx::query("SELECT kind, signatures, reached_at FROM petition_thresholds WHERE petition_id = ? ORDER BY signatures")
                .bind(id)
                .fetch_all(&self.read)
                .await?
                .iter()
                .map(|t| {
                    let kind: String = t.try_get("kind")?;
                    Ok(Threshold {
                        kind: ThresholdKind::parse(&kind).ok_or_else(|| corrupt(format!("threshold {kind}")))?,
                        signatures: u32::try_from(t.try_get::<i64, _>("signatures")?).map_err(corrupt)?,
                        reached_at: optional_micros(t, "reached_at")?,
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
            closes_at: optional_micros(row, "closes_at")?,
            signatures: u32::try_from(row.try_get::<i64, _>("signatures")?).map_err(corrupt)?,
            response: row.try_get("response")?,
            author: row.try_get("author")?,
            author_citizen: row.try_get("author_citizen")?,
            author_device: row.try_get::<Option<Uuid>, _>("author_device")?.map(DeviceId::try_from).transpose().map_err(corrupt)?,
            open_days: u32::try_from(row.try_get::<i64, _>("open_days")?).map_err(corrupt)?,
            cosponsors: u32::try_from(row.try_get::<i64, _>("cosponsors")?).map_err(corrupt)?,
            thresholds,
            created_at: from_micros(row.try_get("created_at")?)?,
            updated_at: from_micros(row.try_get("updated_at")?)?,
            ended_at: optional_micros(row, "ended_at")?,
            anonymised_at: optional_micros(row, "anonymised_at")?,
        })
    }
}

async fn petition_event(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    petition: Uuid,
    event: &str,
    detail: Option<&str>,
    signatures: u32,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO petition_events (petition_id, event, detail, signatures, at) VALUES (?, ?, ?, ?, ?)")
        .bind(petition)
        .bind(event)
        .bind(detail)
        .bind(i64::from(signatures))
        .bind(micros(at))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[async_trait]
impl PetitionStore for SqliteStore {
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
            "INSERT INTO petitions ({PETITION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, ?, ?, ?, ?, ?, ?, ?, NULL, NULL) \
             ON CONFLICT (id) DO NOTHING"
        ))
        .bind(p.id.as_uuid())
        .bind(p.comune.as_str())
        .bind(&p.title)
        .bind(&p.body)
        .bind(status.code())
        .bind(status.detail())
        .bind(p.residents_only)
        .bind(p.closes_at.map(micros))
        .bind(author)
        .bind(micros(at))
        .bind(micros(at))
        .bind(author_citizen.map(|(c, _)| c))
        .bind(author_citizen.map(|(_, d)| d.as_uuid()))
        .bind(i64::from(p.open_days))
        .bind(i64::from(p.cosponsors))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Ok(false);
        }
        for (kind, n) in [(ThresholdKind::Response, p.response_threshold), (ThresholdKind::Debate, p.debate_threshold)] {
            sqlx::query("INSERT INTO petition_thresholds (petition_id, kind, signatures) VALUES (?, ?, ?)")
                .bind(p.id.as_uuid())
                .bind(kind.as_str())
                .bind(i64::from(n))
                .execute(&mut *tx)
                .await?;
        }
        petition_event(&mut tx, p.id.as_uuid(), status.code(), Some(event_actor(author)), 0, at).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn petition(&self, id: &PetitionId) -> StoreResult<Option<PetitionRecord>> {
        let row = sqlx::query(&format!("SELECT {PETITION_COLUMNS} FROM petitions WHERE id = ?"))
            .bind(id.as_uuid())
            .fetch_optional(&self.read)
            .await?;
        match row {
            Some(row) => Ok(Some(self.petition_from_row(&row).await?)),
            None => Ok(None),
        }
    }

    async fn petitions(&self, comune: &IstatCode, statuses: &[&str], limit: u32) -> StoreResult<Vec<PetitionRecord>> {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(format!("SELECT {PETITION_COLUMNS} FROM petitions WHERE comune = "));
        q.push_bind(comune.as_str().to_owned()).push(" AND status IN (");
        let mut sep = q.separated(", ");
        for s in statuses {
            sep.push_bind(s.to_string());
        }
        sep.push_unseparated(")");
        q.push(" ORDER BY CASE status WHEN 'in_moderation' THEN 0 WHEN 'submitted' THEN 1 ELSE 2 END, created_at DESC, id DESC LIMIT ")
            .push_bind(i64::from(limit));
        let rows = q.build().fetch_all(&self.read).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(self.petition_from_row(row).await?);
        }
        Ok(out)
    }

    async fn sign(&self, s: &SignatureRecord) -> StoreResult<SignOutcome> {
        // The single writer connection serialises signers: the count and the
        // thresholds below are read and written by one transaction at a time.
        let mut tx = self.write.begin().await?;
        let pid = s.petition_id.as_uuid();
        let existing: Option<(Uuid, Uuid, Option<i64>)> =
            sqlx::query_as("SELECT citizen_id, petition_id, invalidated_at FROM petition_signatures WHERE id = ?")
                .bind(s.id)
                .fetch_optional(&mut *tx)
                .await?;
        let petition = sqlx::query("SELECT status, status_detail, closes_at, signatures, cosponsors FROM petitions WHERE id = ?")
            .bind(pid)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(petition) = petition else {
            return Ok(SignOutcome::NotFound);
        };
        let count = u32::try_from(petition.try_get::<i64, _>("signatures")?).map_err(corrupt)?;
        let cosponsors = u32::try_from(petition.try_get::<i64, _>("cosponsors")?).map_err(corrupt)?;
        if let Some((citizen, petition_id, invalidated)) = existing {
            return Ok(match (citizen == s.citizen_id && petition_id == pid, invalidated) {
                (true, None) => SignOutcome::AlreadyCounted { signatures: count },
                (true, Some(_)) => SignOutcome::Invalidated,
                (false, _) => SignOutcome::IdConflict,
            });
        }
        let code: String = petition.try_get("status")?;
        let detail: Option<String> = petition.try_get("status_detail")?;
        let status = parse_petition_status(&code, detail.as_deref())?;
        let closes_at = optional_micros(&petition, "closes_at")?;
        if !status.takes_signatures() || closes_at.is_some_and(|c| c <= s.received_at) {
            return Ok(SignOutcome::NotSignable);
        }
        // What `sign_refusal` needs, in one round trip (under the petition's lock).
        let since = s.rate_limit.map(|l| l.since).unwrap_or(s.received_at);
        let (invalidated, standing, by_device, by_citizen): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE invalidated_at IS NOT NULL), count(*) FILTER (WHERE withdrawn_at IS NULL), \
                    (SELECT count(*) FROM petition_signatures WHERE device_id = ?3 AND received_at >= ?4), \
                    (SELECT count(*) FROM petition_signatures WHERE citizen_id = ?2 AND received_at >= ?4) \
             FROM petition_signatures WHERE petition_id = ?1 AND citizen_id = ?2",
        )
        .bind(pid)
        .bind(s.citizen_id)
        .bind(s.device_id.as_uuid())
        .bind(micros(since))
        .fetch_one(&mut *tx)
        .await?;
        if let Some(refused) = sign_refusal(invalidated, standing, by_device, by_citizen, s.rate_limit) {
            return Ok(refused);
        }
        // Signing again after a withdrawal is a new row; the withdrawn one stays.
        let counted = sqlx::query(
            "INSERT INTO petition_signatures (id, petition_id, citizen_id, device_id, signed_at, received_at) VALUES (?, ?, ?, ?, ?, ?) \
             ON CONFLICT (petition_id, citizen_id) WHERE withdrawn_at IS NULL DO NOTHING",
        )
        .bind(s.id)
        .bind(pid)
        .bind(s.citizen_id)
        .bind(s.device_id.as_uuid())
        .bind(micros(s.signed_at))
        .bind(micros(s.received_at))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if counted == 0 {
            return Ok(SignOutcome::AlreadySigned);
        }
        let after: i64 =
            sqlx::query_scalar("UPDATE petitions SET signatures = signatures + 1, updated_at = ? WHERE id = ? RETURNING signatures")
                .bind(micros(s.received_at))
                .bind(pid)
                .fetch_one(&mut *tx)
                .await?;
        let after = u32::try_from(after).map_err(corrupt)?;
        let reached: Vec<String> = sqlx::query_scalar(
            "UPDATE petition_thresholds SET reached_at = ? WHERE petition_id = ? AND reached_at IS NULL AND signatures <= ? RETURNING kind",
        )
        .bind(micros(s.received_at))
        .bind(pid)
        .bind(i64::from(after))
        .fetch_all(&mut *tx)
        .await?;
        let mut crossed: Vec<ThresholdKind> = reached.iter().filter_map(|k| ThresholdKind::parse(k)).collect();
        crossed.sort();
        for kind in &crossed {
            petition_event(&mut tx, pid, "threshold_reached", Some(kind.as_str()), after, s.received_at).await?;
        }
        let moved_to = status_after_crossing(&status, &crossed).or_else(|| status_after_cosponsors(&status, cosponsors, after));
        if let Some(next) = &moved_to {
            sqlx::query("UPDATE petitions SET status = ?, status_detail = NULL WHERE id = ?")
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
        let row = sqlx::query("SELECT status, status_detail, closes_at, signatures FROM petitions WHERE id = ?")
            .bind(pid)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Ok(WithdrawOutcome::NotFound);
        };
        let count = u32::try_from(row.try_get::<i64, _>("signatures")?).map_err(corrupt)?;
        let done: Option<Uuid> = sqlx::query_scalar("SELECT citizen_id FROM petition_signatures WHERE withdrawal_id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        if done == Some(citizen) {
            return Ok(WithdrawOutcome::AlreadyWithdrawn { signatures: count });
        }
        let code: String = row.try_get("status")?;
        let detail: Option<String> = row.try_get("status_detail")?;
        let closes_at = optional_micros(&row, "closes_at")?;
        if !parse_petition_status(&code, detail.as_deref())?.takes_signatures() || closes_at.is_some_and(|c| c <= at) {
            return Ok(WithdrawOutcome::NotSignable);
        }
        let changed = sqlx::query(
            "UPDATE petition_signatures SET withdrawn_at = ?, withdrawal_id = ? \
             WHERE petition_id = ? AND citizen_id = ? AND withdrawn_at IS NULL",
        )
        .bind(micros(at))
        .bind(id)
        .bind(pid)
        .bind(citizen)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Ok(WithdrawOutcome::NotSigned);
        }
        let after: i64 =
            sqlx::query_scalar("UPDATE petitions SET signatures = signatures - 1, updated_at = ? WHERE id = ? RETURNING signatures")
                .bind(micros(at))
                .bind(pid)
                .fetch_one(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(WithdrawOutcome::Withdrawn { signatures: u32::try_from(after).map_err(corrupt)? })
    }

    async fn petition_events(&self, id: &PetitionId) -> StoreResult<Vec<PetitionEvent>> {
        let rows = sqlx::query("SELECT event, detail, signatures, at FROM petition_events WHERE petition_id = ? ORDER BY seq")
            .bind(id.as_uuid())
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(PetitionEvent {
                    event: r.try_get("event")?,
                    detail: r.try_get("detail")?,
                    signatures: u32::try_from(r.try_get::<i64, _>("signatures")?).map_err(corrupt)?,
                    at: from_micros(r.try_get("at")?)?,
                })
            })
            .collect()
    }

    async fn set_petition_status(&self, t: &PetitionTransition) -> StoreResult<bool> {
        let mut tx = self.write.begin().await?;
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("UPDATE petitions SET status = ");
        q.push_bind(t.to.code()).push(", status_detail = ").push_bind(t.to.detail().map(str::to_owned));
        q.push(", updated_at = ").push_bind(micros(t.at));
        if let Some(c) = t.closes_at {
            q.push(", closes_at = ").push_bind(micros(c));
        }
        if let Some(r) = &t.response {
            q.push(", response = ").push_bind(r.clone());
        }
        if t.to.has_ended() {
            q.push(", ended_at = COALESCE(ended_at, ").push_bind(micros(t.at)).push(")");
        }
        q.push(" WHERE id = ").push_bind(t.id.as_uuid()).push(" AND status IN (");
        let mut sep = q.separated(", ");
        for s in &t.from {
            sep.push_bind(*s);
        }
        sep.push_unseparated(") RETURNING signatures");
        let Some(signatures) = q.build_query_scalar::<i64>().fetch_optional(&mut *tx).await? else {
            return Ok(false);
        };
        let signatures = u32::try_from(signatures).map_err(corrupt)?;
        petition_event(&mut tx, t.id.as_uuid(), t.to.code(), Some(&t.actor), signatures, t.at).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn close_due_petitions(&self, now: DateTime<Utc>) -> StoreResult<Vec<PetitionId>> {
        let mut tx = self.write.begin().await?;
        let closed: Vec<(Uuid, i64)> = sqlx::query_as(
            "UPDATE petitions SET status = 'closed', status_detail = NULL, ended_at = ?1, updated_at = ?1 \
             WHERE status IN ('open', 'awaiting_response', 'awaiting_debate') AND closes_at <= ?1 RETURNING id, signatures",
        )
        .bind(micros(now))
        .fetch_all(&mut *tx)
        .await?;
        for (id, signatures) in &closed {
            petition_event(&mut tx, *id, "closed", Some("closing_date"), u32::try_from(*signatures).map_err(corrupt)?, now).await?;
        }
        let expired: Vec<(Uuid, i64)> = sqlx::query_as(
            "UPDATE petitions SET status = 'rejected', status_detail = ?1, ended_at = ?2, updated_at = ?2 \
             WHERE status = 'submitted' AND created_at <= ?3 RETURNING id, signatures",
        )
        .bind(PROPOSAL_EXPIRED)
        .bind(micros(now))
        .bind(micros(now - chrono::Duration::days(PROPOSAL_EXPIRY_DAYS)))
        .fetch_all(&mut *tx)
        .await?;
        for (id, signatures) in &expired {
            petition_event(&mut tx, *id, "rejected", Some("expired"), u32::try_from(*signatures).map_err(corrupt)?, now).await?;
        }
        tx.commit().await?;
        closed.into_iter().chain(expired).map(|(id, _)| PetitionId::try_from(id).map_err(corrupt)).collect()
    }

    async fn anonymise_due_petitions(&self, now: DateTime<Utc>) -> StoreResult<u32> {
        let mut tx = self.write.begin().await?;
        // A month is 30 days here, as in the setting's description.
        let due: Vec<(Uuid, i64)> = sqlx::query_as(
            "SELECT p.id, p.signatures FROM petitions p JOIN comuni c ON c.istat_code = p.comune \
             WHERE p.anonymised_at IS NULL AND p.ended_at IS NOT NULL \
               AND p.ended_at + c.petition_anonymise_months * 2592000000000 <= ?",
        )
        .bind(micros(now))
        .fetch_all(&mut *tx)
        .await?;
        for (id, signatures) in &due {
            sqlx::query("DELETE FROM petition_signatures WHERE petition_id = ?").bind(id).execute(&mut *tx).await?;
            sqlx::query("UPDATE petition_events SET detail = 'citizen' WHERE petition_id = ? AND detail LIKE 'citizen:%'")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE petitions SET anonymised_at = ?, author_citizen = NULL, author_device = NULL, \
                 author = CASE WHEN author LIKE 'citizen:%' THEN 'citizen' ELSE author END WHERE id = ?",
            )
            .bind(micros(now))
            .bind(id)
            .execute(&mut *tx)
            .await?;
            petition_event(&mut tx, *id, "anonymised", None, u32::try_from(*signatures).map_err(corrupt)?, now).await?;
        }
        tx.commit().await?;
        u32::try_from(due.len()).map_err(corrupt)
    }

    async fn citizen_petitions(&self, citizen: Uuid) -> StoreResult<Vec<PetitionRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {PETITION_COLUMNS} FROM petitions WHERE status IN ('submitted', 'in_moderation', 'rejected') \
               AND (author_citizen = ?1 OR id IN \
                 (SELECT petition_id FROM petition_signatures WHERE citizen_id = ?1 AND withdrawn_at IS NULL)) \
             ORDER BY created_at DESC LIMIT 50"
        ))
        .bind(citizen)
        .fetch_all(&self.read)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(self.petition_from_row(row).await?);
        }
        Ok(out)
    }

    async fn recent_proposals(&self, citizen: Uuid, since: DateTime<Utc>) -> StoreResult<u32> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM petitions WHERE author_citizen = ? AND created_at >= ?")
            .bind(citizen)
            .bind(micros(since))
            .fetch_one(&self.read)
            .await?;
        u32::try_from(n).map_err(corrupt)
    }

    async fn signature_timeline(&self, id: &PetitionId, bucket_secs: u32) -> StoreResult<Vec<(DateTime<Utc>, u32)>> {
        let bucket = i64::from(bucket_secs.max(1)) * 1_000_000;
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT (received_at / ?1) * ?1 AS bucket, count(*) FROM petition_signatures \
             WHERE petition_id = ?2 AND withdrawn_at IS NULL GROUP BY bucket ORDER BY bucket",
        )
        .bind(bucket)
        .bind(id.as_uuid())
        .fetch_all(&self.read)
        .await?;
        rows.into_iter().map(|(b, n)| Ok((from_micros(b)?, u32::try_from(n).map_err(corrupt)?))).collect()
    }

    async fn shared_devices(&self, id: &PetitionId) -> StoreResult<Vec<SharedDevice>> {
        let rows: Vec<(Uuid, i64, i64, i64)> = sqlx::query_as(
            "SELECT device_id, count(DISTINCT citizen_id) AS people, min(received_at), max(received_at) FROM petition_signatures \
             WHERE petition_id = ? AND withdrawn_at IS NULL GROUP BY device_id HAVING count(DISTINCT citizen_id) > 1 \
             ORDER BY people DESC LIMIT 50",
        )
        .bind(id.as_uuid())
        .fetch_all(&self.read)
        .await?;
        rows.into_iter()
            .map(|(device, n, first, last)| {
                Ok(SharedDevice {
                    device: DeviceId::try_from(device).map_err(corrupt)?,
                    signatures: u32::try_from(n).map_err(corrupt)?,
                    first: from_micros(first)?,
                    last: from_micros(last)?,
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
        let mut q: QueryBuilder<Sqlite> = if apply {
            let mut q = QueryBuilder::new("UPDATE petition_signatures SET withdrawn_at = ");
            q.push_bind(micros(at)).push(", invalidated_at = ").push_bind(micros(at));
            q
        } else {
            QueryBuilder::new("SELECT count(*) FROM petition_signatures")
        };
        q.push(" WHERE petition_id = ").push_bind(id.as_uuid()).push(" AND withdrawn_at IS NULL");
        if let Some(d) = selection.device {
            q.push(" AND device_id = ").push_bind(d.as_uuid());
        }
        if let Some(f) = selection.from {
            q.push(" AND received_at >= ").push_bind(micros(f));
        }
        if let Some(u) = selection.until {
            q.push(" AND received_at < ").push_bind(micros(u));
        }
        if let Some(b) = selection.received_before {
            q.push(" AND received_at <= ").push_bind(micros(b));
        }
        if !apply {
            let n: i64 = q.build_query_scalar().fetch_one(&mut *tx).await?;
            return u32::try_from(n).map_err(corrupt);
        }
        let n = u32::try_from(q.build().execute(&mut *tx).await?.rows_affected()).map_err(corrupt)?;
        if n > 0 {
            let after: i64 =
                sqlx::query_scalar("UPDATE petitions SET signatures = signatures - ?, updated_at = ? WHERE id = ? RETURNING signatures")
                    .bind(i64::from(n))
                    .bind(micros(at))
                    .bind(id.as_uuid())
                    .fetch_one(&mut *tx)
                    .await?;
            let back: Option<i64> = sqlx::query_scalar(
                "UPDATE petitions SET status = 'submitted' WHERE id = ? AND status = 'in_moderation' AND signatures <= cosponsors \
                 RETURNING signatures",
            )
            .bind(id.as_uuid())
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(back) = back {
                petition_event(
                    &mut tx,
                    id.as_uuid(),
                    "submitted",
                    Some("cosponsors_invalidated"),
                    u32::try_from(back).map_err(corrupt)?,
                    at,
                )
                .await?;
            }
            let detail = format!("{actor}: {n}");
            petition_event(&mut tx, id.as_uuid(), "signatures_invalidated", Some(&detail), u32::try_from(after).map_err(corrupt)?, at)
                .await?;
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
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT petition_id, max(withdrawn_at IS NULL), max(invalidated_at IS NOT NULL) FROM petition_signatures WHERE citizen_id = ",
        );
        q.push_bind(citizen).push(" AND petition_id IN (");
        let mut sep = q.separated(", ");
        for p in petitions {
            sep.push_bind(p.as_uuid());
        }
        sep.push_unseparated(") GROUP BY petition_id");
        let rows: Vec<(Uuid, bool, bool)> = q.build_query_as().fetch_all(&self.read).await?;
        standings(rows)
    }

    async fn petition_counts(&self) -> StoreResult<Vec<PetitionCount>> {
        let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
            "SELECT comune, status, count(*), COALESCE(sum(signatures), 0) FROM petitions \
             GROUP BY comune, status ORDER BY comune, status",
        )
        .fetch_all(&self.read)
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
