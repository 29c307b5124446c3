//! Photo uploads with the tus 1.0 resumable protocol (core, creation,
//! expiration, checksum with sha256, termination), served by the `fileloft`
//! handler over our own data store ([`crate::platform::tus_store`]); and the photos
//! themselves, by sha256, to those who may see them.
//!
//! Every tus request but OPTIONS comes from a device (`X-Casa-Device` and
//! `X-Casa-Device-Key`), and an upload answers only to the device that
//! started it. A device may start `uploads_per_device_per_hour` uploads an
//! hour and have `uploads_open_per_device` unfinished at once (starting one
//! more ends its oldest); at most `uploads_in_flight` PATCH requests are
//! served at once. Errors answer in the API's JSON format, always with
//! `Tus-Resumable`.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use base64::Engine;
use casa_shared_model::report::PhotoRef;
use casa_shared_model::DeviceId;
use chrono::Utc;
use fileloft_core::{Config, TusError, TusHandler, UploadInfo};
use fileloft_store_fs::FileLocker;
use tower::ServiceExt;

use crate::platform::error::ApiError;
use crate::platform::staff::Staff;
use crate::platform::state::AppState;
use crate::platform::tus_store::{declared_sha256, PhotoUploads, RequestContext, CONTEXT};
use crate::store::uploads::PhotoUse;
use crate::store::ReportRecord;

pub const UPLOADS_PATH: &str = "/api/v1/uploads";
/// How long a browser or proxy may keep a public photo: short, since a
/// report can stop being public (and its photos with it).
pub const PUBLIC_PHOTO_CACHE: &str = "public, max-age=3600";
pub const PRIVATE_PHOTO_CACHE: &str = "private, no-store";
const TUS_RESUMABLE: &str = "Tus-Resumable";

/// The tus endpoint. Every upload must declare `sha256` in its metadata; it
/// completes only when the bytes match and are a JPEG or PNG photo, which is
/// then cleaned and filed under that sha256. `Location` is built from the
/// configured public URL (relative when none is), never from the request's `Host`.
pub fn tus_router(state: &AppState) -> Router {
    let settings = state.uploads().settings.clone();
    let mut config = Config {
        base_path: format!("{UPLOADS_PATH}/"),
        base_url: Some(state.location_base().to_owned()),
        max_size: settings.upload_max_bytes,
        ..Config::default()
    };
    config.extensions.creation_defer_length = false;
    // A body on POST would be one more way in; the clients send PATCH.
    config.extensions.creation_with_upload = false;
    config.extensions.expiration = true;
    config.extensions.expiration_ttl = Some(settings.upload_expiry());
    config.hooks.pre_create = Some(Arc::new(|info: UploadInfo| {
        Box::pin(async move {
            match declared_sha256(&info) {
                Some(_) => Ok(Default::default()),
                None => {
                    let e = ApiError::new(
                        StatusCode::FORBIDDEN,
                        "sha256_required",
                        "Serve il metadato sha256 (64 cifre esadecimali minuscole) / The sha256 metadata (64 lowercase hex digits) is required",
                    );
                    let message = e.message.clone();
                    if let Ok(ctx) = CONTEXT.try_with(Arc::clone) {
                        ctx.answer_with(e);
                    }
                    Err(TusError::HookRejected(message))
                }
            }
        })
    }));
    let store = PhotoUploads::new(state.clone());
    let locker = FileLocker::new(state.uploads_dir().join("locks"));
    fileloft_axum::tus_router(Arc::new(TusHandler::new(store, Some(locker), config)))
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard))
}

/// An API error as a tus answer.
fn tus_answer(e: ApiError) -> Response {
    let mut res = e.into_response();
    res.headers_mut().insert(TUS_RESUMABLE, HeaderValue::from_static("1.0.0"));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn retry_after(mut res: Response, seconds: i64) -> Response {
    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    res
}

/// Authenticates the device, checks what it may do, takes a PATCH slot, and
/// serves the request with its [`RequestContext`].
async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() == Method::OPTIONS {
        let mut res = next.run(req).await;
        // Chunks are hashed while they are written, with sha256 only.
        res.headers_mut().insert("tus-checksum-algorithm", HeaderValue::from_static("sha256"));
        return res;
    }
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    let (ctx, permit) = match admit(&state, &method, &path, req.headers()).await {
        Ok(admitted) => admitted,
        Err(res) => return res,
    };
    let res = CONTEXT.scope(ctx.clone(), next.run(req)).await;
    drop(permit);
    match ctx.take_answer() {
        Some(e) => tus_answer(e),
        None => as_api_error(res).await,
    }
}

/// The upload id of `/{id}` (the path inside the tus router).
fn upload_id(path: &str) -> Option<&str> {
    Some(path.trim_start_matches('/')).filter(|id| !id.is_empty())
}

async fn admit(
    state: &AppState,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
) -> Result<(Arc<RequestContext>, Option<tokio::sync::OwnedSemaphorePermit>), Response> {
    let device = device_of(state, headers).await.map_err(tus_answer)?;
    let policy = state.uploads();
    let settings = &policy.settings;
    let store_error = |e: crate::store::StoreError| {
        tracing::error!(error = %e, "upload bookkeeping failed");
        tus_answer(ApiError::internal())
    };
    match (method.clone(), upload_id(path)) {
        (Method::POST, None) => {
            let now = Utc::now();
            let counts = state.store().upload_counts(&device, now - chrono::Duration::hours(1)).await.map_err(store_error)?;
            let per_hour = settings.uploads_per_device_per_hour;
            if per_hour > 0 && counts.recent >= per_hour {
                let wait = counts.oldest_recent.map(|t| (t + chrono::Duration::hours(1) - now).num_seconds()).unwrap_or(3600);
                let e = ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "upload_quota_exceeded",
                    format!(
                        "Troppe foto inviate nell'ultima ora (al massimo {}) / Too many photos sent in the last hour (at most {})",
                        per_hour, per_hour
                    ),
                );
                return Err(retry_after(tus_answer(e), wait));
            }
            let open_cap = settings.uploads_open_per_device;
            if open_cap > 0 && counts.open >= open_cap {
                // The oldest go, rather than the new one: a phone that lost the
                // answer to a creation never finishes that upload, and must not be
                // locked out for a day because of it.
                let excess = counts.open + 1 - open_cap;
                for id in state.store().oldest_open_uploads(&device, excess).await.map_err(store_error)? {
                    crate::platform::tus_store::discard(state, &id).await;
                }
            }
        }
        (Method::PATCH | Method::HEAD | Method::DELETE, Some(id)) => {
            // Someone else's upload is answered as if it did not exist.
            if state.store().upload_owner(id).await.map_err(store_error)? != Some(device) {
                return Err(tus_answer(ApiError::not_found()));
            }
        }
        _ => {
            let e = ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "Metodo non consentito / Method not allowed");
            return Err(tus_answer(e));
        }
    }
    let mut permit = None;
    let mut checksum = None;
    if method == Method::PATCH {
        let Ok(p) = policy.patches.clone().try_acquire_owned() else {
            let e = ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "uploads_busy",
                "Troppi invii in corso: riprova tra poco / Too many uploads in progress: retry shortly",
            );
            return Err(retry_after(tus_answer(e), 2));
        };
        permit = Some(p);
        checksum = declared_checksum(headers).map_err(tus_answer)?;
    }
    Ok((Arc::new(RequestContext::new(device, checksum)), permit))
}

/// The sha256 digest an `Upload-Checksum: sha256 <base64>` header declares.
fn declared_checksum(headers: &HeaderMap) -> Result<Option<Vec<u8>>, ApiError> {
    let Some(value) = headers.get("upload-checksum") else { return Ok(None) };
    let bad = |code: &'static str, what: &str| ApiError::bad_request(code, format!("Upload-Checksum: {what}"));
    let value = value.to_str().map_err(|_| bad("invalid_checksum", "valore non valido / invalid value"))?;
    let Some((algorithm, digest)) = value.split_once(' ') else {
        return Err(bad("invalid_checksum", "serve «sha256 <base64>» / «sha256 <base64>» expected"));
    };
    if !algorithm.eq_ignore_ascii_case("sha256") {
        return Err(bad("unsupported_checksum", "solo sha256 / only sha256 is supported"));
    }
    let digest = base64::engine::general_purpose::STANDARD
        .decode(digest.trim())
        .map_err(|_| bad("invalid_checksum", "base64 non valido / invalid base64"))?;
    Ok(Some(digest))
}

/// The tus handler's own errors (plain text) in the API's format, with
/// codes a client can rely on.
async fn as_api_error(res: Response) -> Response {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
    let code = match status.as_u16() {
        400 => "invalid_tus_request",
        403 => "upload_refused",
        404 => "not_found",
        405 => "method_not_allowed",
        408 | 423 => "upload_locked",
        409 => "offset_mismatch",
        410 => "upload_expired",
        412 => "tus_version_required",
        413 => "upload_too_large",
        415 => "unsupported_media_type",
        460 => "checksum_mismatch",
        s if s >= 500 => "internal_error",
        _ => "upload_error",
    };
    let e = ApiError::new(status, code, format!("Invio della foto rifiutato / Photo upload refused: {text}"));
    let mut new = tus_answer(e);
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in parts.headers.drain().filter_map(|(n, v)| n.map(|n| (n, v))) {
        new.headers_mut().entry(name).or_insert(value);
    }
    new
}

/// The device making the request (see [`crate::platform::device`]).
async fn device_of(state: &AppState, headers: &HeaderMap) -> Result<DeviceId, ApiError> {
    crate::platform::device::authenticate(state, headers).await
}

/// `HEAD`/`GET /api/v1/photos/{sha256}` (and `/dashboard/photos/{sha256}`,
/// where the dashboard's session cookie goes): a photo, to whoever may see
/// it. Everyone, while a report that is public shows it; otherwise only the
/// device that filed such a report or uploaded the photo, and staff who may
/// see one of its reports (dashboard session or HTTP Basic). Anyone else
/// gets 404, as for a photo that does not exist.
#[utoipa::path(
    get,
    path = "/api/v1/photos/{sha256}",
    tag = "photos",
    params(("sha256" = String, Path, description = "The photo's name: the sha256 of the bytes the app uploaded (64 lowercase hex digits)")),
    responses(
        (status = 200, description = "The photo, a JPEG without metadata", content_type = "image/jpeg", body = inline(super::uploads_doc::Bytes),
            headers(
                ("Cache-Control" = String, description = "`public, max-age=3600` while a public report shows it, `private, no-store` otherwise"),
                ("X-Content-Type-Options" = String, description = "nosniff"),
            )),
        (status = 401, description = "Device or staff credentials sent but not valid", body = casa_shared_model::wire::ApiErrorBody),
        (status = 404, description = "No such photo, or not visible to this client", body = casa_shared_model::wire::ApiErrorBody),
    ),
    security((), ("device_id" = [], "device_key" = []), ("basic" = []))
)]
pub async fn photo(State(state): State<AppState>, Path(sha): Path<String>, req: Request) -> Result<Response, ApiError> {
    let sha = PhotoRef::parse(&sha).map_err(|_| ApiError::not_found())?;
    let store = state.store();
    let failed = |e: crate::store::StoreError| {
        tracing::error!(error = %e, "photo lookup failed");
        ApiError::internal()
    };
    let mut reports = Vec::new();
    for (id, kind) in store.photo_references(sha.as_str()).await.map_err(failed)? {
        if let Some(report) = store.report(&id).await.map_err(failed)? {
            reports.push((report, kind));
        }
    }
    let public = reports.iter().any(|(r, kind)| *kind != PhotoUse::Inspection && crate::components::reports::visibility::is_public(r));
    let (mut parts, _) = req.into_parts();
    if !public && !may_see(&state, &mut parts, &sha, &reports).await? {
        return Err(ApiError::not_found());
    }
    let path = state.photos().path(&sha);
    if !tokio::fs::try_exists(&path).await.unwrap_or(false) {
        return Err(ApiError::not_found());
    }
    // ServeFile streams it and answers HEAD, Range and If-Modified-Since.
    let mut file_req = axum::http::Request::new(Body::empty());
    *file_req.method_mut() = parts.method.clone();
    *file_req.headers_mut() = parts.headers.clone();
    let mut res = match tower_http::services::ServeFile::new(path).oneshot(file_req).await {
        Ok(res) => res.map(Body::new),
        Err(e) => match e {},
    };
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    let cache = if public { PUBLIC_PHOTO_CACHE } else { PRIVATE_PHOTO_CACHE };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    Ok(res)
}

/// Whether the device or staff member making the request may see a photo
/// no public report shows.
async fn may_see(state: &AppState, parts: &mut Parts, sha: &PhotoRef, reports: &[(ReportRecord, PhotoUse)]) -> Result<bool, ApiError> {
    if let Some(device) = crate::platform::device::authenticate_optional(state, &parts.headers).await? {
        if reports.iter().any(|(r, kind)| *kind != PhotoUse::Inspection && r.device_id == Some(device)) {
            return Ok(true);
        }
        let uploaded = state.store().device_uploaded(&device, sha.as_str()).await.map_err(|e| {
            tracing::error!(error = %e, "photo lookup failed");
            ApiError::internal()
        })?;
        if uploaded {
            return Ok(true);
        }
    }
    if reports.is_empty() {
        return Ok(false);
    }
    let jar = axum_extra::extract::cookie::CookieJar::from_headers(&parts.headers);
    let mut staff = match jar.get(crate::dashboard::SESSION_COOKIE) {
        Some(cookie) => crate::platform::staff::session_staff(state, cookie.value()).await.map_err(|e| {
            tracing::error!(error = %e, "session lookup failed");
            ApiError::internal()
        })?,
        None => None,
    }
    .map(|(staff, _)| staff);
    let basic = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("Basic "));
    if staff.is_none() && basic {
        staff = Some(Staff::from_request_parts(parts, state).await?);
    }
    Ok(staff.is_some_and(|staff| reports.iter().any(|(r, _)| staff.may_read(r))))
}
