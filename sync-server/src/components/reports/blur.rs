//! Blurring a region of a photo (a face, a number plate) before a report is
//! published. The region is averaged down to a coarse grid and smoothed back
//! up: the detail is gone from the file, not merely hidden.

use image::imageops::{self, FilterType};
use image::ImageEncoder;

use crate::platform::images::{ImageGate, ImageLimits};

/// JPEG quality of the blurred copy: the phone sends 85 too.
const JPEG_QUALITY: u8 = 85;
/// Cells across the longer side of the region: few enough that no face or
/// plate survives, enough that the shape of the scene stays readable.
const GRID_CELLS: u32 = 8;

/// A rectangle as fractions of the photo's width and height, so the form
/// works whatever size the browser showed the photo at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlurRegion {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BlurError {
    #[error("zona da sfocare non valida: valori in percentuale tra 0 e 100, larghezza e altezza di almeno 1 / invalid region: percentages from 0 to 100, width and height at least 1")]
    InvalidRegion,
    #[error("la foto non si può leggere come immagine / the photo cannot be read as an image")]
    Unreadable,
    #[error("la foto sfocata non si può salvare / the blurred photo cannot be encoded")]
    Encode,
}

impl BlurError {
    pub fn code(&self) -> &'static str {
        match self {
            BlurError::InvalidRegion => "invalid_region",
            BlurError::Unreadable => "unreadable_photo",
            BlurError::Encode => "photo_encode_failed",
        }
    }
}

impl BlurRegion {
    /// From percentages of the photo (left, top, width, height), as a form
    /// sends them; a region that spills over an edge is cut at the edge.
    pub fn from_percent(left: f64, top: f64, width: f64, height: f64) -> Result<Self, BlurError> {
        let finite = [left, top, width, height].iter().all(|v| v.is_finite());
        if !finite || !(0.0..100.0).contains(&left) || !(0.0..100.0).contains(&top) || width < 1.0 || height < 1.0 {
            return Err(BlurError::InvalidRegion);
        }
        let x = left / 100.0;
        let y = top / 100.0;
        Ok(Self { x, y, w: (width / 100.0).min(1.0 - x), h: (height / 100.0).min(1.0 - y) })
    }

    /// The pixel rectangle (x, y, width, height) in a photo of this size,
    /// never empty and never outside it.
    pub fn pixels(&self, width: u32, height: u32) -> (u32, u32, u32, u32) {
        let px = |f: f64, size: u32| ((f * f64::from(size)).floor() as u32).min(size.saturating_sub(1));
        let x0 = px(self.x, width);
        let y0 = px(self.y, height);
        let x1 = ((self.x + self.w) * f64::from(width)).ceil().clamp(f64::from(x0 + 1), f64::from(width)) as u32;
        let y1 = ((self.y + self.h) * f64::from(height)).ceil().clamp(f64::from(y0 + 1), f64::from(height)) as u32;
        (x0, y0, x1 - x0, y1 - y0)
    }
}

/// The photo with the region blurred, as a new JPEG (without the original's
/// metadata). The photo is decoded within `limits`, like every image.
pub fn blur_region(bytes: &[u8], region: &BlurRegion, limits: &ImageLimits) -> Result<Vec<u8>, BlurError> {
    let mut img = crate::platform::images::decode(bytes, limits).map_err(|_| BlurError::Unreadable)?.image.into_rgb8();
    let (x, y, w, h) = region.pixels(img.width(), img.height());
    let part = imageops::crop_imm(&img, x, y, w, h).to_image();
    let cell = (w.max(h) / GRID_CELLS).max(1);
    let coarse = imageops::resize(&part, (w / cell).max(1), (h / cell).max(1), FilterType::Triangle);
    let smooth = imageops::resize(&coarse, w, h, FilterType::Triangle);
    imageops::replace(&mut img, &smooth, i64::from(x), i64::from(y));
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
        .write_image(img.as_raw(), img.width(), img.height(), image::ExtendedColorType::Rgb8)
        .map_err(|_| BlurError::Encode)?;
    Ok(out)
}

/// [`blur_region`] on the image gate's blocking pool, within its limits.
pub async fn blur_with(gate: &ImageGate, bytes: Vec<u8>, region: BlurRegion) -> Result<Vec<u8>, BlurError> {
    gate.run(move |limits| blur_region(&bytes, &region, limits)).await.map_err(|_| BlurError::Encode)?
}

/// The longer side of a photo an office attaches (see
/// [`crate::platform::images::clean`]), like the phone's.
pub const MAX_PHOTO_SIDE: u32 = 2048;

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage};

    /// A black-and-white checkerboard of 4-pixel squares: all detail.
    fn checkerboard(w: u32, h: u32) -> Vec<u8> {
        let img = RgbImage::from_fn(w, h, |x, y| if (x / 4 + y / 4) % 2 == 0 { Rgb([0, 0, 0]) } else { Rgb([255, 255, 255]) });
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95)
            .write_image(img.as_raw(), w, h, image::ExtendedColorType::Rgb8)
            .expect("encode");
        out
    }

    /// Mean absolute difference between neighbouring pixels: high for a
    /// checkerboard, near zero once it is blurred.
    fn detail(img: &RgbImage, x0: u32, y0: u32, w: u32, h: u32) -> f64 {
        let mut sum = 0.0;
        let mut n = 0.0;
        for y in y0..y0 + h {
            for x in x0..x0 + w - 1 {
                sum += (f64::from(img.get_pixel(x, y)[0]) - f64::from(img.get_pixel(x + 1, y)[0])).abs();
                n += 1.0;
            }
        }
        sum / n
    }

    #[test]
    fn the_region_loses_its_detail_and_the_rest_of_the_photo_keeps_it() {
        let original = checkerboard(400, 300);
        let blurred = blur_region(&original, &BlurRegion::from_percent(25.0, 20.0, 50.0, 40.0).expect("region"), &ImageLimits::default())
            .expect("blur");
        let img = image::load_from_memory(&blurred).expect("decode").to_rgb8();
        assert_eq!((img.width(), img.height()), (400, 300));
        // The region is (100, 60) to (300, 180); look well inside and well outside.
        let inside = detail(&img, 120, 80, 160, 80);
        let outside = detail(&img, 0, 220, 400, 70);
        assert!(inside < 10.0, "the blurred region still has detail: {inside}");
        assert!(outside > 40.0, "the rest of the photo lost its detail: {outside}");
    }

    #[test]
    fn a_region_over_the_edge_is_cut_at_the_edge() {
        let r = BlurRegion::from_percent(90.0, 95.0, 50.0, 50.0).expect("region");
        assert_eq!(r.pixels(1000, 800), (900, 760, 100, 40));
        let r = BlurRegion::from_percent(99.9, 99.9, 1.0, 1.0).expect("region");
        let (x, y, w, h) = r.pixels(10, 10);
        assert!(x + w <= 10 && y + h <= 10 && w >= 1 && h >= 1);
    }

    #[test]
    fn regions_outside_the_photo_or_empty_are_refused() {
        for (l, t, w, h) in [(-1.0, 0.0, 10.0, 10.0), (100.0, 0.0, 10.0, 10.0), (0.0, 0.0, 0.5, 10.0), (f64::NAN, 0.0, 10.0, 10.0)] {
            assert_eq!(BlurRegion::from_percent(l, t, w, h), Err(BlurError::InvalidRegion));
        }
    }

    #[test]
    fn bytes_that_are_not_an_image_are_refused_not_panicked_on() {
        let r = BlurRegion::from_percent(0.0, 0.0, 10.0, 10.0).expect("region");
        assert_eq!(blur_region(b"not a jpeg", &r, &ImageLimits::default()), Err(BlurError::Unreadable));
    }
}
