//! The citizen app: Dioxus on the desktop webview (wry/tao, the same stack
//! Tauri uses); the same components build for Android and iOS with `dx`.
//! Every screen renders from the phone's store; the sync runs in the
//! background and the screens follow it.
#![allow(non_snake_case)]

pub use crate::i18n;
pub use crate::services::badges::screens as badges;
pub use crate::services::inspector::screens as inspector;
pub use crate::services::petitions::screens as petitions;
pub use crate::services::reports::screens::{map, report_form, reports};
pub mod screens;
pub mod shell;
pub mod state;

use dioxus::prelude::*;
use i18n::Lang;

pub use state::{AppOptions, Core, Screen, SyncView, Ui};

/// The app's style sheet: phone-first, large touch targets, WCAG AA
/// contrast, sizes in rem so the system text size scales everything.
pub const STYLE: &str = include_str!("style.css");

/// Opens the app window and runs until it is closed.
pub fn launch(opts: AppOptions) {
    use dioxus::desktop::{Config, LogicalSize, WindowBuilder};
    let data_dir = opts.data_dir.join("webview");
    let cfg = Config::new()
        .with_window(WindowBuilder::new().with_title(Lang::of_system().tr("app-name")).with_inner_size(LogicalSize::new(412.0, 860.0)))
        .with_data_directory(data_dir)
        .with_custom_head(format!("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><style>{STYLE}</style>"))
        .with_menu(None)
        .with_disable_context_menu(true);
    dioxus::LaunchBuilder::desktop().with_cfg(cfg).with_context(Launch(opts)).launch(App);
}

/// Launch options travel as a root context (they must be `Send + Sync`; the
/// store, which is not, is opened by the app itself).
#[derive(Clone)]
struct Launch(AppOptions);

fn App() -> Element {
    let Launch(opts) = use_context::<Launch>();
    // The citizen's settings are in the store that failed to open: the
    // system's language speaks, and the cause goes to the log.
    let core = use_hook(|| Core::open(opts.clone()).map_err(|e| Lang::of_system().explain(&e)));
    match core {
        Ok(core) => rsx! { Root { core } },
        Err(e) => rsx! {
            div { class: "app fatal", role: "alert",
                h1 { {Lang::of_system().tr("app-name")} }
                p { {Lang::of_system().tr("app-cannot-open-data")} }
                p { "{e}" }
            }
        },
    }
}

/// Provides the shared state, starts the background sync and shows the app.
#[component]
fn Root(core: Core) -> Element {
    let ui = provide_ui(&core, Screen::NewReport);
    use_hook({
        let core = core.clone();
        move || {
            let mut rx = state::start_background_sync(&core);
            spawn(async move {
                while rx.changed().await.is_ok() {
                    let view = rx.borrow_and_update().clone();
                    let finished = view.rounds != ui.sync.peek().rounds;
                    let mut sync = ui.sync;
                    sync.set(view);
                    if finished {
                        // A badge earned while offline shows after the sync that brought it.
                        let new = core.store.borrow_mut().take_unannounced_badges().unwrap_or_default();
                        if let Some(text) = badges::announcement(core.lang(), &new) {
                            ui.tell(text);
                        }
                        ui.changed();
                    }
                }
            });
        }
    });
    rsx! { screens::Shell {} }
}

/// Makes `core` and fresh UI signals, opening on `screen`, the context of
/// everything below.
pub fn provide_ui(core: &Core, screen: Screen) -> Ui {
    let core = use_context_provider(|| core.clone());
    let lang = core.lang();
    use_context_provider(|| Ui {
        screen: Signal::new(screen),
        lang: Signal::new(lang),
        revision: Signal::new(0),
        sync: Signal::new(SyncView::default()),
        notice: Signal::new(None),
    })
}
