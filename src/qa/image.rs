//! Pictures QA reads: our own rasters, or PNG files from anywhere (an older version, another
//! system, a 300 dpi scan), as 8-bit RGB on white paper with their resolution. The one
//! picture type of QA: differences compare two, ink is measured in one.

use std::ops::Range;

use crate::colour::luma;
use crate::error::{Error, Result};
use crate::raster::Raster;
use crate::units::{Mm, Rect};

/// A mark smaller than this both ways may be dust.
pub const SPECK: Mm = Mm(0.8);
/// A small mark this close to ink belongs to it.
pub const LINK: Mm = Mm(1.0);

/// The ink found in a window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Ink {
    /// Its bounding box, mm; `None` when there is none.
    pub bounds: Option<Rect>,
    /// Specks of dust left out.
    pub specks: usize,
}

/// A connected mark's box in window pixels, its far edges exclusive.
#[derive(Debug, Clone, Copy)]
struct Mark {
    x0: usize,
    y0: usize,
    x1: usize,
    y1: usize,
}

impl Mark {
    /// The gap between two boxes, pixels, along the wider axis (0 when they touch).
    fn gap(&self, other: &Mark) -> f64 {
        let dx = other
            .x0
            .saturating_sub(self.x1)
            .max(self.x0.saturating_sub(other.x1));
        let dy = other
            .y0
            .saturating_sub(self.y1)
            .max(self.y0.saturating_sub(other.y1));
        dx.max(dy) as f64
    }
}

/// The connected marks (8-neighbours) of `ink`, a `w` × `h` mask, which is used up.
fn marks(ink: &mut [bool], w: usize, h: usize) -> Vec<Mark> {
    let mut marks = Vec::new();
    let mut stack = Vec::new();
    for start in 0..ink.len() {
        if !ink[start] {
            continue;
        }
        ink[start] = false;
        stack.push(start);
        let (x, y) = (start % w, start / w);
        let mut mark = Mark {
            x0: x,
            y0: y,
            x1: x + 1,
            y1: y + 1,
        };
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            mark.x0 = mark.x0.min(x);
            mark.x1 = mark.x1.max(x + 1);
            mark.y0 = mark.y0.min(y);
            mark.y1 = mark.y1.max(y + 1);
            for ny in y.saturating_sub(1)..(y + 2).min(h) {
                for nx in x.saturating_sub(1)..(x + 2).min(w) {
                    let j = ny * w + nx;
                    if ink[j] {
                        ink[j] = false;
                        stack.push(j);
                    }
                }
            }
        }
        marks.push(mark);
    }
    marks
}

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

    /// Decodes PNG, JPEG or TIFF bytes (told apart by their first bytes); the resolution is
    /// read from the file unless `dpi` is given, and with neither it is an error. Captures of
    /// printed sheets are read as [`super::scan::Scan`] instead.
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
        Ok(Picture {
            width: width as usize,
            height: height as usize,
            dpi: resolution(dpi, file_dpi)?,
            rgb,
        })
    }

    /// Decodes PNG bytes; see [`Picture::load_png`].
    pub fn decode_png(bytes: &[u8], dpi: Option<f64>) -> std::result::Result<Self, String> {
        let (width, height, rgb, file_dpi) = png_rgb(bytes)?;
        Ok(Picture {
            width,
            height,
            dpi: resolution(dpi, file_dpi)?,
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
        self.ink_outside(window, threshold, &[]).bounds
    }

    /// The ink inside `window` but outside every rectangle of `masks` (the boxes of
    /// neighbouring elements, whose ink is theirs), in mm, dust left out.
    ///
    /// Ink is the connected marks (8-neighbours) darker than `threshold`. A mark at least
    /// [`SPECK`] across is ink; a smaller one is ink when it lies within [`LINK`] of ink
    /// (a dot of 氵 beside its character, a comma after a word, one after another), and
    /// a speck of dust otherwise, counted and left out. A window holding only small marks
    /// keeps them all: it cannot tell.
    pub(crate) fn ink_outside(&self, window: Rect, threshold: u8, masks: &[Rect]) -> Ink {
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
        let none = Ink {
            bounds: None,
            specks: 0,
        };
        if x1 <= x0 || y1 <= y0 {
            return none;
        }
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
        // The ink pixels of the window, as a mask of its own.
        let (w, h) = (x1 - x0, y1 - y0);
        let mut ink = vec![false; w * h];
        let mut masked_here: Vec<&Range<usize>> = Vec::with_capacity(masks.len());
        for y in y0..y1 {
            let row = &self.rgb[(y * self.width + x0) * 3..(y * self.width + x1) * 3];
            masked_here.clear();
            masked_here.extend(
                masks
                    .iter()
                    .filter(|(_, ys)| ys.contains(&y))
                    .map(|(xs, _)| xs),
            );
            for (i, p) in row.chunks_exact(3).enumerate() {
                let x = x0 + i;
                ink[(y - y0) * w + i] = luma(p[0], p[1], p[2]) < threshold
                    && !masked_here.iter().any(|xs| xs.contains(&x));
            }
        }
        let marks = marks(&mut ink, w, h);
        if marks.is_empty() {
            return none;
        }
        let speck = SPECK.to_px(self.dpi);
        let link = LINK.to_px(self.dpi);
        let large = |m: &Mark| ((m.x1 - m.x0) as f64).max((m.y1 - m.y0) as f64) >= speck;
        let mut kept: Vec<bool> = marks.iter().map(large).collect();
        if kept.iter().any(|&k| k) {
            // Small marks join the ink through one another, as far as they reach.
            loop {
                let mut grew = false;
                for i in 0..marks.len() {
                    if !kept[i]
                        && (0..marks.len()).any(|j| kept[j] && marks[i].gap(&marks[j]) <= link)
                    {
                        kept[i] = true;
                        grew = true;
                    }
                }
                if !grew {
                    break;
                }
            }
        } else {
            kept.fill(true);
        }
        let (mut min_x, mut min_y, mut max_x, mut max_y) = (usize::MAX, usize::MAX, 0, 0);
        for m in marks.iter().zip(&kept).filter(|(_, &k)| k).map(|(m, _)| m) {
            min_x = min_x.min(m.x0);
            min_y = min_y.min(m.y0);
            max_x = max_x.max(m.x1);
            max_y = max_y.max(m.y1);
        }
        let mm = |p: usize| Mm::from_px(p as f64, self.dpi);
        Ink {
            bounds: Rect::from_ltrb(
                mm(x0 + min_x),
                mm(y0 + min_y),
                mm(x0 + max_x),
                mm(y0 + max_y),
            ),
            specks: kept.iter().filter(|&&k| !k).count(),
        }
    }

    /// Luma (ITU-R BT.601), row by row.
    pub fn luma(&self) -> Vec<u8> {
        self.rgb
            .chunks_exact(3)
            .map(|p| luma(p[0], p[1], p[2]))
            .collect()
    }
}

/// The resolution to read a picture at: the one given, else the one its file records.
pub(crate) fn resolution(
    given: Option<f64>,
    recorded: Option<f64>,
) -> std::result::Result<f64, String> {
    given
        .or(recorded)
        .filter(|d| d.is_finite() && *d > 0.0)
        .ok_or_else(|| "the file records no resolution; give --dpi".to_string())
}

/// A PNG of any colour type as RGB (transparency over white paper), its size checked
/// before its pixels are allocated, with the resolution it records (pHYs), if any:
/// `(width, height, rgb, dpi)`.
pub(crate) fn png_rgb(
    bytes: &[u8],
) -> std::result::Result<(usize, usize, Vec<u8>, Option<f64>), String> {
    let png = crate::bitmap::png_pixels(bytes, crate::raster::MAX_PIXELS)?;
    let data = &png.data;
    let rgb: Vec<u8> = match png.colour {
        png::ColorType::Grayscale => data.iter().flat_map(|&v| [v; 3]).collect(),
        png::ColorType::GrayscaleAlpha => data
            .chunks_exact(2)
            .flat_map(|p| [over_white(p[0], p[1]); 3])
            .collect(),
        png::ColorType::Rgb => png.data,
        png::ColorType::Rgba | png::ColorType::Indexed => data
            .chunks_exact(4)
            .flat_map(|p| [0, 1, 2].map(|c| over_white(p[c], p[3])))
            .collect(),
    };
    Ok((png.width as usize, png.height as usize, rgb, png.dpi))
}

/// A TIFF scan (grey or RGB, 8 or 16 bits; uncompressed, LZW or deflate), its size checked
/// before its pixels are allocated, its resolution from XResolution and ResolutionUnit.
fn decode_tiff(bytes: &[u8], dpi: Option<f64>) -> std::result::Result<Picture, String> {
    let (width, height, rgb, file_dpi) = tiff_rgb(bytes)?;
    Ok(Picture {
        width,
        height,
        dpi: resolution(dpi, file_dpi)?,
        rgb,
    })
}

/// A TIFF (grey or RGB, 8 or 16 bits; uncompressed, LZW or deflate) as RGB, its size
/// checked before its pixels are allocated, with the resolution it records
/// (XResolution and ResolutionUnit), if any: `(width, height, rgb, dpi)`.
pub(crate) fn tiff_rgb(
    bytes: &[u8],
) -> std::result::Result<(usize, usize, Vec<u8>, Option<f64>), String> {
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
    Ok((width as usize, height as usize, rgb, file_dpi))
}

/// Composites a value over white paper.
fn over_white(v: u8, alpha: u8) -> u8 {
    let a = u32::from(alpha);
    ((u32::from(v) * a + 255 * (255 - a)) / 255) as u8
}
