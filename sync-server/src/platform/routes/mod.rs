//! The HTTP surface: handlers are thin (extract, call the service, map).

use std::time::Instant;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tower_http::trace::TraceLayer;

use crate::platform::error::ApiError;
use crate::platform::metrics::HttpLabels;
use crate::platform::state::AppState;

pub mod api;
pub mod extract;
pub mod health;
pub mod home;
pub mod security;
pub mod uploads;
pub(crate) mod uploads_doc;

/// A sync batch of 500 reports is well under 2 MB; anything larger is a
/// mistake or an attack, refused before it is read whole.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

pub fn router(state: AppState) -> Router {
    let mut api = Router::new()
        .route("/sync", post(crate::platform::sync::handler))
        .route("/comuni", get(api::comuni))
        .route("/comuni/{istat_code}/outline", get(api::comune_outline))
        .route("/photos/{sha256}", get(uploads::photo))
        .route("/openapi.json", get(api::openapi));
    let mut root = Router::new();
    for component in state.components().iter() {
        api = api.merge(component.api_routes());
        root = root.merge(component.root_routes());
    }
    let api = api.fallback(|| async { ApiError::not_found() });
    Router::new()
        .route("/", get(home::home))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .nest("/api/v1", api)
        .merge(root)
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
