//! Load test of `certpress serve`: starts the release binary on a loopback port, sends PDF
//! renders of the Liuzhou sample over 1, 8 and 64 kept-alive connections, then 20,000 more,
//! and reports PDFs per second, p50 and p99 latency, errors, and the server's resident
//! memory before and after. Every loop is bounded; the server is stopped with SIGTERM and
//! its exit status reported.
//!
//! ```sh
//! cargo build --release && cargo run --release --example loadgen
//! cargo run --release --example loadgen -- --soak 2000 --per-level 200   # quicker
//! ```

#[path = "../tests/common/http.rs"]
mod http;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PATH: &str = "/v1/specs/liuzhou/render?format=pdf";

struct Options {
    bin: String,
    specs: String,
    per_level: usize,
    soak: usize,
    soak_connections: usize,
}

fn options() -> Options {
    let mut options = Options {
        bin: "target/release/certpress".to_owned(),
        specs: "specs".to_owned(),
        per_level: 2000,
        soak: 20_000,
        soak_connections: 8,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .unwrap_or_else(|| panic!("{flag} needs a value"));
        let number = || {
            value
                .parse::<usize>()
                .unwrap_or_else(|_| panic!("{flag} {value}: a number"))
        };
        match flag.as_str() {
            "--bin" => options.bin = value.clone(),
            "--specs" => options.specs = value.clone(),
            "--per-level" => options.per_level = number(),
            "--soak" => options.soak = number(),
            "--soak-connections" => options.soak_connections = number(),
            _ => panic!(
                "unknown flag {flag}: --bin, --specs, --per-level, --soak, --soak-connections"
            ),
        }
    }
    options
}

/// The server's resident memory in MB, from /proc.
fn resident_mb(child: &Child) -> f64 {
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

struct Run {
    connections: usize,
    requests: usize,
    errors: usize,
    took: Duration,
    latencies: Vec<Duration>,
}

impl Run {
    fn quantile(&self, q: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let index = ((self.latencies.len() - 1) as f64 * q).round() as usize;
        self.latencies[index].as_secs_f64() * 1000.0
    }

    fn row(&self) -> String {
        format!(
            "| {} | {} | {:.1} | {:.0} | {:.1} | {:.1} | {} |",
            self.connections,
            self.requests,
            self.took.as_secs_f64(),
            self.requests as f64 / self.took.as_secs_f64(),
            self.quantile(0.5),
            self.quantile(0.99),
            self.errors
        )
    }
}

/// `requests` renders over `connections` connections, each kept alive.
fn drive(address: &str, body: &Arc<Vec<u8>>, connections: usize, requests: usize) -> Run {
    let started = Instant::now();
    let workers: Vec<_> = (0..connections)
        .map(|i| {
            let address = address.to_owned();
            let body = Arc::clone(body);
            // Spread the requests evenly; the first ones take the remainder.
            let share = requests / connections + usize::from(i < requests % connections);
            std::thread::spawn(move || {
                let mut latencies = Vec::with_capacity(share);
                let mut errors = 0;
                let mut connection = http::Connection::open(&address).ok();
                for _ in 0..share {
                    let sent = Instant::now();
                    let answer = match connection.as_mut() {
                        Some(c) => {
                            c.send("POST", PATH, &[("Content-Type", "application/json")], &body)
                        }
                        None => Err(std::io::Error::other("no connection")),
                    };
                    match answer {
                        Ok(a) if a.status == 200 && a.body.starts_with(b"%PDF") => {
                            latencies.push(sent.elapsed())
                        }
                        Ok(_) | Err(_) => {
                            errors += 1;
                            connection = http::Connection::open(&address).ok();
                        }
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut errors = 0;
    for worker in workers {
        let (l, e) = worker.join().expect("a load thread");
        latencies.extend(l);
        errors += e;
    }
    latencies.sort();
    Run {
        connections,
        requests,
        errors,
        took: started.elapsed(),
        latencies,
    }
}

fn main() {
    let options = options();
    let mut server = Command::new(&options.bin)
        .args([
            "serve",
            "--specs",
            &options.specs,
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "starting {} (cargo build --release first): {e}",
                options.bin
            )
        });
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line
        .trim()
        .strip_prefix("certpress serve: listening on http://")
        .unwrap_or_else(|| panic!("the server said {line:?}"))
        .to_owned();
    let body = Arc::new(std::fs::read(format!("{}/liuzhou/sample.json", options.specs)).unwrap());
    println!("server {} at {address}, pid {}", options.bin, server.id());

    // Warm up: the template's caches fill on the first licences.
    let warm = drive(&address, &body, 2, 200);
    assert_eq!(warm.errors, 0, "errors while warming up");
    let warmed = resident_mb(&server);

    println!("\n| connections | requests | seconds | PDFs/s | p50 ms | p99 ms | errors |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    let mut errors = 0;
    for connections in [1, 8, 64] {
        let run = drive(&address, &body, connections, options.per_level);
        errors += run.errors;
        println!("{}", run.row());
    }
    let before = resident_mb(&server);
    // The soak in four parts, the server's memory read after each: flat, or growing?
    let mut memory = vec![format!("{warmed:.1}"), format!("{before:.1}")];
    let mut soak = Vec::new();
    for part in 0..4 {
        let requests = options.soak / 4 + usize::from(part < options.soak % 4);
        let run = drive(&address, &body, options.soak_connections, requests);
        errors += run.errors;
        memory.push(format!("{:.1}", resident_mb(&server)));
        soak.push(run);
    }
    let mut all = Run {
        connections: options.soak_connections,
        requests: soak.iter().map(|r| r.requests).sum(),
        errors: soak.iter().map(|r| r.errors).sum(),
        took: soak.iter().map(|r| r.took).sum(),
        latencies: soak.into_iter().flat_map(|r| r.latencies).collect(),
    };
    all.latencies.sort();
    println!("{} (soak)", all.row());
    println!(
        "\nresident memory (MB), after warm-up, the three levels, then each quarter of the soak: {}",
        memory.join(" → ")
    );

    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let status = server.wait().expect("waiting for the server");
    println!("SIGTERM: the server exited with {status}");
    println!("errors: {errors}");
    if errors > 0 || !status.success() {
        std::process::exit(1);
    }
}
