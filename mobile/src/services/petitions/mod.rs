//! Petitions on the phone: the home Comune's petitions and the citizen's
//! own, their tables (`store`), the part of a sync that pulls them
//! ([`PetitionsPart`]) and the screens (`screens`).

#[cfg(feature = "gui")]
pub mod screens;
pub(crate) mod store;

use casa_shared_model::wire::sections::{Petitions, PetitionsPull};
use casa_shared_model::wire::{SyncRequest, SyncResponse};

use crate::sections::{section, PhoneComponent, RoundContext, SectionError};
use crate::store::{LocalStore, StoreResult};

pub use store::{LocalIdentity, LocalPetition, MySignature, ProposalDraft, ProposeRefused, SignRefused};

/// The version of the section the phone holds, sent back so the server
/// sends it again only when it changed.
const PETITIONS_VERSION: &str = "sync.petitions_version";

/// The home Comune's petitions (and the citizen's own).
pub struct PetitionsPart;

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

impl crate::i18n::Explain for SignRefused {
    fn words(&self) -> crate::i18n::Words {
        crate::i18n::Words::new(match self {
            SignRefused::NotFound => "petitions-refused-not-found",
            SignRefused::Closed => "petitions-refused-closed",
            SignRefused::AlreadySigned => "petitions-refused-already-signed",
            SignRefused::NotSigned => "petitions-refused-not-signed",
            SignRefused::NoIdentity => "petitions-refused-no-identity",
            SignRefused::Invalidated => "petitions-refused-invalidated",
        })
    }
}

impl crate::i18n::Explain for ProposeRefused {
    fn words(&self) -> crate::i18n::Words {
        match self {
            ProposeRefused::NoIdentity => crate::i18n::Words::new("petitions-refused-no-identity"),
            ProposeRefused::Invalid(rule) => crate::i18n::Words::new(format!("petitions-invalid-{}", rule.code())),
        }
    }
}

/// The server's refusals of a signature or proposal the app tells in its
/// own words (`petitions-server-refused-<code>`).
pub const SERVER_REFUSALS: [&str; 15] = [
    "identity_other_device",
    "identity_invalid",
    "identity_required",
    "signed_in_future",
    "service_disabled",
    "not_resident",
    "petition_not_found",
    "signed_before_open",
    "already_signed",
    "id_conflict",
    "petition_in_moderation",
    "petition_closed",
    "signature_invalidated",
    "rate_limited",
    "unknown_comune",
];

/// Why the server did not take the citizen's last act on a petition.
pub fn server_refusal(code: &str) -> crate::i18n::Words {
    crate::i18n::Words::of_code("petitions-server-refused-", &SERVER_REFUSALS, code, "petitions-server-refused")
}
