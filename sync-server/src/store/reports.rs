//! Reports: intake, moderation and status history, reopening, transfers,
//! the change feed phones pull, and timings for statistics. One SQL text for
//! both databases (see `sql.rs`); only the event-log lock is each store's
//! own (`lock_events`).

use casa_shared_model::report::Reopen;
use casa_shared_model::wire::{Cursor, ReportChange};
use casa_shared_model::{DeviceId, IstatCode, ReportId, ReportStatus};
use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;
use uuid::Uuid;

use super::sql::{on_both, sql, sql_as, sql_scalar, Backend, Photos, Ts};
use super::*;

/// Whether a status change puts the report in its department's hands, so
/// the department's back-office must receive it.
pub(crate) fn hands_to_department(to: &ReportStatus) -> bool {
    matches!(to, ReportStatus::Published | ReportStatus::AssignedToDepartment { .. })
}

/// Rows per multi-row insert: 21 parameters each stays far below the
/// parameter limits of SQLite (32,766) and PostgreSQL (65,535).
const INGEST_CHUNK: usize = 500;

/// What a stored row says about an id: comune, department, routing method, fingerprint.
pub(crate) type KeptRouting = (IstatCode, String, String, String);

/// Answers an ingest in the order sent: fresh rows as inserted, the others
/// as stored. A second copy of an id in the same batch is answered as a
/// re-send of the first.
pub(crate) fn answer_ingest(
    reports: &[RoutedReport],
    fingerprints: Vec<String>,
    mut fresh: std::collections::HashSet<Uuid>,
    existing: &std::collections::HashMap<Uuid, KeptRouting>,
) -> Vec<Ingested> {
    reports
        .iter()
        .zip(fingerprints)
        .map(|(r, fingerprint)| {
            let id = r.report.id;
            if fresh.remove(&id.as_uuid()) {
                return Ingested {
                    id,
                    created: true,
                    comune: r.comune,
                    department: r.department.clone(),
                    routing_method: r.routing_method.to_owned(),
                    fingerprint,
                };
            }
            let kept = existing.get(&id.as_uuid()).cloned();
            // Inserted earlier in this same batch: the stored row is this one.
            let (comune, department, routing_method, fingerprint) =
                kept.unwrap_or((r.comune, r.department.clone(), r.routing_method.to_owned(), fingerprint));
            Ingested { id, created: false, comune, department, routing_method, fingerprint }
        })
        .collect()
}

pub(crate) const REPORT_COLUMNS: &str = "id, device_id, source, comune, category, department, description, lat, lon, accuracy_m, \
     address, captured_at, received_at, updated_at, photos, media_url, routing_method, routing_distance_m, status, status_detail";

on_both! {
    /// Citizens' reports and their status history.
    pub trait ReportStore {
        /// Sets a new status only if the stored one is still `from` (two
        /// moderators acting at once cannot both win). Returns whether it changed.
        /// A report put in its department's hands (published or assigned) enters
        /// the outbox of that department's back-office in the same transaction.
        async fn record_status(&self, change: &StatusChange) -> StoreResult<bool> {
            self.record_statuses(std::slice::from_ref(change)).await
        }

        /// [`ReportStore::record_status`] without a note or photo.
        async fn change_status(
            &self,
            id: &ReportId,
            from: &ReportStatus,
            to: &ReportStatus,
            actor: &str,
            at: DateTime<Utc>,
        ) -> StoreResult<bool> {
            self.record_status(&StatusChange {
                id: *id,
                from: from.clone(),
                to: to.clone(),
                actor: actor.to_owned(),
                note: None,
                photo: None,
                at,
            })
            .await
        }

        /// Inserts the reports in one transaction; ids already stored are left
        /// untouched and answered with what is stored.
        async fn ingest(&self, reports: &[RoutedReport]) -> StoreResult<Vec<Ingested>> {
            if reports.is_empty() {
                return Ok(Vec::new());
            }
            let fingerprints: Vec<String> = reports.iter().map(|r| r.report.fingerprint()).collect();
            let mut tx = self.write.begin().await?;
            // Taken before the first insert: a concurrent re-send of the same
            // id would otherwise wait on our row while we wait on its lock.
            DbStore::lock_events(&mut tx).await?;
            // A few statements per batch rather than per report.
            let mut inserted: Vec<Uuid> = Vec::with_capacity(reports.len());
            for (chunk, offset) in reports.chunks(INGEST_CHUNK).zip((0..).step_by(INGEST_CHUNK)) {
                let mut q = QueryBuilder::<Db>::new(
                    "INSERT INTO reports (id, device_id, source, api_key_id, comune, category, department, description, lat, lon, \
                     accuracy_m, address, captured_at, received_at, updated_at, photos, media_url, routing_method, routing_distance_m, \
                     fingerprint, status) ",
                );
                q.push_values(chunk.iter().enumerate(), |mut row, (i, r)| {
                    let n = &r.report;
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
                        .push_bind(Ts(n.captured_at))
                        .push_bind(Ts(r.received_at))
                        .push_bind(Ts(r.received_at))
                        .push_bind(Photos(n.photos.iter().map(|p| p.as_str().to_owned()).collect()))
                        .push_bind(r.media_url.clone())
                        .push_bind(r.routing_method)
                        .push_bind(r.routing_distance_m)
                        .push_bind(fingerprints[offset + i].clone())
                        .push("'in_moderation'");
                });
                q.push(" ON CONFLICT (id) DO NOTHING RETURNING id");
                inserted.extend(q.build_query_scalar::<Uuid>().fetch_all(&mut *tx).await?);
            }
            let fresh: std::collections::HashSet<Uuid> = inserted.iter().copied().collect();
            for chunk in inserted.chunks(INGEST_CHUNK * 10) {
                let mut q = QueryBuilder::<Db>::new(
                    "INSERT INTO report_events (report_id, device_id, status, actor, at) \
                     SELECT id, device_id, 'in_moderation', 'system', received_at FROM reports WHERE id IN (",
                );
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                q.push(") ORDER BY id");
                q.build().execute(&mut *tx).await?;
            }
            let rest: Vec<Uuid> = reports.iter().map(|r| r.report.id.as_uuid()).filter(|id| !fresh.contains(id)).collect();
            let mut existing = std::collections::HashMap::new();
            for chunk in rest.chunks(INGEST_CHUNK * 10) {
                let mut q = QueryBuilder::<Db>::new("SELECT id, comune, department, routing_method, fingerprint FROM reports WHERE id IN (");
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                q.push(")");
                for row in q.build().fetch_all(&mut *tx).await? {
                    let kept = (parse_istat(row.try_get("comune")?)?, row.try_get("department")?, row.try_get("routing_method")?, row.try_get("fingerprint")?);
                    existing.insert(row.try_get::<Uuid, _>("id")?, kept);
                }
            }
            tx.commit().await?;
            Ok(answer_ingest(reports, fingerprints, fresh, &existing))
        }

        async fn report(&self, id: &ReportId) -> StoreResult<Option<ReportRecord>> {
            Ok(sql_as!(&format!("SELECT {REPORT_COLUMNS} FROM reports WHERE id = $1"), id.as_uuid()).fetch_optional(&self.read).await?)
        }

        /// The reports waiting for a moderator of `comune`, oldest first.
        async fn moderation_queue(&self, comune: &IstatCode, limit: u32, offset: u32) -> StoreResult<(u64, Vec<ReportRecord>)> {
            let total: i64 = sql_scalar!("SELECT count(*) FROM reports WHERE comune = $1 AND status = 'in_moderation'", comune.as_str())
                .fetch_one(&self.read)
                .await?;
            let items = sql_as!(
                &format!(
                    "SELECT {REPORT_COLUMNS} FROM reports WHERE comune = $1 AND status = 'in_moderation' \
                     ORDER BY received_at, id LIMIT $2 OFFSET $3"
                ),
                comune.as_str(), i64::from(limit), i64::from(offset)
            )
            .fetch_all(&self.read)
            .await?;
            Ok((u64::try_from(total).unwrap_or(0), items))
        }

        async fn search_reports(&self, f: &ReportFilter) -> StoreResult<Vec<ReportRecord>> {
            let mut q: QueryBuilder<Db> = QueryBuilder::new(format!("SELECT {REPORT_COLUMNS} FROM reports WHERE 1 = 1"));
            if let Some(ids) = &f.ids {
                q.push(" AND id IN (");
                let mut sep = q.separated(", ");
                for id in ids {
                    sep.push_bind(id.as_uuid());
                }
                sep.push_unseparated(")");
            }
            if let Some(c) = &f.comune {
                q.push(" AND comune = ").push_bind(c.as_str().to_owned());
            }
            if let Some(cats) = &f.categories {
                q.push(" AND category IN (");
                let mut sep = q.separated(", ");
                for c in cats {
                    sep.push_bind(c.clone());
                }
                sep.push_unseparated(")");
            }
            if let Some(departments) = &f.departments {
                q.push(" AND department IN (");
                let mut sep = q.separated(", ");
                for d in departments {
                    sep.push_bind(d.clone());
                }
                sep.push_unseparated(")");
            }
            if let Some(statuses) = &f.statuses {
                q.push(" AND status IN (");
                let mut sep = q.separated(", ");
                for s in statuses {
                    sep.push_bind(*s);
                }
                sep.push_unseparated(")");
            }
            if let Some(t) = f.received_from {
                q.push(" AND received_at >= ").push_bind(Ts(t));
            }
            if let Some(t) = f.received_to {
                q.push(" AND received_at <= ").push_bind(Ts(t));
            }
            if let Some((min_lat, min_lon, max_lat, max_lon)) = f.bbox {
                q.push(" AND lat BETWEEN ").push_bind(min_lat).push(" AND ").push_bind(max_lat);
                q.push(" AND lon BETWEEN ").push_bind(min_lon).push(" AND ").push_bind(max_lon);
            }
            q.push(" ORDER BY received_at DESC, id DESC LIMIT ").push_bind(i64::from(f.limit));
            q.push(" OFFSET ").push_bind(i64::from(f.offset));
            Ok(q.build_query_as().fetch_all(&self.read).await?)
        }

        /// Records several changes of one report in order, in one transaction:
        /// all of them, or none when the report is no longer in the `from` of
        /// one (answers false) or a step fails.
        async fn record_statuses(&self, changes: &[StatusChange]) -> StoreResult<bool> {
            let mut tx = self.write.begin().await?;
            DbStore::lock_events(&mut tx).await?;
            for change in changes {
                let StatusChange { id, from, to, actor, note, photo, at } = change;
                let at = *at;
                let department = match to {
                    ReportStatus::AssignedToDepartment { department } => Some(department.clone()),
                    _ => None,
                };
                let changed = sql!(
                    "UPDATE reports SET status = $1, status_detail = $2, updated_at = $3, department = coalesce($4, department) \
                     WHERE id = $5 AND status = $6 AND status_detail IS NOT DISTINCT FROM $7",
                    to.code(), to.detail(), Ts(at), department, id.as_uuid(), from.code(), from.detail()
                )
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if changed == 0 {
                    return Ok(false);
                }
                sql!(
                    "INSERT INTO report_events (report_id, device_id, status, detail, actor, at, note, photo) \
                     SELECT id, device_id, $1, $2, $3, $4, $5, $6 FROM reports WHERE id = $7",
                    to.code(), to.detail(), actor, Ts(at), note, photo, id.as_uuid()
                )
                .execute(&mut *tx)
                .await?;
                if hands_to_department(to) {
                    // At most one target per Comune and department. A report handed
                    // to the same department again (assigned after publication) is
                    // not sent twice: the (report, target) pair is unique.
                    sql!(
                        "INSERT INTO deliveries (id, report_id, target_id, attempts, next_attempt_at, created_at) \
                         SELECT $1, r.id, t.id, 0, $2, $3 FROM reports r \
                         JOIN delivery_targets t ON t.comune = r.comune AND t.department = r.department \
                         WHERE r.id = $4 ON CONFLICT DO NOTHING",
                        Uuid::now_v7(), Ts(at), Ts(at), id.as_uuid()
                    )
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.commit().await?;
            Ok(true)
        }

        /// Reopens a resolved report for the device that filed it, sending it
        /// back to `department`, in one transaction with its status event.
        async fn reopen(&self, reopen: &Reopen, device: &DeviceId, department: &str) -> StoreResult<ReopenApplied> {
            let mut tx = self.write.begin().await?;
            DbStore::lock_events(&mut tx).await?;
            let inserted = sql!(
                "INSERT INTO report_reopens (id, report_id, device_id, reason, at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
                reopen.id, reopen.report_id.as_uuid(), device.as_uuid(), &reopen.reason, Ts(reopen.at)
            )
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted == 0 {
                return Ok(ReopenApplied::AlreadyApplied);
            }
            let now = Ts(Utc::now());
            let changed = sql!(
                "UPDATE reports SET status = 'assigned_to_department', status_detail = $1, department = $2, updated_at = $3 \
                 WHERE id = $4 AND device_id = $5 AND status = 'resolved'",
                department, department, now, reopen.report_id.as_uuid(), device.as_uuid()
            )
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 0 {
                return Ok(ReopenApplied::NotResolved);
            }
            sql!(
                "INSERT INTO report_events (report_id, device_id, status, detail, actor, at) \
                 VALUES ($1, $2, 'assigned_to_department', $3, 'citizen', $4)",
                reopen.report_id.as_uuid(), device.as_uuid(), department, now
            )
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(ReopenApplied::Applied)
        }

        /// Puts `new` in place of the photo `old` of a report (a blurred copy).
        /// Returns whether any report still shows `old`, so its file may go.
        async fn replace_photo(&self, id: &ReportId, old: &str, new: &str, at: DateTime<Utc>) -> StoreResult<PhotoReplaced> {
            let mut tx = self.write.begin().await?;
            let Some(Photos(mut photos)) = sqlx::query_scalar::<_, Photos>(&format!("SELECT photos FROM reports WHERE id = $1{FOR_UPDATE}"))
                .bind(id.as_uuid())
                .fetch_optional(&mut *tx)
                .await?
            else {
                return Ok(PhotoReplaced::NotThere);
            };
            let Some(slot) = photos.iter_mut().find(|p| *p == old) else {
                return Ok(PhotoReplaced::NotThere);
            };
            *slot = new.to_owned();
            sql!("UPDATE reports SET photos = $1, updated_at = $2 WHERE id = $3", Photos(photos), Ts(at), id.as_uuid())
                .execute(&mut *tx)
                .await?;
            // Looking inside the photo list differs: a JSON array on SQLite, an array on PostgreSQL.
            let used = match BACKEND {
                Backend::Sqlite => "SELECT EXISTS (SELECT 1 FROM reports, json_each(reports.photos) AS p WHERE p.value = $1)",
                Backend::Postgres => "SELECT EXISTS (SELECT 1 FROM reports WHERE $1 = ANY(photos))",
            };
            let old_still_used: bool = sql_scalar!(used, old).fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok(PhotoReplaced::Replaced { old_still_used })
        }

        /// Files a report under another category and the department that handles
        /// it; a report already with a department follows it there (with a status
        /// event, so the citizen sees the new office).
        async fn recategorize(&self, change: &Recategorize) -> StoreResult<bool> {
            let mut tx = self.write.begin().await?;
            DbStore::lock_events(&mut tx).await?;
            let at = Ts(change.at);
            let changed = sql!(
                "UPDATE reports SET category = $1, department = $2, updated_at = $3, \
                 status_detail = CASE WHEN status = 'assigned_to_department' THEN $4 ELSE status_detail END \
                 WHERE id = $5 AND category = $6",
                &change.category, &change.department, at, &change.department, change.id.as_uuid(), &change.from_category
            )
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 0 {
                return Ok(false);
            }
            sql!(
                "INSERT INTO report_events (report_id, device_id, status, detail, actor, at) \
                 SELECT id, device_id, status, status_detail, $1, $2 FROM reports WHERE id = $3 AND status = 'assigned_to_department'",
                &change.actor, at, change.id.as_uuid()
            )
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(true)
        }

        /// Moves a report to another Comune's moderation queue, if its status is
        /// still `from_status`; the transfer and its reason are kept.
        async fn transfer(&self, t: &Transfer) -> StoreResult<bool> {
            let mut tx = self.write.begin().await?;
            DbStore::lock_events(&mut tx).await?;
            let at = Ts(t.at);
            let changed = sql!(
                "UPDATE reports SET comune = $1, category = $2, department = $3, status = 'in_moderation', status_detail = NULL, \
                 updated_at = $4 WHERE id = $5 AND comune = $6 AND status = $7 AND status_detail IS NOT DISTINCT FROM $8",
                t.to_comune.as_str(), &t.category, &t.department, at, t.report_id.as_uuid(), t.from_comune.as_str(), t.from_status.code(),
                t.from_status.detail()
            )
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 0 {
                return Ok(false);
            }
            sql!(
                "INSERT INTO report_transfers (id, report_id, from_comune, to_comune, reason, actor, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                t.id, t.report_id.as_uuid(), t.from_comune.as_str(), t.to_comune.as_str(), &t.reason, &t.actor, at
            )
            .execute(&mut *tx)
            .await?;
            sql!(
                "INSERT INTO report_events (report_id, device_id, status, detail, actor, at) \
                 SELECT id, device_id, 'in_moderation', NULL, $1, $2 FROM reports WHERE id = $3",
                &t.actor, at, t.report_id.as_uuid()
            )
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(true)
        }

        async fn transfers(&self, report: &ReportId) -> StoreResult<Vec<TransferRecord>> {
            Ok(sql_as!(
                "SELECT from_comune, to_comune, reason, actor, at FROM report_transfers WHERE report_id = $1 ORDER BY at, id",
                report.as_uuid()
            )
            .fetch_all(&self.read)
            .await?)
        }

        /// The reasons citizens gave for reopening a report, oldest first.
        async fn reopens(&self, report: &ReportId) -> StoreResult<Vec<Reopen>> {
            let rows: Vec<(Uuid, Uuid, String, Ts)> =
                sql_as!("SELECT id, report_id, reason, at FROM report_reopens WHERE report_id = $1 ORDER BY at, id", report.as_uuid())
                    .fetch_all(&self.read)
                    .await?;
            rows.into_iter()
                .map(|(id, report, reason, at)| Ok(Reopen { id, report_id: ReportId::try_from(report).map_err(corrupt)?, reason, at: at.0 }))
                .collect()
        }

        /// Every status the report went through, oldest first.
        async fn status_history(&self, id: &ReportId) -> StoreResult<Vec<StatusEvent>> {
            Ok(sql_as!(
                "SELECT status, detail AS status_detail, actor, note, photo, at FROM report_events WHERE report_id = $1 ORDER BY seq",
                id.as_uuid()
            )
            .fetch_all(&self.read)
            .await?)
        }

        /// One row per report of `comune` received from `since` on, with when it
        /// was first answered and first resolved (for the statistics).
        async fn report_timings(&self, comune: &IstatCode, since: Option<DateTime<Utc>>) -> StoreResult<Vec<ReportTiming>> {
            Ok(sql_as!(
                "SELECT r.category, r.status, r.received_at, \
                   (SELECT min(e.at) FROM report_events e WHERE e.report_id = r.id AND e.status NOT IN ($1, $2)) AS first_response_at, \
                   (SELECT min(e.at) FROM report_events e WHERE e.report_id = r.id AND e.status = 'resolved') AS resolved_at \
                 FROM reports r WHERE r.comune = $3 AND r.received_at >= $4",
                NOT_AN_ANSWER[0], NOT_AN_ANSWER[1], comune.as_str(), Ts(since.unwrap_or(DateTime::UNIX_EPOCH))
            )
            .fetch_all(&self.read)
            .await?)
        }

        /// How many reports waiting for moderation in `comune` arrived after
        /// `since` (the dashboard's live banner).
        async fn queue_arrivals(&self, comune: &IstatCode, since: DateTime<Utc>) -> StoreResult<u64> {
            let n: i64 = sql_scalar!(
                "SELECT count(*) FROM reports WHERE comune = $1 AND status = 'in_moderation' AND received_at > $2",
                comune.as_str(), Ts(since)
            )
            .fetch_one(&self.read)
            .await?;
            Ok(u64::try_from(n).unwrap_or(0))
        }

        /// Status changes of a device's reports after `since`, oldest first.
        async fn device_changes(&self, device: &DeviceId, since: Cursor, limit: u32) -> StoreResult<Vec<(Cursor, ReportChange)>> {
            let rows: Vec<(i64, Uuid, String, Option<String>, Option<String>, Ts)> = sql_as!(
                "SELECT seq, report_id, status, detail, note, at FROM report_events WHERE device_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                device.as_uuid(), since.0, i64::from(limit)
            )
            .fetch_all(&self.read)
            .await?;
            rows.into_iter()
                .map(|(seq, id, status, detail, note, at)| {
                    let report_id = ReportId::try_from(id).map_err(corrupt)?;
                    Ok((Cursor(seq), ReportChange { report_id, status: parse_status(&status, detail.as_deref())?, note, at: at.0 }))
                })
                .collect()
        }
    }
}
