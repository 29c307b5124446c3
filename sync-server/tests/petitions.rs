//! Petitions over the sync API, on both databases: one signature per person
//! whatever the phone, residents only where the petition says so, and a
//! threshold crossed exactly once under concurrent signing.

mod common;

use std::sync::Arc;

use casa_mobile::Client;
use casa_shared_model::petition::{PetitionDraft, PetitionStatus, SignaturePayload, ThresholdKind, WithdrawalPayload};
use casa_shared_model::wire::v1::{SyncRequest, PROTOCOL_VERSION};
use casa_shared_model::wire::{ItemOutcome, PushItem};
use casa_shared_model::{DeviceId, IstatCode, PetitionId, Service};
use casa_sync_server::components::identity::{issue_activation, FiscalCode};
use casa_sync_server::components::petitions::service::open_petition;
use casa_sync_server::platform::staff::Staff;
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
    Staff { id: user.id, email: user.email, role: casa_sync_server::platform::auth::Role::Moderator, comuni: user.comuni, department: None }
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
    phone_on(server, person, residence, DeviceId::new()).await
}

/// The identity activated on a given phone (one a household shares).
async fn phone_on(server: &RunningServer, person: &FiscalCode, residence: IstatCode, device: DeviceId) -> (DeviceId, String) {
    let keyer = server.state.person_keyer();
    let (_, code, _) =
        issue_activation(server.state.store(), keyer, person, residence, "staff:urp@comune.bari.it", Utc::now()).await.expect("issue");
    let session = casa_e2e::phone_client(&server.url, device).activate_identity(&code.to_lowercase(), device).await.expect("activate");
    assert_eq!(session.residence, residence);
    let other = DeviceId::new();
    let again = casa_e2e::phone_client(&server.url, other).activate_identity(&code, other).await;
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
        ItemOutcome::Deferred { code, .. } => format!("deferred:{code}"),
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
    let a = casa_e2e::sync_as_phone(&client, &signing(phone_a, vec![a_sig.clone()]), Some(&token_a)).await.expect("sync a");
    assert_eq!(code_of(&a.results[0].outcome), "counted:1");
    let listed = a.petitions.expect("petitions asked for");
    assert_eq!((listed.len(), listed[0].signatures), (1, 1));
    let b = casa_e2e::sync_as_phone(&client, &signing(phone_b, vec![sign(petition)]), Some(&token_b)).await.expect("sync b");
    let ItemOutcome::Rejected { code, message } = &b.results[0].outcome else { panic!("{:?}", b.results) };
    assert_eq!(code, "already_signed");
    assert!(message.contains("Hai già firmato") && message.contains("conta una volta sola"), "{message}");
    // A re-send of A's signature answers the same and adds nothing.
    let again = casa_e2e::sync_as_phone(&client, &signing(phone_a, vec![a_sig]), Some(&token_a)).await.expect("resend");
    assert_eq!(code_of(&again.results[0].outcome), "counted:1");

    // A resident of Monopoli, and a phone without identity, are refused with a reason.
    let (phone_c, token_c) = phone(&server, &fiscal_code(2), monopoli()).await;
    let c = casa_e2e::sync_as_phone(&client, &signing(phone_c, vec![sign(petition)]), Some(&token_c)).await.expect("sync c");
    let ItemOutcome::Rejected { code, message } = &c.results[0].outcome else { panic!("{:?}", c.results) };
    assert_eq!(code, "not_resident");
    assert!(message.contains("riservata ai residenti del Comune di Bari") && message.contains("Monopoli"), "{message}");
    let anonymous = casa_e2e::sync_as_phone(&client, &signing(DeviceId::new(), vec![sign(petition)]), None).await.expect("anonymous");
    assert_eq!(code_of(&anonymous.results[0].outcome), "identity_required");
    let forged =
        casa_e2e::sync_as_phone(&client, &signing(DeviceId::new(), vec![sign(petition)]), Some("not-a-token")).await.expect("forged");
    assert_eq!(code_of(&forged.results[0].outcome), "identity_invalid");
    let copied = casa_e2e::sync_as_phone(&client, &signing(DeviceId::new(), vec![sign(petition)]), Some(&token_a)).await.expect("copied");
    assert_eq!(code_of(&copied.results[0].outcome), "identity_other_device", "a token works on its own phone only");

    // An open-to-all petition takes Monopoli's resident.
    let open_to_all = open_petition(&server.state, &staff, &bari(), &draft(false, 500)).await.expect("open").id;
    let c = casa_e2e::sync_as_phone(&client, &signing(phone_c, vec![sign(open_to_all)]), Some(&token_c)).await.expect("sync c");
    assert_eq!(code_of(&c.results[0].outcome), "counted:1");

    // Withdrawn from phone B (the same person), then signed again from it.
    let withdrawal = PushItem::Withdrawal(WithdrawalPayload { id: uuid::Uuid::now_v7(), petition_id: petition, at: Utc::now() });
    let w =
        casa_e2e::sync_as_phone(&client, &signing(phone_b, vec![withdrawal.clone(), withdrawal]), Some(&token_b)).await.expect("withdraw");
    assert_eq!(w.results.iter().map(|r| code_of(&r.outcome)).collect::<Vec<_>>(), ["counted:0", "counted:0"]);
    let back = casa_e2e::sync_as_phone(&client, &signing(phone_b, vec![sign(petition)]), Some(&token_b)).await.expect("sign again");
    assert_eq!(code_of(&back.results[0].outcome), "counted:1");
    let stored = server.state.store().petition(&petition).await.expect("read").expect("petition");
    assert_eq!((stored.signatures, stored.status), (1, PetitionStatus::Open));

    // Where petitions are off, a phone lists none and a signature is refused.
    server.state.store().set_service(&bari(), Service::Petitions, false).await.expect("disable");
    server.state.reload_if_changed().await.expect("reload");
    let off = casa_e2e::sync_as_phone(&client, &signing(phone_a, vec![sign(open_to_all)]), Some(&token_a)).await.expect("off");
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
        store
            .insert_citizen_token(&casa_sync_server::platform::staff::hash_token(&token), citizen.id, &device, Utc::now())
            .await
            .expect("token");
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
                let res = casa_e2e::sync_as_phone(&client, &req, Some(token)).await.expect("sync");
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

fn proposal(comune: IstatCode, title: &str) -> casa_shared_model::petition::ProposalPayload {
    casa_shared_model::petition::ProposalPayload {
        id: PetitionId::new(),
        comune,
        title: title.into(),
        body: "Chiediamo che la biblioteca comunale resti aperta fino alle 22, per chi studia e lavora di giorno.".into(),
        residents_only: true,
        open_days: 45,
        created_at: Utc::now(),
    }
}

async fn a_residents_proposal_gathers_co_sponsors_is_moderated_opens_is_answered_and_counts_in_the_open_data(db: &TestDb) {
    use casa_shared_model::petition::PetitionRules;

    let server = server_with_petitions(db).await;
    let http = reqwest::Client::new();
    let (moderator, password) = common::add_staff(&server, "mod@comune.bari.it", "moderator", &["072006"]).await;
    let (other, other_password) = common::add_staff(&server, "mod@comune.monopoli.ba.it", "moderator", &["072030"]).await;
    // Bari asks for two co-sponsors and answers at 10 signatures.
    let rules = serde_json::json!({ "cosponsors": 2, "response_threshold": 10, "debate_threshold": 40, "anonymise_after_months": 6 });
    let put = |who: &str, pw: &str, body: serde_json::Value| {
        http.put(format!("{}/api/v1/admin/comuni/072006/petition-rules", server.url)).basic_auth(who, Some(pw)).json(&body).send()
    };
    assert_eq!(put(&other, &other_password, rules.clone()).await.expect("put").status(), 403);
    let bad = put(
        &moderator,
        &password,
        serde_json::json!({ "cosponsors": 20, "response_threshold": 10, "debate_threshold": 40, "anonymise_after_months": 6 }),
    )
    .await
    .expect("put");
    assert_eq!(bad.status(), 422);
    assert_eq!(bad.json::<serde_json::Value>().await.expect("json")["code"], "invalid_cosponsors");
    assert_eq!(put(&moderator, &password, rules).await.expect("put").status(), 200);
    assert_eq!(
        server.state.directory().comune(&bari()).map(|c| c.petition_rules),
        Some(PetitionRules::parse(2, 10, 40, 6).expect("rules"))
    );

    let client = Client::new(&server.url);
    let (author_phone, author) = phone(&server, &fiscal_code(10), bari()).await;
    let mine = proposal(bari(), "La biblioteca aperta la sera");
    let sent = casa_e2e::sync_as_phone(&client, &signing(author_phone, vec![PushItem::Proposal(mine.clone())]), Some(&author))
        .await
        .expect("propose");
    assert_eq!(code_of(&sent.results[0].outcome), "counted:1", "the author's signature counts");
    let listed = sent.petitions.expect("petitions");
    let own = listed.iter().find(|p| p.id == mine.id).expect("the author sees their proposal");
    assert_eq!((own.status.clone(), own.cosponsors_needed, own.closes_at), (PetitionStatus::Submitted, 2, None));
    assert_eq!((own.thresholds[0].signatures, own.thresholds[1].signatures), (10, 40), "the Comune's thresholds");
    // Not public before moderation, but readable by its link.
    let public: Vec<serde_json::Value> =
        http.get(format!("{}/api/v1/comuni/072006/petitions", server.url)).send().await.expect("list").json().await.expect("json");
    assert!(public.iter().all(|p| p["id"] != mine.id.to_string()));
    let by_link = client.petition(&mine.id).await.expect("by link");
    assert_eq!(by_link.status, PetitionStatus::Submitted);
    // A re-send answers the same; another Comune's resident may not propose here.
    let again = casa_e2e::sync_as_phone(&client, &signing(author_phone, vec![PushItem::Proposal(mine.clone())]), Some(&author))
        .await
        .expect("resend");
    assert_eq!(code_of(&again.results[0].outcome), "counted:1");
    let (stranger_phone, stranger) = phone(&server, &fiscal_code(11), monopoli()).await;
    let refused = casa_e2e::sync_as_phone(
        &client,
        &signing(stranger_phone, vec![PushItem::Proposal(proposal(bari(), "Una proposta da fuori Comune"))]),
        Some(&stranger),
    )
    .await
    .expect("stranger");
    let ItemOutcome::Rejected { code, message } = &refused.results[0].outcome else { panic!("{:?}", refused.results) };
    assert_eq!(code, "not_resident");
    assert!(message.contains("Solo i residenti del Comune di Bari"), "{message}");

    // Two co-sponsors send it to moderation; a third waits for the opening.
    let mut cosponsors = Vec::new();
    for n in 0..3 {
        cosponsors.push(phone(&server, &fiscal_code(20 + n), bari()).await);
    }
    let answers: Vec<String> = {
        let mut out = Vec::new();
        for (device, token) in &cosponsors {
            let r = casa_e2e::sync_as_phone(&client, &signing(*device, vec![sign(mine.id)]), Some(token)).await.expect("co-sponsor");
            out.push(code_of(&r.results[0].outcome));
        }
        out
    };
    assert_eq!(answers, ["counted:2", "counted:3", "petition_in_moderation"]);
    let stored = server.state.store().petition(&mine.id).await.expect("read").expect("petition");
    assert_eq!(stored.status, PetitionStatus::InModeration);

    // Only Bari's moderators decide; opening sets its closing date.
    let decide = |who: &str, pw: &str, body: serde_json::Value| {
        http.post(format!("{}/api/v1/admin/petitions/{}/decision", server.url, mine.id)).basic_auth(who, Some(pw)).json(&body).send()
    };
    assert_eq!(decide(&other, &other_password, serde_json::json!({ "action": "open" })).await.expect("post").status(), 403);
    let opened = decide(&moderator, &password, serde_json::json!({ "action": "open" })).await.expect("post");
    assert_eq!(opened.status(), 200);
    let opened: casa_shared_model::petition::PublicPetition = opened.json().await.expect("json");
    assert_eq!(opened.status, PetitionStatus::Open);
    let closes = opened.closes_at.expect("closing date");
    assert!((closes - Utc::now() - chrono::Duration::days(45)).num_minutes().abs() < 5, "{closes}");
    let twice = decide(&moderator, &password, serde_json::json!({ "action": "open" })).await.expect("post");
    assert_eq!(twice.status(), 422);
    assert_eq!(twice.json::<serde_json::Value>().await.expect("json")["code"], "invalid_transition");
    let (device, token) = &cosponsors[2];
    let signed = casa_e2e::sync_as_phone(&client, &signing(*device, vec![sign(mine.id)]), Some(token)).await.expect("sign");
    assert_eq!(code_of(&signed.results[0].outcome), "counted:4");

    // A proposal rejected before it has its co-sponsors: its author reads why.
    let second = proposal(bari(), "Una seconda proposta di prova");
    casa_e2e::sync_as_phone(&client, &signing(author_phone, vec![PushItem::Proposal(second.clone())]), Some(&author))
        .await
        .expect("second");
    let short = http
        .post(format!("{}/api/v1/admin/petitions/{}/decision", server.url, second.id))
        .basic_auth(&moderator, Some(&password))
        .json(&serde_json::json!({ "action": "reject", "reason": "no" }))
        .send()
        .await
        .expect("post");
    assert_eq!(short.json::<serde_json::Value>().await.expect("json")["code"], "invalid_reason");
    let rejected = http
        .post(format!("{}/api/v1/admin/petitions/{}/decision", server.url, second.id))
        .basic_auth(&moderator, Some(&password))
        .json(&serde_json::json!({ "action": "reject", "reason": "Argomento di competenza della Regione Puglia" }))
        .send()
        .await
        .expect("post");
    assert_eq!(rejected.status(), 200);
    let seen = casa_e2e::sync_as_phone(&client, &signing(author_phone, vec![]), Some(&author)).await.expect("sync");
    let listed = seen.petitions.expect("petitions");
    let second_seen = listed.iter().find(|p| p.id == second.id).expect("listed for its author");
    assert_eq!(second_seen.status, PetitionStatus::Rejected { reason: "Argomento di competenza della Regione Puglia".into() });
    // A third proposal today is fine, a fourth is too many.
    let third = casa_e2e::sync_as_phone(
        &client,
        &signing(author_phone, vec![PushItem::Proposal(proposal(bari(), "Una terza proposta di prova"))]),
        Some(&author),
    )
    .await
    .expect("third");
    assert_eq!(code_of(&third.results[0].outcome), "counted:1");
    let fourth = casa_e2e::sync_as_phone(
        &client,
        &signing(author_phone, vec![PushItem::Proposal(proposal(bari(), "Una quarta proposta di prova"))]),
        Some(&author),
    )
    .await
    .expect("fourth");
    assert_eq!(code_of(&fourth.results[0].outcome), "rate_limited");

    // The Comune answers: the petition ends and the phones read the answer.
    let answer = "La biblioteca resterà aperta fino alle 22 dal lunedì al giovedì, da gennaio.";
    let answered = decide(&moderator, &password, serde_json::json!({ "action": "answer", "response": answer })).await.expect("post");
    assert_eq!(answered.status(), 200);
    let seen = casa_e2e::sync_as_phone(&client, &signing(*device, vec![]), Some(token)).await.expect("sync");
    let p = seen.petitions.expect("petitions").into_iter().find(|p| p.id == mine.id).expect("listed");
    assert_eq!((p.status, p.response.as_deref(), p.signatures), (PetitionStatus::Answered, Some(answer), 4));

    // Open data: Bari's row counts the answered petition and its signatures, the rejected proposal.
    let csv = http.get(format!("{}/api/v1/open-data/petizioni.csv", server.url)).send().await.expect("csv");
    assert!(csv.headers()["content-type"].to_str().expect("type").starts_with("text/csv"));
    let csv = csv.text().await.expect("text");
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("istat_code,comune,aperte,chiuse,con_risposta,respinte,firme"));
    assert!(csv.lines().any(|l| l == "\"072006\",\"Bari\",0,0,1,1,4"), "{csv}");
    assert!(csv.lines().any(|l| l.starts_with("\"072030\",\"Monopoli\",0,0,0,0,0")), "{csv}");
    assert_eq!(csv.lines().count(), 3, "only Comuni that run petitions: {csv}");
    let geo: serde_json::Value =
        http.get(format!("{}/api/v1/open-data/petizioni.geojson", server.url)).send().await.expect("geojson").json().await.expect("json");
    let bari_feature = geo["features"].as_array().expect("features").iter().find(|f| f["id"] == "072006").expect("Bari").clone();
    assert_eq!((bari_feature["properties"]["con_risposta"].as_u64(), bari_feature["properties"]["firme"].as_u64()), (Some(1), Some(4)));
    assert_eq!(bari_feature["geometry"]["type"], "MultiPolygon", "with its official boundary");
    assert!(bari_feature["geometry"]["coordinates"][0][0].as_array().is_some_and(|ring| ring.len() >= 4));
    server.stop().await;
}
on_both_databases!(
    a_residents_proposal_gathers_co_sponsors_is_moderated_opens_is_answered_and_counts_in_the_open_data,
    super::a_residents_proposal_gathers_co_sponsors_is_moderated_opens_is_answered_and_counts_in_the_open_data
);

async fn bari_moderators_open_a_proposal_invalidate_a_shared_phones_signatures_after_a_preview_and_answer_in_the_dashboard(db: &TestDb) {
    use casa_e2e::web::{browser, csrf_of, location, log_in, page};
    use reqwest::StatusCode;

    let server = server_with_petitions(db).await;
    let base = server.url.clone();
    let (moderator, password) = common::add_staff(&server, "mod@comune.bari.it", "moderator", &["072006"]).await;
    let (other, other_password) = common::add_staff(&server, "mod@comune.monopoli.ba.it", "moderator", &["072030"]).await;
    let b = browser();
    assert_eq!(log_in(&b, &base, &moderator, &password).await.status(), StatusCode::SEE_OTHER);

    // The Comune's rules, set in its petitions page: two co-sponsors.
    let (status, list) = page(&b, format!("{base}/dashboard/comuni/072006/petizioni")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("Nessuna proposta attende la moderazione") && list.contains(r#"name="cosponsors""#), "{list}");
    let rules = [
        ("csrf", csrf_of(&list)),
        ("cosponsors", "2".into()),
        ("response_threshold", "10".into()),
        ("debate_threshold", "40".into()),
        ("anonymise_after_months", "6".into()),
    ];
    let res = b.post(format!("{base}/dashboard/comuni/072006/petizioni/regole")).form(&rules).send().await.expect("rules");
    assert_eq!(location(&res), "/dashboard/comuni/072006/petizioni?fatto=regole");
    let mut bad = rules.clone();
    bad[1] = ("cosponsors", "10".into());
    let res = b.post(format!("{base}/dashboard/comuni/072006/petizioni/regole")).form(&bad).send().await.expect("bad rules");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.expect("body").contains("promotori da 1 a 100"));

    // A proposal, co-sponsored by two people from one phone.
    let client = Client::new(&base);
    let (author_phone, author) = phone(&server, &fiscal_code(30), bari()).await;
    let mine = proposal(bari(), "Fontanelle d'acqua nei giardini");
    casa_e2e::sync_as_phone(&client, &signing(author_phone, vec![PushItem::Proposal(mine.clone())]), Some(&author)).await.expect("propose");
    let shared = DeviceId::new();
    let mut shared_tokens = Vec::new();
    for n in 0..2 {
        let (_, token) = phone_on(&server, &fiscal_code(31 + n), bari(), shared).await;
        shared_tokens.push(token.clone());
        let r = casa_e2e::sync_as_phone(&client, &signing(shared, vec![sign(mine.id)]), Some(&token)).await.expect("co-sponsor");
        assert_eq!(code_of(&r.results[0].outcome), format!("counted:{}", n + 2));
    }
    let (_, list) = page(&b, format!("{base}/dashboard/comuni/072006/petizioni")).await;
    assert!(list.contains("1 proposta attende la moderazione") && list.contains("Fontanelle d"), "{list}");
    assert!(list.contains("2 di 2 promotori"), "{list}");
    let url = format!("{base}/dashboard/petizioni/{}", mine.id);
    let (status, view) = page(&b, url.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(view.contains("Apri alle firme per 45 giorni") && view.contains("Telefoni usati da più persone"), "{view}");
    assert!(!view.contains("citizen:"), "never who proposed it: {view}");

    // Monopoli's moderator sees none of it.
    let m = browser();
    log_in(&m, &base, &other, &other_password).await;
    assert_eq!(page(&m, url.clone()).await.0, StatusCode::FORBIDDEN);
    assert_eq!(page(&m, format!("{base}/dashboard/comuni/072006/petizioni")).await.0, StatusCode::FORBIDDEN);

    // Opened.
    let res = b.post(format!("{url}/decisione")).form(&[("csrf", csrf_of(&view).as_str()), ("action", "open")]).send().await.expect("open");
    assert_eq!(location(&res), format!("/dashboard/petizioni/{}?fatto=open", mine.id));
    let (_, view) = page(&b, url.clone()).await;
    assert!(view.contains("Aperta alle firme") && view.contains("Pubblica la risposta"), "{view}");

    // The shared phone's signatures: a preview first, which changes nothing, then invalidated.
    let preview_url = format!("{url}/annulla?telefono={shared}");
    let (status, preview) = page(&b, preview_url).await;
    assert_eq!(status, StatusCode::OK);
    assert!(preview.contains("2 firme valide corrispondono") && preview.contains("da 3 a 1"), "{preview}");
    assert_eq!(server.state.store().petition(&mine.id).await.expect("read").expect("petition").signatures, 3);
    let empty = b.post(format!("{url}/annulla")).form(&[("csrf", csrf_of(&preview).as_str())]).send().await.expect("empty");
    assert_eq!(empty.status(), StatusCode::BAD_REQUEST, "a selection of everything is refused");
    // Someone signs from that phone after the preview: applying it leaves them be.
    let (_, late) = phone_on(&server, &fiscal_code(35), bari(), shared).await;
    let r = casa_e2e::sync_as_phone(&client, &signing(shared, vec![sign(mine.id)]), Some(&late)).await.expect("late");
    assert_eq!(code_of(&r.results[0].outcome), "counted:4");
    let seen = preview.split(r#"name="visto" value=""#).nth(1).and_then(|v| v.split('"').next()).expect("preview time").to_owned();
    let form = |visto: &str| {
        vec![
            ("csrf", csrf_of(&preview)),
            ("telefono", shared.to_string()),
            ("dal", String::new()),
            ("al", String::new()),
            ("visto", visto.to_owned()),
        ]
    };
    let unseen = b.post(format!("{url}/annulla")).form(&form("")).send().await.expect("no preview");
    assert_eq!(unseen.status(), StatusCode::BAD_REQUEST, "applying needs the preview");
    let res = b.post(format!("{url}/annulla")).form(&form(&seen)).send().await.expect("invalidate");
    assert_eq!(location(&res), format!("/dashboard/petizioni/{}?fatto=annullate", mine.id));
    assert_eq!(server.state.store().petition(&mine.id).await.expect("read").expect("petition").signatures, 2);
    let (_, view) = page(&b, url.clone()).await;
    assert!(view.contains("Firme annullate") && !view.contains("Telefoni usati da più persone"), "{view}");
    // Their phone learns it at its next sync; the late signer's still stands.
    use casa_shared_model::petition::SignatureStanding;
    let standing = |token: String| {
        let client = client.clone();
        async move {
            let r = casa_e2e::sync_as_phone(&client, &signing(shared, vec![]), Some(&token)).await.expect("sync");
            r.petitions.expect("petitions").into_iter().find(|p| p.id == mine.id).and_then(|p| p.my_signature)
        }
    };
    assert_eq!(standing(shared_tokens[0].clone()).await, Some(SignatureStanding::Invalidated));
    assert_eq!(standing(late.clone()).await, Some(SignatureStanding::Signed));

    // The official answer ends it.
    let res = b
        .post(format!("{url}/decisione"))
        .form(&[
            ("csrf", csrf_of(&view).as_str()),
            ("action", "answer"),
            ("response", "Il Comune installerà dieci fontanelle entro l'estate."),
        ])
        .send()
        .await
        .expect("answer");
    assert_eq!(location(&res), format!("/dashboard/petizioni/{}?fatto=answered", mine.id));
    let (_, view) = page(&b, url).await;
    assert!(view.contains("Il Comune ha risposto") && view.contains("dieci fontanelle"), "{view}");
    server.stop().await;
}
on_both_databases!(
    bari_moderators_open_a_proposal_invalidate_a_shared_phones_signatures_after_a_preview_and_answer_in_the_dashboard,
    super::bari_moderators_open_a_proposal_invalidate_a_shared_phones_signatures_after_a_preview_and_answer_in_the_dashboard
);

async fn a_proposals_author_earns_the_threshold_badge_when_it_reaches_its_threshold(db: &TestDb) {
    use casa_shared_model::badge::BadgeKind;
    use casa_shared_model::petition::PetitionRules;
    use casa_sync_server::components::petitions::service::{decide, Decision};

    let server = server_with_petitions(db).await;
    let store = server.state.store();
    store.set_service(&bari(), Service::Gamification, true).await.expect("badges on");
    store.set_petition_rules(&bari(), &PetitionRules::parse(1, 10, 20, 6).expect("rules")).await.expect("rules");
    server.state.reload_if_changed().await.expect("reload");
    let staff = moderator(&server).await;
    let client = Client::new(&server.url);
    let (author_phone, author) = phone(&server, &fiscal_code(40), bari()).await;
    let mine = proposal(bari(), "Un parco giochi accessibile a Japigia");
    let sent = casa_e2e::sync_as_phone(&client, &signing(author_phone, vec![PushItem::Proposal(mine.clone())]), Some(&author))
        .await
        .expect("propose");
    let kinds = |b: &[casa_shared_model::badge::BadgeAward]| b.iter().map(|a| a.badge).collect::<Vec<_>>();
    assert_eq!(kinds(&sent.badges), [BadgeKind::PetitionSigner], "the author's own signature counts");
    let (device, token) = phone(&server, &fiscal_code(41), bari()).await;
    casa_e2e::sync_as_phone(&client, &signing(device, vec![sign(mine.id)]), Some(&token)).await.expect("co-sponsor");
    decide(&server.state, &staff, &mine.id, Decision::Open).await.expect("open");
    for n in 0..8 {
        let (device, token) = phone(&server, &fiscal_code(42 + n), bari()).await;
        let r = casa_e2e::sync_as_phone(&client, &signing(device, vec![sign(mine.id)]), Some(&token)).await.expect("sign");
        assert_eq!(code_of(&r.results[0].outcome), format!("counted:{}", n + 3));
    }
    let after = casa_e2e::sync_as_phone(&client, &signing(author_phone, vec![]), Some(&author)).await.expect("sync");
    assert_eq!(kinds(&after.badges), [BadgeKind::PetitionSigner, BadgeKind::PetitionThreshold]);
    let p = after.petitions.expect("petitions").into_iter().find(|p| p.id == mine.id).expect("listed");
    assert_eq!((p.status, p.signatures), (PetitionStatus::AwaitingResponse, 10));
    server.stop().await;
}
on_both_databases!(
    a_proposals_author_earns_the_threshold_badge_when_it_reaches_its_threshold,
    super::a_proposals_author_earns_the_threshold_badge_when_it_reaches_its_threshold
);
