//! The reports' dashboard pages (maud: HTML escaped by construction), in
//! the frame and the language of `crate::dashboard`.

use casa_shared_model::report::Reopen;
use casa_shared_model::{IstatCode, ReportStatus};
use maud::{html, Markup};

use super::{section, QueueQuery, QUEUE_STATUSES, REJECTION_REASONS};
use crate::dashboard::i18n::{self, t, t_with};
use crate::dashboard::pages::{comune_nav, layout};
use crate::platform::auth::Role;
use crate::platform::directory::{ComuneEntry, Directory};
use crate::platform::staff::Staff;
use crate::store::{ReportRecord, TransferRecord};

/// A queue filter's status, as a plural ("Published").
fn status_code_label(code: &str) -> String {
    t(match code {
        "in_moderation" => "rep-filter-in-moderation",
        "published" => "rep-filter-published",
        "assigned_to_department" => "rep-filter-assigned",
        "confirmed_by_inspector" => "rep-filter-confirmed",
        "in_progress" => "rep-filter-in-progress",
        "resolved" => "rep-filter-resolved",
        "rejected" => "rep-filter-rejected",
        _ => "rep-filter-all",
    })
}

/// A report's category in the clerk's language (its code if the Comune no longer has it).
pub(super) fn category_name<'a>(comune: &'a ComuneEntry, code: &'a str) -> &'a str {
    comune.category(code).map(i18n::category).unwrap_or(code)
}

pub struct QueueView<'a> {
    pub staff: &'a Staff,
    pub csrf: &'a str,
    pub comune: &'a ComuneEntry,
    pub comuni: &'a [(IstatCode, String)],
    pub query: &'a QueueQuery,
    pub status: &'a str,
    pub reports: &'a [ReportRecord],
    pub limit: u32,
    /// Every Comune (a transfer may go to one the moderator does not cover).
    pub comuni_all: &'a [(IstatCode, String)],
    /// The live banner counts the reports that arrive after this.
    pub drawn_at: chrono::DateTime<chrono::Utc>,
}

pub fn queue(v: &QueueView) -> Markup {
    let code = v.comune.istat_code.as_str();
    let title = t_with("rep-queue-title", &[("comune", v.comune.name.as_str().into())]);
    layout(
        &title,
        Some((v.staff, v.csrf)),
        html! {
            (comune_nav(v.staff, &v.comune.istat_code, section::QUEUE))
            h1 { (t("rep-queue-heading")) " · " (v.comune.name) }
            (super::live::live_banner(&v.comune.istat_code, v.drawn_at))
            script src="/dashboard/app.js" defer {}
            @if v.comuni.len() > 1 {
                nav aria-label=(t("rep-queue-your-comuni")) class="mb-3" {
                    ul class="list-inline" {
                        @for (c, name) in v.comuni {
                            li class="list-inline-item" {
                                @if c.as_str() == code {
                                    strong aria-current="page" { (name) }
                                } @else {
                                    a href={ "/dashboard/comuni/" (c.as_str()) "/queue" } { (name) }
                                }
                            }
                        }
                    }
                }
            }
            @if !v.query.trasferita.is_empty() {
                div class="alert alert-success" role="status" {
                    @if let Some(name) = v.comuni_all.iter().find(|(c, _)| c.as_str() == v.query.trasferita).map(|(_, n)| n) {
                        (t_with("rep-queue-transferred-to", &[("comune", name.as_str().into())]))
                    } @else {
                        (t("rep-queue-transferred"))
                    }
                }
            }
            form method="get" class="filters row g-3 align-items-end mb-4" aria-label=(t("rep-filters")) {
                div class="col-md-4 form-group" {
                    label for="f-status" { (t("rep-field-status")) }
                    select id="f-status" name="status" class="form-select" {
                        @for s in QUEUE_STATUSES.iter().chain(["all"].iter()) {
                            option value=(s) selected[*s == v.status] { (status_code_label(s)) }
                        }
                    }
                }
                div class="col-md-4 form-group" {
                    label for="f-category" { (t("rep-field-category")) }
                    select id="f-category" name="category" class="form-select" {
                        option value="" { (t("rep-filter-all")) }
                        @for c in &v.comune.categories {
                            option value=(c.code) selected[c.code == v.query.category] { (i18n::category(c)) }
                        }
                    }
                }
                div class="col-md-2 form-group" {
                    label for="f-age" { (t("rep-field-waiting")) }
                    select id="f-age" name="age" class="form-select" {
                        @for value in ["", "1", "3", "7", "30"] {
                            option value=(value) selected[value == v.query.age] {
                                @if value.is_empty() { (t("rep-waiting-any")) } @else { (t_with("rep-waiting-at-least", &[("days", value.into())])) }
                            }
                        }
                    }
                }
                div class="col-md-2" { button type="submit" class="btn btn-primary w-100" { (t("rep-filter-submit")) } }
            }
            @if v.reports.is_empty() {
                p class="lead" role="status" { (t("rep-queue-empty")) }
            } @else {
                (queue_map(v.comune, v.reports))
                p role="status" {
                    @if v.reports.len() as u32 >= v.limit {
                        (t_with("rep-queue-count-capped", &[("n", v.reports.len().into()), ("limit", v.limit.into())]))
                    } @else {
                        (t_with("rep-count", &[("n", v.reports.len().into())]))
                    }
                }
                div class="table-responsive" {
                    table class="table queue" {
                        caption class="visually-hidden" { (t("rep-queue-caption")) }
                        thead { tr { th scope="col" { (t("rep-col-received")) } th scope="col" { (t("rep-field-category")) } th scope="col" { (t("rep-col-description")) } th scope="col" { (t("rep-field-status")) } th scope="col" { (t("rep-col-photos")) } } }
                        tbody {
                            @for r in v.reports {
                                tr {
                                    td { (i18n::when(r.received_at)) }
                                    td { (category_name(v.comune, &r.category)) }
                                    td { a href={ "/dashboard/reports/" (r.id) } { (excerpt(&r.description)) } }
                                    td { (i18n::status(&r.status)) }
                                    td { (r.photos.len()) }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

pub(super) fn excerpt(s: &str) -> String {
    let mut out: String = s.chars().take(90).collect();
    if s.chars().count() > 90 {
        out.push('…');
    }
    out
}

/// Everything the report page shows.
pub struct ReportView<'a> {
    pub staff: &'a Staff,
    pub csrf: &'a str,
    pub directory: &'a Directory,
    pub comune: &'a ComuneEntry,
    pub report: &'a ReportRecord,
    pub reopens: &'a [Reopen],
    pub transfers: &'a [TransferRecord],
    /// Who checks it on site and what they found (`inspection::section`).
    pub inspection: Markup,
    /// The department's form and the report's history (`office::section`).
    pub office: Markup,
    pub done: bool,
}

pub fn report(v: &ReportView) -> Markup {
    let (staff, csrf, comune, r) = (v.staff, v.csrf, v.comune, v.report);
    let category = category_name(comune, &r.category).to_owned();
    let can_moderate = staff.can_moderate(&r.comune);
    let can_publish = can_moderate && r.status.can_become(&ReportStatus::Published);
    let can_reject = can_moderate && r.status.can_become(&ReportStatus::Rejected { reason: String::new() });
    let can_assign = can_moderate && r.status.can_become(&ReportStatus::AssignedToDepartment { department: String::new() });
    let can_duplicate = can_moderate && r.status.can_become(&ReportStatus::DuplicateOf { report_id: r.id });
    let can_recategorize = can_moderate && r.status.is_open();
    let can_transfer = can_moderate
        && matches!(r.status, ReportStatus::InModeration | ReportStatus::Published | ReportStatus::AssignedToDepartment { .. });
    let action = format!("/dashboard/reports/{}/status", r.id);
    let comune_name = |code: &IstatCode| v.directory.comune(code).map(|c| c.name.clone()).unwrap_or_else(|| code.to_string());
    layout(
        &category,
        Some((staff, csrf)),
        html! {
            @if staff.role == Role::Operator {
                p { a href={ "/dashboard/comuni/" (r.comune.as_str()) "/ufficio" } { "← " (t("rep-tab-my-office")) } }
            } @else {
                p { a href={ "/dashboard/comuni/" (r.comune.as_str()) "/queue" } { "← " (t_with("rep-queue-title", &[("comune", comune.name.as_str().into())])) } }
            }
            @if v.done {
                div class="alert alert-success" role="status" { (t_with("rep-report-done", &[("status", i18n::status(&r.status).into())])) }
            }
            h1 { (category) }
            p { span class="badge bg-primary fs-6" { (i18n::status(&r.status)) } }
            @if let ReportStatus::Rejected { reason } = &r.status { p { (t("rep-report-reason")) " " (reason) } }
            @if let ReportStatus::DuplicateOf { report_id } = &r.status {
                p { (t("rep-report-duplicate-of")) " " a href={ "/dashboard/reports/" (report_id) } { (t("rep-report-this-report")) } }
            }
            p class="lead" style="white-space: pre-wrap" { (r.description) }
            dl class="row" {
                dt class="col-sm-3" { (t("rep-field-comune")) } dd class="col-sm-9" { (comune.name) }
                dt class="col-sm-3" { (t("rep-field-department")) } dd class="col-sm-9" { (comune.department_name(&r.department)) }
                dt class="col-sm-3" { (t("rep-field-place")) }
                dd class="col-sm-9" {
                    (format!("{:.5}, {:.5}", r.lat, r.lon)) " (±" (r.accuracy_m.round()) " m) · "
                    a href=(format!("https://www.openstreetmap.org/?mlat={:.6}&mlon={:.6}#map=19/{:.6}/{:.6}", r.lat, r.lon, r.lat, r.lon)) { (t("rep-open-map")) }
                    @if let Some(a) = &r.address { br; (a) }
                }
                dt class="col-sm-3" { (t("rep-col-received")) } dd class="col-sm-9" { (i18n::when(r.received_at)) " (UTC)" }
                dt class="col-sm-3" { (t("rep-field-channel")) } dd class="col-sm-9" { (r.source.as_str()) }
                dt class="col-sm-3" { (t("rep-field-code")) } dd class="col-sm-9" { code { (r.id) } }
            }
            @if !r.photos.is_empty() {
                h2 class="h4" { (t("rep-col-photos")) }
                @if can_moderate {
                    p class="text-secondary" { (t("rep-photos-hint")) }
                }
                div class="row report-photos" {
                    @for (i, sha) in r.photos.iter().enumerate() {
                        figure class="col-md-6" {
                            a href={ "/dashboard/reports/" (r.id) "/photos/" (i + 1) } {
                                img src={ "/dashboard/photos/" (sha) } alt=(t_with("rep-photo-open-alt", &[("n", (i + 1).into())])) loading="lazy";
                            }
                        }
                    }
                }
            }
            @if !v.reopens.is_empty() {
                h2 class="h4" { (t("rep-reopens")) }
                ul {
                    @for o in v.reopens { li { (i18n::when(o.at)) ": «" (o.reason) "»" } }
                }
            }
            @if !v.transfers.is_empty() {
                h2 class="h4" { (t("rep-transfers")) }
                ul {
                    @for tr in v.transfers {
                        li { (i18n::when(tr.at)) ": " (t_with("rep-transfer-from-to", &[("from", comune_name(&tr.from_comune).into()), ("to", comune_name(&tr.to_comune).into())])) " – «" (tr.reason) "»" }
                    }
                }
            }
            (v.inspection)
            (v.office)
            @if can_publish || can_reject || can_assign || can_duplicate || can_recategorize || can_transfer {
                h2 class="h4 mt-4" { (t("rep-actions")) }
                div class="row g-4 actions" {
                    @if can_publish {
                        form method="post" action=(action) class="col-md-4" {
                            input type="hidden" name="csrf" value=(csrf);
                            input type="hidden" name="action" value="publish";
                            button type="submit" class="btn btn-success" { (t("rep-action-publish")) }
                        }
                    }
                    @if can_reject {
                        form method="post" action=(action) class="col-md-4" {
                            input type="hidden" name="csrf" value=(csrf);
                            input type="hidden" name="action" value="reject";
                            label for="reason" class="form-label d-block" { (t("rep-action-reject-reason")) }
                            // No reason is chosen for the moderator: a rejection,
                            // "offensive" above all, is never one click away.
                            select id="reason" name="reason" class="form-select mb-2" required {
                                option value="" selected disabled { (t("rep-choose")) }
                                @for reason in REJECTION_REASONS { option value=(reason) { (reason) } }
                            }
                            button type="submit" class="btn btn-outline-danger" { (t("rep-action-reject")) }
                        }
                    }
                    @if can_assign {
                        form method="post" action=(action) class="col-md-4" {
                            input type="hidden" name="csrf" value=(csrf);
                            input type="hidden" name="action" value="assign";
                            label for="department" class="form-label d-block" { (t("rep-field-department")) }
                            select id="department" name="department" class="form-select mb-2" {
                                @for (code, d) in departments(comune) {
                                    option value=(code) selected[code == r.department] { (d) }
                                }
                            }
                            button type="submit" class="btn btn-outline-primary" { (t("rep-action-assign")) }
                        }
                    }
                    @if can_duplicate {
                        form method="post" action=(action) class="col-md-4" {
                            input type="hidden" name="csrf" value=(csrf);
                            input type="hidden" name="action" value="duplicate";
                            label for="original" class="form-label d-block" { (t("rep-action-original")) }
                            input type="text" id="original" name="original" class="form-control mb-2" required autocomplete="off";
                            button type="submit" class="btn btn-outline-secondary" { (t("rep-action-duplicate")) }
                        }
                    }
                    @if can_recategorize {
                        form method="post" action={ "/dashboard/reports/" (r.id) "/category" } class="col-md-4" {
                            input type="hidden" name="csrf" value=(csrf);
                            label for="category" class="form-label d-block" { (t("rep-field-category")) }
                            select id="category" name="category" class="form-select mb-2" {
                                @for c in &comune.categories {
                                    option value=(c.code) selected[c.code == r.category] { (i18n::category(c)) " → " (comune.department_name(&c.department)) }
                                }
                            }
                            button type="submit" class="btn btn-outline-primary" { (t("rep-action-recategorize")) }
                        }
                    }
                    @if can_transfer {
                        form method="post" action={ "/dashboard/reports/" (r.id) "/transfer" } class="col-md-4" {
                            input type="hidden" name="csrf" value=(csrf);
                            label for="transfer-comune" class="form-label d-block" { (t("rep-action-transfer-to")) }
                            select id="transfer-comune" name="comune" class="form-select mb-2" required {
                                option value="" selected disabled { (t("rep-choose")) }
                                @for code in &v.directory.order {
                                    @if *code != r.comune {
                                        option value=(code.as_str()) { (comune_name(code)) }
                                    }
                                }
                            }
                            label for="transfer-reason" class="form-label d-block" { (t("rep-action-transfer-reason")) }
                            textarea id="transfer-reason" name="reason" class="form-control mb-2" rows="2" minlength="3" maxlength="500" required {}
                            button type="submit" class="btn btn-outline-primary" { (t("rep-action-transfer")) }
                        }
                    }
                }
            }
        },
    )
}

/// One photo, large, with the form that blurs a region of it.
pub fn photo_viewer(staff: &Staff, csrf: &str, comune: &ComuneEntry, r: &ReportRecord, n: usize, done: bool) -> Markup {
    let count = r.photos.len();
    let sha = r.photos.get(n - 1).map(String::as_str).unwrap_or_default();
    let base = format!("/dashboard/reports/{}/photos", r.id);
    let category = category_name(comune, &r.category).to_owned();
    let heading = t_with("rep-photo-n-of", &[("n", n.into()), ("count", count.into())]);
    layout(
        &heading,
        Some((staff, csrf)),
        html! {
            p { a href={ "/dashboard/reports/" (r.id) } { "← " (t_with("rep-photo-back", &[("category", category.as_str().into())])) } }
            h1 { (heading) }
            @if done {
                div class="alert alert-success" role="status" { (t("rep-photo-blurred")) }
            }
            nav aria-label=(t("rep-photo-others")) class="mb-3" {
                @if n > 1 { a class="me-3" href={ (base) "/" (n - 1) } { "← " (t("rep-photo-previous")) } }
                @if n < count { a href={ (base) "/" (n + 1) } { (t("rep-photo-next")) " →" } }
            }
            div class="blur-frame mb-3" {
                img id="blur-target" src={ "/dashboard/photos/" (sha) } alt=(t_with("rep-photo-alt", &[("n", n.into()), ("category", category.as_str().into())])) draggable="false";
            }
            @if staff.can_moderate(&r.comune) {
                h2 class="h4" { (t("rep-blur-heading")) }
                p { (t("rep-blur-hint")) }
                form id="blur-form" method="post" action={ (base) "/" (n) "/blur" } class="row g-3 align-items-end actions" {
                    input type="hidden" name="csrf" value=(csrf);
                    @for (name, label) in [("left", "rep-blur-left"), ("top", "rep-blur-top"), ("width", "rep-blur-width"), ("height", "rep-blur-height")] {
                        div class="col-6 col-md-2" {
                            label for={ "blur-" (name) } class="form-label d-block" { (t(label)) }
                            input type="number" id={ "blur-" (name) } name=(name) class="form-control" min="0" max="100" step="0.1" required;
                        }
                    }
                    div class="col-12 col-md-4" { button type="submit" class="btn btn-primary" { (t("rep-blur-submit")) } }
                }
                script src="/dashboard/app.js" defer {}
            }
        },
    )
}

/// The queue's reports as pins over the Comune's boundary: an SVG drawn on
/// the server, so it needs neither map tiles nor JavaScript.
fn queue_map(comune: &ComuneEntry, reports: &[ReportRecord]) -> Markup {
    const W: f64 = 640.0;
    const H: f64 = 400.0;
    let rings: &[Vec<[f64; 2]>] = comune.outline.as_ref().map(|o| o.rings.as_slice()).unwrap_or(&[]);
    let points = rings.iter().flatten().map(|[lon, lat]| (*lat, *lon)).chain(reports.iter().map(|r| (r.lat, r.lon)));
    let (min_lat, max_lat, min_lon, max_lon) =
        points.fold((f64::MAX, f64::MIN, f64::MAX, f64::MIN), |(a, b, c, d), (lat, lon)| (a.min(lat), b.max(lat), c.min(lon), d.max(lon)));
    if min_lat > max_lat {
        return html! {};
    }
    // Equirectangular with the longitude shrunk by cos(latitude): true
    // proportions at a Comune's scale.
    let kx = ((min_lat + max_lat) / 2.0).to_radians().cos();
    let span_x = ((max_lon - min_lon) * kx).max(0.002);
    let span_y = (max_lat - min_lat).max(0.002);
    let scale = (W - 20.0) / span_x;
    let scale = scale.min((H - 20.0) / span_y);
    let ox = (W - span_x * scale) / 2.0;
    let oy = (H - span_y * scale) / 2.0;
    let to_xy = |lat: f64, lon: f64| (ox + (lon - min_lon) * kx * scale, oy + (max_lat - lat) * scale);
    let mut path = String::new();
    for ring in rings {
        for (i, [lon, lat]) in ring.iter().enumerate() {
            let (x, y) = to_xy(*lat, *lon);
            path.push_str(&format!("{}{x:.1} {y:.1} ", if i == 0 { "M" } else { "L" }));
        }
        path.push_str("Z ");
    }
    html! {
        figure class="mb-4" {
            svg class="queue-map" viewBox=(format!("0 0 {W} {H}")) width=(W) height=(H) role="group" aria-labelledby="map-title" xmlns="http://www.w3.org/2000/svg" {
                title id="map-title" { (t_with("rep-map-title", &[("comune", comune.name.as_str().into())])) }
                @if !path.is_empty() {
                    path d=(path.trim_end()) fill="#ffffff" stroke="#0066cc" stroke-width="1.5" {}
                }
                @for r in reports {
                    @let (x, y) = to_xy(r.lat, r.lon);
                    a href={ "/dashboard/reports/" (r.id) } aria-label=(format!("{} – {}", i18n::status(&r.status), excerpt(&r.description))) {
                        circle cx=(format!("{x:.1}")) cy=(format!("{y:.1}")) r="7"
                            fill=(if r.status == ReportStatus::InModeration { "#d1344c" } else { "#0066cc" }) stroke="#ffffff" stroke-width="2" {}
                    }
                }
            }
            figcaption class="small text-secondary" { (t("rep-map-caption")) }
        }
    }
}

pub(super) fn departments(comune: &ComuneEntry) -> Vec<(String, String)> {
    let mut d: Vec<(String, String)> = comune.departments.values().map(|d| (d.code.clone(), d.name_it.clone())).collect();
    d.sort_by(|a, b| a.1.cmp(&b.1));
    d
}
