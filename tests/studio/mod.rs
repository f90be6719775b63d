//! `certpress studio`, driven without a browser (always) and in headless Chromium (when
//! installed): the page and its files, the state the page polls, pictures, the record
//! form's refusals, a scan dropped on it, the spec watched, SIGTERM.
//!
//! Compiled into the service's test binary (`mod studio;` in tests/serve.rs): the studio is
//! served by the same stack, and a test binary of its own would link the whole crate again.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::http;
use super::{BIN, ROOT};

/// A running `certpress studio` on a copy of the Liuzhou spec, killed when dropped.
struct Studio {
    child: Child,
    address: String,
    log: Arc<Mutex<String>>,
    /// The copied spec file, for the tests to edit.
    spec: PathBuf,
}

impl Studio {
    fn start(name: &str, flags: &[&str]) -> Studio {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("certpress-studio-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(Path::new(ROOT).join("specs/liuzhou")).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
        }
        let spec = dir.join("licence.ron");
        let mut command = Command::new(BIN);
        command
            .current_dir(ROOT)
            .arg("studio")
            .arg(&spec)
            .args(if flags.contains(&"--listen") {
                &[][..]
            } else {
                &["--listen", "127.0.0.1:0"][..]
            })
            .args(flags);
        let (mut child, log, line) = super::spawn_logged(command);
        let Some(address) = line
            .trim()
            .strip_prefix("certpress studio: http://")
            .and_then(|a| a.strip_suffix('/'))
        else {
            let _ = child.wait();
            std::thread::sleep(Duration::from_millis(100));
            panic!(
                "the studio did not start: stdout {line:?}, stderr:\n{}",
                log.lock().unwrap()
            );
        };
        Studio {
            address: address.to_owned(),
            child,
            log,
            spec,
        }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    fn get(&self, path: &str) -> http::Answer {
        http::get(&self.address, path).unwrap()
    }

    fn state(&self) -> serde_json::Value {
        let answer = self.get("/api/state");
        assert_eq!(answer.status, 200, "{}", answer.text());
        serde_json::from_slice(&answer.body).unwrap()
    }

    /// Rewrites the spec file with one replacement made (which must apply).
    fn edit_spec(&self, from: &str, to: &str) {
        let text = std::fs::read_to_string(&self.spec).unwrap();
        assert!(text.contains(from), "the spec has no {from:?}");
        std::fs::write(&self.spec, text.replacen(from, to, 1)).unwrap();
    }

    /// Polls the state until `ready` holds, at most 3 s (the watcher looks every 0.2 s).
    fn state_when(&self, ready: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
        let started = Instant::now();
        loop {
            let state = self.state();
            if ready(&state) {
                return state;
            }
            assert!(
                started.elapsed() < Duration::from_secs(3),
                "the studio did not pick up the edit within 3 s: {state}\nlog:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn picture(&self, query: &str) -> Vec<u8> {
        let answer = self.get(&format!("/api/picture.png?{query}"));
        assert_eq!(answer.status, 200, "{}", answer.text());
        assert_eq!(answer.header("content-type"), Some("image/png"));
        answer.body
    }
}

impl Drop for Studio {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A PNG's size in pixels, read by the `png` crate.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    let reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .expect("a PNG");
    let info = reader.info();
    (info.width, info.height)
}

/// The expected position of one part of one element, from the state.
fn expected(state: &serde_json::Value, element: &str, part: &str) -> (f64, f64) {
    let element = state["elements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == element)
        .unwrap_or_else(|| panic!("no element {element} in {state}"));
    let part = element["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["part"] == part)
        .unwrap_or_else(|| panic!("no part {part} in {element}"));
    (
        part["expected"]["x"].as_f64().unwrap(),
        part["expected"]["y"].as_f64().unwrap(),
    )
}

/// Every element of the Liuzhou spec, in spec order, as the library outlines it.
fn liuzhou_ids() -> Vec<String> {
    let template = certpress::Template::load(Path::new(ROOT).join("specs/liuzhou/licence.ron"))
        .expect("the Liuzhou spec loads");
    let ids: Vec<String> = template
        .spec()
        .outline()
        .into_iter()
        .map(|(id, _, _)| id)
        .collect();
    assert!(ids.len() >= 15, "{ids:?}");
    ids
}

#[test]
fn the_studio_serves_its_page_from_its_own_origin_and_the_spec_as_state() {
    let studio = Studio::start("page", &[]);
    // The page and its two files, under a policy that allows this origin only.
    for (path, kind) in [
        ("/", "text/html"),
        ("/studio.js", "text/javascript"),
        ("/studio.css", "text/css"),
    ] {
        let answer = studio.get(path);
        assert_eq!(answer.status, 200, "{path}");
        assert!(
            answer.header("content-type").unwrap().starts_with(kind),
            "{path}"
        );
        let csp = answer.header("content-security-policy").unwrap();
        assert!(csp.starts_with("default-src 'self'"), "{csp}");
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("http"),
            "{csp}"
        );
        assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
        // No file names another host: the SVG namespace is a name, not a fetch.
        let text = answer.text().replace("http://www.w3.org/2000/svg", "");
        assert!(
            !text.contains("http://") && !text.contains("https://") && !text.contains("//cdn"),
            "{path} refers to another host"
        );
    }
    // The page's controls, each reachable from the keyboard.
    let page = studio.get("/").text();
    for control in [
        "name=\"pass\" value=\"press\"",
        "name=\"pass\" value=\"print\"",
        "name=\"light\" value=\"uv\"",
        "id=\"plate\"",
        "id=\"overlay\"",
        "id=\"zoom\"",
        "id=\"scan-file\"",
    ] {
        assert!(page.contains(control), "the page has no {control}");
    }

    // The state: every element of the spec with its kind, its spec line, its boxes.
    let state = studio.state();
    assert_eq!(state["width_mm"], 420.0, "{state}");
    assert_eq!(state["height_mm"], 297.0);
    assert_eq!(state["tolerance_mm"], 1.0);
    assert!(state["spec_problem"].is_null(), "{}", state["spec_problem"]);
    let shown: Vec<&str> = state["elements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(shown, liuzhou_ids());
    let spec_text = std::fs::read_to_string(&studio.spec).unwrap();
    for element in state["elements"].as_array().unwrap() {
        let line = element["line"].as_u64().expect("every element has a line") as usize;
        let at = spec_text.lines().nth(line - 1).unwrap_or_default();
        let id = element["id"].as_str().unwrap();
        // The line is the element's own: its id or its kind's opening.
        let near: String = spec_text
            .lines()
            .skip(line - 1)
            .take(3)
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            near.contains(&format!("id: \"{id}\"")),
            "{id} at line {line}: {at:?}"
        );
        assert!(!element["kind"].as_str().unwrap().is_empty());
    }
    // Placed parts carry the spec's position; the issue date's label is at 252, 244 mm.
    assert_eq!(expected(&state, "issue_date", "Label"), (252.0, 244.0));
    // The record form's fields, with their kind and whether they are required.
    let fields = state["fields"].as_array().unwrap();
    let operator = fields.iter().find(|f| f["key"] == "operator_name").unwrap();
    assert_eq!(operator["required"], true, "{operator}");
    assert!(operator["max_chars"].as_u64().unwrap() > 0);
    assert_eq!(state["record"]["operator_name"], "柳州市鱼峰区桂香螺蛳粉店");
    // The plates the print shop separates, one per ink.
    let plates: Vec<&str> = state["plates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(plates.len() >= 4, "{plates:?}");

    // Pictures at the page's resolution: 100 dpi is 1654 × 1169 px for an A3 sheet; a
    // resolution between steps rounds up to the next 25 dpi.
    assert_eq!(png_size(&studio.picture("dpi=100")), (1654, 1169));
    assert_eq!(png_size(&studio.picture("dpi=90&v=7")), (1654, 1169));
    let press = studio.picture("pass=press&dpi=50");
    let print = studio.picture("pass=print&dpi=50");
    let uv = studio.picture("light=uv&dpi=50");
    assert_ne!(press, print);
    assert_ne!(press, uv);
    let plate = studio.picture(&format!("plate={}&dpi=50", plates[0]));
    assert_eq!(png_size(&plate), (827, 585));
    // Requests the page never makes are refused with the error shape.
    for bad in [
        "dpi=5000",
        "dpi=nan",
        "dpi=1",
        "pass=front",
        "colour=red",
        "plate=nothing",
    ] {
        let answer = studio.get(&format!("/api/picture.png?{bad}"));
        assert!(
            answer.status == 400 || answer.status == 422,
            "{bad}: {}",
            answer.status
        );
        let error: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
        assert!(error["error"]["code"].is_string(), "{bad}: {error}");
    }
    // The page's own CJK face, from this origin: a viewer without one still reads the
    // field names.
    let font = studio.get("/ui-font");
    assert_eq!(font.status, 200);
    assert_eq!(font.header("content-type"), Some("font/otf"));
    assert!(font.body.starts_with(b"OTTO"), "not an OpenType CFF font");
    assert_eq!(studio.get("/api/overlay.png").status, 404);
    assert_eq!(studio.get("/elsewhere").status, 404);
}

#[test]
fn the_studio_follows_spec_edits_and_keeps_the_last_good_picture_when_one_breaks() {
    let studio = Studio::start("watch", &[]);
    let before = studio.state();
    let version = before["version"].as_u64().unwrap();
    let picture_before = studio.picture("pass=print&dpi=50");

    // Move the issue date's label 4 mm up: the state and the picture follow.
    studio.edit_spec(
        "label: (text: \"制证日期\", at: (x: 252.0, y: 244.0)",
        "label: (text: \"制证日期\", at: (x: 252.0, y: 240.0)",
    );
    let moved = studio.state_when(|s| s["version"].as_u64().unwrap() > version);
    assert_eq!(expected(&moved, "issue_date", "Label"), (252.0, 240.0));
    let picture_moved = studio.picture("pass=print&dpi=50");
    assert_ne!(picture_before, picture_moved, "the picture did not change");

    // A broken edit: its error with the file and line, and the last good spec stays.
    let spec_text = std::fs::read_to_string(&studio.spec).unwrap();
    let line = spec_text
        .lines()
        .position(|l| l.trim() == "elements: [")
        .unwrap()
        + 1;
    studio.edit_spec("elements: [", "elements: [,,");
    let broken = studio.state_when(|s| !s["spec_problem"].is_null());
    let problem = &broken["spec_problem"];
    assert_eq!(problem["code"], "spec-syntax", "{problem}");
    assert_eq!(problem["line"].as_u64(), Some(line as u64), "{problem}");
    assert!(
        problem["file"].as_str().unwrap().ends_with("licence.ron"),
        "{problem}"
    );
    assert!(!problem["message"].as_str().unwrap().is_empty());
    assert_eq!(expected(&broken, "issue_date", "Label"), (252.0, 240.0));
    assert_eq!(studio.picture("pass=print&dpi=50"), picture_moved);

    // Mended: the problem goes.
    studio.edit_spec("elements: [,,", "elements: [");
    studio.state_when(|s| s["spec_problem"].is_null());
    assert!(studio.log().contains("reloaded"), "{}", studio.log());
}

#[test]
fn the_record_form_is_refused_at_its_field_and_a_dropped_scan_is_checked() {
    let studio = Studio::start("record", &[]);
    let post = |path: &str, kind: &str, body: &[u8]| {
        http::send(
            &studio.address,
            "POST",
            path,
            &[("Content-Type", kind)],
            body,
        )
        .unwrap()
    };
    let mut record = studio.state()["record"].clone();
    let picture = studio.picture("pass=print&dpi=50");

    // A record the spec refuses: the CLI's code, at its field; the last good picture stays.
    record["credit_code"] = "92450203MA5N8K2D7".into();
    let answer = post(
        "/api/record",
        "application/json",
        &serde_json::to_vec(&record).unwrap(),
    );
    assert_eq!(answer.status, 422, "{}", answer.text());
    let error: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(error["error"]["field"], "credit_code", "{error}");
    assert!(error["error"]["code"].is_string(), "{error}");
    let state = studio.state();
    assert_eq!(state["record_problem"]["field"], "credit_code");
    assert_eq!(studio.picture("pass=print&dpi=50"), picture);
    for not_a_record in [&b"[1, 2]"[..], b"{", b""] {
        let answer = post("/api/record", "application/json", not_a_record);
        assert_eq!(answer.status, 400, "{}", answer.text());
    }

    // A record it accepts: shown, and the picture follows.
    record["credit_code"] = "92450203MA5N8K2D76".into();
    record["operator_name"] = "柳州市城中区另一家店".into();
    let answer = post(
        "/api/record",
        "application/json",
        &serde_json::to_vec(&record).unwrap(),
    );
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert!(studio.state()["record_problem"].is_null());
    assert_ne!(studio.picture("pass=print&dpi=50"), picture);

    // Our own picture at 150 dpi, dropped as a scan: every element within tolerance, and
    // the overlay drawn over it.
    let scan = studio.picture("dpi=150");
    let answer = post("/api/check?dpi=150", "image/png", &scan);
    assert_eq!(answer.status, 200, "{}", answer.text());
    let report: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(report["pass"], true, "{report}");
    assert!(report["ink"].as_array().unwrap().len() > 10, "{report}");
    assert_eq!(studio.state()["check"]["pass"], true);
    let overlay = studio.get("/api/overlay.png");
    assert_eq!(overlay.status, 200);
    assert!(png_size(&overlay.body).0 > 1000);
    // Bytes that are no picture: refused with the error shape, nothing kept.
    let answer = post(
        "/api/check?dpi=150",
        "image/png",
        b"\x89PNG\r\n\x1a\nnot really",
    );
    assert_eq!(answer.status, 422, "{}", answer.text());
    assert!(
        serde_json::from_slice::<serde_json::Value>(&answer.body).unwrap()["error"]["code"]
            .is_string()
    );
}

#[test]
fn sigterm_stops_the_studio_and_beyond_loopback_it_warns() {
    let mut studio = Studio::start("stop", &[]);
    assert_eq!(studio.get("/").status, 200);
    let status = Command::new("kill")
        .args(["-TERM", &studio.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    let exit = loop {
        if let Some(exit) = studio.child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{}",
            studio.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(exit.success(), "{exit:?}: {}", studio.log());
    assert!(studio.log().contains("stopped"), "{}", studio.log());
    assert!(std::net::TcpStream::connect(&studio.address).is_err());

    // Listening on every interface: it says there is no authentication.
    let open = Studio::start("open", &["--listen", "0.0.0.0:0"]);
    let started = Instant::now();
    while !open.log().contains("no authentication") {
        assert!(started.elapsed() < Duration::from_secs(5), "{}", open.log());
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Debian's Chromium, when installed.
fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|name| {
            Command::new(name)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

/// The page's DOM after its script ran, and the URLs Chromium asked for (its net log).
fn browse(browser: &str, url: &str, run: &str) -> (String, String) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "certpress-studio-chromium-{}-{run}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let net_log = dir.join("net.json");
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=4000",
            "--window-size=1400,1000",
            &format!("--user-data-dir={}", dir.join("profile").display()),
            &format!("--log-net-log={}", net_log.display()),
            "--dump-dom",
            url,
        ])
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        dom.contains("<body"),
        "chromium printed no page: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (dom, std::fs::read_to_string(net_log).unwrap_or_default())
}

/// The URLs the page asked for: the requests in Chromium's net log whose initiator is the
/// page's origin (Chromium's own traffic, its update and account checks, has none).
fn page_requests(net_log: &str, origin: &str) -> Vec<String> {
    let log: serde_json::Value = serde_json::from_str(net_log).expect("a complete net log");
    let start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
        .as_u64()
        .expect("the net log names its event types");
    log["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"].as_u64() == Some(start_job))
        .filter(|e| e["params"]["initiator"].as_str() == Some(origin))
        .filter_map(|e| e["params"]["url"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn chromium_names_every_element_follows_an_edit_and_fetches_nothing_elsewhere() {
    let Some(browser) = chromium() else {
        eprintln!(
            "SKIPPED: no Chromium installed (apt-get install chromium); the studio's HTTP checks ran without it"
        );
        return;
    };
    let studio = Studio::start("chromium", &[]);
    let url = format!("http://{}/", studio.address);
    let (dom, net_log) = browse(browser, &url, "first");
    for id in liuzhou_ids() {
        assert!(
            dom.contains(&format!("data-id=\"{id}\"")),
            "the page does not name {id}"
        );
    }
    // The record form, from the spec's fields.
    assert!(dom.contains("id=\"field-operator_name\""), "no record form");
    let version = studio.state()["version"].as_u64().unwrap();
    assert!(
        dom.contains(&format!("v={version}")),
        "the picture is not the current version {version}"
    );
    let origin = format!("http://{}", studio.address);
    let asked = page_requests(&net_log, &origin);
    for path in [
        "/studio.js",
        "/studio.css",
        "/ui-font",
        "/api/state",
        "/api/picture.png",
    ] {
        let url = format!("{origin}{path}");
        assert!(
            asked.iter().any(|u| u.starts_with(&url)),
            "the page never asked for {path}: {asked:?}"
        );
    }
    let elsewhere: Vec<_> = asked
        .iter()
        .filter(|u| !u.starts_with(&format!("{origin}/")))
        .collect();
    assert!(
        elsewhere.is_empty(),
        "the page reached beyond its origin: {elsewhere:?}"
    );

    // An edit: the page's picture is the new version.
    studio.edit_spec(
        "label: (text: \"制证日期\", at: (x: 252.0, y: 244.0)",
        "label: (text: \"制证日期\", at: (x: 252.0, y: 240.0)",
    );
    let edited = studio.state_when(|s| s["version"].as_u64().unwrap() > version);
    let (dom, _) = browse(browser, &url, "edited");
    let now = edited["version"].as_u64().unwrap();
    assert!(
        dom.contains(&format!("v={now}")),
        "the picture did not follow the edit"
    );

    // A broken spec: its line on the page.
    studio.edit_spec("elements: [", "elements: [,,");
    let broken = studio.state_when(|s| !s["spec_problem"].is_null());
    let line = broken["spec_problem"]["line"].as_u64().unwrap();
    let (dom, _) = browse(browser, &url, "broken");
    assert!(
        dom.contains(&format!("licence.ron:{line}: spec-syntax")),
        "the page does not show the broken line {line}"
    );
    // Every element still named: the last good spec.
    assert!(dom.contains("data-id=\"qr_code\""));
}
