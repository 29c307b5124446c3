//! The HTTP surface: handlers are thin (extract, call the service, map).

use std::time::Instant;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use tower_http::trace::TraceLayer;

use crate::error::ApiError;
use crate::metrics::HttpLabels;
use crate::state::AppState;

pub mod api;
pub mod backoffice;
pub mod extract;
pub mod health;
pub mod home;
pub mod inspector;
pub mod open311;
pub mod petitions;
pub mod security;
pub mod uploads;
pub(crate) mod uploads_doc;

/// A sync batch of 500 reports is well under 2 MB; anything larger is a
/// mistake or an attack, refused before it is read whole.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/sync", post(api::sync))
        .route("/reports", post(api::submit_report))
        .route("/reports/{id}", get(api::public_report))
        .route("/comuni", get(api::comuni))
        .route("/comuni/{istat_code}/outline", get(api::comune_outline))
        .route("/admin/comuni/{istat_code}/queue", get(api::moderation_queue))
        .route("/admin/reports/{id}", get(api::staff_report))
        .route("/admin/reports/{id}/status", post(api::change_status))
        .route("/admin/reports/{id}/inspector", post(inspector::assign))
        .route("/inspector/session", post(inspector::login))
        .route("/inspector/sync", post(inspector::sync))
        .route("/backoffice/reports/{id}/status", post(backoffice::change_status))
        .route("/identity/activate", post(petitions::activate))
        .route("/petitions/{id}", get(petitions::public_petition))
        .route("/admin/comuni/{istat_code}/petitions", post(petitions::open_petition))
        .route("/admin/comuni/{istat_code}/petition-rules", put(petitions::set_rules))
        .route("/admin/petitions/{id}/decision", post(petitions::decide))
        .route("/comuni/{istat_code}/petitions", get(petitions::comune_petitions))
        .route(
            "/comuni/{istat_code}/leaderboard",
            get(petitions::leaderboard).put(petitions::join_leaderboard).delete(petitions::leave_leaderboard),
        )
        .route("/open-data/petizioni.csv", get(petitions::open_data_csv))
        .route("/open-data/petizioni.geojson", get(petitions::open_data_geojson))
        .route("/photos/{sha256}", get(uploads::photo))
        .route("/openapi.json", get(api::openapi))
        .fallback(|| async { ApiError::not_found() });
    Router::new()
        .route("/", get(home::home))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .nest("/api/v1", api)
        .nest("/open311/v2", open311::router())
        .nest("/dashboard", crate::dashboard::router(&state))
        .nest_service(uploads::UPLOADS_PATH, uploads::tus_router(&state))
        .fallback(|| async { ApiError::not_found() })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(state.clone(), record_metrics))
        .layer(middleware::from_fn_with_state(state.clone(), security::headers))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn record_metrics(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    // The route template, not the path, so ids do not explode the label set.
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "unmatched".to_owned());
    let method = req.method().as_str().to_owned();
    let response = next.run(req).await.into_response();
    let labels = HttpLabels { method, route, status: response.status().as_u16() };
    let metrics = state.metrics();
    metrics.http_requests.get_or_create(&labels).inc();
    metrics.http_duration.get_or_create(&labels).observe(started.elapsed().as_secs_f64());
    response
}
