//! Badges, the results they count and the Comuni's leaderboards: one SQL
//! text for both databases (see `sql.rs`).

use casa_shared_model::{DeviceId, IstatCode};
use chrono::{DateTime, Utc};

use super::sql::{on_both, sql, sql_as, sql_scalar, Int, Ts};
use super::*;

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

on_both! {
    /// Badges, each level awarded once per device.
    pub trait BadgeStore {
        async fn device_results(&self, device: &DeviceId) -> StoreResult<DeviceResults> {
            let row = sql!(
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
                device.as_uuid()
            )
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

        /// The device's verified results, per Comune.
        async fn results_by_comune(&self, device: &DeviceId) -> StoreResult<Vec<(IstatCode, casa_shared_model::badge::Results)>> {
            let rows: Vec<(String, i64, i64, i64, i64, i64)> =
                sql_as!(&results_by_comune_sql("$1"), device.as_uuid()).fetch_all(&self.read).await?;
            results_rows(rows)
        }

        /// Records an award unless the device has it; returns whether it is new.
        async fn award_badge(
            &self,
            device: &DeviceId,
            badge: casa_shared_model::badge::BadgeKind,
            level: u32,
            comune: &IstatCode,
            at: DateTime<Utc>,
        ) -> StoreResult<bool> {
            let done = sql!(
                "INSERT INTO badge_awards (device_id, badge, level, comune, awarded_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                device.as_uuid(), badge.as_str(), i64::from(level), comune.as_str(), Ts(at)
            )
            .execute(&self.write)
            .await?;
            Ok(done.rows_affected() == 1)
        }

        /// A digest of what a phone's badges and points rest on, read from
        /// indexed aggregates without counting the points: the device's
        /// latest report event, its signatures and withdrawals, its awards,
        /// and the thresholds its proposals reached. Every change to its
        /// badges or points moves one of them.
        async fn badges_digest(&self, device: &DeviceId) -> StoreResult<String> {
            let parts: (Int, Int, Int, Int, Int) = sql_as!(
                "SELECT (SELECT COALESCE(max(seq), 0) FROM report_events WHERE device_id = $1), \
                        (SELECT count(*) FROM petition_signatures WHERE device_id = $1), \
                        (SELECT count(withdrawn_at) FROM petition_signatures WHERE device_id = $1), \
                        (SELECT count(*) FROM badge_awards WHERE device_id = $1), \
                        (SELECT count(*) FROM petition_thresholds t JOIN petitions p ON p.id = t.petition_id \
                           WHERE p.author_device = $1 AND t.reached_at IS NOT NULL)",
                device.as_uuid()
            )
            .fetch_one(&self.read)
            .await?;
            let (events, signed, withdrawn, awards, reached) = parts;
            Ok(format!("{}:{}:{}:{}:{}", events.0, signed.0, withdrawn.0, awards.0, reached.0))
        }

        /// Oldest first.
        async fn badges(&self, device: &DeviceId) -> StoreResult<Vec<AwardRecord>> {
            let rows: Vec<(String, Int, String, Ts)> = sql_as!(
                "SELECT badge, level, comune, awarded_at FROM badge_awards WHERE device_id = $1 ORDER BY awarded_at, badge, level",
                device.as_uuid()
            )
            .fetch_all(&self.read)
            .await?;
            rows.into_iter()
                .map(|(badge, level, comune, at)| {
                    let badge = BadgeKind::parse(&badge).ok_or_else(|| corrupt(format!("badge {badge}")))?;
                    Ok(AwardRecord { badge, level: level.count(), comune: parse_istat(&comune)?, awarded_at: at.0 })
                })
                .collect()
        }

        /// Joins the Comune's leaderboard or changes the nickname; false when
        /// another phone there has that nickname (case aside).
        async fn join_leaderboard(&self, comune: &IstatCode, device: &DeviceId, nickname: &str, at: DateTime<Utc>) -> StoreResult<bool> {
            let done = sql!(
                "INSERT INTO leaderboard_entries (comune, device_id, nickname, nickname_key, joined_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (comune, device_id) DO UPDATE SET nickname = excluded.nickname, nickname_key = excluded.nickname_key",
                comune.as_str(), device.as_uuid(), nickname, nickname.to_lowercase(), Ts(at)
            )
            .execute(&self.write)
            .await;
            match done {
                Ok(_) => Ok(true),
                // The nickname's unique index: another phone has it.
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
                Err(e) => Err(e.into()),
            }
        }

        /// Returns whether the phone was on it.
        async fn leave_leaderboard(&self, comune: &IstatCode, device: &DeviceId) -> StoreResult<bool> {
            let gone = sql!("DELETE FROM leaderboard_entries WHERE comune = $1 AND device_id = $2", comune.as_str(), device.as_uuid())
                .execute(&self.write)
                .await?
                .rows_affected();
            Ok(gone > 0)
        }

        /// The joined phones with at least one verified result in the Comune,
        /// most results first (then earliest joined): device, nickname, results.
        /// Results count when verified before `before` (the board changes once a
        /// day, so its changes cannot be matched to a public report's).
        async fn leaderboard(&self, comune: &IstatCode, before: DateTime<Utc>, limit: u32) -> StoreResult<Vec<(DeviceId, String, u32)>> {
            let rows: Vec<(Uuid, String, i64)> = sql_as!(
                "SELECT l.device_id, l.nickname, count(DISTINCT e.report_id) AS results FROM leaderboard_entries l \
                 JOIN report_events e ON e.device_id = l.device_id AND e.status IN ('confirmed_by_inspector', 'resolved') AND e.at < $3 \
                 JOIN reports r ON r.id = e.report_id AND r.comune = l.comune \
                 WHERE l.comune = $1 GROUP BY l.device_id, l.nickname, l.joined_at ORDER BY results DESC, l.joined_at LIMIT $2",
                comune.as_str(), i64::from(limit), Ts(before)
            )
            .fetch_all(&self.read)
            .await?;
            rows.into_iter().map(|(d, n, c)| Ok((DeviceId::try_from(d).map_err(corrupt)?, n, u32::try_from(c).map_err(corrupt)?))).collect()
        }

        async fn leaderboard_nickname(&self, comune: &IstatCode, device: &DeviceId) -> StoreResult<Option<String>> {
            Ok(sql_scalar!(
                "SELECT nickname FROM leaderboard_entries WHERE comune = $1 AND device_id = $2",
                comune.as_str(), device.as_uuid()
            )
            .fetch_optional(&self.read)
            .await?)
        }

        /// The device's reports confirmed or resolved in the Comune.
        async fn verified_results_in(&self, comune: &IstatCode, device: &DeviceId) -> StoreResult<u32> {
            let n: i64 = sql_scalar!(
                "SELECT count(DISTINCT e.report_id) FROM report_events e JOIN reports r ON r.id = e.report_id \
                 WHERE e.device_id = $1 AND r.comune = $2 AND e.status IN ('confirmed_by_inspector', 'resolved')",
                device.as_uuid(), comune.as_str()
            )
            .fetch_one(&self.read)
            .await?;
            u32::try_from(n).map_err(corrupt)
        }
    }
}
