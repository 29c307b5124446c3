//! The 41 Comuni of the Città Metropolitana di Bari, seeded on first start
//! with their town centres (approximate routing until boundaries arrive).

use casa_shared_model::IstatCode;

use crate::store::SeedComune;

const CENTRES_CSV: &str = include_str!("../seed/comuni-bari-centres.csv");

pub fn bari_comuni() -> Vec<SeedComune> {
    CENTRES_CSV
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .filter_map(|line| {
            let mut f = line.split(',');
            let code = IstatCode::parse(f.next()?).ok()?;
            let name = f.next()?.trim().to_owned();
            let lat = f.next()?.trim().parse().ok()?;
            let lon = f.next()?.trim().parse().ok()?;
            Some(SeedComune { istat_code: code, name, centre: Some((lat, lon)) })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_41_comuni_of_the_metropolitan_city_are_seeded_with_their_centres() {
        let comuni = bari_comuni();
        assert_eq!(comuni.len(), 41);
        assert!(comuni.iter().all(|c| c.istat_code.province() == "072"));
        let bari = comuni.iter().find(|c| c.istat_code.as_str() == "072006").expect("Bari");
        assert_eq!(bari.name, "Bari");
    }
}
