//! The one application state every handler shares.

use std::sync::{Arc, RwLock};

use casa_shared_model::IstatCode;

use crate::directory::Directory;
use crate::metrics::Metrics;
use crate::photos::PhotoStore;
use crate::store::{Store, StoreResult};

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    identity: Arc<dyn crate::identity::IdentityProvider>,
    person_keyer: crate::identity::PersonKeyer,
    photos: PhotoStore,
    uploads_dir: std::path::PathBuf,
    directory: RwLock<Arc<Directory>>,
    metrics: Metrics,
    public_url: String,
    dashboard_assets: RwLock<std::path::PathBuf>,
    /// When set, `/metrics` answers only `Authorization: Bearer <token>`.
    metrics_token: RwLock<Option<crate::config::Secret>>,
    /// The Comune of each report that reached a moderation queue through this
    /// process (the dashboard's live updates; other processes' are found by
    /// polling).
    queue_news: tokio::sync::broadcast::Sender<IstatCode>,
    /// Set when the server stops, so that endless responses (server-sent
    /// events) end and the graceful shutdown does not wait for them forever.
    closing: tokio::sync::watch::Sender<bool>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").field("backend", &self.inner.store.backend()).field("public_url", &self.inner.public_url).finish()
    }
}

impl AppState {
    /// Loads the routing directory from the store; files (and, unless one
    /// is configured, the identity secret) live in `data_dir`.
    pub async fn new(
        store: Arc<dyn Store>,
        public_url: String,
        data_dir: &std::path::Path,
        identity_secret: Option<&str>,
    ) -> Result<Self, crate::StartError> {
        let person_keyer = crate::identity::PersonKeyer::resolve(store.as_ref(), identity_secret, data_dir, true).await?;
        let version = store.config_version().await?;
        let directory = Directory::build(version, store.comune_configs().await?);
        let photos = PhotoStore::new(data_dir.join("photos"))?;
        let uploads_dir = data_dir.join("uploads");
        std::fs::create_dir_all(&uploads_dir)?;
        Ok(Self {
            inner: Arc::new(Inner {
                identity: Arc::new(crate::identity::StoredTokens::new(store.clone())),
                person_keyer,
                store,
                photos,
                uploads_dir,
                directory: RwLock::new(Arc::new(directory)),
                metrics: Metrics::default(),
                public_url,
                dashboard_assets: RwLock::new(crate::config::default_dashboard_assets()),
                metrics_token: RwLock::new(None),
                queue_news: tokio::sync::broadcast::channel(256).0,
                closing: tokio::sync::watch::channel(false).0,
            }),
        })
    }

    /// Tells the live dashboards that `comune`'s moderation queue grew.
    pub fn queue_changed(&self, comune: IstatCode) {
        // No dashboard listening is not an error.
        let _ = self.inner.queue_news.send(comune);
    }

    pub fn queue_news(&self) -> tokio::sync::broadcast::Receiver<IstatCode> {
        self.inner.queue_news.subscribe()
    }

    /// Marks the server as stopping (see [`AppState::closing`]).
    pub fn begin_shutdown(&self) {
        self.inner.closing.send_replace(true);
    }

    /// Becomes true when the server stops.
    pub fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.inner.closing.subscribe()
    }

    pub fn photos(&self) -> &PhotoStore {
        &self.inner.photos
    }

    /// Where unfinished tus uploads live.
    pub fn uploads_dir(&self) -> &std::path::Path {
        &self.inner.uploads_dir
    }

    pub fn store(&self) -> &dyn Store {
        self.inner.store.as_ref()
    }

    /// Who the citizen behind a phone's token is.
    pub fn identity(&self) -> &dyn crate::identity::IdentityProvider {
        self.inner.identity.as_ref()
    }

    /// Keys fiscal codes with the server's secret (see [`crate::identity::PersonKeyer`]).
    pub fn person_keyer(&self) -> &crate::identity::PersonKeyer {
        &self.inner.person_keyer
    }

    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// Bootstrap Italia's `dist` folder for the dashboard.
    pub fn dashboard_assets(&self) -> std::path::PathBuf {
        self.inner.dashboard_assets.read().map(|p| p.clone()).unwrap_or_else(|e| e.into_inner().clone())
    }

    pub fn set_dashboard_assets(&self, dir: std::path::PathBuf) {
        match self.inner.dashboard_assets.write() {
            Ok(mut p) => *p = dir,
            Err(e) => *e.into_inner() = dir,
        }
    }

    pub fn metrics_token(&self) -> Option<crate::config::Secret> {
        self.inner.metrics_token.read().map(|t| t.clone()).unwrap_or_else(|e| e.into_inner().clone())
    }

    pub fn set_metrics_token(&self, token: Option<crate::config::Secret>) {
        match self.inner.metrics_token.write() {
            Ok(mut t) => *t = token,
            Err(e) => *e.into_inner() = token,
        }
    }

    pub fn public_url(&self) -> &str {
        &self.inner.public_url
    }

    pub fn directory(&self) -> Arc<Directory> {
        // A poisoned lock only means a reload panicked midway; the Arc inside is
        // still a complete directory.
        match self.inner.directory.read() {
            Ok(d) => d.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Rebuilds the directory if the stored configuration changed (a boundary
    /// import, a service switched on or off, possibly by another process).
    pub async fn reload_if_changed(&self) -> StoreResult<bool> {
        let version = self.store().config_version().await?;
        if version == self.directory().version {
            return Ok(false);
        }
        let configs = self.store().comune_configs().await?;
        // Building the polygon index is CPU work; keep it off the async workers.
        let directory = tokio::task::spawn_blocking(move || Directory::build(version, configs))
            .await
            .map_err(|e| crate::store::StoreError::Corrupt(format!("directory build panicked: {e}")))?;
        tracing::info!(
            version,
            comuni = directory.comuni.len(),
            approximate = directory.router.is_approximate(),
            "routing directory reloaded"
        );
        let mut slot = match self.inner.directory.write() {
            Ok(slot) => slot,
            Err(poisoned) => poisoned.into_inner(),
        };
        *slot = Arc::new(directory);
        Ok(true)
    }
}
