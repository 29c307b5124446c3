//! The geo router: which Comune a point belongs to, by official boundaries.
//!
//! Hot path (a point inside some polygon): a uniform grid over the whole
//! extent gives the few polygons whose bounding box covers the point's cell;
//! each polygon answers by ray casting over the edges of one horizontal slab
//! only, so a lookup touches a handful of edges, never every vertex.
//! Cold path (a point outside everything): an R-tree finds the polygons near
//! enough for the 250 m coastal tolerance and exact distances are measured.

mod boundary;
mod polygon;

use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

pub use boundary::{
    boundary_to_geojson, outline, parse_boundaries_geojson, shape_from_geojson, simplified_polygons, Boundary, BoundaryError,
    PolygonsCoordinates,
};
use polygon::SlabPolygon;

use crate::comune::{IstatCode, TownCentre};

/// Outside every boundary but this close to one: GPS error on the coast or
/// on a border road, routed to the nearest Comune.
pub const NEARBY_TOLERANCE_M: f64 = 250.0;
/// Without boundaries, a town centre farther than this is not a match.
pub const APPROXIMATE_MAX_DISTANCE_M: f64 = 15_000.0;

/// A WGS84 position.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RouteMatch {
    pub istat_code: IstatCode,
    pub method: RouteMethod,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RouteMethod {
    /// Inside the official boundary.
    Inside,
    /// Outside every boundary, within [`NEARBY_TOLERANCE_M`] of this one.
    Nearby { distance_m: f64 },
    /// No boundaries known: the nearest town centre.
    ApproximateCentre { distance_m: f64 },
}

impl RouteMethod {
    pub fn as_str(&self) -> &'static str {
        match self {
            RouteMethod::Inside => "inside",
            RouteMethod::Nearby { .. } => "nearby",
            RouteMethod::ApproximateCentre { .. } => "approximate_centre",
        }
    }

    pub fn is_approximate(&self) -> bool {
        matches!(self, RouteMethod::ApproximateCentre { .. })
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RouteError {
    #[error("Il punto è fuori dalla Città Metropolitana di Bari: la piattaforma serve solo i suoi 41 Comuni / The point is outside the Metropolitan City of Bari: the platform serves only its 41 Comuni")]
    OutsideArea { nearest_distance_m: Option<f64> },
    #[error("Nessun Comune configurato per l'instradamento / No Comune is configured for routing")]
    NoBoundaries,
}

impl RouteError {
    pub fn code(&self) -> &'static str {
        match self {
            RouteError::OutsideArea { .. } => "outside_area",
            RouteError::NoBoundaries => "no_boundaries",
        }
    }
}

/// Metres per degree of latitude (mean); longitude scales by cos(lat).
const M_PER_DEG: f64 = 111_320.0;

pub fn haversine_m(a: GeoPoint, b: GeoPoint) -> f64 {
    const EARTH_RADIUS_M: f64 = 6_371_008.8;
    let (p1, p2) = (a.lat.to_radians(), b.lat.to_radians());
    let dp = p2 - p1;
    let dl = (b.lon - a.lon).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

type IndexedBox = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// Routes points to Comuni. Cheap to share behind an `Arc`.
pub struct GeoRouter {
    kind: Kind,
}

enum Kind {
    Boundaries(BoundaryIndex),
    Centres(Vec<TownCentre>),
}

struct BoundaryIndex {
    codes: Vec<IstatCode>,
    /// One per polygon part of every multipolygon, with its Comune's index.
    polygons: Vec<(u32, SlabPolygon)>,
    grid: Grid,
    rtree: RTree<IndexedBox>,
}

/// A uniform grid over the extent; each cell lists the polygons whose
/// bounding box overlaps it (CSR layout: one allocation, cache friendly).
struct Grid {
    min_x: f64,
    min_y: f64,
    inv_cell: f64,
    cols: usize,
    rows: usize,
    starts: Vec<u32>,
    items: Vec<u32>,
}

impl Grid {
    fn build(polygons: &[(u32, SlabPolygon)]) -> Grid {
        let (mut min_x, mut min_y, mut max_x, mut max_y) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for (_, p) in polygons {
            let b = p.bbox();
            min_x = min_x.min(b[0]);
            min_y = min_y.min(b[1]);
            max_x = max_x.max(b[2]);
            max_y = max_y.max(b[3]);
        }
        let width = (max_x - min_x).max(1e-9);
        let height = (max_y - min_y).max(1e-9);
        // About four cells per polygon: candidate lists stay short while the
        // grid stays small.
        let target_cells = (polygons.len() * 4).clamp(16, 4_000_000) as f64;
        let cell = (width * height / target_cells).sqrt().max(1e-6);
        let cols = ((width / cell).ceil() as usize).max(1);
        let rows = ((height / cell).ceil() as usize).max(1);
        let inv_cell = 1.0 / cell;
        let cell_of = |x: f64, y: f64| -> (usize, usize) {
            let c = (((x - min_x) * inv_cell) as usize).min(cols - 1);
            let r = (((y - min_y) * inv_cell) as usize).min(rows - 1);
            (c, r)
        };
        let mut counts = vec![0u32; cols * rows + 1];
        let spans: Vec<((usize, usize), (usize, usize))> = polygons
            .iter()
            .map(|(_, p)| {
                let b = p.bbox();
                (cell_of(b[0], b[1]), cell_of(b[2], b[3]))
            })
            .collect();
        for &((c0, r0), (c1, r1)) in &spans {
            for r in r0..=r1 {
                for c in c0..=c1 {
                    counts[r * cols + c] += 1;
                }
            }
        }
        let mut starts = vec![0u32; cols * rows + 1];
        for i in 0..cols * rows {
            starts[i + 1] = starts[i] + counts[i];
        }
        let mut fill = starts.clone();
        let mut items = vec![0u32; starts[cols * rows] as usize];
        for (i, &((c0, r0), (c1, r1))) in spans.iter().enumerate() {
            for r in r0..=r1 {
                for c in c0..=c1 {
                    let slot = &mut fill[r * cols + c];
                    items[*slot as usize] = i as u32;
                    *slot += 1;
                }
            }
        }
        Grid { min_x, min_y, inv_cell, cols, rows, starts, items }
    }

    #[inline]
    fn candidates(&self, x: f64, y: f64) -> &[u32] {
        let fx = (x - self.min_x) * self.inv_cell;
        let fy = (y - self.min_y) * self.inv_cell;
        if !(fx >= 0.0 && fy >= 0.0) {
            return &[];
        }
        let (c, r) = (fx as usize, fy as usize);
        if c >= self.cols || r >= self.rows {
            return &[];
        }
        let i = r * self.cols + c;
        &self.items[self.starts[i] as usize..self.starts[i + 1] as usize]
    }
}

impl std::fmt::Debug for GeoRouter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeoRouter").field("comuni", &self.len()).field("approximate", &self.is_approximate()).finish()
    }
}

impl GeoRouter {
    pub fn from_boundaries(boundaries: Vec<Boundary>) -> GeoRouter {
        let mut codes = Vec::with_capacity(boundaries.len());
        let mut polygons = Vec::new();
        for (i, b) in boundaries.iter().enumerate() {
            codes.push(b.istat_code);
            for poly in &b.shape.0 {
                if let Some(p) = SlabPolygon::new(poly) {
                    polygons.push((i as u32, p));
                }
            }
        }
        let grid = Grid::build(&polygons);
        let boxes = polygons
            .iter()
            .enumerate()
            .map(|(i, (_, p))| {
                let b = p.bbox();
                GeomWithData::new(Rectangle::from_corners([b[0], b[1]], [b[2], b[3]]), i as u32)
            })
            .collect();
        GeoRouter { kind: Kind::Boundaries(BoundaryIndex { codes, polygons, grid, rtree: RTree::bulk_load(boxes) }) }
    }

    /// Approximate routing by nearest town centre, until boundaries arrive.
    pub fn from_centres(centres: Vec<TownCentre>) -> GeoRouter {
        GeoRouter { kind: Kind::Centres(centres) }
    }

    pub fn is_approximate(&self) -> bool {
        matches!(self.kind, Kind::Centres(_))
    }

    /// How many Comuni can be routed to.
    pub fn len(&self) -> usize {
        match &self.kind {
            Kind::Boundaries(b) => b.codes.len(),
            Kind::Centres(c) => c.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn route(&self, p: GeoPoint) -> Result<RouteMatch, RouteError> {
        let valid = p.lat.is_finite() && p.lon.is_finite() && (-90.0..=90.0).contains(&p.lat) && (-180.0..=180.0).contains(&p.lon);
        if !valid {
            return Err(RouteError::OutsideArea { nearest_distance_m: None });
        }
        if self.is_empty() {
            return Err(RouteError::NoBoundaries);
        }
        match &self.kind {
            Kind::Boundaries(index) => index.route(p),
            Kind::Centres(centres) => route_by_centre(centres, p),
        }
    }
}

impl BoundaryIndex {
    fn route(&self, p: GeoPoint) -> Result<RouteMatch, RouteError> {
        let (x, y) = (p.lon, p.lat);
        for &i in self.grid.candidates(x, y) {
            let (comune, poly) = &self.polygons[i as usize];
            if poly.contains(x, y) {
                return Ok(RouteMatch { istat_code: self.codes[*comune as usize], method: RouteMethod::Inside });
            }
        }
        self.nearest_within_tolerance(p)
    }

    fn nearest_within_tolerance(&self, p: GeoPoint) -> Result<RouteMatch, RouteError> {
        // Degrees per tolerance, generous in longitude so the box is never too small.
        let dlat = NEARBY_TOLERANCE_M / M_PER_DEG;
        let dlon = NEARBY_TOLERANCE_M / (M_PER_DEG * p.lat.to_radians().cos().max(0.01));
        let envelope = AABB::from_corners([p.lon - dlon, p.lat - dlat], [p.lon + dlon, p.lat + dlat]);
        let mut best: Option<(f64, u32)> = None;
        for item in self.rtree.locate_in_envelope_intersecting(&envelope) {
            let (comune, poly) = &self.polygons[item.data as usize];
            let d = poly.distance_m(p.lon, p.lat);
            if best.is_none_or(|(bd, bc)| d < bd || (d == bd && *comune < bc)) {
                best = Some((d, *comune));
            }
        }
        match best {
            Some((d, comune)) if d <= NEARBY_TOLERANCE_M => {
                Ok(RouteMatch { istat_code: self.codes[comune as usize], method: RouteMethod::Nearby { distance_m: d } })
            }
            Some((d, _)) => Err(RouteError::OutsideArea { nearest_distance_m: Some(d) }),
            None => Err(RouteError::OutsideArea { nearest_distance_m: None }),
        }
    }
}

fn route_by_centre(centres: &[TownCentre], p: GeoPoint) -> Result<RouteMatch, RouteError> {
    let nearest = centres
        .iter()
        .map(|c| (haversine_m(p, GeoPoint { lat: c.lat, lon: c.lon }), c.istat_code))
        .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    match nearest {
        Some((d, code)) if d <= APPROXIMATE_MAX_DISTANCE_M => {
            Ok(RouteMatch { istat_code: code, method: RouteMethod::ApproximateCentre { distance_m: d } })
        }
        Some((d, _)) => Err(RouteError::OutsideArea { nearest_distance_m: Some(d) }),
        None => Err(RouteError::NoBoundaries),
    }
}

#[cfg(test)]
mod tests;
