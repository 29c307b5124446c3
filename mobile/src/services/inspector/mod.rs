//! The inspector mode: log in, sync the assigned reports for offline use,
//! record visits on site (checked at once, offline, by the server's own
//! rules) and send them on the next sync. Its tables are in `store`, its
//! screen in `screens`; it syncs through its own endpoint, not the
//! citizen's sync.

#[cfg(feature = "gui")]
pub mod screens;
pub(crate) mod store;

pub use store::{LocalAssignment, LocalInspection};

use casa_shared_model::inspection::{Inspection, InspectionError, InspectionOutcome};
use casa_shared_model::wire::{InspectionPayload, InspectorSession, InspectorSyncRequest};
use casa_shared_model::ReportId;
use chrono::{DateTime, Utc};

use crate::client::{Client, ClientError};
use crate::photo::ProcessedPhoto;
use crate::store::{LocalStore, StoreError};
use crate::sync::{upload_photos, SyncFailure, SyncProgress, SyncSummary};

/// Visits sent per request (the server takes up to 100).
const BATCH: usize = 50;

#[derive(Debug, thiserror::Error)]
pub enum InspectorError {
    #[error("accedi prima come ispettore (casa inspector login) / log in as an inspector first (casa inspector login)")]
    NotLoggedIn,
    #[error("sessione scaduta: accedi di nuovo; i sopralluoghi registrati restano sul telefono / session expired: log in again; recorded visits stay on the phone")]
    SessionExpired,
    #[error(transparent)]
    Sync(#[from] SyncFailure),
}

impl From<StoreError> for InspectorError {
    fn from(e: StoreError) -> Self {
        InspectorError::Sync(SyncFailure::Store(e))
    }
}

impl From<ClientError> for InspectorError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Api { status: 401, .. } => InspectorError::SessionExpired,
            e => InspectorError::Sync(SyncFailure::Client(e)),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InspectorSummary {
    pub accepted: usize,
    pub refused: usize,
    pub assignments: usize,
    pub photos_uploaded: usize,
}

pub async fn login(store: &mut LocalStore, client: &Client, email: &str, password: &str) -> Result<InspectorSession, InspectorError> {
    let session = client.inspector_login(email, password).await.map_err(|e| InspectorError::Sync(SyncFailure::Client(e)))?;
    store.set_inspector_session(&session)?;
    Ok(session)
}

/// Sends the visits waiting (their photos first) and replaces the list of
/// assignments with the server's. What is not answered stays queued.
pub async fn sync(store: &mut LocalStore, client: &Client) -> Result<InspectorSummary, InspectorError> {
    let session = store.inspector_session()?.ok_or(InspectorError::NotLoggedIn)?;
    let mut summary = InspectorSummary::default();
    let photos = store.inspection_photos_to_upload()?;
    if !photos.is_empty() {
        let uploader = client.clone().with_device(store.device_id(), store.device_key()).uploader();
        let mut uploaded = SyncSummary::default();
        upload_photos(store, &uploader, photos, &mut SyncProgress::default(), &mut uploaded, &mut |_| {}).await?;
        summary.photos_uploaded = uploaded.photos_uploaded;
    }
    loop {
        let batch = store.pending_inspections(BATCH)?;
        let last = batch.len() < BATCH;
        let answer = client.inspector_sync(&session.token, &InspectorSyncRequest { inspections: batch }).await?;
        for r in &answer.results {
            match r.verdict {
                casa_shared_model::wire::InspectionVerdict::Accepted => summary.accepted += 1,
                casa_shared_model::wire::InspectionVerdict::Rejected { .. } => summary.refused += 1,
            }
        }
        store.answer_inspections(&answer.results)?;
        if last || answer.results.is_empty() {
            summary.assignments = answer.assignments.len();
            store.replace_assignments(&answer.assignments)?;
            return Ok(summary);
        }
    }
}

/// Where the inspector is, as the GPS says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SiteFix {
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
    pub at: DateTime<Utc>,
}

/// A visit recorded on site: the photo is kept on the phone and the visit
/// queued, or refused at once with the reason the server would give.
pub fn record_visit(
    store: &mut LocalStore,
    report: ReportId,
    outcome: InspectionOutcome,
    fix: SiteFix,
    photo: Option<(&ProcessedPhoto, DateTime<Utc>)>,
    note: Option<&str>,
) -> Result<Result<Inspection, InspectionError>, StoreError> {
    let payload = InspectionPayload {
        id: uuid::Uuid::now_v7(),
        report_id: report,
        outcome,
        lat: fix.lat,
        lon: fix.lon,
        accuracy_m: fix.accuracy_m,
        fix_at: fix.at,
        photo: photo.map(|(p, _)| p.sha256.as_str().to_owned()),
        photo_taken_at: photo.map(|(_, at)| at),
        note: note.map(str::to_owned),
        inspected_at: Utc::now(),
    };
    // Checked before the photo is kept: a refused visit leaves nothing behind.
    if let Some(a) = store.assignment(report)? {
        let place = casa_shared_model::geo::GeoPoint { lat: a.lat, lon: a.lon };
        if let Err(e) = Inspection::parse(&payload, place, Utc::now()) {
            return Ok(Err(e));
        }
    }
    if let Some((p, _)) = photo {
        store.save_photo(p)?;
    }
    store.record_inspection(&payload)
}
