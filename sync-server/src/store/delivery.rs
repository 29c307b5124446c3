//! Delivery of reports to the departments' back-offices: targets and the
//! outbox of deliveries, one SQL text for both databases (see `sql.rs`);
//! only claiming due rows differs (`claim_due` of each store).

use async_trait::async_trait;
use casa_shared_model::{IstatCode, ReportId};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::sql::{on_both, Int, Ts};
use super::*;

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

    #[async_trait]
    impl DeliveryStore for DbStore {
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

        async fn claim_due_deliveries(&self, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: u32) -> StoreResult<Vec<ClaimedDelivery>> {
            // How rows are claimed differs: see each store's `claim_due`.
            self.claim_due(now, lease_until, limit).await
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

        async fn schedule_retry(&self, id: Uuid, next_attempt_at: DateTime<Utc>, error: &str) -> StoreResult<()> {
            sqlx::query("UPDATE deliveries SET next_attempt_at = $1, last_error = $2, leased_until = NULL WHERE id = $3 AND delivered_at IS NULL")
                .bind(Ts(next_attempt_at))
                .bind(error)
                .bind(id)
                .execute(&self.write)
                .await?;
            Ok(())
        }

        async fn mark_delivery_failed(&self, id: Uuid, at: DateTime<Utc>, error: &str) -> StoreResult<()> {
            sqlx::query("UPDATE deliveries SET failed_at = $1, last_error = $2, leased_until = NULL WHERE id = $3 AND delivered_at IS NULL")
                .bind(Ts(at))
                .bind(error)
                .bind(id)
                .execute(&self.write)
                .await?;
            Ok(())
        }

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

        async fn failed_deliveries(&self, limit: u32) -> StoreResult<Vec<DeliveryRecord>> {
            let rows = sqlx::query(&format!(
                "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE failed_at IS NOT NULL ORDER BY failed_at DESC, id DESC LIMIT $1"
            ))
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await?;
            rows.iter().map(delivery_from_row).collect()
        }

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
