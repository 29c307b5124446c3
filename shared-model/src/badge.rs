//! Badges: rewards for verified civic results (a report a moderator
//! accepted, one an inspector confirmed or the Comune resolved, a counted
//! petition signature, a proposal that reached its threshold), never for
//! clicks: a report filed and then rejected earns nothing. A badge names neither a place nor a report, so it never
//! reveals where a person reported from.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum BadgeKind {
    /// Reports a moderator accepted (published or handed to an office).
    AcceptedReports,
    /// Reports an inspector confirmed on site.
    ConfirmedReports,
    /// Reports the Comune resolved.
    ResolvedReports,
    /// Comuni with at least one confirmed or resolved report.
    ActiveComuni,
    /// Petition signatures that counted.
    PetitionSigner,
    /// The device's own proposals that reached a threshold.
    PetitionThreshold,
}

impl BadgeKind {
    pub const ALL: [BadgeKind; 6] = [
        BadgeKind::AcceptedReports,
        BadgeKind::ConfirmedReports,
        BadgeKind::ResolvedReports,
        BadgeKind::ActiveComuni,
        BadgeKind::PetitionSigner,
        BadgeKind::PetitionThreshold,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            BadgeKind::AcceptedReports => "accepted_reports",
            BadgeKind::ConfirmedReports => "confirmed_reports",
            BadgeKind::ResolvedReports => "resolved_reports",
            BadgeKind::ActiveComuni => "active_comuni",
            BadgeKind::PetitionSigner => "petition_signer",
            BadgeKind::PetitionThreshold => "petition_threshold",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The counts at which a level is earned.
    pub fn levels(&self) -> &'static [u32] {
        match self {
            BadgeKind::AcceptedReports => &[1],
            BadgeKind::ConfirmedReports => &[1, 10],
            BadgeKind::ResolvedReports => &[1, 5],
            BadgeKind::ActiveComuni => &[3],
            BadgeKind::PetitionSigner => &[1],
            BadgeKind::PetitionThreshold => &[1],
        }
    }

    /// The levels a count has earned.
    pub fn earned(&self, count: u32) -> impl Iterator<Item = u32> + '_ {
        self.levels().iter().copied().filter(move |l| *l <= count)
    }

    pub fn name_it(&self, level: u32) -> String {
        match (self, level) {
            (BadgeKind::AcceptedReports, _) => "Prima segnalazione".into(),
            (BadgeKind::ConfirmedReports, 1) => "Prima segnalazione confermata sul posto".into(),
            (BadgeKind::ConfirmedReports, n) => format!("{n} segnalazioni confermate da un ispettore"),
            (BadgeKind::ResolvedReports, 1) => "Prima segnalazione risolta".into(),
            (BadgeKind::ResolvedReports, n) => format!("{n} segnalazioni risolte"),
            (BadgeKind::ActiveComuni, n) => format!("Attivo in {n} Comuni"),
            (BadgeKind::PetitionSigner, _) => "Firmatario di petizioni".into(),
            (BadgeKind::PetitionThreshold, _) => "La tua petizione ha raggiunto la soglia".into(),
        }
    }

    pub fn name_en(&self, level: u32) -> String {
        match (self, level) {
            (BadgeKind::AcceptedReports, _) => "First report".into(),
            (BadgeKind::ConfirmedReports, 1) => "First report confirmed on site".into(),
            (BadgeKind::ConfirmedReports, n) => format!("{n} reports confirmed by an inspector"),
            (BadgeKind::ResolvedReports, 1) => "First report resolved".into(),
            (BadgeKind::ResolvedReports, n) => format!("{n} reports resolved"),
            (BadgeKind::ActiveComuni, n) => format!("Active in {n} Comuni"),
            (BadgeKind::PetitionSigner, _) => "Petition signer".into(),
            (BadgeKind::PetitionThreshold, _) => "Your petition reached its threshold".into(),
        }
    }
}

/// Points for verified results only, by what each took from the citizen
/// and the Comune: a report accepted by a moderator, confirmed by an
/// inspector, resolved; a counted signature; a proposal of theirs that
/// reached its threshold.
pub const POINTS_ACCEPTED: u32 = 5;
pub const POINTS_CONFIRMED: u32 = 10;
pub const POINTS_RESOLVED: u32 = 20;
pub const POINTS_SIGNATURE: u32 = 1;
pub const POINTS_THRESHOLD: u32 = 50;

/// Verified results of a phone in one Comune.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Results {
    pub accepted: u32,
    pub confirmed: u32,
    pub resolved: u32,
    pub signatures: u32,
    pub petitions_reached: u32,
}

impl Results {
    pub fn points(&self) -> u32 {
        let weighted = [
            (self.accepted, POINTS_ACCEPTED),
            (self.confirmed, POINTS_CONFIRMED),
            (self.resolved, POINTS_RESOLVED),
            (self.signatures, POINTS_SIGNATURE),
            (self.petitions_reached, POINTS_THRESHOLD),
        ];
        weighted.iter().fold(0u32, |sum, (n, w)| sum.saturating_add(n.saturating_mul(*w)))
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
    fn points_weigh_each_verified_result_and_never_overflow() {
        let r = Results { accepted: 2, confirmed: 1, resolved: 1, signatures: 3, petitions_reached: 1 };
        assert_eq!(r.points(), 2 * 5 + 10 + 20 + 3 + 50);
        assert_eq!(Results::default().points(), 0);
        assert_eq!(Results { signatures: u32::MAX, resolved: u32::MAX, ..Default::default() }.points(), u32::MAX);
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

/// The opt-in leaderboard of a Comune: only people who joined it, under the
/// nickname they chose, ranked by their verified results there (reports
/// confirmed by an inspector or resolved). It shows no place and no report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Leaderboard {
    pub comune: crate::IstatCode,
    pub comune_name: String,
    pub entries: Vec<LeaderboardEntry>,
    /// The asking phone's nickname, when it joined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub joined_as: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeaderboardEntry {
    pub rank: u32,
    pub nickname: String,
    /// Reports confirmed by an inspector or resolved, in this Comune.
    pub results: u32,
    /// The asking phone's own row.
    #[serde(default)]
    pub me: bool,
}

/// A phone joins (or renames itself on) a Comune's leaderboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeaderboardJoin {
    pub device_id: crate::DeviceId,
    pub nickname: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("soprannome non valido: da 3 a 24 lettere, cifre, spazi, trattini / invalid nickname: 3 to 24 letters, digits, spaces, dashes")]
pub struct NicknameError;

/// A nickname: 3 to 24 Latin letters (accents too), digits, single spaces,
/// `-` or `_`. No dots or `@`, so never a link or a mail address; no other
/// alphabets, whose look-alike letters would let one pose as another.
pub fn parse_nickname(s: &str) -> Result<String, NicknameError> {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let n = s.chars().count();
    let latin = |c: char| c.is_ascii_alphanumeric() || (c.is_alphabetic() && ('\u{C0}'..='\u{24F}').contains(&c));
    let allowed = |c: char| latin(c) || matches!(c, ' ' | '-' | '_');
    if !(3..=24).contains(&n) || !s.chars().all(allowed) {
        return Err(NicknameError);
    }
    Ok(s)
}

#[cfg(test)]
mod leaderboard_tests {
    use super::*;

    #[test]
    fn nicknames_are_short_plain_names() {
        assert_eq!(parse_nickname("  Nicola   di Bari "), Ok("Nicola di Bari".into()));
        assert_eq!(parse_nickname("Lucía_87"), Ok("Lucía_87".into()));
        for bad in ["ab", "x".repeat(25).as_str(), "mario@example.it", "spam.it", "<script>", "a\u{7}bc", "Mаria"] {
            assert_eq!(parse_nickname(bad), Err(NicknameError), "{bad}");
        }
    }
}
