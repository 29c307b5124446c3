//! Storage, behind traits split by aggregate, with one implementation per
//! backend: SQLite (embedded, the default) and PostgreSQL (production).

use async_trait::async_trait;
use casa_shared_model::badge::BadgeKind;
use casa_shared_model::inspection::InspectionOutcome;
use casa_shared_model::{IstatCode, NewReport, ReportStatus};
use chrono::{DateTime, Utc};
use uuid::Uuid;

pub mod api_keys;
pub mod badges;
pub mod citizens;
pub mod comuni;
pub mod delivery;
pub mod devices;
pub mod inspections;
pub mod petition_records;
pub mod petitions;
pub mod postgres;
pub mod report_ids;
pub mod report_records;
pub mod reports;
pub mod sql;
pub mod sqlite;
pub mod staff;
pub mod uploads;

pub use api_keys::{ApiKeyRecord, ApiKeyStore};
pub use badges::*;
pub use citizens::*;
pub use comuni::*;
pub use delivery::*;
pub use inspections::*;
pub use petition_records::*;
pub use petitions::PetitionStore;
pub use postgres::PgStore;
pub use report_records::*;
pub use reports::*;
pub use sqlite::SqliteStore;
pub use staff::*;

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

pub(crate) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

pub(crate) fn parse_status(code: &str, detail: Option<&str>) -> StoreResult<ReportStatus> {
    ReportStatus::from_parts(code, detail).ok_or_else(|| corrupt(format!("unknown status {code}")))
}

/// A status as two columns, `status` and `status_detail`, read by a record
/// that derives `sqlx::FromRow` (`#[sqlx(flatten, try_from = "StatusColumns")]`).
#[derive(sqlx::FromRow)]
pub(crate) struct StatusColumns {
    status: String,
    status_detail: Option<String>,
}

impl TryFrom<StatusColumns> for ReportStatus {
    type Error = StoreError;
    fn try_from(c: StatusColumns) -> StoreResult<Self> {
        parse_status(&c.status, c.status_detail.as_deref())
    }
}

impl TryFrom<StatusColumns> for casa_shared_model::petition::PetitionStatus {
    type Error = StoreError;
    fn try_from(c: StatusColumns) -> StoreResult<Self> {
        parse_petition_status(&c.status, c.status_detail.as_deref())
    }
}

pub(crate) fn parse_istat(s: &str) -> StoreResult<IstatCode> {
    IstatCode::parse(s).map_err(corrupt)
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
