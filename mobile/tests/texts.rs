//! The app's texts: both languages have every key, every key the code asks
//! for exists, and no text is left in the code.

use casa_mobile::app::i18n::FILES;
use casa_shared_model::i18n::{keys_used, rust_sources, texts_in_code, Catalog, Lang};

/// The app's screens: the shell's under `src/app`, each service's
/// `screens.rs` under `src/services` (its tables and sync glue show nothing).
fn sources() -> Vec<(String, String)> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = rust_sources(&src.join("app")).expect("src/app");
    let services = rust_sources(&src.join("services")).expect("src/services");
    out.extend(services.into_iter().filter(|(path, _)| path.ends_with("screens.rs")));
    assert!(out.len() >= 10, "the app's sources were not found in {}", src.display());
    out
}

#[test]
fn every_key_of_the_app_exists_in_italian_and_in_english() {
    let catalog = Catalog::new(FILES).expect("the app's Fluent files parse");
    assert!(catalog.keys().len() > 150, "{} keys", catalog.keys().len());
    assert_eq!(catalog.missing(), vec![], "keys present in one language only");
}

#[test]
fn a_key_missing_in_one_language_is_caught() {
    // The same check, on the app's files with one English key removed.
    let first_key = FILES[0].source.lines().find_map(|l| l.split_once(" = ").map(|(k, _)| k.to_owned())).expect("a key");
    let catalog = Catalog::without(FILES, Lang::En, &first_key).expect("parse");
    assert_eq!(catalog.missing(), vec![(Lang::En, first_key)]);
}

#[test]
fn every_key_the_app_asks_for_exists() {
    let catalog = Catalog::new(FILES).expect("parse");
    let sources = sources();
    let texts: Vec<&str> = sources.iter().map(|(_, s)| s.as_str()).collect();
    let mut used = keys_used(&texts, ".tr(\"");
    used.extend(keys_used(&texts, ".tr(\\\""));
    used.extend(keys_used(&texts, ".tr_with(\""));
    assert!(used.len() > 150, "only {} keys found in the code", used.len());
    let unknown: Vec<&String> = used.iter().filter(|k| !catalog.has(Lang::It, k) || !catalog.has(Lang::En, k)).collect();
    assert!(unknown.is_empty(), "keys used in the code but not in the Fluent files: {unknown:?}");
}

#[test]
fn no_text_is_left_in_the_code_as_an_italian_and_english_pair() {
    for (path, source) in sources() {
        for (n, line) in source.lines().enumerate() {
            let pair = line.contains(".t(\"") || line.contains(".t(\\\"") || line.trim_end().ends_with(".t(");
            assert!(!pair, "{path}:{}: a text pair in the code: {line}", n + 1);
        }
    }
}

#[test]
fn no_text_is_left_in_the_apps_code() {
    // Logs, panics and tests speak to developers; Fluent file names and the
    // page head are not read by the citizen.
    let skip = ["tracing::", "eprintln!", "expect(", "panic!", "assert", "#[", "//", "include_str!", "ftl_file!", "with_custom_head"];
    let found: Vec<String> = sources()
        .iter()
        .flat_map(|(path, source)| texts_in_code(source, &skip).into_iter().map(move |(n, text)| format!("{path}:{n}: {text}")))
        .collect();
    assert!(found.is_empty(), "texts in the code instead of the Fluent files:\n{}", found.join("\n"));
}

#[test]
fn every_status_and_badge_a_citizen_may_see_has_its_words() {
    use casa_shared_model::badge::BadgeKind;
    use casa_shared_model::petition::{PetitionError, PetitionStatus};
    use casa_shared_model::ReportStatus;
    let catalog = Catalog::new(FILES).expect("parse");
    let keys = ReportStatus::CODES
        .iter()
        .map(|code| format!("reports-status-{code}"))
        .chain(PetitionStatus::CODES.iter().map(|code| format!("petitions-status-{code}")))
        .chain(BadgeKind::ALL.iter().map(|k| format!("badges-name-{}", k.as_str())))
        .chain(PetitionError::CODES.iter().map(|code| format!("petitions-invalid-{code}")));
    for key in keys {
        assert!(catalog.has(Lang::It, &key) && catalog.has(Lang::En, &key), "no text for {key}");
    }
}
