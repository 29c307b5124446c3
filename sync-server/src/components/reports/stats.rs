//! Statistics of a Comune's reports for the dashboard: how many there are by
//! category and status, and how long citizens wait for a first answer and
//! for the fix. Computed here from one row per report, so both backends
//! share the arithmetic and SQLite needs no percentile function.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use crate::store::ReportTiming;

/// The statuses the statistics count, in the order of a report's life.
pub const STATUS_COLUMNS: [&str; 9] = [
    "in_moderation",
    "published",
    "assigned_to_department",
    "confirmed_by_inspector",
    "in_progress",
    "resolved",
    "closed",
    "rejected",
    "duplicate_of",
];

/// The period the statistics cover, as the page's selector offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Days(u16),
    All,
}

impl Period {
    pub const CHOICES: [Period; 4] = [Period::Days(30), Period::Days(90), Period::Days(365), Period::All];

    /// `30`, `90`, `365` or `all`; empty is the default, 90 days.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "" | "90" => Some(Period::Days(90)),
            "all" => Some(Period::All),
            other => other.parse::<u16>().ok().filter(|d| [30, 365].contains(d)).map(Period::Days),
        }
    }

    pub fn code(&self) -> String {
        match self {
            Period::Days(d) => d.to_string(),
            Period::All => "all".to_owned(),
        }
    }

    /// Reports received from this moment on.
    pub fn since(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Period::Days(d) => Some(now - Duration::days(i64::from(*d))),
            Period::All => None,
        }
    }
}

/// How long a set of reports waited: medians over those that got there.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Waits {
    /// Reports that had a first answer (published, rejected, assigned...).
    pub answered: usize,
    pub first_response: Option<Duration>,
    pub resolved: usize,
    pub resolution: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CategoryStats {
    pub category: String,
    pub total: usize,
    pub by_status: BTreeMap<&'static str, usize>,
    pub waits: Waits,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ComuneStats {
    pub total: usize,
    pub by_status: BTreeMap<&'static str, usize>,
    /// The categories with reports, the busiest first.
    pub categories: Vec<CategoryStats>,
    pub waits: Waits,
}

/// The median of the values; of an even count, the mean of the two middle ones.
pub fn median(mut values: Vec<i64>) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 { values[mid] } else { values[mid - 1] + (values[mid] - values[mid - 1]) / 2 })
}

fn waits<'a>(rows: impl Iterator<Item = &'a ReportTiming> + Clone) -> Waits {
    // A clock step back cannot make a wait negative.
    let secs = |from: DateTime<Utc>, to: DateTime<Utc>| (to - from).num_seconds().max(0);
    let first: Vec<i64> = rows.clone().filter_map(|r| r.first_response_at.map(|t| secs(r.received_at, t))).collect();
    let fixed: Vec<i64> = rows.filter_map(|r| r.resolved_at.map(|t| secs(r.received_at, t))).collect();
    Waits {
        answered: first.len(),
        resolved: fixed.len(),
        first_response: median(first).map(Duration::seconds),
        resolution: median(fixed).map(Duration::seconds),
    }
}

fn status_column(code: &str) -> Option<&'static str> {
    STATUS_COLUMNS.iter().copied().find(|c| *c == code)
}

impl ComuneStats {
    pub fn from_timings(rows: &[ReportTiming]) -> Self {
        let mut by_category: BTreeMap<&str, Vec<&ReportTiming>> = BTreeMap::new();
        let mut by_status = BTreeMap::new();
        for r in rows {
            by_category.entry(r.category.as_str()).or_default().push(r);
            if let Some(s) = status_column(&r.status) {
                *by_status.entry(s).or_insert(0) += 1;
            }
        }
        let mut categories: Vec<CategoryStats> = by_category
            .into_iter()
            .map(|(category, rows)| {
                let mut by_status = BTreeMap::new();
                for r in &rows {
                    if let Some(s) = status_column(&r.status) {
                        *by_status.entry(s).or_insert(0) += 1;
                    }
                }
                CategoryStats { category: category.to_owned(), total: rows.len(), by_status, waits: waits(rows.iter().copied()) }
            })
            .collect();
        categories.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.category.cmp(&b.category)));
        ComuneStats { total: rows.len(), by_status, categories, waits: waits(rows.iter()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn timing(category: &str, status: &str, first_h: Option<i64>, fixed_h: Option<i64>) -> ReportTiming {
        let received_at = DateTime::<Utc>::from_timestamp(1_780_000_000, 0).unwrap_or_default();
        ReportTiming {
            category: category.to_owned(),
            status: status.to_owned(),
            received_at,
            first_response_at: first_h.map(|h| received_at + Duration::hours(h)),
            resolved_at: fixed_h.map(|h| received_at + Duration::hours(h)),
        }
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![7]), Some(7));
        assert_eq!(median(vec![9, 1, 5]), Some(5));
        assert_eq!(median(vec![4, 1, 10, 2]), Some(3));
    }

    #[test]
    fn counts_and_waits_are_per_category_and_overall() {
        let rows = vec![
            timing("road_damage", "resolved", Some(2), Some(48)),
            timing("road_damage", "in_progress", Some(4), None),
            timing("road_damage", "in_moderation", None, None),
            timing("waste", "rejected", Some(1), None),
        ];
        let s = ComuneStats::from_timings(&rows);
        assert_eq!(s.total, 4);
        assert_eq!(s.by_status.get("resolved"), Some(&1));
        assert_eq!(s.by_status.get("in_moderation"), Some(&1));
        assert_eq!(s.categories[0].category, "road_damage");
        assert_eq!(s.categories[0].total, 3);
        assert_eq!(s.categories[0].waits.first_response, Some(Duration::hours(3)));
        assert_eq!(s.categories[0].waits.resolution, Some(Duration::hours(48)));
        assert_eq!(s.categories[1].waits.resolution, None);
        assert_eq!(s.waits.answered, 3);
        assert_eq!(s.waits.first_response, Some(Duration::hours(2)));
        assert_eq!(s.waits.resolved, 1);
    }

    #[test]
    fn periods_parse_from_the_selector_and_nothing_else() {
        assert_eq!(Period::parse(""), Some(Period::Days(90)));
        assert_eq!(Period::parse("30"), Some(Period::Days(30)));
        assert_eq!(Period::parse("all"), Some(Period::All));
        assert_eq!(Period::parse("7"), None);
        assert_eq!(Period::parse("-1"), None);
        for p in Period::CHOICES {
            assert_eq!(Period::parse(&p.code()), Some(p));
        }
    }

    proptest! {
        #[test]
        fn the_median_has_as_many_values_on_each_side(values in proptest::collection::vec(-1_000_000i64..1_000_000, 1..200)) {
            let m = median(values.clone()).unwrap_or_default();
            let below = values.iter().filter(|v| **v < m).count();
            let above = values.iter().filter(|v| **v > m).count();
            prop_assert!(below <= values.len() / 2 && above <= values.len() / 2);
        }
    }
}
