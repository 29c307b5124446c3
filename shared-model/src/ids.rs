//! Client-generated UUIDv7 identifiers.
//!
//! Every item is named by the device that creates it, so a re-sent item is
//! recognised as the same item. Version 7 ids sort by creation time, which keeps
//! database indexes append-only; other versions are refused so that a client bug
//! (e.g. random v4 ids) shows up at once instead of silently degrading.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidId {
    #[error("identificativo non valido: non è un UUID / invalid id: not a UUID")]
    NotAUuid,
    #[error("identificativo non valido: serve un UUIDv7, ricevuto v{0} / invalid id: UUIDv7 expected, got v{0}")]
    WrongVersion(usize),
}

macro_rules! uuid7_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "Uuid", into = "Uuid")]
        #[cfg_attr(
            feature = "openapi",
            derive(utoipa::ToSchema),
            schema(value_type = String, format = Uuid, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-7[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$")
        )]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh id for an item created now.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            pub fn parse(s: &str) -> Result<Self, InvalidId> {
                let uuid = Uuid::parse_str(s.trim()).map_err(|_| InvalidId::NotAUuid)?;
                Self::try_from(uuid)
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl TryFrom<Uuid> for $name {
            type Error = InvalidId;
            fn try_from(uuid: Uuid) -> Result<Self, InvalidId> {
                match uuid.get_version_num() {
                    7 => Ok(Self(uuid)),
                    v => Err(InvalidId::WrongVersion(v)),
                }
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, InvalidId> {
                Self::parse(s)
            }
        }
    };
}

uuid7_id!(
    /// A citizen's report (segnalazione).
    ReportId
);
uuid7_id!(
    /// An e-petition.
    PetitionId
);
uuid7_id!(
    /// One installation of the app; the owner of the reports it files until
    /// SPID/CIE identities arrive.
    DeviceId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_id_is_a_version_7_uuid_that_parses_back() {
        let id = ReportId::new();
        assert_eq!(ReportId::parse(&id.to_string()), Ok(id));
    }

    #[test]
    fn a_version_4_uuid_is_refused_with_its_version_named() {
        let v4 = "9b2e5c1e-3f4a-4d2b-8c1d-2a3b4c5d6e7f";
        assert_eq!(ReportId::parse(v4), Err(InvalidId::WrongVersion(4)));
        assert_eq!(ReportId::parse("not-a-uuid"), Err(InvalidId::NotAUuid));
    }

    #[test]
    fn ids_serialise_as_plain_uuid_strings() {
        let id = DeviceId::new();
        let json = serde_json::to_string(&id).expect("serialise");
        assert_eq!(json, format!("\"{id}\""));
        let v4 = "\"9b2e5c1e-3f4a-4d2b-8c1d-2a3b4c5d6e7f\"";
        assert!(serde_json::from_str::<DeviceId>(v4).is_err());
    }
}
