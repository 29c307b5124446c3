//! What every screen shares: the phone's store (every read comes from it),
//! the citizen's settings, and the background sync that the screens follow.

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use casa_shared_model::comune::bari_comuni;
use casa_shared_model::wire::{CategoryInfo, ComuneInfo, NearbyQuery};
use casa_shared_model::{DeviceId, ReportId};
use chrono::{DateTime, Utc};
use dioxus::prelude::*;
use tokio::sync::{watch, Notify};

use super::i18n::{Explain, Lang, Words};
use crate::platform::{Connection, FixedLocation, FolderPhotos, LocationSource, NetworkSource, PhotoSource, SystemNetwork};
use crate::store::{LocalStore, StoreError};
use crate::{Client, SyncOptions, SyncProgress};

/// How the app was started (`casa [--data-dir DIR] [--server URL] ...`).
#[derive(Debug, Clone)]
pub struct AppOptions {
    pub data_dir: PathBuf,
    /// The server named on the command line; a URL saved in the settings wins.
    pub server: String,
    pub location: FixedLocation,
    pub photos: FolderPhotos,
    pub network: SystemNetwork,
}

/// Keys of the settings table.
pub mod keys {
    pub const PRIVACY_ACCEPTED: &str = "privacy_accepted";
    pub const COMUNE: &str = crate::store::HOME_COMUNE_SETTING;
    pub const SERVER_URL: &str = "server_url";
    pub const LANG: &str = "lang";
    pub const PHOTO_QUALITY: &str = "photo_quality";
    pub const WIFI_ONLY: &str = "wifi_only";
    pub const TILE_URL: &str = "tile_url";
}

/// OpenStreetMap's own tiles; their usage policy allows an app like this one
/// light use with attribution, and a Comune can point the app to its own.
pub const DEFAULT_TILE_URL: &str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
pub const DEFAULT_PHOTO_QUALITY: u8 = crate::photo::DEFAULT_QUALITY;

/// The non-reactive half of the app's state, shared by reference.
#[derive(Clone)]
pub struct Core {
    pub store: Rc<RefCell<LocalStore>>,
    pub opts: Rc<AppOptions>,
    /// Where the background sync should also fetch public reports.
    pub nearby_wanted: Arc<Mutex<Option<NearbyQuery>>>,
    /// Wakes the background sync at once ("sync now", a new report).
    pub sync_now: Arc<Notify>,
}

impl PartialEq for Core {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.store, &other.store)
    }
}

impl Core {
    pub fn open(opts: AppOptions) -> Result<Self, StoreError> {
        let store = LocalStore::open(&opts.data_dir)?;
        Ok(Self {
            store: Rc::new(RefCell::new(store)),
            opts: Rc::new(opts),
            nearby_wanted: Arc::new(Mutex::new(None)),
            sync_now: Arc::new(Notify::new()),
        })
    }

    pub fn device_id(&self) -> DeviceId {
        self.store.borrow().device_id()
    }

    pub fn setting(&self, key: &str) -> Option<String> {
        self.store.borrow().setting(key).ok().flatten()
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.store.borrow_mut().set_setting(key, value)
    }

    pub fn server_url(&self) -> String {
        self.setting(keys::SERVER_URL).filter(|s| !s.trim().is_empty()).unwrap_or_else(|| self.opts.server.clone())
    }

    pub fn lang(&self) -> Lang {
        Lang::from_code(self.setting(keys::LANG).as_deref().unwrap_or("it"))
    }

    pub fn photo_quality(&self) -> u8 {
        self.setting(keys::PHOTO_QUALITY).and_then(|q| q.parse().ok()).filter(|q| (40..=95).contains(q)).unwrap_or(DEFAULT_PHOTO_QUALITY)
    }

    pub fn tile_url(&self) -> Option<String> {
        match self.setting(keys::TILE_URL) {
            Some(url) if url.trim().is_empty() => None,
            Some(url) => Some(url),
            None => Some(DEFAULT_TILE_URL.to_owned()),
        }
    }

    /// The rings of every Comune outline the phone keeps, for the maps.
    pub fn outline_rings(&self) -> Vec<Vec<[f64; 2]>> {
        self.store.borrow().outlines().unwrap_or_default().into_iter().flat_map(|o| o.rings).collect()
    }

    pub fn onboarded(&self) -> bool {
        self.setting(keys::PRIVACY_ACCEPTED).is_some() && self.setting(keys::COMUNE).is_some()
    }

    /// The Comuni as the server last described them, or, before the first
    /// sync, the 41 Comuni of the metropolitan city with the default
    /// categories.
    pub fn comuni(&self) -> Vec<ComuneInfo> {
        let cached = self.store.borrow().comuni().unwrap_or_default();
        if !cached.is_empty() {
            return cached;
        }
        bari_comuni()
            .into_iter()
            .map(|(c, _)| ComuneInfo {
                istat_code: c.istat_code,
                name: c.name,
                services: vec!["reports".into()],
                categories: default_categories(),
                official_boundary: false,
            })
            .collect()
    }

    pub fn chosen_comune(&self) -> Option<ComuneInfo> {
        let code = self.setting(keys::COMUNE)?;
        let stored = self.store.borrow().comune(&code).ok().flatten();
        // Before the first sync the directory is empty: the defaults.
        stored.or_else(|| self.comuni().into_iter().find(|c| c.istat_code.as_str() == code))
    }

    /// Whether the citizen's Comune offers `service` in the app, as its last
    /// sync said (before the first one, reports alone).
    pub fn offers(&self, service: casa_shared_model::category::Service) -> bool {
        self.chosen_comune().is_some_and(|c| c.services.iter().any(|s| s == service.as_str()))
    }

    /// The chosen Comune's categories (all defaults until it is known).
    pub fn categories(&self) -> Vec<CategoryInfo> {
        self.chosen_comune().map(|c| c.categories).filter(|c| !c.is_empty()).unwrap_or_else(default_categories)
    }

    /// Where maps open: the phone's fix, else the chosen Comune's centre,
    /// else Bari's.
    pub fn home_point(&self) -> (f64, f64) {
        if let Some(fix) = self.opts.location.current() {
            return (fix.lat, fix.lon);
        }
        let code = self.setting(keys::COMUNE).unwrap_or_else(|| "072006".into());
        bari_comuni()
            .into_iter()
            .find(|(c, _)| c.istat_code.as_str() == code)
            .or_else(|| bari_comuni().into_iter().next())
            .map(|(_, t)| (t.lat, t.lon))
            .unwrap_or((41.1177, 16.8697))
    }

    pub fn photos_available(&self) -> Vec<PathBuf> {
        self.opts.photos.available()
    }

    pub fn report_exists(&self, id: ReportId) -> bool {
        matches!(self.store.borrow().report(id), Ok(Some(_)))
    }
}

pub fn default_categories() -> Vec<CategoryInfo> {
    casa_shared_model::category::DEFAULT_CATEGORIES
        .iter()
        .map(|c| CategoryInfo {
            code: c.code.into(),
            name_it: c.name_it.into(),
            name_en: c.name_en.into(),
            department: c.department.into(),
            department_name: String::new(),
        })
        .collect()
}

/// Which screen is showing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Screen {
    NewReport,
    MyReports,
    Report(ReportId),
    Nearby,
    Sync,
    Settings,
    /// Staff who check reports on site.
    Inspector,
    Petitions,
    Badges,
}

/// What the background sync is doing, as the screens show it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncView {
    pub running: bool,
    pub progress: SyncProgress,
    /// What went wrong in the last round, in words for the citizen.
    pub last_error: Option<Words>,
    pub last_ok: Option<DateTime<Utc>>,
    /// When the next automatic attempt is due, after a failure.
    pub retry_in: Option<Duration>,
    /// Counts finished rounds, so screens re-read the store after each.
    pub rounds: u64,
    /// Held back: the citizen chose Wi-Fi only and the device is on mobile data.
    pub waiting_for_wifi: bool,
}

/// The reactive half: cheap to copy into every event handler.
#[derive(Clone, Copy)]
pub struct Ui {
    pub screen: Signal<Screen>,
    pub lang: Signal<Lang>,
    /// Bumped after every write to the store, so screens re-read it.
    pub revision: Signal<u64>,
    pub sync: Signal<SyncView>,
    /// A message for the citizen, shown until dismissed.
    pub notice: Signal<Option<String>>,
}

impl Ui {
    pub fn changed(mut self) {
        *self.revision.write() += 1;
    }

    pub fn go(mut self, screen: Screen) {
        self.screen.set(screen);
    }

    pub fn tell(mut self, message: impl Into<String>) {
        self.notice.set(Some(message.into()));
    }

    /// Tells the citizen what went wrong, in their words; the detail goes
    /// to the log.
    pub fn fail(self, e: &(impl Explain + ?Sized)) {
        let lang = *self.lang.peek();
        self.tell(lang.explain(e));
    }
}

/// Starts the sync loop on the runtime: it syncs at start, when woken, every
/// 30 s when all is sent, and after a failure again with growing pauses (up to
/// 2 min). It has its own connection to the store (SQLite in WAL lets the
/// screens read meanwhile), so the UI never waits for the network.
pub fn start_background_sync(core: &Core) -> watch::Receiver<SyncView> {
    let (tx, rx) = watch::channel(SyncView::default());
    let dir = core.opts.data_dir.clone();
    let default_server = core.opts.server.clone();
    let wanted = core.nearby_wanted.clone();
    let wake = core.sync_now.clone();
    let network = core.opts.network.clone();
    tokio::spawn(async move {
        let mut store = match LocalStore::open(&dir) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("the sync cannot open the phone's store: {e}");
                tx.send_modify(|v| v.last_error = Some(e.words()));
                return;
            }
        };
        let mut failures = 0u32;
        loop {
            let server =
                store.setting(keys::SERVER_URL).ok().flatten().filter(|s| !s.trim().is_empty()).unwrap_or_else(|| default_server.clone());
            let wifi_only = store.setting(keys::WIFI_ONLY).ok().flatten().as_deref() == Some("1");
            if wifi_only && network.connection() == Connection::Metered {
                tx.send_modify(|v| {
                    v.waiting_for_wifi = true;
                    v.running = false;
                    v.rounds += 1;
                });
                // Checked again every 30 s or when woken: a network change is
                // not signalled on the desktop.
                tokio::select! {
                    () = wake.notified() => {}
                    () = tokio::time::sleep(Duration::from_secs(30)) => {}
                }
                continue;
            }
            tx.send_modify(|v| v.waiting_for_wifi = false);
            let client = Client::for_store(&server, &store);
            let nearby = wanted.lock().map(|w| *w).unwrap_or(None);
            // A few quick retries here; longer pauses are this loop's own, so
            // a "sync now" always cuts them short.
            let opts = SyncOptions { max_attempts: 2, nearby, ..SyncOptions::default() };
            tx.send_modify(|v| {
                v.running = true;
                v.retry_in = None;
                v.progress = SyncProgress::default();
            });
            let result = crate::sync(&mut store, &client, &opts, |p| tx.send_modify(|v| v.progress = p)).await;
            let pause = match &result {
                Ok(summary) => {
                    failures = 0;
                    // Reports the server put off wait as long as it asked
                    // (up to 5 minutes, so status changes still come in).
                    let asked = summary.retry_after.filter(|_| summary.deferred > 0).unwrap_or_default();
                    Duration::from_secs(30).max(asked.min(Duration::from_secs(300)))
                }
                Err(_) => {
                    failures += 1;
                    Duration::from_secs(2u64.saturating_pow(failures).min(120))
                }
            };
            tx.send_modify(|v| {
                v.running = false;
                v.rounds += 1;
                match &result {
                    Ok(_) => {
                        v.last_error = None;
                        v.last_ok = Some(Utc::now());
                        v.retry_in = None;
                    }
                    Err(e) => {
                        eprintln!("sync failed: {e}");
                        v.last_error = Some(e.words());
                        v.retry_in = Some(pause);
                    }
                }
            });
            tokio::select! {
                () = wake.notified() => {}
                () = tokio::time::sleep(pause) => {}
            }
        }
    });
    rx
}
