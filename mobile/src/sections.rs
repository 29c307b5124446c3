//! The services' parts of a sync on the phone: each component says what it
//! wants pulled and applies its section of the answer (present only when
//! its server side has something new). The outbox and the reports' change
//! feed are the engine's own (`sync.rs`): every item's answer and the
//! reports' changes are applied in one transaction.

use casa_shared_model::wire::sections::WireComponent;
use casa_shared_model::wire::{SyncRequest, SyncResponse};
use casa_shared_model::IstatCode;

use crate::services::badges::BadgesPart;
use crate::services::petitions::PetitionsPart;
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

pub(crate) fn section<C: WireComponent>(res: &SyncResponse) -> Result<Option<C::Section>, SectionError> {
    res.section::<C>().map_err(|cause| SectionError::Malformed { component: C::NAME, cause })
}

/// The phone's components, in the order their sections are applied: the
/// one place they are listed.
pub const COMPONENTS: &[&dyn PhoneComponent] = &[&PetitionsPart, &BadgesPart];
