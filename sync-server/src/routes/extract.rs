//! Extractors whose failures speak the API's error format.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use base64::Engine;
use serde::de::DeserializeOwned;

use crate::auth::{verify_password, Role};
use crate::error::ApiError;
use crate::service::{BackOffice, Staff};
use crate::state::AppState;

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

/// A staff member authenticated with HTTP Basic (email and password).
impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).ok_or_else(ApiError::unauthorized)?;
        let encoded = header.strip_prefix("Basic ").ok_or_else(ApiError::unauthorized)?;
        let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).map_err(|_| ApiError::unauthorized())?;
        let decoded = String::from_utf8(decoded).map_err(|_| ApiError::unauthorized())?;
        let (email, password) = decoded.split_once(':').ok_or_else(ApiError::unauthorized)?;
        let email = crate::auth::parse_email(email).map_err(|_| ApiError::unauthorized())?;
        let user = state.store().staff_user_by_email(&email).await.map_err(|e| {
            tracing::error!(error = %e, "staff lookup failed");
            ApiError::internal()
        })?;
        let password = password.to_owned();
        // A missing user still costs one verification, so response times do
        // not reveal which emails exist.
        let stored = user.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(|| dummy_hash().to_owned());
        let ok = tokio::task::spawn_blocking(move || verify_password(&password, &stored)).await.unwrap_or(false);
        match user {
            Some(u) if ok => Ok(Staff {
                id: u.id,
                email: u.email,
                role: Role::parse(&u.role).map_err(|_| ApiError::forbidden())?,
                comuni: u.comuni,
                department: u.department,
            }),
            _ => Err(ApiError::unauthorized()),
        }
    }
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

/// A back-office system authenticated with an API key (`Authorization: Bearer <key>`).
impl FromRequestParts<AppState> for BackOffice {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let key = bearer_token(parts).ok_or_else(ApiError::invalid_api_key)?;
        let record = state.store().api_key_by_hash(&crate::auth::hash_api_key(key)).await.map_err(|e| {
            tracing::error!(error = %e, "API key lookup failed");
            ApiError::internal()
        })?;
        match record {
            Some(k) if !k.revoked => Ok(BackOffice { key_id: k.id, name: k.name }),
            _ => Err(ApiError::invalid_api_key()),
        }
    }
}

/// The argon2id hash of a random password nobody knows.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| crate::auth::hash_password(&crate::auth::generate_api_key().0).unwrap_or_default())
}
