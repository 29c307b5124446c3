//! Photo uploads with the tus 1.0 resumable protocol (core, creation,
//! checksum, termination), served by the `fileloft` crate; and the photos
//! themselves, by sha256.

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use base64::Engine;
use casa_shared_model::report::PhotoRef;
use fileloft_core::{Config, SendDataStore, SendUpload, TusError, TusHandler, UploadId, UploadInfo};
use fileloft_store_fs::{FileLocker, FileStore};
use sha2::Digest;

type FileUpload = <FileStore as SendDataStore>::UploadType;

use crate::error::ApiError;
use crate::photos::{PhotoStore, MAX_UPLOAD_BYTES};
use crate::state::AppState;

pub const UPLOADS_PATH: &str = "/api/v1/uploads";

/// The tus endpoint. Every upload must declare `sha256` in its metadata; it
/// completes only when the bytes match, and the photo is then filed under it.
pub fn tus_router(uploads_dir: PathBuf, photos: PhotoStore) -> Router {
    let mut config = Config { base_path: format!("{UPLOADS_PATH}/"), max_size: MAX_UPLOAD_BYTES, ..Config::default() };
    config.extensions.creation_defer_length = false;
    config.hooks.pre_create = Some(Arc::new(|info: UploadInfo| {
        Box::pin(async move {
            match declared_sha256(&info) {
                Some(_) => Ok(Default::default()),
                None => Err(TusError::HookRejected(
                    "serve il metadato sha256 (64 cifre esadecimali minuscole) / the sha256 metadata (64 lowercase hex digits) is required"
                        .into(),
                )),
            }
        })
    }));
    let store = PhotoUploads { files: FileStore::new(uploads_dir.clone()), photos, dir: uploads_dir.clone() };
    let locker = FileLocker::new(uploads_dir.join("locks"));
    fileloft_axum::tus_router(Arc::new(TusHandler::new(store, Some(locker), config))).layer(axum::middleware::from_fn(verify_checksum))
}

/// The checksum extension says a chunk whose checksum does not match must
/// not be kept. fileloft 0.3 writes the chunk first and checks after (the
/// upload then stays complete but never finalised), so the check is made
/// here, before any byte reaches the store. Only chunks that carry a
/// checksum are buffered; the others stream through.
async fn verify_checksum(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let declared = req.headers().get("upload-checksum").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let Some(declared) = declared.filter(|_| req.method() == axum::http::Method::PATCH) else {
        return next.run(req).await;
    };
    let tus = |status: u16, text: &'static str| {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
        (status, [("Tus-Resumable", "1.0.0")], text).into_response()
    };
    let Some((algorithm, expected)) = declared.split_once(' ') else {
        return tus(400, "Upload-Checksum: algorithm and base64 digest expected");
    };
    let Ok(expected) = base64::engine::general_purpose::STANDARD.decode(expected.trim()) else {
        return tus(400, "Upload-Checksum: invalid base64");
    };
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_UPLOAD_BYTES as usize).await else {
        return tus(413, "chunk too large");
    };
    let actual = match algorithm {
        "sha256" => sha2::Sha256::digest(&bytes).to_vec(),
        _ => return tus(400, "Upload-Checksum: unsupported algorithm (sha256)"),
    };
    if actual != expected {
        // 460 Checksum Mismatch, from the tus checksum extension.
        return tus(460, "checksum mismatch");
    }
    next.run(axum::extract::Request::from_parts(parts, Body::from(bytes))).await
}

/// The file store, plus one step when an upload completes: the assembled
/// bytes must hash to the declared sha256, then the photo is filed under it.
/// (`pre_finish` runs before the file store assembles its parts, so the
/// check belongs here.)
#[derive(Debug, Clone)]
struct PhotoUploads {
    files: FileStore,
    photos: PhotoStore,
    dir: PathBuf,
}

struct PhotoUpload {
    inner: FileUpload,
    photos: PhotoStore,
    data: PathBuf,
}

impl SendDataStore for PhotoUploads {
    type UploadType = PhotoUpload;

    async fn create_upload(&self, info: UploadInfo) -> Result<PhotoUpload, TusError> {
        let data = self.dir.join(info.id.as_str());
        Ok(PhotoUpload { inner: self.files.create_upload(info).await?, photos: self.photos.clone(), data })
    }

    async fn get_upload(&self, id: &UploadId) -> Result<PhotoUpload, TusError> {
        Ok(PhotoUpload { inner: self.files.get_upload(id).await?, photos: self.photos.clone(), data: self.dir.join(id.as_str()) })
    }
}

impl SendUpload for PhotoUpload {
    async fn write_chunk(&mut self, offset: u64, reader: &mut (dyn tokio::io::AsyncRead + Unpin + Send)) -> Result<u64, TusError> {
        self.inner.write_chunk(offset, reader).await
    }

    async fn get_info(&self) -> Result<UploadInfo, TusError> {
        self.inner.get_info().await
    }

    async fn finalize(&mut self) -> Result<(), TusError> {
        self.inner.finalize().await?;
        let info = self.inner.get_info().await?;
        let sha = declared_sha256(&info).ok_or_else(|| TusError::HookRejected("sha256 missing".into()))?;
        self.photos.adopt(&self.data, &sha).await.map_err(|e| TusError::HookRejected(e.to_string()))
    }

    async fn delete(self) -> Result<(), TusError> {
        self.inner.delete().await
    }

    async fn declare_length(&mut self, length: u64) -> Result<(), TusError> {
        self.inner.declare_length(length).await
    }

    async fn concatenate(&mut self, partials: &[UploadInfo]) -> Result<(), TusError> {
        self.inner.concatenate(partials).await
    }

    async fn read_content(&self) -> Result<Box<dyn tokio::io::AsyncRead + Send + Unpin>, TusError> {
        self.inner.read_content().await
    }
}

fn declared_sha256(info: &UploadInfo) -> Option<PhotoRef> {
    info.metadata.get("sha256").and_then(|v| v.as_deref()).and_then(|s| PhotoRef::parse(s).ok())
}

/// `HEAD`/`GET /api/v1/photos/{sha256}`: whether the server has a photo (so
/// the app skips uploading it again), and the photo itself.
pub async fn photo(State(state): State<AppState>, Path(sha): Path<String>) -> Result<Response, ApiError> {
    let sha = PhotoRef::parse(&sha).map_err(|_| ApiError::not_found())?;
    let path = state.photos().path(&sha);
    let bytes = tokio::fs::read(&path).await.map_err(|_| ApiError::not_found())?;
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "image/jpeg"), (header::CACHE_CONTROL, "public, max-age=31536000, immutable")],
        Body::from(bytes),
    )
        .into_response())
}
