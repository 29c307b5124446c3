//! The staff dashboard in a real browser: Debian's Chromium, headless, driven
//! by Playwright from `tests/js/dashboard.mjs`, with axe-core checking the
//! pages. Screenshots go to `target/screenshots/dashboard-<database>/`.

use casa_e2e::db::{add_operator, add_staff, server_with_boundaries, TestDb};
use casa_e2e::web::{assert_axe_clean, assert_no_csp_violations, assert_screenshots};
use casa_e2e::{detailed_jpeg, on_both_databases, workspace_root};
use casa_shared_model::wire::v1::{SyncRequest, PROTOCOL_VERSION};
use casa_shared_model::wire::{PushItem, ReportPayload};
use casa_shared_model::{DeviceId, ReportId, ReportStatus};
use chrono::Utc;
use serde_json::Value;

const CHROMIUM: &str = "/usr/bin/chromium";

async fn a_bari_moderator_blurs_and_publishes_the_basilica_report_in_chromium_and_monopoli_cannot_see_it(db: &TestDb) {
    let js = workspace_root().join("tests/js");
    assert!(
        js.join("node_modules/playwright-core").exists() && js.join("node_modules/axe-core").exists(),
        "playwright-core and axe-core are not installed: run `npm ci` in tests/js (make test does)"
    );
    assert!(std::path::Path::new(CHROMIUM).exists(), "Chromium is not installed: `make test` installs the Debian package");
    let server = server_with_boundaries(db).await;
    let (bari, password) = add_staff(&server, "moderatore@comune.bari.it", "moderator", &["072006"]).await;
    let (monopoli, _) = add_staff(&server, "moderatore@comune.monopoli.ba.it", "moderator", &["072030"]).await;
    let (operator, _) = add_operator(&server, "lavori.pubblici@comune.bari.it", &["072006"], "lavori_pubblici").await;

    // A citizen's report at the Basilica di San Nicola, with a photo.
    let photo = server.state.photos().save(&detailed_jpeg(800, 600)).await.expect("photo");
    let device = DeviceId::new();
    let report = ReportPayload {
        id: ReportId::new(),
        category: "road_damage".into(),
        description: "Buca profonda davanti alla Basilica di San Nicola, un'auto ci è finita dentro".into(),
        lat: 41.1306,
        lon: 16.8697,
        accuracy_m: 6.0,
        captured_at: Utc::now(),
        photos: vec![photo.as_str().to_owned()],
    };
    let request = SyncRequest {
        protocol: PROTOCOL_VERSION,
        device_id: device,
        cursor: None,
        items: vec![PushItem::Report(report.clone())],
        nearby: None,
        petitions: None,
    };
    casa_e2e::phone_client(&server.url, device).sync(&request).await.expect("citizen sync");

    let backend = match db {
        TestDb::Sqlite { .. } => "sqlite",
        TestDb::Postgres { .. } => "postgres",
    };
    let shots = workspace_root().join("target/screenshots").join(format!("dashboard-{backend}"));
    // What arrives while the moderator looks at the queue, and the operator's photo of the work.
    let late = ReportPayload {
        id: ReportId::new(),
        description: "Lampione spento in piazza San Nicola".into(),
        category: "public_lighting".into(),
        photos: vec![],
        ..report.clone()
    };
    let live_sync = SyncRequest { device_id: DeviceId::new(), items: vec![PushItem::Report(late)], ..request.clone() };
    let tmp = tempfile::tempdir().expect("tempdir");
    let work_photo = tmp.path().join("lavoro-finito.jpg");
    std::fs::write(&work_photo, detailed_jpeg(1200, 900)).expect("work photo");
    let out = tokio::process::Command::new("node")
        .arg("dashboard.mjs")
        .current_dir(&js)
        .env("CASA_URL", &server.url)
        .env("CASA_REPORT_ID", report.id.to_string())
        .env("CASA_BARI_EMAIL", &bari)
        .env("CASA_MONOPOLI_EMAIL", &monopoli)
        .env("CASA_OPERATOR_EMAIL", &operator)
        .env("CASA_LIVE_SYNC", serde_json::to_string(&live_sync).expect("json"))
        .env("CASA_LIVE_SYNC_KEY", casa_e2e::device_key(live_sync.device_id))
        .env("CASA_WORK_PHOTO", &work_photo)
        .env("CASA_PASSWORD", &password)
        .env("CASA_SCREENSHOTS", &shots)
        .env("CASA_CHROMIUM", CHROMIUM)
        .output()
        .await
        .expect("run node");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let run: Value = serde_json::from_slice(&out.stdout).expect("JSON from the script");
    assert!(run.get("error").is_none(), "the browser run failed after {}: {}", run["steps"], run["error"]);

    // Bari: the queue lists the report, the photo was blurred in place, published.
    assert!(run["bari_queue_url"].as_str().unwrap_or_default().ends_with("/dashboard/comuni/072006/queue"), "{run}");
    assert_eq!(run["bari_queue_lists_report"], true);
    assert!(run["bari_queue_text"].as_str().unwrap_or_default().contains("Basilica di San Nicola"), "{run}");
    assert_eq!(run["bari_map_pins"], 1, "the queue's map has a pin for it");
    for f in ["left", "top", "width", "height"] {
        let v: f64 = run["region"][f].as_str().unwrap_or_default().parse().unwrap_or(-1.0);
        assert!(v > 0.0 && v < 100.0, "dragging on the photo filled the field {f}: {}", run["region"]);
    }
    let before = run["photo_before"].as_str().unwrap_or_default().to_owned();
    let after = run["photo_after"].as_str().unwrap_or_default().to_owned();
    assert_eq!(before, format!("/dashboard/photos/{}", photo.as_str()));
    assert!(after.starts_with("/dashboard/photos/") && after != before, "a new, blurred copy is shown: {after}");
    assert_eq!(run["original_after_blur"], 404, "the unblurred original is no longer served");
    assert!(run["published_notice"].as_str().unwrap_or_default().contains("Pubblicata"), "{run}");
    let stored = server.state.store().report(&report.id).await.expect("store").expect("report");
    assert_eq!(stored.photos, vec![after.trim_start_matches("/dashboard/photos/").to_owned()]);
    let blurred = std::fs::read(server.state.photos().path(&casa_shared_model::report::PhotoRef::parse(&stored.photos[0]).expect("sha")))
        .expect("the blurred copy is stored");
    assert_ne!(blurred, detailed_jpeg(800, 600));

    // Monopoli: 403 on the report and on Bari's queue; absent from every list and count.
    assert!(run["monopoli_home"].as_str().unwrap_or_default().ends_with("/dashboard/comuni/072030/queue"), "{run}");
    assert_eq!(run["monopoli_report_status"], 403);
    assert_eq!(run["monopoli_photo_status"], 403);
    assert_eq!(run["monopoli_bari_queue_status"], 403);
    let lists = run["monopoli_lists"].as_array().expect("lists");
    assert_eq!(lists.len(), 5);
    for list in lists {
        assert_eq!(list["mentions_report"], false, "{list}");
        assert_eq!(list["count_text"], "Nessuna segnalazione con questi filtri.", "{list}");
    }

    // The live banner: one new report since the page was drawn.
    assert_eq!(run["live_sync_status"], 200);
    assert!(run["live_text"].as_str().unwrap_or_default().contains("È arrivata 1 nuova segnalazione"), "{run}");

    // The operator: their office's list, resolved with a note and a photo.
    assert!(run["operator_home"].as_str().unwrap_or_default().ends_with("/dashboard/comuni/072006/ufficio"), "{run}");
    assert_eq!(run["operator_lists_report"], true);
    assert!(run["resolved_notice"].as_str().unwrap_or_default().contains("Risolta"), "{run}");
    assert_eq!(run["history_photos"], 1, "the history shows the work's photo");
    assert_eq!(run["stats_total"], "2", "{run}");
    let stored = server.state.store().report(&report.id).await.expect("store").expect("report");
    assert_eq!(stored.status, ReportStatus::Resolved);
    let history = server.state.store().status_history(&report.id).await.expect("history");
    let resolved = history.last().expect("events");
    assert_eq!(resolved.note.as_deref(), Some("Buca chiusa con asfalto a freddo, in attesa del rifacimento"));
    assert!(resolved.photo.is_some());

    // axe-core: no serious or critical violation on any page.
    assert_no_csp_violations(&run);
    assert_axe_clean(&run, &["login", "queue", "report", "photo", "queue_live", "office", "report_resolved", "stats"]);
    assert_screenshots(
        &shots,
        &[
            "dashboard-01-accesso.png",
            "dashboard-03-segnalazione.png",
            "dashboard-05-foto-sfocata.png",
            "dashboard-07-monopoli-403.png",
            "dashboard-09-coda-dal-vivo.png",
            "dashboard-10-ufficio.png",
            "dashboard-11-risolta.png",
            "dashboard-12-statistiche.png",
        ],
    );
    server.stop().await;
}

on_both_databases!(
    a_bari_moderator_blurs_and_publishes_the_basilica_report_in_chromium_and_monopoli_cannot_see_it,
    super::a_bari_moderator_blurs_and_publishes_the_basilica_report_in_chromium_and_monopoli_cannot_see_it
);
