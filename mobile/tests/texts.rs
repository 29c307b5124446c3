//! The app's texts: both languages have every key, every key the code asks
//! for exists, and no text is left in the code.

use casa_mobile::i18n::FILES;
use casa_shared_model::i18n::{keys_used, rust_sources, texts_in_code, Catalog, Lang};

/// The app's screens: the shell's under `src/app`, each service's
/// `screens.rs` or `screens/` under `src/services` (its tables and sync
/// glue show nothing).
fn sources() -> Vec<(String, String)> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = rust_sources(&src.join("app")).expect("src/app");
    let services = rust_sources(&src.join("services")).expect("src/services");
    out.extend(services.into_iter().filter(|(path, _)| path.contains("/screens")));
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

/// What the app tells of `e` in `lang`, checked to be a whole sentence of
/// the Fluent files: the key exists and every placeholder got its value.
fn told(catalog: &Catalog, lang: Lang, words: &casa_mobile::i18n::Words) -> String {
    assert!(catalog.has(lang, &words.key), "no text for {} in {lang:?}", words.key);
    let args: Vec<(&str, casa_shared_model::i18n::Arg)> = words.args.iter().map(|(k, v)| (*k, v.clone())).collect();
    let text = catalog.text_with(lang, &words.key, &args);
    assert!(!text.contains('{'), "{}: a placeholder left empty in {lang:?}: {text}", words.key);
    text
}

#[test]
fn every_error_a_citizen_may_meet_is_told_in_words_of_both_languages() {
    use casa_mobile::explain::{refused_item, FileUnreadable, API_CODES, REFUSED_CODES};
    use casa_mobile::i18n::Explain;
    use casa_mobile::inspector::InspectorError;
    use casa_mobile::photo::PhotoError;
    use casa_mobile::services::petitions::{ProposeRefused, SignRefused};
    use casa_mobile::store::ReopenRefused;
    use casa_mobile::{ClientError, StoreError};
    use casa_shared_model::inspection::InspectionError;
    use casa_shared_model::petition::PetitionError;
    use casa_shared_model::report::{ReopenError, ReportError};

    let catalog = Catalog::new(FILES).expect("parse");
    let api = |status: u16, code: &str| ClientError::Api { status, code: code.to_owned(), message: "m".to_owned() };
    let mut errors: Vec<Box<dyn Explain>> = vec![
        Box::new(StoreError::Corrupt("x".into())),
        Box::new(StoreError::NotFound("x".into())),
        Box::new(ClientError::InvalidResponse("x".into())),
        Box::new(api(429, "other")),
        Box::new(api(500, "internal_error")),
        Box::new(api(401, "other")),
        Box::new(api(422, "other")),
        Box::new(InspectorError::NotLoggedIn),
        Box::new(InspectorError::SessionExpired),
        Box::new(PhotoError::UnsupportedFormat),
        Box::new(PhotoError::TooManyPixels(200)),
        Box::new(PhotoError::TooManyBytes(70)),
        Box::new(PhotoError::Decode("x".into())),
        Box::new(PhotoError::Encode("x".into())),
        Box::new(ReopenRefused::NotFound),
        Box::new(ReopenRefused::NotResolved),
        Box::new(ReopenRefused::AlreadyPending),
        Box::new(ReportError::InvalidAccuracy(-1.0)),
        Box::new(ReportError::DescriptionTooLong(2500)),
        Box::new(ReportError::TooManyPhotos(6)),
        Box::new(ReopenError::ReasonTooShort),
        Box::new(ReopenError::ReasonTooLong),
        Box::new(InspectionError::TooFar { distance_m: 81.4, accuracy_m: 6.0 }),
        Box::new(InspectionError::PhotoStale { minutes: 41 }),
        Box::new(InspectionError::FixStale { minutes: 20 }),
        Box::new(FileUnreadable { path: "/tmp/photo.jpg".into(), cause: std::io::ErrorKind::NotFound.into() }),
        Box::new(SignRefused::NotFound),
        Box::new(SignRefused::Closed),
        Box::new(SignRefused::AlreadySigned),
        Box::new(SignRefused::NotSigned),
        Box::new(SignRefused::NoIdentity),
        Box::new(SignRefused::Invalidated),
        Box::new(ProposeRefused::NoIdentity),
        Box::new(ProposeRefused::Invalid(PetitionError::Title)),
    ];
    errors.extend(API_CODES.iter().map(|code| Box::new(api(400, code)) as Box<dyn Explain>));
    let mut words: Vec<casa_mobile::i18n::Words> = errors.iter().map(|e| e.words()).collect();
    // Every code of the domain's rules, each with its own words.
    let coded =
        |prefix: &str, codes: &[&str]| codes.iter().map(|c| casa_mobile::i18n::Words::new(format!("{prefix}{c}"))).collect::<Vec<_>>();
    let with_args = ["error-report-invalid_accuracy", "error-report-description_too_long", "error-report-too_many_photos"];
    let with_args: Vec<&str> = with_args
        .into_iter()
        .chain(["error-reopen-reason_too_short", "error-reopen-reason_too_long"])
        .chain(["error-inspection-too_far", "error-inspection-photo_stale", "error-inspection-fix_stale"])
        .collect();
    for w in coded("error-report-", &ReportError::CODES)
        .into_iter()
        .chain(coded("error-reopen-", &ReopenError::CODES))
        .chain(coded("error-inspection-", &InspectionError::CODES))
    {
        // Those with placeholders were told whole above.
        if with_args.contains(&w.key.as_str()) {
            assert!(catalog.has(Lang::It, &w.key) && catalog.has(Lang::En, &w.key), "no text for {}", w.key);
        } else {
            words.push(w);
        }
    }
    words.extend(REFUSED_CODES.iter().map(|c| refused_item(c)));
    words.extend(casa_mobile::services::petitions::SERVER_REFUSALS.iter().map(|c| casa_mobile::services::petitions::server_refusal(c)));
    words.push(casa_mobile::services::petitions::server_refusal("a_code_the_app_does_not_know"));
    words.push(refused_item("a_code_the_app_does_not_know"));
    for w in &words {
        let (it, en) = (told(&catalog, Lang::It, w), told(&catalog, Lang::En, w));
        assert_ne!(it, en, "{}: the same words in both languages", w.key);
    }
    assert_eq!(told(&catalog, Lang::It, &api(400, "nickname_taken").words()), catalog.text(Lang::It, "error-api-nickname_taken"));
    assert_eq!(api(400, "a_code_the_app_does_not_know").words().key, "error-refused-request");
}

#[test]
fn the_command_line_speaks_the_words_of_the_fluent_files() {
    let catalog = Catalog::new(FILES).expect("parse");
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/bin/casa");
    let sources = rust_sources(&src).expect("src/bin/casa");
    assert!(sources.len() >= 4, "{sources:?}");
    let texts: Vec<&str> = sources.iter().map(|(_, s)| s.as_str()).collect();
    let mut used = keys_used(&texts, " t(\"");
    used.extend(keys_used(&texts, "(t(\""));
    used.extend(keys_used(&texts, "t_with(\""));
    used.extend(keys_used(&texts, "Words::new(\""));
    assert!(used.len() > 50, "only {} keys found in the command line", used.len());
    let unknown: Vec<&String> = used.iter().filter(|k| !catalog.has(Lang::It, k) || !catalog.has(Lang::En, k)).collect();
    assert!(unknown.is_empty(), "keys used by the command line but not in the Fluent files: {unknown:?}");
    // Its errors' Display and its options' help are for developers.
    let skip = ["#[", "///", "//", "eprintln!(\"casa:", "expect("];
    let found: Vec<String> = sources
        .iter()
        .flat_map(|(path, source)| texts_in_code(source, &skip).into_iter().map(move |(n, text)| format!("{path}:{n}: {text}")))
        .collect();
    assert!(found.is_empty(), "texts in the command line's code instead of the Fluent files:\n{}", found.join("\n"));
}
