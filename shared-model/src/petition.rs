//! E-petitions: a text that residents of a Comune sign, with thresholds at
//! which the Comune must answer or debate it. One verified person signs a
//! petition once, whatever the number of phones they use.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::comune::IstatCode;
use crate::ids::PetitionId;

/// Where a petition stands. Signatures are taken while it is open, also
/// after it crossed a threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PetitionStatus {
    /// Written on the phone, not sent.
    Draft,
    /// Sent, gathering its co-sponsors.
    Submitted,
    InModeration,
    Open,
    /// Crossed the threshold at which the Comune must answer.
    AwaitingResponse,
    /// Crossed the threshold of a council debate.
    AwaitingDebate,
    Closed,
    /// The Comune published its official answer.
    Answered,
    Rejected {
        reason: String,
    },
}

impl PetitionStatus {
    pub fn code(&self) -> &'static str {
        match self {
            PetitionStatus::Draft => "draft",
            PetitionStatus::Submitted => "submitted",
            PetitionStatus::InModeration => "in_moderation",
            PetitionStatus::Open => "open",
            PetitionStatus::AwaitingResponse => "awaiting_response",
            PetitionStatus::AwaitingDebate => "awaiting_debate",
            PetitionStatus::Closed => "closed",
            PetitionStatus::Answered => "answered",
            PetitionStatus::Rejected { .. } => "rejected",
        }
    }

    pub fn detail(&self) -> Option<&str> {
        match self {
            PetitionStatus::Rejected { reason } => Some(reason),
            _ => None,
        }
    }

    pub fn from_parts(code: &str, detail: Option<&str>) -> Option<Self> {
        Some(match code {
            "draft" => PetitionStatus::Draft,
            "submitted" => PetitionStatus::Submitted,
            "in_moderation" => PetitionStatus::InModeration,
            "open" => PetitionStatus::Open,
            "awaiting_response" => PetitionStatus::AwaitingResponse,
            "awaiting_debate" => PetitionStatus::AwaitingDebate,
            "closed" => PetitionStatus::Closed,
            "answered" => PetitionStatus::Answered,
            "rejected" => PetitionStatus::Rejected { reason: detail?.to_owned() },
            _ => return None,
        })
    }

    pub fn label_it(&self) -> &'static str {
        match self {
            PetitionStatus::Draft => "Bozza",
            PetitionStatus::Submitted => "In cerca di promotori",
            PetitionStatus::InModeration => "In moderazione",
            PetitionStatus::Open => "Aperta alle firme",
            PetitionStatus::AwaitingResponse => "In attesa della risposta del Comune",
            PetitionStatus::AwaitingDebate => "In attesa del dibattito in Consiglio",
            PetitionStatus::Closed => "Chiusa",
            PetitionStatus::Answered => "Il Comune ha risposto",
            PetitionStatus::Rejected { .. } => "Respinta",
        }
    }

    pub fn label_en(&self) -> &'static str {
        match self {
            PetitionStatus::Draft => "Draft",
            PetitionStatus::Submitted => "Looking for co-sponsors",
            PetitionStatus::InModeration => "In moderation",
            PetitionStatus::Open => "Open for signatures",
            PetitionStatus::AwaitingResponse => "Awaiting the Comune's response",
            PetitionStatus::AwaitingDebate => "Awaiting a council debate",
            PetitionStatus::Closed => "Closed",
            PetitionStatus::Answered => "Answered by the Comune",
            PetitionStatus::Rejected { .. } => "Rejected",
        }
    }

    /// Whether signatures (and withdrawals) are taken.
    pub fn is_signable(&self) -> bool {
        matches!(self, PetitionStatus::Open | PetitionStatus::AwaitingResponse | PetitionStatus::AwaitingDebate)
    }
}

/// What crossing a threshold obliges the Comune to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ThresholdKind {
    /// An official written response.
    Response,
    /// A debate in the city council.
    Debate,
}

impl ThresholdKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            ThresholdKind::Response => "response",
            ThresholdKind::Debate => "debate",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "response" => Some(ThresholdKind::Response),
            "debate" => Some(ThresholdKind::Debate),
            _ => None,
        }
    }

    /// The status a petition takes when it crosses this threshold.
    pub fn status(&self) -> PetitionStatus {
        match self {
            ThresholdKind::Response => PetitionStatus::AwaitingResponse,
            ThresholdKind::Debate => PetitionStatus::AwaitingDebate,
        }
    }

    pub fn label_it(&self) -> &'static str {
        match self {
            ThresholdKind::Response => "risposta del Comune",
            ThresholdKind::Debate => "dibattito in Consiglio comunale",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Threshold {
    pub kind: ThresholdKind,
    pub signatures: u32,
    /// When the petition crossed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reached_at: Option<DateTime<Utc>>,
}

/// The thresholds a Comune uses unless it sets its own.
pub const DEFAULT_RESPONSE_THRESHOLD: u32 = 500;
pub const DEFAULT_DEBATE_THRESHOLD: u32 = 2000;

/// A petition as the phone shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicPetition {
    pub id: PetitionId,
    pub comune: IstatCode,
    pub title: String,
    pub body: String,
    #[serde(flatten)]
    pub status: PetitionStatus,
    /// Only residents of the Comune may sign.
    pub residents_only: bool,
    pub signatures: u32,
    pub thresholds: Vec<Threshold>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closes_at: Option<DateTime<Utc>>,
    /// The Comune's official answer, once published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PetitionError {
    #[error("il titolo deve avere da 10 a 150 caratteri / the title needs 10 to 150 characters")]
    Title,
    #[error("il testo deve avere da 50 a 5.000 caratteri / the text needs 50 to 5,000 characters")]
    Body,
    #[error("caratteri di controllo non ammessi / control characters are not allowed")]
    ControlChars,
    #[error("la petizione resta aperta da 7 giorni a 12 mesi / a petition stays open 7 days to 12 months")]
    Duration,
    #[error("soglie non valide: la risposta prima del dibattito, almeno 10 firme / invalid thresholds")]
    Thresholds,
}

impl PetitionError {
    pub fn code(&self) -> &'static str {
        match self {
            PetitionError::Title => "invalid_title",
            PetitionError::Body => "invalid_body",
            PetitionError::ControlChars => "invalid_text",
            PetitionError::Duration => "invalid_duration",
            PetitionError::Thresholds => "invalid_thresholds",
        }
    }
}

/// A petition's text and rules, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPetition {
    pub id: PetitionId,
    pub comune: IstatCode,
    pub title: String,
    pub body: String,
    pub residents_only: bool,
    pub closes_at: DateTime<Utc>,
    pub response_threshold: u32,
    pub debate_threshold: u32,
}

fn clean_text(s: &str, chars: std::ops::RangeInclusive<usize>, err: PetitionError) -> Result<String, PetitionError> {
    let s = s.trim();
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(PetitionError::ControlChars);
    }
    if !chars.contains(&s.chars().count()) {
        return Err(err);
    }
    Ok(s.to_owned())
}

/// What a petition's author or a clerk sends to open one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PetitionDraft {
    pub id: PetitionId,
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub residents_only: bool,
    /// Days it stays open for signatures (7 to 365).
    pub open_days: u32,
    #[serde(default)]
    pub response_threshold: Option<u32>,
    #[serde(default)]
    pub debate_threshold: Option<u32>,
}

impl NewPetition {
    pub fn parse(comune: IstatCode, d: &PetitionDraft, now: DateTime<Utc>) -> Result<Self, PetitionError> {
        let title = clean_text(&d.title, 10..=150, PetitionError::Title)?;
        let body = clean_text(&d.body, 50..=5000, PetitionError::Body)?;
        if !(7..=365).contains(&d.open_days) {
            return Err(PetitionError::Duration);
        }
        let response = d.response_threshold.unwrap_or(DEFAULT_RESPONSE_THRESHOLD);
        let debate = d.debate_threshold.unwrap_or(DEFAULT_DEBATE_THRESHOLD);
        if response < 10 || debate <= response || debate > 1_000_000 {
            return Err(PetitionError::Thresholds);
        }
        Ok(NewPetition {
            id: d.id,
            comune,
            title,
            body,
            residents_only: d.residents_only,
            closes_at: now + Duration::days(i64::from(d.open_days)),
            response_threshold: response,
            debate_threshold: debate,
        })
    }
}

/// A signature made on a phone, perhaps offline. Its id is the phone's
/// (UUIDv7): a re-send is the same signature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignaturePayload {
    pub id: uuid::Uuid,
    pub petition_id: PetitionId,
    /// When the citizen signed, by the phone's clock.
    pub signed_at: DateTime<Utc>,
}

/// Takes back the sender's signature of a petition still open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WithdrawalPayload {
    pub id: uuid::Uuid,
    pub petition_id: PetitionId,
    pub at: DateTime<Utc>,
}

/// What the server answers a signature or withdrawal that counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignatureReceipt {
    pub petition_id: PetitionId,
    /// The petition's count after it.
    pub signatures: u32,
}

/// The thresholds a count crosses when it goes from `before` to `after`.
pub fn crossed(thresholds: &[Threshold], before: u32, after: u32) -> Vec<ThresholdKind> {
    let mut kinds: Vec<(u32, ThresholdKind)> =
        thresholds.iter().filter(|t| t.signatures > before && t.signatures <= after).map(|t| (t.signatures, t.kind)).collect();
    kinds.sort();
    kinds.into_iter().map(|(_, k)| k).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> PetitionDraft {
        PetitionDraft {
            id: PetitionId::new(),
            title: "Più alberi in via Sparano".into(),
            body: "Chiediamo al Comune di piantare alberi lungo via Sparano per fare ombra d'estate e migliorare l'aria.".into(),
            residents_only: true,
            open_days: 90,
            response_threshold: None,
            debate_threshold: None,
        }
    }

    fn bari() -> IstatCode {
        IstatCode::parse("072006").expect("code")
    }

    #[test]
    fn a_petition_takes_the_default_thresholds_and_closes_after_its_days() {
        let now = Utc::now();
        let p = NewPetition::parse(bari(), &draft(), now).expect("valid");
        assert_eq!((p.response_threshold, p.debate_threshold), (500, 2000));
        assert_eq!(p.closes_at, now + Duration::days(90));
    }

    #[test]
    fn bad_texts_durations_and_thresholds_are_refused_with_their_code() {
        let now = Utc::now();
        let cases = [
            (PetitionDraft { title: "Corto".into(), ..draft() }, "invalid_title"),
            (PetitionDraft { body: "Troppo breve".into(), ..draft() }, "invalid_body"),
            (PetitionDraft { title: "Titolo con \u{7} campanello".into(), ..draft() }, "invalid_text"),
            (PetitionDraft { open_days: 3, ..draft() }, "invalid_duration"),
            (PetitionDraft { response_threshold: Some(3000), ..draft() }, "invalid_thresholds"),
        ];
        for (d, code) in cases {
            assert_eq!(NewPetition::parse(bari(), &d, now).map_err(|e| e.code()), Err(code));
        }
    }

    #[test]
    fn a_count_crosses_each_threshold_it_passes_once_in_order() {
        let t = [
            Threshold { kind: ThresholdKind::Debate, signatures: 2000, reached_at: None },
            Threshold { kind: ThresholdKind::Response, signatures: 500, reached_at: None },
        ];
        assert_eq!(crossed(&t, 499, 500), [ThresholdKind::Response]);
        assert!(crossed(&t, 500, 501).is_empty());
        assert_eq!(crossed(&t, 0, 5000), [ThresholdKind::Response, ThresholdKind::Debate]);
    }

    #[test]
    fn every_status_round_trips_through_its_parts() {
        for s in [
            PetitionStatus::Draft,
            PetitionStatus::Submitted,
            PetitionStatus::InModeration,
            PetitionStatus::Open,
            PetitionStatus::AwaitingResponse,
            PetitionStatus::AwaitingDebate,
            PetitionStatus::Closed,
            PetitionStatus::Answered,
            PetitionStatus::Rejected { reason: "Fuori competenza".into() },
        ] {
            assert_eq!(PetitionStatus::from_parts(s.code(), s.detail()), Some(s.clone()));
        }
    }
}
