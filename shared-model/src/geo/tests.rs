use geo::{polygon, Contains, MultiPolygon, Point};
use proptest::prelude::*;

use super::*;

fn code(s: &str) -> IstatCode {
    IstatCode::parse(s).expect("code")
}

/// A 0.1° square around (16.8, 41.1) with a 0.02° hole in the middle, and a
/// neighbour to the east made of two separate squares.
fn router() -> GeoRouter {
    let with_hole = polygon!(
        exterior: [(x: 16.75, y: 41.05), (x: 16.85, y: 41.05), (x: 16.85, y: 41.15), (x: 16.75, y: 41.15), (x: 16.75, y: 41.05)],
        interiors: [[(x: 16.79, y: 41.09), (x: 16.81, y: 41.09), (x: 16.81, y: 41.11), (x: 16.79, y: 41.11), (x: 16.79, y: 41.09)]],
    );
    let east_a = polygon![(x: 16.85, y: 41.05), (x: 16.95, y: 41.05), (x: 16.95, y: 41.10), (x: 16.85, y: 41.10), (x: 16.85, y: 41.05)];
    let east_b = polygon![(x: 17.00, y: 41.05), (x: 17.05, y: 41.05), (x: 17.05, y: 41.10), (x: 17.00, y: 41.10), (x: 17.00, y: 41.05)];
    GeoRouter::from_boundaries(vec![
        Boundary { istat_code: code("072006"), name: "A".into(), shape: MultiPolygon::new(vec![with_hole]) },
        Boundary { istat_code: code("072030"), name: "B".into(), shape: MultiPolygon::new(vec![east_a, east_b]) },
    ])
}

fn at(lat: f64, lon: f64) -> GeoPoint {
    GeoPoint { lat, lon }
}

#[test]
fn a_point_inside_routes_to_its_comune() {
    let m = router().route(at(41.07, 16.77)).expect("inside");
    assert_eq!((m.istat_code, m.method), (code("072006"), RouteMethod::Inside));
}

#[test]
fn a_point_in_a_hole_is_not_inside_the_polygon_with_the_hole() {
    // The hole is 0.01° (~800 m) from its edges: too far for the tolerance.
    let err = router().route(at(41.10, 16.80)).expect_err("in the hole");
    assert_eq!(err.code(), "outside_area");
}

#[test]
fn each_part_of_a_multipolygon_belongs_to_the_same_comune() {
    let r = router();
    assert_eq!(r.route(at(41.07, 16.90)).expect("part a").istat_code, code("072030"));
    assert_eq!(r.route(at(41.07, 17.02)).expect("part b").istat_code, code("072030"));
}

#[test]
fn a_point_just_outside_goes_to_the_nearest_comune_and_farther_away_is_refused() {
    let r = router();
    // ~111 m north of the first square.
    let m = r.route(at(41.151, 16.80)).expect("nearby");
    assert_eq!(m.istat_code, code("072006"));
    match m.method {
        RouteMethod::Nearby { distance_m } => assert!((100.0..125.0).contains(&distance_m), "{distance_m}"),
        other => panic!("{other:?}"),
    }
    // ~550 m north: refused, naming the metropolitan area.
    let err = r.route(at(41.155, 16.80)).expect_err("too far");
    assert!(err.to_string().contains("Città Metropolitana di Bari"));
    assert!(matches!(err, RouteError::OutsideArea { nearest_distance_m: None }));
}

#[test]
fn nonsense_coordinates_are_refused_without_panicking() {
    let r = router();
    for p in [at(f64::NAN, 16.8), at(41.1, f64::INFINITY), at(91.0, 16.8), at(41.1, 181.0)] {
        assert!(r.route(p).is_err());
    }
    assert_eq!(GeoRouter::from_boundaries(vec![]).route(at(41.1, 16.8)), Err(RouteError::NoBoundaries));
}

#[test]
fn without_boundaries_the_nearest_town_centre_is_chosen_and_flagged_approximate() {
    let r = GeoRouter::from_centres(vec![
        TownCentre { istat_code: code("072006"), lat: 41.1177, lon: 16.8719 },
        TownCentre { istat_code: code("072030"), lat: 40.9516, lon: 17.2987 },
    ]);
    assert!(r.is_approximate());
    let m = r.route(at(40.96, 17.28)).expect("near Monopoli");
    assert_eq!(m.istat_code, code("072030"));
    assert!(m.method.is_approximate());
    assert_eq!(m.method.as_str(), "approximate_centre");
    assert!(r.route(at(42.0, 15.0)).is_err(), "far from every centre");
}

#[test]
fn geometries_survive_the_trip_through_stored_geojson() {
    let shape = MultiPolygon::new(vec![polygon![(x: 1.0, y: 2.0), (x: 3.0, y: 2.0), (x: 3.0, y: 4.0), (x: 1.0, y: 2.0)]]);
    assert_eq!(shape_from_geojson(&boundary_to_geojson(&shape)), Ok(shape));
    assert!(shape_from_geojson("{\"type\":\"Point\",\"coordinates\":[1,2]}").is_err());
}

#[test]
fn a_feature_without_its_istat_code_is_refused_naming_the_feature() {
    let text = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"X"},
        "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}"#;
    assert_eq!(parse_boundaries_geojson(text), Err(BoundaryError::MissingProperty { index: 0, property: "com_istat_code" }));
    let point = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"X","com_istat_code":"072006"},
        "geometry":{"type":"Point","coordinates":[0,0]}}]}"#;
    assert!(matches!(parse_boundaries_geojson(point), Err(BoundaryError::UnsupportedGeometry { index: 0, .. })));
    assert!(matches!(parse_boundaries_geojson("not json"), Err(BoundaryError::Json(_))));
    assert_eq!(parse_boundaries_geojson(r#"{"type":"FeatureCollection","features":[]}"#), Err(BoundaryError::Empty));
}

/// A star-shaped polygon with `n` spikes and a hole: concave, many vertices.
fn star(n: usize, cx: f64, cy: f64) -> geo::Polygon<f64> {
    let pts: Vec<(f64, f64)> = (0..=2 * n)
        .map(|i| {
            let a = std::f64::consts::PI * i as f64 / n as f64;
            let r = if i % 2 == 0 { 0.1 } else { 0.04 };
            (cx + r * a.cos(), cy + r * a.sin())
        })
        .collect();
    let hole: Vec<(f64, f64)> =
        vec![(cx - 0.01, cy - 0.01), (cx + 0.01, cy - 0.01), (cx + 0.01, cy + 0.01), (cx - 0.01, cy + 0.01), (cx - 0.01, cy - 0.01)];
    geo::Polygon::new(pts.into(), vec![hole.into()])
}

proptest! {
    #[test]
    fn the_slab_test_agrees_with_geo_contains(x in 16.68f64..16.92, y in 40.98f64..41.22, spikes in 3usize..200) {
        let poly = star(spikes, 16.8, 41.1);
        let slab = polygon::SlabPolygon::new(&poly).expect("valid");
        let expected = poly.contains(&Point::new(x, y));
        // Points on the outline may go either way; stay clear of it.
        prop_assume!(slab.distance_m(x, y) > 0.01);
        prop_assert_eq!(slab.contains(x, y), expected);
    }
}
