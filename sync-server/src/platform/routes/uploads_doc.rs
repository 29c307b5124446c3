//! The OpenAPI description of the tus upload endpoint. The requests are
//! served by the tus handler behind [`super::uploads::tus_router`], not by
//! functions of ours, so these functions exist only to carry the
//! `#[utoipa::path]` of each route; they are never called. Errors answer in
//! the API's JSON format (`ApiErrorBody`), with `Tus-Resumable`.

#![allow(dead_code)]

use casa_shared_model::wire::ApiErrorBody;

/// Raw bytes (a chunk of a photo, a photo).
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub(crate) struct Bytes(Vec<u8>);

/// Create an upload of one photo (tus creation). The device is identified
/// by `X-Casa-Device` and `X-Casa-Device-Key`; `Upload-Metadata` must carry
/// `sha256` (base64 of the 64 lowercase hex digits of the photo's sha256).
/// The upload completes only when its bytes hash to it and are a JPEG or
/// PNG photo, which is then cleaned (metadata removed) and served at
/// `/api/v1/photos/{sha256}`. A device has a few unfinished uploads at most:
/// starting one more ends its oldest.
#[utoipa::path(
    post,
    path = "/api/v1/uploads/",
    tag = "uploads",
    security(("device_id" = [], "device_key" = [])),
    params(
        ("Tus-Resumable" = String, Header, description = "1.0.0"),
        ("Upload-Length" = u64, Header, description = "The photo's size in bytes, at most the server's Tus-Max-Size"),
        ("Upload-Metadata" = String, Header, description = "`sha256 <base64 of the hex sha256>`, other keys optional"),
    ),
    responses(
        (status = 201, description = "Created",
            headers(
                ("Location" = String, description = "The upload's URL, under the server's public URL"),
                ("Upload-Offset" = u64),
                ("Upload-Expires" = String, description = "When an unfinished upload is deleted (HTTP date)"),
                ("Tus-Resumable" = String),
            )),
        (status = 400, description = "Malformed tus headers", body = ApiErrorBody),
        (status = 401, description = "Device id or key missing or wrong", body = ApiErrorBody),
        (status = 403, description = "No sha256 in the metadata", body = ApiErrorBody),
        (status = 404, description = "An extension this server does not offer (Upload-Defer-Length, Upload-Concat)", body = ApiErrorBody),
        (status = 412, description = "Tus-Resumable missing or not 1.0.0", body = ApiErrorBody),
        (status = 413, description = "Upload-Length over the server's maximum", body = ApiErrorBody),
        (status = 429, description = "Too many uploads this hour for this device (see Retry-After)", body = ApiErrorBody,
            headers(("Retry-After" = u64, description = "Seconds"))),
    )
)]
pub(crate) fn create_upload() {}

/// The upload's offset: how many bytes the server holds (tus core). Errors
/// have the status alone (a HEAD answer has no body).
#[utoipa::path(
    head,
    path = "/api/v1/uploads/{id}",
    tag = "uploads",
    security(("device_id" = [], "device_key" = [])),
    params(
        ("id" = String, Path, description = "The upload's id, from its Location"),
        ("Tus-Resumable" = String, Header, description = "1.0.0"),
    ),
    responses(
        (status = 204, description = "The upload's state",
            headers(("Upload-Offset" = u64), ("Upload-Length" = u64), ("Upload-Expires" = String), ("Tus-Resumable" = String))),
        (status = 400, description = "Malformed upload id"),
        (status = 401, description = "Device id or key missing or wrong"),
        (status = 404, description = "No such upload for this device"),
        (status = 410, description = "Expired"),
        (status = 412, description = "Tus-Resumable missing or not 1.0.0"),
    )
)]
pub(crate) fn upload_offset() {}

/// Send bytes from `Upload-Offset` on (tus core). The body is written as it
/// arrives: bytes past the declared length refuse the chunk, a chunk whose
/// `Upload-Checksum` (sha256) does not match is dropped, and a body cut
/// short keeps what arrived. The last chunk files the photo.
#[utoipa::path(
    patch,
    path = "/api/v1/uploads/{id}",
    tag = "uploads",
    security(("device_id" = [], "device_key" = [])),
    params(
        ("id" = String, Path, description = "The upload's id, from its Location"),
        ("Tus-Resumable" = String, Header, description = "1.0.0"),
        ("Upload-Offset" = u64, Header, description = "Where this chunk starts: the server's current offset"),
        ("Upload-Checksum" = Option<String>, Header, description = "`sha256 <base64 digest of this chunk>`"),
    ),
    request_body(content = inline(Bytes), content_type = "application/offset+octet-stream"),
    responses(
        (status = 204, description = "Chunk written", headers(("Upload-Offset" = u64), ("Upload-Expires" = String), ("Tus-Resumable" = String))),
        (status = 400, description = "Malformed tus headers or checksum", body = ApiErrorBody),
        (status = 401, description = "Device id or key missing or wrong", body = ApiErrorBody),
        (status = 403, description = "The upload was refused", body = ApiErrorBody),
        (status = 404, description = "No such upload for this device", body = ApiErrorBody),
        (status = 408, description = "The body stalled or the upload is busy with another request: resume from HEAD's offset", body = ApiErrorBody),
        (status = 409, description = "Upload-Offset is not the server's offset", body = ApiErrorBody),
        (status = 410, description = "Expired", body = ApiErrorBody),
        (status = 412, description = "Tus-Resumable missing or not 1.0.0", body = ApiErrorBody),
        (status = 413, description = "More bytes than the upload declared", body = ApiErrorBody),
        (status = 415, description = "Content-Type is not application/offset+octet-stream, or the photo is not a JPEG or PNG", body = ApiErrorBody),
        (status = 422, description = "The bytes do not hash to the declared sha256, or the image is too large or damaged", body = ApiErrorBody),
        (status = 423, description = "The upload is busy with another request", body = ApiErrorBody),
        (status = 460, description = "Checksum mismatch: the chunk was dropped", body = ApiErrorBody),
        (status = 503, description = "Too many uploads in progress on the server (see Retry-After)", body = ApiErrorBody,
            headers(("Retry-After" = u64, description = "Seconds"))),
    )
)]
pub(crate) fn upload_chunk() {}

/// Delete an unfinished upload (tus termination).
#[utoipa::path(
    delete,
    path = "/api/v1/uploads/{id}",
    tag = "uploads",
    security(("device_id" = [], "device_key" = [])),
    params(
        ("id" = String, Path, description = "The upload's id, from its Location"),
        ("Tus-Resumable" = String, Header, description = "1.0.0"),
    ),
    responses(
        (status = 204, description = "Deleted", headers(("Tus-Resumable" = String))),
        (status = 400, description = "Malformed upload id", body = ApiErrorBody),
        (status = 401, description = "Device id or key missing or wrong", body = ApiErrorBody),
        (status = 404, description = "No such upload for this device", body = ApiErrorBody),
        (status = 408, description = "The upload is busy with another request", body = ApiErrorBody),
        (status = 412, description = "Tus-Resumable missing or not 1.0.0", body = ApiErrorBody),
        (status = 423, description = "The upload is busy with another request", body = ApiErrorBody),
    )
)]
pub(crate) fn delete_upload() {}

/// What the endpoint supports (tus discovery): no device needed.
#[utoipa::path(
    options,
    path = "/api/v1/uploads/",
    tag = "uploads",
    responses(
        (status = 204, description = "The server's tus capabilities",
            headers(
                ("Tus-Resumable" = String),
                ("Tus-Version" = String, description = "1.0.0"),
                ("Tus-Extension" = String, description = "creation,expiration,checksum,termination"),
                ("Tus-Max-Size" = u64, description = "Largest Upload-Length"),
                ("Tus-Checksum-Algorithm" = String, description = "sha256"),
            )),
    )
)]
pub(crate) fn upload_options() {}

/// Whether a photo is there for this client (the app asks before uploading
/// it again); the same rules as `GET`.
#[utoipa::path(
    head,
    path = "/api/v1/photos/{sha256}",
    tag = "photos",
    security((), ("device_id" = [], "device_key" = []), ("basic" = [])),
    params(("sha256" = String, Path, description = "The photo's name: the sha256 of the bytes the app uploaded (64 lowercase hex digits)")),
    responses(
        (status = 200, description = "The photo is there for this client",
            headers(("Content-Type" = String, description = "image/jpeg"), ("Content-Length" = u64), ("Cache-Control" = String))),
        (status = 401, description = "Device or staff credentials sent but not valid"),
        (status = 404, description = "No such photo, or not visible to this client"),
    )
)]
pub(crate) fn photo_head() {}
