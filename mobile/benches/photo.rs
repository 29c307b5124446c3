//! The photo pipeline on a 12-megapixel JPEG, side by side with libvips'
//! `vipsthumbnail` doing the same job (fit into 2048 px, JPEG out, metadata
//! stripped). Both run as separate processes, timed over several runs, with
//! peak memory read by `/usr/bin/time`. Run by `make bench`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const RUNS: usize = 9;

/// A photo-like 4000 x 3000 picture: smooth gradients with sensor-like noise,
/// so the JPEG carries as much detail as a real one.
fn fixture(path: &Path) {
    let (w, h) = (4000u32, 3000u32);
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut rgb = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let n = (seed % 24) as i32 - 12;
            let r = (x * 255 / w) as i32 + n;
            let g = (y * 255 / h) as i32 + n;
            let b = (((x + y) / 30) % 2 * 120 + 60) as i32 + n;
            rgb.extend([r, g, b].map(|c| c.clamp(0, 255) as u8));
        }
    }
    let mut jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpeg, 92).encode(&rgb, w as u16, h as u16, jpeg_encoder::ColorType::Rgb).expect("encode fixture");
    std::fs::write(path, jpeg).expect("write fixture");
}

/// Median wall time (ms) and peak resident memory (MB) of a command.
fn measure(cmd: &[&str]) -> (f64, f64) {
    let mut times = Vec::new();
    let mut peak_kb = 0u64;
    for _ in 0..RUNS {
        let started = Instant::now();
        let out = Command::new("/usr/bin/time").arg("-f").arg("%M").args(cmd).output().expect("run /usr/bin/time (apt: time)");
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
        let stderr = String::from_utf8_lossy(&out.stderr);
        let kb = stderr.lines().last().and_then(|l| l.trim().parse::<u64>().ok()).unwrap_or(0);
        peak_kb = peak_kb.max(kb);
    }
    times.sort_by(f64::total_cmp);
    (times[RUNS / 2], peak_kb as f64 / 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // Child mode: process one file, as the app does.
    if let Some(pos) = args.iter().position(|a| a == "--once") {
        let (input, output) = (&args[pos + 1], &args[pos + 2]);
        let bytes = std::fs::read(input).expect("read");
        let out = casa_mobile::photo::process(&bytes, casa_mobile::photo::DEFAULT_QUALITY).expect("process");
        std::fs::write(output, out.jpeg).expect("write");
        return;
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let input = dir.join("photo-12mp.jpg");
    if !input.exists() {
        fixture(&input);
    }
    let me = std::env::current_exe().expect("exe");
    let ours_out = dir.join("ours.jpg");
    let vips_out = dir.join("vips.jpg");
    let (ours_ms, ours_mb) =
        measure(&[me.to_str().expect("path"), "--once", input.to_str().expect("path"), ours_out.to_str().expect("path")]);
    let vips_target = format!("{}[Q=82,strip]", vips_out.display());
    let (vips_ms, vips_mb) = measure(&["vipsthumbnail", input.to_str().expect("path"), "--size", "2048x2048", "-o", &vips_target]);
    let dims = |p: &Path| image::image_dimensions(p).map(|(w, h)| format!("{w}x{h}")).unwrap_or_default();
    println!("photo pipeline 12 MP JPEG (4000x3000) -> {}: {ours_ms:.0} ms median, peak {ours_mb:.0} MB", dims(&ours_out));
    println!("vipsthumbnail 12 MP JPEG (4000x3000) -> {}: {vips_ms:.0} ms median, peak {vips_mb:.0} MB", dims(&vips_out));
    println!("photo pipeline vs vipsthumbnail: {:.2}x the time", ours_ms / vips_ms);
}
