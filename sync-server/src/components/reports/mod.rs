//! Reports (segnalazioni): intake from phones and Open311, routing to the
//! right Comune and department, moderation, inspections on site, the
//! departments' back-office, and the map of public reports.

use async_trait::async_trait;
use axum::routing::{get, post};
use axum::Router;
use casa_shared_model::wire::sections::{ReportsPull, ReportsSection};
use casa_shared_model::wire::{Item, ItemOutcome, PushItem, Routing};
use casa_shared_model::ReportId;

use super::{Component, SyncContext};
use crate::platform::directory::Rejection;
use crate::platform::error::ServiceError;
use crate::platform::ratelimit;
use crate::platform::state::AppState;
use crate::store::ReportSource;

pub mod backoffice;
pub mod blur;
pub mod dashboard;
pub mod department;
pub mod inspection;
pub mod inspector_api;
pub mod open311;
pub mod routes;
pub mod service;
pub mod stats;
pub mod visibility;
pub mod xml;

pub use department::BackOffice;

/// The reports component.
#[derive(Debug, Clone, Copy)]
pub struct Reports;

const KINDS: &[&str] = &["report", "reopen"];

#[async_trait]
impl Component for Reports {
    fn name(&self) -> &'static str {
        "reports"
    }

    fn api_routes(&self) -> Router<AppState> {
        Router::new()
            .route("/reports", post(routes::submit_report))
            .route("/reports/{id}", get(routes::public_report))
            .route("/admin/comuni/{istat_code}/queue", get(routes::moderation_queue))
            .route("/admin/reports/{id}", get(routes::staff_report))
            .route("/admin/reports/{id}/status", post(routes::change_status))
            .route("/admin/reports/{id}/inspector", post(inspector_api::assign))
            .route("/inspector/session", post(inspector_api::login))
            .route("/inspector/sync", post(inspector_api::sync))
            .route("/backoffice/reports/{id}/status", post(backoffice::change_status))
    }

    fn root_routes(&self) -> Router<AppState> {
        Router::new().nest("/open311/v2", open311::router())
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
        let pull = parse_pull(pull)?;
        if let Some(q) = pull.nearby {
            service::check_nearby(q)?;
        }
        Ok(())
    }

    /// New reports first, as one batch (over the phone's budget they are
    /// deferred, never refused or lost), then reopens: a reopen never
    /// concerns a report of the same batch (it must have been resolved).
    async fn push(&self, cx: &SyncContext<'_>, items: Vec<Item>) -> Result<Vec<ItemOutcome>, ServiceError> {
        let mut outcomes: Vec<Option<ItemOutcome>> = vec![None; items.len()];
        let mut reports = Vec::new();
        let mut reopens = Vec::new();
        for (slot, item) in items.into_iter().enumerate() {
            let kind = item.kind.clone();
            match item.into_known() {
                Ok(PushItem::Report(r)) => reports.push((slot, r)),
                Ok(PushItem::Reopen(r)) => reopens.push((slot, r)),
                Ok(_) => outcomes[slot] = Some(super::invalid_item_of(&kind, "")),
                Err(e) => outcomes[slot] = Some(super::invalid_item_of(&kind, &e.to_string())),
            }
        }
        if !reports.is_empty() {
            let ids: Vec<ReportId> = reports.iter().map(|(_, r)| r.id).collect();
            let subjects = ratelimit::subjects(Some(cx.device), None, cx.ip);
            let (over, deferred) = ratelimit::defer_over_budget(cx.state, &subjects, &ids).await?;
            let (held, taken): (Vec<_>, Vec<_>) = reports.into_iter().partition(|(_, r)| over.contains(&r.id.as_uuid()));
            for (slot, _) in held {
                outcomes[slot] = Some(deferred.clone());
            }
            let (slots, candidates): (Vec<usize>, Vec<service::Candidate>) =
                taken.into_iter().map(|(slot, r)| (slot, service::Candidate::from(r))).unzip();
            if !candidates.is_empty() {
                let origin = service::Origin { source: ReportSource::App, device_id: Some(cx.device), api_key_id: None };
                for (slot, answer) in slots.into_iter().zip(service::submit_reports(cx.state, origin, candidates).await?) {
                    outcomes[slot] = Some(routed(answer));
                }
            }
        }
        for (slot, r) in reopens {
            outcomes[slot] = Some(routed(service::reopen(cx.state, &cx.device, &r).await?));
        }
        Ok(outcomes.into_iter().map(|o| o.unwrap_or_else(super::unknown_kind)).collect())
    }

    /// Status changes of the phone's reports since its cursor, and the map's
    /// public reports when asked; nothing when neither has anything.
    async fn pull(&self, cx: &SyncContext<'_>, pull: Option<&serde_json::Value>) -> Result<Option<serde_json::Value>, ServiceError> {
        let Some(pull) = pull else { return Ok(None) };
        let pull = parse_pull(pull)?;
        let since = pull.cursor.unwrap_or_default();
        let mut changes = cx.state.store().device_changes(&cx.device, since, service::CHANGES_PER_SYNC + 1).await?;
        let has_more = changes.len() > service::CHANGES_PER_SYNC as usize;
        changes.truncate(service::CHANGES_PER_SYNC as usize);
        let nearby = match pull.nearby {
            Some(q) => Some(service::nearby(cx.state, q).await?),
            None => None,
        };
        if changes.is_empty() && nearby.is_none() {
            return Ok(None);
        }
        let cursor = changes.last().map(|(c, _)| *c).unwrap_or(since);
        let section = ReportsSection { changes: changes.into_iter().map(|(_, c)| c).collect(), cursor, has_more, nearby };
        super::section_value(&section)
    }
}

fn parse_pull(pull: &serde_json::Value) -> Result<ReportsPull, ServiceError> {
    super::parse_pull(pull, "reports")
}

fn routed(answer: Result<Routing, Rejection>) -> ItemOutcome {
    match answer {
        Ok(routing) => ItemOutcome::Accepted(routing),
        Err(r) => ItemOutcome::Rejected { code: r.code.to_owned(), message: r.message },
    }
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    routes::submit_report,
    routes::public_report,
    routes::moderation_queue,
    routes::staff_report,
    routes::change_status,
    backoffice::change_status,
    inspector_api::assign,
    inspector_api::login,
    inspector_api::sync
))]
struct Doc;
