//! Issue 14, points 12, 13, 14 and part of 16: slow and idle connections,
//! security headers, control characters and half-applied changes, strict
//! JSON, plausible dates, the fixed list of rejection reasons, `/metrics`.

mod common;

use std::time::Duration;

use casa_shared_model::wire::ReportPayload;
use casa_shared_model::{DeviceId, ReportId, ReportStatus};
use casa_sync_server::components::reports::service::{self, Candidate, Origin};
use casa_sync_server::platform::server::{serve_with, ConnectionLimits};
use casa_sync_server::store::{ReportSource, StatusChange};
use chrono::Utc;
use common::{on_both_databases, TestDb};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn payload_at(lat: f64, lon: f64) -> ReportPayload {
    ReportPayload {
        id: ReportId::new(),
        category: "road_damage".into(),
        description: "Buca profonda sulla carreggiata".into(),
        lat,
        lon,
        accuracy_m: 6.0,
        captured_at: Utc::now(),
        photos: vec![],
    }
}

/// A report in Bari's moderation queue, filed through the service as a phone would.
async fn filed_report(server: &casa_sync_server::RunningServer) -> ReportId {
    let payload = payload_at(41.1306, 16.8697);
    let id = payload.id;
    let origin = Origin { source: ReportSource::App, device_id: Some(DeviceId::new()), api_key_id: None };
    let answers = service::submit_reports(&server.state, origin, vec![Candidate::from(payload)]).await.expect("submit");
    assert!(matches!(answers.as_slice(), [Ok(_)]), "{answers:?}");
    id
}

/// A server with the given limits and public URL, on port 0.
async fn server_with_limits(db: &TestDb, public_url: Option<&str>, limits: ConnectionLimits) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let url = format!("http://{addr}");
    let state = casa_sync_server::bootstrap(db.url(), public_url.unwrap_or(&url).to_owned(), db.data_dir(), None).await.expect("bootstrap");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serve_with(listener, state, limits, async move {
        let _ = stopped.await;
    }));
    (url, stop)
}

/// Reads until the server closes the connection; the bytes read, or `None`
/// when it is still open after `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> Option<Vec<u8>> {
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(got),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

async fn slow_header_and_idle_connections_are_closed_and_connections_are_capped(db: &TestDb) {
    let limits = ConnectionLimits { header_timeout: Duration::from_secs(1), max_connections: 3, ..ConnectionLimits::default() };
    let (url, stop) = server_with_limits(db, None, limits).await;
    let addr = url.trim_start_matches("http://").to_owned();

    // Slowloris sockets that never finish their headers, and one idle.
    let mut slow = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(&addr).await.expect("connect");
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.expect("write");
        slow.push(s);
    }
    let mut idle = TcpStream::connect(&addr).await.expect("connect idle");

    // Three connections are held: a fourth client waits, not served.
    let waiting = tokio::spawn({
        let url = url.clone();
        async move {
            let started = std::time::Instant::now();
            let res = reqwest::Client::new().get(format!("{url}/healthz")).send().await.expect("healthz");
            (res.status(), started.elapsed())
        }
    });

    for s in slow.iter_mut() {
        assert!(closed_within(s, Duration::from_secs(4)).await.is_some(), "a slow-header socket was still open");
    }
    assert!(closed_within(&mut idle, Duration::from_secs(4)).await.is_some(), "an idle socket was still open");
    let (status, waited) = waiting.await.expect("join");
    assert_eq!(status, 200);
    assert!(waited >= Duration::from_millis(500), "served at once ({waited:?}) although every connection slot was taken");

    // A kept-alive connection left idle after its answer is closed too.
    let mut kept = TcpStream::connect(&addr).await.expect("connect");
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("write");
    let answer = closed_within(&mut kept, Duration::from_secs(4)).await.expect("closed after idling");
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer));
    let _ = stop.send(());
}
on_both_databases!(
    slow_header_and_idle_connections_are_closed_and_connections_are_capped,
    super::slow_header_and_idle_connections_are_closed_and_connections_are_capped
);

async fn every_answer_carries_security_headers_and_staff_pages_are_never_cached(db: &TestDb) {
    let (url, stop) = server_with_limits(db, Some("https://casa.example"), ConnectionLimits::default()).await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    for path in ["/", "/api/v1/comuni", "/dashboard/login", "/open311/v2/services.json", "/api/v1/nothing-here"] {
        let res = http.get(format!("{url}{path}")).send().await.expect(path);
        let h = res.headers();
        let get = |name: &str| h.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        assert_eq!(get("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(get("x-frame-options"), "DENY", "{path}");
        assert!(get("content-security-policy").contains("frame-ancestors 'none'"), "{path}");
        assert!(get("content-security-policy").contains("script-src 'self'"), "{path}");
        assert_eq!(get("referrer-policy"), "no-referrer", "{path}");
        assert!(get("permissions-policy").contains("geolocation=()"), "{path}");
        assert!(get("strict-transport-security").starts_with("max-age="), "{path}: HSTS expected with an https public URL");
    }
    let login = http.get(format!("{url}/dashboard/login")).send().await.expect("login");
    assert_eq!(login.headers()["cache-control"], "no-store");
    let _ = stop.send(());

    // Without https, no HSTS (a browser would pin a plain-http host).
    let server = casa_sync_server::RunningServer::start(db.url(), db.data_dir()).await.expect("start");
    let res = http.get(format!("{}/", server.url)).send().await.expect("home");
    assert!(res.headers().get("strict-transport-security").is_none());
    server.stop().await;
}
on_both_databases!(
    every_answer_carries_security_headers_and_staff_pages_are_never_cached,
    super::every_answer_carries_security_headers_and_staff_pages_are_never_cached
);

async fn control_characters_are_refused_with_a_4xx_and_change_nothing(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let id = filed_report(&server).await;
    let (email, password) = common::add_staff(&server, "mod@comune.bari.it", "moderator", &["072006"]).await;
    let http = reqwest::Client::new();
    let status_url = format!("{}/api/v1/admin/reports/{id}/status", server.url);

    // A NUL in a JSON string, escaped or raw, never reaches the database.
    for body in [r#"{"status":"rejected","reason":"Problema gi\u0000 risolto"}"#.to_owned(), "{\"status\":\"published\u{0}\"}".to_owned()] {
        let res = http
            .post(&status_url)
            .basic_auth(&email, Some(&password))
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .expect("post");
        assert_eq!(res.status(), 400, "{body}");
        let err: Value = res.json().await.expect("json");
        assert_eq!(err["code"], "control_characters", "{body}");
    }
    // In a query string and an Open311 form too.
    let res = http.get(format!("{}/open311/v2/requests.json?status=open%00", server.url)).send().await.expect("open311");
    assert_eq!(res.status(), 400);
    let report = server.state.store().report(&id).await.expect("read").expect("report");
    assert_eq!(report.status, ReportStatus::InModeration);

    // A note with control characters is refused by the one text rule.
    assert!(!service::parse_note(Some("Squadra\u{0} in arrivo")).expect_err("refused").to_string().is_empty());
    assert!(matches!(
        service::parse_note(Some("Squadra\u{1b}[31m")),
        Err(casa_sync_server::platform::error::ServiceError::Rejected { code: "control_characters", .. })
    ));
    assert_eq!(service::parse_note(Some(" Squadra\r\nin arrivo ")).expect("accepted"), Some("Squadra\nin arrivo".to_owned()));
    let metrics = http.get(format!("{}/metrics", server.url)).send().await.expect("metrics").text().await.expect("text");
    assert!(!metrics.contains("status=\"500\""), "a request ended in a 500:\n{metrics}");
    server.stop().await;
}
on_both_databases!(
    control_characters_are_refused_with_a_4xx_and_change_nothing,
    super::control_characters_are_refused_with_a_4xx_and_change_nothing
);

async fn a_multi_step_status_change_is_applied_whole_or_not_at_all(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let id = filed_report(&server).await;
    let store = server.state.store();
    let at = Utc::now();
    let step =
        |from: ReportStatus, to: ReportStatus| StatusChange { id, from, to, actor: "backoffice:test".into(), note: None, photo: None, at };
    let assigned = ReportStatus::AssignedToDepartment { department: "lavori_pubblici".into() };
    // The second step names a status the report will not be in: nothing at all is applied.
    let broken = [step(ReportStatus::InModeration, ReportStatus::Published), step(assigned.clone(), ReportStatus::InProgress)];
    assert!(!store.record_statuses(&broken).await.expect("record"));
    let report = store.report(&id).await.expect("read").expect("report");
    assert_eq!(report.status, ReportStatus::InModeration, "the first step was kept although the second failed");
    assert_eq!(store.status_history(&id).await.expect("history").len(), 1);

    let whole = [step(ReportStatus::InModeration, ReportStatus::Published), step(ReportStatus::Published, assigned.clone())];
    assert!(store.record_statuses(&whole).await.expect("record"));
    assert_eq!(store.report(&id).await.expect("read").expect("report").status, assigned);
    assert_eq!(store.status_history(&id).await.expect("history").len(), 3);
    server.stop().await;
}
on_both_databases!(
    a_multi_step_status_change_is_applied_whole_or_not_at_all,
    super::a_multi_step_status_change_is_applied_whole_or_not_at_all
);

async fn trailing_garbage_free_rejection_reasons_and_impossible_dates_are_refused(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let id = filed_report(&server).await;
    let (email, password) = common::add_staff(&server, "mod@comune.bari.it", "moderator", &["072006"]).await;
    let http = reqwest::Client::new();
    let status_url = format!("{}/api/v1/admin/reports/{id}/status", server.url);
    let post = |body: String| {
        http.post(&status_url).basic_auth(&email, Some(&password)).header("content-type", "application/json").body(body).send()
    };

    let res = post(r#"{"status":"published"}garbage"#.into()).await.expect("post");
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.expect("json")["code"], "invalid_json");

    // Free text that would reach the public is not a reason: the fixed list only.
    let res = post(json!({"status": "rejected", "reason": "Il sindaco non vuole"}).to_string()).await.expect("post");
    assert_eq!(res.status(), 422);
    assert_eq!(res.json::<Value>().await.expect("json")["code"], "unknown_rejection_reason");
    let res = post(json!({"status": "rejected", "reason": "Problema già risolto"}).to_string()).await.expect("post");
    assert_eq!(res.status(), 200);

    // A capture date of year 1 (or before) is refused, not stored and later shown as an invalid date.
    for captured in ["0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z"] {
        let mut p = payload_at(41.1306, 16.8697);
        p.captured_at = captured.parse().expect("date");
        let origin = Origin { source: ReportSource::App, device_id: Some(DeviceId::new()), api_key_id: None };
        let answers = service::submit_reports(&server.state, origin, vec![Candidate::from(p)]).await.expect("submit");
        match answers.as_slice() {
            [Err(r)] => assert_eq!(r.code, "captured_too_early", "{captured}"),
            other => panic!("{captured}: {other:?}"),
        }
    }
    server.stop().await;
}
on_both_databases!(
    trailing_garbage_free_rejection_reasons_and_impossible_dates_are_refused,
    super::trailing_garbage_free_rejection_reasons_and_impossible_dates_are_refused
);

async fn metrics_can_be_restricted_with_a_token(db: &TestDb) {
    let server = casa_sync_server::RunningServer::start(db.url(), db.data_dir()).await.expect("start");
    let http = reqwest::Client::new();
    assert_eq!(http.get(format!("{}/metrics", server.url)).send().await.expect("open").status(), 200);
    server.state.set_metrics_token(Some(serde_json::from_value(json!("un token lungo per le metriche")).expect("secret")));
    assert_eq!(http.get(format!("{}/metrics", server.url)).send().await.expect("no token").status(), 401);
    let bad = http.get(format!("{}/metrics", server.url)).bearer_auth("sbagliato").send().await.expect("bad token");
    assert_eq!(bad.status(), 401);
    let good = http.get(format!("{}/metrics", server.url)).bearer_auth("un token lungo per le metriche").send().await.expect("token");
    assert_eq!(good.status(), 200);
    server.stop().await;
}
on_both_databases!(metrics_can_be_restricted_with_a_token, super::metrics_can_be_restricted_with_a_token);
