//! The native API for the app, under `/api/v1`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use casa_shared_model::wire::{
    ApiErrorBody, CategoryInfo, ComuneInfo, ComuneOutline, ItemOutcome, ItemResult, PublicReport, ReportPayload, SyncRequest, SyncResponse,
    MAX_BATCH_ITEMS,
};
use casa_shared_model::{IstatCode, ReportId, ReportStatus};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{ApiJson, ApiQuery};
use crate::client_ip::ClientIp;
use crate::device::AuthenticatedDevice;
use crate::error::ApiError;
use crate::ratelimit;
use crate::service::{self, Candidate, Origin, Staff};
use crate::state::AppState;
use crate::store::{ReportRecord, ReportSource};

/// Push the device's pending items and pull the changes since its cursor.
#[utoipa::path(post, path = "/api/v1/sync", tag = "sync", request_body = SyncRequest,
    security(("device_id" = [], "device_key" = [])),
    responses(
        (status = 200, description = "A result per item, the changes since the cursor", body = SyncResponse),
        (status = 400, description = "Malformed request", body = ApiErrorBody),
        (status = 401, description = "Device key missing (device_key_required) or not the registered one (device_key_mismatch)", body = ApiErrorBody),
        (status = 403, description = "The body's device_id is not the X-Casa-Device one (device_mismatch)", body = ApiErrorBody),
        (status = 413, description = "Too many items or too large", body = ApiErrorBody),
        (status = 415, description = "Not JSON", body = ApiErrorBody),
    ))]
pub async fn sync(
    State(state): State<AppState>,
    AuthenticatedDevice(device): AuthenticatedDevice,
    ClientIp(ip): ClientIp,
    signer: service::petitions::Signer,
    ApiJson(mut req): ApiJson<SyncRequest>,
) -> Result<Json<SyncResponse>, ApiError> {
    if req.device_id != device {
        return Err(crate::device::device_mismatch());
    }
    if req.items.len() > MAX_BATCH_ITEMS {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            format!("Troppi elementi ({}, massimo {MAX_BATCH_ITEMS}) / Too many items (at most {MAX_BATCH_ITEMS})", req.items.len()),
        ));
    }
    // New reports over the phone's or the address's budget are answered
    // `deferred` (kept by the phone for later), never refused or lost.
    let held = if req.protocol == casa_shared_model::wire::PROTOCOL_VERSION {
        ratelimit::hold_back(&state, &ratelimit::subjects(Some(device), None, ip), &mut req).await?
    } else {
        ratelimit::HeldBack::default()
    };
    let mut res = service::sync_as(&state, req, &signer).await.map_err(bad_request_if_rejected)?;
    held.answer(&mut res);
    Ok(Json(res))
}

/// Rejections of a whole sync request are the client's mistake (400), not an
/// unprocessable item (422).
fn bad_request_if_rejected(e: service::ServiceError) -> ApiError {
    let mut err = ApiError::from(e);
    if err.status == StatusCode::UNPROCESSABLE_ENTITY {
        err.status = StatusCode::BAD_REQUEST;
    }
    err
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SingleReport {
    pub device_id: casa_shared_model::DeviceId,
    #[serde(flatten)]
    pub report: ReportPayload,
}

/// Submit one report. The same checks as a sync item, but a refusal is an
/// HTTP error (422) with the item's code. Re-sending answers the same.
#[utoipa::path(post, path = "/api/v1/reports", tag = "reports", request_body = SingleReport,
    security(("device_id" = [], "device_key" = [])),
    responses(
        (status = 200, description = "Accepted, with its routing", body = ItemResult),
        (status = 400, description = "Malformed request", body = ApiErrorBody),
        (status = 401, description = "Device key missing (device_key_required) or not the registered one (device_key_mismatch)", body = ApiErrorBody),
        (status = 403, description = "The body's device_id is not the X-Casa-Device one (device_mismatch)", body = ApiErrorBody),
        (status = 413, description = "Too large", body = ApiErrorBody),
        (status = 415, description = "Not JSON", body = ApiErrorBody),
        (status = 422, description = "Refused: outside the area, unknown category, invalid coordinates...", body = ApiErrorBody),
        (status = 429, description = "Too many new reports from this phone or address (rate_limited), with Retry-After", body = ApiErrorBody),
    ))]
pub async fn submit_report(
    State(state): State<AppState>,
    AuthenticatedDevice(device): AuthenticatedDevice,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<SingleReport>,
) -> Result<Json<ItemResult>, ApiError> {
    if req.device_id != device {
        return Err(crate::device::device_mismatch());
    }
    ratelimit::admit_one(&state, ReportSource::App, &ratelimit::subjects(Some(device), None, ip), &req.report.id).await?;
    let origin = Origin { source: ReportSource::App, device_id: Some(req.device_id), api_key_id: None };
    let id = req.report.id.as_uuid();
    let answer = service::submit_reports(&state, origin, vec![Candidate::from(req.report)]).await?.pop().ok_or_else(ApiError::internal)?;
    match answer {
        Ok(routing) => Ok(Json(ItemResult { id, outcome: ItemOutcome::Accepted(routing) })),
        Err(r) => Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, r.code, r.message)),
    }
}

/// A public report (published or further along).
#[utoipa::path(get, path = "/api/v1/reports/{id}", tag = "reports",
    params(("id" = String, Path, description = "Report id (UUIDv7)")),
    responses((status = 200, body = PublicReport), (status = 404, body = ApiErrorBody)))]
pub async fn public_report(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<PublicReport>, ApiError> {
    let id = ReportId::parse(&id).map_err(|_| ApiError::not_found())?;
    match crate::visibility::public_report(&state, &id).await.map_err(service::ServiceError::from)? {
        Some(r) => Ok(Json(service::public_report(r))),
        None => Err(ApiError::not_found()),
    }
}

/// A Comune's boundary, simplified for the app's offline map.
#[utoipa::path(get, path = "/api/v1/comuni/{istat_code}/outline", tag = "comuni",
    params(("istat_code" = String, Path, description = "ISTAT code, six digits")),
    responses((status = 200, body = ComuneOutline), (status = 404, body = ApiErrorBody)))]
pub async fn comune_outline(State(state): State<AppState>, Path(code): Path<String>) -> Result<Json<ComuneOutline>, ApiError> {
    let code = IstatCode::parse(&code).map_err(|_| ApiError::not_found())?;
    let directory = state.directory();
    let comune = directory.comune(&code).ok_or_else(ApiError::not_found)?;
    match &comune.outline {
        Some(outline) => Ok(Json(ComuneOutline::clone(outline))),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "boundary_not_imported",
            "Confini ufficiali del Comune non ancora importati / The Comune's official boundary is not imported yet",
        )),
    }
}

/// The Comuni, their services and categories (cached by the app for offline use).
#[utoipa::path(get, path = "/api/v1/comuni", tag = "comuni", responses((status = 200, body = [ComuneInfo])))]
pub async fn comuni(State(state): State<AppState>) -> Json<Vec<ComuneInfo>> {
    let directory = state.directory();
    Json(
        directory
            .order
            .iter()
            .filter_map(|code| directory.comune(code))
            .map(|c| {
                let mut services: Vec<String> = c.services.iter().map(|s| s.as_str().to_owned()).collect();
                services.sort();
                ComuneInfo {
                    istat_code: c.istat_code,
                    name: c.name.clone(),
                    services,
                    categories: c
                        .categories
                        .iter()
                        .map(|k| CategoryInfo {
                            code: k.code.clone(),
                            name_it: k.name_it.clone(),
                            name_en: k.name_en.clone(),
                            department: k.department.clone(),
                            department_name: c.department_name(&k.department),
                        })
                        .collect(),
                    official_boundary: c.has_boundary,
                }
            })
            .collect(),
    )
}

/// A report as staff see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffReport {
    pub id: ReportId,
    pub comune: IstatCode,
    pub category: String,
    pub department: String,
    pub description: String,
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
    pub address: Option<String>,
    pub photos: Vec<String>,
    pub media_url: Option<String>,
    pub source: String,
    pub routing_method: String,
    pub routing_distance_m: Option<f64>,
    pub captured_at: chrono::DateTime<chrono::Utc>,
    pub received_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    #[serde(flatten)]
    pub status: ReportStatus,
}

impl From<ReportRecord> for StaffReport {
    fn from(r: ReportRecord) -> Self {
        Self {
            id: r.id,
            comune: r.comune,
            category: r.category,
            department: r.department,
            description: r.description,
            lat: r.lat,
            lon: r.lon,
            accuracy_m: r.accuracy_m,
            address: r.address,
            photos: r.photos,
            media_url: r.media_url,
            source: r.source.as_str().to_owned(),
            routing_method: r.routing_method,
            routing_distance_m: r.routing_distance_m,
            captured_at: r.captured_at,
            received_at: r.received_at,
            updated_at: r.updated_at,
            status: r.status,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueuePage {
    pub comune: IstatCode,
    pub total: u64,
    pub items: Vec<StaffReport>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PageParams {
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// The moderation queue of a Comune, oldest first (moderators of that Comune and admins; operators and inspectors get 403).
#[utoipa::path(get, path = "/api/v1/admin/comuni/{istat_code}/queue", tag = "admin",
    params(("istat_code" = String, Path, description = "ISTAT code, e.g. 072006"), PageParams),
    security(("basic" = [])),
    responses(
        (status = 200, body = QueuePage),
        (status = 400, description = "Invalid query parameters", body = ApiErrorBody),
        (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody)
    ))]
pub async fn moderation_queue(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<QueuePage>, ApiError> {
    let comune = IstatCode::parse(&code).map_err(|_| ApiError::not_found())?;
    let (total, items) = service::moderation_queue(&state, &staff, &comune, page.limit.unwrap_or(50), page.offset.unwrap_or(0)).await?;
    Ok(Json(QueuePage { comune, total, items: items.into_iter().map(StaffReport::from).collect() }))
}

/// One report, for staff who may read it: the dashboard's rule
/// (`Staff::may_read`): an operator reads only the public reports handed to
/// their own department. Any other answers 404, as an unknown id does.
#[utoipa::path(get, path = "/api/v1/admin/reports/{id}", tag = "admin", security(("basic" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = StaffReport), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn staff_report(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> Result<Json<StaffReport>, ApiError> {
    let id = ReportId::parse(&id).map_err(|_| ApiError::not_found())?;
    Ok(Json(service::staff_report(&state, &staff, &id).await?.into()))
}

/// Move a report along its lifecycle (publish, reject with a reason, assign...).
#[utoipa::path(post, path = "/api/v1/admin/reports/{id}/status", tag = "admin", security(("basic" = [])),
    params(("id" = String, Path)), request_body = ReportStatus,
    responses(
        (status = 200, body = StaffReport),
        (status = 400, description = "Malformed request", body = ApiErrorBody),
        (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody),
        (status = 409, description = "Not allowed from the current status", body = ApiErrorBody),
        (status = 415, description = "Not JSON", body = ApiErrorBody),
        (status = 422, description = "Unknown department or original report", body = ApiErrorBody)
    ))]
pub async fn change_status(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(to): ApiJson<ReportStatus>,
) -> Result<Json<StaffReport>, ApiError> {
    let id = ReportId::parse(&id).map_err(|_| ApiError::not_found())?;
    Ok(Json(service::change_status(&state, &staff, &id, to).await?.into()))
}

pub async fn openapi() -> impl IntoResponse {
    Json(crate::openapi::document())
}
