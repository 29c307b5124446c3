//! Badges, the results they count and the Comuni's leaderboards: one SQL
//! text for both databases (see `sql.rs`).

use async_trait::async_trait;
use casa_shared_model::{DeviceId, IstatCode};
use chrono::{DateTime, Utc};

use super::sql::{on_both, Int, Ts};
use super::*;

on_both! {
    fn award_from_row(row: &DbRow) -> StoreResult<AwardRecord> {
        let badge: String = row.try_get("badge")?;
        let comune: String = row.try_get("comune")?;
        Ok(AwardRecord {
            badge: casa_shared_model::badge::BadgeKind::parse(&badge).ok_or_else(|| corrupt(format!("badge {badge}")))?,
            level: row.try_get::<Int, _>("level")?.count(),
            comune: parse_istat(&comune)?,
            awarded_at: row.try_get::<Ts, _>("awarded_at")?.0,
        })
    }

    #[async_trait]
    impl BadgeStore for DbStore {
        async fn device_results(&self, device: &DeviceId) -> StoreResult<DeviceResults> {
            let row = sqlx::query(
                "SELECT \
                   (SELECT count(DISTINCT report_id) FROM report_events WHERE device_id = $1 AND status = 'confirmed_by_inspector') AS confirmed, \
                   (SELECT count(DISTINCT report_id) FROM report_events WHERE device_id = $1 AND status = 'resolved') AS resolved, \
                   (SELECT count(DISTINCT r.comune) FROM reports r WHERE r.id IN \
                      (SELECT report_id FROM report_events WHERE device_id = $1 AND status IN ('confirmed_by_inspector', 'resolved'))) AS comuni, \
                   (SELECT count(*) FROM petition_signatures WHERE device_id = $1 AND withdrawn_at IS NULL) AS signatures, \
                   (SELECT count(DISTINCT report_id) FROM report_events WHERE device_id = $1 \
                      AND status IN ('published', 'assigned_to_department')) AS accepted, \
                   (SELECT count(*) FROM petitions p WHERE p.author_device = $1 AND EXISTS \
                      (SELECT 1 FROM petition_thresholds t WHERE t.petition_id = p.id AND t.reached_at IS NOT NULL)) AS petitions_reached",
            )
            .bind(device.as_uuid())
            .fetch_one(&self.read)
            .await?;
            let n = |c: &str| -> StoreResult<u32> { u32::try_from(row.try_get::<i64, _>(c)?).map_err(corrupt) };
            Ok(DeviceResults {
                accepted: n("accepted")?,
                confirmed: n("confirmed")?,
                resolved: n("resolved")?,
                comuni: n("comuni")?,
                signatures: n("signatures")?,
                petitions_reached: n("petitions_reached")?,
            })
        }

        async fn results_by_comune(&self, device: &DeviceId) -> StoreResult<Vec<(IstatCode, casa_shared_model::badge::Results)>> {
            let rows: Vec<(String, i64, i64, i64, i64, i64)> =
                sqlx::query_as(&results_by_comune_sql("$1")).bind(device.as_uuid()).fetch_all(&self.read).await?;
            results_rows(rows)
        }

        async fn award_badge(
            &self,
            device: &DeviceId,
            badge: casa_shared_model::badge::BadgeKind,
            level: u32,
            comune: &IstatCode,
            at: DateTime<Utc>,
        ) -> StoreResult<bool> {
            let done = sqlx::query(
                "INSERT INTO badge_awards (device_id, badge, level, comune, awarded_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(device.as_uuid())
            .bind(badge.as_str())
            .bind(i64::from(level))
            .bind(comune.as_str())
            .bind(Ts(at))
            .execute(&self.write)
            .await?;
            Ok(done.rows_affected() == 1)
        }

        async fn badges(&self, device: &DeviceId) -> StoreResult<Vec<AwardRecord>> {
            let rows =
                sqlx::query("SELECT badge, level, comune, awarded_at FROM badge_awards WHERE device_id = $1 ORDER BY awarded_at, badge, level")
                    .bind(device.as_uuid())
                    .fetch_all(&self.read)
                    .await?;
            rows.iter().map(award_from_row).collect()
        }

        async fn join_leaderboard(&self, comune: &IstatCode, device: &DeviceId, nickname: &str, at: DateTime<Utc>) -> StoreResult<bool> {
            let done = sqlx::query(
                "INSERT INTO leaderboard_entries (comune, device_id, nickname, nickname_key, joined_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (comune, device_id) DO UPDATE SET nickname = excluded.nickname, nickname_key = excluded.nickname_key",
            )
            .bind(comune.as_str())
            .bind(device.as_uuid())
            .bind(nickname)
            .bind(nickname.to_lowercase())
            .bind(Ts(at))
            .execute(&self.write)
            .await;
            match done {
                Ok(_) => Ok(true),
                // The nickname's unique index: another phone has it.
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
                Err(e) => Err(e.into()),
            }
        }

        async fn leave_leaderboard(&self, comune: &IstatCode, device: &DeviceId) -> StoreResult<bool> {
            let gone = sqlx::query("DELETE FROM leaderboard_entries WHERE comune = $1 AND device_id = $2")
                .bind(comune.as_str())
                .bind(device.as_uuid())
                .execute(&self.write)
                .await?
                .rows_affected();
            Ok(gone > 0)
        }

        async fn leaderboard(&self, comune: &IstatCode, before: DateTime<Utc>, limit: u32) -> StoreResult<Vec<(DeviceId, String, u32)>> {
            let rows: Vec<(Uuid, String, i64)> = sqlx::query_as(
                "SELECT l.device_id, l.nickname, count(DISTINCT e.report_id) AS results FROM leaderboard_entries l \
                 JOIN report_events e ON e.device_id = l.device_id AND e.status IN ('confirmed_by_inspector', 'resolved') AND e.at < $3 \
                 JOIN reports r ON r.id = e.report_id AND r.comune = l.comune \
                 WHERE l.comune = $1 GROUP BY l.device_id, l.nickname, l.joined_at ORDER BY results DESC, l.joined_at LIMIT $2",
            )
            .bind(comune.as_str())
            .bind(i64::from(limit))
            .bind(Ts(before))
            .fetch_all(&self.read)
            .await?;
            rows.into_iter().map(|(d, n, c)| Ok((DeviceId::try_from(d).map_err(corrupt)?, n, u32::try_from(c).map_err(corrupt)?))).collect()
        }

        async fn leaderboard_nickname(&self, comune: &IstatCode, device: &DeviceId) -> StoreResult<Option<String>> {
            Ok(sqlx::query_scalar("SELECT nickname FROM leaderboard_entries WHERE comune = $1 AND device_id = $2")
                .bind(comune.as_str())
                .bind(device.as_uuid())
                .fetch_optional(&self.read)
                .await?)
        }

        async fn verified_results_in(&self, comune: &IstatCode, device: &DeviceId) -> StoreResult<u32> {
            let n: i64 = sqlx::query_scalar(
                "SELECT count(DISTINCT e.report_id) FROM report_events e JOIN reports r ON r.id = e.report_id \
                 WHERE e.device_id = $1 AND r.comune = $2 AND e.status IN ('confirmed_by_inspector', 'resolved')",
            )
            .bind(device.as_uuid())
            .bind(comune.as_str())
            .fetch_one(&self.read)
            .await?;
            u32::try_from(n).map_err(corrupt)
        }
    }
}
