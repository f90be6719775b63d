//! Batch issuing: thousands of records through one spec, on every core.
//!
//! One prepared [`Template`] is shared by the workers; each record is issued and rendered
//! on its own, and its files handed to one writer thread that writes them atomically, in
//! groups (temporaries written, synced, renamed, folders synced), so that rendering waits
//! for the disk only when a bounded amount of files is waiting for it. A bad record is
//! reported with its line and field and does not stop the others; the refused records
//! are listed in the output folder's `errors.jsonl`. Licences already written are skipped
//! unless `force` is set, so a re-run after a fix renders only what is missing.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::output::{remove_stale_temporaries, write_atomic, FileSet};

mod read;
mod writer;

use crate::record::RawValue;
use crate::template::Template;
use crate::{pdf, raster};
pub use read::{read_records, BatchRecord, CSV_LIST_SEPARATOR};
use writer::{write_all, Budget, Pending, Rendered};

/// What to write for each record.
#[derive(Debug, Clone)]
pub struct BatchOptions {
    /// The folder the licences go to (created if missing).
    pub out_dir: PathBuf,
    /// The record key whose value names each file. Default: `licence_number` when the
    /// spec requires one (the document's own identifier; an enterprise holding licences
    /// for several industries has one credit code and several licences), else
    /// `credit_code` when required, else the line number.
    pub name_key: Option<String>,
    /// Writes a PDF per record. Default: true.
    pub pdf: bool,
    /// Writes a PNG per record at this resolution. Default: none.
    pub png_dpi: Option<f64>,
    /// Writes the electronic licence (OFD) per record; a PDF/A-3b carries it too.
    /// Default: false.
    pub ofd: bool,
    /// How the OFDs write colours. Default: the daylight proof in RGB.
    pub ofd_colour: crate::OfdColour,
    /// Writes the QR code's landing page (HTML) per record. Default: false.
    pub page: bool,
    /// Signs every licence with these keys, loaded once: the PDF with PAdES, the OFD with
    /// the seal. Default: none.
    pub signing: Option<std::sync::Arc<crate::sign::Signing>>,
    /// Options of each PDF (pass and calibration apply to the PNGs too). Default: the
    /// composite, titled with the spec's name.
    pub pdf_options: pdf::PdfOptions,
    /// Re-renders every licence, identical or not. Default: false: a licence whose files
    /// exist and whose stamp shows the same inputs is skipped; any other is rendered
    /// ([`crate::reissue`]).
    pub force: bool,
    /// Refuses a licence whose record changed since its files were written unless its
    /// version (版本号) was raised: different content never goes out under one identifier.
    /// Default: false.
    pub require_new_version: bool,
    /// Worker threads. Default: every core.
    pub jobs: usize,
    /// Renders only this share of the records, for a batch spread over machines.
    /// Default: none, every record.
    pub shard: Option<Shard>,
}

/// One of `count` shares of a batch: the records at positions `index`, `index + count`,
/// `index + 2 × count`, … of the file (0-based). Deterministic, so the shards of a batch
/// together render every record once, and each file is the one the whole batch writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This share, from 0.
    pub index: usize,
    /// How many shares.
    pub count: usize,
}

impl Shard {
    /// Share `index` of `count`, or why not.
    pub fn new(index: usize, count: usize) -> Result<Self> {
        if count == 0 || index >= count {
            return Err(Error::Options {
                message: format!(
                    "shard {index}/{count}: the index counts from 0 and stays under the count"
                ),
            });
        }
        Ok(Self { index, count })
    }

    /// Reads `I/N` (`--shard 2/8`).
    pub fn parse(text: &str) -> Result<Self> {
        let bad = || Error::Options {
            message: format!("--shard {text:?}: write INDEX/COUNT, e.g. 0/4"),
        };
        let (index, count) = text.split_once('/').ok_or_else(bad)?;
        let number = |v: &str| v.trim().parse::<usize>().map_err(|_| bad());
        Self::new(number(index)?, number(count)?)
    }

    /// Whether the record at `position` (0-based, in file order) is this share's.
    pub fn holds(&self, position: usize) -> bool {
        position % self.count == self.index
    }

    /// The file listing this share's refused records: `errors-I-of-N.jsonl`, so the
    /// shards of one batch can write into one folder.
    pub fn errors_file(&self) -> String {
        format!("errors-{}-of-{}.jsonl", self.index, self.count)
    }
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            out_dir: PathBuf::from("."),
            name_key: None,
            pdf: true,
            png_dpi: None,
            ofd: false,
            ofd_colour: crate::OfdColour::default(),
            page: false,
            signing: None,
            pdf_options: pdf::PdfOptions::default(),
            force: false,
            require_new_version: false,
            jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
            shard: None,
        }
    }
}

/// What happened to one record.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// Rendered and written.
    Written {
        /// The files written.
        files: Vec<PathBuf>,
    },
    /// Rendered and written over the files an earlier run had made from other inputs (a
    /// changed record, spec, font or option).
    Rerendered {
        /// The files written.
        files: Vec<PathBuf>,
    },
    /// Its files exist already, made from the same inputs (and `force` was not set).
    Skipped {
        /// The existing files.
        files: Vec<PathBuf>,
    },
    /// Refused: nothing written.
    Failed(BatchError),
}

/// A refused record, as the machine-readable error file lists it.
#[derive(Debug, Clone, Serialize)]
pub struct BatchError {
    /// Line of the batch file.
    pub line: u64,
    /// The record field or spec element concerned, when one is.
    pub field: Option<String>,
    /// A stable code (`record`, `overflow`, `missing-glyph`, …).
    pub code: String,
    /// The full message.
    pub message: String,
}

/// The result of a batch, in the order of the file.
#[derive(Debug, Clone, Serialize)]
pub struct BatchReport {
    /// Per record: its line and what happened.
    pub records: Vec<(u64, Outcome)>,
    /// Where the refused records are listed, one JSON object per line (`line`, `field`,
    /// `code`, `message`); `None` when none was refused (a list left by an earlier run
    /// is removed: it no longer applies).
    pub errors_file: Option<PathBuf>,
    /// Temporary files a stopped run had left in the output folder, removed before this
    /// one started.
    pub removed_temporaries: usize,
}

/// The file in the output folder that lists a batch's refused records.
pub const ERRORS_FILE: &str = "errors.jsonl";

impl BatchReport {
    /// Records written.
    pub fn written(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Written { .. }))
    }

    /// Records rendered again because their inputs changed.
    pub fn rerendered(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Rerendered { .. }))
    }

    /// Records skipped because their files exist, made from the same inputs.
    pub fn skipped(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Skipped { .. }))
    }

    /// The refused records.
    pub fn failures(&self) -> impl Iterator<Item = &BatchError> {
        self.records.iter().filter_map(|(_, o)| match o {
            Outcome::Failed(e) => Some(e),
            _ => None,
        })
    }

    fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.records.iter().filter(|(_, o)| f(o)).count()
    }
}

/// Renders every record, `options.jobs` at a time, then lists the refused ones in
/// [`ERRORS_FILE`]. `progress` is called after each record with the number done and the
/// total (from any worker thread).
///
/// ```
/// use certpress::batch::{self, BatchOptions};
/// use certpress::Template;
///
/// let template = Template::load("specs/liuzhou/licence.ron")?;
/// let dir = std::env::temp_dir().join(format!("certpress-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let sample = std::fs::read_to_string("specs/liuzhou/sample.json").unwrap();
/// let jsonl = dir.join("records.jsonl");
/// std::fs::write(&jsonl, sample.replace('\n', "") + "\n").unwrap();
///
/// let records = batch::read_records(&jsonl, template.spec())?;
/// let options = BatchOptions { out_dir: dir.join("out"), ..Default::default() };
/// let report = batch::run(&template, records, &options, &|done, total| {
///     eprintln!("{done}/{total}");
/// })?;
/// assert_eq!(report.written(), 1);
/// assert!(dir.join("out/柳鱼一业一证〔2022〕0001号.pdf").exists());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), certpress::Error>(())
/// ```
pub fn run(
    template: &Template,
    records: Vec<BatchRecord>,
    options: &BatchOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<BatchReport> {
    run_with(template, records, options, progress, &one)
}

/// [`run`], each record rendered by `render`.
fn run_with(
    template: &Template,
    records: Vec<BatchRecord>,
    options: &BatchOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
    render: &RenderOne,
) -> Result<BatchReport> {
    let spec = template.spec();
    // Options the back ends would refuse for every record are refused once, up front.
    let pdf_options = &options.pdf_options;
    crate::production::check_registration(pdf_options.calibration, pdf_options.pass)?;
    std::fs::create_dir_all(&options.out_dir).map_err(|e| Error::io(&options.out_dir, e))?;
    let removed_temporaries = remove_stale_temporaries(&options.out_dir)?;
    let name_key = options.name_key.clone().or_else(|| {
        ["licence_number", "credit_code"]
            .into_iter()
            .find(|k| spec.spec.fields.get(*k).is_some_and(|f| f.required))
            .map(str::to_owned)
    });
    if let Some(key) = &name_key {
        if !spec.spec.fields.contains_key(key) {
            return Err(Error::Options {
                message: format!("the name key `{key}` is not a field of the spec"),
            });
        }
    }
    // What besides the record shapes the files: the options and the keys' certificates.
    let options_digest = options_digest(options);
    let stamps = options.out_dir.join(crate::reissue::STAMPS);
    std::fs::create_dir_all(&stamps).map_err(|e| Error::io(&stamps, e))?;
    remove_stale_temporaries(&stamps).ok();
    // Output names are decided up front, so two records cannot claim one file.
    let names = output_names(&records, name_key.as_deref());
    // This share's records, by position in the file.
    let mine: Vec<usize> = (0..records.len())
        .filter(|&k| options.shard.is_none_or(|s| s.holds(k)))
        .collect();
    let outcomes = Render {
        template,
        options,
        options_digest: &options_digest,
        name_key: name_key.as_deref(),
    }
    .all(&records, &mine, &names, progress, render);
    let mut report = BatchReport {
        records: mine
            .iter()
            .map(|&k| &records[k])
            .zip(outcomes)
            .map(|(r, o)| {
                let outcome = o.unwrap_or_else(|| {
                    Outcome::Failed(BatchError {
                        line: r.line,
                        field: None,
                        code: "internal".into(),
                        message: "the worker rendering this record stopped".into(),
                    })
                });
                (r.line, outcome)
            })
            .collect(),
        errors_file: None,
        removed_temporaries,
    };
    let errors_name = options
        .shard
        .map_or_else(|| ERRORS_FILE.to_owned(), |s| s.errors_file());
    report.errors_file = write_errors(&options.out_dir.join(errors_name), &report)?;
    Ok(report)
}

/// What every record of a run is rendered with.
struct Render<'a> {
    template: &'a Template,
    options: &'a BatchOptions,
    options_digest: &'a [u8],
    name_key: Option<&'a str>,
}

/// Renders and writes one record (the batch's is [`one`]; a test gives its own).
type RenderOne = dyn Fn(&Template, &BatchRecord, &str, &BatchOptions, &[u8]) -> Rendered + Sync;

impl Render<'_> {
    /// Renders the records at `mine` on `options.jobs` threads, each taking the next
    /// record when done with one, and writes their files on one more thread, in groups
    /// ([`write_sets`]): rendering waits for the disk only when 128 MB of files are
    /// waiting for it (`Budget`). Their outcomes in the order of `mine`.
    fn all(
        &self,
        records: &[BatchRecord],
        mine: &[usize],
        names: &[std::result::Result<String, String>],
        progress: &(dyn Fn(usize, usize) + Sync),
        render: &RenderOne,
    ) -> Vec<Option<Outcome>> {
        let total = mine.len();
        let next = AtomicUsize::new(0);
        let done = AtomicUsize::new(0);
        let outcomes: Mutex<Vec<Option<Outcome>>> = Mutex::new(vec![None; total]);
        let settle = |i: usize, outcome: Outcome| {
            outcomes.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(outcome);
            progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
        };
        let jobs = self.options.jobs.clamp(1, 256);
        // Rendered licences waiting for the writer, bounded by their bytes (`Budget`).
        let (to_writer, for_writer) = std::sync::mpsc::channel::<(usize, Pending)>();
        let budget = Budget::default();
        std::thread::scope(|scope| {
            let settle = &settle;
            let budget = &budget;
            scope.spawn(move || write_all(&for_writer, budget, settle));
            let next = &next;
            for _ in 0..jobs.min(total.max(1)) {
                let to_writer = to_writer.clone();
                scope.spawn(move || loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        break;
                    }
                    let item = &records[mine[i]];
                    let rendered = match &names[mine[i]] {
                        Err(message) => Rendered::Done(Outcome::Failed(BatchError {
                            line: item.line,
                            field: self.name_key.map(str::to_owned),
                            code: "record".into(),
                            message: message.clone(),
                        })),
                        Ok(stem) => self.guarded(item, stem, render),
                    };
                    match rendered {
                        Rendered::Done(outcome) => settle(i, outcome),
                        Rendered::Files(pending) => {
                            budget.take(pending.bytes());
                            if let Err(std::sync::mpsc::SendError((i, pending))) =
                                to_writer.send((i, pending))
                            {
                                // The writer is gone (it cannot be, but never lose a record).
                                settle(i, pending.failed("the file writer stopped"));
                            }
                        }
                    }
                });
            }
            // The workers hold the only senders now: the writer ends after their last.
            drop(to_writer);
        });
        outcomes.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    /// One record, a panic in its rendering (a bug) refused as `internal` for that record
    /// alone: the worker goes on with the next, and nothing half-written remains (files
    /// are written whole by rename, the stamp last).
    fn guarded(&self, item: &BatchRecord, stem: &str, render: &RenderOne) -> Rendered {
        let rendered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            render(self.template, item, stem, self.options, self.options_digest)
        }));
        rendered.unwrap_or_else(|panic| {
            Rendered::Done(Outcome::Failed(BatchError {
                line: item.line,
                field: None,
                code: "internal".into(),
                message: format!(
                    "rendering this record failed inside certpress ({}); the others went on; please report it",
                    panic_text(&*panic)
                ),
            }))
        })
    }
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// Lists the refused records in `path`, or removes an earlier run's list when none was
/// refused.
fn write_errors(path: &Path, report: &BatchReport) -> Result<Option<PathBuf>> {
    let mut lines = String::new();
    for failure in report.failures() {
        let line = serde_json::to_string(failure).map_err(|e| Error::Render {
            message: format!("listing a refused record: {e}"),
        })?;
        lines.push_str(&line);
        lines.push('\n');
    }
    if lines.is_empty() {
        return match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(path, e)),
            _ => Ok(None),
        };
    }
    write_atomic(path, lines.as_bytes())?;
    Ok(Some(path.to_path_buf()))
}

/// The file stem of each record: its name key's value made safe for a file name, or
/// `line-N`. Records that would share a file are all refused: which of them is the right
/// licence is for the issuer to settle, not for the order of the file.
fn output_names(
    records: &[BatchRecord],
    key: Option<&str>,
) -> Vec<std::result::Result<String, String>> {
    let stems: Vec<std::result::Result<String, String>> = records
        .iter()
        .map(|item| match (key, &item.record) {
            (Some(key), Ok(record)) => match record.values.get(key) {
                Some(RawValue::Text(value)) => safe_file_stem(value)
                    .ok_or_else(|| format!("field `{key}`: {value:?} cannot name a file")),
                _ => Ok(format!("line-{}", item.line)),
            },
            _ => Ok(format!("line-{}", item.line)),
        })
        .collect();
    // Per name: the first two records claiming it and how many do.
    let mut claims: std::collections::HashMap<&str, (u64, Option<u64>, usize)> = Default::default();
    for (item, stem) in records.iter().zip(&stems) {
        if let Ok(stem) = stem {
            let claim = claims.entry(stem).or_insert((item.line, None, 0));
            if claim.2 == 1 {
                claim.1 = Some(item.line);
            }
            claim.2 += 1;
        }
    }
    records
        .iter()
        .zip(&stems)
        .map(|(item, stem)| {
            let stem = stem.clone()?;
            let (first, second, count) = claims[stem.as_str()];
            if count == 1 {
                return Ok(stem);
            }
            // The message names one other record and the count: it does not grow with the
            // batch.
            let other = if first == item.line { second.unwrap_or(first) } else { first };
            Err(format!(
                "names the same file `{stem}` as line {other} ({count} records claim it); each licence needs its own name: choose another --name-key"
            ))
        })
        .collect()
}

/// A value as a file stem: no path separators, no characters file systems refuse, no
/// leading dot, at most 120 characters.
fn safe_file_stem(value: &str) -> Option<String> {
    let stem: String = value
        .trim()
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .take(120)
        .collect();
    (!stem.is_empty() && !stem.starts_with('.')).then_some(stem)
}

/// A stable description of what, besides the record and the template, shapes a batch's
/// files: the outputs asked for, their options, the signing certificates. Not the signing
/// time, which is "now" unless fixed: a re-run does not re-sign identical licences
/// (`force` does).
fn options_digest(options: &BatchOptions) -> Vec<u8> {
    let mut text = format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
        options.pdf,
        options.png_dpi,
        options.ofd,
        options.ofd_colour,
        options.page,
        options.pdf_options
    )
    .into_bytes();
    if let Some(signing) = &options.signing {
        text.extend_from_slice(b"|signed by");
        for signer in [&signing.pades, &signing.seal].into_iter().flatten() {
            text.extend_from_slice(signer.certificate_der());
        }
    }
    text
}

/// One licence's files, in the order `one` names them: PDF, PNG, OFD, landing page.
fn outputs(licence: &crate::Licence<'_>, options: &BatchOptions) -> Result<Vec<Vec<u8>>> {
    let mut outputs = Vec::new();
    let signing = options.signing.as_deref();
    let seal = signing.and_then(|s| s.seal.as_ref().map(|k| (k, s.time)));
    let pades = signing.and_then(|s| s.pades.as_ref().map(|k| (k, s.time)));
    let ofd_options = crate::OfdOptions {
        colour: options.ofd_colour,
        ..Default::default()
    };
    let ofd = match (options.ofd, seal) {
        (true, Some((signer, time))) => Some(licence.sealed_ofd_with(
            &ofd_options,
            signer,
            time,
            &signing.map(|s| s.sealing()).unwrap_or_default(),
        )?),
        (true, None) => Some(licence.ofd(&ofd_options)?),
        (false, _) => None,
    };
    if options.pdf {
        let mut pdf_options = options.pdf_options.clone();
        if let (pdf::PdfStandard::A3b, Some(ofd)) = (pdf_options.standard, &ofd) {
            pdf_options
                .attachments
                .push(pdf::Attachment::ofd(ofd.clone()));
        }
        outputs.push(match pades {
            Some((signer, time)) => licence.signed_pdf_with(
                &pdf_options,
                signer,
                time,
                signing.and_then(|s| s.tsa.as_ref()),
            )?,
            None => licence.pdf(&pdf_options)?,
        });
    }
    if let Some(dpi) = options.png_dpi {
        outputs.push(licence.png(&raster::RasterOptions {
            dpi,
            pass: options.pdf_options.pass,
            calibration: options.pdf_options.calibration,
            ..Default::default()
        })?);
    }
    outputs.extend(ofd);
    if options.page {
        outputs.push(licence.landing_page()?.into_bytes());
    }
    Ok(outputs)
}

/// Renders and writes one record: skipped when its files exist and its stamp shows the
/// same inputs, refused when `require_new_version` finds it changed without a raised
/// version, else rendered, written, and stamped.
fn one(
    template: &Template,
    item: &BatchRecord,
    stem: &str,
    options: &BatchOptions,
    options_digest: &[u8],
) -> Rendered {
    use crate::reissue;
    let mut files = Vec::new();
    if options.pdf {
        files.push(options.out_dir.join(format!("{stem}.pdf")));
    }
    if options.png_dpi.is_some() {
        files.push(options.out_dir.join(format!("{stem}.png")));
    }
    if options.ofd {
        files.push(options.out_dir.join(format!("{stem}.ofd")));
    }
    if options.page {
        files.push(options.out_dir.join(format!("{stem}.html")));
    }
    let failed = |err: &Error| {
        Outcome::Failed(BatchError {
            line: item.line,
            field: err.field().map(str::to_owned),
            code: err.code().into(),
            message: err.to_string(),
        })
    };
    let record = match &item.record {
        Ok(record) => record,
        Err(err) => return Rendered::Done(failed(err)),
    };
    let record_digest = reissue::record_digest(record, template.model());
    let inputs = reissue::inputs_digest(&template.fingerprint(), &record_digest, options_digest);
    let stamp_path = reissue::stamp_path(&options.out_dir, stem);
    let previous = reissue::read_stamp(&stamp_path);
    let existing = files.iter().any(|f| f.exists());
    let same_inputs = previous
        .as_ref()
        .is_some_and(|p| p.inputs == reissue::hex(&inputs));
    if !options.force && !files.is_empty() && files.iter().all(|f| f.exists()) && same_inputs {
        return Rendered::Done(Outcome::Skipped { files });
    }
    let result = (|| -> Result<FileSet> {
        let licence = template.issue(record)?;
        let version = licence.version()?;
        if let (true, Some(previous)) = (options.require_new_version, &previous) {
            reissue::require_new_version(
                &record.name,
                template.version_key(),
                &record_digest,
                version,
                (&previous.record, previous.version),
            )?;
        }
        // Everything is rendered before anything is written; the stamp goes last: a run
        // stopped before it is placed leaves the old stamp, whose inputs differ, so the
        // next run renders again.
        let outputs = outputs(&licence, options)?;
        let stamp = reissue::stamp_bytes(&reissue::Stamp {
            inputs: reissue::hex(&inputs),
            record: reissue::hex(&record_digest),
            version,
            files: files
                .iter()
                .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect(),
        })?;
        let mut set: Vec<(PathBuf, Vec<u8>)> = files.iter().cloned().zip(outputs).collect();
        set.push((stamp_path, stamp));
        Ok(FileSet { files: set })
    })();
    match result {
        Ok(set) => Rendered::Files(Pending {
            line: item.line,
            set,
            rerendered: existing && !same_inputs,
        }),
        Err(err) => Rendered::Done(failed(&err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A panic while rendering one record refuses that record (`internal`, in
    /// errors.jsonl) and the batch goes on: the records before and after it are written,
    /// and the panicking one leaves no file.
    #[test]
    fn a_panic_in_one_record_refuses_it_and_the_batch_goes_on() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let template = Template::load(root.join("specs/liuzhou/licence.ron")).unwrap();
        let sample: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(root.join("specs/liuzhou/sample.json")).unwrap(),
        )
        .unwrap();
        let dir =
            std::env::temp_dir().join(format!("certpress-batch-panic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut lines = String::new();
        for n in 1..=3 {
            let mut record = sample.clone();
            record["licence_number"] = format!("LZ-PANIC-{n}").into();
            lines.push_str(&serde_json::to_string(&record).unwrap());
            lines.push('\n');
        }
        let data = dir.join("records.jsonl");
        std::fs::write(&data, lines).unwrap();
        let records = read_records(&data, template.spec()).unwrap();
        let options = BatchOptions {
            out_dir: dir.join("out"),
            name_key: Some("licence_number".into()),
            jobs: 2,
            ..Default::default()
        };
        let panics_on_line_2 = |template: &Template,
                                item: &BatchRecord,
                                stem: &str,
                                options: &BatchOptions,
                                digest: &[u8]| {
            if item.line == 2 {
                panic!("a renderer bug on line 2");
            }
            one(template, item, stem, options, digest)
        };
        let report = run_with(&template, records, &options, &|_, _| {}, &panics_on_line_2).unwrap();
        let failed: Vec<_> = report.failures().collect();
        assert_eq!(failed.len(), 1, "{failed:?}");
        assert_eq!((failed[0].line, failed[0].code.as_str()), (2, "internal"));
        assert!(failed[0].message.contains("a renderer bug on line 2"));
        assert_eq!(report.written(), 2);
        let out = dir.join("out");
        assert!(out.join("LZ-PANIC-1.pdf").exists() && out.join("LZ-PANIC-3.pdf").exists());
        assert!(!out.join("LZ-PANIC-2.pdf").exists());
        let errors = std::fs::read_to_string(out.join(ERRORS_FILE)).unwrap();
        let listed: serde_json::Value = serde_json::from_str(errors.trim()).unwrap();
        assert_eq!(listed["code"], "internal");
        assert_eq!(listed["line"], 2);
        std::fs::remove_dir_all(&dir).ok();
    }
}
