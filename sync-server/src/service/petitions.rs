//! E-petitions: opened by a Comune's moderators, signed from the phone (also
//! offline, synced later) by verified citizens, once per person.

use casa_shared_model::petition::{
    NewPetition, PetitionDraft, PetitionStatus, PublicPetition, SignaturePayload, SignatureReceipt, WithdrawalPayload,
};
use casa_shared_model::wire::ItemOutcome;
use casa_shared_model::{DeviceId, IstatCode, PetitionId, Service};
use chrono::{Duration, Utc};

use super::{rejected, ServiceError, Staff};
use crate::identity::Citizen;
use crate::state::AppState;
use crate::store::{PetitionRecord, SignOutcome, SignatureRecord, WithdrawOutcome};

/// Petitions a phone receives for its Comune.
pub const PETITIONS_PER_SYNC: u32 = 100;
/// What the phone lists: open ones and those that ended with an outcome.
const LISTED: [&str; 5] = ["open", "awaiting_response", "awaiting_debate", "closed", "answered"];

/// Who sends a sync's signatures: a verified citizen, a token that is no
/// longer valid, or nobody.
#[derive(Debug, Clone)]
pub enum Signer {
    Citizen(Citizen),
    InvalidToken,
    Anonymous,
}

fn refused(code: &str, message: impl Into<String>) -> ItemOutcome {
    ItemOutcome::Rejected { code: code.to_owned(), message: message.into() }
}

fn comune_name(state: &AppState, code: &IstatCode) -> String {
    state.directory().comune(code).map(|c| c.name.clone()).unwrap_or_else(|| code.to_string())
}

fn petitions_enabled(state: &AppState, comune: &IstatCode) -> bool {
    state.directory().comune(comune).is_some_and(|c| c.services.contains(&Service::Petitions))
}

fn citizen_of(signer: &Signer) -> Result<&Citizen, ItemOutcome> {
    match signer {
        Signer::Citizen(c) => Ok(c),
        Signer::InvalidToken => Err(refused(
            "identity_invalid",
            "L'identità su questo telefono non è più valida: attivala di nuovo con un codice dello sportello / The identity on this phone is no longer valid: activate it again",
        )),
        Signer::Anonymous => Err(refused(
            "identity_required",
            "Per firmare serve un'identità verificata: attivala nelle impostazioni con il codice ricevuto allo sportello del Comune / Signing needs a verified identity: activate it in the settings",
        )),
    }
}

/// Counts a signature once per person and petition. A re-send answers what
/// the first send did; the same person from another phone is told their
/// signature is already there.
pub async fn sign(state: &AppState, signer: &Signer, device: &DeviceId, s: &SignaturePayload) -> Result<ItemOutcome, ServiceError> {
    let citizen = match citizen_of(signer) {
        Ok(c) => c,
        Err(answer) => return Ok(answer),
    };
    let now = Utc::now();
    if s.signed_at > now + Duration::minutes(10) {
        return Ok(refused(
            "signed_in_future",
            "La data della firma è nel futuro: controlla l'orologio del telefono / The signature's time is in the future",
        ));
    }
    let Some(petition) = state.store().petition(&s.petition_id).await? else {
        return Ok(refused("petition_not_found", "Petizione non trovata / Petition not found"));
    };
    if s.signed_at < petition.created_at - Duration::days(1) {
        return Ok(refused("signed_before_open", "La data della firma è prima dell'apertura della petizione: controlla l'orologio del telefono / The signature predates the petition"));
    }
    if !petitions_enabled(state, &petition.comune) {
        return Ok(refused(
            "service_disabled",
            format!(
                "Il Comune di {} non raccoglie petizioni online / This Comune does not take petitions",
                comune_name(state, &petition.comune)
            ),
        ));
    }
    if petition.residents_only && citizen.residence != petition.comune {
        let (here, home) = (comune_name(state, &petition.comune), comune_name(state, &citizen.residence));
        return Ok(refused(
            "not_resident",
            format!("Questa petizione è riservata ai residenti del Comune di {here}: risulti residente a {home} / Only residents of {here} may sign; you are a resident of {home}"),
        ));
    }
    let record = SignatureRecord {
        id: s.id,
        petition_id: s.petition_id,
        citizen_id: citizen.id,
        device_id: *device,
        signed_at: s.signed_at.min(now),
        received_at: now,
    };
    let receipt = |signatures| ItemOutcome::Counted(SignatureReceipt { petition_id: s.petition_id, signatures });
    Ok(match state.store().sign(&record).await? {
        SignOutcome::Counted { signatures, crossed } => {
            for kind in crossed {
                tracing::info!(petition = %s.petition_id, threshold = kind.as_str(), signatures, "petition crossed a threshold");
            }
            super::badges::award(state, device, &petition.comune).await?;
            receipt(signatures)
        }
        SignOutcome::AlreadyCounted { signatures } => receipt(signatures),
        SignOutcome::AlreadySigned => refused(
            "already_signed",
            "Hai già firmato questa petizione (forse da un altro telefono): la tua firma conta una volta sola / You already signed this petition, perhaps from another phone: it counts once",
        ),
        SignOutcome::IdConflict => refused("id_conflict", "Questo identificativo è già usato da un'altra firma / This id is used by another signature"),
        SignOutcome::NotSignable => refused("petition_closed", "La petizione non raccoglie più firme / The petition no longer takes signatures"),
        SignOutcome::NotFound => refused("petition_not_found", "Petizione non trovata / Petition not found"),
    })
}

/// Takes back the sender's signature while the petition is open.
pub async fn withdraw(state: &AppState, signer: &Signer, w: &WithdrawalPayload) -> Result<ItemOutcome, ServiceError> {
    let citizen = match citizen_of(signer) {
        Ok(c) => c,
        Err(answer) => return Ok(answer),
    };
    let receipt = |signatures| ItemOutcome::Counted(SignatureReceipt { petition_id: w.petition_id, signatures });
    Ok(match state.store().withdraw(w.id, &w.petition_id, citizen.id, Utc::now()).await? {
        WithdrawOutcome::Withdrawn { signatures } | WithdrawOutcome::AlreadyWithdrawn { signatures } => receipt(signatures),
        WithdrawOutcome::NotSigned => {
            refused("not_signed", "Non risulta una tua firma da ritirare / There is no signature of yours to withdraw")
        }
        WithdrawOutcome::NotSignable => {
            refused("petition_closed", "La petizione è chiusa: la firma non si ritira più / The petition is closed")
        }
        WithdrawOutcome::NotFound => refused("petition_not_found", "Petizione non trovata / Petition not found"),
    })
}

pub fn public_petition(p: PetitionRecord) -> PublicPetition {
    PublicPetition {
        id: p.id,
        comune: p.comune,
        title: p.title,
        body: p.body,
        status: p.status,
        residents_only: p.residents_only,
        signatures: p.signatures,
        thresholds: p.thresholds,
        closes_at: p.closes_at,
        response: p.response,
        updated_at: p.updated_at,
    }
}

/// The petitions a phone shows for a Comune; none where the service is off.
pub async fn listed(state: &AppState, comune: &IstatCode) -> Result<Vec<PublicPetition>, ServiceError> {
    if !petitions_enabled(state, comune) {
        return Ok(Vec::new());
    }
    Ok(state.store().petitions(comune, &LISTED, PETITIONS_PER_SYNC).await?.into_iter().map(public_petition).collect())
}

/// A moderator opens a petition for signatures in their Comune (the
/// citizens' proposals with co-sponsors come through moderation later).
pub async fn open_petition(
    state: &AppState,
    staff: &Staff,
    comune: &IstatCode,
    draft: &PetitionDraft,
) -> Result<PetitionRecord, ServiceError> {
    if state.directory().comune(comune).is_none() {
        return Err(ServiceError::NotFound);
    }
    if !staff.can_moderate(comune) {
        return Err(ServiceError::Forbidden);
    }
    if !petitions_enabled(state, comune) {
        return Err(rejected("service_disabled", "Il servizio Petizioni non è attivo in questo Comune / Petitions are not enabled here"));
    }
    let now = Utc::now();
    let petition = NewPetition::parse(*comune, draft, now).map_err(|e| rejected(e.code(), e.to_string()))?;
    state.store().insert_petition(&petition, &PetitionStatus::Open, &staff.actor(), now).await?;
    let stored = state.store().petition(&petition.id).await?.ok_or(ServiceError::NotFound)?;
    if stored.comune != *comune || stored.title != petition.title {
        return Err(rejected(
            "id_conflict",
            "Questo identificativo è già usato da un'altra petizione / This id is used by another petition",
        ));
    }
    crate::staff::audit(state, &staff.actor(), "petition_opened", Some(format!("petition:{}", petition.id)), Some(petition.title.clone()))
        .await;
    Ok(stored)
}

/// A petition by id, if listed publicly.
pub async fn public(state: &AppState, id: &PetitionId) -> Result<PublicPetition, ServiceError> {
    match state.store().petition(id).await? {
        Some(p) if LISTED.contains(&p.status.code()) && petitions_enabled(state, &p.comune) => Ok(public_petition(p)),
        _ => Err(ServiceError::NotFound),
    }
}
