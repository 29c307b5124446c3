//! The Comuni: seeding, configuration (services, departments, categories,
//! petition rules) and official boundaries, one SQL text for both databases
//! (see `sql.rs`).

use casa_shared_model::category::{DEFAULT_CATEGORIES, DEFAULT_DEPARTMENTS};
use casa_shared_model::petition::PetitionRules;
use casa_shared_model::{IstatCode, Service};
use chrono::Utc;

use super::sql::{on_both, sql, Ts};
use super::*;

/// A Comune as seeded on first start.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedComune {
    pub istat_code: IstatCode,
    pub name: String,
    /// Town centre (lat, lon), when known.
    pub centre: Option<(f64, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DepartmentRecord {
    pub code: String,
    pub name_it: String,
    pub name_en: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CategoryRecord {
    pub code: String,
    pub name_it: String,
    pub name_en: String,
    pub description_it: String,
    pub department: String,
    pub enabled: bool,
}

/// Everything the server needs to route and describe a Comune's reports.
#[derive(Debug, Clone, PartialEq)]
pub struct ComuneConfig {
    pub istat_code: IstatCode,
    pub name: String,
    pub centre: Option<(f64, f64)>,
    /// GeoJSON geometry of the official boundary, once imported.
    pub boundary: Option<String>,
    pub services: Vec<(Service, bool)>,
    pub departments: Vec<DepartmentRecord>,
    pub categories: Vec<CategoryRecord>,
    pub petition_rules: PetitionRules,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BoundaryImport {
    pub istat_code: IstatCode,
    pub name: String,
    pub geometry_json: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportSummary {
    /// Known Comuni whose boundary was replaced.
    pub updated: usize,
    /// Comuni created by this import (only with `add_new`).
    pub added: usize,
    /// Features naming Comuni the platform does not serve.
    pub skipped: Vec<IstatCode>,
}

/// The configuration tables as rows; the queries are the same SQL on both
/// backends, only their execution differs.
pub(crate) const CONFIG_QUERIES: [&str; 4] = [
    // Casts: one row type for both backends (PostgreSQL's INTEGER is 32-bit).
    "SELECT istat_code, name, centre_lat, centre_lon, boundary, CAST(petition_cosponsors AS BIGINT) AS petition_cosponsors, \
     CAST(petition_response_threshold AS BIGINT) AS petition_response_threshold, \
     CAST(petition_debate_threshold AS BIGINT) AS petition_debate_threshold, \
     CAST(petition_anonymise_months AS BIGINT) AS petition_anonymise_months FROM comuni ORDER BY istat_code",
    "SELECT comune, service, enabled FROM comune_services ORDER BY comune, service",
    "SELECT comune, code, name_it, name_en FROM departments ORDER BY comune, code",
    "SELECT comune, code, name_it, name_en, description_it, department, enabled FROM categories ORDER BY comune, position, code",
];

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ComuneRow {
    istat_code: String,
    name: String,
    centre_lat: Option<f64>,
    centre_lon: Option<f64>,
    boundary: Option<String>,
    petition_cosponsors: i64,
    petition_response_threshold: i64,
    petition_debate_threshold: i64,
    petition_anonymise_months: i64,
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ServiceRow {
    comune: String,
    service: String,
    enabled: bool,
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct DepartmentRow {
    comune: String,
    code: String,
    name_it: String,
    name_en: String,
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct CategoryRow {
    comune: String,
    code: String,
    name_it: String,
    name_en: String,
    description_it: String,
    department: String,
    enabled: bool,
}

pub(crate) fn assemble_configs(
    comuni: Vec<ComuneRow>,
    services: Vec<ServiceRow>,
    departments: Vec<DepartmentRow>,
    categories: Vec<CategoryRow>,
) -> StoreResult<Vec<ComuneConfig>> {
    let mut configs = comuni
        .into_iter()
        .map(|c| {
            let n = |v: i64| u32::try_from(v).map_err(corrupt);
            // Rules stored before a check tightened are kept as they are.
            let petition_rules = PetitionRules {
                cosponsors: n(c.petition_cosponsors)?,
                response_threshold: n(c.petition_response_threshold)?,
                debate_threshold: n(c.petition_debate_threshold)?,
                anonymise_after_months: n(c.petition_anonymise_months)?,
            };
            Ok(ComuneConfig {
                petition_rules,
                istat_code: parse_istat(&c.istat_code)?,
                name: c.name,
                centre: c.centre_lat.zip(c.centre_lon),
                boundary: c.boundary,
                services: Vec::new(),
                departments: Vec::new(),
                categories: Vec::new(),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let index: std::collections::HashMap<String, usize> =
        configs.iter().enumerate().map(|(i, c)| (c.istat_code.as_str().to_owned(), i)).collect();
    for s in services {
        if let (Some(&i), Some(service)) = (index.get(&s.comune), Service::parse(&s.service)) {
            configs[i].services.push((service, s.enabled));
        }
    }
    for d in departments {
        if let Some(&i) = index.get(&d.comune) {
            configs[i].departments.push(DepartmentRecord { code: d.code, name_it: d.name_it, name_en: d.name_en });
        }
    }
    for k in categories {
        if let Some(&i) = index.get(&k.comune) {
            configs[i].categories.push(CategoryRecord {
                code: k.code,
                name_it: k.name_it,
                name_en: k.name_en,
                description_it: k.description_it,
                department: k.department,
                enabled: k.enabled,
            });
        }
    }
    Ok(configs)
}

on_both! {
    async fn bump_config_version(tx: &mut sqlx::Transaction<'_, Db>) -> StoreResult<()> {
        sqlx::query("UPDATE meta SET value = value + 1 WHERE key = 'config_version'").execute(&mut **tx).await?;
        Ok(())
    }

    /// Adds the Comuni not yet present, each with the default departments,
    /// categories and services; returns how many were added.
    pub(crate) async fn seed_in(tx: &mut sqlx::Transaction<'_, Db>, comuni: &[SeedComune]) -> StoreResult<usize> {
        let now = Ts(Utc::now());
        let mut added = 0;
        for c in comuni {
            let inserted = sql!(
                "INSERT INTO comuni (istat_code, name, centre_lat, centre_lon, created_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (istat_code) DO NOTHING",
                c.istat_code.as_str(), &c.name, c.centre.map(|c| c.0), c.centre.map(|c| c.1), now
            )
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if inserted == 0 {
                continue;
            }
            added += 1;
            for d in DEFAULT_DEPARTMENTS {
                sql!(
                    "INSERT INTO departments (comune, code, name_it, name_en) VALUES ($1, $2, $3, $4)",
                    c.istat_code.as_str(), d.code, d.name_it, d.name_en
                )
                .execute(&mut **tx)
                .await?;
            }
            for (position, k) in (0i64..).zip(DEFAULT_CATEGORIES) {
                sql!(
                    "INSERT INTO categories (comune, code, name_it, name_en, description_it, department, position) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    c.istat_code.as_str(), k.code, k.name_it, k.name_en, k.description_it, k.department, position
                )
                .execute(&mut **tx)
                .await?;
            }
            for s in Service::ALL {
                sql!(
                    "INSERT INTO comune_services (comune, service, enabled) VALUES ($1, $2, $3)",
                    c.istat_code.as_str(), s.as_str(), s.enabled_by_default()
                )
                .execute(&mut **tx)
                .await?;
            }
        }
        Ok(added)
    }

    /// The Comuni, their boundaries and their configuration.
    pub trait ComuneStore {
        /// Adds the Comuni not yet present, each with the default departments,
        /// categories and services. Comuni already there are left as they are.
        async fn seed_comuni(&self, comuni: &[SeedComune]) -> StoreResult<usize> {
            let mut tx = self.write.begin().await?;
            let added = seed_in(&mut tx, comuni).await?;
            if added > 0 {
                bump_config_version(&mut tx).await?;
            }
            tx.commit().await?;
            Ok(added)
        }

        async fn comune_configs(&self) -> StoreResult<Vec<ComuneConfig>> {
            let [comuni, services, departments, categories] = CONFIG_QUERIES;
            assemble_configs(
                sqlx::query_as(comuni).fetch_all(&self.read).await?,
                sqlx::query_as(services).fetch_all(&self.read).await?,
                sqlx::query_as(departments).fetch_all(&self.read).await?,
                sqlx::query_as(categories).fetch_all(&self.read).await?,
            )
        }

        async fn import_boundaries(&self, boundaries: &[BoundaryImport], add_new: bool) -> StoreResult<ImportSummary> {
            let mut tx = self.write.begin().await?;
            let now = Ts(Utc::now());
            let mut summary = ImportSummary::default();
            for b in boundaries {
                if add_new {
                    let seed = SeedComune { istat_code: b.istat_code, name: b.name.clone(), centre: None };
                    summary.added += seed_in(&mut tx, std::slice::from_ref(&seed)).await?;
                }
                let updated = sql!(
                    "UPDATE comuni SET boundary = $1, boundary_updated_at = $2 WHERE istat_code = $3",
                    &b.geometry_json, now, b.istat_code.as_str()
                )
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if updated == 0 {
                    summary.skipped.push(b.istat_code);
                }
            }
            summary.updated = boundaries.len() - summary.skipped.len() - summary.added;
            bump_config_version(&mut tx).await?;
            tx.commit().await?;
            Ok(summary)
        }

        async fn set_service(&self, comune: &IstatCode, service: Service, enabled: bool) -> StoreResult<bool> {
            let mut tx = self.write.begin().await?;
            let changed = sql!(
                "UPDATE comune_services SET enabled = $1 WHERE comune = $2 AND service = $3",
                enabled, comune.as_str(), service.as_str()
            )
            .execute(&mut *tx)
            .await?
            .rows_affected();
            bump_config_version(&mut tx).await?;
            tx.commit().await?;
            Ok(changed > 0)
        }

        /// Replaces a Comune's petition rules (for petitions proposed from now on).
        async fn set_petition_rules(&self, comune: &IstatCode, rules: &PetitionRules) -> StoreResult<bool> {
            let mut tx = self.write.begin().await?;
            let changed = sql!(
                "UPDATE comuni SET petition_cosponsors = $1, petition_response_threshold = $2, petition_debate_threshold = $3, \
                 petition_anonymise_months = $4 WHERE istat_code = $5",
                i64::from(rules.cosponsors), i64::from(rules.response_threshold), i64::from(rules.debate_threshold),
                i64::from(rules.anonymise_after_months), comune.as_str()
            )
            .execute(&mut *tx)
            .await?
            .rows_affected();
            bump_config_version(&mut tx).await?;
            tx.commit().await?;
            Ok(changed > 0)
        }

        /// Bumped by every configuration change, so servers know to reload.
        async fn config_version(&self) -> StoreResult<i64> {
            Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = 'config_version'").fetch_one(&self.read).await?)
        }
    }
}
