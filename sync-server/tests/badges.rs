//! Badges on both databases: a report an inspector confirms earns its
//! device the badge once, however often the confirmation is synced; where a
//! Comune runs no badges, nobody sees any.

mod common;

use casa_mobile::Client;
use casa_shared_model::badge::BadgeKind;
use casa_shared_model::inspection::InspectionOutcome;
use casa_shared_model::wire::v1::{SyncRequest, PROTOCOL_VERSION};
use casa_shared_model::wire::{InspectionPayload, InspectorSession, InspectorSyncRequest, PushItem, ReportPayload};
use casa_shared_model::{DeviceId, IstatCode, ReportId, Service};
use casa_sync_server::components::reports::{inspection, service};
use casa_sync_server::platform::auth::Role;
use casa_sync_server::platform::staff::Staff;
use casa_sync_server::RunningServer;
use chrono::{Duration, Utc};
use common::{on_both_databases, TestDb};
use serde_json::json;

const BASILICA: (f64, f64) = (41.1306, 16.8697);
const MONOPOLI_CATHEDRAL: (f64, f64) = (40.9522, 17.3037);

fn report_at(at: (f64, f64), description: &str) -> ReportPayload {
    ReportPayload {
        id: ReportId::new(),
        category: "road_damage".into(),
        description: description.into(),
        lat: at.0,
        lon: at.1,
        accuracy_m: 6.0,
        captured_at: Utc::now(),
        photos: vec![],
    }
}

async fn staff(server: &RunningServer, email: &str, role: &str, comune: &str) -> Staff {
    let (email, _) = common::add_staff(server, email, role, &[comune]).await;
    let u = server.state.store().staff_user_by_email(&email).await.expect("read").expect("user");
    Staff { id: u.id, email: u.email, role: Role::parse(&u.role).expect("role"), comuni: u.comuni, department: None }
}

fn citizen_sync(device: DeviceId, items: Vec<PushItem>) -> SyncRequest {
    SyncRequest { protocol: PROTOCOL_VERSION, device_id: device, cursor: None, items, nearby: None, petitions: None }
}

/// Publishes the report, has the Comune's inspector confirm it on site, and
/// sends that confirmation `times` times (a phone that did not hear the answer).
async fn confirm_on_site(server: &RunningServer, moderator: &Staff, inspector: &Staff, id: ReportId, at: (f64, f64), times: usize) {
    service::change_status(&server.state, moderator, &id, casa_shared_model::ReportStatus::Published).await.expect("publish");
    inspection::assign_inspector(&server.state, moderator, &id, &inspector.email, None).await.expect("assign");
    let http = reqwest::Client::new();
    let res = http
        .post(format!("{}/api/v1/inspector/session", server.url))
        .json(&json!({"email": inspector.email, "password": "una password lunga e sicura"}))
        .send()
        .await
        .expect("login");
    let session: InspectorSession = res.json().await.expect("session");
    let photo = server.state.photos().save(&casa_e2e::detailed_jpeg(320, 240)).await.expect("photo").as_str().to_owned();
    let now = Utc::now();
    let visit = InspectionPayload {
        id: uuid::Uuid::now_v7(),
        report_id: id,
        outcome: InspectionOutcome::Confirmed,
        lat: at.0 + 20.0 / 111_195.0,
        lon: at.1,
        accuracy_m: 8.0,
        fix_at: now - Duration::minutes(1),
        photo: Some(photo),
        photo_taken_at: Some(now - Duration::minutes(2)),
        note: Some("Confermata".into()),
        inspected_at: now,
    };
    for _ in 0..times {
        let res = http
            .post(format!("{}/api/v1/inspector/sync", server.url))
            .bearer_auth(&session.token)
            .json(&InspectorSyncRequest { inspections: vec![visit.clone()] })
            .send()
            .await
            .expect("inspector sync");
        assert!(res.status().is_success());
    }
}

async fn a_confirmed_report_earns_its_badge_once_and_a_comune_without_badges_shows_none(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let bari = IstatCode::parse("072006").expect("code");
    server.state.store().set_service(&bari, Service::Gamification, true).await.expect("badges on in Bari");
    server.state.reload_if_changed().await.expect("reload");
    let bari_mod = staff(&server, "mod@comune.bari.it", "moderator", "072006").await;
    let bari_insp = staff(&server, "ispettore@comune.bari.it", "inspector", "072006").await;
    let mono_mod = staff(&server, "mod@comune.monopoli.ba.it", "moderator", "072030").await;
    let mono_insp = staff(&server, "ispettore@comune.monopoli.ba.it", "inspector", "072030").await;
    let client = Client::new(&server.url);

    // Maria reports in Bari; Luca in Monopoli, which runs no badges.
    let (maria, luca) = (DeviceId::new(), DeviceId::new());
    let pothole = report_at(BASILICA, "Buca profonda davanti alla Basilica di San Nicola");
    let rejected = report_at(BASILICA, "Segnalazione di prova da respingere");
    let sagrato = report_at(MONOPOLI_CATHEDRAL, "Buca sul sagrato della Cattedrale");
    let first = casa_e2e::as_phone(&client, maria)
        .sync(&citizen_sync(maria, vec![PushItem::Report(pothole.clone()), PushItem::Report(rejected.clone())]))
        .await
        .expect("maria");
    assert!(first.badges.is_empty(), "filing earns nothing");
    casa_e2e::as_phone(&client, luca).sync(&citizen_sync(luca, vec![PushItem::Report(sagrato.clone())])).await.expect("luca");

    // A rejected report earns nothing.
    service::change_status(
        &server.state,
        &bari_mod,
        &rejected.id,
        casa_shared_model::ReportStatus::Rejected { reason: "Segnalazione di prova o scherzo".into() },
    )
    .await
    .expect("reject");
    assert!(casa_e2e::as_phone(&client, maria).sync(&citizen_sync(maria, vec![])).await.expect("sync").badges.is_empty());

    confirm_on_site(&server, &bari_mod, &bari_insp, pothole.id, BASILICA, 3).await;
    confirm_on_site(&server, &mono_mod, &mono_insp, sagrato.id, MONOPOLI_CATHEDRAL, 1).await;

    let badges = casa_e2e::as_phone(&client, maria).sync(&citizen_sync(maria, vec![])).await.expect("sync").badges;
    let got: Vec<(BadgeKind, u32)> = badges.iter().map(|b| (b.badge, b.level)).collect();
    assert_eq!(
        got,
        [(BadgeKind::AcceptedReports, 1), (BadgeKind::ConfirmedReports, 1)],
        "the first accepted report, and one confirmation badge, once, for three syncs of the confirmation"
    );
    assert_eq!(server.state.store().badges(&maria).await.expect("awards").len(), 2);
    let synced = casa_e2e::as_phone(&client, maria).sync(&citizen_sync(maria, vec![])).await.expect("sync");
    assert_eq!(synced.points, 5 + 10, "accepted, then confirmed; the rejected report earns nothing");
    assert_eq!(
        casa_e2e::as_phone(&client, luca).sync(&citizen_sync(luca, vec![])).await.expect("sync").points,
        0,
        "Monopoli runs no badges"
    );
    assert!(
        casa_e2e::as_phone(&client, luca).sync(&citizen_sync(luca, vec![])).await.expect("sync").badges.is_empty(),
        "Monopoli runs no badges"
    );

    // Bari turns badges off: Maria's phone is shown none either.
    server.state.store().set_service(&bari, Service::Gamification, false).await.expect("badges off");
    server.state.reload_if_changed().await.expect("reload");
    let off = casa_e2e::as_phone(&client, maria).sync(&citizen_sync(maria, vec![])).await.expect("sync");
    assert!(off.badges.is_empty() && off.points == 0);
    server.stop().await;
}
on_both_databases!(
    a_confirmed_report_earns_its_badge_once_and_a_comune_without_badges_shows_none,
    super::a_confirmed_report_earns_its_badge_once_and_a_comune_without_badges_shows_none
);

async fn only_phones_that_joined_appear_on_a_comunes_leaderboard_ranked_by_their_verified_results_there(db: &TestDb) {
    use casa_mobile::ClientError;

    let server = common::server_with_boundaries(db).await;
    let bari = IstatCode::parse("072006").expect("code");
    let monopoli = IstatCode::parse("072030").expect("code");
    server.state.store().set_service(&bari, Service::Gamification, true).await.expect("badges on in Bari");
    server.state.reload_if_changed().await.expect("reload");
    let moderator = staff(&server, "mod@comune.bari.it", "moderator", "072006").await;
    let inspector = staff(&server, "ispettore@comune.bari.it", "inspector", "072006").await;
    let client = Client::new(&server.url);

    // Maria has two confirmed reports, Giulia one but never joins, Luca none.
    let (maria, giulia, luca) = (DeviceId::new(), DeviceId::new(), DeviceId::new());
    for (device, n) in [(maria, 2), (giulia, 1)] {
        for i in 0..n {
            let r = report_at(BASILICA, &format!("Buca numero {i} davanti alla Basilica di San Nicola"));
            casa_e2e::as_phone(&client, device).sync(&citizen_sync(device, vec![PushItem::Report(r.clone())])).await.expect("file");
            confirm_on_site(&server, &moderator, &inspector, r.id, BASILICA, 1).await;
        }
    }
    let code = |e: ClientError| match e {
        ClientError::Api { code, .. } => code,
        other => panic!("{other}"),
    };
    assert_eq!(code(casa_e2e::as_phone(&client, maria).join_leaderboard(&bari, maria, "x").await.expect_err("short")), "invalid_nickname");
    assert_eq!(
        code(casa_e2e::as_phone(&client, luca).join_leaderboard(&bari, luca, "Luca").await.expect_err("no results")),
        "no_results_here"
    );
    let board = casa_e2e::as_phone(&client, maria).join_leaderboard(&bari, maria, "  Maria   B ").await.expect("join");
    assert_eq!(board.joined_as.as_deref(), Some("Maria B"));
    assert!(board.entries.is_empty(), "today's results count from tomorrow: the board changes once a day");
    assert_eq!(
        code(casa_e2e::as_phone(&client, giulia).join_leaderboard(&bari, giulia, "maria b").await.expect_err("taken")),
        "nickname_taken"
    );

    // Tomorrow: Maria, ranked by her results; Giulia, who did not join, is not there.
    let tomorrow = Utc::now() + Duration::days(1);
    let board =
        casa_sync_server::components::badges::service::leaderboard(&server.state, &bari, Some(&maria), tomorrow).await.expect("board");
    assert_eq!(
        board.entries.iter().map(|e| (e.rank, e.nickname.as_str(), e.results, e.me)).collect::<Vec<_>>(),
        [(1, "Maria B", 2, true)],
        "Giulia did not join: she is not there"
    );
    let seen_by_giulia =
        casa_sync_server::components::badges::service::leaderboard(&server.state, &bari, Some(&giulia), tomorrow).await.expect("board");
    assert_eq!((seen_by_giulia.entries[0].me, seen_by_giulia.joined_as), (false, None));
    // Renaming keeps the place; leaving takes it away.
    casa_e2e::as_phone(&client, maria).join_leaderboard(&bari, maria, "Maria di Bari").await.expect("rename");
    let renamed =
        casa_sync_server::components::badges::service::leaderboard(&server.state, &bari, Some(&maria), tomorrow).await.expect("board");
    assert_eq!(renamed.entries[0].nickname, "Maria di Bari");
    let left = casa_e2e::as_phone(&client, maria).leave_leaderboard(&bari, maria).await.expect("leave");
    assert!(left.entries.is_empty() && left.joined_as.is_none());
    assert!(casa_sync_server::components::badges::service::leaderboard(&server.state, &bari, None, tomorrow)
        .await
        .expect("board")
        .entries
        .is_empty());
    // Monopoli runs no badges: no leaderboard.
    assert_eq!(code(casa_e2e::as_phone(&client, luca).leaderboard(&monopoli, luca).await.expect_err("off")), "service_disabled");
    assert_eq!(
        code(casa_e2e::as_phone(&client, luca).join_leaderboard(&monopoli, luca, "Luca").await.expect_err("off")),
        "service_disabled"
    );
    server.stop().await;
}
on_both_databases!(
    only_phones_that_joined_appear_on_a_comunes_leaderboard_ranked_by_their_verified_results_there,
    super::only_phones_that_joined_appear_on_a_comunes_leaderboard_ranked_by_their_verified_results_there
);
