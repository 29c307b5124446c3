//! The department view: the reports a department has to work on, and the
//! form its operator uses to set one in progress or resolved, with a note
//! the citizen reads and, optionally, a photo of the work. The report page
//! shows the same form and the report's history with those notes and photos.

use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use casa_shared_model::{IstatCode, ReportStatus};
use maud::{html, Markup};
use serde::Deserialize;

use super::pages::{comune_nav, departments, excerpt, layout, Section};
use super::{report_id, DashError, StaffSession};
use crate::components::reports::service::{self, BackofficeStatus, MAX_NOTE_CHARS};
use crate::platform::auth::Role;
use crate::platform::directory::ComuneEntry;
use crate::platform::staff::Staff;
use crate::platform::state::AppState;
use crate::store::{ReportFilter, ReportRecord, StatusEvent};

/// A photo of the work as a phone takes it, with room to spare; larger is refused.
pub const MAX_PHOTO_BYTES: usize = 20 * 1024 * 1024;
const LIST_LIMIT: u32 = 200;

/// What the department still has to do: everything handed to it and not resolved.
const OPEN: [&str; 4] = ["published", "assigned_to_department", "confirmed_by_inspector", "in_progress"];

#[derive(Debug, Default, Deserialize)]
pub struct OfficeQuery {
    #[serde(default)]
    pub department: String,
    /// `open` (the default), `in_progress` or `resolved`.
    #[serde(default)]
    pub status: String,
}

pub async fn view(
    session: StaffSession,
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<OfficeQuery>,
) -> Result<Response, DashError> {
    let comune = IstatCode::parse(&code).map_err(|_| DashError::NotFound)?;
    let directory = state.directory();
    let entry = directory.comune(&comune).ok_or(DashError::NotFound)?;
    let staff = &session.staff;
    if !staff.covers(&comune) || staff.role == Role::Inspector {
        return Err(DashError::Forbidden);
    }
    let department = match (staff.role, &staff.department) {
        // An operator sees their own office; asking for another is refused, not ignored.
        (Role::Operator, Some(own)) if q.department.is_empty() || q.department == *own => own.clone(),
        (Role::Operator, _) => return Err(DashError::Forbidden),
        _ if q.department.is_empty() => departments(entry).first().map(|(c, _)| c.clone()).ok_or(DashError::NotFound)?,
        _ => q.department.clone(),
    };
    if !entry.departments.contains_key(&department) {
        return Err(DashError::BadRequest(format!("Ufficio «{department}» sconosciuto / Unknown department")));
    }
    let status = if q.status.is_empty() { "open" } else { q.status.as_str() };
    let statuses = match status {
        "open" => OPEN.to_vec(),
        "in_progress" => vec!["in_progress"],
        "resolved" => vec!["resolved"],
        other => return Err(DashError::BadRequest(format!("Stato «{other}» sconosciuto / Unknown status"))),
    };
    let filter = ReportFilter {
        comune: Some(comune),
        departments: Some(vec![department.clone()]),
        statuses: Some(statuses),
        limit: LIST_LIMIT,
        ..ReportFilter::default()
    };
    let mut reports = state.store().search_reports(&filter).await?;
    // The same rule as each report's page and the API (the filter above already narrows to it).
    reports.retain(|r| staff.may_read(r));
    if status != "resolved" {
        // Work from the longest wait; what was resolved, newest first.
        reports.reverse();
    }
    Ok(page(staff, &session.session.csrf, entry, &department, status, &reports).into_response())
}

fn page(staff: &Staff, csrf: &str, comune: &ComuneEntry, department: &str, status: &str, reports: &[ReportRecord]) -> Markup {
    let code = comune.istat_code.as_str();
    let name = comune.department_name(department);
    layout(
        &format!("{name} · {}", comune.name),
        Some((staff, csrf)),
        html! {
            (comune_nav(staff, code, Section::Office))
            h1 { (name) " · " (comune.name) }
            p class="lead" { "Le segnalazioni affidate all'ufficio. Aprine una per metterla in lavorazione o segnarla risolta." }
            form method="get" class="filters row g-3 align-items-end mb-4" aria-label="Filtri" {
                @if staff.role != Role::Operator {
                    div class="col-md-5 form-group" {
                        label for="f-department" { "Ufficio" }
                        select id="f-department" name="department" class="form-select" {
                            @for (c, n) in departments(comune) {
                                option value=(c) selected[c == department] { (n) }
                            }
                        }
                    }
                }
                div class="col-md-4 form-group" {
                    label for="f-status" { "Stato" }
                    select id="f-status" name="status" class="form-select" {
                        @for (value, label) in [("open", "Da lavorare"), ("in_progress", "In lavorazione"), ("resolved", "Risolte")] {
                            option value=(value) selected[value == status] { (label) }
                        }
                    }
                }
                div class="col-md-3" { button type="submit" class="btn btn-primary w-100" { "Mostra" } }
            }
            @if reports.is_empty() {
                p class="lead" role="status" { "Nessuna segnalazione in questo elenco." }
            } @else {
                p role="status" {
                    (reports.len()) " segnalazioni"
                    @if reports.len() as u32 >= LIST_LIMIT { " (le prime " (LIST_LIMIT) ")" }
                }
                div class="table-responsive" {
                    table class="table queue" {
                        caption class="visually-hidden" { "Segnalazioni dell'ufficio" }
                        thead { tr { th scope="col" { "Ricevuta" } th scope="col" { "Categoria" } th scope="col" { "Descrizione" } th scope="col" { "Stato" } } }
                        tbody {
                            @for r in reports {
                                tr {
                                    td { (r.received_at.format("%d/%m/%Y %H:%M")) }
                                    td { (comune.category(&r.category).map(|c| c.name_it.as_str()).unwrap_or(&r.category)) }
                                    td { a href={ "/dashboard/reports/" (r.id) } { (excerpt(&r.description)) } }
                                    td { (r.status.label_it()) }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// The report page's part for the department: its form (for the operator of
/// the office in charge) and the report's history with notes and photos.
pub fn section(staff: &Staff, csrf: &str, r: &ReportRecord, history: &[StatusEvent]) -> Markup {
    let can_work = staff.works_on(&r.comune, &r.department);
    // What the office does while a report is in its hands; a resolved one
    // comes back only through the citizen's reopening.
    let in_hands = matches!(
        r.status,
        ReportStatus::Published | ReportStatus::AssignedToDepartment { .. } | ReportStatus::ConfirmedByInspector | ReportStatus::InProgress
    );
    let reachable = |to| service::department_steps(&r.status, &r.department, to).is_ok();
    let may_start = can_work && in_hands && r.status != ReportStatus::InProgress && reachable(BackofficeStatus::InProgress);
    let may_resolve = can_work && in_hands && reachable(BackofficeStatus::Resolved);
    html! {
        @if may_start || may_resolve {
            section aria-labelledby="work-title" class="mt-4" {
                h2 id="work-title" class="h4" { "Lavorazione dell'ufficio" }
                p { "Il cittadino riceve lo stato e la nota alla prossima sincronizzazione dell'app." }
                form method="post" action={ "/dashboard/reports/" (r.id) "/work" } enctype="multipart/form-data" class="actions" {
                    input type="hidden" name="csrf" value=(csrf);
                    div class="mb-3" {
                        label for="work-note" class="form-label d-block" { "Nota per il cittadino (obbligatoria se risolta)" }
                        textarea id="work-note" name="note" class="form-control" rows="3" maxlength=(MAX_NOTE_CHARS) {}
                    }
                    div class="mb-3" {
                        label for="work-photo" class="form-label d-block" { "Foto del lavoro (facoltativa)" }
                        input type="file" id="work-photo" name="photo" class="form-control" accept="image/jpeg,image/png";
                    }
                    @if may_start {
                        button type="submit" name="action" value="in_progress" class="btn btn-outline-primary me-2" { "Metti in lavorazione" }
                    }
                    @if may_resolve {
                        button type="submit" name="action" value="resolved" class="btn btn-success" { "Segna come risolta" }
                    }
                }
            }
        }
        @if !history.is_empty() {
            section aria-labelledby="history-title" class="mt-4" {
                h2 id="history-title" class="h4" { "Cronologia" }
                ol class="list-unstyled" {
                    @for e in history {
                        li class="mb-2" {
                            strong { (e.status.label_it()) }
                            " · " (e.at.format("%d/%m/%Y %H:%M")) " (UTC) · " (e.actor)
                            @if let Some(n) = &e.note { br; "«" (n) "»" }
                            @if let Some(sha) = &e.photo {
                                br;
                                a href={ "/dashboard/photos/" (sha) } {
                                    img src={ "/dashboard/photos/" (sha) } alt=(format!("Foto allegata allo stato «{}»", e.status.label_it())) loading="lazy" style="max-width: 240px";
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `POST /dashboard/reports/{id}/work`: a multipart form (it may carry a photo).
pub async fn work(
    session: StaffSession,
    State(state): State<AppState>,
    Path(id): Path<String>,
    mut form: Multipart,
) -> Result<Response, DashError> {
    let id = report_id(&id)?;
    let (mut csrf, mut action, mut note, mut photo) = (String::new(), String::new(), String::new(), None);
    let bad =
        |_| DashError::BadRequest("Modulo non valido o foto troppo grande (al massimo 20 MB) / Invalid form or photo too large".into());
    while let Some(field) = form.next_field().await.map_err(bad)? {
        match field.name().unwrap_or_default() {
            "csrf" => csrf = field.text().await.map_err(bad)?,
            "action" => action = field.text().await.map_err(bad)?,
            "note" => note = field.text().await.map_err(bad)?,
            "photo" => photo = Some(field.bytes().await.map_err(bad)?.to_vec()),
            _ => {}
        }
    }
    session.check_csrf(&csrf)?;
    let to = BackofficeStatus::parse(&action)
        .filter(|s| *s != BackofficeStatus::Closed)
        .ok_or_else(|| DashError::BadRequest("Scegli «in lavorazione» o «risolta» / Choose in progress or resolved".into()))?;
    service::dashboard_report(&state, &session.staff, &id).await?;
    let after = service::department_status(&state, &session.staff, &id, to, Some(&note), photo).await?;
    Ok(Redirect::to(&format!("/dashboard/reports/{id}?fatto={}", after.status.code())).into_response())
}
