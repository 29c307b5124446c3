//! Issue 14, points 2, 8 and 9: API keys act only within their scope (a
//! Comune, optionally a department, and what they may do), are created,
//! listed and revoked with `casa-server api-keys`; Open311 shows a report
//! only while the native API does; an operator reads through the JSON API
//! only what the dashboard shows them.

mod common;

use std::process::{Command, Output};

use casa_shared_model::wire::ReportPayload;
use casa_shared_model::{DeviceId, IstatCode, ReportId};
use casa_sync_server::platform::api_keys::{self, KeyScope, Permission, Permissions};
use casa_sync_server::RunningServer;
use chrono::Utc;
use common::{on_both_databases, TestDb};
use reqwest::StatusCode;
use serde_json::{json, Value};

const BARI: &str = "072006";
const MONOPOLI: &str = "072030";
const BASILICA: (f64, f64) = (41.1306, 16.8697);
const MONOPOLI_CATHEDRAL: (f64, f64) = (40.9522, 17.3037);
const PASSWORD: &str = "una password lunga e sicura";

fn istat(code: &str) -> IstatCode {
    IstatCode::parse(code).expect("code")
}

/// A key issued the way `casa-server api-keys create` issues it.
async fn key(server: &RunningServer, name: &str, comune: &str, department: Option<&str>, what: &[Permission]) -> String {
    let scope = KeyScope::new(istat(comune), department, Permissions::of(what));
    api_keys::issue(server.state.store(), name, scope, Utc::now()).await.expect("key").0
}

/// A report filed by a phone through the native API.
async fn file(server: &RunningServer, at: (f64, f64), category: &str, description: &str) -> ReportId {
    let device = DeviceId::new();
    let report = ReportPayload {
        id: ReportId::new(),
        category: category.into(),
        description: description.into(),
        lat: at.0,
        lon: at.1,
        accuracy_m: 5.0,
        captured_at: Utc::now(),
        photos: vec![],
    };
    let mut body = serde_json::to_value(&report).expect("json");
    body["device_id"] = json!(device);
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/reports", server.url))
        .headers(casa_e2e::device_headers(device))
        .json(&body)
        .send()
        .await
        .expect("file");
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap_or_default());
    report.id
}

/// A moderator of Bari sets the report's status through the admin API.
async fn moderate(server: &RunningServer, id: ReportId, status: Value) {
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/admin/reports/{id}/status", server.url))
        .basic_auth("mod@comune.bari.it", Some(PASSWORD))
        .json(&status)
        .send()
        .await
        .expect("moderate");
    assert_eq!(res.status(), StatusCode::OK, "{status}: {}", res.text().await.unwrap_or_default());
}

/// What the back-office status route answers: status and body.
async fn set_status(server: &RunningServer, key: &str, id: ReportId, status: &str) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/backoffice/reports/{id}/status", server.url))
        .bearer_auth(key)
        .json(&json!({ "status": status }))
        .send()
        .await
        .expect("status");
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

async fn status_of(server: &RunningServer, id: ReportId) -> String {
    server.state.store().report(&id).await.expect("report").expect("exists").status.code().to_owned()
}

async fn a_key_acts_only_on_reports_of_its_comune_and_department_and_only_as_its_permissions_allow(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    common::add_staff(&server, "mod@comune.bari.it", "moderator", &[BARI]).await;
    let pothole = file(&server, BASILICA, "road_damage", "Buca davanti alla Basilica").await;
    moderate(&server, pothole, json!({"status": "published"})).await;

    // Monopoli's back-office: Bari's report looks absent, as an unknown id does.
    let monopoli = key(&server, "Gestionale di Monopoli", MONOPOLI, None, &[Permission::UpdateStatus]).await;
    for status in ["in_progress", "resolved", "closed"] {
        let (code, body) = set_status(&server, &monopoli, pothole, status).await;
        assert_eq!((code, body["code"].as_str()), (404, Some("not_found")), "{status}: {body}");
    }
    assert_eq!(
        set_status(&server, &monopoli, ReportId::new(), "closed").await.1,
        set_status(&server, &monopoli, pothole, "closed").await.1
    );
    // Bari's Open311 client may file reports, not move them along.
    let open311 = key(&server, "App dei cittadini", BARI, None, &[Permission::FileReports]).await;
    let (code, body) = set_status(&server, &open311, pothole, "closed").await;
    assert_eq!((code, body["code"].as_str()), (403, Some("scope_missing")), "{body}");
    // Another office of Bari: not its report.
    let green = key(&server, "Gestionale ambiente", BARI, Some("ambiente"), &[Permission::UpdateStatus]).await;
    assert_eq!(set_status(&server, &green, pothole, "closed").await.0, 404);
    assert_eq!(status_of(&server, pothole).await, "published", "nothing changed");

    // A key made before scopes (as the migration leaves it: no Comune) is refused with what to do.
    let (legacy, hash) = casa_sync_server::platform::auth::generate_api_key();
    let record = casa_sync_server::store::ApiKeyRecord {
        id: uuid::Uuid::now_v7(),
        name: "chiave di prima".into(),
        scope: KeyScope { comune: None, department: None, permissions: Permissions::default() },
        created_at: Utc::now(),
        revoked_at: None,
    };
    server.state.store().insert_api_key(&record, &hash).await.expect("legacy key");
    let (code, body) = set_status(&server, &legacy, pothole, "closed").await;
    assert_eq!((code, body["code"].as_str()), (403, Some("key_not_scoped")), "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("casa-server api-keys create")), "{body}");

    // The department's own back-office does its work.
    let works = key(&server, "Gestionale lavori pubblici", BARI, Some("lavori_pubblici"), &[Permission::UpdateStatus]).await;
    let (code, body) = set_status(&server, &works, pothole, "in_progress").await;
    assert_eq!((code, body["status"].as_str()), (200, Some("in_progress")), "{body}");
    server.stop().await;
}
on_both_databases!(
    a_key_acts_only_on_reports_of_its_comune_and_department_and_only_as_its_permissions_allow,
    super::a_key_acts_only_on_reports_of_its_comune_and_department_and_only_as_its_permissions_allow
);

async fn an_open311_key_of_bari_cannot_file_a_report_for_monopoli(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let http = reqwest::Client::new();
    let post = |key: String, at: (f64, f64), category: &str, extra: Option<(&str, &str)>| {
        let mut form = vec![
            ("api_key".to_owned(), key),
            ("service_code".to_owned(), category.to_owned()),
            ("lat".to_owned(), at.0.to_string()),
            ("long".to_owned(), at.1.to_string()),
            ("description".to_owned(), "Cassonetto rovesciato".to_owned()),
        ];
        form.extend(extra.map(|(k, v)| (k.to_owned(), v.to_owned())));
        http.post(format!("{}/open311/v2/requests.json", server.url)).form(&form).send()
    };
    let bari = key(&server, "App di Bari", BARI, None, &[Permission::FileReports]).await;
    for (what, extra) in [("by location", None), ("with Monopoli's jurisdiction_id", Some(("jurisdiction_id", MONOPOLI)))] {
        let res = post(bari.clone(), MONOPOLI_CATHEDRAL, "waste", extra).await.expect("post");
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{what}");
        let body: Value = res.json().await.expect("json");
        assert_eq!(body[0]["code"], 403, "{what}: {body}");
    }
    let monopoli_queue = server.state.store().moderation_queue(&istat(MONOPOLI), 10, 0).await.expect("queue").0;
    assert_eq!(monopoli_queue, 0, "nothing was filed in Monopoli");

    // A back-office key (update_status only) files nothing; a department's key files only for its office.
    let back_office = key(&server, "Gestionale di Bari", BARI, None, &[Permission::UpdateStatus]).await;
    assert_eq!(post(back_office, BASILICA, "waste", None).await.expect("post").status(), StatusCode::FORBIDDEN);
    let roads = key(&server, "App strade di Bari", BARI, Some("lavori_pubblici"), &[Permission::FileReports]).await;
    assert_eq!(post(roads.clone(), BASILICA, "waste", None).await.expect("post").status(), StatusCode::FORBIDDEN);
    assert_eq!(post(roads, BASILICA, "road_damage", None).await.expect("post").status(), StatusCode::OK);
    // In its own Comune, the key files as before.
    assert_eq!(post(bari, BASILICA, "waste", None).await.expect("post").status(), StatusCode::OK);
    assert_eq!(server.state.store().moderation_queue(&istat(BARI), 10, 0).await.expect("queue").0, 2);
    server.stop().await;
}
on_both_databases!(
    an_open311_key_of_bari_cannot_file_a_report_for_monopoli,
    super::an_open311_key_of_bari_cannot_file_a_report_for_monopoli
);

/// `casa-server --database-url URL ARGS...`, the real binary, from an empty
/// directory (so no `casa.toml` is read).
fn casa_server(db: &TestDb, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_casa-server"))
        .current_dir(db.data_dir())
        .arg("--data-dir")
        .arg(db.data_dir())
        .arg("--database-url")
        .arg(db.url())
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("CASA_CONFIG")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run casa-server")
}

fn stdout(out: &Output) -> String {
    assert!(out.status.success(), "casa-server failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn casa_server_api_keys_create_list_and_revoke_and_a_revoked_key_is_refused(db: &TestDb) {
    let create = |name: &str, rest: &[&str]| {
        let mut args = vec!["api-keys", "create", "--name", name];
        args.extend_from_slice(rest);
        casa_server(db, &args)
    };
    let out = create("Gestionale lavori pubblici", &["--comune", BARI, "--department", "lavori_pubblici", "--scope", "update_status"]);
    let printed = stdout(&out);
    let works = printed.lines().last().expect("key line").trim().to_owned();
    assert!(works.starts_with("casa_") && !works.contains(' '), "the key alone on the last line: {printed}");
    let open311 = stdout(&create("App dei cittadini", &["--comune", BARI])).lines().last().expect("key").trim().to_owned();

    // Mistakes are refused with a reason, nothing created.
    for (rest, why) in [
        (vec!["--comune", "999999"], "sconosciuto"),
        (vec!["--comune", BARI, "--department", "ufficio_ufo"], "ufficio"),
        (vec!["--comune", BARI, "--scope", "file_reports,admin"], "permesso"),
        (vec!["--comune", BARI, "--scope", ","], "permesso"),
        (vec![], "--comune"),
    ] {
        let out = create("Una chiave sbagliata", &rest);
        assert!(!out.status.success(), "{rest:?} is refused");
        assert!(String::from_utf8_lossy(&out.stderr).contains(why), "{rest:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let again = create("App dei cittadini", &["--comune", BARI]);
    assert!(!again.status.success(), "a second active key with the same name is refused");

    let list = stdout(&casa_server(db, &["api-keys", "list"]));
    let row = |name: &str| list.lines().find(|l| l.contains(name)).unwrap_or_else(|| panic!("{name} listed: {list}")).to_owned();
    let works_row = row("Gestionale lavori pubblici");
    assert!(works_row.contains(BARI) && works_row.contains("lavori_pubblici") && works_row.contains("update_status"), "{works_row}");
    assert!(!works_row.contains("file_reports"), "{works_row}");
    assert!(row("App dei cittadini").contains("file_reports"), "file_reports is the default: {list}");
    assert_eq!(list.lines().count(), 3, "a header and two keys: {list}");
    let hash = casa_sync_server::platform::auth::hash_api_key(&works);
    assert!(!list.contains(&works) && !list.contains(&open311) && !list.contains(&hash), "never a key or its hash: {list}");

    // The server (over the same database) takes the key, until it is revoked.
    let server = common::server_with_boundaries(db).await;
    common::add_staff(&server, "mod@comune.bari.it", "moderator", &[BARI]).await;
    let pothole = file(&server, BASILICA, "road_damage", "Buca davanti alla Basilica").await;
    moderate(&server, pothole, json!({"status": "published"})).await;
    assert_eq!(set_status(&server, &works, pothole, "in_progress").await.0, 200);
    let revoked = stdout(&casa_server(db, &["api-keys", "revoke", "Gestionale lavori pubblici"]));
    assert!(revoked.contains("revoca"), "{revoked}");
    let (code, body) = set_status(&server, &works, pothole, "resolved").await;
    assert_eq!((code, body["code"].as_str()), (401, Some("invalid_api_key")), "{body}");
    assert_eq!(status_of(&server, pothole).await, "in_progress");

    // By id too; the list tells which keys are revoked; an unknown key is an error.
    let id = row("App dei cittadini").split_whitespace().next().expect("id").to_owned();
    stdout(&casa_server(db, &["api-keys", "revoke", &id]));
    let form = [("api_key", open311.as_str()), ("service_code", "waste"), ("lat", "41.1306"), ("long", "16.8697"), ("description", "x")];
    let res = reqwest::Client::new().post(format!("{}/open311/v2/requests.json", server.url)).form(&form).send().await.expect("post");
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "a revoked Open311 key files nothing");
    let list = stdout(&casa_server(db, &["api-keys", "list"]));
    // The last column is the revocation time (Europe/Rome), "-" while a key stands.
    let revoked_at = |l: &str| {
        let l = l.trim_end();
        l.get(l.len().saturating_sub(16)..).and_then(|t| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M").ok())
    };
    assert!(list.lines().skip(1).all(|l| revoked_at(l).is_some()), "both revoked: {list}");
    assert!(!casa_server(db, &["api-keys", "revoke", "nessuna chiave"]).status.success());
    // A name once revoked may be given to a new key.
    stdout(&create("Gestionale lavori pubblici", &["--comune", BARI, "--scope", "update_status,file_reports"]));
    server.stop().await;
}
on_both_databases!(
    casa_server_api_keys_create_list_and_revoke_and_a_revoked_key_is_refused,
    super::casa_server_api_keys_create_list_and_revoke_and_a_revoked_key_is_refused
);

/// Three reports of Bari: one waiting for moderation (filed through Open311
/// with an address), one rejected, one published.
async fn three_reports(server: &RunningServer) -> (ReportId, ReportId, ReportId) {
    common::add_staff(server, "mod@comune.bari.it", "moderator", &[BARI]).await;
    let open311 = key(server, "App dei cittadini", BARI, None, &[Permission::FileReports]).await;
    let form = [
        ("api_key", open311.as_str()),
        ("service_code", "road_damage"),
        ("lat", "41.1306"),
        ("long", "16.8697"),
        ("address_string", "Via Segreta 7, casa della signora Rossi"),
        ("description", "Testo privato in attesa di moderazione"),
    ];
    let created: Value = reqwest::Client::new()
        .post(format!("{}/open311/v2/requests.json", server.url))
        .form(&form)
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    let waiting = ReportId::parse(created[0]["service_request_id"].as_str().expect("id")).expect("report id");
    let rejected = file(server, (41.1180, 16.8690), "road_damage", "Testo respinto con dati altrui").await;
    moderate(server, rejected, json!({"status": "rejected", "reason": "Contiene dati personali di altri"})).await;
    let published = file(server, (41.1250, 16.8660), "road_damage", "Buca pubblicata in via Sparano").await;
    moderate(server, published, json!({"status": "published"})).await;
    (waiting, rejected, published)
}

async fn open311_shows_a_report_only_while_the_native_api_shows_it(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let (waiting, rejected, published) = three_reports(&server).await;
    let http = reqwest::Client::new();
    let get = |path: String| {
        let http = http.clone();
        async move {
            let res = http.get(path).send().await.expect("get");
            (res.status().as_u16(), res.text().await.expect("text"))
        }
    };
    let base = format!("{}/open311/v2", server.url);
    for (what, id) in [("in moderation", waiting), ("rejected", rejected)] {
        assert_eq!(get(format!("{}/api/v1/reports/{id}", server.url)).await.0, 404, "native, {what}");
        for format in ["json", "xml"] {
            let (status, body) = get(format!("{base}/requests/{id}.{format}")).await;
            assert_eq!(status, 404, "Open311 {format}, {what}: {body}");
            for secret in ["Via Segreta", "Testo", "Contiene dati", "41.1306", "41.118"] {
                assert!(!body.contains(secret), "{what} leaks {secret}: {body}");
            }
        }
    }
    // The published one shows, in both, with its text.
    assert_eq!(get(format!("{}/api/v1/reports/{published}", server.url)).await.0, 200);
    let (status, body) = get(format!("{base}/requests/{published}.json")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Buca pubblicata in via Sparano"), "{body}");

    // Lists, whatever the filter, hold the published one only.
    let by_ids = format!("?service_request_id={waiting},{rejected},{published}");
    for query in ["", "?status=open", "?status=closed", "?status=open,closed", "?jurisdiction_id=072006", by_ids.as_str()] {
        for format in ["json", "xml"] {
            let (status, body) = get(format!("{base}/requests.{format}{query}")).await;
            assert_eq!(status, 200, "{query}: {body}");
            assert!(
                !body.contains(&waiting.to_string()) && !body.contains(&rejected.to_string()),
                "{format}{query} lists a hidden report: {body}"
            );
            assert_eq!(body.contains(&published.to_string()), query != "?status=closed", "{format}{query}: {body}");
        }
    }
    server.stop().await;
}
on_both_databases!(
    open311_shows_a_report_only_while_the_native_api_shows_it,
    super::open311_shows_a_report_only_while_the_native_api_shows_it
);

async fn an_operator_reads_through_the_json_api_only_what_the_dashboard_shows_them(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let (waiting, rejected, published) = three_reports(&server).await;
    let elsewhere = file(&server, (41.1200, 16.8700), "waste", "Rifiuti in piazza").await;
    moderate(&server, elsewhere, json!({"status": "published"})).await;
    let (operator, password) = common::add_operator(&server, "lavori@comune.bari.it", &[BARI], "lavori_pubblici").await;
    let http = reqwest::Client::new();
    let api = |id: ReportId| http.get(format!("{}/api/v1/admin/reports/{id}", server.url)).basic_auth(&operator, Some(&password)).send();
    let browser = casa_e2e::web::browser();
    let res = casa_e2e::web::log_in(&browser, &server.url, &operator, &password).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "the operator logs in");

    for (what, id) in [("in moderation", waiting), ("rejected", rejected), ("another office's", elsewhere)] {
        let res = api(id).await.expect("get");
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "API, {what}");
        let text = res.text().await.expect("text");
        assert!(!text.contains("Testo") && !text.contains("Rifiuti"), "{what}: {text}");
        let res = http
            .post(format!("{}/api/v1/admin/reports/{id}/status", server.url))
            .basic_auth(&operator, Some(&password))
            .json(&json!({"status": "published"}))
            .send()
            .await
            .expect("status");
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "status change, {what}");
        // The dashboard refuses the same ones (telling the clerk, as it does, that it is not theirs).
        let (status, _) = casa_e2e::web::page(&browser, format!("{}/dashboard/reports/{id}", server.url)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "dashboard, {what}");
    }
    assert_eq!(status_of(&server, waiting).await, "in_moderation");

    // Their own office's public report: readable in both.
    let res = api(published).await.expect("get");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.expect("json")["description"], "Buca pubblicata in via Sparano");
    assert_eq!(casa_e2e::web::page(&browser, format!("{}/dashboard/reports/{published}", server.url)).await.0, StatusCode::OK);

    // The moderation queue is the moderators' (an operator gets 403), in the API and on the dashboard.
    let queue = format!("{}/api/v1/admin/comuni/{BARI}/queue", server.url);
    let res = http.get(&queue).basic_auth(&operator, Some(&password)).send().await.expect("queue");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(casa_e2e::web::page(&browser, format!("{}/dashboard/comuni/{BARI}/queue", server.url)).await.0, StatusCode::FORBIDDEN);
    let res = http.get(&queue).basic_auth("mod@comune.bari.it", Some(PASSWORD)).send().await.expect("queue");
    let page: Value = res.json().await.expect("json");
    assert_eq!(page["total"], 1, "the moderator's queue holds the waiting report: {page}");
    let res = http.get(format!("{}/api/v1/admin/reports/{waiting}", server.url)).basic_auth("mod@comune.bari.it", Some(PASSWORD));
    assert_eq!(res.send().await.expect("get").status(), StatusCode::OK, "a moderator reads what waits for moderation");
    server.stop().await;
}
on_both_databases!(
    an_operator_reads_through_the_json_api_only_what_the_dashboard_shows_them,
    super::an_operator_reads_through_the_json_api_only_what_the_dashboard_shows_them
);
