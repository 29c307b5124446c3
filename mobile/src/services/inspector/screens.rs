//! The inspector mode's screen: log in, the reports to check (kept on the
//! phone for work without network), and "confirm on site" / "not found",
//! checked at once with the server's own rules.

use casa_shared_model::geo::{haversine_m, GeoPoint};
use casa_shared_model::inspection::{InspectionOutcome, CONFIRM_RADIUS_M};
use casa_shared_model::ReportId;
use chrono::{DateTime, Utc};
use dioxus::prelude::*;

use crate::app::i18n::category_name;
use crate::app::state::{Core, Screen, Ui};
use crate::explain::FileUnreadable;
use crate::inspector::{self, SiteFix};
use crate::platform::LocationSource;
use crate::store::LocalStore;
use crate::{photo, Client};

/// The network part of a login or sync runs on its own connection to the
/// store (as the background sync does), so no borrow of the screens' store
/// is held across the wait.
async fn with_own_store<T>(
    core: &Core,
    work: impl AsyncFnOnce(&mut LocalStore, &Client) -> Result<T, inspector::InspectorError>,
) -> Result<T, inspector::InspectorError> {
    let mut store = LocalStore::open(&core.opts.data_dir)?;
    let client = Client::for_store(&core.server_url(), &store);
    work(&mut store, &client).await
}

#[component]
pub fn InspectorScreen() -> Element {
    let core = use_context::<Core>();
    let ui = use_context::<Ui>();
    let _ = (ui.revision)();
    let lang = (ui.lang)();
    let mut email = use_signal(String::new);
    let mut password = use_signal(String::new);
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<String>);
    let session = core.store.borrow().inspector_session().ok().flatten();

    let login = {
        let core = core.clone();
        move |_| {
            let core = core.clone();
            busy.set(true);
            spawn(async move {
                let (e, p) = (email.peek().trim().to_owned(), password.peek().clone());
                let result = with_own_store(&core, async |store, client| inspector::login(store, client, &e, &p).await).await;
                busy.set(false);
                match result {
                    Ok(_) => {
                        password.set(String::new());
                        error.set(None);
                        ui.changed();
                    }
                    Err(e) => error.set(Some(lang.explain(&e))),
                }
            });
        }
    };
    let sync = {
        let core = core.clone();
        move |_| {
            let core = core.clone();
            busy.set(true);
            spawn(async move {
                let result = with_own_store(&core, async |store, client| inspector::sync(store, client).await).await;
                busy.set(false);
                match result {
                    Ok(s) => {
                        error.set(None);
                        ui.tell(format!(
                            "{}: {} / {} · {} {}",
                            lang.tr("inspector-visits-accepted-refused"),
                            s.accepted,
                            s.refused,
                            s.assignments,
                            lang.tr("inspector-to-check")
                        ));
                    }
                    Err(e) => error.set(Some(lang.explain(&e))),
                }
                ui.changed();
            });
        }
    };
    let logout = {
        let core = core.clone();
        move |_| {
            if let Err(e) = core.store.borrow_mut().clear_inspector_session() {
                error.set(Some(lang.explain(&e)));
            }
            ui.changed();
        }
    };

    let Some(session) = session else {
        return rsx! {
            section { class: "inspector",
                button { class: "link back", onclick: move |_| ui.go(Screen::Settings), {lang.tr("inspector-settings")} }
                h2 { {lang.tr("inspector-inspector-mode")} }
                p { class: "hint",
                    {lang.tr("inspector-for-staff-who-inspect-reports-on")}
                }
                label { r#for: "insp-email", {lang.tr("inspector-email")} }
                input { id: "insp-email", r#type: "email", autocomplete: "username", oninput: move |e| email.set(e.value()) }
                label { r#for: "insp-password", {lang.tr("inspector-password")} }
                input { id: "insp-password", r#type: "password", autocomplete: "current-password", oninput: move |e| password.set(e.value()) }
                if let Some(e) = error() {
                    p { class: "error", role: "alert", "{e}" }
                }
                button { class: "primary", disabled: busy(), onclick: login, {lang.tr("inspector-log-in")} }
            }
        };
    };

    let assignments = core.store.borrow().assignments().unwrap_or_default();
    let fix = core.opts.location.current();
    let categories = core.categories();
    rsx! {
        section { class: "inspector",
            button { class: "link back", onclick: move |_| ui.go(Screen::Settings), {lang.tr("inspector-settings")} }
            h2 { {lang.tr("inspector-site-inspections")} }
            p { class: "hint", "{session.email}" }
            div { class: "row",
                button { class: "primary", disabled: busy(), onclick: sync, {lang.tr("inspector-sync")} }
                button { class: "link", onclick: logout, {lang.tr("inspector-log-out")} }
            }
            if let Some(e) = error() {
                p { class: "error", role: "alert", "{e}" }
            }
            if assignments.is_empty() {
                p { {lang.tr("inspector-nothing-to-inspect")} }
            }
            ul { class: "cards",
                for a in assignments {
                    li { key: "{a.assignment.report_id}", class: "card",
                        h3 { {category_name(lang, &categories, &a.assignment.category)} " · {a.assignment.comune_name}" }
                        p { "{a.assignment.description}" }
                        if let Some(i) = &a.assignment.instructions {
                            p { class: "hint", {lang.tr("inspector-instructions")} ": {i}" }
                        }
                        if let Some(f) = fix {
                            p { class: "distance",
                                {format!(
                                    "{} {:.0} m (±{:.0} m)",
                                    lang.tr("inspector-you-are"),
                                    haversine_m(GeoPoint { lat: f.lat, lon: f.lon }, GeoPoint { lat: a.assignment.lat, lon: a.assignment.lon }),
                                    f.accuracy_m
                                )}
                            }
                        } else {
                            p { class: "error", {lang.tr("inspector-no-gps-fix")} }
                        }
                        for v in a.inspections.iter() {
                            p { class: if v.error_code.is_some() { "error" } else { "status" },
                                {match (&v.error_code, v.pending) {
                                    (Some(code), _) => format!("{} {}", lang.tr("inspector-refused"), lang.refusal(code)),
                                    (None, true) => lang.tr("inspector-recorded-it-will-be-sent-at").to_owned(),
                                    (None, false) => lang.tr("inspector-sent-and-accepted").to_owned(),
                                }}
                            }
                        }
                        Visit { report: a.assignment.report_id }
                    }
                }
            }
        }
    }
}

/// The two answers an inspector gives on site for one report.
#[component]
fn Visit(report: ReportId) -> Element {
    let core = use_context::<Core>();
    let ui = use_context::<Ui>();
    let lang = (ui.lang)();
    let mut note = use_signal(String::new);
    let mut chosen = use_signal(|| None::<std::path::PathBuf>);
    let mut refusal = use_signal(|| None::<String>);
    let available = core.photos_available();
    let record = {
        let core = core.clone();
        move |outcome: InspectionOutcome| {
            let Some(f) = core.opts.location.current() else {
                refusal.set(Some(lang.tr("inspector-no-gps-fix").to_owned()));
                return;
            };
            let fix = SiteFix { lat: f.lat, lon: f.lon, accuracy_m: f.accuracy_m, at: Utc::now() };
            let photo = match (outcome, chosen()) {
                (InspectionOutcome::Confirmed, Some(path)) => {
                    let taken: Option<DateTime<Utc>> = std::fs::metadata(&path).and_then(|m| m.modified()).ok().map(Into::into);
                    let processed = match std::fs::read(&path) {
                        Ok(bytes) => photo::process(&bytes, core.photo_quality()).map_err(|e| lang.explain(&e)),
                        Err(cause) => Err(lang.explain(&FileUnreadable { path: path.clone(), cause })),
                    };
                    match (processed, taken) {
                        (Ok(p), Some(t)) => Some((p, t)),
                        (Err(e), _) => {
                            refusal.set(Some(e));
                            return;
                        }
                        (Ok(_), None) => {
                            refusal.set(Some(lang.tr("inspector-unknown-photo-time").to_owned()));
                            return;
                        }
                    }
                }
                _ => None,
            };
            let note = Some(note.peek().clone()).filter(|n| !n.trim().is_empty());
            let outcome_of = inspector::record_visit(
                &mut core.store.borrow_mut(),
                report,
                outcome,
                fix,
                photo.as_ref().map(|(p, t)| (p, *t)),
                note.as_deref(),
            );
            match outcome_of {
                Ok(Ok(_)) => {
                    refusal.set(None);
                    ui.changed();
                }
                Ok(Err(e)) => refusal.set(Some(lang.explain(&e))),
                Err(e) => refusal.set(Some(lang.explain(&e))),
            }
        }
    };
    let confirm = {
        let record = record.clone();
        move |_| record.clone()(InspectionOutcome::Confirmed)
    };
    let not_found = move |_| record.clone()(InspectionOutcome::NotFound);
    let photo_id = format!("photo-{report}");
    let note_id = format!("note-{report}");
    rsx! {
        div { class: "visit",
            label { r#for: "{photo_id}", {lang.tr("inspector-photo-taken-now-on-site")} }
            select { id: "{photo_id}", onchange: move |e| chosen.set(Some(std::path::PathBuf::from(e.value()))),
                option { value: "", {lang.tr("inspector-choose-a-photo")} }
                for p in available {
                    option { value: "{p.display()}", {p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()} }
                }
            }
            label { r#for: "{note_id}", {lang.tr("inspector-note")} }
            textarea { id: "{note_id}", rows: 2, oninput: move |e| note.set(e.value()) }
            if let Some(r) = refusal() {
                p { class: "error", role: "alert", "{r}" }
            }
            p { class: "hint",
                {format!(
                    "{} {CONFIRM_RADIUS_M:.0} m {}",
                    lang.tr("inspector-to-confirm-you-must-be-within"),
                    lang.tr("inspector-accuracy-included-and-attach-a-recent")
                )}
            }
            button { class: "primary", onclick: confirm, {lang.tr("inspector-confirm-on-site")} }
            button { class: "secondary", onclick: not_found, {lang.tr("inspector-not-found")} }
        }
    }
}
