//! `certpress batch`: every record of a file into a folder, on every core.

use std::path::PathBuf;

use certpress::spec::Passes;

use super::options::{check_ofd_pass, CalibrationArgs, FontArgs, PdfStandardArgs, SigningArgs};

#[derive(clap::Args)]
pub struct BatchArgs {
    /// The spec (RON).
    pub spec: PathBuf,
    /// The records: `.jsonl` (one JSON object per line) or `.csv` (a header row of keys;
    /// list items separated by `|`).
    #[arg(long)]
    pub data: PathBuf,
    /// The folder to write into (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Worker threads. Default: every core.
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Also writes a PNG per record.
    #[arg(long)]
    pub png: bool,
    /// Also writes the electronic licence (OFD) per record, for the 电子证照库; with
    /// --pdf-standard a-3b each PDF carries it too.
    #[arg(long)]
    pub ofd: bool,
    /// The OFDs' colours: `proof` (RGB, default) or `cmyk`.
    #[arg(long, value_enum, default_value = "proof")]
    pub ofd_colour: certpress::OfdColour,
    /// Also writes the QR code's landing page (HTML) per record.
    #[arg(long)]
    pub page: bool,
    /// Resolution of the PNGs.
    #[arg(long, default_value_t = 300.0)]
    pub dpi: f64,
    /// The record key that names each file. Default: licence_number, else credit_code,
    /// when the spec requires one; else the line number.
    #[arg(long)]
    pub name_key: Option<String>,
    /// Re-renders every licence. By default a licence whose files exist and were made
    /// from the same record, spec, fonts, options and keys is skipped, and any other is
    /// rendered again.
    #[arg(long)]
    pub force: bool,
    /// Refuses a licence whose record changed since its files were written unless its
    /// version (the spec's version field, Liuzhou: licence_version) was raised.
    #[arg(long)]
    pub require_new_version: bool,
    /// Renders only share I of N (0-based): the records at positions I, I + N, … of the
    /// file. The shards' files together are the whole batch's; each lists its refused
    /// records in `errors-I-of-N.jsonl`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// With no --shard: N shares, this one given by `JOB_COMPLETION_INDEX` (as a
    /// Kubernetes Indexed Job sets it).
    #[arg(long, value_name = "N", conflicts_with = "shard")]
    pub shards: Option<usize>,
    /// Which production pass to output.
    #[arg(long, value_enum, default_value_t = Passes::All)]
    pub pass: Passes,
    #[command(flatten)]
    pub standard: PdfStandardArgs,
    #[command(flatten)]
    pub signing: SigningArgs,
    #[command(flatten)]
    pub calibration: CalibrationArgs,
    #[command(flatten)]
    pub fonts: FontArgs,
}

impl BatchArgs {
    /// The share to render: `--shard I/N`, or `--shards N` with `JOB_COMPLETION_INDEX`.
    pub fn shard(&self) -> anyhow::Result<Option<certpress::batch::Shard>> {
        use certpress::batch::Shard;
        if let Some(text) = &self.shard {
            return Ok(Some(Shard::parse(text)?));
        }
        let Some(count) = self.shards else {
            return Ok(None);
        };
        let index = std::env::var("JOB_COMPLETION_INDEX").map_err(|_| {
            anyhow::anyhow!("--shards {count} needs JOB_COMPLETION_INDEX (a Kubernetes Indexed Job sets it), or give --shard I/N")
        })?;
        let index = index
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("JOB_COMPLETION_INDEX={index:?} is not a whole number"))?;
        Ok(Some(Shard::new(index, count)?))
    }
}

/// Runs a batch; `Ok(false)` when any record was refused.
pub fn run(args: &BatchArgs) -> anyhow::Result<bool> {
    use certpress::batch::{self, BatchOptions};
    use std::io::IsTerminal;

    check_ofd_pass(args.ofd, args.pass)?;
    let calibration = args.calibration.calibration(args.pass)?;
    let shard = args.shard()?;
    let template = args.fonts.template(&args.spec)?;
    let signing = args
        .signing
        .signing(template.signer_id(), true, args.ofd)?
        .map(std::sync::Arc::new);
    let records = batch::read_records(&args.data, template.spec())?;
    let options = BatchOptions {
        out_dir: args.out.clone(),
        name_key: args.name_key.clone(),
        pdf: true,
        png_dpi: args.png.then_some(args.dpi),
        ofd: args.ofd,
        ofd_colour: args.ofd_colour,
        page: args.page,
        signing,
        pdf_options: args.standard.options(args.pass.filter(), calibration),
        force: args.force,
        require_new_version: args.require_new_version,
        jobs: args.jobs.unwrap_or(BatchOptions::default().jobs),
        shard,
    };
    let started = std::time::Instant::now();
    let total = records.len() as u64;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} licences  {per_sec}  eta {eta}",
            )
            .expect("a valid template"),
        );
        bar
    });
    let step = (total / 10).max(1) as usize;
    let progress = |done: usize, total: usize| match &bar {
        Some(bar) => bar.set_position(done as u64),
        None if done % step == 0 || done == total => eprintln!("progress: {done}/{total}"),
        None => {}
    };
    let report = batch::run(&template, records, &options, &progress)?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    if report.removed_temporaries > 0 {
        eprintln!(
            "removed {} temporary file(s) a stopped run left in {}",
            report.removed_temporaries,
            args.out.display()
        );
    }
    let data = args.data.display();
    for failure in report.failures() {
        // Messages about a record name it already; others get its place in the file.
        let place = format!("{data}:{}", failure.line);
        if failure.message.contains(&place) {
            eprintln!("error: {}", failure.message);
        } else {
            eprintln!("error: {place}: {}", failure.message);
        }
    }
    let failed = report.failures().count();
    eprintln!(
        "{} written, {} re-rendered (changed), {} skipped (identical; --force re-renders), {failed} refused{} in {:.2} s",
        report.written(),
        report.rerendered(),
        report.skipped(),
        match &report.errors_file {
            Some(path) => format!(" (listed in {})", path.display()),
            None => String::new(),
        },
        started.elapsed().as_secs_f64()
    );
    Ok(failed == 0)
}
