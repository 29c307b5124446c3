//! Comuni (Italian municipalities) identified by their ISTAT code.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A municipality's six-digit ISTAT code, e.g. `072006` for Bari.
///
/// The first three digits are the province (072 = Città Metropolitana di Bari),
/// the last three the municipality within it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, example = "072006"))]
pub struct IstatCode([u8; 6]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("codice ISTAT non valido «{0}»: servono 6 cifre, es. 072006 / invalid ISTAT code: six digits expected, e.g. 072006")]
pub struct InvalidIstatCode(pub String);

impl IstatCode {
    pub fn parse(s: &str) -> Result<Self, InvalidIstatCode> {
        let s = s.trim();
        let bytes = s.as_bytes();
        if bytes.len() != 6 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(InvalidIstatCode(s.chars().take(32).collect()));
        }
        let mut code = [0u8; 6];
        code.copy_from_slice(bytes);
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored, so this cannot fail.
        std::str::from_utf8(&self.0).unwrap_or("000000")
    }

    /// The province part (e.g. `072`).
    pub fn province(&self) -> &str {
        &self.as_str()[..3]
    }
}

impl fmt::Display for IstatCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for IstatCode {
    type Err = InvalidIstatCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for IstatCode {
    type Error = InvalidIstatCode;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<IstatCode> for String {
    fn from(c: IstatCode) -> Self {
        c.as_str().to_owned()
    }
}

/// A Comune as the platform knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Comune {
    pub istat_code: IstatCode,
    pub name: String,
}

/// The town centre of a Comune, used for approximate routing until official
/// boundaries are imported.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TownCentre {
    pub istat_code: IstatCode,
    pub lat: f64,
    pub lon: f64,
}

const BARI_CENTRES_CSV: &str = include_str!("../data/comuni-bari-centres.csv");

/// The 41 Comuni of the Città Metropolitana di Bari with their town centres,
/// as ISTAT lists them: the server seeds its directory with them and the
/// phone offers them before its first sync.
pub fn bari_comuni() -> Vec<(Comune, TownCentre)> {
    BARI_CENTRES_CSV
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .filter_map(|line| {
            let mut f = line.split(',');
            let istat_code = IstatCode::parse(f.next()?).ok()?;
            let name = f.next()?.trim().to_owned();
            let lat = f.next()?.trim().parse().ok()?;
            let lon = f.next()?.trim().parse().ok()?;
            Some((Comune { istat_code, name }, TownCentre { istat_code, lat, lon }))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_41_comuni_of_the_metropolitan_city_are_listed_with_their_centres() {
        let comuni = bari_comuni();
        assert_eq!(comuni.len(), 41);
        assert!(comuni.iter().all(|(c, _)| c.istat_code.province() == "072"));
        let (bari, centre) = comuni.iter().find(|(c, _)| c.istat_code.as_str() == "072006").expect("Bari");
        assert_eq!(bari.name, "Bari");
        assert!((centre.lat - 41.12).abs() < 0.05 && (centre.lon - 16.87).abs() < 0.05);
    }

    #[test]
    fn a_six_digit_code_parses_and_prints_back() {
        let c = IstatCode::parse("072006").expect("valid");
        assert_eq!(c.as_str(), "072006");
        assert_eq!(c.province(), "072");
    }

    #[test]
    fn codes_of_the_wrong_length_or_with_letters_are_refused() {
        for bad in ["", "72006", "0720066", "07200a", "０７２００６"] {
            assert!(IstatCode::parse(bad).is_err(), "{bad}");
        }
    }
}
