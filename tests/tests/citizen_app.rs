//! The real desktop app in a real window (Xvfb), driven through its
//! accessibility tree with real mouse clicks: a new user files a report with
//! a photo while the server is down, the server starts, and the report
//! reaches "in moderation" on screen by itself. Screenshots of each screen
//! go to `target/screenshots/`.

use std::path::Path;
use std::time::Duration;

use casa_e2e::desktop::{Driver, Xvfb};
use casa_e2e::{bari_boundaries_path, casa_bin, casa_server, workspace_root, ServerProcess};

/// A photo-like JPEG (gradients), as a phone camera would leave in its roll.
fn camera_photo(path: &Path) {
    let (w, h) = (1200u16, 900u16);
    let mut rgb = Vec::with_capacity(usize::from(w) * usize::from(h) * 3);
    for y in 0..h {
        for x in 0..w {
            rgb.extend_from_slice(&[(x / 5) as u8, (y / 4) as u8, ((x + y) / 9) as u8]);
        }
    }
    jpeg_encoder::Encoder::new_file(path, 88).expect("create").encode(&rgb, w, h, jpeg_encoder::ColorType::Rgb).expect("encode");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

#[test]
fn a_new_user_files_a_photo_report_offline_and_sees_it_reach_moderation_once_the_server_is_up() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let shots = workspace_root().join("target/screenshots");
    std::fs::create_dir_all(&shots).expect("screenshots dir");
    let pictures = tmp.path().join("Pictures");
    std::fs::create_dir_all(&pictures).expect("pictures");
    camera_photo(&pictures.join("buca-via-sparano.jpg"));
    let port = free_port();
    let server_url = format!("http://127.0.0.1:{port}");
    let phone = tmp.path().join("phone");
    // The Basilica di San Nicola, Bari, with an 8 m GPS fix.
    let app: Vec<String> = vec![
        casa_bin().display().to_string(),
        "--data-dir".into(),
        phone.display().to_string(),
        "--server".into(),
        server_url.clone(),
        "--location".into(),
        "41.1307,16.8700,8".into(),
        "--photos-dir".into(),
        pictures.display().to_string(),
    ];

    let x = Xvfb::start();
    // A first start of the accessibility bus can be slow: one more try.
    let mut ui = Driver::start(&x, tmp.path(), &app, shots.clone())
        .or_else(|e| {
            eprintln!("first start failed ({e}), retrying");
            Driver::start(&x, tmp.path(), &app, shots.clone())
        })
        .expect("the app appears in the accessibility tree");

    // First run: the privacy notice, the Comune chosen from the location.
    ui.wait_for("Privacy", Duration::from_secs(30));
    ui.wait_for("Scelto in base alla tua posizione", Duration::from_secs(5));
    ui.screenshot("01-primo-avvio");
    ui.tap("push button", "Accetto e inizio");

    // The server is down: the app says so and keeps working.
    ui.wait_for("Nuova segnalazione", Duration::from_secs(10));
    ui.wait_for("senza rete", Duration::from_secs(30));
    ui.screenshot("02-nuova-segnalazione");

    ui.tap_containing("push button", "buca-via-sparano.jpg");
    ui.wait_for("(1/5)", Duration::from_secs(30));
    let taps_before = ui.taps;
    ui.tap("entry", "Cosa succede?");
    ui.type_text("Buca profonda davanti alla basilica");
    ui.wait_for("Buca profonda davanti alla basilica", Duration::from_secs(5));
    // The category is suggested from the description: no tap needed.
    ui.wait_for("Suggerita dalla descrizione", Duration::from_secs(5));
    ui.screenshot("03-segnalazione-compilata");
    ui.tap("push button", "Invia segnalazione");
    let taps_after_photo = ui.taps - taps_before;
    assert!(taps_after_photo <= 4, "{taps_after_photo} taps after the photo");
    eprintln!("taps after the photo: {taps_after_photo}");

    ui.wait_for("Cronologia", Duration::from_secs(10));
    ui.wait_for("In attesa di invio", Duration::from_secs(5));
    ui.screenshot("04-salvata-offline");

    // Now the server comes up; the app's own retries deliver the report.
    let server_data = tmp.path().join("server");
    // With the official boundaries, so the nearby map also draws Bari's.
    let boundaries = bari_boundaries_path();
    let out = casa_server(&server_data, None, &["boundaries", "import", boundaries.to_str().expect("path")], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Bari offers petitions and badges too: their tab and link appear once
    // the phone has synced (a Comune that does not offer them shows neither).
    let enable = ["comuni", "services", "072006", "--enable", "petitions", "--enable", "gamification"];
    let out = casa_server(&server_data, None, &enable, None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let _server = ServerProcess::start_on(&server_data, None, &format!("127.0.0.1:{port}"));
    ui.wait_for("In moderazione", Duration::from_secs(90));
    ui.wait_for("Bari", Duration::from_secs(5));
    ui.screenshot("05-in-moderazione");

    let photos: Vec<_> = std::fs::read_dir(server_data.join("photos")).expect("server photos").filter_map(Result::ok).collect();
    assert_eq!(photos.len(), 1, "the photo reached the server once");

    ui.tap("push button", "Le mie");
    ui.wait_for("Le mie segnalazioni", Duration::from_secs(5));
    ui.screenshot("06-le-mie-segnalazioni");
    ui.tap("push button", "Vicino a me");
    ui.wait_for("Mappa delle segnalazioni vicine", Duration::from_secs(5));
    ui.screenshot("07-vicino-a-me");
    ui.tap("push button", "Impostazioni");
    ui.wait_for("Indirizzo del server", Duration::from_secs(5));
    ui.screenshot("08-impostazioni");
    ui.tap("push button", "Stato della sincronizzazione →");
    ui.wait_for("Sincronizza ora", Duration::from_secs(5));
    ui.wait_for("Tutto inviato", Duration::from_secs(30));
    ui.screenshot("09-sincronizzazione");
    // Bari has no petitions yet: the screen says so and asks for the
    // identity code a clerk would give.
    ui.tap("push button", "Petizioni");
    ui.wait_for("Codice di attivazione", Duration::from_secs(5));
    ui.wait_for("Nessuna petizione", Duration::from_secs(5));
    ui.screenshot("10-petizioni");
    ui.tap("push button", "Impostazioni");
    ui.tap("push button", "I miei badge →");
    ui.wait_for("Prossimi traguardi", Duration::from_secs(5));
    ui.screenshot("11-badge");
}
