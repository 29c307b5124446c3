//! Issue 14, points 3, 11 and 16 (live streams): every password goes through
//! one throttled, audited check (the dashboard's form, HTTP Basic on the
//! admin API, the inspector app); failures slow attempts down per account
//! and address instead of locking the account; unknown accounts cannot be
//! told from known ones; the dashboard's live stream ends with its session
//! and a session may hold only a few.
//!
//! Clients bind to different loopback addresses (127.0.0.x) so that the
//! server sees different peers.

mod common;

use std::net::IpAddr;
use std::time::Duration;

use casa_e2e::web::{browser, csrf_of, location, log_in, page};
use common::{on_both_databases, TestDb};
use reqwest::redirect::Policy;
use reqwest::StatusCode;
use serde_json::json;

/// A browser-like client (cookies, no redirects followed) whose connections
/// come from `ip`, one of the loopback addresses.
fn client_from(ip: &str) -> reqwest::Client {
    let ip: IpAddr = ip.parse().expect("address");
    reqwest::Client::builder().cookie_store(true).redirect(Policy::none()).local_address(ip).build().expect("client")
}

/// Makes the first wait `secs` long, so that a loaded test machine does not
/// see a short wait end between two requests that expect it.
fn first_wait(server: &casa_sync_server::RunningServer, secs: u64) {
    let settings = casa_sync_server::platform::login_throttle::LoginSettings { login_base_delay_secs: secs, ..Default::default() };
    server.state.set_login_settings(&settings);
}

fn admin_queue(base: &str) -> String {
    format!("{base}/api/v1/admin/comuni/072006/queue")
}

async fn basic(http: &reqwest::Client, url: &str, email: &str, password: &str) -> reqwest::Response {
    http.get(url).basic_auth(email, Some(password)).send().await.expect("admin request")
}

async fn inspector_login(http: &reqwest::Client, base: &str, email: &str, password: &str) -> reqwest::Response {
    http.post(format!("{base}/api/v1/inspector/session")).json(&json!({"email": email, "password": password})).send().await.expect("login")
}

fn retry_after(res: &reqwest::Response) -> Option<u64> {
    res.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok())
}

/// What a client can compare between two answers: status, the headers that
/// could differ, and the body byte for byte.
#[derive(Debug, PartialEq)]
struct Answer {
    status: StatusCode,
    retry_after: bool,
    www_authenticate: Option<String>,
    body: Vec<u8>,
}

async fn answer(res: reqwest::Response) -> Answer {
    Answer {
        status: res.status(),
        retry_after: res.headers().contains_key("retry-after"),
        www_authenticate: res.headers().get("www-authenticate").and_then(|v| v.to_str().ok()).map(str::to_owned),
        body: res.bytes().await.expect("body").to_vec(),
    }
}

async fn http_basic_waits_after_five_wrong_passwords_like_the_dashboard_and_audits_failures_but_not_every_call(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let base = server.url.clone();
    let (email, password) = common::add_staff(&server, "mod@comune.bari.it", "moderator", &["072006"]).await;
    first_wait(&server, 3);
    let http = reqwest::Client::new();
    let queue = admin_queue(&base);
    for _ in 0..3 {
        assert_eq!(basic(&http, &queue, &email, &password).await.status(), StatusCode::OK);
    }
    for attempt in 1..=5 {
        assert_eq!(basic(&http, &queue, &email, "sbagliata sbagliata").await.status(), StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    // The right password now waits too: while throttled no password is checked.
    let res = basic(&http, &queue, &email, &password).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait = retry_after(&res).expect("Retry-After");
    assert!((1..=3).contains(&wait), "the first wait: {wait}");
    assert_eq!(res.json::<serde_json::Value>().await.expect("json")["code"], "too_many_attempts");
    // Every way in counts the same failures: the dashboard and the inspector app wait as well.
    let res = log_in(&browser(), &base, &email, &password).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(&res).is_some());
    assert!(res.text().await.expect("page").contains("troppi tentativi"));
    assert_eq!(inspector_login(&http, &base, &email, &password).await.status(), StatusCode::TOO_MANY_REQUESTS);

    // Nothing is locked: after the wait the right password gets in.
    tokio::time::sleep(Duration::from_millis(wait * 1000 + 200)).await;
    assert_eq!(basic(&http, &queue, &email, &password).await.status(), StatusCode::OK);

    let audit = server.state.store().audit_log(200).await.expect("audit");
    let by = |action: &str| audit.iter().filter(|e| e.action == action && e.actor == "staff:mod@comune.bari.it").count();
    let failed = audit.iter().filter(|e| e.action == "login_failed" && e.actor == "staff:mod@comune.bari.it");
    assert!(failed.clone().all(|e| e.detail.as_deref().is_some_and(|d| d.contains("http basic from 127.0.0.1"))), "{audit:?}");
    assert_eq!(failed.count(), 5, "each Basic failure is audited");
    assert_eq!(by("login_throttled"), 1, "the count that started holding attempts back: {audit:?}");
    assert!(audit.iter().any(|e| e.action == "login_refused_throttled" && e.target.as_deref() == Some("mod@comune.bari.it")), "{audit:?}");
    // Four good Basic calls from one address: one line, not one per request.
    let basic_logins = audit.iter().filter(|e| e.action == "login" && e.detail.as_deref().is_some_and(|d| d.contains("http basic")));
    assert_eq!(basic_logins.count(), 1, "{audit:?}");
    assert!(!audit.iter().any(|e| e.detail.as_deref().is_some_and(|d| d.contains(&password))), "no password in the audit log");

    // The API's document says so, for every operation that takes a password.
    let doc: serde_json::Value = http.get(format!("{base}/api/v1/openapi.json")).send().await.expect("doc").json().await.expect("json");
    for (path, method) in [("/api/v1/admin/comuni/{istat_code}/queue", "get"), ("/api/v1/inspector/session", "post")] {
        let wait = &doc["paths"][path][method]["responses"]["429"];
        assert!(wait["headers"]["Retry-After"].is_object(), "{path}: {wait}");
    }
    server.stop().await;
}
on_both_databases!(
    http_basic_waits_after_five_wrong_passwords_like_the_dashboard_and_audits_failures_but_not_every_call,
    super::http_basic_waits_after_five_wrong_passwords_like_the_dashboard_and_audits_failures_but_not_every_call
);

async fn an_unknown_email_gets_byte_for_byte_the_answers_of_a_known_one_however_many_failures(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let base = server.url.clone();
    let (known, _) = common::add_staff(&server, "ispettore@comune.bari.it", "inspector", &["072006"]).await;
    let unknown = "nessuno@comune.bari.it";
    first_wait(&server, 60);
    let queue = admin_queue(&base);
    // Each account and way in from its own address, so their counts are alike.
    let (app_known, app_unknown) = (client_from("127.0.0.2"), client_from("127.0.0.3"));
    let (api_known, api_unknown) = (client_from("127.0.0.4"), client_from("127.0.0.5"));
    let mut seen = Vec::new();
    for attempt in 1..=8 {
        let a = answer(inspector_login(&app_known, &base, &known, "sbagliata sbagliata").await).await;
        let b = answer(inspector_login(&app_unknown, &base, unknown, "sbagliata sbagliata").await).await;
        assert_eq!(a, b, "inspector app, attempt {attempt}");
        let c = answer(basic(&api_known, &queue, &known, "sbagliata sbagliata").await).await;
        let d = answer(basic(&api_unknown, &queue, unknown, "sbagliata sbagliata").await).await;
        assert_eq!(c, d, "HTTP Basic, attempt {attempt}");
        seen.push((a.status, c.status));
    }
    let statuses: Vec<StatusCode> = seen.iter().map(|s| s.0).collect();
    assert_eq!(statuses[..5], [StatusCode::UNAUTHORIZED; 5]);
    assert_eq!(statuses[5..], [StatusCode::TOO_MANY_REQUESTS; 3], "both are held back alike, neither is locked");
    assert_eq!(seen.iter().map(|s| s.1).collect::<Vec<_>>(), statuses);
    server.stop().await;
}
on_both_databases!(
    an_unknown_email_gets_byte_for_byte_the_answers_of_a_known_one_however_many_failures,
    super::an_unknown_email_gets_byte_for_byte_the_answers_of_a_known_one_however_many_failures
);

async fn failures_from_one_address_never_stop_the_owner_logging_in_from_another(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let base = server.url.clone();
    let (email, password) = common::add_staff(&server, "mod@comune.bari.it", "moderator", &["072006"]).await;
    let queue = admin_queue(&base);
    first_wait(&server, 60);
    // A guesser at 127.0.0.2 hammers the account every way in, claiming to
    // be the owner's address (X-Forwarded-For is not believed by default).
    let guesser = client_from("127.0.0.2");
    let mut last = Vec::new();
    for _ in 0..10 {
        let res = guesser.get(&queue).basic_auth(&email, Some("sbagliata")).header("x-forwarded-for", "127.0.0.3").send().await;
        last.push(res.expect("basic").status());
        last.push(log_in(&guesser, &base, &email, "sbagliata").await.status());
        last.push(inspector_login(&guesser, &base, &email, "sbagliata").await.status());
    }
    assert!(last[..5].iter().all(|s| *s == StatusCode::UNAUTHORIZED), "{last:?}");
    assert!(last[5..].iter().all(|s| *s == StatusCode::TOO_MANY_REQUESTS), "{last:?}");

    // The owner, at 127.0.0.3, gets in at once on the dashboard and the API.
    let owner = client_from("127.0.0.3");
    let res = log_in(&owner, &base, &email, &password).await;
    assert_eq!((res.status(), location(&res)), (StatusCode::SEE_OTHER, "/dashboard".to_owned()));
    assert_eq!(basic(&owner, &queue, &email, &password).await.status(), StatusCode::OK);
    // Even a mistake from an address that has not been failing is answered, not held back.
    assert_eq!(basic(&client_from("127.0.0.4"), &queue, &email, "sbagliata").await.status(), StatusCode::UNAUTHORIZED);
    server.stop().await;
}
on_both_databases!(
    failures_from_one_address_never_stop_the_owner_logging_in_from_another,
    super::failures_from_one_address_never_stop_the_owner_logging_in_from_another
);

async fn behind_a_trusted_proxy_each_forwarded_client_is_counted_apart(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let base = server.url.clone();
    let (email, password) = common::add_staff(&server, "mod@comune.bari.it", "moderator", &["072006"]).await;
    first_wait(&server, 60);
    server.state.set_trusted_proxies(casa_sync_server::platform::client_ip::TrustedProxies::parse("127.0.0.6").expect("proxies"));
    let proxy = client_from("127.0.0.6");
    let queue = admin_queue(&base);
    let via =
        |client: &'static str, pw: &str| proxy.get(&queue).basic_auth(&email, Some(pw.to_owned())).header("x-forwarded-for", client).send();
    for _ in 0..5 {
        assert_eq!(via("203.0.113.50", "sbagliata").await.expect("basic").status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(via("203.0.113.50", &password).await.expect("basic").status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(via("198.51.100.7", &password).await.expect("basic").status(), StatusCode::OK, "another client of the proxy");
    let audit = server.state.store().audit_log(50).await.expect("audit");
    assert!(audit.iter().any(|e| e.action == "login_failed" && e.detail.as_deref().is_some_and(|d| d.contains("203.0.113.50"))));
    server.stop().await;
}
on_both_databases!(
    behind_a_trusted_proxy_each_forwarded_client_is_counted_apart,
    super::behind_a_trusted_proxy_each_forwarded_client_is_counted_apart
);

/// Reads a response until its end; returns when the server ends it.
async fn until_it_ends(mut res: reqwest::Response) {
    while let Ok(Some(_)) = res.chunk().await {}
}

fn session_token(res: &reqwest::Response) -> String {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix(&format!("{}=", casa_sync_server::dashboard::SESSION_COOKIE)))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_owned()
}

async fn a_live_queue_stream_ends_within_seconds_of_logout_and_a_session_may_hold_four(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let base = server.url.clone();
    let (email, password) = common::add_staff(&server, "mod@comune.bari.it", "moderator", &["072006"]).await;
    let b = browser();
    assert_eq!(log_in(&b, &base, &email, &password).await.status(), StatusCode::SEE_OTHER);
    let (_, queue) = page(&b, format!("{base}/dashboard/comuni/072006/queue")).await;
    let start = queue.find(r#"data-src=""#).expect("the live banner") + 10;
    let src = format!("{base}{}", queue[start..].split('"').next().expect("src").replace("&amp;", "&"));

    let mut streams = Vec::new();
    for n in 1..=4 {
        let res = b.get(&src).send().await.expect("stream");
        assert_eq!(res.status(), StatusCode::OK, "stream {n}");
        streams.push(res);
    }
    let fifth = b.get(&src).send().await.expect("fifth");
    assert_eq!(fifth.status(), StatusCode::TOO_MANY_REQUESTS, "a fifth stream of one session is refused");
    assert!(retry_after(&fifth).is_some());

    // Logging out ends them all, at once.
    let res = b.post(format!("{base}/dashboard/logout")).form(&[("csrf", csrf_of(&queue))]).send().await.expect("logout");
    assert_eq!(location(&res), "/dashboard/login");
    for (n, stream) in streams.into_iter().enumerate() {
        tokio::time::timeout(Duration::from_secs(5), until_it_ends(stream))
            .await
            .unwrap_or_else(|_| panic!("stream {n} outlived the logout"));
    }

    // A session ended where this process cannot hear it (another server on
    // the same database, or its expiry): the stream ends at its next poll.
    let other = browser();
    let token = session_token(&log_in(&other, &base, &email, &password).await);
    let stream = other.get(&src).send().await.expect("stream");
    assert_eq!(stream.status(), StatusCode::OK);
    server.state.store().delete_session(&casa_sync_server::platform::staff::hash_token(&token)).await.expect("delete the session");
    let limit = casa_sync_server::components::reports::dashboard::live::POLL + Duration::from_secs(5);
    tokio::time::timeout(limit, until_it_ends(stream)).await.expect("the stream outlived its session");
    server.stop().await;
}
on_both_databases!(
    a_live_queue_stream_ends_within_seconds_of_logout_and_a_session_may_hold_four,
    super::a_live_queue_stream_ends_within_seconds_of_logout_and_a_session_may_hold_four
);
