//! The screens. Each renders from the local store alone; writes go to the
//! store and wake the background sync.

use casa_shared_model::geo::{haversine_m, GeoPoint};
use casa_shared_model::report::MAX_PHOTOS;
use casa_shared_model::wire::{NearbyQuery, PublicReport, ReportPayload};
use casa_shared_model::{NewReport, ReportId, ReportStatus};
use chrono::Utc;
use dioxus::prelude::*;

use super::i18n::{category_name, Lang};
use super::map::{Map, Pin};
use super::state::{keys, Core, Screen, Ui};
use crate::photo;
use crate::platform::LocationSource;
use crate::store::Step;
use crate::suggest::{suggest, suggest_category};

/// Accuracy beyond which the citizen is asked to confirm the place.
pub const POOR_ACCURACY_M: f64 = 100.0;
/// Open reports of the same category this close are offered to follow.
pub const DUPLICATE_RADIUS_M: f64 = 50.0;
/// Public reports fetched and shown around the citizen.
pub const NEARBY_RADIUS_M: f64 = 1000.0;

fn data_uri(jpeg: &[u8]) -> String {
    use base64::Engine;
    format!("data:image/jpeg;base64,{}", base64::engine::general_purpose::STANDARD.encode(jpeg))
}

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
                h1 { class: "brand", "Casa del Cittadino" }
                SyncBar {}
            }
            if let Some(text) = notice {
                div { class: "notice", role: "status",
                    span { "{text}" }
                    button {
                        class: "link",
                        "aria-label": lang.t("Chiudi il messaggio", "Dismiss the message"),
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
                    Screen::Petitions => rsx! { super::petitions::PetitionsScreen {} },
                    Screen::Badges => rsx! { super::badges::BadgesScreen {} },
                }
            }
            TabBar { screen }
        }
    }
}

#[component]
fn TabBar(screen: Screen) -> Element {
    let ui = use_context::<Ui>();
    let lang = (ui.lang)();
    let tabs = [
        (Screen::NewReport, lang.t("Segnala", "Report")),
        (Screen::MyReports, lang.t("Le mie", "Mine")),
        (Screen::Nearby, lang.t("Vicino a me", "Nearby")),
        (Screen::Petitions, lang.t("Petizioni", "Petitions")),
        (Screen::Settings, lang.t("Impostazioni", "Settings")),
    ];
    let current = match screen {
        Screen::Report(_) => Screen::MyReports,
        Screen::Sync | Screen::Inspector | Screen::Badges => Screen::Settings,
        s => s,
    };
    rsx! {
        nav { class: "tabs", "aria-label": lang.t("Sezioni", "Sections"),
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
    let text = if view.waiting_for_wifi && waiting > 0 {
        match lang {
            Lang::It => format!("{waiting} in attesa del Wi-Fi"),
            Lang::En => format!("{waiting} waiting for Wi-Fi"),
        }
    } else if view.running && view.progress.items_total > 0 {
        format!("{} {}/{}", lang.t("Invio in corso", "Sending"), view.progress.items_done, view.progress.items_total)
    } else if view.running {
        lang.t("Sincronizzazione…", "Syncing…").to_owned()
    } else if waiting > 0 {
        match lang {
            Lang::It => format!("{waiting} in attesa di invio"),
            Lang::En => format!("{waiting} waiting to be sent"),
        }
    } else {
        lang.t("Tutto inviato", "All sent").to_owned()
    };
    let when = match last {
        Some(t) => format!("{} {}", lang.t("ultima sincronizzazione", "last sync"), lang.ago(t, Utc::now())),
        None => lang.t("mai sincronizzato", "never synced").to_owned(),
    };
    let offline = view.last_error.is_some() && !view.running;
    let offline_note = lang.t("senza rete, riprovo da solo", "offline, will retry by itself");
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
                    " · {refused} {lang.t(\"da rivedere\", \"need attention\")}"
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
            ui.tell(lang.t("Scegli il tuo Comune per continuare.", "Choose your Comune to continue."));
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
            Err(e) => ui.tell(e.to_string()),
        }
    };
    let c3 = core.clone();
    rsx! {
        section { class: "welcome",
            h1 { "Casa del Cittadino" }
            p { class: "lead",
                {lang.t("Segnala un problema del tuo Comune in pochi secondi, anche senza rete.", "Report a problem in your Comune in seconds, even offline.")}
            }
            LanguagePicker {}
            h2 { {lang.t("Il tuo Comune", "Your Comune")} }
            label { r#for: "comune", {lang.t("Comune", "Comune")} }
            select {
                id: "comune",
                value: "{chosen}",
                onchange: move |e| chosen.set(e.value()),
                option { value: "", disabled: true, selected: chosen().is_empty(), {lang.t("Scegli…", "Choose…")} }
                for c in comuni {
                    option { value: "{c.istat_code.as_str()}", selected: chosen() == c.istat_code.as_str(), "{c.name}" }
                }
            }
            if suggested.is_some() {
                p { class: "hint", {lang.t("Scelto in base alla tua posizione: puoi cambiarlo.", "Chosen from your location: you can change it.")} }
            }
            h2 { {lang.t("Privacy", "Privacy")} }
            div { class: "privacy",
                p {
                    {lang.t(
                        "Le tue segnalazioni (foto, descrizione, posizione) vanno al Comune competente. Le foto vengono ripulite sul telefono da ogni metadato (posizione, modello del telefono) prima dell'invio; la posizione viaggia solo come punto della segnalazione.",
                        "Your reports (photos, description, place) go to the Comune in charge. Photos are stripped on the phone of every metadata (location, phone model) before they are sent; the place travels only as the report's own point.",
                    )}
                }
                p {
                    {lang.t(
                        "Le segnalazioni pubblicate sono visibili a tutti senza il tuo nome. Titolare del trattamento è il Comune; puoi chiedere accesso e cancellazione dei tuoi dati.",
                        "Published reports are visible to everyone without your name. The controller is the Comune; you can ask for access to and erasure of your data.",
                    )}
                }
            }
            button { class: "primary", onclick: start, {lang.t("Accetto e inizio", "I agree, start")} }
            if c3.opts.location.current().is_none() {
                p { class: "hint", {lang.t("Posizione non disponibile: la indicherai sulla mappa.", "Location not available: you will place it on the map.")} }
            }
        }
    }
}

#[component]
fn LanguagePicker() -> Element {
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
                                ui.tell(e.to_string());
                            }
                        }
                    },
                    "{name}"
                }
            }
        }
    }
}

/// A photo attached to the report being written.
#[derive(Debug, Clone, PartialEq)]
struct Attached {
    sha256: casa_shared_model::report::PhotoRef,
    preview: String,
}

/// What stops the report from being sent yet.
#[derive(Debug, Clone, PartialEq)]
enum Check {
    None,
    PoorAccuracy(f64),
    Duplicates(Vec<PublicReport>),
}

#[component]
pub fn NewReportScreen() -> Element {
    let core = use_context::<Core>();
    let ui = use_context::<Ui>();
    let lang = (ui.lang)();
    let fix = core.opts.location.current();
    let mut photos = use_signal(Vec::<Attached>::new);
    let mut pin = use_signal(|| fix.map(|f| (f.lat, f.lon, f.accuracy_m)));
    let mut description = use_signal(String::new);
    let mut chosen_category = use_signal(|| None::<String>);
    let mut check = use_signal(|| Check::None);
    let mut error = use_signal(|| None::<String>);
    // Read again after a sync, not on every keystroke of the description.
    let outlines = use_memo({
        let core = core.clone();
        move || {
            let _ = (ui.sync)().rounds;
            core.outline_rings()
        }
    });
    let categories = core.categories();
    let suggested = suggest(&description(), photos().len(), categories.iter().map(|c| c.code.as_str()));
    let photo_advised = suggested.is_some_and(|s| s.photo_advised) && chosen_category().is_none();
    let suggestion = suggested.map(|s| s.category.to_owned());
    let category = chosen_category().or(suggestion.clone());
    let (home_lat, home_lon) = core.home_point();
    let (map_lat, map_lon) = pin().map(|(la, lo, _)| (la, lo)).unwrap_or((home_lat, home_lon));
    let available = core.photos_available();

    let attach = {
        let core = core.clone();
        move |bytes: Vec<u8>| {
            if photos().len() >= MAX_PHOTOS {
                error.set(Some(lang.t("Al massimo 5 foto.", "At most 5 photos.").into()));
                return;
            }
            let processed = match photo::process(&bytes, core.photo_quality()) {
                Ok(p) => p,
                Err(e) => {
                    error.set(Some(e.to_string()));
                    return;
                }
            };
            if photos().iter().any(|a| a.sha256 == processed.sha256) {
                return;
            }
            if let Err(e) = core.store.borrow_mut().save_photo(&processed) {
                error.set(Some(e.to_string()));
                return;
            }
            error.set(None);
            photos.write().push(Attached { sha256: processed.sha256.clone(), preview: data_uri(&processed.jpeg) });
        }
    };
    let attach_path = {
        let attach = attach.clone();
        move |path: std::path::PathBuf| match std::fs::read(&path) {
            Ok(bytes) => attach.clone()(bytes),
            Err(e) => error.set(Some(format!("{}: {e}", path.display()))),
        }
    };

    let send = {
        let core = core.clone();
        move |confirmed: bool| {
            let Some((lat, lon, accuracy_m)) = pin() else {
                error.set(Some(lang.t("Indica il punto sulla mappa.", "Place the pin on the map.").into()));
                return;
            };
            let Some(category) = chosen_category()
                .or_else(|| suggest_category(&description(), core.categories().iter().map(|c| c.code.as_str())).map(str::to_owned))
            else {
                error.set(Some(lang.t("Scegli una categoria.", "Choose a category.").into()));
                return;
            };
            if !confirmed {
                if accuracy_m > POOR_ACCURACY_M {
                    check.set(Check::PoorAccuracy(accuracy_m));
                    return;
                }
                let dups = core.store.borrow().possible_duplicates(&category, lat, lon, DUPLICATE_RADIUS_M).unwrap_or_default();
                if !dups.is_empty() {
                    check.set(Check::Duplicates(dups));
                    return;
                }
            }
            let payload = ReportPayload {
                id: ReportId::new(),
                category,
                description: description(),
                lat,
                lon,
                accuracy_m,
                captured_at: Utc::now(),
                photos: photos().iter().map(|p| p.sha256.as_str().to_owned()).collect(),
            };
            let report = match NewReport::parse(&payload, Utc::now()) {
                Ok(r) => r,
                Err(e) => {
                    error.set(Some(e.to_string()));
                    check.set(Check::None);
                    return;
                }
            };
            if let Err(e) = core.store.borrow_mut().capture(&report) {
                error.set(Some(e.to_string()));
                return;
            }
            core.sync_now.notify_one();
            photos.set(Vec::new());
            description.set(String::new());
            chosen_category.set(None);
            check.set(Check::None);
            error.set(None);
            ui.tell(
                lang.t("Segnalazione salvata: partirà appena c'è rete.", "Report saved: it will be sent as soon as there is a network."),
            );
            ui.go(Screen::Report(report.id));
            ui.changed();
        }
    };
    let send_now = send.clone();
    let send_anyway = send.clone();

    rsx! {
        section { class: "new-report",
            h2 { {lang.t("Nuova segnalazione", "New report")} }

            fieldset { class: "photos",
                legend { {lang.t("Foto", "Photos")} " ({photos().len()}/{MAX_PHOTOS})" }
                if !photos().is_empty() {
                    ul { class: "attached",
                        for (i, p) in photos().into_iter().enumerate() {
                            li { key: "{p.sha256.as_str()}",
                                img { src: "{p.preview}", alt: "{lang.t(\"Foto allegata\", \"Attached photo\")} {i + 1}" }
                                button {
                                    class: "link",
                                    "aria-label": "{lang.t(\"Togli la foto\", \"Remove photo\")} {i + 1}",
                                    onclick: move |_| {
                                        photos.write().remove(i);
                                    },
                                    "✕"
                                }
                            }
                        }
                    }
                }
                if photos().len() < MAX_PHOTOS {
                    if !available.is_empty() {
                        p { class: "hint", {lang.t("Tocca una foto per allegarla:", "Tap a photo to attach it:")} }
                        ul { class: "gallery",
                            for path in available.into_iter().take(12) {
                                li {
                                    button {
                                        class: "gallery-item",
                                        onclick: {
                                            let attach_path = attach_path.clone();
                                            let path = path.clone();
                                            move |_| attach_path.clone()(path.clone())
                                        },
                                        "+ {path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()}"
                                    }
                                }
                            }
                        }
                    }
                    label { class: "file-pick",
                        {lang.t("Scatta o scegli una foto", "Take or choose a photo")}
                        input {
                            r#type: "file",
                            accept: "image/jpeg,image/png",
                            multiple: true,
                            onchange: {
                                let attach_path = attach_path.clone();
                                move |e: FormEvent| {
                                    for f in e.files() {
                                        attach_path.clone()(f.path());
                                    }
                                }
                            },
                        }
                    }
                }
            }

            label { r#for: "description", {lang.t("Cosa succede?", "What is the problem?")} }
            textarea {
                id: "description",
                rows: "3",
                maxlength: "2000",
                placeholder: lang.t("Es.: buca profonda davanti al civico 12", "E.g.: deep pothole in front of number 12"),
                // Not controlled: writing the value back on each keystroke
                // loses characters typed while a render is on its way.
                initial_value: "{description.peek()}",
                oninput: move |e| description.set(e.value()),
            }

            fieldset { class: "categories",
                legend { {lang.t("Categoria", "Category")} }
                if chosen_category().is_none() {
                    if let Some(code) = suggestion.as_deref() {
                        p { class: "hint", role: "status",
                            {lang.t("Suggerita dalla descrizione: ", "Suggested from the description: ")}
                            strong { "{category_name(lang, &categories, code)}" }
                        }
                        if photo_advised {
                            p { class: "hint",
                                {lang.t("Una foto aiuta l'ufficio a capire dove e quanto è grave.", "A photo helps the department see where it is and how bad.")}
                            }
                        }
                    }
                }
                div { class: "chips",
                    for c in categories.iter().cloned() {
                        button {
                            class: if category.as_deref() == Some(c.code.as_str()) { "chip selected" } else { "chip" },
                            "aria-pressed": if category.as_deref() == Some(c.code.as_str()) { "true" } else { "false" },
                            onclick: {
                                let code = c.code.clone();
                                move |_| chosen_category.set(Some(code.clone()))
                            },
                            "{lang.category(&c)}"
                        }
                    }
                }
            }

            fieldset { class: "place",
                legend { {lang.t("Luogo", "Place")} }
                match pin() {
                    Some((_, _, acc)) if acc > 0.0 => rsx! {
                        p { class: if acc > POOR_ACCURACY_M { "accuracy poor" } else { "accuracy" },
                            "GPS ±{acc.round()} m · "
                            {lang.t("tocca la mappa per spostare il segnaposto", "tap the map to move the pin")}
                        }
                    },
                    Some(_) => rsx! { p { class: "accuracy", {lang.t("Punto scelto sulla mappa", "Place picked on the map")} } },
                    None => rsx! { p { class: "accuracy poor", {lang.t("Posizione non disponibile: tocca la mappa nel punto giusto.", "No location: tap the map where the problem is.")} } },
                }
                Map {
                    lat: map_lat,
                    lon: map_lon,
                    span_m: 400.0,
                    label: lang.t("Mappa del luogo della segnalazione", "Map of the report's place").to_owned(),
                    mine: pin(),
                    tile_url: core.tile_url(),
                    outlines: outlines(),
                    on_pick: move |(lat, lon): (f64, f64)| pin.set(Some((lat, lon, 0.0))),
                }
            }

            if let Some(msg) = error() {
                p { class: "error", role: "alert", "{msg}" }
            }

            match check() {
                Check::PoorAccuracy(acc) => rsx! {
                    div { class: "confirm", role: "alertdialog", "aria-label": lang.t("Posizione imprecisa", "Imprecise location"),
                        p {
                            {match lang {
                                Lang::It => format!("La posizione è imprecisa (±{} m). Il Comune potrebbe non trovare il punto: spostare il segnaposto o inviare comunque?", acc.round()),
                                Lang::En => format!("The location is imprecise (±{} m). The Comune may not find the place: move the pin, or send anyway?", acc.round()),
                            }}
                        }
                        button { class: "primary", onclick: move |_| send_anyway.clone()(true), {lang.t("Invia comunque", "Send anyway")} }
                        button { onclick: move |_| check.set(Check::None), {lang.t("Sposto il segnaposto", "I'll move the pin")} }
                    }
                },
                Check::Duplicates(dups) => rsx! {
                    div { class: "confirm", role: "alertdialog", "aria-label": lang.t("Forse è già stata segnalata", "Maybe already reported"),
                        p { {lang.t("Qui vicino c'è già una segnalazione simile ancora aperta. Puoi seguirla invece di crearne una nuova:", "A similar open report exists nearby. You can follow it instead of filing a new one:")} }
                        ul { class: "list",
                            for d in dups {
                                li { key: "{d.id}",
                                    p { class: "title", "{category_name(lang, &categories, &d.category)} · {lang.status(&d.status)}" }
                                    p { "{d.description}" }
                                    button {
                                        onclick: {
                                            let core = core.clone();
                                            let d = d.clone();
                                            move |_| {
                                                match core.store.borrow_mut().follow(&d) {
                                                    Ok(()) => {
                                                        check.set(Check::None);
                                                        ui.tell(lang.t("Ora segui questa segnalazione.", "You now follow this report."));
                                                        ui.go(Screen::MyReports);
                                                        ui.changed();
                                                    }
                                                    Err(e) => error.set(Some(e.to_string())),
                                                }
                                            }
                                        },
                                        {lang.t("Segui questa", "Follow this one")}
                                    }
                                }
                            }
                        }
                        button { class: "primary", onclick: move |_| send.clone()(true), {lang.t("È un problema diverso: invia", "It is a different problem: send")} }
                    }
                },
                Check::None => rsx! {
                    button { class: "primary send", onclick: move |_| send_now.clone()(false), {lang.t("Invia segnalazione", "Send report")} }
                },
            }
        }
    }
}

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
            h2 { {lang.t("Sincronizzazione", "Sync")} }
            dl { class: "facts",
                dt { {lang.t("In attesa di invio", "Waiting to be sent")} }
                dd { "{waiting}" }
                dt { {lang.t("Ultima sincronizzazione riuscita", "Last successful sync")} }
                dd {
                    {state.as_ref().and_then(|s| s.last_sync_at).map(|t| lang.when(t)).unwrap_or_else(|| lang.t("mai", "never").into())}
                }
                dt { {lang.t("Server", "Server")} }
                dd { "{core.server_url()}" }
            }
            if view.waiting_for_wifi {
                p { class: "hint", role: "status",
                    {lang.t(
                        "Sei su rete mobile e hai scelto di sincronizzare solo con il Wi-Fi (Impostazioni): tutto resta salvato sul telefono fino ad allora.",
                        "You are on mobile data and chose to sync on Wi-Fi only (Settings): everything stays saved on the phone until then.",
                    )}
                }
            }
            if view.running {
                p { role: "status",
                    {lang.t("In corso", "Running")}
                    ": {view.progress.items_done}/{view.progress.items_total} · {view.progress.bytes_done / 1024} KB"
                }
                progress { max: "{view.progress.items_total.max(1)}", value: "{view.progress.items_done}" }
            }
            if let Some(e) = view.last_error.clone().or_else(|| state.and_then(|s| s.last_error)) {
                div { class: "error", role: "alert",
                    p { {lang.t("Ultimo tentativo non riuscito:", "The last attempt failed:")} }
                    p { class: "detail", "{e}" }
                    if let Some(d) = view.retry_in {
                        p { {match lang { Lang::It => format!("Nuovo tentativo automatico tra {} s.", d.as_secs()), Lang::En => format!("Next automatic attempt in {} s.", d.as_secs()) }} }
                    }
                }
            }
            button { class: "primary", onclick: move |_| c2.sync_now.notify_one(), {lang.t("Sincronizza ora", "Sync now")} }
            if !refused.is_empty() {
                h3 { {lang.t("Da rivedere", "Need attention")} }
                ul { class: "list",
                    for r in refused {
                        li { key: "{r.id}",
                            p { class: "title", "{category_name(lang, &categories, &r.category)}: {r.description}" }
                            if let Some(e) = &r.error {
                                p { class: "reason", "{e.message}" }
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
                                        Err(e) => ui.tell(e.to_string()),
                                    }
                                },
                                {lang.t("Riprova", "Retry")}
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
                ui.tell(lang.t(
                    "L'indirizzo del server deve iniziare con https:// (o http://).",
                    "The server address must start with https:// (or http://).",
                ));
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
                    ui.tell(lang.t("Impostazioni salvate.", "Settings saved."));
                    core.sync_now.notify_one();
                    ui.changed();
                }
                Err(e) => ui.tell(e.to_string()),
            }
        }
    };
    rsx! {
        section { class: "settings",
            h2 { {lang.t("Impostazioni", "Settings")} }
            LanguagePicker {}
            label { r#for: "set-comune", {lang.t("Il tuo Comune", "Your Comune")} }
            select { id: "set-comune", value: "{comune}", onchange: move |e| comune.set(e.value()),
                for c in comuni {
                    option { value: "{c.istat_code.as_str()}", selected: comune() == c.istat_code.as_str(), "{c.name}" }
                }
            }
            label { r#for: "server", {lang.t("Indirizzo del server", "Server address")} }
            input { id: "server", r#type: "url", initial_value: "{server.peek()}", oninput: move |e| server.set(e.value()) }
            label { r#for: "quality", {lang.t("Qualità delle foto", "Photo quality")} }
            select { id: "quality", value: "{quality}", onchange: move |e| quality.set(e.value()),
                option { value: "90", selected: quality() == "90", {lang.t("Alta (file più grandi)", "High (larger files)")} }
                option { value: "82", selected: quality() == "82", {lang.t("Normale", "Normal")} }
                option { value: "70", selected: quality() == "70", {lang.t("Risparmio dati", "Data saver")} }
            }
            div { class: "check",
                input { id: "wifi", r#type: "checkbox", checked: wifi_only(), onchange: move |e| wifi_only.set(e.checked()) }
                label { r#for: "wifi", {lang.t("Sincronizza solo con il Wi-Fi", "Sync on Wi-Fi only")} }
            }
            label { r#for: "tiles", {lang.t("Mappe (indirizzo delle tessere, vuoto per non scaricarle)", "Maps (tile URL, empty to never download)")} }
            input { id: "tiles", r#type: "url", initial_value: "{tiles.peek()}", oninput: move |e| tiles.set(e.value()) }
            button { class: "primary", onclick: save, {lang.t("Salva", "Save")} }
            button { class: "link", onclick: move |_| ui.go(Screen::Sync), {lang.t("Stato della sincronizzazione →", "Sync status →")} }
            button { class: "link", onclick: move |_| ui.go(Screen::Badges), {lang.t("I miei badge →", "My badges →")} }
            button { class: "link", onclick: move |_| ui.go(Screen::Inspector), {lang.t("Modalità ispettore →", "Inspector mode →")} }
            p { class: "hint", "{lang.t(\"Codice del dispositivo\", \"Device id\")}: {core.device_id()}" }
        }
    }
}
