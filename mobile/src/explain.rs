//! The words a citizen reads for each error the app may meet: the app's
//! own (storage, network, photos, inspector mode) and the domain's rules
//! (a report, a reopen request, a site visit). Each maps to a key of
//! `i18n/<lang>/errors.ftl`; the error's `Display`, with its codes and
//! causes, stays for the log.

use casa_shared_model::inspection::{InspectionError, CONFIRM_RADIUS_M};
use casa_shared_model::report::{ReopenError, ReportError, DESCRIPTION_MAX_CHARS, MAX_ACCURACY_M, MAX_PHOTOS};
use casa_shared_model::report::{REOPEN_REASON_MAX_CHARS, REOPEN_REASON_MIN_CHARS};

use crate::client::ClientError;
use crate::i18n::{Explain, Words};
use crate::inspector::InspectorError;
use crate::photo::PhotoError;
use crate::sections::SectionError;
use crate::store::{ReopenRefused, StoreError};
use crate::sync::SyncFailure;

/// The server's refusals the app tells in its own words (`error-api-<code>`);
/// any other is told by its HTTP status's kind.
pub const API_CODES: [&str; 11] = [
    "invalid_activation_code",
    "invalid_token",
    "too_many_attempts",
    "rate_limited",
    "invalid_credentials",
    "not_an_inspector",
    "invalid_nickname",
    "no_results_here",
    "nickname_taken",
    "service_disabled",
    "not_found",
];

/// Why the server refused a report or reopen request the phone had sent
/// (`error-refused-<code>`); any other code reads as a plain refusal.
pub const REFUSED_CODES: [&str; 8] = [
    "outside_area",
    "service_disabled",
    "unknown_category",
    "id_conflict",
    "wrong_jurisdiction",
    "report_not_found",
    "not_your_report",
    "not_resolved",
];

/// The words for the refusal `code` of an item the server did not take.
pub fn refused_item(code: &str) -> Words {
    Words::of_code("error-refused-", &REFUSED_CODES, code, "error-refused")
}

impl Explain for StoreError {
    fn words(&self) -> Words {
        match self {
            // The only thing the phone is asked for and may not hold: a
            // visit for an assignment the last sync took away.
            StoreError::NotFound(_) => Words::new("error-assignment-gone"),
            StoreError::Sqlite(_) | StoreError::Migration(_) | StoreError::Corrupt(_) | StoreError::Io(_) => Words::new("error-storage"),
        }
    }
}

impl Explain for ClientError {
    fn words(&self) -> Words {
        match self {
            ClientError::Network(_) => Words::new("error-network"),
            ClientError::InvalidResponse(_) => Words::new("error-invalid-answer"),
            ClientError::Api { code, .. } if API_CODES.contains(&code.as_str()) => Words::new(format!("error-api-{code}")),
            ClientError::Api { status, .. } => Words::new(match status {
                408 | 429 | 503 => "error-server-busy",
                500.. => "error-server-trouble",
                401 | 403 => "error-not-allowed",
                _ => "error-refused-request",
            }),
        }
    }
}

impl Explain for SyncFailure {
    fn words(&self) -> Words {
        match self {
            SyncFailure::Store(e) => e.words(),
            SyncFailure::Client(e) => e.words(),
        }
    }
}

impl Explain for SectionError {
    fn words(&self) -> Words {
        match self {
            SectionError::Store(e) => e.words(),
            SectionError::Malformed { .. } => Words::new("error-invalid-answer"),
        }
    }
}

impl Explain for InspectorError {
    fn words(&self) -> Words {
        match self {
            InspectorError::NotLoggedIn => Words::new("error-inspector-not-logged-in"),
            InspectorError::SessionExpired => Words::new("error-inspector-session-expired"),
            InspectorError::Sync(e) => e.words(),
        }
    }
}

impl Explain for PhotoError {
    fn words(&self) -> Words {
        match self {
            PhotoError::UnsupportedFormat => Words::new("error-photo-format"),
            PhotoError::TooManyPixels(megapixels) => Words::new("error-photo-too-many-pixels").with("megapixels", *megapixels),
            PhotoError::TooManyBytes(mb) => Words::new("error-photo-too-large").with("mb", *mb),
            PhotoError::Decode(_) => Words::new("error-photo-unreadable"),
            PhotoError::Encode(_) => Words::new("error-photo-not-prepared"),
        }
    }
}

impl Explain for ReopenRefused {
    fn words(&self) -> Words {
        match self {
            ReopenRefused::NotFound => Words::new("error-reopen-not-on-phone"),
            ReopenRefused::NotResolved => Words::new("error-reopen-not-resolved"),
            ReopenRefused::AlreadyPending => Words::new("error-reopen-pending"),
            ReopenRefused::Invalid(e) => e.words(),
        }
    }
}

impl Explain for ReopenError {
    fn words(&self) -> Words {
        let words = Words::new(format!("error-reopen-{}", self.code()));
        match self {
            ReopenError::ReasonTooShort => words.with("min", REOPEN_REASON_MIN_CHARS),
            ReopenError::ReasonTooLong => words.with("max", REOPEN_REASON_MAX_CHARS),
            _ => words,
        }
    }
}

impl Explain for ReportError {
    fn words(&self) -> Words {
        let words = Words::new(format!("error-report-{}", self.code()));
        match self {
            ReportError::InvalidAccuracy(_) => words.with("max", MAX_ACCURACY_M),
            ReportError::DescriptionTooLong(n) => words.with("n", *n).with("max", DESCRIPTION_MAX_CHARS),
            ReportError::TooManyPhotos(_) => words.with("max", MAX_PHOTOS),
            _ => words,
        }
    }
}

impl Explain for InspectionError {
    fn words(&self) -> Words {
        let words = Words::new(format!("error-inspection-{}", self.code()));
        match self {
            InspectionError::TooFar { distance_m, accuracy_m } => {
                words.with("distance", distance_m.round()).with("accuracy", accuracy_m.round()).with("radius", CONFIRM_RADIUS_M)
            }
            InspectionError::PhotoStale { minutes } | InspectionError::FixStale { minutes } => words.with("minutes", *minutes),
            _ => words,
        }
    }
}

/// A file the citizen chose could not be read (a photo from the disk).
#[derive(Debug, thiserror::Error)]
#[error("{path}: {cause}")]
pub struct FileUnreadable {
    pub path: std::path::PathBuf,
    pub cause: std::io::Error,
}

impl Explain for FileUnreadable {
    fn words(&self) -> Words {
        let name = self.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        Words::new("error-file-unreadable").with("file", name)
    }
}
