//! The sync protocol by component (protocol 2), a component registered the
//! way the real ones are, and phones still on protocol 1.

mod common;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use casa_shared_model::wire::sections::{Badges, BadgesPull, Petitions, PetitionsPull, Reports, ReportsPull};
use casa_shared_model::wire::{v1, Item, ItemOutcome, PushItem, ReportPayload, SyncRequest};
use casa_shared_model::{DeviceId, IstatCode, ReportId, ReportStatus, Service};
use casa_sync_server::components::{parse_pull, section_value, Component, Registry, SyncContext};
use casa_sync_server::platform::error::ServiceError;
use casa_sync_server::AppState;
use chrono::Utc;
use common::{on_both_databases, TestDb};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// A component that exists only here: phones leave notes, the Comune at the
/// note's place takes them, and the phone pulls how many there are.
#[derive(Default)]
struct Notes {
    taken: Mutex<Vec<(uuid::Uuid, String)>>,
}

#[derive(Serialize, Deserialize)]
struct NotesPull {
    seen: usize,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct NotesSection {
    count: usize,
}

#[async_trait]
impl Component for Notes {
    fn name(&self) -> &'static str {
        "notes"
    }

    fn item_kinds(&self) -> &'static [&'static str] {
        &["note"]
    }

    fn api_routes(&self) -> Router<AppState> {
        Router::new().route("/notes/comuni", get(|State(state): State<AppState>| async move { Json(state.directory().order.len()) }))
    }

    async fn push(&self, cx: &SyncContext<'_>, items: Vec<Item>) -> Result<Vec<ItemOutcome>, ServiceError> {
        let bari = IstatCode::parse("072006").expect("code");
        let mut taken = self.taken.lock().expect("lock");
        Ok(items
            .into_iter()
            .map(|item| match item.fields.get("text").and_then(Value::as_str) {
                Some(text) => {
                    if !taken.iter().any(|(id, _)| *id == item.id) {
                        taken.push((item.id, text.to_owned()));
                    }
                    ItemOutcome::Accepted(cx.state.directory().routing(&bari, "ambiente", "inside"))
                }
                None => ItemOutcome::Rejected { code: "no_text".into(), message: "A note needs a text".into() },
            })
            .collect())
    }

    async fn pull(&self, _cx: &SyncContext<'_>, pull: Option<&Value>) -> Result<Option<Value>, ServiceError> {
        let Some(pull) = pull else { return Ok(None) };
        let pull: NotesPull = parse_pull(pull, "notes")?;
        let count = self.taken.lock().expect("lock").len();
        if count == pull.seen {
            return Ok(None);
        }
        section_value(&NotesSection { count })
    }
}

fn note(text: &str) -> Item {
    serde_json::from_value(json!({ "kind": "note", "id": uuid::Uuid::now_v7(), "text": text })).expect("item")
}

fn report() -> ReportPayload {
    ReportPayload {
        id: ReportId::new(),
        category: "road_damage".into(),
        description: "Buca davanti alla scuola".into(),
        lat: 41.1177,
        lon: 16.8719,
        accuracy_m: 5.0,
        captured_at: Utc::now(),
        photos: vec![],
    }
}

async fn a_component_registered_like_the_real_ones_syncs_its_item_end_to_end(db: &TestDb) {
    let notes = Arc::new(Notes::default());
    let server = common::server_with_components(db, Registry::standard().with(notes.clone())).await;
    let device = DeviceId::new();
    let phone = casa_e2e::phone_client(&server.url, device);

    let mut req = SyncRequest::new(device).push(&PushItem::Report(report()));
    req.items.push(note("Lampione spento in via Sparano"));
    req.pull.insert("notes".into(), json!({ "seen": 0 }));
    let first = phone.sync(&req).await.expect("sync");
    assert!(first.results.iter().all(|r| matches!(r.outcome, ItemOutcome::Accepted(_))), "{:?}", first.results);
    assert_eq!(first.sections.get("notes"), Some(&json!({ "count": 1 })));
    assert_eq!(notes.taken.lock().expect("lock").len(), 1);

    // Sent again (the phone never heard the answer): taken once, and the
    // section, unchanged since the phone's `seen`, is not sent.
    let again = SyncRequest { pull: [("notes".to_owned(), json!({ "seen": 1 }))].into(), ..req.clone() };
    let second = phone.sync(&again).await.expect("sync again");
    assert_eq!(second.results.len(), 2);
    assert!(!second.sections.contains_key("notes"), "{:?}", second.sections);
    assert_eq!(notes.taken.lock().expect("lock").len(), 1);

    // A malformed item of its kind is its refusal, the rest of the batch goes on.
    let bad: Item = serde_json::from_value(json!({ "kind": "note", "id": uuid::Uuid::now_v7() })).expect("item");
    let third = phone.sync(&SyncRequest { items: vec![bad], pull: Default::default(), ..req.clone() }).await.expect("sync");
    assert!(matches!(&third.results[0].outcome, ItemOutcome::Rejected { code, .. } if code == "no_text"));

    // Its routes are mounted with the platform's.
    let comuni: usize = reqwest::get(format!("{}/api/v1/notes/comuni", server.url)).await.expect("get").json().await.expect("json");
    assert_eq!(comuni, 41);
    server.stop().await;

    // A server without it refuses the note alone, as a kind it does not know.
    let db2 = TestDb::sqlite();
    let plain = common::server_with_boundaries(&db2).await;
    let device = DeviceId::new();
    let mut req = SyncRequest::new(device).push(&PushItem::Report(report()));
    req.items.push(note("Nessuno la prende"));
    let answer = casa_e2e::phone_client(&plain.url, device).sync(&req).await.expect("sync");
    assert!(matches!(answer.results[0].outcome, ItemOutcome::Accepted(_)));
    assert!(matches!(&answer.results[1].outcome, ItemOutcome::Rejected { code, .. } if code == "unknown_kind"));
    plain.stop().await;
    db2.cleanup().await;
}
on_both_databases!(
    a_component_registered_like_the_real_ones_syncs_its_item_end_to_end,
    super::a_component_registered_like_the_real_ones_syncs_its_item_end_to_end
);

async fn publish(server: &casa_sync_server::RunningServer, id: ReportId) {
    let (email, password) = common::add_staff(server, "moderatore@comune.bari.it", "moderator", &["072006"]).await;
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/admin/reports/{id}/status", server.url))
        .basic_auth(&email, Some(&password))
        .json(&ReportStatus::Published)
        .send()
        .await
        .expect("publish");
    assert!(res.status().is_success(), "{}", res.status());
}

async fn a_phone_on_protocol_1_still_syncs_reports_and_follows_their_status(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let device = DeviceId::new();
    let phone = casa_e2e::phone_client(&server.url, device);
    let filed = report();
    let old = v1::SyncRequest {
        protocol: v1::PROTOCOL_VERSION,
        device_id: device,
        cursor: None,
        items: vec![PushItem::Report(filed.clone())],
        nearby: None,
        petitions: None,
    };
    let first = phone.sync(&old).await.expect("protocol 1 sync");
    assert_eq!(first.protocol, 1);
    assert!(matches!(&first.results[0].outcome, ItemOutcome::Accepted(r) if r.comune.as_str() == "072006"));
    publish(&server, filed.id).await;

    // The answer has the shape protocol 1 phones parse: every field of theirs.
    let raw: Value = reqwest::Client::new()
        .post(format!("{}/api/v1/sync", server.url))
        .headers(casa_e2e::device_headers(device))
        .json(&v1::SyncRequest { items: vec![], cursor: Some(first.cursor), ..old.clone() })
        .send()
        .await
        .expect("raw sync")
        .json()
        .await
        .expect("json");
    for field in ["protocol", "results", "changes", "badges", "points", "cursor", "has_more", "directory_version"] {
        assert!(raw.get(field).is_some(), "protocol 1 answer lacks {field}: {raw}");
    }
    assert!(raw.get("sections").is_none(), "{raw}");
    let changes: Vec<casa_shared_model::wire::ReportChange> = serde_json::from_value(raw["changes"].clone()).expect("changes");
    assert_eq!(changes.len(), 1);
    assert_eq!((changes[0].report_id, &changes[0].status), (filed.id, &ReportStatus::Published));

    // Nothing new: the old phone keeps its cursor and gets an empty list.
    let cursor: casa_shared_model::wire::Cursor = serde_json::from_value(raw["cursor"].clone()).expect("cursor");
    let idle = phone.sync(&v1::SyncRequest { items: vec![], cursor: Some(cursor), ..old.clone() }).await.expect("idle");
    assert!(idle.changes.is_empty() && !idle.has_more);
    assert_eq!(idle.cursor, cursor);

    // Re-sent by the old phone, the report is answered as the first time.
    let resent = phone.sync(&old).await.expect("resend");
    assert_eq!(resent.results, first.results);

    // A version the server no longer (or not yet) speaks is refused whole.
    let future = reqwest::Client::new()
        .post(format!("{}/api/v1/sync", server.url))
        .headers(casa_e2e::device_headers(device))
        .json(&json!({ "protocol": 3, "device_id": device, "items": [] }))
        .send()
        .await
        .expect("sync");
    assert_eq!(future.status(), 400);
    let body: Value = future.json().await.expect("json");
    assert_eq!(body["code"], "unsupported_protocol");
    server.stop().await;
}
on_both_databases!(
    a_phone_on_protocol_1_still_syncs_reports_and_follows_their_status,
    super::a_phone_on_protocol_1_still_syncs_reports_and_follows_their_status
);

async fn each_section_comes_only_when_its_component_has_something_new(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let bari = IstatCode::parse("072006").expect("code");
    for service in [Service::Petitions, Service::Gamification] {
        server.state.store().set_service(&bari, service, true).await.expect("service on");
    }
    server.state.reload_if_changed().await.expect("reload");
    let device = DeviceId::new();
    let phone = casa_e2e::phone_client(&server.url, device);
    let filed = report();
    let ask = |reports: ReportsPull, petitions: Option<String>, badges: Option<String>| {
        SyncRequest::new(device)
            .with_pull::<Reports>(&reports)
            .with_pull::<Petitions>(&PetitionsPull { comune: bari, version: petitions })
            .with_pull::<Badges>(&BadgesPull { version: badges })
    };
    let first = phone.sync(&ask(ReportsPull::default(), None, None).push(&PushItem::Report(filed.clone()))).await.expect("sync");
    // The new report's first status comes back; petitions and badges come
    // with the versions the phone will send back.
    let filed_section = first.section::<Reports>().expect("reports").expect("the report's first status");
    assert_eq!(filed_section.changes.len(), 1);
    let since = ReportsPull { cursor: Some(filed_section.cursor), nearby: None };
    let petitions = first.section::<Petitions>().expect("petitions").expect("petitions sent the first time");
    let badges = first.section::<Badges>().expect("badges").expect("badges sent the first time");
    assert_eq!((badges.badges.len(), badges.points), (0, 0));

    let idle = ask(since, Some(petitions.version.clone()), Some(badges.version.clone()));
    let answer = phone.sync(&idle).await.expect("idle sync");
    assert!(answer.sections.is_empty(), "an idle sync carries sections: {:?}", answer.sections);
    let bytes = serde_json::to_vec(&answer).expect("json").len();
    assert!(bytes < 80, "an idle answer of {bytes} bytes");

    // A status change brings the reports section (and the badge a first
    // published report earns), not the petitions, which did not change.
    publish(&server, filed.id).await;
    let answer = phone.sync(&idle).await.expect("sync");
    let reports = answer.section::<Reports>().expect("reports").expect("a change");
    assert_eq!(reports.changes.len(), 1);
    assert!(!answer.sections.contains_key("petitions"), "{:?}", answer.sections.keys());
    let badges = answer.section::<Badges>().expect("badges").expect("the points a published report earns");
    assert_eq!(badges.points, 5);
    let since = ReportsPull { cursor: Some(reports.cursor), nearby: None };
    let answer = phone.sync(&ask(since.clone(), Some(petitions.version.clone()), Some(badges.version.clone()))).await.expect("sync");
    assert!(answer.sections.is_empty());

    // A petition opens in Bari: the list comes again, with it, then rests.
    let now = Utc::now();
    let opened = casa_shared_model::petition::NewPetition {
        id: casa_shared_model::PetitionId::new(),
        comune: bari,
        title: "Una pista ciclabile sul lungomare".into(),
        body: "Chiediamo al Comune una pista ciclabile protetta lungo tutto il lungomare di Bari.".into(),
        residents_only: false,
        open_days: 30,
        closes_at: Some(now + chrono::Duration::days(30)),
        cosponsors: 0,
        response_threshold: 100,
        debate_threshold: 1000,
    };
    let status = casa_shared_model::petition::PetitionStatus::Open;
    server.state.store().insert_petition(&opened, &status, "test", None, now).await.expect("petition");
    let answer = phone.sync(&ask(since.clone(), Some(petitions.version), Some(badges.version.clone()))).await.expect("sync");
    let listed = answer.section::<Petitions>().expect("petitions").expect("the new petition");
    assert_eq!(listed.petitions.iter().map(|p| p.id).collect::<Vec<_>>(), vec![opened.id]);
    assert!(!answer.sections.contains_key("badges"), "{:?}", answer.sections.keys());
    let answer = phone.sync(&ask(since, Some(listed.version), Some(badges.version))).await.expect("sync");
    assert!(answer.sections.is_empty(), "{:?}", answer.sections.keys());

    // A malformed pull refuses the whole request, and takes none of its items.
    let mut broken = SyncRequest::new(device).push(&PushItem::Report(report()));
    broken.pull.insert("reports".into(), json!({ "nearby": { "lat": 99.0, "lon": 16.0, "radius_m": 10.0 } }));
    let err = phone.sync(&broken).await.expect_err("refused");
    assert!(err.to_string().contains("invalid_nearby") || format!("{err:?}").contains("invalid_nearby"), "{err:?}");
    server.stop().await;
}
on_both_databases!(
    each_section_comes_only_when_its_component_has_something_new,
    super::each_section_comes_only_when_its_component_has_something_new
);
