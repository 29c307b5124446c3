//! Field inspectors over HTTP: a moderator asks for a visit in the
//! dashboard, the inspector's app logs in, syncs its assignments, and sends
//! what it found; the server checks the place and the photo again.

mod common;

use casa_e2e::web::{browser, csrf_of};
use casa_shared_model::inspection::InspectionOutcome;
use casa_shared_model::wire::v1::{SyncRequest, PROTOCOL_VERSION};
use casa_shared_model::wire::{
    InspectionPayload, InspectionVerdict, InspectorSession, InspectorSyncRequest, InspectorSyncResponse, PushItem, ReportPayload,
};
use casa_shared_model::{DeviceId, ReportId, ReportStatus};
use chrono::{Duration, Utc};
use common::{on_both_databases, TestDb};
use reqwest::StatusCode;
use serde_json::{json, Value};

const BASILICA: (f64, f64) = (41.1306, 16.8697);

/// `metres` north of the Basilica.
fn north_of_basilica(metres: f64) -> (f64, f64) {
    (BASILICA.0 + metres / 111_195.0, BASILICA.1)
}

async fn dashboard_login(b: &reqwest::Client, base: &str, email: &str, password: &str) {
    let form = b.get(format!("{base}/dashboard/login")).send().await.expect("form").text().await.expect("body");
    let res = b
        .post(format!("{base}/dashboard/login"))
        .form(&[("email", email), ("password", password), ("csrf", &csrf_of(&form))])
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

async fn inspector_login(http: &reqwest::Client, base: &str, email: &str, password: &str) -> reqwest::Response {
    http.post(format!("{base}/api/v1/inspector/session")).json(&json!({"email": email, "password": password})).send().await.expect("login")
}

async fn inspector_sync(http: &reqwest::Client, base: &str, token: &str, inspections: Vec<InspectionPayload>) -> InspectorSyncResponse {
    let res = http
        .post(format!("{base}/api/v1/inspector/sync"))
        .bearer_auth(token)
        .json(&InspectorSyncRequest { inspections })
        .send()
        .await
        .expect("sync");
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.expect("sync body")
}

fn visit(report: ReportId, outcome: InspectionOutcome, at: (f64, f64), photo: Option<String>, note: Option<&str>) -> InspectionPayload {
    let now = Utc::now();
    InspectionPayload {
        id: uuid::Uuid::now_v7(),
        report_id: report,
        outcome,
        lat: at.0,
        lon: at.1,
        accuracy_m: 8.0,
        fix_at: now - Duration::minutes(1),
        photo_taken_at: photo.as_ref().map(|_| now - Duration::minutes(2)),
        photo,
        note: note.map(str::to_owned),
        inspected_at: now,
    }
}

fn report_at(lat: f64, lon: f64, description: &str) -> ReportPayload {
    ReportPayload {
        id: ReportId::new(),
        category: "road_damage".into(),
        description: description.into(),
        lat,
        lon,
        accuracy_m: 6.0,
        captured_at: Utc::now(),
        photos: vec![],
    }
}

async fn a_confirmation_30_m_away_with_a_fresh_photo_is_accepted_and_one_400_m_away_is_refused_with_the_reason(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let base = server.url.clone();
    let (moderator, password) = common::add_staff(&server, "mod@comune.bari.it", "moderator", &["072006"]).await;
    let (inspector, _) = common::add_staff(&server, "ispettore@comune.bari.it", "inspector", &["072006"]).await;
    let (monopoli_inspector, _) = common::add_staff(&server, "ispettore@comune.monopoli.ba.it", "inspector", &["072030"]).await;
    let http = reqwest::Client::new();

    // A citizen files two reports near the Basilica; the moderator publishes them.
    let device = DeviceId::new();
    let citizen = casa_e2e::phone_client(&base, device);
    let pothole = report_at(BASILICA.0, BASILICA.1, "Buca profonda davanti alla Basilica di San Nicola");
    let lamp = report_at(41.1290, 16.8700, "Lampione spento in largo Abate Elia");
    let sync = |cursor, items| SyncRequest { protocol: PROTOCOL_VERSION, device_id: device, cursor, items, nearby: None, petitions: None };
    let first =
        citizen.sync(&sync(None, vec![PushItem::Report(pothole.clone()), PushItem::Report(lamp.clone())])).await.expect("citizen sync");
    for id in [pothole.id, lamp.id] {
        let res = http
            .post(format!("{base}/api/v1/admin/reports/{id}/status"))
            .basic_auth(&moderator, Some(&password))
            .json(&json!({"status": "published"}))
            .send()
            .await
            .expect("publish");
        assert_eq!(res.status(), StatusCode::OK);
    }

    // Only a visit confirms: the moderator cannot set the status by hand.
    let res = http
        .post(format!("{base}/api/v1/admin/reports/{}/status", pothole.id))
        .basic_auth(&moderator, Some(&password))
        .json(&json!({"status": "confirmed_by_inspector"}))
        .send()
        .await
        .expect("confirm by hand");
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.expect("body")["code"], "inspection_required");

    // The moderator asks Bari's inspector for a visit, in the dashboard.
    let b = browser();
    dashboard_login(&b, &base, &moderator, &password).await;
    let page = b.get(format!("{base}/dashboard/reports/{}", pothole.id)).send().await.expect("page").text().await.expect("body");
    assert!(page.contains("Richiedi sopralluogo") && page.contains(&inspector), "{page}");
    assert!(!page.contains(&monopoli_inspector), "only the Comune's inspectors are offered");
    let csrf = csrf_of(&page);
    let res = b
        .post(format!("{base}/dashboard/reports/{}/inspector", pothole.id))
        .form(&[("csrf", csrf.as_str()), ("inspector", monopoli_inspector.as_str()), ("instructions", "")])
        .send()
        .await
        .expect("wrong inspector");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "another Comune's inspector is refused");
    for id in [pothole.id, lamp.id] {
        let res = b
            .post(format!("{base}/dashboard/reports/{id}/inspector"))
            .form(&[("csrf", csrf.as_str()), ("inspector", inspector.as_str()), ("instructions", "Verificare la profondità")])
            .send()
            .await
            .expect("assign");
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    let page = b.get(format!("{base}/dashboard/reports/{}", pothole.id)).send().await.expect("page").text().await.expect("body");
    assert!(page.contains("Richiesto a") && page.contains("in attesa della visita"), "{page}");

    // The inspector's app: a wrong password, a moderator's account, then the right login.
    assert_eq!(inspector_login(&http, &base, &inspector, "sbagliata sbagliata").await.status(), StatusCode::UNAUTHORIZED);
    let res = inspector_login(&http, &base, &moderator, &password).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(res.json::<Value>().await.expect("body")["code"], "not_an_inspector");
    let res = inspector_login(&http, &base, &inspector, &password).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let session: InspectorSession = res.json().await.expect("session");
    let res = http.post(format!("{base}/api/v1/inspector/sync")).json(&json!({"inspections": []})).send().await.expect("no token");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = http.post(format!("{base}/api/v1/inspector/sync")).bearer_auth("forged").json(&json!({})).send().await.expect("forged token");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    let first_sync = inspector_sync(&http, &base, &session.token, vec![]).await;
    let assigned: Vec<_> = first_sync.assignments.iter().map(|a| a.report_id).collect();
    assert_eq!(assigned, [pothole.id, lamp.id]);
    assert_eq!(first_sync.assignments[0].instructions.as_deref(), Some("Verificare la profondità"));
    assert_eq!(first_sync.assignments[0].comune_name, "Bari");

    // On site: the photo is uploaded first (as the app does), then the visits.
    let photo = server.state.photos().save(&casa_e2e::detailed_jpeg(320, 240)).await.expect("photo").as_str().to_owned();
    let far = visit(pothole.id, InspectionOutcome::Confirmed, north_of_basilica(400.0), Some(photo.clone()), None);
    let near =
        visit(pothole.id, InspectionOutcome::Confirmed, north_of_basilica(30.0), Some(photo.clone()), Some("Buca confermata, 20 cm"));
    let no_photo = visit(lamp.id, InspectionOutcome::Confirmed, (41.1290, 16.8700), None, None);
    let gone = visit(lamp.id, InspectionOutcome::NotFound, (41.1291, 16.8700), None, Some("Lampione già acceso"));
    let answer = inspector_sync(&http, &base, &session.token, vec![far.clone(), no_photo.clone()]).await;
    match &answer.results[0].verdict {
        InspectionVerdict::Rejected { code, message } => {
            assert_eq!(code, "too_far");
            assert!(message.contains("Sei a 400 m") && message.contains("entro 50 m"), "{message}");
        }
        other => panic!("400 m away must be refused: {other:?}"),
    }
    assert!(matches!(&answer.results[1].verdict, InspectionVerdict::Rejected { code, .. } if code == "photo_required"));
    assert_eq!(server.state.store().report(&pothole.id).await.expect("report").expect("found").status, ReportStatus::Published);

    let answer = inspector_sync(&http, &base, &session.token, vec![near.clone(), gone.clone()]).await;
    assert!(answer.results.iter().all(|r| r.verdict == InspectionVerdict::Accepted), "{:?}", answer.results);
    assert!(answer.assignments.is_empty(), "visited reports leave the list");
    let kept = server.state.store().report(&pothole.id).await.expect("report").expect("found");
    assert_eq!(kept.status, ReportStatus::ConfirmedByInspector);
    let lamp_now = server.state.store().report(&lamp.id).await.expect("report").expect("found");
    assert_eq!(lamp_now.status, ReportStatus::Published, "'not found' leaves the decision to the moderator");

    // A re-send changes nothing; the history holds one confirmation with its note and photo.
    let again = inspector_sync(&http, &base, &session.token, vec![near.clone()]).await;
    assert_eq!(again.results[0].verdict, InspectionVerdict::Accepted);
    let history = server.state.store().status_history(&pothole.id).await.expect("history");
    let confirmations: Vec<_> = history.iter().filter(|e| e.status == ReportStatus::ConfirmedByInspector).collect();
    assert_eq!(confirmations.len(), 1);
    assert_eq!(confirmations[0].note.as_deref(), Some("Buca confermata, 20 cm"));
    assert_eq!(confirmations[0].photo.as_deref(), Some(photo.as_str()));
    assert_eq!(confirmations[0].actor, format!("staff:{inspector}"));
    let visits = server.state.store().inspections(&pothole.id).await.expect("visits");
    assert_eq!(visits.len(), 1);
    assert!((visits[0].distance_m - 30.0).abs() < 1.0, "{}", visits[0].distance_m);

    // The citizen's phone learns the confirmation, with the inspector's note.
    let next = citizen.sync(&sync(Some(first.cursor), vec![])).await.expect("citizen sync");
    let change = next.changes.iter().find(|c| c.status == ReportStatus::ConfirmedByInspector).expect("confirmation reaches the phone");
    assert_eq!(change.report_id, pothole.id);
    assert_eq!(change.note.as_deref(), Some("Buca confermata, 20 cm"));

    // The moderator sees both visits on the report pages.
    let page = b.get(format!("{base}/dashboard/reports/{}", pothole.id)).send().await.expect("page").text().await.expect("body");
    assert!(page.contains("Confermata sul posto") && page.contains("A 30 m dal punto segnalato"), "{page}");
    let page = b.get(format!("{base}/dashboard/reports/{}", lamp.id)).send().await.expect("page").text().await.expect("body");
    assert!(page.contains("Non trovata sul posto") && page.contains("Lampione già acceso"), "{page}");

    // Monopoli's inspector cannot report on Bari's reports, nor reuse an id.
    let res = inspector_login(&http, &base, &monopoli_inspector, &password).await;
    let other: InspectorSession = res.json().await.expect("session");
    let stranger = visit(pothole.id, InspectionOutcome::NotFound, BASILICA, None, Some("Niente da vedere"));
    let answer = inspector_sync(&http, &base, &other.token, vec![stranger, near.clone()]).await;
    assert!(matches!(&answer.results[0].verdict, InspectionVerdict::Rejected { code, .. } if code == "not_assigned"));
    assert!(matches!(&answer.results[1].verdict, InspectionVerdict::Rejected { code, .. } if code == "id_conflict"));

    // Every step is in the audit log.
    let audit = server.state.store().audit_log(200).await.expect("audit");
    for action in ["inspector_assigned", "inspection", "inspection_refused"] {
        assert!(audit.iter().any(|e| e.action == action), "{action} audited");
    }
    server.stop().await;
}

on_both_databases!(
    a_confirmation_30_m_away_with_a_fresh_photo_is_accepted_and_one_400_m_away_is_refused_with_the_reason,
    super::a_confirmation_30_m_away_with_a_fresh_photo_is_accepted_and_one_400_m_away_is_refused_with_the_reason
);
