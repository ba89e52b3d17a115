//! `whatif merge`: the partial results of every shard, as one evaluation's.

use std::path::PathBuf;

use clap::Args;
use whatif::eval::shard::{self, Partial};

use super::eval::{Format, write_results};
use super::{Context, Outcome};

/// `whatif merge PART... [--format text|json|csv] [-o FILE]`
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The partial results (`whatif eval --shard K/N -o FILE`), every shard once.
    #[arg(value_name = "PART", required = true)]
    parts: Vec<PathBuf>,
    /// How to print the results.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write to this file (atomically) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Runs `whatif merge`.
pub fn run(args: &MergeArgs, ctx: &Context) -> Outcome {
    let reporter = &ctx.reporter;
    let mut parts = Vec::new();
    for path in &args.parts {
        let name = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                errorln!(
                    "error: cannot read `{name}`: {}",
                    whatif::load::plain_io_error(&e)
                );
                return Outcome::Failure;
            }
        };
        match Partial::from_json(&name, &text) {
            Ok(p) => parts.push((name, p)),
            Err(e) => {
                reporter.print_plain(&e);
                return Outcome::Failure;
            }
        }
    }
    match shard::merge(parts) {
        Ok((results, all)) => write_results(args.output.as_deref(), &results, args.format, all),
        Err(e) => {
            reporter.print_plain(&e);
            Outcome::Failure
        }
    }
}
