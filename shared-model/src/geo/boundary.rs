//! Official boundaries in ISTAT-style GeoJSON (as republished by openpolis):
//! a FeatureCollection whose features carry `com_istat_code` and `name`, with
//! Polygon or MultiPolygon geometries in WGS84 (longitude, latitude).

use geo::{Coord, LineString, MultiPolygon, Polygon};
use serde::Deserialize;

use crate::comune::IstatCode;

#[derive(Debug, Clone, PartialEq)]
pub struct Boundary {
    pub istat_code: IstatCode,
    pub name: String,
    /// x = longitude, y = latitude.
    pub shape: MultiPolygon<f64>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BoundaryError {
    #[error("GeoJSON non valido / invalid GeoJSON: {0}")]
    Json(String),
    #[error("elemento {index}: manca la proprietà «{property}» / feature {index}: property {property} missing")]
    MissingProperty { index: usize, property: &'static str },
    #[error("elemento {index}: codice ISTAT non valido «{code}» / feature {index}: invalid ISTAT code")]
    InvalidCode { index: usize, code: String },
    #[error("elemento {index}: geometria «{kind}» non supportata, servono Polygon o MultiPolygon / feature {index}: unsupported geometry, Polygon or MultiPolygon expected")]
    UnsupportedGeometry { index: usize, kind: String },
    #[error("elemento {index}: coordinate non valide / feature {index}: invalid coordinates")]
    InvalidCoordinates { index: usize },
    #[error("il file non contiene confini / the file holds no boundaries")]
    Empty,
}

#[derive(Deserialize)]
struct FeatureCollection {
    features: Vec<Feature>,
}

#[derive(Deserialize)]
struct Feature {
    #[serde(default)]
    properties: Option<serde_json::Map<String, serde_json::Value>>,
    geometry: Option<RawGeometry>,
}

#[derive(Deserialize)]
struct RawGeometry {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    coordinates: serde_json::Value,
}

type RawPolygon = Vec<Vec<Vec<f64>>>;

fn ring(raw: &[Vec<f64>]) -> Option<LineString<f64>> {
    let coords = raw
        .iter()
        .map(|c| match c.as_slice() {
            [x, y, ..] if x.is_finite() && y.is_finite() && (-180.0..=180.0).contains(x) && (-90.0..=90.0).contains(y) => {
                Some(Coord { x: *x, y: *y })
            }
            _ => None,
        })
        .collect::<Option<Vec<_>>>()?;
    (coords.len() >= 4).then(|| LineString::new(coords))
}

fn polygon(raw: &RawPolygon) -> Option<Polygon<f64>> {
    let mut rings = raw.iter().map(|r| ring(r));
    let exterior = rings.next()??;
    let interiors = rings.collect::<Option<Vec<_>>>()?;
    Some(Polygon::new(exterior, interiors))
}

fn shape(kind: &str, coordinates: serde_json::Value) -> Result<Option<MultiPolygon<f64>>, String> {
    match kind {
        "Polygon" => {
            let raw: RawPolygon = serde_json::from_value(coordinates).map_err(|e| e.to_string())?;
            Ok(polygon(&raw).map(|p| MultiPolygon::new(vec![p])))
        }
        "MultiPolygon" => {
            let raw: Vec<RawPolygon> = serde_json::from_value(coordinates).map_err(|e| e.to_string())?;
            Ok(raw.iter().map(polygon).collect::<Option<Vec<_>>>().map(MultiPolygon::new))
        }
        other => Err(other.to_owned()),
    }
}

/// Parses a FeatureCollection of municipal boundaries.
pub fn parse_boundaries_geojson(text: &str) -> Result<Vec<Boundary>, BoundaryError> {
    let fc: FeatureCollection = serde_json::from_str(text).map_err(|e| BoundaryError::Json(e.to_string()))?;
    let mut out = Vec::with_capacity(fc.features.len());
    for (index, f) in fc.features.into_iter().enumerate() {
        let props = f.properties.unwrap_or_default();
        let code = match props.get("com_istat_code") {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Number(n)) => format!("{:06}", n.as_u64().unwrap_or(0)),
            _ => return Err(BoundaryError::MissingProperty { index, property: "com_istat_code" }),
        };
        let istat_code =
            IstatCode::parse(&code).map_err(|_| BoundaryError::InvalidCode { index, code: code.chars().take(20).collect() })?;
        let name = props
            .get("name")
            .and_then(|v| v.as_str())
            .map(str::to_owned)
            .ok_or(BoundaryError::MissingProperty { index, property: "name" })?;
        let geometry = f.geometry.ok_or(BoundaryError::UnsupportedGeometry { index, kind: "null".into() })?;
        let kind = geometry.kind.clone();
        let shape = match shape(&kind, geometry.coordinates) {
            Ok(Some(s)) => s,
            Ok(None) => return Err(BoundaryError::InvalidCoordinates { index }),
            Err(_) if kind == "Polygon" || kind == "MultiPolygon" => return Err(BoundaryError::InvalidCoordinates { index }),
            Err(_) => return Err(BoundaryError::UnsupportedGeometry { index, kind: kind.chars().take(30).collect() }),
        };
        out.push(Boundary { istat_code, name, shape });
    }
    if out.is_empty() {
        return Err(BoundaryError::Empty);
    }
    Ok(out)
}

/// A MultiPolygon as GeoJSON geometry text, for storage.
pub fn boundary_to_geojson(shape: &MultiPolygon<f64>) -> String {
    let coords: Vec<Vec<Vec<[f64; 2]>>> = shape
        .0
        .iter()
        .map(|p| std::iter::once(p.exterior()).chain(p.interiors()).map(|r| r.0.iter().map(|c| [c.x, c.y]).collect()).collect())
        .collect();
    serde_json::json!({ "type": "MultiPolygon", "coordinates": coords }).to_string()
}

/// The inverse of [`boundary_to_geojson`] (also takes a Polygon).
pub fn shape_from_geojson(geometry_json: &str) -> Result<MultiPolygon<f64>, BoundaryError> {
    let g: RawGeometry = serde_json::from_str(geometry_json).map_err(|e| BoundaryError::Json(e.to_string()))?;
    match shape(&g.kind, g.coordinates) {
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err(BoundaryError::InvalidCoordinates { index: 0 }),
        Err(kind) => Err(BoundaryError::UnsupportedGeometry { index: 0, kind }),
    }
}

/// The outline of a boundary for drawing on a phone's map: rings of
/// `[lon, lat]` (exterior rings and holes alike), simplified so that no
/// point strays more than about `tolerance_m` from the official line.
/// Rings that simplification collapses are dropped.
/// GeoJSON MultiPolygon coordinates: polygons of rings of `[lon, lat]`.
pub type PolygonsCoordinates = Vec<Vec<Vec<[f64; 2]>>>;

/// The shape simplified to within `tolerance_m`, as GeoJSON MultiPolygon
/// coordinates: each polygon its exterior ring, then its holes.
pub fn simplified_polygons(shape: &MultiPolygon<f64>, tolerance_m: f64) -> PolygonsCoordinates {
    use geo::Simplify;
    let ring = |r: &geo::LineString<f64>| r.0.iter().map(|c| [c.x, c.y]).collect::<Vec<_>>();
    shape
        .simplify(tolerance_m / 111_320.0)
        .0
        .iter()
        .filter(|p| p.exterior().0.len() >= 4)
        .map(|p| std::iter::once(ring(p.exterior())).chain(p.interiors().iter().filter(|h| h.0.len() >= 4).map(ring)).collect())
        .collect()
}

pub fn outline(shape: &MultiPolygon<f64>, tolerance_m: f64) -> Vec<Vec<[f64; 2]>> {
    use geo::Simplify;
    // A degree of latitude is about 111 km; of longitude, less, so this errs fine.
    let epsilon = tolerance_m / 111_320.0;
    shape
        .simplify(epsilon)
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior().clone()).chain(p.interiors().iter().cloned()).collect::<Vec<_>>())
        .filter(|ring| ring.0.len() >= 4)
        .map(|ring| ring.0.iter().map(|c| [c.x, c.y]).collect())
        .collect()
}
