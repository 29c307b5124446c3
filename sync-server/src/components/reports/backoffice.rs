//! Back-office systems of the Comuni's departments, under
//! `/api/v1/backoffice`: they answer the reports delivered to them with
//! status updates. Authenticated with an API key (`Authorization: Bearer`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use casa_shared_model::wire::ApiErrorBody;
use casa_shared_model::ReportId;
use serde::Deserialize;
use utoipa::ToSchema;

use super::routes::StaffReport;
use crate::components::reports::service::{self, BackOffice, BackofficeStatus};
use crate::platform::api_keys::{KeyRefusal, Permission};
use crate::platform::error::ApiError;
use crate::platform::routes::extract::ApiJson;
use crate::platform::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct StatusUpdate {
    /// `in_progress`, `resolved` or `closed`.
    #[schema(example = "in_progress")]
    pub status: String,
    /// For the audit log (at most 1000 characters).
    pub note: Option<String>,
}

/// A department's back-office reports progress on a report delivered to it;
/// the citizen's app learns it on its next sync. A published report is first
/// recorded as assigned to its department. The status it already has answers 200, unchanged.
/// The key needs the `update_status` permission, and reports outside its
/// Comune (and department, if it has one) answer 404 as if absent.
#[utoipa::path(post, path = "/api/v1/backoffice/reports/{id}/status", tag = "backoffice", security(("api_key" = [])),
    params(("id" = String, Path, description = "Report id (UUIDv7), as delivered")), request_body = StatusUpdate,
    responses(
        (status = 200, body = StaffReport),
        (status = 400, description = "Malformed request, unknown status (`unknown_status`), note too long", body = ApiErrorBody),
        (status = 401, description = "Missing, unknown or revoked API key", body = ApiErrorBody),
        (status = 403, description = "A key made before scopes (`key_not_scoped`) or without `update_status` (`scope_missing`)", body = ApiErrorBody),
        (status = 404, description = "No such report within the key's Comune and department", body = ApiErrorBody),
        (status = 409, description = "Not allowed from the current status", body = ApiErrorBody),
        (status = 415, description = "Not JSON", body = ApiErrorBody)
    ))]
pub async fn change_status(
    State(state): State<AppState>,
    office: BackOffice,
    Path(id): Path<String>,
    ApiJson(update): ApiJson<StatusUpdate>,
) -> Result<Json<StaffReport>, ApiError> {
    if !office.scope.allows(Permission::UpdateStatus) {
        return Err(KeyRefusal::ScopeMissing(Permission::UpdateStatus).to_api_error());
    }
    let id = ReportId::parse(&id).map_err(|_| ApiError::not_found())?;
    let to = BackofficeStatus::parse(&update.status).ok_or_else(|| {
        ApiError::bad_request(
            "unknown_status",
            "Stato non ammesso: in_progress, resolved o closed / Status not allowed: in_progress, resolved or closed",
        )
    })?;
    let note =
        service::parse_note(update.note.as_deref()).map_err(|e| ApiError { status: StatusCode::BAD_REQUEST, ..ApiError::from(e) })?;
    Ok(Json(service::backoffice_status(&state, &office, &id, to, note.as_deref()).await?.into()))
}
