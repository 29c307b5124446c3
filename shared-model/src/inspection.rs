//! A field inspector's visit to a report: the rules the phone checks offline
//! and the server checks again (it trusts nothing the phone says without
//! the same proof).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::geo::{haversine_m, GeoPoint};
use crate::report::PhotoRef;
use crate::wire::InspectionPayload;
use crate::ReportId;

/// "Confirm on site" needs the inspector provably this close: the distance
/// from the report plus the fix's accuracy radius.
pub const CONFIRM_RADIUS_M: f64 = 50.0;
/// The confirmation's photo must have been taken this recently before the
/// confirmation (a photo from the archive proves nothing).
pub const PHOTO_MAX_AGE: Duration = Duration::minutes(30);
/// So must the GPS fix.
pub const FIX_MAX_AGE: Duration = Duration::minutes(30);
/// Phones' clocks drift; beyond this a time "in the future" is refused.
pub const CLOCK_SKEW: Duration = Duration::minutes(10);
pub const NOTE_CHARS: std::ops::RangeInclusive<usize> = 3..=1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InspectionOutcome {
    /// The problem is there, as reported.
    Confirmed,
    /// Nothing found at the place: the note says what the inspector saw.
    NotFound,
}

impl InspectionOutcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            InspectionOutcome::Confirmed => "confirmed",
            InspectionOutcome::NotFound => "not_found",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "confirmed" => Some(InspectionOutcome::Confirmed),
            "not_found" => Some(InspectionOutcome::NotFound),
            _ => None,
        }
    }

    pub fn label_it(&self) -> &'static str {
        match self {
            InspectionOutcome::Confirmed => "Confermata sul posto",
            InspectionOutcome::NotFound => "Non trovata sul posto",
        }
    }
}

/// Why an inspection is refused. Each says what to do, in Italian then English.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InspectionError {
    #[error("Posizione GPS non valida / Invalid GPS position")]
    InvalidFix,
    #[error(
        "Sei a {distance_m:.0} m dalla segnalazione (precisione GPS ±{accuracy_m:.0} m): per confermare devi essere entro {CONFIRM_RADIUS_M:.0} m, precisione compresa. Avvicinati o attendi un segnale migliore / You are {distance_m:.0} m from the report (GPS accuracy ±{accuracy_m:.0} m): confirming needs you within {CONFIRM_RADIUS_M:.0} m, accuracy included"
    )]
    TooFar { distance_m: f64, accuracy_m: f64 },
    #[error("Per confermare serve una foto scattata ora sul posto / Confirming needs a photo taken now, on site")]
    PhotoRequired,
    #[error("Foto non valida / Invalid photo reference")]
    InvalidPhoto,
    #[error(
        "La foto è stata scattata {minutes} minuti prima della conferma: ne serve una degli ultimi 30 minuti / The photo was taken {minutes} minutes before confirming: it must be from the last 30 minutes"
    )]
    PhotoStale { minutes: i64 },
    #[error("La posizione GPS è di {minutes} minuti prima della conferma: rileva di nuovo la posizione / The GPS fix is {minutes} minutes old: take a new fix")]
    FixStale { minutes: i64 },
    #[error("Data e ora nel futuro: controlla l'orologio del telefono / Time in the future: check the phone's clock")]
    FutureTime,
    #[error("Scrivi cosa hai trovato sul posto (da 3 a 1000 caratteri) / Say what you found on site (3 to 1000 characters)")]
    NoteRequired,
    #[error("Nota troppo lunga: al massimo 1000 caratteri / Note too long: at most 1000 characters")]
    NoteTooLong,
}

impl InspectionError {
    /// Stable, for clients.
    /// Every error's code: what a list of messages (a Fluent file) must cover.
    pub const CODES: [&'static str; 9] = [
        "invalid_fix",
        "too_far",
        "photo_required",
        "invalid_photo",
        "photo_stale",
        "fix_stale",
        "future_time",
        "note_required",
        "note_too_long",
    ];

    pub fn code(&self) -> &'static str {
        match self {
            InspectionError::InvalidFix => "invalid_fix",
            InspectionError::TooFar { .. } => "too_far",
            InspectionError::PhotoRequired => "photo_required",
            InspectionError::InvalidPhoto => "invalid_photo",
            InspectionError::PhotoStale { .. } => "photo_stale",
            InspectionError::FixStale { .. } => "fix_stale",
            InspectionError::FutureTime => "future_time",
            InspectionError::NoteRequired => "note_required",
            InspectionError::NoteTooLong => "note_too_long",
        }
    }
}

/// An inspection that passed every check against its report's location.
#[derive(Debug, Clone, PartialEq)]
pub struct Inspection {
    pub id: uuid::Uuid,
    pub report_id: ReportId,
    pub outcome: InspectionOutcome,
    pub fix: GeoPoint,
    pub accuracy_m: f64,
    pub fix_at: DateTime<Utc>,
    /// Metres from the report's location.
    pub distance_m: f64,
    pub photo: Option<PhotoRef>,
    pub photo_taken_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub inspected_at: DateTime<Utc>,
}

impl Inspection {
    /// Checks an inspection against the report's location, at `now`.
    ///
    /// A confirmation needs a fresh fix within [`CONFIRM_RADIUS_M`]
    /// (accuracy counted) and a photo taken within [`PHOTO_MAX_AGE`] before
    /// it. "Not found" needs a note and a valid fix, wherever it is: the
    /// inspector may have looked around, and the distance is kept for the
    /// moderator to judge.
    pub fn parse(p: &InspectionPayload, report: GeoPoint, now: DateTime<Utc>) -> Result<Inspection, InspectionError> {
        let fix = GeoPoint { lat: p.lat, lon: p.lon };
        let valid_fix = p.lat.is_finite()
            && p.lon.is_finite()
            && (-90.0..=90.0).contains(&p.lat)
            && (-180.0..=180.0).contains(&p.lon)
            && p.accuracy_m.is_finite()
            && (0.0..=10_000.0).contains(&p.accuracy_m);
        if !valid_fix {
            return Err(InspectionError::InvalidFix);
        }
        let latest = now + CLOCK_SKEW;
        if p.inspected_at > latest || p.fix_at > latest || p.photo_taken_at.is_some_and(|t| t > latest) {
            return Err(InspectionError::FutureTime);
        }
        let note = p.note.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned);
        if let Some(n) = &note {
            let chars = n.chars().count();
            if chars > *NOTE_CHARS.end() {
                return Err(InspectionError::NoteTooLong);
            }
            if chars < *NOTE_CHARS.start() {
                return Err(InspectionError::NoteRequired);
            }
        }
        let photo = p.photo.as_deref().map(PhotoRef::parse).transpose().map_err(|_| InspectionError::InvalidPhoto)?;
        let distance_m = haversine_m(fix, report);
        let fix_age = p.inspected_at - p.fix_at;
        if fix_age > FIX_MAX_AGE {
            return Err(InspectionError::FixStale { minutes: fix_age.num_minutes() });
        }
        match p.outcome {
            InspectionOutcome::Confirmed => {
                if distance_m + p.accuracy_m > CONFIRM_RADIUS_M {
                    return Err(InspectionError::TooFar { distance_m, accuracy_m: p.accuracy_m });
                }
                if photo.is_none() {
                    return Err(InspectionError::PhotoRequired);
                }
                let Some(taken) = p.photo_taken_at else { return Err(InspectionError::PhotoRequired) };
                let age = p.inspected_at - taken;
                if age > PHOTO_MAX_AGE {
                    return Err(InspectionError::PhotoStale { minutes: age.num_minutes() });
                }
            }
            InspectionOutcome::NotFound => {
                if note.is_none() {
                    return Err(InspectionError::NoteRequired);
                }
            }
        }
        Ok(Inspection {
            id: p.id,
            report_id: p.report_id,
            outcome: p.outcome,
            fix,
            accuracy_m: p.accuracy_m,
            fix_at: p.fix_at,
            distance_m,
            photo,
            photo_taken_at: p.photo_taken_at,
            note,
            inspected_at: p.inspected_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_of_error_codes_is_the_codes_of_every_error() {
        let all = [
            InspectionError::InvalidFix,
            InspectionError::TooFar { distance_m: 80.0, accuracy_m: 5.0 },
            InspectionError::PhotoRequired,
            InspectionError::InvalidPhoto,
            InspectionError::PhotoStale { minutes: 40 },
            InspectionError::FixStale { minutes: 20 },
            InspectionError::FutureTime,
            InspectionError::NoteRequired,
            InspectionError::NoteTooLong,
        ];
        assert_eq!(all.iter().map(InspectionError::code).collect::<Vec<_>>(), InspectionError::CODES);
    }
    use proptest::prelude::*;

    const BASILICA: GeoPoint = GeoPoint { lat: 41.130_7, lon: 16.870_0 };
    const SHA: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    /// A point `metres` north of the Basilica.
    fn north(metres: f64) -> (f64, f64) {
        (BASILICA.lat + metres / 111_195.0, BASILICA.lon)
    }

    fn confirmation(metres: f64, accuracy_m: f64, now: DateTime<Utc>) -> InspectionPayload {
        let (lat, lon) = north(metres);
        InspectionPayload {
            id: uuid::Uuid::now_v7(),
            report_id: ReportId::new(),
            outcome: InspectionOutcome::Confirmed,
            lat,
            lon,
            accuracy_m,
            fix_at: now - Duration::minutes(1),
            photo: Some(SHA.to_owned()),
            photo_taken_at: Some(now - Duration::minutes(2)),
            note: None,
            inspected_at: now,
        }
    }

    #[test]
    fn a_confirmation_30_m_away_with_a_fresh_photo_is_accepted() {
        let now = Utc::now();
        let i = Inspection::parse(&confirmation(30.0, 8.0, now), BASILICA, now).expect("accepted");
        assert!((i.distance_m - 30.0).abs() < 0.5, "{}", i.distance_m);
        assert_eq!(i.outcome, InspectionOutcome::Confirmed);
    }

    #[test]
    fn a_confirmation_400_m_away_is_refused_with_the_distance_in_the_reason() {
        let now = Utc::now();
        let e = Inspection::parse(&confirmation(400.0, 8.0, now), BASILICA, now).expect_err("refused");
        assert_eq!(e.code(), "too_far");
        assert!(e.to_string().contains("Sei a 400 m"), "{e}");
    }

    #[test]
    fn the_accuracy_counts_against_the_radius() {
        let now = Utc::now();
        assert!(Inspection::parse(&confirmation(30.0, 19.0, now), BASILICA, now).is_ok());
        let e = Inspection::parse(&confirmation(30.0, 25.0, now), BASILICA, now).expect_err("refused");
        assert_eq!(e.code(), "too_far");
    }

    #[test]
    fn a_confirmation_needs_a_photo_taken_in_the_last_half_hour() {
        let now = Utc::now();
        let mut p = confirmation(10.0, 5.0, now);
        p.photo = None;
        assert_eq!(Inspection::parse(&p, BASILICA, now).expect_err("no photo").code(), "photo_required");
        let mut p = confirmation(10.0, 5.0, now);
        p.photo_taken_at = Some(now - Duration::hours(3));
        assert_eq!(Inspection::parse(&p, BASILICA, now).expect_err("old photo").code(), "photo_stale");
        let mut p = confirmation(10.0, 5.0, now);
        p.photo = Some("not a sha".into());
        assert_eq!(Inspection::parse(&p, BASILICA, now).expect_err("bad sha").code(), "invalid_photo");
    }

    #[test]
    fn an_offline_confirmation_synced_hours_later_still_counts() {
        let inspected = Utc::now() - Duration::hours(6);
        let p = confirmation(20.0, 5.0, inspected);
        assert!(Inspection::parse(&p, BASILICA, Utc::now()).is_ok());
    }

    #[test]
    fn times_in_the_future_and_stale_fixes_are_refused() {
        let now = Utc::now();
        let p = confirmation(10.0, 5.0, now + Duration::hours(1));
        assert_eq!(Inspection::parse(&p, BASILICA, now).expect_err("future").code(), "future_time");
        let mut p = confirmation(10.0, 5.0, now);
        p.fix_at = now - Duration::hours(2);
        assert_eq!(Inspection::parse(&p, BASILICA, now).expect_err("stale fix").code(), "fix_stale");
    }

    #[test]
    fn not_found_needs_a_note_but_no_photo_and_may_be_anywhere() {
        let now = Utc::now();
        let mut p = confirmation(400.0, 30.0, now);
        p.outcome = InspectionOutcome::NotFound;
        p.photo = None;
        p.photo_taken_at = None;
        assert_eq!(Inspection::parse(&p, BASILICA, now).expect_err("no note").code(), "note_required");
        p.note = Some("  Buca già riparata, asfalto nuovo  ".into());
        let i = Inspection::parse(&p, BASILICA, now).expect("accepted");
        assert_eq!(i.note.as_deref(), Some("Buca già riparata, asfalto nuovo"));
    }

    proptest! {
        #[test]
        fn a_confirmation_is_accepted_exactly_when_distance_plus_accuracy_is_within_50_m(
            metres in 0.0f64..200.0,
            accuracy in 0.0f64..60.0,
        ) {
            let now = Utc::now();
            let p = confirmation(metres, accuracy, now);
            let distance = haversine_m(GeoPoint { lat: p.lat, lon: p.lon }, BASILICA);
            let outcome = Inspection::parse(&p, BASILICA, now);
            prop_assert_eq!(outcome.is_ok(), distance + accuracy <= CONFIRM_RADIUS_M);
        }
    }
}
