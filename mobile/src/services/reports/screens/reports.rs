//! The citizen's reports, one report's story, and public reports nearby.

use casa_shared_model::geo::{haversine_m, GeoPoint};
use casa_shared_model::wire::NearbyQuery;
use casa_shared_model::{ReportId, ReportStatus};
use chrono::Utc;
use dioxus::prelude::*;

use super::map::{Map, Pin};
use crate::app::i18n::category_name;
use crate::app::state::{Core, Screen, Ui};
use crate::platform::LocationSource;
use crate::store::Step;

use crate::app::screens::*;

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
            h2 { {lang.tr("reports-my-reports")} }
            if reports.is_empty() {
                p { class: "empty", {lang.tr("reports-you-have-not-filed-any-report")} }
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
                                    {lang.tr("reports-needs-attention")}
                                } else if r.pending {
                                    {lang.tr("reports-waiting-to-be-sent")}
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
                h2 { {lang.tr("reports-reports-you-follow")} }
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
            section { p { {lang.tr("reports-report-not-found")} } }
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
        lang.tr("reports-needs-attention").to_owned()
    } else if r.pending {
        lang.tr("reports-waiting-to-be-sent").to_owned()
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
            Err(e) => ui.fail(&e),
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
                    ui.tell(lang.tr("reports-reopen-request-saved-it-leaves-with"));
                    ui.changed();
                }
                Ok(Err(refused)) => reopen_error.set(Some(lang.explain(&refused))),
                Err(e) => ui.fail(&e),
            }
        }
    };
    rsx! {
        section { class: "report-detail",
            button { class: "link back", onclick: move |_| ui.go(Screen::MyReports), {lang.tr("reports-my-reports-2")} }
            h2 { "{category_name(lang, &categories, &r.category)}" }
            p { class: "status status-{r.status.code()} big", "{current}" }
            p { class: "desc", "{r.description}" }
            if let Some(err) = &r.error {
                div { class: "error", role: "alert",
                    p { {lang.refusal(&err.code)} }
                    button { onclick: retry, {lang.tr("reports-try-sending-again")} }
                }
            }
            dl { class: "facts",
                dt { {lang.tr("reports-comune")} }
                dd { {r.comune_name.clone().unwrap_or_else(|| lang.tr("reports-set-when-sent"))} }
                dt { {lang.tr("reports-department-in-charge")} }
                dd { {r.department_name.clone().unwrap_or_else(|| lang.tr("reports-set-when-sent"))} }
                dt { {lang.tr("reports-place")} }
                dd { "{r.lat:.5}, {r.lon:.5}" if r.accuracy_m > 0.0 { " (±{r.accuracy_m.round()} m)" } }
                dt { {lang.tr("reports-filed")} }
                dd { "{lang.when(r.captured_at)}" }
            }
            if !photos.is_empty() {
                ul { class: "attached",
                    for (i, src) in photos.into_iter().enumerate() {
                        li { img { src: "{src}", alt: "{lang.tr(\"reports-photo\")} {i + 1}" } }
                    }
                }
            }
            h3 { {lang.tr("reports-timeline")} }
            ol { class: "timeline",
                for e in events {
                    li {
                        match &e.step {
                            Step::Status(status) => rsx! {
                                span { class: "status status-{status.code()}",
                                    if *status == ReportStatus::Submitted {
                                        {lang.tr("reports-saved-on-the-phone")}
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
                                span { class: "status status-reopened", {lang.tr("reports-reopened-by-you")} }
                                " · {lang.when(e.at)}"
                                p { class: "reason", "«{reason}»" }
                                if *pending {
                                    p { class: "muted", {lang.tr("reports-waiting-to-be-sent")} }
                                }
                                if let Some(refused) = refused {
                                    p { class: "error", role: "alert", {lang.refusal(refused)} }
                                }
                            },
                        }
                    }
                }
            }
            if can_reopen {
                form { class: "reopen",
                    onsubmit: move |e| e.prevent_default(),
                    h3 { {lang.tr("reports-is-the-problem-not-fixed")} }
                    label { r#for: "reopen-reason", {lang.tr("reports-why-it-should-be-reopened")} }
                    textarea {
                        id: "reopen-reason",
                        rows: "2",
                        maxlength: "500",
                        placeholder: lang.tr("reports-e-g-the-pothole-was-filled"),
                        initial_value: "{reopen_reason.peek()}",
                        oninput: move |e| reopen_reason.set(e.value()),
                    }
                    if let Some(err) = reopen_error() {
                        p { class: "error", role: "alert", "{err}" }
                    }
                    button { r#type: "button", onclick: reopen, {lang.tr("reports-reopen-the-report")} }
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
    let refresh = {
        let core = core.clone();
        move |_| {
            if let Ok(mut w) = core.nearby_wanted.lock() {
                *w = Some(NearbyQuery { lat, lon, radius_m: NEARBY_RADIUS_M });
            }
            core.sync_now.notify_one();
            ui.tell(lang.tr("reports-nearby-reports-will-be-updated-at"));
        }
    };
    rsx! {
        section { class: "nearby",
            h2 { {lang.tr("reports-nearby")} }
            Map {
                lat,
                lon,
                span_m: 1500.0,
                label: lang.tr("reports-map-of-nearby-reports").to_owned(),
                pins,
                mine: fix.map(|f| (f.lat, f.lon, f.accuracy_m)),
                tile_url: core.tile_url(),
                outlines,
            }
            p { class: "hint",
                match origin {
                    Some((_, at)) => format!("{} {}", lang.tr("reports-updated"), lang.ago(at, Utc::now())),
                    None => lang.tr("reports-not-fetched-yet-needs-a-network").to_owned(),
                }
            }
            button { onclick: refresh, {lang.tr("reports-refresh")} }
            if reports.is_empty() {
                p { class: "empty", {lang.tr("reports-no-public-reports-around-here")} }
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
