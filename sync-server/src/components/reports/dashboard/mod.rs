//! The staff dashboard under `/dashboard`: server-rendered pages that work
//! without JavaScript. Handlers extract, call the service, render.

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use casa_shared_model::{IstatCode, ReportId, ReportStatus};
use chrono::{Duration, Utc};
use serde::Deserialize;

use crate::components::reports::service;
use crate::platform::auth::Role;
use crate::platform::error::ServiceError;
use crate::platform::staff::Staff;
use crate::platform::staff::{self, LoginError};
use crate::platform::state::AppState;
use crate::store::{ReportFilter, SessionRecord, StoreError};

mod inspection;
pub mod live;
mod office;
pub(crate) mod pages;
mod statistics;

pub const SESSION_COOKIE: &str = "casa_session";
/// Holds the login form's anti-forgery token until the form comes back.
pub const LOGIN_COOKIE: &str = "casa_login";
const PATH: &str = "/dashboard";

pub use casa_shared_model::status::REJECTION_REASONS;

pub fn router(state: &AppState) -> Router<AppState> {
    let assets = tower_http::services::ServeDir::new(state.dashboard_assets());
    let mut router = Router::new()
        .route("/", get(home))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
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
        // Photos under the dashboard's path, where its session cookie goes.
        .route("/photos/{sha256}", get(crate::platform::routes::uploads::photo))
        .route("/reports/{id}/photos/{n}", get(photo_viewer))
        .route("/reports/{id}/photos/{n}/blur", post(blur_photo))
        .route("/app.js", get(script))
        .nest_service("/static", assets);
    for component in state.components().iter() {
        router = router.merge(component.dashboard_routes());
    }
    router.fallback(|| async { DashError::NotFound })
}

/// Every failure of a dashboard page, rendered as a page with its status.
#[derive(Debug)]
pub enum DashError {
    NotFound,
    Forbidden,
    BadRequest(String),
    Conflict(String),
    /// The form's anti-forgery token is missing or wrong.
    Csrf,
    Internal,
}

impl From<ServiceError> for DashError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound => DashError::NotFound,
            ServiceError::Forbidden => DashError::Forbidden,
            ServiceError::Rejected { message, .. } => DashError::BadRequest(message),
            ServiceError::InvalidTransition(t) => DashError::Conflict(t.to_string()),
            ServiceError::StaleStatus => DashError::Conflict(
                "Lo stato è cambiato nel frattempo: ricarica la pagina / The status changed meanwhile: reload the page".into(),
            ),
            ServiceError::Store(e) => DashError::from(e),
        }
    }
}

impl From<StoreError> for DashError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "store failure in the dashboard");
        DashError::Internal
    }
}

impl IntoResponse for DashError {
    fn into_response(self) -> Response {
        let (status, title, text) = match self {
            DashError::NotFound => {
                (StatusCode::NOT_FOUND, "Pagina non trovata", "La pagina o la segnalazione non esiste. / Not found.".to_owned())
            }
            DashError::Forbidden => (
                StatusCode::FORBIDDEN,
                "Accesso non consentito",
                "Questa segnalazione appartiene a un Comune per cui non hai un ruolo. / This belongs to a Comune you have no role in."
                    .to_owned(),
            ),
            DashError::BadRequest(m) => (StatusCode::BAD_REQUEST, "Richiesta non valida", m),
            DashError::Conflict(m) => (StatusCode::CONFLICT, "Azione non più possibile", m),
            DashError::Csrf => (
                StatusCode::FORBIDDEN,
                "Modulo scaduto",
                "Il modulo è scaduto o non viene da questa pagina: ricarica e riprova. / The form expired: reload and try again."
                    .to_owned(),
            ),
            DashError::Internal => {
                (StatusCode::INTERNAL_SERVER_ERROR, "Errore interno", "Riprova tra poco. / Internal error: try again shortly.".to_owned())
            }
        };
        (status, pages::error_page(status.as_u16(), title, &text)).into_response()
    }
}

/// The signed-in staff member and their session, from the session cookie.
/// Without a live session the browser is sent to the login page.
pub struct StaffSession {
    pub staff: Staff,
    pub session: SessionRecord,
}

impl FromRequestParts<AppState> for StaffSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
            return Err(Redirect::to("/dashboard/login").into_response());
        };
        match staff::session_staff(state, &token).await {
            Ok(Some((staff, session))) => Ok(StaffSession { staff, session }),
            Ok(None) => Err(Redirect::to("/dashboard/login").into_response()),
            Err(e) => Err(DashError::from(e).into_response()),
        }
    }
}

impl StaffSession {
    pub(crate) fn check_csrf(&self, sent: &str) -> Result<(), DashError> {
        if staff::same_token(sent, &self.session.csrf) {
            Ok(())
        } else {
            Err(DashError::Csrf)
        }
    }
}

fn secure(state: &AppState) -> bool {
    state.public_url().starts_with("https://")
}

/// A browser-session cookie (gone when the browser closes); the server
/// enforces the session's own expiry.
fn cookie(state: &AppState, name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build((name, value)).path(PATH).http_only(true).secure(secure(state)).same_site(SameSite::Strict).build()
}

pub(crate) fn parse_form<T: for<'de> Deserialize<'de>>(body: &Bytes) -> Result<T, DashError> {
    if crate::platform::routes::extract::carries_nul(body) {
        return Err(DashError::BadRequest(
            "Il testo contiene caratteri di controllo non ammessi / The text contains control characters".into(),
        ));
    }
    serde_urlencoded::from_bytes(body).map_err(|_| DashError::BadRequest("Modulo non valido / Invalid form".into()))
}

async fn home(session: StaffSession, State(state): State<AppState>) -> Response {
    let directory = state.directory();
    let first = directory.order.iter().find(|c| session.staff.covers(c));
    // Each role lands where its work is.
    let section = match session.staff.role {
        Role::Admin | Role::Moderator => "queue",
        Role::Operator => "ufficio",
        Role::Inspector => "statistiche",
    };
    match first {
        Some(code) => Redirect::to(&format!("/dashboard/comuni/{}/{section}", code.as_str())).into_response(),
        None => pages::no_comuni(&session.staff, &session.session.csrf).into_response(),
    }
}

async fn login_form(State(state): State<AppState>, jar: CookieJar) -> impl IntoResponse {
    let token = staff::random_token();
    let jar = jar.add(cookie(&state, LOGIN_COOKIE, token.clone()));
    (jar, pages::login(&token, None, ""))
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

async fn login(
    State(state): State<AppState>,
    crate::platform::client_ip::ClientIp(client): crate::platform::client_ip::ClientIp,
    jar: CookieJar,
    body: Bytes,
) -> Result<Response, DashError> {
    let form: LoginForm = parse_form(&body)?;
    let expected = jar.get(LOGIN_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
    if expected.is_empty() || !staff::same_token(&form.csrf, &expected) {
        return Err(DashError::Csrf);
    }
    match staff::password_login(&state, &form.email, &form.password, client).await {
        Ok(token) => {
            let jar = jar.remove(Cookie::build(LOGIN_COOKIE).path(PATH)).add(cookie(&state, SESSION_COOKIE, token));
            Ok((jar, Redirect::to("/dashboard")).into_response())
        }
        Err(LoginError::Store(e)) => Err(e.into()),
        Err(e) => {
            let page = pages::login(&expected, Some(&e.to_string()), &form.email);
            Ok(match e.retry_after_secs() {
                Some(wait) => (StatusCode::TOO_MANY_REQUESTS, [(axum::http::header::RETRY_AFTER, wait.to_string())], page).into_response(),
                None => (StatusCode::UNAUTHORIZED, page).into_response(),
            })
        }
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(session: StaffSession, State(state): State<AppState>, jar: CookieJar, body: Bytes) -> Result<Response, DashError> {
    let form: CsrfForm = parse_form(&body)?;
    session.check_csrf(&form.csrf)?;
    staff::close_session(&state, &session.staff, &session.session).await?;
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path(PATH));
    Ok((jar, Redirect::to("/dashboard/login")).into_response())
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
        None => return Err(DashError::BadRequest(format!("Stato «{status}» sconosciuto / Unknown status"))),
    };
    let categories = if q.category.is_empty() {
        None
    } else if entry.category(&q.category).is_some() {
        Some(vec![q.category.clone()])
    } else {
        return Err(DashError::BadRequest("Categoria sconosciuta per questo Comune / Unknown category".into()));
    };
    let received_to = match q.age.as_str() {
        "" => None,
        days => match days.parse::<u16>() {
            Ok(d) => Some(Utc::now() - Duration::days(i64::from(d))),
            Err(_) => return Err(DashError::BadRequest("Età non valida / Invalid age".into())),
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
    let to = IstatCode::parse(&form.comune).map_err(|_| DashError::BadRequest("Scegli un Comune dall'elenco / Choose a Comune".into()))?;
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
    let form: BlurForm = serde_urlencoded::from_bytes(&body).map_err(|_| {
        DashError::BadRequest("Indica la zona con quattro numeri (percentuali) / Give the region as four percentages".into())
    })?;
    session.check_csrf(&form.csrf)?;
    let id = report_id(&id)?;
    service::dashboard_report(&state, &session.staff, &id).await?;
    let region = crate::components::reports::blur::BlurRegion::from_percent(form.left, form.top, form.width, form.height)
        .map_err(|e| DashError::BadRequest(e.to_string()))?;
    let index = n.checked_sub(1).ok_or(DashError::NotFound)?;
    service::blur_photo(&state, &session.staff, &id, index, region).await?;
    Ok(Redirect::to(&format!("/dashboard/reports/{id}/photos/{n}?fatto=sfocata")).into_response())
}

/// The dashboard's only script: drawing the blur region with the mouse or a
/// finger fills the form's four fields (which also work typed by hand).
async fn script() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (axum::http::header::CACHE_CONTROL, "no-cache")],
        include_str!("app.js"),
    )
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
        "reject" => return Err(DashError::BadRequest("Scegli un motivo dall'elenco / Choose a reason from the list".into())),
        "assign" => ReportStatus::AssignedToDepartment { department: form.department.clone() },
        "duplicate" => {
            // Moderators paste what they have at hand: the id or the page's address.
            let tail = form.original.trim().trim_end_matches('/').rsplit('/').next().unwrap_or_default();
            let tail = tail.split(['?', '#']).next().unwrap_or_default();
            match ReportId::parse(tail) {
                Ok(report_id) => ReportStatus::DuplicateOf { report_id },
                Err(_) => {
                    return Err(DashError::BadRequest(
                        "Indica il codice o l'indirizzo della segnalazione originale / Give the original report's id or address".into(),
                    ))
                }
            }
        }
        other => return Err(DashError::BadRequest(format!("Azione «{other}» sconosciuta / Unknown action"))),
    };
    // Another Comune's report is a 403 here (the API's change_status answers 404).
    service::dashboard_report(&state, &session.staff, &id).await?;
    let after = service::change_status(&state, &session.staff, &id, to).await?;
    Ok(Redirect::to(&format!("/dashboard/reports/{id}?fatto={}", after.status.code())).into_response())
}
