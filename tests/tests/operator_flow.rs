//! What an operator does on a fresh machine, with the real `casa-server`
//! binary: import the official boundaries, create an API key and a staff
//! account, serve, and stop cleanly.

use casa_e2e::{bari_boundaries_path, casa_server, ServerProcess};
use serde_json::Value;

#[test]
fn an_operator_imports_boundaries_creates_credentials_serves_and_stops_cleanly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let boundaries = bari_boundaries_path();

    let out = casa_server(dir.path(), None, &["boundaries", "import", boundaries.to_str().expect("path")], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("41 Comuni"), "{stdout}");

    let out = casa_server(
        dir.path(),
        None,
        &["api-keys", "create", "--name", "Segnalazioni AQP", "--comune", "072004", "--scope", "file_reports"],
        None,
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let key = stdout.lines().last().expect("key line").trim().to_owned();
    assert!(key.starts_with("casa_") && !key.contains(' '), "the key is alone on the last line: {stdout}");

    let out = casa_server(
        dir.path(),
        None,
        &["users", "add", "--email", "Mod@Comune.Bari.it", "--role", "moderator", "--comune", "072006"],
        Some("una password lunga e sicura\n"),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = casa_server(
        dir.path(),
        None,
        &["users", "add", "--email", "mod@comune.bari.it", "--role", "moderator", "--comune", "072006"],
        Some("una password lunga e sicura\n"),
    );
    assert!(!out.status.success(), "a second account with the same email is refused");
    let out = casa_server(
        dir.path(),
        None,
        &["users", "add", "--email", "x@comune.bari.it", "--role", "moderator", "--comune", "072006"],
        Some("corta\n"),
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("password"), "a short password is refused with a reason");
    let out = casa_server(
        dir.path(),
        None,
        &["users", "add", "--email", "x@comune.bari.it", "--role", "sindaco", "--comune", "072006"],
        Some("una password lunga e sicura\n"),
    );
    assert!(!out.status.success());

    let mut server = ServerProcess::start(dir.path(), None);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let http = reqwest::Client::new();
        let ready: Value = http.get(format!("{}/readyz", server.url)).send().await.expect("readyz").json().await.expect("json");
        assert_eq!(ready["routing"], "official_boundaries");
        let form = [
            ("api_key", key.as_str()),
            ("service_code", "public_lighting"),
            ("lat", "40.8270"),
            ("long", "16.5530"),
            ("description", "Lampione spento in piazza Duomo"),
        ];
        let created: Value = http
            .post(format!("{}/open311/v2/requests.json", server.url))
            .form(&form)
            .send()
            .await
            .expect("post")
            .json()
            .await
            .expect("json");
        assert!(created[0]["service_notice"].as_str().is_some_and(|n| n.contains("Altamura")), "{created}");
        let queue = http
            .get(format!("{}/api/v1/admin/comuni/072004/queue", server.url))
            .basic_auth("mod@comune.bari.it", Some("una password lunga e sicura"))
            .send()
            .await
            .expect("queue");
        assert_eq!(queue.status(), 403, "a Bari moderator cannot read Altamura's queue");
    });
    assert!(server.terminate(), "SIGTERM stops the server cleanly (exit 0)");
}

#[test]
fn a_bad_boundary_file_is_refused_with_a_clear_error_and_a_failing_exit_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.geojson");
    std::fs::write(&bad, r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"X"},"geometry":{"type":"Point","coordinates":[16.8,41.1]}}]}"#).expect("write");
    let out = casa_server(dir.path(), None, &["boundaries", "import", bad.to_str().expect("path")], None);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("errore / error"), "{stderr}");
    let out = casa_server(dir.path(), None, &["boundaries", "import", "/no/such/file.geojson"], None);
    assert!(!out.status.success());
}

#[test]
fn an_operator_turns_a_comunes_services_on_and_off_and_the_phones_are_told() {
    let dir = tempfile::tempdir().expect("tempdir");
    let services = |args: &[&str]| {
        let mut all = vec!["comuni", "services", "072006"];
        all.extend_from_slice(args);
        casa_server(dir.path(), None, &all, None)
    };
    let out = services(&[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "072006 Bari: reports");

    let out = services(&["--enable", "petitions", "--enable", "gamification"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "072006 Bari: reports, petitions, gamification");
    let out = services(&["--disable", "gamification"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "072006 Bari: reports, petitions");

    // What a phone is told: the directory it syncs lists the services on.
    let server = ServerProcess::start(dir.path(), None);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let directory: Value =
        rt.block_on(async { reqwest::get(format!("{}/api/v1/comuni", server.url)).await.expect("get").json().await.expect("json") });
    let bari = directory.as_array().and_then(|c| c.iter().find(|c| c["istat_code"] == "072006")).cloned().unwrap_or_default();
    let mut offered: Vec<&str> = bari["services"].as_array().map(|s| s.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    offered.sort_unstable();
    assert_eq!(offered, ["petitions", "reports"], "{bari}");
    drop(server);

    for bad in [&["--enable", "bingo"][..], &["--enable", "petitions", "--disable", "petitions"][..]] {
        let out = services(bad);
        assert!(!out.status.success(), "{bad:?} is refused");
    }
    let out = casa_server(dir.path(), None, &["comuni", "services", "999999"], None);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("sconosciuto"));
}
