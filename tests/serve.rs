//! `certpress serve`, driven as an issuing system drives it: the binary started on a
//! loopback port, requests over TCP, answers compared with the CLI's files byte for byte,
//! bad requests of every kind, a burst past the queue, a client that trickles its headers,
//! SIGTERM during renders. The server is hyper (through axum); the client is a few lines of
//! std (tests/common/http.rs).

#[path = "common/http.rs"]
mod http;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_certpress");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const RENDER: &str = "/v1/specs/liuzhou/render";

/// A running `certpress serve`, killed when dropped.
struct Server {
    child: Child,
    address: String,
    log: Arc<Mutex<String>>,
}

impl Server {
    /// Starts the service on `specs` with extra flags, on a free loopback port.
    fn start(specs: &Path, flags: &[&str]) -> Server {
        let mut command = Command::new(BIN);
        command
            .arg("serve")
            .arg("--specs")
            .arg(specs)
            .args(["--listen", "127.0.0.1:0"])
            .args(flags);
        let (mut child, log, line) = spawn_logged(command);
        let Some(address) = line
            .trim()
            .strip_prefix("certpress serve: listening on http://")
        else {
            let _ = child.wait();
            std::thread::sleep(Duration::from_millis(100));
            panic!(
                "the service did not start: stdout {line:?}, stderr:\n{}",
                log.lock().unwrap()
            );
        };
        Server {
            address: address.to_owned(),
            child,
            log,
        }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Sends SIGTERM (through kill(1): std has no signals).
    fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("running kill");
        assert!(status.success());
    }

    /// Waits for the process to exit, at most `limit`.
    fn wait(&mut self, limit: Duration) -> std::process::ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                started.elapsed() < limit,
                "the service did not exit within {limit:?}; log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// A metric's value (`name{labels}` exactly as exposed), 0 when absent.
    fn metric(&self, series: &str) -> f64 {
        let text = http::get(&self.address, "/metrics").unwrap().text();
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or(0.0)
    }
}

/// Starts `command` (certpress serving something) with its stderr gathered into a log
/// as it comes, and reads the first line of its stdout (where it says its address).
fn spawn_logged(mut command: Command) -> (Child, Arc<Mutex<String>>, String) {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting certpress");
    let log = Arc::new(Mutex::new(String::new()));
    {
        let log = Arc::clone(&log);
        let mut stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                log.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buffer[..n]));
            }
        });
    }
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    (child, log, line)
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A specs folder for the service: the repository's specs (linked) and one broken spec.
fn specs_folder(name: &str) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("certpress-serve-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("broken")).unwrap();
    for spec in ["liuzhou", "health-card", "qingdao"] {
        std::os::unix::fs::symlink(Path::new(ROOT).join("specs").join(spec), dir.join(spec))
            .unwrap();
    }
    std::fs::write(
        dir.join("broken").join("licence.ron"),
        "(name: \"broken\", page: (width: 297.0, height: 420.0), elements: [,,])\n",
    )
    .unwrap();
    dir
}

fn sample() -> Vec<u8> {
    std::fs::read(Path::new(ROOT).join("specs/liuzhou/sample.json")).unwrap()
}

/// The sample with one field replaced.
fn sample_with(key: &str, value: serde_json::Value) -> Vec<u8> {
    let mut record: serde_json::Value = serde_json::from_slice(&sample()).unwrap();
    record[key] = value;
    serde_json::to_vec(&record).unwrap()
}

/// The error object of an error answer.
fn error_of(answer: &http::Answer) -> serde_json::Value {
    assert_eq!(
        answer.header("content-type"),
        Some("application/json"),
        "{}",
        answer.text()
    );
    let value: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    let error = value["error"].clone();
    assert!(
        error["code"].is_string() && error["message"].is_string(),
        "{value}"
    );
    error
}

/// What `certpress render` writes for the sample, by flag.
fn cli_render(dir: &Path, flags: &[&str]) -> Vec<u8> {
    cli_render_record(dir, "specs/liuzhou/sample.json", flags)
}

/// What `certpress render` writes for a record file of the repository, by flag.
fn cli_render_record(dir: &Path, record: &str, flags: &[&str]) -> Vec<u8> {
    let out = dir.join("cli.out");
    let status = Command::new(BIN)
        .arg("render")
        .arg(Path::new(ROOT).join("specs/liuzhou/licence.ron"))
        .arg("--data")
        .arg(Path::new(ROOT).join(record))
        .args(flags)
        .arg(&out)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "certpress render {flags:?}");
    std::fs::read(&out).unwrap()
}

#[test]
fn the_service_answers_what_the_cli_writes() {
    let dir = specs_folder("same");
    let server = Server::start(&dir, &[]);
    let address = server.address.as_str();

    assert_eq!(http::get(address, "/healthz").unwrap().status, 200);
    assert_eq!(http::get(address, "/readyz").unwrap().status, 200);

    // The specs, and the broken one reported by file and line, not fatal.
    let specs: serde_json::Value =
        serde_json::from_slice(&http::get(address, "/v1/specs").unwrap().body).unwrap();
    let names: Vec<&str> = specs["specs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["health-card", "liuzhou", "qingdao"]);
    let failed = &specs["failed"][0];
    assert_eq!(failed["name"], "broken");
    assert_eq!(failed["error"]["code"], "spec-syntax");
    assert!(
        failed["error"]["message"]
            .as_str()
            .unwrap()
            .contains("licence.ron:1"),
        "{failed}"
    );
    assert!(server.log().contains("NOT serving broken"));
    let liuzhou = &specs["specs"][1];
    assert_eq!(
        liuzhou["formats"],
        serde_json::json!(["pdf", "png", "ofd", "html"])
    );
    assert_eq!(
        (liuzhou["width_mm"].as_f64(), liuzhou["height_mm"].as_f64()),
        (Some(420.0), Some(297.0))
    );

    // The fields: what `certpress fields --json` prints.
    let fields = http::get(address, "/v1/specs/liuzhou/fields").unwrap();
    let cli = Command::new(BIN)
        .args(["fields", "--json"])
        .arg(Path::new(ROOT).join("specs/liuzhou/licence.ron"))
        .output()
        .unwrap();
    let served: serde_json::Value = serde_json::from_slice(&fields.body).unwrap();
    let printed: serde_json::Value = serde_json::from_slice(&cli.stdout).unwrap();
    assert_eq!(served, printed);
    assert!(served.as_array().unwrap().len() > 5);

    // The skeleton record renders.
    let skeleton = http::get(address, "/v1/specs/liuzhou/sample").unwrap();
    assert_eq!(skeleton.status, 200);
    let pdf = http::post_json(address, RENDER, &skeleton.body).unwrap();
    assert_eq!(pdf.status, 200, "{}", pdf.text());

    // Every format: the same bytes as the CLI.
    for (query, flags, content_type) in [
        ("", vec!["--pdf"], "application/pdf"),
        (
            "?format=pdf&standard=x-4",
            vec!["--pdf-standard", "x-4", "--pdf"],
            "application/pdf",
        ),
        (
            "?format=pdf&pass=print&offset_x=0.8",
            vec!["--pass", "print", "--offset-x", "0.8", "--pdf"],
            "application/pdf",
        ),
        (
            "?format=png&dpi=60",
            vec!["--dpi", "60", "--png"],
            "image/png",
        ),
        (
            "?format=png&dpi=50&view=uv&pass=press",
            vec!["--dpi", "50", "--view", "uv", "--pass", "press", "--png"],
            "image/png",
        ),
        ("?format=ofd", vec!["--ofd"], "application/ofd"),
        ("?format=html", vec!["--page"], "text/html; charset=utf-8"),
    ] {
        let answer = http::post_json(address, &format!("{RENDER}{query}"), &sample()).unwrap();
        assert_eq!(answer.status, 200, "{query}: {}", answer.text());
        assert_eq!(answer.header("content-type"), Some(content_type), "{query}");
        let cli = cli_render(&dir, &flags);
        assert!(
            answer.body == cli,
            "{query}: the service's bytes differ from `certpress render {flags:?}`"
        );
    }

    // Re-issue on change: the response names the record's digest and version; asked for
    // the rule, a changed record without a raised version is 409, raised it is issued.
    let first = http::post_json(address, RENDER, &sample()).unwrap();
    let digest = first.header("certpress-record-digest").unwrap().to_owned();
    assert_eq!(digest.len(), 64);
    assert_eq!(first.header("certpress-licence-version"), Some("1"));
    let rule = format!("{RENDER}?issued_record={digest}&issued_version=1");
    let same = http::post_json(address, &rule, &sample()).unwrap();
    assert_eq!(same.status, 200, "unchanged: {}", same.text());
    let changed = sample_with(
        "business_address",
        serde_json::json!("广西柳州市鱼峰区箭盘路14号"),
    );
    let refused = http::post_json(address, &rule, &changed).unwrap();
    assert_eq!(refused.status, 409, "{}", refused.text());
    assert!(
        refused.text().contains("version-not-raised") && refused.text().contains("licence_version")
    );
    let mut raised: serde_json::Value = serde_json::from_slice(&changed).unwrap();
    raised["licence_version"] = "2".into();
    let reissued = http::post_json(address, &rule, raised.to_string().as_bytes()).unwrap();
    assert_eq!(reissued.status, 200, "{}", reissued.text());
    assert_eq!(reissued.header("certpress-licence-version"), Some("2"));
    assert_ne!(
        reissued.header("certpress-record-digest"),
        Some(digest.as_str())
    );
    let half = http::post_json(address, &format!("{RENDER}?issued_version=1"), &sample()).unwrap();
    assert_eq!(half.status, 400, "{}", half.text());

    // The conformance report.
    let check = http::post_json(address, "/v1/specs/liuzhou/check", &sample()).unwrap();
    assert_eq!(check.status, 200, "{}", check.text());
    let report: serde_json::Value = serde_json::from_slice(&check.body).unwrap();
    assert_eq!(report["pass"], true);
    assert!(report["layout"].as_array().unwrap().len() > 15);
    assert!(report["ink"].as_array().unwrap().len() > 10);
    let print = http::post_json(address, "/v1/specs/liuzhou/check?pass=print", &sample()).unwrap();
    let print: serde_json::Value = serde_json::from_slice(&print.body).unwrap();
    assert!(print["layout"].as_array().unwrap().len() < report["layout"].as_array().unwrap().len());

    // The metrics counted it all.
    assert!(
        server.metric(
            "certpress_http_requests_total{route=\"/v1/specs/{name}/render\",status=\"200\"}"
        ) >= 8.0
    );
    assert!(server.metric("certpress_render_seconds_count{format=\"pdf\"}") >= 4.0);
    assert_eq!(server.metric("certpress_specs_failed"), 1.0);
    assert_eq!(server.metric("certpress_renders_in_flight"), 0.0);
}

#[test]
fn many_callers_at_once_each_get_their_own_answer() {
    let dir = specs_folder("parallel");
    let server = Server::start(&dir, &["--workers", "2", "--queue", "200"]);
    let reference = http::post_json(&server.address, RENDER, &sample()).unwrap();
    assert_eq!(reference.status, 200);
    let reference = Arc::new(reference.body);
    // Sixteen callers, 256 requests on kept-alive connections: every third record refused.
    const CALLERS: usize = 16;
    const EACH: usize = 16;
    let callers: Vec<_> = (0..CALLERS)
        .map(|caller| {
            let address = server.address.clone();
            let reference = Arc::clone(&reference);
            std::thread::spawn(move || {
                let mut connection = http::Connection::open(&address).unwrap();
                for i in 0..EACH {
                    let bad = (caller + i) % 3 == 0;
                    let body = if bad {
                        sample_with("credit_code", serde_json::json!("91450200MA5N8XXXX"))
                    } else {
                        sample()
                    };
                    let answer = connection
                        .send(
                            "POST",
                            RENDER,
                            &[("Content-Type", "application/json")],
                            &body,
                        )
                        .unwrap();
                    if bad {
                        assert_eq!(answer.status, 422, "{}", answer.text());
                        assert_eq!(error_of(&answer)["field"], "credit_code");
                    } else {
                        assert_eq!(answer.status, 200, "{}", answer.text());
                        assert!(answer.body == *reference, "a PDF differs from the first");
                    }
                }
            })
        })
        .collect();
    for caller in callers {
        caller.join().unwrap();
    }
    let bad = (0..CALLERS)
        .flat_map(|c| (0..EACH).map(move |i| (c + i) % 3 == 0))
        .filter(|&bad| bad)
        .count();
    assert_eq!(
        server.metric("certpress_refusals_total{code=\"record\"}"),
        bad as f64
    );
    assert_eq!(
        server.metric(
            "certpress_http_requests_total{route=\"/v1/specs/{name}/render\",status=\"200\"}"
        ),
        (CALLERS * EACH - bad + 1) as f64
    );
}

#[test]
fn bad_requests_get_the_error_shape_and_a_4xx() {
    let dir = specs_folder("bad");
    let server = Server::start(&dir, &["--max-body", "65536"]);
    let address = server.address.as_str();
    let cases: Vec<(&str, u16, &str, http::Answer)> = vec![
        (
            "malformed JSON",
            400,
            "malformed-json",
            http::post_json(address, RENDER, b"{\"operator_name\": ").unwrap(),
        ),
        (
            "not UTF-8",
            400,
            "malformed-json",
            http::post_json(address, RENDER, b"{\"a\": \"\xff\"}").unwrap(),
        ),
        (
            "unknown spec",
            404,
            "unknown-spec",
            http::post_json(address, "/v1/specs/shenzhen/render", &sample()).unwrap(),
        ),
        (
            "a spec that failed to load",
            404,
            "unknown-spec",
            http::post_json(address, "/v1/specs/broken/render", &sample()).unwrap(),
        ),
        (
            "unknown endpoint",
            404,
            "not-found",
            http::get(address, "/v2/licences").unwrap(),
        ),
        (
            "wrong method",
            405,
            "method-not-allowed",
            http::get(address, RENDER).unwrap(),
        ),
        (
            "body over the limit",
            413,
            "body-too-large",
            http::post_json(address, RENDER, &vec![b' '; 70_000]).unwrap(),
        ),
        (
            "wrong content type",
            415,
            "unsupported-media-type",
            http::send(
                address,
                "POST",
                RENDER,
                &[("Content-Type", "text/plain")],
                &sample(),
            )
            .unwrap(),
        ),
        (
            "no content type",
            415,
            "unsupported-media-type",
            http::send(address, "POST", RENDER, &[], &sample()).unwrap(),
        ),
        (
            "a record refused",
            422,
            "record",
            http::post_json(
                address,
                RENDER,
                &sample_with("issue_date", serde_json::json!("2022-13-45")),
            )
            .unwrap(),
        ),
        (
            "a required field missing",
            422,
            "record",
            http::post_json(address, RENDER, b"{\"operator_name\": \"x\"}").unwrap(),
        ),
        (
            "not an object",
            422,
            "record",
            http::post_json(address, RENDER, b"[1, 2]").unwrap(),
        ),
        (
            "a key twice",
            422,
            "record",
            http::post_json(
                address,
                RENDER,
                String::from_utf8(sample())
                    .unwrap()
                    .replacen('{', "{\"operator_name\": \"a validated name\", ", 1)
                    .as_bytes(),
            )
            .unwrap(),
        ),
        (
            "unknown format",
            400,
            "options",
            http::post_json(address, &format!("{RENDER}?format=docx"), &sample()).unwrap(),
        ),
        (
            "a misspelt parameter",
            400,
            "options",
            http::post_json(address, &format!("{RENDER}?format=png&dpii=300"), &sample()).unwrap(),
        ),
        (
            "dpi past the limit",
            400,
            "options",
            http::post_json(address, &format!("{RENDER}?format=png&dpi=4000"), &sample()).unwrap(),
        ),
        (
            "an OFD of one pass",
            400,
            "options",
            http::post_json(
                address,
                &format!("{RENDER}?format=ofd&pass=print"),
                &sample(),
            )
            .unwrap(),
        ),
        (
            "a calibration out of range",
            400,
            "options",
            http::post_json(
                address,
                &format!("{RENDER}?pass=print&offset_x=40"),
                &sample(),
            )
            .unwrap(),
        ),
        (
            "a landing page the spec does not declare",
            400,
            "options",
            http::post_json(
                address,
                "/v1/specs/qingdao/render?format=html",
                &std::fs::read(Path::new(ROOT).join("specs/qingdao/sample.json")).unwrap(),
            )
            .unwrap(),
        ),
    ];
    for (what, status, code, answer) in &cases {
        assert_eq!(answer.status, *status, "{what}: {}", answer.text());
        let error = error_of(answer);
        assert_eq!(error["code"], *code, "{what}: {error}");
    }
    // The refused record names its field and says what is wrong.
    let refused = error_of(&cases[9].3);
    assert_eq!(refused["field"], "issue_date");
    assert!(
        refused["message"].as_str().unwrap().contains("2022-13-45"),
        "{refused}"
    );
    // A body that claims more than the limit is refused before it is read.
    let mut connection = http::Connection::open(address).unwrap();
    connection
        .stream()
        .write_all(
            format!("POST {RENDER} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\n\r\n{{")
                .as_bytes(),
        )
        .unwrap();
    assert_eq!(connection.read_answer().unwrap().status, 413);
    // A chunked body gives no length: it is counted as it comes, and refused past the limit.
    let mut connection = http::Connection::open(address).unwrap();
    let chunk = vec![b' '; 16_384];
    let mut request = format!("POST {RENDER} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").into_bytes();
    for _ in 0..5 {
        request.extend(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend(&chunk);
        request.extend(b"\r\n");
    }
    request.extend(b"0\r\n\r\n");
    connection.stream().write_all(&request).unwrap();
    let answer = connection.read_answer().unwrap();
    assert_eq!(answer.status, 413, "{}", answer.text());
    assert_eq!(error_of(&answer)["code"], "body-too-large");
    // After all that, the service still renders.
    assert_eq!(
        http::post_json(address, RENDER, &sample()).unwrap().status,
        200
    );
    assert!(server.metric("certpress_refusals_total{code=\"options\"}") >= 6.0);
}

#[test]
fn a_burst_past_the_queue_gets_503_and_the_service_recovers() {
    let dir = specs_folder("burst");
    let server = Server::start(&dir, &["--workers", "1", "--queue", "1"]);
    // Twelve slow renders at once: one runs, one waits, the rest are refused at once.
    let path = format!("{RENDER}?format=png&dpi=150");
    let callers: Vec<_> = (0..12)
        .map(|_| {
            let address = server.address.clone();
            let path = path.clone();
            std::thread::spawn(move || http::post_json(&address, &path, &sample()).unwrap())
        })
        .collect();
    let answers: Vec<http::Answer> = callers.into_iter().map(|c| c.join().unwrap()).collect();
    let ok = answers.iter().filter(|a| a.status == 200).count();
    let refused: Vec<_> = answers.iter().filter(|a| a.status == 503).collect();
    assert_eq!(ok + refused.len(), 12, "only 200 and 503");
    assert!(ok >= 2, "the running and the queued render finish: {ok}");
    assert!(
        !refused.is_empty(),
        "a burst of 12 on 1 worker + 1 place is refused in part"
    );
    for answer in &refused {
        assert_eq!(answer.header("retry-after"), Some("1"));
        assert_eq!(error_of(answer)["code"], "overloaded");
    }
    assert_eq!(
        server.metric("certpress_refusals_total{code=\"overloaded\"}"),
        refused.len() as f64
    );
    // Afterwards it serves again.
    assert_eq!(
        http::post_json(&server.address, RENDER, &sample())
            .unwrap()
            .status,
        200
    );
}

#[test]
fn a_client_that_trickles_its_headers_is_cut_off_and_holds_nothing() {
    let dir = specs_folder("slow");
    let server = Server::start(
        &dir,
        &[
            "--header-timeout",
            "1",
            "--request-timeout",
            "1",
            "--max-connections",
            "4",
        ],
    );
    // Four slow clients take every connection slot, sending a byte a while.
    let mut slow: Vec<std::net::TcpStream> = (0..4)
        .map(|_| {
            let mut stream = std::net::TcpStream::connect(&server.address).unwrap();
            stream
                .write_all(b"POST /v1/specs/liuzhou/render HTTP/1.1\r\nHo")
                .unwrap();
            stream
        })
        .collect();
    let started = Instant::now();
    // A well-behaved client still gets through once the header timeout frees the slots.
    let answer = http::get(&server.address, "/healthz").unwrap();
    assert_eq!(answer.status, 200);
    // Every slow connection was closed by the server.
    for stream in &mut slow {
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let _ = stream.write_all(b"s");
        let mut rest = Vec::new();
        // The server closes (EOF, or a reset once it has gone): never a hang.
        let _ = stream.read_to_end(&mut rest);
    }
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "slow clients were not cut off"
    );
    // A kept-alive connection left idle after its answer is closed as well.
    let mut idle = http::Connection::open(&server.address).unwrap();
    assert_eq!(idle.send("GET", "/healthz", &[], b"").unwrap().status, 200);
    let idle_since = Instant::now();
    let mut rest = Vec::new();
    idle.stream()
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    assert_eq!(
        idle.stream().read_to_end(&mut rest).unwrap(),
        0,
        "closed, nothing sent"
    );
    assert!(idle_since.elapsed() < Duration::from_secs(20));
    // A body that trickles is answered 408 once the request timeout is over.
    let mut connection = http::Connection::open(&server.address).unwrap();
    connection
        .stream()
        .write_all(
            format!("POST {RENDER} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{")
                .as_bytes(),
        )
        .unwrap();
    let answer = connection.read_answer().unwrap();
    assert_eq!(answer.status, 408, "{}", answer.text());
    assert_eq!(error_of(&answer)["code"], "request-timeout");
    // Counted as the server's connection tasks end, a moment after the close.
    let counted = Instant::now();
    while server.metric("certpress_header_timeouts_total") < 4.0 {
        assert!(
            counted.elapsed() < Duration::from_secs(10),
            "header timeouts counted: {}",
            server.metric("certpress_header_timeouts_total")
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sigterm_finishes_the_renders_in_flight_and_exits_0() {
    let dir = specs_folder("drain");
    let mut server = Server::start(&dir, &["--workers", "1", "--queue", "8"]);
    let address = server.address.clone();
    // Four renders in flight (one running, three waiting) when SIGTERM arrives.
    let path = format!("{RENDER}?format=png&dpi=120");
    let callers: Vec<_> = (0..4)
        .map(|_| {
            let address = address.clone();
            let path = path.clone();
            std::thread::spawn(move || http::post_json(&address, &path, &sample()).unwrap())
        })
        .collect();
    let started = Instant::now();
    while server.metric("certpress_renders_waiting") + server.metric("certpress_renders_in_flight")
        < 4.0
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the renders never started"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    server.terminate();
    for caller in callers {
        let answer = caller.join().unwrap();
        assert_eq!(answer.status, 200, "{}", answer.text());
        assert!(answer.body.starts_with(b"\x89PNG"));
    }
    let status = server.wait(Duration::from_secs(60));
    assert!(
        status.success(),
        "exit status {status:?}; log:\n{}",
        server.log()
    );
    assert!(server.log().contains("drained"));
    // Nothing listens any more.
    assert!(std::net::TcpStream::connect(&address).is_err());
}

#[test]
fn the_openapi_description_covers_every_endpoint() {
    let dir = specs_folder("openapi");
    let server = Server::start(&dir, &[]);
    let answer = http::get(&server.address, "/openapi.json").unwrap();
    assert_eq!(answer.status, 200);
    let doc: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    for (path, method) in [
        ("/v1/specs", "get"),
        ("/v1/specs/{name}/fields", "get"),
        ("/v1/specs/{name}/sample", "get"),
        ("/v1/specs/{name}/render", "post"),
        ("/v1/specs/{name}/check", "post"),
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/metrics", "get"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing"
        );
    }
    let render = &doc["paths"]["/v1/specs/{name}/render"]["post"];
    let params: Vec<&str> = render["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for name in ["name", "format", "pass", "dpi", "view", "standard", "date"] {
        assert!(
            params.contains(&name),
            "render lacks parameter {name}: {params:?}"
        );
    }
    for status in ["200", "400", "404", "413", "415", "422", "503"] {
        assert!(
            render["responses"][status].is_object(),
            "render lacks {status}"
        );
    }
    assert!(render["responses"]["200"]["content"]["application/pdf"].is_object());
    // An outside validator, when one is installed.
    let file = dir.join("openapi.json");
    std::fs::write(&file, &answer.body).unwrap();
    match Command::new("python3")
        .args(["-c", "import sys, json; from openapi_spec_validator import validate; validate(json.load(open(sys.argv[1]))); print('valid')"])
        .arg(&file)
        .output()
    {
        Ok(out) if out.status.success() => {
            assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "valid")
        }
        Ok(out) if String::from_utf8_lossy(&out.stderr).contains("No module named") => eprintln!(
            "SKIPPED: openapi-spec-validator is not installed (pip install openapi-spec-validator); the Rust checks ran"
        ),
        Ok(out) => panic!(
            "openapi-spec-validator refused the description:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(_) => eprintln!("SKIPPED: no python3 for openapi-spec-validator; the Rust checks ran"),
    }
    // Prometheus' own parser reads the metrics, when it is installed.
    let metrics = http::get(&server.address, "/metrics").unwrap();
    let file = dir.join("metrics.txt");
    std::fs::write(&file, &metrics.body).unwrap();
    match Command::new("python3")
        .args(["-c", "import sys; from prometheus_client.parser import text_string_to_metric_families as p; print(sum(len(f.samples) for f in p(open(sys.argv[1]).read())))"])
        .arg(&file)
        .output()
    {
        Ok(out) if out.status.success() => {
            let samples: usize = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
            assert!(samples >= 7, "{samples} samples");
        }
        Ok(out) if String::from_utf8_lossy(&out.stderr).contains("No module named") => eprintln!(
            "SKIPPED: prometheus_client is not installed (pip install prometheus-client); the Rust checks ran"
        ),
        Ok(out) => panic!(
            "prometheus_client refused the metrics:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(_) => eprintln!("SKIPPED: no python3 for prometheus_client; the Rust checks ran"),
    }
}

#[test]
fn the_readme_python_client_renders_a_licence() {
    // The README's client, run as written, with its URL pointed at this server.
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    let start = readme
        .find("```python\n")
        .expect("the README has a Python client");
    let code = &readme[start + "```python\n".len()..];
    let code = &code[..code.find("```").unwrap()];
    assert!(code.lines().count() <= 12, "the README's client is short");
    let dir = specs_folder("python");
    let server = Server::start(&dir, &[]);
    let script = dir.join("client.py");
    std::fs::write(
        &script,
        code.replace(
            "http://127.0.0.1:8080",
            &format!("http://{}", server.address),
        ),
    )
    .unwrap();
    // It reads specs/liuzhou/sample.json and writes licence.pdf where it runs.
    let work = dir.join("python");
    std::fs::create_dir_all(&work).unwrap();
    std::os::unix::fs::symlink(Path::new(ROOT).join("specs"), work.join("specs")).unwrap();
    let out = match Command::new("python3")
        .arg(&script)
        .current_dir(&work)
        .output()
    {
        Ok(out) => out,
        Err(_) => {
            eprintln!("SKIPPED: no python3 to run the README's client; the Rust checks ran");
            return;
        }
    };
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let pdf = std::fs::read(work.join("licence.pdf")).unwrap();
    assert_eq!(pdf, cli_render(&dir, &["--pdf"]));
}

#[test]
fn a_photo_travels_in_the_record_as_a_data_url() {
    use base64::Engine as _;
    let dir = specs_folder("photo");
    let server = Server::start(&dir, &[]);
    let folder = Path::new(ROOT).join("specs/health-card");
    let mut record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("sample.json")).unwrap()).unwrap();
    let file = record["photo"].as_str().unwrap().to_owned();
    let path = "/v1/specs/health-card/render";
    // A file name means nothing to the service: refused, saying what to send instead.
    let refused =
        http::post_json(&server.address, path, &serde_json::to_vec(&record).unwrap()).unwrap();
    assert_eq!(refused.status, 422);
    let error = error_of(&refused);
    assert_eq!(error["field"], "photo");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("data:image/png;base64"),
        "{error}"
    );
    // The picture itself, as a data URL: the same PDF the CLI makes from the file.
    let photo = std::fs::read(folder.join(&file)).unwrap();
    record["photo"] = format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&photo)
    )
    .into();
    let answer =
        http::post_json(&server.address, path, &serde_json::to_vec(&record).unwrap()).unwrap();
    assert_eq!(answer.status, 200, "{}", answer.text());
    let out = dir.join("card.pdf");
    let status = Command::new(BIN)
        .arg("render")
        .arg(folder.join("card.ron"))
        .arg("--data")
        .arg(folder.join("sample.json"))
        .arg("--pdf")
        .arg(&out)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    assert!(
        answer.body == std::fs::read(&out).unwrap(),
        "the PDFs differ"
    );
    // A picture that is not what it says is the record's fault, by field.
    record["photo"] = format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&photo)
    )
    .into();
    let lie =
        http::post_json(&server.address, path, &serde_json::to_vec(&record).unwrap()).unwrap();
    assert_eq!(lie.status, 422);
    assert!(error_of(&lie)["message"]
        .as_str()
        .unwrap()
        .contains("holds a PNG"));
}

#[path = "common/keys.rs"]
mod keys;

#[test]
fn licences_are_signed_on_request_as_the_cli_signs_them() {
    use base64::Engine as _;
    use keys::{identity, write, Algorithm, FROM, UNTIL};
    let dir = specs_folder("sign");
    let seal = identity(Algorithm::Sm2, "serve: the authority's seal", FROM, UNTIL);
    let pades = identity(Algorithm::P256, "serve: the PDF signer", FROM, UNTIL);
    let (seal_key, seal_cert) = write(&seal, &dir, "seal");
    let (pades_key, pades_cert) = write(&pades, &dir, "pades");
    let path = |p: &Path| p.to_str().unwrap().to_owned();
    let keys = [
        "--sign-key".to_owned(),
        path(&seal_key),
        "--sign-cert".to_owned(),
        path(&seal_cert),
        "--sign-key".to_owned(),
        path(&pades_key),
        "--sign-cert".to_owned(),
        path(&pades_cert),
    ];
    let flags: Vec<&str> = keys.iter().map(String::as_str).collect();
    let server = Server::start(&dir, &flags);
    let time = "2026-03-01T10:00:00+08:00";
    // The electronic copy, its seal artwork carried in the record (an SVG data URL).
    let copy = "specs/liuzhou/electronic-copy.json";
    let mut record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(Path::new(ROOT).join(copy)).unwrap()).unwrap();
    let artwork = std::fs::read(
        Path::new(ROOT)
            .join("specs/liuzhou")
            .join(record["seal_image"].as_str().unwrap()),
    )
    .unwrap();
    record["seal_image"] = format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&artwork)
    )
    .into();
    let record = serde_json::to_vec(&record).unwrap();
    for (format, flag) in [("ofd", "--ofd"), ("pdf", "--pdf")] {
        let answer = http::post_json(
            &server.address,
            &format!("{RENDER}?format={format}&sign=true&sign_time=2026-03-01T10:00:00%2B08:00"),
            &record,
        )
        .unwrap();
        assert_eq!(answer.status, 200, "{format}: {}", answer.text());
        let mut cli_flags = flags.clone();
        cli_flags.extend(["--sign-time", time, flag]);
        // `render` refuses a key that signs nothing asked for: give it only the one.
        let cli_flags: Vec<&str> = match format {
            "ofd" => [&cli_flags[..4], &cli_flags[8..]].concat(),
            _ => cli_flags[4..].to_vec(),
        };
        let cli = cli_render_record(&dir, copy, &cli_flags);
        assert!(
            answer.body == cli,
            "{format}: the signed bytes differ from the CLI's"
        );
        // certpress verify reads it back as intact.
        let file = dir.join(format!("signed.{format}"));
        std::fs::write(&file, &answer.body).unwrap();
        let verified = Command::new(BIN).arg("verify").arg(&file).output().unwrap();
        assert!(
            verified.status.success(),
            "{}",
            String::from_utf8_lossy(&verified.stdout)
        );
    }
    // Unsigned stays unsigned, and what cannot be signed is refused.
    let plain = http::post_json(&server.address, RENDER, &sample()).unwrap();
    assert_eq!(plain.body, cli_render(&dir, &["--pdf"]));
    let png = http::post_json(
        &server.address,
        &format!("{RENDER}?format=png&sign=true"),
        &sample(),
    )
    .unwrap();
    assert_eq!(png.status, 400);
    // The keys were read, never logged.
    let secret_line = seal.key_pem.lines().nth(1).unwrap();
    assert!(!server.log().contains(secret_line));
    // A service without keys says how to give it some.
    let unkeyed = Server::start(&dir, &[]);
    let refused = http::post_json(
        &unkeyed.address,
        &format!("{RENDER}?format=ofd&sign=true"),
        &sample(),
    )
    .unwrap();
    assert_eq!(refused.status, 400);
    assert!(error_of(&refused)["message"]
        .as_str()
        .unwrap()
        .contains("--sign-key"));
}

/// `serve --seal`: every OFD sealed with the seal a seal system issued, checked at start.
#[test]
fn the_service_seals_with_an_issued_seal() {
    use der::{DecodePem, Encode};
    use keys::{authority, write, Algorithm, FROM, UNTIL};
    let dir = specs_folder("esl");
    let maker = authority(Algorithm::Sm2, "serve: seal maker", FROM, UNTIL);
    let officer = authority(Algorithm::Sm2, "serve: officer", FROM, UNTIL);
    let stranger = authority(Algorithm::Sm2, "serve: stranger", FROM, UNTIL);
    let maker_signer =
        certpress::sign::Signer::from_pem(&maker.key_pem, &maker.cert_pem, "1234567812345678")
            .unwrap();
    let officer_der = x509_cert::Certificate::from_pem(&officer.cert_pem)
        .unwrap()
        .to_der()
        .unwrap();
    let esl = certpress::sign::seal::make_seal(
        &maker_signer,
        &certpress::sign::seal::SealSpec {
            name: "柳州市鱼峰区行政审批局".into(),
            es_id: "4502030000009".into(),
            kind: 1,
            valid: (
                certpress::sign::time::parse("2021-01-01T00:00:00Z").unwrap(),
                certpress::sign::time::parse("2039-01-01T00:00:00Z").unwrap(),
            ),
            picture: (
                std::fs::read(Path::new(ROOT).join("tests/pictures/photo.jpg")).unwrap(),
                "JPG".into(),
            ),
            size_mm: (42, 42),
            signers: vec![officer_der],
        },
    )
    .unwrap();
    let esl_file = dir.join("seal.esl");
    std::fs::write(&esl_file, &esl).unwrap();
    let (key, cert) = write(&officer, &dir, "officer");
    let path = |p: &Path| p.to_str().unwrap().to_owned();
    let flags = [
        "--sign-key".to_owned(),
        path(&key),
        "--sign-cert".to_owned(),
        path(&cert),
        "--seal".to_owned(),
        path(&esl_file),
    ];
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let server = Server::start(&dir, &flags);
    // The plain sample carries no seal artwork: the issued seal's picture is the stamp.
    let answer = http::post_json(
        &server.address,
        &format!("{RENDER}?format=ofd&sign=true&sign_time=2026-03-01T10:00:00%2B08:00"),
        &sample(),
    )
    .unwrap();
    assert_eq!(answer.status, 200, "{}", answer.text());
    let file = dir.join("sealed.ofd");
    std::fs::write(&file, &answer.body).unwrap();
    let verified = Command::new(BIN).arg("verify").arg(&file).output().unwrap();
    let said = String::from_utf8_lossy(&verified.stdout);
    assert!(verified.status.success(), "{said}");
    assert!(said.contains("made by CN=serve: seal maker"), "{said}");
    // A seal that does not authorise the key stops the start, saying why.
    let (key, cert) = write(&stranger, &dir, "stranger");
    let refused = Command::new(BIN)
        .arg("serve")
        .arg("--specs")
        .arg(&dir)
        .args(["--listen", "127.0.0.1:0", "--sign-key"])
        .arg(&key)
        .arg("--sign-cert")
        .arg(&cert)
        .arg("--seal")
        .arg(&esl_file)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("does not authorise"));
}

mod studio;
