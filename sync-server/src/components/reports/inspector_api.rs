//! The inspector app's API, under `/api/v1/inspector`: a password login
//! that returns a bearer token, and one sync round trip (visits in,
//! assignments out). Moderators request visits under `/api/v1/admin`.

use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Json;
use casa_shared_model::wire::{ApiErrorBody, InspectorLogin, InspectorSession, InspectorSyncRequest, InspectorSyncResponse};
use casa_shared_model::ReportId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::components::reports::inspection::{self, InspectorLoginError};
use crate::platform::client_ip::ClientIp;
use crate::platform::error::ApiError;
use crate::platform::routes::extract::ApiJson;
use crate::platform::staff::LoginError;
use crate::platform::staff::Staff;
use crate::platform::state::AppState;

/// An inspector, authenticated by the token of `POST /api/v1/inspector/session`.
#[derive(Debug, Clone)]
pub struct Inspector(pub Staff);

fn invalid_token() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_token",
        "Sessione scaduta o non valida: accedi di nuovo / Session expired or invalid: log in again",
    )
}

impl FromRequestParts<AppState> for Inspector {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = crate::platform::routes::extract::bearer_token(parts).ok_or_else(invalid_token)?;
        inspection::inspector_by_token(state, token).await?.map(Inspector).ok_or_else(invalid_token)
    }
}

impl From<InspectorLoginError> for ApiError {
    fn from(e: InspectorLoginError) -> Self {
        match e {
            InspectorLoginError::NotAnInspector => ApiError::new(StatusCode::FORBIDDEN, "not_an_inspector", e.to_string()),
            InspectorLoginError::Login(LoginError::InvalidCredentials) => {
                ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", LoginError::InvalidCredentials.to_string())
            }
            InspectorLoginError::Login(e @ LoginError::Throttled { .. }) => {
                crate::platform::routes::extract::too_many_attempts(e.retry_after_secs().unwrap_or(1))
            }
            InspectorLoginError::Login(LoginError::Store(e)) => {
                tracing::error!(error = %e, "inspector login failed");
                ApiError::internal()
            }
        }
    }
}

/// Log in on the inspector app with a staff email and password.
#[utoipa::path(post, path = "/api/v1/inspector/session", tag = "inspector", request_body = InspectorLogin,
    responses(
        (status = 201, body = InspectorSession),
        (status = 401, description = "Wrong email or password (`invalid_credentials`)", body = ApiErrorBody),
        (status = 403, description = "Not an inspector's account (`not_an_inspector`)", body = ApiErrorBody),
        (status = 429, description = "Too many failed attempts for this account or from this address: wait (`too_many_attempts`, \
            the same for accounts that do not exist)", body = ApiErrorBody, headers(("Retry-After" = u64, description = "Seconds")))
    ))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    ApiJson(body): ApiJson<InspectorLogin>,
) -> Result<(StatusCode, Json<InspectorSession>), ApiError> {
    Ok((StatusCode::CREATED, Json(inspection::inspector_login(&state, &body.email, &body.password, client).await?)))
}

/// Send the visits made since the last sync (each answered, re-sends as the
/// first time) and get the open assignments, whole.
#[utoipa::path(post, path = "/api/v1/inspector/sync", tag = "inspector", security(("inspector_token" = [])),
    request_body = InspectorSyncRequest,
    responses(
        (status = 200, body = InspectorSyncResponse),
        (status = 401, description = "Missing or expired token (`invalid_token`)", body = ApiErrorBody),
        (status = 422, description = "More than 100 inspections (`too_many_items`)", body = ApiErrorBody)
    ))]
pub async fn sync(
    State(state): State<AppState>,
    Inspector(inspector): Inspector,
    ApiJson(req): ApiJson<InspectorSyncRequest>,
) -> Result<Json<InspectorSyncResponse>, ApiError> {
    Ok(Json(inspection::inspector_sync(&state, &inspector, req).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AssignInspector {
    /// The inspector's email; they must cover the report's Comune.
    pub inspector: String,
    /// What to look at (at most 500 characters).
    pub instructions: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentView {
    pub report_id: ReportId,
    pub inspector: String,
    pub instructions: Option<String>,
    pub assigned_at: DateTime<Utc>,
}

/// Ask an inspector to check a report on site (a moderator of its Comune).
#[utoipa::path(post, path = "/api/v1/admin/reports/{id}/inspector", tag = "admin", security(("basic" = [])),
    params(("id" = String, Path)), request_body = AssignInspector,
    responses(
        (status = 200, body = AssignmentView),
        (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody),
        (status = 422, description = "Unknown inspector, or a report that cannot be inspected", body = ApiErrorBody)
    ))]
pub async fn assign(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AssignInspector>,
) -> Result<Json<AssignmentView>, ApiError> {
    let id = ReportId::parse(&id).map_err(|_| ApiError::not_found())?;
    let a = inspection::assign_inspector(&state, &staff, &id, &body.inspector, body.instructions.as_deref()).await?;
    Ok(Json(AssignmentView {
        report_id: a.report_id,
        inspector: a.inspector.email,
        instructions: a.instructions,
        assigned_at: a.assigned_at,
    }))
}
