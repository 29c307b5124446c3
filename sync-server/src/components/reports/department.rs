//! Status changes: the one way a report's status moves (moderator,
//! department, back-office, inspector), and the department's side of it.

use casa_shared_model::status::InvalidTransition;
use casa_shared_model::{ReportId, ReportStatus};
use chrono::Utc;
use uuid::Uuid;

use crate::components::badges::service as badges;
use crate::components::reports::service::staff_report;
use crate::platform::error::{rejected, ServiceError};
use crate::platform::staff::Staff;
use crate::platform::state::AppState;
use crate::store::{ReportRecord, StatusChange};

/// A back-office system, authenticated by its API key.
#[derive(Debug, Clone)]
pub struct BackOffice {
    pub key_id: Uuid,
    pub name: String,
    /// The Comune (and department) whose reports it may act on.
    pub scope: crate::platform::api_keys::KeyScope,
}

impl BackOffice {
    /// Who the audit log and the status history name.
    pub fn actor(&self) -> String {
        format!("backoffice:{}", self.name)
    }
}

/// What a department's back-office may say about a report it received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackofficeStatus {
    InProgress,
    Resolved,
    Closed,
}

impl BackofficeStatus {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "in_progress" => Some(BackofficeStatus::InProgress),
            "resolved" => Some(BackofficeStatus::Resolved),
            "closed" => Some(BackofficeStatus::Closed),
            _ => None,
        }
    }

    pub fn status(self) -> ReportStatus {
        match self {
            BackofficeStatus::InProgress => ReportStatus::InProgress,
            BackofficeStatus::Resolved => ReportStatus::Resolved,
            BackofficeStatus::Closed => ReportStatus::Closed,
        }
    }
}

pub const MAX_NOTE_CHARS: usize = 1000;

/// A back-office's note on a status change, for the audit log: trimmed, at
/// most [`MAX_NOTE_CHARS`]; blank is none.
pub fn parse_note(note: Option<&str>) -> Result<Option<String>, ServiceError> {
    let Some(note) = note.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    match casa_shared_model::text::plain_text(note, 1..=MAX_NOTE_CHARS) {
        Ok(note) => Ok(Some(note)),
        Err(casa_shared_model::text::TextProblem::ControlChars) => Err(rejected(
            "control_characters",
            "La nota contiene caratteri di controllo non ammessi / The note contains control characters that are not allowed",
        )),
        Err(casa_shared_model::text::TextProblem::Length) => Err(ServiceError::Rejected {
            code: "note_too_long",
            message: format!(
                "Nota troppo lunga: al massimo {MAX_NOTE_CHARS} caratteri / Note too long: at most {MAX_NOTE_CHARS} characters"
            ),
        }),
    }
}

/// A back-office moves a report along: the change reaches the citizen's app
/// on its next sync, like a moderator's. Asking for the status the report is
/// already in changes nothing and answers the same (a retried request).
pub async fn backoffice_status(
    state: &AppState,
    office: &BackOffice,
    id: &ReportId,
    to: BackofficeStatus,
    note: Option<&str>,
) -> Result<ReportRecord, ServiceError> {
    // Another Comune's or department's report looks absent: a key cannot probe ids.
    let report = state.store().report(id).await?.filter(|r| office.scope.covers(&r.comune, &r.department));
    let report = report.ok_or(ServiceError::NotFound)?;
    if report.status == to.status() {
        return Ok(report);
    }
    advance(state, &report, to, office.actor(), note.map(str::to_owned), None).await
}

/// A department's operator moves a report along from the dashboard, with a
/// note for the citizen and, optionally, a photo of the work (any image; it is
/// cleaned by [`crate::platform::images::clean`] before anyone sees it).
pub async fn department_status(
    state: &AppState,
    staff: &Staff,
    id: &ReportId,
    to: BackofficeStatus,
    note: Option<&str>,
    photo: Option<Vec<u8>>,
) -> Result<ReportRecord, ServiceError> {
    let report = staff_report(state, staff, id).await?;
    if !staff.works_on(&report.comune, &report.department) {
        return Err(ServiceError::Forbidden);
    }
    let note = parse_note(note)?;
    if to == BackofficeStatus::Resolved && note.is_none() {
        return Err(rejected(
            "note_required",
            "Scrivi cosa è stato fatto: il cittadino lo leggerà con l'esito / Say what was done: the citizen reads it",
        ));
    }
    // Checked before the photo is processed and kept, so a refused change leaves no file behind.
    department_steps(&report.status, &report.department, to)?;
    let photo = match photo.filter(|p| !p.is_empty()) {
        None => None,
        Some(bytes) => {
            let clean = state.uploads().images.clean(bytes, Some(crate::components::reports::blur::MAX_PHOTO_SIDE)).await;
            let clean = clean.map_err(|e| rejected(e.code(), e.to_string()))?;
            let saved = state.photos().save(&clean).await.map_err(|e| {
                tracing::error!(error = %e, "cannot save an office's photo");
                rejected("photo_storage", "Impossibile salvare la foto / Cannot save the photo")
            })?;
            Some(saved.as_str().to_owned())
        }
    };
    advance(state, &report, to, staff.actor(), note, photo).await
}

/// The statuses a department's change takes a report through, in order. A
/// published report went to its department; the department working on it
/// means it took it on, which the citizen sees as the assignment first.
pub fn department_steps(current: &ReportStatus, department: &str, to: BackofficeStatus) -> Result<Vec<ReportStatus>, InvalidTransition> {
    let wanted = to.status();
    let mut steps = Vec::with_capacity(2);
    let mut from = current.clone();
    if from == ReportStatus::Published && wanted != ReportStatus::Closed {
        from = from.transition(ReportStatus::AssignedToDepartment { department: department.to_owned() })?;
        steps.push(from.clone());
    }
    steps.push(from.transition(wanted)?);
    Ok(steps)
}

/// The department's side of a report's life, whoever speaks for it: each of
/// [`department_steps`] recorded; the note and photo go with the last.
async fn advance(
    state: &AppState,
    report: &ReportRecord,
    to: BackofficeStatus,
    actor: String,
    note: Option<String>,
    photo: Option<String>,
) -> Result<ReportRecord, ServiceError> {
    let id = &report.id;
    let steps = department_steps(&report.status, &report.department, to)?;
    let last = steps.len().saturating_sub(1);
    let mut current = report.status.clone();
    let mut changes = Vec::with_capacity(steps.len());
    for (i, next) in steps.into_iter().enumerate() {
        let mut change = StatusChange::new(id, &current, next.clone(), actor.clone());
        if i == last {
            change.note = note.clone();
            change.photo = photo.clone();
        }
        changes.push(change);
        current = next;
    }
    // All steps or none: a failure after "assigned" must not leave the
    // report half moved.
    apply_statuses(state, changes).await?;
    state.store().report(id).await?.ok_or(ServiceError::NotFound)
}

impl StatusChange {
    /// A change made now, without a note or photo.
    pub fn new(id: &ReportId, from: &ReportStatus, to: ReportStatus, actor: String) -> Self {
        StatusChange { id: *id, from: from.clone(), to, actor, note: None, photo: None, at: Utc::now() }
    }
}

/// The one way a status changes, whoever changes it (moderator, department,
/// back-office, inspector): recorded only if the report is still in `from`,
/// then audited with its note.
pub async fn apply_status(state: &AppState, change: StatusChange) -> Result<(), ServiceError> {
    apply_statuses(state, vec![change]).await
}

/// Several changes of one report, recorded in one transaction, then each
/// audited (see [`apply_status`]).
pub async fn apply_statuses(state: &AppState, changes: Vec<StatusChange>) -> Result<(), ServiceError> {
    if !state.store().record_statuses(&changes).await? {
        return Err(ServiceError::StaleStatus);
    }
    for change in changes {
        let (from, to) = (&change.from, &change.to);
        let mut detail = format!("{} -> {}{}", from.code(), to.code(), to.detail().map(|d| format!(" ({d})")).unwrap_or_default());
        if let Some(note) = &change.note {
            detail.push_str(&format!(": {note}"));
        }
        crate::platform::staff::audit(state, &change.actor, "status_change", Some(format!("report:{}", change.id)), Some(detail)).await;
        if matches!(
            change.to,
            ReportStatus::Published
                | ReportStatus::AssignedToDepartment { .. }
                | ReportStatus::ConfirmedByInspector
                | ReportStatus::Resolved
        ) {
            badges::report_verified(state, &change.id).await;
        }
    }
    Ok(())
}
