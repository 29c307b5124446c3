//! The reference tus client, tus-js-client (npm), against the server's tus
//! endpoint: a large photo's upload, interrupted and resumed, ends
//! byte-identical (the app's photos carry no metadata for the server to
//! strip).

use std::process::Command;

use casa_e2e::workspace_root;
use serde_json::Value;

/// A 2400 x 1800 photo of noise at quality 95: a JPEG of several MB.
fn large_photo() -> Vec<u8> {
    let (w, h) = (2400u16, 1800u16);
    let mut seed = 0x2545_f491u32;
    let pixels: Vec<u8> = (0..usize::from(w) * usize::from(h) * 3)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            (seed >> 24) as u8
        })
        .collect();
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 95).encode(&pixels, w, h, jpeg_encoder::ColorType::Rgb).expect("encode");
    out
}

#[test]
fn tus_js_client_resumes_an_interrupted_upload_of_a_large_photo_to_a_byte_identical_file() {
    let js = workspace_root().join("tests/js");
    assert!(js.join("node_modules/tus-js-client").exists(), "tus-js-client is not installed: run `npm ci` in tests/js (make test does)");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let db = casa_e2e::db::TestDb::sqlite();
    let server = rt.block_on(casa_sync_server::RunningServer::start(db.url(), db.data_dir())).expect("server");
    let photo = large_photo();
    let file = db.data_dir().join("grande.jpg");
    std::fs::write(&file, &photo).expect("write the photo");
    let out = Command::new("node")
        .arg("tus-resume.mjs")
        .arg(&server.url)
        .arg(&file)
        .env("CASA_DEVICE", casa_shared_model::DeviceId::new().to_string())
        // A phone's secret: 32 bytes, base64url (see casa_sync_server::platform::device).
        .env("CASA_DEVICE_KEY", "Y2FzYS1kZWwtY2l0dGFkaW5vLXR1cy1qcy1jbGllbnQ")
        .current_dir(&js)
        .output()
        .expect("run node");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON from the script");
    let size = photo.len() as u64;
    assert!(size > 4 * 1024 * 1024, "a large photo: {size} bytes");
    assert_eq!(report["size"], size);
    let offset = report["offset_after_interrupt"].as_u64().expect("offset");
    assert!(offset >= 2 * 1024 * 1024 && offset < size, "interrupted midway: {offset}");
    assert_eq!(report["stored_bytes"], size);
    assert_eq!(report["stored_sha"], report["sha"], "byte-identical");
    assert_eq!(report["content_type"], "image/jpeg");
    assert_eq!(report["anonymous_status"], 404, "in no report yet, the photo is not public");
    rt.block_on(server.stop());
}
