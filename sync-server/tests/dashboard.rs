//! The staff dashboard over HTTP, as a browser without JavaScript uses it:
//! cookies, forms and redirects.

mod common;

use common::on_both_databases;

use casa_e2e::web::{browser, csrf_of, location, log_in, page};
use casa_shared_model::wire::v1::{SyncRequest, PROTOCOL_VERSION};
use casa_shared_model::wire::{PushItem, ReportPayload};
use casa_shared_model::{DeviceId, ReportId, ReportStatus};
use chrono::Utc;
use common::TestDb;
use reqwest::StatusCode;

async fn a_bari_moderator_publishes_a_report_a_monopoli_moderator_cannot_see_it_and_all_is_audited(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let base = server.url.clone();
    let (bari_email, password) = common::add_staff(&server, "mod@comune.bari.it", "moderator", &["072006"]).await;
    let (monopoli_email, _) = common::add_staff(&server, "mod@comune.monopoli.ba.it", "moderator", &["072030"]).await;

    // A citizen's report at the Basilica di San Nicola.
    let device = DeviceId::new();
    let report = ReportPayload {
        id: ReportId::new(),
        category: "road_damage".into(),
        description: "Buca profonda davanti alla Basilica di San Nicola".into(),
        lat: 41.1306,
        lon: 16.8697,
        accuracy_m: 6.0,
        captured_at: Utc::now(),
        photos: vec![],
    };
    let client = casa_e2e::phone_client(&base, device);
    let sync = |cursor| SyncRequest { protocol: PROTOCOL_VERSION, device_id: device, cursor, items: vec![], nearby: None, petitions: None };
    let first = client.sync(&SyncRequest { items: vec![PushItem::Report(report.clone())], ..sync(None) }).await.expect("citizen sync");

    // Signed out: every page leads to the login form.
    let bari = browser();
    let res = bari.get(format!("{base}/dashboard")).send().await.expect("get");
    assert_eq!((res.status(), location(&res)), (StatusCode::SEE_OTHER, "/dashboard/login".to_owned()));
    let res = bari.get(format!("{base}/dashboard/login")).send().await.expect("login page");
    let set_cookie = res.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    let form = res.text().await.expect("body");
    assert!(form.contains(r#"name="email""#) && form.contains(r#"name="password""#) && form.contains("bootstrap-italia.min.css"));

    // A login form without its anti-forgery token is refused.
    let res = bari
        .post(format!("{base}/dashboard/login"))
        .form(&[("email", bari_email.as_str()), ("password", password.as_str()), ("csrf", "forged")])
        .send()
        .await
        .expect("forged");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = log_in(&bari, &base, &bari_email, "not the password").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.text().await.expect("body").contains("email o password non corretti"));
    let res = log_in(&bari, &base, &bari_email, &password).await;
    assert_eq!((res.status(), location(&res)), (StatusCode::SEE_OTHER, "/dashboard".to_owned()));

    // The queue of Bari lists the report; its page offers the actions.
    let res = bari.get(format!("{base}/dashboard")).send().await.expect("home");
    assert_eq!(location(&res), "/dashboard/comuni/072006/queue");
    let (status, queue) = page(&bari, format!("{base}/dashboard/comuni/072006/queue")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        queue.contains("Buca profonda davanti alla Basilica") && queue.contains(&format!("/dashboard/reports/{}", report.id)),
        "{queue}"
    );
    let (status, filtered) = page(&bari, format!("{base}/dashboard/comuni/072006/queue?status=in_moderation&category=waste&age=")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(filtered.contains("Nessuna segnalazione con questi filtri"), "the category filter applies");
    let (status, _) = page(&bari, format!("{base}/dashboard/comuni/072006/queue?status=bogus")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let report_url = format!("{base}/dashboard/reports/{}", report.id);
    let (status, detail) = page(&bari, report_url.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(detail.contains("Pubblica") && detail.contains("Motivo del rifiuto") && detail.contains("Lavori pubblici"), "{detail}");
    // Neither a rejection reason nor a Comune to transfer to is chosen for the moderator.
    for select in [r#"<select id="reason""#, r#"<select id="transfer-comune""#] {
        let at = detail.find(select).unwrap_or_else(|| panic!("{select} in {detail}"));
        let options = &detail[at..at + detail[at..].find("</select>").expect("closed")];
        assert!(options.contains(r#"<option value="" selected disabled>— scegli —</option>"#), "{options}");
        assert_eq!(options.matches("selected").count(), 1, "only the empty choice is selected: {options}");
    }
    let csrf = csrf_of(&detail);
    let res = bari
        .post(format!("{report_url}/status"))
        .form(&[("action", "reject"), ("reason", ""), ("csrf", &csrf)])
        .send()
        .await
        .expect("no reason");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "a rejection needs a reason chosen");

    // An action without the session's token is refused; with it, it happens.
    let status_url = format!("{report_url}/status");
    let res = bari.post(&status_url).form(&[("action", "publish"), ("csrf", "forged")]).send().await.expect("forged action");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res =
        bari.post(&status_url).form(&[("action", "reject"), ("reason", "perché sì"), ("csrf", &csrf)]).send().await.expect("bad reason");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "a reason outside the list is refused");
    let res = bari.post(&status_url).form(&[("action", "publish"), ("csrf", &csrf)]).send().await.expect("publish");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, after) = page(&bari, format!("{base}{}", location(&res))).await;
    assert!(after.contains("Fatto") && after.contains("Pubblicata"), "{after}");
    let res = bari.post(&status_url).form(&[("action", "publish"), ("csrf", &csrf)]).send().await.expect("twice");
    assert_eq!(res.status(), StatusCode::CONFLICT, "publishing twice is a conflict page, not a second event");

    // The citizen's phone learns it on its next sync.
    let next = client.sync(&sync(Some(first.cursor))).await.expect("next sync");
    assert_eq!(next.changes.iter().map(|c| &c.status).collect::<Vec<_>>(), [&ReportStatus::Published]);

    // Monopoli's moderator: 403 on the report and on Bari's queue, and the
    // report is in none of Monopoli's lists.
    let monopoli = browser();
    let res = log_in(&monopoli, &base, &monopoli_email, &password).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (status, body) = page(&monopoli, report_url.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!body.contains("Basilica"), "a refusal shows nothing of the report");
    assert_eq!(page(&monopoli, format!("{base}/dashboard/comuni/072006/queue")).await.0, StatusCode::FORBIDDEN);
    let res = monopoli.post(&status_url).form(&[("action", "reject"), ("reason", "Problema già risolto"), ("csrf", &csrf)]).send().await;
    assert_eq!(res.expect("cross").status(), StatusCode::FORBIDDEN);
    for status in ["all", "in_moderation", "published"] {
        let (code, list) = page(&monopoli, format!("{base}/dashboard/comuni/072030/queue?status={status}")).await;
        assert_eq!(code, StatusCode::OK);
        assert!(!list.contains("Basilica") && !list.contains(&report.id.to_string()), "{status}: {list}");
    }

    // Logging out ends the session.
    let (_, home) = page(&bari, format!("{base}/dashboard/comuni/072006/queue")).await;
    let res = bari.post(format!("{base}/dashboard/logout")).form(&[("csrf", csrf_of(&home))]).send().await.expect("logout");
    assert_eq!(location(&res), "/dashboard/login");
    let res = bari.get(format!("{base}/dashboard/comuni/072006/queue")).send().await.expect("after logout");
    assert_eq!(location(&res), "/dashboard/login");

    let audit = server.state.store().audit_log(50).await.expect("audit");
    let has = |actor: &str, action: &str| audit.iter().any(|e| e.actor == actor && e.action == action);
    assert!(has("staff:mod@comune.bari.it", "login") && has("staff:mod@comune.bari.it", "login_failed"));
    assert!(has("staff:mod@comune.bari.it", "logout"));
    let change = audit.iter().find(|e| e.action == "status_change").expect("the publication is audited");
    assert_eq!(change.target.as_deref(), Some(format!("report:{}", report.id).as_str()));
    assert_eq!(change.detail.as_deref(), Some("in_moderation -> published"));
    assert!(!audit.iter().any(|e| e.detail.as_deref().is_some_and(|d| d.contains(&password))), "no password in the audit log");
    server.stop().await;
}
on_both_databases!(
    a_bari_moderator_publishes_a_report_a_monopoli_moderator_cannot_see_it_and_all_is_audited,
    super::a_bari_moderator_publishes_a_report_a_monopoli_moderator_cannot_see_it_and_all_is_audited
);

async fn five_wrong_passwords_make_the_next_attempts_wait_a_while_and_nothing_is_locked(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let base = server.url.clone();
    let (email, password) = common::add_staff(&server, "ispettore@comune.bari.it", "inspector", &["072006"]).await;
    // A first wait long enough that a loaded machine does not see it end mid-test.
    let slow = casa_sync_server::platform::login_throttle::LoginSettings { login_base_delay_secs: 3, ..Default::default() };
    server.state.set_login_settings(&slow);
    let b = browser();
    for attempt in 1..=5 {
        let res = log_in(&b, &base, &email, "sbagliata").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    // Even the right password waits: while throttled no password is checked.
    let res = log_in(&b, &base, &email, &password).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = res.headers()["retry-after"].to_str().expect("ascii").parse().expect("seconds");
    let page = res.text().await.expect("body");
    assert!(page.contains("troppi tentativi") && !page.contains("bloccato"), "{page}");
    // An unknown account is held back exactly like a known one.
    for _ in 1..=5 {
        assert_eq!(log_in(&b, &base, "nessuno@comune.bari.it", "sbagliata").await.status(), StatusCode::UNAUTHORIZED);
    }
    let res = log_in(&b, &base, "nessuno@comune.bari.it", "sbagliata").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.text().await.expect("body").contains("troppi tentativi"));
    // Waiting is enough: nothing was locked.
    tokio::time::sleep(std::time::Duration::from_millis(wait * 1000 + 200)).await;
    let res = log_in(&b, &base, &email, &password).await;
    assert_eq!((res.status(), location(&res)), (StatusCode::SEE_OTHER, "/dashboard".to_owned()));
    let audit = server.state.store().audit_log(50).await.expect("audit");
    assert!(audit.iter().any(|e| e.action == "login_throttled" && e.actor == "staff:ispettore@comune.bari.it"));
    assert!(audit.iter().any(|e| e.action == "login_refused_throttled"));
    assert!(audit.iter().any(|e| e.action == "login_failed" && e.actor == "anonymous"));
    server.stop().await;
}
on_both_databases!(
    five_wrong_passwords_make_the_next_attempts_wait_a_while_and_nothing_is_locked,
    super::five_wrong_passwords_make_the_next_attempts_wait_a_while_and_nothing_is_locked
);
