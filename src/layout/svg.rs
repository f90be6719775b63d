//! SVG artwork placed on the page: an asset's outlines scaled into its element's box.

use usvg::tiny_skia_path::PathSegment;

use crate::assets::SvgAsset;
use crate::display::{Path, Segment};
use crate::units::{Mm, Point, Rect};

/// `asset` scaled to fit `area` (aspect ratio kept, centred), as display paths.
pub(crate) fn place(asset: &SvgAsset, area: Rect) -> Vec<Path> {
    let scale = (area.width().get() / asset.size.0).min(area.height().get() / asset.size.1);
    let dx = area.left().get() + (area.width().get() - asset.size.0 * scale) / 2.0;
    let dy = area.top().get() + (area.height().get() - asset.size.1 * scale) / 2.0;
    let p =
        |x: f32, y: f32| Point::new(Mm(dx + f64::from(x) * scale), Mm(dy + f64::from(y) * scale));
    asset
        .paths
        .iter()
        .map(|outline| {
            let mut segments = Vec::new();
            let mut last = (0.0, 0.0);
            for segment in outline.path.segments() {
                match segment {
                    PathSegment::MoveTo(a) => {
                        segments.push(Segment::MoveTo(p(a.x, a.y)));
                        last = (a.x, a.y);
                    }
                    PathSegment::LineTo(a) => {
                        segments.push(Segment::LineTo(p(a.x, a.y)));
                        last = (a.x, a.y);
                    }
                    PathSegment::QuadTo(c, a) => {
                        // A quadratic is the cubic with controls 2/3 of the way to c.
                        let c1 = (
                            last.0 + 2.0 / 3.0 * (c.x - last.0),
                            last.1 + 2.0 / 3.0 * (c.y - last.1),
                        );
                        let c2 = (a.x + 2.0 / 3.0 * (c.x - a.x), a.y + 2.0 / 3.0 * (c.y - a.y));
                        segments.push(Segment::CubicTo(p(c1.0, c1.1), p(c2.0, c2.1), p(a.x, a.y)));
                        last = (a.x, a.y);
                    }
                    PathSegment::CubicTo(c1, c2, a) => {
                        segments.push(Segment::CubicTo(p(c1.x, c1.y), p(c2.x, c2.y), p(a.x, a.y)));
                        last = (a.x, a.y);
                    }
                    PathSegment::Close => segments.push(Segment::Close),
                }
            }
            Path {
                segments,
                even_odd: outline.even_odd,
            }
        })
        .collect()
}
