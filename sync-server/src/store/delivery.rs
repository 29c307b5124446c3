//! Delivery of reports to the departments' back-offices: targets and the
//! outbox of deliveries, one SQL text for both databases (see `sql.rs`).

use casa_shared_model::{IstatCode, ReportId};
use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;
use uuid::Uuid;

use super::sql::{on_both, sql, sql_as, sql_scalar, text_enum, Int, Maybe, Ts};
use super::*;

text_enum! {
    /// How a department's back-office takes its reports.
    pub enum DeliveryKind {
        /// A signed JSON POST (HMAC-SHA256, see `delivery::verify_webhook_signature`).
        Webhook = "webhook",
        /// `POST requests.json` to an Open311 GeoReport v2 server.
        Open311 = "open311",
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

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The back-office of one department of one Comune.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DeliveryTarget {
    pub id: Uuid,
    #[sqlx(try_from = "String")]
    pub comune: IstatCode,
    pub department: String,
    #[sqlx(try_from = "String")]
    pub kind: DeliveryKind,
    /// The webhook's URL, or the Open311 server's base (`.../open311/v2`).
    pub url: String,
    /// The webhook's HMAC key, or the Open311 `api_key`.
    #[sqlx(try_from = "String")]
    pub secret: Secret,
    /// The Open311 `service_code`; without it, the report's category.
    pub service_code: Option<String>,
    pub enabled: bool,
    #[sqlx(try_from = "Ts")]
    pub created_at: DateTime<Utc>,
}

/// One report to deliver to one back-office (a row of the outbox).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DeliveryRecord {
    /// Stable across retries: what receivers deduplicate on.
    pub id: Uuid,
    #[sqlx(try_from = "Uuid")]
    pub report_id: ReportId,
    pub target_id: Uuid,
    #[sqlx(try_from = "Int")]
    pub attempts: u32,
    #[sqlx(try_from = "Ts")]
    pub next_attempt_at: DateTime<Utc>,
    #[sqlx(try_from = "Maybe<Ts>")]
    pub leased_until: Option<DateTime<Utc>>,
    #[sqlx(try_from = "Maybe<Ts>")]
    pub delivered_at: Option<DateTime<Utc>>,
    /// Set when the attempts ran out; the row stays for people to see.
    #[sqlx(try_from = "Maybe<Ts>")]
    pub failed_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// The back-office's own id for the report, when it answered one.
    pub remote_id: Option<String>,
    #[sqlx(try_from = "Ts")]
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

pub(crate) const DELIVERY_COLUMNS: &str =
    "id, report_id, target_id, attempts, next_attempt_at, leased_until, delivered_at, failed_at, last_error, remote_id, created_at";

pub(crate) const TARGET_COLUMNS: &str = "id, comune, department, kind, url, secret, service_code, enabled, created_at";

on_both! {
    /// Back-office targets and the outbox of deliveries to them. Rows enter the
    /// outbox in [`ReportStore::change_status`], in the transaction that
    /// publishes (or assigns) the report.
    pub trait DeliveryStore {
        /// Sets the back-office of a department: a new target, or the existing
        /// one (same id, so its pending deliveries follow) with the new kind,
        /// address and credentials, enabled. Returns what is stored.
        async fn upsert_delivery_target(&self, t: &DeliveryTarget) -> StoreResult<DeliveryTarget> {
            Ok(sql_as!(
                &format!(
                    "INSERT INTO delivery_targets ({TARGET_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, TRUE, $8) \
                     ON CONFLICT (comune, department) DO UPDATE SET kind = excluded.kind, url = excluded.url, secret = excluded.secret, \
                         service_code = excluded.service_code, enabled = TRUE \
                     RETURNING {TARGET_COLUMNS}"
                ),
                t.id, t.comune.as_str(), &t.department, t.kind.as_str(), &t.url, t.secret.expose(), &t.service_code, Ts(t.created_at)
            )
            .fetch_one(&self.write)
            .await?)
        }

        async fn delivery_targets(&self) -> StoreResult<Vec<DeliveryTarget>> {
            Ok(sqlx::query_as(&format!("SELECT {TARGET_COLUMNS} FROM delivery_targets ORDER BY comune, department"))
                .fetch_all(&self.read)
                .await?)
        }

        /// A disabled target keeps its outbox rows; they go out once it is enabled again.
        async fn set_delivery_target_enabled(&self, comune: &IstatCode, department: &str, enabled: bool) -> StoreResult<bool> {
            let changed = sql!(
                "UPDATE delivery_targets SET enabled = $1 WHERE comune = $2 AND department = $3",
                enabled, comune.as_str(), department
            )
            .execute(&self.write)
            .await?
            .rows_affected();
            Ok(changed > 0)
        }

        /// Takes up to `limit` deliveries due at `now` (not delivered, not failed,
        /// target enabled, no live lease), counts an attempt on each and leases
        /// them until `lease_until`. Several servers may call it at once: each
        /// row goes to one of them.
        async fn claim_due_deliveries(&self, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: u32) -> StoreResult<Vec<ClaimedDelivery>> {
            // The lease is taken in one statement. PostgreSQL passes over rows
            // another server is claiming right now (SKIP LOCKED) rather than
            // waiting for them; SQLite's single writer serialises claims.
            let mut tx = self.write.begin().await?;
            let ids: Vec<Uuid> = sql_scalar!(
                &format!(
                    "UPDATE deliveries SET leased_until = $2, attempts = attempts + 1 WHERE id IN ( \
                         SELECT d.id FROM deliveries d WHERE d.delivered_at IS NULL AND d.failed_at IS NULL AND d.next_attempt_at <= $1 \
                           AND (d.leased_until IS NULL OR d.leased_until < $1) \
                           AND d.target_id IN (SELECT id FROM delivery_targets WHERE enabled) \
                         ORDER BY d.next_attempt_at LIMIT $3{FOR_UPDATE_SKIP_LOCKED}) \
                     RETURNING id"
                ),
                Ts(now), Ts(lease_until), i64::from(limit)
            )
            .fetch_all(&mut *tx)
            .await?;
            let mut claimed = Vec::with_capacity(ids.len());
            for chunk in ids.chunks(500) {
                let mut q = QueryBuilder::<Db>::new(
                    "SELECT d.id AS delivery_id, d.report_id, d.attempts, t.id, t.comune, t.department, t.kind, t.url, t.secret, \
                            t.service_code, t.enabled, t.created_at \
                     FROM deliveries d JOIN delivery_targets t ON t.id = d.target_id WHERE d.id IN (",
                );
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                q.push(") ORDER BY d.id");
                for row in q.build().fetch_all(&mut *tx).await? {
                    claimed.push(ClaimedDelivery {
                        id: row.try_get("delivery_id")?,
                        report_id: ReportId::try_from(row.try_get::<Uuid, _>("report_id")?).map_err(corrupt)?,
                        attempts: row.try_get::<Int, _>("attempts")?.count(),
                        target: sqlx::FromRow::from_row(&row)?,
                    });
                }
            }
            tx.commit().await?;
            Ok(claimed)
        }

        async fn mark_delivered(&self, id: Uuid, at: DateTime<Utc>, remote_id: Option<&str>) -> StoreResult<()> {
            sql!(
                "UPDATE deliveries SET delivered_at = $1, remote_id = $2, leased_until = NULL, last_error = NULL \
                 WHERE id = $3 AND delivered_at IS NULL",
                Ts(at), remote_id, id
            )
            .execute(&self.write)
            .await?;
            Ok(())
        }

        /// Releases the lease and sets the next attempt; a delivered row is left alone.
        async fn schedule_retry(&self, id: Uuid, next_attempt_at: DateTime<Utc>, error: &str) -> StoreResult<()> {
            sql!(
                "UPDATE deliveries SET next_attempt_at = $1, last_error = $2, leased_until = NULL WHERE id = $3 AND delivered_at IS NULL",
                Ts(next_attempt_at), error, id
            )
            .execute(&self.write)
            .await?;
            Ok(())
        }

        /// No more attempts: the row stays, with `failed_at` and the last error.
        async fn mark_delivery_failed(&self, id: Uuid, at: DateTime<Utc>, error: &str) -> StoreResult<()> {
            sql!(
                "UPDATE deliveries SET failed_at = $1, last_error = $2, leased_until = NULL WHERE id = $3 AND delivered_at IS NULL",
                Ts(at), error, id
            )
            .execute(&self.write)
            .await?;
            Ok(())
        }

        /// Failed deliveries of a target go back to the queue, due at `now`
        /// with their attempts counted from zero. Returns how many.
        async fn retry_failed_deliveries(&self, target_id: Uuid, now: DateTime<Utc>) -> StoreResult<u64> {
            let changed = sql!(
                "UPDATE deliveries SET failed_at = NULL, attempts = 0, next_attempt_at = $1 \
                 WHERE target_id = $2 AND failed_at IS NOT NULL AND delivered_at IS NULL",
                Ts(now), target_id
            )
            .execute(&self.write)
            .await?
            .rows_affected();
            Ok(changed)
        }

        async fn report_deliveries(&self, report: &ReportId) -> StoreResult<Vec<DeliveryRecord>> {
            Ok(sql_as!(
                &format!("SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE report_id = $1 ORDER BY created_at, id"),
                report.as_uuid()
            )
            .fetch_all(&self.read)
            .await?)
        }

        /// Failed deliveries, the newest first.
        async fn failed_deliveries(&self, limit: u32) -> StoreResult<Vec<DeliveryRecord>> {
            Ok(sql_as!(
                &format!(
                    "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE failed_at IS NOT NULL ORDER BY failed_at DESC, id DESC LIMIT $1"
                ),
                i64::from(limit)
            )
            .fetch_all(&self.read)
            .await?)
        }

        /// Pending, delivered and failed rows per target that has any.
        async fn delivery_counts(&self) -> StoreResult<Vec<DeliveryCounts>> {
            let rows = sqlx::query(
                "SELECT target_id, \
                        SUM(CASE WHEN delivered_at IS NULL AND failed_at IS NULL THEN 1 ELSE 0 END) AS pending, \
                        SUM(CASE WHEN delivered_at IS NOT NULL THEN 1 ELSE 0 END) AS delivered, \
                        SUM(CASE WHEN failed_at IS NOT NULL AND delivered_at IS NULL THEN 1 ELSE 0 END) AS failed \
                 FROM deliveries GROUP BY target_id ORDER BY target_id",
            )
            .fetch_all(&self.read)
            .await?;
            let count = |row: &DbRow, name: &str| -> StoreResult<u64> { Ok(u64::from(row.try_get::<Int, _>(name)?.count())) };
            rows.iter()
                .map(|row| {
                    Ok(DeliveryCounts {
                        target_id: row.try_get("target_id")?,
                        pending: count(row, "pending")?,
                        delivered: count(row, "delivered")?,
                        failed: count(row, "failed")?,
                    })
                })
                .collect()
        }
    }
}
