//! A citizen's identity over HTTP: trading a clerk's one-time code for the
//! phone's token, and the citizen a request speaks for.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Json;
use casa_shared_model::wire::{ApiErrorBody, IdentityActivation, IdentitySession};

use super::{ActivateError, Signer};
use crate::platform::device::AuthenticatedDevice;
use crate::platform::error::ApiError;
use crate::platform::routes::extract::ApiJson;
use crate::platform::state::AppState;

/// The citizen a sync speaks for, from `Authorization: Bearer` (optional:
/// without it the sync is the device's alone).
impl FromRequestParts<AppState> for Signer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(token) = crate::platform::routes::extract::bearer_token(parts) else {
            return Ok(Signer::Anonymous);
        };
        match state.identity().citizen(token).await {
            Ok(Some(c)) => Ok(Signer::Citizen(c)),
            Ok(None) => Ok(Signer::InvalidToken),
            Err(e) => {
                tracing::error!(error = %e, "identity lookup failed");
                Err(ApiError::internal())
            }
        }
    }
}

/// Trade a clerk's one-time activation code for the phone's identity token.
#[utoipa::path(post, path = "/api/v1/identity/activate", tag = "identity", request_body = IdentityActivation,
    security(("device_id" = [], "device_key" = [])),
    responses(
        (status = 200, body = IdentitySession),
        (status = 400, description = "Malformed request", body = ApiErrorBody),
        (status = 401, description = "Device key missing or not the registered one", body = ApiErrorBody),
        (status = 403, description = "The body's device_id is not the X-Casa-Device one", body = ApiErrorBody),
        (status = 404, description = "Unknown, used or expired code", body = ApiErrorBody)
    ))]
pub async fn activate(
    State(state): State<AppState>,
    AuthenticatedDevice(device): AuthenticatedDevice,
    ApiJson(req): ApiJson<IdentityActivation>,
) -> Result<Json<IdentitySession>, ApiError> {
    // The token is bound to the phone that trades the code: only that phone,
    // proven by its key, may do so.
    if req.device_id != device {
        return Err(crate::platform::device::device_mismatch());
    }
    match super::activate(state.store(), &req.code, &req.device_id).await {
        Ok((citizen, token)) => {
            let residence_name = state.directory().comune(&citizen.residence).map(|c| c.name.clone()).unwrap_or_default();
            Ok(Json(IdentitySession { token, residence: citizen.residence, residence_name }))
        }
        Err(ActivateError::Identity(e)) => Err(ApiError::new(StatusCode::NOT_FOUND, e.code(), e.to_string())),
        Err(ActivateError::Store(e)) => Err(crate::platform::error::ServiceError::from(e).into()),
    }
}
