//! The app's texts, from the Fluent files under `mobile/i18n/` (one per
//! language and part), so translators work without touching code; the
//! citizen reads the language they chose. The screens and the `casa`
//! command line read the same files.

use std::sync::LazyLock;

use casa_shared_model::i18n::{Arg, Catalog, FtlFile};

use casa_shared_model::wire::CategoryInfo;
use casa_shared_model::ReportStatus;
use chrono::{DateTime, Local, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    It,
    En,
}

impl Lang {
    pub fn from_code(code: &str) -> Self {
        if code == "en" {
            Lang::En
        } else {
            Lang::It
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::It => "it",
            Lang::En => "en",
        }
    }

    /// The system's language (`LANG`, `LC_ALL`), for the one page shown
    /// before the phone's own settings can be read.
    pub fn of_system() -> Self {
        let tag = std::env::var("LC_ALL").or_else(|_| std::env::var("LANG")).unwrap_or_default();
        if tag.starts_with("en") {
            Lang::En
        } else {
            Lang::It
        }
    }

    /// The text of `key` in this language.
    pub fn tr(self, key: &str) -> String {
        CATALOG.text(self.shared(), key)
    }

    /// The text of `key` with its placeholders filled.
    pub fn tr_with(self, key: &str, args: &[(&str, Arg)]) -> String {
        CATALOG.text_with(self.shared(), key, args)
    }

    fn shared(self) -> casa_shared_model::i18n::Lang {
        match self {
            Lang::It => casa_shared_model::i18n::Lang::It,
            Lang::En => casa_shared_model::i18n::Lang::En,
        }
    }

    pub fn status(self, s: &ReportStatus) -> String {
        self.tr(&format!("reports-status-{}", s.code()))
    }

    pub fn category(self, c: &CategoryInfo) -> String {
        match self {
            Lang::It => c.name_it.clone(),
            Lang::En => c.name_en.clone(),
        }
    }

    /// A moment in the phone's local time, as people write it here.
    pub fn when(self, t: DateTime<Utc>) -> String {
        let local = t.with_timezone(&Local);
        match self {
            Lang::It => local.format("%d/%m/%Y %H:%M").to_string(),
            Lang::En => local.format("%Y-%m-%d %H:%M").to_string(),
        }
    }

    /// An error in the citizen's words: what happened and what to do next.
    /// Its own text (codes, causes) is for developers and goes to the log.
    pub fn explain(self, e: &(impl Explain + ?Sized)) -> String {
        eprintln!("{e}");
        let words = e.words();
        self.tr_with(&words.key, &words.args)
    }

    /// Words already chosen (kept from an error, say) in this language.
    pub fn words(self, w: &Words) -> String {
        self.tr_with(&w.key, &w.args)
    }

    /// Why the server did not take an item the phone sent, from its
    /// refusal code (its own message stays with the item, for `casa status`).
    pub fn refusal(self, code: &str) -> String {
        self.words(&crate::explain::refused_item(code))
    }

    /// How long ago, roughly ("3 min fa").
    pub fn ago(self, t: DateTime<Utc>, now: DateTime<Utc>) -> String {
        let secs = (now - t).num_seconds().max(0);
        let (n, key) = match secs {
            0..=59 => return self.tr("app-just-now"),
            60..=3599 => (secs / 60, "app-minutes-ago"),
            3600..=86_399 => (secs / 3600, "app-hours-ago"),
            _ => (secs / 86_400, "app-days-ago"),
        };
        self.tr_with(key, &[("n", n.into())])
    }
}

/// What the citizen is told of an error: a key of the Fluent files and its
/// arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Words {
    pub key: String,
    pub args: Vec<(&'static str, Arg)>,
}

impl Words {
    pub fn new(key: impl Into<String>) -> Self {
        Words { key: key.into(), args: Vec::new() }
    }

    /// A refusal's words by its code: `<prefix><code>` for one of `known`,
    /// else `otherwise` (a code the app has no words of its own for).
    pub fn of_code(prefix: &str, known: &[&str], code: &str, otherwise: &str) -> Self {
        if known.contains(&code) {
            Words::new(format!("{prefix}{code}"))
        } else {
            Words::new(otherwise)
        }
    }

    pub fn with(mut self, name: &'static str, value: impl Into<Arg>) -> Self {
        self.args.push((name, value.into()));
        self
    }
}

/// An error a citizen may meet, with the words to tell them (see
/// `crate::explain` for the app's own errors and the domain's).
pub trait Explain: std::fmt::Display {
    fn words(&self) -> Words;
}

/// A category's name in `lang`, from the list the Comune offers, or its code.
pub fn category_name(lang: Lang, categories: &[CategoryInfo], code: &str) -> String {
    categories.iter().find(|c| c.code == code).map(|c| lang.category(c)).unwrap_or_else(|| code.to_owned())
}

/// Every Fluent file of the app, by language.
pub const FILES: &[FtlFile<'static>] = &[
    casa_shared_model::ftl_file!(It, "it", "app"),
    casa_shared_model::ftl_file!(It, "it", "reports"),
    casa_shared_model::ftl_file!(It, "it", "petitions"),
    casa_shared_model::ftl_file!(It, "it", "badges"),
    casa_shared_model::ftl_file!(It, "it", "inspector"),
    casa_shared_model::ftl_file!(It, "it", "errors"),
    casa_shared_model::ftl_file!(It, "it", "cli"),
    casa_shared_model::ftl_file!(En, "en", "app"),
    casa_shared_model::ftl_file!(En, "en", "reports"),
    casa_shared_model::ftl_file!(En, "en", "petitions"),
    casa_shared_model::ftl_file!(En, "en", "badges"),
    casa_shared_model::ftl_file!(En, "en", "inspector"),
    casa_shared_model::ftl_file!(En, "en", "errors"),
    casa_shared_model::ftl_file!(En, "en", "cli"),
];

/// The app's catalog. The files are part of the binary and checked by the
/// tests (`mobile/tests/texts.rs`), so a broken file cannot ship; should
/// one anyway, the screen shows keys rather than the app failing to start.
static CATALOG: LazyLock<Catalog> = LazyLock::new(|| match Catalog::new(FILES) {
    Ok(c) => c,
    Err(e) => {
        eprintln!("testi dell'app non validi / the app's texts are invalid: {e}");
        Catalog::empty()
    }
});
