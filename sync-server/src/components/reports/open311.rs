//! Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2), in JSON and
//! XML, under `/open311/v2`.
//!
//! Mapping: `service_code` is a category code; `jurisdiction_id` an ISTAT code
//! (optional: without it a request is routed by its location);
//! `service_request_id` is the report's UUID; `agency_responsible` names the
//! Comune and the department.

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use casa_shared_model::wire::ReportPayload;
use casa_shared_model::{IstatCode, ReportId, ReportStatus};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde::Serialize;

use crate::components::reports::service::{self, Candidate, Origin, PUBLIC_STATUSES};
use crate::components::reports::xml::XmlWriter;
use crate::platform::api_keys::{KeyRefusal, Permission};
use crate::platform::client_ip::ClientIp;
use crate::platform::directory::ComuneEntry;
use crate::platform::error::ServiceError;
use crate::platform::state::AppState;
use crate::store::{ReportFilter, ReportRecord, ReportSource};

/// The spec's default window for `GET requests` without dates.
const DEFAULT_WINDOW_DAYS: i64 = 90;
/// The spec's default upper limit of requests returned.
const MAX_REQUESTS: u32 = 1000;
const OPEN_PUBLIC: [&str; 4] = ["published", "assigned_to_department", "confirmed_by_inspector", "in_progress"];
const CLOSED_PUBLIC: [&str; 2] = ["resolved", "closed"];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/services.json", get(|s: State<AppState>, q: RawQuery| services(s, q, Format::Json)))
        .route("/services.xml", get(|s: State<AppState>, q: RawQuery| services(s, q, Format::Xml)))
        .route("/services/{file}", get(service_definition))
        .route(
            "/requests.json",
            get(|s: State<AppState>, q: RawQuery| list_requests(s, q, Format::Json))
                .post(|s: State<AppState>, ip: ClientIp, b: Body| create_request(s, ip, b, Format::Json)),
        )
        .route(
            "/requests.xml",
            get(|s: State<AppState>, q: RawQuery| list_requests(s, q, Format::Xml))
                .post(|s: State<AppState>, ip: ClientIp, b: Body| create_request(s, ip, b, Format::Xml)),
        )
        .route("/requests/{file}", get(get_request))
        .fallback(|| async { Open311Error::new(StatusCode::NOT_FOUND, "Risorsa non trovata / Not found").into_format(Format::Json) })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Xml,
}

/// Splits `name.json` / `name.xml`.
fn split_format(file: &str) -> Option<(&str, Format)> {
    if let Some(name) = file.strip_suffix(".json") {
        Some((name, Format::Json))
    } else {
        file.strip_suffix(".xml").map(|name| (name, Format::Xml))
    }
}

/// An error in the spec's shape: `[{"code": 400, "description": "..."}]`.
#[derive(Debug, Clone)]
struct Open311Error {
    status: StatusCode,
    description: String,
    /// Seconds to wait, sent as `Retry-After` (429).
    retry_after: Option<u64>,
}

impl Open311Error {
    fn new(status: StatusCode, description: impl Into<String>) -> Self {
        Self { status, description: description.into(), retry_after: None }
    }

    /// An API error (e.g. 429 `rate_limited`) in Open311's format.
    fn from_api(e: crate::platform::error::ApiError) -> Self {
        Self { status: e.status, description: e.message, retry_after: e.retry_after }
    }

    fn bad_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, description)
    }

    fn into_format(self, format: Format) -> Response {
        let retry_after = self.retry_after;
        let mut res = self.into_body(format);
        if let Some(seconds) = retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, axum::http::HeaderValue::from(seconds));
        }
        res
    }

    fn into_body(self, format: Format) -> Response {
        let code = self.status.as_u16();
        match format {
            Format::Json => {
                let body = serde_json::json!([{ "code": code, "description": self.description }]);
                (self.status, axum::Json(body)).into_response()
            }
            Format::Xml => {
                let mut w = XmlWriter::new();
                w.open("errors").open("error").element("code", Some(&code.to_string())).element("description", Some(&self.description));
                w.close("error").close("errors");
                (self.status, [(header::CONTENT_TYPE, "text/xml; charset=utf-8")], w.finish()).into_response()
            }
        }
    }
}

impl From<ServiceError> for Open311Error {
    fn from(e: ServiceError) -> Self {
        let api = crate::platform::error::ApiError::from(e);
        let status = if api.status.is_server_error() { api.status } else { StatusCode::BAD_REQUEST };
        Self::new(status, api.message)
    }
}

fn respond<T: Serialize>(format: Format, json: &T, xml: impl FnOnce(&mut XmlWriter)) -> Response {
    match format {
        Format::Json => axum::Json(json).into_response(),
        Format::Xml => {
            let mut w = XmlWriter::new();
            xml(&mut w);
            ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], w.finish()).into_response()
        }
    }
}

fn params(query: &Option<String>) -> Result<Vec<(String, String)>, Open311Error> {
    if query.as_deref().is_some_and(|q| crate::platform::routes::extract::carries_nul(q.as_bytes())) {
        return Err(Open311Error::bad_request("Caratteri di controllo non ammessi / Control characters are not allowed"));
    }
    serde_urlencoded::from_str(query.as_deref().unwrap_or(""))
        .map_err(|_| Open311Error::bad_request("Parametri illeggibili / Unreadable parameters"))
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
}

/// The Comune a `jurisdiction_id` names, if one was given.
fn jurisdiction<'d>(
    directory: &'d crate::platform::directory::Directory,
    params: &[(String, String)],
) -> Result<Option<&'d ComuneEntry>, Open311Error> {
    match param(params, "jurisdiction_id") {
        None => Ok(None),
        Some(j) => IstatCode::parse(j).ok().and_then(|code| directory.comune(&code)).map(Some).ok_or_else(|| {
            Open311Error::new(StatusCode::NOT_FOUND, format!("jurisdiction_id «{j}» sconosciuto / unknown jurisdiction_id"))
        }),
    }
}

#[derive(Debug, Serialize)]
struct ServiceJson {
    service_code: String,
    service_name: String,
    description: String,
    metadata: bool,
    #[serde(rename = "type")]
    kind: &'static str,
    keywords: String,
    group: String,
}

async fn services(State(state): State<AppState>, RawQuery(query): RawQuery, format: Format) -> Response {
    let directory = state.directory();
    let result = params(&query).and_then(|p| jurisdiction(&directory, &p));
    let only = match result {
        Ok(j) => j,
        Err(e) => return e.into_format(format),
    };
    // Without a jurisdiction, the services of every Comune, each code once.
    let mut list: Vec<ServiceJson> = Vec::new();
    let comuni: Vec<&ComuneEntry> = match only {
        Some(c) => vec![c],
        None => directory.order.iter().filter_map(|c| directory.comune(c)).collect(),
    };
    for c in comuni {
        for k in &c.categories {
            if list.iter().all(|s| s.service_code != k.code) {
                list.push(ServiceJson {
                    service_code: k.code.clone(),
                    service_name: k.name_it.clone(),
                    description: format!("{} ({})", k.description_it, k.name_en),
                    metadata: false,
                    kind: "realtime",
                    keywords: k.code.replace('_', ", "),
                    group: c.department_name(&k.department),
                });
            }
        }
    }
    respond(format, &list, |w| {
        w.open("services");
        for s in &list {
            w.open("service")
                .element("service_code", Some(&s.service_code))
                .element("service_name", Some(&s.service_name))
                .element("description", Some(&s.description))
                .element("metadata", Some("false"))
                .element("type", Some(s.kind))
                .element("keywords", Some(&s.keywords))
                .element("group", Some(&s.group))
                .close("service");
        }
        w.close("services");
    })
}

async fn service_definition(State(state): State<AppState>, Path(file): Path<String>, RawQuery(query): RawQuery) -> Response {
    let Some((code, format)) = split_format(&file) else {
        return Open311Error::new(StatusCode::NOT_FOUND, "Formato non supportato: .json o .xml / Unsupported format: .json or .xml")
            .into_format(Format::Json);
    };
    let directory = state.directory();
    let only = match params(&query).and_then(|p| jurisdiction(&directory, &p)) {
        Ok(j) => j,
        Err(e) => return e.into_format(format),
    };
    let known = match only {
        Some(c) => c.category(code).is_some(),
        None => directory.comuni.values().any(|c| c.category(code).is_some()),
    };
    if !known {
        return Open311Error::new(StatusCode::NOT_FOUND, format!("service_code «{code}» sconosciuto / unknown service_code"))
            .into_format(format);
    }
    // No service has extra attributes (metadata is false everywhere), so the
    // definition is the code with an empty attribute list.
    let json = serde_json::json!({ "service_code": code, "attributes": [] });
    respond(format, &json, |w| {
        w.open("service_definition").element("service_code", Some(code)).open("attributes").close("attributes").close("service_definition");
    })
}

#[derive(Debug, Serialize)]
struct CreatedJson {
    service_request_id: String,
    service_notice: String,
    account_id: Option<String>,
}

async fn create_request(State(state): State<AppState>, ClientIp(ip): ClientIp, body: Body, format: Format) -> Response {
    match create(&state, ip, body).await {
        Ok(created) => {
            let list = [created];
            respond(format, &list, |w| {
                w.open("service_requests")
                    .open("request")
                    .element("service_request_id", Some(&list[0].service_request_id))
                    .element("service_notice", Some(&list[0].service_notice))
                    .element("account_id", None)
                    .close("request")
                    .close("service_requests");
            })
        }
        Err(e) => e.into_format(format),
    }
}

async fn create(state: &AppState, ip: Option<std::net::IpAddr>, body: Body) -> Result<CreatedJson, Open311Error> {
    let bytes = crate::platform::routes::extract::read_body(body, crate::platform::routes::MAX_BODY_BYTES).await.map_err(|e| match e {
        crate::platform::routes::extract::BodyError::TooLarge => {
            Open311Error::new(StatusCode::PAYLOAD_TOO_LARGE, "Richiesta troppo grande / Request too large")
        }
        crate::platform::routes::extract::BodyError::Unreadable => Open311Error::bad_request("Richiesta illeggibile / Unreadable request"),
    })?;
    if crate::platform::routes::extract::carries_nul(&bytes) {
        return Err(Open311Error::bad_request("Caratteri di controllo non ammessi / Control characters are not allowed"));
    }
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
        .map_err(|_| Open311Error::bad_request("Modulo illeggibile: serve application/x-www-form-urlencoded / Unreadable form"))?;
    let key = param(&form, "api_key").ok_or_else(|| Open311Error::new(StatusCode::FORBIDDEN, "api_key mancante / api_key missing"))?;
    let api_key = crate::platform::api_keys::authorize(state.store(), key, Permission::FileReports).await.map_err(key_refused)?;
    let service_code =
        param(&form, "service_code").ok_or_else(|| Open311Error::bad_request("service_code mancante / service_code missing"))?;
    let lat = number(&form, "lat")?;
    let lon = number(&form, "long")?;
    let (lat, lon) = match (lat, lon) {
        (Some(lat), Some(lon)) => (lat, lon),
        _ if param(&form, "address_string").is_some() || param(&form, "address_id").is_some() => {
            return Err(Open311Error::bad_request(
                "Servono lat e long: gli indirizzi non sono geocodificati / lat and long are required: addresses are not geocoded",
            ))
        }
        _ => return Err(Open311Error::bad_request("Posizione mancante: servono lat e long / Location missing: lat and long are required")),
    };
    let description = param(&form, "description").ok_or_else(|| Open311Error::bad_request("description mancante / description missing"))?;
    let media_url = param(&form, "media_url").map(str::to_owned);
    if let Some(url) = &media_url {
        let ok = (url.starts_with("https://") || url.starts_with("http://")) && url.len() <= 2048 && !url.chars().any(char::is_control);
        if !ok {
            return Err(Open311Error::bad_request(
                "media_url non valido: serve un URL http(s) / invalid media_url: an http(s) URL is expected",
            ));
        }
    }
    let address = param(&form, "address_string").map(str::to_owned);
    if address.as_ref().is_some_and(|a| a.chars().count() > 500 || a.chars().any(char::is_control)) {
        return Err(Open311Error::bad_request(
            "address_string non valido: al massimo 500 caratteri, senza caratteri di controllo / invalid address_string: at most 500 characters, no control characters",
        ));
    }
    let directory = state.directory();
    let stated = jurisdiction(&directory, &form)?;
    let payload = ReportPayload {
        id: casa_shared_model::ReportId::new(),
        category: service_code.to_owned(),
        description: description.to_owned(),
        lat,
        lon,
        // Open311 has no accuracy field; 0 records "not stated".
        accuracy_m: 0.0,
        captured_at: Utc::now(),
        photos: Vec::new(),
    };
    // A key files only for its own Comune (and department): a jurisdiction or
    // location elsewhere is refused, and its Comune is stated so that routing
    // re-checks it.
    if stated.is_some_and(|c| api_key.scope.comune != Some(c.istat_code)) {
        return Err(key_refused(KeyRefusal::OutsideScope));
    }
    crate::platform::api_keys::may_file(&directory, &api_key.scope, &payload, Utc::now()).map_err(key_refused)?;
    let origin = Origin { source: ReportSource::Open311, device_id: None, api_key_id: Some(api_key.id) };
    let id = payload.id;
    let candidate = Candidate { payload, address, media_url, stated_comune: api_key.scope.comune };
    // Per key and per address: a flood must not bury a Comune's queue.
    let subjects = crate::platform::ratelimit::subjects(None, Some(api_key.id), ip);
    crate::platform::ratelimit::admit_one(state, ReportSource::Open311, &subjects, &candidate.payload.id)
        .await
        .map_err(Open311Error::from_api)?;
    let answer = service::submit_reports(state, origin, vec![candidate])
        .await?
        .pop()
        .ok_or_else(|| Open311Error::new(StatusCode::INTERNAL_SERVER_ERROR, "Errore interno / Internal error"))?;
    match answer {
        Ok(routing) => Ok(CreatedJson {
            service_request_id: id.to_string(),
            service_notice: format!(
                "Segnalazione ricevuta dal Comune di {}: sarà verificata dai moderatori e poi inoltrata a {} / Received by the Comune of {}: it will be moderated, then passed to {}",
                routing.comune_name, routing.department_name, routing.comune_name, routing.department_name
            ),
            account_id: None,
        }),
        Err(rejection) => Err(Open311Error::bad_request(rejection.message)),
    }
}

/// A refused key, as Open311 answers it: 403 with the reason (an unknown or
/// revoked key is 403 here, Open311's convention, not the native API's 401).
fn key_refused(r: KeyRefusal) -> Open311Error {
    match r {
        KeyRefusal::Invalid => Open311Error::new(StatusCode::FORBIDDEN, "api_key non valida / invalid api_key"),
        other => Open311Error::from_api(other.to_api_error()),
    }
}

fn number(form: &[(String, String)], name: &str) -> Result<Option<f64>, Open311Error> {
    param(form, name)
        .map(|v| v.parse::<f64>().map_err(|_| Open311Error::bad_request(format!("{name} non è un numero / {name} is not a number"))))
        .transpose()
}

#[derive(Debug, Serialize)]
struct RequestJson {
    service_request_id: String,
    status: &'static str,
    status_notes: Option<String>,
    service_name: Option<String>,
    service_code: String,
    description: Option<String>,
    agency_responsible: Option<String>,
    service_notice: Option<String>,
    requested_datetime: String,
    updated_datetime: String,
    expected_datetime: Option<String>,
    address: Option<String>,
    address_id: Option<String>,
    zipcode: Option<String>,
    lat: f64,
    long: f64,
    media_url: Option<String>,
}

fn w3c(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A public report in Open311 terms (only those reach here: see
/// [`crate::components::reports::visibility`]).
fn request_json(directory: &crate::platform::directory::Directory, r: ReportRecord) -> RequestJson {
    let comune = directory.comune(&r.comune);
    let public = r.status.is_public();
    let status_notes = match &r.status {
        ReportStatus::Rejected { reason } => format!("{}: {reason}", r.status.label_it()),
        ReportStatus::AssignedToDepartment { department } => {
            format!("{}: {}", r.status.label_it(), comune.map(|c| c.department_name(department)).unwrap_or_else(|| department.clone()))
        }
        ReportStatus::DuplicateOf { report_id } => format!("{}: {report_id}", r.status.label_it()),
        other => format!("{} / {}", other.label_it(), other.label_en()),
    };
    RequestJson {
        service_request_id: r.id.to_string(),
        status: if r.status.is_open() { "open" } else { "closed" },
        status_notes: Some(status_notes),
        service_name: comune.and_then(|c| c.category(&r.category)).map(|k| k.name_it.clone()),
        service_code: r.category.clone(),
        description: public.then(|| r.description.clone()),
        agency_responsible: comune.map(|c| format!("Comune di {} – {}", c.name, c.department_name(&r.department))),
        service_notice: None,
        requested_datetime: w3c(r.received_at),
        updated_datetime: w3c(r.updated_at),
        expected_datetime: None,
        address: r.address.clone(),
        address_id: None,
        zipcode: None,
        lat: r.lat,
        long: r.lon,
        media_url: if public { r.media_url.clone() } else { None },
    }
}

fn requests_xml(w: &mut XmlWriter, list: &[RequestJson]) {
    w.open("service_requests");
    for r in list {
        w.open("request")
            .element("service_request_id", Some(&r.service_request_id))
            .element("status", Some(r.status))
            .element("status_notes", r.status_notes.as_deref())
            .element("service_name", r.service_name.as_deref())
            .element("service_code", Some(&r.service_code))
            .element("description", r.description.as_deref())
            .element("agency_responsible", r.agency_responsible.as_deref())
            .element("service_notice", r.service_notice.as_deref())
            .element("requested_datetime", Some(&r.requested_datetime))
            .element("updated_datetime", Some(&r.updated_datetime))
            .element("expected_datetime", r.expected_datetime.as_deref())
            .element("address", r.address.as_deref())
            .element("address_id", r.address_id.as_deref())
            .element("zipcode", r.zipcode.as_deref())
            .element("lat", Some(&r.lat.to_string()))
            .element("long", Some(&r.long.to_string()))
            .element("media_url", r.media_url.as_deref())
            .close("request");
    }
    w.close("service_requests");
}

async fn list_requests(State(state): State<AppState>, RawQuery(query): RawQuery, format: Format) -> Response {
    match search(&state, &query).await {
        Ok(list) => respond(format, &list, |w| requests_xml(w, &list)),
        Err(e) => e.into_format(format),
    }
}

fn date(params: &[(String, String)], name: &str) -> Result<Option<DateTime<Utc>>, Open311Error> {
    param(params, name)
        .map(|v| {
            DateTime::parse_from_rfc3339(v).map(|t| t.with_timezone(&Utc)).map_err(|_| {
                Open311Error::bad_request(format!(
                    "{name}: data non valida, serve il formato W3C (es. 2026-11-23T10:00:00+01:00) / invalid date, W3C format expected"
                ))
            })
        })
        .transpose()
}

async fn search(state: &AppState, query: &Option<String>) -> Result<Vec<RequestJson>, Open311Error> {
    let p = params(query)?;
    let directory = state.directory();
    let mut filter = ReportFilter { limit: MAX_REQUESTS, statuses: Some(PUBLIC_STATUSES.to_vec()), ..ReportFilter::default() };
    if let Some(ids) = param(&p, "service_request_id") {
        // Per the spec, other parameters are ignored when ids are given.
        let ids = ids
            .split(',')
            .map(|s| ReportId::parse(s.trim()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| Open311Error::bad_request("service_request_id non valido / invalid service_request_id"))?;
        filter.ids = Some(ids);
    } else {
        filter.comune = jurisdiction(&directory, &p)?.map(|c| c.istat_code);
        filter.categories = param(&p, "service_code")
            .map(|s| {
                s.split(',')
                    .map(|c| casa_shared_model::CategoryCode::parse(c.trim()).map(String::from))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| Open311Error::bad_request(format!("service_code: {e}")))
            })
            .transpose()?;
        if let Some(statuses) = param(&p, "status") {
            let mut wanted = Vec::new();
            for s in statuses.split(',') {
                match s.trim() {
                    "open" => wanted.extend(OPEN_PUBLIC),
                    "closed" => wanted.extend(CLOSED_PUBLIC),
                    other => {
                        return Err(Open311Error::bad_request(format!(
                            "status «{other}» non valido: open o closed / invalid status: open or closed"
                        )))
                    }
                }
            }
            filter.statuses = Some(wanted);
        }
        let start = date(&p, "start_date")?;
        let end = date(&p, "end_date")?;
        if let (Some(s), Some(e)) = (start, end) {
            if s > e {
                return Err(Open311Error::bad_request("start_date è dopo end_date / start_date is after end_date"));
            }
        }
        filter.received_from = Some(match (start, end) {
            (Some(s), _) => s,
            (None, Some(e)) => e - Duration::days(DEFAULT_WINDOW_DAYS),
            (None, None) => Utc::now() - Duration::days(DEFAULT_WINDOW_DAYS),
        });
        filter.received_to = end;
    }
    let found = state.store().search_reports(&filter).await.map_err(|e| Open311Error::from(ServiceError::from(e)))?;
    // The statuses asked for are public ones already; the rule is applied
    // again so that a list can never show what a single request hides.
    Ok(found.into_iter().filter(crate::components::reports::visibility::is_public).map(|r| request_json(&directory, r)).collect())
}

async fn get_request(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some((id, format)) = split_format(&file) else {
        return Open311Error::new(StatusCode::NOT_FOUND, "Formato non supportato: .json o .xml / Unsupported format: .json or .xml")
            .into_format(Format::Json);
    };
    let not_found = || Open311Error::new(StatusCode::NOT_FOUND, format!("service_request_id «{id}» non trovato / not found"));
    let Ok(id) = ReportId::parse(id) else {
        return not_found().into_format(format);
    };
    // The public rule of the native API: a report not public answers 404, as an unknown id.
    match crate::components::reports::visibility::public_report(&state, &id).await {
        Ok(Some(r)) => {
            let list = [request_json(&state.directory(), r)];
            respond(format, &list, |w| requests_xml(w, &list))
        }
        Ok(None) => not_found().into_format(format),
        Err(e) => Open311Error::from(ServiceError::from(e)).into_format(format),
    }
}
