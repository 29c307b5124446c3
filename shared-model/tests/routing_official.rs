//! The router on the official ISTAT boundaries in `../shared/geo`.

use std::io::Read;
use std::path::PathBuf;

use casa_shared_model::geo::{parse_boundaries_geojson, Boundary, GeoPoint, GeoRouter, RouteMethod};
use geo::{Contains, Point};

fn shared_dir() -> PathBuf {
    match std::env::var_os("CASA_SHARED_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    }
}

fn read(name: &str) -> String {
    let path = shared_dir().join("geo").join(name);
    let raw =
        std::fs::read(&path).unwrap_or_else(|e| panic!("official boundaries needed at {} ({e}); set CASA_SHARED_DIR", path.display()));
    if name.ends_with(".gz") {
        let mut text = String::new();
        flate2::read::GzDecoder::new(raw.as_slice()).read_to_string(&mut text).expect("gunzip");
        text
    } else {
        String::from_utf8(raw).expect("utf-8")
    }
}

fn bari() -> Vec<Boundary> {
    parse_boundaries_geojson(&read("bari-metro-municipalities.geojson")).expect("parse")
}

#[test]
fn the_official_file_holds_the_41_comuni_of_the_metropolitan_city() {
    let b = bari();
    assert_eq!(b.len(), 41);
    assert!(b.iter().all(|c| c.istat_code.province() == "072"));
}

#[test]
fn every_well_known_place_routes_where_it_belongs() {
    let router = GeoRouter::from_boundaries(bari());
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../assets/testdata/well-known-places.csv");
    let text = std::fs::read_to_string(&path).expect("places");
    let mut checked = 0;
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let mut f = line.rsplitn(4, ',');
        let expected = f.next().expect("expected").trim();
        let lon: f64 = f.next().expect("lon").trim().parse().expect("lon");
        let lat: f64 = f.next().expect("lat").trim().parse().expect("lat");
        let name = f.next().expect("name");
        let got = router.route(GeoPoint { lat, lon });
        match (expected, got) {
            ("reject", Err(e)) => assert_eq!(e.code(), "outside_area", "{name}"),
            (code, Ok(m)) => {
                assert_eq!(m.istat_code.as_str(), code, "{name}");
                if name.contains("within 250 m") {
                    assert!(matches!(m.method, RouteMethod::Nearby { .. }), "{name}: {:?}", m.method);
                } else {
                    assert_eq!(m.method, RouteMethod::Inside, "{name}");
                }
            }
            (expected, got) => panic!("{name}: expected {expected}, got {got:?}"),
        }
        checked += 1;
    }
    assert!(checked >= 20);
}

/// Deterministic points (xorshift), so a failure can be reproduced.
fn points(n: usize, bbox: [f64; 4], mut seed: u64) -> Vec<(f64, f64)> {
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n).map(|_| (bbox[0] + next() * (bbox[2] - bbox[0]), bbox[1] + next() * (bbox[3] - bbox[1]))).collect()
}

fn agrees_with_geo_contains(boundaries: Vec<Boundary>, bbox: [f64; 4], n: usize) {
    let truth: Vec<(String, geo::MultiPolygon<f64>)> = boundaries.iter().map(|b| (b.istat_code.to_string(), b.shape.clone())).collect();
    let router = GeoRouter::from_boundaries(boundaries);
    let mut inside = 0;
    for (x, y) in points(n, bbox, 0x2545_F491_4F6C_DD1D) {
        let expected = truth.iter().find(|(_, s)| s.contains(&Point::new(x, y))).map(|(c, _)| c.clone());
        let got =
            router.route(GeoPoint { lat: y, lon: x }).ok().filter(|m| m.method == RouteMethod::Inside).map(|m| m.istat_code.to_string());
        assert_eq!(got, expected, "point ({y}, {x})");
        inside += usize::from(expected.is_some());
    }
    assert!(inside > n / 10, "too few points inside to mean anything: {inside}");
}

#[test]
fn routing_agrees_with_geo_contains_on_random_points_of_the_metropolitan_area() {
    agrees_with_geo_contains(bari(), [16.2, 40.7, 17.5, 41.3], 20_000);
}

#[test]
fn routing_agrees_with_geo_contains_on_random_points_of_apulia_among_all_italian_municipalities() {
    let italy = parse_boundaries_geojson(&read("italy-municipalities.geojson.gz")).expect("parse italy");
    assert!(italy.len() > 7_800, "{}", italy.len());
    // Apulia and its neighbours; geo::Contains over 7,899 shapes is slow in
    // debug builds, so only the municipalities near the box are checked.
    let bbox = [15.0, 40.0, 18.6, 42.0];
    let near: Vec<Boundary> = italy
        .into_iter()
        .filter(|b| {
            use geo::BoundingRect;
            b.shape
                .bounding_rect()
                .is_some_and(|r| r.max().x > bbox[0] && r.min().x < bbox[2] && r.max().y > bbox[1] && r.min().y < bbox[3])
        })
        .collect();
    agrees_with_geo_contains(near, bbox, 5_000);
}
