//! What each component asks for and answers in a sync (protocol 2): the
//! request's `pull` and the answer's `sections` hold one entry per component,
//! under its name, in the types below. A section is absent when its component
//! has nothing new for the phone, so an idle sync carries almost nothing.
//!
//! A component that versions its section (petitions, badges) gives the phone
//! an opaque `version`; the phone sends it back and gets the section again
//! only when it changed.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{Cursor, NearbyQuery, PublicReport, ReportChange};
use crate::badge::BadgeAward;
use crate::comune::IstatCode;
use crate::petition::PublicPetition;

/// A component's place in the sync: its name and the types of its pull and
/// section, shared by the phone and the server.
pub trait WireComponent {
    const NAME: &'static str;
    type Pull: Serialize + DeserializeOwned;
    type Section: Serialize + DeserializeOwned;
}

/// Reports: status changes of the phone's own reports, and public reports
/// around a point for the map.
#[derive(Debug, Clone, Copy)]
pub struct Reports;

impl WireComponent for Reports {
    const NAME: &'static str = "reports";
    type Pull = ReportsPull;
    type Section = ReportsSection;
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportsPull {
    /// The cursor of the last section, absent on the first sync.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<Cursor>,
    /// Public reports around a point (for the map), when wanted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nearby: Option<NearbyQuery>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportsSection {
    /// Status changes of this device's reports since the pull's cursor.
    pub changes: Vec<ReportChange>,
    /// Send this back next time.
    pub cursor: Cursor,
    /// More changes are waiting: sync again at once.
    #[serde(default)]
    pub has_more: bool,
    /// Present when the pull asked for `nearby`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nearby: Option<Vec<PublicReport>>,
}

/// Petitions of the phone's home Comune.
#[derive(Debug, Clone, Copy)]
pub struct Petitions;

impl WireComponent for Petitions {
    const NAME: &'static str = "petitions";
    type Pull = PetitionsPull;
    type Section = PetitionsSection;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PetitionsPull {
    pub comune: IstatCode,
    /// The version of the list the phone holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PetitionsSection {
    pub version: String,
    /// The Comune's petitions past moderation, newest first (the whole list:
    /// the phone replaces what it holds).
    pub petitions: Vec<PublicPetition>,
}

/// Badges and points of the phone.
#[derive(Debug, Clone, Copy)]
pub struct Badges;

impl WireComponent for Badges {
    const NAME: &'static str = "badges";
    type Pull = BadgesPull;
    type Section = BadgesSection;
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BadgesPull {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BadgesSection {
    pub version: String,
    /// Every badge this device has earned where the Comune runs badges.
    pub badges: Vec<BadgeAward>,
    /// Points for the device's verified results where the Comune of each
    /// runs badges (see `badge::Results::points`).
    pub points: u32,
}

/// A short version of a section's content: equal content, equal version.
pub fn version_of<T: Serialize>(content: &T) -> String {
    use sha2::{Digest, Sha256};
    let bytes = serde_json::to_vec(content).unwrap_or_default();
    hex::encode(&Sha256::digest(&bytes)[..12])
}
