//! Routing throughput on one core, over the 41 Comuni and over all 7,899
//! Italian municipalities. Run by `make bench`; figures go in BENCHMARKS.md.

use std::hint::black_box;
use std::io::Read;
use std::path::PathBuf;
use std::time::Instant;

use casa_shared_model::geo::{parse_boundaries_geojson, Boundary, GeoPoint, GeoRouter, RouteMethod};
use geo::{BoundingRect, Contains, Point};

fn read(name: &str) -> String {
    let dir = std::env::var_os("CASA_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    let raw = std::fs::read(dir.join("geo").join(name)).expect("boundary file (set CASA_SHARED_DIR)");
    if name.ends_with(".gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(raw.as_slice()).read_to_string(&mut s).expect("gunzip");
        s
    } else {
        String::from_utf8(raw).expect("utf-8")
    }
}

struct Rng(u64);
impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn bbox(b: &[Boundary]) -> [f64; 4] {
    b.iter().filter_map(|c| c.shape.bounding_rect()).fold([f64::MAX, f64::MAX, f64::MIN, f64::MIN], |a, r| {
        [a[0].min(r.min().x), a[1].min(r.min().y), a[2].max(r.max().x), a[3].max(r.max().y)]
    })
}

fn lookups_per_second(router: &GeoRouter, points: &[GeoPoint], total: usize) -> f64 {
    let started = Instant::now();
    let mut found = 0usize;
    for i in 0..total {
        found += usize::from(router.route(black_box(points[i % points.len()])).is_ok());
    }
    black_box(found);
    total as f64 / started.elapsed().as_secs_f64()
}

fn run(label: &str, boundaries: Vec<Boundary>) {
    let area = bbox(&boundaries);
    let sample: Vec<(String, geo::MultiPolygon<f64>)> = boundaries.iter().map(|b| (b.istat_code.to_string(), b.shape.clone())).collect();
    let started = Instant::now();
    let router = GeoRouter::from_boundaries(boundaries);
    println!("routing {label}: index built in {:.2} s", started.elapsed().as_secs_f64());

    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut mixed = Vec::with_capacity(100_000);
    let mut inside = Vec::with_capacity(100_000);
    while inside.len() < 100_000 {
        let p = GeoPoint { lon: area[0] + rng.unit() * (area[2] - area[0]), lat: area[1] + rng.unit() * (area[3] - area[1]) };
        if mixed.len() < 100_000 {
            mixed.push(p);
        }
        if matches!(router.route(p), Ok(m) if m.method == RouteMethod::Inside) {
            inside.push(p);
        }
    }
    // Exactness on a subsample, against geo's own point-in-polygon.
    let mut mismatches = 0;
    for p in mixed.iter().take(2_000) {
        let truth = sample.iter().find(|(_, s)| s.contains(&Point::new(p.lon, p.lat))).map(|(c, _)| c.as_str());
        let got = router.route(*p).ok().filter(|m| m.method == RouteMethod::Inside).map(|m| m.istat_code.to_string());
        if got.as_deref() != truth {
            mismatches += 1;
        }
    }
    let total = 2_000_000;
    let fmt = |x: f64| {
        let s = format!("{:.0}", x);
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    println!("routing {label} inside-points: {} lookups/s (1 core)", fmt(lookups_per_second(&router, &inside, total)));
    println!("routing {label} bbox-points (land and sea): {} lookups/s (1 core)", fmt(lookups_per_second(&router, &mixed, total)));
    println!("routing {label} exactness: {mismatches} mismatches against geo::Contains on 2,000 points");
    assert_eq!(mismatches, 0);
}

fn main() {
    run("bari-41", parse_boundaries_geojson(&read("bari-metro-municipalities.geojson")).expect("parse"));
    let started = Instant::now();
    let italy = parse_boundaries_geojson(&read("italy-municipalities.geojson.gz")).expect("parse");
    println!("routing italy: {} municipalities parsed in {:.2} s", italy.len(), started.elapsed().as_secs_f64());
    run("italy-7899", italy);
}
