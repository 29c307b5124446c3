//! The staff dashboard beyond moderation: a department's operators working
//! on their reports (with a note and a photo the citizen gets), the
//! statistics of a Comune, and the queue's live updates (server-sent events).

mod common;

use std::time::Duration;

use casa_e2e::web::{self, browser, csrf_of, location, page};
use casa_shared_model::wire::v1::{SyncRequest, PROTOCOL_VERSION};
use casa_shared_model::wire::{PushItem, ReportPayload};
use casa_shared_model::{DeviceId, ReportId, ReportStatus};
use chrono::Utc;
use common::{on_both_databases, TestDb};
use reqwest::StatusCode;

async fn log_in(b: &reqwest::Client, base: &str, email: &str, password: &str) {
    let res = web::log_in(b, base, email, password).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{email} logs in");
}

fn report_at(lat: f64, lon: f64, category: &str, description: &str) -> ReportPayload {
    ReportPayload {
        id: ReportId::new(),
        category: category.into(),
        description: description.into(),
        lat,
        lon,
        accuracy_m: 6.0,
        captured_at: Utc::now(),
        photos: vec![],
    }
}

const BASILICA: (f64, f64) = (41.1306, 16.8697);
const MONOPOLI_CATHEDRAL: (f64, f64) = (40.9522, 17.3037);

/// A `multipart/form-data` body as a browser sends the work form.
fn multipart(fields: &[(&str, &str)], photo: Option<&[u8]>) -> (String, Vec<u8>) {
    let boundary = "----casa-test-boundary-7d3f";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
    }
    if let Some(bytes) = photo {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"buca.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn work(b: &reqwest::Client, base: &str, id: ReportId, fields: &[(&str, &str)], photo: Option<&[u8]>) -> reqwest::Response {
    let (_, html) = page(b, format!("{base}/dashboard/reports/{id}")).await;
    let csrf = csrf_of(&html);
    let mut all = fields.to_vec();
    all.push(("csrf", &csrf));
    let (content_type, body) = multipart(&all, photo);
    b.post(format!("{base}/dashboard/reports/{id}/work")).header("content-type", content_type).body(body).send().await.expect("work form")
}

async fn an_operator_works_a_report_to_resolved_with_a_note_and_photo_the_citizen_gets_and_the_statistics_count(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let base = server.url.clone();
    let (moderator, password) = common::add_staff(&server, "mod@comune.bari.it", "moderator", &["072006"]).await;
    let (operator, _) = common::add_operator(&server, "lavori@comune.bari.it", &["072006"], "lavori_pubblici").await;
    let (green, _) = common::add_operator(&server, "ambiente@comune.bari.it", &["072006"], "ambiente").await;
    let (monopoli, _) = common::add_operator(&server, "lavori@comune.monopoli.ba.it", &["072030"], "lavori_pubblici").await;

    let device = DeviceId::new();
    let report = report_at(BASILICA.0, BASILICA.1, "road_damage", "Buca profonda davanti alla Basilica di San Nicola");
    let client = casa_e2e::phone_client(&base, device);
    let sync = |cursor| SyncRequest { protocol: PROTOCOL_VERSION, device_id: device, cursor, items: vec![], nearby: None, petitions: None };
    client.sync(&SyncRequest { items: vec![PushItem::Report(report.clone())], ..sync(None) }).await.expect("citizen sync");

    let ops = browser();
    log_in(&ops, &base, &operator, &password).await;
    // Waiting for moderation, the report is not the office's yet.
    let (status, _) = page(&ops, format!("{base}/dashboard/reports/{}", report.id)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "an operator does not see what is still in moderation");
    assert_eq!(page(&ops, format!("{base}/dashboard/comuni/072006/queue")).await.0, StatusCode::FORBIDDEN);

    let moderation = browser();
    log_in(&moderation, &base, &moderator, &password).await;
    let (_, html) = page(&moderation, format!("{base}/dashboard/reports/{}", report.id)).await;
    let res = moderation
        .post(format!("{base}/dashboard/reports/{}/status", report.id))
        .form(&[("action", "publish"), ("csrf", &csrf_of(&html))])
        .send()
        .await
        .expect("publish");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // The operator lands on the department view, which lists the report.
    let res = ops.get(format!("{base}/dashboard")).send().await.expect("home");
    assert_eq!(location(&res), "/dashboard/comuni/072006/ufficio");
    let (status, office) = page(&ops, format!("{base}/dashboard/comuni/072006/ufficio")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(office.contains("Lavori pubblici") && office.contains(&format!("/dashboard/reports/{}", report.id)), "{office}");
    assert_eq!(page(&ops, format!("{base}/dashboard/comuni/072006/ufficio?department=ambiente")).await.0, StatusCode::FORBIDDEN);
    assert_eq!(page(&ops, format!("{base}/dashboard/comuni/072006/ufficio?status=bogus")).await.0, StatusCode::BAD_REQUEST);
    let (_, detail) = page(&ops, format!("{base}/dashboard/reports/{}", report.id)).await;
    assert!(detail.contains("Metti in lavorazione") && detail.contains("Segna come risolta"), "{detail}");

    // Another office and another Comune's office cannot touch it.
    for (email, label) in [(&green, "ambiente"), (&monopoli, "Monopoli")] {
        let other = browser();
        log_in(&other, &base, email, &password).await;
        assert_eq!(page(&other, format!("{base}/dashboard/reports/{}", report.id)).await.0, StatusCode::FORBIDDEN, "{label}");
        let home = location(&other.get(format!("{base}/dashboard")).send().await.expect("home"));
        assert!(home.ends_with("/ufficio"), "{label}: {home}");
        let (status, own) = page(&other, format!("{base}{home}")).await;
        assert_eq!(status, StatusCode::OK, "{label}");
        assert!(!own.contains(&report.id.to_string()), "{label}: not in their office's list");
    }

    // Resolved needs a note; a photo that is no image is refused; then the work goes ahead.
    let res = work(&ops, &base, report.id, &[("action", "resolved"), ("note", " ")], None).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.expect("body").contains("Scrivi cosa è stato fatto"));
    let res = work(&ops, &base, report.id, &[("action", "in_progress"), ("note", "Squadra inviata")], Some(b"not a photo")).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "garbage as a photo");
    let res = work(&ops, &base, report.id, &[("action", "in_progress"), ("note", "Squadra inviata")], None).await;
    assert_eq!((res.status(), location(&res)), (StatusCode::SEE_OTHER, format!("/dashboard/reports/{}?fatto=in_progress", report.id)));
    let photo = casa_e2e::detailed_jpeg(2400, 1800);
    let res = work(&ops, &base, report.id, &[("action", "resolved"), ("note", "Buca chiusa con asfalto a freddo")], Some(&photo)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = work(&ops, &base, report.id, &[("action", "resolved"), ("note", "ancora")], None).await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "resolved twice is refused");

    let stored = server.state.store().report(&report.id).await.expect("read").expect("report");
    assert_eq!(stored.status, ReportStatus::Resolved);
    let history = server.state.store().status_history(&report.id).await.expect("history");
    let resolved = history.iter().find(|e| e.status == ReportStatus::Resolved).expect("resolved event");
    assert_eq!(
        (resolved.actor.as_str(), resolved.note.as_deref()),
        ("staff:lavori@comune.bari.it", Some("Buca chiusa con asfalto a freddo"))
    );
    let sha = resolved.photo.clone().expect("the photo is on the event");
    let served = reqwest::get(format!("{base}/api/v1/photos/{sha}")).await.expect("photo").bytes().await.expect("bytes");
    let img = image::load_from_memory(&served).expect("a JPEG");
    assert_eq!((img.width(), img.height()), (2048, 1536), "scaled to at most 2048 px");
    assert!(history
        .iter()
        .any(|e| matches!(&e.status, ReportStatus::AssignedToDepartment { department } if department == "lavori_pubblici")));

    // The moderator's report page shows the history with the note and photo.
    let (_, detail) = page(&moderation, format!("{base}/dashboard/reports/{}", report.id)).await;
    assert!(detail.contains("Cronologia") && detail.contains("Buca chiusa con asfalto a freddo") && detail.contains(&sha), "{detail}");

    // The citizen's phone gets every step, with the office's notes.
    let changes = client.sync(&sync(None)).await.expect("citizen sync").changes;
    let steps: Vec<(&str, Option<&str>)> = changes.iter().map(|c| (c.status.code(), c.note.as_deref())).collect();
    assert_eq!(
        steps,
        [
            ("in_moderation", None),
            ("published", None),
            ("assigned_to_department", None),
            ("in_progress", Some("Squadra inviata")),
            ("resolved", Some("Buca chiusa con asfalto a freddo")),
        ]
    );
    let audit = server.state.store().audit_log(100).await.expect("audit");
    assert!(audit.iter().any(|e| e.action == "status_change" && e.actor == "staff:lavori@comune.bari.it"));

    // Statistics: one report, answered and resolved, in road damage.
    let other = report_at(BASILICA.0 + 0.001, BASILICA.1, "waste", "Rifiuti abbandonati in piazza");
    client.sync(&SyncRequest { items: vec![PushItem::Report(other)], ..sync(None) }).await.expect("second report");
    let (status, stats) = page(&moderation, format!("{base}/dashboard/comuni/072006/statistiche?periodo=all")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(stats.contains(r#"id="stat-total">2<"#), "{stats}");
    assert!(stats.contains("Buche e strade dissestate") && stats.contains("Rifiuti e sporcizia"));
    assert!(stats.contains("su 1"), "one report answered and resolved: {stats}");
    assert_eq!(page(&moderation, format!("{base}/dashboard/comuni/072006/statistiche?periodo=7")).await.0, StatusCode::BAD_REQUEST);
    let (status, own) = page(&ops, format!("{base}/dashboard/comuni/072006/statistiche")).await;
    assert_eq!(status, StatusCode::OK, "operators see their Comune's statistics");
    assert!(own.contains(r#"id="stat-total">2<"#));
    let other_comune = browser();
    log_in(&other_comune, &base, &monopoli, &password).await;
    assert_eq!(page(&other_comune, format!("{base}/dashboard/comuni/072006/statistiche")).await.0, StatusCode::FORBIDDEN);
    server.stop().await;
}
on_both_databases!(
    an_operator_works_a_report_to_resolved_with_a_note_and_photo_the_citizen_gets_and_the_statistics_count,
    super::an_operator_works_a_report_to_resolved_with_a_note_and_photo_the_citizen_gets_and_the_statistics_count
);

/// Reads server-sent events until one named `arrivals`, and returns its data.
async fn next_arrivals(res: &mut reqwest::Response, buf: &mut String) -> String {
    let read = async {
        loop {
            while let Some(end) = buf.find("\n\n") {
                let event: String = buf.drain(..end + 2).collect();
                if event.lines().any(|l| l == "event: arrivals") {
                    return event.lines().find_map(|l| l.strip_prefix("data: ")).unwrap_or_default().to_owned();
                }
            }
            let chunk = res.chunk().await.expect("stream").expect("the stream goes on");
            buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    };
    tokio::time::timeout(Duration::from_secs(15), read).await.expect("an arrivals event in time")
}

async fn the_queue_hears_of_each_new_report_of_its_comune_as_it_arrives_and_no_other(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let base = server.url.clone();
    let (moderator, password) = common::add_staff(&server, "mod@comune.bari.it", "moderator", &["072006"]).await;
    let (monopoli, _) = common::add_staff(&server, "mod@comune.monopoli.ba.it", "moderator", &["072030"]).await;
    let b = browser();
    log_in(&b, &base, &moderator, &password).await;
    let (_, queue) = page(&b, format!("{base}/dashboard/comuni/072006/queue")).await;
    let start = queue.find(r#"data-src=""#).expect("the live banner") + 10;
    let src = queue[start..].split('"').next().expect("src").replace("&amp;", "&");
    assert!(queue.contains("/dashboard/app.js"));

    let mut res = b.get(format!("{base}{src}")).send().await.expect("events");
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap_or_default().starts_with("text/event-stream"));
    let mut buf = String::new();
    assert_eq!(next_arrivals(&mut res, &mut buf).await, "0", "nothing new at first");

    let phone = DeviceId::new();
    let client = casa_e2e::phone_client(&base, phone);
    let push = |r: ReportPayload| SyncRequest {
        protocol: PROTOCOL_VERSION,
        device_id: phone,
        cursor: None,
        items: vec![PushItem::Report(r)],
        nearby: None,
        petitions: None,
    };
    client.sync(&push(report_at(MONOPOLI_CATHEDRAL.0, MONOPOLI_CATHEDRAL.1, "waste", "Rifiuti sul sagrato"))).await.expect("monopoli");
    client.sync(&push(report_at(BASILICA.0, BASILICA.1, "road_damage", "Buca davanti alla Basilica"))).await.expect("bari");
    assert_eq!(next_arrivals(&mut res, &mut buf).await, "1", "Bari's report, not Monopoli's");
    client.sync(&push(report_at(BASILICA.0, BASILICA.1 + 0.001, "waste", "Cassonetto rotto"))).await.expect("bari again");
    assert_eq!(next_arrivals(&mut res, &mut buf).await, "2");

    // A report written by another server process (only the database knows)
    // is found by the poll.
    let device = DeviceId::new();
    let routed = casa_sync_server::store::RoutedReport {
        report: casa_shared_model::NewReport::parse(&report_at(BASILICA.0, BASILICA.1, "other", "Panchina rotta"), Utc::now())
            .expect("valid"),
        device_id: Some(device),
        source: casa_sync_server::store::ReportSource::App,
        api_key_id: None,
        comune: casa_shared_model::IstatCode::parse("072006").expect("code"),
        department: "urp".into(),
        routing_method: "inside",
        routing_distance_m: None,
        address: None,
        media_url: None,
        received_at: Utc::now(),
    };
    server.state.store().ingest(&[routed]).await.expect("ingest behind the server's back");
    assert_eq!(next_arrivals(&mut res, &mut buf).await, "3");

    // Only Bari's moderators may listen; without a session, the login page.
    let other = browser();
    log_in(&other, &base, &monopoli, &password).await;
    assert_eq!(other.get(format!("{base}{src}")).send().await.expect("get").status(), StatusCode::FORBIDDEN);
    assert_eq!(browser().get(format!("{base}{src}")).send().await.expect("get").status(), StatusCode::SEE_OTHER);
    assert_eq!(b.get(format!("{base}/dashboard/comuni/072006/live?since=x")).send().await.expect("get").status(), StatusCode::BAD_REQUEST);

    // An open stream does not hold the server up when it stops: it ends
    // well before the 30 s grace period a stuck request would be given (the
    // margin is for a machine busy with the whole test suite).
    tokio::time::timeout(Duration::from_secs(25), server.stop()).await.expect("the server stops with a live stream open");
    drop(res);
}
on_both_databases!(
    the_queue_hears_of_each_new_report_of_its_comune_as_it_arrives_and_no_other,
    super::the_queue_hears_of_each_new_report_of_its_comune_as_it_arrives_and_no_other
);
