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

/// A moment as the dashboard shows it, in Europe/Rome time.
pub fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    let local = at.with_timezone(&TIME_ZONE);
    match lang() {
        Lang::It => local.format("%d/%m/%Y %H:%M").to_string(),
        Lang::En => local.format("%Y-%m-%d %H:%M").to_string(),
    }
}

/// Where the staff work: every time they read or type is this zone's
/// (CET, CEST in summer), as the phones show their local time.
pub const TIME_ZONE: chrono_tz::Tz = chrono_tz::Europe::Rome;

/// A time typed in a `datetime-local` field, read as Europe/Rome time. An
/// hour that does not exist (the spring change) or exists twice (the
/// autumn one) takes its first instant, or none.
pub fn from_local(t: chrono::NaiveDateTime) -> Option<chrono::DateTime<chrono::Utc>> {
    use chrono::TimeZone;
    TIME_ZONE.from_local_datetime(&t).earliest().map(|t| t.with_timezone(&chrono::Utc))
}

/// A time as a `datetime-local` field shows it, in Europe/Rome time.
pub fn to_local(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&TIME_ZONE).format("%Y-%m-%dT%H:%M").to_string()
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

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};

    use super::*;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).single().expect("a valid time")
    }

    fn typed(y: i32, m: u32, d: u32, h: u32) -> chrono::NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d).and_then(|d| d.and_hms_opt(h, 0, 0)).expect("a valid time")
    }

    #[test]
    fn staff_read_and_type_times_in_rome_summer_and_winter_alike() {
        // Outside a page the language is Italian.
        assert_eq!(when(utc(2026, 7, 1, 10, 0)), "01/07/2026 12:00");
        assert_eq!(when(utc(2026, 1, 15, 10, 0)), "15/01/2026 11:00");
        // Half past midnight in Rome is still the previous day in UTC.
        assert_eq!(when(utc(2026, 12, 31, 23, 30)), "01/01/2027 00:30");
        assert_eq!(from_local(typed(2026, 7, 1, 18)), Some(utc(2026, 7, 1, 16, 0)));
        assert_eq!(from_local(typed(2026, 2, 1, 18)), Some(utc(2026, 2, 1, 17, 0)));
        // 02:00-02:59 on the last Sunday of March does not exist in Rome.
        assert_eq!(from_local(typed(2026, 3, 29, 2)), None);
        // 02:00 on the last Sunday of October happens twice: the first one.
        assert_eq!(from_local(typed(2026, 10, 25, 2)), Some(utc(2026, 10, 25, 0, 0)));
        assert_eq!(to_local(utc(2026, 7, 1, 16, 0)), "2026-07-01T18:00");
    }
}
