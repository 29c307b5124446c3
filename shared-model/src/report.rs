//! A citizen's report (segnalazione) and the rules it must satisfy.
//!
//! The same `parse` runs on the phone before a report is queued and on the
//! server when it arrives, so a report the app accepted is never refused for a
//! reason the citizen could have been told about offline.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::category::CategoryCode;
use crate::ids::ReportId;
use crate::wire::ReportPayload;

pub const DESCRIPTION_MAX_CHARS: usize = 2000;
pub const MAX_PHOTOS: usize = 5;
/// Phones' clocks drift; a capture time a little ahead of the server is not an error.
pub const CLOCK_SKEW_ALLOWANCE: Duration = Duration::minutes(10);
/// Worse than this, the fix is useless for routing (a GPS fix is metres, a cell
/// tower fix a few kilometres).
pub const MAX_ACCURACY_M: f64 = 10_000.0;

/// Why a report was refused. `code()` is stable and meant for programs; the
/// message is for people (Italian first, then English).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReportError {
    #[error("latitudine non valida ({0}): deve essere tra -90 e 90 / invalid latitude: must be between -90 and 90")]
    InvalidLatitude(f64),
    #[error("longitudine non valida ({0}): deve essere tra -180 e 180 / invalid longitude: must be between -180 and 180")]
    InvalidLongitude(f64),
    #[error("precisione non valida ({0} m): deve essere tra 0 e {MAX_ACCURACY_M} m / invalid accuracy: must be between 0 and {MAX_ACCURACY_M} m")]
    InvalidAccuracy(f64),
    #[error("la descrizione è vuota / the description is empty")]
    DescriptionEmpty,
    #[error("la descrizione è troppo lunga ({0} caratteri, massimo {DESCRIPTION_MAX_CHARS}) / the description is too long ({0} characters, at most {DESCRIPTION_MAX_CHARS})")]
    DescriptionTooLong(usize),
    #[error("la descrizione contiene caratteri di controllo / the description contains control characters")]
    DescriptionControlChars,
    #[error("categoria non valida: {0}")]
    InvalidCategory(#[from] crate::category::InvalidCategoryCode),
    #[error("troppe foto ({0}, massimo {MAX_PHOTOS}) / too many photos ({0}, at most {MAX_PHOTOS})")]
    TooManyPhotos(usize),
    #[error("riferimento foto non valido: serve lo sha256 in esadecimale minuscolo (64 caratteri) / invalid photo reference: lowercase hex sha256 (64 characters) expected")]
    InvalidPhotoRef,
    #[error("la data di acquisizione è nel futuro / the capture time is in the future")]
    CapturedInFuture,
    #[error("la data di acquisizione è precedente al 2020: controlla data e ora del telefono / the capture time is before 2020: check the phone's date and time")]
    CapturedTooEarly,
}

impl ReportError {
    /// Every error's code: what a list of messages (a Fluent file) must cover.
    pub const CODES: [&'static str; 10] = [
        "invalid_coordinates",
        "invalid_accuracy",
        "description_empty",
        "description_too_long",
        "description_invalid",
        "invalid_category",
        "too_many_photos",
        "invalid_photo_ref",
        "captured_in_future",
        "captured_too_early",
    ];

    pub fn code(&self) -> &'static str {
        match self {
            ReportError::InvalidLatitude(_) | ReportError::InvalidLongitude(_) => "invalid_coordinates",
            ReportError::InvalidAccuracy(_) => "invalid_accuracy",
            ReportError::DescriptionEmpty => "description_empty",
            ReportError::DescriptionTooLong(_) => "description_too_long",
            ReportError::DescriptionControlChars => "description_invalid",
            ReportError::InvalidCategory(_) => "invalid_category",
            ReportError::TooManyPhotos(_) => "too_many_photos",
            ReportError::InvalidPhotoRef => "invalid_photo_ref",
            ReportError::CapturedInFuture => "captured_in_future",
            ReportError::CapturedTooEarly => "captured_too_early",
        }
    }
}

/// A WGS84 position with the device's stated accuracy.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Location {
    lat: f64,
    lon: f64,
    accuracy_m: f64,
}

impl Location {
    pub fn parse(lat: f64, lon: f64, accuracy_m: f64) -> Result<Self, ReportError> {
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(ReportError::InvalidLatitude(lat));
        }
        if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
            return Err(ReportError::InvalidLongitude(lon));
        }
        if !accuracy_m.is_finite() || !(0.0..=MAX_ACCURACY_M).contains(&accuracy_m) {
            return Err(ReportError::InvalidAccuracy(accuracy_m));
        }
        Ok(Self { lat, lon, accuracy_m })
    }

    pub fn lat(&self) -> f64 {
        self.lat
    }
    pub fn lon(&self) -> f64 {
        self.lon
    }
    pub fn accuracy_m(&self) -> f64 {
        self.accuracy_m
    }

    pub fn point(&self) -> crate::geo::GeoPoint {
        crate::geo::GeoPoint { lat: self.lat, lon: self.lon }
    }
}

/// What the citizen wrote: trimmed, non-empty, at most
/// [`DESCRIPTION_MAX_CHARS`] characters, no control characters but newlines
/// and tabs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Description(String);

impl Description {
    pub fn parse(s: &str) -> Result<Self, ReportError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(ReportError::DescriptionEmpty);
        }
        // Counting stops early so a 10 MB string costs no more than a short one.
        let chars = s.chars().take(DESCRIPTION_MAX_CHARS + 1).count();
        if chars > DESCRIPTION_MAX_CHARS {
            return Err(ReportError::DescriptionTooLong(s.chars().count()));
        }
        if !s.chars().all(|c| crate::text::allowed_char(c) || c == '\r') {
            return Err(ReportError::DescriptionControlChars);
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Description {
    type Error = ReportError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Description> for String {
    fn from(d: Description) -> Self {
        d.0
    }
}

/// A photo named by the sha256 of its processed bytes (lowercase hex), so the
/// same photo is stored and uploaded once.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhotoRef(String);

impl PhotoRef {
    pub fn parse(s: &str) -> Result<Self, ReportError> {
        if s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            Ok(Self(s.to_owned()))
        } else {
            Err(ReportError::InvalidPhotoRef)
        }
    }

    pub fn of_bytes(bytes: &[u8]) -> Self {
        use sha2::Digest;
        Self(hex::encode(sha2::Sha256::digest(bytes)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PhotoRef {
    type Error = ReportError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<PhotoRef> for String {
    fn from(p: PhotoRef) -> Self {
        p.0
    }
}

/// A report that passed every rule that does not depend on the server's
/// configuration (which categories a Comune has, where its boundary runs).
#[derive(Debug, Clone, PartialEq)]
pub struct NewReport {
    pub id: ReportId,
    pub category: CategoryCode,
    pub description: Description,
    pub location: Location,
    pub captured_at: DateTime<Utc>,
    pub photos: Vec<PhotoRef>,
}

impl NewReport {
    /// Parses what a device sent; `now` is the receiver's clock.
    pub fn parse(p: &ReportPayload, now: DateTime<Utc>) -> Result<Self, ReportError> {
        let location = Location::parse(p.lat, p.lon, p.accuracy_m)?;
        let category = CategoryCode::parse(&p.category)?;
        let description = Description::parse(&p.description)?;
        if p.photos.len() > MAX_PHOTOS {
            return Err(ReportError::TooManyPhotos(p.photos.len()));
        }
        let photos = p.photos.iter().map(|s| PhotoRef::parse(s)).collect::<Result<Vec<_>, _>>()?;
        if p.captured_at > now + CLOCK_SKEW_ALLOWANCE {
            return Err(ReportError::CapturedInFuture);
        }
        if p.captured_at < crate::text::earliest_plausible() {
            return Err(ReportError::CapturedTooEarly);
        }
        Ok(Self { id: p.id, category, description, location, captured_at: p.captured_at, photos })
    }

    /// The payload this report travels as.
    pub fn to_payload(&self) -> ReportPayload {
        ReportPayload {
            id: self.id,
            category: self.category.to_string(),
            description: self.description.as_str().to_owned(),
            lat: self.location.lat(),
            lon: self.location.lon(),
            accuracy_m: self.location.accuracy_m(),
            captured_at: self.captured_at,
            photos: self.photos.iter().map(|p| p.as_str().to_owned()).collect(),
        }
    }

    /// A fingerprint of the content, so that an id re-used for different
    /// content is told apart from an honest re-send.
    pub fn fingerprint(&self) -> String {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(self.category.as_str());
        h.update([0]);
        h.update(self.description.as_str());
        h.update([0]);
        h.update(self.location.lat().to_bits().to_le_bytes());
        h.update(self.location.lon().to_bits().to_le_bytes());
        h.update(self.location.accuracy_m().to_bits().to_le_bytes());
        h.update(self.captured_at.timestamp_micros().to_le_bytes());
        for p in &self.photos {
            h.update(p.as_str());
        }
        hex::encode(h.finalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lists_of_error_codes_are_the_codes_of_every_error() {
        let category = crate::category::CategoryCode::parse("X").expect_err("invalid");
        let reports = [
            ReportError::InvalidLatitude(91.0),
            ReportError::InvalidAccuracy(-1.0),
            ReportError::DescriptionEmpty,
            ReportError::DescriptionTooLong(3000),
            ReportError::DescriptionControlChars,
            ReportError::InvalidCategory(category),
            ReportError::TooManyPhotos(6),
            ReportError::InvalidPhotoRef,
            ReportError::CapturedInFuture,
            ReportError::CapturedTooEarly,
        ];
        assert_eq!(reports.iter().map(ReportError::code).collect::<Vec<_>>(), ReportError::CODES);
        assert_eq!(ReportError::InvalidLongitude(181.0).code(), ReportError::InvalidLatitude(91.0).code());
        let reopens = [
            ReopenError::ReasonTooShort,
            ReopenError::ReasonTooLong,
            ReopenError::ReasonControlChars,
            ReopenError::InFuture,
            ReopenError::TooEarly,
            ReopenError::InvalidId,
        ];
        assert_eq!(reopens.iter().map(ReopenError::code).collect::<Vec<_>>(), ReopenError::CODES);
    }
    use proptest::prelude::*;

    fn payload() -> ReportPayload {
        ReportPayload {
            id: ReportId::new(),
            category: "road_damage".into(),
            description: "Buca profonda davanti al civico 12".into(),
            lat: 41.1307,
            lon: 16.8700,
            accuracy_m: 8.0,
            captured_at: Utc::now(),
            photos: vec![PhotoRef::of_bytes(b"photo").as_str().to_owned()],
        }
    }

    #[test]
    fn a_well_formed_payload_parses_and_travels_back_unchanged() {
        let p = payload();
        let r = NewReport::parse(&p, Utc::now()).expect("valid");
        assert_eq!(r.to_payload(), p);
    }

    #[test]
    fn each_broken_rule_has_its_own_stable_code() {
        let now = Utc::now();
        type Breaker = fn(&mut ReportPayload);
        let cases: Vec<(Breaker, &str)> = vec![
            (|p| p.lat = 91.0, "invalid_coordinates"),
            (|p| p.lon = f64::NAN, "invalid_coordinates"),
            (|p| p.accuracy_m = -1.0, "invalid_accuracy"),
            (|p| p.description = "   ".into(), "description_empty"),
            (|p| p.description = "x".repeat(DESCRIPTION_MAX_CHARS + 1), "description_too_long"),
            (|p| p.description = "ciao\u{7}".into(), "description_invalid"),
            (|p| p.category = "Buche!".into(), "invalid_category"),
            (|p| p.photos = vec!["ab".into()], "invalid_photo_ref"),
            (|p| p.photos = vec![PhotoRef::of_bytes(b"x").as_str().to_owned(); 6], "too_many_photos"),
            (|p| p.captured_at = Utc::now() + Duration::hours(1), "captured_in_future"),
            (|p| p.captured_at = DateTime::<Utc>::MIN_UTC, "captured_too_early"),
            (|p| p.captured_at = "0001-01-01T00:00:00Z".parse().expect("year 1"), "captured_too_early"),
        ];
        for (break_it, code) in cases {
            let mut p = payload();
            break_it(&mut p);
            let err = NewReport::parse(&p, now).expect_err(code);
            assert_eq!(err.code(), code, "{err}");
        }
    }

    #[test]
    fn a_description_of_exactly_the_maximum_length_in_accented_letters_is_accepted() {
        let s = "è".repeat(DESCRIPTION_MAX_CHARS);
        assert!(Description::parse(&s).is_ok());
    }

    #[test]
    fn the_fingerprint_changes_with_the_content_and_not_otherwise() {
        let p = payload();
        let a = NewReport::parse(&p, Utc::now()).expect("valid");
        let b = NewReport::parse(&p, Utc::now()).expect("valid");
        assert_eq!(a.fingerprint(), b.fingerprint());
        let mut q = p.clone();
        q.description.push('!');
        let c = NewReport::parse(&q, Utc::now()).expect("valid");
        assert_ne!(a.fingerprint(), c.fingerprint());
    }

    proptest! {
        #[test]
        fn location_parse_accepts_exactly_the_valid_range(lat in -200.0f64..200.0, lon in -400.0f64..400.0, acc in -10.0f64..20_000.0) {
            let ok = (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) && (0.0..=MAX_ACCURACY_M).contains(&acc);
            prop_assert_eq!(Location::parse(lat, lon, acc).is_ok(), ok);
        }

        #[test]
        fn description_parse_never_panics_and_keeps_trimmed_text(s in "\\PC{0,300}") {
            if let Ok(d) = Description::parse(&s) {
                prop_assert_eq!(d.as_str(), s.trim());
            }
        }
    }
}

pub const REOPEN_REASON_MIN_CHARS: usize = 3;
pub const REOPEN_REASON_MAX_CHARS: usize = 500;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReopenError {
    #[error("spiega in almeno {REOPEN_REASON_MIN_CHARS} caratteri perché il problema non è risolto / say in at least {REOPEN_REASON_MIN_CHARS} characters why the problem is not fixed")]
    ReasonTooShort,
    #[error("il motivo è troppo lungo (massimo {REOPEN_REASON_MAX_CHARS} caratteri) / the reason is too long (at most {REOPEN_REASON_MAX_CHARS} characters)")]
    ReasonTooLong,
    #[error("il motivo contiene caratteri di controllo / the reason contains control characters")]
    ReasonControlChars,
    #[error("la data della richiesta è nel futuro / the request time is in the future")]
    InFuture,
    #[error("la data della richiesta è precedente al 2020: controlla data e ora del telefono / the request time is before 2020: check the phone's date and time")]
    TooEarly,
    #[error("identificativo della richiesta non valido: serve un UUIDv7 / invalid request id: a UUIDv7 is expected")]
    InvalidId,
}

impl ReopenError {
    /// Every error's code: what a list of messages (a Fluent file) must cover.
    pub const CODES: [&'static str; 6] =
        ["reason_too_short", "reason_too_long", "reason_invalid", "requested_in_future", "requested_too_early", "invalid_id"];

    pub fn code(&self) -> &'static str {
        match self {
            ReopenError::ReasonTooShort => "reason_too_short",
            ReopenError::ReasonTooLong => "reason_too_long",
            ReopenError::ReasonControlChars => "reason_invalid",
            ReopenError::InFuture => "requested_in_future",
            ReopenError::TooEarly => "requested_too_early",
            ReopenError::InvalidId => "invalid_id",
        }
    }
}

/// A citizen's request to reopen a resolved report, checked the same way on
/// the phone (before it is queued) and on the server.
#[derive(Debug, Clone, PartialEq)]
pub struct Reopen {
    pub id: uuid::Uuid,
    pub report_id: ReportId,
    pub reason: String,
    pub at: DateTime<Utc>,
}

impl Reopen {
    pub fn parse(p: &crate::wire::ReopenPayload, now: DateTime<Utc>) -> Result<Self, ReopenError> {
        if p.id.get_version_num() != 7 {
            return Err(ReopenError::InvalidId);
        }
        let reason = p.reason.trim();
        let chars = reason.chars().take(REOPEN_REASON_MAX_CHARS + 1).count();
        if chars < REOPEN_REASON_MIN_CHARS {
            return Err(ReopenError::ReasonTooShort);
        }
        if chars > REOPEN_REASON_MAX_CHARS {
            return Err(ReopenError::ReasonTooLong);
        }
        if !reason.chars().all(|c| crate::text::allowed_char(c) || c == '\r') {
            return Err(ReopenError::ReasonControlChars);
        }
        if p.at > now + CLOCK_SKEW_ALLOWANCE {
            return Err(ReopenError::InFuture);
        }
        if p.at < crate::text::earliest_plausible() {
            return Err(ReopenError::TooEarly);
        }
        Ok(Self { id: p.id, report_id: p.report_id, reason: reason.to_owned(), at: p.at })
    }

    pub fn to_payload(&self) -> crate::wire::ReopenPayload {
        crate::wire::ReopenPayload { id: self.id, report_id: self.report_id, reason: self.reason.clone(), at: self.at }
    }
}

#[cfg(test)]
mod reopen_tests {
    use super::*;
    use crate::wire::ReopenPayload;

    fn payload(reason: &str) -> ReopenPayload {
        ReopenPayload { id: uuid::Uuid::now_v7(), report_id: ReportId::new(), reason: reason.into(), at: Utc::now() }
    }

    #[test]
    fn a_reopen_needs_a_real_reason_of_reasonable_length() {
        let now = Utc::now();
        assert_eq!(Reopen::parse(&payload("  ok "), now).expect_err("refused"), ReopenError::ReasonTooShort);
        assert_eq!(Reopen::parse(&payload(&"x".repeat(501)), now).expect_err("refused").code(), "reason_too_long");
        assert_eq!(Reopen::parse(&payload("buca\u{0}"), now).expect_err("refused").code(), "reason_invalid");
        let ok = Reopen::parse(&payload("  La buca è ancora lì  "), now).expect("valid");
        assert_eq!(ok.reason, "La buca è ancora lì");
        assert_eq!(Reopen::parse(&ok.to_payload(), now).expect("round trip"), ok);
    }

    #[test]
    fn a_reopen_dated_well_in_the_future_is_refused() {
        let mut p = payload("ancora rotto");
        p.at = Utc::now() + Duration::hours(1);
        assert_eq!(Reopen::parse(&p, Utc::now()).expect_err("refused"), ReopenError::InFuture);
    }
}
