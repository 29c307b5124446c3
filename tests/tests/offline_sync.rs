//! The device core against the real server: capture offline, sync later,
//! nothing lost and nothing duplicated.

use std::time::Duration;

use casa_e2e::db::{self, TestDb};
use casa_e2e::on_both_databases;
use casa_mobile::{Client, LocalStore, SyncOptions};
use casa_shared_model::wire::v1::{SyncRequest, PROTOCOL_VERSION};
use casa_shared_model::wire::ReportPayload;
use casa_shared_model::{NewReport, ReportId, ReportStatus};
use chrono::Utc;

fn capture(store: &mut LocalStore, lat: f64, lon: f64, category: &str, text: &str) -> ReportId {
    let payload = ReportPayload {
        id: ReportId::new(),
        category: category.into(),
        description: text.into(),
        lat,
        lon,
        accuracy_m: 8.0,
        captured_at: Utc::now(),
        photos: vec![],
    };
    let report = NewReport::parse(&payload, Utc::now()).expect("valid report");
    store.capture(&report).expect("capture");
    report.id
}

fn quick() -> SyncOptions {
    SyncOptions { max_attempts: 3, base_delay: Duration::from_millis(10), max_delay: Duration::from_millis(50), ..SyncOptions::default() }
}

async fn queue_total(server: &casa_sync_server::RunningServer, comune: &str) -> u64 {
    let (total, _) =
        server.state.store().moderation_queue(&casa_shared_model::IstatCode::parse(comune).expect("code"), 1, 0).await.expect("queue");
    total
}

async fn a_report_filed_while_the_server_is_down_reaches_in_moderation_after_the_next_sync(db: &TestDb) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = LocalStore::open(dir.path()).expect("open");
    // At the Basilica di San Nicola, with nothing listening.
    let id = capture(&mut store, 41.1306, 16.8697, "road_damage", "Basoli sconnessi");
    let down = Client::new("http://127.0.0.1:9");
    let err = casa_mobile::sync(&mut store, &down, &quick(), |_| {}).await.expect_err("server down");
    assert!(err.to_string().contains("non raggiungibile"), "{err}");
    assert_eq!(store.outbox_len().expect("outbox"), 1, "nothing is lost while offline");
    let state = store.sync_state().expect("state");
    assert!(state.last_error.is_some() && state.last_sync_at.is_none());

    let server = db::server_with_boundaries(db).await;
    let summary = casa_mobile::sync(&mut store, &Client::new(&server.url), &quick(), |_| {}).await.expect("sync");
    assert_eq!((summary.accepted, summary.rejected), (1, 0));
    assert_eq!(store.outbox_len().expect("outbox"), 0);
    let reports = store.reports().expect("reports");
    assert_eq!(reports.len(), 1);
    let r = &reports[0];
    assert_eq!(r.id, id);
    assert_eq!(r.status, ReportStatus::InModeration);
    assert_eq!((r.comune.as_deref(), r.comune_name.as_deref()), (Some("072006"), Some("Bari")));
    assert!(!r.pending && r.error.is_none());
    let state = store.sync_state().expect("state");
    assert!(state.last_error.is_none() && state.last_sync_at.is_some());
    assert_eq!(queue_total(&server, "072006").await, 1);
    server.stop().await;
}
on_both_databases!(
    a_report_filed_while_the_server_is_down_reaches_in_moderation_after_the_next_sync,
    super::a_report_filed_while_the_server_is_down_reaches_in_moderation_after_the_next_sync
);

async fn an_answer_lost_after_the_server_committed_is_recovered_without_duplicates(db: &TestDb) {
    let server = db::server_with_boundaries(db).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = LocalStore::open(dir.path()).expect("open");
    for i in 0..250 {
        capture(&mut store, 40.9516, 17.2987, "waste", &format!("Cassonetto n. {i} pieno"));
    }
    // The server commits the first 100, but the answer never reaches the phone.
    let client = Client::new(&server.url);
    let lost = SyncRequest {
        protocol: PROTOCOL_VERSION,
        device_id: store.device_id(),
        cursor: None,
        items: store.outbox_batch(100).expect("batch"),
        nearby: None,
        petitions: None,
    };
    Client::for_store(&server.url, &store).sync(&lost).await.expect("committed, answer dropped");
    assert_eq!(queue_total(&server, "072030").await, 100);

    let mut seen = Vec::new();
    let summary = casa_mobile::sync(&mut store, &client, &quick(), |p| seen.push(p)).await.expect("sync");
    assert_eq!(summary.accepted, 250);
    assert_eq!(summary.requests, 5, "250 items in batches of 100, the Comuni and the reports' Comune outline fetched once");
    assert_eq!(seen.last().map(|p| (p.items_done, p.items_total)), Some((250, 250)), "progress reaches the total");
    assert_eq!(queue_total(&server, "072030").await, 250, "the re-sent 100 were not duplicated");
    assert_eq!(store.outbox_len().expect("outbox"), 0);
    assert!(store.reports().expect("reports").iter().all(|r| r.status == ReportStatus::InModeration));
    server.stop().await;
}
on_both_databases!(
    an_answer_lost_after_the_server_committed_is_recovered_without_duplicates,
    super::an_answer_lost_after_the_server_committed_is_recovered_without_duplicates
);

async fn a_refused_report_leaves_the_outbox_and_keeps_its_reason_for_the_citizen(db: &TestDb) {
    let server = db::server_with_boundaries(db).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = LocalStore::open(dir.path()).expect("open");
    let at_sea = capture(&mut store, 41.40, 17.20, "waste", "Chiazza di petrolio");
    let in_bari = capture(&mut store, 41.1177, 16.8719, "waste", "Rifiuti in strada");
    let summary = casa_mobile::sync(&mut store, &Client::new(&server.url), &quick(), |_| {}).await.expect("sync");
    assert_eq!((summary.accepted, summary.rejected), (1, 1));
    assert_eq!(store.outbox_len().expect("outbox"), 0, "a refusal is final: retrying would not help");
    let errors = store.errors().expect("errors");
    assert_eq!(errors.len(), 1);
    assert_eq!((errors[0].report_id, errors[0].code.as_str()), (at_sea, "outside_area"));
    assert!(errors[0].message.contains("Città Metropolitana di Bari"));
    assert!(store.reports().expect("reports").iter().any(|r| r.id == in_bari && r.error.is_none()));
    server.stop().await;
}
on_both_databases!(
    a_refused_report_leaves_the_outbox_and_keeps_its_reason_for_the_citizen,
    super::a_refused_report_leaves_the_outbox_and_keeps_its_reason_for_the_citizen
);

async fn a_status_change_made_on_the_server_reaches_the_local_store_on_the_next_sync(db: &TestDb) {
    let server = db::server_with_boundaries(db).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = LocalStore::open(dir.path()).expect("open");
    let id = capture(&mut store, 41.1306, 16.8697, "public_lighting", "Lampione spento");
    let client = Client::new(&server.url);
    casa_mobile::sync(&mut store, &client, &quick(), |_| {}).await.expect("push");
    let moved = server
        .state
        .store()
        .change_status(
            &id,
            &ReportStatus::InModeration,
            &ReportStatus::Rejected { reason: "Già segnalato".into() },
            "staff:test",
            Utc::now(),
        )
        .await
        .expect("change");
    assert!(moved);
    let summary = casa_mobile::sync(&mut store, &client, &quick(), |_| {}).await.expect("pull");
    assert_eq!((summary.changes, summary.requests), (1, 1), "a no-op push is one request");
    let r = store.reports().expect("reports").into_iter().find(|r| r.id == id).expect("report");
    assert_eq!(r.status, ReportStatus::Rejected { reason: "Già segnalato".into() });
    // The same store, reopened (the app restarted), keeps its cursor.
    drop(store);
    let mut store = LocalStore::open(dir.path()).expect("reopen");
    let again = casa_mobile::sync(&mut store, &client, &quick(), |_| {}).await.expect("again");
    assert_eq!(again.changes, 0);
    server.stop().await;
}
on_both_databases!(
    a_status_change_made_on_the_server_reaches_the_local_store_on_the_next_sync,
    super::a_status_change_made_on_the_server_reaches_the_local_store_on_the_next_sync
);

async fn a_resolved_report_reopened_on_the_phone_goes_back_to_its_department_and_its_comune_is_drawn_offline(db: &TestDb) {
    let server = db::server_with_boundaries(db).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = LocalStore::open(dir.path()).expect("open");
    let id = capture(&mut store, 41.1306, 16.8697, "road_damage", "Buca davanti alla Basilica");
    let client = Client::new(&server.url);
    casa_mobile::sync(&mut store, &client, &quick(), |_| {}).await.expect("push");
    let outlines = store.outlines().expect("outlines");
    assert_eq!(outlines.len(), 1, "the outline of the report's Comune is fetched with the sync");
    assert_eq!(outlines[0].istat_code.as_str(), "072006");
    let department = ReportStatus::AssignedToDepartment { department: "lavori_pubblici".into() };
    let steps = [
        (ReportStatus::InModeration, ReportStatus::Published),
        (ReportStatus::Published, department.clone()),
        (department.clone(), ReportStatus::Resolved),
    ];
    for (from, to) in steps {
        assert!(server.state.store().change_status(&id, &from, &to, "staff:test", Utc::now()).await.expect("change"));
    }
    casa_mobile::sync(&mut store, &client, &quick(), |_| {}).await.expect("pull");
    assert_eq!(store.report(id).expect("report").expect("there").status, ReportStatus::Resolved);

    store.reopen(id, "La buca è ancora lì").expect("store").expect("queued");
    let summary = casa_mobile::sync(&mut store, &client, &quick(), |_| {}).await.expect("reopen");
    assert_eq!(summary.requests, 1, "the request and its answer in one round trip; the outline is not fetched again");
    let r = store.report(id).expect("report").expect("there");
    assert_eq!(r.status, department);
    assert!(!r.reopen_pending && r.error.is_none());
    let timeline: Vec<String> = store
        .report_events(id)
        .expect("events")
        .into_iter()
        .map(|e| match e.step {
            casa_mobile::store::Step::Status(s) => s.code().to_owned(),
            casa_mobile::store::Step::Reopened { reason, .. } => format!("reopened: {reason}"),
        })
        .collect();
    assert_eq!(
        timeline[timeline.len() - 3..],
        ["resolved".to_owned(), "reopened: La buca è ancora lì".to_owned(), "assigned_to_department".to_owned()]
    );
    let kept = server.state.store().reopens(&id).await.expect("reopens");
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].reason, "La buca è ancora lì");
    server.stop().await;
    assert_eq!(store.outlines().expect("offline").len(), 1, "the outline stays for the offline map");
}
on_both_databases!(
    a_resolved_report_reopened_on_the_phone_goes_back_to_its_department_and_its_comune_is_drawn_offline,
    super::a_resolved_report_reopened_on_the_phone_goes_back_to_its_department_and_its_comune_is_drawn_offline
);

async fn the_comuni_and_public_reports_nearby_are_kept_for_offline_use_and_refetched_only_when_changed(db: &TestDb) {
    let server = db::server_with_boundaries(db).await;
    let client = Client::new(&server.url);
    // Another citizen's report at the Basilica, published by a moderator.
    let other_dir = tempfile::tempdir().expect("tempdir");
    let mut other = LocalStore::open(other_dir.path()).expect("open");
    let published = capture(&mut other, 41.1306, 16.8697, "road_damage", "Buca davanti alla Basilica");
    let far = capture(&mut other, 41.1177, 16.8719, "waste", "Rifiuti in piazza, 1.4 km più a sud");
    casa_mobile::sync(&mut other, &client, &quick(), |_| {}).await.expect("other device");
    for id in [published, far] {
        let moved = server
            .state
            .store()
            .change_status(&id, &ReportStatus::InModeration, &ReportStatus::Published, "staff:test", Utc::now())
            .await
            .expect("publish");
        assert!(moved);
    }

    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = LocalStore::open(dir.path()).expect("open");
    assert!(store.comuni().expect("comuni").is_empty(), "nothing cached before the first sync");
    let near_basilica = casa_shared_model::wire::NearbyQuery { lat: 41.1303, lon: 16.8700, radius_m: 500.0 };
    let opts = SyncOptions { nearby: Some(near_basilica), ..quick() };
    let first = casa_mobile::sync(&mut store, &client, &opts, |_| {}).await.expect("first sync");
    assert_eq!(first.requests, 2, "one sync request, and the Comuni fetched once");
    let comuni = store.comuni().expect("comuni");
    assert_eq!(comuni.len(), 41);
    let bari = comuni.iter().find(|c| c.istat_code.as_str() == "072006").expect("Bari cached");
    assert_eq!(bari.name, "Bari");
    assert!(bari.official_boundary && bari.services.iter().any(|s| s == "reports"));
    assert!(bari.categories.iter().any(|c| c.code == "road_damage" && !c.department_name.is_empty()));
    let nearby = store.nearby(41.1306, 16.8697, 50.0).expect("nearby");
    assert_eq!(nearby.iter().map(|r| r.id).collect::<Vec<_>>(), vec![published], "the published report within 50 m, and only it");
    assert_eq!(nearby[0].status, ReportStatus::Published);
    assert!(store.nearby(41.1177, 16.8719, 100.0).expect("nearby").is_empty(), "1.4 km away was outside the 500 m asked for");

    // Unchanged directory: a sync is one request again.
    let again = casa_mobile::sync(&mut store, &client, &quick(), |_| {}).await.expect("again");
    assert_eq!(again.requests, 1);
    // A Comune turns on petitions: the next sync fetches the directory again.
    let bari_code = casa_shared_model::IstatCode::parse("072006").expect("code");
    assert!(server.state.store().set_service(&bari_code, casa_shared_model::Service::Petitions, true).await.expect("enable"));
    server.state.reload_if_changed().await.expect("reload");
    let changed = casa_mobile::sync(&mut store, &client, &quick(), |_| {}).await.expect("after the change");
    assert_eq!(changed.requests, 2);
    let bari = store.comuni().expect("comuni").into_iter().find(|c| c.istat_code == bari_code).expect("Bari");
    assert!(bari.services.iter().any(|s| s == "petitions"), "{:?}", bari.services);

    // With the server gone, everything above still reads from the phone.
    server.stop().await;
    assert_eq!(store.comuni().expect("offline comuni").len(), 41);
    assert_eq!(store.nearby(41.1306, 16.8697, 50.0).expect("offline nearby").len(), 1);
}
on_both_databases!(
    the_comuni_and_public_reports_nearby_are_kept_for_offline_use_and_refetched_only_when_changed,
    super::the_comuni_and_public_reports_nearby_are_kept_for_offline_use_and_refetched_only_when_changed
);

/// A processed photo of `seed`-dependent content, saved in the store.
fn photo(store: &mut LocalStore, seed: u8, w: u16, h: u16) -> casa_mobile::photo::ProcessedPhoto {
    let pixels: Vec<u8> = (0..usize::from(w) * usize::from(h) * 3).map(|i| ((i * 7 + usize::from(seed) * 13) % 251) as u8).collect();
    let mut jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpeg, 90).encode(&pixels, w, h, jpeg_encoder::ColorType::Rgb).expect("jpeg");
    let processed = casa_mobile::photo::process(&jpeg, 85).expect("process");
    store.save_photo(&processed).expect("save");
    processed
}

fn capture_with(store: &mut LocalStore, photos: &[&casa_mobile::photo::ProcessedPhoto]) -> ReportId {
    let payload = ReportPayload {
        id: ReportId::new(),
        category: "graffiti_vandalism".into(),
        description: "Scritte sul muro".into(),
        lat: 41.1306,
        lon: 16.8697,
        accuracy_m: 5.0,
        captured_at: Utc::now(),
        photos: photos.iter().map(|p| p.sha256.as_str().to_owned()).collect(),
    };
    let report = NewReport::parse(&payload, Utc::now()).expect("valid");
    store.capture(&report).expect("capture");
    report.id
}

/// The photo as the server keeps it (not public: its report waits for moderation).
async fn server_photo(server: &casa_sync_server::RunningServer, sha: &str) -> Vec<u8> {
    let photo = casa_shared_model::report::PhotoRef::parse(sha).expect("sha256");
    tokio::fs::read(server.state.photos().path(&photo)).await.unwrap_or_else(|e| panic!("photo {sha} on the server: {e}"))
}

async fn photos_reach_the_server_byte_identical_resume_after_a_cut_and_are_never_sent_twice(db: &TestDb) {
    let server = db::server_with_boundaries(db).await;
    let client = Client::new(&server.url);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = LocalStore::open(dir.path()).expect("open");
    let a = photo(&mut store, 1, 1600, 1200);
    let b = photo(&mut store, 2, 1200, 1600);
    let first = capture_with(&mut store, &[&a, &b]);

    // An upload of `a` was cut after its first chunk, before the app restarted.
    let uploader = Client::for_store(&server.url, &store).uploader();
    let url = uploader.create(&a.sha256, a.jpeg.len() as u64).await.expect("create");
    let first_chunk = &a.jpeg[..casa_mobile::upload::CHUNK_BYTES.min(a.jpeg.len() / 2)];
    uploader.send_from(&url, first_chunk, 0, |_| {}).await.expect("first chunk acknowledged");
    store.set_upload_url(&a.sha256, Some(&url)).expect("remember url");
    let offset = uploader.offset(&url).await.expect("head").expect("exists");
    assert!(offset > 0 && offset < a.jpeg.len() as u64, "partly uploaded: {offset}");

    let mut last = casa_mobile::SyncProgress::default();
    let summary = casa_mobile::sync(&mut store, &client, &quick(), |p| last = p).await.expect("sync");
    assert_eq!((summary.accepted, summary.photos_uploaded), (1, 2));
    assert_eq!(last.bytes_done, (a.jpeg.len() as u64 - offset) + b.jpeg.len() as u64, "only the missing bytes were sent");
    assert_eq!(server_photo(&server, a.sha256.as_str()).await, a.jpeg);
    assert_eq!(server_photo(&server, b.sha256.as_str()).await, b.jpeg);

    // Another phone with the same photo, once the first report is public: the
    // server has it and shows it to all, so nothing is sent. (Before that it
    // does not confirm a photo to a phone that neither sent nor reported it.)
    let (email, password) = db::add_staff(&server, "mod@comune.bari.it", "moderator", &["072006"]).await;
    let published = reqwest::Client::new()
        .post(format!("{}/api/v1/admin/reports/{first}/status", server.url))
        .basic_auth(&email, Some(&password))
        .json(&serde_json::json!({"status": "published"}))
        .send()
        .await
        .expect("publish");
    assert_eq!(published.status(), 200);
    let other = tempfile::tempdir().expect("tempdir");
    let mut store2 = LocalStore::open(other.path()).expect("open");
    store2.save_photo(&a).expect("save");
    capture_with(&mut store2, &[&a]);
    let summary = casa_mobile::sync(&mut store2, &client, &quick(), |_| {}).await.expect("sync");
    assert_eq!((summary.accepted, summary.photos_uploaded), (1, 0));
    server.stop().await;
}
on_both_databases!(
    photos_reach_the_server_byte_identical_resume_after_a_cut_and_are_never_sent_twice,
    super::photos_reach_the_server_byte_identical_resume_after_a_cut_and_are_never_sent_twice
);
