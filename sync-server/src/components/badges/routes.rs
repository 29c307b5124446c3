//! A Comune's opt-in leaderboard over HTTP.

use axum::extract::{Path, State};
use axum::Json;
use casa_shared_model::badge::{Leaderboard, LeaderboardJoin};
use casa_shared_model::wire::ApiErrorBody;
use casa_shared_model::IstatCode;

use super::service as badges;
use crate::platform::device::AuthenticatedDevice;
use crate::platform::error::ApiError;
use crate::platform::routes::extract::ApiJson;
use crate::platform::state::AppState;

/// The asking phone, in a header (kept out of URLs and their access logs).
pub const DEVICE_HEADER: &str = crate::platform::device::DEVICE_HEADER;

/// A Comune's opt-in leaderboard (where it runs badges). With the phone's
/// headers (optional), the answer says where that phone stands.
#[utoipa::path(get, path = "/api/v1/comuni/{istat_code}/leaderboard", tag = "badges",
    params(("istat_code" = String, Path)),
    security((), ("device_id" = [], "device_key" = [])),
    responses(
        (status = 200, body = Leaderboard),
        (status = 401, description = "Device key malformed or not the registered one", body = ApiErrorBody),
        (status = 404, body = ApiErrorBody),
        (status = 422, body = ApiErrorBody)
    ))]
pub async fn leaderboard(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: axum::http::HeaderMap,
) -> Result<Json<Leaderboard>, ApiError> {
    let comune = IstatCode::parse(&code).map_err(|_| ApiError::not_found())?;
    let device = crate::platform::device::authenticate_optional(&state, &headers).await?;
    Ok(Json(badges::leaderboard(&state, &comune, device.as_ref(), chrono::Utc::now()).await?))
}

/// Join a Comune's leaderboard with a nickname, or change it.
#[utoipa::path(put, path = "/api/v1/comuni/{istat_code}/leaderboard", tag = "badges",
    params(("istat_code" = String, Path)),
    request_body = LeaderboardJoin,
    security(("device_id" = [], "device_key" = [])),
    responses(
        (status = 200, body = Leaderboard),
        (status = 401, description = "Device key missing or not the registered one", body = ApiErrorBody),
        (status = 403, description = "The body's device_id is not the X-Casa-Device one", body = ApiErrorBody),
        (status = 404, body = ApiErrorBody),
        (status = 422, description = "Invalid or taken nickname, or no leaderboard here", body = ApiErrorBody)
    ))]
pub async fn join_leaderboard(
    State(state): State<AppState>,
    Path(code): Path<String>,
    AuthenticatedDevice(device): AuthenticatedDevice,
    ApiJson(join): ApiJson<LeaderboardJoin>,
) -> Result<Json<Leaderboard>, ApiError> {
    let comune = IstatCode::parse(&code).map_err(|_| ApiError::not_found())?;
    if join.device_id != device {
        return Err(crate::platform::device::device_mismatch());
    }
    Ok(Json(badges::join_leaderboard(&state, &comune, &join).await?))
}

/// Leave a Comune's leaderboard.
#[utoipa::path(delete, path = "/api/v1/comuni/{istat_code}/leaderboard", tag = "badges",
    params(("istat_code" = String, Path)),
    security(("device_id" = [], "device_key" = [])),
    responses(
        (status = 200, body = Leaderboard),
        (status = 401, description = "Device key missing or not the registered one", body = ApiErrorBody),
        (status = 404, body = ApiErrorBody)
    ))]
pub async fn leave_leaderboard(
    State(state): State<AppState>,
    Path(code): Path<String>,
    AuthenticatedDevice(device): AuthenticatedDevice,
) -> Result<Json<Leaderboard>, ApiError> {
    let comune = IstatCode::parse(&code).map_err(|_| ApiError::not_found())?;
    Ok(Json(badges::leave_leaderboard(&state, &comune, &device).await?))
}
