//! `certpress studio`: the spec and the licence side by side in a browser.

use std::path::PathBuf;

use certpress::TemplateOptions;

use super::options::FontArgs;

#[derive(clap::Args)]
pub struct StudioArgs {
    /// The spec (RON); edits to it are picked up as they are saved.
    pub spec: PathBuf,
    /// The record to show (JSON), watched too. Default: `sample.json` beside the spec,
    /// else a skeleton of the spec's fields.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// The address to listen on. Port 0 picks a free one (printed on stdout). Beyond
    /// loopback the studio warns: it has no authentication.
    #[arg(long, default_value = "127.0.0.1:7373")]
    pub listen: std::net::SocketAddr,
    #[command(flatten)]
    pub fonts: FontArgs,
}

pub fn run(args: &StudioArgs) -> anyhow::Result<()> {
    crate::studio::run(crate::studio::Config {
        spec: args.spec.clone(),
        data: args.data.clone(),
        listen: args.listen,
        template: TemplateOptions {
            fonts: args.fonts.options()?,
            asset_dirs: args.fonts.asset_dirs.clone(),
        },
    })
}
