//! The HTTP client of `/api/v1`.

use std::time::Duration;

use casa_shared_model::badge::{Leaderboard, LeaderboardJoin};
use casa_shared_model::petition::PublicPetition;
use casa_shared_model::wire::{
    ApiErrorBody, ComuneInfo, ComuneOutline, IdentityActivation, IdentitySession, InspectorLogin, InspectorSession, InspectorSyncRequest,
    InspectorSyncResponse, ItemResult, ReportPayload, SyncCall,
};
use casa_shared_model::{DeviceId, IstatCode, PetitionId};
use serde::de::DeserializeOwned;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server could not be reached or the connection broke: try later.
    // Not a `#[source]`: the message carries the whole cause (down to
    // "connection refused"), and error chains would print it twice.
    #[error("server non raggiungibile / server unreachable: {}", cause_chain(.0))]
    Network(reqwest::Error),
    /// The server answered with an error: `code` is stable, `message` is for people.
    #[error("{message} ({code}, HTTP {status})")]
    Api { status: u16, code: String, message: String },
    #[error("risposta non valida dal server / invalid answer from the server: {0}")]
    InvalidResponse(String),
}

/// An error and its causes, each said once: reqwest repeats its own message
/// as the first cause.
fn cause_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        next = cause.source();
    }
    out
}

impl ClientError {
    /// Whether trying again later may succeed (network trouble, overload),
    /// as opposed to a refusal that will not change.
    pub fn is_retryable(&self) -> bool {
        match self {
            ClientError::Network(_) => true,
            ClientError::Api { status, .. } => *status >= 500 || *status == 429 || *status == 408,
            ClientError::InvalidResponse(_) => true,
        }
    }

    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Api { code, .. } => Some(code),
            _ => None,
        }
    }
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    /// The phone this client speaks for, and its secret (sent as
    /// `X-Casa-Device` and `X-Casa-Device-Key` on every request).
    device: Option<(DeviceId, String)>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("Client").field("base", &self.base).field("device", &self.device.as_ref().map(|(id, _)| id)).finish()
    }
}

/// The headers that prove which phone is asking; a key that cannot be a
/// header value is left out (the server then answers `device_key_required`).
pub fn device_headers(id: DeviceId, key: &str) -> reqwest::header::HeaderMap {
    let mut headers = reqwest::header::HeaderMap::new();
    if let (Ok(id), Ok(mut key)) = (reqwest::header::HeaderValue::from_str(&id.to_string()), reqwest::header::HeaderValue::from_str(key)) {
        key.set_sensitive(true);
        headers.insert("x-casa-device", id);
        headers.insert("x-casa-device-key", key);
    }
    headers
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .user_agent(concat!("casa-mobile/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}

#[derive(Serialize)]
struct SingleReport<'a> {
    device_id: DeviceId,
    #[serde(flatten)]
    report: &'a ReportPayload,
}

impl Client {
    /// `base` is the server's root URL, e.g. `http://127.0.0.1:8080`.
    pub fn new(base: &str) -> Self {
        Self { http: http_client(), base: base.trim_end_matches('/').to_owned(), device: None }
    }

    /// The same client speaking for the phone `id` with its secret `key`
    /// (cheap: the connection pool is shared with the original).
    pub fn with_device(mut self, id: DeviceId, key: &str) -> Self {
        self.device = Some((id, key.to_owned()));
        self
    }

    /// A request, with the phone's headers when the client has a phone.
    fn call(&self, method: reqwest::Method, url: String) -> reqwest::RequestBuilder {
        let req = self.http.request(method, url);
        match &self.device {
            Some((id, key)) => req.headers(device_headers(*id, key)),
            None => req,
        }
    }

    /// A client for the phone whose store this is.
    pub fn for_store(base: &str, store: &crate::store::LocalStore) -> Self {
        Self::new(base).with_device(store.device_id(), store.device_key())
    }

    /// The phone this client speaks for, if any.
    pub fn device(&self) -> Option<DeviceId> {
        self.device.as_ref().map(|(id, _)| *id)
    }

    /// A photo uploader to the same server, for the same phone.
    pub fn uploader(&self) -> crate::upload::Uploader {
        let uploader = crate::upload::Uploader::sharing(self.http.clone(), &self.base);
        match &self.device {
            Some((id, key)) => uploader.with_device(*id, key),
            None => uploader,
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// One sync round trip.
    pub async fn sync<R: SyncCall>(&self, req: &R) -> Result<R::Answer, ClientError> {
        self.post("/api/v1/sync", req).await
    }

    /// One sync round trip that speaks for the citizen whose identity token
    /// this is (petition signatures need it).
    pub async fn sync_as<R: SyncCall>(&self, req: &R, identity: Option<&str>) -> Result<R::Answer, ClientError> {
        let Some(token) = identity else {
            return self.sync(req).await;
        };
        let res = self
            .call(reqwest::Method::POST, format!("{}/api/v1/sync", self.base))
            .bearer_auth(token)
            .json(req)
            .send()
            .await
            .map_err(ClientError::Network)?;
        Self::decode(res).await
    }

    /// Trades a clerk's one-time activation code for this phone's identity token.
    pub async fn activate_identity(&self, code: &str, device_id: DeviceId) -> Result<IdentitySession, ClientError> {
        self.post("/api/v1/identity/activate", &IdentityActivation { code: code.to_owned(), device_id }).await
    }

    /// Submits one report outside a sync batch.
    pub async fn submit_report(&self, device_id: DeviceId, report: &ReportPayload) -> Result<ItemResult, ClientError> {
        self.post("/api/v1/reports", &SingleReport { device_id, report }).await
    }

    /// A petition by id: a public one, or a proposal gathering co-sponsors
    /// whose link its author shared.
    pub async fn petition(&self, id: &PetitionId) -> Result<PublicPetition, ClientError> {
        let res =
            self.call(reqwest::Method::GET, format!("{}/api/v1/petitions/{id}", self.base)).send().await.map_err(ClientError::Network)?;
        Self::decode(res).await
    }

    /// The Comuni with their services and categories.
    pub async fn comuni(&self) -> Result<Vec<ComuneInfo>, ClientError> {
        let res = self.call(reqwest::Method::GET, format!("{}/api/v1/comuni", self.base)).send().await.map_err(ClientError::Network)?;
        Self::decode(res).await
    }

    /// A Comune's simplified boundary; `None` when the server has no
    /// official boundary for it yet.
    pub async fn comune_outline(&self, code: &IstatCode) -> Result<Option<ComuneOutline>, ClientError> {
        let res = self
            .call(reqwest::Method::GET, format!("{}/api/v1/comuni/{}/outline", self.base, code.as_str()))
            .send()
            .await
            .map_err(ClientError::Network)?;
        match Self::decode(res).await {
            Ok(outline) => Ok(Some(outline)),
            Err(ClientError::Api { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Logs an inspector in: the token authorises [`Client::inspector_sync`].
    pub async fn inspector_login(&self, email: &str, password: &str) -> Result<InspectorSession, ClientError> {
        self.post("/api/v1/inspector/session", &InspectorLogin { email: email.to_owned(), password: password.to_owned() }).await
    }

    /// The inspector's visits in, their assignments out.
    pub async fn inspector_sync(&self, token: &str, req: &InspectorSyncRequest) -> Result<InspectorSyncResponse, ClientError> {
        let res = self
            .call(reqwest::Method::POST, format!("{}/api/v1/inspector/sync", self.base))
            .bearer_auth(token)
            .json(req)
            .send()
            .await
            .map_err(ClientError::Network)?;
        Self::decode(res).await
    }

    /// A Comune's opt-in leaderboard, marking this phone's row (the
    /// client's own phone: see [`Client::with_device`]).
    pub async fn leaderboard(&self, comune: &IstatCode, _device: DeviceId) -> Result<Leaderboard, ClientError> {
        let url = format!("{}/api/v1/comuni/{}/leaderboard", self.base, comune.as_str());
        Self::decode(self.call(reqwest::Method::GET, url).send().await.map_err(ClientError::Network)?).await
    }

    /// Joins a Comune's leaderboard under a nickname (or changes it).
    pub async fn join_leaderboard(&self, comune: &IstatCode, device: DeviceId, nickname: &str) -> Result<Leaderboard, ClientError> {
        let url = format!("{}/api/v1/comuni/{}/leaderboard", self.base, comune.as_str());
        let body = LeaderboardJoin { device_id: device, nickname: nickname.to_owned() };
        Self::decode(self.call(reqwest::Method::PUT, url).json(&body).send().await.map_err(ClientError::Network)?).await
    }

    /// Leaves a Comune's leaderboard (the client's own phone leaves).
    pub async fn leave_leaderboard(&self, comune: &IstatCode, _device: DeviceId) -> Result<Leaderboard, ClientError> {
        let url = format!("{}/api/v1/comuni/{}/leaderboard", self.base, comune.as_str());
        Self::decode(self.call(reqwest::Method::DELETE, url).send().await.map_err(ClientError::Network)?).await
    }

    async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T, ClientError> {
        let res = self.call(reqwest::Method::POST, format!("{}{path}", self.base)).json(body).send().await.map_err(ClientError::Network)?;
        Self::decode(res).await
    }

    async fn decode<T: DeserializeOwned>(res: reqwest::Response) -> Result<T, ClientError> {
        let status = res.status();
        let bytes = res.bytes().await.map_err(ClientError::Network)?;
        if status.is_success() {
            serde_json::from_slice(&bytes).map_err(|e| ClientError::InvalidResponse(e.to_string()))
        } else {
            match serde_json::from_slice::<ApiErrorBody>(&bytes) {
                Ok(body) => Err(ClientError::Api { status: status.as_u16(), code: body.code, message: body.message }),
                Err(_) => Err(ClientError::Api {
                    status: status.as_u16(),
                    code: "http_error".to_owned(),
                    message: String::from_utf8_lossy(&bytes).chars().take(200).collect(),
                }),
            }
        }
    }
}
