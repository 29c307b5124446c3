//! Filing a report: photos, place, category, description, duplicates.

use casa_shared_model::report::MAX_PHOTOS;
use casa_shared_model::wire::{PublicReport, ReportPayload};
use casa_shared_model::{NewReport, ReportId};
use chrono::Utc;
use dioxus::prelude::*;

use super::map::Map;
use crate::app::i18n::category_name;
use crate::app::state::{Core, Screen, Ui};
use crate::explain::FileUnreadable;
use crate::photo;
use crate::platform::LocationSource;
use crate::suggest::{suggest, suggest_category};

use crate::app::screens::*;

/// A photo attached to the report being written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Attached {
    sha256: casa_shared_model::report::PhotoRef,
    preview: String,
}

/// What stops the report from being sent yet.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Check {
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
                error.set(Some(lang.tr("reports-at-most-5-photos")));
                return;
            }
            let processed = match photo::process(&bytes, core.photo_quality()) {
                Ok(p) => p,
                Err(e) => {
                    error.set(Some(lang.explain(&e)));
                    return;
                }
            };
            if photos().iter().any(|a| a.sha256 == processed.sha256) {
                return;
            }
            if let Err(e) = core.store.borrow_mut().save_photo(&processed) {
                error.set(Some(lang.explain(&e)));
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
            Err(cause) => error.set(Some(lang.explain(&FileUnreadable { path, cause }))),
        }
    };

    let send = {
        let core = core.clone();
        move |confirmed: bool| {
            let Some((lat, lon, accuracy_m)) = pin() else {
                error.set(Some(lang.tr("reports-place-the-pin-on-the-map")));
                return;
            };
            let Some(category) = chosen_category()
                .or_else(|| suggest_category(&description(), core.categories().iter().map(|c| c.code.as_str())).map(str::to_owned))
            else {
                error.set(Some(lang.tr("reports-choose-a-category")));
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
                    error.set(Some(lang.explain(&e)));
                    check.set(Check::None);
                    return;
                }
            };
            if let Err(e) = core.store.borrow_mut().capture(&report) {
                error.set(Some(lang.explain(&e)));
                return;
            }
            core.sync_now.notify_one();
            photos.set(Vec::new());
            description.set(String::new());
            chosen_category.set(None);
            check.set(Check::None);
            error.set(None);
            ui.tell(lang.tr("reports-report-saved-it-will-be-sent"));
            ui.go(Screen::Report(report.id));
            ui.changed();
        }
    };
    let send_now = send.clone();
    let send_anyway = send.clone();

    rsx! {
        section { class: "new-report",
            h2 { {lang.tr("reports-new-report")} }

            fieldset { class: "photos",
                legend { {lang.tr("reports-photos")} " ({photos().len()}/{MAX_PHOTOS})" }
                if !photos().is_empty() {
                    ul { class: "attached",
                        for (i, p) in photos().into_iter().enumerate() {
                            li { key: "{p.sha256.as_str()}",
                                img { src: "{p.preview}", alt: "{lang.tr(\"reports-attached-photo\")} {i + 1}" }
                                button {
                                    class: "link",
                                    "aria-label": "{lang.tr(\"reports-remove-photo\")} {i + 1}",
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
                        p { class: "hint", {lang.tr("reports-tap-a-photo-to-attach-it")} }
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
                        {lang.tr("reports-take-or-choose-a-photo")}
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

            label { r#for: "description", {lang.tr("reports-what-is-the-problem")} }
            textarea {
                id: "description",
                rows: "3",
                maxlength: "2000",
                placeholder: lang.tr("reports-e-g-deep-pothole-in-front"),
                // Not controlled: writing the value back on each keystroke
                // loses characters typed while a render is on its way.
                initial_value: "{description.peek()}",
                oninput: move |e| description.set(e.value()),
            }

            fieldset { class: "categories",
                legend { {lang.tr("reports-category")} }
                if chosen_category().is_none() {
                    if let Some(code) = suggestion.as_deref() {
                        p { class: "hint", role: "status",
                            {lang.tr("reports-suggested-from-the-description")}
                            strong { "{category_name(lang, &categories, code)}" }
                        }
                        if photo_advised {
                            p { class: "hint",
                                {lang.tr("reports-a-photo-helps-the-department-see")}
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
                legend { {lang.tr("reports-place")} }
                match pin() {
                    Some((_, _, acc)) if acc > 0.0 => rsx! {
                        p { class: if acc > POOR_ACCURACY_M { "accuracy poor" } else { "accuracy" },
                            "GPS ±{acc.round()} m · "
                            {lang.tr("reports-tap-the-map-to-move-the")}
                        }
                    },
                    Some(_) => rsx! { p { class: "accuracy", {lang.tr("reports-place-picked-on-the-map")} } },
                    None => rsx! { p { class: "accuracy poor", {lang.tr("reports-no-location-tap-the-map-where")} } },
                }
                Map {
                    lat: map_lat,
                    lon: map_lon,
                    span_m: 400.0,
                    label: lang.tr("reports-map-of-the-report-s-place").to_owned(),
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
                    div { class: "confirm", role: "alertdialog", "aria-label": lang.tr("reports-imprecise-location"),
                        p {
                            {lang.tr_with("reports-imprecise-location-question", &[("accuracy", acc.round().into())])}
                        }
                        button { class: "primary", onclick: move |_| send_anyway.clone()(true), {lang.tr("reports-send-anyway")} }
                        button { onclick: move |_| check.set(Check::None), {lang.tr("reports-i-ll-move-the-pin")} }
                    }
                },
                Check::Duplicates(dups) => rsx! {
                    div { class: "confirm", role: "alertdialog", "aria-label": lang.tr("reports-maybe-already-reported"),
                        p { {lang.tr("reports-a-similar-open-report-exists-nearby")} }
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
                                                        ui.tell(lang.tr("reports-you-now-follow-this-report"));
                                                        ui.go(Screen::MyReports);
                                                        ui.changed();
                                                    }
                                                    Err(e) => error.set(Some(lang.explain(&e))),
                                                }
                                            }
                                        },
                                        {lang.tr("reports-follow-this-one")}
                                    }
                                }
                            }
                        }
                        button { class: "primary", onclick: move |_| send.clone()(true), {lang.tr("reports-it-is-a-different-problem-send")} }
                    }
                },
                Check::None => rsx! {
                    button { class: "primary send", onclick: move |_| send_now.clone()(false), {lang.tr("reports-send-report")} }
                },
            }
        }
    }
}
