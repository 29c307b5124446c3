//! The sync wire format between the app and the server (`POST /api/v1/sync`).
//!
//! One request carries everything: the device's pending items and its cursor;
//! one answer carries a result for each item and the changes since the cursor.
//! A sync with nothing to send is therefore one small round trip.
//!
//! Versioning: `protocol` is checked by the server, which serves the current
//! version and the one before ([`v1`], converted at the edge); within a
//! version fields are only ever added (old clients ignore unknown fields, new
//! servers default missing ones), and a new component adds a `kind` and a
//! section, not a version.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub mod sections;
pub mod v1;

use crate::comune::IstatCode;
use crate::ids::{DeviceId, ReportId};
use crate::status::ReportStatus;

/// 2: items and pulls grouped by component (see [`sections`]).
pub const PROTOCOL_VERSION: u32 = 2;
/// The oldest version still served: phones in the field update late.
pub const OLDEST_PROTOCOL_VERSION: u32 = v1::PROTOCOL_VERSION;
/// Items per request; a device with more sends several batches.
pub const MAX_BATCH_ITEMS: usize = 500;
pub const MAX_NEARBY_RADIUS_M: f64 = 5_000.0;

/// An opaque position in the server's change log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = i64))]
pub struct Cursor(pub i64);

/// One round trip of a phone (protocol 2): its items, each tagged by the
/// `kind` of the component it belongs to, and what each component wants
/// pulled. A component the request does not name pulls nothing; one the
/// server does not know is ignored, so new components are added without a
/// new protocol version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncRequest {
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 2))]
    pub protocol: u32,
    pub device_id: DeviceId,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>, max_items = 500))]
    pub items: Vec<Item>,
    /// By component name (`reports`, `petitions`, `badges`...): that
    /// component's request (see [`sections`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub pull: BTreeMap<String, serde_json::Value>,
}

impl SyncRequest {
    pub fn new(device_id: DeviceId) -> Self {
        Self { protocol: PROTOCOL_VERSION, device_id, items: Vec::new(), pull: BTreeMap::new() }
    }

    /// Adds a pushed item of a known kind.
    pub fn push(mut self, item: &PushItem) -> Self {
        self.items.push(Item::from(item));
        self
    }

    /// Asks component `C` for its section.
    pub fn with_pull<C: sections::WireComponent>(mut self, pull: &C::Pull) -> Self {
        self.set_pull::<C>(pull);
        self
    }

    pub fn set_pull<C: sections::WireComponent>(&mut self, pull: &C::Pull) {
        // A pull is plain data (strings, numbers, options): it always serialises.
        self.pull.insert(C::NAME.to_owned(), serde_json::to_value(pull).unwrap_or(serde_json::Value::Null));
    }

    /// What the phone asked of component `C`, if anything.
    pub fn pull_of<C: sections::WireComponent>(&self) -> Result<Option<C::Pull>, serde_json::Error> {
        self.pull.get(C::NAME).map(|v| serde_json::from_value(v.clone())).transpose()
    }
}

/// A sync request of either version, and the answer it gets: lets one
/// client call speak protocol 2 (the app) or 1 (phones not yet updated, and
/// the tests that play them).
pub trait SyncCall: Serialize {
    type Answer: serde::de::DeserializeOwned;
    fn device_id(&self) -> DeviceId;
}

impl SyncCall for SyncRequest {
    type Answer = SyncResponse;
    fn device_id(&self) -> DeviceId {
        self.device_id
    }
}

impl SyncCall for v1::SyncRequest {
    type Answer = v1::SyncResponse;
    fn device_id(&self) -> DeviceId {
        self.device_id
    }
}

/// One item made on a device, as it travels: `{"kind": ..., "id": ..., ...}`.
/// The envelope only reads `kind` (to find the component) and `id` (to
/// answer); the component parses the rest, so one malformed item is refused
/// on its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub kind: String,
    pub id: uuid::Uuid,
    #[serde(flatten)]
    pub fields: serde_json::Map<String, serde_json::Value>,
}

impl Item {
    /// The item as one of the known kinds, taking it (no copy of its fields).
    pub fn into_known(self) -> Result<PushItem, serde_json::Error> {
        let mut object = self.fields;
        object.insert("kind".to_owned(), serde_json::Value::String(self.kind));
        object.insert("id".to_owned(), serde_json::Value::String(self.id.to_string()));
        serde_json::from_value(serde_json::Value::Object(object))
    }

    /// The item as one of the known kinds.
    pub fn known(&self) -> Result<PushItem, serde_json::Error> {
        let mut object = self.fields.clone();
        object.insert("kind".to_owned(), serde_json::Value::String(self.kind.clone()));
        object.insert("id".to_owned(), serde_json::to_value(self.id)?);
        serde_json::from_value(serde_json::Value::Object(object))
    }
}

impl From<&PushItem> for Item {
    fn from(item: &PushItem) -> Self {
        let mut fields = match serde_json::to_value(item) {
            Ok(serde_json::Value::Object(map)) => map,
            // A tagged enum of structs always serialises to an object.
            _ => serde_json::Map::new(),
        };
        let kind = match fields.remove("kind") {
            Some(serde_json::Value::String(k)) => k,
            _ => String::new(),
        };
        fields.remove("id");
        Item { kind, id: item.id(), fields }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NearbyQuery {
    #[cfg_attr(feature = "openapi", schema(minimum = -90.0, maximum = 90.0))]
    pub lat: f64,
    #[cfg_attr(feature = "openapi", schema(minimum = -180.0, maximum = 180.0))]
    pub lon: f64,
    #[cfg_attr(feature = "openapi", schema(exclusive_minimum = 0.0, maximum = 5000.0))]
    pub radius_m: f64,
}

/// One item created on a device. Tagged by `kind`, so later item kinds
/// (petition signatures, ...) are added without a new protocol version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PushItem {
    Report(ReportPayload),
    /// The citizen says a resolved report of theirs is not fixed.
    Reopen(ReopenPayload),
    /// A petition signed, by a verified identity (the sync's bearer token).
    Signature(crate::petition::SignaturePayload),
    /// A signature taken back.
    Withdrawal(crate::petition::WithdrawalPayload),
    /// A citizen's own petition, to gather co-sponsors (its author signs it).
    Proposal(crate::petition::ProposalPayload),
}

impl PushItem {
    pub fn id(&self) -> uuid::Uuid {
        match self {
            PushItem::Report(r) => r.id.as_uuid(),
            PushItem::Reopen(r) => r.id,
            PushItem::Signature(s) => s.id,
            PushItem::Withdrawal(w) => w.id,
            PushItem::Proposal(p) => p.id.as_uuid(),
        }
    }
}

/// A request to reopen a resolved report. Its own client-made id makes a
/// re-send harmless; only the device that filed the report may send it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReopenPayload {
    /// UUIDv7 made by the device.
    pub id: uuid::Uuid,
    pub report_id: ReportId,
    /// Why it is not fixed: trimmed, 3 to 500 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 3, max_length = 500))]
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// A report as it travels. Fields are plain values here: the rules are checked
/// by [`crate::report::NewReport::parse`], so that one bad item is refused on
/// its own instead of failing its whole batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportPayload {
    pub id: ReportId,
    #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z][a-z0-9_]{1,39}$", example = "road_damage"))]
    pub category: String,
    /// Trimmed, 1 to 2,000 characters, no control characters but newlines and tabs.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 2000, pattern = "\\S"))]
    pub description: String,
    #[cfg_attr(feature = "openapi", schema(minimum = -90.0, maximum = 90.0))]
    pub lat: f64,
    #[cfg_attr(feature = "openapi", schema(minimum = -180.0, maximum = 180.0))]
    pub lon: f64,
    #[cfg_attr(feature = "openapi", schema(minimum = 0.0, maximum = 10000.0))]
    pub accuracy_m: f64,
    /// Not more than 10 minutes ahead of the server's clock.
    pub captured_at: DateTime<Utc>,
    /// sha256 (lowercase hex) of each processed photo, in display order.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 5, inline, value_type = Vec<String>))]
    pub photos: Vec<String>,
}

/// The answer to a [`SyncRequest`]: one result per item, in order, and each
/// component's section, present only when it has something new.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncResponse {
    pub protocol: u32,
    pub results: Vec<ItemResult>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub sections: BTreeMap<String, serde_json::Value>,
    /// Version of the server's directory of Comuni (services, categories,
    /// boundaries): when it differs from the one the device holds, the device
    /// fetches `GET /api/v1/comuni` again; otherwise it costs nothing.
    #[serde(default)]
    pub directory_version: i64,
}

impl SyncResponse {
    /// Component `C`'s section, if it sent one.
    pub fn section<C: sections::WireComponent>(&self) -> Result<Option<C::Section>, serde_json::Error> {
        self.sections.get(C::NAME).map(|v| serde_json::from_value(v.clone())).transpose()
    }

    pub fn set_section<C: sections::WireComponent>(&mut self, section: &C::Section) -> Result<(), serde_json::Error> {
        self.sections.insert(C::NAME.to_owned(), serde_json::to_value(section)?);
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemResult {
    pub id: uuid::Uuid,
    #[serde(flatten)]
    pub outcome: ItemOutcome,
}

/// Re-sending an item answers the same outcome as the first time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ItemOutcome {
    Accepted(Routing),
    /// A signature or withdrawal that counted (a re-send answers the same).
    Counted(crate::petition::SignatureReceipt),
    /// Refused for good: sending it again will not help. `code` is stable,
    /// `message` is for the citizen (Italian, then English).
    Rejected {
        code: String,
        message: String,
    },
    /// Not taken now, but not refused either (too many new reports from this
    /// phone or network: `code` is `rate_limited`): the phone keeps the item
    /// queued and sends it again after `retry_after_secs`.
    Deferred {
        code: String,
        message: String,
        retry_after_secs: u64,
    },
}

/// Where a report was routed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Routing {
    pub comune: IstatCode,
    pub comune_name: String,
    pub department: String,
    pub department_name: String,
    /// `inside`, `nearby` (within 250 m of the boundary) or
    /// `approximate_centre` (no official boundaries imported yet).
    pub method: String,
    /// True when the Comune was chosen by nearest town centre, not boundary.
    pub approximate: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportChange {
    pub report_id: ReportId,
    #[serde(flatten)]
    pub status: ReportStatus,
    /// What the office wrote with the change (work done, what was found).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

/// A report anyone may see (published, or further along).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicReport {
    pub id: ReportId,
    pub comune: IstatCode,
    pub category: String,
    pub description: String,
    pub lat: f64,
    pub lon: f64,
    #[serde(flatten)]
    pub status: ReportStatus,
    pub updated_at: DateTime<Utc>,
}

/// A Comune as the app needs it offline (`GET /api/v1/comuni`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComuneInfo {
    pub istat_code: IstatCode,
    pub name: String,
    /// Enabled services (`reports`, `petitions`...).
    pub services: Vec<String>,
    pub categories: Vec<CategoryInfo>,
    /// False until official boundaries are imported (routing is approximate).
    pub official_boundary: bool,
}

/// A Comune's official boundary, simplified for drawing on the phone's map
/// offline (`GET /api/v1/comuni/{istat_code}/outline`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComuneOutline {
    pub istat_code: IstatCode,
    /// Rings of `[lon, lat]` (GeoJSON order), exterior rings and holes alike,
    /// simplified to within [`OUTLINE_TOLERANCE_M`].
    pub rings: Vec<Vec<[f64; 2]>>,
}

/// How far a drawn outline may stray from the official boundary.
pub const OUTLINE_TOLERANCE_M: f64 = 20.0;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryInfo {
    pub code: String,
    pub name_it: String,
    pub name_en: String,
    pub department: String,
    pub department_name: String,
}

/// The error body of every `/api/v1` failure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiErrorBody {
    /// Stable, snake_case, for programs.
    pub code: String,
    /// For people: Italian, then English.
    pub message: String,
}

/// A field inspector's visit, recorded on the phone (offline) and sent on
/// the next inspector sync. The id is the phone's (UUIDv7): a re-send is the
/// same inspection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InspectionPayload {
    pub id: uuid::Uuid,
    pub report_id: ReportId,
    pub outcome: crate::inspection::InspectionOutcome,
    /// The inspector's GPS fix.
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
    pub fix_at: DateTime<Utc>,
    /// sha256 of the photo taken on site (uploaded by tus first, like a report's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo_taken_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// When the inspector confirmed, by the phone's clock.
    pub inspected_at: DateTime<Utc>,
}

/// `POST /api/v1/identity/activate`: the phone trades a one-time code, which
/// a clerk issued after checking the citizen's ID document, for a token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdentityActivation {
    /// As printed, e.g. `ABCD-EFGH-JKLM` (case and dashes do not matter).
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub code: String,
    pub device_id: DeviceId,
}

/// The phone's identity: send `token` as `Authorization: Bearer` on every sync.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdentitySession {
    pub token: String,
    /// The Comune of residence the clerk recorded.
    pub residence: IstatCode,
    pub residence_name: String,
}

/// `POST /api/v1/inspector/session`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InspectorLogin {
    pub email: String,
    pub password: String,
}

/// A bearer token for the inspector API, valid until `expires_at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InspectorSession {
    pub token: String,
    pub email: String,
    pub expires_at: DateTime<Utc>,
}

/// `POST /api/v1/inspector/sync`: the inspections done since the last sync.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InspectorSyncRequest {
    #[serde(default)]
    pub inspections: Vec<InspectionPayload>,
}

/// One answer per inspection sent, and the inspector's open assignments (the
/// whole list: the phone replaces what it holds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InspectorSyncResponse {
    pub results: Vec<InspectionResult>,
    pub assignments: Vec<Assignment>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InspectionResult {
    pub id: uuid::Uuid,
    #[serde(flatten)]
    pub verdict: InspectionVerdict,
}

/// A re-sent inspection answers what it answered the first time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum InspectionVerdict {
    Accepted,
    Rejected { code: String, message: String },
}

/// A report an inspector is asked to check on site, with what they need offline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assignment {
    pub report_id: ReportId,
    pub comune: IstatCode,
    pub comune_name: String,
    pub category: String,
    pub description: String,
    pub lat: f64,
    pub lon: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(flatten)]
    pub status: ReportStatus,
    pub assigned_at: DateTime<Utc>,
    /// What the moderator asked the inspector to look at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_no_op_sync_request_is_tiny() {
        let req = SyncRequest::new(DeviceId::new())
            .with_pull::<sections::Reports>(&sections::ReportsPull { cursor: Some(Cursor(42)), nearby: None });
        let json = serde_json::to_string(&req).expect("json");
        assert!(json.len() < 120, "{json}");
    }

    #[test]
    fn every_status_survives_a_sync_change_round_trip() {
        let original = crate::ReportId::new();
        for status in [
            ReportStatus::Published,
            ReportStatus::Rejected { reason: "Problema già risolto".into() },
            ReportStatus::AssignedToDepartment { department: "ambiente".into() },
            ReportStatus::DuplicateOf { report_id: original },
            ReportStatus::Resolved,
        ] {
            let change = ReportChange { report_id: crate::ReportId::new(), status, note: None, at: chrono::Utc::now() };
            let json = serde_json::to_string(&change).expect("json");
            let back: ReportChange = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{json}: {e}"));
            assert_eq!(back, change);
        }
    }

    #[test]
    fn an_accepted_result_flattens_its_routing() {
        let r = ItemResult {
            id: uuid::Uuid::nil(),
            outcome: ItemOutcome::Accepted(Routing {
                comune: IstatCode::parse("072006").expect("code"),
                comune_name: "Bari".into(),
                department: "lavori_pubblici".into(),
                department_name: "Lavori pubblici".into(),
                method: "inside".into(),
                approximate: false,
            }),
        };
        let v = serde_json::to_value(&r).expect("json");
        assert_eq!(v["outcome"], "accepted");
        assert_eq!(v["comune"], "072006");
        let back: ItemResult = serde_json::from_value(v).expect("back");
        assert_eq!(back, r);
    }

    #[test]
    fn an_unknown_item_kind_is_a_parse_error_not_a_panic() {
        let json = r#"{"protocol":1,"device_id":"0190f5c8-7b1c-7d3e-8f00-000000000001","items":[{"kind":"bogus"}]}"#;
        assert!(serde_json::from_str::<v1::SyncRequest>(json).is_err());
        let item: Item = serde_json::from_str(r#"{"kind":"bogus","id":"0190f5c8-7b1c-7d3e-8f00-000000000001"}"#).expect("envelope");
        assert!(item.known().is_err());
    }

    #[test]
    fn a_known_item_travels_in_the_same_shape_in_both_versions() {
        let payload = ReportPayload {
            id: crate::ReportId::new(),
            category: "road_damage".into(),
            description: "Buca".into(),
            lat: 41.1,
            lon: 16.8,
            accuracy_m: 5.0,
            captured_at: chrono::Utc::now(),
            photos: vec![],
        };
        let typed = PushItem::Report(payload);
        let item = Item::from(&typed);
        assert_eq!(serde_json::to_value(&item).expect("v2"), serde_json::to_value(&typed).expect("v1"));
        assert_eq!(item.known().expect("known"), typed);
    }
}
