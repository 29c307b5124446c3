//! The routing directory: every Comune with its boundary, services,
//! categories and departments, held in memory so that ingesting a report costs
//! no configuration query. Rebuilt whenever the stored configuration changes.

use std::collections::{HashMap, HashSet};

use casa_shared_model::geo::{self, GeoRouter, RouteMethod};
use casa_shared_model::wire::{ComuneOutline, Routing, OUTLINE_TOLERANCE_M};
use casa_shared_model::{IstatCode, NewReport, Service, TownCentre};

use crate::store::{CategoryRecord, ComuneConfig, DepartmentRecord};

#[derive(Debug)]
pub struct ComuneEntry {
    pub istat_code: IstatCode,
    pub name: String,
    pub services: HashSet<Service>,
    pub departments: HashMap<String, DepartmentRecord>,
    /// Enabled categories, in display order.
    pub categories: Vec<CategoryRecord>,
    pub has_boundary: bool,
    /// The boundary simplified for the phone's map, when there is one.
    pub outline: Option<std::sync::Arc<ComuneOutline>>,
    /// The same simplified boundary as GeoJSON MultiPolygon coordinates (open data).
    pub polygons: Option<std::sync::Arc<geo::PolygonsCoordinates>>,
    pub petition_rules: casa_shared_model::petition::PetitionRules,
}

impl ComuneEntry {
    pub fn category(&self, code: &str) -> Option<&CategoryRecord> {
        self.categories.iter().find(|c| c.code == code)
    }

    pub fn department_name(&self, code: &str) -> String {
        self.departments.get(code).map(|d| d.name_it.clone()).unwrap_or_else(|| code.to_owned())
    }
}

pub struct Directory {
    pub version: i64,
    pub router: GeoRouter,
    pub comuni: HashMap<IstatCode, ComuneEntry>,
    /// Comuni in ISTAT order, for listings.
    pub order: Vec<IstatCode>,
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directory").field("version", &self.version).field("comuni", &self.order.len()).finish()
    }
}

/// A report's destination, or why it has none.
#[derive(Debug, Clone, PartialEq)]
pub struct Destination {
    pub comune: IstatCode,
    pub department: String,
    pub method: RouteMethod,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub code: &'static str,
    pub message: String,
}

impl Directory {
    pub fn build(version: i64, configs: Vec<ComuneConfig>) -> Self {
        let mut boundaries = Vec::new();
        let mut centres = Vec::new();
        let mut comuni = HashMap::new();
        let mut order = Vec::new();
        for c in configs {
            let shape = c.boundary.as_deref().and_then(|json| match geo::shape_from_geojson(json) {
                Ok(shape) => Some(shape),
                Err(e) => {
                    tracing::error!(comune = %c.istat_code, error = %e, "stored boundary is unreadable; Comune not routable by boundary");
                    None
                }
            });
            let has_boundary = shape.is_some();
            let outline = shape.as_ref().map(|shape| {
                std::sync::Arc::new(ComuneOutline { istat_code: c.istat_code, rings: geo::outline(shape, OUTLINE_TOLERANCE_M) })
            });
            let polygons = shape.as_ref().map(|shape| std::sync::Arc::new(geo::simplified_polygons(shape, OUTLINE_TOLERANCE_M)));
            if let Some(shape) = shape {
                boundaries.push(geo::Boundary { istat_code: c.istat_code, name: c.name.clone(), shape });
            }
            if let Some((lat, lon)) = c.centre {
                centres.push(TownCentre { istat_code: c.istat_code, lat, lon });
            }
            order.push(c.istat_code);
            comuni.insert(
                c.istat_code,
                ComuneEntry {
                    istat_code: c.istat_code,
                    name: c.name,
                    services: c.services.into_iter().filter(|(_, on)| *on).map(|(s, _)| s).collect(),
                    departments: c.departments.into_iter().map(|d| (d.code.clone(), d)).collect(),
                    categories: c.categories.into_iter().filter(|k| k.enabled).collect(),
                    has_boundary,
                    outline,
                    polygons,
                    petition_rules: c.petition_rules,
                },
            );
        }
        let router = if boundaries.is_empty() {
            tracing::warn!(
                comuni = centres.len(),
                "no official boundaries imported: routing by nearest town centre (approximate); \
                 run `casa-server boundaries import FILE.geojson`"
            );
            GeoRouter::from_centres(centres)
        } else {
            let missing: Vec<String> = comuni.values().filter(|c| !c.has_boundary).map(|c| c.istat_code.to_string()).collect();
            if !missing.is_empty() {
                tracing::warn!(?missing, "Comuni without an official boundary receive no reports");
            }
            GeoRouter::from_boundaries(boundaries)
        };
        Self { version, router, comuni, order }
    }

    pub fn comune(&self, code: &IstatCode) -> Option<&ComuneEntry> {
        self.comuni.get(code)
    }

    /// Where a report goes: the Comune containing it, then the department that
    /// handles its category there.
    pub fn destination(&self, report: &NewReport) -> Result<Destination, Rejection> {
        let matched = self.router.route(report.location.point()).map_err(|e| Rejection { code: e.code(), message: e.to_string() })?;
        let comune = self.comune(&matched.istat_code).ok_or_else(|| Rejection {
            code: "outside_area",
            message: geo::RouteError::OutsideArea { nearest_distance_m: None }.to_string(),
        })?;
        if matched.method.is_approximate() {
            tracing::info!(comune = %comune.istat_code, method = matched.method.as_str(), "report routed approximately (no official boundaries)");
        }
        if !comune.services.contains(&Service::Reports) {
            return Err(Rejection {
                code: "service_disabled",
                message: format!(
                    "Il Comune di {} non riceve segnalazioni tramite questa piattaforma / The Comune of {} does not take reports through this platform",
                    comune.name, comune.name
                ),
            });
        }
        let category = comune.category(report.category.as_str()).ok_or_else(|| Rejection {
            code: "unknown_category",
            message: format!(
                "Categoria «{}» sconosciuta per il Comune di {} / Unknown category for the Comune of {}",
                report.category, comune.name, comune.name
            ),
        })?;
        Ok(Destination { comune: comune.istat_code, department: category.department.clone(), method: matched.method })
    }

    /// The routing answer for a stored report.
    pub fn routing(&self, comune: &IstatCode, department: &str, method: &str) -> Routing {
        let entry = self.comune(comune);
        Routing {
            comune: *comune,
            comune_name: entry.map(|c| c.name.clone()).unwrap_or_else(|| comune.to_string()),
            department: department.to_owned(),
            department_name: entry.map(|c| c.department_name(department)).unwrap_or_else(|| department.to_owned()),
            method: method.to_owned(),
            approximate: method == "approximate_centre",
        }
    }
}
