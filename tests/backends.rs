//! The two back ends agree: our PDF, rasterised by an independent pure-Rust PDF renderer
//! (hayro), against our own raster of the same page at 150 dpi.
//!
//! Colours are not compared (hayro converts CMYK to screen its own way); where the ink is
//! is. Both pictures are cut into 1 mm cells and the share of ink pixels (luma under 200)
//! compared cell by cell: anti-aliasing moves a cell's coverage a little, a misplaced or
//! missing glyph, module or stroke moves it a lot.

mod common;

use certpress::pdf;
use certpress::qa::image::Picture;
use certpress::raster::RasterOptions;
use certpress::spec::Pass;
use common::*;

const DPI: f64 = 150.0;

#[test]
fn hayro_draws_our_pdf_where_our_raster_draws_it() {
    // Each pass on its own: where text lies over the background pattern, an anti-aliased
    // edge pixel falls on either side of the ink threshold depending on the pattern line
    // under it, which says nothing about where either renderer put the text.
    for pass in [Pass::Print, Pass::Press] {
        let (mismatched, worst, mean) = compare(pass);
        // Measured: print pass 0.37 % of pixels on opposite sides of the ink threshold
        // (anti-aliased edges), worst 1 mm cell 0.33, mean 0.0026; press pass 0.33 %, 0.33,
        // 0.0030 (the border's 0.12 mm lines are 0.7 pixel wide at 150 dpi). The composite
        // compared with our raster moved by 0.5 mm gave a worst cell of 0.67, a mean of
        // 0.021 and 1449 cells over 0.4.
        assert!(
            mismatched < 0.01,
            "{pass:?}: {:.3} % of pixels disagree",
            mismatched * 100.0
        );
        assert!(
            worst <= MAX_CELL && mean <= MAX_MEAN,
            "{pass:?}: ink coverage per mm²: worst {worst:.3} (limit {MAX_CELL}), mean {mean:.5} (limit {MAX_MEAN})"
        );
    }
}

/// Renders `pass` of the sample both ways: the share of pixels on opposite sides of the ink
/// threshold, and the worst and mean difference of ink coverage per 1 mm cell.
fn compare(pass: Pass) -> (f64, f64, f64) {
    let licence = liuzhou().issue(&sample()).unwrap();
    let options = pdf::PdfOptions {
        pass: Some(pass),
        ..Default::default()
    };
    let bytes = licence.pdf(&options).unwrap();
    let theirs = hayro_render(bytes, DPI);
    let ours = Picture::from_raster(
        &licence
            .raster(&RasterOptions {
                dpi: DPI,
                pass: Some(pass),
                ..Default::default()
            })
            .unwrap(),
    );
    // hayro truncates the page's pixel size where we round: compare what both cover.
    assert!(theirs.width.abs_diff(ours.width) <= 1 && theirs.height.abs_diff(ours.height) <= 1);
    let (width, height) = (ours.width.min(theirs.width), ours.height.min(theirs.height));
    let (a, b) = (crop(&ours, width, height), crop(&theirs, width, height));
    let mismatched = a
        .luma
        .iter()
        .zip(&b.luma)
        .filter(|(x, y)| (**x < THRESHOLD) != (**y < THRESHOLD))
        .count();
    let cells = coverage_differences(&a, &b);
    let worst = cells.iter().copied().fold(0.0, f64::max);
    let mean = cells.iter().sum::<f64>() / cells.len() as f64;
    (mismatched as f64 / a.luma.len() as f64, worst, mean)
}

/// Tolerance: the largest difference of ink coverage in one 1 mm cell, and the mean over
/// the sheet.
const MAX_CELL: f64 = 0.4;
const MAX_MEAN: f64 = 0.005;

/// A pixel darker than this is ink.
const THRESHOLD: u8 = 200;

/// The luma of a picture's top-left `width` × `height` pixels.
struct Grey {
    width: usize,
    height: usize,
    luma: Vec<u8>,
}

fn crop(picture: &Picture, width: usize, height: usize) -> Grey {
    let all = picture.luma();
    let luma = (0..height)
        .flat_map(|y| {
            all[y * picture.width..y * picture.width + width]
                .iter()
                .copied()
        })
        .collect();
    Grey {
        width,
        height,
        luma,
    }
}

/// Per cell of 1 mm², the difference in the share of ink pixels.
fn coverage_differences(a: &Grey, b: &Grey) -> Vec<f64> {
    let cell = (DPI / 25.4).round() as usize;
    let mut out = Vec::new();
    for cy in 0..a.height / cell {
        for cx in 0..a.width / cell {
            let mut diff = 0i64;
            for y in cy * cell..(cy + 1) * cell {
                for x in cx * cell..(cx + 1) * cell {
                    let i = y * a.width + x;
                    diff += i64::from(a.luma[i] < THRESHOLD) - i64::from(b.luma[i] < THRESHOLD);
                }
            }
            out.push(diff.unsigned_abs() as f64 / (cell * cell) as f64);
        }
    }
    out
}

/// fontTools (Python, an implementation we did not write) reads every CFF program the
/// sample's PDF embeds, the content face's (written by certpress from the face's
/// charstrings) and the subroutinised faces' (by `subsetter`), and each glyph draws exactly
/// as the source face's glyph for the character the PDF's ToUnicode map gives it.
#[test]
fn fonttools_reads_every_embedded_cff_as_the_source_glyphs() {
    let has_fonttools = std::process::Command::new("python3")
        .args(["-c", "import fontTools"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_fonttools {
        eprintln!(
            "SKIPPED: no Python fontTools (pip install fonttools); the PDF's fonts are still drawn by hayro in hayro_draws_our_pdf_where_our_raster_draws_it"
        );
        return;
    }
    let bytes = liuzhou()
        .issue(&sample())
        .unwrap()
        .pdf(&pdf::PdfOptions::default())
        .unwrap();
    let doc = lopdf::Document::load_mem(&bytes).unwrap();
    let dir = std::env::temp_dir().join(format!("certpress-cff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let resolve = |o: &lopdf::Object| match o {
        lopdf::Object::Reference(id) => doc.get_object(*id).unwrap().clone(),
        other => other.clone(),
    };
    let mut checked = 0;
    for object in doc.objects.values() {
        let Ok(type0) = object.as_dict() else {
            continue;
        };
        if type0.get(b"Subtype").and_then(|s| s.as_name()).ok() != Some(b"Type0".as_slice()) {
            continue;
        }
        let cmap = resolve(type0.get(b"ToUnicode").unwrap());
        let cmap =
            String::from_utf8(cmap.as_stream().unwrap().decompressed_content().unwrap()).unwrap();
        let descendants = resolve(type0.get(b"DescendantFonts").unwrap());
        let cid_font = resolve(&descendants.as_array().unwrap()[0]);
        let descriptor = resolve(cid_font.as_dict().unwrap().get(b"FontDescriptor").unwrap());
        let Ok(file) = descriptor.as_dict().unwrap().get(b"FontFile3") else {
            continue;
        };
        let program = resolve(file)
            .as_stream()
            .unwrap()
            .decompressed_content()
            .unwrap();
        // The ToUnicode map's single-character entries: `<CID> <UTF-16>`.
        let mut pairs = String::new();
        let mut in_bfchar = false;
        for line in cmap.lines() {
            if line.contains("beginbfchar") || line.contains("endbfchar") {
                in_bfchar = line.contains("begin");
                continue;
            }
            if !in_bfchar {
                continue;
            }
            let hex: Vec<&str> = line
                .split(['<', '>'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            if let [cid, text] = hex[..] {
                if let (Ok(cid), Ok(unit)) =
                    (u16::from_str_radix(cid, 16), u32::from_str_radix(text, 16))
                {
                    pairs.push_str(&format!("{cid} {unit}\n"));
                }
            }
        }
        let stem = format!("font{checked}");
        std::fs::write(dir.join(format!("{stem}.cff")), &program).unwrap();
        std::fs::write(dir.join(format!("{stem}.pairs")), pairs).unwrap();
        let output = std::process::Command::new("python3")
            .arg("-c")
            .arg(FONTTOOLS_CHECK)
            .arg(dir.join(format!("{stem}.cff")))
            .arg(dir.join(format!("{stem}.pairs")))
            .args(FACES.map(|f| format!("{}/fonts/{f}", env!("CARGO_MANIFEST_DIR"))))
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "fontTools on the PDF's font {checked}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        checked += 1;
    }
    // The label, title, content and fluorescent mark faces.
    assert!(checked >= 3, "only {checked} CFF programs found");
    std::fs::remove_dir_all(&dir).ok();
}

/// The repository's faces, one of which each embedded program must come from.
const FACES: [&str; 4] = [
    "NotoSerifCJKsc-Regular-GB2312.otf",
    "NotoSansCJKsc-Medium-GB2312.otf",
    "NotoSerifCJKsc-Black-GB2312.otf",
    "NotoSerifCJKsc-Regular.otf",
];

/// argv: the CFF program, its `cid unicode` pairs, the candidate source faces. Exits 0
/// when one source face draws every mapped glyph exactly as the program does.
const FONTTOOLS_CHECK: &str = r#"
import io, sys
from fontTools.cffLib import CFFFontSet
from fontTools.pens.recordingPen import RecordingPen
from fontTools.ttLib import TTFont
fs = CFFFontSet(); fs.decompile(io.BytesIO(open(sys.argv[1], 'rb').read()), None)
top = fs[fs.fontNames[0]]
assert top.ROS[0] == 'Adobe', top.ROS
glyphs = top.CharStrings
names = top.charset
pairs = [tuple(map(int, l.split())) for l in open(sys.argv[2]) if l.strip()]
assert pairs, 'no characters mapped'
def draw(charstrings, name):
    pen = RecordingPen(); charstrings[name].draw(pen); return pen.value
problems = []
for path in sys.argv[3:]:
    source = TTFont(path, lazy=True)
    cmap = source.getBestCmap()
    order = source.getGlyphOrder()
    cs = source['CFF '].cff.topDictIndex[0].CharStrings
    bad = [cid for cid, unit in pairs if unit not in cmap or draw(glyphs, names[cid]) != draw(cs, cmap[unit])]
    if not bad:
        print('ok', path, len(pairs), 'glyphs'); sys.exit(0)
    problems.append(f'{path}: {len(bad)} of {len(pairs)} differ, CIDs {bad[:5]}')
print('\n'.join(problems)); sys.exit(1)
"#;
