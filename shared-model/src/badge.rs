//! Badges: rewards for verified civic results (a report an inspector
//! confirmed, a report the Comune resolved, a counted petition signature),
//! never for clicks. A badge names neither a place nor a report, so it never
//! reveals where a person reported from.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum BadgeKind {
    /// Reports an inspector confirmed on site.
    ConfirmedReports,
    /// Reports the Comune resolved.
    ResolvedReports,
    /// Comuni with at least one confirmed or resolved report.
    ActiveComuni,
    /// Petition signatures that counted.
    PetitionSigner,
}

impl BadgeKind {
    pub const ALL: [BadgeKind; 4] =
        [BadgeKind::ConfirmedReports, BadgeKind::ResolvedReports, BadgeKind::ActiveComuni, BadgeKind::PetitionSigner];

    pub fn as_str(&self) -> &'static str {
        match self {
            BadgeKind::ConfirmedReports => "confirmed_reports",
            BadgeKind::ResolvedReports => "resolved_reports",
            BadgeKind::ActiveComuni => "active_comuni",
            BadgeKind::PetitionSigner => "petition_signer",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The counts at which a level is earned.
    pub fn levels(&self) -> &'static [u32] {
        match self {
            BadgeKind::ConfirmedReports => &[1, 10],
            BadgeKind::ResolvedReports => &[1, 5],
            BadgeKind::ActiveComuni => &[3],
            BadgeKind::PetitionSigner => &[1],
        }
    }

    /// The levels a count has earned.
    pub fn earned(&self, count: u32) -> impl Iterator<Item = u32> + '_ {
        self.levels().iter().copied().filter(move |l| *l <= count)
    }

    pub fn name_it(&self, level: u32) -> String {
        match (self, level) {
            (BadgeKind::ConfirmedReports, 1) => "Prima segnalazione confermata sul posto".into(),
            (BadgeKind::ConfirmedReports, n) => format!("{n} segnalazioni confermate da un ispettore"),
            (BadgeKind::ResolvedReports, 1) => "Prima segnalazione risolta".into(),
            (BadgeKind::ResolvedReports, n) => format!("{n} segnalazioni risolte"),
            (BadgeKind::ActiveComuni, n) => format!("Attivo in {n} Comuni"),
            (BadgeKind::PetitionSigner, _) => "Firmatario di petizioni".into(),
        }
    }

    pub fn name_en(&self, level: u32) -> String {
        match (self, level) {
            (BadgeKind::ConfirmedReports, 1) => "First report confirmed on site".into(),
            (BadgeKind::ConfirmedReports, n) => format!("{n} reports confirmed by an inspector"),
            (BadgeKind::ResolvedReports, 1) => "First report resolved".into(),
            (BadgeKind::ResolvedReports, n) => format!("{n} reports resolved"),
            (BadgeKind::ActiveComuni, n) => format!("Active in {n} Comuni"),
            (BadgeKind::PetitionSigner, _) => "Petition signer".into(),
        }
    }
}

/// A badge a phone earned, as the sync carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BadgeAward {
    pub badge: BadgeKind,
    pub level: u32,
    pub awarded_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_earns_every_level_up_to_it_and_no_more() {
        assert_eq!(BadgeKind::ConfirmedReports.earned(0).count(), 0);
        assert_eq!(BadgeKind::ConfirmedReports.earned(9).collect::<Vec<_>>(), [1]);
        assert_eq!(BadgeKind::ConfirmedReports.earned(12).collect::<Vec<_>>(), [1, 10]);
        assert_eq!(BadgeKind::ActiveComuni.earned(2).count(), 0);
    }

    #[test]
    fn kinds_round_trip_and_every_level_has_a_name() {
        for k in BadgeKind::ALL {
            assert_eq!(BadgeKind::parse(k.as_str()), Some(k));
            for l in k.levels() {
                assert!(!k.name_it(*l).is_empty() && !k.name_en(*l).is_empty());
            }
        }
    }
}
