//! The QR code's landing page: escaped, self-contained, and opened in a real browser
//! (headless Chromium) at phone size when one is installed.

mod common;

use std::path::PathBuf;
use std::process::Command;

use certpress::qa::image::Picture;
use certpress::Record;
use common::liuzhou;

const ELECTRONIC: &str = "specs/liuzhou/electronic-copy.json";

/// Markup and script in record text, where a careless page would run it.
const HOSTILE_NAME: &str = "</title><script>alert(1)</script><img src=x onerror=alert(2)>鱼峰店";
const HOSTILE_ADDRESS: &str = "\"><svg onload=alert(3)>箭盘路12号 & 'quoted'";

fn hostile_page() -> String {
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ELECTRONIC).unwrap()).unwrap();
    json["operator_name"] = HOSTILE_NAME.into();
    json["business_address"] = HOSTILE_ADDRESS.into();
    json["district"] = serde_json::Value::Null;
    let mut record = Record::from_json(&json.to_string(), "hostile").unwrap();
    record.folder = Some("specs/liuzhou".into());
    liuzhou().issue(&record).unwrap().landing_page().unwrap()
}

#[test]
fn record_text_is_escaped_and_the_page_needs_no_other_host() {
    let html = hostile_page();
    // No markup from the record: the page's own elements only.
    assert_eq!(html.matches("<script").count(), 0);
    assert_eq!(html.matches("<img").count(), 1, "only the licence picture");
    assert!(!html.contains("<svg"));
    assert!(html.contains("&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(
        html.contains("&quot;&gt;&lt;svg onload=alert(3)&gt;箭盘路12号 &amp; &apos;quoted&apos;")
    );
    // Self-contained: nothing is fetched, and the policy forbids fetching and scripts.
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no link to any host"
    );
    assert!(html.contains("default-src 'none'; img-src data:"));
    assert!(html.contains("src=\"data:image/png;base64,"));
    // The rows the spec declares, in order; the record's absent district is left out.
    assert!(!html.contains("所属区划"));
    let at = |s: &str| html.find(s).unwrap_or_else(|| panic!("{s} missing"));
    assert!(at("法定许可证（件）") < at("涉及审批部门"));
    assert!(at("<li>食品经营许可证（JY24502030012345）</li>") < at("制证日期"));
    assert!(html.contains("2022年9月26日"));
}

#[test]
fn a_spec_without_a_landing_page_says_so() {
    let template = certpress::Template::load("specs/health-card/card.ron").unwrap();
    let record = Record::load("specs/health-card/sample.json").unwrap();
    let err = template.issue(&record).unwrap().landing_page().unwrap_err();
    assert!(err.to_string().contains("landing_page"), "{err}");
}

/// Debian's Chromium, when installed.
fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            let ok = Command::new(name)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success());
            ok.then(|| PathBuf::from(name))
        })
}

fn headless(browser: &PathBuf, args: &[&str], page: &std::path::Path) -> std::process::Output {
    // A profile of its own for each run: two Chromiums on one profile, and the second
    // exits without a word.
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let profile = tempfile_dir(&format!("profile-{run}"));
    Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            &format!("--user-data-dir={}", profile.display()),
        ])
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs")
}

fn tempfile_dir(name: &str) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("certpress-landing-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn chromium_shows_the_hostile_text_as_text_on_a_phone() {
    let Some(browser) = chromium() else {
        eprintln!(
            "SKIPPED: no Chromium installed (apt-get install chromium); the Rust-only checks ran"
        );
        return;
    };
    let dir = tempfile_dir("page");
    let page = dir.join("licence.html");
    std::fs::write(&page, hostile_page()).unwrap();

    // The DOM the browser built: the record's markup is text inside the heading.
    let dom = headless(&browser, &["--dump-dom"], &page);
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("<h1>"), "Chromium gave no DOM:\n{dom}");
    assert_eq!(dom.matches("<script").count(), 0, "{dom}");
    assert_eq!(dom.matches("<img").count(), 1, "{dom}");
    assert_eq!(dom.matches("<svg").count(), 0, "{dom}");
    assert!(
        dom.contains("&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{dom}"
    );

    // At a phone's width (390 CSS px) nothing runs past the right edge, and the licence
    // picture is drawn.
    let shot = dir.join("phone.png");
    let out = headless(
        &browser,
        &[
            "--window-size=390,1600",
            &format!("--screenshot={}", shot.display()),
        ],
        &page,
    );
    assert!(
        shot.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let picture = Picture::load_png(&shot, Some(96.0)).unwrap();
    assert_eq!(picture.width, 390);
    let background = [0xf4, 0xf1, 0xea];
    let pixel = |x: usize, y: usize| &picture.rgb[(y * picture.width + x) * 3..][..3];
    for y in 0..picture.height {
        for x in picture.width - 12..picture.width {
            assert_eq!(
                pixel(x, y),
                background,
                "something reaches the right edge at ({x}, {y})"
            );
        }
    }
    // The licence picture: its red-brown border somewhere below the rows.
    let border = (0..picture.height)
        .flat_map(|y| (0..picture.width).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let p = pixel(x, y);
            p[0] > 180 && p[1] < 150 && p[2] < 150
        })
        .count();
    assert!(
        border > 200,
        "the licence picture is not drawn ({border} border pixels)"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A PNG of one colour.
fn solid_png(width: u32, height: u32, rgb: [u8; 3]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    let data: Vec<u8> = rgb
        .iter()
        .copied()
        .cycle()
        .take((width * height * 3) as usize)
        .collect();
    writer.write_image_data(&data).unwrap();
    writer.finish().unwrap();
    out
}

/// A JPEG of one colour.
fn solid_jpeg(width: u16, height: u16, rgb: [u8; 3]) -> Vec<u8> {
    let mut out = Vec::new();
    let data: Vec<u8> = rgb
        .iter()
        .copied()
        .cycle()
        .take(width as usize * height as usize * 3)
        .collect();
    jpeg_encoder::Encoder::new(&mut out, 90)
        .encode(&data, width, height, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    out
}

const HOSTILE_PERMIT: &str =
    "<img src=\"http://example.invalid/p.png\">食品经营许可证（JY24502030012345）";

/// The electronic record with three approvals' pictures: a red PNG and a yellow JPEG
/// beside it, a blue PNG as a data URL; the first permit's text hostile.
fn record_with_approvals(dir: &std::path::Path) -> Record {
    use base64::Engine as _;
    std::fs::create_dir_all(dir.join("approvals")).unwrap();
    std::fs::write(
        dir.join("approvals/food.png"),
        solid_png(600, 400, [220, 30, 30]),
    )
    .unwrap();
    std::fs::write(
        dir.join("approvals/ads.jpg"),
        solid_jpeg(800, 500, [240, 220, 20]),
    )
    .unwrap();
    let blue =
        base64::engine::general_purpose::STANDARD.encode(solid_png(2400, 1600, [30, 60, 220]));
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ELECTRONIC).unwrap()).unwrap();
    json["permits"][0] = HOSTILE_PERMIT.into();
    json["permit_images"] = serde_json::json!([
        "approvals/food.png",
        format!("data:image/png;base64,{blue}"),
        "approvals/ads.jpg"
    ]);
    std::fs::copy(
        "specs/liuzhou/seal-placeholder.svg",
        dir.join("seal-placeholder.svg"),
    )
    .unwrap();
    let mut record = Record::from_json(&json.to_string(), "approvals").unwrap();
    record.folder = Some(dir.to_path_buf());
    record
}

#[test]
fn the_approvals_pictures_are_on_the_page_in_order_with_their_permits() {
    let dir = tempfile_dir("approvals-lib");
    let licence = liuzhou().issue(&record_with_approvals(&dir)).unwrap();
    let html = licence.landing_page().unwrap();
    // Under the heading, in order, each captioned with its permit (markup as text).
    let at = |s: &str| html.find(s).unwrap_or_else(|| panic!("{s} missing"));
    assert!(at("<h2>法定许可证（件）清单</h2>") < at("id=\"approval-1\""));
    assert!(at("id=\"approval-1\"") < at("id=\"approval-2\""));
    assert!(at("id=\"approval-2\"") < at("id=\"approval-3\""));
    assert!(html.contains(
        "<figcaption>&lt;img src=&quot;http://example.invalid/p.png&quot;&gt;食品经营许可证"
    ));
    assert!(
        html.contains("<figcaption>户外广告设置许可（柳鱼城管广字〔2022〕第056号）</figcaption>")
    );
    assert_eq!(
        html.matches("<img").count(),
        4,
        "three approvals and the licence"
    );
    assert!(html.contains("src=\"data:image/jpeg;base64,"));
    assert!(!html.contains("src=\"http"), "nothing from another host");
    // A tap shows the picture at full size: its own figure, by :target, without script.
    assert!(html.contains("<a href=\"#approval-2\">"));

    // Beside the page: the pictures as files, referred to by relative path.
    let files = licence
        .landing_page_with(&certpress::LandingOptions {
            assets: Some("approvals".into()),
        })
        .unwrap();
    let names: Vec<&str> = files.assets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["approval-1.png", "approval-2.png", "approval-3.jpg"]
    );
    assert!(files
        .html
        .contains("<a href=\"approvals/approval-2.png\"><img src=\"approvals/approval-2.png\""));
    assert!(files.html.contains("img-src data: 'self'"));
    assert_eq!(
        files.html.matches("src=\"data:").count(),
        1,
        "only the licence picture is inline"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn approvals_pictures_are_refused_by_item_and_within_their_limits() {
    let dir = tempfile_dir("approvals-limits");
    let record = record_with_approvals(&dir);
    let with = |pictures: serde_json::Value| {
        let mut json = serde_json::to_value(&record.values).unwrap();
        json["permit_images"] = pictures;
        let mut r = Record::from_json(&json.to_string(), "limits").unwrap();
        r.folder = Some(dir.clone());
        r
    };
    let bind_error = |pictures: serde_json::Value| liuzhou().issue(&with(pictures)).unwrap_err();
    // SVG is no approval's copy; the item is named.
    let err = bind_error(serde_json::json!([
        "approvals/food.png",
        "data:image/svg+xml;base64,PHN2Zy8+"
    ]));
    assert_eq!(err.field(), Some("permit_images[1]"), "{err}");
    let err = bind_error(serde_json::json!(["../outside.png"]));
    assert_eq!(err.field(), Some("permit_images[0]"), "{err}");
    // More pictures than a page holds.
    let err = bind_error(serde_json::json!(vec!["approvals/food.png"; 21]));
    assert_eq!(err.field(), Some("permit_images"), "{err}");
    // A file that is not what its name says, and one missing: refused when the page is
    // made, by item.
    std::fs::write(
        dir.join("approvals/lies.png"),
        solid_jpeg(10, 10, [0, 0, 0]),
    )
    .unwrap();
    let page_error = |pictures: serde_json::Value| {
        liuzhou()
            .issue(&with(pictures))
            .unwrap()
            .landing_page()
            .unwrap_err()
    };
    let err = page_error(serde_json::json!([
        "approvals/food.png",
        "approvals/lies.png"
    ]));
    assert_eq!(err.field(), Some("permit_images[1]"), "{err}");
    let err = page_error(serde_json::json!(["approvals/gone.png"]));
    assert_eq!(err.field(), Some("permit_images[0]"), "{err}");
    // A picture that declares more pixels than the limit.
    let mut huge = solid_png(1, 1, [0, 0, 0]);
    huge[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    huge[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    std::fs::write(dir.join("approvals/huge.png"), huge).unwrap();
    let err = page_error(serde_json::json!(["approvals/huge.png"]));
    assert_eq!(err.field(), Some("permit_images[0]"), "{err}");
    // The page's total: pictures that would make it too heavy inline are refused with
    // the way out; beside the page they are fine.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let noise: Vec<u8> = (0..1500 * 1500 * 3)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as u8
        })
        .collect();
    let mut big = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut big, 1500, 1500);
        encoder.set_color(png::ColorType::Rgb);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&noise).unwrap();
    }
    std::fs::write(dir.join("approvals/big.png"), &big).unwrap();
    let heavy = with(serde_json::json!(vec!["approvals/big.png"; 5]));
    let licence = liuzhou().issue(&heavy).unwrap();
    let err = licence.landing_page().unwrap_err();
    assert!(err.to_string().contains("--page-assets"), "{err}");
    assert!(licence
        .landing_page_with(&certpress::LandingOptions {
            assets: Some("approvals".into())
        })
        .is_ok());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The page with the approvals at a phone's width in Chromium: every picture drawn within
/// the column, the captions' markup shown as text, nothing past the right edge; the same
/// with the pictures beside the page.
#[test]
fn chromium_draws_every_approval_on_a_phone() {
    let Some(browser) = chromium() else {
        eprintln!(
            "SKIPPED: no Chromium installed (apt-get install chromium); the Rust-only checks ran"
        );
        return;
    };
    let dir = tempfile_dir("approvals-chromium");
    let licence = liuzhou().issue(&record_with_approvals(&dir)).unwrap();
    let inline = licence.landing_page().unwrap();
    let beside = licence
        .landing_page_with(&certpress::LandingOptions {
            assets: Some("page-approvals".into()),
        })
        .unwrap();
    std::fs::create_dir_all(dir.join("page-approvals")).unwrap();
    for (name, bytes) in &beside.assets {
        std::fs::write(dir.join("page-approvals").join(name), bytes).unwrap();
    }
    for (name, html) in [("inline.html", &inline), ("beside.html", &beside.html)] {
        let page = dir.join(name);
        std::fs::write(&page, html).unwrap();
        let dom = headless(&browser, &["--dump-dom"], &page);
        let dom = String::from_utf8_lossy(&dom.stdout);
        assert_eq!(dom.matches("<img").count(), 4, "{name}: {dom}");
        assert!(
            dom.contains("&lt;img src=\"http://example.invalid/p.png\"&gt;食品经营许可证"),
            "{name}: the hostile caption is text"
        );
        assert!(
            !dom.contains("<img src=\"http"),
            "{name}: no element fetches from another host"
        );

        let shot = dir.join(format!("{name}.png"));
        let out = headless(
            &browser,
            &[
                "--window-size=390,5000",
                &format!("--screenshot={}", shot.display()),
            ],
            &page,
        );
        assert!(
            shot.exists(),
            "{name}: no screenshot: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let picture = Picture::load_png(&shot, Some(96.0)).unwrap();
        assert_eq!(picture.width, 390);
        let pixel = |x: usize, y: usize| &picture.rgb[(y * picture.width + x) * 3..][..3];
        // Each approval's colour, drawn as a block that fills the column and stays in it.
        for (colour, rgb) in [
            ("red", [220, 30, 30]),
            ("blue", [30, 60, 220]),
            ("yellow", [240, 220, 20]),
        ] {
            let near = |p: &[u8]| p.iter().zip(rgb.iter()).all(|(a, b)| a.abs_diff(*b) < 30);
            let (mut left, mut right, mut count) = (usize::MAX, 0, 0);
            for y in 0..picture.height {
                for x in 0..picture.width {
                    if near(pixel(x, y)) {
                        left = left.min(x);
                        right = right.max(x);
                        count += 1;
                    }
                }
            }
            assert!(
                count > 10_000,
                "{name}: the {colour} approval is not drawn ({count} pixels)"
            );
            assert!(
                right - left > 250,
                "{name}: the {colour} approval is {} px wide",
                right - left
            );
            assert!(
                right < picture.width - 12,
                "{name}: the {colour} approval runs past the column"
            );
        }
        let background = [0xf4, 0xf1, 0xea];
        for y in 0..picture.height {
            for x in picture.width - 8..picture.width {
                assert_eq!(
                    pixel(x, y),
                    background,
                    "{name}: something reaches the right edge at ({x}, {y})"
                );
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
