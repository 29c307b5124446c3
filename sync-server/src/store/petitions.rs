//! Petitions: proposals, signatures and withdrawals, thresholds,
//! moderation, closing and anonymising, and what moderators review. One SQL
//! text for both databases (see `sql.rs`); where they differ (row locks,
//! time arithmetic, "any" aggregates) the text says so in place.

use casa_shared_model::petition::{NewPetition, PetitionStatus, Threshold, ThresholdKind};
use casa_shared_model::{DeviceId, IstatCode, PetitionId};
use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;
use uuid::Uuid;

use super::sql::{on_both, sql, sql_as, sql_scalar, Backend, Int, Ts};
use super::*;

on_both! {
    pub(crate) const PETITION_COLUMNS: &str = "id, comune, title, body, status, status_detail, residents_only, closes_at, signatures, response, \
         author, created_at, updated_at, author_citizen, author_device, open_days, cosponsors, ended_at, anonymised_at";

    impl DbStore {
        async fn petition_from_row(&self, row: &DbRow) -> StoreResult<PetitionRecord> {
            let mut petition: PetitionRecord = sqlx::FromRow::from_row(row)?;
            let rows: Vec<(String, Int, Option<Ts>)> = sql_as!(
                "SELECT kind, signatures, reached_at FROM petition_thresholds WHERE petition_id = $1 ORDER BY signatures",
                petition.id.as_uuid()
            )
            .fetch_all(&self.read)
            .await?;
            for (kind, signatures, reached_at) in rows {
                let kind = ThresholdKind::parse(&kind).ok_or_else(|| corrupt(format!("threshold {kind}")))?;
                petition.thresholds.push(Threshold { kind, signatures: signatures.count(), reached_at: reached_at.map(|t| t.0) });
            }
            Ok(petition)
        }
    }

    async fn petition_event(
        tx: &mut sqlx::Transaction<'_, Db>,
        petition: Uuid,
        event: &str,
        detail: Option<&str>,
        signatures: u32,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sql!(
            "INSERT INTO petition_events (petition_id, event, detail, signatures, at) VALUES ($1, $2, $3, $4, $5)",
            petition, event, detail, i64::from(signatures), Ts(at)
        )
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Petitions and their signatures.
    pub trait PetitionStore {
        /// Stores a new petition in `status`; an id already stored is left as it
        /// is (returns false).
        async fn insert_petition(
            &self,
            p: &NewPetition,
            status: &PetitionStatus,
            author: &str,
            author_citizen: Option<(Uuid, DeviceId)>,
            at: DateTime<Utc>,
        ) -> StoreResult<bool> {
            let mut tx = self.write.begin().await?;
            let inserted = sql!(
                &format!(
                    "INSERT INTO petitions ({PETITION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, NULL, $9, $10, $11, $12, $13, $14, $15, NULL, NULL) \
                     ON CONFLICT (id) DO NOTHING"
                ),
                p.id.as_uuid(), p.comune.as_str(), &p.title, &p.body, status.code(), status.detail(), p.residents_only, p.closes_at.map(Ts),
                author, Ts(at), Ts(at), author_citizen.map(|(c, _)| c), author_citizen.map(|(_, d)| d.as_uuid()), i64::from(p.open_days),
                i64::from(p.cosponsors)
            )
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted == 0 {
                return Ok(false);
            }
            for (kind, n) in [(ThresholdKind::Response, p.response_threshold), (ThresholdKind::Debate, p.debate_threshold)] {
                sql!(
                    "INSERT INTO petition_thresholds (petition_id, kind, signatures) VALUES ($1, $2, $3)",
                    p.id.as_uuid(), kind.as_str(), i64::from(n)
                )
                .execute(&mut *tx)
                .await?;
            }
            petition_event(&mut tx, p.id.as_uuid(), status.code(), Some(event_actor(author)), 0, at).await?;
            tx.commit().await?;
            Ok(true)
        }

        async fn petition(&self, id: &PetitionId) -> StoreResult<Option<PetitionRecord>> {
            let row = sql!(&format!("SELECT {PETITION_COLUMNS} FROM petitions WHERE id = $1"), id.as_uuid())
                .fetch_optional(&self.read)
                .await?;
            match row {
                Some(row) => Ok(Some(self.petition_from_row(&row).await?)),
                None => Ok(None),
            }
        }

        /// A Comune's petitions in these statuses: those waiting for a moderator
        /// first, then proposals gathering co-sponsors, then the rest; newest first.
        async fn petitions(&self, comune: &IstatCode, statuses: &[&str], limit: u32) -> StoreResult<Vec<PetitionRecord>> {
            let mut q: QueryBuilder<Db> = QueryBuilder::new(format!("SELECT {PETITION_COLUMNS} FROM petitions WHERE comune = "));
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

        /// Counts a signature at most once per person and petition, and records
        /// each threshold it crosses (with the status change) in the same
        /// transaction, so concurrent signers cross a threshold exactly once.
        async fn sign(&self, s: &SignatureRecord) -> StoreResult<SignOutcome> {
            let mut tx = self.write.begin().await?;
            let pid = s.petition_id.as_uuid();
            if s.rate_limit.is_some() {
                // Limits count across petitions: see each store's `lock_signer`.
                DbStore::lock_signer(&mut tx, s).await?;
            }
            // The petition's row lock (SQLite: its one writer) serialises its
            // signers: the count and the thresholds below are read and written
            // by one transaction at a time, so each threshold is crossed once.
            let petition = sql!(
                &format!("SELECT status, status_detail, closes_at, signatures, cosponsors FROM petitions WHERE id = $1{FOR_UPDATE}"),
                pid
            )
            .fetch_optional(&mut *tx)
            .await?;
            let existing: Option<(Uuid, Uuid, Option<Ts>)> =
                sql_as!("SELECT citizen_id, petition_id, invalidated_at FROM petition_signatures WHERE id = $1", s.id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some(petition) = petition else {
                return Ok(SignOutcome::NotFound);
            };
            let count = petition.try_get::<Int, _>("signatures")?.count();
            let cosponsors = petition.try_get::<Int, _>("cosponsors")?.count();
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
            let closes_at = petition.try_get::<Option<Ts>, _>("closes_at")?.map(|t| t.0);
            if !status.takes_signatures() || closes_at.is_some_and(|c| c <= s.received_at) {
                return Ok(SignOutcome::NotSignable);
            }
            // What `sign_refusal` needs, in one round trip (under the petition's lock).
            let since = s.rate_limit.map(|l| l.since).unwrap_or(s.received_at);
            let (invalidated, standing, by_device, by_citizen): (i64, i64, i64, i64) = sql_as!(
                "SELECT count(*) FILTER (WHERE invalidated_at IS NOT NULL), count(*) FILTER (WHERE withdrawn_at IS NULL), \
                        (SELECT count(*) FROM petition_signatures WHERE device_id = $3 AND received_at >= $4), \
                        (SELECT count(*) FROM petition_signatures WHERE citizen_id = $2 AND received_at >= $4) \
                 FROM petition_signatures WHERE petition_id = $1 AND citizen_id = $2",
                pid, s.citizen_id, s.device_id.as_uuid(), Ts(since)
            )
            .fetch_one(&mut *tx)
            .await?;
            if let Some(refused) = sign_refusal(invalidated, standing, by_device, by_citizen, s.rate_limit) {
                return Ok(refused);
            }
            // Signing again after a withdrawal is a new row; the withdrawn one stays.
            let inserted = sql!(
                "INSERT INTO petition_signatures (id, petition_id, citizen_id, device_id, signed_at, received_at) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (petition_id, citizen_id) WHERE withdrawn_at IS NULL DO NOTHING",
                s.id, pid, s.citizen_id, s.device_id.as_uuid(), Ts(s.signed_at), Ts(s.received_at)
            )
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
            let after: Int = sql_scalar!(
                "UPDATE petitions SET signatures = signatures + 1, updated_at = $1 WHERE id = $2 RETURNING signatures",
                Ts(s.received_at), pid
            )
            .fetch_one(&mut *tx)
            .await?;
            let after = after.count();
            let reached: Vec<String> = sql_scalar!(
                "UPDATE petition_thresholds SET reached_at = $1 WHERE petition_id = $2 AND reached_at IS NULL AND signatures <= $3 RETURNING kind",
                Ts(s.received_at), pid, i64::from(after)
            )
            .fetch_all(&mut *tx)
            .await?;
            let mut crossed: Vec<ThresholdKind> = reached.iter().filter_map(|k| ThresholdKind::parse(k)).collect();
            crossed.sort();
            for kind in &crossed {
                petition_event(&mut tx, pid, "threshold_reached", Some(kind.as_str()), after, s.received_at).await?;
            }
            let moved_to = status_after_crossing(&status, &crossed).or_else(|| status_after_cosponsors(&status, cosponsors, after));
            if let Some(next) = &moved_to {
                sql!("UPDATE petitions SET status = $1, status_detail = NULL WHERE id = $2", next.code(), pid)
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
            let row = sql!(&format!("SELECT status, status_detail, closes_at, signatures FROM petitions WHERE id = $1{FOR_UPDATE}"), pid)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(row) = row else {
                return Ok(WithdrawOutcome::NotFound);
            };
            let count = row.try_get::<Int, _>("signatures")?.count();
            let done: Option<Uuid> = sql_scalar!("SELECT citizen_id FROM petition_signatures WHERE withdrawal_id = $1", id)
                .fetch_optional(&mut *tx)
                .await?;
            if done == Some(citizen) {
                return Ok(WithdrawOutcome::AlreadyWithdrawn { signatures: count });
            }
            let code: String = row.try_get("status")?;
            let detail: Option<String> = row.try_get("status_detail")?;
            let closes_at = row.try_get::<Option<Ts>, _>("closes_at")?.map(|t| t.0);
            if !parse_petition_status(&code, detail.as_deref())?.takes_signatures() || closes_at.is_some_and(|c| c <= at) {
                return Ok(WithdrawOutcome::NotSignable);
            }
            let changed = sql!(
                "UPDATE petition_signatures SET withdrawn_at = $1, withdrawal_id = $2 \
                 WHERE petition_id = $3 AND citizen_id = $4 AND withdrawn_at IS NULL",
                Ts(at), id, pid, citizen
            )
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 0 {
                return Ok(WithdrawOutcome::NotSigned);
            }
            let after: Int = sql_scalar!(
                "UPDATE petitions SET signatures = signatures - 1, updated_at = $1 WHERE id = $2 RETURNING signatures",
                Ts(at), pid
            )
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(WithdrawOutcome::Withdrawn { signatures: after.count() })
        }

        /// Oldest first.
        async fn petition_events(&self, id: &PetitionId) -> StoreResult<Vec<PetitionEvent>> {
            Ok(sql_as!("SELECT event, detail, signatures, at FROM petition_events WHERE petition_id = $1 ORDER BY seq", id.as_uuid())
                .fetch_all(&self.read)
                .await?)
        }

        /// Applies a transition if the petition is still in one of its `from`
        /// statuses (two moderators at once cannot both win); returns whether it did.
        async fn set_petition_status(&self, t: &PetitionTransition) -> StoreResult<bool> {
            let mut tx = self.write.begin().await?;
            let mut q: QueryBuilder<Db> = QueryBuilder::new("UPDATE petitions SET status = ");
            q.push_bind(t.to.code()).push(", status_detail = ").push_bind(t.to.detail().map(str::to_owned));
            q.push(", updated_at = ").push_bind(Ts(t.at));
            if let Some(c) = t.closes_at {
                q.push(", closes_at = ").push_bind(Ts(c));
            }
            if let Some(r) = &t.response {
                q.push(", response = ").push_bind(r.clone());
            }
            if t.to.has_ended() {
                q.push(", ended_at = COALESCE(ended_at, ").push_bind(Ts(t.at)).push(")");
            }
            q.push(" WHERE id = ").push_bind(t.id.as_uuid()).push(" AND status IN (");
            let mut sep = q.separated(", ");
            for s in &t.from {
                sep.push_bind(*s);
            }
            sep.push_unseparated(") RETURNING signatures");
            let Some(signatures) = q.build_query_scalar::<Int>().fetch_optional(&mut *tx).await? else {
                return Ok(false);
            };
            let signatures = signatures.count();
            petition_event(&mut tx, t.id.as_uuid(), t.to.code(), Some(&t.actor), signatures, t.at).await?;
            tx.commit().await?;
            Ok(true)
        }

        /// Closes the petitions whose closing date has passed, and rejects as
        /// expired the proposals older than [`PROPOSAL_EXPIRY_DAYS`] still
        /// without their co-sponsors; returns them.
        async fn close_due_petitions(&self, now: DateTime<Utc>) -> StoreResult<Vec<PetitionId>> {
            let mut tx = self.write.begin().await?;
            // SKIP LOCKED: a petition whose signer holds its row lock closes on
            // the next sweep rather than make this one wait.
            let closed: Vec<(Uuid, Int)> = sql_as!(
                &format!(
                    "UPDATE petitions SET status = 'closed', status_detail = NULL, ended_at = $1, updated_at = $1 \
                     WHERE id IN (SELECT id FROM petitions WHERE status IN ('open', 'awaiting_response', 'awaiting_debate') \
                                  AND closes_at <= $1{FOR_UPDATE_SKIP_LOCKED}) RETURNING id, signatures",
                ),
                Ts(now)
            )
            .fetch_all(&mut *tx)
            .await?;
            for (id, signatures) in &closed {
                petition_event(&mut tx, *id, "closed", Some("closing_date"), signatures.count(), now).await?;
            }
            let expired: Vec<(Uuid, Int)> = sql_as!(
                &format!(
                    "UPDATE petitions SET status = 'rejected', status_detail = $1, ended_at = $2, updated_at = $2 \
                     WHERE id IN (SELECT id FROM petitions WHERE status = 'submitted' AND created_at <= $3{FOR_UPDATE_SKIP_LOCKED}) \
                     RETURNING id, signatures",
                ),
                PROPOSAL_EXPIRED, Ts(now), Ts(now - chrono::Duration::days(PROPOSAL_EXPIRY_DAYS))
            )
            .fetch_all(&mut *tx)
            .await?;
            for (id, signatures) in &expired {
                petition_event(&mut tx, *id, "rejected", Some("expired"), signatures.count(), now).await?;
            }
            tx.commit().await?;
            closed.into_iter().chain(expired).map(|(id, _)| PetitionId::try_from(id).map_err(corrupt)).collect()
        }

        /// Deletes the signatures of petitions ended longer ago than their
        /// Comune's anonymisation delay (counts stay); returns how many petitions.
        async fn anonymise_due_petitions(&self, now: DateTime<Utc>) -> StoreResult<u32> {
            let mut tx = self.write.begin().await?;
            // A month is 30 days, as in the setting's description; adding days
            // to a time is arithmetic on SQLite's microseconds, an interval on
            // PostgreSQL.
            let months_later = match BACKEND {
                Backend::Sqlite => "p.ended_at + c.petition_anonymise_months * 2592000000000",
                Backend::Postgres => "p.ended_at + make_interval(days => 30 * c.petition_anonymise_months)",
            };
            let due: Vec<(Uuid, Int)> = sql_as!(
                &format!(
                    "SELECT p.id, p.signatures FROM petitions p JOIN comuni c ON c.istat_code = p.comune \
                     WHERE p.anonymised_at IS NULL AND p.ended_at IS NOT NULL AND {months_later} <= $1{}",
                    if FOR_UPDATE_SKIP_LOCKED.is_empty() { "" } else { " FOR UPDATE OF p SKIP LOCKED" }
                ),
                Ts(now)
            )
            .fetch_all(&mut *tx)
            .await?;
            for (id, signatures) in &due {
                sql!("DELETE FROM petition_signatures WHERE petition_id = $1", id).execute(&mut *tx).await?;
                sql!("UPDATE petition_events SET detail = 'citizen' WHERE petition_id = $1 AND detail LIKE 'citizen:%'", id)
                    .execute(&mut *tx)
                    .await?;
                sql!(
                    "UPDATE petitions SET anonymised_at = $1, author_citizen = NULL, author_device = NULL, \
                     author = CASE WHEN author LIKE 'citizen:%' THEN 'citizen' ELSE author END WHERE id = $2",
                    Ts(now), id
                )
                .execute(&mut *tx)
                .await?;
                petition_event(&mut tx, *id, "anonymised", None, signatures.count(), now).await?;
            }
            tx.commit().await?;
            u32::try_from(due.len()).map_err(corrupt)
        }

        /// A citizen's own proposals and those they co-sponsor, wherever, before
        /// moderation or rejected (the public lists show moderated ones only).
        async fn citizen_petitions(&self, citizen: Uuid) -> StoreResult<Vec<PetitionRecord>> {
            let rows = sql!(
                &format!(
                    "SELECT {PETITION_COLUMNS} FROM petitions WHERE status IN ('submitted', 'in_moderation', 'rejected') \
                       AND (author_citizen = $1 OR id IN \
                         (SELECT petition_id FROM petition_signatures WHERE citizen_id = $1 AND withdrawn_at IS NULL)) \
                     ORDER BY created_at DESC LIMIT 50"
                ),
                citizen
            )
            .fetch_all(&self.read)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                out.push(self.petition_from_row(row).await?);
            }
            Ok(out)
        }

        /// Proposals this person sent since `since`.
        async fn recent_proposals(&self, citizen: Uuid, since: DateTime<Utc>) -> StoreResult<u32> {
            let n: i64 = sql_scalar!("SELECT count(*) FROM petitions WHERE author_citizen = $1 AND created_at >= $2", citizen, Ts(since))
                .fetch_one(&self.read)
                .await?;
            u32::try_from(n).map_err(corrupt)
        }

        /// Standing signatures per time bucket of `bucket_secs`, oldest first.
        async fn signature_timeline(&self, id: &PetitionId, bucket_secs: u32) -> StoreResult<Vec<(DateTime<Utc>, u32)>> {
            // Rounding a time down to its bucket: integer division of SQLite's
            // microseconds, epoch arithmetic on PostgreSQL.
            let secs = i64::from(bucket_secs.max(1));
            let bucket = match BACKEND {
                Backend::Sqlite => "(received_at / ($1 * 1000000)) * ($1 * 1000000)",
                Backend::Postgres => "to_timestamp(floor(extract(epoch FROM received_at) / $1::float8) * $1::float8)",
            };
            let rows: Vec<(Ts, i64)> = sql_as!(
                &format!(
                    "SELECT {bucket} AS bucket, count(*) FROM petition_signatures \
                     WHERE petition_id = $2 AND withdrawn_at IS NULL GROUP BY bucket ORDER BY bucket",
                ),
                secs, id.as_uuid()
            )
            .fetch_all(&self.read)
            .await?;
            rows.into_iter().map(|(b, n)| Ok((b.0, u32::try_from(n).map_err(corrupt)?))).collect()
        }

        /// Phones that signed this petition for more than one person, most first.
        async fn shared_devices(&self, id: &PetitionId) -> StoreResult<Vec<SharedDevice>> {
            let rows: Vec<(Uuid, i64, Ts, Ts)> = sql_as!(
                "SELECT device_id, count(DISTINCT citizen_id) AS people, min(received_at), max(received_at) FROM petition_signatures \
                 WHERE petition_id = $1 AND withdrawn_at IS NULL GROUP BY device_id HAVING count(DISTINCT citizen_id) > 1 \
                 ORDER BY people DESC LIMIT 50",
                id.as_uuid()
            )
            .fetch_all(&self.read)
            .await?;
            rows.into_iter()
                .map(|(device, n, first, last)| {
                    Ok(SharedDevice {
                        device: DeviceId::try_from(device).map_err(corrupt)?,
                        signatures: u32::try_from(n).map_err(corrupt)?,
                        first: first.0,
                        last: last.0,
                    })
                })
                .collect()
        }

        /// Counts (`apply` false) or invalidates the standing signatures selected,
        /// lowering the count; thresholds already reached stay reached, and a
        /// proposal in moderation left without its co-sponsors looks for them again.
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
            sql!(&format!("SELECT 1 FROM petitions WHERE id = $1{FOR_UPDATE}"), id.as_uuid()).execute(&mut *tx).await?;
            let mut q: QueryBuilder<Db> = if apply {
                let mut q = QueryBuilder::new("UPDATE petition_signatures SET withdrawn_at = ");
                q.push_bind(Ts(at)).push(", invalidated_at = ").push_bind(Ts(at));
                q
            } else {
                QueryBuilder::new("SELECT count(*) FROM petition_signatures")
            };
            q.push(" WHERE petition_id = ").push_bind(id.as_uuid()).push(" AND withdrawn_at IS NULL");
            if let Some(d) = selection.device {
                q.push(" AND device_id = ").push_bind(d.as_uuid());
            }
            if let Some(f) = selection.from {
                q.push(" AND received_at >= ").push_bind(Ts(f));
            }
            if let Some(u) = selection.until {
                q.push(" AND received_at < ").push_bind(Ts(u));
            }
            if let Some(b) = selection.received_before {
                q.push(" AND received_at <= ").push_bind(Ts(b));
            }
            if !apply {
                let n: i64 = q.build_query_scalar().fetch_one(&mut *tx).await?;
                return u32::try_from(n).map_err(corrupt);
            }
            let n = u32::try_from(q.build().execute(&mut *tx).await?.rows_affected()).map_err(corrupt)?;
            if n > 0 {
                let after: Int = sql_scalar!(
                    "UPDATE petitions SET signatures = signatures - $1, updated_at = $2 WHERE id = $3 RETURNING signatures",
                    i64::from(n), Ts(at), id.as_uuid()
                )
                .fetch_one(&mut *tx)
                .await?;
                let back: Option<Int> = sql_scalar!(
                    "UPDATE petitions SET status = 'submitted' WHERE id = $1 AND status = 'in_moderation' AND signatures <= cosponsors \
                     RETURNING signatures",
                    id.as_uuid()
                )
                .fetch_optional(&mut *tx)
                .await?;
                if let Some(back) = back {
                    petition_event(
                        &mut tx,
                        id.as_uuid(),
                        "submitted",
                        Some("cosponsors_invalidated"),
                        back.count(),
                        at,
                    )
                    .await?;
                }
                let detail = format!("{actor}: {n}");
                petition_event(&mut tx, id.as_uuid(), "signatures_invalidated", Some(&detail), after.count(), at)
                    .await?;
            }
            tx.commit().await?;
            Ok(n)
        }

        /// A digest of what a phone's list of petitions shows, read from
        /// indexed aggregates without building the list: the petitions of
        /// `comune` in `statuses` (when given) and `citizen`'s own petitions
        /// and signatures (when given). Every change to what the list shows
        /// moves a count, a sum of signatures or the latest update, so a sync
        /// with nothing new stops here.
        async fn petitions_digest(&self, comune: Option<&IstatCode>, statuses: &[&str], citizen: Option<Uuid>) -> StoreResult<String> {
            // The latest update as a number, beside the counts.
            let at = |t: Option<Ts>| t.map_or(0, |t| t.0.timestamp_micros());
            let mut digest = Vec::new();
            if let Some(comune) = comune {
                let mut q = QueryBuilder::<Db>::new(
                    "SELECT count(*), COALESCE(sum(signatures), 0), max(updated_at), count(anonymised_at) FROM petitions WHERE comune = ",
                );
                q.push_bind(comune.as_str()).push(" AND status IN (");
                let mut list = q.separated(", ");
                for status in statuses {
                    list.push_bind(*status);
                }
                q.push(")");
                let (n, signatures, updated, anonymised): (Int, Int, Option<Ts>, Int) = q.build_query_as().fetch_one(&self.read).await?;
                digest.extend([n.0, signatures.0, at(updated), anonymised.0]);
            }
            if let Some(citizen) = citizen {
                let (n, signatures, updated, anonymised, signed, withdrawn, invalidated): (Int, Int, Option<Ts>, Int, Int, Int, Int) = sql_as!(
                    "SELECT (SELECT count(*) FROM petitions WHERE author_citizen = $1), \
                            (SELECT COALESCE(sum(signatures), 0) FROM petitions WHERE author_citizen = $1), \
                            (SELECT max(updated_at) FROM petitions WHERE author_citizen = $1), \
                            (SELECT count(anonymised_at) FROM petitions WHERE author_citizen = $1), \
                            (SELECT count(*) FROM petition_signatures WHERE citizen_id = $1), \
                            (SELECT count(withdrawn_at) FROM petition_signatures WHERE citizen_id = $1), \
                            (SELECT count(invalidated_at) FROM petition_signatures WHERE citizen_id = $1)",
                    citizen
                )
                .fetch_one(&self.read)
                .await?;
                digest.extend([n.0, signatures.0, at(updated), anonymised.0, signed.0, withdrawn.0, invalidated.0]);
            }
            Ok(digest.iter().map(i64::to_string).collect::<Vec<_>>().join(":"))
        }

        /// Where a citizen stands on these petitions (those not listed: not signed).
        async fn citizen_standings(
            &self,
            citizen: Uuid,
            petitions: &[PetitionId],
        ) -> StoreResult<std::collections::HashMap<PetitionId, casa_shared_model::petition::SignatureStanding>> {
            if petitions.is_empty() {
                return Ok(Default::default());
            }
            // "Any row such that": max() over SQLite's 0/1, bool_or on PostgreSQL.
            let any = match BACKEND {
                Backend::Sqlite => "max",
                Backend::Postgres => "bool_or",
            };
            let mut q: QueryBuilder<Db> = QueryBuilder::new(format!(
                "SELECT petition_id, {any}(withdrawn_at IS NULL), {any}(invalidated_at IS NOT NULL) FROM petition_signatures WHERE citizen_id = "
            ));
            q.push_bind(citizen).push(" AND petition_id IN (");
            let mut sep = q.separated(", ");
            for p in petitions {
                sep.push_bind(p.as_uuid());
            }
            sep.push_unseparated(") GROUP BY petition_id");
            let rows: Vec<(Uuid, bool, bool)> = q.build_query_as().fetch_all(&self.read).await?;
            standings(rows)
        }

        /// Petitions and standing signatures per Comune and status.
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
}
