//! The OpenAPI document of `/api/v1`, served at `/api/v1/openapi.json`.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::platform::routes::extract::BasicMayWait;
use crate::platform::routes::{api, uploads, uploads_doc};
use crate::platform::state::AppState;
use crate::platform::sync;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Casa del Cittadino: API di sincronizzazione / sync API",
        description = "Native API of the Casa del Cittadino app. Open311 GeoReport v2 is served under /open311/v2.",
        version = "1"
    ),
    paths(sync::handler, api::comuni, api::comune_outline, uploads_doc::create_upload, uploads_doc::upload_offset, uploads_doc::upload_chunk, uploads_doc::delete_upload, uploads_doc::upload_options, uploads::photo, uploads_doc::photo_head),
    modifiers(&SecuritySchemes),
    tags(
        (name = "sync", description = "Offline-first sync: push a batch, pull changes"),
        (name = "reports", description = "Reports (segnalazioni)"),
        (name = "comuni", description = "Comuni and their configuration"),
        (name = "admin", description = "Staff endpoints (HTTP Basic: email and password)"),
        (name = "backoffice", description = "Back-office systems of the departments (API key: Authorization: Bearer)"),
        (name = "inspector", description = "The field inspectors' app: log in for a token (Authorization: Bearer), then sync visits and assignments"),
        (name = "identity", description = "A citizen's verified identity on the phone: a clerk's one-time code traded for a token, sent as Authorization: Bearer on syncs that carry petition signatures"),
        (name = "petitions", description = "E-petitions: read them here; sign and withdraw through the sync (offline-first)"),
        (name = "uploads", description = "Photo uploads with tus 1.0 (creation, expiration, checksum with sha256, termination), from a device (X-Casa-Device, X-Casa-Device-Key)"),
        (name = "photos", description = "Photos by sha256: public while a public report shows them, otherwise only to the device that filed or uploaded them and to staff")
    )
)]
struct ApiDoc;

/// Staff use HTTP Basic; back-office systems an API key as a bearer token.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("basic", SecurityScheme::Http(Http::new(HttpAuthScheme::Basic)));
        components.add_security_scheme("api_key", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        components.add_security_scheme("inspector_token", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        // A phone: its id and its secret, both required together (see crate::platform::device).
        use utoipa::openapi::security::{ApiKey, ApiKeyValue};
        components.add_security_scheme("device_id", SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Casa-Device"))));
        components.add_security_scheme("device_key", SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Casa-Device-Key"))));
    }
}

/// The platform's paths and each component's.
pub fn document(state: &AppState) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    for component in state.components().iter() {
        if let Some(paths) = component.openapi() {
            doc.merge(paths);
        }
    }
    // After the merge: it marks every operation that takes a password.
    BasicMayWait.modify(&mut doc);
    doc
}
