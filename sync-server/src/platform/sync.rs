//! The sync protocol (`POST /api/v1/sync`): one round trip pushes a phone's
//! items and pulls what is new, every part of it belonging to a component.
//!
//! The platform only reads the envelope: it hands each item to the
//! component that declares its `kind` (components in registry order, items
//! in the order sent), then asks each component for its section. Protocol 1
//! phones are served through the same path: their request is converted at
//! the edge and the answer converted back ([`casa_shared_model::wire::v1`]).

use std::net::IpAddr;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use casa_shared_model::wire::{
    v1, ApiErrorBody, ItemOutcome, ItemResult, SyncRequest, SyncResponse, MAX_BATCH_ITEMS, OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION,
};
use casa_shared_model::DeviceId;

use crate::components::identity::Signer;
use crate::components::{unknown_kind, SyncContext};
use crate::platform::client_ip::ClientIp;
use crate::platform::device::AuthenticatedDevice;
use crate::platform::error::{rejected, ApiError, ServiceError};
use crate::platform::routes::extract::{json_from_value, ApiJson};
use crate::platform::state::AppState;

/// Push the device's pending items and pull what is new, by component.
#[utoipa::path(post, path = "/api/v1/sync", tag = "sync", request_body = SyncRequest,
    security(("device_id" = [], "device_key" = [])),
    responses(
        (status = 200, description = "A result per item, and each component's section when it has something new (protocol 1: the fields of that version)", body = SyncResponse),
        (status = 400, description = "Malformed request, or a protocol version no longer served (unsupported_protocol)", body = ApiErrorBody),
        (status = 401, description = "Device key missing (device_key_required) or not the registered one (device_key_mismatch)", body = ApiErrorBody),
        (status = 403, description = "The body's device_id is not the X-Casa-Device one (device_mismatch)", body = ApiErrorBody),
        (status = 413, description = "Too many items or too large", body = ApiErrorBody),
        (status = 415, description = "Not JSON", body = ApiErrorBody),
    ))]
pub async fn handler(
    State(state): State<AppState>,
    AuthenticatedDevice(device): AuthenticatedDevice,
    ClientIp(ip): ClientIp,
    signer: Signer,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let protocol = body.get("protocol").and_then(serde_json::Value::as_u64).unwrap_or(0);
    let answer = if protocol == u64::from(v1::PROTOCOL_VERSION) {
        let old: v1::SyncRequest = json_from_value(body)?;
        let since = old.cursor;
        let answer = run(&state, device, ip, &signer, old.into_current()).await?;
        serde_json::to_value(v1::SyncResponse::from_current(answer, since).map_err(|_| ApiError::internal())?)
    } else {
        let req: SyncRequest = json_from_value(body)?;
        serde_json::to_value(run(&state, device, ip, &signer, req).await?)
    };
    answer.map(Json).map_err(|_| ApiError::internal())
}

async fn run(state: &AppState, device: DeviceId, ip: Option<IpAddr>, signer: &Signer, req: SyncRequest) -> Result<SyncResponse, ApiError> {
    if req.device_id != device {
        return Err(crate::platform::device::device_mismatch());
    }
    if req.items.len() > MAX_BATCH_ITEMS {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            format!("Troppi elementi ({}, massimo {MAX_BATCH_ITEMS}) / Too many items (at most {MAX_BATCH_ITEMS})", req.items.len()),
        ));
    }
    sync(state, req, signer, ip).await.map_err(bad_request_if_rejected)
}

/// Rejections of a whole sync request are the client's mistake (400), not an
/// unprocessable item (422).
fn bad_request_if_rejected(e: ServiceError) -> ApiError {
    let mut err = ApiError::from(e);
    if err.status == StatusCode::UNPROCESSABLE_ENTITY {
        err.status = StatusCode::BAD_REQUEST;
    }
    err
}

/// One round trip, past HTTP: items to their components, then each
/// component's section.
pub async fn sync(state: &AppState, req: SyncRequest, signer: &Signer, ip: Option<IpAddr>) -> Result<SyncResponse, ServiceError> {
    if !(OLDEST_PROTOCOL_VERSION..=PROTOCOL_VERSION).contains(&req.protocol) {
        return Err(rejected(
            "unsupported_protocol",
            format!(
                "Versione del protocollo {} non supportata (attese {OLDEST_PROTOCOL_VERSION}-{PROTOCOL_VERSION}): aggiorna l'app / Unsupported protocol version: update the app",
                req.protocol
            ),
        ));
    }
    let registry = state.components();
    // A malformed pull refuses the whole request before any item is taken.
    for component in registry.iter() {
        if let Some(pull) = req.pull.get(component.name()) {
            component.check_pull(pull)?;
        }
    }
    let cx = SyncContext { state, device: req.device_id, signer, ip };
    let ids: Vec<uuid::Uuid> = req.items.iter().map(|i| i.id).collect();
    let mut outcomes: Vec<Option<ItemOutcome>> = vec![None; ids.len()];
    let mut by_component: Vec<(Vec<usize>, Vec<casa_shared_model::wire::Item>)> = vec![(Vec::new(), Vec::new()); registry.len()];
    for (slot, item) in req.items.into_iter().enumerate() {
        match registry.owner_of(&item.kind) {
            Some(owner) => {
                by_component[owner].0.push(slot);
                by_component[owner].1.push(item);
            }
            None => outcomes[slot] = Some(unknown_kind()),
        }
    }
    for (component, (slots, items)) in registry.iter().zip(by_component) {
        if items.is_empty() {
            continue;
        }
        let answers = component.push(&cx, items).await?;
        for (slot, answer) in slots.into_iter().zip(answers) {
            outcomes[slot] = Some(answer);
        }
    }
    let results = ids
        .into_iter()
        .zip(outcomes)
        .map(|(id, outcome)| ItemResult {
            id,
            // A component that answered fewer outcomes than items broke its
            // contract: the item is refused rather than silently dropped.
            outcome: outcome.unwrap_or_else(|| ItemOutcome::Rejected {
                code: "internal_error".to_owned(),
                message: "Errore interno / Internal error".to_owned(),
            }),
        })
        .collect();
    // The sections are read at once: each only reads, and an idle sync then
    // waits for its slowest component rather than for all in turn.
    let pulls = registry.iter().map(|component| {
        let cx = &cx;
        let pull = req.pull.get(component.name());
        async move { component.pull(cx, pull).await.map(|section| section.map(|s| (component.name().to_owned(), s))) }
    });
    let mut sections = std::collections::BTreeMap::new();
    for section in futures::future::try_join_all(pulls).await?.into_iter().flatten() {
        sections.insert(section.0, section.1);
    }
    Ok(SyncResponse { protocol: PROTOCOL_VERSION, results, sections, directory_version: state.directory().version })
}
