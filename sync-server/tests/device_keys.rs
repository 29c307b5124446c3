//! A phone's id is not a credential (issue 14, point 15): every route where a
//! device speaks wants its key too, registered on first contact. With
//! another phone's id but not its key, nobody renames its leaderboard entry,
//! reads its status changes, files or activates in its name.

mod common;

use casa_mobile::{Client, ClientError};
use casa_shared_model::wire::v1::{SyncRequest, PROTOCOL_VERSION};
use casa_shared_model::wire::{PushItem, ReportPayload};
use casa_shared_model::{DeviceId, IstatCode, ReportId, ReportStatus, Service};
use casa_sync_server::RunningServer;
use chrono::Utc;
use common::{on_both_databases, TestDb};
use serde_json::{json, Value};

const BASILICA: (f64, f64) = (41.1306, 16.8697);

fn report() -> ReportPayload {
    ReportPayload {
        id: ReportId::new(),
        category: "road_damage".into(),
        description: "Buca profonda davanti alla Basilica di San Nicola".into(),
        lat: BASILICA.0,
        lon: BASILICA.1,
        accuracy_m: 6.0,
        captured_at: Utc::now(),
        photos: vec![],
    }
}

fn push(device: DeviceId, items: Vec<PushItem>) -> SyncRequest {
    SyncRequest { protocol: PROTOCOL_VERSION, device_id: device, cursor: None, items, nearby: None, petitions: None }
}

fn code(e: ClientError) -> String {
    match e {
        ClientError::Api { status, code, .. } => format!("{status} {code}"),
        other => panic!("{other}"),
    }
}

/// Maria's phone files a report that the Comune resolves (a verified
/// result), and joins Bari's leaderboard.
async fn maria_on_the_leaderboard(server: &RunningServer, bari: &IstatCode, maria: DeviceId) -> ReportId {
    server.state.store().set_service(bari, Service::Gamification, true).await.expect("badges on in Bari");
    server.state.reload_if_changed().await.expect("reload");
    let r = report();
    casa_e2e::phone_client(&server.url, maria).sync(&push(maria, vec![PushItem::Report(r.clone())])).await.expect("file");
    let department = ReportStatus::AssignedToDepartment { department: "lavori_pubblici".into() };
    for (from, to) in [
        (ReportStatus::InModeration, ReportStatus::Published),
        (ReportStatus::Published, department.clone()),
        (department, ReportStatus::Resolved),
    ] {
        assert!(server.state.store().change_status(&r.id, &from, &to, "staff:test", Utc::now()).await.expect("change"));
    }
    casa_e2e::phone_client(&server.url, maria).join_leaderboard(bari, maria, "Maria").await.expect("join");
    r.id
}

async fn with_another_phones_id_but_not_its_key_nobody_renames_its_leaderboard_entry_or_reads_its_status_changes(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let bari = IstatCode::parse("072006").expect("code");
    let maria = DeviceId::new();
    let filed = maria_on_the_leaderboard(&server, &bari, maria).await;

    // Someone who saw Maria's id (a screenshot, a log), with a key of their own making.
    let thief = Client::new(&server.url).with_device(maria, &casa_mobile::store::new_device_key());
    let mismatch = "401 device_key_mismatch";
    assert_eq!(code(thief.join_leaderboard(&bari, maria, "Ladro").await.expect_err("rename")), mismatch);
    assert_eq!(code(thief.leave_leaderboard(&bari, maria).await.expect_err("leave")), mismatch);
    assert_eq!(code(thief.leaderboard(&bari, maria).await.expect_err("read as maria")), mismatch);
    assert_eq!(code(thief.sync(&push(maria, vec![])).await.expect_err("her changes")), mismatch);
    assert_eq!(code(thief.submit_report(maria, &report()).await.expect_err("file as maria")), mismatch);
    assert_eq!(code(thief.activate_identity("ABCD-EFGH-JKLM", maria).await.expect_err("activate on her phone")), mismatch);
    let nickname = || async { server.state.store().leaderboard_nickname(&bari, &maria).await.expect("nickname") };
    assert_eq!(nickname().await.as_deref(), Some("Maria"), "still joined, under her own name");

    // Their own phone, properly keyed, naming Maria in the body.
    let own = DeviceId::new();
    let theirs = casa_e2e::phone_client(&server.url, own);
    let forbidden = "403 device_mismatch";
    assert_eq!(code(theirs.join_leaderboard(&bari, maria, "Ladro").await.expect_err("rename")), forbidden);
    assert_eq!(code(theirs.sync(&push(maria, vec![])).await.expect_err("her changes")), forbidden);
    assert_eq!(code(theirs.submit_report(maria, &report()).await.expect_err("file as maria")), forbidden);

    // Maria's phone still can do all of it.
    let phone = casa_e2e::phone_client(&server.url, maria);
    let changes = phone.sync(&push(maria, vec![])).await.expect("sync").changes;
    assert_eq!(changes.last().map(|c| (c.report_id, c.status.code())), Some((filed, "resolved")));
    let board = phone.join_leaderboard(&bari, maria, "Maria B").await.expect("rename");
    assert_eq!(board.joined_as.as_deref(), Some("Maria B"));
    assert_eq!(phone.leaderboard(&bari, maria).await.expect("read").joined_as.as_deref(), Some("Maria B"));
    assert_eq!(nickname().await.as_deref(), Some("Maria B"));
    // Without headers the leaderboard is public, as before, with nobody marked.
    let public = Client::new(&server.url).leaderboard(&bari, maria).await.expect("public");
    assert!(public.joined_as.is_none() && public.entries.iter().all(|e| !e.me), "{public:?}");
    server.stop().await;
}
on_both_databases!(
    with_another_phones_id_but_not_its_key_nobody_renames_its_leaderboard_entry_or_reads_its_status_changes,
    super::with_another_phones_id_but_not_its_key_nobody_renames_its_leaderboard_entry_or_reads_its_status_changes
);

async fn a_request_naming_a_phone_without_its_key_or_with_a_malformed_one_is_refused(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let http = reqwest::Client::new();
    let maria = DeviceId::new();
    let sync = json!({"protocol": PROTOCOL_VERSION, "device_id": maria, "items": []});
    let single = json!({"device_id": maria, "id": ReportId::new(), "category": "road_damage", "description": "Buca",
                        "lat": BASILICA.0, "lon": BASILICA.1, "accuracy_m": 5.0, "captured_at": Utc::now()});
    let join = json!({"device_id": maria, "nickname": "Maria"});
    let activate = json!({"code": "ABCD-EFGH-JKLM", "device_id": maria});
    let url = |path: &str| format!("{}{path}", server.url);
    let requests = [
        ("sync", http.post(url("/api/v1/sync")).json(&sync)),
        ("report", http.post(url("/api/v1/reports")).json(&single)),
        ("join", http.put(url("/api/v1/comuni/072006/leaderboard")).json(&join)),
        ("leave", http.delete(url("/api/v1/comuni/072006/leaderboard"))),
        ("activate", http.post(url("/api/v1/identity/activate")).json(&activate)),
    ];
    for (what, req) in requests {
        for (headers, case) in [
            (vec![("X-Casa-Device", maria.to_string())], "no key"),
            (vec![("X-Casa-Device", maria.to_string()), ("X-Casa-Device-Key", "not-a-key".to_owned())], "malformed key"),
            (vec![("X-Casa-Device", "not-an-id".to_owned()), ("X-Casa-Device-Key", casa_e2e::device_key(maria))], "malformed id"),
            (vec![], "no headers"),
        ] {
            let mut r = req.try_clone().expect("clonable");
            for (name, value) in headers {
                r = r.header(name, value);
            }
            let res = r.send().await.expect(what);
            assert_eq!(res.status(), 401, "{what}, {case}");
            let body: Value = res.json().await.expect("json");
            assert_eq!(body["code"], "device_key_required", "{what}, {case}: {body}");
        }
    }
    // None of that registered a key for Maria: her phone's first contact does.
    let first = casa_e2e::phone_client(&server.url, maria).sync(&serde_json::from_value::<SyncRequest>(sync).expect("request")).await;
    assert!(first.is_ok(), "{first:?}");
    server.stop().await;
}
on_both_databases!(
    a_request_naming_a_phone_without_its_key_or_with_a_malformed_one_is_refused,
    super::a_request_naming_a_phone_without_its_key_or_with_a_malformed_one_is_refused
);
