//! A capture of a printed sheet as scan QA reads it: a scanner's file or a phone's photo,
//! grey (the measurement reads luma and nothing else), with the resolution its file
//! records, if any (a photo records none: the frame it shows gives it).
//!
//! Grey from the start keeps a 600 dpi A3 scan at 70 MB instead of 210: a JPEG is decoded
//! straight to its luma channel, and other files are turned to luma as they are read.

use super::image::{png_rgb, tiff_rgb, Picture};
use crate::colour::luma;
use crate::error::{Error, Result};

/// A capture: luma, row by row.
#[derive(Debug, Clone)]
pub struct Scan {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Dots per inch: given, or recorded in the file; `None` for a photo, whose scale the
    /// registration takes from the frame.
    pub dpi: Option<f64>,
    /// Luma (ITU-R BT.601), row by row.
    pub luma: Vec<u8>,
}

impl Scan {
    /// Reads a PNG, JPEG or TIFF file (told apart by its first bytes). `dpi` overrides the
    /// resolution the file records.
    pub fn load(path: &std::path::Path, dpi: Option<f64>) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Self::decode(&bytes, dpi).map_err(|message| Error::Unreadable {
            what: format!("the scan {}", path.display()),
            message,
        })
    }

    /// Decodes PNG, JPEG or TIFF bytes; see [`Scan::load`].
    pub fn decode(bytes: &[u8], dpi: Option<f64>) -> std::result::Result<Self, String> {
        if let Some(d) = dpi {
            if !(d.is_finite() && (10.0..=4800.0).contains(&d)) {
                return Err(format!(
                    "a resolution of {d} dpi is not a scan's; give 10–4800"
                ));
            }
        }
        let (width, height, luma, recorded) = if bytes.starts_with(&[0xFF, 0xD8]) {
            // Up to the raster's limit (a 600 dpi A3 sheet on its bed), not a picture's.
            let (w, h, luma, dpi) = crate::bitmap::jpeg_luma(bytes, crate::raster::MAX_PIXELS)?;
            (w as usize, h as usize, luma, dpi)
        } else {
            let (w, h, rgb, dpi) = if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
                tiff_rgb(bytes)?
            } else {
                png_rgb(bytes)?
            };
            let luma = rgb
                .chunks_exact(3)
                .map(|p| luma(p[0], p[1], p[2]))
                .collect();
            (w, h, luma, dpi)
        };
        // A resolution the file records but no scanner has (72 dpi from a phone's EXIF-less
        // JFIF header, 1 dpi) says nothing: the frame is measured instead.
        let recorded = recorded.filter(|d| (75.0..=4800.0).contains(d));
        Ok(Scan {
            width,
            height,
            dpi: dpi.or(recorded),
            luma,
        })
    }

    /// A picture (our own rendering, a test's simulated scan) as a capture.
    pub fn from_picture(picture: &Picture) -> Self {
        Scan {
            width: picture.width,
            height: picture.height,
            dpi: Some(picture.dpi),
            luma: picture.luma(),
        }
    }
}
