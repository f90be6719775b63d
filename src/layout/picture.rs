//! Raster pictures placed in their boxes: where the whole picture lands under its fit,
//! and whether it prints sharp enough.

use crate::bitmap::Bitmap;
use crate::spec::ImageFit;
use crate::units::{Mm, Rect};

/// Where the whole of `bitmap` lands for a box `area` and `fit` (beyond the box when it
/// covers it), or why it cannot be placed.
pub(crate) fn place(area: Rect, bitmap: &Bitmap, fit: ImageFit) -> Result<Rect, String> {
    let (width, height) = (area.width(), area.height());
    let boxed = width / height;
    let picture = bitmap.aspect();
    let (w, h) = match fit {
        ImageFit::Exact { tolerance } => {
            let off = (picture / boxed - 1.0).abs();
            if off > tolerance {
                return Err(format!(
                    "the picture's aspect ratio {picture:.3} ({} × {} px) is {:.1} % off the box's {boxed:.3} ({width} × {height}); the spec accepts {:.1} %",
                    bitmap.width,
                    bitmap.height,
                    off * 100.0,
                    tolerance * 100.0
                ));
            }
            (width, height)
        }
        ImageFit::Contain if picture > boxed => (width, width / picture),
        ImageFit::Contain => (height * picture, height),
        ImageFit::Cover if picture > boxed => (height * picture, height),
        ImageFit::Cover => (width, width / picture),
    };
    let left = area.left() + (width - w) / 2.0;
    let top = area.top() + (height - h) / 2.0;
    Rect::from_ltrb(left, top, left + w, top + h)
        .ok_or_else(|| "the picture has no finite extent".into())
}

/// The resolution the picture prints at when it lands on `placed`: the lower of the two
/// directions, in dots per inch.
pub(crate) fn dpi(bitmap: &Bitmap, placed: Rect) -> f64 {
    let per_inch = |px: u32, mm: Mm| f64::from(px) / (mm.get() / 25.4);
    per_inch(bitmap.width, placed.width()).min(per_inch(bitmap.height, placed.height()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bitmap(width: u32, height: u32) -> Bitmap {
        Bitmap::from_cmyk(width, height, vec![0; (width * height * 4) as usize], None).unwrap()
    }

    fn rect(l: f64, t: f64, r: f64, b: f64) -> Rect {
        Rect::from_ltrb(Mm(l), Mm(t), Mm(r), Mm(b)).unwrap()
    }

    #[test]
    fn contain_fits_inside_and_cover_fills_centred() {
        let area = rect(10.0, 10.0, 40.0, 50.0); // 30 × 40 mm, 0.75
        let wide = bitmap(400, 200); // 2.0
        let c = place(area, &wide, ImageFit::Contain).unwrap();
        assert_eq!((c.width(), c.height()), (Mm(30.0), Mm(15.0)));
        assert_eq!((c.left(), c.top()), (Mm(10.0), Mm(22.5)));
        let v = place(area, &wide, ImageFit::Cover).unwrap();
        assert_eq!((v.width(), v.height()), (Mm(80.0), Mm(40.0)));
        assert_eq!((v.left(), v.top()), (Mm(-15.0), Mm(10.0)));
        // 400 px over 30 mm is 338.7 dpi, 200 px over 15 mm the same.
        assert!((dpi(&wide, c) - 338.67).abs() < 0.01);
    }

    #[test]
    fn exact_stretches_within_its_tolerance_and_refuses_beyond() {
        let area = rect(0.0, 0.0, 30.0, 40.0);
        let near = bitmap(303, 400);
        let placed = place(area, &near, ImageFit::Exact { tolerance: 0.02 }).unwrap();
        assert_eq!(placed, area);
        let err = place(area, &bitmap(400, 400), ImageFit::Exact { tolerance: 0.02 }).unwrap_err();
        assert!(err.contains("33.3 %") && err.contains("2.0 %"), "{err}");
    }
}
