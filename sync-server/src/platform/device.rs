//! Which phone is asking, proven: a device id alone is printed in URLs,
//! logs and shared screenshots, so it is not a credential. Each phone makes
//! a secret at first run (32 random bytes, base64url without padding, so it
//! works offline from the first report) and sends it beside its id:
//!
//! ```text
//! X-Casa-Device: <device id, UUIDv7>
//! X-Casa-Device-Key: <secret>
//! ```
//!
//! The first request that reaches the server registers the secret's sha256
//! (the secret itself is never stored); every later request from that id
//! must carry the same secret, or gets 401 `device_key_mismatch`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use casa_shared_model::DeviceId;
use sha2::{Digest, Sha256};

use crate::platform::error::ApiError;
use crate::platform::state::AppState;

/// The phone's id.
pub const DEVICE_HEADER: &str = "x-casa-device";
/// The phone's secret.
pub const DEVICE_KEY_HEADER: &str = "x-casa-device-key";
/// Bytes of randomness in a key.
pub const KEY_BYTES: usize = 32;

/// A request's phone, its key checked. As an extractor it refuses the
/// request (401) when the headers are missing, malformed or carry another key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthenticatedDevice(pub DeviceId);

impl FromRequestParts<AppState> for AuthenticatedDevice {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        authenticate(state, &parts.headers).await.map(AuthenticatedDevice)
    }
}

/// The phone named by `X-Casa-Device`, once `X-Casa-Device-Key` is checked
/// (registered, on its first contact).
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<DeviceId, ApiError> {
    let (device, key) = credentials(headers)?.ok_or_else(key_required)?;
    let offered = key_hash(&key);
    let registered = state.store().register_device_key(&device, &offered, chrono::Utc::now()).await.map_err(|e| {
        tracing::error!(error = %e, "device key lookup failed");
        ApiError::internal()
    })?;
    if constant_time_eq(&registered, &offered) {
        Ok(device)
    } else {
        tracing::info!(%device, "device key mismatch");
        Err(key_mismatch())
    }
}

/// Like [`authenticate`], but a request without either header is `None`
/// (routes where naming the phone is optional). Headers present but wrong are
/// still refused, so a wrong key never silently becomes an anonymous request.
pub async fn authenticate_optional(state: &AppState, headers: &HeaderMap) -> Result<Option<DeviceId>, ApiError> {
    if headers.get(DEVICE_HEADER).is_none() && headers.get(DEVICE_KEY_HEADER).is_none() {
        return Ok(None);
    }
    authenticate(state, headers).await.map(Some)
}

/// The id and the decoded secret, if both headers are there and well formed.
fn credentials(headers: &HeaderMap) -> Result<Option<(DeviceId, [u8; KEY_BYTES])>, ApiError> {
    let (Some(id), Some(key)) = (headers.get(DEVICE_HEADER), headers.get(DEVICE_KEY_HEADER)) else {
        return Ok(None);
    };
    let id = id.to_str().ok().and_then(|v| DeviceId::parse(v.trim()).ok()).ok_or_else(key_required)?;
    let key = key.to_str().ok().and_then(|v| parse_key(v.trim())).ok_or_else(key_required)?;
    Ok(Some((id, key)))
}

/// A key as the phone writes it: base64url of [`KEY_BYTES`] bytes (padding
/// tolerated).
pub fn parse_key(s: &str) -> Option<[u8; KEY_BYTES]> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).ok()?;
    bytes.try_into().ok()
}

fn key_hash(key: &[u8; KEY_BYTES]) -> Vec<u8> {
    Sha256::digest(key).to_vec()
}

/// Compares without stopping at the first difference, so response times
/// say nothing about how much of a guess was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn key_required() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "device_key_required",
        "Servono le intestazioni X-Casa-Device e X-Casa-Device-Key valide / Valid X-Casa-Device and X-Casa-Device-Key headers are required",
    )
}

pub fn key_mismatch() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "device_key_mismatch",
        "La chiave non è quella registrata per questo dispositivo / The key is not the one registered for this device",
    )
}

/// A body that names a phone other than the one authenticated.
pub fn device_mismatch() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "device_mismatch",
        "Il device_id del corpo non è quello di X-Casa-Device / The body's device_id is not the X-Casa-Device one",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_of_32_bytes_in_base64url_parses_and_others_do_not() {
        let key = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([7u8; KEY_BYTES]);
        assert_eq!(parse_key(&key), Some([7u8; KEY_BYTES]));
        assert_eq!(parse_key(&format!("{key}=")), Some([7u8; KEY_BYTES]));
        assert_eq!(parse_key("short"), None);
        assert_eq!(parse_key(&base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([7u8; 31])), None);
    }

    #[test]
    fn equal_hashes_compare_equal_and_different_ones_do_not() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
