//! The one way an image enters the server: a citizen's photo when its tus
//! upload completes, an office's photo of the work, and any photo decoded for
//! blurring all go through [`decode`] and [`clean`].
//!
//! - Only JPEG and PNG, told by their first bytes (never by what the client
//!   says the file is): HTML, SVG or anything else is refused before a
//!   decoder sees it.
//! - Limits on width, height and the decoded buffer are checked against the
//!   header before any pixel is allocated, so a small file that declares
//!   50000 x 50000 pixels (a decompression bomb) is refused at once.
//! - Decoding is CPU work: [`ImageGate`] runs it on the blocking pool, a few
//!   at a time.
//! - What is kept is a JPEG without metadata: EXIF (GPS position, camera
//!   make, serial numbers, maker notes, thumbnails), XMP, ICC profiles, IPTC
//!   and comments are gone. A JPEG that is already upright and plain (as the
//!   app sends them) loses only those segments and keeps its compressed
//!   pixels untouched, so the app's photos stay byte for byte what the phone
//!   made and are not degraded by a second compression; anything else (a
//!   PNG, a photo that needs turning upright or shrinking, an unusual JPEG)
//!   is re-encoded from its pixels alone.

use std::io::Cursor;
use std::sync::Arc;

use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageEncoder, ImageFormat, ImageReader};
use tokio::sync::Semaphore;

/// JPEG quality of a re-encoded photo: the phone uses 85 too.
pub const JPEG_QUALITY: u8 = 85;

/// How large an image may be, checked before its pixels are decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageLimits {
    /// Longest width or height, in pixels.
    pub max_side: u32,
    /// Largest decoded buffer, in bytes.
    pub max_alloc: u64,
}

impl Default for ImageLimits {
    fn default() -> Self {
        Self { max_side: 8192, max_alloc: 256 * 1024 * 1024 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("il file non è una foto JPEG o PNG / the file is not a JPEG or PNG photo")]
    NotAnImage,
    #[error("la foto è troppo grande (larghezza, altezza o memoria) / the photo is too large (width, height or memory)")]
    TooLarge,
    #[error("la foto non si può leggere: file danneggiato / the photo cannot be read: damaged file")]
    Unreadable,
    #[error("la foto non si può salvare / the photo cannot be encoded")]
    Encode,
}

impl ImageError {
    /// The stable code of the API error.
    pub fn code(&self) -> &'static str {
        match self {
            ImageError::NotAnImage => "not_an_image",
            ImageError::TooLarge => "image_too_large",
            ImageError::Unreadable => "unreadable_image",
            ImageError::Encode => "image_encode_failed",
        }
    }
}

/// The two formats the server takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Jpeg,
    Png,
}

/// The format by the file's first bytes.
pub fn sniff(bytes: &[u8]) -> Option<ImageKind> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageKind::Jpeg)
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some(ImageKind::Png)
    } else {
        None
    }
}

/// A decoded image, as stored (not yet turned upright).
#[derive(Debug)]
pub struct Decoded {
    pub kind: ImageKind,
    pub image: DynamicImage,
    /// What the EXIF orientation says to do to show it upright.
    pub orientation: Orientation,
}

fn limit_error(e: image::ImageError) -> ImageError {
    match e {
        image::ImageError::Limits(_) => ImageError::TooLarge,
        _ => ImageError::Unreadable,
    }
}

/// Decodes a JPEG or PNG within `limits`: the header is read first and an
/// image over the limits is refused before its pixels are allocated.
pub fn decode(bytes: &[u8], limits: &ImageLimits) -> Result<Decoded, ImageError> {
    let kind = sniff(bytes).ok_or(ImageError::NotAnImage)?;
    let format = match kind {
        ImageKind::Jpeg => ImageFormat::Jpeg,
        ImageKind::Png => ImageFormat::Png,
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut decoder_limits = image::Limits::default();
    decoder_limits.max_image_width = Some(limits.max_side);
    decoder_limits.max_image_height = Some(limits.max_side);
    decoder_limits.max_alloc = Some(limits.max_alloc);
    reader.limits(decoder_limits);
    let mut decoder = reader.into_decoder().map_err(limit_error)?;
    // `from_decoder` allocates the whole buffer without asking the limits.
    if decoder.total_bytes() > limits.max_alloc {
        return Err(ImageError::TooLarge);
    }
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let image = DynamicImage::from_decoder(decoder).map_err(limit_error)?;
    Ok(Decoded { kind, image, orientation })
}

/// The photo as the server keeps it: a JPEG without metadata, upright, at
/// most `max_side_out` pixels on its longer side when given.
pub fn clean(bytes: &[u8], limits: &ImageLimits, max_side_out: Option<u32>) -> Result<Vec<u8>, ImageError> {
    let Decoded { kind, mut image, orientation } = decode(bytes, limits)?;
    let too_big = max_side_out.is_some_and(|max| image.width().max(image.height()) > max);
    if kind == ImageKind::Jpeg && orientation == Orientation::NoTransforms && !too_big {
        if let Some(stripped) = strip_jpeg(bytes) {
            return Ok(stripped);
        }
    }
    image.apply_orientation(orientation);
    if let Some(max) = max_side_out.filter(|_| too_big) {
        image = image.resize(max, max, FilterType::Lanczos3);
    }
    encode_jpeg(image)
}

/// Encodes pixels as a JPEG (grey stays grey; transparency is dropped).
pub fn encode_jpeg(image: DynamicImage) -> Result<Vec<u8>, ImageError> {
    let mut out = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY);
    let result = if matches!(image, DynamicImage::ImageLuma8(_)) {
        let grey = image.into_luma8();
        encoder.write_image(grey.as_raw(), grey.width(), grey.height(), image::ExtendedColorType::L8)
    } else {
        let rgb = image.into_rgb8();
        encoder.write_image(rgb.as_raw(), rgb.width(), rgb.height(), image::ExtendedColorType::Rgb8)
    };
    result.map_err(|_| ImageError::Encode)?;
    Ok(out)
}

/// The JPEG with only what draws the picture: quantisation and Huffman
/// tables, the frame, the scans and a plain JFIF header. Every other
/// segment (APP1 to APP15: EXIF, XMP, ICC, IPTC, maker notes; comments) and
/// anything after the end of the image are dropped. `None` when the file
/// has something this does not know how to keep as is (an arithmetic-coded
/// or lossless frame, an Adobe colour transform, CMYK): the caller then
/// re-encodes it from its pixels.
pub fn strip_jpeg(bytes: &[u8]) -> Option<Vec<u8>> {
    if bytes.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut i = 2;
    loop {
        if *bytes.get(i)? != 0xFF {
            return None;
        }
        // Any number of 0xFF fill bytes may precede a marker.
        while *bytes.get(i)? == 0xFF {
            i += 1;
        }
        let marker = *bytes.get(i)?;
        i += 1;
        if marker == 0xD9 {
            out.extend_from_slice(&[0xFF, 0xD9]);
            return Some(out);
        }
        let len = usize::from(u16::from_be_bytes([*bytes.get(i)?, *bytes.get(i + 1)?]));
        if len < 2 {
            return None;
        }
        // The segment's length field and contents.
        let segment = bytes.get(i..i + len)?;
        i += len;
        match marker {
            // JFIF header without a thumbnail: kept (it says how to read the colours).
            0xE0 if is_plain_jfif(segment) => push_segment(&mut out, marker, segment),
            // Adobe: its colour transform changes how the pixels read.
            0xEE => return None,
            0xE0..=0xEF | 0xFE => {}
            // Tables and restart interval.
            0xDB | 0xC4 | 0xDD => push_segment(&mut out, marker, segment),
            // Baseline, extended and progressive Huffman frames of 1 or 3 components.
            0xC0..=0xC2 => {
                let components = *segment.get(7)?;
                if components != 1 && components != 3 {
                    return None;
                }
                push_segment(&mut out, marker, segment);
            }
            0xDA => {
                push_segment(&mut out, marker, segment);
                // Entropy-coded data runs to the next marker that is neither a
                // stuffed 0xFF00 nor a restart marker.
                let start = i;
                loop {
                    let b = *bytes.get(i)?;
                    if b == 0xFF {
                        let next = *bytes.get(i + 1)?;
                        if next == 0x00 || (0xD0..=0xD7).contains(&next) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                out.extend_from_slice(&bytes[start..i]);
            }
            _ => return None,
        }
    }
}

fn push_segment(out: &mut Vec<u8>, marker: u8, segment: &[u8]) {
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(segment);
}

/// `JFIF\0`, version, density, and a 0 x 0 thumbnail: nothing about the
/// person or the camera.
fn is_plain_jfif(segment: &[u8]) -> bool {
    segment.len() == 16 && &segment[2..7] == b"JFIF\0" && segment[14] == 0 && segment[15] == 0
}

/// Runs image work on the blocking pool, at most a few at a time, with the
/// configured limits.
#[derive(Debug, Clone)]
pub struct ImageGate {
    limits: ImageLimits,
    permits: Arc<Semaphore>,
}

impl ImageGate {
    pub fn new(limits: ImageLimits, at_once: usize) -> Self {
        Self { limits, permits: Arc::new(Semaphore::new(at_once.max(1))) }
    }

    pub fn limits(&self) -> &ImageLimits {
        &self.limits
    }

    /// Runs `work` with the limits once a slot is free. Work waits rather
    /// than fails: what reaches here is already bounded (uploads in flight,
    /// staff forms).
    pub async fn run<T: Send + 'static>(&self, work: impl FnOnce(&ImageLimits) -> T + Send + 'static) -> Result<T, ImageError> {
        let _permit = self.permits.clone().acquire_owned().await.map_err(|_| ImageError::Encode)?;
        let limits = self.limits;
        tokio::task::spawn_blocking(move || work(&limits)).await.map_err(|e| {
            tracing::error!(error = %e, "image work panicked");
            ImageError::Encode
        })
    }

    /// [`clean`] on the blocking pool.
    pub async fn clean(&self, bytes: Vec<u8>, max_side_out: Option<u32>) -> Result<Vec<u8>, ImageError> {
        self.run(move |limits| clean(&bytes, limits, max_side_out)).await?
    }
}

impl Default for ImageGate {
    fn default() -> Self {
        Self::new(ImageLimits::default(), 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage};

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let img = RgbImage::from_fn(w, h, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 160]));
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .write_image(img.as_raw(), w, h, image::ExtendedColorType::Rgb8)
            .expect("encode");
        out
    }

    /// `jpeg` with an EXIF segment (orientation, camera make) and a comment
    /// right after the start of the image.
    fn with_segments(plain: &[u8], orientation: u16) -> Vec<u8> {
        let mut tiff = b"MM\0\x2a\0\0\0\x08\0\x02".to_vec();
        tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1]);
        tiff.extend_from_slice(&orientation.to_be_bytes());
        tiff.extend_from_slice(&[0, 0]);
        tiff.extend_from_slice(&[0x01, 0x0F, 0, 2, 0, 0, 0, 4]);
        tiff.extend_from_slice(b"ACM\0");
        tiff.extend_from_slice(&[0, 0, 0, 0]);
        let mut exif = b"Exif\0\0".to_vec();
        exif.extend_from_slice(&tiff);
        let mut out = plain[..2].to_vec();
        for (marker, payload) in [(0xE1u8, exif.as_slice()), (0xFE, b"shot by SN-0042".as_slice())] {
            out.extend_from_slice(&[0xFF, marker]);
            out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
            out.extend_from_slice(payload);
        }
        out.extend_from_slice(&plain[2..]);
        out.extend_from_slice(b"<html>trailing</html>");
        out
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn a_plain_jpeg_is_kept_byte_for_byte() {
        let plain = jpeg(64, 48);
        assert_eq!(clean(&plain, &ImageLimits::default(), None).expect("clean"), plain);
    }

    #[test]
    fn an_upright_jpeg_loses_its_metadata_but_not_its_pixels() {
        let plain = jpeg(64, 48);
        let tagged = with_segments(&plain, 1);
        let cleaned = clean(&tagged, &ImageLimits::default(), None).expect("clean");
        assert_eq!(cleaned, plain, "only the EXIF, the comment and the trailing bytes went");
    }

    #[test]
    fn a_sideways_jpeg_is_turned_upright_and_re_encoded_without_exif() {
        let tagged = with_segments(&jpeg(64, 48), 6);
        let cleaned = clean(&tagged, &ImageLimits::default(), None).expect("clean");
        assert!(!contains(&cleaned, b"Exif") && !contains(&cleaned, b"ACM") && !contains(&cleaned, b"SN-0042"));
        let back = image::load_from_memory(&cleaned).expect("decode");
        assert_eq!((back.width(), back.height()), (48, 64), "rotated");
    }

    #[test]
    fn a_png_becomes_a_jpeg_and_large_ones_shrink_when_asked() {
        let img = RgbImage::from_fn(300, 150, |x, _| Rgb([(x % 256) as u8, 90, 160]));
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new(&mut png).write_image(img.as_raw(), 300, 150, image::ExtendedColorType::Rgb8).expect("png");
        let out = clean(&png, &ImageLimits::default(), Some(100)).expect("clean");
        assert_eq!(sniff(&out), Some(ImageKind::Jpeg));
        let back = image::load_from_memory(&out).expect("decode");
        assert_eq!((back.width(), back.height()), (100, 50));
    }

    #[test]
    fn html_svg_and_garbage_are_not_images() {
        for bytes in [b"<html><script>alert(1)</script></html>".as_slice(), b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>", b""] {
            assert_eq!(clean(bytes, &ImageLimits::default(), None), Err(ImageError::NotAnImage));
        }
        let mut broken = jpeg(64, 48);
        broken.truncate(40);
        assert!(matches!(clean(&broken, &ImageLimits::default(), None), Err(ImageError::Unreadable)));
    }

    #[test]
    fn an_image_over_the_limits_is_refused_from_its_header() {
        let limits = ImageLimits { max_side: 32, max_alloc: 1 << 20 };
        assert_eq!(clean(&jpeg(64, 16), &limits, None), Err(ImageError::TooLarge));
        let limits = ImageLimits { max_side: 8192, max_alloc: 1000 };
        assert_eq!(clean(&jpeg(64, 16), &limits, None), Err(ImageError::TooLarge));
    }
}
