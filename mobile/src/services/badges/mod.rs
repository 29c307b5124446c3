//! Badges on the phone: the badges and points the Comune's verified results
//! earned, their tables (`store`), the part of a sync that pulls them
//! ([`BadgesPart`]) and the screen (`screens`).

#[cfg(feature = "gui")]
pub mod screens;
pub(crate) mod store;

use casa_shared_model::wire::sections::{Badges, BadgesPull};
use casa_shared_model::wire::{SyncRequest, SyncResponse};

use crate::sections::{section, PhoneComponent, RoundContext, SectionError};
use crate::store::{LocalStore, StoreResult};

/// The version of the section the phone holds, sent back so the server
/// sends it again only when it changed.
const BADGES_VERSION: &str = "sync.badges_version";

/// The phone's badges and points, asked once a sync (in its last round):
/// the rounds before it only carry the outbox, and every round moves the
/// points of a phone with reports in it.
pub struct BadgesPart;

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
