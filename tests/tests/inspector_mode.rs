//! The inspector mode of the app core, through the `casa` command line: the
//! assignments come down for offline use; a visit recorded without network
//! is accepted after the next sync when it was made 30 m away with a fresh
//! photo, and one 400 m away is refused at once, with the reason.

use casa_e2e::web::csrf_of;
use std::path::Path;
use std::process::Output;

use casa_e2e::db::{add_staff, server_with_boundaries, TestDb};
use casa_e2e::{detailed_jpeg, on_both_databases};
use casa_shared_model::{ReportId, ReportStatus};
use serde_json::Value;

/// Nothing listens there: the inspector is out of coverage.
const NO_NETWORK: &str = "http://127.0.0.1:9";
const BASILICA: (f64, f64) = (41.1306, 16.8697);

async fn run(dir: &Path, server: &str, args: &[&str], stdin: Option<&str>) -> Output {
    use tokio::io::AsyncWriteExt;
    let mut child = tokio::process::Command::from(casa_e2e::casa_at(dir, server))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run casa");
    let mut pipe = child.stdin.take().expect("stdin");
    pipe.write_all(stdin.unwrap_or_default().as_bytes()).await.expect("write stdin");
    drop(pipe);
    child.wait_with_output().await.expect("wait casa")
}

async fn casa(dir: &Path, server: &str, args: &[&str]) -> Value {
    let out = run(dir, server, args, None).await;
    assert!(out.status.success(), "casa {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// `LAT,LON,ACCURACY` `metres` north of the Basilica.
fn fix_north(metres: f64, accuracy: f64) -> String {
    format!("{:.7},{:.7},{accuracy}", BASILICA.0 + metres / 111_195.0, BASILICA.1)
}

/// Sends one of the report page's forms, as the moderator's browser would.
async fn dashboard_form(http: &reqwest::Client, base: &str, id: &str, path: &str, fields: &[(&str, &str)]) {
    let page = http.get(format!("{base}/dashboard/reports/{id}")).send().await.expect("page").text().await.expect("body");
    let csrf = csrf_of(&page);
    let mut form = fields.to_vec();
    form.push(("csrf", &csrf));
    let res = http.post(format!("{base}/dashboard/reports/{id}/{path}")).form(&form).send().await.expect("post");
    assert_eq!(res.status(), reqwest::StatusCode::SEE_OTHER, "{path}: {}", res.text().await.unwrap_or_default());
}

async fn an_offline_confirmation_30_m_away_is_accepted_after_sync_and_one_400_m_away_is_refused(db: &TestDb) {
    let server = server_with_boundaries(db).await;
    let url = server.url.clone();
    let (moderator, password) = add_staff(&server, "moderatrice@comune.bari.it", "moderator", &["072006"]).await;
    let (inspector, _) = add_staff(&server, "ispettore@comune.bari.it", "inspector", &["072006"]).await;
    let citizen = tempfile::tempdir().expect("tempdir");
    let field = tempfile::tempdir().expect("tempdir");

    // A citizen files a report at the Basilica di San Nicola.
    let filed = casa(
        citizen.path(),
        &url,
        &[
            "report",
            "new",
            "--lat",
            &BASILICA.0.to_string(),
            "--lon",
            &BASILICA.1.to_string(),
            "--category",
            "road_damage",
            "--description",
            "Buca profonda davanti alla Basilica di San Nicola",
            "--json",
        ],
    )
    .await;
    let id = filed["id"].as_str().expect("id").to_owned();
    assert_eq!(casa(citizen.path(), &url, &["sync", "--json"]).await["accepted"], 1);

    // The moderator publishes it and asks for a visit.
    let http = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let form = http.get(format!("{url}/dashboard/login")).send().await.expect("form").text().await.expect("body");
    let res = http
        .post(format!("{url}/dashboard/login"))
        .form(&[("email", moderator.as_str()), ("password", &password), ("csrf", &csrf_of(&form))])
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), reqwest::StatusCode::SEE_OTHER);
    dashboard_form(&http, &url, &id, "status", &[("action", "publish")]).await;
    dashboard_form(&http, &url, &id, "inspector", &[("inspector", &inspector), ("instructions", "Misurare la buca")]).await;

    // The inspector's phone: a wrong password is refused; the right one logs in.
    let out = run(field.path(), &url, &["inspector", "login", "--email", &inspector], Some("sbagliata sbagliata\n")).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Email o password non corrette"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(field.path(), &url, &["inspector", "login", "--email", &inspector], Some(&format!("{password}\n"))).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let synced = casa(field.path(), &url, &["inspector", "sync", "--json"]).await;
    assert_eq!(synced["assignments"], 1, "{synced}");

    // Out of coverage from here: the assignment is on the phone.
    let list = casa(field.path(), NO_NETWORK, &["inspector", "list", "--json"]).await;
    assert_eq!(list[0]["report_id"], id.as_str());
    assert_eq!(list[0]["instructions"], "Misurare la buca");

    let photos = tempfile::tempdir().expect("tempdir");
    let fresh = photos.path().join("buca.jpg");
    std::fs::write(&fresh, detailed_jpeg(640, 480)).expect("photo");
    let old = photos.path().join("archivio.jpg");
    std::fs::write(&old, detailed_jpeg(640, 480)).expect("photo");
    let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 3600);
    std::fs::File::options().write(true).open(&old).and_then(|f| f.set_modified(two_hours_ago)).expect("age the photo");
    let fresh = fresh.to_str().expect("path");

    // 400 m away: refused on the spot, with the distance and what to do.
    let out = run(field.path(), NO_NETWORK, &["inspector", "confirm", &id, "--at", &fix_north(400.0, 8.0), "--photo", fresh], None).await;
    assert!(!out.status.success());
    let reason = String::from_utf8_lossy(&out.stderr);
    assert!(reason.contains("Sei a 400 m") && reason.contains("entro 50 m") && reason.contains("Avvicinati"), "{reason}");
    // An old photo proves nothing.
    let aged = old.to_str().expect("path");
    let out = run(field.path(), NO_NETWORK, &["inspector", "confirm", &id, "--at", &fix_north(30.0, 8.0), "--photo", aged], None).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ultimi 30 minuti"), "{}", String::from_utf8_lossy(&out.stderr));

    // 30 m away with a fresh photo: recorded offline, and a sync without network keeps it.
    let note = "Buca confermata, profonda 20 cm";
    let visit = casa(
        field.path(),
        NO_NETWORK,
        &["inspector", "confirm", &id, "--at", &fix_north(30.0, 8.0), "--photo", fresh, "--note", note, "--json"],
    )
    .await;
    let distance = visit["distance_m"].as_f64().expect("distance");
    assert!((distance - 30.0).abs() < 1.0, "{visit}");
    let out = run(field.path(), NO_NETWORK, &["inspector", "sync"], None).await;
    assert!(!out.status.success(), "no network, no sync");
    let list = casa(field.path(), NO_NETWORK, &["inspector", "list", "--json"]).await;
    assert_eq!(list[0]["inspections"][0]["pending"], true, "{list}");
    let report_id = ReportId::parse(&id).expect("id");
    assert_eq!(server.state.store().report(&report_id).await.expect("report").expect("found").status, ReportStatus::Published);

    // Back in coverage: the photo goes up, the visit is accepted, the report confirmed.
    let synced = casa(field.path(), &url, &["inspector", "sync", "--json"]).await;
    assert_eq!((synced["accepted"].as_u64(), synced["refused"].as_u64()), (Some(1), Some(0)), "{synced}");
    assert_eq!(synced["photos_uploaded"], 1);
    assert_eq!(synced["assignments"], 0, "a visited report leaves the list");
    let report = server.state.store().report(&report_id).await.expect("report").expect("found");
    assert_eq!(report.status, ReportStatus::ConfirmedByInspector);
    let visits = server.state.store().inspections(&report_id).await.expect("visits");
    let photo = visits[0].photo.clone().expect("photo kept");
    assert!(server.state.photos().contains(&casa_shared_model::report::PhotoRef::parse(&photo).expect("sha")).await);

    // The citizen's phone learns it on its next sync, with the inspector's note.
    assert_eq!(casa(citizen.path(), &url, &["sync", "--json"]).await["outbox"], 0);
    let shown = casa(citizen.path(), &url, &["report", "show", &id, "--json"]).await;
    assert_eq!(shown["report"]["status"], "confirmed_by_inspector", "{shown}");
    let last = shown["timeline"].as_array().and_then(|t| t.last()).cloned().expect("timeline");
    assert_eq!((last["status"].as_str(), last["note"].as_str()), (Some("confirmed_by_inspector"), Some(note)), "{shown}");
    server.stop().await;
}

on_both_databases!(
    an_offline_confirmation_30_m_away_is_accepted_after_sync_and_one_400_m_away_is_refused,
    super::an_offline_confirmation_30_m_away_is_accepted_after_sync_and_one_400_m_away_is_refused
);
