//! The app's texts: both languages have every key, every key the code asks
//! for exists, and no text is left in the code.

use casa_mobile::app::i18n::FILES;
use casa_shared_model::i18n::{keys_used, Catalog, FtlFile, Lang};

fn rust_files(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("source dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push((path.display().to_string(), std::fs::read_to_string(&path).expect("source")));
        }
    }
}

/// The app's screens: the shell's under `src/app`, each service's
/// `screens.rs` under `src/services` (its tables and sync glue show nothing).
fn sources() -> Vec<(String, String)> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    rust_files(&src.join("app"), &mut out);
    let mut services = Vec::new();
    rust_files(&src.join("services"), &mut services);
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
    let trimmed: String = FILES
        .iter()
        .filter(|f| f.lang == Lang::En)
        .map(|f| f.source.lines().filter(|l| !l.starts_with(&format!("{first_key} ="))).collect::<Vec<_>>().join("\n") + "\n")
        .collect();
    let trimmed: &'static str = Box::leak(trimmed.into_boxed_str());
    let mut files: Vec<FtlFile> = FILES.iter().filter(|f| f.lang == Lang::It).copied().collect();
    files.push(FtlFile { lang: Lang::En, name: "en/all.ftl", source: trimmed });
    let catalog = Catalog::new(&files).expect("parse");
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

/// A string literal that reads as words: two words, or one with an accent,
/// once its `{placeholders}` are taken out. Lowercase words alone are CSS
/// classes (`"chip selected"`), not texts.
fn reads_as_text(literal: &str) -> bool {
    let mut bare = String::new();
    let mut depth = 0;
    for c in literal.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ if depth == 0 => bare.push(c),
            _ => {}
        }
    }
    let literal = bare.as_str();
    if literal.chars().all(|c| c.is_ascii_lowercase() || c == ' ' || c == '-') {
        return false;
    }
    let word = |w: &str| w.chars().collect::<Vec<_>>().windows(2).any(|p| p[0].is_alphabetic() && p[1].is_alphabetic());
    let words = literal.split_whitespace().filter(|w| word(w)).count();
    let accented = literal.chars().any(|c| "àèéìòùÈ".contains(c));
    (words >= 2 || accented) && !literal.contains("{}")
}

#[test]
fn no_text_is_left_in_the_apps_code() {
    // Logs, panics and tests speak to developers; rsx attributes (`class:
    // "…"`) and Fluent file names are not read by the citizen.
    let skip = ["tracing::", "eprintln!", "expect(", "panic!", "assert", "#[", "//", "include_str!", "ftl!", "concat!", "with_custom_head"];
    let mut found = Vec::new();
    for (path, source) in sources() {
        let body = source.split("#[cfg(test)]").next().unwrap_or_default();
        for (n, line) in body.lines().enumerate() {
            if skip.iter().any(|s| line.contains(s)) {
                continue;
            }
            let mut rest = line;
            while let Some(start) = rest.find('"') {
                let after = &rest[start + 1..];
                let Some(end) = after.find('"') else { break };
                let literal = &after[..end];
                let attribute = rest[..start].trim_end().ends_with(':') || rest[..start].ends_with('=');
                if !attribute && reads_as_text(literal) {
                    found.push(format!("{path}:{}: {literal}", n + 1));
                }
                rest = &after[end + 1..];
            }
        }
    }
    assert!(found.is_empty(), "texts in the code instead of the Fluent files:\n{}", found.join("\n"));
}

#[test]
fn every_status_and_badge_a_citizen_may_see_has_its_words() {
    use casa_shared_model::badge::BadgeKind;
    use casa_shared_model::petition::PetitionStatus;
    use casa_shared_model::{ReportId, ReportStatus};
    let catalog = Catalog::new(FILES).expect("parse");
    let reports = [
        ReportStatus::Submitted,
        ReportStatus::InModeration,
        ReportStatus::Published,
        ReportStatus::Rejected { reason: String::new() },
        ReportStatus::AssignedToDepartment { department: String::new() },
        ReportStatus::ConfirmedByInspector,
        ReportStatus::InProgress,
        ReportStatus::Resolved,
        ReportStatus::Closed,
        ReportStatus::DuplicateOf { report_id: ReportId::new() },
    ];
    let petitions = [
        PetitionStatus::Draft,
        PetitionStatus::Submitted,
        PetitionStatus::InModeration,
        PetitionStatus::Open,
        PetitionStatus::AwaitingResponse,
        PetitionStatus::AwaitingDebate,
        PetitionStatus::Closed,
        PetitionStatus::Answered,
        PetitionStatus::Rejected { reason: String::new() },
    ];
    let keys = reports
        .iter()
        .map(|s| format!("reports-status-{}", s.code()))
        .chain(petitions.iter().map(|s| format!("petitions-status-{}", s.code())))
        .chain(BadgeKind::ALL.iter().map(|k| format!("badges-name-{}", k.as_str())))
        .chain(
            [
                "invalid_title",
                "invalid_body",
                "invalid_text",
                "invalid_duration",
                "invalid_thresholds",
                "invalid_cosponsors",
                "invalid_anonymisation",
            ]
            .iter()
            .map(|code| format!("petitions-invalid-{code}")),
        );
    for key in keys {
        assert!(catalog.has(Lang::It, &key) && catalog.has(Lang::En, &key), "no text for {key}");
    }
}
