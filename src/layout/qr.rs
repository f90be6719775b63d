//! QR codes: the payload a spec defines, and a symbol sized to whole printer dots.
//!
//! "打印分辨率不低于300dpi": a module that is not a whole number of printer dots prints
//! uneven and scans badly. The symbol's version is chosen (at or above the smallest that
//! holds the payload) so that whole-dot modules fill the box as closely as possible, the
//! symbol is centred in the box, and its origin sits on the printer grid.

use qrcode::bits::Bits;
use qrcode::{EcLevel as QrEc, QrCode, QrResult, Version};

use crate::display::QrSymbol;
use crate::error::{Error, Result};
use crate::record::BoundRecord;
use crate::spec::{EcLevel, QrElement, Spec};
use crate::units::{Mm, Point};

/// The text a QR element encodes: the record's URL when it has one, otherwise one
/// `名称：内容` line per listed field (fields the record lacks are left out).
pub fn payload(qr: &QrElement, spec: &Spec, record: &BoundRecord) -> String {
    if let Some(url) = qr.url_key.as_deref().and_then(|key| record.get(key)) {
        return url.display("", Default::default());
    }
    let mut lines = Vec::new();
    for line in &qr.lines {
        let Some(value) = record.get(&line.key) else {
            continue;
        };
        let name = line
            .name
            .clone()
            .or_else(|| spec.fields.get(&line.key).map(|f| f.name.clone()))
            .unwrap_or_else(|| line.key.clone());
        let date_style = Default::default();
        lines.push(format!(
            "{name}{}{}",
            qr.separator,
            value.display(&qr.join, date_style)
        ));
    }
    lines.join("\n")
}

/// Builds the symbol for `data` in the element's box. `tolerance` bounds how far the
/// symbol's edges may fall inside the box's.
pub fn symbol(qr: &QrElement, data: &str, tolerance: Mm) -> Result<QrSymbol> {
    let ec = match qr.ec_level {
        EcLevel::L => QrEc::L,
        EcLevel::M => QrEc::M,
        EcLevel::Q => QrEc::Q,
        EcLevel::H => QrEc::H,
    };
    let dpi = qr.grid_dpi;
    let box_px = qr.size.to_px(dpi).floor() as i64;
    let slack_px = tolerance.to_px(dpi).floor() as i64;
    let too_dense = |width: usize| Error::QrTooDense {
        element: qr.id.clone(),
        bytes: data.len(),
        module_mm: qr.size.get() / width as f64,
        min_mm: qr.min_module.get(),
    };
    let first = (1..=40)
        .find(|&v| encode(data, v, ec).is_ok())
        .ok_or_else(|| too_dense(177))?;
    let smallest_width = 17 + 4 * first as usize;
    let min_module_px = qr.min_module.to_px(dpi).ceil() as i64;

    // (module px, version): the largest module that fills the box within the slack.
    let mut best: Option<(i64, i16)> = None;
    let mut fallback: Option<(i64, i64, i16)> = None;
    for version in first..=40 {
        let width = i64::from(17 + 4 * version);
        let module = box_px / width;
        if module < min_module_px.max(1) {
            break;
        }
        let fill = width * module;
        if box_px - fill <= slack_px && best.is_none_or(|(m, _)| module > m) {
            best = Some((module, version));
        }
        if fallback.is_none_or(|(f, _, _)| fill > f) {
            fallback = Some((fill, module, version));
        }
    }
    let (module_px, version) = best
        .or(fallback.map(|(_, m, v)| (m, v)))
        .ok_or_else(|| too_dense(smallest_width))?;
    let code = encode(data, version, ec).map_err(|e| Error::Render {
        message: format!("QR encoding failed: {e}"),
    })?;
    let width = code.width();
    let fill_px = module_px * width as i64;
    let offset_px = (box_px - fill_px) / 2;
    let snap = |v: Mm| Mm::from_px(v.to_px(dpi).round() + offset_px as f64, dpi);
    let dark = code
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    Ok(QrSymbol {
        origin: Point::new(snap(qr.at.x), snap(qr.at.y)),
        module: Mm::from_px(module_px as f64, dpi),
        width,
        dark,
    })
}

/// Encodes `data` as one byte-mode segment in `version`, announced as UTF-8 (ECI 26)
/// when it is not ASCII.
///
/// Byte mode throughout: the automatic segmentation would put UTF-8 bytes that look like
/// Shift JIS into Kanji mode, which decoders turn into the wrong characters. Without the
/// ECI, decoders guess the charset, and some guess wrong for Chinese.
fn encode(data: &str, version: i16, ec: QrEc) -> QrResult<QrCode> {
    let mut bits = Bits::new(Version::Normal(version));
    if !data.is_ascii() {
        bits.push_eci_designator(26)?;
    }
    bits.push_byte_data(data.as_bytes())?;
    bits.push_terminator(ec)?;
    QrCode::with_bits(bits, ec)
}
