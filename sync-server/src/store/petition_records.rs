//! Petitions as the store keeps them: records, the store's trait, and the
//! rules the SQL of both databases applies the same way (see `petitions.rs`).

use casa_shared_model::petition::{PetitionStatus, Threshold, ThresholdKind};
use casa_shared_model::{DeviceId, IstatCode, PetitionId};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::sql::{Int, Maybe, Ts};
use super::*;

/// A stored petition with its thresholds.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PetitionRecord {
    #[sqlx(try_from = "Uuid")]
    pub id: PetitionId,
    #[sqlx(try_from = "String")]
    pub comune: IstatCode,
    pub title: String,
    pub body: String,
    #[sqlx(flatten, try_from = "StatusColumns")]
    pub status: PetitionStatus,
    pub residents_only: bool,
    #[sqlx(try_from = "Maybe<Ts>")]
    pub closes_at: Option<DateTime<Utc>>,
    #[sqlx(try_from = "Int")]
    pub signatures: u32,
    pub response: Option<String>,
    pub author: String,
    /// A citizen's proposal: its author and the phone it came from.
    pub author_citizen: Option<Uuid>,
    #[sqlx(try_from = "Maybe<Uuid>")]
    pub author_device: Option<DeviceId>,
    #[sqlx(try_from = "Int")]
    pub open_days: u32,
    /// Co-sponsors a proposal needs besides its author.
    #[sqlx(try_from = "Int")]
    pub cosponsors: u32,
    /// Read with their own query (`petition_thresholds`).
    #[sqlx(skip)]
    pub thresholds: Vec<Threshold>,
    #[sqlx(try_from = "Ts")]
    pub created_at: DateTime<Utc>,
    #[sqlx(try_from = "Ts")]
    pub updated_at: DateTime<Utc>,
    #[sqlx(try_from = "Maybe<Ts>")]
    pub ended_at: Option<DateTime<Utc>>,
    #[sqlx(try_from = "Maybe<Ts>")]
    pub anonymised_at: Option<DateTime<Utc>>,
}

/// A signature as the store keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct SignatureRecord {
    pub id: Uuid,
    pub petition_id: PetitionId,
    pub citizen_id: Uuid,
    pub device_id: DeviceId,
    pub signed_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    /// Checked in the signing transaction, so a burst sent at once cannot
    /// slip past it; re-sends of a counted signature are never limited.
    pub rate_limit: Option<RateLimit>,
}

/// At most this many new signatures since `since`, per phone and per person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub since: DateTime<Utc>,
    pub per_device: u32,
    pub per_citizen: u32,
}

/// What a signature did.
#[derive(Debug, Clone, PartialEq)]
pub enum SignOutcome {
    /// Counted now; the thresholds this signature crossed, each exactly once.
    Counted {
        signatures: u32,
        crossed: Vec<ThresholdKind>,
        /// The status it moved to: a threshold's, or moderation once a
        /// proposal has its co-sponsors.
        moved_to: Option<PetitionStatus>,
    },
    /// This signature was counted before (a re-send).
    AlreadyCounted {
        signatures: u32,
    },
    /// The person had signed already, perhaps from another phone.
    AlreadySigned,
    /// The id is taken by another person's signature.
    IdConflict,
    /// The petition does not take signatures (not open, or past its closing date).
    NotSignable,
    /// This signature was counted, then invalidated by a moderator.
    Invalidated,
    /// Too many signatures from this phone or person lately.
    RateLimited,
    NotFound,
}

/// A petition changing status by a person's decision (a moderator opens or
/// rejects it, the Comune answers), only from one of `from`.
#[derive(Debug, Clone, PartialEq)]
pub struct PetitionTransition {
    pub id: PetitionId,
    pub from: Vec<&'static str>,
    pub to: PetitionStatus,
    /// Set when it opens.
    pub closes_at: Option<DateTime<Utc>>,
    /// The Comune's official answer.
    pub response: Option<String>,
    pub actor: String,
    pub at: DateTime<Utc>,
}

/// Signatures a moderator picks out of a petition: those from one phone, or
/// received in a time window, or both. Only standing ones.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SignatureSelection {
    pub device: Option<DeviceId>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Only what had arrived when the moderator saw the preview, so applying
    /// it never takes more than the preview showed.
    pub received_before: Option<DateTime<Utc>>,
}

/// A phone from which more than one person signed the same petition.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedDevice {
    pub device: DeviceId,
    pub signatures: u32,
    pub first: DateTime<Utc>,
    pub last: DateTime<Utc>,
}

/// Petitions of a Comune in one status, with their standing signatures.
#[derive(Debug, Clone, PartialEq)]
pub struct PetitionCount {
    pub comune: IstatCode,
    pub status: String,
    pub petitions: u32,
    pub signatures: u64,
}

impl SignOutcome {
    /// The count after a signature that counted (now or before).
    pub fn signatures(&self) -> Option<u32> {
        match self {
            SignOutcome::Counted { signatures, .. } | SignOutcome::AlreadyCounted { signatures } => Some(*signatures),
            _ => None,
        }
    }
}

/// What a withdrawal did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WithdrawOutcome {
    Withdrawn {
        signatures: u32,
    },
    /// This withdrawal was applied before (a re-send).
    AlreadyWithdrawn {
        signatures: u32,
    },
    NotSigned,
    NotSignable,
    NotFound,
}

/// One step of a petition's life.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PetitionEvent {
    /// `opened`, `threshold_reached`...
    pub event: String,
    pub detail: Option<String>,
    #[sqlx(try_from = "Int")]
    pub signatures: u32,
    #[sqlx(try_from = "Ts")]
    pub at: DateTime<Utc>,
}

pub(crate) fn parse_petition_status(code: &str, detail: Option<&str>) -> StoreResult<PetitionStatus> {
    PetitionStatus::from_parts(code, detail).ok_or_else(|| corrupt(format!("unknown petition status {code}")))
}

/// Rows of (petition, has a standing signature, has an invalidated one).
pub(crate) fn standings(
    rows: Vec<(Uuid, bool, bool)>,
) -> StoreResult<std::collections::HashMap<PetitionId, casa_shared_model::petition::SignatureStanding>> {
    use casa_shared_model::petition::SignatureStanding;
    rows.into_iter()
        .map(|(id, standing, invalidated)| {
            let s = match (invalidated, standing) {
                (true, _) => SignatureStanding::Invalidated,
                (false, true) => SignatureStanding::Signed,
                (false, false) => SignatureStanding::NotSigned,
            };
            Ok((PetitionId::try_from(id).map_err(corrupt)?, s))
        })
        .collect()
}

/// Who created a petition, as its history keeps it: a citizen is never named.
pub(crate) fn event_actor(author: &str) -> &str {
    if author.starts_with("citizen:") {
        "citizen"
    } else {
        author
    }
}

/// Days a proposal may look for its co-sponsors; then it is rejected as
/// expired, so it ends (and its co-sponsors' data go in time).
pub const PROPOSAL_EXPIRY_DAYS: i64 = 60;

pub const PROPOSAL_EXPIRED: &str =
    "Scaduta: non ha raccolto i promotori entro 60 giorni / Expired: it did not find its co-sponsors within 60 days";

/// A new signature's refusal, from the person's rows of the petition and
/// their recent signatures: an invalidated one is not undone by signing
/// again, a standing one (another phone's) is answered before any limit.
pub(crate) fn sign_refusal(
    invalidated: i64,
    standing: i64,
    by_device: i64,
    by_citizen: i64,
    limit: Option<RateLimit>,
) -> Option<SignOutcome> {
    if invalidated > 0 {
        return Some(SignOutcome::Invalidated);
    }
    if standing > 0 {
        return Some(SignOutcome::AlreadySigned);
    }
    limit.filter(|l| by_device >= i64::from(l.per_device) || by_citizen >= i64::from(l.per_citizen)).map(|_| SignOutcome::RateLimited)
}

/// Where a proposal goes once its author and co-sponsors have signed.
pub(crate) fn status_after_cosponsors(current: &PetitionStatus, cosponsors: u32, signatures: u32) -> Option<PetitionStatus> {
    (current.takes_cosponsors() && signatures > cosponsors).then_some(PetitionStatus::InModeration)
}

/// The statuses a petition moves to when it crosses thresholds: the
/// furthest along wins, and a petition never moves back.
pub(crate) fn status_after_crossing(current: &PetitionStatus, crossed: &[ThresholdKind]) -> Option<PetitionStatus> {
    let rank = |s: &PetitionStatus| match s {
        PetitionStatus::Open => Some(0),
        PetitionStatus::AwaitingResponse => Some(1),
        PetitionStatus::AwaitingDebate => Some(2),
        _ => None,
    };
    let now = rank(current)?;
    let best = crossed.iter().map(|k| k.status()).max_by_key(|s| rank(s).unwrap_or(0))?;
    (rank(&best)? > now).then_some(best)
}
