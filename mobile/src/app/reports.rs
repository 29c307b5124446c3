//! The citizen's reports, one report's story, and public reports nearby.

use casa_shared_model::geo::{haversine_m, GeoPoint};
use casa_shared_model::wire::NearbyQuery;
use casa_shared_model::{ReportId, ReportStatus};
use chrono::Utc;
use dioxus::prelude::*;

use super::i18n::category_name;
use super::map::{Map, Pin};
use super::state::{Core, Screen, Ui};
use crate::platform::LocationSource;
use crate::store::Step;

use super::screens::*;

#[component]
pub fn MyReports() -> Element {
    let core = use_context::<Core>();
    let ui = use_context::<Ui>();
    let _ = (ui.revision)();
    let _ = (ui.sync)().rounds;
    let lang = (ui.lang)();
    let reports = core.store.borrow().reports().unwrap_or_default();
    let followed = core.store.borrow().followed().unwrap_or_default();
    let categories = core.categories();
    rsx! {
        section { class: "my-reports",
            h2 { {lang.t("Le mie segnalazioni", "My reports")} }
            if reports.is_empty() {
                p { class: "empty", {lang.t("Non hai ancora inviato segnalazioni.", "You have not filed any report yet.")} }
            }
            ul { class: "list",
                for r in reports {
                    li { key: "{r.id}",
                        button {
                            class: "item",
                            onclick: move |_| ui.go(Screen::Report(r.id)),
                            span { class: "title", "{category_name(lang, &categories, &r.category)}" }
                            span { class: "status status-{r.status.code()}",
                                if r.error.is_some() {
                                    {lang.t("Da rivedere", "Needs attention")}
                                } else if r.pending {
                                    {lang.t("In attesa di invio", "Waiting to be sent")}
                                } else {
                                    {lang.status(&r.status)}
                                }
                            }
                            span { class: "meta", "{lang.when(r.captured_at)}" if let Some(c) = &r.comune_name { " · {c}" } }
                            span { class: "desc", "{r.description}" }
                        }
                    }
                }
            }
            if !followed.is_empty() {
                h2 { {lang.t("Segnalazioni che segui", "Reports you follow")} }
                ul { class: "list",
                    for f in followed {
                        li { key: "{f.id}",
                            p { class: "title", "{category_name(lang, &categories, &f.category)}" }
                            p { class: "status status-{f.status.code()}", {lang.status(&f.status)} }
                            p { class: "desc", "{f.description}" }
                        }
                    }
                }
            }
        }
    }
}

#[component]
pub fn ReportDetail(id: ReportId) -> Element {
    let core = use_context::<Core>();
    let ui = use_context::<Ui>();
    // Hooks before any early return: their order must not change between renders.
    let mut reopen_reason = use_signal(String::new);
    let mut reopen_error = use_signal(|| None::<String>);
    let _ = (ui.revision)();
    let _ = (ui.sync)().rounds;
    let lang = (ui.lang)();
    let report = core.store.borrow().report(id).ok().flatten();
    let Some(r) = report else {
        return rsx! {
            section { p { {lang.t("Segnalazione non trovata.", "Report not found.")} } }
        };
    };
    let events = core.store.borrow().report_events(id).unwrap_or_default();
    let photos: Vec<String> = r
        .photos
        .iter()
        .filter_map(|p| casa_shared_model::report::PhotoRef::parse(p).ok())
        .filter_map(|p| core.store.borrow().read_photo(&p).ok())
        .map(|b| data_uri(&b))
        .collect();
    let categories = core.categories();
    let current = if r.error.is_some() {
        lang.t("Da rivedere", "Needs attention").to_owned()
    } else if r.pending {
        lang.t("In attesa di invio", "Waiting to be sent").to_owned()
    } else {
        lang.status(&r.status).to_owned()
    };
    let retry = {
        let core = core.clone();
        move |_| match core.store.borrow_mut().retry_refused(id) {
            Ok(_) => {
                core.sync_now.notify_one();
                ui.changed();
            }
            Err(e) => ui.tell(e.to_string()),
        }
    };
    let can_reopen = r.status == ReportStatus::Resolved && !r.reopen_pending;
    let reopen = {
        let core = core.clone();
        move |_| {
            let outcome = core.store.borrow_mut().reopen(id, &reopen_reason.peek());
            match outcome {
                Ok(Ok(_)) => {
                    reopen_error.set(None);
                    core.sync_now.notify_one();
                    ui.tell(lang.t(
                        "Richiesta di riapertura salvata: partirà alla prossima sincronizzazione.",
                        "Reopen request saved: it leaves with the next sync.",
                    ));
                    ui.changed();
                }
                Ok(Err(refused)) => reopen_error.set(Some(refused.to_string())),
                Err(e) => ui.tell(e.to_string()),
            }
        }
    };
    rsx! {
        section { class: "report-detail",
            button { class: "link back", onclick: move |_| ui.go(Screen::MyReports), {lang.t("← Le mie segnalazioni", "← My reports")} }
            h2 { "{category_name(lang, &categories, &r.category)}" }
            p { class: "status status-{r.status.code()} big", "{current}" }
            p { class: "desc", "{r.description}" }
            if let Some(err) = &r.error {
                div { class: "error", role: "alert",
                    p { "{err.message}" }
                    button { onclick: retry, {lang.t("Riprova l'invio", "Try sending again")} }
                }
            }
            dl { class: "facts",
                dt { {lang.t("Comune", "Comune")} }
                dd { {r.comune_name.clone().unwrap_or_else(|| lang.t("da stabilire all'invio", "set when sent").into())} }
                dt { {lang.t("Ufficio incaricato", "Department in charge")} }
                dd { {r.department_name.clone().unwrap_or_else(|| lang.t("da stabilire all'invio", "set when sent").into())} }
                dt { {lang.t("Luogo", "Place")} }
                dd { "{r.lat:.5}, {r.lon:.5}" if r.accuracy_m > 0.0 { " (±{r.accuracy_m.round()} m)" } }
                dt { {lang.t("Creata", "Filed")} }
                dd { "{lang.when(r.captured_at)}" }
            }
            if !photos.is_empty() {
                ul { class: "attached",
                    for (i, src) in photos.into_iter().enumerate() {
                        li { img { src: "{src}", alt: "{lang.t(\"Foto\", \"Photo\")} {i + 1}" } }
                    }
                }
            }
            h3 { {lang.t("Cronologia", "Timeline")} }
            ol { class: "timeline",
                for e in events {
                    li {
                        match &e.step {
                            Step::Status(status) => rsx! {
                                span { class: "status status-{status.code()}",
                                    if *status == ReportStatus::Submitted {
                                        {lang.t("Salvata sul telefono", "Saved on the phone")}
                                    } else {
                                        {lang.status(status)}
                                    }
                                }
                                " · {lang.when(e.at)}"
                                if let ReportStatus::Rejected { reason } = status {
                                    p { class: "reason", "{reason}" }
                                }
                                if let Some(note) = &e.note {
                                    p { class: "note", "«{note}»" }
                                }
                            },
                            Step::Reopened { reason, pending, refused } => rsx! {
                                span { class: "status status-reopened", {lang.t("Riaperta da te", "Reopened by you")} }
                                " · {lang.when(e.at)}"
                                p { class: "reason", "«{reason}»" }
                                if *pending {
                                    p { class: "muted", {lang.t("In attesa di invio", "Waiting to be sent")} }
                                }
                                if let Some(refused) = refused {
                                    p { class: "error", role: "alert", "{refused}" }
                                }
                            },
                        }
                    }
                }
            }
            if can_reopen {
                form { class: "reopen",
                    onsubmit: move |e| e.prevent_default(),
                    h3 { {lang.t("Il problema non è risolto?", "Is the problem not fixed?")} }
                    label { r#for: "reopen-reason", {lang.t("Perché va riaperta", "Why it should be reopened")} }
                    textarea {
                        id: "reopen-reason",
                        rows: "2",
                        maxlength: "500",
                        placeholder: lang.t("Es.: la buca è stata coperta ma si è già riaperta", "E.g.: the pothole was filled but has opened again"),
                        initial_value: "{reopen_reason.peek()}",
                        oninput: move |e| reopen_reason.set(e.value()),
                    }
                    if let Some(err) = reopen_error() {
                        p { class: "error", role: "alert", "{err}" }
                    }
                    button { r#type: "button", onclick: reopen, {lang.t("Riapri la segnalazione", "Reopen the report")} }
                }
            }
        }
    }
}

#[component]
pub fn Nearby() -> Element {
    let core = use_context::<Core>();
    let ui = use_context::<Ui>();
    let _ = (ui.revision)();
    let _ = (ui.sync)().rounds;
    let lang = (ui.lang)();
    let (lat, lon) = core.home_point();
    let fix = core.opts.location.current();
    let reports = core.store.borrow().nearby(lat, lon, NEARBY_RADIUS_M).unwrap_or_default();
    let origin = core.store.borrow().nearby_origin().ok().flatten();
    let outlines = core.outline_rings();
    let categories = core.categories();
    let pins: Vec<Pin> = reports
        .iter()
        .map(|r| Pin { lat: r.lat, lon: r.lon, label: category_name(lang, &categories, &r.category), open: r.status.is_open() })
        .collect();
    let refresh =
        {
            let core = core.clone();
            move |_| {
                if let Ok(mut w) = core.nearby_wanted.lock() {
                    *w = Some(NearbyQuery { lat, lon, radius_m: NEARBY_RADIUS_M });
                }
                core.sync_now.notify_one();
                ui.tell(lang.t(
                    "Aggiorno le segnalazioni vicine alla prossima sincronizzazione.",
                    "Nearby reports will be updated at the next sync.",
                ));
            }
        };
    rsx! {
        section { class: "nearby",
            h2 { {lang.t("Vicino a me", "Nearby")} }
            Map {
                lat,
                lon,
                span_m: 1500.0,
                label: lang.t("Mappa delle segnalazioni vicine", "Map of nearby reports").to_owned(),
                pins,
                mine: fix.map(|f| (f.lat, f.lon, f.accuracy_m)),
                tile_url: core.tile_url(),
                outlines,
            }
            p { class: "hint",
                match origin {
                    Some((_, at)) => format!("{} {}", lang.t("Aggiornate", "Updated"), lang.ago(at, Utc::now())),
                    None => lang.t("Non ancora scaricate: servono rete e una sincronizzazione.", "Not fetched yet: needs a network and a sync.").to_owned(),
                }
            }
            button { onclick: refresh, {lang.t("Aggiorna", "Refresh")} }
            if reports.is_empty() {
                p { class: "empty", {lang.t("Nessuna segnalazione pubblica nei dintorni.", "No public reports around here.")} }
            }
            ul { class: "list",
                for r in reports {
                    li { key: "{r.id}",
                        p { class: "title", "{category_name(lang, &categories, &r.category)}" }
                        p { class: "status status-{r.status.code()}",
                            {lang.status(&r.status)}
                            {format!(" · {} m", haversine_m(GeoPoint { lat, lon }, GeoPoint { lat: r.lat, lon: r.lon }).round())}
                        }
                        p { class: "desc", "{r.description}" }
                    }
                }
            }
        }
    }
}
