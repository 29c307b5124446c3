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
    /// Every status's code, in the order of a petition's life: what a list
    /// of labels (a Fluent file) must cover.
    pub const CODES: [&'static str; 9] =
        ["draft", "submitted", "in_moderation", "open", "awaiting_response", "awaiting_debate", "closed", "answered", "rejected"];

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

    /// Whether it takes signatures of co-sponsors (a citizen's proposal
    /// before moderation): they count as signatures once it opens.
    pub fn takes_cosponsors(&self) -> bool {
        matches!(self, PetitionStatus::Submitted)
    }

    /// A citizen's proposal not yet opened: gathering co-sponsors or in
    /// moderation (its progress is counted in co-sponsors).
    pub fn before_opening(&self) -> bool {
        matches!(self, PetitionStatus::Submitted | PetitionStatus::InModeration)
    }

    /// Signatures or co-sponsors: anything a citizen may sign now.
    pub fn takes_signatures(&self) -> bool {
        self.is_signable() || self.takes_cosponsors()
    }

    /// Whether the petition has ended (its signers' data will be anonymised).
    pub fn has_ended(&self) -> bool {
        matches!(self, PetitionStatus::Closed | PetitionStatus::Answered | PetitionStatus::Rejected { .. })
    }
}

/// A Comune's rules for petitions: how many co-sponsors a citizen's proposal
/// needs before moderation, its thresholds, and when signers' data goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PetitionRules {
    pub cosponsors: u32,
    pub response_threshold: u32,
    pub debate_threshold: u32,
    /// Months after a petition ends when its signatures are deleted (the
    /// counts stay).
    pub anonymise_after_months: u32,
}

impl Default for PetitionRules {
    fn default() -> Self {
        PetitionRules {
            cosponsors: DEFAULT_COSPONSORS,
            response_threshold: DEFAULT_RESPONSE_THRESHOLD,
            debate_threshold: DEFAULT_DEBATE_THRESHOLD,
            anonymise_after_months: DEFAULT_ANONYMISE_AFTER_MONTHS,
        }
    }
}

impl PetitionRules {
    /// Co-sponsors from 1 to 100 and fewer than the response threshold (so a
    /// proposal cannot cross a threshold before moderation), the response
    /// before the debate, anonymisation 1 to 60 months after the end.
    pub fn parse(cosponsors: u32, response: u32, debate: u32, months: u32) -> Result<Self, PetitionError> {
        if !(1..=100).contains(&cosponsors) || cosponsors + 1 >= response {
            return Err(PetitionError::Cosponsors);
        }
        if response < 10 || debate <= response || debate > 1_000_000 {
            return Err(PetitionError::Thresholds);
        }
        if !(1..=60).contains(&months) {
            return Err(PetitionError::Anonymisation);
        }
        Ok(PetitionRules { cosponsors, response_threshold: response, debate_threshold: debate, anonymise_after_months: months })
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

/// Co-sponsors a proposal has found: its signatures but its author's, up to
/// the number it needs.
pub fn cosponsors_found(signatures: u32, needed: u32) -> u32 {
    signatures.saturating_sub(1).min(needed)
}

/// The thresholds a Comune uses unless it sets its own.
pub const DEFAULT_RESPONSE_THRESHOLD: u32 = 500;
pub const DEFAULT_DEBATE_THRESHOLD: u32 = 2000;
pub const DEFAULT_COSPONSORS: u32 = 5;
pub const DEFAULT_ANONYMISE_AFTER_MONTHS: u32 = 6;

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
    /// For a proposal gathering co-sponsors: how many it needs besides its
    /// author (0 for a petition the Comune opened).
    #[serde(default)]
    pub cosponsors_needed: u32,
    pub thresholds: Vec<Threshold>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closes_at: Option<DateTime<Utc>>,
    /// The Comune's official answer, once published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    pub updated_at: DateTime<Utc>,
    /// Where the verified citizen the sync speaks for stands, whatever phone
    /// they signed from (absent for anyone else).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub my_signature: Option<SignatureStanding>,
}

/// A citizen's signature of a petition, as the server counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SignatureStanding {
    NotSigned,
    Signed,
    /// Invalidated by the Comune's moderators.
    Invalidated,
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
    #[error("promotori da 1 a 100, meno della soglia di risposta / co-sponsors 1 to 100, fewer than the response threshold")]
    Cosponsors,
    #[error("anonimizzazione da 1 a 60 mesi dopo la chiusura / anonymisation 1 to 60 months after closing")]
    Anonymisation,
}

impl PetitionError {
    /// Every error's code: what a list of messages (a Fluent file) must cover.
    pub const CODES: [&'static str; 7] = [
        "invalid_title",
        "invalid_body",
        "invalid_text",
        "invalid_duration",
        "invalid_thresholds",
        "invalid_cosponsors",
        "invalid_anonymisation",
    ];

    pub fn code(&self) -> &'static str {
        match self {
            PetitionError::Title => "invalid_title",
            PetitionError::Body => "invalid_body",
            PetitionError::ControlChars => "invalid_text",
            PetitionError::Duration => "invalid_duration",
            PetitionError::Thresholds => "invalid_thresholds",
            PetitionError::Cosponsors => "invalid_cosponsors",
            PetitionError::Anonymisation => "invalid_anonymisation",
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
    /// Days it stays open once opened.
    pub open_days: u32,
    /// Set when it opens (a proposal has none until moderation).
    pub closes_at: Option<DateTime<Utc>>,
    /// Co-sponsors a proposal needs before moderation (0 when the Comune opens it).
    pub cosponsors: u32,
    pub response_threshold: u32,
    pub debate_threshold: u32,
}

pub use crate::text::{plain_text, TextProblem};

fn clean_text(s: &str, chars: std::ops::RangeInclusive<usize>, err: PetitionError) -> Result<String, PetitionError> {
    plain_text(s, chars).map_err(|p| match p {
        TextProblem::ControlChars => PetitionError::ControlChars,
        TextProblem::Length => err,
    })
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

/// A citizen's proposal, written on the phone (perhaps offline): it gathers
/// its co-sponsors, then a moderator of the Comune opens or rejects it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProposalPayload {
    pub id: PetitionId,
    pub comune: IstatCode,
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub residents_only: bool,
    /// Days it will stay open once a moderator opens it (7 to 365).
    pub open_days: u32,
    pub created_at: DateTime<Utc>,
}

fn check_days(days: u32) -> Result<u32, PetitionError> {
    if (7..=365).contains(&days) {
        Ok(days)
    } else {
        Err(PetitionError::Duration)
    }
}

impl NewPetition {
    /// A petition the Comune opens at once; thresholds not given are the Comune's.
    pub fn parse(comune: IstatCode, d: &PetitionDraft, rules: &PetitionRules, now: DateTime<Utc>) -> Result<Self, PetitionError> {
        let title = clean_text(&d.title, 10..=150, PetitionError::Title)?;
        let body = clean_text(&d.body, 50..=5000, PetitionError::Body)?;
        let open_days = check_days(d.open_days)?;
        let response = d.response_threshold.unwrap_or(rules.response_threshold);
        let debate = d.debate_threshold.unwrap_or(rules.debate_threshold);
        if response < 10 || debate <= response || debate > 1_000_000 {
            return Err(PetitionError::Thresholds);
        }
        Ok(NewPetition {
            id: d.id,
            comune,
            title,
            body,
            residents_only: d.residents_only,
            open_days,
            closes_at: Some(now + Duration::days(i64::from(open_days))),
            cosponsors: 0,
            response_threshold: response,
            debate_threshold: debate,
        })
    }

    /// A citizen's proposal, under the Comune's rules; it opens (and gets its
    /// closing date) only when a moderator opens it.
    pub fn propose(p: &ProposalPayload, rules: &PetitionRules) -> Result<Self, PetitionError> {
        Ok(NewPetition {
            id: p.id,
            comune: p.comune,
            title: clean_text(&p.title, 10..=150, PetitionError::Title)?,
            body: clean_text(&p.body, 50..=5000, PetitionError::Body)?,
            residents_only: p.residents_only,
            open_days: check_days(p.open_days)?,
            closes_at: None,
            cosponsors: rules.cosponsors,
            response_threshold: rules.response_threshold,
            debate_threshold: rules.debate_threshold,
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
        let p = NewPetition::parse(bari(), &draft(), &PetitionRules::default(), now).expect("valid");
        assert_eq!((p.response_threshold, p.debate_threshold), (500, 2000));
        assert_eq!(p.closes_at, Some(now + Duration::days(90)));
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
            assert_eq!(NewPetition::parse(bari(), &d, &PetitionRules::default(), now).map_err(|e| e.code()), Err(code));
        }
    }

    #[test]
    fn a_proposal_takes_the_comunes_rules_and_has_no_closing_date_until_it_opens() {
        let rules = PetitionRules::parse(3, 100, 400, 12).expect("rules");
        let d = draft();
        let proposal = ProposalPayload {
            id: d.id,
            comune: bari(),
            title: d.title,
            body: d.body,
            residents_only: true,
            open_days: 30,
            created_at: Utc::now(),
        };
        let p = NewPetition::propose(&proposal, &rules).expect("valid");
        assert_eq!((p.cosponsors, p.response_threshold, p.debate_threshold, p.closes_at), (3, 100, 400, None));
        let short = ProposalPayload { open_days: 2, ..proposal };
        assert_eq!(NewPetition::propose(&short, &rules).map_err(|e| e.code()), Err("invalid_duration"));
    }

    #[test]
    fn rules_refuse_co_sponsors_that_would_reach_a_threshold_before_moderation() {
        assert_eq!(PetitionRules::parse(0, 500, 2000, 6).map_err(|e| e.code()), Err("invalid_cosponsors"));
        assert_eq!(PetitionRules::parse(9, 10, 2000, 6).map_err(|e| e.code()), Err("invalid_cosponsors"));
        assert_eq!(PetitionRules::parse(8, 10, 2000, 6).map(|r| r.cosponsors), Ok(8));
        assert_eq!(PetitionRules::parse(5, 500, 500, 6).map_err(|e| e.code()), Err("invalid_thresholds"));
        assert_eq!(PetitionRules::parse(5, 500, 2000, 0).map_err(|e| e.code()), Err("invalid_anonymisation"));
    }

    #[test]
    fn every_status_round_trips_through_its_parts_and_is_listed_once() {
        let all = [
            PetitionStatus::Draft,
            PetitionStatus::Submitted,
            PetitionStatus::InModeration,
            PetitionStatus::Open,
            PetitionStatus::AwaitingResponse,
            PetitionStatus::AwaitingDebate,
            PetitionStatus::Closed,
            PetitionStatus::Answered,
            PetitionStatus::Rejected { reason: "Fuori competenza".into() },
        ];
        for s in &all {
            assert_eq!(PetitionStatus::from_parts(s.code(), s.detail()), Some(s.clone()));
        }
        assert_eq!(all.iter().map(PetitionStatus::code).collect::<Vec<_>>(), PetitionStatus::CODES);
        let errors = [
            PetitionError::Title,
            PetitionError::Body,
            PetitionError::ControlChars,
            PetitionError::Duration,
            PetitionError::Thresholds,
            PetitionError::Cosponsors,
            PetitionError::Anonymisation,
        ];
        assert_eq!(errors.iter().map(PetitionError::code).collect::<Vec<_>>(), PetitionError::CODES);
    }
}
