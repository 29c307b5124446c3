//! Photo uploads and who may see a photo: every tus upload belongs to the
//! device that started it (quotas, expiry), and `photo_refs` says which
//! reports show a photo (kept by triggers of migration 0017, on both
//! backends, so every way a report gets or loses a photo is covered).

use casa_shared_model::{DeviceId, ReportId};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::sql::{on_both, sql, sql_scalar, text_enum, Ts};
use super::{StoreError, StoreResult};

/// Where an upload stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadState {
    /// Bytes still arriving.
    Open,
    /// The photo was filed.
    Done,
    /// Complete, but not a photo (or not the one it declared).
    Refused,
    /// Deleted by its client (tus termination).
    Terminated,
}

impl UploadState {
    pub fn as_str(&self) -> &'static str {
        match self {
            UploadState::Open => "open",
            UploadState::Done => "done",
            UploadState::Refused => "refused",
            UploadState::Terminated => "terminated",
        }
    }
}

/// A device's uploads, for its quotas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UploadCounts {
    /// Started since the given time.
    pub recent: u32,
    /// Still open, whenever started.
    pub open: u32,
    /// When the oldest of the recent ones started.
    pub oldest_recent: Option<DateTime<Utc>>,
}

text_enum! {
    /// How a report uses a photo.
    pub enum PhotoUse {
        /// One of the report's own photos.
        Report = "report",
        /// Attached to a status change (the office's photo of the work).
        Work = "work",
        /// Taken by the inspector on site: for staff only.
        Inspection = "inspection",
    }
}

fn device(uuid: Uuid) -> StoreResult<DeviceId> {
    DeviceId::try_from(uuid).map_err(|e| StoreError::Corrupt(format!("device id: {e}")))
}

fn report(uuid: Uuid) -> StoreResult<ReportId> {
    ReportId::try_from(uuid).map_err(|e| StoreError::Corrupt(format!("report id: {e}")))
}

const STARTED: &str = "INSERT INTO uploads (id, device_id, photo, state, created_at) VALUES ($1, $2, $3, 'open', $4)";
const OWNER: &str = "SELECT device_id FROM uploads WHERE id = $1";
const FINISHED: &str = "UPDATE uploads SET state = $2, finished_at = $3 WHERE id = $1 AND state = 'open'";
const COUNTS: &str = "SELECT COALESCE(SUM(CASE WHEN created_at >= $2 THEN 1 ELSE 0 END), 0) AS recent, \
     COALESCE(SUM(CASE WHEN state = 'open' THEN 1 ELSE 0 END), 0) AS open, \
     MIN(CASE WHEN created_at >= $2 THEN created_at END) AS oldest \
     FROM uploads WHERE device_id = $1 AND (created_at >= $2 OR state = 'open')";
const OLDEST_OPEN: &str = "SELECT id FROM uploads WHERE device_id = $1 AND state = 'open' ORDER BY created_at, id LIMIT $2";
const UPLOADED: &str = "SELECT EXISTS (SELECT 1 FROM uploads WHERE device_id = $1 AND photo = $2 AND state = 'done')";
const REFERENCES: &str = "SELECT report_id, kind FROM photo_refs WHERE photo = $1 ORDER BY report_id, kind";
const EXPIRE: &str = "DELETE FROM uploads WHERE state <> 'done' AND created_at < $1 RETURNING id";
const UNREFERENCED: &str = "SELECT DISTINCT u.photo FROM uploads u WHERE u.state = 'done' AND u.finished_at < $1 \
     AND NOT EXISTS (SELECT 1 FROM uploads v WHERE v.photo = u.photo AND v.state = 'done' AND v.finished_at >= $1) \
     AND NOT EXISTS (SELECT 1 FROM photo_refs r WHERE r.photo = u.photo) \
     ORDER BY u.photo LIMIT $2";
const FORGET: &str = "DELETE FROM uploads WHERE photo = $1 AND NOT EXISTS (SELECT 1 FROM photo_refs r WHERE r.photo = $1)";

fn count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

on_both! {
    pub trait UploadStore {
        /// Records an upload `device` started, of the photo `photo` (its sha256).
        async fn upload_started(&self, id: &str, device: &DeviceId, photo: &str, at: DateTime<Utc>) -> StoreResult<()> {
            sql!(STARTED, id, device.as_uuid(), photo, Ts(at)).execute(&self.write).await?;
            Ok(())
        }

        /// The device an upload belongs to.
        async fn upload_owner(&self, id: &str) -> StoreResult<Option<DeviceId>> {
            let owner: Option<Uuid> = sql_scalar!(OWNER, id).fetch_optional(&self.read).await?;
            owner.map(device).transpose()
        }

        /// Ends an open upload (one already ended keeps its state).
        async fn upload_finished(&self, id: &str, state: UploadState, at: DateTime<Utc>) -> StoreResult<()> {
            sql!(FINISHED, id, state.as_str(), Ts(at)).execute(&self.write).await?;
            Ok(())
        }

        async fn upload_counts(&self, device: &DeviceId, since: DateTime<Utc>) -> StoreResult<UploadCounts> {
            let row = sql!(COUNTS, device.as_uuid(), Ts(since)).fetch_one(&self.read).await?;
            let oldest: Option<Ts> = row.try_get("oldest")?;
            Ok(UploadCounts { recent: count(row.try_get("recent")?), open: count(row.try_get("open")?), oldest_recent: oldest.map(|t| t.0) })
        }

        /// The oldest `limit` of `device`'s unfinished uploads.
        async fn oldest_open_uploads(&self, device: &DeviceId, limit: u32) -> StoreResult<Vec<String>> {
            Ok(sql_scalar!(OLDEST_OPEN, device.as_uuid(), i64::from(limit)).fetch_all(&self.read).await?)
        }

        /// Whether `device` uploaded `photo` (and the upload was filed).
        async fn device_uploaded(&self, device: &DeviceId, photo: &str) -> StoreResult<bool> {
            Ok(sql_scalar!(UPLOADED, device.as_uuid(), photo).fetch_one(&self.read).await?)
        }

        /// The reports that show `photo`, and how.
        async fn photo_references(&self, photo: &str) -> StoreResult<Vec<(ReportId, PhotoUse)>> {
            let rows = sql!(REFERENCES, photo).fetch_all(&self.read).await?;
            rows.iter()
                .map(|row| Ok((report(row.try_get("report_id")?)?, PhotoUse::try_from(row.try_get::<String, _>("kind")?)?)))
                .collect()
        }

        /// Forgets uploads never finished (or refused, or terminated) that were
        /// started before `before`; returns their ids, whose files are to go.
        async fn expire_uploads(&self, before: DateTime<Utc>) -> StoreResult<Vec<String>> {
            Ok(sql_scalar!(EXPIRE, Ts(before)).fetch_all(&self.write).await?)
        }

        /// Photos filed from uploads before `before`, uploaded by nobody since,
        /// that no report shows.
        async fn unreferenced_photos(&self, before: DateTime<Utc>, limit: u32) -> StoreResult<Vec<String>> {
            Ok(sql_scalar!(UNREFERENCED, Ts(before), i64::from(limit)).fetch_all(&self.read).await?)
        }

        /// Forgets the uploads of `photo` if no report shows it (checked again
        /// here); returns whether it did, so its file may be deleted.
        async fn forget_photo(&self, photo: &str) -> StoreResult<bool> {
            Ok(sql!(FORGET, photo).execute(&self.write).await?.rows_affected() > 0)
        }
    }
}
