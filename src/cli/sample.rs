//! `certpress sample`: a record skeleton for a spec.

use std::path::PathBuf;

use certpress::output::write_atomic;
use certpress::record;
use certpress::spec::LoadedSpec;

#[derive(clap::Args)]
pub struct SampleArgs {
    /// The spec (RON).
    pub spec: PathBuf,
    /// Writes the skeleton here instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: &SampleArgs) -> anyhow::Result<()> {
    let spec = LoadedSpec::load(&args.spec)?;
    let skeleton = record::skeleton(&spec.spec);
    let text = serde_json::to_string_pretty(&skeleton)? + "\n";
    match &args.out {
        Some(path) => {
            write_atomic(path, text.as_bytes())?;
            eprintln!("wrote {} ({} fields)", path.display(), skeleton.len());
        }
        None => print!("{text}"),
    }
    Ok(())
}
