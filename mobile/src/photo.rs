//! The photo pipeline, run on the device before anything leaves it.
//!
//! Decode (JPEG or PNG only), turn upright per EXIF, shrink to at most
//! [`MAX_LONG_SIDE`] px and re-encode as a plain JPEG made from pixels alone:
//! no EXIF, GPS, XMP, maker notes, thumbnails or ICC profile can survive,
//! because nothing but pixels is carried over. The report's location travels
//! only as the report's own field. The result is named by its sha256.
//!
//! Speed: large JPEGs are decoded at 1/2, 1/4 or 1/8 scale straight from the
//! DCT coefficients (shrink-on-load) whenever that still leaves at least
//! [`SHRINK_ON_LOAD_MIN`] px on the long side, which skips most of the
//! decoding work and often the resize too.

use std::io::Cursor;

use casa_shared_model::report::PhotoRef;
use fast_image_resize::images::Image;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

pub const MAX_LONG_SIDE: u32 = 2048;
/// DCT scaling is used when it leaves at least this many pixels on the long
/// side; otherwise the photo is decoded whole and resampled.
pub const SHRINK_ON_LOAD_MIN: u32 = 1800;
/// Larger sources are refused as decompression bombs (a 200 MP phone photo
/// does not exist; a 65,000 x 65,000 PNG of a few KB does).
pub const MAX_SOURCE_PIXELS: u64 = 120_000_000;
pub const MAX_SOURCE_BYTES: usize = 60 * 1024 * 1024;
pub const DEFAULT_QUALITY: u8 = 82;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PhotoError {
    #[error("formato non supportato: servono foto JPEG o PNG / unsupported format: JPEG or PNG photos only")]
    UnsupportedFormat,
    #[error("immagine troppo grande ({0} megapixel) / image too large ({0} megapixels)")]
    TooManyPixels(u64),
    #[error("file troppo grande ({0} MB) / file too large ({0} MB)")]
    TooManyBytes(usize),
    #[error("immagine illeggibile / unreadable image: {0}")]
    Decode(String),
    #[error("impossibile salvare la foto / cannot write the photo: {0}")]
    Encode(String),
}

/// A photo ready to travel: upright, at most 2048 px, no metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessedPhoto {
    pub jpeg: Vec<u8>,
    pub sha256: PhotoRef,
    pub width: u32,
    pub height: u32,
}

/// Pixels in one of the two layouts the pipeline carries.
struct Pixels {
    width: u32,
    height: u32,
    /// 1 (grey) or 3 (RGB) bytes per pixel.
    channels: u8,
    data: Vec<u8>,
}

pub fn process(input: &[u8], quality: u8) -> Result<ProcessedPhoto, PhotoError> {
    if input.len() > MAX_SOURCE_BYTES {
        return Err(PhotoError::TooManyBytes(input.len() / (1024 * 1024)));
    }
    let pixels = if input.starts_with(&[0xFF, 0xD8, 0xFF]) {
        decode_jpeg(input)?
    } else if input.starts_with(b"\x89PNG\r\n\x1a\n") {
        decode_png(input)?
    } else {
        return Err(PhotoError::UnsupportedFormat);
    };
    let pixels = fit(pixels, MAX_LONG_SIDE)?;
    let pixels = orient(pixels, exif_orientation(input));
    let jpeg = encode(&pixels, quality.clamp(30, 100))?;
    Ok(ProcessedPhoto { sha256: PhotoRef::of_bytes(&jpeg), width: pixels.width, height: pixels.height, jpeg })
}

fn check_pixels(width: u64, height: u64) -> Result<(), PhotoError> {
    let pixels = width * height;
    if pixels > MAX_SOURCE_PIXELS {
        return Err(PhotoError::TooManyPixels(pixels / 1_000_000));
    }
    if pixels == 0 {
        return Err(PhotoError::Decode("empty image".into()));
    }
    Ok(())
}

fn decode_jpeg(input: &[u8]) -> Result<Pixels, PhotoError> {
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(input));
    decoder.read_info().map_err(|e| PhotoError::Decode(e.to_string()))?;
    let info = decoder.info().ok_or_else(|| PhotoError::Decode("no header".into()))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    check_pixels(u64::from(w), u64::from(h))?;
    decoder.set_max_decoding_buffer_size((MAX_SOURCE_PIXELS * 4) as usize);
    let long = w.max(h);
    if long > MAX_LONG_SIDE {
        // Ask for the long side at SHRINK_ON_LOAD_MIN: the decoder picks the
        // smallest DCT scale that still reaches it.
        let k = f64::from(SHRINK_ON_LOAD_MIN) / f64::from(long);
        let req = |v: u32| ((f64::from(v) * k).ceil() as u32).clamp(1, u32::from(u16::MAX)) as u16;
        decoder.scale(req(w), req(h)).map_err(|e| PhotoError::Decode(e.to_string()))?;
    }
    let data = decoder.decode().map_err(|e| PhotoError::Decode(e.to_string()))?;
    let info = decoder.info().ok_or_else(|| PhotoError::Decode("no header".into()))?;
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    let (channels, data) = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => (1, data),
        jpeg_decoder::PixelFormat::L16 => (1, data.chunks_exact(2).map(|p| p[0]).collect()),
        jpeg_decoder::PixelFormat::RGB24 => (3, data),
        // jpeg-decoder hands Adobe CMYK as inverted values (255 = no ink).
        jpeg_decoder::PixelFormat::CMYK32 => (
            3,
            data.chunks_exact(4)
                .flat_map(|p| {
                    let k = u16::from(p[3]);
                    [p[0], p[1], p[2]].map(|c| ((u16::from(c) * k) / 255) as u8)
                })
                .collect(),
        ),
    };
    Ok(Pixels { width, height, channels, data })
}

fn decode_png(input: &[u8]) -> Result<Pixels, PhotoError> {
    let mut reader = image::ImageReader::with_format(Cursor::new(input), image::ImageFormat::Png);
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_SOURCE_PIXELS * 8);
    reader.limits(limits);
    let (w, h) = reader.into_dimensions().map_err(|e| PhotoError::Decode(e.to_string()))?;
    check_pixels(u64::from(w), u64::from(h))?;
    let mut reader = image::ImageReader::with_format(Cursor::new(input), image::ImageFormat::Png);
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_SOURCE_PIXELS * 8);
    reader.limits(limits);
    let img = reader.decode().map_err(|e| PhotoError::Decode(e.to_string()))?;
    // Transparent areas become white, as on paper.
    let rgba = img.to_rgba8();
    let data = rgba
        .pixels()
        .flat_map(|p| {
            let a = u16::from(p[3]);
            [p[0], p[1], p[2]].map(|c| ((u16::from(c) * a + 255 * (255 - a)) / 255) as u8)
        })
        .collect();
    Ok(Pixels { width: w, height: h, channels: 3, data })
}

/// Shrinks so the long side is at most `max` (never enlarges).
fn fit(p: Pixels, max: u32) -> Result<Pixels, PhotoError> {
    let long = p.width.max(p.height);
    if long <= max {
        return Ok(p);
    }
    let scale = f64::from(max) / f64::from(long);
    let nw = ((f64::from(p.width) * scale).round() as u32).max(1);
    let nh = ((f64::from(p.height) * scale).round() as u32).max(1);
    let kind = if p.channels == 1 { PixelType::U8 } else { PixelType::U8x3 };
    let src = Image::from_vec_u8(p.width, p.height, p.data, kind).map_err(|e| PhotoError::Decode(e.to_string()))?;
    let mut dst = Image::new(nw, nh, kind);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::CatmullRom));
    Resizer::new().resize(&src, &mut dst, &options).map_err(|e| PhotoError::Decode(e.to_string()))?;
    Ok(Pixels { width: nw, height: nh, channels: p.channels, data: dst.into_vec() })
}

/// The EXIF orientation (1 to 8), 1 when absent or unreadable.
fn exif_orientation(input: &[u8]) -> u32 {
    exif::Reader::new()
        .read_from_container(&mut Cursor::new(input))
        .ok()
        .and_then(|e| e.get_field(exif::Tag::Orientation, exif::In::PRIMARY).and_then(|f| f.value.get_uint(0)))
        .filter(|o| (1..=8).contains(o))
        .unwrap_or(1)
}

/// Applies an EXIF orientation so the pixels are upright.
fn orient(p: Pixels, orientation: u32) -> Pixels {
    if orientation == 1 {
        return p;
    }
    let (w, h, c) = (p.width as usize, p.height as usize, usize::from(p.channels));
    // Orientations 5-8 swap width and height.
    let (nw, nh) = if orientation >= 5 { (h, w) } else { (w, h) };
    let mut out = vec![0u8; p.data.len()];
    for y in 0..h {
        for x in 0..w {
            let (nx, ny) = match orientation {
                2 => (w - 1 - x, y),
                3 => (w - 1 - x, h - 1 - y),
                4 => (x, h - 1 - y),
                5 => (y, x),
                6 => (h - 1 - y, x),
                7 => (h - 1 - y, w - 1 - x),
                8 => (y, w - 1 - x),
                _ => (x, y),
            };
            let from = (y * w + x) * c;
            let to = (ny * nw + nx) * c;
            out[to..to + c].copy_from_slice(&p.data[from..from + c]);
        }
    }
    Pixels { width: nw as u32, height: nh as u32, channels: p.channels, data: out }
}

fn encode(p: &Pixels, quality: u8) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::with_capacity(p.data.len() / 8);
    let encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    let kind = if p.channels == 1 { jpeg_encoder::ColorType::Luma } else { jpeg_encoder::ColorType::Rgb };
    let (w, h) = (u16::try_from(p.width), u16::try_from(p.height));
    let (Ok(w), Ok(h)) = (w, h) else {
        return Err(PhotoError::Encode("dimensions".into()));
    };
    encoder.encode(&p.data, w, h, kind).map_err(|e| PhotoError::Encode(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A landscape photo stored sideways: left half red, right half blue,
    /// with EXIF saying "rotate 90° clockwise to view" (orientation 6).
    fn sideways_photo(w: u32, h: u32) -> Vec<u8> {
        let mut rgb = Vec::with_capacity((w * h * 3) as usize);
        for _y in 0..h {
            for x in 0..w {
                rgb.extend_from_slice(if x < w / 2 { &[220, 20, 20] } else { &[20, 20, 220] });
            }
        }
        let mut plain = Vec::new();
        jpeg_encoder::Encoder::new(&mut plain, 90).encode(&rgb, w as u16, h as u16, jpeg_encoder::ColorType::Rgb).expect("encode");
        let mut thumb = Vec::new();
        jpeg_encoder::Encoder::new(&mut thumb, 70).encode(&[128; 16 * 16 * 3], 16, 16, jpeg_encoder::ColorType::Rgb).expect("thumb");

        use exif::{Field, In, Rational, Tag, Value};
        let fields = [
            Field { tag: Tag::Orientation, ifd_num: In::PRIMARY, value: Value::Short(vec![6]) },
            Field { tag: Tag::Make, ifd_num: In::PRIMARY, value: Value::Ascii(vec![b"Telefonino".to_vec()]) },
            Field { tag: Tag::BodySerialNumber, ifd_num: In::PRIMARY, value: Value::Ascii(vec![b"SN-123456789".to_vec()]) },
            Field { tag: Tag::MakerNote, ifd_num: In::PRIMARY, value: Value::Undefined(b"MAKERNOTE-SECRET".to_vec(), 0) },
            Field { tag: Tag::GPSLatitudeRef, ifd_num: In::PRIMARY, value: Value::Ascii(vec![b"N".to_vec()]) },
            Field {
                tag: Tag::GPSLatitude,
                ifd_num: In::PRIMARY,
                value: Value::Rational(vec![
                    Rational { num: 41, denom: 1 },
                    Rational { num: 7, denom: 1 },
                    Rational { num: 5017, denom: 100 },
                ]),
            },
            Field { tag: Tag::GPSLongitudeRef, ifd_num: In::PRIMARY, value: Value::Ascii(vec![b"E".to_vec()]) },
            Field {
                tag: Tag::GPSLongitude,
                ifd_num: In::PRIMARY,
                value: Value::Rational(vec![
                    Rational { num: 16, denom: 1 },
                    Rational { num: 52, denom: 1 },
                    Rational { num: 1092, denom: 100 },
                ]),
            },
        ];
        let mut writer = exif::experimental::Writer::new();
        for f in &fields {
            writer.push_field(f);
        }
        writer.set_jpeg(&thumb, In::THUMBNAIL);
        let mut tiff = Cursor::new(Vec::new());
        writer.write(&mut tiff, false).expect("exif");
        let tiff = tiff.into_inner();

        let segment = |payload: &[u8]| {
            let mut s = vec![0xFF, 0xE1];
            s.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
            s.extend_from_slice(payload);
            s
        };
        let mut exif_payload = b"Exif\0\0".to_vec();
        exif_payload.extend_from_slice(&tiff);
        let xmp = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><exif:GPSLatitude>41,7.83N</exif:GPSLatitude></x:xmpmeta>";
        let mut out = plain[..2].to_vec();
        out.extend(segment(&exif_payload));
        out.extend(segment(xmp));
        out.extend_from_slice(&plain[2..]);
        out
    }

    /// The markers before the image data.
    fn markers(jpeg: &[u8]) -> Vec<u8> {
        let mut found = Vec::new();
        let mut i = 2;
        while i + 4 <= jpeg.len() && jpeg[i] == 0xFF {
            let marker = jpeg[i + 1];
            found.push(marker);
            if marker == 0xDA {
                break;
            }
            i += 2 + usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
        }
        found
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn a_photo_with_gps_maker_note_and_thumbnail_comes_out_upright_small_and_without_any_metadata() {
        let input = sideways_photo(2600, 1800);
        assert_eq!(exif_orientation(&input), 6, "the fixture carries its EXIF");
        let out = process(&input, DEFAULT_QUALITY).expect("process");
        assert_eq!((out.width, out.height), (1418, 2048), "upright (portrait) and at most 2048 px");
        let m = markers(&out.jpeg);
        assert!(m.iter().all(|&k| !(0xE1..=0xEF).contains(&k) && k != 0xFE), "no APP1-APP15 or comment segments: {m:x?}");
        for secret in [&b"Exif"[..], b"http://ns.adobe.com", b"MAKERNOTE", b"SN-123456789", b"Telefonino", b"GPS"] {
            assert!(!contains(&out.jpeg, secret), "{}", String::from_utf8_lossy(secret));
        }
        assert!(exif::Reader::new().read_from_container(&mut Cursor::new(&out.jpeg)).is_err(), "no EXIF at all");
        // Upright: the stored left (red) is now the top; the right (blue) the bottom.
        let img = image::load_from_memory(&out.jpeg).expect("decodes").to_rgb8();
        let top = img.get_pixel(out.width / 2, 20);
        let bottom = img.get_pixel(out.width / 2, out.height - 20);
        assert!(top[0] > 150 && top[2] < 100, "top is red: {top:?}");
        assert!(bottom[2] > 150 && bottom[0] < 100, "bottom is blue: {bottom:?}");
        assert_eq!(out.sha256, PhotoRef::of_bytes(&out.jpeg));
    }

    #[test]
    fn a_large_jpeg_is_shrunk_on_load_and_never_exceeds_the_limit() {
        let out = process(&sideways_photo(4000, 3000), DEFAULT_QUALITY).expect("process");
        // DCT scaling by 1/2 gives 2000 x 1500, upright 1500 x 2000: no resampling needed.
        assert_eq!((out.width, out.height), (1500, 2000));
        let small = process(&sideways_photo(800, 600), DEFAULT_QUALITY).expect("process");
        assert_eq!((small.width, small.height), (600, 800), "small photos are not enlarged");
    }

    #[test]
    fn processing_is_deterministic_so_the_same_photo_has_the_same_name() {
        let input = sideways_photo(1200, 900);
        assert_eq!(process(&input, 80).expect("a").sha256, process(&input, 80).expect("b").sha256);
    }

    #[test]
    fn a_transparent_png_becomes_a_jpeg_on_white() {
        let mut png = Vec::new();
        let img = image::RgbaImage::from_fn(100, 50, |x, _| if x < 50 { image::Rgba([0, 0, 0, 0]) } else { image::Rgba([0, 200, 0, 255]) });
        img.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).expect("png");
        let out = process(&png, 90).expect("process");
        let back = image::load_from_memory(&out.jpeg).expect("jpeg").to_rgb8();
        let left = back.get_pixel(10, 25);
        assert!(left.0.iter().all(|&c| c > 240), "transparent is white: {left:?}");
        assert!(back.get_pixel(90, 25)[1] > 150);
    }

    #[test]
    fn other_formats_and_garbage_are_refused_with_a_clear_error() {
        assert_eq!(process(b"GIF89a....", 80), Err(PhotoError::UnsupportedFormat));
        assert_eq!(process(b"", 80), Err(PhotoError::UnsupportedFormat));
        assert!(matches!(process(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 2], 80), Err(PhotoError::Decode(_))));
    }

    #[test]
    fn a_decompression_bomb_is_refused_before_it_is_decoded() {
        let mut jpeg = Vec::new();
        jpeg_encoder::Encoder::new(&mut jpeg, 50).encode(&[0; 8 * 8 * 3], 8, 8, jpeg_encoder::ColorType::Rgb).expect("encode");
        // Rewrite the frame header to claim 60,000 x 60,000 pixels.
        let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).expect("SOF0");
        jpeg[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
        assert_eq!(process(&jpeg, 80), Err(PhotoError::TooManyPixels(3600)));
    }
}
