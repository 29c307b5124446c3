//! Phones in tests: each device id gets one secret for the life of the test
//! process, so every client and raw request made for that id carries the key
//! the server registered on its first contact.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use casa_mobile::Client;
use casa_shared_model::DeviceId;

/// The secret of `id` in this process (made on first use).
pub fn device_key(id: DeviceId) -> String {
    static KEYS: OnceLock<Mutex<HashMap<DeviceId, String>>> = OnceLock::new();
    let mut keys = KEYS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    keys.entry(id).or_insert_with(casa_mobile::store::new_device_key).clone()
}

/// `X-Casa-Device` and `X-Casa-Device-Key` for `id`, for raw requests
/// (`reqwest::RequestBuilder::headers`).
pub fn device_headers(id: DeviceId) -> reqwest::header::HeaderMap {
    casa_mobile::client::device_headers(id, &device_key(id))
}

/// The app's API client speaking for the phone `id`.
pub fn phone_client(url: &str, id: DeviceId) -> Client {
    Client::new(url).with_device(id, &device_key(id))
}

/// `client`, speaking for the phone `id` (a client shared by many phones in
/// a test or benchmark: the connection pool stays shared).
pub fn as_phone(client: &Client, id: DeviceId) -> Client {
    client.clone().with_device(id, &device_key(id))
}

/// A sync sent by the phone the request names, with its key (and the
/// citizen's identity token, if any).
pub async fn sync_as_phone<R: casa_shared_model::wire::SyncCall>(
    client: &Client,
    req: &R,
    identity: Option<&str>,
) -> Result<R::Answer, casa_mobile::ClientError> {
    as_phone(client, req.device_id()).sync_as(req, identity).await
}
