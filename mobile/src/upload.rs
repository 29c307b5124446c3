//! Photo upload with tus 1.0 (creation, checksum): the server has the photo
//! already (HEAD by sha256) or it is sent in chunks, each with its sha256,
//! resuming from the server's offset after any interruption. The upload URL is
//! kept in the local store, so a restart resumes instead of starting over.

use std::time::Duration;

use base64::Engine;
use casa_shared_model::report::PhotoRef;
use sha2::{Digest, Sha256};

use crate::client::ClientError;

pub const TUS_VERSION: &str = "1.0.0";
pub const CHUNK_BYTES: usize = 256 * 1024;

#[derive(Debug, Clone)]
pub struct Uploader {
    http: reqwest::Client,
    base: String,
    /// The phone the uploads belong to, and its secret (see
    /// [`crate::client::device_headers`]).
    device: Option<reqwest::header::HeaderMap>,
}

fn net(e: reqwest::Error) -> ClientError {
    ClientError::Network(e)
}

fn refused(res: &reqwest::Response, what: &str) -> ClientError {
    ClientError::Api { status: res.status().as_u16(), code: "upload_refused".into(), message: format!("{what}: HTTP {}", res.status()) }
}

impl Uploader {
    pub fn new(base: &str) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap_or_default();
        Self::sharing(http, base)
    }

    /// An uploader over an existing HTTP client: its connections are reused,
    /// and no client is built (building one reads the TLS roots, which costs
    /// more than a whole sync with nothing to do).
    pub fn sharing(http: reqwest::Client, base: &str) -> Self {
        Self { http, base: base.trim_end_matches('/').to_owned(), device: None }
    }

    /// The same uploader for the phone `id` with its secret `key` (uploads
    /// belong to a phone; see [`crate::client::device_headers`]).
    pub fn with_device(mut self, id: casa_shared_model::DeviceId, key: &str) -> Self {
        self.device = Some(crate::client::device_headers(id, key));
        self
    }

    /// A request, with the phone's headers when the uploader has a phone.
    fn call(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        let req = self.http.request(method, url);
        match &self.device {
            Some(headers) => req.headers(headers.clone()),
            None => req,
        }
    }

    /// Whether the server already holds this photo.
    pub async fn has(&self, photo: &PhotoRef) -> Result<bool, ClientError> {
        let res = self.call(reqwest::Method::HEAD, &format!("{}/api/v1/photos/{}", self.base, photo.as_str())).send().await.map_err(net)?;
        match res.status().as_u16() {
            200 => Ok(true),
            404 => Ok(false),
            _ => Err(refused(&res, "photo lookup")),
        }
    }

    /// Creates an upload and returns its URL.
    pub async fn create(&self, photo: &PhotoRef, len: u64) -> Result<String, ClientError> {
        let meta = format!("sha256 {}", base64::engine::general_purpose::STANDARD.encode(photo.as_str()));
        let res = self
            .call(reqwest::Method::POST, &format!("{}/api/v1/uploads/", self.base))
            .header("Tus-Resumable", TUS_VERSION)
            .header("Upload-Length", len.to_string())
            .header("Upload-Metadata", meta)
            .send()
            .await
            .map_err(net)?;
        if res.status().as_u16() != 201 {
            return Err(refused(&res, "upload creation"));
        }
        let location = res.headers().get("location").and_then(|v| v.to_str().ok()).ok_or_else(|| refused(&res, "no Location"))?;
        Ok(if location.starts_with("http") { location.to_owned() } else { format!("{}{location}", self.base) })
    }

    /// The server's offset for an upload, or `None` if it is gone (expired,
    /// terminated): the caller then starts a new one.
    pub async fn offset(&self, url: &str) -> Result<Option<u64>, ClientError> {
        let res = self.call(reqwest::Method::HEAD, url).header("Tus-Resumable", TUS_VERSION).send().await.map_err(net)?;
        match res.status().as_u16() {
            200 | 204 => Ok(res.headers().get("upload-offset").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok())),
            404 | 410 => Ok(None),
            _ => Err(refused(&res, "upload offset")),
        }
    }

    /// Sends `bytes[offset..]` in chunks; `on_progress` gets the new offset
    /// after each acknowledged chunk.
    pub async fn send_from(&self, url: &str, bytes: &[u8], mut offset: u64, mut on_progress: impl FnMut(u64)) -> Result<(), ClientError> {
        while (offset as usize) < bytes.len() {
            let end = (offset as usize + CHUNK_BYTES).min(bytes.len());
            let chunk = &bytes[offset as usize..end];
            let checksum = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(chunk));
            let res = self
                .call(reqwest::Method::PATCH, url)
                .header("Tus-Resumable", TUS_VERSION)
                .header("Upload-Offset", offset.to_string())
                .header("Upload-Checksum", format!("sha256 {checksum}"))
                .header("Content-Type", "application/offset+octet-stream")
                .body(chunk.to_vec())
                .send()
                .await
                .map_err(net)?;
            if res.status().as_u16() != 204 {
                return Err(refused(&res, "upload chunk"));
            }
            offset = res.headers().get("upload-offset").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).unwrap_or(end as u64);
            on_progress(offset);
        }
        Ok(())
    }
}
