//! Badges and points for verified results, and each Comune's opt-in
//! leaderboard.

use async_trait::async_trait;
use axum::routing::get;
use axum::Router;
use casa_shared_model::wire::sections::{version_of, BadgesPull, BadgesSection};
use casa_shared_model::Service;

use super::{Component, SyncContext};
use crate::platform::error::ServiceError;
use crate::platform::state::AppState;

pub mod routes;
pub mod service;

/// The badges component.
#[derive(Debug, Clone, Copy)]
pub struct Badges;

#[async_trait]
impl Component for Badges {
    fn name(&self) -> &'static str {
        "badges"
    }

    fn service(&self) -> Option<Service> {
        Some(Service::Gamification)
    }

    fn api_routes(&self) -> Router<AppState> {
        Router::new().route(
            "/comuni/{istat_code}/leaderboard",
            get(routes::leaderboard).put(routes::join_leaderboard).delete(routes::leave_leaderboard),
        )
    }

    fn openapi(&self) -> Option<utoipa::openapi::OpenApi> {
        Some(<Doc as utoipa::OpenApi>::openapi())
    }

    fn check_pull(&self, pull: &serde_json::Value) -> Result<(), ServiceError> {
        super::parse_pull::<BadgesPull>(pull, "badges").map(|_| ())
    }

    /// The phone's badges and points, again only when they changed.
    async fn pull(&self, cx: &SyncContext<'_>, pull: Option<&serde_json::Value>) -> Result<Option<serde_json::Value>, ServiceError> {
        let Some(pull) = pull else { return Ok(None) };
        let pull: BadgesPull = super::parse_pull(pull, "badges")?;
        // Where no Comune runs badges there is nothing to show: no query.
        // Elsewhere nothing new costs one aggregate query: the points are
        // counted only when what they rest on moved.
        let runs = service::runs_anywhere(cx.state);
        let digest = if runs { cx.state.store().badges_digest(&cx.device).await? } else { String::new() };
        let version = version_of(&(cx.state.directory().version, runs, digest));
        if pull.version.as_deref() == Some(version.as_str()) {
            return Ok(None);
        }
        let (badges, points) = if runs {
            (service::for_device(cx.state, &cx.device).await?, service::points(cx.state, &cx.device).await?)
        } else {
            (Vec::new(), 0)
        };
        super::section_value(&BadgesSection { version, badges, points })
    }
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(routes::leaderboard, routes::join_leaderboard, routes::leave_leaderboard))]
struct Doc;
