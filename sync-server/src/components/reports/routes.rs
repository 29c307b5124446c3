//! Reports over HTTP (`/api/v1`): one report from a phone, a public
//! report, and the staff's queue, reading and status changes.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use casa_shared_model::wire::{ApiErrorBody, ItemOutcome, ItemResult, PublicReport, ReportPayload};
use casa_shared_model::{IstatCode, ReportId, ReportStatus};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::service::{self, Candidate, Origin};
use crate::platform::client_ip::ClientIp;
use crate::platform::device::AuthenticatedDevice;
use crate::platform::error::ApiError;
use crate::platform::error::ServiceError;
use crate::platform::ratelimit;
use crate::platform::routes::extract::{ApiJson, ApiQuery};
use crate::platform::staff::Staff;
use crate::platform::state::AppState;
use crate::store::{ReportRecord, ReportSource};

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
        return Err(crate::platform::device::device_mismatch());
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
    match crate::components::reports::visibility::public_report(&state, &id).await.map_err(ServiceError::from)? {
        Some(r) => Ok(Json(service::public_report(r))),
        None => Err(ApiError::not_found()),
    }
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
