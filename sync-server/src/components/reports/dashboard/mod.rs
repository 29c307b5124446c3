//! The reports' pages of the staff dashboard: a Comune's moderation queue
//! (with its live banner), a report's page and its actions, the photo
//! viewer, the department's view and the statistics. Mounted through
//! `Component::dashboard_routes`; texts in `i18n/*/reports.ftl`.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use casa_shared_model::{IstatCode, ReportId, ReportStatus};
use chrono::{Duration, Utc};
use serde::Deserialize;

use crate::components::reports::service;
use crate::components::Tab;
use crate::dashboard::{parse_form, t_with, DashError, StaffSession};
use crate::platform::auth::Role;
use crate::platform::staff::Staff;
use crate::platform::state::AppState;
use crate::store::ReportFilter;

mod inspection;
pub mod live;
mod office;
pub(crate) mod pages;
mod statistics;

pub use casa_shared_model::status::REJECTION_REASONS;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/comuni/{istat_code}/queue", get(queue))
        .route("/comuni/{istat_code}/live", get(live::events))
        .route("/comuni/{istat_code}/ufficio", get(office::view))
        .route("/comuni/{istat_code}/statistiche", get(statistics::view))
        .route("/reports/{id}", get(report))
        .route("/reports/{id}/status", post(change_status))
        .route("/reports/{id}/category", post(change_category))
        .route("/reports/{id}/transfer", post(transfer))
        .route("/reports/{id}/inspector", post(inspection::assign))
        .route("/reports/{id}/work", post(office::work).layer(axum::extract::DefaultBodyLimit::max(office::MAX_PHOTO_BYTES + 64 * 1024)))
        .route("/reports/{id}/photos/{n}", get(photo_viewer))
        .route("/reports/{id}/photos/{n}/blur", post(blur_photo))
}

/// The sections of a Comune's dashboard this component draws.
pub mod section {
    pub const QUEUE: &str = "reports-queue";
    pub const OFFICE: &str = "reports-office";
    pub const STATS: &str = "reports-stats";
}

/// The queue for those who moderate, the department's view for all but
/// inspectors, the statistics for everyone.
pub fn tabs(staff: &Staff, comune: &IstatCode) -> Vec<Tab> {
    let code = comune.as_str();
    let mut tabs = Vec::new();
    if matches!(staff.role, Role::Admin | Role::Moderator) {
        tabs.push(Tab { section: section::QUEUE, label: "rep-tab-queue", href: format!("/dashboard/comuni/{code}/queue") });
    }
    match staff.role {
        Role::Operator => {
            tabs.push(Tab { section: section::OFFICE, label: "rep-tab-my-office", href: format!("/dashboard/comuni/{code}/ufficio") })
        }
        Role::Admin | Role::Moderator => {
            tabs.push(Tab { section: section::OFFICE, label: "rep-tab-offices", href: format!("/dashboard/comuni/{code}/ufficio") })
        }
        Role::Inspector => {}
    }
    tabs.push(Tab { section: section::STATS, label: "rep-tab-stats", href: format!("/dashboard/comuni/{code}/statistiche") });
    tabs
}

/// The queue's filters, as the form sends them (empty means "any").
#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub status: String,
    /// Received at least this many days ago.
    #[serde(default)]
    pub age: String,
    /// Set after a transfer: the Comune the report went to.
    #[serde(default)]
    pub trasferita: String,
}

pub const QUEUE_STATUSES: [&str; 7] =
    ["in_moderation", "published", "assigned_to_department", "confirmed_by_inspector", "in_progress", "resolved", "rejected"];
const QUEUE_LIMIT: u32 = 200;

async fn queue(
    session: StaffSession,
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<QueueQuery>,
) -> Result<Response, DashError> {
    let comune = IstatCode::parse(&code).map_err(|_| DashError::NotFound)?;
    let directory = state.directory();
    let entry = directory.comune(&comune).ok_or(DashError::NotFound)?;
    if !session.staff.may_see_queue(&comune) {
        return Err(DashError::Forbidden);
    }
    let status = if q.status.is_empty() { "in_moderation" } else { q.status.as_str() };
    let statuses = match QUEUE_STATUSES.iter().find(|s| **s == status) {
        Some(s) => Some(vec![*s]),
        None if status == "all" => None,
        None => return Err(DashError::BadRequest(t_with("rep-error-unknown-status", &[("status", status.into())]))),
    };
    let categories = if q.category.is_empty() {
        None
    } else if entry.category(&q.category).is_some() {
        Some(vec![q.category.clone()])
    } else {
        return Err(DashError::bad("rep-error-unknown-category"));
    };
    let received_to = match q.age.as_str() {
        "" => None,
        days => match days.parse::<u16>() {
            Ok(d) => Some(Utc::now() - Duration::days(i64::from(d))),
            Err(_) => return Err(DashError::bad("rep-error-invalid-age")),
        },
    };
    let filter = ReportFilter { comune: Some(comune), categories, statuses, received_to, limit: QUEUE_LIMIT, ..ReportFilter::default() };
    let mut reports = state.store().search_reports(&filter).await?;
    // Oldest first: the queue is worked from the longest wait.
    reports.reverse();
    let comuni: Vec<(IstatCode, String)> = directory
        .order
        .iter()
        .filter(|c| session.staff.covers(c))
        .filter_map(|c| directory.comune(c).map(|e| (*c, e.name.clone())))
        .collect();
    let comuni_all: Vec<(IstatCode, String)> =
        directory.order.iter().filter_map(|c| directory.comune(c).map(|e| (*c, e.name.clone()))).collect();
    Ok(pages::queue(&pages::QueueView {
        staff: &session.staff,
        csrf: &session.session.csrf,
        comune: entry,
        comuni: &comuni,
        query: &q,
        status,
        reports: &reports,
        limit: QUEUE_LIMIT,
        comuni_all: &comuni_all,
        drawn_at: Utc::now(),
    })
    .into_response())
}

#[derive(Deserialize)]
struct DoneQuery {
    fatto: Option<String>,
}

fn report_id(id: &str) -> Result<ReportId, DashError> {
    ReportId::parse(id).map_err(|_| DashError::NotFound)
}

fn done(id: &ReportId, what: &str) -> Response {
    Redirect::to(&format!("/dashboard/reports/{id}?fatto={what}")).into_response()
}

#[derive(Deserialize)]
struct CategoryForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    category: String,
}

async fn change_category(
    session: StaffSession,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, DashError> {
    let form: CategoryForm = parse_form(&body)?;
    session.check_csrf(&form.csrf)?;
    let id = report_id(&id)?;
    service::dashboard_report(&state, &session.staff, &id).await?;
    service::recategorize(&state, &session.staff, &id, &form.category).await?;
    Ok(done(&id, "categoria"))
}

#[derive(Deserialize)]
struct TransferForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    comune: String,
    #[serde(default)]
    reason: String,
}

async fn transfer(
    session: StaffSession,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, DashError> {
    let form: TransferForm = parse_form(&body)?;
    session.check_csrf(&form.csrf)?;
    let id = report_id(&id)?;
    let to = IstatCode::parse(&form.comune).map_err(|_| DashError::bad("rep-error-choose-comune"))?;
    let before = service::dashboard_report(&state, &session.staff, &id).await?;
    let after = service::transfer(&state, &session.staff, &id, &to, &form.reason).await?;
    // The report is now the other Comune's: back to the queue it left.
    Ok(Redirect::to(&format!("/dashboard/comuni/{}/queue?trasferita={}", before.comune.as_str(), after.comune.as_str())).into_response())
}

async fn photo_viewer(
    session: StaffSession,
    State(state): State<AppState>,
    Path((id, n)): Path<(String, usize)>,
    Query(done): Query<DoneQuery>,
) -> Result<Response, DashError> {
    let id = report_id(&id)?;
    let report = service::dashboard_report(&state, &session.staff, &id).await?;
    if n == 0 || n > report.photos.len() {
        return Err(DashError::NotFound);
    }
    let directory = state.directory();
    let entry = directory.comune(&report.comune).ok_or(DashError::NotFound)?;
    Ok(pages::photo_viewer(&session.staff, &session.session.csrf, entry, &report, n, done.fatto.is_some()).into_response())
}

#[derive(Deserialize)]
struct BlurForm {
    #[serde(default)]
    csrf: String,
    left: f64,
    top: f64,
    width: f64,
    height: f64,
}

async fn blur_photo(
    session: StaffSession,
    State(state): State<AppState>,
    Path((id, n)): Path<(String, usize)>,
    body: Bytes,
) -> Result<Response, DashError> {
    let form: BlurForm = serde_urlencoded::from_bytes(&body).map_err(|_| DashError::bad("rep-error-blur-numbers"))?;
    session.check_csrf(&form.csrf)?;
    let id = report_id(&id)?;
    service::dashboard_report(&state, &session.staff, &id).await?;
    let region = crate::components::reports::blur::BlurRegion::from_percent(form.left, form.top, form.width, form.height)
        .map_err(|_| DashError::bad("rep-error-blur-region"))?;
    let index = n.checked_sub(1).ok_or(DashError::NotFound)?;
    service::blur_photo(&state, &session.staff, &id, index, region).await?;
    Ok(Redirect::to(&format!("/dashboard/reports/{id}/photos/{n}?fatto=sfocata")).into_response())
}

async fn report(
    session: StaffSession,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(done): Query<DoneQuery>,
) -> Result<Response, DashError> {
    let id = ReportId::parse(&id).map_err(|_| DashError::NotFound)?;
    let report = service::dashboard_report(&state, &session.staff, &id).await?;
    let reopens = state.store().reopens(&id).await?;
    let transfers = state.store().transfers(&id).await?;
    let directory = state.directory();
    let entry = directory.comune(&report.comune).ok_or(DashError::NotFound)?;
    let inspection = inspection::section(&state, &session.staff, &session.session.csrf, &report).await?;
    let history = state.store().status_history(&id).await?;
    let office = office::section(&session.staff, &session.session.csrf, &report, &history);
    Ok(pages::report(&pages::ReportView {
        staff: &session.staff,
        csrf: &session.session.csrf,
        directory: &directory,
        comune: entry,
        report: &report,
        reopens: &reopens,
        transfers: &transfers,
        inspection,
        office,
        done: done.fatto.is_some(),
    })
    .into_response())
}

#[derive(Deserialize)]
struct StatusForm {
    #[serde(default)]
    csrf: String,
    action: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    department: String,
    /// The original of a duplicate: its id, or its dashboard address.
    #[serde(default)]
    original: String,
}

async fn change_status(
    session: StaffSession,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, DashError> {
    let form: StatusForm = parse_form(&body)?;
    session.check_csrf(&form.csrf)?;
    let id = ReportId::parse(&id).map_err(|_| DashError::NotFound)?;
    let to = match form.action.as_str() {
        "publish" => ReportStatus::Published,
        "reject" if REJECTION_REASONS.contains(&form.reason.as_str()) => ReportStatus::Rejected { reason: form.reason.clone() },
        "reject" => return Err(DashError::bad("rep-error-choose-reason")),
        "assign" => ReportStatus::AssignedToDepartment { department: form.department.clone() },
        "duplicate" => {
            // Moderators paste what they have at hand: the id or the page's address.
            let tail = form.original.trim().trim_end_matches('/').rsplit('/').next().unwrap_or_default();
            let tail = tail.split(['?', '#']).next().unwrap_or_default();
            match ReportId::parse(tail) {
                Ok(report_id) => ReportStatus::DuplicateOf { report_id },
                Err(_) => return Err(DashError::bad("rep-error-original")),
            }
        }
        other => return Err(DashError::BadRequest(t_with("rep-error-unknown-action", &[("action", other.into())]))),
    };
    // Another Comune's report is a 403 here (the API's change_status answers 404).
    service::dashboard_report(&state, &session.staff, &id).await?;
    let after = service::change_status(&state, &session.staff, &id, to).await?;
    Ok(Redirect::to(&format!("/dashboard/reports/{id}?fatto={}", after.status.code())).into_response())
}
