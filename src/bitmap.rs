//! Raster pictures (PNG and JPEG: a photo, a seal from a seal system), decoded once into
//! CMYK and coverage for every back end to draw.
//!
//! Print correctness: a picture reaches the page as CMYK, converted from RGB once by
//! `colour::rgb_to_cmyk` (the inverse of the proof conversion, so a proof shows the picture's
//! own colours), grey as black ink alone. A JPEG is therefore decoded, not passed through
//! as DCT: an RGB JPEG in the PDF would reach the press through RGB.
//!
//! Hostile files: the declared size is checked against [`MAX_PIXELS`] before anything is
//! allocated for the pixels; a truncated or corrupt file, an animated PNG, a CMYK or
//! 12-bit JPEG and a file whose name says another format are refused, each with a
//! message that says what to do.

use std::path::Path;
use std::sync::OnceLock;

use crate::colour::{proof_rgb, rgb_to_cmyk, Cmyk};

/// Largest picture accepted, in pixels: a 60 × 80 mm photo at 1200 dpi is 10 million.
pub const MAX_PIXELS: u64 = 40_000_000;

/// Largest picture file accepted.
const MAX_FILE_BYTES: u64 = 32 << 20;

/// A decoded picture.
#[derive(Debug, Clone)]
pub struct Bitmap {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// CMYK, four bytes a pixel (0 = no ink, 255 = full), row by row.
    pub cmyk: Vec<u8>,
    /// Opacity, a byte a pixel, when the picture has any transparency.
    pub alpha: Option<Vec<u8>>,
    /// [`Bitmap::coverage`], worked out on first use: the PDF and the raster of every
    /// licence showing the picture share it.
    coverage: OnceLock<Vec<u8>>,
}

/// The formats read, told apart by their first bytes (never by the file's name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Png,
    Jpeg,
}

/// A picture file's bytes, refused over the 32 MiB limit before it is read, and a file
/// whose name says another kind than its bytes.
pub(crate) fn read_picture_file(path: &Path) -> Result<Vec<u8>, String> {
    let len = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    if len > MAX_FILE_BYTES {
        return Err(format!("{len} bytes, over the 32 MiB limit"));
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let format = sniff(&bytes)?;
    let named = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let named = match named.as_deref() {
        Some("png") => Some(Format::Png),
        Some("jpg" | "jpeg") => Some(Format::Jpeg),
        _ => None,
    };
    if named != Some(format) {
        return Err(format!(
            "the file is a {} but its name says otherwise; name it .{}",
            format.name(),
            format.extension()
        ));
    }
    Ok(bytes)
}

impl Bitmap {
    /// A picture from its CMYK samples (four a pixel) and opacity (one a pixel), or why
    /// they do not make one.
    pub fn from_cmyk(
        width: u32,
        height: u32,
        cmyk: Vec<u8>,
        alpha: Option<Vec<u8>>,
    ) -> Result<Self, String> {
        let pixels = width as usize * height as usize;
        if cmyk.len() != pixels * 4 || alpha.as_ref().is_some_and(|a| a.len() != pixels) {
            return Err(format!(
                "the picture's data does not fill {width} × {height} pixels"
            ));
        }
        Ok(Self {
            width,
            height,
            cmyk,
            alpha,
            coverage: OnceLock::new(),
        })
    }

    /// Reads and decodes a PNG or JPEG file.
    pub fn load(path: &Path) -> Result<Self, String> {
        let bytes = read_picture_file(path)?;
        Self::decode(&bytes)
    }

    /// Decodes PNG or JPEG bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, String> {
        match sniff(bytes)? {
            Format::Png => decode_png(bytes),
            Format::Jpeg => decode_jpeg(bytes),
        }
    }

    /// Width over height.
    pub fn aspect(&self) -> f64 {
        f64::from(self.width) / f64::from(self.height)
    }

    /// How much ink each pixel lays down when the picture is printed in one ink (a seal):
    /// its opacity, times its darkness where it is opaque, so a seal on white or on
    /// transparency both print only the seal.
    pub fn coverage(&self) -> &[u8] {
        self.coverage.get_or_init(|| self.work_out_coverage())
    }

    fn work_out_coverage(&self) -> Vec<u8> {
        self.cmyk
            .chunks_exact(4)
            .enumerate()
            .map(|(i, p)| {
                // Darkness as the proof shows it: 1 − luma of the proof colour.
                let [r, g, b] = proof_rgb(Cmyk {
                    c: f64::from(p[0]) / 2.55,
                    m: f64::from(p[1]) / 2.55,
                    y: f64::from(p[2]) / 2.55,
                    k: f64::from(p[3]) / 2.55,
                });
                let luma = (299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b)) / 1000;
                let dark = 255 - luma;
                let opacity = self.alpha.as_ref().map_or(255, |a| u32::from(a[i]));
                (dark * opacity / 255) as u8
            })
            .collect()
    }
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Png => "PNG",
            Format::Jpeg => "JPEG",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Jpeg => "jpg",
        }
    }
}

/// Whether a file's name says it is a picture certpress reads (PNG or JPEG).
pub(crate) fn is_picture_name(file: &str) -> bool {
    Path::new(file)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| {
            ["png", "jpg", "jpeg"]
                .iter()
                .any(|k| e.eq_ignore_ascii_case(k))
        })
}

pub(crate) fn sniff(bytes: &[u8]) -> Result<Format, String> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok(Format::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok(Format::Jpeg)
    } else {
        Err("not a PNG or JPEG file".into())
    }
}

/// Refuses a declared size over `limit` pixels, before any pixel is allocated.
fn check_size_within(width: u64, height: u64, limit: u64) -> Result<(), String> {
    if width == 0 || height == 0 {
        return Err("the picture has no pixels".into());
    }
    if width * height > limit {
        return Err(format!(
            "{width} × {height} pixels, over the limit of {} million; scale it down",
            limit / 1_000_000
        ));
    }
    Ok(())
}

/// A PNG's pixels after expansion: palettes and low bit depths to 8 bits, 16 bits
/// stripped to 8 (the same picture), grey, grey + alpha, RGB or RGBA.
pub(crate) struct PngPixels {
    pub width: u32,
    pub height: u32,
    pub colour: png::ColorType,
    pub data: Vec<u8>,
    /// The resolution its pHYs chunk records, if in metres.
    pub dpi: Option<f64>,
}

/// The one PNG reader (pictures, seals, scans): a still picture of at most `limit` pixels,
/// the size checked before the pixels are allocated, a truncated file an error.
pub(crate) fn png_pixels(bytes: &[u8], limit: u64) -> Result<PngPixels, String> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(|e| format!("PNG: {e}"))?;
    let info = reader.info();
    check_size_within(u64::from(info.width), u64::from(info.height), limit)?;
    if info.animation_control.is_some() {
        return Err("an animated PNG; give a still picture".into());
    }
    let dpi = info.pixel_dims.and_then(|d| {
        (d.unit == png::Unit::Meter && d.xppu > 0).then(|| f64::from(d.xppu) * 0.0254)
    });
    let size = reader
        .output_buffer_size()
        .ok_or("PNG: the picture is too large")?;
    let mut data = vec![0; size];
    let frame = reader
        .next_frame(&mut data)
        .map_err(|e| format!("PNG: {e} (a truncated or damaged file?)"))?;
    data.truncate(frame.buffer_size());
    if frame.color_type == png::ColorType::Indexed {
        return Err("PNG: the palette was not expanded".into());
    }
    Ok(PngPixels {
        width: frame.width,
        height: frame.height,
        colour: frame.color_type,
        data,
        dpi,
    })
}

fn decode_png(bytes: &[u8]) -> Result<Bitmap, String> {
    let PngPixels {
        width,
        height,
        colour,
        data,
        ..
    } = png_pixels(bytes, MAX_PIXELS)?;
    let pixels = width as usize * height as usize;
    let mut cmyk = Vec::with_capacity(pixels * 4);
    let mut alpha = Vec::new();
    let grey = |v: u8| [0, 0, 0, 255 - v];
    match colour {
        png::ColorType::Grayscale => data.iter().for_each(|&v| cmyk.extend(grey(v))),
        png::ColorType::GrayscaleAlpha => data.chunks_exact(2).for_each(|p| {
            cmyk.extend(grey(p[0]));
            alpha.push(p[1]);
        }),
        png::ColorType::Rgb => data
            .chunks_exact(3)
            .for_each(|p| cmyk.extend(rgb_to_cmyk([p[0], p[1], p[2]]))),
        png::ColorType::Rgba | png::ColorType::Indexed => data.chunks_exact(4).for_each(|p| {
            cmyk.extend(rgb_to_cmyk([p[0], p[1], p[2]]));
            alpha.push(p[3]);
        }),
    }
    let alpha = (!alpha.is_empty() && alpha.iter().any(|&a| a < 255)).then_some(alpha);
    Bitmap::from_cmyk(width, height, cmyk, alpha).map_err(|m| format!("PNG: {m}"))
}

fn decode_jpeg(bytes: &[u8]) -> Result<Bitmap, String> {
    let (width, height, rgb, _) = jpeg_rgb(bytes, MAX_PIXELS)?;
    let cmyk = rgb
        .chunks_exact(3)
        .flat_map(|p| rgb_to_cmyk([p[0], p[1], p[2]]))
        .collect();
    Bitmap::from_cmyk(width, height, cmyk, None).map_err(|m| format!("JPEG: {m}"))
}

/// The resolution a JPEG's JFIF segment records (JFIF 1.02: the APP0 segment right after
/// the start of image, `JFIF\0`, version, units, then the horizontal density; units 1 are
/// dots per inch, 2 dots per centimetre). zune-jpeg does not read it.
fn jfif_dpi(bytes: &[u8]) -> Option<f64> {
    let app0 = bytes.get(2..18)?;
    if app0[..2] != [0xFF, 0xE0] || &app0[4..9] != b"JFIF\0" {
        return None;
    }
    let density = f64::from(u16::from_be_bytes([app0[12], app0[13]]));
    match app0[11] {
        _ if density == 0.0 => None,
        1 => Some(density),
        2 => Some(density * 2.54),
        _ => None,
    }
}

/// A JPEG of at most `limit` pixels decoded to RGB, headers first (the size is checked before the pixels are
/// allocated), strictly (a truncated file is an error, not a picture with a grey bottom),
/// with the resolution its JFIF header records, if any: `(width, height, rgb, dpi)`.
pub(crate) fn jpeg_rgb(
    bytes: &[u8],
    limit: u64,
) -> Result<(u32, u32, Vec<u8>, Option<f64>), String> {
    jpeg_decode(
        bytes,
        limit,
        zune_jpeg::zune_core::colorspace::ColorSpace::RGB,
    )
}

/// The same as [`jpeg_rgb`], decoded to luma only: a scan's measurement reads nothing else,
/// and one channel is a third of the memory of three.
pub(crate) fn jpeg_luma(
    bytes: &[u8],
    limit: u64,
) -> Result<(u32, u32, Vec<u8>, Option<f64>), String> {
    jpeg_decode(
        bytes,
        limit,
        zune_jpeg::zune_core::colorspace::ColorSpace::Luma,
    )
}

fn jpeg_decode(
    bytes: &[u8],
    limit: u64,
    out: zune_jpeg::zune_core::colorspace::ColorSpace,
) -> Result<(u32, u32, Vec<u8>, Option<f64>), String> {
    use zune_jpeg::zune_core::colorspace::ColorSpace;
    use zune_jpeg::zune_core::options::DecoderOptions;

    let options = DecoderOptions::default()
        .set_strict_mode(true)
        .set_max_width(1 << 16)
        .set_max_height(1 << 16)
        .jpeg_set_out_colorspace(out);
    let mut decoder =
        zune_jpeg::JpegDecoder::new_with_options(std::io::Cursor::new(bytes), options);
    decoder
        .decode_headers()
        .map_err(|e| format!("JPEG: {e:?}"))?;
    let info = decoder.info().ok_or("JPEG: no frame header")?;
    check_size_within(u64::from(info.width), u64::from(info.height), limit)?;
    match decoder.input_colorspace() {
        Some(ColorSpace::CMYK | ColorSpace::YCCK) => {
            return Err(
                "a CMYK JPEG, whose ink values certpress cannot take over unchanged; give an RGB JPEG or a PNG"
                    .into(),
            )
        }
        Some(ColorSpace::RGB | ColorSpace::YCbCr | ColorSpace::Luma) => {}
        other => return Err(format!("JPEG: an unsupported colour space ({other:?})")),
    }
    let dpi = jfif_dpi(bytes);
    let pixels = decoder
        .decode()
        .map_err(|e| format!("JPEG: {e:?} (a truncated or damaged file?)"))?;
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    if pixels.len() != width as usize * height as usize * out.num_components() {
        return Err("JPEG: the picture's data is short".into());
    }
    Ok((width, height, pixels, dpi))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proof(cmyk: [u8; 4]) -> [u8; 3] {
        let [c, m, y, k] = cmyk.map(|v| f64::from(v) / 2.55);
        proof_rgb(Cmyk { c, m, y, k })
    }

    #[test]
    fn the_proof_of_a_converted_colour_is_the_colour() {
        for r in (0..=255).step_by(15) {
            for g in (0..=255).step_by(17) {
                for b in (0..=255).step_by(51) {
                    let back = proof(rgb_to_cmyk([r, g, b]));
                    for (a, o) in back.iter().zip([r, g, b]) {
                        assert!(a.abs_diff(o) <= 2, "{:?} -> {:?}", [r, g, b], back);
                    }
                }
            }
        }
        assert_eq!(rgb_to_cmyk([0, 0, 0]), [0, 0, 0, 255], "black is K alone");
        assert_eq!(
            rgb_to_cmyk([128, 128, 128])[..3],
            [0, 0, 0],
            "grey is K alone"
        );
        assert_eq!(
            rgb_to_cmyk([255, 255, 255]),
            [0, 0, 0, 0],
            "white is no ink"
        );
    }

    #[test]
    fn a_declared_size_over_the_limit_is_refused_before_decoding() {
        // A PNG header claiming 100 000 × 100 000 pixels, and nothing else.
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = b"IHDR".to_vec();
        ihdr.extend(100_000u32.to_be_bytes());
        ihdr.extend(100_000u32.to_be_bytes());
        ihdr.extend([8, 2, 0, 0, 0]);
        png.extend(13u32.to_be_bytes());
        png.extend(&ihdr);
        png.extend(crc32(&ihdr).to_be_bytes());
        // The start of the pixels: a few bytes, as a bomb's few hundred kilobytes begin.
        let idat = [b"IDAT".as_slice(), &[0x78, 0x01, 0x00]].concat();
        png.extend(3u32.to_be_bytes());
        png.extend(&idat);
        png.extend(crc32(&idat).to_be_bytes());
        let err = Bitmap::decode(&png).unwrap_err();
        assert!(err.contains("over the limit"), "{err}");
    }

    /// The CRC-32 of a hand-made PNG chunk.
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = flate2::Crc::new();
        crc.update(data);
        crc.sum()
    }
}

#[cfg(test)]
mod hostile {
    use super::*;

    /// A JPEG header of four 8-bit components (as CMYK and YCCK files have) and no scan.
    pub(crate) fn cmyk_jpeg_header() -> Vec<u8> {
        let mut jpeg = vec![0xFF, 0xD8];
        // An Adobe APP14 segment saying "no transform": CMYK.
        jpeg.extend([0xFF, 0xEE, 0x00, 0x0E]);
        jpeg.extend(b"Adobe");
        jpeg.extend([0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00]);
        jpeg.extend([0xFF, 0xC0, 0x00, 20, 8, 0, 8, 0, 8, 4]);
        for id in 1..=4 {
            jpeg.extend([id, 0x11, 0]);
        }
        // A scan header over the four components, and no data.
        jpeg.extend([0xFF, 0xDA, 0x00, 14, 4]);
        for id in 1..=4 {
            jpeg.extend([id, 0x00]);
        }
        jpeg.extend([0, 63, 0, 0xFF, 0xD9]);
        jpeg
    }

    #[test]
    fn a_cmyk_jpeg_is_refused_before_decoding() {
        let err = Bitmap::decode(&cmyk_jpeg_header()).unwrap_err();
        assert!(err.contains("CMYK"), "{err}");
    }
}
