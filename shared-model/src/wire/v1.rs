//! Protocol 1, as phones before protocol 2 speak it: one field per service
//! in the request and the answer. Frozen: the server converts it to and
//! from protocol 2 at the edge (`sync-server`, `platform::sync`), so no
//! component needs to know it exists.

use serde::{Deserialize, Serialize};

use super::{Cursor, ItemResult, NearbyQuery, PublicReport, PushItem, ReportChange};
use crate::comune::IstatCode;
use crate::ids::DeviceId;

pub const PROTOCOL_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncRequest {
    pub protocol: u32,
    pub device_id: DeviceId,
    /// The cursor of the last answer, absent on the first sync.
    #[serde(default)]
    pub cursor: Option<Cursor>,
    #[serde(default)]
    pub items: Vec<PushItem>,
    /// Ask for the public reports around a point (for the map), when wanted.
    #[serde(default)]
    pub nearby: Option<NearbyQuery>,
    /// Ask for the petitions of this Comune (the phone's home Comune).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub petitions: Option<IstatCode>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncResponse {
    pub protocol: u32,
    /// One result per pushed item, in the order sent.
    pub results: Vec<ItemResult>,
    /// Status changes of this device's reports since the request's cursor.
    pub changes: Vec<ReportChange>,
    /// Present when the request asked for `nearby`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nearby: Option<Vec<PublicReport>>,
    /// Present when the request asked for `petitions`: the Comune's petitions
    /// past moderation, newest first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub petitions: Option<Vec<crate::petition::PublicPetition>>,
    /// Every badge this device has earned where the Comune runs badges (the
    /// whole list, small: the phone replaces what it holds).
    #[serde(default)]
    pub badges: Vec<crate::badge::BadgeAward>,
    /// Points for the device's verified results where the Comune of each
    /// runs badges (see `badge::Results::points`).
    #[serde(default)]
    pub points: u32,
    /// Send this back next time.
    pub cursor: Cursor,
    /// More changes are waiting: sync again at once.
    pub has_more: bool,
    /// Version of the server's directory of Comuni (services, categories,
    /// boundaries): when it differs from the one the device holds, the device
    /// fetches `GET /api/v1/comuni` again; otherwise it costs nothing.
    #[serde(default)]
    pub directory_version: i64,
}

impl SyncRequest {
    /// The same request in protocol 2: reports and badges always pulled (a
    /// version-1 answer always carries them), petitions when asked.
    pub fn into_current(self) -> super::SyncRequest {
        use super::sections::{Badges, BadgesPull, Petitions, PetitionsPull, Reports, ReportsPull};
        let mut current = super::SyncRequest::new(self.device_id);
        current.protocol = self.protocol;
        current.items = self.items.iter().map(super::Item::from).collect();
        current.set_pull::<Reports>(&ReportsPull { cursor: self.cursor, nearby: self.nearby });
        current.set_pull::<Badges>(&BadgesPull { version: None });
        if let Some(comune) = self.petitions {
            current.set_pull::<Petitions>(&PetitionsPull { comune, version: None });
        }
        current
    }
}

impl SyncResponse {
    /// A protocol-2 answer as a version-1 phone expects it; `since` is the
    /// cursor the phone sent (kept when the reports had nothing new).
    pub fn from_current(answer: super::SyncResponse, since: Option<Cursor>) -> Result<Self, serde_json::Error> {
        use super::sections::{Badges, Petitions, Reports};
        let reports = answer.section::<Reports>()?;
        let badges = answer.section::<Badges>()?;
        let petitions = answer.section::<Petitions>()?;
        let (changes, cursor, has_more, nearby) = match reports {
            Some(r) => (r.changes, r.cursor, r.has_more, r.nearby),
            None => (Vec::new(), since.unwrap_or_default(), false, None),
        };
        let (badges, points) = badges.map(|b| (b.badges, b.points)).unwrap_or_default();
        Ok(SyncResponse {
            protocol: PROTOCOL_VERSION,
            results: answer.results,
            changes,
            nearby,
            petitions: petitions.map(|p| p.petitions),
            badges,
            points,
            cursor,
            has_more,
            directory_version: answer.directory_version,
        })
    }
}
