//! Petitions over HTTP: public reading, moderators' decisions and rules,
//! open data. Signing goes through the sync, so it works offline.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use casa_shared_model::petition::{PetitionDraft, PetitionRules, PublicPetition};
use casa_shared_model::wire::ApiErrorBody;
use casa_shared_model::{IstatCode, PetitionId};

use crate::components::identity::Signer;
use crate::components::petitions::service::{self as petitions, Decision};
use crate::platform::error::ApiError;
use crate::platform::routes::extract::ApiJson;
use crate::platform::staff::Staff;
use crate::platform::state::AppState;

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

/// A Comune's public petitions (open, closed, answered), newest first.
#[utoipa::path(get, path = "/api/v1/comuni/{istat_code}/petitions", tag = "petitions",
    params(("istat_code" = String, Path)),
    responses((status = 200, body = Vec<PublicPetition>), (status = 404, body = ApiErrorBody)))]
pub async fn comune_petitions(State(state): State<AppState>, Path(code): Path<String>) -> Result<Json<Vec<PublicPetition>>, ApiError> {
    let comune = IstatCode::parse(&code).map_err(|_| ApiError::not_found())?;
    if state.directory().comune(&comune).is_none() {
        return Err(ApiError::not_found());
    }
    Ok(Json(petitions::listed(&state, &comune, &Signer::Anonymous, None).await?))
}

/// A moderator's decision on a petition.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct DecisionRequest {
    /// `open` (a proposal with its co-sponsors), `reject` (with `reason`) or
    /// `answer` (the Comune's official `response`).
    pub action: String,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub response: Option<String>,
}

/// Open, reject or answer a petition (moderators of its Comune and admins).
#[utoipa::path(post, path = "/api/v1/admin/petitions/{id}/decision", tag = "admin", security(("basic" = [])),
    params(("id" = String, Path)),
    request_body = DecisionRequest,
    responses(
        (status = 200, body = PublicPetition),
        (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody),
        (status = 422, description = "Invalid decision or transition", body = ApiErrorBody)
    ))]
pub async fn decide(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<DecisionRequest>,
) -> Result<Json<PublicPetition>, ApiError> {
    let id = PetitionId::parse(&id).map_err(|_| ApiError::not_found())?;
    let action = req.action;
    let decision = Decision::parse(&action, req.reason, req.response).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_action",
            format!("Azione «{action}» sconosciuta: open, reject o answer / Unknown action"),
        )
    })?;
    Ok(Json(petitions::public_petition(petitions::decide(&state, &staff, &id, decision).await?)))
}

/// Set a Comune's petition rules: co-sponsors, thresholds, anonymisation.
#[utoipa::path(put, path = "/api/v1/admin/comuni/{istat_code}/petition-rules", tag = "admin", security(("basic" = [])),
    params(("istat_code" = String, Path)),
    request_body = PetitionRules,
    responses(
        (status = 200, body = PetitionRules),
        (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody),
        (status = 422, body = ApiErrorBody)
    ))]
pub async fn set_rules(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    ApiJson(req): ApiJson<PetitionRules>,
) -> Result<Json<PetitionRules>, ApiError> {
    let comune = IstatCode::parse(&code).map_err(|_| ApiError::not_found())?;
    let rules = PetitionRules::parse(req.cosponsors, req.response_threshold, req.debate_threshold, req.anonymise_after_months)
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.to_string()))?;
    petitions::set_rules(&state, &staff, &comune, &rules).await?;
    Ok(Json(rules))
}

fn csv_field(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Open data: petitions and signatures per Comune, as CSV (UTF-8, comma).
#[utoipa::path(get, path = "/api/v1/open-data/petizioni.csv", tag = "open-data",
    responses((status = 200, description = "istat_code, comune, aperte, chiuse, con_risposta, respinte, firme", content_type = "text/csv")))]
pub async fn open_data_csv(State(state): State<AppState>) -> Result<Response, ApiError> {
    let mut out = String::from("istat_code,comune,aperte,chiuse,con_risposta,respinte,firme\n");
    for c in petitions::counts(&state).await? {
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            csv_field(&c.istat_code),
            csv_field(&c.comune),
            c.open,
            c.closed,
            c.answered,
            c.rejected,
            c.signatures
        ));
    }
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8"), (header::CONTENT_DISPOSITION, "attachment; filename=\"petizioni.csv\"")], out)
        .into_response())
}

/// Open data: the same counts as GeoJSON, one feature per Comune with its
/// simplified official boundary (none before boundaries are imported).
#[utoipa::path(get, path = "/api/v1/open-data/petizioni.geojson", tag = "open-data",
    responses((status = 200, description = "FeatureCollection", content_type = "application/geo+json")))]
pub async fn open_data_geojson(State(state): State<AppState>) -> Result<Response, ApiError> {
    let counts = petitions::counts(&state).await?;
    let directory = state.directory();
    let features: Vec<serde_json::Value> = counts
        .iter()
        .map(|c| {
            let polygons = IstatCode::parse(&c.istat_code).ok().and_then(|code| directory.comune(&code)).and_then(|e| e.polygons.clone());
            // Simplified to 20 m, enough for a map (exact shapes: the ISTAT files).
            let geometry = polygons.map(|p| serde_json::json!({ "type": "MultiPolygon", "coordinates": p.as_ref() }));
            serde_json::json!({
                "type": "Feature",
                "id": c.istat_code,
                "geometry": geometry,
                "properties": c,
            })
        })
        .collect();
    let body = serde_json::json!({ "type": "FeatureCollection", "features": features });
    Ok(([(header::CONTENT_TYPE, "application/geo+json")], body.to_string()).into_response())
}
