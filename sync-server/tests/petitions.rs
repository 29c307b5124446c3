//! Petitions over the sync API, on both databases: one signature per person
//! whatever the phone, residents only where the petition says so, and a
//! threshold crossed exactly once under concurrent signing.

mod common;

use std::sync::Arc;

use casa_mobile::Client;
use casa_shared_model::petition::{PetitionDraft, PetitionStatus, SignaturePayload, ThresholdKind, WithdrawalPayload};
use casa_shared_model::wire::{ItemOutcome, PushItem, SyncRequest, PROTOCOL_VERSION};
use casa_shared_model::{DeviceId, IstatCode, PetitionId, Service};
use casa_sync_server::identity::{issue_activation, FiscalCode};
use casa_sync_server::service::petitions::open_petition;
use casa_sync_server::service::Staff;
use casa_sync_server::RunningServer;
use chrono::Utc;
use common::{on_both_databases, TestDb};

fn bari() -> IstatCode {
    IstatCode::parse("072006").expect("code")
}

fn monopoli() -> IstatCode {
    IstatCode::parse("072030").expect("code")
}

/// A valid fiscal code for the n-th test person (the control character computed).
fn fiscal_code(n: u32) -> FiscalCode {
    let stem = format!("RSSMRA80A01H{:03}", n % 1000);
    // Exactly one control letter is right.
    ('A'..='Z').find_map(|c| FiscalCode::parse(&format!("{stem}{c}")).ok()).expect("a control letter fits")
}

async fn moderator(server: &RunningServer) -> Staff {
    let (email, _) = common::add_staff(server, "mod@comune.bari.it", "moderator", &["072006"]).await;
    let user = server.state.store().staff_user_by_email(&email).await.expect("read").expect("user");
    Staff { id: user.id, email: user.email, role: casa_sync_server::auth::Role::Moderator, comuni: user.comuni, department: None }
}

async fn server_with_petitions(db: &TestDb) -> RunningServer {
    let server = common::server_with_boundaries(db).await;
    for c in [bari(), monopoli()] {
        assert!(server.state.store().set_service(&c, Service::Petitions, true).await.expect("enable"));
    }
    server.state.reload_if_changed().await.expect("reload");
    server
}

fn draft(residents_only: bool, response: u32) -> PetitionDraft {
    PetitionDraft {
        id: PetitionId::new(),
        title: "Più alberi in via Sparano da Bari".into(),
        body: "Chiediamo al Comune di piantare alberi lungo via Sparano da Bari, per l'ombra d'estate e un'aria migliore.".into(),
        residents_only,
        open_days: 60,
        response_threshold: Some(response),
        debate_threshold: Some(response * 4),
    }
}

/// A phone with a verified identity: the clerk's code activated through the API.
async fn phone(server: &RunningServer, person: &FiscalCode, residence: IstatCode) -> (DeviceId, String) {
    let (_, code, _) =
        issue_activation(server.state.store(), person, residence, "staff:urp@comune.bari.it", Utc::now()).await.expect("issue");
    let device = DeviceId::new();
    let session = Client::new(&server.url).activate_identity(&code.to_lowercase(), device).await.expect("activate");
    assert_eq!(session.residence, residence);
    let again = Client::new(&server.url).activate_identity(&code, DeviceId::new()).await;
    assert!(again.is_err(), "a code works once");
    (device, session.token)
}

fn signing(device: DeviceId, items: Vec<PushItem>) -> SyncRequest {
    SyncRequest { protocol: PROTOCOL_VERSION, device_id: device, cursor: None, items, nearby: None, petitions: Some(bari()) }
}

fn sign(petition: PetitionId) -> PushItem {
    PushItem::Signature(SignaturePayload { id: uuid::Uuid::now_v7(), petition_id: petition, signed_at: Utc::now() })
}

fn code_of(o: &ItemOutcome) -> String {
    match o {
        ItemOutcome::Counted(r) => format!("counted:{}", r.signatures),
        ItemOutcome::Rejected { code, .. } => code.clone(),
        ItemOutcome::Accepted(_) => "accepted".into(),
    }
}

async fn one_person_on_two_phones_counts_once_and_residents_only_means_residents(db: &TestDb) {
    let server = server_with_petitions(db).await;
    let staff = moderator(&server).await;
    let petition = open_petition(&server.state, &staff, &bari(), &draft(true, 500)).await.expect("open").id;
    let client = Client::new(&server.url);
    let maria = fiscal_code(1);
    let (phone_a, token_a) = phone(&server, &maria, bari()).await;
    let (phone_b, token_b) = phone(&server, &maria, bari()).await;

    // Both phones signed offline; A syncs first, then B.
    let a_sig = sign(petition);
    let a = client.sync_as(&signing(phone_a, vec![a_sig.clone()]), Some(&token_a)).await.expect("sync a");
    assert_eq!(code_of(&a.results[0].outcome), "counted:1");
    let listed = a.petitions.expect("petitions asked for");
    assert_eq!((listed.len(), listed[0].signatures), (1, 1));
    let b = client.sync_as(&signing(phone_b, vec![sign(petition)]), Some(&token_b)).await.expect("sync b");
    let ItemOutcome::Rejected { code, message } = &b.results[0].outcome else { panic!("{:?}", b.results) };
    assert_eq!(code, "already_signed");
    assert!(message.contains("Hai già firmato") && message.contains("conta una volta sola"), "{message}");
    // A re-send of A's signature answers the same and adds nothing.
    let again = client.sync_as(&signing(phone_a, vec![a_sig]), Some(&token_a)).await.expect("resend");
    assert_eq!(code_of(&again.results[0].outcome), "counted:1");

    // A resident of Monopoli, and a phone without identity, are refused with a reason.
    let (phone_c, token_c) = phone(&server, &fiscal_code(2), monopoli()).await;
    let c = client.sync_as(&signing(phone_c, vec![sign(petition)]), Some(&token_c)).await.expect("sync c");
    let ItemOutcome::Rejected { code, message } = &c.results[0].outcome else { panic!("{:?}", c.results) };
    assert_eq!(code, "not_resident");
    assert!(message.contains("riservata ai residenti del Comune di Bari") && message.contains("Monopoli"), "{message}");
    let anonymous = client.sync(&signing(DeviceId::new(), vec![sign(petition)])).await.expect("anonymous");
    assert_eq!(code_of(&anonymous.results[0].outcome), "identity_required");
    let forged = client.sync_as(&signing(DeviceId::new(), vec![sign(petition)]), Some("not-a-token")).await.expect("forged");
    assert_eq!(code_of(&forged.results[0].outcome), "identity_invalid");

    // An open-to-all petition takes Monopoli's resident.
    let open_to_all = open_petition(&server.state, &staff, &bari(), &draft(false, 500)).await.expect("open").id;
    let c = client.sync_as(&signing(phone_c, vec![sign(open_to_all)]), Some(&token_c)).await.expect("sync c");
    assert_eq!(code_of(&c.results[0].outcome), "counted:1");

    // Withdrawn from phone B (the same person), then signed again from it.
    let withdrawal = PushItem::Withdrawal(WithdrawalPayload { id: uuid::Uuid::now_v7(), petition_id: petition, at: Utc::now() });
    let w = client.sync_as(&signing(phone_b, vec![withdrawal.clone(), withdrawal]), Some(&token_b)).await.expect("withdraw");
    assert_eq!(w.results.iter().map(|r| code_of(&r.outcome)).collect::<Vec<_>>(), ["counted:0", "counted:0"]);
    let back = client.sync_as(&signing(phone_b, vec![sign(petition)]), Some(&token_b)).await.expect("sign again");
    assert_eq!(code_of(&back.results[0].outcome), "counted:1");
    let stored = server.state.store().petition(&petition).await.expect("read").expect("petition");
    assert_eq!((stored.signatures, stored.status), (1, PetitionStatus::Open));

    // Where petitions are off, a phone lists none and a signature is refused.
    server.state.store().set_service(&bari(), Service::Petitions, false).await.expect("disable");
    server.state.reload_if_changed().await.expect("reload");
    let off = client.sync_as(&signing(phone_a, vec![sign(open_to_all)]), Some(&token_a)).await.expect("off");
    assert_eq!(code_of(&off.results[0].outcome), "service_disabled");
    assert_eq!(off.petitions, Some(vec![]));
    server.stop().await;
}
on_both_databases!(
    one_person_on_two_phones_counts_once_and_residents_only_means_residents,
    super::one_person_on_two_phones_counts_once_and_residents_only_means_residents
);

async fn a_thousand_signatures_from_fifty_concurrent_clients_cross_the_response_threshold_exactly_once(db: &TestDb) {
    let server = server_with_petitions(db).await;
    let staff = moderator(&server).await;
    let petition = open_petition(&server.state, &staff, &bari(), &draft(true, 500)).await.expect("open").id;
    // 1,000 verified residents, each with a phone token (made in the store:
    // the activation API is covered above).
    let store = server.state.store();
    let mut phones = Vec::with_capacity(1000);
    for n in 0..1000u32 {
        let citizen = store
            .upsert_citizen(&casa_sync_server::store::CitizenRecord {
                id: uuid::Uuid::now_v7(),
                person_key: format!("test-person-{n}"),
                residence: bari(),
                provider: "test".into(),
                verified_at: Utc::now(),
            })
            .await
            .expect("citizen");
        let (device, token) = (DeviceId::new(), format!("token-{n}-{}", uuid::Uuid::now_v7()));
        store.insert_citizen_token(&casa_sync_server::staff::hash_token(&token), citizen.id, &device, Utc::now()).await.expect("token");
        phones.push((device, token));
    }
    let phones = Arc::new(phones);
    let url = server.url.clone();
    let mut tasks = Vec::new();
    for worker in 0..50usize {
        let (phones, url) = (phones.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let client = Client::new(&url);
            let mut counted = Vec::new();
            for (device, token) in phones.iter().skip(worker).step_by(50) {
                let req = SyncRequest { petitions: None, ..signing(*device, vec![sign(petition)]) };
                let res = client.sync_as(&req, Some(token)).await.expect("sync");
                counted.push(code_of(&res.results[0].outcome));
            }
            counted
        }));
    }
    let mut answers = Vec::new();
    for t in tasks {
        answers.extend(t.await.expect("worker"));
    }
    assert_eq!(answers.len(), 1000);
    let mut counts: Vec<u32> =
        answers.iter().map(|a| a.strip_prefix("counted:").unwrap_or_else(|| panic!("{a}")).parse().expect("number")).collect();
    counts.sort_unstable();
    assert_eq!(counts, (1..=1000).collect::<Vec<_>>(), "each signature got its own place in the count");

    let stored = store.petition(&petition).await.expect("read").expect("petition");
    assert_eq!(stored.signatures, 1000);
    assert_eq!(stored.status, PetitionStatus::AwaitingResponse);
    let events = store.petition_events(&petition).await.expect("events");
    let crossings: Vec<_> = events.iter().filter(|e| e.event == "threshold_reached").collect();
    assert_eq!(crossings.len(), 1, "{events:?}");
    assert_eq!((crossings[0].detail.as_deref(), crossings[0].signatures), (Some(ThresholdKind::Response.as_str()), 500));
    assert_eq!(events.iter().filter(|e| e.event == "awaiting_response").count(), 1);
    let response = stored.thresholds.iter().find(|t| t.kind == ThresholdKind::Response).expect("threshold");
    assert!(response.reached_at.is_some());
    assert!(stored.thresholds.iter().any(|t| t.kind == ThresholdKind::Debate && t.reached_at.is_none()));
    server.stop().await;
}
on_both_databases!(
    a_thousand_signatures_from_fifty_concurrent_clients_cross_the_response_threshold_exactly_once,
    super::a_thousand_signatures_from_fifty_concurrent_clients_cross_the_response_threshold_exactly_once
);
