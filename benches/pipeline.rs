//! Benchmarks of the pipeline's stages on the Liuzhou sample licence.
//!
//! Run with `cargo bench -p certpress-bench` from the repository root. The spec is
//! prepared once (a `Template`), outside the timed loops, as an issuing system would;
//! layout and PDF go through the template, rasters through the stage functions (the
//! underlay bench shows what the template saves).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

use certpress::batch::{self, BatchOptions, BatchRecord};
use certpress::fonts::FontOptions;
use certpress::record::credit_code::check_character;
use certpress::record::RawValue;
use certpress::spec::{LoadedSpec, Pass};
use certpress::{pdf, raster, record, Template};

/// A file of the repository, wherever cargo runs the bench from.
fn repo(path: &str) -> String {
    format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"))
}

fn pipeline(c: &mut Criterion) {
    let template = Template::load(repo("specs/liuzhou/licence.ron")).unwrap();
    let fonts = template.fonts();
    let record = record::Record::load(repo("specs/liuzhou/sample.json")).unwrap();
    let licence = template.issue(&record).unwrap();
    let laid_out = licence.layout();

    c.bench_function("layout one licence", |b| {
        b.iter(|| template.issue(&record).unwrap())
    });
    c.bench_function("PDF of one licence", |b| {
        b.iter(|| licence.pdf(&pdf::PdfOptions::default()).unwrap())
    });
    // A batch's records differ: each licence's content face is subset anew (the bench
    // above repeats the sample, whose subsets are remembered after the first).
    let varied = varied_records(&record, 512);
    // The same with the 宋体 chain cut to the full content face, as it was before the
    // desubroutinised GB 2312 copy led it: subsetting the full face gathers all of its
    // subroutines for every licence. Run side by side, as this machine's speed drifts.
    let spec_path = repo("specs/liuzhou/licence.ron");
    let text = std::fs::read_to_string(&spec_path).unwrap();
    // The 宋体 chain's GB 2312 copy is the one followed by the full face (the 隶书 stand-in
    // names the same copy alone, and keeps it).
    let copy = r#"(file: "NotoSerifCJKsc-Regular-GB2312.otf", stand_in: true),"#;
    let full = r#"(file: "NotoSerifCJKsc-Regular.otf", stand_in: true),"#;
    let chain = text
        .find(&format!("{copy}\n{}{full}", " ".repeat(16)))
        .expect("the 宋体 chain no longer leads with the GB 2312 copy");
    let cut = format!("{}{}", &text[..chain], &text[chain + copy.len()..]);
    let full_face_spec = LoadedSpec::from_str(&cut, &spec_path).unwrap();
    let full_face = Template::prepare(full_face_spec, &FontOptions::default()).unwrap();
    for (name, template) in [
        (
            "layout and PDF of one licence, a different record each time",
            &template,
        ),
        (
            "layout and PDF of one licence, a different record each time, full content face",
            &full_face,
        ),
    ] {
        let mut next = 0;
        c.bench_function(name, |b| {
            b.iter(|| {
                next = (next + 1) % varied.len();
                let licence = template.issue(&varied[next]).unwrap();
                licence.pdf(&pdf::PdfOptions::default()).unwrap()
            })
        });
    }
    let mut group = c.benchmark_group("raster 300 dpi");
    group.sample_size(10);
    group.bench_function("render, all passes", |b| {
        b.iter(|| raster::render(&laid_out.page, fonts, &raster::RasterOptions::default()).unwrap())
    });
    group.bench_function("render and encode PNG, all passes", |b| {
        b.iter(|| {
            raster::render(&laid_out.page, fonts, &raster::RasterOptions::default())
                .unwrap()
                .encode_png()
                .unwrap()
        })
    });
    // What a service or `batch --png` pays per licence: the press artwork is rasterised
    // once per spec (`raster::Underlay`) and each licence drawn over a copy of it.
    let underlay =
        raster::Underlay::new(&laid_out.page, fonts, &raster::RasterOptions::default()).unwrap();
    group.bench_function(
        "render over the press underlay and encode PNG, all passes",
        |b| {
            b.iter(|| {
                raster::render_over(
                    &laid_out.page,
                    fonts,
                    &raster::RasterOptions::default(),
                    &underlay,
                )
                .unwrap()
                .encode_png()
                .unwrap()
            })
        },
    );
    // The front door, warm: what a service or `batch --png` pays per licence. The PNG is
    // painted, filtered and deflated band by band over the press underlay (made by the
    // second raster), and a band none of the licence's own items reaches is the
    // underlay's, deflated once.
    group.bench_function("PNG of one licence, warm template (front door)", |b| {
        b.iter(|| licence.png(&raster::RasterOptions::default()).unwrap())
    });
    group.bench_function(
        "PDF and PNG of one licence, warm template (front door)",
        |b| {
            b.iter(|| {
                let pdf = licence.pdf(&pdf::PdfOptions::default()).unwrap();
                let png = licence.png(&raster::RasterOptions::default()).unwrap();
                (pdf, png)
            })
        },
    );
    // The same page without its guilloche (border band and background pattern): what the
    // security artwork costs.
    let mut plain = laid_out.page.clone();
    plain
        .items
        .retain(|item| !matches!(item.shape, certpress::display::Shape::Lines(_)));
    group.bench_function("render, all passes, without the guilloche", |b| {
        b.iter(|| raster::render(&plain, fonts, &raster::RasterOptions::default()).unwrap())
    });
    group.bench_function(
        "render and encode PNG, all passes, without the guilloche",
        |b| {
            b.iter(|| {
                raster::render(&plain, fonts, &raster::RasterOptions::default())
                    .unwrap()
                    .encode_png()
                    .unwrap()
            })
        },
    );
    group.bench_function("render and encode PNG, print pass", |b| {
        let options = raster::RasterOptions {
            pass: Some(Pass::Print),
            ..Default::default()
        };
        b.iter(|| {
            raster::render(&laid_out.page, fonts, &options)
                .unwrap()
                .encode_png()
                .unwrap()
        })
    });
    group.finish();
}

/// `count` records like `sample` with other operators, addresses and credit codes, so the
/// text (and the glyphs to embed) differs from one to the next.
fn varied_records(sample: &record::Record, count: usize) -> Vec<record::Record> {
    const SHOPS: [&str; 8] = [
        "桂香螺蛳粉店",
        "鱼峰便利店",
        "柳江理发店",
        "壶东药店",
        "红光五金店",
        "驾鹤茶社",
        "荣军水果店",
        "谷埠街书店",
    ];
    const SURNAMES: [char; 7] = ['王', '李', '覃', '韦', '蒙', '黄', '莫'];
    // 37 given names: with the 24 shop and street combinations, the glyph sets repeat only
    // after 888 records, well past the subset memo's 64.
    const GIVEN: [char; 37] = [
        '明', '华', '建', '国', '秀', '英', '海', '波', '丽', '芳', '军', '平', '刚', '桂', '兰',
        '强', '敏', '静', '磊', '洋', '勇', '艳', '杰', '娟', '涛', '超', '霞', '斌', '鹏', '琳',
        '辉', '玲', '峰', '婷', '宇', '欣', '晨',
    ];
    const STREETS: [&str; 6] = [
        "箭盘路",
        "柳石路",
        "东环大道",
        "文昌路",
        "屏山大道",
        "驾鹤路",
    ];
    (0..count)
        .map(|n| {
            let mut record = sample.clone();
            let first17 = format!("92450203MA5{:06}", (n + 1) * 7919 % 1_000_000);
            let check = check_character(&first17).unwrap();
            let mut set = |key: &str, value: String| {
                record.values.insert(key.into(), RawValue::Text(value));
            };
            set("credit_code", format!("{first17}{check}"));
            set(
                "operator_name",
                format!("柳州市鱼峰区{}{}", STREETS[n % 6], SHOPS[n % 8]),
            );
            set(
                "legal_representative",
                format!("{}{}", SURNAMES[n % SURNAMES.len()], GIVEN[n % GIVEN.len()]),
            );
            set(
                "business_address",
                format!(
                    "广西壮族自治区柳州市鱼峰区{}{}号{}栋",
                    STREETS[(n + 1) % 6],
                    n % 300 + 1,
                    n % 9 + 1
                ),
            );
            record
        })
        .collect()
}

/// Batch throughput: 50 licences (the sample with its own credit code each) to PDF files
/// with two jobs, every file written atomically, as `certpress batch --jobs 2` does.
fn batch(c: &mut Criterion) {
    const COUNT: usize = 50;
    let template = Template::load(repo("specs/liuzhou/licence.ron")).unwrap();
    let sample = record::Record::load(repo("specs/liuzhou/sample.json")).unwrap();
    let make = || {
        (1..=COUNT)
            .map(|n| {
                let mut record = sample.clone();
                let first17 = format!("92450203MA5{:06}", n * 7919);
                let check = check_character(&first17).unwrap();
                record.values.insert(
                    "credit_code".into(),
                    RawValue::Text(format!("{first17}{check}")),
                );
                BatchRecord {
                    line: n as u64,
                    record: Ok(record),
                }
            })
            .collect::<Vec<_>>()
    };
    let options = BatchOptions {
        out_dir: std::env::temp_dir().join("certpress-bench-batch"),
        // The records share the sample's licence number; each has its own credit code.
        name_key: Some("credit_code".into()),
        force: true,
        jobs: 2,
        ..Default::default()
    };
    let mut group = c.benchmark_group("batch");
    group.throughput(Throughput::Elements(COUNT as u64));
    group.sample_size(10);
    group.bench_function("50 PDFs, 2 jobs, files written", |b| {
        b.iter_batched(
            make,
            |records| {
                let report = batch::run(&template, records, &options, &|_, _| {}).unwrap();
                assert_eq!(report.written(), COUNT);
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

#[path = "../tests/common/keys.rs"]
mod keys;

/// The electronic licence and what signing costs per licence: the OFD, the archive
/// PDF/A-3b, a PAdES signature (ECDSA P-256, RSA 2048) and the OFD's SM2 seal. Keys are
/// loaded once, as a batch loads them.
fn electronic(c: &mut Criterion) {
    use certpress::sign::{time, Signer};
    let template = Template::load(repo("specs/liuzhou/licence.ron")).unwrap();
    let record = record::Record::load(repo("specs/liuzhou/electronic-copy.json")).unwrap();
    let licence = template.issue(&record).unwrap();
    let at = time::parse("2022-09-26T10:00:00+08:00").unwrap();
    let signer = |algorithm, seed| {
        let id = keys::identity(algorithm, seed, keys::FROM, keys::UNTIL);
        Signer::from_pem(&id.key_pem, &id.cert_pem, "1234567812345678").unwrap()
    };
    let (p256, rsa, sm2) = (
        signer(keys::Algorithm::P256, "bench p256"),
        signer(keys::Algorithm::Rsa, "bench rsa"),
        signer(keys::Algorithm::Sm2, "bench sm2"),
    );
    let plain = pdf::PdfOptions::default();
    let a3b = pdf::PdfOptions {
        standard: pdf::PdfStandard::A3b,
        ..Default::default()
    };
    c.bench_function("OFD of one licence", |b| {
        b.iter(|| licence.ofd(&Default::default()).unwrap())
    });
    c.bench_function("PDF/A-3b of one licence", |b| {
        b.iter(|| licence.pdf(&a3b).unwrap())
    });
    c.bench_function("PDF of one licence, PAdES ECDSA P-256", |b| {
        b.iter(|| licence.signed_pdf(&plain, &p256, at).unwrap())
    });
    c.bench_function("PDF of one licence, PAdES RSA 2048", |b| {
        b.iter(|| licence.signed_pdf(&plain, &rsa, at).unwrap())
    });
    c.bench_function("OFD of one licence, SM2 seal", |b| {
        b.iter(|| licence.sealed_ofd(&Default::default(), &sm2, at).unwrap())
    });
}

/// QA on a 600 dpi A3 scan, as a scanner writes it: a JPEG (quality 85) of the sheet on a
/// bed 10 mm wider each way, decoded, flattened, registered on the border's keyline,
/// resampled into sheet millimetres at 300 dpi and measured element by element. The
/// sheet is the sample's own 600 dpi proof (the work does not depend on how it lies). The
/// JPEG is also written to `target/scan-600dpi.jpg` for the whole-process figure
/// (`certpress check … --image target/scan-600dpi.jpg`).
fn scan_check(c: &mut Criterion) {
    use certpress::qa::check::CheckOptions;
    use certpress::qa::scan::Scan;
    let template = Template::load(repo("specs/liuzhou/licence.ron")).unwrap();
    let record = record::Record::load(repo("specs/liuzhou/sample.json")).unwrap();
    let licence = template.issue(&record).unwrap();
    let dpi = 600.0;
    let sheet = licence
        .raster(&raster::RasterOptions {
            dpi,
            ..Default::default()
        })
        .unwrap();
    let (sw, sh) = (sheet.width() as usize, sheet.height() as usize);
    let margin = (10.0 / 25.4 * dpi) as usize;
    let (w, h) = (sw + 2 * margin, sh + 2 * margin);
    let mut bed = vec![225u8; w * h * 3];
    let rgb = sheet.rgb();
    drop(sheet);
    for y in 0..sh {
        let to = ((y + margin) * w + margin) * 3;
        bed[to..to + sw * 3].copy_from_slice(&rgb[y * sw * 3..(y + 1) * sw * 3]);
    }
    drop(rgb);
    let mut jpeg = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut jpeg, 85);
    encoder.set_density(jpeg_encoder::PixelDensity::dpi(dpi as u16));
    encoder
        .encode(&bed, w as u16, h as u16, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    drop(bed);
    let _ = std::fs::write(repo("target/scan-600dpi.jpg"), &jpeg);
    let mut group = c.benchmark_group("scan");
    group.sample_size(10);
    group.bench_function(
        "check a 600 dpi A3 JPEG scan: decode, flatten, register, resample, measure",
        |b| {
            b.iter(|| {
                let scan = Scan::decode(&jpeg, None).unwrap();
                licence.check(Some(scan), CheckOptions::default()).unwrap()
            })
        },
    );
    group.finish();
}

criterion_group!(benches, pipeline, batch, electronic, scan_check);
criterion_main!(benches);
