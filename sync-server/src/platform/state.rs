//! The one application state every handler shares.

use std::sync::{Arc, RwLock};

use casa_shared_model::IstatCode;

use crate::platform::directory::Directory;
use crate::platform::metrics::Metrics;
use crate::platform::photos::PhotoStore;
use crate::store::{Store, StoreResult};

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    /// The services this server runs (see [`crate::components::Registry`]).
    components: crate::components::Registry,
    identity: Arc<dyn crate::components::identity::IdentityProvider>,
    person_keyer: crate::components::identity::PersonKeyer,
    photos: PhotoStore,
    uploads_dir: std::path::PathBuf,
    directory: RwLock<Arc<Directory>>,
    metrics: Metrics,
    public_url: String,
    /// Whether `public_url` was configured, rather than made from the bound
    /// address (which a client behind a proxy or NAT may not reach).
    public_url_configured: std::sync::atomic::AtomicBool,
    dashboard_assets: RwLock<std::path::PathBuf>,
    /// Upload quotas and image limits (see [`crate::platform::uploads`]).
    uploads: RwLock<Arc<crate::platform::uploads::UploadPolicy>>,
    /// When set, `/metrics` answers only `Authorization: Bearer <token>`.
    metrics_token: RwLock<Option<crate::platform::config::Secret>>,
    /// Password attempts admitted, failed and held back (see [`crate::platform::login_throttle`]).
    login_throttle: RwLock<Arc<crate::platform::login_throttle::LoginThrottle>>,
    /// Reverse proxies whose `X-Forwarded-For` is believed (see [`crate::platform::client_ip`]).
    trusted_proxies: RwLock<Arc<crate::platform::client_ip::TrustedProxies>>,
    /// Limits on new reports per phone, API key and address (see [`crate::platform::ratelimit`]).
    report_limiter: RwLock<Arc<crate::platform::ratelimit::ReportLimiter>>,
    /// The dashboard's open live streams, per session.
    live_streams: Arc<crate::components::reports::dashboard::live::LiveStreams>,
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
        Self::with_components(store, public_url, data_dir, identity_secret, crate::components::Registry::standard()).await
    }

    /// [`AppState::new`] running the given components.
    pub async fn with_components(
        store: Arc<dyn Store>,
        public_url: String,
        data_dir: &std::path::Path,
        identity_secret: Option<&str>,
        components: crate::components::Registry,
    ) -> Result<Self, crate::StartError> {
        let person_keyer = crate::components::identity::PersonKeyer::resolve(store.as_ref(), identity_secret, data_dir, true).await?;
        let version = store.config_version().await?;
        let directory = Directory::build(version, store.comune_configs().await?);
        let photos = PhotoStore::new(data_dir.join("photos"))?;
        let uploads_dir = data_dir.join("uploads");
        std::fs::create_dir_all(&uploads_dir)?;
        Ok(Self {
            inner: Arc::new(Inner {
                components,
                identity: Arc::new(crate::components::identity::StoredTokens::new(store.clone())),
                person_keyer,
                store,
                photos,
                uploads_dir,
                directory: RwLock::new(Arc::new(directory)),
                metrics: Metrics::default(),
                public_url,
                public_url_configured: std::sync::atomic::AtomicBool::new(true),
                dashboard_assets: RwLock::new(crate::platform::config::default_dashboard_assets()),
                uploads: RwLock::new(Arc::new(crate::platform::uploads::UploadPolicy::default())),
                metrics_token: RwLock::new(None),
                login_throttle: RwLock::new(Arc::new(crate::platform::login_throttle::LoginThrottle::default())),
                trusted_proxies: RwLock::new(Arc::new(crate::platform::client_ip::TrustedProxies::default())),
                report_limiter: RwLock::new(Arc::new(crate::platform::ratelimit::ReportLimiter::default())),
                live_streams: Arc::new(crate::components::reports::dashboard::live::LiveStreams::default()),
                queue_news: tokio::sync::broadcast::channel(256).0,
                closing: tokio::sync::watch::channel(false).0,
            }),
        })
    }

    pub fn components(&self) -> &crate::components::Registry {
        &self.inner.components
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
    pub fn identity(&self) -> &dyn crate::components::identity::IdentityProvider {
        self.inner.identity.as_ref()
    }

    /// Keys fiscal codes with the server's secret (see [`crate::components::identity::PersonKeyer`]).
    pub fn person_keyer(&self) -> &crate::components::identity::PersonKeyer {
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

    pub fn metrics_token(&self) -> Option<crate::platform::config::Secret> {
        self.inner.metrics_token.read().map(|t| t.clone()).unwrap_or_else(|e| e.into_inner().clone())
    }

    pub fn login_throttle(&self) -> Arc<crate::platform::login_throttle::LoginThrottle> {
        self.inner.login_throttle.read().map(|t| t.clone()).unwrap_or_else(|e| e.into_inner().clone())
    }

    /// New settings start from empty counts.
    pub fn set_login_settings(&self, settings: &crate::platform::login_throttle::LoginSettings) {
        let throttle = Arc::new(crate::platform::login_throttle::LoginThrottle::new(settings));
        match self.inner.login_throttle.write() {
            Ok(mut t) => *t = throttle,
            Err(e) => *e.into_inner() = throttle,
        }
    }

    pub fn report_limiter(&self) -> Arc<crate::platform::ratelimit::ReportLimiter> {
        self.inner.report_limiter.read().map(|l| l.clone()).unwrap_or_else(|e| e.into_inner().clone())
    }

    /// New limits start from full buckets.
    pub fn set_rate_limits(&self, settings: &crate::platform::ratelimit::RateLimitSettings) {
        let limiter = Arc::new(crate::platform::ratelimit::ReportLimiter::new(settings));
        match self.inner.report_limiter.write() {
            Ok(mut l) => *l = limiter,
            Err(e) => *e.into_inner() = limiter,
        }
    }

    pub fn trusted_proxies(&self) -> Arc<crate::platform::client_ip::TrustedProxies> {
        self.inner.trusted_proxies.read().map(|t| t.clone()).unwrap_or_else(|e| e.into_inner().clone())
    }

    pub fn set_trusted_proxies(&self, proxies: crate::platform::client_ip::TrustedProxies) {
        let proxies = Arc::new(proxies);
        match self.inner.trusted_proxies.write() {
            Ok(mut t) => *t = proxies,
            Err(e) => *e.into_inner() = proxies,
        }
    }

    pub fn live_streams(&self) -> &Arc<crate::components::reports::dashboard::live::LiveStreams> {
        &self.inner.live_streams
    }

    pub fn set_metrics_token(&self, token: Option<crate::platform::config::Secret>) {
        match self.inner.metrics_token.write() {
            Ok(mut t) => *t = token,
            Err(e) => *e.into_inner() = token,
        }
    }

    /// Upload quotas, image limits and the slots they use.
    pub fn uploads(&self) -> Arc<crate::platform::uploads::UploadPolicy> {
        self.inner.uploads.read().map(|p| p.clone()).unwrap_or_else(|e| e.into_inner().clone())
    }

    /// Quotas and limits take effect at once; the largest upload and the
    /// expiry of unfinished ones, in routers built afterwards (set it before
    /// serving).
    pub fn set_upload_settings(&self, settings: crate::platform::uploads::UploadSettings) {
        let policy = Arc::new(crate::platform::uploads::UploadPolicy::new(settings));
        match self.inner.uploads.write() {
            Ok(mut p) => *p = policy,
            Err(e) => *e.into_inner() = policy,
        }
    }

    pub fn public_url(&self) -> &str {
        &self.inner.public_url
    }

    /// Says that the public URL was only guessed from the bound address
    /// (no `CASA_PUBLIC_URL`): links that clients follow are then relative.
    pub fn set_public_url_guessed(&self) {
        self.inner.public_url_configured.store(false, std::sync::atomic::Ordering::Relaxed);
    }

    /// What a `Location` a client follows starts with: the configured public
    /// URL, or nothing (a relative URL, resolved by the client against the
    /// address it used; tus 1.0 allows it) when none was configured, since
    /// `http://0.0.0.0:8080` or a port that changes on restart would strand
    /// the client's upload.
    pub fn location_base(&self) -> &str {
        if self.inner.public_url_configured.load(std::sync::atomic::Ordering::Relaxed) {
            &self.inner.public_url
        } else {
            ""
        }
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
