//! E-petitions: proposals gathering co-sponsors, moderation, signatures by
//! verified residents (through the sync, so offline too), thresholds, the
//! official answer, and the sweeper that closes and anonymises.

use std::time::Duration;

use async_trait::async_trait;
use axum::routing::{get, post, put};
use axum::Router;
use casa_shared_model::wire::sections::{version_of, PetitionsPull, PetitionsSection};
use casa_shared_model::wire::{Item, ItemOutcome, PushItem};
use casa_shared_model::Service;

use super::{Component, SyncContext};
use crate::platform::error::ServiceError;
use crate::platform::state::AppState;

pub mod dashboard;
pub mod routes;
pub mod service;

/// The petitions component.
#[derive(Debug, Clone, Copy)]
pub struct Petitions;

const KINDS: &[&str] = &["signature", "withdrawal", "proposal"];

/// How often the sweeper closes due petitions and anonymises old ones.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

#[async_trait]
impl Component for Petitions {
    fn name(&self) -> &'static str {
        "petitions"
    }

    fn service(&self) -> Option<Service> {
        Some(Service::Petitions)
    }

    fn api_routes(&self) -> Router<AppState> {
        Router::new()
            .route("/petitions/{id}", get(routes::public_petition))
            .route("/admin/comuni/{istat_code}/petitions", post(routes::open_petition))
            .route("/admin/comuni/{istat_code}/petition-rules", put(routes::set_rules))
            .route("/admin/petitions/{id}/decision", post(routes::decide))
            .route("/comuni/{istat_code}/petitions", get(routes::comune_petitions))
            .route("/open-data/petizioni.csv", get(routes::open_data_csv))
            .route("/open-data/petizioni.geojson", get(routes::open_data_geojson))
    }

    fn openapi(&self) -> Option<utoipa::openapi::OpenApi> {
        Some(<Doc as utoipa::OpenApi>::openapi())
    }

    fn dashboard_routes(&self) -> Router<AppState> {
        dashboard::router()
    }

    fn dashboard_tabs(&self, staff: &crate::platform::staff::Staff, comune: &casa_shared_model::IstatCode) -> Vec<super::Tab> {
        dashboard::tabs(staff, comune)
    }

    fn item_kinds(&self) -> &'static [&'static str] {
        KINDS
    }

    fn check_pull(&self, pull: &serde_json::Value) -> Result<(), ServiceError> {
        super::parse_pull::<PetitionsPull>(pull, "petitions").map(|_| ())
    }

    /// In the order sent: sign, then withdraw, then sign again means signed.
    async fn push(&self, cx: &SyncContext<'_>, items: Vec<Item>) -> Result<Vec<ItemOutcome>, ServiceError> {
        let mut outcomes = Vec::with_capacity(items.len());
        for item in &items {
            outcomes.push(match item.known() {
                Ok(PushItem::Signature(s)) => service::sign(cx.state, cx.signer, &cx.device, &s).await?,
                Ok(PushItem::Withdrawal(w)) => service::withdraw(cx.state, cx.signer, &cx.device, &w).await?,
                Ok(PushItem::Proposal(p)) => service::propose(cx.state, cx.signer, &cx.device, &p).await?,
                Ok(_) | Err(_) => super::invalid_item(item),
            });
        }
        Ok(outcomes)
    }

    /// The home Comune's petitions (and the citizen's own), again only when
    /// they differ from the version the phone holds.
    async fn pull(&self, cx: &SyncContext<'_>, pull: Option<&serde_json::Value>) -> Result<Option<serde_json::Value>, ServiceError> {
        let Some(pull) = pull else { return Ok(None) };
        let pull: PetitionsPull = super::parse_pull(pull, "petitions")?;
        // Nothing new costs one aggregate query: the list is built only when
        // its digest moved.
        let version = version_of(&service::listed_digest(cx.state, &pull.comune, cx.signer, Some(&cx.device)).await?);
        if pull.version.as_deref() == Some(version.as_str()) {
            return Ok(None);
        }
        let petitions = service::listed(cx.state, &pull.comune, cx.signer, Some(&cx.device)).await?;
        super::section_value(&PetitionsSection { version, petitions })
    }

    fn spawn_background(&self, state: &AppState) -> Vec<tokio::task::JoinHandle<()>> {
        let state = state.clone();
        vec![tokio::spawn(async move {
            let mut tick = tokio::time::interval(SWEEP_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = service::sweep(&state, chrono::Utc::now()).await {
                    tracing::warn!(error = %e, "petition sweep failed; will retry");
                }
            }
        })]
    }
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    routes::public_petition,
    routes::open_petition,
    routes::comune_petitions,
    routes::decide,
    routes::set_rules,
    routes::open_data_csv,
    routes::open_data_geojson
))]
struct Doc;
