//! Delivery of reports to the departments' back-offices: targets and the
//! outbox of deliveries, one SQL text for both databases (see `sql.rs`).

use casa_shared_model::{IstatCode, ReportId};
use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;
use uuid::Uuid;

use super::sql::{on_both, Int, Ts};
use super::*;

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

pub(crate) const DELIVERY_COLUMNS: &str =
    "id, report_id, target_id, attempts, next_attempt_at, leased_until, delivered_at, failed_at, last_error, remote_id, created_at";

pub(crate) const TARGET_COLUMNS: &str = "id, comune, department, kind, url, secret, service_code, enabled, created_at";

on_both! {
    pub(crate) fn target_from_row(row: &DbRow) -> StoreResult<DeliveryTarget> {
        let kind: String = row.try_get("kind")?;
        Ok(DeliveryTarget {
            id: row.try_get("id")?,
            comune: parse_istat(row.try_get("comune")?)?,
            department: row.try_get("department")?,
            kind: DeliveryKind::parse(&kind).ok_or_else(|| corrupt(format!("delivery kind {kind}")))?,
            url: row.try_get("url")?,
            secret: Secret::new(row.try_get::<String, _>("secret")?),
            service_code: row.try_get("service_code")?,
            enabled: row.try_get("enabled")?,
            created_at: row.try_get::<Ts, _>("created_at")?.0,
        })
    }

    fn delivery_from_row(row: &DbRow) -> StoreResult<DeliveryRecord> {
        let attempts: Int = row.try_get("attempts")?;
        Ok(DeliveryRecord {
            id: row.try_get("id")?,
            report_id: ReportId::try_from(row.try_get::<Uuid, _>("report_id")?).map_err(corrupt)?,
            target_id: row.try_get("target_id")?,
            attempts: attempts.count(),
            next_attempt_at: row.try_get::<Ts, _>("next_attempt_at")?.0,
            leased_until: row.try_get::<Option<Ts>, _>("leased_until")?.map(|t| t.0),
            delivered_at: row.try_get::<Option<Ts>, _>("delivered_at")?.map(|t| t.0),
            failed_at: row.try_get::<Option<Ts>, _>("failed_at")?.map(|t| t.0),
            last_error: row.try_get("last_error")?,
            remote_id: row.try_get("remote_id")?,
            created_at: row.try_get::<Ts, _>("created_at")?.0,
        })
    }

    /// Back-office targets and the outbox of deliveries to them. Rows enter the
    /// outbox in [`ReportStore::change_status`], in the transaction that
    /// publishes (or assigns) the report.
    pub trait DeliveryStore {
        /// Sets the back-office of a department: a new target, or the existing
        /// one (same id, so its pending deliveries follow) with the new kind,
        /// address and credentials, enabled. Returns what is stored.
        async fn upsert_delivery_target(&self, t: &DeliveryTarget) -> StoreResult<DeliveryTarget> {
            let row = sqlx::query(&format!(
                "INSERT INTO delivery_targets ({TARGET_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, TRUE, $8) \
                 ON CONFLICT (comune, department) DO UPDATE SET kind = excluded.kind, url = excluded.url, secret = excluded.secret, \
                     service_code = excluded.service_code, enabled = TRUE \
                 RETURNING {TARGET_COLUMNS}"
            ))
            .bind(t.id)
            .bind(t.comune.as_str())
            .bind(&t.department)
            .bind(t.kind.as_str())
            .bind(&t.url)
            .bind(t.secret.expose())
            .bind(&t.service_code)
            .bind(Ts(t.created_at))
            .fetch_one(&self.write)
            .await?;
            target_from_row(&row)
        }

        async fn delivery_targets(&self) -> StoreResult<Vec<DeliveryTarget>> {
            let rows = sqlx::query(&format!("SELECT {TARGET_COLUMNS} FROM delivery_targets ORDER BY comune, department"))
                .fetch_all(&self.read)
                .await?;
            rows.iter().map(target_from_row).collect()
        }

        /// A disabled target keeps its outbox rows; they go out once it is enabled again.
        async fn set_delivery_target_enabled(&self, comune: &IstatCode, department: &str, enabled: bool) -> StoreResult<bool> {
            let changed = sqlx::query("UPDATE delivery_targets SET enabled = $1 WHERE comune = $2 AND department = $3")
                .bind(enabled)
                .bind(comune.as_str())
                .bind(department)
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
            let ids: Vec<Uuid> = sqlx::query_scalar(&format!(
                "UPDATE deliveries SET leased_until = $2, attempts = attempts + 1 WHERE id IN ( \
                     SELECT d.id FROM deliveries d WHERE d.delivered_at IS NULL AND d.failed_at IS NULL AND d.next_attempt_at <= $1 \
                       AND (d.leased_until IS NULL OR d.leased_until < $1) \
                       AND d.target_id IN (SELECT id FROM delivery_targets WHERE enabled) \
                     ORDER BY d.next_attempt_at LIMIT $3{FOR_UPDATE_SKIP_LOCKED}) \
                 RETURNING id"
            ))
            .bind(Ts(now))
            .bind(Ts(lease_until))
            .bind(i64::from(limit))
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
                        target: target_from_row(&row)?,
                    });
                }
            }
            tx.commit().await?;
            Ok(claimed)
        }

        async fn mark_delivered(&self, id: Uuid, at: DateTime<Utc>, remote_id: Option<&str>) -> StoreResult<()> {
            sqlx::query(
                "UPDATE deliveries SET delivered_at = $1, remote_id = $2, leased_until = NULL, last_error = NULL \
                 WHERE id = $3 AND delivered_at IS NULL",
            )
            .bind(Ts(at))
            .bind(remote_id)
            .bind(id)
            .execute(&self.write)
            .await?;
            Ok(())
        }

        /// Releases the lease and sets the next attempt; a delivered row is left alone.
        async fn schedule_retry(&self, id: Uuid, next_attempt_at: DateTime<Utc>, error: &str) -> StoreResult<()> {
            sqlx::query("UPDATE deliveries SET next_attempt_at = $1, last_error = $2, leased_until = NULL WHERE id = $3 AND delivered_at IS NULL")
                .bind(Ts(next_attempt_at))
                .bind(error)
                .bind(id)
                .execute(&self.write)
                .await?;
            Ok(())
        }

        /// No more attempts: the row stays, with `failed_at` and the last error.
        async fn mark_delivery_failed(&self, id: Uuid, at: DateTime<Utc>, error: &str) -> StoreResult<()> {
            sqlx::query("UPDATE deliveries SET failed_at = $1, last_error = $2, leased_until = NULL WHERE id = $3 AND delivered_at IS NULL")
                .bind(Ts(at))
                .bind(error)
                .bind(id)
                .execute(&self.write)
                .await?;
            Ok(())
        }

        /// Failed deliveries of a target go back to the queue, due at `now`
        /// with their attempts counted from zero. Returns how many.
        async fn retry_failed_deliveries(&self, target_id: Uuid, now: DateTime<Utc>) -> StoreResult<u64> {
            let changed = sqlx::query(
                "UPDATE deliveries SET failed_at = NULL, attempts = 0, next_attempt_at = $1 \
                 WHERE target_id = $2 AND failed_at IS NOT NULL AND delivered_at IS NULL",
            )
            .bind(Ts(now))
            .bind(target_id)
            .execute(&self.write)
            .await?
            .rows_affected();
            Ok(changed)
        }

        async fn report_deliveries(&self, report: &ReportId) -> StoreResult<Vec<DeliveryRecord>> {
            let rows = sqlx::query(&format!("SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE report_id = $1 ORDER BY created_at, id"))
                .bind(report.as_uuid())
                .fetch_all(&self.read)
                .await?;
            rows.iter().map(delivery_from_row).collect()
        }

        /// Failed deliveries, the newest first.
        async fn failed_deliveries(&self, limit: u32) -> StoreResult<Vec<DeliveryRecord>> {
            let rows = sqlx::query(&format!(
                "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE failed_at IS NOT NULL ORDER BY failed_at DESC, id DESC LIMIT $1"
            ))
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await?;
            rows.iter().map(delivery_from_row).collect()
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
