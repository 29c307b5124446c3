//! Extractors whose failures speak the API's error format.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use base64::Engine;
use serde::de::DeserializeOwned;

use crate::components::reports::BackOffice;
use crate::platform::error::ApiError;
use crate::platform::staff::Staff;
use crate::platform::state::AppState;

/// A JSON body. Errors name the offending field (`items[3].lat: ...`) and
/// map to stable codes: `invalid_json`, `invalid_request`,
/// `payload_too_large`, `unsupported_media_type`.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json")));
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Serve Content-Type: application/json / Content-Type: application/json expected",
            ));
        }
        let bytes = read_body(req.into_body(), super::MAX_BODY_BYTES).await.map_err(|e| match e {
            BodyError::TooLarge => payload_too_large(),
            BodyError::Unreadable => ApiError::bad_request("invalid_body", "Corpo della richiesta illeggibile / Unreadable request body"),
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    TooLarge,
    Unreadable,
}

/// Past this, an oversized body is cut off rather than read to its end.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

/// Reads a body of at most `limit` bytes. An oversized body is still read
/// (and dropped) up to [`DRAIN_LIMIT`], so that the client, still writing,
/// gets the 413 answer instead of a connection reset.
pub async fn read_body(body: axum::body::Body, limit: usize) -> Result<Bytes, BodyError> {
    use futures::StreamExt;
    let mut stream = body.into_data_stream();
    let mut buf = Vec::new();
    let mut total = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| BodyError::Unreadable)?;
        total = total.saturating_add(chunk.len());
        if total <= limit {
            buf.extend_from_slice(&chunk);
        } else if total > DRAIN_LIMIT {
            return Err(BodyError::TooLarge);
        }
    }
    if total > limit {
        Err(BodyError::TooLarge)
    } else {
        Ok(Bytes::from(buf))
    }
}

/// Query parameters whose errors speak the API's format (`invalid_query`).
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        if carries_nul(query.as_bytes()) {
            return Err(nul_refused());
        }
        serde_urlencoded::from_str(query)
            .map(ApiQuery)
            .map_err(|e| ApiError::bad_request("invalid_query", format!("Parametri non validi / Invalid query parameters: {e}")))
    }
}

pub fn payload_too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "Richiesta troppo grande: invia meno elementi per volta / Request too large: send fewer items at a time",
    )
}

/// Whether a request body or query carries a NUL character, raw or escaped
/// (`\u0000` in JSON, `%00` in a form or query). No field of ours may hold
/// one (PostgreSQL refuses NUL in text), so such a request is refused whole
/// before anything is read from it, rather than failing halfway through.
pub fn carries_nul(bytes: &[u8]) -> bool {
    bytes.contains(&0)
        || bytes.windows(3).any(|w| w == b"%00")
        || bytes.windows(6).any(|w| w[0] == b'\\' && w[1] == b'u' && w[2..].iter().all(|&b| b == b'0'))
}

pub fn nul_refused() -> ApiError {
    ApiError::bad_request(
        "control_characters",
        "Il testo contiene caratteri di controllo non ammessi / The text contains control characters that are not allowed",
    )
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if carries_nul(bytes) {
        return Err(nul_refused());
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut *de).map_err(json_error)?;
    // One JSON value and nothing after it but white space: `{...}garbage`
    // is a client's bug, not a request.
    de.end().map_err(|e| ApiError::bad_request("invalid_json", format!("JSON non valido / Invalid JSON: {e}")))?;
    Ok(value)
}

/// [`parse_json`] for a value already parsed (a body whose shape depends on
/// one of its fields, like the sync's protocol version).
pub fn json_from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(json_error)
}

fn json_error(e: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof | serde_json::error::Category::Io => {
                ApiError::bad_request("invalid_json", format!("JSON non valido / Invalid JSON: {inner}"))
            }
            serde_json::error::Category::Data => {
                let at = if path == "." { String::new() } else { format!("{path}: ") };
                ApiError::bad_request("invalid_request", format!("Richiesta non valida / Invalid request: {at}{inner}"))
            }
        }
    }
}

/// A staff member authenticated with HTTP Basic (email and password),
/// through the same throttled, audited check as the dashboard's login
/// ([`crate::platform::staff::authenticate`]).
impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // A missing or malformed header carries no password to check: 401
        // at once, nothing counted.
        let (email, password) = basic_credentials(parts).ok_or_else(ApiError::unauthorized)?;
        let client = crate::platform::client_ip::of_request(&parts.extensions, &parts.headers, state);
        crate::platform::staff::basic_login(state, &email, &password, client).await.map_err(login_refused)
    }
}

/// OpenAPI: every operation that takes HTTP Basic may also answer 429
/// `too_many_attempts` with `Retry-After` (see [`crate::platform::login_throttle`]).
pub struct BasicMayWait;

impl utoipa::Modify for BasicMayWait {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{content::ContentBuilder, header::HeaderBuilder, schema, Ref, ResponseBuilder};
        let seconds = schema::ObjectBuilder::new().schema_type(schema::Type::Integer).minimum(Some(1));
        let response = ResponseBuilder::new()
            .description(
                "Too many failed logins for this account or from this address: wait `Retry-After` seconds \
                 (`too_many_attempts`; the same answer whether the account exists or not)",
            )
            .content("application/json", ContentBuilder::new().schema(Some(Ref::from_schema_name("ApiErrorBody"))).build())
            .header("Retry-After", HeaderBuilder::new().schema(seconds).description(Some("Seconds")).build())
            .build();
        for item in openapi.paths.paths.values_mut() {
            for op in [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch].into_iter().flatten() {
                // A requirement's schemes are private in utoipa: read them as JSON.
                let basic = op.security.iter().flatten().any(|r| serde_json::to_value(r).is_ok_and(|v| v.get("basic").is_some()));
                if basic {
                    op.responses.responses.entry("429".to_owned()).or_insert_with(|| response.clone().into());
                }
            }
        }
    }
}

/// The email and password of `Authorization: Basic`.
fn basic_credentials(parts: &Parts) -> Option<(String, String)> {
    let header = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = header.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (email, password) = decoded.split_once(':')?;
    Some((email.to_owned(), password.to_owned()))
}

/// A refused password, as the API answers it: the same for known and
/// unknown accounts.
pub fn login_refused(e: crate::platform::staff::LoginError) -> ApiError {
    use crate::platform::staff::LoginError;
    match e {
        LoginError::InvalidCredentials => ApiError::unauthorized(),
        LoginError::Throttled { .. } => too_many_attempts(e.retry_after_secs().unwrap_or(1)),
        LoginError::Store(e) => {
            tracing::error!(error = %e, "staff login check failed");
            ApiError::internal()
        }
    }
}

/// 429 `too_many_attempts`, with `Retry-After`.
pub fn too_many_attempts(retry_after_secs: u64) -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        crate::platform::staff::LoginError::Throttled { retry_after: Default::default() }.to_string(),
    )
    .with_retry_after(retry_after_secs)
}

/// The token of `Authorization: Bearer <token>`, if one is there.
pub fn bearer_token(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// A back-office system authenticated with an API key (`Authorization: Bearer <key>`):
/// known, not revoked and scoped ([`crate::platform::api_keys::authenticate`]); what it
/// may do is checked by each route.
impl FromRequestParts<AppState> for BackOffice {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let key = bearer_token(parts).ok_or_else(ApiError::invalid_api_key)?;
        let k = crate::platform::api_keys::authenticate(state.store(), key).await.map_err(|r| r.to_api_error())?;
        Ok(BackOffice { key_id: k.id, name: k.name, scope: k.scope })
    }
}
