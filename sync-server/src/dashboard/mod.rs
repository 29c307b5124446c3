//! The staff dashboard under `/dashboard`: server-rendered pages that work
//! without JavaScript. This is the platform's part (sign-in, the clerk's
//! language, errors, the page frame and the Comune's tabs); each component
//! mounts its own pages (`Component::dashboard_routes`) and tabs
//! (`Component::dashboard_tabs`). Handlers extract, call the service, render.

use axum::body::Bytes;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;

use crate::platform::error::ServiceError;
use crate::platform::staff::Staff;
use crate::platform::staff::{self, LoginError};
use crate::platform::state::AppState;
use crate::store::{SessionRecord, StoreError};

pub mod i18n;
pub mod pages;

pub use i18n::{t, t_with};

pub const SESSION_COOKIE: &str = "casa_session";
/// Holds the login form's anti-forgery token until the form comes back.
pub const LOGIN_COOKIE: &str = "casa_login";
const PATH: &str = "/dashboard";

pub fn router(state: &AppState) -> Router<AppState> {
    let assets = tower_http::services::ServeDir::new(state.dashboard_assets());
    let mut router = Router::new()
        .route("/", get(home))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/lingua", post(choose_language))
        // Photos under the dashboard's path, where its session cookie goes.
        .route("/photos/{sha256}", get(crate::platform::routes::uploads::photo))
        .route("/app.js", get(script))
        .nest_service("/static", assets);
    for component in state.components().iter() {
        router = router.merge(component.dashboard_routes());
    }
    router.fallback(|| async { DashError::NotFound }).layer(axum::middleware::from_fn_with_state(state.clone(), i18n::middleware))
}

/// Every failure of a dashboard page, rendered as a page with its status,
/// in the clerk's language.
#[derive(Debug)]
pub enum DashError {
    NotFound,
    Forbidden,
    /// What was wrong, already in the clerk's language.
    BadRequest(String),
    Conflict(String),
    /// The form's anti-forgery token is missing or wrong.
    Csrf,
    Internal,
}

impl DashError {
    /// A 400 whose text is the Fluent `key`.
    pub fn bad(key: &str) -> Self {
        DashError::BadRequest(t(key))
    }
}

impl From<ServiceError> for DashError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound => DashError::NotFound,
            ServiceError::Forbidden => DashError::Forbidden,
            ServiceError::Rejected { code, message } => {
                tracing::info!(code, "dashboard action refused");
                DashError::BadRequest(error_text(code, &message))
            }
            ServiceError::InvalidTransition(tr) => {
                tracing::info!(from = tr.from, to = tr.to, "dashboard transition refused");
                DashError::Conflict(t("dash-error-invalid-transition"))
            }
            ServiceError::StaleStatus => DashError::Conflict(t("dash-error-stale-status")),
            ServiceError::Store(e) => DashError::from(e),
        }
    }
}

/// A service's refusal in the clerk's words: each stable code has its text
/// (`error-<code>`); an unknown one keeps the service's own message.
pub fn error_text(code: &str, message: &str) -> String {
    let key = format!("error-{code}");
    if i18n::has(&key) {
        t(&key)
    } else {
        tracing::warn!(code, "no dashboard text for this refusal");
        message.to_owned()
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
            DashError::NotFound => (StatusCode::NOT_FOUND, t("dash-error-not-found-title"), t("dash-error-not-found")),
            DashError::Forbidden => (StatusCode::FORBIDDEN, t("dash-error-forbidden-title"), t("dash-error-forbidden")),
            DashError::BadRequest(m) => (StatusCode::BAD_REQUEST, t("dash-error-bad-request-title"), m),
            DashError::Conflict(m) => (StatusCode::CONFLICT, t("dash-error-conflict-title"), m),
            DashError::Csrf => (StatusCode::FORBIDDEN, t("dash-error-csrf-title"), t("dash-error-csrf")),
            DashError::Internal => (StatusCode::INTERNAL_SERVER_ERROR, t("dash-error-internal-title"), t("dash-error-internal")),
        };
        (status, pages::error_page(&title, &text)).into_response()
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
    pub fn check_csrf(&self, sent: &str) -> Result<(), DashError> {
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

pub fn parse_form<T: for<'de> Deserialize<'de>>(body: &Bytes) -> Result<T, DashError> {
    if crate::platform::routes::extract::carries_nul(body) {
        return Err(DashError::bad("dash-error-control-characters"));
    }
    serde_urlencoded::from_bytes(body).map_err(|_| DashError::bad("dash-error-invalid-form"))
}

async fn home(session: StaffSession, State(state): State<AppState>) -> Response {
    let directory = state.directory();
    let Some(first) = directory.order.iter().find(|c| session.staff.covers(c)) else {
        return pages::no_comuni(&session.staff, &session.session.csrf).into_response();
    };
    // Each role lands where its work is: the first tab it has.
    let tabs = pages::tabs(&session.staff, first);
    match tabs.first() {
        Some(tab) => Redirect::to(&tab.href).into_response(),
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

/// A failed sign-in in the clerk's words.
fn login_error_text(e: &LoginError) -> String {
    match e {
        LoginError::InvalidCredentials => t("dash-login-wrong"),
        LoginError::Throttled { .. } => t("dash-login-throttled"),
        LoginError::Store(_) => t("dash-error-internal"),
    }
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
            let page = pages::login(&expected, Some(&login_error_text(&e)), &form.email);
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

#[derive(Deserialize)]
struct LanguageForm {
    #[serde(default)]
    lang: String,
    /// The page to go back to, under `/dashboard`.
    #[serde(default)]
    back: String,
}

/// `POST /dashboard/lingua`: keeps the clerk's language for a year and goes
/// back to the page they were on. Choosing a language needs no session (the
/// login page has the switch too) and changes nothing but the pages' words.
async fn choose_language(State(state): State<AppState>, jar: CookieJar, body: Bytes) -> Result<Response, DashError> {
    let form: LanguageForm = parse_form(&body)?;
    if !matches!(form.lang.as_str(), "it" | "en") {
        return Err(DashError::bad("dash-error-unknown-language"));
    }
    // Only back to a page of the dashboard: never to another site.
    let back = if form.back.starts_with("/dashboard") && !form.back.starts_with("//") && !form.back.contains("://") {
        form.back
    } else {
        "/dashboard".to_owned()
    };
    // Unlike the session's, it outlives the browser and follows a link in.
    let mut chosen = cookie(&state, i18n::LANG_COOKIE, form.lang);
    chosen.set_same_site(SameSite::Lax);
    chosen.set_max_age(time::Duration::days(365));
    Ok((jar.add(chosen), Redirect::to(&back)).into_response())
}

/// The dashboard's only script: the live banner of the queue, and drawing
/// the blur region with the mouse or a finger (which fills the form's four
/// fields, which also work typed by hand).
async fn script() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (axum::http::header::CACHE_CONTROL, "no-cache")],
        include_str!("app.js"),
    )
}
