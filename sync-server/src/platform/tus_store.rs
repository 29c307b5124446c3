//! Where tus uploads live while they arrive: per upload, `<id>.info` (the
//! protocol's state as JSON) and `<id>` (the bytes so far), in the uploads
//! directory.
//!
//! A PATCH body is streamed to the data file through a small buffer: it is
//! never held in memory whole, bytes past the upload's declared length are
//! never written (the chunk is refused as soon as one arrives), and with an
//! `Upload-Checksum` the chunk is hashed on its way to disk and cut off again
//! if the hash does not match. A body that ends early (the connection
//! dropped) keeps what arrived, so the client resumes from there.
//!
//! The request's context (the device, the declared checksum, and a slot for
//! an error to answer with) comes from the tus router's middleware through a
//! task-local, since the tus handler hands the store nothing but the body.
//!
//! When the last byte arrives the upload must hash to the sha256 it
//! declared; the photo then goes through [`crate::platform::images::clean`] and is
//! filed under that sha256 (see [`crate::platform::photos`]).

use std::io::SeekFrom;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use casa_shared_model::report::PhotoRef;
use casa_shared_model::DeviceId;
use fileloft_core::{SendDataStore, SendUpload, TusError, UploadId, UploadInfo};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use crate::platform::error::ApiError;
use crate::platform::state::AppState;
use crate::store::uploads::UploadState;

/// Bytes read from the body at a time.
const BUFFER_BYTES: usize = 64 * 1024;
/// A client that sends nothing for this long has its chunk ended there (what
/// arrived is kept).
const STALL: Duration = Duration::from_secs(30);

/// What the middleware knows about the request being served.
#[derive(Debug)]
pub struct RequestContext {
    pub device: DeviceId,
    /// The sha256 digest an `Upload-Checksum` header declared for the chunk.
    pub checksum: Option<Vec<u8>>,
    /// An answer that replaces the tus handler's (with our code and message).
    answer: Mutex<Option<ApiError>>,
}

impl RequestContext {
    pub fn new(device: DeviceId, checksum: Option<Vec<u8>>) -> Self {
        Self { device, checksum, answer: Mutex::new(None) }
    }

    pub fn answer_with(&self, e: ApiError) {
        match self.answer.lock() {
            Ok(mut slot) => *slot = Some(e),
            Err(poisoned) => *poisoned.into_inner() = Some(e),
        }
    }

    pub fn take_answer(&self) -> Option<ApiError> {
        match self.answer.lock() {
            Ok(mut slot) => slot.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        }
    }
}

tokio::task_local! {
    pub static CONTEXT: Arc<RequestContext>;
}

fn context() -> Option<Arc<RequestContext>> {
    CONTEXT.try_with(Arc::clone).ok()
}

/// The tus data store of the photo uploads.
#[derive(Clone)]
pub struct PhotoUploads {
    dir: PathBuf,
    state: AppState,
}

impl std::fmt::Debug for PhotoUploads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhotoUploads").field("dir", &self.dir).finish()
    }
}

impl PhotoUploads {
    pub fn new(state: AppState) -> Self {
        Self { dir: state.uploads_dir().to_owned(), state }
    }

    fn upload(&self, id: &UploadId) -> PhotoUpload {
        PhotoUpload { info: self.dir.join(format!("{}.info", id.as_str())), data: self.dir.join(id.as_str()), state: self.state.clone() }
    }
}

/// Ends an unfinished upload the server gives up on: its files go and its
/// record says it was terminated.
pub async fn discard(state: &AppState, id: &str) {
    let Ok(id) = UploadId::parse(id) else { return };
    let upload = PhotoUploads::new(state.clone()).upload(&id);
    if let Err(e) = upload.remove_files().await {
        tracing::warn!(error = %e, "an abandoned upload's files could not be deleted");
    }
    if let Err(e) = state.store().upload_finished(id.as_str(), UploadState::Terminated, chrono::Utc::now()).await {
        tracing::warn!(error = %e, "an abandoned upload could not be recorded");
    }
}

/// One upload's files.
pub struct PhotoUpload {
    info: PathBuf,
    data: PathBuf,
    state: AppState,
}

/// Set in an upload's info once its photo is filed.
const FILED: &str = "filed";

fn is_filed(info: &UploadInfo) -> bool {
    info.storage.contains_key(FILED)
}

pub fn declared_sha256(info: &UploadInfo) -> Option<PhotoRef> {
    info.metadata.get("sha256").and_then(|v| v.as_deref()).and_then(|s| PhotoRef::parse(s).ok())
}

fn store_failure(e: crate::store::StoreError) -> TusError {
    TusError::Internal(format!("upload bookkeeping: {e}"))
}

impl SendDataStore for PhotoUploads {
    type UploadType = PhotoUpload;

    async fn create_upload(&self, info: UploadInfo) -> Result<PhotoUpload, TusError> {
        info.id.validate()?;
        let ctx = context().ok_or_else(|| TusError::Internal("upload created outside the tus router".into()))?;
        let sha = declared_sha256(&info).ok_or_else(|| TusError::HookRejected("sha256 missing".into()))?;
        let upload = self.upload(&info.id);
        tokio::fs::write(&upload.data, b"").await?;
        upload.write_info(&info).await?;
        self.state.store().upload_started(info.id.as_str(), &ctx.device, sha.as_str(), chrono::Utc::now()).await.map_err(store_failure)?;
        Ok(upload)
    }

    async fn get_upload(&self, id: &UploadId) -> Result<PhotoUpload, TusError> {
        id.validate()?;
        let upload = self.upload(id);
        if !tokio::fs::try_exists(&upload.info).await? {
            return Err(TusError::NotFound(id.to_string()));
        }
        Ok(upload)
    }
}

/// How a chunk's body ended.
enum BodyEnd {
    /// All of it arrived.
    Complete,
    /// The connection dropped or stalled midway.
    Cut,
    /// It went on past the upload's declared length.
    TooLong { end: u64 },
}

impl PhotoUpload {
    async fn read_info(&self) -> Result<UploadInfo, TusError> {
        let bytes = tokio::fs::read(&self.info).await?;
        Ok(serde_json::from_slice(&bytes)?)
    }

    /// Replaces the info file whole (written aside, then renamed), so a crash
    /// never leaves half a JSON document.
    async fn write_info(&self, info: &UploadInfo) -> Result<(), TusError> {
        let partial = self.info.with_extension("info.part");
        tokio::fs::write(&partial, serde_json::to_vec(info)?).await?;
        tokio::fs::rename(&partial, &self.info).await?;
        Ok(())
    }

    async fn remove_files(&self) -> Result<(), TusError> {
        for path in [&self.data, &self.info] {
            match tokio::fs::remove_file(path).await {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
        }
        Ok(())
    }

    fn id(&self) -> String {
        self.data.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
    }

    /// Refuses a finished upload: its files go, its record says why, and the
    /// client gets `error`.
    async fn refuse(&self, error: ApiError) -> TusError {
        if let Err(e) = self.remove_files().await {
            tracing::warn!(error = %e, "a refused upload's files could not be deleted");
        }
        if let Err(e) = self.state.store().upload_finished(&self.id(), UploadState::Refused, chrono::Utc::now()).await {
            tracing::warn!(error = %e, "a refused upload could not be recorded");
        }
        let message = error.message.clone();
        if let Some(ctx) = context() {
            ctx.answer_with(error);
        }
        TusError::HookRejected(message)
    }
}

impl SendUpload for PhotoUpload {
    async fn write_chunk(&mut self, offset: u64, reader: &mut (dyn tokio::io::AsyncRead + Unpin + Send)) -> Result<u64, TusError> {
        let mut info = self.read_info().await?;
        if info.offset != offset {
            return Err(TusError::OffsetMismatch { expected: info.offset, actual: offset });
        }
        let size = info.size.ok_or(TusError::MissingUploadLength)?;
        if is_filed(&info) {
            // Complete and filed: only an empty PATCH (a repeat of the last) fits.
            let mut probe = [0u8; 1];
            return match reader.read(&mut probe).await {
                Ok(0) => Ok(0),
                _ => Err(TusError::ExceedsUploadLength { declared: size, end: size + 1 }),
            };
        }
        let room = size.saturating_sub(offset);
        let ctx = context();
        let expected = ctx.as_ref().and_then(|c| c.checksum.clone());
        let mut file = tokio::fs::OpenOptions::new().write(true).create(true).truncate(false).open(&self.data).await?;
        // Whatever a crash left past the recorded offset is not part of the upload.
        file.set_len(offset).await?;
        file.seek(SeekFrom::Start(offset)).await?;
        let mut hasher = expected.as_ref().map(|_| Sha256::new());
        let mut buf = vec![0u8; BUFFER_BYTES];
        let mut written = 0u64;
        let end = loop {
            let n = match tokio::time::timeout(STALL, reader.read(&mut buf)).await {
                Ok(Ok(0)) => break BodyEnd::Complete,
                Ok(Ok(n)) => n,
                Ok(Err(_)) | Err(_) => break BodyEnd::Cut,
            };
            if n as u64 > room - written {
                break BodyEnd::TooLong { end: offset + written + n as u64 };
            }
            if let Err(e) = file.write_all(&buf[..n]).await {
                file.set_len(offset).await?;
                return Err(e.into());
            }
            if let Some(h) = hasher.as_mut() {
                h.update(&buf[..n]);
            }
            written += n as u64;
        };
        file.flush().await?;
        if let BodyEnd::TooLong { end } = end {
            file.set_len(offset).await?;
            return Err(TusError::ExceedsUploadLength { declared: size, end });
        }
        if let (Some(expected), Some(hasher)) = (expected, hasher) {
            // A cut chunk cannot match its checksum either: both are dropped.
            if hasher.finalize().as_slice() != expected.as_slice() {
                file.set_len(offset).await?;
                return Err(TusError::ChecksumMismatch);
            }
        }
        file.sync_data().await?;
        info.offset = offset + written;
        self.write_info(&info).await?;
        if matches!(end, BodyEnd::Cut) {
            if let Some(ctx) = ctx {
                ctx.answer_with(ApiError::new(
                    axum::http::StatusCode::REQUEST_TIMEOUT,
                    "upload_interrupted",
                    "Invio interrotto: riprendi dall'offset attuale / The upload was interrupted: resume from the current offset",
                ));
            }
            // Not a 5xx: the client went away (the answer is replaced anyway).
            return Err(TusError::LockTimeout("chunk cut short".into()));
        }
        Ok(written)
    }

    async fn get_info(&self) -> Result<UploadInfo, TusError> {
        self.read_info().await
    }

    async fn finalize(&mut self) -> Result<(), TusError> {
        let mut info = self.read_info().await?;
        if is_filed(&info) {
            return Ok(());
        }
        let sha = declared_sha256(&info).ok_or_else(|| TusError::HookRejected("sha256 missing".into()))?;
        if crate::platform::photos::sha256_of_file(&self.data).await? != sha.as_str() {
            return Err(self
                .refuse(ApiError::new(
                    axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                    "sha256_mismatch",
                    "Il contenuto non corrisponde allo sha256 dichiarato / The content does not match the declared sha256",
                ))
                .await);
        }
        let data = self.data.clone();
        let cleaned = self
            .state
            .uploads()
            .images
            .run(move |limits| match std::fs::read(&data) {
                Ok(bytes) => crate::platform::images::clean(&bytes, limits, None).map_err(Some),
                Err(_) => Err(None),
            })
            .await
            .map_err(|e| TusError::Internal(e.to_string()))?;
        let cleaned = match cleaned {
            Ok(bytes) => bytes,
            Err(Some(e)) => {
                let status = match e {
                    crate::platform::images::ImageError::Encode => axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                    crate::platform::images::ImageError::NotAnImage => axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    _ => axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                };
                return Err(self.refuse(ApiError::new(status, e.code(), e.to_string())).await);
            }
            Err(None) => return Err(TusError::Internal("upload data unreadable".into())),
        };
        self.state.photos().file_cleaned(&sha, &cleaned).await.map_err(|e| TusError::Internal(e.to_string()))?;
        self.state.store().upload_finished(&self.id(), UploadState::Done, chrono::Utc::now()).await.map_err(store_failure)?;
        info.storage.insert(FILED.into(), "1".into());
        self.write_info(&info).await?;
        // The photo is filed; the info stays (a HEAD still answers) until the sweep.
        if let Err(e) = tokio::fs::remove_file(&self.data).await {
            tracing::warn!(error = %e, "a finished upload's data could not be deleted");
        }
        Ok(())
    }

    async fn delete(self) -> Result<(), TusError> {
        self.remove_files().await?;
        self.state.store().upload_finished(&self.id(), UploadState::Terminated, chrono::Utc::now()).await.map_err(store_failure)?;
        Ok(())
    }

    async fn declare_length(&mut self, _length: u64) -> Result<(), TusError> {
        Err(TusError::ExtensionNotEnabled("creation-defer-length"))
    }

    async fn concatenate(&mut self, _partials: &[UploadInfo]) -> Result<(), TusError> {
        Err(TusError::ExtensionNotEnabled("concatenation"))
    }

    async fn read_content(&self) -> Result<Box<dyn tokio::io::AsyncRead + Send + Unpin>, TusError> {
        Err(TusError::UploadNotReadyForDownload)
    }
}
