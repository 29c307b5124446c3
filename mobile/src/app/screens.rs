//! The screens. Each renders from the local store alone; writes go to the
//! store and wake the background sync.

use dioxus::prelude::*;

use super::i18n::category_name;
use super::state::{keys, Core, Screen, Ui};

pub use super::report_form::*;
pub use super::reports::*;
pub use super::shell::*;

/// Accuracy beyond which the citizen is asked to confirm the place.
pub const POOR_ACCURACY_M: f64 = 100.0;
/// Open reports of the same category this close are offered to follow.
pub const DUPLICATE_RADIUS_M: f64 = 50.0;
/// Public reports fetched and shown around the citizen.
pub const NEARBY_RADIUS_M: f64 = 1000.0;

pub(crate) fn data_uri(jpeg: &[u8]) -> String {
    use base64::Engine;
    format!("data:image/jpeg;base64,{}", base64::engine::general_purpose::STANDARD.encode(jpeg))
}

#[component]
pub fn SyncScreen() -> Element {
    let core = use_context::<Core>();
    let ui = use_context::<Ui>();
    let _ = (ui.revision)();
    let lang = (ui.lang)();
    let view = (ui.sync)();
    let waiting = core.store.borrow().outbox_len().unwrap_or(0);
    let state = core.store.borrow().sync_state().ok();
    let refused = core.store.borrow().reports().unwrap_or_default().into_iter().filter(|r| r.error.is_some()).collect::<Vec<_>>();
    let categories = core.categories();
    let c2 = core.clone();
    rsx! {
        section { class: "sync",
            h2 { {lang.tr("app-sync")} }
            dl { class: "facts",
                dt { {lang.tr("app-waiting-to-be-sent")} }
                dd { "{waiting}" }
                dt { {lang.tr("app-last-successful-sync")} }
                dd {
                    {state.as_ref().and_then(|s| s.last_sync_at).map(|t| lang.when(t)).unwrap_or_else(|| lang.tr("app-never"))}
                }
                dt { {lang.tr("app-server")} }
                dd { "{core.server_url()}" }
            }
            if view.waiting_for_wifi {
                p { class: "hint", role: "status",
                    {lang.tr("app-you-are-on-mobile-data-and")}
                }
            }
            if view.running {
                p { role: "status",
                    {lang.tr("app-running")}
                    ": {view.progress.items_done}/{view.progress.items_total} · {view.progress.bytes_done / 1024} KB"
                }
                progress { max: "{view.progress.items_total.max(1)}", value: "{view.progress.items_done}" }
            }
            // Before this run's first round, the store remembers that the
            // last one failed; the round itself says why.
            if view.last_error.is_some() || state.as_ref().is_some_and(|s| s.last_error.is_some()) {
                div { class: "error", role: "alert",
                    p { {lang.tr("app-the-last-attempt-failed")} }
                    if let Some(e) = &view.last_error {
                        p { class: "detail", {lang.words(e)} }
                    }
                    if let Some(d) = view.retry_in {
                        p { {lang.tr_with("app-next-attempt-in", &[("seconds", d.as_secs().into())])} }
                    }
                }
            }
            button { class: "primary", onclick: move |_| c2.sync_now.notify_one(), {lang.tr("app-sync-now")} }
            if !refused.is_empty() {
                h3 { {lang.tr("app-need-attention")} }
                ul { class: "list",
                    for r in refused {
                        li { key: "{r.id}",
                            p { class: "title", "{category_name(lang, &categories, &r.category)}: {r.description}" }
                            if let Some(e) = &r.error {
                                p { class: "reason", {lang.refusal(&e.code)} }
                            }
                            button {
                                onclick: {
                                    let core = core.clone();
                                    let id = r.id;
                                    move |_| match core.store.borrow_mut().retry_refused(id) {
                                        Ok(_) => {
                                            core.sync_now.notify_one();
                                            ui.changed();
                                        }
                                        Err(e) => ui.fail(&e),
                                    }
                                },
                                {lang.tr("app-retry")}
                            }
                        }
                    }
                }
            }
        }
    }
}

#[component]
pub fn Settings() -> Element {
    let core = use_context::<Core>();
    let ui = use_context::<Ui>();
    let lang = (ui.lang)();
    let mut server = use_signal(|| core.server_url());
    let mut quality = use_signal(|| core.photo_quality().to_string());
    let mut wifi_only = use_signal(|| core.setting(keys::WIFI_ONLY).as_deref() == Some("1"));
    let mut tiles = use_signal(|| core.tile_url().unwrap_or_default());
    let mut comune = use_signal(|| core.setting(keys::COMUNE).unwrap_or_default());
    let comuni = core.comuni();
    let save = {
        let core = core.clone();
        move |_| {
            let url = server().trim().to_owned();
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                ui.tell(lang.tr("app-the-server-address-must-start-with"));
                return;
            }
            let result = core
                .set_setting(keys::SERVER_URL, &url)
                .and_then(|()| core.set_setting(keys::PHOTO_QUALITY, &quality()))
                .and_then(|()| core.set_setting(keys::WIFI_ONLY, if wifi_only() { "1" } else { "0" }))
                .and_then(|()| core.set_setting(keys::TILE_URL, tiles().trim()))
                .and_then(|()| if comune().is_empty() { Ok(()) } else { core.set_setting(keys::COMUNE, &comune()) });
            match result {
                Ok(()) => {
                    ui.tell(lang.tr("app-settings-saved"));
                    core.sync_now.notify_one();
                    ui.changed();
                }
                Err(e) => ui.fail(&e),
            }
        }
    };
    rsx! {
        section { class: "settings",
            h2 { {lang.tr("app-settings")} }
            LanguagePicker {}
            label { r#for: "set-comune", {lang.tr("app-your-comune")} }
            select { id: "set-comune", value: "{comune}", onchange: move |e| comune.set(e.value()),
                for c in comuni {
                    option { value: "{c.istat_code.as_str()}", selected: comune() == c.istat_code.as_str(), "{c.name}" }
                }
            }
            label { r#for: "server", {lang.tr("app-server-address")} }
            input { id: "server", r#type: "url", initial_value: "{server.peek()}", oninput: move |e| server.set(e.value()) }
            label { r#for: "quality", {lang.tr("app-photo-quality")} }
            select { id: "quality", value: "{quality}", onchange: move |e| quality.set(e.value()),
                option { value: "90", selected: quality() == "90", {lang.tr("app-high-larger-files")} }
                option { value: "82", selected: quality() == "82", {lang.tr("app-normal")} }
                option { value: "70", selected: quality() == "70", {lang.tr("app-data-saver")} }
            }
            div { class: "check",
                input { id: "wifi", r#type: "checkbox", checked: wifi_only(), onchange: move |e| wifi_only.set(e.checked()) }
                label { r#for: "wifi", {lang.tr("app-sync-on-wi-fi-only")} }
            }
            label { r#for: "tiles", {lang.tr("app-maps-tile-url-empty-to-never")} }
            input { id: "tiles", r#type: "url", initial_value: "{tiles.peek()}", oninput: move |e| tiles.set(e.value()) }
            button { class: "primary", onclick: save, {lang.tr("app-save")} }
            button { class: "link", onclick: move |_| ui.go(Screen::Sync), {lang.tr("app-sync-status")} }
            if core.offers(casa_shared_model::category::Service::Gamification) {
                button { class: "link", onclick: move |_| ui.go(Screen::Badges), {lang.tr("app-my-badges")} }
            }
            button { class: "link", onclick: move |_| ui.go(Screen::Inspector), {lang.tr("app-inspector-mode")} }
            p { class: "hint", "{lang.tr(\"app-device-id\")}: {core.device_id()}" }
        }
    }
}
