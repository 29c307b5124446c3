//! The app's texts: both languages have every key, every key the code asks
//! for exists, and no text is left in the code.

use casa_mobile::app::i18n::FILES;
use casa_shared_model::i18n::{keys_used, Catalog, FtlFile, Lang};

fn sources() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/app");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("src/app") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "rs") {
            out.push((path.display().to_string(), std::fs::read_to_string(&path).expect("source")));
        }
    }
    assert!(out.len() >= 8, "the app's sources were not found in {}", dir.display());
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
