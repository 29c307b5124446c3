//! The reports' tables on the phone: a capture and its outbox entry
//! written together, the citizen's reports with their timeline, reopen
//! requests, and what the server refused.

use casa_shared_model::wire::PushItem;
use casa_shared_model::{NewReport, ReportId, ReportStatus};
use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::Serialize;

use crate::store::{parse_ts, ts, LocalStore, StoreError, StoreResult};

/// A report as the phone knows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LocalReport {
    pub id: ReportId,
    pub category: String,
    pub description: String,
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
    pub captured_at: DateTime<Utc>,
    pub photos: Vec<String>,
    #[serde(flatten)]
    pub status: ReportStatus,
    pub status_at: DateTime<Utc>,
    pub comune: Option<String>,
    pub comune_name: Option<String>,
    pub department: Option<String>,
    pub department_name: Option<String>,
    pub approximate: Option<bool>,
    /// Still waiting in the outbox.
    pub pending: bool,
    /// A reopen request is waiting in the outbox.
    pub reopen_pending: bool,
    /// Why the server refused it, if it did (`code`, message for people).
    pub error: Option<ItemError>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemError {
    pub report_id: ReportId,
    pub code: String,
    pub message: String,
}

/// One step of a report's timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportEvent {
    #[serde(flatten)]
    pub step: Step,
    /// What the office wrote with a status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Step {
    /// A status the report reached (as the phone learnt it).
    Status(ReportStatus),
    /// The citizen asked to reopen it.
    Reopened {
        reason: String,
        /// Waiting in the outbox.
        pending: bool,
        /// The server's refusal code, if it refused (its words: `Lang::refusal`).
        refused: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReopenRefused {
    #[error("segnalazione non trovata / report not found")]
    NotFound,
    #[error("si può riaprire solo una segnalazione risolta / only a resolved report can be reopened")]
    NotResolved,
    #[error("la richiesta di riapertura è già in attesa di invio / the reopen request is already waiting to be sent")]
    AlreadyPending,
    #[error(transparent)]
    Invalid(#[from] casa_shared_model::report::ReopenError),
}

impl LocalStore {
    /// Records a new report and queues it for sending, atomically.
    pub fn capture(&mut self, report: &NewReport) -> StoreResult<()> {
        let payload = report.to_payload();
        let json = serde_json::to_string(&PushItem::Report(payload.clone())).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let now = ts(Utc::now());
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO reports (id, category, description, lat, lon, accuracy_m, captured_at, photos, status, status_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'submitted', ?9)",
            params![
                payload.id.to_string(),
                payload.category,
                payload.description,
                payload.lat,
                payload.lon,
                payload.accuracy_m,
                ts(payload.captured_at),
                serde_json::to_string(&payload.photos).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                now
            ],
        )?;
        tx.execute(
            "INSERT INTO outbox (item_id, kind, payload, created_at) VALUES (?1, 'report', ?2, ?3)",
            params![payload.id.to_string(), json, now],
        )?;
        tx.execute("INSERT INTO report_events (report_id, status, at) VALUES (?1, 'submitted', ?2)", params![payload.id.to_string(), now])?;
        tx.commit()?;
        Ok(())
    }

    /// Local reports, newest first.
    pub fn reports(&self) -> StoreResult<Vec<LocalReport>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT r.id, category, description, lat, lon, accuracy_m, captured_at, photos, status, status_detail, status_at,
                    comune, comune_name, department, department_name, approximate, error_code, error_message,
                    EXISTS (SELECT 1 FROM outbox o WHERE o.item_id = r.id) AS pending,
                    EXISTS (SELECT 1 FROM reopens x JOIN outbox o ON o.item_id = x.id WHERE x.report_id = r.id) AS reopen_pending
             FROM reports r ORDER BY captured_at DESC, r.id DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(RawReport {
                id: r.get("id")?,
                category: r.get("category")?,
                description: r.get("description")?,
                lat: r.get("lat")?,
                lon: r.get("lon")?,
                accuracy_m: r.get("accuracy_m")?,
                captured_at: r.get("captured_at")?,
                photos: r.get("photos")?,
                status: r.get("status")?,
                status_detail: r.get("status_detail")?,
                status_at: r.get("status_at")?,
                comune: r.get("comune")?,
                comune_name: r.get("comune_name")?,
                department: r.get("department")?,
                department_name: r.get("department_name")?,
                approximate: r.get("approximate")?,
                error_code: r.get("error_code")?,
                error_message: r.get("error_message")?,
                pending: r.get("pending")?,
                reopen_pending: r.get("reopen_pending")?,
            })
        })?;
        rows.map(|raw| raw?.parse()).collect()
    }

    /// One report of this phone, if it has it.
    pub fn report(&self, id: ReportId) -> StoreResult<Option<LocalReport>> {
        Ok(self.reports()?.into_iter().find(|r| r.id == id))
    }

    /// A report's timeline as the phone saw it, oldest first: the statuses
    /// it reached and the citizen's reopen requests.
    pub fn report_events(&self, id: ReportId) -> StoreResult<Vec<ReportEvent>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT status, status_detail, at, note FROM report_events WHERE report_id = ?1 ORDER BY at, rowid")?;
        let rows = stmt.query_map([id.to_string()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, String>(2)?, r.get::<_, Option<String>>(3)?))
        })?;
        let mut events = rows
            .map(|row| {
                let (code, detail, at, note) = row?;
                let status =
                    ReportStatus::from_parts(&code, detail.as_deref()).ok_or_else(|| StoreError::Corrupt(format!("status {code}")))?;
                Ok(ReportEvent { step: Step::Status(status), note, at: parse_ts(&at)? })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT reason, at, error_code, EXISTS (SELECT 1 FROM outbox o WHERE o.item_id = x.id)
             FROM reopens x WHERE report_id = ?1 ORDER BY at",
        )?;
        let rows = stmt.query_map([id.to_string()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?, r.get::<_, bool>(3)?))
        })?;
        for row in rows {
            let (reason, at, refused, pending) = row?;
            events.push(ReportEvent { step: Step::Reopened { reason, pending, refused }, note: None, at: parse_ts(&at)? });
        }
        // Stable: a reopen sorts after the status it answered when both share a time.
        events.sort_by_key(|e| e.at);
        Ok(events)
    }

    /// Queues a request to reopen a resolved report of this phone, with the
    /// citizen's reason; the server sends it back to its department.
    pub fn reopen(&mut self, id: ReportId, reason: &str) -> StoreResult<Result<uuid::Uuid, ReopenRefused>> {
        let Some(report) = self.report(id)? else { return Ok(Err(ReopenRefused::NotFound)) };
        if report.reopen_pending {
            return Ok(Err(ReopenRefused::AlreadyPending));
        }
        if report.status != ReportStatus::Resolved {
            return Ok(Err(ReopenRefused::NotResolved));
        }
        let now = Utc::now();
        let payload =
            casa_shared_model::wire::ReopenPayload { id: uuid::Uuid::now_v7(), report_id: id, reason: reason.to_owned(), at: now };
        let reopen = match casa_shared_model::report::Reopen::parse(&payload, now) {
            Ok(r) => r,
            Err(e) => return Ok(Err(e.into())),
        };
        let json = serde_json::to_string(&PushItem::Reopen(reopen.to_payload())).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO reopens (id, report_id, reason, at) VALUES (?1, ?2, ?3, ?4)",
            params![reopen.id.to_string(), id.to_string(), reopen.reason, ts(now)],
        )?;
        tx.execute(
            "INSERT INTO outbox (item_id, kind, payload, created_at) VALUES (?1, 'reopen', ?2, ?3)",
            params![reopen.id.to_string(), json, ts(now)],
        )?;
        tx.commit()?;
        Ok(Ok(reopen.id))
    }

    /// Puts a report the server refused back in the outbox, as it was, for
    /// another try (a refusal for a passing reason, such as a Comune that had
    /// not enabled reports yet). Returns false when there is nothing to retry.
    pub fn retry_refused(&mut self, id: ReportId) -> StoreResult<bool> {
        let Some(report) = self.report(id)? else { return Ok(false) };
        if report.error.is_none() || report.pending {
            return Ok(false);
        }
        let payload = casa_shared_model::wire::ReportPayload {
            id,
            category: report.category,
            description: report.description,
            lat: report.lat,
            lon: report.lon,
            accuracy_m: report.accuracy_m,
            captured_at: report.captured_at,
            photos: report.photos,
        };
        let json = serde_json::to_string(&PushItem::Report(payload)).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let tx = self.conn.transaction()?;
        tx.execute("UPDATE reports SET error_code = NULL, error_message = NULL WHERE id = ?1", [id.to_string()])?;
        tx.execute(
            "INSERT OR IGNORE INTO outbox (item_id, kind, payload, created_at) VALUES (?1, 'report', ?2, ?3)",
            params![id.to_string(), json, ts(Utc::now())],
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// Reports the server refused, with its reasons.
    pub fn errors(&self) -> StoreResult<Vec<ItemError>> {
        Ok(self.reports()?.into_iter().filter_map(|r| r.error).collect())
    }
}

/// A `reports` row as stored, before its text fields are parsed.
struct RawReport {
    id: String,
    category: String,
    description: String,
    lat: f64,
    lon: f64,
    accuracy_m: f64,
    captured_at: String,
    photos: String,
    status: String,
    status_detail: Option<String>,
    status_at: String,
    comune: Option<String>,
    comune_name: Option<String>,
    department: Option<String>,
    department_name: Option<String>,
    approximate: Option<bool>,
    error_code: Option<String>,
    error_message: Option<String>,
    pending: bool,
    reopen_pending: bool,
}

impl RawReport {
    fn parse(self) -> StoreResult<LocalReport> {
        let corrupt = |e: String| StoreError::Corrupt(e);
        let id = ReportId::parse(&self.id).map_err(|e| corrupt(e.to_string()))?;
        Ok(LocalReport {
            id,
            category: self.category,
            description: self.description,
            lat: self.lat,
            lon: self.lon,
            accuracy_m: self.accuracy_m,
            captured_at: parse_ts(&self.captured_at)?,
            photos: serde_json::from_str(&self.photos).map_err(|e| corrupt(e.to_string()))?,
            status: ReportStatus::from_parts(&self.status, self.status_detail.as_deref())
                .ok_or_else(|| corrupt(format!("status {}", self.status)))?,
            status_at: parse_ts(&self.status_at)?,
            comune: self.comune,
            comune_name: self.comune_name,
            department: self.department,
            department_name: self.department_name,
            approximate: self.approximate,
            pending: self.pending,
            reopen_pending: self.reopen_pending,
            error: self.error_code.zip(self.error_message).map(|(code, message)| ItemError { report_id: id, code, message }),
        })
    }
}
