//! The dashboard's texts: both languages have every key, every key the code
//! asks for exists, every refusal of a service has words for a clerk, no
//! text is left in the code, and a clerk reads the language they chose.

mod common;

use std::path::{Path, PathBuf};

use casa_e2e::web::{browser, location, log_in, page};
use casa_shared_model::i18n::{keys_used, rust_sources, texts_in_code, Catalog, Lang};
use casa_sync_server::dashboard::i18n::FILES;
use common::{on_both_databases, TestDb};
use reqwest::StatusCode;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The dashboard's sources: the platform's and each component's pages.
fn dashboard_sources() -> Vec<(String, String)> {
    let mut out = rust_sources(&src().join("dashboard")).expect("src/dashboard");
    out.extend(rust_sources(&src().join("components/reports/dashboard")).expect("the reports' pages"));
    out.push((
        "petitions/dashboard.rs".into(),
        std::fs::read_to_string(src().join("components/petitions/dashboard.rs")).expect("petitions"),
    ));
    assert!(out.len() >= 9, "the dashboard's sources were not found under {}", src().display());
    out
}

#[test]
fn every_key_of_the_dashboard_exists_in_italian_and_in_english() {
    let catalog = Catalog::new(FILES).expect("the dashboard's Fluent files parse");
    assert!(catalog.keys().len() > 250, "{} keys", catalog.keys().len());
    assert_eq!(catalog.missing(), vec![], "keys present in one language only");
}

#[test]
fn a_key_missing_in_one_language_is_caught() {
    // The same check, on the dashboard's files with one English key removed.
    let first_key = FILES[0].source.lines().find_map(|l| l.split_once(" = ").map(|(k, _)| k.to_owned())).expect("a key");
    let catalog = Catalog::without(FILES, Lang::En, &first_key).expect("parse");
    assert_eq!(catalog.missing(), vec![(Lang::En, first_key)]);
}

#[test]
fn every_key_the_dashboard_asks_for_exists() {
    let catalog = Catalog::new(FILES).expect("parse");
    let sources = dashboard_sources();
    let texts: Vec<&str> = sources.iter().map(|(_, s)| s.as_str()).collect();
    let mut used = keys_used(&texts, "t(\"");
    for pattern in ["t_with(\"", "bad(\"", "label: \"", "(\"rep-", "(\"pet-"] {
        used.extend(keys_used(&texts, pattern));
    }
    // `(\"rep-` also matches tuples of a value and its key: keep whole keys only.
    used.retain(|k| k.starts_with("dash-") || k.starts_with("rep-") || k.starts_with("pet-"));
    assert!(used.len() > 200, "only {} keys found in the code", used.len());
    let unknown: Vec<&String> = used.iter().filter(|k| !catalog.has(Lang::It, k) || !catalog.has(Lang::En, k)).collect();
    assert!(unknown.is_empty(), "keys used in the code but not in the Fluent files: {unknown:?}");
}

#[test]
fn every_status_a_clerk_may_see_has_its_words() {
    use casa_shared_model::petition::PetitionStatus;
    use casa_shared_model::ReportStatus;
    let catalog = Catalog::new(FILES).expect("parse");
    let keys = ReportStatus::CODES
        .iter()
        .map(|code| format!("rep-status-{code}"))
        .chain(PetitionStatus::CODES.iter().map(|code| format!("pet-status-{code}")));
    for key in keys {
        assert!(catalog.has(Lang::It, &key) && catalog.has(Lang::En, &key), "no text for {key}");
    }
}

/// Every stable code a reports or petitions service refuses with.
fn refusal_codes() -> Vec<String> {
    let mut sources = rust_sources(&src().join("components/reports")).expect("reports");
    sources.extend(rust_sources(&src().join("components/petitions")).expect("petitions"));
    let mut codes = Vec::new();
    for (_, source) in &sources {
        let mut rest = source.as_str();
        while let Some(at) = rest.find("rejected(") {
            rest = &rest[at + 9..];
            let literal = rest.trim_start();
            if let Some(code) = literal.strip_prefix('"').and_then(|l| l.split('"').next()) {
                codes.push(code.to_owned());
            }
        }
    }
    // Codes of the domain's own errors, passed on as they are.
    codes.extend(["not_an_image", "image_too_large", "unreadable_image", "image_encode_failed"].map(String::from));
    codes.extend(
        [
            "invalid_title",
            "invalid_body",
            "invalid_text",
            "invalid_duration",
            "invalid_thresholds",
            "invalid_cosponsors",
            "invalid_anonymisation",
        ]
        .map(String::from),
    );
    codes.sort();
    codes.dedup();
    codes
}

#[test]
fn every_refusal_of_a_service_has_words_for_the_clerk_in_both_languages() {
    let catalog = Catalog::new(FILES).expect("parse");
    let codes = refusal_codes();
    assert!(codes.len() > 25, "only {} codes found: {codes:?}", codes.len());
    let missing: Vec<&String> =
        codes.iter().filter(|c| !catalog.has(Lang::It, &format!("error-{c}")) || !catalog.has(Lang::En, &format!("error-{c}"))).collect();
    assert!(missing.is_empty(), "refusals without a text: {missing:?}");
}

#[test]
fn no_text_is_left_in_the_dashboards_code() {
    // Logs, panics and tests speak to developers; headers are not read.
    let skip = ["tracing::", "expect(", "panic!", "assert", "#[", "//", "concat!", "include_str!", "format!(\"{", "content=", "header::"];
    let found: Vec<String> = dashboard_sources()
        .iter()
        .flat_map(|(path, source)| texts_in_code(source, &skip).into_iter().map(move |(n, text)| format!("{path}:{n}: {text}")))
        .collect();
    assert!(found.is_empty(), "texts in the code instead of the Fluent files:\n{}", found.join("\n"));
}

async fn a_clerk_reads_the_dashboard_in_the_language_they_chose_or_their_browsers(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let base = server.url.clone();
    let (email, password) = common::add_staff(&server, "mod@comune.bari.it", "moderator", &["072006"]).await;

    // No choice and no browser preference: Italian.
    let plain = browser();
    let (_, login) = page(&plain, format!("{base}/dashboard/login")).await;
    assert!(login.contains(r#"<html lang="it">"#) && login.contains("Accesso del personale"), "{login}");
    assert!(!login.contains("Staff sign-in"), "one language per page: {login}");

    // A browser asking for English gets English, errors included.
    let english = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers([(reqwest::header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9,it;q=0.5".parse().expect("header"))].into_iter().collect())
        .build()
        .expect("client");
    let (_, login) = page(&english, format!("{base}/dashboard/login")).await;
    assert!(login.contains(r#"<html lang="en">"#) && login.contains("Staff sign-in"), "{login}");
    assert!(!login.contains("Accesso del personale"), "{login}");
    let res = log_in(&english, &base, &email, "not the password").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.text().await.expect("body").contains("wrong email or password"));
    assert_eq!(log_in(&english, &base, &email, &password).await.status(), StatusCode::SEE_OTHER);
    let (status, queue) = page(&english, format!("{base}/dashboard/comuni/072006/queue")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(queue.contains(">Moderation<") && queue.contains(">Statistics<") && queue.contains(">Petitions<"), "{queue}");
    assert!(queue.contains("No reports match these filters.") && queue.contains(r#"data-many="{n} new reports have arrived.""#), "{queue}");
    let (status, missing) = page(&english, format!("{base}/dashboard/comuni/072006/queue?status=lost")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(missing.contains("Unknown status \"lost\"") || missing.contains("Unknown status &quot;lost&quot;"), "{missing}");
    assert!(!missing.contains("400"), "no HTTP code on a clerk's screen: {missing}");

    // Choosing Italian on the page wins over the browser, and keeps the clerk where they were.
    let res = english
        .post(format!("{base}/dashboard/lingua"))
        .form(&[("lang", "it"), ("back", "/dashboard/comuni/072006/statistiche")])
        .send()
        .await
        .expect("choose");
    assert_eq!((res.status(), location(&res)), (StatusCode::SEE_OTHER, "/dashboard/comuni/072006/statistiche".to_owned()));
    let (_, stats) = page(&english, format!("{base}/dashboard/comuni/072006/statistiche")).await;
    assert!(stats.contains(r#"<html lang="it">"#) && stats.contains(">Statistiche<") && stats.contains(">Moderazione<"), "{stats}");
    // The switch offers the other language, and goes back to this page.
    assert!(stats.contains(r#"name="back" value="/dashboard/comuni/072006/statistiche""#) && stats.contains(">English<"), "{stats}");

    // The switch never sends anyone to another site, and refuses a language we do not have.
    let res = english
        .post(format!("{base}/dashboard/lingua"))
        .form(&[("lang", "en"), ("back", "https://evil.example/")])
        .send()
        .await
        .expect("choose");
    assert_eq!(location(&res), "/dashboard");
    let res =
        english.post(format!("{base}/dashboard/lingua")).form(&[("lang", "fr"), ("back", "/dashboard")]).send().await.expect("choose");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let (status, page_404) = page(&english, format!("{base}/dashboard/nowhere")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page_404.contains("Page not found"), "the English choice stands: {page_404}");
}

on_both_databases!(
    a_clerk_reads_the_dashboard_in_the_language_they_chose_or_their_browsers,
    super::a_clerk_reads_the_dashboard_in_the_language_they_chose_or_their_browsers
);
