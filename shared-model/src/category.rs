//! Service categories (what a report is about) and the platform's services.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A category code such as `road_damage`: lowercase ASCII letters, digits and
/// underscores, 2 to 40 characters. Comuni may add their own categories, so
/// this is an open set; the defaults are in [`DEFAULT_CATEGORIES`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, example = "road_damage"))]
pub struct CategoryCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("codice di categoria non valido «{0}»: lettere minuscole, cifre e _ (2-40) / invalid category code: lowercase letters, digits and _ (2-40)")]
pub struct InvalidCategoryCode(pub String);

impl CategoryCode {
    pub fn parse(s: &str) -> Result<Self, InvalidCategoryCode> {
        let ok = (2..=40).contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            && s.as_bytes()[0].is_ascii_lowercase();
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(InvalidCategoryCode(s.chars().take(40).collect()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CategoryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for CategoryCode {
    type Error = InvalidCategoryCode;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<CategoryCode> for String {
    fn from(c: CategoryCode) -> Self {
        c.0
    }
}

/// A default category, with the department that usually handles it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CategoryDefault {
    pub code: &'static str,
    pub name_it: &'static str,
    pub name_en: &'static str,
    pub description_it: &'static str,
    pub department: &'static str,
}

/// The categories every Comune starts with.
pub const DEFAULT_CATEGORIES: &[CategoryDefault] = &[
    CategoryDefault {
        code: "road_damage",
        name_it: "Buche e strade dissestate",
        name_en: "Road damage and potholes",
        description_it: "Buche, asfalto dissestato, marciapiedi rotti",
        department: "lavori_pubblici",
    },
    CategoryDefault {
        code: "public_lighting",
        name_it: "Illuminazione pubblica",
        name_en: "Public lighting",
        description_it: "Lampioni spenti, guasti o pericolanti",
        department: "lavori_pubblici",
    },
    CategoryDefault {
        code: "waste",
        name_it: "Rifiuti e sporcizia",
        name_en: "Waste and litter",
        description_it: "Rifiuti abbandonati, cassonetti pieni o rotti, discariche abusive",
        department: "ambiente",
    },
    CategoryDefault {
        code: "green_areas",
        name_it: "Verde pubblico",
        name_en: "Green areas",
        description_it: "Parchi, aiuole, alberi pericolanti, potature",
        department: "ambiente",
    },
    CategoryDefault {
        code: "graffiti_vandalism",
        name_it: "Graffiti e vandalismi",
        name_en: "Graffiti and vandalism",
        description_it: "Scritte, danneggiamenti di beni pubblici",
        department: "polizia_locale",
    },
    CategoryDefault {
        code: "water_sewers",
        name_it: "Acqua e fognature",
        name_en: "Water and sewers",
        description_it: "Perdite d'acqua, tombini, allagamenti, fognature",
        department: "servizio_idrico",
    },
    CategoryDefault {
        code: "road_signs",
        name_it: "Segnaletica stradale",
        name_en: "Road signs",
        description_it: "Cartelli mancanti o danneggiati, strisce sbiadite, semafori",
        department: "polizia_locale",
    },
    CategoryDefault {
        code: "abandoned_vehicles",
        name_it: "Veicoli abbandonati",
        name_en: "Abandoned vehicles",
        description_it: "Auto, moto o biciclette abbandonate",
        department: "polizia_locale",
    },
    CategoryDefault {
        code: "other",
        name_it: "Altro",
        name_en: "Other",
        description_it: "Tutto ciò che non rientra nelle altre categorie",
        department: "urp",
    },
];

/// A department of a Comune that receives reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DepartmentDefault {
    pub code: &'static str,
    pub name_it: &'static str,
    pub name_en: &'static str,
}

pub const DEFAULT_DEPARTMENTS: &[DepartmentDefault] = &[
    DepartmentDefault { code: "lavori_pubblici", name_it: "Lavori pubblici", name_en: "Public works" },
    DepartmentDefault { code: "ambiente", name_it: "Ambiente e igiene urbana", name_en: "Environment and waste" },
    DepartmentDefault { code: "polizia_locale", name_it: "Polizia locale", name_en: "Local police" },
    DepartmentDefault { code: "servizio_idrico", name_it: "Servizio idrico integrato", name_en: "Water services" },
    DepartmentDefault { code: "urp", name_it: "Ufficio relazioni con il pubblico", name_en: "Public relations office" },
];

/// The services a Comune can enable (multi-tenant: each Comune picks its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Service {
    Reports,
    Petitions,
    Consultations,
    Discussions,
    CollaborationPacts,
    Crowdfunding,
    Gamification,
}

impl Service {
    pub const ALL: [Service; 7] = [
        Service::Reports,
        Service::Petitions,
        Service::Consultations,
        Service::Discussions,
        Service::CollaborationPacts,
        Service::Crowdfunding,
        Service::Gamification,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Service::Reports => "reports",
            Service::Petitions => "petitions",
            Service::Consultations => "consultations",
            Service::Discussions => "discussions",
            Service::CollaborationPacts => "collaboration_pacts",
            Service::Crowdfunding => "crowdfunding",
            Service::Gamification => "gamification",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|svc| svc.as_str() == s)
    }

    pub fn name_it(&self) -> &'static str {
        match self {
            Service::Reports => "Segnalazioni",
            Service::Petitions => "Petizioni",
            Service::Consultations => "Consultazioni",
            Service::Discussions => "Discussioni",
            Service::CollaborationPacts => "Patti di collaborazione",
            Service::Crowdfunding => "Crowdfunding civico",
            Service::Gamification => "Badge e punti",
        }
    }

    /// Reports are on by default everywhere; the rest are opt-in per Comune.
    pub fn enabled_by_default(&self) -> bool {
        matches!(self, Service::Reports)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_category_code_is_valid_and_has_a_known_department() {
        for c in DEFAULT_CATEGORIES {
            assert!(CategoryCode::parse(c.code).is_ok(), "{}", c.code);
            assert!(DEFAULT_DEPARTMENTS.iter().any(|d| d.code == c.department), "{}", c.code);
        }
    }

    #[test]
    fn category_codes_with_capitals_spaces_or_symbols_are_refused() {
        for bad in ["", "a", "Road", "road damage", "road-damage", "_x", "1abc", &"a".repeat(41)] {
            assert!(CategoryCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn services_round_trip_through_their_codes() {
        for s in Service::ALL {
            assert_eq!(Service::parse(s.as_str()), Some(s));
        }
    }
}
