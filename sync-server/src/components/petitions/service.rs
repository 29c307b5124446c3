//! E-petitions: proposed by verified residents from the phone (they gather
//! co-sponsors, then a moderator opens or rejects them) or opened by a
//! Comune's moderators; signed from the phone (also offline, synced later) by
//! verified citizens, once per person; closed at their date, answered by the
//! Comune, their signers' data deleted some months after they end.

use casa_shared_model::petition::{
    cosponsors_found, plain_text, NewPetition, PetitionDraft, PetitionRules, PetitionStatus, ProposalPayload, PublicPetition,
    SignaturePayload, SignatureReceipt, SignatureStanding, WithdrawalPayload,
};
use casa_shared_model::wire::ItemOutcome;
use casa_shared_model::{DeviceId, IstatCode, PetitionId, Service};
use chrono::{DateTime, Duration, Utc};

use crate::components::identity::Citizen;
use crate::components::identity::Signer;
use crate::platform::error::{rejected, ServiceError};
use crate::platform::staff::Staff;
use crate::platform::state::AppState;
use crate::store::{
    PetitionCount, PetitionRecord, PetitionTransition, RateLimit, SharedDevice, SignOutcome, SignatureRecord, SignatureSelection,
    WithdrawOutcome,
};

/// Petitions a phone receives for its Comune.
pub const PETITIONS_PER_SYNC: u32 = 100;
/// What the phone lists: open ones and those that ended with an outcome.
const LISTED: [&str; 5] = ["open", "awaiting_response", "awaiting_debate", "closed", "answered"];
/// What anyone may read by id: also a proposal gathering co-sponsors, whose
/// author shares its link.
const READABLE: [&str; 7] = ["submitted", "in_moderation", "open", "awaiting_response", "awaiting_debate", "closed", "answered"];
/// What the moderators' list shows, in this order.
pub const MODERATION_ORDER: [&str; 9] =
    ["in_moderation", "submitted", "open", "awaiting_response", "awaiting_debate", "closed", "answered", "rejected", "draft"];

/// New signatures per hour from one phone (a household may share one) and
/// from one person; beyond them a signature is refused, and can be made again
/// later. A proposal a day per person is plenty for real use.
pub const SIGNATURES_PER_DEVICE_HOUR: u32 = 30;
pub const SIGNATURES_PER_CITIZEN_HOUR: u32 = 20;
pub const PROPOSALS_PER_CITIZEN_DAY: u32 = 3;

/// Buckets of the moderators' signature timeline, and what makes one
/// suspicious: at least this many signatures and this many times the median.
pub const BURST_BUCKET_SECS: u32 = 600;
const BURST_MIN_SIGNATURES: u32 = 20;
const BURST_FACTOR: u32 = 5;

fn refused(code: &str, message: impl Into<String>) -> ItemOutcome {
    ItemOutcome::Rejected { code: code.to_owned(), message: message.into() }
}

fn comune_name(state: &AppState, code: &IstatCode) -> String {
    state.directory().comune(code).map(|c| c.name.clone()).unwrap_or_else(|| code.to_string())
}

fn petitions_enabled(state: &AppState, comune: &IstatCode) -> bool {
    state.directory().comune(comune).is_some_and(|c| c.services.contains(&Service::Petitions))
}

fn citizen_of<'a>(signer: &'a Signer, device: &DeviceId) -> Result<&'a Citizen, ItemOutcome> {
    if let Some(c) = signer.citizen_on(device) {
        return Ok(c);
    }
    match signer {
        Signer::Citizen(_) => Err(refused(
            "identity_other_device",
            "Questa identità è stata attivata su un altro telefono: attivala di nuovo qui con un codice dello sportello / This identity was activated on another phone",
        )),
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
    let citizen = match citizen_of(signer, device) {
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
        rate_limit: Some(RateLimit {
            since: now - Duration::hours(1),
            per_device: SIGNATURES_PER_DEVICE_HOUR,
            per_citizen: SIGNATURES_PER_CITIZEN_HOUR,
        }),
    };
    let receipt = |signatures| ItemOutcome::Counted(SignatureReceipt { petition_id: s.petition_id, signatures });
    Ok(match state.store().sign(&record).await? {
        SignOutcome::Counted { signatures, crossed, moved_to } => {
            for kind in &crossed {
                tracing::info!(petition = %s.petition_id, threshold = kind.as_str(), signatures, "petition crossed a threshold");
            }
            if let Some(PetitionStatus::InModeration) = moved_to {
                tracing::info!(petition = %s.petition_id, signatures, "proposal has its co-sponsors: in moderation");
            }
            crate::components::badges::service::award(state, device, &petition.comune).await?;
            if !crossed.is_empty() {
                if let Some(author) = petition.author_device {
                    crate::components::badges::service::award(state, &author, &petition.comune).await?;
                }
            }
            receipt(signatures)
        }
        SignOutcome::AlreadyCounted { signatures } => receipt(signatures),
        SignOutcome::AlreadySigned => refused(
            "already_signed",
            "Hai già firmato questa petizione (forse da un altro telefono): la tua firma conta una volta sola / You already signed this petition, perhaps from another phone: it counts once",
        ),
        SignOutcome::IdConflict => refused("id_conflict", "Questo identificativo è già usato da un'altra firma / This id is used by another signature"),
        SignOutcome::NotSignable if petition.status == PetitionStatus::InModeration => refused(
            "petition_in_moderation",
            "La proposta ha già i suoi promotori ed è in moderazione: potrai firmarla quando il Comune la apre / The proposal is in moderation: sign it once it opens",
        ),
        SignOutcome::NotSignable => refused("petition_closed", "La petizione non raccoglie più firme / The petition no longer takes signatures"),
        SignOutcome::Invalidated => refused(
            "signature_invalidated",
            "Questa firma è stata annullata dai moderatori del Comune / This signature was invalidated by the Comune's moderators",
        ),
        SignOutcome::RateLimited => refused(
            "rate_limited",
            "Troppe firme in poco tempo da questo telefono o da questa persona: riprova tra un'ora / Too many signatures lately: try again in an hour",
        ),
        SignOutcome::NotFound => refused("petition_not_found", "Petizione non trovata / Petition not found"),
    })
}

/// A citizen's proposal: it needs a verified resident of its Comune, is
/// stored as gathering co-sponsors, and carries its author's signature (the
/// petition's id is that signature's). A re-send answers the same.
pub async fn propose(state: &AppState, signer: &Signer, device: &DeviceId, p: &ProposalPayload) -> Result<ItemOutcome, ServiceError> {
    let citizen = match citizen_of(signer, device) {
        Ok(c) => c,
        Err(answer) => return Ok(answer),
    };
    let now = Utc::now();
    let receipt = |signatures| ItemOutcome::Counted(SignatureReceipt { petition_id: p.id, signatures });
    let conflict =
        || refused("id_conflict", "Questo identificativo è già usato da un'altra petizione / This id is used by another petition");
    let own = SignatureRecord {
        id: p.id.as_uuid(),
        petition_id: p.id,
        citizen_id: citizen.id,
        device_id: *device,
        signed_at: p.created_at.min(now),
        received_at: now,
        rate_limit: None,
    };
    let author_signs = |own: SignatureRecord| async move {
        Ok::<_, ServiceError>(match state.store().sign(&own).await? {
            SignOutcome::Counted { signatures, .. } | SignOutcome::AlreadyCounted { signatures } => {
                crate::components::badges::service::award(state, &own.device_id, &p.comune).await?;
                receipt(signatures)
            }
            // The same id sent at once by someone else won the insert.
            _ => conflict(),
        })
    };
    if let Some(existing) = state.store().petition(&p.id).await? {
        // A re-send: the author's signature is made again if a failure lost
        // it the first time (signing is idempotent).
        return if existing.author_citizen == Some(citizen.id) { author_signs(own).await } else { Ok(conflict()) };
    }
    if p.created_at > now + Duration::minutes(10) {
        return Ok(refused(
            "signed_in_future",
            "La data della proposta è nel futuro: controlla l'orologio del telefono / The proposal's time is in the future",
        ));
    }
    let Some(rules) = state.directory().comune(&p.comune).map(|c| c.petition_rules) else {
        return Ok(refused("unknown_comune", "Comune non servito dalla piattaforma / Comune not served"));
    };
    if !petitions_enabled(state, &p.comune) {
        return Ok(refused(
            "service_disabled",
            format!("Il Comune di {} non raccoglie petizioni online / This Comune does not take petitions", comune_name(state, &p.comune)),
        ));
    }
    if citizen.residence != p.comune {
        let (here, home) = (comune_name(state, &p.comune), comune_name(state, &citizen.residence));
        return Ok(refused(
            "not_resident",
            format!("Solo i residenti del Comune di {here} possono proporre una petizione: risulti residente a {home} / Only residents of {here} may propose; you are a resident of {home}"),
        ));
    }
    if state.store().recent_proposals(citizen.id, now - Duration::days(1)).await? >= PROPOSALS_PER_CITIZEN_DAY {
        return Ok(refused(
            "rate_limited",
            format!("Puoi proporre al massimo {PROPOSALS_PER_CITIZEN_DAY} petizioni al giorno: riprova domani / At most {PROPOSALS_PER_CITIZEN_DAY} proposals a day"),
        ));
    }
    let petition = match NewPetition::propose(p, &rules) {
        Ok(n) => n,
        Err(e) => return Ok(refused(e.code(), e.to_string())),
    };
    let author = format!("citizen:{}", citizen.id);
    let inserted = state.store().insert_petition(&petition, &PetitionStatus::Submitted, &author, Some((citizen.id, *device)), now).await?;
    if !inserted {
        // Sent at once from elsewhere: only its author may add the signature.
        let stored = state.store().petition(&p.id).await?;
        if stored.is_none_or(|s| s.author_citizen != Some(citizen.id)) {
            return Ok(conflict());
        }
    }
    author_signs(own).await
}

/// Takes back the sender's signature while the petition is open.
pub async fn withdraw(state: &AppState, signer: &Signer, device: &DeviceId, w: &WithdrawalPayload) -> Result<ItemOutcome, ServiceError> {
    let citizen = match citizen_of(signer, device) {
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
    let before_opening = p.status.before_opening();
    PublicPetition {
        id: p.id,
        comune: p.comune,
        title: p.title,
        body: p.body,
        status: p.status,
        residents_only: p.residents_only,
        signatures: p.signatures,
        cosponsors_needed: if before_opening { p.cosponsors } else { 0 },
        thresholds: p.thresholds,
        closes_at: p.closes_at,
        response: p.response,
        updated_at: p.updated_at,
        my_signature: None,
    }
}

/// What [`listed`] would show, as a digest the store reads without building
/// the list (`PetitionStore::petitions_digest`), with the Comuni's service
/// switches and who is asking: equal digests, equal lists.
pub async fn listed_digest(
    state: &AppState,
    comune: &IstatCode,
    signer: &Signer,
    device: Option<&DeviceId>,
) -> Result<String, ServiceError> {
    let citizen = device.and_then(|d| signer.citizen_on(d)).map(|c| c.id);
    let shown = petitions_enabled(state, comune).then_some(comune);
    let digest = state.store().petitions_digest(shown, &LISTED, citizen).await?;
    Ok(format!("{}|{}|{digest}", state.directory().version, citizen.map(|c| c.to_string()).unwrap_or_default()))
}

/// The petitions a phone shows for a Comune (none where the service is off):
/// the public ones, and for a verified citizen also their own proposals and
/// those they co-sponsor, before moderation or rejected.
pub async fn listed(
    state: &AppState,
    comune: &IstatCode,
    signer: &Signer,
    device: Option<&DeviceId>,
) -> Result<Vec<PublicPetition>, ServiceError> {
    // A token from another phone reads what anyone reads.
    let citizen = device.and_then(|d| signer.citizen_on(d));
    // The citizen's own, whatever Comune the phone asked for (a proposal is
    // made where they live, which need not be the phone's home Comune).
    let mut list = match citizen {
        Some(c) => state.store().citizen_petitions(c.id).await?,
        None => Vec::new(),
    };
    list.retain(|p| petitions_enabled(state, &p.comune));
    if petitions_enabled(state, comune) {
        list.extend(state.store().petitions(comune, &LISTED, PETITIONS_PER_SYNC).await?);
    }
    // Signatures of an anonymised petition are gone: nobody's standing is known.
    let anonymised: std::collections::HashSet<PetitionId> = list.iter().filter(|p| p.anonymised_at.is_some()).map(|p| p.id).collect();
    let mut out: Vec<PublicPetition> = list.into_iter().map(public_petition).collect();
    if let Some(c) = citizen {
        let ids: Vec<PetitionId> = out.iter().filter(|p| !anonymised.contains(&p.id)).map(|p| p.id).collect();
        let standings = state.store().citizen_standings(c.id, &ids).await?;
        for p in out.iter_mut().filter(|p| !anonymised.contains(&p.id)) {
            p.my_signature = Some(standings.get(&p.id).copied().unwrap_or(SignatureStanding::NotSigned));
        }
    }
    Ok(out)
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
    let rules = state.directory().comune(comune).map(|c| c.petition_rules).unwrap_or_default();
    let petition = NewPetition::parse(*comune, draft, &rules, now).map_err(|e| rejected(e.code(), e.to_string()))?;
    state.store().insert_petition(&petition, &PetitionStatus::Open, &staff.actor(), None, now).await?;
    let stored = state.store().petition(&petition.id).await?.ok_or(ServiceError::NotFound)?;
    if stored.comune != *comune || stored.title != petition.title {
        return Err(rejected(
            "id_conflict",
            "Questo identificativo è già usato da un'altra petizione / This id is used by another petition",
        ));
    }
    crate::platform::staff::audit(
        state,
        &staff.actor(),
        "petition_opened",
        Some(format!("petition:{}", petition.id)),
        Some(petition.title.clone()),
    )
    .await;
    Ok(stored)
}

/// A petition by id, if public (or gathering co-sponsors by its link).
pub async fn public(state: &AppState, id: &PetitionId) -> Result<PublicPetition, ServiceError> {
    match state.store().petition(id).await? {
        Some(p) if READABLE.contains(&p.status.code()) && petitions_enabled(state, &p.comune) => Ok(public_petition(p)),
        _ => Err(ServiceError::NotFound),
    }
}

/// What a moderator (or the Comune) decides about a petition.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// A proposal with its co-sponsors opens for signatures.
    Open,
    /// Refused, with the reason the author reads.
    Reject { reason: String },
    /// The Comune's official answer: it ends the petition.
    Answer { response: String },
}

impl Decision {
    /// A decision as a form or the API names it (`open`, `reject`, `answer`).
    pub fn parse(action: &str, reason: Option<String>, response: Option<String>) -> Option<Self> {
        match action {
            "open" => Some(Decision::Open),
            "reject" => Some(Decision::Reject { reason: reason.unwrap_or_default() }),
            "answer" => Some(Decision::Answer { response: response.unwrap_or_default() }),
            _ => None,
        }
    }
}

/// The petition a moderator of its Comune may act on.
pub async fn moderated(state: &AppState, staff: &Staff, id: &PetitionId) -> Result<PetitionRecord, ServiceError> {
    let p = state.store().petition(id).await?.ok_or(ServiceError::NotFound)?;
    if !staff.can_moderate(&p.comune) {
        return Err(ServiceError::Forbidden);
    }
    Ok(p)
}

pub async fn decide(state: &AppState, staff: &Staff, id: &PetitionId, decision: Decision) -> Result<PetitionRecord, ServiceError> {
    let p = moderated(state, staff, id).await?;
    if decision == Decision::Open {
        if !petitions_enabled(state, &p.comune) {
            return Err(rejected(
                "service_disabled",
                "Il servizio Petizioni non è attivo in questo Comune / Petitions are not enabled here",
            ));
        }
        if p.signatures <= p.cosponsors {
            return Err(rejected(
                "missing_cosponsors",
                format!(
                    "Mancano promotori: {} su {} (alcune firme sono state annullate) / Not enough co-sponsors",
                    cosponsors_found(p.signatures, p.cosponsors),
                    p.cosponsors
                ),
            ));
        }
    }
    let now = Utc::now();
    let (from, to, closes_at, response): (Vec<&'static str>, _, _, _) = match &decision {
        Decision::Open => (vec!["in_moderation"], PetitionStatus::Open, Some(now + Duration::days(i64::from(p.open_days.max(7)))), None),
        Decision::Reject { reason } => {
            let reason = plain_text(reason, 10..=500).map_err(|_| {
                rejected("invalid_reason", "Il motivo deve avere da 10 a 500 caratteri / The reason needs 10 to 500 characters")
            })?;
            (vec!["submitted", "in_moderation"], PetitionStatus::Rejected { reason }, None, None)
        }
        Decision::Answer { response } => {
            let response = plain_text(response, 20..=10_000).map_err(|_| {
                rejected("invalid_response", "La risposta deve avere da 20 a 10.000 caratteri / The response needs 20 to 10,000 characters")
            })?;
            (vec!["open", "awaiting_response", "awaiting_debate", "closed"], PetitionStatus::Answered, None, Some(response))
        }
    };
    let t = PetitionTransition { id: *id, from: from.clone(), to: to.clone(), closes_at, response, actor: staff.actor(), at: now };
    if !state.store().set_petition_status(&t).await? {
        return Err(rejected(
            "invalid_transition",
            format!(
                "La petizione è «{}»: questa decisione non si applica / The petition is {}: this decision does not apply",
                p.status.label_it(),
                p.status.code()
            ),
        ));
    }
    crate::platform::staff::audit(
        state,
        &staff.actor(),
        &format!("petition_{}", to.code()),
        Some(format!("petition:{id}")),
        to.detail().map(str::to_owned),
    )
    .await;
    state.store().petition(id).await?.ok_or(ServiceError::NotFound)
}

/// Sets a Comune's petition rules (its moderators and admins).
pub async fn set_rules(state: &AppState, staff: &Staff, comune: &IstatCode, rules: &PetitionRules) -> Result<(), ServiceError> {
    if state.directory().comune(comune).is_none() {
        return Err(ServiceError::NotFound);
    }
    if !staff.can_moderate(comune) {
        return Err(ServiceError::Forbidden);
    }
    state.store().set_petition_rules(comune, rules).await?;
    state.reload_if_changed().await?;
    crate::platform::staff::audit(
        state,
        &staff.actor(),
        "petition_rules_changed",
        Some(format!("comune:{comune}")),
        Some(format!(
            "promotori {}, risposta {}, dibattito {}, anonimizzazione {} mesi",
            rules.cosponsors, rules.response_threshold, rules.debate_threshold, rules.anonymise_after_months
        )),
    )
    .await;
    Ok(())
}

/// What the moderators see of a petition's signatures: the timeline in
/// buckets with the suspicious ones marked, and phones shared by many people.
#[derive(Debug, Clone, PartialEq)]
pub struct SignatureReview {
    pub buckets: Vec<(DateTime<Utc>, u32, bool)>,
    pub shared_devices: Vec<SharedDevice>,
}

/// A bucket is suspicious when it holds at least [`BURST_MIN_SIGNATURES`]
/// and [`BURST_FACTOR`] times the median bucket: a burst, not a petition
/// that is simply popular all day.
pub fn mark_bursts(buckets: &[(DateTime<Utc>, u32)]) -> Vec<(DateTime<Utc>, u32, bool)> {
    let mut counts: Vec<u32> = buckets.iter().map(|(_, n)| *n).collect();
    counts.sort_unstable();
    let median = counts.get(counts.len() / 2).copied().unwrap_or(0).max(1);
    buckets.iter().map(|(t, n)| (*t, *n, *n >= BURST_MIN_SIGNATURES && *n >= BURST_FACTOR * median)).collect()
}

pub async fn review(state: &AppState, staff: &Staff, id: &PetitionId) -> Result<(PetitionRecord, SignatureReview), ServiceError> {
    let p = moderated(state, staff, id).await?;
    let buckets = state.store().signature_timeline(id, BURST_BUCKET_SECS).await?;
    let shared_devices = state.store().shared_devices(id).await?;
    Ok((p, SignatureReview { buckets: mark_bursts(&buckets), shared_devices }))
}

/// Counts the signatures a selection would invalidate (`apply` false: the
/// preview) or invalidates them. An empty selection is refused: invalidating
/// a whole petition is not what this is for.
pub async fn invalidate(
    state: &AppState,
    staff: &Staff,
    id: &PetitionId,
    selection: &SignatureSelection,
    apply: bool,
) -> Result<u32, ServiceError> {
    moderated(state, staff, id).await?;
    if selection.device.is_none() && selection.from.is_none() && selection.until.is_none() {
        return Err(rejected("empty_selection", "Indica un telefono o un intervallo di tempo / Give a phone or a time window"));
    }
    if let (Some(f), Some(u)) = (selection.from, selection.until) {
        if f >= u {
            return Err(rejected("invalid_window", "L'inizio deve precedere la fine / The start must come before the end"));
        }
    }
    let n = state.store().invalidate_signatures(id, selection, apply, &staff.actor(), Utc::now()).await?;
    if apply {
        crate::platform::staff::audit(state, &staff.actor(), "signatures_invalidated", Some(format!("petition:{id}")), Some(n.to_string()))
            .await;
    }
    Ok(n)
}

/// Closes petitions past their date and anonymises those ended long enough
/// ago; run by the server every minute (on PostgreSQL several servers may
/// run it at once: each petition is taken by one).
pub async fn sweep(state: &AppState, now: DateTime<Utc>) -> Result<(usize, u32), ServiceError> {
    let closed = state.store().close_due_petitions(now).await?;
    for id in &closed {
        tracing::info!(petition = %id, "petition closed at its date");
    }
    let anonymised = state.store().anonymise_due_petitions(now).await?;
    if anonymised > 0 {
        tracing::info!(petitions = anonymised, "signers' data of ended petitions deleted");
    }
    Ok((closed.len(), anonymised))
}

/// Public figures of a Comune's petitions (moderated ones only).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ComunePetitionCounts {
    pub istat_code: String,
    pub comune: String,
    #[serde(rename = "aperte")]
    pub open: u32,
    #[serde(rename = "chiuse")]
    pub closed: u32,
    #[serde(rename = "con_risposta")]
    pub answered: u32,
    #[serde(rename = "respinte")]
    pub rejected: u32,
    /// Standing signatures of its open, closed and answered petitions.
    #[serde(rename = "firme")]
    pub signatures: u64,
}

/// Every Comune running petitions, with its counts, in ISTAT order.
pub async fn counts(state: &AppState) -> Result<Vec<ComunePetitionCounts>, ServiceError> {
    let rows: Vec<PetitionCount> = state.store().petition_counts().await?;
    let directory = state.directory();
    let mut out = Vec::new();
    for code in &directory.order {
        let Some(entry) = directory.comune(code) else { continue };
        if !entry.services.contains(&Service::Petitions) {
            continue;
        }
        let mut c = ComunePetitionCounts { istat_code: code.to_string(), comune: entry.name.clone(), ..Default::default() };
        for r in rows.iter().filter(|r| r.comune == *code) {
            match r.status.as_str() {
                "open" | "awaiting_response" | "awaiting_debate" => c.open += r.petitions,
                "closed" => c.closed += r.petitions,
                "answered" => c.answered += r.petitions,
                "rejected" => c.rejected += r.petitions,
                _ => continue,
            }
            if r.status != "rejected" {
                c.signatures += r.signatures;
            }
        }
        out.push(c);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_790_000_000 + minutes * 60, 0).expect("time")
    }

    #[test]
    fn a_burst_stands_out_of_a_steady_day_but_a_steadily_popular_petition_has_none() {
        let steady: Vec<_> = (0..20).map(|i| (at(i * 10), 30)).collect();
        assert!(mark_bursts(&steady).iter().all(|b| !b.2), "30 every ten minutes all day is popularity");
        let mut day: Vec<_> = (0..20).map(|i| (at(i * 10), 3)).collect();
        day[7].1 = 60;
        let marked = mark_bursts(&day);
        assert_eq!(marked.iter().filter(|b| b.2).map(|b| b.0).collect::<Vec<_>>(), [at(70)]);
        // A small petition's busy hour (under 20) is not a burst.
        let small = [(at(0), 1), (at(10), 12)];
        assert!(mark_bursts(&small).iter().all(|b| !b.2));
        assert!(mark_bursts(&[]).is_empty());
    }
}
