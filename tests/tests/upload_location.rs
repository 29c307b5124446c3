//! Where an upload lives: the `Location` a phone resumes a photo at must
//! still work after the server restarts on another port or sits behind a
//! proxy, so without a configured public URL it is relative.

use std::time::Duration;

use casa_e2e::db::TestDb;
use casa_e2e::{on_both_databases, ServerProcess};
use casa_mobile::photo::process;
use casa_mobile::{Client, LocalStore, SyncOptions};
use casa_shared_model::wire::ReportPayload;
use casa_shared_model::{DeviceId, NewReport, ReportId};
use chrono::Utc;

fn quick() -> SyncOptions {
    SyncOptions { max_attempts: 2, base_delay: Duration::from_millis(10), max_delay: Duration::from_millis(50), ..SyncOptions::default() }
}

/// The `Location` the server answers to a new upload.
async fn location_of_new_upload(base: &str) -> String {
    let device = DeviceId::new();
    let res = reqwest::Client::new()
        .post(format!("{base}/api/v1/uploads/"))
        .headers(casa_e2e::device_headers(device))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", "10")
        // The sha256 metadata: 64 times "e", base64-encoded.
        .header("Upload-Metadata", "sha256 ZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZQ==")
        .send()
        .await
        .expect("create");
    assert_eq!(res.status(), reqwest::StatusCode::CREATED);
    res.headers()["location"].to_str().expect("location").to_owned()
}

async fn without_a_public_url_the_upload_location_is_relative_and_a_stale_one_does_not_hold_a_photo_back(db: &TestDb) {
    let data = db.data_dir().to_owned();
    let url = db.url().to_owned();
    // No boundaries imported: the seeded Comuni's approximate routing is
    // enough for one report in central Bari.
    let server = ServerProcess::start(&data, Some(&url));
    let location = location_of_new_upload(&server.url).await;
    assert!(location.starts_with("/api/v1/uploads/"), "relative, not tied to this process's port: {location}");
    drop(server);
    let configured = ServerProcess::start_with(&data, Some(&url), "127.0.0.1:0", &[("CASA_PUBLIC_URL", "https://casa.example")]);
    let location = location_of_new_upload(&configured.url).await;
    assert!(location.starts_with("https://casa.example/api/v1/uploads/"), "from the configured public URL: {location}");
    drop(configured);

    // A phone holds an upload address that no longer answers (an older
    // server's own port): one sync fails on it, the next starts afresh.
    let server = ServerProcess::start(&data, Some(&url));
    let phone = tempfile::tempdir().expect("tempdir");
    let mut store = LocalStore::open(phone.path()).expect("open");
    let photo = process(&casa_e2e::detailed_jpeg(320, 240), 85).expect("photo");
    store.save_photo(&photo).expect("save photo");
    let payload = ReportPayload {
        id: ReportId::new(),
        category: "waste".into(),
        description: "Sacchi abbandonati in via Sparano".into(),
        lat: 41.1234,
        lon: 16.8700,
        accuracy_m: 6.0,
        captured_at: Utc::now(),
        photos: vec![photo.sha256.as_str().to_owned()],
    };
    store.capture(&NewReport::parse(&payload, Utc::now()).expect("valid")).expect("capture");
    store.set_upload_url(&photo.sha256, Some("http://127.0.0.1:9/api/v1/uploads/0193a6f0-0000-7000-8000-000000000000")).expect("url");
    let client = Client::new(&server.url);
    // One attempt only, to see the first one fail on it.
    let once = SyncOptions { max_attempts: 1, ..quick() };
    let first = casa_mobile::sync(&mut store, &client, &once, |_| {}).await;
    assert!(first.is_err(), "the stale address cannot be reached");
    assert_eq!(store.photos_to_upload().expect("photos"), vec![(photo.sha256.clone(), None)], "and is forgotten");
    let summary = casa_mobile::sync(&mut store, &client, &once, |_| {}).await.expect("the next sync");
    assert_eq!((summary.accepted, summary.photos_uploaded), (1, 1));
    assert_eq!(store.outbox_len().expect("outbox"), 0);
}
on_both_databases!(
    without_a_public_url_the_upload_location_is_relative_and_a_stale_one_does_not_hold_a_photo_back,
    super::without_a_public_url_the_upload_location_is_relative_and_a_stale_one_does_not_hold_a_photo_back
);
