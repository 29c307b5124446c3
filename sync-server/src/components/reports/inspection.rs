//! Field inspections: a moderator asks an inspector to check a report; the
//! inspector's phone syncs the assignments for offline use and later sends
//! what was found on site, checked here by the same rules the phone applies.

use casa_shared_model::geo::GeoPoint;
use casa_shared_model::inspection::{Inspection, InspectionOutcome};
use casa_shared_model::wire::{
    Assignment, InspectionPayload, InspectionResult, InspectionVerdict, InspectorSession, InspectorSyncRequest, InspectorSyncResponse,
};
use casa_shared_model::{ReportId, ReportStatus};
use chrono::Utc;

use crate::components::reports::department::apply_status;
use crate::components::reports::service::moderated_report;
use crate::platform::auth::Role;
use crate::platform::error::{rejected, ServiceError};
use crate::platform::staff::Staff;
use crate::platform::staff::{self, LoginError};
use crate::platform::state::AppState;
use crate::store::{AssignmentRecord, InspectionRecord, InspectorRecord, ReportRecord, StatusChange};

/// Inspections answered per sync; a phone with more sends them in batches.
pub const MAX_INSPECTIONS_PER_SYNC: usize = 100;
pub const INSTRUCTIONS_MAX_CHARS: usize = 500;

/// Statuses from which a visit can confirm a report.
fn awaits_confirmation(status: &ReportStatus) -> bool {
    matches!(status, ReportStatus::Published | ReportStatus::AssignedToDepartment { .. })
}

/// A moderator asks an inspector of the report's Comune to check it on site.
pub async fn assign_inspector(
    state: &AppState,
    staff: &Staff,
    id: &ReportId,
    inspector_email: &str,
    instructions: Option<&str>,
) -> Result<AssignmentRecord, ServiceError> {
    let report = moderated_report(state, staff, id).await?;
    if !awaits_confirmation(&report.status) {
        return Err(rejected(
            "not_inspectable",
            format!(
                "Una segnalazione «{}» non si manda in sopralluogo: pubblicala prima / A report in this state cannot be inspected",
                report.status.label_it()
            ),
        ));
    }
    let email = crate::platform::auth::parse_email(inspector_email).unwrap_or_default();
    let inspectors = state.store().inspectors(&report.comune).await?;
    let Some(inspector) = inspectors.into_iter().find(|i| i.email == email) else {
        return Err(rejected(
            "unknown_inspector",
            "Nessun ispettore con questa email per questo Comune / No inspector with this email for this Comune",
        ));
    };
    let instructions = instructions.map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    if instructions.as_ref().is_some_and(|s| s.chars().count() > INSTRUCTIONS_MAX_CHARS) {
        return Err(rejected(
            "instructions_too_long",
            format!("Indicazioni troppo lunghe: al massimo {INSTRUCTIONS_MAX_CHARS} caratteri / Instructions too long"),
        ));
    }
    let assignment =
        AssignmentRecord { report_id: *id, inspector, instructions, assigned_by: staff.actor(), assigned_at: Utc::now(), done_at: None };
    state.store().assign_inspector(&assignment).await?;
    crate::platform::staff::audit(
        state,
        &staff.actor(),
        "inspector_assigned",
        Some(format!("report:{id}")),
        Some(assignment.inspector.email.clone()),
    )
    .await;
    Ok(assignment)
}

#[derive(Debug, thiserror::Error)]
pub enum InspectorLoginError {
    #[error(transparent)]
    Login(#[from] LoginError),
    #[error("Questo account non è di un ispettore / This account is not an inspector's")]
    NotAnInspector,
}

/// Opens a session for the inspector app; its token goes in `Authorization: Bearer`.
pub async fn inspector_login(
    state: &AppState,
    email: &str,
    password: &str,
    client: Option<std::net::IpAddr>,
) -> Result<InspectorSession, InspectorLoginError> {
    let staff = staff::authenticate(state, staff::Credentials { email, password, client, channel: staff::Channel::InspectorApp }).await?;
    let how = Some(format!("inspector app from {}", crate::platform::client_ip::describe(client)));
    if staff.role != Role::Inspector {
        staff::audit(state, &staff.actor(), "login_refused_role", None, how).await;
        return Err(InspectorLoginError::NotAnInspector);
    }
    let token = staff::open_session(state, &staff).await.map_err(LoginError::from)?;
    staff::audit(state, &staff.actor(), "login", None, how).await;
    Ok(InspectorSession { token, email: staff.email, expires_at: Utc::now() + staff::SESSION_DURATION })
}

/// The inspector behind a bearer token, if the session is live and the
/// account still an inspector's.
pub async fn inspector_by_token(state: &AppState, token: &str) -> Result<Option<Staff>, ServiceError> {
    Ok(staff::session_staff(state, token).await?.map(|(s, _)| s).filter(|s| s.role == Role::Inspector))
}

/// One round trip of the inspector app: its visits in, its open assignments out.
pub async fn inspector_sync(state: &AppState, inspector: &Staff, req: InspectorSyncRequest) -> Result<InspectorSyncResponse, ServiceError> {
    if req.inspections.len() > MAX_INSPECTIONS_PER_SYNC {
        return Err(rejected(
            "too_many_items",
            format!(
                "Al massimo {MAX_INSPECTIONS_PER_SYNC} sopralluoghi per volta / At most {MAX_INSPECTIONS_PER_SYNC} inspections at a time"
            ),
        ));
    }
    let mut results = Vec::with_capacity(req.inspections.len());
    for p in &req.inspections {
        let verdict = match inspect(state, inspector, p).await? {
            Ok(()) => InspectionVerdict::Accepted,
            Err((code, message)) => InspectionVerdict::Rejected { code: code.to_owned(), message },
        };
        results.push(InspectionResult { id: p.id, verdict });
    }
    let directory = state.directory();
    let assignments = state
        .store()
        .open_assignments(inspector.id)
        .await?
        .into_iter()
        // A report closed or moved on meanwhile needs no visit any more.
        .filter(|(r, _)| inspector.covers(&r.comune) && awaits_confirmation(&r.status))
        .map(|(r, a)| Assignment {
            report_id: r.id,
            comune: r.comune,
            comune_name: directory.comune(&r.comune).map(|c| c.name.clone()).unwrap_or_else(|| r.comune.to_string()),
            category: r.category,
            description: r.description,
            lat: r.lat,
            lon: r.lon,
            address: r.address,
            status: r.status,
            assigned_at: a.assigned_at,
            instructions: a.instructions,
        })
        .collect();
    Ok(InspectorSyncResponse { results, assignments })
}

type Refusal = (&'static str, String);

/// Checks and keeps one visit; a confirmation moves the report to
/// "confirmed by inspector", which reaches the citizen on their next sync.
async fn inspect(state: &AppState, inspector: &Staff, p: &InspectionPayload) -> Result<Result<(), Refusal>, ServiceError> {
    let store = state.store();
    if let Some(kept) = store.inspection(p.id).await? {
        if kept.inspector.id != inspector.id || kept.report_id != p.report_id {
            return Ok(Err(("id_conflict", "Identificativo già usato / This id is already used".to_owned())));
        }
        // A re-send: the visit is kept; make sure its confirmation took
        // effect (the first attempt may have stopped in between).
        if let Some(report) = store.report(&kept.report_id).await? {
            confirm(state, inspector, &report, &kept).await?;
        }
        return Ok(Ok(()));
    }
    let not_assigned =
        || Ok(Err(("not_assigned", "Questa segnalazione non ti è assegnata / This report is not assigned to you".to_owned())));
    let Some(report) = store.report(&p.report_id).await? else { return not_assigned() };
    let assigned = store.inspection_assignment(&p.report_id).await?.is_some_and(|a| a.inspector.id == inspector.id);
    if !assigned || !inspector.covers(&report.comune) {
        return not_assigned();
    }
    let now = Utc::now();
    let checked = match Inspection::parse(p, GeoPoint { lat: report.lat, lon: report.lon }, now) {
        Ok(i) => i,
        Err(e) => {
            let detail = format!("{}: {e}", p.outcome.as_str());
            staff::audit(state, &inspector.actor(), "inspection_refused", Some(format!("report:{}", p.report_id)), Some(detail)).await;
            return Ok(Err((e.code(), e.to_string())));
        }
    };
    if let Some(photo) = &checked.photo {
        if !state.photos().contains(photo).await {
            return Ok(Err((
                "photo_not_uploaded",
                "La foto del sopralluogo non è arrivata: sincronizza di nuovo / The inspection photo has not arrived: sync again"
                    .to_owned(),
            )));
        }
    }
    let record = InspectionRecord {
        id: checked.id,
        report_id: checked.report_id,
        inspector: InspectorRecord { id: inspector.id, email: inspector.email.clone() },
        outcome: checked.outcome,
        lat: checked.fix.lat,
        lon: checked.fix.lon,
        accuracy_m: checked.accuracy_m,
        distance_m: checked.distance_m,
        fix_at: checked.fix_at,
        photo: checked.photo.map(|p| p.as_str().to_owned()),
        photo_taken_at: checked.photo_taken_at,
        note: checked.note,
        inspected_at: checked.inspected_at,
        received_at: now,
    };
    if store.record_inspection(&record).await? {
        let detail = format!("{} a {:.0} m (±{:.0} m)", record.outcome.as_str(), record.distance_m, record.accuracy_m);
        staff::audit(state, &inspector.actor(), "inspection", Some(format!("report:{}", record.report_id)), Some(detail)).await;
    }
    confirm(state, inspector, &report, &record).await?;
    Ok(Ok(()))
}

/// A confirmed visit moves the report on, if nobody moved it meanwhile; a
/// visit that found nothing leaves the status to the moderator.
async fn confirm(state: &AppState, inspector: &Staff, report: &ReportRecord, visit: &InspectionRecord) -> Result<(), ServiceError> {
    if visit.outcome != InspectionOutcome::Confirmed || !awaits_confirmation(&report.status) {
        return Ok(());
    }
    let change = StatusChange {
        note: visit.note.clone(),
        photo: visit.photo.clone(),
        ..StatusChange::new(&report.id, &report.status, ReportStatus::ConfirmedByInspector, inspector.actor())
    };
    match apply_status(state, change).await {
        // Someone else moved the report while the inspector was out: the
        // visit is kept and shown to them; the status stays theirs.
        Ok(()) | Err(ServiceError::StaleStatus) => Ok(()),
        Err(e) => Err(e),
    }
}
