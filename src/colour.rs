//! Colour, the leaf every stage shares: the spec's CMYK, the daylight proof a screen shows
//! of it, what a UV lamp shows, and the way back from a photo's RGB to ink. Nothing here
//! imports from the pipeline, so the spec, pictures, back ends and QA all read colour from
//! one place without reaching up into each other.

use serde::Deserialize;

/// A colour in CMYK percentages (0–100).
#[derive(Debug, Clone, Copy, PartialEq, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Cmyk {
    /// Cyan, percent.
    #[serde(default)]
    pub c: f64,
    /// Magenta, percent.
    #[serde(default)]
    pub m: f64,
    /// Yellow, percent.
    #[serde(default)]
    pub y: f64,
    /// Black, percent.
    #[serde(default)]
    pub k: f64,
}

/// The screen colour of a CMYK proof colour.
///
/// Naive subtractive conversion, no ICC profile: `R = 255 (1 − C)(1 − K)`, likewise G from
/// M and B from Y. It is a proof for position and presence, not a colour-managed contract
/// proof: pure K gives black, C30 M35 Y100 gives a dark gold.
pub fn proof_rgb(cmyk: Cmyk) -> [u8; 3] {
    let k = 1.0 - (cmyk.k / 100.0).clamp(0.0, 1.0);
    let channel = |v: f64| (255.0 * (1.0 - (v / 100.0).clamp(0.0, 1.0)) * k).round() as u8;
    [channel(cmyk.c), channel(cmyk.m), channel(cmyk.y)]
}

/// What a UV lamp shows of a colour that does not fluoresce: a fifth of it, over the
/// lamp's dark violet. White paper becomes `[71, 63, 96]`, black `[20, 12, 45]`.
pub fn uv_rgb([r, g, b]: [u8; 3]) -> [u8; 3] {
    const LAMP: [f64; 3] = [20.0, 12.0, 45.0];
    let dim = |v: u8, lamp: f64| (f64::from(v) * 0.2 + lamp).round() as u8;
    [dim(r, LAMP[0]), dim(g, LAMP[1]), dim(b, LAMP[2])]
}

/// RGB to CMYK (0–255 each), the inverse of the proof conversion
/// ([`proof_rgb`]: `R = 255 (1 − C)(1 − K)`): K takes what the three
/// channels share, `K = 1 − max(R, G, B)`, and each of C, M, Y the rest, `C = (1 − R − K)
/// / (1 − K)`. Grey becomes black ink alone (C = M = Y = 0); a proof of the result shows
/// the original colour within rounding. A naive conversion, like the proof's, not a
/// colour-managed separation: the issuer's photo workflow owns that.
pub(crate) fn rgb_to_cmyk([r, g, b]: [u8; 3]) -> [u8; 4] {
    let max = r.max(g).max(b);
    if max == 0 {
        return [0, 0, 0, 255];
    }
    let k = 255 - u32::from(max);
    let part =
        |v: u8| ((u32::from(max) - u32::from(v)) * 255 + u32::from(max) / 2) / u32::from(max);
    [part(r) as u8, part(g) as u8, part(b) as u8, k as u8]
}

/// Luma (ITU-R BT.601) of an RGB pixel.
pub fn luma(r: u8, g: u8, b: u8) -> u8 {
    ((u32::from(r) * 299 + u32::from(g) * 587 + u32::from(b) * 114) / 1000) as u8
}
