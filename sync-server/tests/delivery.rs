//! Delivery of published reports to the departments' back-offices (signed
//! webhooks, Open311), and the back-office's status updates coming back to
//! the citizen's app.

mod common;

use common::on_both_databases;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use casa_mobile::Client;
use casa_shared_model::report::PhotoRef;
use casa_shared_model::wire::v1::{SyncRequest, PROTOCOL_VERSION};
use casa_shared_model::wire::{PushItem, ReportPayload};
use casa_shared_model::{DeviceId, IstatCode, ReportId, ReportStatus};
use casa_sync_server::components::reports::service;
use casa_sync_server::platform::api_keys::{KeyScope, Permission, Permissions};
use casa_sync_server::platform::auth::Role;
use casa_sync_server::platform::delivery::{self, DeliveryConfig, WebhookReport};
use casa_sync_server::platform::staff::Staff;
use casa_sync_server::store::{DeliveryKind, DeliveryTarget, Secret};
use casa_sync_server::RunningServer;
use chrono::Utc;
use common::TestDb;
use futures::StreamExt;
use serde_json::{json, Value};

const SECRET: &str = "segreto-condiviso-con-il-gestionale";
const BARI: &str = "072006";

/// Small waits, so retries happen within the test's time.
fn fast() -> DeliveryConfig {
    DeliveryConfig {
        poll_interval: Duration::from_millis(20),
        base_backoff: Duration::from_millis(40),
        max_backoff: Duration::from_millis(200),
        lease: Duration::from_secs(20),
        batch_size: 50,
        request_timeout: Duration::from_secs(5),
        max_attempts: 10,
    }
}

/// One request a fake back-office received, and what it answered.
#[derive(Debug, Clone)]
struct Hit {
    headers: HeaderMap,
    body: Bytes,
    answered: u16,
}

impl Hit {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    fn delivery_id(&self) -> String {
        self.header(delivery::DELIVERY_ID_HEADER).to_owned()
    }

    fn form(&self) -> BTreeMap<String, String> {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&self.body).expect("form").into_iter().collect()
    }
}

#[derive(Clone)]
struct Behaviour {
    hits: Arc<Mutex<Vec<Hit>>>,
    /// Requests answered 500 before the back-office "comes back".
    fail_first: usize,
    /// What a successful answer carries.
    answer: &'static str,
}

/// A back-office on port 0: `POST /hook` and Open311's `POST /open311/v2/requests.json`.
struct FakeBackOffice {
    url: String,
    hits: Arc<Mutex<Vec<Hit>>>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeBackOffice {
    async fn start(fail_first: usize, answer: &'static str) -> Self {
        async fn receive(State(b): State<Behaviour>, headers: HeaderMap, body: Bytes) -> (StatusCode, &'static str) {
            let mut hits = b.hits.lock().expect("lock");
            let answered = if hits.len() < b.fail_first { 500 } else { 200 };
            hits.push(Hit { headers, body, answered });
            (StatusCode::from_u16(answered).expect("status"), if answered == 200 { b.answer } else { "guasto / broken" })
        }
        let hits = Arc::new(Mutex::new(Vec::new()));
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .route("/open311/v2/requests.json", axum::routing::post(receive))
            .with_state(Behaviour { hits: hits.clone(), fail_first, answer });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        Self { url, hits, task }
    }

    fn hits(&self) -> Vec<Hit> {
        self.hits.lock().expect("lock").clone()
    }
}

impl Drop for FakeBackOffice {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn admin() -> Staff {
    Staff { id: uuid::Uuid::now_v7(), email: "admin@cittametropolitana.ba.it".into(), role: Role::Admin, comuni: vec![], department: None }
}

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

fn push(device: DeviceId, cursor: Option<casa_shared_model::wire::Cursor>, items: Vec<ReportPayload>) -> SyncRequest {
    SyncRequest {
        protocol: PROTOCOL_VERSION,
        device_id: device,
        cursor,
        items: items.into_iter().map(PushItem::Report).collect(),
        nearby: None,
        petitions: None,
    }
}

async fn set_target(server: &RunningServer, department: &str, kind: DeliveryKind, url: String, secret: &str, service_code: Option<&str>) {
    let target = DeliveryTarget {
        id: uuid::Uuid::now_v7(),
        comune: IstatCode::parse(BARI).expect("code"),
        department: department.into(),
        kind,
        url,
        secret: Secret::new(secret),
        service_code: service_code.map(str::to_owned),
        enabled: true,
        created_at: Utc::now(),
    };
    server.state.store().upsert_delivery_target(&target).await.expect("target");
}

/// A key for Bari (all its departments, or one), allowed `what`.
async fn scoped_key(server: &RunningServer, name: &str, department: Option<&str>, what: &[Permission]) -> String {
    let scope = KeyScope::new(IstatCode::parse("072006").expect("code"), department, Permissions::of(what));
    casa_sync_server::platform::api_keys::issue(server.state.store(), name, scope, Utc::now()).await.expect("key").0
}

async fn publish(server: &RunningServer, id: &ReportId) {
    service::change_status(&server.state, &admin(), id, ReportStatus::Published).await.expect("publish");
}

/// Waits until the outbox has no pending row left.
async fn until_settled(server: &RunningServer, within: Duration) {
    let started = std::time::Instant::now();
    loop {
        let counts = server.state.store().delivery_counts().await.expect("counts");
        if !counts.is_empty() && counts.iter().all(|c| c.pending == 0) {
            return;
        }
        assert!(started.elapsed() < within, "deliveries still pending after {within:?}: {counts:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn a_webhook_that_fails_three_times_still_gets_each_published_report_once_signed_under_one_delivery_id(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let hook = FakeBackOffice::start(3, "ok").await;
    set_target(&server, "lavori_pubblici", DeliveryKind::Webhook, format!("{}/hook", hook.url), SECRET, None).await;
    let worker = delivery::spawn_delivery_worker(server.state.clone(), fast()).expect("worker");

    // Four road reports in Bari (public works), one with a photo; a waste
    // report (another department, no target); one left in moderation.
    let client = Client::new(&server.url);
    let device = DeviceId::new();
    let photo = PhotoRef::of_bytes(b"una foto della buca").as_str().to_owned();
    let mut roads: Vec<ReportPayload> = (0..4).map(|i| report_at(41.1177 + f64::from(i) * 1e-4, 16.8719, "road_damage")).collect();
    roads[0].photos = vec![photo.clone()];
    let waste = report_at(41.1190, 16.8720, "waste");
    let unmoderated = report_at(41.1195, 16.8721, "road_damage");
    let mut items = roads.clone();
    items.extend([waste.clone(), unmoderated.clone()]);
    casa_e2e::as_phone(&client, device).sync(&push(device, None, items)).await.expect("sync");
    for r in roads.iter().chain([&waste]) {
        publish(&server, &r.id).await;
    }
    until_settled(&server, Duration::from_secs(30)).await;

    let hits = hook.hits();
    assert_eq!(hits.len(), roads.len() + 3, "four deliveries and three failed attempts: {hits:?}");
    let mut by_delivery: BTreeMap<String, Vec<&Hit>> = BTreeMap::new();
    for hit in &hits {
        // Every request, failed or not, carries a valid, fresh signature.
        delivery::verify_webhook_signature(
            SECRET,
            hit.header(delivery::TIMESTAMP_HEADER),
            &hit.body,
            hit.header(delivery::SIGNATURE_HEADER),
            Utc::now(),
            delivery::DEFAULT_TOLERANCE,
        )
        .expect("valid signature");
        assert!(hit.header("content-type").starts_with("application/json"));
        by_delivery.entry(hit.delivery_id()).or_default().push(hit);
    }
    // One delivery id per report, kept across its retries, accepted once.
    assert_eq!(by_delivery.len(), roads.len());
    let mut delivered_reports = BTreeSet::new();
    for (id, attempts) in &by_delivery {
        let bodies: BTreeSet<ReportId> =
            attempts.iter().map(|h| serde_json::from_slice::<WebhookReport>(&h.body).expect("body").id).collect();
        assert_eq!(bodies.len(), 1, "delivery {id} carried more than one report");
        assert_eq!(attempts.iter().filter(|h| h.answered == 200).count(), 1, "delivery {id}: {attempts:?}");
        assert_eq!(attempts.last().map(|h| h.answered), Some(200), "delivery {id} was retried after its success");
        delivered_reports.extend(bodies);
    }
    assert_eq!(delivered_reports, roads.iter().map(|r| r.id).collect::<BTreeSet<_>>());
    let retried = by_delivery.values().filter(|a| a.len() > 1).count();
    assert!(retried >= 1, "the three failures were retried under their delivery ids");

    // The body describes the report for the department.
    let with_photo = hits
        .iter()
        .map(|h| serde_json::from_slice::<WebhookReport>(&h.body).expect("body"))
        .find(|r| r.id == roads[0].id)
        .expect("the photo report was delivered");
    assert_eq!(with_photo.comune.as_str(), BARI);
    assert_eq!(with_photo.comune_name, "Bari");
    assert_eq!(with_photo.department, "lavori_pubblici");
    assert_eq!(with_photo.category, "road_damage");
    assert_eq!(with_photo.status, ReportStatus::Published);
    assert_eq!(with_photo.photos, vec![format!("{}/api/v1/photos/{photo}", server.url)]);
    assert_eq!(with_photo.status_url, format!("{}/api/v1/backoffice/reports/{}/status", server.url, roads[0].id));

    // The outbox: one delivered row per road report, under the id the
    // back-office saw; none for the other department or the unmoderated one.
    for r in &roads {
        let rows = server.state.store().report_deliveries(&r.id).await.expect("rows");
        assert_eq!(rows.len(), 1);
        assert!(rows[0].delivered_at.is_some() && rows[0].failed_at.is_none() && rows[0].leased_until.is_none());
        assert!(by_delivery.contains_key(&rows[0].id.to_string()));
        assert_eq!(rows[0].attempts as usize, by_delivery[&rows[0].id.to_string()].len());
    }
    for r in [&waste, &unmoderated] {
        assert!(server.state.store().report_deliveries(&r.id).await.expect("rows").is_empty());
    }
    // Assigning a delivered report to its department does not send it again.
    let assigned = ReportStatus::AssignedToDepartment { department: "lavori_pubblici".into() };
    service::change_status(&server.state, &admin(), &roads[1].id, assigned).await.expect("assign");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(hook.hits().len(), hits.len());
    worker.stop().await;
    server.stop().await;
}
on_both_databases!(
    a_webhook_that_fails_three_times_still_gets_each_published_report_once_signed_under_one_delivery_id,
    super::a_webhook_that_fails_three_times_still_gets_each_published_report_once_signed_under_one_delivery_id
);

async fn a_delivery_out_of_attempts_is_kept_as_failed_and_can_be_queued_again(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let hook = FakeBackOffice::start(usize::MAX, "ok").await;
    set_target(&server, "lavori_pubblici", DeliveryKind::Webhook, format!("{}/hook", hook.url), SECRET, None).await;
    let worker = delivery::spawn_delivery_worker(server.state.clone(), DeliveryConfig { max_attempts: 3, ..fast() }).expect("worker");
    let report = report_at(41.1177, 16.8719, "road_damage");
    casa_e2e::sync_as_phone(&Client::new(&server.url), &push(DeviceId::new(), None, vec![report.clone()]), None).await.expect("sync");
    publish(&server, &report.id).await;
    until_settled(&server, Duration::from_secs(20)).await;

    assert_eq!(hook.hits().len(), 3);
    let rows = server.state.store().report_deliveries(&report.id).await.expect("rows");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].attempts, 3);
    assert!(rows[0].failed_at.is_some() && rows[0].delivered_at.is_none());
    assert_eq!(rows[0].last_error.as_deref(), Some("HTTP 500"));
    let failed = server.state.store().failed_deliveries(10).await.expect("failed");
    assert_eq!(failed.iter().map(|d| d.id).collect::<Vec<_>>(), vec![rows[0].id]);
    let counts = server.state.store().delivery_counts().await.expect("counts");
    assert_eq!((counts[0].pending, counts[0].delivered, counts[0].failed), (0, 0, 1));

    // Queued again by an operator: three more attempts, the same delivery id.
    let n = server.state.store().retry_failed_deliveries(rows[0].target_id, Utc::now()).await.expect("retry");
    assert_eq!(n, 1);
    until_settled(&server, Duration::from_secs(20)).await;
    let hits = hook.hits();
    assert_eq!(hits.len(), 6);
    assert!(hits.iter().all(|h| h.delivery_id() == rows[0].id.to_string()));
    worker.stop().await;
    server.stop().await;
}
on_both_databases!(
    a_delivery_out_of_attempts_is_kept_as_failed_and_can_be_queued_again,
    super::a_delivery_out_of_attempts_is_kept_as_failed_and_can_be_queued_again
);

async fn a_paused_target_keeps_its_reports_until_it_is_enabled_again(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let hook = FakeBackOffice::start(0, "ok").await;
    set_target(&server, "lavori_pubblici", DeliveryKind::Webhook, format!("{}/hook", hook.url), SECRET, None).await;
    let bari = IstatCode::parse(BARI).expect("code");
    assert!(server.state.store().set_delivery_target_enabled(&bari, "lavori_pubblici", false).await.expect("disable"));
    let worker = delivery::spawn_delivery_worker(server.state.clone(), fast()).expect("worker");
    let report = report_at(41.1177, 16.8719, "road_damage");
    casa_e2e::sync_as_phone(&Client::new(&server.url), &push(DeviceId::new(), None, vec![report.clone()]), None).await.expect("sync");
    publish(&server, &report.id).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(hook.hits().is_empty(), "a paused target received a report");
    assert!(server.state.store().set_delivery_target_enabled(&bari, "lavori_pubblici", true).await.expect("enable"));
    until_settled(&server, Duration::from_secs(20)).await;
    assert_eq!(hook.hits().len(), 1);
    worker.stop().await;
    server.stop().await;
}
on_both_databases!(
    a_paused_target_keeps_its_reports_until_it_is_enabled_again,
    super::a_paused_target_keeps_its_reports_until_it_is_enabled_again
);

async fn an_open311_back_office_receives_the_form_post_with_the_reports_fields(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let open311 =
        FakeBackOffice::start(0, r#"[{"service_request_id":"BA-LP-0001","service_notice":"Presa in carico","account_id":null}]"#).await;
    set_target(
        &server,
        "lavori_pubblici",
        DeliveryKind::Open311,
        format!("{}/open311/v2/", open311.url),
        "chiave-del-gestionale",
        Some("STRADE-01"),
    )
    .await;
    let worker = delivery::spawn_delivery_worker(server.state.clone(), fast()).expect("worker");

    // A report filed through our own Open311 endpoint, with a photo URL and an address.
    let key = scoped_key(&server, "app di terze parti", None, &[Permission::FileReports]).await;
    let created: Value = reqwest::Client::new()
        .post(format!("{}/open311/v2/requests.json", server.url))
        .form(&[
            ("api_key", key.as_str()),
            ("service_code", "road_damage"),
            ("lat", "41.1306"),
            ("long", "16.8697"),
            ("address_string", "Largo Abate Elia, Bari"),
            ("description", "Basoli sconnessi davanti alla Basilica"),
            ("media_url", "https://example.org/foto/basoli.jpg"),
        ])
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    let id = ReportId::parse(created[0]["service_request_id"].as_str().expect("id")).expect("report id");
    publish(&server, &id).await;
    until_settled(&server, Duration::from_secs(20)).await;

    let hits = open311.hits();
    assert_eq!(hits.len(), 1);
    let form = hits[0].form();
    assert!(hits[0].header("content-type").starts_with("application/x-www-form-urlencoded"));
    assert_eq!(form.get("api_key").map(String::as_str), Some("chiave-del-gestionale"));
    assert_eq!(form.get("service_code").map(String::as_str), Some("STRADE-01"));
    assert_eq!(form.get("lat").map(String::as_str), Some("41.1306"));
    assert_eq!(form.get("long").map(String::as_str), Some("16.8697"));
    assert_eq!(form.get("media_url").map(String::as_str), Some("https://example.org/foto/basoli.jpg"));
    assert_eq!(form.get("address_string").map(String::as_str), Some("Largo Abate Elia, Bari"));
    let description = form.get("description").expect("description");
    assert!(description.starts_with("Basoli sconnessi davanti alla Basilica"), "{description}");
    assert!(description.contains(&id.to_string()), "the back-office needs our id to answer: {description}");
    let rows = server.state.store().report_deliveries(&id).await.expect("rows");
    assert_eq!(hits[0].delivery_id(), rows[0].id.to_string());
    assert_eq!(rows[0].remote_id.as_deref(), Some("BA-LP-0001"));
    worker.stop().await;
    server.stop().await;
}
on_both_databases!(
    an_open311_back_office_receives_the_form_post_with_the_reports_fields,
    super::an_open311_back_office_receives_the_form_post_with_the_reports_fields
);

async fn back_office_status_updates_reach_the_citizens_app_on_its_next_sync(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let client = Client::new(&server.url);
    let device = DeviceId::new();
    let report = report_at(41.1306, 16.8697, "road_damage");
    let waiting = report_at(41.1300, 16.8690, "road_damage");
    let first = casa_e2e::as_phone(&client, device).sync(&push(device, None, vec![report.clone(), waiting.clone()])).await.expect("push");
    publish(&server, &report.id).await;
    let key = scoped_key(&server, "Gestionale lavori pubblici", Some("lavori_pubblici"), &[Permission::UpdateStatus]).await;

    let http = reqwest::Client::new();
    let post = |id: ReportId, key: &str, body: Value| {
        http.post(format!("{}/api/v1/backoffice/reports/{id}/status", server.url)).bearer_auth(key).json(&body).send()
    };
    let answer = |res: reqwest::Response| async move {
        let status = res.status().as_u16();
        (status, res.json::<Value>().await.expect("json"))
    };

    let (status, body) =
        answer(post(report.id, &key, json!({"status": "in_progress", "note": "Squadra in arrivo"})).await.expect("post")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "in_progress");
    let next = casa_e2e::as_phone(&client, device).sync(&push(device, Some(first.cursor), vec![])).await.expect("pull");
    let seen: Vec<(ReportId, String)> = next.changes.iter().map(|c| (c.report_id, c.status.code().to_owned())).collect();
    assert_eq!(
        seen,
        vec![(report.id, "published".to_owned()), (report.id, "assigned_to_department".to_owned()), (report.id, "in_progress".to_owned())]
    );

    let (status, _) = answer(post(report.id, &key, json!({"status": "resolved"})).await.expect("post")).await;
    assert_eq!(status, 200);
    // Sent again (the answer was lost): the same answer, no second event.
    let (status, body) = answer(post(report.id, &key, json!({"status": "resolved"})).await.expect("post")).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("resolved")));
    let last = casa_e2e::as_phone(&client, device).sync(&push(device, Some(next.cursor), vec![])).await.expect("pull");
    assert_eq!(last.changes.iter().map(|c| c.status.clone()).collect::<Vec<_>>(), vec![ReportStatus::Resolved]);

    // Mistakes get a 4xx with a stable code, never a 500.
    let cases: Vec<(&str, ReportId, &str, Value, u16, &str)> = vec![
        ("wrong key", report.id, "casa_not-a-key", json!({"status": "closed"}), 401, "invalid_api_key"),
        ("no key", report.id, "", json!({"status": "closed"}), 401, "invalid_api_key"),
        ("unknown status", report.id, &key, json!({"status": "done"}), 400, "unknown_status"),
        ("a status only moderators set", report.id, &key, json!({"status": "rejected"}), 400, "unknown_status"),
        ("note too long", report.id, &key, json!({"status": "closed", "note": "x".repeat(1001)}), 400, "note_too_long"),
        ("missing status", report.id, &key, json!({"note": "?"}), 400, "invalid_request"),
        ("unknown report", ReportId::new(), &key, json!({"status": "closed"}), 404, "not_found"),
        ("still in moderation", waiting.id, &key, json!({"status": "in_progress"}), 409, "invalid_transition"),
    ];
    for (what, id, key, body, want_status, want_code) in cases {
        let (status, body) = answer(post(id, key, body).await.expect(what)).await;
        assert_eq!((status, body["code"].as_str()), (want_status, Some(want_code)), "{what}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| m.contains(" / ")), "{what}: Italian / English message");
    }
    let res = post(report.id, "casa_not-a-key", json!({"status": "closed"})).await.expect("post");
    assert!(res.headers()["www-authenticate"].to_str().expect("header").starts_with("Bearer"));
    // Closed is final: the back-office cannot take it back.
    assert_eq!(answer(post(report.id, &key, json!({"status": "closed"})).await.expect("post")).await.0, 200);
    let (status, body) = answer(post(report.id, &key, json!({"status": "in_progress"})).await.expect("post")).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("invalid_transition")));

    let audit = server.state.store().audit_log(20).await.expect("audit");
    let ours: Vec<&str> =
        audit.iter().filter(|e| e.actor == "backoffice:Gestionale lavori pubblici").filter_map(|e| e.detail.as_deref()).collect();
    assert_eq!(ours.len(), 4, "{ours:?}");
    assert!(ours.iter().any(|d| d.contains("assigned_to_department -> in_progress") && d.contains("Squadra in arrivo")), "{ours:?}");
    let metrics = http.get(format!("{}/metrics", server.url)).send().await.expect("metrics").text().await.expect("text");
    assert!(!metrics.contains("status=\"500\""), "a request ended in a 500:\n{metrics}");
    let doc: Value = http.get(format!("{}/api/v1/openapi.json", server.url)).send().await.expect("openapi").json().await.expect("json");
    assert!(doc["paths"]["/api/v1/backoffice/reports/{id}/status"]["post"].is_object(), "missing from the OpenAPI document");
    assert_eq!(doc["components"]["securitySchemes"]["api_key"]["scheme"], "bearer");
    server.stop().await;
}
on_both_databases!(
    back_office_status_updates_reach_the_citizens_app_on_its_next_sync,
    super::back_office_status_updates_reach_the_citizens_app_on_its_next_sync
);

/// Two server instances, each with its own worker, share one PostgreSQL
/// outbox: a thousand published reports reach the back-office once each.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_on_one_postgresql_deliver_a_thousand_reports_exactly_once_between_them() {
    let db = TestDb::postgres().await;
    let a = common::server_with_boundaries(&db).await;
    let b = RunningServer::start(db.url(), db.data_dir()).await.expect("second server");
    let hook = FakeBackOffice::start(0, "ok").await;
    set_target(&a, "lavori_pubblici", DeliveryKind::Webhook, format!("{}/hook", hook.url), SECRET, None).await;
    let workers = [
        delivery::spawn_delivery_worker(a.state.clone(), fast()).expect("worker a"),
        delivery::spawn_delivery_worker(b.state.clone(), fast()).expect("worker b"),
    ];

    let started = std::time::Instant::now();
    let client = Client::new(&a.url);
    let reports: Vec<ReportPayload> =
        (0..1000).map(|i| report_at(41.1160 + f64::from(i % 40) * 1e-4, 16.8700 + f64::from(i / 40) * 1e-4, "road_damage")).collect();
    for chunk in reports.chunks(500) {
        let res = casa_e2e::sync_as_phone(&client, &push(DeviceId::new(), None, chunk.to_vec()), None).await.expect("sync");
        assert!(res.results.iter().all(|r| matches!(r.outcome, casa_shared_model::wire::ItemOutcome::Accepted(_))));
    }
    // Published through both servers, sixteen at a time.
    let servers = [&a, &b];
    futures::stream::iter(reports.iter().enumerate())
        .for_each_concurrent(16, |(i, r)| async move { publish(servers[i % 2], &r.id).await })
        .await;
    until_settled(&a, Duration::from_secs(45)).await;

    let hits = hook.hits();
    let mut per_report: BTreeMap<ReportId, usize> = BTreeMap::new();
    let mut delivery_ids = BTreeSet::new();
    for hit in &hits {
        delivery::verify_webhook_signature(
            SECRET,
            hit.header(delivery::TIMESTAMP_HEADER),
            &hit.body,
            hit.header(delivery::SIGNATURE_HEADER),
            Utc::now(),
            delivery::DEFAULT_TOLERANCE,
        )
        .expect("valid signature");
        *per_report.entry(serde_json::from_slice::<WebhookReport>(&hit.body).expect("body").id).or_default() += 1;
        delivery_ids.insert(hit.delivery_id());
    }
    assert_eq!(hits.len(), 1000, "no duplicate POST at all");
    assert_eq!(per_report.len(), 1000);
    assert!(per_report.values().all(|n| *n == 1));
    assert_eq!(delivery_ids.len(), 1000);
    let counts = a.state.store().delivery_counts().await.expect("counts");
    assert_eq!(counts.len(), 1);
    assert_eq!((counts[0].pending, counts[0].delivered, counts[0].failed), (0, 1000, 0));
    // Both workers took a share.
    let delivered_by = |s: &RunningServer| {
        s.state
            .metrics()
            .deliveries
            .get_or_create(&casa_sync_server::platform::metrics::DeliveryLabels { kind: "webhook", outcome: "delivered" })
            .get()
    };
    let (by_a, by_b) = (delivered_by(&a), delivered_by(&b));
    assert_eq!(by_a + by_b, 1000);
    assert!(by_a > 0 && by_b > 0, "one server did all the work: {by_a} / {by_b}");
    assert!(started.elapsed() < Duration::from_secs(60), "took {:?}", started.elapsed());
    for w in workers {
        w.stop().await;
    }
    b.stop().await;
    a.stop().await;
    db.cleanup().await;
}
