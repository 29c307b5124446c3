//! The `casa` command line, as a field kit or a script uses it.

use std::path::Path;
use std::process::{Command, Output};

use casa_e2e::casa_bin;
use serde_json::Value;

fn casa(dir: &Path, server: &str, args: &[&str]) -> Output {
    casa_e2e::casa_at(dir, server).args(args).output().expect("run casa")
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn a_report_filed_with_the_server_unreachable_is_sent_by_a_later_sync() {
    let dir = tempfile::tempdir().expect("tempdir");
    let down = "http://127.0.0.1:9";
    let filed = json(&casa(
        dir.path(),
        down,
        &[
            "report",
            "new",
            "--lat",
            "40.8284",
            "--lon",
            "16.5528",
            "--category",
            "road_damage",
            "--description",
            "Buca in piazza Duomo",
            "--accuracy",
            "6",
            "--json",
        ],
    ));
    assert_eq!(filed["outbox"], 1);
    let status = json(&casa(dir.path(), down, &["status", "--json"]));
    assert_eq!((status["outbox"].as_u64(), status["last_sync"].is_null()), (Some(1), true));
    assert_eq!(status["errors"].as_array().map(Vec::len), Some(0));

    let failed = casa(dir.path(), down, &["sync", "--max-attempts", "2", "--retry-base-ms", "10"]);
    assert!(!failed.status.success(), "an unreachable server is a failure");
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(stderr.contains("Sincronizzazione non riuscita: 1 elementi restano sul telefono"), "{stderr}");
    assert!(stderr.contains("Il server non è raggiungibile"), "what to do next: {stderr}");
    assert!(!stderr.contains("Connection refused"), "the developer's detail is not the citizen's: {stderr}");
    let debug =
        casa_e2e::casa_at(dir.path(), down).env("CASA_DEBUG", "1").args(["sync", "--max-attempts", "1"]).output().expect("run casa");
    let stderr = String::from_utf8_lossy(&debug.stderr);
    assert!(stderr.contains("Connection refused"), "the cause is named for developers: {stderr}");
    assert_eq!(stderr.matches("error sending request").count(), 1, "and said once: {stderr}");

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let db = casa_e2e::db::TestDb::sqlite();
    let server = rt.block_on(casa_e2e::db::server_with_boundaries(&db));
    let synced = json(&casa(dir.path(), &server.url, &["sync", "--json", "--near-lat", "40.8284", "--near-lon", "16.5528"]));
    assert_eq!((synced["accepted"].as_u64(), synced["outbox"].as_u64()), (Some(1), Some(0)));
    let status = json(&casa(dir.path(), &server.url, &["status", "--json"]));
    assert_eq!(status["outbox"], 0);
    assert!(status["last_sync"].is_string());
    let reports = json(&casa(dir.path(), &server.url, &["reports", "--json"]));
    assert_eq!(reports[0]["status"], "in_moderation");
    assert_eq!(reports[0]["comune_name"], "Altamura");
    rt.block_on(server.stop());
    // What the sync fetched stays readable with the server gone.
    let comuni = json(&casa(dir.path(), down, &["comuni", "--json"]));
    assert_eq!(comuni.as_array().map(Vec::len), Some(41));
    let nearby = json(&casa(dir.path(), down, &["nearby", "--lat", "40.8284", "--lon", "16.5528", "--json"]));
    assert_eq!(nearby["fetched"]["radius_m"], 1000.0);
    assert_eq!(nearby["reports"].as_array().map(Vec::len), Some(0), "the report is still in moderation, not public");
}

#[test]
fn invalid_input_is_refused_with_a_reason_and_a_failing_exit_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = casa(
        dir.path(),
        "http://127.0.0.1:9",
        &["report", "new", "--lat", "123", "--lon", "16.8", "--category", "waste", "--description", "x"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Errore: La posizione non è valida"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = casa(
        dir.path(),
        "http://127.0.0.1:9",
        &["report", "new", "--lat", "41.1", "--lon", "16.8", "--category", "waste", "--description", "   "],
    );
    assert!(!out.status.success());
    let status = json(&casa(dir.path(), "http://127.0.0.1:9", &["status", "--json"]));
    assert_eq!(status["outbox"], 0, "nothing invalid was queued");

    let out = casa(dir.path(), "http://127.0.0.1:9", &["report", "reopen", "not-an-id", "--reason", "ancora rotto"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Identificativo non valido: «not-an-id»"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let unknown = casa_shared_model::ReportId::new().to_string();
    let out = casa(dir.path(), "http://127.0.0.1:9", &["report", "reopen", &unknown, "--reason", "ancora rotto"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Questa segnalazione non è sul telefono"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Without a command the app opens; without a display that is a plain error, not a crash.
    let out = Command::new(casa_bin())
        .arg("--data-dir")
        .arg(dir.path())
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("run casa");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Nessuno schermo disponibile") && !stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_photo_is_processed_on_the_device_and_kept_under_its_sha256_without_metadata() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut plain = Vec::new();
    jpeg_encoder::Encoder::new(&mut plain, 90)
        .encode(&vec![90u8; 3000 * 2000 * 3], 3000, 2000, jpeg_encoder::ColorType::Rgb)
        .expect("jpeg");
    // An EXIF segment after SOI, as phones write one.
    let exif = b"Exif\0\0GPSLatitude 41.1306 GPSLongitude 16.8697 SerialNumber SN-42";
    let mut photo = plain[..2].to_vec();
    photo.extend_from_slice(&[0xFF, 0xE1]);
    photo.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    photo.extend_from_slice(exif);
    photo.extend_from_slice(&plain[2..]);
    let path = dir.path().join("IMG_0001.jpg");
    std::fs::write(&path, &photo).expect("write");

    let data = dir.path().join("phone");
    let down = "http://127.0.0.1:9";
    let out = json(&casa(
        &data,
        down,
        &[
            "report",
            "new",
            "--lat",
            "41.1306",
            "--lon",
            "16.8697",
            "--category",
            "waste",
            "--description",
            "Sacchi abbandonati",
            "--photo",
            path.to_str().expect("path"),
            "--json",
        ],
    ));
    let sha = out["photos"][0]["sha256"].as_str().expect("sha").to_owned();
    assert_eq!((out["photos"][0]["width"].as_u64(), out["photos"][0]["height"].as_u64()), (Some(2048), Some(1365)));
    let kept = std::fs::read(data.join("photos").join(format!("{sha}.jpg"))).expect("kept on the device");
    assert!(!kept.windows(4).any(|w| w == b"Exif") && !kept.windows(5).any(|w| w == b"SN-42"), "no metadata");
    let reports = json(&casa(&data, down, &["reports", "--json"]));
    assert_eq!(reports[0]["photos"][0], sha.as_str(), "the report names its photo by sha256");

    let bad = dir.path().join("notes.txt");
    std::fs::write(&bad, "not a photo").expect("write");
    let out = casa(
        &data,
        down,
        &[
            "report",
            "new",
            "--lat",
            "41.13",
            "--lon",
            "16.87",
            "--category",
            "waste",
            "--description",
            "x",
            "--photo",
            bad.to_str().expect("path"),
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("JPEG o PNG"));
}
