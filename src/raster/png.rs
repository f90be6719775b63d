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
    let mut out = Vec::new();
    let encoder = encoder(&mut out, color, width, height, dpi);
    let mut writer = encoder.write_header().map_err(err)?;
    writer.write_image_data(pixels).map_err(err)?;
    writer.finish().map_err(err)?;
    Ok(out)
}

/// Encodes `height` rows of `row_bytes` each, asking `row` to fill each in turn: a page
/// is converted row by row into one small buffer instead of a second whole-page copy.
pub fn encode_rows(
    color: ColorType,
    width: u32,
    height: u32,
    dpi: f64,
    mut row: impl FnMut(u32, &mut [u8]),
) -> Result<Vec<u8>> {
    let io_err = |e: std::io::Error| Error::Render {
        message: format!("PNG encoding failed: {e}"),
    };
    let mut out = Vec::new();
    let encoder = encoder(&mut out, color, width, height, dpi);
    let mut writer = encoder.write_header().map_err(err)?;
    let mut stream = writer.stream_writer().map_err(err)?;
    let mut buffer = vec![0; width as usize * color.samples()];
    for y in 0..height {
        row(y, &mut buffer);
        std::io::Write::write_all(&mut stream, &buffer).map_err(io_err)?;
    }
    stream.finish().map_err(err)?;
    writer.finish().map_err(err)?;
    Ok(out)
}

/// An 8-bit encoder for `color` pixels, fast compression, `dpi` in the pHYs chunk (as
/// pixels per metre).
fn encoder(
    out: &mut Vec<u8>,
    color: ColorType,
    width: u32,
    height: u32,
    dpi: f64,
) -> Encoder<'_, &mut Vec<u8>> {
    let mut encoder = Encoder::new(out, width, height);
    encoder.set_color(color);
    encoder.set_depth(BitDepth::Eight);
    encoder.set_compression(Compression::Fast);
    let ppm = (dpi / 0.0254).round() as u32;
    encoder.set_pixel_dims(Some(PixelDimensions {
        xppu: ppm,
        yppu: ppm,
        unit: Unit::Meter,
    }));
    encoder
}

fn err(e: png::EncodingError) -> Error {
    Error::Render {
        message: format!("PNG encoding failed: {e}"),
    }
}
