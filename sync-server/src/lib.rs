//! Casa del Cittadino sync server, as a library: the `casa-server` binary
//! and the tests drive the same code.
#![forbid(unsafe_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;

pub mod components;
pub mod dashboard;
pub mod platform;
pub mod store;

pub use platform::state::AppState;

/// Opens the store, seeds the Comuni on first start and loads the routing
/// directory.
pub async fn bootstrap(
    database_url: &str,
    public_url: String,
    data_dir: &std::path::Path,
    identity_secret: Option<&str>,
) -> Result<AppState, StartError> {
    bootstrap_with(database_url, public_url, data_dir, identity_secret, components::Registry::standard()).await
}

/// [`bootstrap`] running the given components.
pub async fn bootstrap_with(
    database_url: &str,
    public_url: String,
    data_dir: &std::path::Path,
    identity_secret: Option<&str>,
    components: components::Registry,
) -> Result<AppState, StartError> {
    let store = store::connect(database_url).await?;
    let added = store.seed_comuni(&platform::seed::bari_comuni()).await?;
    if added > 0 {
        tracing::info!(added, "seeded the Comuni of the Città Metropolitana di Bari");
    }
    AppState::with_components(store, public_url, data_dir, identity_secret, components).await
}

/// Keeps the routing directory in step with the database (boundary imports
/// and configuration changes made by other processes).
pub fn spawn_reloader(state: AppState, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = state.reload_if_changed().await {
                tracing::warn!(error = %e, "configuration reload failed; will retry");
            }
        }
    })
}

/// Starts each component's background work (sweepers); the handles end
/// with the runtime.
pub fn spawn_background(state: &AppState) -> Vec<tokio::task::JoinHandle<()>> {
    state.components().iter().flat_map(|c| c.spawn_background(state)).collect()
}

/// Serves until `shutdown` completes, then finishes the requests in flight,
/// with the default connection limits (see [`platform::server::serve_with`]).
pub async fn serve(listener: TcpListener, state: AppState, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    platform::server::serve_with(listener, state, platform::server::ConnectionLimits::default(), shutdown).await
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error(transparent)]
    Identity(#[from] components::identity::KeyError),
}

/// A server running in the background, for tests and benchmarks.
#[derive(Debug)]
pub struct RunningServer {
    pub addr: SocketAddr,
    pub url: String,
    pub state: AppState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl RunningServer {
    /// Starts a server on 127.0.0.1 with an OS-chosen port.
    pub async fn start(database_url: &str, data_dir: &std::path::Path) -> Result<Self, StartError> {
        Self::start_with(database_url, data_dir, components::Registry::standard()).await
    }

    /// [`RunningServer::start`] running the given components.
    pub async fn start_with(database_url: &str, data_dir: &std::path::Path, components: components::Registry) -> Result<Self, StartError> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let url = format!("http://{addr}");
        let state = bootstrap_with(database_url, url.clone(), data_dir, None, components).await?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, state.clone(), async move {
            let _ = stopped.await;
        }));
        Ok(Self { addr, url, state, stop: Some(stop), task: Some(task) })
    }

    /// Stops accepting, finishes requests in flight, and waits.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
