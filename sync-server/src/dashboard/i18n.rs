//! The dashboard's texts, from the Fluent files under `sync-server/i18n/`
//! (one per language and part), and the language of the clerk reading them:
//! the one they chose (a cookie), else their browser's, else Italian.
//!
//! The language and the page's address are set once per request by
//! [`middleware`] and read by the page functions through [`t`], as a
//! request-scoped locale (Rails' `I18n.locale`, which Decidim uses): every
//! page and error of the request speaks it without a parameter threaded
//! through each helper. Outside a request (a unit test) it is Italian.

use std::sync::LazyLock;

use axum::extract::{OriginalUri, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use casa_shared_model::ftl_file;
use casa_shared_model::i18n::{Arg, Catalog, FtlFile, Lang};
use casa_shared_model::ReportStatus;

use crate::components::Registry;
use crate::platform::state::AppState;

/// The cookie that keeps a clerk's chosen language.
pub const LANG_COOKIE: &str = "casa_lang";

/// Every Fluent file of the dashboard: the platform's and each component's.
pub const FILES: &[FtlFile<'static>] = &[
    ftl_file!(It, "it", "dashboard"),
    ftl_file!(En, "en", "dashboard"),
    ftl_file!(It, "it", "reports"),
    ftl_file!(En, "en", "reports"),
    ftl_file!(It, "it", "petitions"),
    ftl_file!(En, "en", "petitions"),
];

static CATALOG: LazyLock<Catalog> = LazyLock::new(|| {
    Catalog::new(FILES).unwrap_or_else(|e| {
        // The files are compiled in and checked by the tests; a broken one
        // shows keys rather than stopping the server.
        tracing::error!(error = %e, "the dashboard's Fluent files do not parse");
        Catalog::empty()
    })
});

/// What a page needs to know of the request it answers.
#[derive(Clone)]
pub struct PageContext {
    pub lang: Lang,
    /// The page's own address (path and query), where a language switch returns.
    pub here: String,
    /// The components whose tabs a Comune's pages show.
    pub components: Option<Registry>,
}

tokio::task_local! {
    static PAGE: PageContext;
}

/// The language of the request being answered (Italian outside one).
pub fn lang() -> Lang {
    PAGE.try_with(|p| p.lang).unwrap_or_default()
}

/// The address of the page being answered.
pub fn here() -> String {
    PAGE.try_with(|p| p.here.clone()).unwrap_or_else(|_| "/dashboard".to_owned())
}

/// The registered components, to draw their tabs.
pub fn components() -> Option<Registry> {
    PAGE.try_with(|p| p.components.clone()).ok().flatten()
}

/// Whether `key` has a text in the request's language.
pub fn has(key: &str) -> bool {
    CATALOG.has(lang(), key)
}

/// The text of `key` in the request's language.
pub fn t(key: &str) -> String {
    CATALOG.text(lang(), key)
}

/// The text of `key` with its placeholders filled.
pub fn t_with(key: &str, args: &[(&str, Arg)]) -> String {
    CATALOG.text_with(lang(), key, args)
}

/// A report's status as the clerk reads it.
pub fn status(s: &ReportStatus) -> String {
    t(&format!("rep-status-{}", s.code()))
}

/// A category's name in the clerk's language.
pub fn category(info: &crate::store::CategoryRecord) -> &str {
    match lang() {
        Lang::It => &info.name_it,
        Lang::En => &info.name_en,
    }
}

/// A moment as the dashboard shows it.
pub fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    match lang() {
        Lang::It => at.format("%d/%m/%Y %H:%M").to_string(),
        Lang::En => at.format("%Y-%m-%d %H:%M").to_string(),
    }
}

/// The language a request asks for: the clerk's choice, then the browser's.
pub fn requested(headers: &axum::http::HeaderMap) -> Lang {
    let jar = CookieJar::from_headers(headers);
    if let Some(c) = jar.get(LANG_COOKIE) {
        return Lang::from_code(c.value());
    }
    headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Lang::from_accept_language).unwrap_or_default()
}

/// Sets the request's [`PageContext`] for everything that answers it.
pub async fn middleware(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // Under `nest` the request's own URI has lost the `/dashboard` prefix.
    let uri = request.extensions().get::<OriginalUri>().map(|o| &o.0).unwrap_or(request.uri());
    let here = uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/dashboard".to_owned());
    let context = PageContext { lang: requested(request.headers()), here, components: Some(state.components().clone()) };
    PAGE.scope(context, next.run(request)).await
}
