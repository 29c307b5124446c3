//! The 41 Comuni of the Città Metropolitana di Bari, seeded on first start
//! with their town centres (approximate routing until boundaries arrive).

use crate::store::SeedComune;

pub fn bari_comuni() -> Vec<SeedComune> {
    casa_shared_model::comune::bari_comuni()
        .into_iter()
        .map(|(c, centre)| SeedComune { istat_code: c.istat_code, name: c.name, centre: Some((centre.lat, centre.lon)) })
        .collect()
}
