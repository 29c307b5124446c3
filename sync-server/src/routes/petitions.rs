//! Citizens' identity (activation of a clerk's code) and petitions: public
//! reading, and opening by a Comune's moderators. Signing goes through the
//! sync, so it works offline.

use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Json;
use casa_shared_model::petition::{PetitionDraft, PublicPetition};
use casa_shared_model::wire::{ApiErrorBody, IdentityActivation, IdentitySession};
use casa_shared_model::{IstatCode, PetitionId};

use super::extract::ApiJson;
use crate::error::ApiError;
use crate::identity::{self, ActivateError};
use crate::service::petitions::{self, Signer};
use crate::service::Staff;
use crate::state::AppState;

/// The citizen a sync speaks for, from `Authorization: Bearer` (optional:
/// without it the sync is the device's alone).
impl FromRequestParts<AppState> for Signer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(token) = super::extract::bearer_token(parts) else {
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
    responses(
        (status = 200, body = IdentitySession),
        (status = 400, description = "Malformed request", body = ApiErrorBody),
        (status = 404, description = "Unknown, used or expired code", body = ApiErrorBody)
    ))]
pub async fn activate(State(state): State<AppState>, ApiJson(req): ApiJson<IdentityActivation>) -> Result<Json<IdentitySession>, ApiError> {
    match identity::activate(state.store(), &req.code, &req.device_id).await {
        Ok((citizen, token)) => {
            let residence_name = state.directory().comune(&citizen.residence).map(|c| c.name.clone()).unwrap_or_default();
            Ok(Json(IdentitySession { token, residence: citizen.residence, residence_name }))
        }
        Err(ActivateError::Identity(e)) => Err(ApiError::new(StatusCode::NOT_FOUND, e.code(), e.to_string())),
        Err(ActivateError::Store(e)) => Err(crate::service::ServiceError::from(e).into()),
    }
}

/// A petition, as the public (and the app) sees it.
#[utoipa::path(get, path = "/api/v1/petitions/{id}", tag = "petitions",
    params(("id" = String, Path)),
    responses((status = 200, body = PublicPetition), (status = 404, body = ApiErrorBody)))]
pub async fn public_petition(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<PublicPetition>, ApiError> {
    let id = PetitionId::parse(&id).map_err(|_| ApiError::not_found())?;
    Ok(Json(petitions::public(&state, &id).await?))
}

/// Open a petition for signatures (moderators of the Comune and admins).
#[utoipa::path(post, path = "/api/v1/admin/comuni/{istat_code}/petitions", tag = "admin", security(("basic" = [])),
    params(("istat_code" = String, Path)),
    request_body = PetitionDraft,
    responses(
        (status = 201, body = PublicPetition),
        (status = 400, body = ApiErrorBody),
        (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody),
        (status = 422, body = ApiErrorBody)
    ))]
pub async fn open_petition(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    ApiJson(draft): ApiJson<PetitionDraft>,
) -> Result<(StatusCode, Json<PublicPetition>), ApiError> {
    let comune = IstatCode::parse(&code).map_err(|_| ApiError::not_found())?;
    let p = petitions::open_petition(&state, &staff, &comune, &draft).await?;
    Ok((StatusCode::CREATED, Json(petitions::public_petition(p))))
}
