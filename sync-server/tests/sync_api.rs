//! The native sync API, driven over HTTP by the app's own client.

mod common;

use common::on_both_databases;

use std::collections::BTreeSet;

use casa_mobile::Client;
use casa_shared_model::wire::v1::{SyncRequest, PROTOCOL_VERSION};
use casa_shared_model::wire::{ItemOutcome, NearbyQuery, PushItem, ReopenPayload, ReportPayload};
use casa_shared_model::{DeviceId, ReportId, ReportStatus};
use chrono::Utc;
use common::TestDb;
use serde_json::{json, Value};

fn report_at(lat: f64, lon: f64, category: &str) -> ReportPayload {
    ReportPayload {
        id: ReportId::new(),
        category: category.into(),
        description: "Buca profonda sulla carreggiata".into(),
        lat,
        lon,
        accuracy_m: 6.0,
        captured_at: Utc::now(),
        photos: vec![],
    }
}

fn batch(device: DeviceId, items: Vec<ReportPayload>) -> SyncRequest {
    SyncRequest {
        protocol: PROTOCOL_VERSION,
        device_id: device,
        cursor: None,
        items: items.into_iter().map(PushItem::Report).collect(),
        nearby: None,
        petitions: None,
    }
}

async fn reports_filed_at_well_known_places_land_in_the_right_comune(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let device = DeviceId::new();
    let client = casa_e2e::phone_client(&server.url, device);
    let places = common::well_known_places();
    let expected_comuni: BTreeSet<&str> = places.iter().filter_map(|p| p.expected.as_deref()).collect();
    assert!(places.iter().filter(|p| p.expected.is_some()).count() >= 15 && expected_comuni.len() >= 12, "test data too thin");
    let items: Vec<ReportPayload> = places.iter().map(|p| report_at(p.lat, p.lon, "road_damage")).collect();
    let res = client.sync(&batch(device, items)).await.expect("sync");
    for (place, result) in places.iter().zip(&res.results) {
        match (&place.expected, &result.outcome) {
            (Some(code), ItemOutcome::Accepted(routing)) => {
                assert_eq!(routing.comune.as_str(), code, "{}", place.name);
                assert!(!routing.approximate, "{}", place.name);
                assert_eq!(routing.department, "lavori_pubblici");
            }
            (None, ItemOutcome::Rejected { code, message }) => {
                assert_eq!(code, "outside_area", "{}", place.name);
                assert!(message.contains("Città Metropolitana di Bari"), "{}: {message}", place.name);
            }
            (expected, outcome) => panic!("{}: expected {expected:?}, got {outcome:?}", place.name),
        }
    }
    // Each accepted report waits in its own Comune's queue.
    let (email, password) = common::add_staff(&server, "admin@cittametropolitana.ba.it", "admin", &[]).await;
    for code in &expected_comuni {
        let want = places.iter().filter(|p| p.expected.as_deref() == Some(code)).count();
        let queue: Value = reqwest::Client::new()
            .get(format!("{}/api/v1/admin/comuni/{code}/queue", server.url))
            .basic_auth(&email, Some(&password))
            .send()
            .await
            .expect("queue")
            .json()
            .await
            .expect("json");
        assert_eq!(queue["total"], want, "queue of {code}");
    }
    server.stop().await;
}
on_both_databases!(
    reports_filed_at_well_known_places_land_in_the_right_comune,
    super::reports_filed_at_well_known_places_land_in_the_right_comune
);

async fn re_sending_a_batch_creates_no_duplicates_and_answers_the_same(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let device = DeviceId::new();
    let client = casa_e2e::phone_client(&server.url, device);
    let items: Vec<ReportPayload> = (0..100).map(|i| report_at(41.1177 + f64::from(i) * 1e-4, 16.8719, "waste")).collect();
    let req = batch(device, items);
    let first = client.sync(&req).await.expect("first");
    assert!(first.results.iter().all(|r| matches!(r.outcome, ItemOutcome::Accepted(_))));
    // The same batch again, and twice more at the same time (a retry racing a slow answer).
    let again = client.sync(&req).await.expect("again");
    assert_eq!(again.results, first.results);
    let (a, b) = tokio::join!(client.sync(&req), client.sync(&req));
    assert_eq!(a.expect("a").results, first.results);
    assert_eq!(b.expect("b").results, first.results);

    let (email, password) = common::add_staff(&server, "mod@comune.bari.it", "moderator", &["072006"]).await;
    let queue: Value = reqwest::Client::new()
        .get(format!("{}/api/v1/admin/comuni/072006/queue?limit=500", server.url))
        .basic_auth(&email, Some(&password))
        .send()
        .await
        .expect("queue")
        .json()
        .await
        .expect("json");
    assert_eq!(queue["total"], 100);

    // The same id with other content is refused, not silently merged.
    let mut forged = match &req.items[0] {
        PushItem::Report(r) => r.clone(),
        other => panic!("the batch holds reports only: {other:?}"),
    };
    forged.description = "Testo diverso".into();
    let res = client.sync(&batch(device, vec![forged])).await.expect("forged");
    assert!(matches!(&res.results[0].outcome, ItemOutcome::Rejected { code, .. } if code == "id_conflict"));
    server.stop().await;
}
on_both_databases!(
    re_sending_a_batch_creates_no_duplicates_and_answers_the_same,
    super::re_sending_a_batch_creates_no_duplicates_and_answers_the_same
);

async fn bad_requests_get_a_4xx_with_a_stable_code_and_never_a_500(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let http = reqwest::Client::new();
    let phone = DeviceId::new();
    let device = phone.to_string();
    let good = json!({"device_id": device, "id": ReportId::new(), "category": "road_damage", "description": "Buca",
                      "lat": 41.1177, "lon": 16.8719, "accuracy_m": 5.0, "captured_at": Utc::now()});
    let with = |patch: Value| {
        let mut v = good.clone();
        v["id"] = json!(ReportId::new());
        for (k, val) in patch.as_object().expect("object") {
            v[k] = val.clone();
        }
        v
    };
    let post = |path: &'static str, body: String, content_type: &'static str| {
        http.post(format!("{}{path}", server.url))
            .headers(casa_e2e::device_headers(phone))
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let cases: Vec<(&str, &str, String, &str, u16, &str)> = vec![
        ("bad JSON", "/api/v1/reports", "{\"lat\": ".into(), "application/json", 400, "invalid_json"),
        (
            "missing field",
            "/api/v1/reports",
            json!({"device_id": device, "category": "road_damage"}).to_string(),
            "application/json",
            400,
            "invalid_request",
        ),
        ("wrong type", "/api/v1/reports", with(json!({"lat": "north"})).to_string(), "application/json", 400, "invalid_request"),
        (
            "v4 id",
            "/api/v1/reports",
            with(json!({"id": "9b2e5c1e-3f4a-4d2b-8c1d-2a3b4c5d6e7f"})).to_string(),
            "application/json",
            400,
            "invalid_request",
        ),
        (
            "latitude out of range",
            "/api/v1/reports",
            with(json!({"lat": 123.0})).to_string(),
            "application/json",
            422,
            "invalid_coordinates",
        ),
        (
            "longitude out of range",
            "/api/v1/reports",
            with(json!({"lon": -500.0})).to_string(),
            "application/json",
            422,
            "invalid_coordinates",
        ),
        (
            "unknown category",
            "/api/v1/reports",
            with(json!({"category": "ufo_sighting"})).to_string(),
            "application/json",
            422,
            "unknown_category",
        ),
        (
            "empty description",
            "/api/v1/reports",
            with(json!({"description": "  "})).to_string(),
            "application/json",
            422,
            "description_empty",
        ),
        (
            "long description",
            "/api/v1/reports",
            with(json!({"description": "x".repeat(5000)})).to_string(),
            "application/json",
            422,
            "description_too_long",
        ),
        (
            "10 MB description",
            "/api/v1/reports",
            with(json!({"description": "x".repeat(10 * 1024 * 1024)})).to_string(),
            "application/json",
            413,
            "payload_too_large",
        ),
        ("at sea", "/api/v1/reports", with(json!({"lat": 41.4, "lon": 17.2})).to_string(), "application/json", 422, "outside_area"),
        ("not JSON", "/api/v1/reports", "lat=1".into(), "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        (
            "old protocol",
            "/api/v1/sync",
            json!({"protocol": 0, "device_id": device}).to_string(),
            "application/json",
            400,
            "unsupported_protocol",
        ),
        (
            "bad nearby",
            "/api/v1/sync",
            json!({"protocol": 1, "device_id": device, "nearby": {"lat": 41.1, "lon": 16.8, "radius_m": 1e9}}).to_string(),
            "application/json",
            400,
            "invalid_nearby",
        ),
        (
            "unknown item kind",
            "/api/v1/sync",
            json!({"protocol": 1, "device_id": device, "items": [{"kind": "spaceship"}]}).to_string(),
            "application/json",
            400,
            "invalid_request",
        ),
    ];
    for (what, path, body, content_type, status, code) in cases {
        let res = post(path, body, content_type).await.expect(what);
        assert_eq!(res.status().as_u16(), status, "{what}");
        let body: Value = res.json().await.unwrap_or_else(|e| panic!("{what}: error body is not JSON: {e}"));
        assert_eq!(body["code"], code, "{what}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}");
    }
    // Too many items in one batch.
    let many: Vec<ReportPayload> = (0..501).map(|_| report_at(41.1177, 16.8719, "waste")).collect();
    let err = casa_e2e::phone_client(&server.url, phone).sync(&batch(phone, many)).await.expect_err("too many");
    assert!(matches!(err.code(), Some("batch_too_large") | Some("payload_too_large")), "{err}");

    // In a batch, a bad item is refused on its own; the others go through.
    let mut bad = report_at(41.1177, 16.8719, "road_damage");
    bad.lat = 95.0;
    let res = casa_e2e::phone_client(&server.url, phone)
        .sync(&batch(phone, vec![bad, report_at(41.1177, 16.8719, "road_damage")]))
        .await
        .expect("sync");
    assert!(matches!(&res.results[0].outcome, ItemOutcome::Rejected { code, .. } if code == "invalid_coordinates"));
    assert!(matches!(res.results[1].outcome, ItemOutcome::Accepted(_)));

    let metrics = http.get(format!("{}/metrics", server.url)).send().await.expect("metrics").text().await.expect("text");
    assert!(!metrics.contains("status=\"500\""), "a request ended in a 500:\n{metrics}");
    server.stop().await;
}
on_both_databases!(
    bad_requests_get_a_4xx_with_a_stable_code_and_never_a_500,
    super::bad_requests_get_a_4xx_with_a_stable_code_and_never_a_500
);

async fn status_changes_made_by_a_moderator_reach_the_device_on_its_next_sync(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let device = DeviceId::new();
    let client = casa_e2e::phone_client(&server.url, device);
    let report = report_at(41.1306, 16.8697, "road_damage");
    let first = client.sync(&batch(device, vec![report.clone()])).await.expect("push");
    assert_eq!(first.changes.len(), 1);
    assert_eq!(first.changes[0].status.code(), "in_moderation");

    let (email, password) = common::add_staff(&server, "mod@comune.bari.it", "moderator", &["072006"]).await;
    let http = reqwest::Client::new();
    let publish = http
        .post(format!("{}/api/v1/admin/reports/{}/status", server.url, report.id))
        .basic_auth(&email, Some(&password))
        .json(&json!({"status": "published"}))
        .send()
        .await
        .expect("publish");
    assert_eq!(publish.status(), 200);
    // Publishing twice is a conflict, not a second event.
    let twice = http
        .post(format!("{}/api/v1/admin/reports/{}/status", server.url, report.id))
        .basic_auth(&email, Some(&password))
        .json(&json!({"status": "published"}))
        .send()
        .await
        .expect("publish again");
    assert_eq!(twice.status(), 409);

    let noop = SyncRequest {
        protocol: PROTOCOL_VERSION,
        device_id: device,
        cursor: Some(first.cursor),
        items: vec![],
        nearby: None,
        petitions: None,
    };
    let next = client.sync(&noop).await.expect("pull");
    assert_eq!(next.changes.len(), 1);
    assert_eq!(next.changes[0].report_id, report.id);
    assert_eq!(next.changes[0].status.code(), "published");
    let idle = client.sync(&SyncRequest { cursor: Some(next.cursor), ..noop.clone() }).await.expect("idle");
    assert!(idle.changes.is_empty() && !idle.has_more);
    assert_eq!(idle.cursor, next.cursor);

    // The published report is public and near its place.
    let near = SyncRequest { nearby: Some(NearbyQuery { lat: 41.1300, lon: 16.8700, radius_m: 500.0 }), ..noop };
    let around = client.sync(&near).await.expect("nearby").nearby.expect("nearby asked");
    assert_eq!(around.iter().map(|r| r.id).collect::<Vec<_>>(), vec![report.id]);
    let public = http.get(format!("{}/api/v1/reports/{}", server.url, report.id)).send().await.expect("public");
    assert_eq!(public.status(), 200);
    server.stop().await;
}
on_both_databases!(
    status_changes_made_by_a_moderator_reach_the_device_on_its_next_sync,
    super::status_changes_made_by_a_moderator_reach_the_device_on_its_next_sync
);

async fn a_moderator_sees_only_the_queue_and_reports_of_their_own_comune(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let device = DeviceId::new();
    let client = casa_e2e::phone_client(&server.url, device);
    // At the Basilica di San Nicola, Bari.
    let report = report_at(41.1306, 16.8697, "graffiti_vandalism");
    client.sync(&batch(device, vec![report.clone()])).await.expect("push");
    let (monopoli, pw) = common::add_staff(&server, "mod@comune.monopoli.ba.it", "moderator", &["072030"]).await;
    let http = reqwest::Client::new();
    let get = |path: String, user: &str, pass: &str| http.get(format!("{}{path}", server.url)).basic_auth(user, Some(pass)).send();

    let res = get("/api/v1/admin/comuni/072006/queue".into(), &monopoli, &pw).await.expect("queue");
    assert_eq!(res.status(), 403);
    let res = get(format!("/api/v1/admin/reports/{}", report.id), &monopoli, &pw).await.expect("report");
    assert_eq!(res.status(), 404, "another Comune's report looks absent");
    let own: Value = get("/api/v1/admin/comuni/072030/queue".into(), &monopoli, &pw).await.expect("own").json().await.expect("json");
    assert_eq!(own["total"], 0);

    let res = get("/api/v1/admin/comuni/072006/queue".into(), &monopoli, "wrong password").await.expect("queue");
    assert_eq!(res.status(), 401);
    assert!(res.headers().contains_key("www-authenticate"));
    let res = http.get(format!("{}/api/v1/admin/comuni/072006/queue", server.url)).send().await.expect("anonymous");
    assert_eq!(res.status(), 401);
    server.stop().await;
}
on_both_databases!(
    a_moderator_sees_only_the_queue_and_reports_of_their_own_comune,
    super::a_moderator_sees_only_the_queue_and_reports_of_their_own_comune
);

async fn before_boundaries_are_imported_reports_route_to_the_nearest_town_centre_flagged_approximate(db: &TestDb) {
    let server = casa_sync_server::RunningServer::start(db.url(), db.data_dir()).await.expect("start");
    let device = DeviceId::new();
    let client = casa_e2e::phone_client(&server.url, device);
    // Piazza Vittorio Emanuele II, Monopoli; and the open Adriatic.
    let res = client.sync(&batch(device, vec![report_at(40.9516, 17.2987, "waste"), report_at(41.6, 17.4, "waste")])).await.expect("sync");
    match &res.results[0].outcome {
        ItemOutcome::Accepted(r) => {
            assert_eq!(r.comune.as_str(), "072030");
            assert!(r.approximate);
            assert_eq!(r.method, "approximate_centre");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(&res.results[1].outcome, ItemOutcome::Rejected { code, .. } if code == "outside_area"));
    let comuni = client.comuni().await.expect("comuni");
    assert_eq!(comuni.len(), 41);
    assert!(!comuni[0].official_boundary);
    assert_eq!(comuni[0].categories.len(), 9, "every Comune starts with the nine default categories");
    server.stop().await;
}
on_both_databases!(
    before_boundaries_are_imported_reports_route_to_the_nearest_town_centre_flagged_approximate,
    super::before_boundaries_are_imported_reports_route_to_the_nearest_town_centre_flagged_approximate
);

async fn health_readiness_metrics_and_the_openapi_document_are_served(db: &TestDb) {
    let server = casa_sync_server::RunningServer::start(db.url(), db.data_dir()).await.expect("start");
    let http = reqwest::Client::new();
    let get = |path: &str| http.get(format!("{}{path}", server.url)).send();
    assert_eq!(get("/healthz").await.expect("healthz").status(), 200);
    let ready: Value = get("/readyz").await.expect("readyz").json().await.expect("json");
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["comuni"], 41);
    let doc: Value = get("/api/v1/openapi.json").await.expect("openapi").json().await.expect("json");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    for path in ["/api/v1/sync", "/api/v1/reports", "/api/v1/comuni", "/api/v1/admin/comuni/{istat_code}/queue"] {
        assert!(doc["paths"][path].is_object(), "{path} missing from the OpenAPI document");
    }
    let device = DeviceId::new();
    casa_e2e::phone_client(&server.url, device).sync(&batch(device, vec![report_at(40.9516, 17.2987, "waste")])).await.expect("sync");
    let metrics = get("/metrics").await.expect("metrics").text().await.expect("text");
    for name in ["casa_http_requests_total", "casa_reports_ingested_total", "casa_routing_seconds_bucket"] {
        assert!(metrics.contains(name), "{name} missing:\n{metrics}");
    }
    assert_eq!(get("/no/such/page").await.expect("404").status(), 404);
    server.stop().await;
}
on_both_databases!(
    health_readiness_metrics_and_the_openapi_document_are_served,
    super::health_readiness_metrics_and_the_openapi_document_are_served
);

async fn a_citizen_reopens_their_resolved_report_and_it_goes_back_to_its_department(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let device = DeviceId::new();
    let client = casa_e2e::phone_client(&server.url, device);
    let report = report_at(41.1306, 16.8697, "road_damage");
    client.sync(&batch(device, vec![report.clone()])).await.expect("push");
    let (email, password) = common::add_staff(&server, "mod@comune.bari.it", "moderator", &["072006"]).await;
    let http = reqwest::Client::new();
    let set = |status: Value| {
        http.post(format!("{}/api/v1/admin/reports/{}/status", server.url, report.id))
            .basic_auth(&email, Some(&password))
            .json(&status)
            .send()
    };
    let reopen_item = |reason: &str| {
        PushItem::Reopen(ReopenPayload { id: uuid::Uuid::now_v7(), report_id: report.id, reason: reason.into(), at: Utc::now() })
    };
    let push = |items: Vec<PushItem>, dev: DeviceId| SyncRequest {
        protocol: PROTOCOL_VERSION,
        device_id: dev,
        cursor: None,
        items,
        nearby: None,
        petitions: None,
    };

    // Not resolved yet: refused with a reason the citizen can read.
    let early = client.sync(&push(vec![reopen_item("ancora rotta")], device)).await.expect("early");
    assert!(matches!(&early.results[0].outcome, ItemOutcome::Rejected { code, .. } if code == "not_resolved"), "{early:?}");

    for status in [
        json!({"status": "published"}),
        json!({"status": "assigned_to_department", "department": "lavori_pubblici"}),
        json!({"status": "resolved"}),
    ] {
        let res = set(status.clone()).await.expect("status");
        assert_eq!(res.status(), 200, "{status}: {}", res.text().await.unwrap_or_default());
    }

    // Another device cannot reopen it; a reason too short is refused on its own.
    let other = DeviceId::new();
    let stranger =
        casa_e2e::phone_client(&server.url, other).sync(&push(vec![reopen_item("ancora rotta")], other)).await.expect("stranger");
    assert!(matches!(&stranger.results[0].outcome, ItemOutcome::Rejected { code, .. } if code == "not_your_report"));
    let short = client.sync(&push(vec![reopen_item("no")], device)).await.expect("short");
    assert!(matches!(&short.results[0].outcome, ItemOutcome::Rejected { code, .. } if code == "reason_too_short"));

    let item = reopen_item("La buca è stata coperta ma si è già riaperta");
    let first = client.sync(&push(vec![item.clone()], device)).await.expect("reopen");
    match &first.results[0].outcome {
        ItemOutcome::Accepted(routing) => assert_eq!(routing.department, "lavori_pubblici"),
        other => panic!("reopen refused: {other:?}"),
    }
    let last = first.changes.last().expect("a change");
    assert_eq!(last.status, ReportStatus::AssignedToDepartment { department: "lavori_pubblici".into() });
    // Sent again (the answer was lost): the same answer, no second event.
    let again = client.sync(&SyncRequest { cursor: Some(first.cursor), ..push(vec![item], device) }).await.expect("again");
    assert!(matches!(again.results[0].outcome, ItemOutcome::Accepted(_)));
    assert!(again.changes.is_empty(), "{:?}", again.changes);

    let staff: Value = http
        .get(format!("{}/api/v1/admin/reports/{}", server.url, report.id))
        .basic_auth(&email, Some(&password))
        .send()
        .await
        .expect("staff view")
        .json()
        .await
        .expect("json");
    assert_eq!(staff["status"], "assigned_to_department", "{staff}");
    server.stop().await;
}
on_both_databases!(
    a_citizen_reopens_their_resolved_report_and_it_goes_back_to_its_department,
    super::a_citizen_reopens_their_resolved_report_and_it_goes_back_to_its_department
);

async fn a_comune_outline_is_served_simplified_once_boundaries_are_imported(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let client = Client::new(&server.url);
    let bari = casa_shared_model::IstatCode::parse("072006").expect("code");
    let outline = client.comune_outline(&bari).await.expect("outline").expect("Bari has a boundary");
    assert_eq!(outline.istat_code, bari);
    let points: usize = outline.rings.iter().map(Vec::len).sum();
    assert!((20..5_000).contains(&points), "{points} points");
    // The Basilica di San Nicola is inside the drawn outline's bounding box.
    let (lons, lats): (Vec<f64>, Vec<f64>) = outline.rings.iter().flatten().map(|[lon, lat]| (*lon, *lat)).unzip();
    let within = |v: f64, all: &[f64]| all.iter().cloned().fold(f64::MAX, f64::min) < v && v < all.iter().cloned().fold(f64::MIN, f64::max);
    assert!(within(16.8697, &lons) && within(41.1306, &lats));
    let unknown = reqwest::get(format!("{}/api/v1/comuni/999999/outline", server.url)).await.expect("get");
    assert_eq!(unknown.status(), 404);
    server.stop().await;
}
on_both_databases!(
    a_comune_outline_is_served_simplified_once_boundaries_are_imported,
    super::a_comune_outline_is_served_simplified_once_boundaries_are_imported
);
