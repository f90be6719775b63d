//! PNG encoding with the resolution recorded, so a 300 dpi rendering opens at print size.

use png::{BitDepth, ColorType, Compression, Encoder, PixelDimensions, Unit};

use crate::error::{Error, Result};

/// Encodes 8-bit pixels (RGB or grey), writing `dpi` into the pHYs chunk (as pixels per
/// metre).
pub fn encode(
    pixels: &[u8],
    color: ColorType,
    width: u32,
    height: u32,
    dpi: f64,
) -> Result<Vec<u8>> {
    let err = |e: png::EncodingError| Error::Render {
        message: format!("PNG encoding failed: {e}"),
    };
    let mut out = Vec::new();
    let mut encoder = Encoder::new(&mut out, width, height);
    encoder.set_color(color);
    encoder.set_depth(BitDepth::Eight);
    encoder.set_compression(Compression::Fast);
    let ppm = (dpi / 0.0254).round() as u32;
    encoder.set_pixel_dims(Some(PixelDimensions {
        xppu: ppm,
        yppu: ppm,
        unit: Unit::Meter,
    }));
    let mut writer = encoder.write_header().map_err(err)?;
    writer.write_image_data(pixels).map_err(err)?;
    writer.finish().map_err(err)?;
    Ok(out)
}
