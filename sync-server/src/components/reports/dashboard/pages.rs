//! The dashboard's pages (maud: HTML escaped by construction), in Bootstrap
//! Italia's look. Italian first; English where a word could be missed.

use casa_shared_model::report::Reopen;
use casa_shared_model::{IstatCode, ReportStatus};
use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::{QueueQuery, QUEUE_STATUSES, REJECTION_REASONS};
use crate::platform::auth::Role;
use crate::platform::directory::{ComuneEntry, Directory};
use crate::platform::staff::Staff;
use crate::store::{ReportRecord, TransferRecord};

/// What Bootstrap Italia leaves to us: a readable table on a phone and
/// photos that fit.
const EXTRA_CSS: &str = "
.report-photos img{max-width:100%;height:auto;border:1px solid #d9dadb;border-radius:4px}
.queue td{vertical-align:top}
.filters .form-group{margin-bottom:1rem}
.filters label{position:static;transform:none;font-size:1rem;font-weight:600;color:#17324d}
.login-card{max-width:28rem}
.login-card label{position:static;transform:none;font-weight:600;color:#17324d}
.actions label{position:static;transform:none;font-size:1rem;font-weight:600;color:#17324d}
.blur-frame{position:relative;display:inline-block;max-width:100%;touch-action:none;cursor:crosshair}
.blur-frame img{max-width:100%;height:auto;display:block;user-select:none}
.blur-box{position:absolute;border:2px dashed #d1344c;background:rgba(209,52,76,.25);pointer-events:none}
.queue-map{max-width:100%;height:auto;background:#f2f7fc;border:1px solid #d9dadb;border-radius:4px}
.queue-map a:focus circle{stroke:#000;stroke-width:3}
";

pub(super) fn role_label(role: Role) -> &'static str {
    match role {
        Role::Admin => "amministratore metropolitano",
        Role::Moderator => "moderatore",
        Role::Inspector => "ispettore",
        Role::Operator => "operatore di ufficio",
    }
}

fn status_code_label(code: &str) -> &'static str {
    match code {
        "in_moderation" => "In moderazione",
        "published" => "Pubblicate",
        "assigned_to_department" => "Assegnate a un ufficio",
        "confirmed_by_inspector" => "Confermate dal sopralluogo",
        "in_progress" => "In lavorazione",
        "resolved" => "Risolte",
        "rejected" => "Respinte",
        _ => "Tutte",
    }
}

pub(crate) fn layout(title: &str, staff: Option<(&Staff, &str)>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="it" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " – Casa del Cittadino" }
                link rel="stylesheet" href="/dashboard/static/css/bootstrap-italia.min.css";
                style { (PreEscaped(EXTRA_CSS)) }
            }
            body {
                a class="visually-hidden-focusable" href="#main" { "Vai al contenuto principale" }
                header class="it-header-wrapper" {
                    div class="it-header-center-wrapper" {
                        div class="container" {
                            div class="it-header-center-content-wrapper d-flex align-items-center" {
                                div class="it-brand-wrapper" {
                                    a href="/dashboard" {
                                        div class="it-brand-text" {
                                            div class="it-brand-title" { "Casa del Cittadino" }
                                            div class="it-brand-tagline d-none d-md-block" { "Pannello del personale · " span lang="en" { "Staff dashboard" } }
                                        }
                                    }
                                }
                                @if let Some((staff, csrf)) = staff {
                                    div class="ms-auto text-white text-end" {
                                        span class="d-none d-md-inline" { (staff.email) " · " (role_label(staff.role)) }
                                        form method="post" action="/dashboard/logout" class="d-inline ms-3" {
                                            input type="hidden" name="csrf" value=(csrf);
                                            button type="submit" class="btn btn-sm btn-outline-light" { "Esci" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                main id="main" class="container my-4" { (body) }
            }
        }
    }
}

/// The parts of a Comune's dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Queue,
    Office,
    Stats,
    Petitions,
}

/// Tabs to a Comune's queue, department view and statistics, as the role allows.
pub fn comune_nav(staff: &Staff, code: &str, current: Section) -> Markup {
    let mut tabs = Vec::new();
    if matches!(staff.role, Role::Admin | Role::Moderator) {
        tabs.push((Section::Queue, "Moderazione", format!("/dashboard/comuni/{code}/queue")));
    }
    match staff.role {
        Role::Operator => tabs.push((Section::Office, "Il mio ufficio", format!("/dashboard/comuni/{code}/ufficio"))),
        Role::Admin | Role::Moderator => tabs.push((Section::Office, "Uffici", format!("/dashboard/comuni/{code}/ufficio"))),
        Role::Inspector => {}
    }
    tabs.push((Section::Stats, "Statistiche", format!("/dashboard/comuni/{code}/statistiche")));
    if matches!(staff.role, Role::Admin | Role::Moderator) {
        tabs.push((Section::Petitions, "Petizioni", format!("/dashboard/comuni/{code}/petizioni")));
    }
    html! {
        nav aria-label="Sezioni del Comune" class="mb-4" {
            ul class="nav nav-tabs" {
                @for (section, label, href) in &tabs {
                    li class="nav-item" {
                        @if *section == current {
                            a class="nav-link active" aria-current="page" href=(href) { (label) }
                        } @else {
                            a class="nav-link" href=(href) { (label) }
                        }
                    }
                }
            }
        }
    }
}

pub fn error_page(status: u16, title: &str, text: &str) -> Markup {
    layout(
        title,
        None,
        html! {
            h1 { (title) }
            p class="lead" { (text) }
            p class="text-secondary" { "Codice HTTP " (status) }
            p { a href="/dashboard" { "Torna al pannello" } }
        },
    )
}

pub fn login(csrf: &str, error: Option<&str>, email: &str) -> Markup {
    layout(
        "Accesso",
        None,
        html! {
            div class="login-card mx-auto" {
                h1 { "Accesso del personale" }
                p { "Per moderatori, ispettori e uffici dei Comuni. " span lang="en" { "Staff sign-in." } }
                @if let Some(e) = error {
                    div class="alert alert-danger" role="alert" { (e) }
                }
                form method="post" action="/dashboard/login" novalidate {
                    input type="hidden" name="csrf" value=(csrf);
                    div class="mb-3" {
                        label for="email" class="form-label d-block" { "Email" }
                        input type="email" class="form-control" id="email" name="email" value=(email) autocomplete="username" required;
                    }
                    div class="mb-4" {
                        label for="password" class="form-label d-block" { "Password" }
                        input type="password" class="form-control" id="password" name="password" autocomplete="current-password" required;
                    }
                    button type="submit" class="btn btn-primary" { "Accedi" }
                }
                p class="mt-4 text-secondary small" {
                    "Dopo alcuni tentativi falliti bisogna attendere qualche istante prima di riprovare. L'accesso con SPID o CIE arriverà qui."
                }
            }
        },
    )
}

pub fn no_comuni(staff: &Staff, csrf: &str) -> Markup {
    layout(
        "Nessun Comune",
        Some((staff, csrf)),
        html! {
            h1 { "Nessun Comune assegnato" }
            p { "Il tuo account non ha ancora un Comune: chiedi all'amministratore metropolitano di assegnartelo." }
        },
    )
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
    let title = format!("Segnalazioni di {}", v.comune.name);
    layout(
        &title,
        Some((v.staff, v.csrf)),
        html! {
            (comune_nav(v.staff, code, Section::Queue))
            h1 { "Segnalazioni · " (v.comune.name) }
            (super::live::live_banner(&v.comune.istat_code, v.drawn_at))
            script src="/dashboard/app.js" defer {}
            @if v.comuni.len() > 1 {
                nav aria-label="I tuoi Comuni" class="mb-3" {
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
                    "Segnalazione trasferita"
                    @if let Some(name) = v.comuni_all.iter().find(|(c, _)| c.as_str() == v.query.trasferita).map(|(_, n)| n) { " al Comune di " (name) }
                    ": ora è nella sua coda di moderazione."
                }
            }
            form method="get" class="filters row g-3 align-items-end mb-4" aria-label="Filtri" {
                div class="col-md-4 form-group" {
                    label for="f-status" { "Stato" }
                    select id="f-status" name="status" class="form-select" {
                        @for s in QUEUE_STATUSES.iter().chain(["all"].iter()) {
                            option value=(s) selected[*s == v.status] { (status_code_label(s)) }
                        }
                    }
                }
                div class="col-md-4 form-group" {
                    label for="f-category" { "Categoria" }
                    select id="f-category" name="category" class="form-select" {
                        option value="" { "Tutte" }
                        @for c in &v.comune.categories {
                            option value=(c.code) selected[c.code == v.query.category] { (c.name_it) }
                        }
                    }
                }
                div class="col-md-2 form-group" {
                    label for="f-age" { "In attesa da" }
                    select id="f-age" name="age" class="form-select" {
                        @for (value, label) in [("", "qualsiasi"), ("1", "almeno 1 giorno"), ("3", "almeno 3 giorni"), ("7", "almeno 7 giorni"), ("30", "almeno 30 giorni")] {
                            option value=(value) selected[value == v.query.age] { (label) }
                        }
                    }
                }
                div class="col-md-2" { button type="submit" class="btn btn-primary w-100" { "Filtra" } }
            }
            @if v.reports.is_empty() {
                p class="lead" role="status" { "Nessuna segnalazione con questi filtri." }
            } @else {
                (queue_map(v.comune, v.reports))
                p role="status" {
                    (v.reports.len()) " segnalazioni"
                    @if v.reports.len() as u32 >= v.limit { " (le prime " (v.limit) ": restringi i filtri)" }
                }
                div class="table-responsive" {
                    table class="table queue" {
                        caption class="visually-hidden" { "Segnalazioni, dalla più vecchia" }
                        thead { tr { th scope="col" { "Ricevuta" } th scope="col" { "Categoria" } th scope="col" { "Descrizione" } th scope="col" { "Stato" } th scope="col" { "Foto" } } }
                        tbody {
                            @for r in v.reports {
                                tr {
                                    td { (r.received_at.format("%d/%m/%Y %H:%M")) }
                                    td { (v.comune.category(&r.category).map(|c| c.name_it.as_str()).unwrap_or(&r.category)) }
                                    td { a href={ "/dashboard/reports/" (r.id) } { (excerpt(&r.description)) } }
                                    td { (r.status.label_it()) }
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
    let category = comune.category(&r.category).map(|c| c.name_it.clone()).unwrap_or_else(|| r.category.clone());
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
                p { a href={ "/dashboard/comuni/" (r.comune.as_str()) "/ufficio" } { "← Il mio ufficio" } }
            } @else {
                p { a href={ "/dashboard/comuni/" (r.comune.as_str()) "/queue" } { "← Segnalazioni di " (comune.name) } }
            }
            @if v.done {
                div class="alert alert-success" role="status" { "Fatto: la segnalazione ora è «" (r.status.label_it()) "». Il cittadino lo vedrà alla prossima sincronizzazione." }
            }
            h1 { (category) }
            p { span class="badge bg-primary fs-6" { (r.status.label_it()) } }
            @if let ReportStatus::Rejected { reason } = &r.status { p { "Motivo: " (reason) } }
            @if let ReportStatus::DuplicateOf { report_id } = &r.status {
                p { "Duplicato di " a href={ "/dashboard/reports/" (report_id) } { "questa segnalazione" } }
            }
            p class="lead" style="white-space: pre-wrap" { (r.description) }
            dl class="row" {
                dt class="col-sm-3" { "Comune" } dd class="col-sm-9" { (comune.name) }
                dt class="col-sm-3" { "Ufficio" } dd class="col-sm-9" { (comune.department_name(&r.department)) }
                dt class="col-sm-3" { "Luogo" }
                dd class="col-sm-9" {
                    (format!("{:.5}, {:.5}", r.lat, r.lon)) " (±" (r.accuracy_m.round()) " m) · "
                    a href=(format!("https://www.openstreetmap.org/?mlat={:.6}&mlon={:.6}#map=19/{:.6}/{:.6}", r.lat, r.lon, r.lat, r.lon)) { "apri la mappa" }
                    @if let Some(a) = &r.address { br; (a) }
                }
                dt class="col-sm-3" { "Ricevuta" } dd class="col-sm-9" { (r.received_at.format("%d/%m/%Y %H:%M")) " (UTC)" }
                dt class="col-sm-3" { "Canale" } dd class="col-sm-9" { (r.source.as_str()) }
                dt class="col-sm-3" { "Codice" } dd class="col-sm-9" { code { (r.id) } }
            }
            @if !r.photos.is_empty() {
                h2 class="h4" { "Foto" }
                @if can_moderate {
                    p class="text-secondary" { "Apri una foto per ingrandirla e sfocare volti o targhe prima di pubblicare." }
                }
                div class="row report-photos" {
                    @for (i, sha) in r.photos.iter().enumerate() {
                        figure class="col-md-6" {
                            a href={ "/dashboard/reports/" (r.id) "/photos/" (i + 1) } {
                                img src={ "/dashboard/photos/" (sha) } alt=(format!("Foto {} della segnalazione: apri il visore", i + 1)) loading="lazy";
                            }
                        }
                    }
                }
            }
            @if !v.reopens.is_empty() {
                h2 class="h4" { "Riaperture del cittadino" }
                ul {
                    @for o in v.reopens { li { (o.at.format("%d/%m/%Y %H:%M")) ": «" (o.reason) "»" } }
                }
            }
            @if !v.transfers.is_empty() {
                h2 class="h4" { "Trasferimenti" }
                ul {
                    @for t in v.transfers {
                        li { (t.at.format("%d/%m/%Y %H:%M")) ": da " (comune_name(&t.from_comune)) " a " (comune_name(&t.to_comune)) " – «" (t.reason) "»" }
                    }
                }
            }
            (v.inspection)
            (v.office)
            @if can_publish || can_reject || can_assign || can_duplicate || can_recategorize || can_transfer {
                h2 class="h4 mt-4" { "Azioni" }
                div class="row g-4 actions" {
                    @if can_publish {
                        form method="post" action=(action) class="col-md-4" {
                            input type="hidden" name="csrf" value=(csrf);
                            input type="hidden" name="action" value="publish";
                            button type="submit" class="btn btn-success" { "Pubblica" }
                        }
                    }
                    @if can_reject {
                        form method="post" action=(action) class="col-md-4" {
                            input type="hidden" name="csrf" value=(csrf);
                            input type="hidden" name="action" value="reject";
                            label for="reason" class="form-label d-block" { "Motivo del rifiuto" }
                            select id="reason" name="reason" class="form-select mb-2" required {
                                @for reason in REJECTION_REASONS { option value=(reason) { (reason) } }
                            }
                            button type="submit" class="btn btn-outline-danger" { "Respingi" }
                        }
                    }
                    @if can_assign {
                        form method="post" action=(action) class="col-md-4" {
                            input type="hidden" name="csrf" value=(csrf);
                            input type="hidden" name="action" value="assign";
                            label for="department" class="form-label d-block" { "Ufficio" }
                            select id="department" name="department" class="form-select mb-2" {
                                @for (code, d) in departments(comune) {
                                    option value=(code) selected[code == r.department] { (d) }
                                }
                            }
                            button type="submit" class="btn btn-outline-primary" { "Assegna all'ufficio" }
                        }
                    }
                    @if can_duplicate {
                        form method="post" action=(action) class="col-md-4" {
                            input type="hidden" name="csrf" value=(csrf);
                            input type="hidden" name="action" value="duplicate";
                            label for="original" class="form-label d-block" { "Duplicato di (codice o indirizzo)" }
                            input type="text" id="original" name="original" class="form-control mb-2" required autocomplete="off";
                            button type="submit" class="btn btn-outline-secondary" { "Segna come duplicato" }
                        }
                    }
                    @if can_recategorize {
                        form method="post" action={ "/dashboard/reports/" (r.id) "/category" } class="col-md-4" {
                            input type="hidden" name="csrf" value=(csrf);
                            label for="category" class="form-label d-block" { "Categoria" }
                            select id="category" name="category" class="form-select mb-2" {
                                @for c in &comune.categories {
                                    option value=(c.code) selected[c.code == r.category] { (c.name_it) " → " (comune.department_name(&c.department)) }
                                }
                            }
                            button type="submit" class="btn btn-outline-primary" { "Cambia categoria" }
                        }
                    }
                    @if can_transfer {
                        form method="post" action={ "/dashboard/reports/" (r.id) "/transfer" } class="col-md-4" {
                            input type="hidden" name="csrf" value=(csrf);
                            label for="transfer-comune" class="form-label d-block" { "Trasferisci al Comune" }
                            select id="transfer-comune" name="comune" class="form-select mb-2" {
                                @for code in &v.directory.order {
                                    @if *code != r.comune {
                                        option value=(code.as_str()) { (comune_name(code)) }
                                    }
                                }
                            }
                            label for="transfer-reason" class="form-label d-block" { "Motivo" }
                            textarea id="transfer-reason" name="reason" class="form-control mb-2" rows="2" minlength="3" maxlength="500" required {}
                            button type="submit" class="btn btn-outline-primary" { "Trasferisci" }
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
    let category = comune.category(&r.category).map(|c| c.name_it.clone()).unwrap_or_else(|| r.category.clone());
    layout(
        &format!("Foto {n} di {count}"),
        Some((staff, csrf)),
        html! {
            p { a href={ "/dashboard/reports/" (r.id) } { "← Torna alla segnalazione (" (category) ")" } }
            h1 { "Foto " (n) " di " (count) }
            @if done {
                div class="alert alert-success" role="status" { "Zona sfocata: l'originale è stato eliminato e al suo posto c'è questa copia." }
            }
            nav aria-label="Altre foto" class="mb-3" {
                @if n > 1 { a class="me-3" href={ (base) "/" (n - 1) } { "← Foto precedente" } }
                @if n < count { a href={ (base) "/" (n + 1) } { "Foto successiva →" } }
            }
            div class="blur-frame mb-3" {
                img id="blur-target" src={ "/dashboard/photos/" (sha) } alt=(format!("Foto {n} della segnalazione «{category}»")) draggable="false";
            }
            @if staff.can_moderate(&r.comune) {
                h2 class="h4" { "Sfoca una zona" }
                p { "Trascina sulla foto per segnare volti o targhe, oppure scrivi la zona in percentuale della foto." }
                form id="blur-form" method="post" action={ (base) "/" (n) "/blur" } class="row g-3 align-items-end actions" {
                    input type="hidden" name="csrf" value=(csrf);
                    @for (name, label) in [("left", "Da sinistra (%)"), ("top", "Dall'alto (%)"), ("width", "Larghezza (%)"), ("height", "Altezza (%)")] {
                        div class="col-6 col-md-2" {
                            label for={ "blur-" (name) } class="form-label d-block" { (label) }
                            input type="number" id={ "blur-" (name) } name=(name) class="form-control" min="0" max="100" step="0.1" required;
                        }
                    }
                    div class="col-12 col-md-4" { button type="submit" class="btn btn-primary" { "Sfoca questa zona" } }
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
                title id="map-title" { "Mappa delle segnalazioni elencate nel Comune di " (comune.name) }
                @if !path.is_empty() {
                    path d=(path.trim_end()) fill="#ffffff" stroke="#0066cc" stroke-width="1.5" {}
                }
                @for r in reports {
                    @let (x, y) = to_xy(r.lat, r.lon);
                    a href={ "/dashboard/reports/" (r.id) } aria-label=(format!("{} – {}", r.status.label_it(), excerpt(&r.description))) {
                        circle cx=(format!("{x:.1}")) cy=(format!("{y:.1}")) r="7"
                            fill=(if r.status == ReportStatus::InModeration { "#d1344c" } else { "#0066cc" }) stroke="#ffffff" stroke-width="2" {}
                    }
                }
            }
            figcaption class="small text-secondary" { "In rosso le segnalazioni in moderazione, in blu le altre. Seleziona un punto per aprirla." }
        }
    }
}

pub(super) fn departments(comune: &ComuneEntry) -> Vec<(String, String)> {
    let mut d: Vec<(String, String)> = comune.departments.values().map(|d| (d.code.clone(), d.name_it.clone())).collect();
    d.sort_by(|a, b| a.1.cmp(&b.1));
    d
}
