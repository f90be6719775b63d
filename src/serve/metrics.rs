//! What the service says about itself at `/metrics`, in Prometheus' text exposition format
//! (version 0.0.4), written by hand: a few counters and one histogram do not need a
//! metrics crate.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the render latency histogram, in seconds: a PDF takes milliseconds, a
/// 600 dpi PNG seconds.
const BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The service's counters. Cheap to update from every request.
#[derive(Default)]
pub struct Metrics {
    /// Answers by route template and status.
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    /// Error answers by error code.
    refusals: Mutex<BTreeMap<String, u64>>,
    /// Render latency by output format.
    renders: Mutex<BTreeMap<&'static str, Histogram>>,
    /// Connections closed because their headers did not arrive in time.
    header_timeouts: AtomicU64,
}

#[derive(Default)]
struct Histogram {
    /// Counts per bucket (not cumulative), the last one past every bound.
    counts: [u64; BUCKETS.len() + 1],
    sum_seconds: f64,
}

/// The gauges read at scrape time.
pub struct Gauges {
    /// Renders running now.
    pub running: usize,
    /// Renders waiting for a worker.
    pub waiting: usize,
    /// The render pool's size.
    pub workers: usize,
    /// Specs prepared and served.
    pub specs: usize,
    /// Specs that failed to load at start.
    pub failed_specs: usize,
    /// 1 while draining after SIGTERM.
    pub draining: bool,
}

impl Metrics {
    /// Counts one answer.
    pub fn answered(&self, route: &str, status: u16, refusal: Option<&str>) {
        let mut requests = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        *requests.entry((route.to_owned(), status)).or_default() += 1;
        drop(requests);
        if let Some(code) = refusal {
            let mut refusals = self.refusals.lock().unwrap_or_else(|e| e.into_inner());
            *refusals.entry(code.to_owned()).or_default() += 1;
        }
    }

    /// Records how long one render of `format` took (queue wait excluded).
    pub fn rendered(&self, format: &'static str, took: Duration) {
        let seconds = took.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|&bound| seconds <= bound)
            .unwrap_or(BUCKETS.len());
        let mut renders = self.renders.lock().unwrap_or_else(|e| e.into_inner());
        let histogram = renders.entry(format).or_default();
        histogram.counts[bucket] += 1;
        histogram.sum_seconds += seconds;
    }

    /// Counts a connection closed for a header timeout.
    pub fn header_timeout(&self) {
        self.header_timeouts.fetch_add(1, Ordering::Relaxed);
    }

    /// The exposition text.
    pub fn text(&self, gauges: &Gauges) -> String {
        let mut out = String::new();
        family(
            &mut out,
            "certpress_http_requests_total",
            "counter",
            "HTTP answers by route and status.",
        );
        for ((route, status), n) in self
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "certpress_http_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
        family(
            &mut out,
            "certpress_refusals_total",
            "counter",
            "Error answers by error code (the JSON error's code).",
        );
        for (code, n) in self
            .refusals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "certpress_refusals_total{{code=\"{}\"}} {n}",
                escape(code)
            );
        }
        family(
            &mut out,
            "certpress_render_seconds",
            "histogram",
            "Time to render one output on a worker, by format (queue wait excluded).",
        );
        for (format, histogram) in self
            .renders
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let mut cumulative = 0;
            for (bound, count) in BUCKETS.iter().zip(&histogram.counts) {
                cumulative += count;
                let _ = writeln!(
                    out,
                    "certpress_render_seconds_bucket{{format=\"{format}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            cumulative += histogram.counts[BUCKETS.len()];
            let _ = writeln!(
                out,
                "certpress_render_seconds_bucket{{format=\"{format}\",le=\"+Inf\"}} {cumulative}"
            );
            let _ = writeln!(
                out,
                "certpress_render_seconds_sum{{format=\"{format}\"}} {}",
                histogram.sum_seconds
            );
            let _ = writeln!(
                out,
                "certpress_render_seconds_count{{format=\"{format}\"}} {cumulative}"
            );
        }
        write_gauges(&mut out, gauges);
        family(
            &mut out,
            "certpress_header_timeouts_total",
            "counter",
            "Connections closed because the request headers did not arrive in time.",
        );
        let _ = writeln!(
            out,
            "certpress_header_timeouts_total {}",
            self.header_timeouts.load(Ordering::Relaxed)
        );
        if let Some(bytes) = resident_bytes() {
            gauge(
                &mut out,
                "process_resident_memory_bytes",
                "Resident memory size in bytes.",
                bytes as f64,
            );
        }
        out
    }
}

/// One gauge family with its value.
fn gauge(out: &mut String, name: &str, help: &str, value: f64) {
    family(out, name, "gauge", help);
    let _ = writeln!(out, "{name} {value}");
}

/// The render pool's and the catalog's gauges.
fn write_gauges(out: &mut String, gauges: &Gauges) {
    gauge(
        out,
        "certpress_renders_in_flight",
        "Renders running on a worker now.",
        gauges.running as f64,
    );
    gauge(
        out,
        "certpress_renders_waiting",
        "Renders waiting for a worker.",
        gauges.waiting as f64,
    );
    gauge(
        out,
        "certpress_render_workers",
        "The render pool's size.",
        gauges.workers as f64,
    );
    gauge(
        out,
        "certpress_specs_loaded",
        "Specs prepared at start and served.",
        gauges.specs as f64,
    );
    gauge(
        out,
        "certpress_specs_failed",
        "Specs that failed to load at start (see GET /v1/specs).",
        gauges.failed_specs as f64,
    );
    gauge(
        out,
        "certpress_draining",
        "1 while the service drains after SIGTERM.",
        if gauges.draining { 1.0 } else { 0.0 },
    );
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// A label value as the format quotes it.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The process's resident memory, where the system says it (Linux).
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // Linux pages are 4 KiB on every platform certpress is built for here.
    Some(pages * 4096)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gauges() -> Gauges {
        Gauges {
            running: 1,
            waiting: 2,
            workers: 2,
            specs: 3,
            failed_specs: 0,
            draining: false,
        }
    }

    #[test]
    fn the_histogram_is_cumulative_and_counts_every_render() {
        let metrics = Metrics::default();
        for ms in [0.5, 3.0, 3.0, 40.0, 60_000.0] {
            metrics.rendered("pdf", Duration::from_secs_f64(ms / 1000.0));
        }
        let text = metrics.text(&gauges());
        let line = |prefix: &str| {
            text.lines()
                .find(|l| l.starts_with(prefix))
                .unwrap_or_else(|| panic!("no {prefix} in\n{text}"))
                .rsplit(' ')
                .next()
                .unwrap()
                .to_owned()
        };
        assert_eq!(
            line("certpress_render_seconds_bucket{format=\"pdf\",le=\"0.001\"}"),
            "1"
        );
        assert_eq!(
            line("certpress_render_seconds_bucket{format=\"pdf\",le=\"0.005\"}"),
            "3"
        );
        assert_eq!(
            line("certpress_render_seconds_bucket{format=\"pdf\",le=\"0.05\"}"),
            "4"
        );
        assert_eq!(
            line("certpress_render_seconds_bucket{format=\"pdf\",le=\"30\"}"),
            "4"
        );
        assert_eq!(
            line("certpress_render_seconds_bucket{format=\"pdf\",le=\"+Inf\"}"),
            "5"
        );
        assert_eq!(line("certpress_render_seconds_count{format=\"pdf\"}"), "5");
        assert_eq!(line("certpress_renders_waiting"), "2");
    }

    #[test]
    fn answers_and_refusals_are_counted_by_label() {
        let metrics = Metrics::default();
        metrics.answered("/v1/specs/{name}/render", 200, None);
        metrics.answered("/v1/specs/{name}/render", 200, None);
        metrics.answered("/v1/specs/{name}/render", 422, Some("record"));
        metrics.answered("unmatched \"route\"", 404, Some("not-found"));
        let text = metrics.text(&gauges());
        assert!(text.contains(
            "certpress_http_requests_total{route=\"/v1/specs/{name}/render\",status=\"200\"} 2\n"
        ));
        assert!(text.contains("certpress_refusals_total{code=\"record\"} 1\n"));
        assert!(text.contains("route=\"unmatched \\\"route\\\"\""), "{text}");
    }
}
