use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde_json::json;

use crate::platform::state::AppState;

/// Alive: the process answers.
pub async fn healthz() -> impl IntoResponse {
    Json(json!({"status": "ok"}))
}

/// Ready: the database answers and the routing directory is loaded.
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let directory = state.directory();
    match state.store().ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({
                "status": "ready",
                "database": state.store().backend(),
                "comuni": directory.comuni.len(),
                "routing": if directory.router.is_approximate() { "approximate_centre" } else { "official_boundaries" },
            })),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "unavailable", "database": "unreachable"})))
        }
    }
}

/// The Prometheus metrics. Public unless `CASA_METRICS_TOKEN` is set; in
/// production restrict it at the proxy as well (see the README).
pub async fn metrics(State(state): State<AppState>, headers: axum::http::HeaderMap) -> axum::response::Response {
    if let Some(token) = state.metrics_token() {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .unwrap_or_default();
        if !crate::platform::staff::same_token(given, token.expose()) {
            return crate::platform::error::ApiError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "invalid_token",
                "Serve il token delle metriche / The metrics token is required",
            )
            .into_response();
        }
    }
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], state.metrics().encode()).into_response()
}
