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
    let profile = tempfile_dir("profile");
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
