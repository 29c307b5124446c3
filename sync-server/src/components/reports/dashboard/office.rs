//! The department view: the reports a department has to work on, and the
//! form its operator uses to set one in progress or resolved, with a note
//! the citizen reads and, optionally, a photo of the work. The report page
//! shows the same form and the report's history with those notes and photos.

use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use casa_shared_model::{IstatCode, ReportStatus};
use maud::{html, Markup};
use serde::Deserialize;

use super::pages::{category_name, departments, excerpt};
use super::{report_id, section as tab};
use crate::components::reports::service::{self, BackofficeStatus, MAX_NOTE_CHARS};
use crate::dashboard::i18n::{self, t, t_with};
use crate::dashboard::pages::{comune_nav, layout};
use crate::dashboard::{DashError, StaffSession};
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
        return Err(DashError::BadRequest(t_with("rep-error-unknown-department", &[("department", department.as_str().into())])));
    }
    let status = if q.status.is_empty() { "open" } else { q.status.as_str() };
    let statuses = match status {
        "open" => OPEN.to_vec(),
        "in_progress" => vec!["in_progress"],
        "resolved" => vec!["resolved"],
        other => return Err(DashError::BadRequest(t_with("rep-error-unknown-status", &[("status", other.into())]))),
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
    let name = comune.department_name(department);
    layout(
        &format!("{name} · {}", comune.name),
        Some((staff, csrf)),
        html! {
            (comune_nav(staff, &comune.istat_code, tab::OFFICE))
            h1 { (name) " · " (comune.name) }
            p class="lead" { (t("rep-office-intro")) }
            form method="get" class="filters row g-3 align-items-end mb-4" aria-label=(t("rep-filters")) {
                @if staff.role != Role::Operator {
                    div class="col-md-5 form-group" {
                        label for="f-department" { (t("rep-field-department")) }
                        select id="f-department" name="department" class="form-select" {
                            @for (c, n) in departments(comune) {
                                option value=(c) selected[c == department] { (n) }
                            }
                        }
                    }
                }
                div class="col-md-4 form-group" {
                    label for="f-status" { (t("rep-field-status")) }
                    select id="f-status" name="status" class="form-select" {
                        @for (value, label) in [("open", "rep-office-open"), ("in_progress", "rep-filter-in-progress"), ("resolved", "rep-filter-resolved")] {
                            option value=(value) selected[value == status] { (t(label)) }
                        }
                    }
                }
                div class="col-md-3" { button type="submit" class="btn btn-primary w-100" { (t("rep-show")) } }
            }
            @if reports.is_empty() {
                p class="lead" role="status" { (t("rep-office-empty")) }
            } @else {
                p role="status" {
                    @if reports.len() as u32 >= LIST_LIMIT {
                        (t_with("rep-office-count-capped", &[("n", reports.len().into()), ("limit", LIST_LIMIT.into())]))
                    } @else {
                        (t_with("rep-count", &[("n", reports.len().into())]))
                    }
                }
                div class="table-responsive" {
                    table class="table queue" {
                        caption class="visually-hidden" { (t("rep-office-caption")) }
                        thead { tr { th scope="col" { (t("rep-col-received")) } th scope="col" { (t("rep-field-category")) } th scope="col" { (t("rep-col-description")) } th scope="col" { (t("rep-field-status")) } } }
                        tbody {
                            @for r in reports {
                                tr {
                                    td { (i18n::when(r.received_at)) }
                                    td { (category_name(comune, &r.category)) }
                                    td { a href={ "/dashboard/reports/" (r.id) } { (excerpt(&r.description)) } }
                                    td { (i18n::status(&r.status)) }
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
                h2 id="work-title" class="h4" { (t("rep-work-heading")) }
                p { (t("rep-work-intro")) }
                form method="post" action={ "/dashboard/reports/" (r.id) "/work" } enctype="multipart/form-data" class="actions" {
                    input type="hidden" name="csrf" value=(csrf);
                    div class="mb-3" {
                        label for="work-note" class="form-label d-block" { (t("rep-work-note")) }
                        textarea id="work-note" name="note" class="form-control" rows="3" maxlength=(MAX_NOTE_CHARS) {}
                    }
                    div class="mb-3" {
                        label for="work-photo" class="form-label d-block" { (t("rep-work-photo")) }
                        input type="file" id="work-photo" name="photo" class="form-control" accept="image/jpeg,image/png";
                    }
                    @if may_start {
                        button type="submit" name="action" value="in_progress" class="btn btn-outline-primary me-2" { (t("rep-work-start")) }
                    }
                    @if may_resolve {
                        button type="submit" name="action" value="resolved" class="btn btn-success" { (t("rep-work-resolve")) }
                    }
                }
            }
        }
        @if !history.is_empty() {
            section aria-labelledby="history-title" class="mt-4" {
                h2 id="history-title" class="h4" { (t("rep-history")) }
                ol class="list-unstyled" {
                    @for e in history {
                        li class="mb-2" {
                            strong { (i18n::status(&e.status)) }
                            " · " (i18n::when(e.at)) " (UTC) · " (e.actor)
                            @if let Some(n) = &e.note { br; "«" (n) "»" }
                            @if let Some(sha) = &e.photo {
                                br;
                                a href={ "/dashboard/photos/" (sha) } {
                                    img src={ "/dashboard/photos/" (sha) } alt=(t_with("rep-history-photo-alt", &[("status", i18n::status(&e.status).into())])) loading="lazy" style="max-width: 240px";
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
    let bad = |_| DashError::BadRequest(t_with("rep-error-work-form", &[("mb", (MAX_PHOTO_BYTES / (1024 * 1024)).into())]));
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
        .ok_or_else(|| DashError::bad("rep-error-work-action"))?;
    service::dashboard_report(&state, &session.staff, &id).await?;
    let after = service::department_status(&state, &session.staff, &id, to, Some(&note), photo).await?;
    Ok(Redirect::to(&format!("/dashboard/reports/{id}?fatto={}", after.status.code())).into_response())
}
