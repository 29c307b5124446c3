//! Inspectors, their assignments and the inspections they file: one SQL
//! text for both databases (see `sql.rs`).

use casa_shared_model::{IstatCode, ReportId};
use uuid::Uuid;

use super::sql::{on_both, sql, sql_as, Ts};
use super::*;

/// A staff member with the inspector role.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct InspectorRecord {
    pub id: Uuid,
    pub email: String,
}

/// Who is asked to check a report on site.
#[derive(Debug, Clone, PartialEq)]
pub struct AssignmentRecord {
    pub report_id: ReportId,
    pub inspector: InspectorRecord,
    pub instructions: Option<String>,
    pub assigned_by: String,
    pub assigned_at: DateTime<Utc>,
    /// When the inspector's visit came in.
    pub done_at: Option<DateTime<Utc>>,
}

/// An inspector's visit, checked (see `casa_shared_model::inspection`).
#[derive(Debug, Clone, PartialEq)]
pub struct InspectionRecord {
    pub id: Uuid,
    pub report_id: ReportId,
    pub inspector: InspectorRecord,
    pub outcome: InspectionOutcome,
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
    pub distance_m: f64,
    pub fix_at: DateTime<Utc>,
    pub photo: Option<String>,
    pub photo_taken_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub inspected_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
}

pub(crate) const INSPECTION_COLUMNS: &str = "i.id, i.report_id, i.inspector_id, u.email, i.outcome, i.lat, i.lon, i.accuracy_m, \
     i.distance_m, i.fix_at, i.photo, i.photo_taken_at, i.note, i.inspected_at, i.received_at";

on_both! {
    fn inspection_from_row(row: &DbRow) -> StoreResult<InspectionRecord> {
        let outcome: String = row.try_get("outcome")?;
        let report: Uuid = row.try_get("report_id")?;
        let photo_taken_at: Option<Ts> = row.try_get("photo_taken_at")?;
        Ok(InspectionRecord {
            id: row.try_get("id")?,
            report_id: ReportId::try_from(report).map_err(corrupt)?,
            inspector: InspectorRecord { id: row.try_get("inspector_id")?, email: row.try_get("email")? },
            outcome: InspectionOutcome::parse(&outcome).ok_or_else(|| corrupt(format!("inspection outcome {outcome}")))?,
            lat: row.try_get("lat")?,
            lon: row.try_get("lon")?,
            accuracy_m: row.try_get("accuracy_m")?,
            distance_m: row.try_get("distance_m")?,
            fix_at: row.try_get::<Ts, _>("fix_at")?.0,
            photo: row.try_get("photo")?,
            photo_taken_at: photo_taken_at.map(|t| t.0),
            note: row.try_get("note")?,
            inspected_at: row.try_get::<Ts, _>("inspected_at")?.0,
            received_at: row.try_get::<Ts, _>("received_at")?.0,
        })
    }

    fn assignment_from_row(row: &DbRow) -> StoreResult<AssignmentRecord> {
        let report: Uuid = row.try_get("report_id")?;
        let done_at: Option<Ts> = row.try_get("done_at")?;
        Ok(AssignmentRecord {
            report_id: ReportId::try_from(report).map_err(corrupt)?,
            inspector: InspectorRecord { id: row.try_get("inspector_id")?, email: row.try_get("inspector_email")? },
            instructions: row.try_get("instructions")?,
            assigned_by: row.try_get("assigned_by")?,
            assigned_at: row.try_get::<Ts, _>("assigned_at")?.0,
            done_at: done_at.map(|t| t.0),
        })
    }

    const ASSIGNMENT_COLUMNS: &str =
        "a.report_id, a.inspector_id, u.email AS inspector_email, a.instructions, a.assigned_by, a.assigned_at, a.done_at";

    /// Field inspections: who is asked to check what, and what they found.
    pub trait InspectionStore {
        /// The inspectors who cover a Comune, by email.
        async fn inspectors(&self, comune: &IstatCode) -> StoreResult<Vec<InspectorRecord>> {
            Ok(sql_as!(
                "SELECT u.id, u.email FROM staff_users u JOIN staff_user_comuni c ON c.user_id = u.id \
                 WHERE u.role = 'inspector' AND c.comune = $1 ORDER BY u.email",
                comune.as_str()
            )
            .fetch_all(&self.read)
            .await?)
        }

        /// Asks an inspector to check a report; replaces an earlier request
        /// (another inspector, or the same one again after a visit).
        async fn assign_inspector(&self, a: &AssignmentRecord) -> StoreResult<()> {
            sql!(
                "INSERT INTO inspection_assignments (report_id, inspector_id, instructions, assigned_by, assigned_at, done_at) \
                 VALUES ($1, $2, $3, $4, $5, NULL) ON CONFLICT (report_id) DO UPDATE SET inspector_id = excluded.inspector_id, \
                 instructions = excluded.instructions, assigned_by = excluded.assigned_by, assigned_at = excluded.assigned_at, done_at = NULL",
                a.report_id.as_uuid(), a.inspector.id, &a.instructions, &a.assigned_by, Ts(a.assigned_at)
            )
            .execute(&self.write)
            .await?;
            Ok(())
        }

        async fn inspection_assignment(&self, report: &ReportId) -> StoreResult<Option<AssignmentRecord>> {
            let row = sql!(
                &format!(
                    "SELECT {ASSIGNMENT_COLUMNS} FROM inspection_assignments a JOIN staff_users u ON u.id = a.inspector_id WHERE a.report_id = $1"
                ),
                report.as_uuid()
            )
            .fetch_optional(&self.read)
            .await?;
            row.as_ref().map(assignment_from_row).transpose()
        }

        /// An inspector's reports still to visit, oldest request first.
        async fn open_assignments(&self, inspector: Uuid) -> StoreResult<Vec<(ReportRecord, AssignmentRecord)>> {
            let rows = sql!(
                &format!(
                    "SELECT {REPORT_COLUMNS}, {ASSIGNMENT_COLUMNS} FROM inspection_assignments a \
                     JOIN reports ON reports.id = a.report_id JOIN (SELECT id AS uid, email FROM staff_users) u ON u.uid = a.inspector_id \
                     WHERE a.inspector_id = $1 AND a.done_at IS NULL ORDER BY a.assigned_at, a.report_id"
                ),
                inspector
            )
            .fetch_all(&self.read)
            .await?;
            rows.iter().map(|row| Ok((sqlx::FromRow::from_row(row)?, assignment_from_row(row)?))).collect()
        }

        /// Keeps a visit and closes the inspector's request for that report. A
        /// re-sent id changes nothing; returns whether the visit is new.
        async fn record_inspection(&self, i: &InspectionRecord) -> StoreResult<bool> {
            let mut tx = self.write.begin().await?;
            let inserted = sql!(
                "INSERT INTO inspections (id, report_id, inspector_id, outcome, lat, lon, accuracy_m, distance_m, fix_at, photo, \
                 photo_taken_at, note, inspected_at, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
                 ON CONFLICT (id) DO NOTHING",
                i.id, i.report_id.as_uuid(), i.inspector.id, i.outcome.as_str(), i.lat, i.lon, i.accuracy_m, i.distance_m, Ts(i.fix_at),
                &i.photo, i.photo_taken_at.map(Ts), &i.note, Ts(i.inspected_at), Ts(i.received_at)
            )
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if inserted {
                sql!(
                    "UPDATE inspection_assignments SET done_at = $1 WHERE report_id = $2 AND inspector_id = $3 AND done_at IS NULL",
                    Ts(i.received_at), i.report_id.as_uuid(), i.inspector.id
                )
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(inserted)
        }

        async fn inspection(&self, id: Uuid) -> StoreResult<Option<InspectionRecord>> {
            let row = sql!(
                &format!(
                    "SELECT {INSPECTION_COLUMNS} FROM inspections i JOIN staff_users u ON u.id = i.inspector_id WHERE i.id = $1"
                ),
                id
            )
            .fetch_optional(&self.read)
            .await?;
            row.as_ref().map(inspection_from_row).transpose()
        }

        /// A report's visits, oldest first.
        async fn inspections(&self, report: &ReportId) -> StoreResult<Vec<InspectionRecord>> {
            let rows = sql!(
                &format!(
                    "SELECT {INSPECTION_COLUMNS} FROM inspections i JOIN staff_users u ON u.id = i.inspector_id \
                     WHERE i.report_id = $1 ORDER BY i.inspected_at, i.id"
                ),
                report.as_uuid()
            )
            .fetch_all(&self.read)
            .await?;
            rows.iter().map(inspection_from_row).collect()
        }
    }
}
