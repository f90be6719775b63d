//! Benchmarks of the pipeline's stages on the Liuzhou sample licence.
//!
//! Run with `cargo bench`. Fonts and the spec are loaded once, outside the timed loops,
//! as an issuing system would.

use criterion::{criterion_group, criterion_main, Criterion};

use certpress::fonts::{FontBook, FontOptions};
use certpress::spec::{LoadedSpec, Pass};
use certpress::{layout, pdf, raster, record};

fn pipeline(c: &mut Criterion) {
    let spec = LoadedSpec::load("specs/liuzhou/licence.ron").unwrap();
    let fonts = FontBook::load(&spec, &FontOptions::default()).unwrap();
    let record = record::Record::load("specs/liuzhou/sample.json").unwrap();
    let bound = record::bind(&spec.spec, &record).unwrap();
    let laid_out = layout::layout(&spec, &fonts, &bound).unwrap();

    c.bench_function("layout one licence", |b| {
        b.iter(|| {
            layout::layout(&spec, &fonts, &record::bind(&spec.spec, &record).unwrap()).unwrap()
        })
    });
    c.bench_function("PDF of one licence", |b| {
        b.iter(|| pdf::pdf(&laid_out.page, &fonts, &pdf::PdfOptions::default()).unwrap())
    });
    let mut group = c.benchmark_group("raster 300 dpi");
    group.sample_size(10);
    group.bench_function("render, all passes", |b| {
        b.iter(|| {
            raster::render(&laid_out.page, &fonts, &raster::RasterOptions::default()).unwrap()
        })
    });
    group.bench_function("render and encode PNG, all passes", |b| {
        b.iter(|| {
            raster::render(&laid_out.page, &fonts, &raster::RasterOptions::default())
                .unwrap()
                .encode_png()
                .unwrap()
        })
    });
    group.bench_function("render and encode PNG, print pass", |b| {
        let options = raster::RasterOptions {
            pass: Some(Pass::Print),
            ..Default::default()
        };
        b.iter(|| {
            raster::render(&laid_out.page, &fonts, &options)
                .unwrap()
                .encode_png()
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
