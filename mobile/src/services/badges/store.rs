//! The citizen's badges as the last sync sent them (the whole list), kept
//! for offline display; a badge not yet shown is announced once.

use casa_shared_model::badge::{BadgeAward, BadgeKind, Leaderboard};
use rusqlite::params;

use crate::store::{parse_ts, ts, LocalStore, StoreError, StoreResult};

pub(crate) const MIGRATION: &str = "CREATE TABLE badges (
         badge      TEXT NOT NULL,
         level      INTEGER NOT NULL,
         awarded_at TEXT NOT NULL,
         announced  INTEGER NOT NULL DEFAULT 0,
         PRIMARY KEY (badge, level)
     );";

/// The last leaderboard fetched (shown offline until the next).
const LEADERBOARD_SETTING: &str = "leaderboard";
const POINTS_SETTING: &str = "points";

impl LocalStore {
    /// The points the last sync reported.
    pub fn points(&self) -> StoreResult<u32> {
        Ok(self.setting(POINTS_SETTING)?.and_then(|p| p.parse().ok()).unwrap_or(0))
    }

    pub fn set_points(&mut self, points: u32) -> StoreResult<()> {
        self.set_setting(POINTS_SETTING, &points.to_string())
    }

    pub fn keep_leaderboard(&mut self, board: &Leaderboard) -> StoreResult<()> {
        let json = serde_json::to_string(board).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.set_setting(LEADERBOARD_SETTING, &json)
    }

    pub fn leaderboard(&self) -> StoreResult<Option<Leaderboard>> {
        self.setting(LEADERBOARD_SETTING)?
            .map(|json| serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(e.to_string())))
            .transpose()
    }

    /// Takes the server's list: badges no longer shown (the Comune turned
    /// badges off) go, new ones wait to be announced.
    pub fn replace_badges(&mut self, awards: &[BadgeAward]) -> StoreResult<()> {
        let tx = self.conn.transaction()?;
        tx.execute("CREATE TEMP TABLE IF NOT EXISTS keep (badge TEXT, level INTEGER)", [])?;
        tx.execute("DELETE FROM keep", [])?;
        {
            let mut keep = tx.prepare_cached("INSERT INTO keep (badge, level) VALUES (?1, ?2)")?;
            let mut add = tx.prepare_cached("INSERT OR IGNORE INTO badges (badge, level, awarded_at) VALUES (?1, ?2, ?3)")?;
            for a in awards {
                keep.execute(params![a.badge.as_str(), a.level])?;
                add.execute(params![a.badge.as_str(), a.level, ts(a.awarded_at)])?;
            }
        }
        tx.execute("DELETE FROM badges WHERE (badge, level) NOT IN (SELECT badge, level FROM keep)", [])?;
        tx.commit()?;
        Ok(())
    }

    /// Oldest first.
    pub fn badges(&self) -> StoreResult<Vec<BadgeAward>> {
        self.read_badges("SELECT badge, level, awarded_at FROM badges ORDER BY awarded_at, badge, level")
    }

    /// The badges not announced yet, marked as announced.
    pub fn take_unannounced_badges(&mut self) -> StoreResult<Vec<BadgeAward>> {
        let new = self.read_badges("SELECT badge, level, awarded_at FROM badges WHERE announced = 0 ORDER BY awarded_at, badge, level")?;
        self.conn.execute("UPDATE badges SET announced = 1 WHERE announced = 0", [])?;
        Ok(new)
    }

    fn read_badges(&self, sql: &str) -> StoreResult<Vec<BadgeAward>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?, r.get::<_, String>(2)?)))?;
        rows.map(|row| {
            let (badge, level, at) = row?;
            let badge = BadgeKind::parse(&badge).ok_or_else(|| StoreError::Corrupt(format!("badge {badge}")))?;
            Ok(BadgeAward { badge, level, awarded_at: parse_ts(&at)? })
        })
        .collect()
    }
}
