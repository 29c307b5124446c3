//! What the map and the report form read: public reports nearby, the
//! Comuni's outlines, and the reports the citizen follows.

use casa_shared_model::geo::{haversine_m, GeoPoint};
use casa_shared_model::wire::{ComuneOutline, NearbyQuery, PublicReport};
use casa_shared_model::IstatCode;
use chrono::{DateTime, Utc};
use rusqlite::params;

use crate::store::{parse_ts, ts, LocalStore, StoreError, StoreResult, HOME_COMUNE_SETTING};

impl LocalStore {
    /// Replaces the cached public reports with those found around `query`.
    pub fn replace_nearby(&mut self, query: &NearbyQuery, reports: &[PublicReport]) -> StoreResult<()> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM nearby_reports", [])?;
        {
            let mut insert =
                tx.prepare_cached("INSERT INTO nearby_reports (id, comune, category, lat, lon, report) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
            for r in reports {
                let json = serde_json::to_string(r).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                insert.execute(params![r.id.to_string(), r.comune.as_str(), r.category, r.lat, r.lon, json])?;
            }
        }
        let q = serde_json::to_string(query).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        tx.execute("UPDATE sync_state SET nearby_query = ?1, nearby_at = ?2 WHERE id = 1", params![q, ts(Utc::now())])?;
        tx.commit()?;
        Ok(())
    }

    /// Cached public reports within `radius_m` of a point, nearest first
    /// (for the map, the list and the duplicate check before filing).
    pub fn nearby(&self, lat: f64, lon: f64, radius_m: f64) -> StoreResult<Vec<PublicReport>> {
        let dlat = radius_m / 111_320.0;
        let mut stmt = self.conn.prepare_cached("SELECT report FROM nearby_reports WHERE lat BETWEEN ?1 AND ?2")?;
        let rows = stmt.query_map(params![lat - dlat, lat + dlat], |r| r.get::<_, String>(0))?;
        let mut found = Vec::new();
        for json in rows {
            let r: PublicReport = serde_json::from_str(&json?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let d = haversine_m(GeoPoint { lat, lon }, GeoPoint { lat: r.lat, lon: r.lon });
            if d <= radius_m {
                found.push((d, r));
            }
        }
        found.sort_by(|a, b| a.0.total_cmp(&b.0));
        Ok(found.into_iter().map(|(_, r)| r).collect())
    }

    /// Where the cached public reports were last fetched, and when.
    pub fn nearby_origin(&self) -> StoreResult<Option<(NearbyQuery, DateTime<Utc>)>> {
        let (q, at): (Option<String>, Option<String>) =
            self.conn.query_row("SELECT nearby_query, nearby_at FROM sync_state WHERE id = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))?;
        match (q, at) {
            (Some(q), Some(at)) => Ok(Some((serde_json::from_str(&q).map_err(|e| StoreError::Corrupt(e.to_string()))?, parse_ts(&at)?))),
            _ => Ok(None),
        }
    }

    /// The Comuni whose outline the map wants and the phone lacks for
    /// directory `version`: the citizen's own Comune and those of their
    /// reports (among the Comuni of the phone's directory).
    pub fn outlines_wanted(&self, version: i64) -> StoreResult<Vec<IstatCode>> {
        let mut stmt = self.conn.prepare_cached(
            // Probes each Comune of the directory (41) through the index on
            // reports' Comune, rather than reading every report the phone
            // ever filed: this runs on every sync, after the directory is
            // brought up to date.
            "SELECT code FROM (
                 SELECT value AS code FROM settings WHERE key = ?1
                 UNION SELECT c.istat_code FROM comuni c
                       WHERE EXISTS (SELECT 1 FROM reports r WHERE r.comune = c.istat_code)
             ) WHERE code NOT IN (SELECT istat_code FROM outlines WHERE version = ?2)
             ORDER BY code",
        )?;
        let rows = stmt.query_map(params![HOME_COMUNE_SETTING, version], |r| r.get::<_, String>(0))?;
        let mut codes = Vec::new();
        for code in rows {
            // A bad value in settings is the settings screen's problem, not the map's.
            if let Ok(code) = IstatCode::parse(&code?) {
                codes.push(code);
            }
        }
        Ok(codes)
    }

    pub fn save_outline(&mut self, code: &IstatCode, version: i64, outline: Option<&ComuneOutline>) -> StoreResult<()> {
        let rings = match outline {
            Some(o) => serde_json::to_string(&o.rings).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            None => "[]".to_owned(),
        };
        self.conn.execute(
            "INSERT INTO outlines (istat_code, version, rings) VALUES (?1, ?2, ?3)
             ON CONFLICT (istat_code) DO UPDATE SET version = excluded.version, rings = excluded.rings",
            params![code.as_str(), version, rings],
        )?;
        Ok(())
    }

    /// The outlines the phone holds (Comuni without one are left out).
    pub fn outlines(&self) -> StoreResult<Vec<ComuneOutline>> {
        let mut stmt = self.conn.prepare_cached("SELECT istat_code, rings FROM outlines WHERE rings <> '[]' ORDER BY istat_code")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        rows.map(|row| {
            let (code, rings) = row?;
            Ok(ComuneOutline {
                istat_code: IstatCode::parse(&code).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                rings: serde_json::from_str(&rings).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            })
        })
        .collect()
    }

    /// Open public reports of `category` within `radius_m`: shown before
    /// filing, so the citizen can follow one instead of filing a duplicate.
    pub fn possible_duplicates(&self, category: &str, lat: f64, lon: f64, radius_m: f64) -> StoreResult<Vec<PublicReport>> {
        Ok(self.nearby(lat, lon, radius_m)?.into_iter().filter(|r| r.category == category && r.status.is_open()).collect())
    }

    /// Follows a public report (kept with the phone's copy of it).
    pub fn follow(&mut self, report: &PublicReport) -> StoreResult<()> {
        let json = serde_json::to_string(report).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.conn.execute(
            "INSERT INTO follows (report_id, report, created_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (report_id) DO UPDATE SET report = excluded.report",
            params![report.id.to_string(), json, ts(Utc::now())],
        )?;
        Ok(())
    }

    /// The public reports this phone follows, newest first, refreshed from
    /// the nearby cache when it has a newer copy.
    pub fn followed(&self) -> StoreResult<Vec<PublicReport>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT coalesce(n.report, f.report) FROM follows f LEFT JOIN nearby_reports n ON n.id = f.report_id
             ORDER BY f.created_at DESC",
        )?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.map(|json| serde_json::from_str(&json?).map_err(|e| StoreError::Corrupt(e.to_string()))).collect()
    }
}
