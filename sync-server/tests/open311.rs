//! Open311 GeoReport v2, in JSON and XML, as a third-party client uses it.

mod common;

use common::on_both_databases;

use common::TestDb;
use reqwest::StatusCode;
use serde_json::Value;

/// An Open311 client's key for Bari (`file_reports`).
async fn api_key(server: &casa_sync_server::RunningServer) -> String {
    api_key_for(server, "test client", "072006").await
}

async fn api_key_for(server: &casa_sync_server::RunningServer, name: &str, comune: &str) -> String {
    use casa_sync_server::platform::api_keys::{issue, KeyScope, DEFAULT_PERMISSIONS};
    let scope = KeyScope::new(casa_shared_model::IstatCode::parse(comune).expect("code"), None, DEFAULT_PERMISSIONS);
    issue(server.state.store(), name, scope, chrono::Utc::now()).await.expect("key").0
}

/// The text of the first `<name>` element.
fn xml_text<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{name}>"))? + start;
    Some(&xml[start..end])
}

async fn every_open311_endpoint_answers_per_georeport_v2_in_json_and_xml(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let http = reqwest::Client::new();
    let base = format!("{}/open311/v2", server.url);
    let key = api_key(&server).await;

    // services.json / .xml
    let services: Value =
        http.get(format!("{base}/services.json?jurisdiction_id=072006")).send().await.expect("services").json().await.expect("json");
    let list = services.as_array().expect("array");
    assert_eq!(list.len(), 9);
    for s in list {
        for field in ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"] {
            assert!(!s[field].is_null(), "service misses {field}: {s}");
        }
        assert_eq!(s["type"], "realtime");
    }
    let xml = http.get(format!("{base}/services.xml")).send().await.expect("services.xml");
    assert!(xml.headers()["content-type"].to_str().expect("ct").contains("xml"));
    let xml = xml.text().await.expect("text");
    assert!(xml.starts_with("<?xml") && xml.contains("<services><service><service_code>road_damage</service_code>"), "{xml}");

    // services/{code}
    let def: Value = http.get(format!("{base}/services/waste.json")).send().await.expect("def").json().await.expect("json");
    assert_eq!(def["service_code"], "waste");
    assert!(def["attributes"].as_array().is_some());
    let def = http.get(format!("{base}/services/waste.xml")).send().await.expect("def").text().await.expect("xml");
    assert!(def.contains("<service_definition><service_code>waste</service_code>"), "{def}");
    let missing = http.get(format!("{base}/services/ufo.json")).send().await.expect("missing");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let err: Value = missing.json().await.expect("json");
    assert_eq!(err[0]["code"], 404);

    // POST requests.json: at the Basilica di San Nicola, with a photo URL.
    let form = [
        ("api_key", key.as_str()),
        ("service_code", "road_damage"),
        ("lat", "41.1306"),
        ("long", "16.8697"),
        ("address_string", "Largo Abate Elia, Bari"),
        ("description", "Basoli sconnessi davanti alla Basilica"),
        ("media_url", "https://example.org/foto/basoli.jpg"),
        ("email", "cittadino@example.org"),
    ];
    let created = http.post(format!("{base}/requests.json")).form(&form).send().await.expect("post");
    assert_eq!(created.status(), StatusCode::OK);
    let created: Value = created.json().await.expect("json");
    let id = created[0]["service_request_id"].as_str().expect("id").to_owned();
    assert!(created[0]["service_notice"].as_str().is_some_and(|n| n.contains("Bari")));

    // POST requests.xml, routed by location to Monopoli, by Monopoli's client.
    let key_monopoli = api_key_for(&server, "client di Monopoli", "072030").await;
    let form_xml = [
        ("api_key", key_monopoli.as_str()),
        ("service_code", "waste"),
        ("lat", "40.9516"),
        ("long", "17.2987"),
        ("description", "Cassonetto rotto"),
    ];
    let xml = http.post(format!("{base}/requests.xml")).form(&form_xml).send().await.expect("post xml").text().await.expect("xml");
    let id_monopoli = xml_text(&xml, "service_request_id").expect("id in xml").to_owned();

    // Errors per the spec: 403 for a bad key, 400 for bad input, in both formats.
    let mut bad_key = form.to_vec();
    bad_key[0] = ("api_key", "casa_wrong");
    let res = http.post(format!("{base}/requests.json")).form(&bad_key).send().await.expect("bad key");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(res.json::<Value>().await.expect("json")[0]["code"], 403);
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("api_key", &key), ("lat", "41.13"), ("long", "16.87"), ("description", "x")], "no service_code"),
        (vec![("api_key", &key), ("service_code", "ufo"), ("lat", "41.13"), ("long", "16.87"), ("description", "x")], "unknown service"),
        (vec![("api_key", &key), ("service_code", "waste"), ("description", "x")], "no location"),
        (vec![("api_key", &key), ("service_code", "waste"), ("lat", "north"), ("long", "16.87"), ("description", "x")], "bad lat"),
        (vec![("api_key", &key), ("service_code", "waste"), ("lat", "41.6"), ("long", "17.4"), ("description", "x")], "at sea"),
    ];
    for (form, what) in cases {
        let res = http.post(format!("{base}/requests.xml")).form(&form).send().await.expect(what);
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{what}");
        let xml = res.text().await.expect("xml");
        assert_eq!(xml_text(&xml, "code"), Some("400"), "{what}: {xml}");
        assert!(xml_text(&xml, "description").is_some_and(|d| !d.is_empty()), "{what}");
    }

    // A jurisdiction other than the key's Comune is refused (403), like a location there.
    let mut elsewhere = form.to_vec();
    elsewhere.push(("jurisdiction_id", "072030"));
    let res = http.post(format!("{base}/requests.xml")).form(&elsewhere).send().await.expect("wrong jurisdiction");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(xml_text(&res.text().await.expect("xml"), "code"), Some("403"));

    // requests/{id}: an unmoderated report is not public: 404, as the native API answers.
    let res = http.get(format!("{base}/requests/{id}.json")).send().await.expect("get");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // Published, it is listed with its text, photo and department.
    let (email, password) = common::add_staff(&server, "mod@comune.bari.it", "moderator", &["072006"]).await;
    let res = http
        .post(format!("{}/api/v1/admin/reports/{id}/status", server.url))
        .basic_auth(&email, Some(&password))
        .json(&serde_json::json!({"status": "published"}))
        .send()
        .await
        .expect("publish");
    assert_eq!(res.status(), StatusCode::OK);
    let list: Value = http.get(format!("{base}/requests.json")).send().await.expect("list").json().await.expect("json");
    let list = list.as_array().expect("array");
    assert_eq!(list.len(), 1, "only public reports are listed");
    let r = &list[0];
    assert!(r["agency_responsible"].as_str().is_some_and(|a| a.contains("Comune di Bari") && a.contains("Lavori pubblici")));
    let one: Value = http.get(format!("{base}/requests/{id}.json")).send().await.expect("get").json().await.expect("json");
    assert_eq!(one[0]["service_request_id"], id.as_str());
    assert_eq!(one[0]["status"], "open");
    for field in [
        "service_request_id",
        "status",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "requested_datetime",
        "updated_datetime",
        "lat",
        "long",
        "media_url",
        "address",
    ] {
        assert!(!r[field].is_null(), "request misses {field}: {r}");
    }
    assert_eq!(r["media_url"], "https://example.org/foto/basoli.jpg");
    assert_eq!(r["address"], "Largo Abate Elia, Bari");
    assert!(chrono::DateTime::parse_from_rfc3339(r["requested_datetime"].as_str().expect("date")).is_ok());

    // Filters.
    let count = |q: &'static str| {
        let http = http.clone();
        let base = base.clone();
        async move {
            http.get(format!("{base}/requests.json?{q}"))
                .send()
                .await
                .expect("list")
                .json::<Value>()
                .await
                .expect("json")
                .as_array()
                .map(Vec::len)
        }
    };
    assert_eq!(count("service_code=road_damage").await, Some(1));
    assert_eq!(count("service_code=waste,graffiti_vandalism").await, Some(0));
    assert_eq!(count("status=open").await, Some(1));
    assert_eq!(count("status=closed").await, Some(0));
    assert_eq!(count("jurisdiction_id=072006").await, Some(1));
    assert_eq!(count("jurisdiction_id=072030").await, Some(0));
    assert_eq!(count("start_date=2000-01-01T00:00:00Z&end_date=2000-02-01T00:00:00Z").await, Some(0));
    let ids = format!("service_request_id={id},{id_monopoli}");
    let by_id: Value = http.get(format!("{base}/requests.json?{ids}")).send().await.expect("ids").json().await.expect("json");
    assert_eq!(by_id.as_array().map(Vec::len), Some(1), "the unmoderated one stays hidden from listings");

    let xml = http.get(format!("{base}/requests.xml?status=open")).send().await.expect("xml").text().await.expect("text");
    assert!(xml.starts_with("<?xml") && xml.contains("<service_requests><request>"), "{xml}");
    assert_eq!(xml_text(&xml, "service_request_id"), Some(id.as_str()));
    let res = http.get(format!("{base}/requests.json?start_date=yesterday")).send().await.expect("bad date");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = http.get(format!("{base}/requests/{}.xml", casa_shared_model::ReportId::new())).send().await.expect("missing");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(xml_text(&res.text().await.expect("xml"), "code"), Some("404"));
    let res = http.get(format!("{base}/requests.json?jurisdiction_id=999999")).send().await.expect("jurisdiction");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    server.stop().await;
}
on_both_databases!(
    every_open311_endpoint_answers_per_georeport_v2_in_json_and_xml,
    super::every_open311_endpoint_answers_per_georeport_v2_in_json_and_xml
);

async fn control_characters_anywhere_in_a_request_are_refused_not_a_500(db: &TestDb) {
    let server = common::server_with_boundaries(db).await;
    let http = reqwest::Client::new();
    let base = format!("{}/open311/v2", server.url);
    let key = api_key(&server).await;
    let nul = "via\u{0}Sparano";
    let forms: Vec<Vec<(&str, &str)>> = vec![
        vec![
            ("api_key", &key),
            ("service_code", "waste"),
            ("lat", "41.1306"),
            ("long", "16.8697"),
            ("description", "x"),
            ("address_string", nul),
        ],
        vec![("api_key", &key), ("service_code", "waste"), ("lat", "41.1306"), ("long", "16.8697"), ("description", nul)],
        vec![
            ("api_key", &key),
            ("service_code", "waste"),
            ("lat", "41.1306"),
            ("long", "16.8697"),
            ("description", "x"),
            ("media_url", "https://a.it/\u{0}"),
        ],
        vec![("api_key", &key), ("service_code", nul), ("lat", "41.1306"), ("long", "16.8697"), ("description", "x")],
        vec![("api_key", "casa_\u{0}"), ("service_code", "waste"), ("lat", "41.1306"), ("long", "16.8697"), ("description", "x")],
    ];
    for form in forms {
        let res = http.post(format!("{base}/requests.json")).form(&form).send().await.expect("post");
        assert!(res.status().is_client_error(), "{form:?}: {}", res.status());
    }
    let res = http.get(format!("{base}/requests.json?service_code=wa%00ste")).send().await.expect("get");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = http
        .get(format!("{}/api/v1/admin/comuni/072006/queue", server.url))
        .basic_auth("m\u{0}@comune.bari.it", Some("x"))
        .send()
        .await
        .expect("auth");
    let status = res.status();
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{}", res.text().await.unwrap_or_default());
    server.stop().await;
}
on_both_databases!(
    control_characters_anywhere_in_a_request_are_refused_not_a_500,
    super::control_characters_anywhere_in_a_request_are_refused_not_a_500
);
