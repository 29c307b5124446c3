//! The phone's own database: every capture is written here first, every
//! screen reads from here, and the sync engine empties the outbox.
//!
//! One transaction writes a report and its outbox entry together, so a crash
//! can never leave a report that will not be sent, or an entry without its
//! report.

use std::path::Path;

use casa_shared_model::wire::{ComuneInfo, Cursor, ItemOutcome, ItemResult, PushItem, ReportChange};
use casa_shared_model::DeviceId;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("archivio locale / local database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("archivio locale, aggiornamento dello schema / local database, schema upgrade: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("dato locale non valido / invalid local data: {0}")]
    Corrupt(String),
    #[error("file locale / local file: {0}")]
    Io(String),
    /// Asked about something the phone does not hold; the message says what.
    #[error("{0}")]
    NotFound(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

pub use crate::services::inspector::{LocalAssignment, LocalInspection};
pub use crate::services::reports::{ItemError, LocalReport, ReopenRefused, ReportEvent, Step};
mod device_key;
pub use device_key::new_device_key;
mod migrations;
pub use crate::services::petitions::{LocalIdentity, LocalPetition, MySignature, ProposalDraft, ProposeRefused, SignRefused};
use migrations::migrations;

/// The settings key of the citizen's own Comune (an ISTAT code).
pub const HOME_COMUNE_SETTING: &str = "comune";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncState {
    pub cursor: Cursor,
    pub last_sync_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub failures: u32,
}

#[derive(Debug)]
pub struct LocalStore {
    pub(crate) conn: Connection,
    device: DeviceId,
    device_key: String,
    photo_dir: std::path::PathBuf,
}

pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

pub(crate) fn parse_ts(s: &str) -> StoreResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).map_err(|e| StoreError::Corrupt(format!("time {s}: {e}")))
}

const PHOTOS_TO_UPLOAD: &str = "SELECT DISTINCT p.sha256, p.upload_url, p.created_at FROM outbox o
     CROSS JOIN reports r ON r.id = o.item_id
     CROSS JOIN json_each(r.photos) j
     CROSS JOIN photos p ON p.sha256 = j.value
     WHERE p.uploaded_at IS NULL ORDER BY p.created_at, p.sha256";

impl LocalStore {
    /// Opens (creating if needed) the database in `dir`.
    pub fn open(dir: &Path) -> StoreResult<Self> {
        let photo_dir = dir.join("photos");
        std::fs::create_dir_all(&photo_dir).map_err(|e| StoreError::Io(format!("{}: {e}", photo_dir.display())))?;
        let mut conn = Connection::open(dir.join("casa-mobile.db"))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        migrations().to_latest(&mut conn)?;
        let existing: Option<String> = conn.query_row("SELECT id FROM device", [], |r| r.get(0)).optional()?;
        let device = match existing {
            Some(id) => DeviceId::parse(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            None => {
                let id = DeviceId::new();
                conn.execute("INSERT INTO device (id, created_at) VALUES (?1, ?2)", params![id.to_string(), ts(Utc::now())])?;
                id
            }
        };
        let device_key = device_key::ensure(&conn)?;
        Ok(Self { conn, device, device_key, photo_dir })
    }

    pub fn device_id(&self) -> DeviceId {
        self.device
    }

    /// Keeps a processed photo under its sha256 (once, however often it is
    /// attached). The file is written and synced before the row that names
    /// it, so a crash never leaves a row without its file.
    pub fn save_photo(&mut self, photo: &crate::photo::ProcessedPhoto) -> StoreResult<()> {
        let path = self.photo_path(&photo.sha256);
        if !path.exists() {
            let tmp = path.with_extension("part");
            let io = |e: std::io::Error| StoreError::Io(format!("{}: {e}", path.display()));
            {
                use std::io::Write;
                let mut f = std::fs::File::create(&tmp).map_err(io)?;
                f.write_all(&photo.jpeg).map_err(io)?;
                f.sync_all().map_err(io)?;
            }
            std::fs::rename(&tmp, &path).map_err(io)?;
        }
        self.conn.execute(
            "INSERT INTO photos (sha256, bytes, width, height, created_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (sha256) DO NOTHING",
            params![photo.sha256.as_str(), photo.jpeg.len() as i64, photo.width, photo.height, ts(Utc::now())],
        )?;
        Ok(())
    }

    /// Where a processed photo is kept on the device.
    pub fn photo_path(&self, sha256: &casa_shared_model::report::PhotoRef) -> std::path::PathBuf {
        self.photo_dir.join(format!("{}.jpg", sha256.as_str()))
    }

    /// Photos that queued reports need and the server does not have yet,
    /// with the tus upload already started for each, if any.
    pub fn photos_to_upload(&self) -> StoreResult<Vec<(casa_shared_model::report::PhotoRef, Option<String>)>> {
        let mut stmt = self.conn.prepare_cached(
            // From the outbox outwards (CROSS JOIN fixes SQLite's join order), so
            // the cost follows what is queued, not every report ever filed.
            PHOTOS_TO_UPLOAD,
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?)))?;
        rows.map(|row| {
            let (sha, url) = row?;
            Ok((casa_shared_model::report::PhotoRef::parse(&sha).map_err(|e| StoreError::Corrupt(e.to_string()))?, url))
        })
        .collect()
    }

    /// The photos that `items` need and the server does not have yet, in the
    /// order the items name them, each with its tus upload if one was started.
    pub fn photos_to_upload_for(&self, items: &[PushItem]) -> StoreResult<Vec<(casa_shared_model::report::PhotoRef, Option<String>)>> {
        let mut stmt = self.conn.prepare_cached("SELECT upload_url FROM photos WHERE sha256 = ?1 AND uploaded_at IS NULL")?;
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        let photos = items.iter().flat_map(|item| match item {
            PushItem::Report(report) => report.photos.as_slice(),
            PushItem::Reopen(_) | PushItem::Signature(_) | PushItem::Withdrawal(_) | PushItem::Proposal(_) => &[],
        });
        for sha in photos {
            if !seen.insert(sha.as_str()) {
                continue;
            }
            if let Some(url) = stmt.query_row([sha], |r| r.get::<_, Option<String>>(0)).optional()? {
                let photo = casa_shared_model::report::PhotoRef::parse(sha).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                out.push((photo, url));
            }
        }
        Ok(out)
    }

    pub fn set_upload_url(&mut self, photo: &casa_shared_model::report::PhotoRef, url: Option<&str>) -> StoreResult<()> {
        self.conn.execute("UPDATE photos SET upload_url = ?2 WHERE sha256 = ?1", params![photo.as_str(), url])?;
        Ok(())
    }

    pub fn mark_uploaded(&mut self, photo: &casa_shared_model::report::PhotoRef) -> StoreResult<()> {
        self.conn
            .execute("UPDATE photos SET uploaded_at = ?2, upload_url = NULL WHERE sha256 = ?1", params![photo.as_str(), ts(Utc::now())])?;
        Ok(())
    }

    pub fn read_photo(&self, photo: &casa_shared_model::report::PhotoRef) -> StoreResult<Vec<u8>> {
        let path = self.photo_path(photo);
        std::fs::read(&path).map_err(|e| StoreError::Io(format!("{}: {e}", path.display())))
    }

    pub fn outbox_len(&self) -> StoreResult<u64> {
        Ok(self.conn.query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?)
    }

    /// The oldest pending items, up to `limit`.
    pub fn outbox_batch(&self, limit: usize) -> StoreResult<Vec<PushItem>> {
        let mut stmt = self.conn.prepare_cached("SELECT payload FROM outbox ORDER BY seq LIMIT ?1")?;
        let rows = stmt.query_map([limit as i64], |r| r.get::<_, String>(0))?;
        rows.map(|json| serde_json::from_str(&json?).map_err(|e| StoreError::Corrupt(e.to_string()))).collect()
    }

    /// Applies one sync answer in one transaction: the per-item results
    /// (accepted and refused items leave the outbox; refusals are final and
    /// kept on the report for the citizen), then the status changes, then the
    /// new cursor. A crash re-sends or re-pulls the same things, never skips one.
    pub fn apply_response(&mut self, results: &[ItemResult], changes: &[ReportChange], cursor: Cursor) -> StoreResult<()> {
        let tx = self.conn.transaction()?;
        {
            let mut accepted = tx.prepare_cached(
                "UPDATE reports SET comune = ?2, comune_name = ?3, department = ?4, department_name = ?5, approximate = ?6,
                        error_code = NULL, error_message = NULL WHERE id = ?1",
            )?;
            let mut refused = tx.prepare_cached("UPDATE reports SET error_code = ?2, error_message = ?3 WHERE id = ?1")?;
            let mut reopen_accepted = tx.prepare_cached("UPDATE reopens SET accepted = 1 WHERE id = ?1")?;
            let mut reopen_refused = tx.prepare_cached("UPDATE reopens SET error_code = ?2, error_message = ?3 WHERE id = ?1")?;
            let mut done = tx.prepare_cached("DELETE FROM outbox WHERE item_id = ?1 RETURNING kind")?;
            for r in results {
                // Deferred by the server (rate limit): it stays queued, as it
                // is, for a later sync.
                if matches!(r.outcome, ItemOutcome::Deferred { .. }) {
                    continue;
                }
                let id = r.id.to_string();
                // The outbox says what the item was; an answer for an item no
                // longer queued (answered twice) can only be a report's.
                let kind: Option<String> = done.query_row(params![id], |row| row.get(0)).optional()?;
                match (kind.as_deref(), &r.outcome) {
                    (Some("signature" | "withdrawal" | "proposal"), outcome) => {
                        crate::services::petitions::store::apply_result(&tx, &id, outcome)?;
                        1
                    }
                    (_, ItemOutcome::Counted(_)) => 0,
                    (Some("reopen"), ItemOutcome::Accepted(_)) => reopen_accepted.execute(params![id])?,
                    (Some("reopen"), ItemOutcome::Rejected { code, message }) => reopen_refused.execute(params![id, code, message])?,
                    (_, ItemOutcome::Accepted(routing)) => accepted.execute(params![
                        id,
                        routing.comune.as_str(),
                        routing.comune_name,
                        routing.department,
                        routing.department_name,
                        routing.approximate
                    ])?,
                    (_, ItemOutcome::Rejected { code, message }) => refused.execute(params![id, code, message])?,
                    (_, ItemOutcome::Deferred { .. }) => 0,
                };
            }
            let mut status = tx.prepare_cached("UPDATE reports SET status = ?2, status_detail = ?3, status_at = ?4 WHERE id = ?1")?;
            // Only for reports of this phone; a change seen twice is one event.
            let mut event = tx.prepare_cached(
                "INSERT OR IGNORE INTO report_events (report_id, status, status_detail, at, note)
                 SELECT id, ?2, ?3, ?4, ?5 FROM reports WHERE id = ?1",
            )?;
            for c in changes {
                let (id, code, detail, at) = (c.report_id.to_string(), c.status.code(), c.status.detail(), ts(c.at));
                status.execute(params![id, code, detail, at])?;
                event.execute(params![id, code, detail, at, c.note])?;
            }
        }
        tx.execute("UPDATE sync_state SET cursor = ?1 WHERE id = 1", params![cursor.0])?;
        tx.commit()?;
        Ok(())
    }

    pub fn note_attempt(&mut self, ids: &[uuid::Uuid]) -> StoreResult<()> {
        let tx = self.conn.transaction()?;
        {
            let mut attempt = tx.prepare_cached("UPDATE outbox SET attempts = attempts + 1 WHERE item_id = ?1")?;
            for id in ids {
                attempt.execute(params![id.to_string()])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn record_sync(&mut self, outcome: Result<(), &str>) -> StoreResult<()> {
        match outcome {
            Ok(()) => self.conn.execute(
                "UPDATE sync_state SET last_sync_at = ?1, last_error = NULL, failures = 0 WHERE id = 1",
                params![ts(Utc::now())],
            )?,
            Err(e) => self.conn.execute("UPDATE sync_state SET last_error = ?1, failures = failures + 1 WHERE id = 1", params![e])?,
        };
        Ok(())
    }

    pub fn sync_state(&self) -> StoreResult<SyncState> {
        let (cursor, last, error, failures): (i64, Option<String>, Option<String>, u32) =
            self.conn.query_row("SELECT cursor, last_sync_at, last_error, failures FROM sync_state WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?;
        Ok(SyncState { cursor: Cursor(cursor), last_sync_at: last.as_deref().map(parse_ts).transpose()?, last_error: error, failures })
    }

    /// The directory version the cached Comuni came with, if any.
    pub fn directory_version(&self) -> StoreResult<Option<i64>> {
        Ok(self.conn.query_row("SELECT directory_version FROM sync_state WHERE id = 1", [], |r| r.get(0))?)
    }

    /// Replaces the cached Comuni with the server's directory at `version`.
    pub fn replace_comuni(&mut self, version: i64, comuni: &[ComuneInfo]) -> StoreResult<()> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM comuni", [])?;
        {
            let mut insert = tx.prepare_cached("INSERT INTO comuni (istat_code, position, info) VALUES (?1, ?2, ?3)")?;
            for (i, c) in comuni.iter().enumerate() {
                let info = serde_json::to_string(c).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                insert.execute(params![c.istat_code.as_str(), i as i64, info])?;
            }
        }
        tx.execute("UPDATE sync_state SET directory_version = ?1 WHERE id = 1", params![version])?;
        tx.commit()?;
        Ok(())
    }

    /// The cached Comuni, in the server's order (empty before the first sync).
    pub fn comuni(&self) -> StoreResult<Vec<ComuneInfo>> {
        let mut stmt = self.conn.prepare_cached("SELECT info FROM comuni ORDER BY position")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.map(|json| serde_json::from_str(&json?).map_err(|e| StoreError::Corrupt(e.to_string()))).collect()
    }

    /// One Comune as the last sync described it (by its key, not a read of
    /// the whole directory: the screens ask on every render).
    pub fn comune(&self, code: &str) -> StoreResult<Option<ComuneInfo>> {
        let info: Option<String> = self.conn.query_row("SELECT info FROM comuni WHERE istat_code = ?1", [code], |r| r.get(0)).optional()?;
        info.map(|json| serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(e.to_string()))).transpose()
    }

    /// A setting the citizen chose, if any.
    pub fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        Ok(self.conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    pub fn set_setting(&mut self, key: &str, value: &str) -> StoreResult<()> {
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
