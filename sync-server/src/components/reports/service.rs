//! Reports, independent of HTTP: intake and routing, the map, moderation.

use std::time::Instant;

use casa_shared_model::geo::{haversine_m, GeoPoint, RouteMethod};
use casa_shared_model::report::Reopen;
use casa_shared_model::wire::{NearbyQuery, PublicReport, ReopenPayload, ReportPayload, MAX_NEARBY_RADIUS_M};
use casa_shared_model::{DeviceId, IstatCode, NewReport, ReportId, ReportStatus};
use chrono::Utc;
use uuid::Uuid;

use casa_shared_model::wire::Routing;

pub use super::department::{
    apply_status, apply_statuses, backoffice_status, department_status, department_steps, parse_note, BackOffice, BackofficeStatus,
    MAX_NOTE_CHARS,
};
use crate::components::reports::blur::BlurRegion;
use crate::platform::directory::{Destination, Directory, Rejection};
use crate::platform::error::{rejected, ServiceError};
use crate::platform::metrics::IngestLabels;
use crate::platform::staff::Staff;
use crate::platform::state::AppState;
use crate::store::{
    PhotoReplaced, Recategorize, ReopenApplied, ReportFilter, ReportRecord, ReportSource, RoutedReport, StatusChange, Transfer,
};

/// Changes returned by one sync; a device with more syncs again at once.
pub const CHANGES_PER_SYNC: u32 = 1000;
pub const NEARBY_LIMIT: u32 = 500;
pub const PUBLIC_STATUSES: [&str; 6] =
    ["published", "assigned_to_department", "confirmed_by_inspector", "in_progress", "resolved", "closed"];

/// Who sent a set of reports.
#[derive(Debug, Clone, Copy)]
pub struct Origin {
    pub source: ReportSource,
    pub device_id: Option<DeviceId>,
    pub api_key_id: Option<Uuid>,
}

/// A report as received, with what only some channels carry.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub payload: ReportPayload,
    pub address: Option<String>,
    pub media_url: Option<String>,
    /// The Comune the sender says the report is for (Open311
    /// `jurisdiction_id`); the location must agree.
    pub stated_comune: Option<IstatCode>,
}

impl From<ReportPayload> for Candidate {
    fn from(payload: ReportPayload) -> Self {
        Self { payload, address: None, media_url: None, stated_comune: None }
    }
}

/// Validates, routes and stores reports; one answer per candidate, in order.
/// Re-sent ids answer what they answered the first time.
pub async fn submit_reports(
    state: &AppState,
    origin: Origin,
    candidates: Vec<Candidate>,
) -> Result<Vec<Result<Routing, Rejection>>, ServiceError> {
    let directory = state.directory();
    let now = Utc::now();
    let metrics = state.metrics();
    let count =
        |outcome: &'static str| metrics.reports_ingested.get_or_create(&IngestLabels { source: origin.source.as_str(), outcome }).inc();
    let mut answers: Vec<Option<Result<Routing, Rejection>>> = vec![None; candidates.len()];
    let mut routed = Vec::with_capacity(candidates.len());
    let mut slots = Vec::with_capacity(candidates.len());
    for (i, c) in candidates.into_iter().enumerate() {
        let started = Instant::now();
        let decision = route_one(&directory, &c, now);
        metrics.routing_seconds.observe(started.elapsed().as_secs_f64());
        match decision {
            Ok((report, destination)) => {
                slots.push(i);
                routed.push(RoutedReport {
                    report,
                    device_id: origin.device_id,
                    source: origin.source,
                    api_key_id: origin.api_key_id,
                    comune: destination.comune,
                    department: destination.department,
                    routing_method: destination.method.as_str(),
                    routing_distance_m: match destination.method {
                        RouteMethod::Inside => None,
                        RouteMethod::Nearby { distance_m } | RouteMethod::ApproximateCentre { distance_m } => Some(distance_m),
                    },
                    address: c.address,
                    media_url: c.media_url,
                    received_at: now,
                });
            }
            Err(r) => {
                count(r.code);
                answers[i] = Some(Err(r));
            }
        }
    }
    let stored = if routed.is_empty() { Vec::new() } else { state.store().ingest(&routed).await? };
    for ((slot, sent), kept) in slots.into_iter().zip(&routed).zip(stored) {
        answers[slot] = Some(if kept.fingerprint != sent.report.fingerprint() {
            count("id_conflict");
            Err(Rejection {
                code: "id_conflict",
                message: "Questo identificativo è già usato da un'altra segnalazione / This id is already used by another report"
                    .to_owned(),
            })
        } else {
            if kept.created {
                count("accepted");
                state.queue_changed(kept.comune);
            }
            Ok(directory.routing(&kept.comune, &kept.department, &kept.routing_method))
        });
    }
    // Every slot is filled above: refused before storage, or answered by it.
    Ok(answers
        .into_iter()
        .map(|a| a.unwrap_or_else(|| Err(Rejection { code: "internal_error", message: "Errore interno / Internal error".to_owned() })))
        .collect())
}

fn route_one(directory: &Directory, c: &Candidate, now: chrono::DateTime<Utc>) -> Result<(NewReport, Destination), Rejection> {
    let report = NewReport::parse(&c.payload, now).map_err(|e| Rejection { code: e.code(), message: e.to_string() })?;
    let destination = directory.destination(&report)?;
    if let Some(stated) = c.stated_comune {
        if stated != destination.comune {
            let name = |code: &IstatCode| directory.comune(code).map(|c| c.name.clone()).unwrap_or_else(|| code.to_string());
            return Err(Rejection {
                code: "wrong_jurisdiction",
                message: format!(
                    "La posizione è nel Comune di {}, non in quello di {} / The location is in the Comune of {}, not {}",
                    name(&destination.comune),
                    name(&stated),
                    name(&destination.comune),
                    name(&stated)
                ),
            });
        }
    }
    Ok((report, destination))
}

/// A citizen reopens their resolved report: it goes back to the department
/// that resolved it, with the reason kept for that department.
pub async fn reopen(state: &AppState, device: &DeviceId, payload: &ReopenPayload) -> Result<Result<Routing, Rejection>, ServiceError> {
    let reject = |code: &'static str, message: &str| Ok(Err(Rejection { code, message: message.to_owned() }));
    let r = match Reopen::parse(payload, Utc::now()) {
        Ok(r) => r,
        Err(e) => return Ok(Err(Rejection { code: e.code(), message: e.to_string() })),
    };
    let Some(report) = state.store().report(&r.report_id).await? else {
        return reject("report_not_found", "Segnalazione non trovata / Report not found");
    };
    if report.device_id != Some(*device) {
        return reject(
            "not_your_report",
            "Solo chi ha inviato la segnalazione può riaprirla / Only the device that filed a report may reopen it",
        );
    }
    let directory = state.directory();
    match state.store().reopen(&r, device, &report.department).await? {
        ReopenApplied::Applied | ReopenApplied::AlreadyApplied => {
            Ok(Ok(directory.routing(&report.comune, &report.department, &report.routing_method)))
        }
        ReopenApplied::NotResolved => reject(
            "not_resolved",
            "Si può riaprire solo una segnalazione risolta: questa è già stata ripresa in carico / Only a resolved report can be reopened: this one is already being handled",
        ),
    }
}

pub(crate) fn check_nearby(q: NearbyQuery) -> Result<NearbyQuery, ServiceError> {
    let valid = q.lat.is_finite()
        && q.lon.is_finite()
        && (-90.0..=90.0).contains(&q.lat)
        && (-180.0..=180.0).contains(&q.lon)
        && q.radius_m > 0.0
        && q.radius_m <= MAX_NEARBY_RADIUS_M;
    if valid {
        Ok(q)
    } else {
        Err(ServiceError::Rejected {
            code: "invalid_nearby",
            message: format!(
                "Richiesta «nelle vicinanze» non valida: coordinate valide e raggio tra 0 e {MAX_NEARBY_RADIUS_M} m / Invalid nearby query: valid coordinates and a radius up to {MAX_NEARBY_RADIUS_M} m"
            ),
        })
    }
}

/// Public reports within a radius, nearest first.
pub async fn nearby(state: &AppState, q: NearbyQuery) -> Result<Vec<PublicReport>, ServiceError> {
    let dlat = q.radius_m / 111_320.0;
    let dlon = q.radius_m / (111_320.0 * q.lat.to_radians().cos().max(0.01));
    let filter = ReportFilter {
        statuses: Some(PUBLIC_STATUSES.to_vec()),
        bbox: Some((q.lat - dlat, q.lon - dlon, q.lat + dlat, q.lon + dlon)),
        limit: NEARBY_LIMIT * 2,
        ..ReportFilter::default()
    };
    let mut found: Vec<(f64, ReportRecord)> = state
        .store()
        .search_reports(&filter)
        .await?
        .into_iter()
        .map(|r| (haversine_m(GeoPoint { lat: q.lat, lon: q.lon }, GeoPoint { lat: r.lat, lon: r.lon }), r))
        .filter(|(d, _)| *d <= q.radius_m)
        .collect();
    found.sort_by(|a, b| a.0.total_cmp(&b.0));
    found.truncate(NEARBY_LIMIT as usize);
    Ok(found.into_iter().map(|(_, r)| public_report(r)).collect())
}

pub fn public_report(r: ReportRecord) -> PublicReport {
    PublicReport {
        id: r.id,
        comune: r.comune,
        category: r.category,
        description: r.description,
        lat: r.lat,
        lon: r.lon,
        status: r.status,
        updated_at: r.updated_at,
    }
}

pub async fn moderation_queue(
    state: &AppState,
    staff: &Staff,
    comune: &IstatCode,
    limit: u32,
    offset: u32,
) -> Result<(u64, Vec<ReportRecord>), ServiceError> {
    if state.directory().comune(comune).is_none() {
        return Err(ServiceError::NotFound);
    }
    if !staff.may_see_queue(comune) {
        return Err(ServiceError::Forbidden);
    }
    Ok(state.store().moderation_queue(comune, limit.clamp(1, 500), offset).await?)
}

/// A report for the dashboard, by [`Staff::may_read`]. Unlike the API
/// (where such a report looks absent), a clerk who followed a link is told
/// it is not theirs.
pub async fn dashboard_report(state: &AppState, staff: &Staff, id: &ReportId) -> Result<ReportRecord, ServiceError> {
    match state.store().report(id).await? {
        Some(r) if staff.may_read(&r) => Ok(r),
        Some(_) => Err(ServiceError::Forbidden),
        None => Err(ServiceError::NotFound),
    }
}

/// A report for the API, by the dashboard's rule ([`Staff::may_read`]); the
/// reports a staff member may not read look absent (404), so that ids
/// cannot be probed.
pub async fn staff_report(state: &AppState, staff: &Staff, id: &ReportId) -> Result<ReportRecord, ServiceError> {
    match state.store().report(id).await? {
        Some(r) if staff.may_read(&r) => Ok(r),
        _ => Err(ServiceError::NotFound),
    }
}

pub async fn change_status(state: &AppState, staff: &Staff, id: &ReportId, to: ReportStatus) -> Result<ReportRecord, ServiceError> {
    let report = moderated_report(state, staff, id).await?;
    if to == ReportStatus::ConfirmedByInspector {
        // Only a visit proves it: see `inspection::inspector_sync`.
        return Err(rejected(
            "inspection_required",
            "Solo un ispettore sul posto può confermare: assegna un sopralluogo / Only an inspector on site can confirm: request an inspection",
        ));
    }
    if let ReportStatus::Rejected { reason } = &to {
        if !casa_shared_model::status::REJECTION_REASONS.contains(&reason.as_str()) {
            return Err(rejected(
                "unknown_rejection_reason",
                format!(
                    "Motivo di rifiuto non previsto: usa uno di questi / Rejection reason not in the list, use one of: {}",
                    casa_shared_model::status::REJECTION_REASONS.join(" | ")
                ),
            ));
        }
    }
    if let ReportStatus::AssignedToDepartment { department } = &to {
        let known = state.directory().comune(&report.comune).is_some_and(|c| c.departments.contains_key(department));
        if !known {
            return Err(ServiceError::Rejected {
                code: "unknown_department",
                message: format!("Ufficio «{department}» sconosciuto / Unknown department"),
            });
        }
    }
    if let ReportStatus::DuplicateOf { report_id } = &to {
        // The original must be one the same Comune handles: a duplicate
        // across Comuni would point the citizen at a report they cannot follow.
        let original = if report_id == id { None } else { state.store().report(report_id).await? };
        if original.is_none_or(|o| o.comune != report.comune) {
            return Err(ServiceError::Rejected {
                code: "unknown_duplicate",
                message: "La segnalazione originale non esiste in questo Comune / The original report does not exist in this Comune"
                    .to_owned(),
            });
        }
    }
    let next = report.status.transition(to)?;
    apply_status(state, StatusChange::new(id, &report.status, next, staff.actor())).await?;
    state.store().report(id).await?.ok_or(ServiceError::NotFound)
}

/// A report a moderator of its Comune may act on.
pub(crate) async fn moderated_report(state: &AppState, staff: &Staff, id: &ReportId) -> Result<ReportRecord, ServiceError> {
    let report = staff_report(state, staff, id).await?;
    if !staff.can_moderate(&report.comune) {
        return Err(ServiceError::Forbidden);
    }
    Ok(report)
}

/// Blurs a region of the report's photo number `index` (from 0). The blurred
/// copy takes the original's place and the original file goes, so it is not
/// reachable by its address once the report is public.
pub async fn blur_photo(
    state: &AppState,
    staff: &Staff,
    id: &ReportId,
    index: usize,
    region: BlurRegion,
) -> Result<ReportRecord, ServiceError> {
    let report = moderated_report(state, staff, id).await?;
    let sha = report.photos.get(index).ok_or(ServiceError::NotFound)?;
    let original = casa_shared_model::report::PhotoRef::parse(sha).map_err(|_| ServiceError::NotFound)?;
    let bytes = tokio::fs::read(state.photos().path(&original)).await.map_err(|_| {
        rejected(
            "photo_not_uploaded",
            "La foto non è ancora arrivata dal telefono: riprova più tardi / The photo has not arrived yet: try later",
        )
    })?;
    let blurred = crate::components::reports::blur::blur_with(&state.uploads().images, bytes, region)
        .await
        .map_err(|e| rejected(e.code(), e.to_string()))?;
    let photos = state.photos();
    let copy = photos.save(&blurred).await.map_err(|e| {
        tracing::error!(error = %e, "cannot save a blurred photo");
        rejected("photo_storage", "Impossibile salvare la foto / Cannot save the photo")
    })?;
    match state.store().replace_photo(id, original.as_str(), copy.as_str(), Utc::now()).await? {
        PhotoReplaced::NotThere => return Err(ServiceError::StaleStatus),
        PhotoReplaced::Replaced { old_still_used } => {
            if !old_still_used {
                if let Err(e) = photos.remove(&original).await {
                    tracing::warn!(error = %e, photo = original.as_str(), "the original of a blurred photo could not be deleted");
                }
            }
        }
    }
    let actor = staff.actor();
    let detail = format!("foto {}: {} -> {}", index + 1, original.as_str(), copy.as_str());
    crate::platform::staff::audit(state, &actor, "photo_blurred", Some(format!("report:{id}")), Some(detail)).await;
    state.store().report(id).await?.ok_or(ServiceError::NotFound)
}

/// Files the report under another of its Comune's categories; it moves to the
/// department that handles that category.
pub async fn recategorize(state: &AppState, staff: &Staff, id: &ReportId, category: &str) -> Result<ReportRecord, ServiceError> {
    let report = moderated_report(state, staff, id).await?;
    if !report.status.is_open() {
        return Err(rejected("report_closed", "La segnalazione è chiusa: la categoria non si cambia più / The report is closed"));
    }
    let directory = state.directory();
    let comune = directory.comune(&report.comune).ok_or(ServiceError::NotFound)?;
    let Some(target) = comune.category(category) else {
        return Err(rejected("unknown_category", "Categoria sconosciuta per questo Comune / Unknown category for this Comune"));
    };
    if target.code == report.category {
        return Err(rejected("same_category", "La segnalazione è già in questa categoria / The report already has this category"));
    }
    let actor = staff.actor();
    let change = Recategorize {
        id: *id,
        from_category: report.category.clone(),
        category: target.code.clone(),
        department: target.department.clone(),
        actor: actor.clone(),
        at: Utc::now(),
    };
    if !state.store().recategorize(&change).await? {
        return Err(ServiceError::StaleStatus);
    }
    let detail = format!("{} -> {} ({})", report.category, change.category, change.department);
    crate::platform::staff::audit(state, &actor, "category_change", Some(format!("report:{id}")), Some(detail)).await;
    state.store().report(id).await?.ok_or(ServiceError::NotFound)
}

pub const TRANSFER_REASON_CHARS: std::ops::RangeInclusive<usize> = 3..=500;

/// Sends a report that is not this Comune's to the moderation queue of the
/// Comune that should handle it, with the reason that Comune reads.
pub async fn transfer(state: &AppState, staff: &Staff, id: &ReportId, to: &IstatCode, reason: &str) -> Result<ReportRecord, ServiceError> {
    let report = moderated_report(state, staff, id).await?;
    let reason = reason.trim();
    if !TRANSFER_REASON_CHARS.contains(&reason.chars().count()) {
        return Err(rejected(
            "invalid_reason",
            "Scrivi il motivo del trasferimento (da 3 a 500 caratteri) / Give a reason (3 to 500 characters)",
        ));
    }
    if *to == report.comune {
        return Err(rejected("same_comune", "La segnalazione è già di questo Comune / The report already belongs to this Comune"));
    }
    let movable = matches!(report.status, ReportStatus::InModeration | ReportStatus::Published | ReportStatus::AssignedToDepartment { .. });
    if !movable {
        return Err(rejected(
            "not_transferable",
            format!(
                "Una segnalazione «{}» non si trasferisce più / A report in this state cannot be transferred",
                report.status.label_it()
            ),
        ));
    }
    let directory = state.directory();
    let target = directory.comune(to).ok_or_else(|| rejected("unknown_comune", "Comune sconosciuto / Unknown Comune"))?;
    let Some(category) = target.category(&report.category) else {
        return Err(rejected(
            "category_not_served",
            format!(
                "Il Comune di {} non gestisce questa categoria: cambiala prima del trasferimento / {} does not handle this category: change it first",
                target.name, target.name
            ),
        ));
    };
    let actor = staff.actor();
    let transfer = Transfer {
        id: Uuid::now_v7(),
        report_id: *id,
        from_comune: report.comune,
        to_comune: *to,
        from_status: report.status.clone(),
        category: category.code.clone(),
        department: category.department.clone(),
        reason: reason.to_owned(),
        actor: actor.clone(),
        at: Utc::now(),
    };
    if !state.store().transfer(&transfer).await? {
        return Err(ServiceError::StaleStatus);
    }
    state.queue_changed(*to);
    let detail = format!("{} -> {}: {reason}", report.comune.as_str(), to.as_str());
    crate::platform::staff::audit(state, &actor, "transfer", Some(format!("report:{id}")), Some(detail)).await;
    state.store().report(id).await?.ok_or(ServiceError::NotFound)
}
