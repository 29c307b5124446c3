//! The services' parts of a sync on the phone: each component says what it
//! wants pulled and applies its section of the answer (present only when
//! its server side has something new). The outbox and the reports' change
//! feed are the engine's own (`sync.rs`): every item's answer and the
//! reports' changes are applied in one transaction.

use casa_shared_model::wire::sections::{Badges, BadgesPull, Petitions, PetitionsPull, WireComponent};
use casa_shared_model::wire::{SyncRequest, SyncResponse};
use casa_shared_model::IstatCode;

use crate::store::{LocalStore, StoreResult};

/// What a round knows that a component may need.
#[derive(Debug, Clone, Copy)]
pub struct RoundContext {
    /// The last request of this sync: the one that also pulls (earlier
    /// full batches only push).
    pub last: bool,
    /// The Comune whose petitions the phone shows.
    pub home: Option<IstatCode>,
}

/// One service's part of a sync on the phone.
pub trait PhoneComponent: Sync {
    /// Adds its pull to `req`, if it wants anything this round.
    fn ask(&self, store: &LocalStore, round: &RoundContext, req: &mut SyncRequest) -> StoreResult<()>;
    /// Applies its section of `res`, if the server sent one.
    fn apply(&self, store: &mut LocalStore, round: &RoundContext, res: &SyncResponse) -> Result<(), SectionError>;
}

#[derive(Debug, thiserror::Error)]
pub enum SectionError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("sezione {component} non valida / invalid {component} section: {cause}")]
    Malformed { component: &'static str, cause: serde_json::Error },
}

fn section<C: WireComponent>(res: &SyncResponse) -> Result<Option<C::Section>, SectionError> {
    res.section::<C>().map_err(|cause| SectionError::Malformed { component: C::NAME, cause })
}

/// The phone's components, in the order their sections are applied: the
/// one place they are listed.
pub const COMPONENTS: &[&dyn PhoneComponent] = &[&PetitionsPart, &BadgesPart];

/// The version of each section the phone holds, sent back so the server
/// sends it again only when it changed.
const PETITIONS_VERSION: &str = "sync.petitions_version";
const BADGES_VERSION: &str = "sync.badges_version";

/// The home Comune's petitions (and the citizen's own).
struct PetitionsPart;

impl PhoneComponent for PetitionsPart {
    fn ask(&self, store: &LocalStore, round: &RoundContext, req: &mut SyncRequest) -> StoreResult<()> {
        if let (true, Some(comune)) = (round.last, round.home) {
            req.set_pull::<Petitions>(&PetitionsPull { comune, version: store.setting(PETITIONS_VERSION)? });
        }
        Ok(())
    }

    fn apply(&self, store: &mut LocalStore, round: &RoundContext, res: &SyncResponse) -> Result<(), SectionError> {
        if let (Some(comune), Some(s)) = (round.home.filter(|_| round.last), section::<Petitions>(res)?) {
            store.replace_petitions(&comune, &s.petitions)?;
            store.set_setting(PETITIONS_VERSION, &s.version)?;
        }
        Ok(())
    }
}

/// The phone's badges and points, asked once a sync (in its last round):
/// the rounds before it only carry the outbox, and every round moves the
/// points of a phone with reports in it.
struct BadgesPart;

impl PhoneComponent for BadgesPart {
    fn ask(&self, store: &LocalStore, round: &RoundContext, req: &mut SyncRequest) -> StoreResult<()> {
        if round.last {
            req.set_pull::<Badges>(&BadgesPull { version: store.setting(BADGES_VERSION)? });
        }
        Ok(())
    }

    fn apply(&self, store: &mut LocalStore, round: &RoundContext, res: &SyncResponse) -> Result<(), SectionError> {
        if let Some(s) = section::<Badges>(res)?.filter(|_| round.last) {
            store.replace_badges(&s.badges)?;
            store.set_points(s.points)?;
            store.set_setting(BADGES_VERSION, &s.version)?;
        }
        Ok(())
    }
}
