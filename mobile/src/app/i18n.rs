//! Italian first, English second: every text on screen comes in both.

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

    /// The text in this language.
    pub fn t(self, it: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::It => it,
            Lang::En => en,
        }
    }

    pub fn status(self, s: &ReportStatus) -> &'static str {
        match self {
            Lang::It => s.label_it(),
            Lang::En => s.label_en(),
        }
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

    /// How long ago, roughly ("3 min fa").
    pub fn ago(self, t: DateTime<Utc>, now: DateTime<Utc>) -> String {
        let secs = (now - t).num_seconds().max(0);
        let (n, it, en) = match secs {
            0..=59 => return self.t("adesso", "just now").to_owned(),
            60..=3599 => (secs / 60, "min fa", "min ago"),
            3600..=86_399 => (secs / 3600, "h fa", "h ago"),
            _ => (secs / 86_400, "g fa", "d ago"),
        };
        format!("{n} {}", self.t(it, en))
    }
}

/// A category's name in `lang`, from the list the Comune offers, or its code.
pub fn category_name(lang: Lang, categories: &[CategoryInfo], code: &str) -> String {
    categories.iter().find(|c| c.code == code).map(|c| lang.category(c)).unwrap_or_else(|| code.to_owned())
}
