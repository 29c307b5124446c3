//! The platform's own API under `/api/v1`: the directory of Comuni (for the
//! app's offline cache and map) and the OpenAPI document.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use casa_shared_model::wire::{ApiErrorBody, CategoryInfo, ComuneInfo, ComuneOutline};
use casa_shared_model::IstatCode;

use crate::platform::error::ApiError;
use crate::platform::state::AppState;

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

pub async fn openapi(State(state): State<AppState>) -> impl IntoResponse {
    Json(crate::platform::openapi::document(&state))
}
