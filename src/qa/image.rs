//! Pictures QA reads: our own rasters, or PNG files from anywhere (an older version, another
//! system, a 300 dpi scan), as 8-bit RGB on white paper with their resolution. The one
//! picture type of QA: differences compare two, ink is measured in one.

use std::ops::Range;

use crate::error::{Error, Result};
use crate::raster::Raster;
use crate::units::{Mm, Rect};

/// An RGB picture with its resolution.
#[derive(Debug, Clone)]
pub struct Picture {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Dots per inch.
    pub dpi: f64,
    /// RGB, row by row.
    pub rgb: Vec<u8>,
}

impl Picture {
    /// Our own raster.
    pub fn from_raster(raster: &Raster) -> Self {
        Picture {
            width: raster.width() as usize,
            height: raster.height() as usize,
            dpi: raster.dpi(),
            rgb: raster.rgb(),
        }
    }

    /// Decodes a PNG file of any colour type; transparency is composited over white paper.
    /// Its resolution is read from the file (pHYs) unless `dpi` is given; with neither, it
    /// is an error.
    pub fn load_png(path: &std::path::Path, dpi: Option<f64>) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Self::decode_png(&bytes, dpi).map_err(|message| Error::Render {
            message: format!("{}: {message}", path.display()),
        })
    }

    /// Reads a PNG, JPEG or TIFF file (told apart by its first bytes), as a scan arrives. The
    /// resolution is read from the file unless `dpi` is given; with neither, it is an
    /// error.
    pub fn load(path: &std::path::Path, dpi: Option<f64>) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Self::decode(&bytes, dpi).map_err(|message| Error::Render {
            message: format!("{}: {message}", path.display()),
        })
    }

    /// Decodes PNG, JPEG or TIFF bytes; see [`Picture::load`].
    pub fn decode(bytes: &[u8], dpi: Option<f64>) -> std::result::Result<Self, String> {
        if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
            return decode_tiff(bytes, dpi);
        }
        if !bytes.starts_with(&[0xFF, 0xD8]) {
            return Self::decode_png(bytes, dpi);
        }
        // A scan: up to the raster's limit (a 600 dpi A3 sheet on its bed), not a picture's.
        let (width, height, rgb, file_dpi) =
            crate::bitmap::jpeg_rgb(bytes, crate::raster::MAX_PIXELS)?;
        let dpi = dpi
            .or(file_dpi)
            .filter(|d| d.is_finite() && *d > 0.0)
            .ok_or("the file records no resolution; give --dpi")?;
        Ok(Picture {
            width: width as usize,
            height: height as usize,
            dpi,
            rgb,
        })
    }

    /// Decodes PNG bytes; see [`Picture::load_png`].
    pub fn decode_png(bytes: &[u8], dpi: Option<f64>) -> std::result::Result<Self, String> {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
        let (width, height) = (reader.info().width as usize, reader.info().height as usize);
        if (width as u64) * (height as u64) > crate::raster::MAX_PIXELS {
            return Err(format!("{width} × {height} pixels is over the limit"));
        }
        let file_dpi = reader.info().pixel_dims.and_then(|d| {
            (d.unit == png::Unit::Meter && d.xppu > 0).then(|| f64::from(d.xppu) * 0.0254)
        });
        let dpi = dpi
            .or(file_dpi)
            .filter(|d| d.is_finite() && *d > 0.0)
            .ok_or("the file records no resolution; give --dpi")?;
        let size = reader.output_buffer_size().ok_or("image too large")?;
        let mut buf = vec![0; size];
        let info = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
        let buf = &buf[..info.buffer_size()];
        let rgb: Vec<u8> = match info.color_type {
            png::ColorType::Grayscale => buf.iter().flat_map(|&v| [v; 3]).collect(),
            png::ColorType::GrayscaleAlpha => buf
                .chunks_exact(2)
                .flat_map(|p| [over_white(p[0], p[1]); 3])
                .collect(),
            png::ColorType::Rgb => buf.to_vec(),
            png::ColorType::Rgba => buf
                .chunks_exact(4)
                .flat_map(|p| [0, 1, 2].map(|c| over_white(p[c], p[3])))
                .collect(),
            png::ColorType::Indexed => return Err("indexed colour was not expanded".into()),
        };
        Ok(Picture {
            width,
            height,
            dpi,
            rgb,
        })
    }

    /// Encodes it as an RGB PNG with its resolution recorded.
    pub fn encode_png(&self) -> Result<Vec<u8>> {
        crate::raster::png::encode(
            &self.rgb,
            png::ColorType::Rgb,
            self.width as u32,
            self.height as u32,
            self.dpi,
            &crate::deflate::Compressors::default(),
        )
    }

    /// The bounding box of ink inside `window`, in mm, or `None` when there is none.
    pub fn ink_box(&self, window: Rect, threshold: u8) -> Option<Rect> {
        self.ink_box_outside(window, threshold, &[])
    }

    /// The bounding box of ink inside `window` but outside every rectangle of `masks` (the
    /// boxes of neighbouring elements, whose ink is theirs), in mm.
    pub fn ink_box_outside(&self, window: Rect, threshold: u8, masks: &[Rect]) -> Option<Rect> {
        let px = |v: Mm| v.to_px(self.dpi);
        let clamp = |v: f64, max: usize| (v.max(0.0) as usize).min(max);
        let (x0, x1) = (
            clamp(px(window.left()).floor(), self.width),
            clamp(px(window.right()).ceil(), self.width),
        );
        let (y0, y1) = (
            clamp(px(window.top()).floor(), self.height),
            clamp(px(window.bottom()).ceil(), self.height),
        );
        let masks: Vec<(Range<usize>, Range<usize>)> = masks
            .iter()
            .map(|m| {
                (
                    clamp(px(m.left()).floor(), self.width)
                        ..clamp(px(m.right()).ceil(), self.width),
                    clamp(px(m.top()).floor(), self.height)
                        ..clamp(px(m.bottom()).ceil(), self.height),
                )
            })
            .collect();
        let mut masked_here: Vec<&Range<usize>> = Vec::with_capacity(masks.len());
        let (mut min_x, mut min_y, mut max_x, mut max_y) = (usize::MAX, usize::MAX, 0, 0);
        for y in y0..y1 {
            let row = &self.rgb[y * self.width * 3..(y + 1) * self.width * 3];
            masked_here.clear();
            masked_here.extend(
                masks
                    .iter()
                    .filter(|(_, ys)| ys.contains(&y))
                    .map(|(xs, _)| xs),
            );
            for (x, p) in row.chunks_exact(3).enumerate().take(x1).skip(x0) {
                if luma(p[0], p[1], p[2]) < threshold
                    && !masked_here.iter().any(|xs| xs.contains(&x))
                {
                    min_x = min_x.min(x);
                    max_x = max_x.max(x);
                    min_y = min_y.min(y);
                    max_y = max_y.max(y);
                }
            }
        }
        (min_x != usize::MAX).then(|| {
            let mm = |p: usize| Mm::from_px(p as f64, self.dpi);
            Rect::from_ltrb(mm(min_x), mm(min_y), mm(max_x + 1), mm(max_y + 1))
        })?
    }

    /// Luma (ITU-R BT.601), row by row.
    pub fn luma(&self) -> Vec<u8> {
        self.rgb
            .chunks_exact(3)
            .map(|p| luma(p[0], p[1], p[2]))
            .collect()
    }
}

/// A TIFF scan (grey or RGB, 8 or 16 bits; uncompressed, LZW or deflate), its size checked
/// before its pixels are allocated, its resolution from XResolution and ResolutionUnit.
fn decode_tiff(bytes: &[u8], dpi: Option<f64>) -> std::result::Result<Picture, String> {
    use tiff::decoder::{Decoder, DecodingResult, Limits};
    use tiff::tags::Tag;
    use tiff::ColorType;

    let fail = |e: tiff::TiffError| format!("TIFF: {e}");
    let mut limits = Limits::default();
    limits.decoding_buffer_size = (crate::raster::MAX_PIXELS * 6) as usize;
    let mut decoder = Decoder::new(std::io::Cursor::new(bytes))
        .map_err(fail)?
        .with_limits(limits);
    let (width, height) = decoder.dimensions().map_err(fail)?;
    if u64::from(width) * u64::from(height) > crate::raster::MAX_PIXELS {
        return Err(format!("{width} × {height} pixels is over the limit"));
    }
    let rational = |v: tiff::decoder::ifd::Value| match v {
        tiff::decoder::ifd::Value::Rational(n, d) if d != 0 => Some(f64::from(n) / f64::from(d)),
        tiff::decoder::ifd::Value::Short(n) => Some(f64::from(n)),
        tiff::decoder::ifd::Value::Unsigned(n) => Some(f64::from(n)),
        _ => None,
    };
    let resolution = decoder
        .find_tag(Tag::XResolution)
        .ok()
        .flatten()
        .and_then(rational);
    let unit = decoder
        .find_tag_unsigned::<u16>(Tag::ResolutionUnit)
        .ok()
        .flatten()
        .unwrap_or(2);
    let file_dpi = resolution.and_then(|r| match unit {
        2 => Some(r),
        3 => Some(r * 2.54),
        _ => None,
    });
    let dpi = dpi
        .or(file_dpi)
        .filter(|d| d.is_finite() && *d > 0.0)
        .ok_or("the file records no resolution; give --dpi")?;
    let colour = decoder.colortype().map_err(fail)?;
    let samples: Vec<u8> = match decoder.read_image().map_err(fail)? {
        DecodingResult::U8(v) => v,
        DecodingResult::U16(v) => v.into_iter().map(|x| (x >> 8) as u8).collect(),
        _ => return Err("TIFF: samples other than 8 or 16 bits".into()),
    };
    let pixels = width as usize * height as usize;
    let rgb: Vec<u8> = match colour {
        ColorType::Gray(_) if samples.len() == pixels => {
            samples.iter().flat_map(|&v| [v; 3]).collect()
        }
        ColorType::RGB(_) if samples.len() == pixels * 3 => samples,
        ColorType::RGBA(_) if samples.len() == pixels * 4 => samples
            .chunks_exact(4)
            .flat_map(|p| [0, 1, 2].map(|c| over_white(p[c], p[3])))
            .collect(),
        other => {
            return Err(format!(
                "TIFF: {other:?} scans are not read; scan in grey or RGB"
            ))
        }
    };
    Ok(Picture {
        width: width as usize,
        height: height as usize,
        dpi,
        rgb,
    })
}

/// Luma (ITU-R BT.601) of an RGB pixel.
pub fn luma(r: u8, g: u8, b: u8) -> u8 {
    ((u32::from(r) * 299 + u32::from(g) * 587 + u32::from(b) * 114) / 1000) as u8
}

/// Composites a value over white paper.
fn over_white(v: u8, alpha: u8) -> u8 {
    let a = u32::from(alpha);
    ((u32::from(v) * a + 255 * (255 - a)) / 255) as u8
}
