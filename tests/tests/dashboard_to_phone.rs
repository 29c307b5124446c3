//! Every change a moderator makes in the dashboard reaches the citizen's
//! phone: after each one, `casa sync` and the phone's own store shows it.

use casa_e2e::web::csrf_of;
use std::path::Path;

use casa_e2e::db::{add_staff, server_with_boundaries, TestDb};
use casa_e2e::on_both_databases;
use serde_json::Value;

async fn casa(dir: &Path, server: &str, args: &[&str]) -> Value {
    let out = tokio::process::Command::from(casa_e2e::casa_at(dir, server)).args(args).output().await.expect("run casa");
    assert!(out.status.success(), "casa {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// The report as the phone's store holds it, after a sync.
async fn synced(dir: &Path, server: &str, id: &str) -> Value {
    let sync = casa(dir, server, &["sync", "--json"]).await;
    assert_eq!(sync["outbox"], 0, "{sync}");
    casa(dir, server, &["report", "show", id, "--json"]).await
}

struct Moderator {
    http: reqwest::Client,
    base: String,
}

impl Moderator {
    async fn log_in(base: &str, email: &str, password: &str) -> Self {
        let http = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().expect("client");
        let form = http.get(format!("{base}/dashboard/login")).send().await.expect("form").text().await.expect("body");
        let res = http
            .post(format!("{base}/dashboard/login"))
            .form(&[("email", email), ("password", password), ("csrf", &csrf_of(&form))])
            .send()
            .await
            .expect("login");
        assert_eq!(res.status(), reqwest::StatusCode::SEE_OTHER);
        Self { http, base: base.to_owned() }
    }

    /// Sends one of the report page's forms, as the browser would.
    async fn act(&self, id: &str, path: &str, fields: &[(&str, &str)]) {
        let page = self.http.get(format!("{}/dashboard/reports/{id}", self.base)).send().await.expect("page");
        assert_eq!(page.status(), reqwest::StatusCode::OK);
        let csrf = csrf_of(&page.text().await.expect("body"));
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf", &csrf));
        let res = self.http.post(format!("{}/dashboard/reports/{id}/{path}", self.base)).form(&form).send().await.expect("post");
        assert_eq!(res.status(), reqwest::StatusCode::SEE_OTHER, "{path} {fields:?}: {}", res.text().await.unwrap_or_default());
    }
}

async fn every_dashboard_change_reaches_the_citizens_store_on_the_next_casa_sync(db: &TestDb) {
    let server = server_with_boundaries(db).await;
    let url = server.url.clone();
    let (email, password) = add_staff(&server, "moderatrice@comune.bari.it", "moderator", &["072006"]).await;
    let phone = tempfile::tempdir().expect("tempdir");
    let dir = phone.path();

    // Four reports in Bari, filed on the phone and sent.
    let mut ids = Vec::new();
    for (lat, lon, category, text) in [
        ("41.1306", "16.8697", "road_damage", "Buca davanti alla Basilica di San Nicola"),
        ("41.1253", "16.8720", "waste", "Sacchi abbandonati in piazza Mercantile"),
        ("41.1307", "16.8699", "road_damage", "Ancora la buca davanti alla Basilica"),
        ("41.1180", "16.8770", "public_lighting", "Lampione spento in via Sparano"),
    ] {
        let filed = casa(
            dir,
            &url,
            &["report", "new", "--lat", lat, "--lon", lon, "--category", category, "--description", text, "--accuracy", "5", "--json"],
        )
        .await;
        ids.push(filed["id"].as_str().expect("id").to_owned());
    }
    let sent = casa(dir, &url, &["sync", "--json"]).await;
    assert_eq!((sent["accepted"].as_u64(), sent["outbox"].as_u64()), (Some(4), Some(0)), "{sent}");
    let moderator = Moderator::log_in(&url, &email, &password).await;
    let (a, b, c, d) = (&ids[0], &ids[1], &ids[2], &ids[3]);

    moderator.act(a, "status", &[("action", "publish")]).await;
    assert_eq!(synced(dir, &url, a).await["report"]["status"], "published");

    moderator.act(a, "status", &[("action", "assign"), ("department", "lavori_pubblici")]).await;
    let shown = synced(dir, &url, a).await;
    assert_eq!(shown["report"]["status"], "assigned_to_department", "{shown}");

    // A new category moves it to the department of that category.
    moderator.act(a, "category", &[("category", "waste")]).await;
    let shown = synced(dir, &url, a).await;
    let last = shown["timeline"].as_array().and_then(|t| t.last()).cloned().unwrap_or_default();
    assert!(last.to_string().contains("ambiente"), "the phone learns the new department: {shown}");

    moderator.act(b, "status", &[("action", "reject"), ("reason", "Problema già risolto")]).await;
    let shown = synced(dir, &url, b).await;
    assert_eq!((shown["report"]["status"].as_str(), shown["report"]["reason"].as_str()), (Some("rejected"), Some("Problema già risolto")));

    moderator.act(c, "status", &[("action", "duplicate"), ("original", &format!("{url}/dashboard/reports/{a}"))]).await;
    let shown = synced(dir, &url, c).await;
    assert_eq!((shown["report"]["status"].as_str(), shown["report"]["original_id"].as_str()), (Some("duplicate_of"), Some(a.as_str())));

    // Sent to Monopoli: the phone sees it back in moderation, and its timeline grows.
    let before = synced(dir, &url, d).await["timeline"].as_array().map(Vec::len).unwrap_or(0);
    moderator.act(d, "transfer", &[("comune", "072030"), ("reason", "Il lampione è nel territorio di Monopoli")]).await;
    let shown = synced(dir, &url, d).await;
    assert_eq!(shown["report"]["status"], "in_moderation");
    assert_eq!(shown["timeline"].as_array().map(Vec::len), Some(before + 1), "{shown}");
    server.stop().await;
}

on_both_databases!(
    every_dashboard_change_reaches_the_citizens_store_on_the_next_casa_sync,
    super::every_dashboard_change_reaches_the_citizens_store_on_the_next_casa_sync
);
