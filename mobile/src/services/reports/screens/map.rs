//! A map drawn from local data alone (report pins, the user's pin, a scale),
//! over OpenStreetMap-style tiles when a tile URL is set and the network
//! answers; offline the missing tiles leave the drawing readable.

use dioxus::prelude::*;
use std::f64::consts::PI;

pub const MAP_W: f64 = 360.0;
pub const MAP_H: f64 = 240.0;
const TILE: f64 = 256.0;

/// Web Mercator at zoom `z`, as the tiles use it, in world pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    pub zoom: u8,
    /// World pixel at the map's centre.
    cx: f64,
    cy: f64,
}

impl View {
    /// The zoom at which `span_m` metres fit the map's width.
    pub fn new(lat: f64, lon: f64, span_m: f64) -> Self {
        let per_px = span_m.max(50.0) / MAP_W;
        let z = (156_543.034 * lat.to_radians().cos() / per_px).log2().floor().clamp(2.0, 19.0);
        let zoom = z as u8;
        let (cx, cy) = world(lat, lon, zoom);
        Self { zoom, cx, cy }
    }

    /// Map (element) coordinates of a point.
    pub fn to_map(&self, lat: f64, lon: f64) -> (f64, f64) {
        let (x, y) = world(lat, lon, self.zoom);
        (x - self.cx + MAP_W / 2.0, y - self.cy + MAP_H / 2.0)
    }

    /// The point at map (element) coordinates.
    pub fn to_point(&self, x: f64, y: f64) -> (f64, f64) {
        let size = TILE * f64::from(1u32 << self.zoom);
        let wx = self.cx - MAP_W / 2.0 + x;
        let wy = self.cy - MAP_H / 2.0 + y;
        let lon = wx / size * 360.0 - 180.0;
        let lat = (PI * (1.0 - 2.0 * wy / size)).sinh().atan().to_degrees();
        (lat, lon)
    }

    /// Metres per map pixel at the centre.
    pub fn metres_per_px(&self) -> f64 {
        let size = TILE * f64::from(1u32 << self.zoom);
        let lat = (PI * (1.0 - 2.0 * self.cy / size)).sinh().atan();
        156_543.034 * lat.cos() / f64::from(1u32 << self.zoom)
    }

    /// The tiles covering the map: (x, y, left, top).
    fn tiles(&self) -> Vec<(u32, u32, f64, f64)> {
        let n = 1u32 << self.zoom;
        let (left, top) = (self.cx - MAP_W / 2.0, self.cy - MAP_H / 2.0);
        let mut out = Vec::new();
        let (tx0, tx1) = ((left / TILE).floor() as i64, ((left + MAP_W) / TILE).floor() as i64);
        let (ty0, ty1) = ((top / TILE).floor() as i64, ((top + MAP_H) / TILE).floor() as i64);
        for ty in ty0.max(0)..=ty1.min(i64::from(n) - 1) {
            for tx in tx0.max(0)..=tx1.min(i64::from(n) - 1) {
                out.push((tx as u32, ty as u32, tx as f64 * TILE - left, ty as f64 * TILE - top));
            }
        }
        out
    }
}

fn world(lat: f64, lon: f64, zoom: u8) -> (f64, f64) {
    let size = TILE * f64::from(1u32 << zoom);
    let lat = lat.clamp(-85.05, 85.05).to_radians();
    let x = (lon + 180.0) / 360.0 * size;
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / PI) / 2.0 * size;
    (x, y)
}

/// An SVG path of boundary rings in map pixels (even-odd fill keeps holes
/// open). Rings entirely far off the map are skipped.
pub fn outline_path(view: &View, rings: &[Vec<[f64; 2]>]) -> String {
    use std::fmt::Write;
    let mut d = String::new();
    for ring in rings {
        let points: Vec<(f64, f64)> = ring.iter().map(|[lon, lat]| view.to_map(*lat, *lon)).collect();
        let (min_x, max_x) = points.iter().fold((f64::MAX, f64::MIN), |(a, b), (x, _)| (a.min(*x), b.max(*x)));
        let (min_y, max_y) = points.iter().fold((f64::MAX, f64::MIN), |(a, b), (_, y)| (a.min(*y), b.max(*y)));
        if points.len() < 3 || max_x < 0.0 || min_x > MAP_W || max_y < 0.0 || min_y > MAP_H {
            continue;
        }
        for (i, (x, y)) in points.iter().enumerate() {
            let _ = write!(d, "{}{x:.1} {y:.1} ", if i == 0 { "M" } else { "L" });
        }
        d.push_str("Z ");
    }
    d.trim_end().to_owned()
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pin {
    pub lat: f64,
    pub lon: f64,
    pub label: String,
    /// Open reports are drawn in orange, closed ones in green.
    pub open: bool,
}

#[derive(Props, Clone, PartialEq)]
pub struct MapProps {
    pub lat: f64,
    pub lon: f64,
    pub span_m: f64,
    /// What the map shows, for screen readers.
    pub label: String,
    #[props(default)]
    pub pins: Vec<Pin>,
    /// The citizen's pin and its accuracy circle (metres).
    #[props(default)]
    pub mine: Option<(f64, f64, f64)>,
    #[props(default)]
    pub tile_url: Option<String>,
    /// Comune boundaries, rings of `[lon, lat]`: drawn from local data, so
    /// the map says where one Comune ends even offline without tiles.
    #[props(default)]
    pub outlines: Vec<Vec<[f64; 2]>>,
    /// Called with the point tapped, where the pin can be moved.
    #[props(default)]
    pub on_pick: Option<EventHandler<(f64, f64)>>,
}

pub fn Map(props: MapProps) -> Element {
    let view = View::new(props.lat, props.lon, props.span_m);
    let tiles: Vec<(String, f64, f64)> = match &props.tile_url {
        Some(url) => view
            .tiles()
            .into_iter()
            .map(|(x, y, left, top)| {
                (url.replace("{z}", &view.zoom.to_string()).replace("{x}", &x.to_string()).replace("{y}", &y.to_string()), left, top)
            })
            .collect(),
        None => Vec::new(),
    };
    let pins: Vec<(f64, f64, String, bool)> = props
        .pins
        .iter()
        .map(|p| {
            let (x, y) = view.to_map(p.lat, p.lon);
            (x, y, p.label.clone(), p.open)
        })
        .filter(|(x, y, _, _)| (-10.0..MAP_W + 10.0).contains(x) && (-10.0..MAP_H + 10.0).contains(y))
        .collect();
    let mine = props.mine.map(|(lat, lon, acc)| {
        let (x, y) = view.to_map(lat, lon);
        (x, y, (acc / view.metres_per_px()).min(MAP_W))
    });
    // A scale bar of a round length near a quarter of the width.
    let target = view.metres_per_px() * MAP_W / 4.0;
    let step = [10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10_000.0, 20_000.0, 50_000.0]
        .into_iter()
        .rev()
        .find(|s| *s <= target)
        .unwrap_or(10.0);
    let bar = step / view.metres_per_px();
    let scale = if step >= 1000.0 { format!("{} km", step / 1000.0) } else { format!("{step} m") };
    let boundary = outline_path(&view, &props.outlines);
    let on_pick = props.on_pick;
    let attribution = props.tile_url.as_deref().is_some_and(|u| u.contains("openstreetmap"));
    rsx! {
        div { class: "map",
            // Tiles are CSS backgrounds: one that cannot load (offline)
            // leaves the drawing above it clean, where an image would
            // show a broken-picture sign.
            div { class: "map-frame", style: "width: {MAP_W}px; height: {MAP_H}px;",
            for (href, left, top) in tiles {
                div {
                    class: "tile",
                    style: "left: {left}px; top: {top}px; background-image: url('{href}');",
                }
            }
            svg {
                width: "{MAP_W}",
                height: "{MAP_H}",
                view_box: "0 0 {MAP_W} {MAP_H}",
                role: "img",
                "aria-label": "{props.label}",
                class: if on_pick.is_some() { "map-svg pickable" } else { "map-svg" },
                onclick: move |e: MouseEvent| {
                    if let Some(pick) = on_pick {
                        let p = e.element_coordinates();
                        pick.call(view.to_point(p.x, p.y));
                    }
                },
                // A faint grid every 100 px: orientation without tiles.
                for i in 1..4 {
                    line { x1: "{f64::from(i) * 90.0}", y1: "0", x2: "{f64::from(i) * 90.0}", y2: "{MAP_H}", stroke: "#d5dde4", stroke_width: "1" }
                }
                for i in 1..3 {
                    line { x1: "0", y1: "{f64::from(i) * 80.0}", x2: "{MAP_W}", y2: "{f64::from(i) * 80.0}", stroke: "#d5dde4", stroke_width: "1" }
                }
                if !boundary.is_empty() {
                    path {
                        class: "boundary",
                        d: "{boundary}",
                        fill: "#5c2d91",
                        fill_opacity: "0.04",
                        fill_rule: "evenodd",
                        stroke: "#5c2d91",
                        stroke_width: "2",
                        stroke_dasharray: "6 4",
                    }
                }
                for (x, y, label, open) in pins {
                    g {
                        title { "{label}" }
                        circle { cx: "{x}", cy: "{y}", r: "7", fill: if open { "#c45100" } else { "#00805a" }, stroke: "white", stroke_width: "2" }
                    }
                }
                if let Some((x, y, r)) = mine {
                    circle { cx: "{x}", cy: "{y}", r: "{r}", fill: "#0066cc", fill_opacity: "0.15", stroke: "#0066cc", stroke_width: "1" }
                    path {
                        d: "M {x} {y} l -8 -14 a 9 9 0 1 1 16 0 z",
                        fill: "#0066cc",
                        stroke: "white",
                        stroke_width: "2",
                    }
                }
                rect { x: "10", y: "{MAP_H - 16.0}", width: "{bar}", height: "4", fill: "#1a1a1a" }
                text { x: "10", y: "{MAP_H - 20.0}", font_size: "11", fill: "#1a1a1a", "{scale}" }
            }
            }
            if attribution {
                p { class: "attribution", "© OpenStreetMap" }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_point_tapped_on_the_map_is_the_point_drawn_there() {
        let view = View::new(41.1307, 16.8700, 600.0);
        for (lat, lon) in [(41.1307, 16.8700), (41.1320, 16.8690), (41.1295, 16.8716)] {
            let (x, y) = view.to_map(lat, lon);
            let (lat2, lon2) = view.to_point(x, y);
            assert!((lat - lat2).abs() < 1e-9 && (lon - lon2).abs() < 1e-9, "{lat},{lon} -> {lat2},{lon2}");
        }
        let (x, y) = view.to_map(41.1307, 16.8700);
        assert!((x - MAP_W / 2.0).abs() < 1e-6 && (y - MAP_H / 2.0).abs() < 1e-6);
    }

    #[test]
    fn a_boundary_around_the_view_is_drawn_closed_and_one_far_away_is_left_out() {
        let view = View::new(41.1307, 16.8700, 600.0);
        let around = vec![[16.86, 41.12], [16.88, 41.12], [16.88, 41.14], [16.86, 41.14], [16.86, 41.12]];
        let far = vec![[12.0, 45.0], [12.1, 45.0], [12.1, 45.1], [12.0, 45.0]];
        let d = outline_path(&view, &[around, far]);
        assert!(d.starts_with('M') && d.ends_with('Z'), "{d}");
        assert_eq!(d.matches('M').count(), 1, "only the ring near the view: {d}");
        assert_eq!(d.matches('L').count(), 4);
        assert!(outline_path(&view, &[]).is_empty());
    }

    #[test]
    fn the_zoom_fits_the_asked_span_in_the_map() {
        let view = View::new(41.1307, 16.8700, 600.0);
        let shown = view.metres_per_px() * MAP_W;
        assert!((600.0..=1200.0).contains(&shown), "{shown} m across at zoom {}", view.zoom);
        assert!(!view.tiles().is_empty());
    }
}
