//! A polygon prepared for fast point-in-polygon tests.
//!
//! The polygon's height is cut into horizontal slabs; each slab keeps the
//! edges (of every ring: holes count the same under the even-odd rule) whose
//! vertical span overlaps it. A test casts a ray to +x and counts crossings
//! among the edges of the point's slab only.

use geo::Polygon;

/// An edge as the ray test wants it: start, end height, and slope dx/dy.
#[derive(Debug, Clone, Copy)]
struct Edge {
    x1: f64,
    y1: f64,
    y2: f64,
    dxdy: f64,
}

#[derive(Debug, Clone)]
pub(super) struct SlabPolygon {
    /// min_x, min_y, max_x, max_y
    bbox: [f64; 4],
    inv_slab: f64,
    slab_starts: Vec<u32>,
    slab_edges: Vec<Edge>,
    /// Every edge once, as segments, for distances.
    segments: Vec<[f64; 4]>,
}

/// Edges per slab to aim for: a few, so a test costs a few comparisons.
const EDGES_PER_SLAB: usize = 4;
const MAX_SLABS: usize = 1 << 16;

impl SlabPolygon {
    pub(super) fn new(poly: &Polygon<f64>) -> Option<SlabPolygon> {
        let mut segments = Vec::new();
        for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
            for line in ring.lines() {
                let (a, b) = (line.start, line.end);
                if a.x.is_finite() && a.y.is_finite() && b.x.is_finite() && b.y.is_finite() && (a.x, a.y) != (b.x, b.y) {
                    segments.push([a.x, a.y, b.x, b.y]);
                }
            }
        }
        if segments.len() < 3 {
            return None;
        }
        let mut bbox = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
        for s in &segments {
            bbox[0] = bbox[0].min(s[0]).min(s[2]);
            bbox[1] = bbox[1].min(s[1]).min(s[3]);
            bbox[2] = bbox[2].max(s[0]).max(s[2]);
            bbox[3] = bbox[3].max(s[1]).max(s[3]);
        }
        let height = (bbox[3] - bbox[1]).max(1e-12);
        let slabs = (segments.len() / EDGES_PER_SLAB).clamp(1, MAX_SLABS);
        let inv_slab = slabs as f64 / height;
        let slab_of = |y: f64| (((y - bbox[1]) * inv_slab) as usize).min(slabs - 1);
        // Horizontal edges never cross a horizontal ray; leave them out.
        let ray_edges: Vec<Edge> = segments
            .iter()
            .filter(|s| s[1] != s[3])
            .map(|s| Edge { x1: s[0], y1: s[1], y2: s[3], dxdy: (s[2] - s[0]) / (s[3] - s[1]) })
            .collect();
        let mut counts = vec![0u32; slabs + 1];
        for e in &ray_edges {
            let (lo, hi) = (slab_of(e.y1.min(e.y2)), slab_of(e.y1.max(e.y2)));
            for c in &mut counts[lo..=hi] {
                *c += 1;
            }
        }
        let mut slab_starts = vec![0u32; slabs + 1];
        for i in 0..slabs {
            slab_starts[i + 1] = slab_starts[i] + counts[i];
        }
        let mut fill = slab_starts.clone();
        let placeholder = Edge { x1: 0.0, y1: 0.0, y2: 0.0, dxdy: 0.0 };
        let mut slab_edges = vec![placeholder; slab_starts[slabs] as usize];
        for e in &ray_edges {
            for slot in &mut fill[slab_of(e.y1.min(e.y2))..=slab_of(e.y1.max(e.y2))] {
                slab_edges[*slot as usize] = *e;
                *slot += 1;
            }
        }
        Some(SlabPolygon { bbox, inv_slab, slab_starts, slab_edges, segments })
    }

    pub(super) fn bbox(&self) -> [f64; 4] {
        self.bbox
    }

    /// Even-odd ray casting over the point's slab.
    #[inline]
    pub(super) fn contains(&self, x: f64, y: f64) -> bool {
        let b = &self.bbox;
        if !(x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3]) {
            return false;
        }
        let slabs = self.slab_starts.len() - 1;
        let slab = (((y - b[1]) * self.inv_slab) as usize).min(slabs - 1);
        let edges = &self.slab_edges[self.slab_starts[slab] as usize..self.slab_starts[slab + 1] as usize];
        let mut inside = false;
        for e in edges {
            // Half-open in y, so a ray through a vertex counts it once.
            if (e.y1 > y) != (e.y2 > y) && x < e.x1 + (y - e.y1) * e.dxdy {
                inside = !inside;
            }
        }
        inside
    }

    /// Distance in metres from the point to the polygon's outline, in a local
    /// equirectangular projection (exact enough at a few hundred metres).
    pub(super) fn distance_m(&self, x: f64, y: f64) -> f64 {
        let kx = super::M_PER_DEG * y.to_radians().cos();
        let ky = super::M_PER_DEG;
        let mut best = f64::MAX;
        for s in &self.segments {
            let (ax, ay) = ((s[0] - x) * kx, (s[1] - y) * ky);
            let (bx, by) = ((s[2] - x) * kx, (s[3] - y) * ky);
            let (dx, dy) = (bx - ax, by - ay);
            let len2 = dx * dx + dy * dy;
            let t = if len2 > 0.0 { (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
            let (px, py) = (ax + t * dx, ay + t * dy);
            best = best.min(px * px + py * py);
        }
        best.sqrt()
    }
}
