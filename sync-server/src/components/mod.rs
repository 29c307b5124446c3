//! The services a Comune can turn on, one component each, and the one place
//! they are registered ([`Registry::standard`]).
//!
//! A component owns its routes, its service logic, its store, its dashboard
//! pages and its part of the sync; the platform (`crate::platform`) mounts
//! what each one declares through [`Component`]. Adding a service is a new
//! folder here plus one line in [`Registry::standard`] (see
//! docs/ARCHITECTURE.md).

use std::sync::Arc;

use async_trait::async_trait;
use axum::Router;
use casa_shared_model::wire::{Item, ItemOutcome};
use casa_shared_model::{DeviceId, IstatCode, Service};

use crate::platform::error::ServiceError;
use crate::platform::staff::Staff;
use crate::platform::state::AppState;

pub mod badges;
pub mod identity;
pub mod petitions;
pub mod reports;

/// What a component sees of one sync round trip.
#[derive(Debug)]
pub struct SyncContext<'a> {
    pub state: &'a AppState,
    pub device: DeviceId,
    /// The verified citizen speaking through the phone, if any.
    pub signer: &'a identity::Signer,
    /// The address the request came from (for rate limits), when known.
    pub ip: Option<std::net::IpAddr>,
}

/// A tab of a Comune's dashboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tab {
    /// Matches the page's own section, to mark the tab current.
    pub section: &'static str,
    /// Fluent key of the label.
    pub label: &'static str,
    pub href: String,
}

/// One service, as the platform mounts it. Every method has a default, so a
/// component declares only what it has.
#[async_trait]
pub trait Component: Send + Sync + 'static {
    /// Stable name: its sync section and its log target.
    fn name(&self) -> &'static str;

    /// The per-Comune switch that turns it on (`None`: part of every Comune).
    fn service(&self) -> Option<Service> {
        None
    }

    /// Routes under `/api/v1`.
    fn api_routes(&self) -> Router<AppState> {
        Router::new()
    }

    /// The OpenAPI description of its `/api/v1` routes.
    fn openapi(&self) -> Option<utoipa::openapi::OpenApi> {
        None
    }

    /// Routes outside `/api/v1` (Open311...).
    fn root_routes(&self) -> Router<AppState> {
        Router::new()
    }

    /// Pages under `/dashboard`.
    fn dashboard_routes(&self) -> Router<AppState> {
        Router::new()
    }

    /// Its tabs in `comune`'s dashboard, as `staff`'s role allows.
    fn dashboard_tabs(&self, _staff: &Staff, _comune: &IstatCode) -> Vec<Tab> {
        Vec::new()
    }

    /// The sync item kinds it takes.
    fn item_kinds(&self) -> &'static [&'static str] {
        &[]
    }

    /// Refuses a malformed pull before any item of the sync is taken, so a
    /// request refused as a whole has changed nothing.
    fn check_pull(&self, _pull: &serde_json::Value) -> Result<(), ServiceError> {
        Ok(())
    }

    /// Takes its items of one sync, in the order sent; one outcome each, in
    /// the same order. Re-sent items answer as the first time.
    async fn push(&self, _cx: &SyncContext<'_>, items: Vec<Item>) -> Result<Vec<ItemOutcome>, ServiceError> {
        Ok(items.iter().map(|_| unknown_kind()).collect())
    }

    /// Its section of the answer: `pull` is what the phone asked (`None`:
    /// nothing). `None` back means nothing new, and costs the phone nothing.
    async fn pull(&self, _cx: &SyncContext<'_>, _pull: Option<&serde_json::Value>) -> Result<Option<serde_json::Value>, ServiceError> {
        Ok(None)
    }

    /// Work it runs in the background while the server serves (sweepers).
    fn spawn_background(&self, _state: &AppState) -> Vec<tokio::task::JoinHandle<()>> {
        Vec::new()
    }
}

/// The outcome of an item no component takes.
pub fn unknown_kind() -> ItemOutcome {
    ItemOutcome::Rejected {
        code: "unknown_kind".to_owned(),
        message: "Tipo di elemento sconosciuto: aggiorna l'app / Unknown item kind: update the app".to_owned(),
    }
}

/// The outcome of an item whose fields do not fit its kind.
pub fn invalid_item(item: &Item) -> ItemOutcome {
    let detail = item.known().err().map(|e| e.to_string()).unwrap_or_default();
    invalid_item_of(&item.kind, &detail)
}

/// [`invalid_item`] for an item already taken apart: its kind and why.
pub fn invalid_item_of(kind: &str, detail: &str) -> ItemOutcome {
    ItemOutcome::Rejected {
        code: "invalid_item".to_owned(),
        message: format!("Elemento «{kind}» non valido / Invalid «{kind}» item: {detail}"),
    }
}

/// A component's pull, or a refusal of the whole request naming it.
pub fn parse_pull<T: serde::de::DeserializeOwned>(pull: &serde_json::Value, component: &str) -> Result<T, ServiceError> {
    serde_json::from_value(pull.clone()).map_err(|e| {
        crate::platform::error::rejected("invalid_pull", format!("Richiesta «{component}» non valida / Invalid «{component}» pull: {e}"))
    })
}

/// A section as it travels.
pub fn section_value<T: serde::Serialize>(section: &T) -> Result<Option<serde_json::Value>, ServiceError> {
    // Sections are plain data; failing to serialise one is a bug, logged.
    serde_json::to_value(section).map(Some).map_err(|e| {
        tracing::error!(error = %e, "a sync section did not serialise");
        crate::platform::error::rejected("internal_error", "Errore interno / Internal error")
    })
}

/// The components a server runs, in the order a sync visits them: an item
/// of a later component may depend on one of an earlier (a signature on a
/// proposal sent before it), never the reverse.
#[derive(Clone)]
pub struct Registry {
    components: Arc<[Arc<dyn Component>]>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.components.iter().map(|c| c.name())).finish()
    }
}

impl Registry {
    /// The services of Casa del Cittadino: the one place they are listed.
    pub fn standard() -> Self {
        Self::of(vec![Arc::new(reports::Reports), Arc::new(petitions::Petitions), Arc::new(badges::Badges), Arc::new(identity::Identity)])
    }

    pub fn of(components: Vec<Arc<dyn Component>>) -> Self {
        Self { components: components.into() }
    }

    /// These components and `extra` after them.
    pub fn with(&self, extra: Arc<dyn Component>) -> Self {
        let mut all: Vec<Arc<dyn Component>> = self.components.to_vec();
        all.push(extra);
        Self::of(all)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<dyn Component>> {
        self.components.iter()
    }

    pub fn len(&self) -> usize {
        self.components.len()
    }

    pub fn is_empty(&self) -> bool {
        self.components.is_empty()
    }

    /// The position of the component that takes items of `kind`.
    pub fn owner_of(&self, kind: &str) -> Option<usize> {
        self.components.iter().position(|c| c.item_kinds().contains(&kind))
    }
}

impl Default for Registry {
    fn default() -> Self {
        Self::standard()
    }
}
