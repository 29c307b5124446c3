//! Reports as the store keeps them: the records its methods take and give
//! (see `reports.rs` for the SQL of both databases).

use casa_shared_model::{DeviceId, IstatCode, ReportId, ReportStatus};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::sql::{text_enum, Maybe, Photos, Ts};
use super::*;

text_enum! {
    /// Where a report came from.
    pub enum ReportSource {
        App = "app",
        Open311 = "open311",
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
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ReportRecord {
    #[sqlx(try_from = "Uuid")]
    pub id: ReportId,
    #[sqlx(try_from = "Maybe<Uuid>")]
    pub device_id: Option<DeviceId>,
    #[sqlx(try_from = "String")]
    pub source: ReportSource,
    #[sqlx(try_from = "String")]
    pub comune: IstatCode,
    pub category: String,
    pub department: String,
    pub description: String,
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
    pub address: Option<String>,
    #[sqlx(try_from = "Ts")]
    pub captured_at: DateTime<Utc>,
    #[sqlx(try_from = "Ts")]
    pub received_at: DateTime<Utc>,
    #[sqlx(try_from = "Ts")]
    pub updated_at: DateTime<Utc>,
    #[sqlx(try_from = "Photos")]
    pub photos: Vec<String>,
    pub media_url: Option<String>,
    pub routing_method: String,
    pub routing_distance_m: Option<f64>,
    #[sqlx(flatten, try_from = "StatusColumns")]
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
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TransferRecord {
    #[sqlx(try_from = "String")]
    pub from_comune: IstatCode,
    #[sqlx(try_from = "String")]
    pub to_comune: IstatCode,
    pub reason: String,
    pub actor: String,
    #[sqlx(try_from = "Ts")]
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
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StatusEvent {
    #[sqlx(flatten, try_from = "StatusColumns")]
    pub status: ReportStatus,
    pub actor: String,
    pub note: Option<String>,
    pub photo: Option<String>,
    #[sqlx(try_from = "Ts")]
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

/// The statuses that are not yet an answer to the citizen: a report's first
/// event with any other status is its first response.
pub const NOT_AN_ANSWER: [&str; 2] = ["submitted", "in_moderation"];

/// A report's milestones, for the statistics.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ReportTiming {
    pub category: String,
    /// The current status's code.
    pub status: String,
    #[sqlx(try_from = "Ts")]
    pub received_at: DateTime<Utc>,
    /// The first status that answered the citizen (published, rejected...).
    #[sqlx(try_from = "Maybe<Ts>")]
    pub first_response_at: Option<DateTime<Utc>>,
    #[sqlx(try_from = "Maybe<Ts>")]
    pub resolved_at: Option<DateTime<Utc>>,
}
