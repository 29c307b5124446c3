//! 500 reports with photos, captured offline, synced through a network that
//! cuts connections mid-request and mid-upload, stalls, and drops answers
//! after the server committed, while the server itself is killed (SIGKILL)
//! and restarted mid-sync. Nothing may be lost and nothing duplicated.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use casa_e2e::db::TestDb;
use casa_e2e::on_both_databases;
use casa_e2e::proxy::{FaultProxy, FaultRates};
use casa_e2e::{bari_boundaries_path, casa_server, ServerProcess};
use casa_mobile::photo::{process, ProcessedPhoto};
use casa_mobile::{Client, LocalStore, SyncOptions};
use casa_shared_model::wire::ReportPayload;
use casa_shared_model::{NewReport, ReportId};
use casa_sync_server::store::ReportFilter;
use chrono::Utc;

const REPORTS: usize = 500;

/// A 160x120 photo of its own: a shared pattern with the index written into
/// its first row, so every sha256 differs.
fn unique_photo(i: usize) -> Vec<u8> {
    static PATTERN: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let (w, h) = (160u16, 120u16);
    let mut pixels = PATTERN.get_or_init(|| (0..usize::from(w) * usize::from(h) * 3).map(|p| (p * 31 % 251) as u8).collect()).clone();
    for (k, byte) in i.to_le_bytes().iter().enumerate() {
        pixels[k * 24..k * 24 + 24].fill(*byte);
    }
    let mut jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpeg, 90).encode(&pixels, w, h, jpeg_encoder::ColorType::Rgb).expect("jpeg");
    jpeg
}

async fn nothing_is_lost_or_duplicated_through_a_faulty_network_and_a_server_crash(db: &TestDb) {
    let data = db.data_dir().to_owned();
    let url = db.url().to_owned();
    let out = casa_server(&data, Some(&url), &["boundaries", "import", bari_boundaries_path().to_str().expect("path")], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // One phone sends 500 photos at once: past the default hourly cap of a device.
    let settings = [
        ("CASA_UPLOADS_PER_DEVICE_PER_HOUR", "1000"),
        // ...and its 500 reports: past the default limits on new reports.
        ("CASA_REPORTS_PER_HOUR_PER_DEVICE", "0"),
        ("CASA_REPORTS_PER_HOUR_PER_IP", "0"),
    ];
    let mut server = ServerProcess::start_with(&data, Some(&url), "127.0.0.1:0", &settings);
    let rates = FaultRates { cut_request: 8, drop_response: 8, cut_response: 5, stall: 5 };
    let proxy = FaultProxy::start(server.addr(), rates, 0x5EED_CA5A).await.expect("proxy");

    let started = Instant::now();
    // Offline: 500 reports, each with its own photo, across the metropolitan area.
    let phone = tempfile::tempdir().expect("tempdir");
    let mut store = LocalStore::open(phone.path()).expect("open");
    let places = [(41.1306, 16.8697), (40.9516, 17.2987), (40.8284, 16.5528), (41.2040, 16.5982), (40.7822, 17.2365)];
    let mut expected = Vec::new();
    // Processing is the slow part of capture in a debug build: one thread per core.
    let photos: Vec<ProcessedPhoto> = std::thread::scope(|scope| {
        let workers = std::thread::available_parallelism().map_or(2, usize::from);
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                scope.spawn(move || {
                    (w..REPORTS).step_by(workers).map(|i| (i, process(&unique_photo(i), 85).expect("photo"))).collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all: Vec<(usize, ProcessedPhoto)> = handles.into_iter().flat_map(|h| h.join().expect("worker")).collect();
        all.sort_by_key(|(i, _)| *i);
        all.into_iter().map(|(_, p)| p).collect()
    });
    for (i, photo) in photos.into_iter().enumerate() {
        store.save_photo(&photo).expect("save photo");
        let (lat, lon) = places[i % places.len()];
        let payload = ReportPayload {
            id: ReportId::new(),
            category: "waste".into(),
            description: format!("Rifiuti abbandonati n. {i}"),
            lat,
            lon,
            accuracy_m: 6.0,
            captured_at: Utc::now(),
            photos: vec![photo.sha256.as_str().to_owned()],
        };
        let report = NewReport::parse(&payload, Utc::now()).expect("valid");
        store.capture(&report).expect("capture");
        expected.push((report.id, photo));
    }

    eprintln!("captured {REPORTS} in {:?}", started.elapsed());
    let done = Arc::new(AtomicUsize::new(0));
    let finished = Arc::new(AtomicBool::new(false));
    let client = Client::new(&proxy.url());
    let opts = SyncOptions {
        // Hundreds of requests fail, but never many in a row: progress resets the count.
        max_attempts: 30,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(100),
        ..SyncOptions::default()
    };
    let (d, f) = (done.clone(), finished.clone());
    let syncing = tokio::spawn(async move {
        let deadline = Instant::now() + Duration::from_secs(240);
        let mut rounds = 0;
        let mut last_error = None;
        while Instant::now() < deadline {
            rounds += 1;
            let result = casa_mobile::sync(&mut store, &client, &opts, |p| {
                d.fetch_max(p.items_done, Ordering::Relaxed);
            })
            .await;
            let ok = result.is_ok();
            if let Err(e) = result {
                last_error = Some(e.to_string());
            }
            if ok && store.outbox_len().expect("outbox") == 0 && store.photos_to_upload().expect("photos").is_empty() {
                break;
            }
        }
        f.store(true, Ordering::Relaxed);
        (store, rounds, last_error)
    });

    // Mid-sync, the server dies without warning and comes back.
    while done.load(Ordering::Relaxed) < 150 && !finished.load(Ordering::Relaxed) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!finished.load(Ordering::Relaxed), "the sync finished before the crash could happen");
    server.kill();
    tokio::time::sleep(Duration::from_millis(300)).await;
    server = ServerProcess::start_with(&data, Some(&url), "127.0.0.1:0", &settings);
    proxy.retarget(server.addr());

    let (store, rounds, last_error) = syncing.await.expect("sync task");
    assert_eq!(store.outbox_len().expect("outbox"), 0, "the outbox is empty (after {rounds} rounds; the last error: {last_error:?})");
    assert!(store.photos_to_upload().expect("photos").is_empty());
    eprintln!("synced in {:?}, {rounds} rounds, {} connections", started.elapsed(), proxy.counts.connections.load(Ordering::Relaxed));
    let counts = &proxy.counts;
    let injected = [&counts.cut_request, &counts.drop_response, &counts.cut_response, &counts.stall].map(|c| c.load(Ordering::Relaxed));
    assert!(injected.iter().all(|&n| n > 0), "every kind of fault happened: {injected:?} over {rounds} sync rounds");

    // The server holds exactly the 500 reports, each photo byte-identical.
    let server_store = casa_sync_server::store::connect(&url).await.expect("store");
    let stored = server_store.search_reports(&ReportFilter { limit: 10_000, ..ReportFilter::default() }).await.expect("reports");
    assert_eq!(stored.len(), REPORTS, "exactly {REPORTS} reports on the server");
    for (id, photo) in &expected {
        let r = stored.iter().find(|r| r.id == *id).unwrap_or_else(|| panic!("report {id} missing"));
        assert_eq!(r.photos, vec![photo.sha256.as_str().to_owned()]);
        let bytes = std::fs::read(data.join("photos").join(photo.sha256.as_str())).expect("photo on the server");
        assert_eq!(bytes, photo.jpeg, "photo of {id} byte-identical");
    }
    assert!(server.terminate(), "the restarted server stops cleanly");
}
on_both_databases!(
    nothing_is_lost_or_duplicated_through_a_faulty_network_and_a_server_crash,
    super::nothing_is_lost_or_duplicated_through_a_faulty_network_and_a_server_crash
);
