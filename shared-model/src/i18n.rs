//! Texts people read, from Fluent files (`.ftl`, one per language and part),
//! so translators work without touching code. The app and the dashboard each
//! build one [`Catalog`] from their files at start; a key missing in one
//! language is a test failure (see [`Catalog::missing`]), and at run time it
//! falls back to the other language rather than showing a code.

use std::collections::BTreeSet;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// The languages a citizen or a clerk may choose. Italian is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub enum Lang {
    #[default]
    It,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::It, Lang::En];

    /// `en` (or `en-GB`...) is English; anything else is Italian.
    pub fn from_code(code: &str) -> Self {
        let primary = code.trim().split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("en") {
            Lang::En
        } else {
            Lang::It
        }
    }

    /// The first language of an `Accept-Language` header that we speak.
    pub fn from_accept_language(header: &str) -> Option<Self> {
        header.split(',').map(|part| part.split(';').next().unwrap_or("").trim()).find_map(|tag| {
            let primary = tag.split(['-', '_']).next().unwrap_or("");
            if primary.eq_ignore_ascii_case("en") {
                Some(Lang::En)
            } else if primary.eq_ignore_ascii_case("it") {
                Some(Lang::It)
            } else {
                None
            }
        })
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::It => "it",
            Lang::En => "en",
        }
    }

    fn other(self) -> Lang {
        match self {
            Lang::It => Lang::En,
            Lang::En => Lang::It,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{file}: Fluent syntax errors: {errors}")]
    Syntax { file: String, errors: String },
    #[error("{file}: key {key} defined twice")]
    Duplicate { file: String, key: String },
}

/// One Fluent file: its name (for errors) and its text.
#[derive(Debug, Clone, Copy)]
pub struct FtlFile<'a> {
    pub lang: Lang,
    pub name: &'a str,
    pub source: &'a str,
}

/// The Fluent file `i18n/<dir>/<part>.ftl` of the crate that names it,
/// compiled in: `ftl_file!(It, "it", "reports")`.
#[macro_export]
macro_rules! ftl_file {
    ($lang:ident, $dir:literal, $part:literal) => {
        $crate::i18n::FtlFile {
            lang: $crate::i18n::Lang::$lang,
            name: concat!($dir, "/", $part, ".ftl"),
            source: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/i18n/", $dir, "/", $part, ".ftl")),
        }
    };
}

/// Every text of one part of the product, in every language.
pub struct Catalog {
    bundles: Vec<(Lang, FluentBundle<FluentResource>, BTreeSet<String>)>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys: Vec<_> = self.bundles.iter().map(|(l, _, k)| (l.code(), k.len())).collect();
        f.debug_struct("Catalog").field("keys", &keys).finish()
    }
}

impl Catalog {
    /// Parses the files; a syntax error or a key defined twice is an error
    /// (and a failing test), never a silently missing text.
    pub fn new(files: &[FtlFile]) -> Result<Self, CatalogError> {
        let mut bundles = Vec::new();
        for lang in Lang::ALL {
            let id: LanguageIdentifier = match lang {
                Lang::It => unic_langid::langid!("it"),
                Lang::En => unic_langid::langid!("en"),
            };
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // Isolation marks around arguments would show up in plain-text
            // places (terminal, e-mail, tests); our arguments are never
            // right-to-left text.
            bundle.set_use_isolating(false);
            let mut keys = BTreeSet::new();
            for file in files.iter().filter(|f| f.lang == lang) {
                let resource = FluentResource::try_new(file.source.to_owned()).map_err(|(_, errors)| CatalogError::Syntax {
                    file: file.name.to_owned(),
                    errors: errors.iter().map(|e| format!("{e:?}")).collect::<Vec<_>>().join("; "),
                })?;
                for entry in resource.entries() {
                    if let fluent_syntax::ast::Entry::Message(m) = entry {
                        if !keys.insert(m.id.name.to_owned()) {
                            return Err(CatalogError::Duplicate { file: file.name.to_owned(), key: m.id.name.to_owned() });
                        }
                    }
                }
                bundle
                    .add_resource(resource)
                    .map_err(|errors| CatalogError::Syntax { file: file.name.to_owned(), errors: format!("{errors:?}") })?;
            }
            bundles.push((lang, bundle, keys));
        }
        Ok(Self { bundles })
    }

    /// The catalog of `files` with the message `key` taken out of those in
    /// `lang`: for a test that the missing-key check bites on a part's real
    /// files.
    pub fn without(files: &[FtlFile], lang: Lang, key: &str) -> Result<Self, CatalogError> {
        let sources: Vec<String> = files
            .iter()
            .map(|f| {
                if f.lang != lang {
                    return f.source.to_owned();
                }
                let mut inside = false;
                let mut kept = String::new();
                for line in f.source.lines() {
                    // A message runs from `key =` over its continuation lines:
                    // indented, or a select's `}`, `[`, `*` or an attribute's `.`.
                    let continues = line.starts_with(|c: char| c.is_whitespace() || "}[*.".contains(c));
                    inside = line.starts_with(&format!("{key} =")) || (inside && continues);
                    if !inside {
                        kept.push_str(line);
                        kept.push('\n');
                    }
                }
                kept
            })
            .collect();
        let trimmed: Vec<FtlFile> = files.iter().zip(&sources).map(|(f, source)| FtlFile { source, ..*f }).collect();
        Catalog::new(&trimmed)
    }

    /// A catalog with no texts (every lookup gives the key).
    pub fn empty() -> Self {
        Self { bundles: Vec::new() }
    }

    /// The text of `key` in `lang`.
    pub fn text(&self, lang: Lang, key: &str) -> String {
        self.format(lang, key, None)
    }

    /// The text of `key` in `lang` with its `{ $name }` placeholders filled.
    pub fn text_with(&self, lang: Lang, key: &str, args: &[(&str, Arg)]) -> String {
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            let value = match value {
                Arg::Str(s) => FluentValue::from(s.clone()),
                Arg::Num(n) => FluentValue::from(*n),
            };
            fluent_args.set(*name, value);
        }
        self.format(lang, key, Some(&fluent_args))
    }

    fn format(&self, lang: Lang, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        for l in [lang, lang.other()] {
            let Some((_, bundle, _)) = self.bundles.iter().find(|(b, _, _)| *b == l) else { continue };
            let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else { continue };
            let mut errors = Vec::new();
            return bundle.format_pattern(pattern, args, &mut errors).into_owned();
        }
        // Only reachable when a key is missing in every language, which the
        // catalog tests refuse; the key beats an empty space on screen.
        key.to_owned()
    }

    /// Whether `key` exists in `lang`.
    pub fn has(&self, lang: Lang, key: &str) -> bool {
        self.bundles.iter().any(|(l, _, keys)| *l == lang && keys.contains(key))
    }

    /// Keys defined in one language and not in another, as (missing in, key).
    pub fn missing(&self) -> Vec<(Lang, String)> {
        let all: BTreeSet<&String> = self.bundles.iter().flat_map(|(_, _, keys)| keys.iter()).collect();
        let mut missing = Vec::new();
        for (lang, _, keys) in &self.bundles {
            missing.extend(all.iter().filter(|k| !keys.contains(k.as_str())).map(|k| (*lang, (*k).clone())));
        }
        missing
    }

    /// Every key, in any language.
    pub fn keys(&self) -> BTreeSet<String> {
        self.bundles.iter().flat_map(|(_, _, keys)| keys.iter().cloned()).collect()
    }
}

/// A value for a placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Str(String),
    Num(f64),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Str(s.to_owned())
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Str(s)
    }
}

impl From<u32> for Arg {
    fn from(n: u32) -> Self {
        Arg::Num(f64::from(n))
    }
}

impl From<i64> for Arg {
    fn from(n: i64) -> Self {
        // Counts shown to people are far below 2^53.
        Arg::Num(n as f64)
    }
}

impl From<usize> for Arg {
    fn from(n: usize) -> Self {
        Arg::Num(n as f64)
    }
}

impl From<u64> for Arg {
    fn from(n: u64) -> Self {
        Arg::Num(n as f64)
    }
}

impl From<f64> for Arg {
    fn from(n: f64) -> Self {
        Arg::Num(n)
    }
}

/// Every key used in `sources` through a call like `tr("key")`: `pattern`
/// is the text before the key's opening quote (e.g. `.t("`). For tests that
/// check each key used in code exists in the files.
pub fn keys_used(sources: &[&str], pattern: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    for source in sources {
        let mut rest = *source;
        while let Some(at) = rest.find(pattern) {
            rest = &rest[at + pattern.len()..];
            if let Some(end) = rest.find('"') {
                let key = &rest[..end];
                if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                    used.insert(key.to_owned());
                }
            }
        }
    }
    used
}

/// The string literals of Rust `source` that read as words people would
/// read, with their line numbers: texts that belong in a Fluent file. A
/// literal reads as words when, its `{placeholders}` taken out, it has two
/// words or an accented letter and is not only lowercase words (a CSS class,
/// `"chip selected"`). Attribute values (`class="…"`, rsx `class: "…"`),
/// the test module, and lines containing any of `skip` (logs, panics) are
/// passed over. For tests that no text is left in a part's code.
pub fn texts_in_code(source: &str, skip: &[&str]) -> Vec<(usize, String)> {
    let mut found = Vec::new();
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
            let before = rest[..start].trim_end();
            if !before.ends_with('=') && !before.ends_with(':') && reads_as_text(literal) {
                found.push((n + 1, literal.to_owned()));
            }
            rest = &after[end + 1..];
        }
    }
    found
}

/// Every `.rs` file under `dir`, with its path: the sources a texts test
/// scans with [`texts_in_code`] and [`keys_used`].
pub fn rust_sources(dir: &std::path::Path) -> std::io::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(rust_sources(&path)?);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push((path.display().to_string(), std::fs::read_to_string(&path)?));
        }
    }
    Ok(out)
}

fn reads_as_text(literal: &str) -> bool {
    let mut bare = String::new();
    let mut depth = 0usize;
    for c in literal.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            _ if depth == 0 => bare.push(c),
            _ => {}
        }
    }
    if bare.chars().all(|c| c.is_ascii_lowercase() || c == ' ' || c == '-') {
        return false;
    }
    let word = |w: &str| w.chars().collect::<Vec<_>>().windows(2).any(|p| p[0].is_alphabetic() && p[1].is_alphabetic());
    let words = bare.split_whitespace().filter(|w| word(w)).count();
    let accented = bare.chars().any(|c| "àèéìòùÈ".contains(c));
    (words >= 2 || accented) && !bare.starts_with('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    const IT: &str = "hello = Ciao { $name }\nonly-it = Solo italiano\nreports = { $n ->\n    [one] Una segnalazione\n   *[other] { $n } segnalazioni\n}\n";
    const EN: &str = "hello = Hello { $name }\nreports = { $n ->\n    [one] One report\n   *[other] { $n } reports\n}\n";

    fn catalog() -> Catalog {
        Catalog::new(&[
            FtlFile { lang: Lang::It, name: "it/test.ftl", source: IT },
            FtlFile { lang: Lang::En, name: "en/test.ftl", source: EN },
        ])
        .expect("valid files")
    }

    #[test]
    fn a_text_is_given_in_the_chosen_language_with_its_placeholders_and_plurals_filled() {
        let c = catalog();
        assert_eq!(c.text_with(Lang::It, "hello", &[("name", "Anna".into())]), "Ciao Anna");
        assert_eq!(c.text_with(Lang::En, "hello", &[("name", "Anna".into())]), "Hello Anna");
        assert_eq!(c.text_with(Lang::En, "reports", &[("n", 1u32.into())]), "One report");
        assert_eq!(c.text_with(Lang::It, "reports", &[("n", 3u32.into())]), "3 segnalazioni");
    }

    #[test]
    fn a_key_in_one_language_only_is_reported_missing_and_falls_back_to_the_other() {
        let c = catalog();
        assert_eq!(c.missing(), vec![(Lang::En, "only-it".to_owned())]);
        assert_eq!(c.text(Lang::En, "only-it"), "Solo italiano");
    }

    #[test]
    fn a_key_defined_twice_or_a_syntax_error_is_refused() {
        let twice = Catalog::new(&[FtlFile { lang: Lang::It, name: "it/a.ftl", source: "a = 1\na = 2\n" }]);
        assert!(matches!(twice, Err(CatalogError::Duplicate { .. })));
        let broken = Catalog::new(&[FtlFile { lang: Lang::It, name: "it/b.ftl", source: "a = { $\n" }]);
        assert!(matches!(broken, Err(CatalogError::Syntax { .. })));
    }

    #[test]
    fn the_language_comes_from_a_code_or_the_browsers_list() {
        assert_eq!(Lang::from_code("en-GB"), Lang::En);
        assert_eq!(Lang::from_code("fr"), Lang::It);
        assert_eq!(Lang::from_accept_language("fr-FR, en-US;q=0.8, it;q=0.5"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("de"), None);
    }

    #[test]
    fn keys_used_in_code_are_found_by_their_call() {
        let used = keys_used(&["x.t(\"a-b\") y.t(\"c\") z.t(\"not a key\")"], ".t(\"");
        assert_eq!(used.into_iter().collect::<Vec<_>>(), vec!["a-b".to_owned(), "c".to_owned()]);
    }

    #[test]
    fn a_catalog_without_a_key_in_one_language_misses_it_there_and_only_that_key() {
        let files =
            [FtlFile { lang: Lang::It, name: "it/test.ftl", source: IT }, FtlFile { lang: Lang::En, name: "en/test.ftl", source: EN }];
        let c = Catalog::without(&files, Lang::En, "reports").expect("parse");
        let mut missing = c.missing();
        missing.sort();
        assert_eq!(missing, vec![(Lang::En, "only-it".to_owned()), (Lang::En, "reports".to_owned())]);
        assert_eq!(c.text(Lang::En, "hello"), Catalog::new(&files).expect("parse").text(Lang::En, "hello"));
    }

    #[test]
    fn texts_left_in_code_are_found_and_attributes_logs_and_placeholders_are_not() {
        let source = r#"
p { "Nessuna segnalazione" }
div class="alert alert-info" { (t("key")) }
div { class: "chip selected", "{n} km" }
tracing::info!("a log line for developers");
p { "Perché" } p { "{count} · {total}" }
#[cfg(test)]
mod tests { fn f() { g("a text in a test"); } }
"#;
        let found = texts_in_code(source, &["tracing::"]);
        assert_eq!(found, vec![(2, "Nessuna segnalazione".to_owned()), (6, "Perché".to_owned())]);
    }
}
