//! Storage, behind traits split by aggregate, with one implementation per
//! backend: SQLite (embedded, the default) and PostgreSQL (production).

use async_trait::async_trait;
use casa_shared_model::badge::BadgeKind;
use casa_shared_model::inspection::InspectionOutcome;
use casa_shared_model::petition::{NewPetition, PetitionRules, PetitionStatus, Threshold, ThresholdKind};
use casa_shared_model::report::Reopen;
use casa_shared_model::wire::{Cursor, ReportChange};
use casa_shared_model::{DeviceId, IstatCode, NewReport, PetitionId, ReportId, ReportStatus, Service};
use chrono::{DateTime, Utc};
use uuid::Uuid;

pub mod api_keys;
pub mod badges;
pub mod citizens;
pub mod comuni;
pub mod delivery;
pub mod devices;
pub mod inspections;
pub mod petitions;
pub mod postgres;
pub mod report_ids;
pub mod reports;
pub mod sql;
pub mod sqlite;
pub mod staff;
pub mod uploads;

pub use api_keys::{ApiKeyRecord, ApiKeyStore};
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("already exists: {0}")]
    Conflict(String),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("unsupported database URL (expected sqlite:// or postgres://): {0}")]
    UnsupportedUrl(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A Comune as seeded on first start.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedComune {
    pub istat_code: IstatCode,
    pub name: String,
    /// Town centre (lat, lon), when known.
    pub centre: Option<(f64, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DepartmentRecord {
    pub code: String,
    pub name_it: String,
    pub name_en: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CategoryRecord {
    pub code: String,
    pub name_it: String,
    pub name_en: String,
    pub description_it: String,
    pub department: String,
    pub enabled: bool,
}

/// Everything the server needs to route and describe a Comune's reports.
#[derive(Debug, Clone, PartialEq)]
pub struct ComuneConfig {
    pub istat_code: IstatCode,
    pub name: String,
    pub centre: Option<(f64, f64)>,
    /// GeoJSON geometry of the official boundary, once imported.
    pub boundary: Option<String>,
    pub services: Vec<(Service, bool)>,
    pub departments: Vec<DepartmentRecord>,
    pub categories: Vec<CategoryRecord>,
    pub petition_rules: PetitionRules,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BoundaryImport {
    pub istat_code: IstatCode,
    pub name: String,
    pub geometry_json: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportSummary {
    /// Known Comuni whose boundary was replaced.
    pub updated: usize,
    /// Comuni created by this import (only with `add_new`).
    pub added: usize,
    /// Features naming Comuni the platform does not serve.
    pub skipped: Vec<IstatCode>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportSource {
    App,
    Open311,
}

impl ReportSource {
    pub fn as_str(&self) -> &'static str {
        match self {
            ReportSource::App => "app",
            ReportSource::Open311 => "open311",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "app" => Some(ReportSource::App),
            "open311" => Some(ReportSource::Open311),
            _ => None,
        }
    }
}

/// A valid report with the Comune and department it was routed to.
#[derive(Debug, Clone, PartialEq)]
pub struct RoutedReport {
    pub report: NewReport,
    pub device_id: Option<DeviceId>,
    pub source: ReportSource,
    pub api_key_id: Option<Uuid>,
    pub comune: IstatCode,
    pub department: String,
    pub routing_method: &'static str,
    pub routing_distance_m: Option<f64>,
    pub address: Option<String>,
    pub media_url: Option<String>,
    pub received_at: DateTime<Utc>,
}

/// What the store holds for an ingested id: the new row, or the one that was
/// already there (so a re-send answers exactly as the first send did).
#[derive(Debug, Clone, PartialEq)]
pub struct Ingested {
    pub id: ReportId,
    pub created: bool,
    pub comune: IstatCode,
    pub department: String,
    pub routing_method: String,
    pub fingerprint: String,
}

/// A stored report.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRecord {
    pub id: ReportId,
    pub device_id: Option<DeviceId>,
    pub source: ReportSource,
    pub comune: IstatCode,
    pub category: String,
    pub department: String,
    pub description: String,
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
    pub address: Option<String>,
    pub captured_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub photos: Vec<String>,
    pub media_url: Option<String>,
    pub routing_method: String,
    pub routing_distance_m: Option<f64>,
    pub status: ReportStatus,
}

/// What a reopen request did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReopenApplied {
    Applied,
    /// This request id was applied before: a re-send.
    AlreadyApplied,
    /// The report is not (or no longer) resolved, or not this device's.
    NotResolved,
}

/// What replacing a photo did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoReplaced {
    /// The report does not show that photo (any more).
    NotThere,
    Replaced {
        old_still_used: bool,
    },
}

/// A report filed again under another category (and so department).
#[derive(Debug, Clone, PartialEq)]
pub struct Recategorize {
    pub id: ReportId,
    pub from_category: String,
    pub category: String,
    pub department: String,
    pub actor: String,
    pub at: DateTime<Utc>,
}

/// A report sent to another Comune's moderation queue.
#[derive(Debug, Clone, PartialEq)]
pub struct Transfer {
    pub id: Uuid,
    pub report_id: ReportId,
    pub from_comune: IstatCode,
    pub to_comune: IstatCode,
    /// The status the report must still have (two moderators acting at once).
    pub from_status: ReportStatus,
    pub category: String,
    pub department: String,
    pub reason: String,
    pub actor: String,
    pub at: DateTime<Utc>,
}

/// A transfer as the report's history shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct TransferRecord {
    pub from_comune: IstatCode,
    pub to_comune: IstatCode,
    pub reason: String,
    pub actor: String,
    pub at: DateTime<Utc>,
}

/// A status change as the store records it.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChange {
    pub id: ReportId,
    /// The status the report must still have (two people acting at once
    /// cannot both win).
    pub from: ReportStatus,
    pub to: ReportStatus,
    pub actor: String,
    /// Shown to the citizen with the new status.
    pub note: Option<String>,
    /// sha256 of a photo attached to the change (a resolved pothole).
    pub photo: Option<String>,
    pub at: DateTime<Utc>,
}

/// One entry of a report's status history.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusEvent {
    pub status: ReportStatus,
    pub actor: String,
    pub note: Option<String>,
    pub photo: Option<String>,
    pub at: DateTime<Utc>,
}

/// Filters of a report search (Open311 `GET requests`, dashboards).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportFilter {
    pub ids: Option<Vec<ReportId>>,
    pub comune: Option<IstatCode>,
    pub categories: Option<Vec<String>>,
    pub departments: Option<Vec<String>>,
    pub statuses: Option<Vec<&'static str>>,
    pub received_from: Option<DateTime<Utc>>,
    pub received_to: Option<DateTime<Utc>>,
    /// A latitude/longitude box: (min_lat, min_lon, max_lat, max_lon).
    pub bbox: Option<(f64, f64, f64, f64)>,
    pub limit: u32,
    pub offset: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StaffUserRecord {
    pub id: Uuid,
    pub email: String,
    pub role: String,
    pub password_hash: String,
    pub comuni: Vec<IstatCode>,
    /// An operator's department (its code); none for the other roles.
    pub department: Option<String>,
}

/// The Comuni, their boundaries and their configuration.
#[async_trait]
pub trait ComuneStore: Send + Sync {
    /// Adds the Comuni not yet present, each with the default departments,
    /// categories and services. Comuni already there are left as they are.
    async fn seed_comuni(&self, comuni: &[SeedComune]) -> StoreResult<usize>;
    async fn comune_configs(&self) -> StoreResult<Vec<ComuneConfig>>;
    async fn import_boundaries(&self, boundaries: &[BoundaryImport], add_new: bool) -> StoreResult<ImportSummary>;
    async fn set_service(&self, comune: &IstatCode, service: Service, enabled: bool) -> StoreResult<bool>;
    /// Replaces a Comune's petition rules (for petitions proposed from now on).
    async fn set_petition_rules(&self, comune: &IstatCode, rules: &PetitionRules) -> StoreResult<bool>;
    /// Bumped by every configuration change, so servers know to reload.
    async fn config_version(&self) -> StoreResult<i64>;
}

/// Citizens' reports and their status history.
#[async_trait]
pub trait ReportStore: Send + Sync {
    /// Inserts the reports in one transaction; ids already stored are left
    /// untouched and answered with what is stored.
    async fn ingest(&self, reports: &[RoutedReport]) -> StoreResult<Vec<Ingested>>;
    async fn report(&self, id: &ReportId) -> StoreResult<Option<ReportRecord>>;
    /// The reports waiting for a moderator of `comune`, oldest first.
    async fn moderation_queue(&self, comune: &IstatCode, limit: u32, offset: u32) -> StoreResult<(u64, Vec<ReportRecord>)>;
    async fn search_reports(&self, filter: &ReportFilter) -> StoreResult<Vec<ReportRecord>>;
    /// Sets a new status only if the stored one is still `from` (two
    /// moderators acting at once cannot both win). Returns whether it changed.
    /// A report put in its department's hands (published or assigned) enters
    /// the outbox of that department's back-office in the same transaction.
    async fn record_status(&self, change: &StatusChange) -> StoreResult<bool> {
        self.record_statuses(std::slice::from_ref(change)).await
    }
    /// Records several changes of one report in order, in one transaction:
    /// all of them, or none when the report is no longer in the `from` of
    /// one (answers false) or a step fails.
    async fn record_statuses(&self, changes: &[StatusChange]) -> StoreResult<bool>;
    /// [`ReportStore::record_status`] without a note or photo.
    async fn change_status(
        &self,
        id: &ReportId,
        from: &ReportStatus,
        to: &ReportStatus,
        actor: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        self.record_status(&StatusChange {
            id: *id,
            from: from.clone(),
            to: to.clone(),
            actor: actor.to_owned(),
            note: None,
            photo: None,
            at,
        })
        .await
    }
    /// Every status the report went through, oldest first.
    async fn status_history(&self, id: &ReportId) -> StoreResult<Vec<StatusEvent>>;
    /// Reopens a resolved report for the device that filed it, sending it
    /// back to `department`, in one transaction with its status event.
    async fn reopen(&self, reopen: &Reopen, device: &DeviceId, department: &str) -> StoreResult<ReopenApplied>;
    /// The reasons citizens gave for reopening a report, oldest first.
    async fn reopens(&self, report: &ReportId) -> StoreResult<Vec<Reopen>>;
    /// Puts `new` in place of the photo `old` of a report (a blurred copy).
    /// Returns whether any report still shows `old`, so its file may go.
    async fn replace_photo(&self, id: &ReportId, old: &str, new: &str, at: DateTime<Utc>) -> StoreResult<PhotoReplaced>;
    /// Files a report under another category and the department that handles
    /// it; a report already with a department follows it there (with a status
    /// event, so the citizen sees the new office).
    async fn recategorize(&self, change: &Recategorize) -> StoreResult<bool>;
    /// Moves a report to another Comune's moderation queue, if its status is
    /// still `from_status`; the transfer and its reason are kept.
    async fn transfer(&self, transfer: &Transfer) -> StoreResult<bool>;
    async fn transfers(&self, report: &ReportId) -> StoreResult<Vec<TransferRecord>>;
    /// Status changes of a device's reports after `since`, oldest first.
    async fn device_changes(&self, device: &DeviceId, since: Cursor, limit: u32) -> StoreResult<Vec<(Cursor, ReportChange)>>;
    /// One row per report of `comune` received from `since` on, with when it
    /// was first answered and first resolved (for the statistics).
    async fn report_timings(&self, comune: &IstatCode, since: Option<DateTime<Utc>>) -> StoreResult<Vec<ReportTiming>>;
    /// How many reports waiting for moderation in `comune` arrived after
    /// `since` (the dashboard's live banner).
    async fn queue_arrivals(&self, comune: &IstatCode, since: DateTime<Utc>) -> StoreResult<u64>;
}

/// The statuses that are not yet an answer to the citizen: a report's first
/// event with any other status is its first response.
pub const NOT_AN_ANSWER: [&str; 2] = ["submitted", "in_moderation"];

/// A report's milestones, for the statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportTiming {
    pub category: String,
    /// The current status's code.
    pub status: String,
    pub received_at: DateTime<Utc>,
    /// The first status that answered the citizen (published, rejected...).
    pub first_response_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait StaffStore: Send + Sync {
    async fn insert_staff_user(&self, user: &StaffUserRecord, at: DateTime<Utc>) -> StoreResult<()>;
    async fn staff_user_by_email(&self, email: &str) -> StoreResult<Option<StaffUserRecord>>;
    async fn staff_user_by_id(&self, id: Uuid) -> StoreResult<Option<StaffUserRecord>>;
}

/// A dashboard session, found by the sha256 of its cookie's token.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    pub token_hash: String,
    pub user_id: Uuid,
    /// The token every form of this session must send back.
    pub csrf: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Staff sessions and the failed logins that lock an account.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Until when the account is locked, if it is at `now`.
    async fn login_locked_until(&self, user: Uuid, now: DateTime<Utc>) -> StoreResult<Option<DateTime<Utc>>>;
    /// Counts one more failed login in a row; the one that reaches
    /// `max_failures` locks the account until `lock_until` (and restarts the count).
    async fn record_login_failure(&self, user: Uuid, max_failures: u32, lock_until: DateTime<Utc>) -> StoreResult<Option<DateTime<Utc>>>;
    async fn clear_login_failures(&self, user: Uuid) -> StoreResult<()>;
    async fn insert_session(&self, session: &SessionRecord) -> StoreResult<()>;
    /// The session with this token hash, if it has not expired at `now`.
    async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<SessionRecord>>;
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;
}

/// One staff action, as the audit log keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// `staff:<email>`, or `anonymous` for a failed login of an unknown account.
    pub actor: String,
    /// Stable, snake_case: `login`, `login_failed`, `login_throttled`, `login_refused_throttled`, `logout`, `status_change`...
    pub action: String,
    pub target: Option<String>,
    pub detail: Option<String>,
    pub at: DateTime<Utc>,
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()>;
    /// The newest entries first.
    async fn audit_log(&self, limit: u32) -> StoreResult<Vec<AuditEntry>>;
}

/// How a department's back-office takes its reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryKind {
    /// A signed JSON POST (HMAC-SHA256, see `delivery::verify_webhook_signature`).
    Webhook,
    /// `POST requests.json` to an Open311 GeoReport v2 server.
    Open311,
}

impl DeliveryKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            DeliveryKind::Webhook => "webhook",
            DeliveryKind::Open311 => "open311",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "webhook" => Some(DeliveryKind::Webhook),
            "open311" => Some(DeliveryKind::Open311),
            _ => None,
        }
    }
}

/// A credential kept in clear because the server must use it (to sign, or
/// to log in elsewhere); its `Debug` hides it, so it never reaches a log.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The back-office of one department of one Comune.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryTarget {
    pub id: Uuid,
    pub comune: IstatCode,
    pub department: String,
    pub kind: DeliveryKind,
    /// The webhook's URL, or the Open311 server's base (`.../open311/v2`).
    pub url: String,
    /// The webhook's HMAC key, or the Open311 `api_key`.
    pub secret: Secret,
    /// The Open311 `service_code`; without it, the report's category.
    pub service_code: Option<String>,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
}

/// One report to deliver to one back-office (a row of the outbox).
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryRecord {
    /// Stable across retries: what receivers deduplicate on.
    pub id: Uuid,
    pub report_id: ReportId,
    pub target_id: Uuid,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub leased_until: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// Set when the attempts ran out; the row stays for people to see.
    pub failed_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// The back-office's own id for the report, when it answered one.
    pub remote_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A delivery taken by this server until its lease runs out.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedDelivery {
    pub id: Uuid,
    pub report_id: ReportId,
    /// Counting this one.
    pub attempts: u32,
    pub target: DeliveryTarget,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryCounts {
    pub target_id: Uuid,
    pub pending: u64,
    pub delivered: u64,
    pub failed: u64,
}

/// Back-office targets and the outbox of deliveries to them. Rows enter the
/// outbox in [`ReportStore::change_status`], in the transaction that
/// publishes (or assigns) the report.
#[async_trait]
pub trait DeliveryStore: Send + Sync {
    /// Sets the back-office of a department: a new target, or the existing
    /// one (same id, so its pending deliveries follow) with the new kind,
    /// address and credentials, enabled. Returns what is stored.
    async fn upsert_delivery_target(&self, target: &DeliveryTarget) -> StoreResult<DeliveryTarget>;
    async fn delivery_targets(&self) -> StoreResult<Vec<DeliveryTarget>>;
    /// A disabled target keeps its outbox rows; they go out once it is enabled again.
    async fn set_delivery_target_enabled(&self, comune: &IstatCode, department: &str, enabled: bool) -> StoreResult<bool>;
    /// Takes up to `limit` deliveries due at `now` (not delivered, not failed,
    /// target enabled, no live lease), counts an attempt on each and leases
    /// them until `lease_until`. Several servers may call it at once: each
    /// row goes to one of them.
    async fn claim_due_deliveries(&self, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: u32) -> StoreResult<Vec<ClaimedDelivery>>;
    async fn mark_delivered(&self, id: Uuid, at: DateTime<Utc>, remote_id: Option<&str>) -> StoreResult<()>;
    /// Releases the lease and sets the next attempt; a delivered row is left alone.
    async fn schedule_retry(&self, id: Uuid, next_attempt_at: DateTime<Utc>, error: &str) -> StoreResult<()>;
    /// No more attempts: the row stays, with `failed_at` and the last error.
    async fn mark_delivery_failed(&self, id: Uuid, at: DateTime<Utc>, error: &str) -> StoreResult<()>;
    /// Failed deliveries of a target go back to the queue, due at `now`
    /// with their attempts counted from zero. Returns how many.
    async fn retry_failed_deliveries(&self, target_id: Uuid, now: DateTime<Utc>) -> StoreResult<u64>;
    async fn report_deliveries(&self, report: &ReportId) -> StoreResult<Vec<DeliveryRecord>>;
    /// Failed deliveries, the newest first.
    async fn failed_deliveries(&self, limit: u32) -> StoreResult<Vec<DeliveryRecord>>;
    /// Pending, delivered and failed rows per target that has any.
    async fn delivery_counts(&self) -> StoreResult<Vec<DeliveryCounts>>;
}

/// A staff member with the inspector role.
#[derive(Debug, Clone, PartialEq)]
pub struct InspectorRecord {
    pub id: Uuid,
    pub email: String,
}

/// Who is asked to check a report on site.
#[derive(Debug, Clone, PartialEq)]
pub struct AssignmentRecord {
    pub report_id: ReportId,
    pub inspector: InspectorRecord,
    pub instructions: Option<String>,
    pub assigned_by: String,
    pub assigned_at: DateTime<Utc>,
    /// When the inspector's visit came in.
    pub done_at: Option<DateTime<Utc>>,
}

/// An inspector's visit, checked (see `casa_shared_model::inspection`).
#[derive(Debug, Clone, PartialEq)]
pub struct InspectionRecord {
    pub id: Uuid,
    pub report_id: ReportId,
    pub inspector: InspectorRecord,
    pub outcome: InspectionOutcome,
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
    pub distance_m: f64,
    pub fix_at: DateTime<Utc>,
    pub photo: Option<String>,
    pub photo_taken_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub inspected_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
}

/// Field inspections: who is asked to check what, and what they found.
#[async_trait]
pub trait InspectionStore: Send + Sync {
    /// The inspectors who cover a Comune, by email.
    async fn inspectors(&self, comune: &IstatCode) -> StoreResult<Vec<InspectorRecord>>;
    /// Asks an inspector to check a report; replaces an earlier request
    /// (another inspector, or the same one again after a visit).
    async fn assign_inspector(&self, assignment: &AssignmentRecord) -> StoreResult<()>;
    async fn inspection_assignment(&self, report: &ReportId) -> StoreResult<Option<AssignmentRecord>>;
    /// An inspector's reports still to visit, oldest request first.
    async fn open_assignments(&self, inspector: Uuid) -> StoreResult<Vec<(ReportRecord, AssignmentRecord)>>;
    /// Keeps a visit and closes the inspector's request for that report. A
    /// re-sent id changes nothing; returns whether the visit is new.
    async fn record_inspection(&self, inspection: &InspectionRecord) -> StoreResult<bool>;
    async fn inspection(&self, id: Uuid) -> StoreResult<Option<InspectionRecord>>;
    /// A report's visits, oldest first.
    async fn inspections(&self, report: &ReportId) -> StoreResult<Vec<InspectionRecord>>;
}

pub(crate) const INSPECTION_COLUMNS: &str = "i.id, i.report_id, i.inspector_id, u.email, i.outcome, i.lat, i.lon, i.accuracy_m, \
     i.distance_m, i.fix_at, i.photo, i.photo_taken_at, i.note, i.inspected_at, i.received_at";

/// Whether a status change puts the report in its department's hands, so
/// the department's back-office must receive it.
pub(crate) fn hands_to_department(to: &ReportStatus) -> bool {
    matches!(to, ReportStatus::Published | ReportStatus::AssignedToDepartment { .. })
}

pub(crate) const DELIVERY_COLUMNS: &str =
    "id, report_id, target_id, attempts, next_attempt_at, leased_until, delivered_at, failed_at, last_error, remote_id, created_at";

pub(crate) const TARGET_COLUMNS: &str = "id, comune, department, kind, url, secret, service_code, enabled, created_at";

/// A citizen whose identity was verified, once per person.
#[derive(Debug, Clone, PartialEq)]
pub struct CitizenRecord {
    pub id: Uuid,
    /// sha256 of the normalised fiscal code (see `identity::person_key`).
    pub person_key: String,
    pub residence: IstatCode,
    /// Who verified it: `staff:<email>` today, `spid`/`cie` later.
    pub provider: String,
    pub verified_at: DateTime<Utc>,
}

/// Verified citizens and the phones' tokens that speak for them.
#[async_trait]
pub trait CitizenStore: Send + Sync {
    /// Adds the citizen; a person already verified keeps their id and takes
    /// the newer residence and provider. Returns the stored row.
    async fn upsert_citizen(&self, c: &CitizenRecord) -> StoreResult<CitizenRecord>;
    async fn insert_activation(&self, code_hash: &str, citizen: Uuid, expires_at: DateTime<Utc>) -> StoreResult<()>;
    /// Uses a one-time activation code: the phone's token is stored and the
    /// citizen returned; `None` if the code is unknown, used or expired.
    async fn activate(
        &self,
        code_hash: &str,
        token_hash: &str,
        device: &DeviceId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<CitizenRecord>>;
    /// Stores a token for a citizen directly (a provider that verified them itself).
    async fn insert_citizen_token(&self, token_hash: &str, citizen: Uuid, device: &DeviceId, at: DateTime<Utc>) -> StoreResult<()>;
    /// The citizen a token stands for, and the phone it was issued to.
    async fn citizen_by_token(&self, token_hash: &str) -> StoreResult<Option<(CitizenRecord, DeviceId)>>;
    /// Re-keys the citizens keyed by an earlier release (version 0) with
    /// `rekey` of their key; returns how many.
    async fn rekey_legacy_citizens(&self, rekey: &(dyn Fn(String) -> String + Send + Sync)) -> StoreResult<u32>;
    /// The fingerprint of the identity secret the database was first keyed
    /// with; `fingerprint` becomes it if there is none yet.
    async fn identity_fingerprint(&self, fingerprint: &str) -> StoreResult<String>;
}

/// A stored petition with its thresholds.
#[derive(Debug, Clone, PartialEq)]
pub struct PetitionRecord {
    pub id: PetitionId,
    pub comune: IstatCode,
    pub title: String,
    pub body: String,
    pub status: PetitionStatus,
    pub residents_only: bool,
    pub closes_at: Option<DateTime<Utc>>,
    pub signatures: u32,
    pub response: Option<String>,
    pub author: String,
    /// A citizen's proposal: its author and the phone it came from.
    pub author_citizen: Option<Uuid>,
    pub author_device: Option<DeviceId>,
    pub open_days: u32,
    /// Co-sponsors a proposal needs besides its author.
    pub cosponsors: u32,
    pub thresholds: Vec<Threshold>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub anonymised_at: Option<DateTime<Utc>>,
}

/// A signature as the store keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct SignatureRecord {
    pub id: Uuid,
    pub petition_id: PetitionId,
    pub citizen_id: Uuid,
    pub device_id: DeviceId,
    pub signed_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    /// Checked in the signing transaction, so a burst sent at once cannot
    /// slip past it; re-sends of a counted signature are never limited.
    pub rate_limit: Option<RateLimit>,
}

/// At most this many new signatures since `since`, per phone and per person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub since: DateTime<Utc>,
    pub per_device: u32,
    pub per_citizen: u32,
}

/// What a signature did.
#[derive(Debug, Clone, PartialEq)]
pub enum SignOutcome {
    /// Counted now; the thresholds this signature crossed, each exactly once.
    Counted {
        signatures: u32,
        crossed: Vec<ThresholdKind>,
        /// The status it moved to: a threshold's, or moderation once a
        /// proposal has its co-sponsors.
        moved_to: Option<PetitionStatus>,
    },
    /// This signature was counted before (a re-send).
    AlreadyCounted {
        signatures: u32,
    },
    /// The person had signed already, perhaps from another phone.
    AlreadySigned,
    /// The id is taken by another person's signature.
    IdConflict,
    /// The petition does not take signatures (not open, or past its closing date).
    NotSignable,
    /// This signature was counted, then invalidated by a moderator.
    Invalidated,
    /// Too many signatures from this phone or person lately.
    RateLimited,
    NotFound,
}

/// A petition changing status by a person's decision (a moderator opens or
/// rejects it, the Comune answers), only from one of `from`.
#[derive(Debug, Clone, PartialEq)]
pub struct PetitionTransition {
    pub id: PetitionId,
    pub from: Vec<&'static str>,
    pub to: PetitionStatus,
    /// Set when it opens.
    pub closes_at: Option<DateTime<Utc>>,
    /// The Comune's official answer.
    pub response: Option<String>,
    pub actor: String,
    pub at: DateTime<Utc>,
}

/// Signatures a moderator picks out of a petition: those from one phone, or
/// received in a time window, or both. Only standing ones.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SignatureSelection {
    pub device: Option<DeviceId>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Only what had arrived when the moderator saw the preview, so applying
    /// it never takes more than the preview showed.
    pub received_before: Option<DateTime<Utc>>,
}

/// A phone from which more than one person signed the same petition.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedDevice {
    pub device: DeviceId,
    pub signatures: u32,
    pub first: DateTime<Utc>,
    pub last: DateTime<Utc>,
}

/// Petitions of a Comune in one status, with their standing signatures.
#[derive(Debug, Clone, PartialEq)]
pub struct PetitionCount {
    pub comune: IstatCode,
    pub status: String,
    pub petitions: u32,
    pub signatures: u64,
}

impl SignOutcome {
    /// The count after a signature that counted (now or before).
    pub fn signatures(&self) -> Option<u32> {
        match self {
            SignOutcome::Counted { signatures, .. } | SignOutcome::AlreadyCounted { signatures } => Some(*signatures),
            _ => None,
        }
    }
}

/// What a withdrawal did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WithdrawOutcome {
    Withdrawn {
        signatures: u32,
    },
    /// This withdrawal was applied before (a re-send).
    AlreadyWithdrawn {
        signatures: u32,
    },
    NotSigned,
    NotSignable,
    NotFound,
}

/// One step of a petition's life.
#[derive(Debug, Clone, PartialEq)]
pub struct PetitionEvent {
    /// `opened`, `threshold_reached`...
    pub event: String,
    pub detail: Option<String>,
    pub signatures: u32,
    pub at: DateTime<Utc>,
}

/// Petitions and their signatures.
#[async_trait]
pub trait PetitionStore: Send + Sync {
    /// Stores a new petition in `status`; an id already stored is left as it
    /// is (returns false).
    async fn insert_petition(
        &self,
        p: &NewPetition,
        status: &PetitionStatus,
        author: &str,
        author_citizen: Option<(Uuid, DeviceId)>,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;
    async fn petition(&self, id: &PetitionId) -> StoreResult<Option<PetitionRecord>>;
    /// A Comune's petitions in these statuses: those waiting for a moderator
    /// first, then proposals gathering co-sponsors, then the rest; newest first.
    async fn petitions(&self, comune: &IstatCode, statuses: &[&str], limit: u32) -> StoreResult<Vec<PetitionRecord>>;
    /// Counts a signature at most once per person and petition, and records
    /// each threshold it crosses (with the status change) in the same
    /// transaction, so concurrent signers cross a threshold exactly once.
    async fn sign(&self, s: &SignatureRecord) -> StoreResult<SignOutcome>;
    async fn withdraw(&self, id: Uuid, petition: &PetitionId, citizen: Uuid, at: DateTime<Utc>) -> StoreResult<WithdrawOutcome>;
    /// Oldest first.
    async fn petition_events(&self, id: &PetitionId) -> StoreResult<Vec<PetitionEvent>>;
    /// Applies a transition if the petition is still in one of its `from`
    /// statuses (two moderators at once cannot both win); returns whether it did.
    async fn set_petition_status(&self, t: &PetitionTransition) -> StoreResult<bool>;
    /// Closes the petitions whose closing date has passed, and rejects as
    /// expired the proposals older than [`PROPOSAL_EXPIRY_DAYS`] still
    /// without their co-sponsors; returns them.
    async fn close_due_petitions(&self, now: DateTime<Utc>) -> StoreResult<Vec<PetitionId>>;
    /// Deletes the signatures of petitions ended longer ago than their
    /// Comune's anonymisation delay (counts stay); returns how many petitions.
    async fn anonymise_due_petitions(&self, now: DateTime<Utc>) -> StoreResult<u32>;
    /// A citizen's own proposals and those they co-sponsor, wherever, before
    /// moderation or rejected (the public lists show moderated ones only).
    async fn citizen_petitions(&self, citizen: Uuid) -> StoreResult<Vec<PetitionRecord>>;
    /// Proposals this person sent since `since`.
    async fn recent_proposals(&self, citizen: Uuid, since: DateTime<Utc>) -> StoreResult<u32>;
    /// Standing signatures per time bucket of `bucket_secs`, oldest first.
    async fn signature_timeline(&self, id: &PetitionId, bucket_secs: u32) -> StoreResult<Vec<(DateTime<Utc>, u32)>>;
    /// Phones that signed this petition for more than one person, most first.
    async fn shared_devices(&self, id: &PetitionId) -> StoreResult<Vec<SharedDevice>>;
    /// Counts (`apply` false) or invalidates the standing signatures selected,
    /// lowering the count; thresholds already reached stay reached, and a
    /// proposal in moderation left without its co-sponsors looks for them again.
    async fn invalidate_signatures(
        &self,
        id: &PetitionId,
        selection: &SignatureSelection,
        apply: bool,
        actor: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<u32>;
    /// Where a citizen stands on these petitions (those not listed: not signed).
    async fn citizen_standings(
        &self,
        citizen: Uuid,
        petitions: &[PetitionId],
    ) -> StoreResult<std::collections::HashMap<PetitionId, casa_shared_model::petition::SignatureStanding>>;
    /// Petitions and standing signatures per Comune and status.
    async fn petition_counts(&self) -> StoreResult<Vec<PetitionCount>>;
}

/// What a device achieved, counted from verified facts only (a report an
/// inspector confirmed or the Comune resolved, a standing signature).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeviceResults {
    /// Reports a moderator published or handed to an office.
    pub accepted: u32,
    pub confirmed: u32,
    pub resolved: u32,
    /// Comuni with at least one confirmed or resolved report.
    pub comuni: u32,
    pub signatures: u32,
    /// Its own proposals that reached a threshold.
    pub petitions_reached: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AwardRecord {
    pub badge: BadgeKind,
    pub level: u32,
    /// The Comune whose result earned it (kept on the server).
    pub comune: IstatCode,
    pub awarded_at: DateTime<Utc>,
}

/// Badges, each level awarded once per device.
#[async_trait]
pub trait BadgeStore: Send + Sync {
    async fn device_results(&self, device: &DeviceId) -> StoreResult<DeviceResults>;
    /// The device's verified results, per Comune.
    async fn results_by_comune(&self, device: &DeviceId) -> StoreResult<Vec<(IstatCode, casa_shared_model::badge::Results)>>;
    /// Records an award unless the device has it; returns whether it is new.
    async fn award_badge(
        &self,
        device: &DeviceId,
        badge: BadgeKind,
        level: u32,
        comune: &IstatCode,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Oldest first.
    async fn badges(&self, device: &DeviceId) -> StoreResult<Vec<AwardRecord>>;
    /// Joins the Comune's leaderboard or changes the nickname; false when
    /// another phone there has that nickname (case aside).
    async fn join_leaderboard(&self, comune: &IstatCode, device: &DeviceId, nickname: &str, at: DateTime<Utc>) -> StoreResult<bool>;
    /// Returns whether the phone was on it.
    async fn leave_leaderboard(&self, comune: &IstatCode, device: &DeviceId) -> StoreResult<bool>;
    /// The joined phones with at least one verified result in the Comune,
    /// most results first (then earliest joined): device, nickname, results.
    /// Results count when verified before `before` (the board changes once a
    /// day, so its changes cannot be matched to a public report's).
    async fn leaderboard(&self, comune: &IstatCode, before: DateTime<Utc>, limit: u32) -> StoreResult<Vec<(DeviceId, String, u32)>>;
    async fn leaderboard_nickname(&self, comune: &IstatCode, device: &DeviceId) -> StoreResult<Option<String>>;
    /// The device's reports confirmed or resolved in the Comune.
    async fn verified_results_in(&self, comune: &IstatCode, device: &DeviceId) -> StoreResult<u32>;
}

/// The whole store, as the application uses it.
#[async_trait]
pub trait Store:
    ComuneStore
    + ReportStore
    + ApiKeyStore
    + StaffStore
    + SessionStore
    + AuditStore
    + DeliveryStore
    + InspectionStore
    + CitizenStore
    + PetitionStore
    + BadgeStore
    + uploads::UploadStore
    + devices::DeviceStore
    + report_ids::KnownReports
{
    async fn ping(&self) -> StoreResult<()>;
    fn backend(&self) -> &'static str;
}

/// Opens the store a URL names and brings its schema up to date.
pub async fn connect(url: &str) -> StoreResult<std::sync::Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(std::sync::Arc::new(SqliteStore::connect(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(std::sync::Arc::new(PgStore::connect(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl(redact_url(url)))
    }
}

/// A database URL without its password, for logs and errors.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// The configuration tables as rows; the queries are the same SQL on both
/// backends, only their execution differs.
pub(crate) const CONFIG_QUERIES: [&str; 4] = [
    // Casts: one row type for both backends (PostgreSQL's INTEGER is 32-bit).
    "SELECT istat_code, name, centre_lat, centre_lon, boundary, CAST(petition_cosponsors AS BIGINT) AS petition_cosponsors, \
     CAST(petition_response_threshold AS BIGINT) AS petition_response_threshold, \
     CAST(petition_debate_threshold AS BIGINT) AS petition_debate_threshold, \
     CAST(petition_anonymise_months AS BIGINT) AS petition_anonymise_months FROM comuni ORDER BY istat_code",
    "SELECT comune, service, enabled FROM comune_services ORDER BY comune, service",
    "SELECT comune, code, name_it, name_en FROM departments ORDER BY comune, code",
    "SELECT comune, code, name_it, name_en, description_it, department, enabled FROM categories ORDER BY comune, position, code",
];

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ComuneRow {
    istat_code: String,
    name: String,
    centre_lat: Option<f64>,
    centre_lon: Option<f64>,
    boundary: Option<String>,
    petition_cosponsors: i64,
    petition_response_threshold: i64,
    petition_debate_threshold: i64,
    petition_anonymise_months: i64,
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ServiceRow {
    comune: String,
    service: String,
    enabled: bool,
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct DepartmentRow {
    comune: String,
    code: String,
    name_it: String,
    name_en: String,
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct CategoryRow {
    comune: String,
    code: String,
    name_it: String,
    name_en: String,
    description_it: String,
    department: String,
    enabled: bool,
}

pub(crate) fn assemble_configs(
    comuni: Vec<ComuneRow>,
    services: Vec<ServiceRow>,
    departments: Vec<DepartmentRow>,
    categories: Vec<CategoryRow>,
) -> StoreResult<Vec<ComuneConfig>> {
    let mut configs = comuni
        .into_iter()
        .map(|c| {
            let n = |v: i64| u32::try_from(v).map_err(corrupt);
            // Rules stored before a check tightened are kept as they are.
            let petition_rules = PetitionRules {
                cosponsors: n(c.petition_cosponsors)?,
                response_threshold: n(c.petition_response_threshold)?,
                debate_threshold: n(c.petition_debate_threshold)?,
                anonymise_after_months: n(c.petition_anonymise_months)?,
            };
            Ok(ComuneConfig {
                petition_rules,
                istat_code: parse_istat(&c.istat_code)?,
                name: c.name,
                centre: c.centre_lat.zip(c.centre_lon),
                boundary: c.boundary,
                services: Vec::new(),
                departments: Vec::new(),
                categories: Vec::new(),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let index: std::collections::HashMap<String, usize> =
        configs.iter().enumerate().map(|(i, c)| (c.istat_code.as_str().to_owned(), i)).collect();
    for s in services {
        if let (Some(&i), Some(service)) = (index.get(&s.comune), Service::parse(&s.service)) {
            configs[i].services.push((service, s.enabled));
        }
    }
    for d in departments {
        if let Some(&i) = index.get(&d.comune) {
            configs[i].departments.push(DepartmentRecord { code: d.code, name_it: d.name_it, name_en: d.name_en });
        }
    }
    for k in categories {
        if let Some(&i) = index.get(&k.comune) {
            configs[i].categories.push(CategoryRecord {
                code: k.code,
                name_it: k.name_it,
                name_en: k.name_en,
                description_it: k.description_it,
                department: k.department,
                enabled: k.enabled,
            });
        }
    }
    Ok(configs)
}

/// What a stored row says about an id: comune, department, routing method, fingerprint.
pub(crate) type KeptRouting = (IstatCode, String, String, String);

/// Answers an ingest in the order sent: fresh rows as inserted, the others
/// as stored. A second copy of an id in the same batch is answered as a
/// re-send of the first.
pub(crate) fn answer_ingest(
    reports: &[RoutedReport],
    fingerprints: Vec<String>,
    mut fresh: std::collections::HashSet<Uuid>,
    existing: &std::collections::HashMap<Uuid, KeptRouting>,
) -> Vec<Ingested> {
    reports
        .iter()
        .zip(fingerprints)
        .map(|(r, fingerprint)| {
            let id = r.report.id;
            if fresh.remove(&id.as_uuid()) {
                return Ingested {
                    id,
                    created: true,
                    comune: r.comune,
                    department: r.department.clone(),
                    routing_method: r.routing_method.to_owned(),
                    fingerprint,
                };
            }
            let kept = existing.get(&id.as_uuid()).cloned();
            // Inserted earlier in this same batch: the stored row is this one.
            let (comune, department, routing_method, fingerprint) =
                kept.unwrap_or((r.comune, r.department.clone(), r.routing_method.to_owned(), fingerprint));
            Ingested { id, created: false, comune, department, routing_method, fingerprint }
        })
        .collect()
}

pub(crate) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

pub(crate) fn parse_status(code: &str, detail: Option<&str>) -> StoreResult<ReportStatus> {
    ReportStatus::from_parts(code, detail).ok_or_else(|| corrupt(format!("unknown status {code}")))
}

pub(crate) fn parse_istat(s: &str) -> StoreResult<IstatCode> {
    IstatCode::parse(s).map_err(corrupt)
}

pub(crate) fn parse_petition_status(code: &str, detail: Option<&str>) -> StoreResult<PetitionStatus> {
    PetitionStatus::from_parts(code, detail).ok_or_else(|| corrupt(format!("unknown petition status {code}")))
}

/// The query behind [`BadgeStore::results_by_comune`]; `{d}` is the
/// device's placeholder. Sums are cast: PostgreSQL sums bigints as numeric.
pub(crate) fn results_by_comune_sql(d: &str) -> String {
    format!(
        "SELECT comune, CAST(sum(accepted) AS BIGINT), CAST(sum(confirmed) AS BIGINT), CAST(sum(resolved) AS BIGINT), \
                CAST(sum(signatures) AS BIGINT), CAST(sum(reached) AS BIGINT) FROM ( \
           SELECT r.comune AS comune, \
             count(DISTINCT CASE WHEN e.status IN ('published', 'assigned_to_department') THEN e.report_id END) AS accepted, \
             count(DISTINCT CASE WHEN e.status = 'confirmed_by_inspector' THEN e.report_id END) AS confirmed, \
             count(DISTINCT CASE WHEN e.status = 'resolved' THEN e.report_id END) AS resolved, \
             0 AS signatures, 0 AS reached \
           FROM report_events e JOIN reports r ON r.id = e.report_id WHERE e.device_id = {d} GROUP BY r.comune \
           UNION ALL \
           SELECT p.comune, 0, 0, 0, count(*), 0 FROM petition_signatures s JOIN petitions p ON p.id = s.petition_id \
             WHERE s.device_id = {d} AND s.withdrawn_at IS NULL GROUP BY p.comune \
           UNION ALL \
           SELECT p.comune, 0, 0, 0, 0, count(*) FROM petitions p WHERE p.author_device = {d} AND EXISTS \
             (SELECT 1 FROM petition_thresholds t WHERE t.petition_id = p.id AND t.reached_at IS NOT NULL) GROUP BY p.comune \
         ) AS x GROUP BY comune"
    )
}

pub(crate) fn results_rows(
    rows: Vec<(String, i64, i64, i64, i64, i64)>,
) -> StoreResult<Vec<(IstatCode, casa_shared_model::badge::Results)>> {
    let n = |v: i64| u32::try_from(v).map_err(corrupt);
    rows.into_iter()
        .map(|(c, a, k, r, s, t)| {
            let results = casa_shared_model::badge::Results {
                accepted: n(a)?,
                confirmed: n(k)?,
                resolved: n(r)?,
                signatures: n(s)?,
                petitions_reached: n(t)?,
            };
            Ok((parse_istat(&c)?, results))
        })
        .collect()
}

/// Rows of (petition, has a standing signature, has an invalidated one).
pub(crate) fn standings(
    rows: Vec<(Uuid, bool, bool)>,
) -> StoreResult<std::collections::HashMap<PetitionId, casa_shared_model::petition::SignatureStanding>> {
    use casa_shared_model::petition::SignatureStanding;
    rows.into_iter()
        .map(|(id, standing, invalidated)| {
            let s = match (invalidated, standing) {
                (true, _) => SignatureStanding::Invalidated,
                (false, true) => SignatureStanding::Signed,
                (false, false) => SignatureStanding::NotSigned,
            };
            Ok((PetitionId::try_from(id).map_err(corrupt)?, s))
        })
        .collect()
}

/// Who created a petition, as its history keeps it: a citizen is never named.
pub(crate) fn event_actor(author: &str) -> &str {
    if author.starts_with("citizen:") {
        "citizen"
    } else {
        author
    }
}

/// Days a proposal may look for its co-sponsors; then it is rejected as
/// expired, so it ends (and its co-sponsors' data go in time).
pub const PROPOSAL_EXPIRY_DAYS: i64 = 60;
pub const PROPOSAL_EXPIRED: &str =
    "Scaduta: non ha raccolto i promotori entro 60 giorni / Expired: it did not find its co-sponsors within 60 days";

/// A new signature's refusal, from the person's rows of the petition and
/// their recent signatures: an invalidated one is not undone by signing
/// again, a standing one (another phone's) is answered before any limit.
pub(crate) fn sign_refusal(
    invalidated: i64,
    standing: i64,
    by_device: i64,
    by_citizen: i64,
    limit: Option<RateLimit>,
) -> Option<SignOutcome> {
    if invalidated > 0 {
        return Some(SignOutcome::Invalidated);
    }
    if standing > 0 {
        return Some(SignOutcome::AlreadySigned);
    }
    limit.filter(|l| by_device >= i64::from(l.per_device) || by_citizen >= i64::from(l.per_citizen)).map(|_| SignOutcome::RateLimited)
}

/// Where a proposal goes once its author and co-sponsors have signed.
pub(crate) fn status_after_cosponsors(current: &PetitionStatus, cosponsors: u32, signatures: u32) -> Option<PetitionStatus> {
    (current.takes_cosponsors() && signatures > cosponsors).then_some(PetitionStatus::InModeration)
}

/// The statuses a petition moves to when it crosses thresholds: the
/// furthest along wins, and a petition never moves back.
pub(crate) fn status_after_crossing(current: &PetitionStatus, crossed: &[ThresholdKind]) -> Option<PetitionStatus> {
    let rank = |s: &PetitionStatus| match s {
        PetitionStatus::Open => Some(0),
        PetitionStatus::AwaitingResponse => Some(1),
        PetitionStatus::AwaitingDebate => Some(2),
        _ => None,
    };
    let now = rank(current)?;
    let best = crossed.iter().map(|k| k.status()).max_by_key(|s| rank(s).unwrap_or(0))?;
    (rank(&best)? > now).then_some(best)
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_never_appear_in_a_redacted_url() {
        assert_eq!(redact_url("postgres://casa:s3cret@db:5432/casa"), "postgres://casa:***@db:5432/casa");
        assert_eq!(redact_url("sqlite://./data/casa.db"), "sqlite://./data/casa.db");
    }
}
