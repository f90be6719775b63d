//! The prepared template: shared by threads, two specs in one process, and the same bytes
//! as the stage functions that start from nothing.

use std::sync::Arc;

use certpress::{layout, pdf, raster, record, PdfOptions, RasterOptions, Record, Template};

const LIUZHOU: &str = "specs/liuzhou/licence.ron";
const QINGDAO: &str = "specs/qingdao/licence.ron";

fn record(path: &str, operator: &str) -> Record {
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    json["operator_name"] = operator.into();
    Record::from_json(&json.to_string(), format!("{path} as {operator}")).unwrap()
}

/// The PDF and a 40 dpi PNG of a record.
fn outputs(template: &Template, record: &Record) -> (Vec<u8>, Vec<u8>) {
    let licence = template.issue(record).unwrap();
    let png = RasterOptions {
        dpi: 40.0,
        ..Default::default()
    };
    (
        licence.pdf(&PdfOptions::default()).unwrap(),
        licence.png(&png).unwrap(),
    )
}

#[test]
fn a_template_is_send_and_sync() {
    fn shared<T: Send + Sync>() {}
    shared::<Template>();
    shared::<certpress::Licence<'static>>();
}

#[test]
fn two_specs_issued_from_several_threads_at_once_give_each_spec_its_own_bytes() {
    let names = [
        "柳州市鱼峰区桂香螺蛳粉店",
        "柳州市城中区示例便利店",
        "柳州市柳北区样例药店",
    ];
    let specs = [
        (LIUZHOU, "specs/liuzhou/sample.json"),
        (QINGDAO, "specs/qingdao/sample.json"),
    ];
    // What one thread alone gets, each spec from a template of its own.
    let expected: Vec<Vec<(Vec<u8>, Vec<u8>)>> = specs
        .iter()
        .map(|(spec, sample)| {
            let template = Template::load(spec).unwrap();
            names
                .iter()
                .map(|n| outputs(&template, &record(sample, n)))
                .collect()
        })
        .collect();
    // Both templates in one process, each shared by three threads issuing every name
    // twice, interleaved: their caches fill concurrently and must keep the specs apart.
    let templates: Vec<Arc<Template>> = specs
        .iter()
        .map(|(spec, _)| Arc::new(Template::load(spec).unwrap()))
        .collect();
    std::thread::scope(|scope| {
        let mut workers = Vec::new();
        for (s, (_, sample)) in specs.iter().enumerate() {
            for offset in 0..3 {
                let template = templates[s].clone();
                let expected = &expected[s];
                workers.push(scope.spawn(move || {
                    for round in 0..2 {
                        for k in 0..names.len() {
                            let n = (k + offset + round) % names.len();
                            let got = outputs(&template, &record(sample, names[n]));
                            assert!(got.0 == expected[n].0, "{sample} {}: PDF", names[n]);
                            assert!(got.1 == expected[n].1, "{sample} {}: PNG", names[n]);
                        }
                    }
                }));
            }
        }
        for worker in workers {
            worker.join().expect("a worker panicked");
        }
    });
    // The specs really differ: the check above could not pass by sharing one output.
    assert!(expected[0][0].0 != expected[1][0].0);
}

#[test]
fn the_template_writes_what_the_stage_functions_write() {
    let template = Template::load(QINGDAO).unwrap();
    let sample = Record::load("specs/qingdao/sample.json").unwrap();
    let spec = template.spec();
    let prepared = layout::Prepared::new(spec).unwrap();
    let bound = record::bind(&spec.spec, &sample).unwrap();
    let staged = layout::layout(spec, template.fonts(), &prepared, &bound).unwrap();
    let options = PdfOptions {
        title: Some(spec.spec.name.clone()),
        ..Default::default()
    };
    let raster_options = RasterOptions {
        dpi: 60.0,
        ..Default::default()
    };
    let stage_pdf = pdf::pdf(&staged.page, template.fonts(), &options).unwrap();
    let stage_png = raster::render(&staged.page, template.fonts(), &raster_options)
        .unwrap()
        .encode_png()
        .unwrap();
    // Three times: the first renders straight, the second makes the press underlay and
    // the third starts from it; every one is the same bytes.
    for _ in 0..3 {
        let licence = template.issue(&sample).unwrap();
        assert!(licence.pdf(&PdfOptions::default()).unwrap() == stage_pdf);
        assert!(licence.png(&raster_options).unwrap() == stage_png);
    }
}

/// A licence's PNG is painted, filtered and deflated band by band, never held whole; it
/// is the bytes of the whole-sheet raster encoded, for the guilloche's lines, a grey plate
/// and the UV view, straight and over the press underlay.
#[test]
fn a_png_made_band_by_band_is_the_whole_raster_encoded() {
    let template = Template::load(LIUZHOU).unwrap();
    let sample = Record::load("specs/liuzhou/sample.json").unwrap();
    let licence = template.issue(&sample).unwrap();
    let plate = licence
        .colorants()
        .into_iter()
        .next()
        .expect("the Liuzhou licence has plates");
    for view in [
        raster::View::Proof,
        raster::View::Uv,
        raster::View::Plate(plate),
    ] {
        // 75 dpi: 1240 × 877 px, so the last band of 128 rows is a short one.
        let options = RasterOptions {
            dpi: 75.0,
            view,
            ..Default::default()
        };
        let whole = raster::render(&licence.layout().page, template.fonts(), &options)
            .unwrap()
            .encode_png()
            .unwrap();
        // Straight, then making the underlay, then over it.
        for _ in 0..3 {
            let again = template.issue(&sample).unwrap();
            assert!(
                again.png(&options).unwrap() == whole,
                "{:?}: the banded PNG differs",
                options.view
            );
        }
    }
}

#[test]
fn plates_are_named_for_their_inks_and_stand_ins_are_reported() {
    let template = Template::load(LIUZHOU).unwrap();
    let licence = template
        .issue(&Record::load("specs/liuzhou/sample.json").unwrap())
        .unwrap();
    let plates = licence
        .plates(&RasterOptions {
            dpi: 20.0,
            ..Default::default()
        })
        .unwrap();
    let names: Vec<&str> = plates.iter().map(|p| p.file_name.as_str()).collect();
    assert_eq!(
        &names[..4],
        ["plate-C.png", "plate-M.png", "plate-Y.png", "plate-K.png"]
    );
    assert!(names.contains(&"plate-HotFoilGold.png"), "{names:?}");
    assert!(plates.iter().all(|p| p.png.starts_with(b"\x89PNG")));
    // The open stand-ins set the text the spec asks 方正 faces for.
    let stand_ins = licence.stand_ins();
    assert!(
        stand_ins
            .iter()
            .any(|s| s.elements.iter().any(|e| e == "title")),
        "{stand_ins:?}"
    );
}

/// Every licence of a spec begins with the same press artwork, so the template paints it
/// once per pass and calibration and goes on from where it stood. Interleaving passes,
/// a calibration and a PDF standard, each PDF is the stage function's, made from nothing.
#[test]
fn the_remembered_press_artwork_is_kept_apart_by_pass_and_calibration() {
    use certpress::{Calibration, Mm, Pass, PdfStandard};
    let template = Template::load(LIUZHOU).unwrap();
    let sample = Record::load("specs/liuzhou/sample.json").unwrap();
    let calibrated = Calibration {
        offset_x: Mm(0.8),
        offset_y: Mm(-0.5),
        scale: 1.002,
    };
    let options = [
        PdfOptions::default(),
        PdfOptions {
            pass: Some(Pass::Print),
            ..Default::default()
        },
        PdfOptions {
            pass: Some(Pass::Print),
            calibration: calibrated,
            ..Default::default()
        },
        PdfOptions {
            pass: Some(Pass::Press),
            ..Default::default()
        },
        PdfOptions {
            standard: PdfStandard::X4,
            date: Some("2026-01-02".into()),
            ..Default::default()
        },
    ];
    let licence = template.issue(&sample).unwrap();
    let title = Some(template.spec().spec.name.clone());
    let expected: Vec<Vec<u8>> = options
        .iter()
        .map(|o| {
            let o = PdfOptions {
                title: title.clone(),
                metadata: licence.metadata().unwrap(),
                ..o.clone()
            };
            pdf::pdf(licence.page(), template.fonts(), &o).unwrap()
        })
        .collect();
    for round in 0..3 {
        for (i, o) in options.iter().enumerate().rev() {
            let again = template.issue(&sample).unwrap();
            assert!(
                again.pdf(o).unwrap() == expected[i],
                "round {round}, options {i}"
            );
        }
    }
}

/// A template remembers its template page with where writing stood after it (by the page's
/// fixed items and the colour) and each guilloche item's cut (by its tile, copies and
/// region). Interleaving records and colours on one template, each OFD is the stage
/// function's, made from nothing.
#[test]
fn the_remembered_ofd_template_page_is_kept_apart_by_colour() {
    use certpress::{ofd, OfdColour, OfdOptions};
    let template = Template::load(LIUZHOU).unwrap();
    let records = [
        Record::load("specs/liuzhou/sample.json").unwrap(),
        Record::load("specs/liuzhou/electronic-copy.json").unwrap(),
    ];
    let colours = [OfdColour::Proof, OfdColour::Cmyk];
    let title = Some(template.spec().spec.name.clone());
    let mut expected = Vec::new();
    for record in &records {
        let licence = template.issue(record).unwrap();
        for colour in colours {
            let options = OfdOptions {
                title: title.clone(),
                metadata: licence.metadata().unwrap(),
                colour,
            };
            expected.push(ofd::ofd(licence.page(), template.fonts(), &options).unwrap());
        }
    }
    assert!(expected[0] != expected[1], "the colour changes the OFD");
    for round in 0..2 {
        for (r, record) in records.iter().enumerate().rev() {
            for (c, colour) in colours.into_iter().enumerate() {
                let options = OfdOptions {
                    colour,
                    ..Default::default()
                };
                let ofd = template.issue(record).unwrap().ofd(&options).unwrap();
                assert!(
                    ofd == expected[r * colours.len() + c],
                    "round {round}, record {r}, {colour:?}"
                );
            }
        }
    }
}

/// Over the press underlay, a PNG band that none of a licence's own items reaches is the
/// underlay's band, deflated once and kept. Licences whose text and photo reach different
/// bands, interleaved on one template, each give the PNG of their own whole raster.
#[test]
fn a_kept_underlay_band_never_stands_for_a_band_a_licence_draws_in() {
    let read = |path: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    };
    let record = |json: &serde_json::Value, folder: &str| {
        let mut record = Record::from_json(&json.to_string(), "variant").unwrap();
        record.folder = Some(folder.into());
        record
    };
    // Liuzhou: the sample, and one whose permits run to more lines, further down.
    let sample = read("specs/liuzhou/sample.json");
    let mut longer = sample.clone();
    longer["permits"] = (1..=8)
        .map(|i| format!("第{i}类许可：食品经营许可证（JY2450203{i:07}）"))
        .collect::<Vec<_>>()
        .into();
    // The health card: its photo is a picture the licence draws, beside other text.
    let card = read("specs/health-card/sample.json");
    let mut card_longer = card.clone();
    card_longer["name"] = "王彦".into();
    card_longer["employer"] = "柳州市城中区五星米粉店".into();
    let cases = [
        (
            LIUZHOU,
            [
                record(&sample, "specs/liuzhou"),
                record(&longer, "specs/liuzhou"),
            ],
        ),
        (
            "specs/health-card/card.ron",
            [
                record(&card, "specs/health-card"),
                record(&card_longer, "specs/health-card"),
            ],
        ),
    ];
    let options = RasterOptions {
        dpi: 150.0,
        ..Default::default()
    };
    for (spec, records) in &cases {
        let template = Template::load(spec).unwrap();
        let wholes: Vec<Vec<u8>> = records
            .iter()
            .map(|r| {
                let licence = template.issue(r).unwrap();
                raster::render(&licence.layout().page, template.fonts(), &options)
                    .unwrap()
                    .encode_png()
                    .unwrap()
            })
            .collect();
        assert!(wholes[0] != wholes[1], "{spec}: the records differ");
        // Straight, then making the underlay, then over it, the records alternating and
        // each order: the first PNG over the underlay keeps the bands it leaves alone.
        for round in 0..4 {
            for i in [round % 2, 1 - round % 2] {
                let png = template.issue(&records[i]).unwrap().png(&options).unwrap();
                assert!(png == wholes[i], "{spec}: round {round}, record {i}");
            }
        }
    }
}

/// A picture drawn through a calibration is painted in every band it lands in: the bands
/// once culled it by where it stood before the calibration moved it, and a 5 mm offset
/// left three rows of the health card's photo blank at a band's edge (rows 384–386 at
/// 300 dpi).
#[test]
fn a_calibrated_picture_is_whole_across_the_bands() {
    use certpress::qa::image::Picture;
    use certpress::{Calibration, Mm, Pass};
    let template = Template::load("specs/health-card/card.ron").unwrap();
    let sample = Record::load("specs/health-card/sample.json").unwrap();
    let options = RasterOptions {
        dpi: 300.0,
        pass: Some(Pass::Print),
        calibration: Calibration {
            offset_x: Mm(0.0),
            offset_y: Mm(5.0),
            scale: 1.0,
        },
        ..Default::default()
    };
    let png = template.issue(&sample).unwrap().png(&options).unwrap();
    let picture = Picture::decode_png(&png, None).unwrap();
    // The photo (x 62.7–81.3, y 4.2–27.8 mm in the spec) lands 5 mm lower: y 9.2–32.8 mm,
    // rows 109–387; its light blue ground is not the white paper anywhere.
    let px = |mm: f64| (mm / 25.4 * 300.0) as usize;
    let blank_rows: Vec<usize> = (px(9.2) + 2..px(32.8) - 1)
        .filter(|&row| {
            (px(62.7) + 4..px(81.3) - 4).all(|col| {
                let at = (row * picture.width + col) * 3;
                picture.rgb[at..at + 3] == [255, 255, 255]
            })
        })
        .collect();
    assert!(
        blank_rows.is_empty(),
        "blank rows in the photo: {blank_rows:?}"
    );
}
