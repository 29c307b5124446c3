//! The app's frame: first run, the tab bar, the sync bar, the language.

use casa_shared_model::category::Service;
use casa_shared_model::geo::{haversine_m, GeoPoint};
use chrono::Utc;
use dioxus::prelude::*;

use super::i18n::Lang;
use super::state::{keys, Core, Screen, Ui};
use crate::platform::LocationSource;

use super::screens::*;

/// The whole app: first-run screen, or the current screen between the sync
/// bar and the tab bar.
#[component]
pub fn Shell() -> Element {
    let core = use_context::<Core>();
    let ui = use_context::<Ui>();
    let _ = (ui.revision)();
    let lang = (ui.lang)();
    if !core.onboarded() {
        return rsx! {
            div { class: "app", lang: lang.code(), Welcome {} }
        };
    }
    let screen = (ui.screen)();
    let notice = (ui.notice)();
    rsx! {
        div { class: "app", lang: lang.code(),
            header { class: "top",
                h1 { class: "brand", {lang.tr("app-name")} }
                SyncBar {}
            }
            if let Some(text) = notice {
                div { class: "notice", role: "status",
                    span { "{text}" }
                    button {
                        class: "link",
                        "aria-label": lang.tr("app-dismiss-the-message"),
                        onclick: move |_| {
                            let mut n = ui.notice;
                            n.set(None);
                        },
                        "✕"
                    }
                }
            }
            main { class: "content",
                match screen {
                    Screen::NewReport => rsx! { NewReportScreen {} },
                    Screen::MyReports => rsx! { MyReports {} },
                    Screen::Report(id) => rsx! { ReportDetail { id } },
                    Screen::Nearby => rsx! { Nearby {} },
                    Screen::Sync => rsx! { SyncScreen {} },
                    Screen::Settings => rsx! { Settings {} },
                    Screen::Inspector => rsx! { super::inspector::InspectorScreen {} },
                    Screen::Petitions if !core.offers(Service::Petitions) => rsx! { NotOffered {} },
                    Screen::Badges if !core.offers(Service::Gamification) => rsx! { NotOffered {} },
                    Screen::Petitions => rsx! { super::petitions::PetitionsScreen {} },
                    Screen::Badges => rsx! { super::badges::BadgesScreen {} },
                }
            }
            TabBar { screen }
        }
    }
}

/// A service the citizen's Comune has not turned on, reached all the same
/// (a screen kept from before the Comune changed its services).
#[component]
fn NotOffered() -> Element {
    let core = use_context::<Core>();
    let ui = use_context::<Ui>();
    let lang = (ui.lang)();
    let comune = core.chosen_comune().map(|c| c.name).unwrap_or_default();
    rsx! {
        section { class: "not-offered",
            p { {lang.tr_with("app-service-not-offered", &[("comune", comune.into())])} }
            button { class: "primary", onclick: move |_| ui.go(Screen::NewReport), {lang.tr("app-report")} }
        }
    }
}

/// The tabs: a service's tab only where the citizen's Comune offers it.
#[component]
pub(crate) fn TabBar(screen: Screen) -> Element {
    let core = use_context::<Core>();
    let ui = use_context::<Ui>();
    let lang = (ui.lang)();
    let mut tabs =
        vec![(Screen::NewReport, lang.tr("app-report")), (Screen::MyReports, lang.tr("app-mine")), (Screen::Nearby, lang.tr("app-nearby"))];
    if core.offers(Service::Petitions) {
        tabs.push((Screen::Petitions, lang.tr("app-petitions")));
    }
    tabs.push((Screen::Settings, lang.tr("app-settings")));
    let current = match screen {
        Screen::Report(_) => Screen::MyReports,
        Screen::Sync | Screen::Inspector | Screen::Badges => Screen::Settings,
        s => s,
    };
    rsx! {
        nav { class: "tabs", "aria-label": lang.tr("app-sections"),
            for (target, label) in tabs {
                button {
                    class: if target == current { "tab current" } else { "tab" },
                    "aria-current": if target == current { "page" } else { "false" },
                    onclick: move |_| ui.go(target),
                    "{label}"
                }
            }
        }
    }
}

/// Always visible: what waits, the last sync, progress, and trouble.
#[component]
pub fn SyncBar() -> Element {
    let core = use_context::<Core>();
    let ui = use_context::<Ui>();
    let _ = (ui.revision)();
    let lang = (ui.lang)();
    let view = (ui.sync)();
    let waiting = core.store.borrow().outbox_len().unwrap_or(0);
    let state = core.store.borrow().sync_state().ok();
    let last = state.as_ref().and_then(|s| s.last_sync_at).or(view.last_ok);
    let refused = core.store.borrow().errors().map(|e| e.len()).unwrap_or(0);
    let offline = view.last_error.is_some() && !view.running;
    let text = if view.waiting_for_wifi && waiting > 0 {
        lang.tr_with("app-waiting-for-wifi", &[("n", waiting.into())])
    } else if view.running && view.progress.items_total > 0 {
        format!("{} {}/{}", lang.tr("app-sending"), view.progress.items_done, view.progress.items_total)
    } else if view.running {
        lang.tr("app-syncing").to_owned()
    } else if waiting > 0 {
        lang.tr_with("app-waiting-to-send", &[("n", waiting.into())])
    } else if offline {
        // Nothing waits, but the server's news cannot come in: not "all sent".
        lang.tr("app-nothing-to-send").to_owned()
    } else {
        lang.tr("app-all-sent").to_owned()
    };
    let when = match last {
        Some(t) => format!("{} {}", lang.tr("app-last-sync"), lang.ago(t, Utc::now())),
        None => lang.tr("app-never-synced").to_owned(),
    };
    let offline_note = lang.tr("app-offline-will-retry-by-itself");
    let label = if offline { format!("{text}, {offline_note}, {when}") } else { format!("{text}, {when}") };
    rsx! {
        button {
            class: if offline { "syncbar offline" } else { "syncbar" },
            role: "status",
            "aria-live": "polite",
            "aria-label": "{label}",
            onclick: move |_| ui.go(Screen::Sync),
            span { class: "sync-main", "{text}" }
            span { class: "sync-sub",
                if offline {
                    "{offline_note} · "
                }
                "{when}"
                if refused > 0 {
                    " · {refused} {lang.tr(\"app-need-attention-2\")}"
                }
            }
            if view.running && view.progress.items_total > 0 {
                progress { max: "{view.progress.items_total}", value: "{view.progress.items_done}" }
            }
        }
    }
}

/// First run: language, the privacy notice, and the Comune.
#[component]
pub fn Welcome() -> Element {
    let core = use_context::<Core>();
    let ui = use_context::<Ui>();
    let lang = (ui.lang)();
    let comuni = core.comuni();
    let suggested = core.opts.location.current().and_then(|fix| {
        casa_shared_model::comune::bari_comuni()
            .into_iter()
            .min_by(|a, b| {
                let d = |t: &casa_shared_model::TownCentre| {
                    haversine_m(GeoPoint { lat: fix.lat, lon: fix.lon }, GeoPoint { lat: t.lat, lon: t.lon })
                };
                d(&a.1).total_cmp(&d(&b.1))
            })
            .map(|(c, _)| c.istat_code.as_str().to_owned())
    });
    let mut chosen = use_signal(|| core.setting(keys::COMUNE).or(suggested.clone()).unwrap_or_default());
    let c2 = core.clone();
    let start = move |_| {
        let code = chosen();
        if code.is_empty() {
            ui.tell(lang.tr("app-choose-your-comune-to-continue"));
            return;
        }
        let saved = c2.set_setting(keys::COMUNE, &code).and_then(|()| c2.set_setting(keys::PRIVACY_ACCEPTED, &Utc::now().to_rfc3339()));
        match saved {
            Ok(()) => {
                // The first sync ran before the choice: run one now for the
                // Comune's categories and the outline of its boundary.
                c2.sync_now.notify_one();
                ui.go(Screen::NewReport);
                ui.changed();
            }
            Err(e) => ui.fail(&e),
        }
    };
    let c3 = core.clone();
    rsx! {
        section { class: "welcome",
            h1 { {lang.tr("app-name")} }
            p { class: "lead",
                {lang.tr("app-report-a-problem-in-your-comune")}
            }
            LanguagePicker {}
            h2 { {lang.tr("app-your-comune")} }
            label { r#for: "comune", {lang.tr("app-comune")} }
            select {
                id: "comune",
                value: "{chosen}",
                onchange: move |e| chosen.set(e.value()),
                option { value: "", disabled: true, selected: chosen().is_empty(), {lang.tr("app-choose")} }
                for c in comuni {
                    option { value: "{c.istat_code.as_str()}", selected: chosen() == c.istat_code.as_str(), "{c.name}" }
                }
            }
            if suggested.is_some() {
                p { class: "hint", {lang.tr("app-chosen-from-your-location-you-can")} }
            }
            h2 { {lang.tr("app-privacy")} }
            div { class: "privacy",
                p {
                    {lang.tr("app-your-reports-photos-description-place-go")}
                }
                p {
                    {lang.tr("app-published-reports-are-visible-to-everyone")}
                }
            }
            button { class: "primary", onclick: start, {lang.tr("app-i-agree-start")} }
            if c3.opts.location.current().is_none() {
                p { class: "hint", {lang.tr("app-location-not-available-you-will-place")} }
            }
        }
    }
}

#[component]
pub(crate) fn LanguagePicker() -> Element {
    let core = use_context::<Core>();
    let ui = use_context::<Ui>();
    let lang = (ui.lang)();
    rsx! {
        div { class: "lang", role: "group", "aria-label": "Lingua / Language",
            for (l, name) in [(Lang::It, "Italiano"), (Lang::En, "English")] {
                button {
                    class: if l == lang { "chip selected" } else { "chip" },
                    "aria-pressed": if l == lang { "true" } else { "false" },
                    onclick: {
                        let core = core.clone();
                        move |_| {
                            let mut lang = ui.lang;
                            lang.set(l);
                            if let Err(e) = core.set_setting(keys::LANG, l.code()) {
                                ui.fail(&e);
                            }
                        }
                    },
                    "{name}"
                }
            }
        }
    }
}
