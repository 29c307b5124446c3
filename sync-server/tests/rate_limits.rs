//! Limits on new reports (issue 14, point 10): per API key, per phone and
//! per address, with 429 and `Retry-After`; a sync over its budget is put
//! off, never refused, and the phone keeps what was put off.

mod common;

use casa_mobile::{Client, LocalStore, SyncOptions};
use casa_shared_model::wire::v1::{SyncRequest, PROTOCOL_VERSION};
use casa_shared_model::wire::{ItemOutcome, PushItem, ReportPayload};
use casa_shared_model::{DeviceId, IstatCode, NewReport, ReportId};
use casa_sync_server::platform::ratelimit::RateLimitSettings;
use casa_sync_server::RunningServer;
use chrono::Utc;
use common::{on_both_databases, TestDb};
use serde_json::{json, Value};

fn report(i: usize) -> ReportPayload {
    ReportPayload {
        id: ReportId::new(),
        category: "road_damage".into(),
        description: format!("Buca numero {i} in via Sparano"),
        lat: 41.1177 + (i % 50) as f64 * 1e-5,
        lon: 16.8719 + (i / 50) as f64 * 1e-5,
        accuracy_m: 6.0,
        captured_at: Utc::now(),
        photos: vec![],
    }
}

fn push(device: DeviceId, reports: &[ReportPayload]) -> SyncRequest {
    SyncRequest {
        protocol: PROTOCOL_VERSION,
        device_id: device,
        cursor: None,
        items: reports.iter().cloned().map(PushItem::Report).collect(),
        nearby: None,
        petitions: None,
    }
}

async fn bari_queue(server: &RunningServer) -> u64 {
    let bari = IstatCode::parse("072006").expect("code");
    server.state.store().moderation_queue(&bari, 1, 0).await.expect("queue").0
}

/// An Open311 client's key for Bari (`file_reports`).
async fn api_key(server: &RunningServer, name: &str) -> String {
    use casa_sync_server::platform::api_keys::{issue, KeyScope, DEFAULT_PERMISSIONS};
    let scope = KeyScope::new(IstatCode::parse("072006").expect("code"), None, DEFAULT_PERMISSIONS);
    issue(server.state.store(), name, scope, Utc::now()).await.expect("key").0
}

fn retry_after(res: &reqwest::Response) -> u64 {
    let value = res.headers().get("retry-after").and_then(|v| v.to_str().ok()).unwrap_or_else(|| panic!("no Retry-After: {res:?}"));
    value.parse().unwrap_or_else(|e| panic!("Retry-After {value}: {e}"))
}

async fn one_api_key_filing_past_its_limit_gets_429_with_retry_after_and_the_queue_holds_no_more_than_the_limit(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    server.state.set_rate_limits(&RateLimitSettings {
        reports_burst_per_api_key: 5,
        reports_per_hour_per_api_key: 60,
        ..RateLimitSettings::unlimited()
    });
    let (flood, other) = (api_key(&server, "flood").await, api_key(&server, "other").await);
    let http = reqwest::Client::new();
    let post = |key: &str, i: usize, format: &str| {
        let form = [
            ("api_key", key.to_owned()),
            ("service_code", "road_damage".to_owned()),
            ("lat", "41.1177".to_owned()),
            ("long", format!("{}", 16.8719 + i as f64 * 1e-5)),
            ("description", format!("Buca numero {i} in via Sparano")),
        ];
        http.post(format!("{}/open311/v2/requests.{format}", server.url)).form(&form).send()
    };
    let mut created = 0;
    let mut limited = Vec::new();
    for i in 0..40 {
        let res = post(&flood, i, if i % 2 == 0 { "json" } else { "xml" }).await.expect("post");
        match res.status().as_u16() {
            200 | 201 => created += 1,
            429 => limited.push(res),
            other => panic!("request {i}: HTTP {other}: {}", res.text().await.unwrap_or_default()),
        }
    }
    assert_eq!((created, limited.len()), (5, 35));
    // Requests 5 (XML) and 6 (JSON) were the first refused, in Open311's
    // own error format, with the reason said and when to come back.
    let xml = limited.remove(0);
    let json_res = limited.remove(0);
    for res in [&xml, &json_res] {
        let wait = retry_after(res);
        assert!((1..=60).contains(&wait), "one more fits within a minute: {wait}");
    }
    let xml = xml.text().await.expect("xml");
    assert!(xml.contains("<code>429</code>") && xml.contains("Too many new reports"), "{xml}");
    let body: Value = json_res.json().await.expect("json");
    assert_eq!(body[0]["code"], 429, "{body}");
    assert!(body[0]["description"].as_str().is_some_and(|d| d.contains("Too many new reports")), "{body}");
    assert_eq!(bari_queue(&server).await, 5, "the flood did not bury the queue");
    // Another key has its own budget.
    let res = post(&other, 99, "json").await.expect("post");
    assert!(res.status().is_success(), "{}", res.status());
    assert_eq!(bari_queue(&server).await, 6);
    server.stop().await;
}
on_both_databases!(
    one_api_key_filing_past_its_limit_gets_429_with_retry_after_and_the_queue_holds_no_more_than_the_limit,
    super::one_api_key_filing_past_its_limit_gets_429_with_retry_after_and_the_queue_holds_no_more_than_the_limit
);

async fn one_phone_syncing_500_new_reports_gets_its_budget_accepted_and_the_rest_deferred_and_a_resend_is_not_limited(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    server.state.set_rate_limits(&RateLimitSettings {
        reports_burst_per_device: 20,
        reports_per_hour_per_device: 60,
        ..RateLimitSettings::unlimited()
    });
    let phone = DeviceId::new();
    let client = casa_e2e::phone_client(&server.url, phone);
    let reports: Vec<ReportPayload> = (0..500).map(report).collect();
    let first = client.sync(&push(phone, &reports)).await.expect("sync");
    assert_eq!(first.results.len(), 500, "an answer for every item, in order");
    for (r, sent) in first.results.iter().zip(&reports) {
        assert_eq!(r.id, sent.id.as_uuid());
    }
    let accepted: Vec<usize> =
        first.results.iter().enumerate().filter(|(_, r)| matches!(r.outcome, ItemOutcome::Accepted(_))).map(|(i, _)| i).collect();
    assert_eq!(accepted, (0..20).collect::<Vec<_>>(), "the first 20, in order");
    for r in &first.results[20..] {
        match &r.outcome {
            ItemOutcome::Deferred { code, message, retry_after_secs } => {
                assert_eq!(code, "rate_limited");
                assert!(!message.is_empty());
                assert!((1..=60).contains(retry_after_secs), "{retry_after_secs}");
            }
            other => panic!("put off, not refused: {other:?}"),
        }
    }
    assert_eq!(bari_queue(&server).await, 20);
    assert_eq!(first.changes.len(), 20, "the pull part works whatever the push");

    // The same batch again (the answer was lost): the 20 answer as before, the rest still wait.
    let again = client.sync(&push(phone, &reports)).await.expect("again");
    assert_eq!(again.results[..20], first.results[..20]);
    assert!(again.results[20..].iter().all(|r| matches!(r.outcome, ItemOutcome::Deferred { .. })));
    let resent = client.sync(&push(phone, &reports[..20])).await.expect("re-send");
    assert!(resent.results.iter().all(|r| matches!(r.outcome, ItemOutcome::Accepted(_))), "re-sends are never limited");
    assert_eq!(bari_queue(&server).await, 20);

    // One report at a time: a known one is answered, a new one refused for now.
    let http = reqwest::Client::new();
    let single = |r: &ReportPayload| {
        let mut body = serde_json::to_value(r).expect("json");
        body["device_id"] = json!(phone);
        http.post(format!("{}/api/v1/reports", server.url)).headers(casa_e2e::device_headers(phone)).json(&body).send()
    };
    assert_eq!(single(&reports[3]).await.expect("known").status(), 200);
    let res = single(&reports[300]).await.expect("new");
    assert_eq!(res.status(), 429);
    assert!(retry_after(&res) >= 1);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["code"], "rate_limited", "{body}");
    assert_eq!(bari_queue(&server).await, 20);
    server.stop().await;
}
on_both_databases!(
    one_phone_syncing_500_new_reports_gets_its_budget_accepted_and_the_rest_deferred_and_a_resend_is_not_limited,
    super::one_phone_syncing_500_new_reports_gets_its_budget_accepted_and_the_rest_deferred_and_a_resend_is_not_limited
);

async fn many_phones_behind_one_address_share_its_budget(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    server.state.set_rate_limits(&RateLimitSettings {
        reports_burst_per_ip: 6,
        reports_per_hour_per_ip: 600,
        ..RateLimitSettings::unlimited()
    });
    let mut outcomes = Vec::new();
    for i in 0..4 {
        let phone = DeviceId::new();
        let res = casa_e2e::phone_client(&server.url, phone).sync(&push(phone, &[report(2 * i), report(2 * i + 1)])).await.expect("sync");
        outcomes.extend(res.results.into_iter().map(|r| matches!(r.outcome, ItemOutcome::Accepted(_))));
    }
    assert_eq!(outcomes, [true, true, true, true, true, true, false, false], "six from 127.0.0.1, whichever the phone");
    assert_eq!(bari_queue(&server).await, 6);
    server.stop().await;
}
on_both_databases!(many_phones_behind_one_address_share_its_budget, super::many_phones_behind_one_address_share_its_budget);

async fn the_phone_keeps_reports_the_server_put_off_in_its_outbox_and_sends_them_later(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    server.state.set_rate_limits(&RateLimitSettings {
        reports_burst_per_device: 10,
        reports_per_hour_per_device: 60,
        ..RateLimitSettings::unlimited()
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = LocalStore::open(dir.path()).expect("open");
    let now = Utc::now();
    for i in 0..30 {
        store.capture(&NewReport::parse(&report(i), now).expect("valid")).expect("capture");
    }
    let opts = SyncOptions { max_attempts: 2, ..SyncOptions::default() };
    let summary = casa_mobile::sync(&mut store, &Client::new(&server.url), &opts, |_| {}).await.expect("sync");
    assert_eq!((summary.accepted, summary.rejected, summary.deferred), (10, 0, 20));
    assert!(summary.retry_after.is_some_and(|d| d.as_secs() >= 1), "{summary:?}");
    assert_eq!(store.outbox_len().expect("outbox"), 20, "put off, still queued");
    assert!(store.errors().expect("errors").is_empty(), "nothing shown as refused");
    assert_eq!(bari_queue(&server).await, 10);

    // Later (here: the limits raised), the next sync sends them, once each.
    server.state.set_rate_limits(&RateLimitSettings::unlimited());
    let later = casa_mobile::sync(&mut store, &Client::new(&server.url), &opts, |_| {}).await.expect("later");
    assert_eq!((later.accepted, later.deferred), (20, 0));
    assert_eq!(store.outbox_len().expect("outbox"), 0);
    assert_eq!(bari_queue(&server).await, 30);
    server.stop().await;
}
on_both_databases!(
    the_phone_keeps_reports_the_server_put_off_in_its_outbox_and_sends_them_later,
    super::the_phone_keeps_reports_the_server_put_off_in_its_outbox_and_sends_them_later
);
