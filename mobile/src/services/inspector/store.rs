//! The inspector mode's offline data: the session token, the assigned
//! reports (replaced whole by each inspector sync) and the visits recorded
//! on site, queued until they are answered.

use casa_shared_model::geo::GeoPoint;
use casa_shared_model::inspection::{Inspection, InspectionError, InspectionOutcome};
use casa_shared_model::wire::{Assignment, InspectionPayload, InspectionResult, InspectionVerdict, InspectorSession};
use casa_shared_model::ReportId;
use chrono::Utc;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use crate::store::{parse_ts, ts, LocalStore, StoreError, StoreResult};

pub(crate) const MIGRATION: &str = "CREATE TABLE inspector_session (
         id         INTEGER PRIMARY KEY CHECK (id = 1),
         email      TEXT NOT NULL,
         token      TEXT NOT NULL,
         expires_at TEXT NOT NULL
     );
     CREATE TABLE inspector_assignments (
         report_id  TEXT PRIMARY KEY,
         position   INTEGER NOT NULL,
         assignment TEXT NOT NULL
     );
     -- The inspector's visits: sent until answered; kept after, for the list.
     CREATE TABLE inspections (
         id            TEXT PRIMARY KEY,
         report_id     TEXT NOT NULL,
         payload       TEXT NOT NULL,
         created_at    TEXT NOT NULL,
         answered      INTEGER NOT NULL DEFAULT 0,
         error_code    TEXT,
         error_message TEXT
     );
     CREATE INDEX inspections_report ON inspections (report_id);";

/// A visit as the phone keeps it, with the server's answer once it came.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LocalInspection {
    pub id: uuid::Uuid,
    pub report_id: ReportId,
    pub outcome: InspectionOutcome,
    /// Metres from the report, as measured on site.
    pub distance_m: f64,
    pub note: Option<String>,
    /// Waiting to be sent (or answered).
    pub pending: bool,
    /// The server's refusal, if it refused.
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

/// An assignment with what the phone did about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LocalAssignment {
    #[serde(flatten)]
    pub assignment: Assignment,
    pub inspections: Vec<LocalInspection>,
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

impl LocalStore {
    pub fn set_inspector_session(&mut self, s: &InspectorSession) -> StoreResult<()> {
        self.conn.execute(
            "INSERT INTO inspector_session (id, email, token, expires_at) VALUES (1, ?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET email = excluded.email, token = excluded.token, expires_at = excluded.expires_at",
            params![s.email, s.token, ts(s.expires_at)],
        )?;
        Ok(())
    }

    pub fn inspector_session(&self) -> StoreResult<Option<InspectorSession>> {
        let row = self
            .conn
            .query_row("SELECT email, token, expires_at FROM inspector_session WHERE id = 1", [], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
            })
            .optional()?;
        row.map(|(email, token, expires_at)| Ok(InspectorSession { email, token, expires_at: parse_ts(&expires_at)? })).transpose()
    }

    /// Forgets the token; assignments and unsent visits stay for the next login.
    pub fn clear_inspector_session(&mut self) -> StoreResult<()> {
        self.conn.execute("DELETE FROM inspector_session", [])?;
        Ok(())
    }

    /// The server's list, whole: reports no longer assigned leave the phone.
    pub fn replace_assignments(&mut self, assignments: &[Assignment]) -> StoreResult<()> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM inspector_assignments", [])?;
        {
            let mut insert =
                tx.prepare_cached("INSERT INTO inspector_assignments (report_id, position, assignment) VALUES (?1, ?2, ?3)")?;
            for (i, a) in assignments.iter().enumerate() {
                insert.execute(params![a.report_id.to_string(), i as i64, serde_json::to_string(a).map_err(corrupt)?])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn assignment(&self, report: ReportId) -> StoreResult<Option<Assignment>> {
        let json: Option<String> = self
            .conn
            .query_row("SELECT assignment FROM inspector_assignments WHERE report_id = ?1", [report.to_string()], |r| r.get(0))
            .optional()?;
        json.map(|j| serde_json::from_str(&j).map_err(corrupt)).transpose()
    }

    /// The assigned reports in the server's order, each with its visits.
    pub fn assignments(&self) -> StoreResult<Vec<LocalAssignment>> {
        let mut stmt = self.conn.prepare_cached("SELECT assignment FROM inspector_assignments ORDER BY position")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for row in rows {
            let assignment: Assignment = serde_json::from_str(&row?).map_err(corrupt)?;
            let inspections = self.inspections_of(assignment.report_id)?;
            out.push(LocalAssignment { assignment, inspections });
        }
        Ok(out)
    }

    /// Checks a visit against the assigned report's place with the server's
    /// own rules and queues it. A visit the server would refuse (too far,
    /// no fresh photo) is refused here, offline, with the same reason.
    pub fn record_inspection(&mut self, payload: &InspectionPayload) -> StoreResult<Result<Inspection, InspectionError>> {
        let Some(assignment) = self.assignment(payload.report_id)? else {
            return Err(StoreError::NotFound(format!(
                "nessun sopralluogo assegnato per la segnalazione {} (sincronizza) / no inspection assigned for this report (sync)",
                payload.report_id
            )));
        };
        let checked = match Inspection::parse(payload, GeoPoint { lat: assignment.lat, lon: assignment.lon }, Utc::now()) {
            Ok(i) => i,
            Err(e) => return Ok(Err(e)),
        };
        self.conn.execute(
            "INSERT INTO inspections (id, report_id, payload, created_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (id) DO NOTHING",
            params![
                payload.id.to_string(),
                payload.report_id.to_string(),
                serde_json::to_string(payload).map_err(corrupt)?,
                ts(Utc::now())
            ],
        )?;
        Ok(Ok(checked))
    }

    /// Visits not answered yet, oldest first.
    pub fn pending_inspections(&self, limit: usize) -> StoreResult<Vec<InspectionPayload>> {
        let mut stmt = self.conn.prepare_cached("SELECT payload FROM inspections WHERE answered = 0 ORDER BY created_at, id LIMIT ?1")?;
        let rows = stmt.query_map([limit as i64], |r| r.get::<_, String>(0))?;
        rows.map(|row| serde_json::from_str(&row?).map_err(corrupt)).collect()
    }

    pub fn answer_inspections(&mut self, results: &[InspectionResult]) -> StoreResult<()> {
        let tx = self.conn.transaction()?;
        {
            let mut answer = tx.prepare_cached("UPDATE inspections SET answered = 1, error_code = ?2, error_message = ?3 WHERE id = ?1")?;
            for r in results {
                let (code, message) = match &r.verdict {
                    InspectionVerdict::Accepted => (None, None),
                    InspectionVerdict::Rejected { code, message } => (Some(code.as_str()), Some(message.as_str())),
                };
                answer.execute(params![r.id.to_string(), code, message])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn inspections_of(&self, report: ReportId) -> StoreResult<Vec<LocalInspection>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT payload, answered, error_code, error_message FROM inspections WHERE report_id = ?1 ORDER BY created_at, id",
        )?;
        let rows = stmt.query_map([report.to_string()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?, r.get::<_, Option<String>>(2)?, r.get::<_, Option<String>>(3)?))
        })?;
        let assignment = self.assignment(report)?;
        rows.map(|row| {
            let (payload, answered, error_code, error_message) = row?;
            let p: InspectionPayload = serde_json::from_str(&payload).map_err(corrupt)?;
            let distance_m = assignment
                .as_ref()
                .map(|a| casa_shared_model::geo::haversine_m(GeoPoint { lat: p.lat, lon: p.lon }, GeoPoint { lat: a.lat, lon: a.lon }))
                .unwrap_or(f64::NAN);
            Ok(LocalInspection {
                id: p.id,
                report_id: p.report_id,
                outcome: p.outcome,
                distance_m,
                note: p.note,
                pending: !answered,
                error_code,
                error_message,
            })
        })
        .collect()
    }

    /// Photos of unanswered visits the server does not have yet.
    pub fn inspection_photos_to_upload(&self) -> StoreResult<Vec<(casa_shared_model::report::PhotoRef, Option<String>)>> {
        let mut out = Vec::new();
        let mut stmt = self.conn.prepare_cached("SELECT upload_url FROM photos WHERE sha256 = ?1 AND uploaded_at IS NULL")?;
        for p in self.pending_inspections(usize::MAX >> 1)? {
            let Some(sha) = p.photo else { continue };
            if let Some(url) = stmt.query_row([&sha], |r| r.get::<_, Option<String>>(0)).optional()? {
                out.push((casa_shared_model::report::PhotoRef::parse(&sha).map_err(corrupt)?, url));
            }
        }
        Ok(out)
    }
}
