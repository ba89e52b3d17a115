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
    let inputs = args.parts.iter().map(PathBuf::as_path);
    if let Err(o) = super::refuse_overwriting_inputs(args.output.as_deref(), inputs) {
        return o;
    }
    let mut parts = Vec::new();
    let limit = ctx.settings.limits.memory;
    for path in &args.parts {
        let name = whatif::render::escape::inline(&path.display().to_string()).into_owned();
        let text = match read_partial(path, limit) {
            Ok(t) => t,
            Err(why) => {
                errorln!("error: cannot read `{name}`: {why}");
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
    match shard::merge(parts, &ctx.settings.limits) {
        Ok((results, all)) => write_results(args.output.as_deref(), &results, args.format, all),
        Err(e) => {
            reporter.print_plain(&e);
            Outcome::Failure
        }
    }
}

/// A partial's text: a regular file or a pipe (`<(…)`), read no further than
/// the memory limit allows (a partial is untrusted; `/dev/zero` is endless).
fn read_partial(path: &std::path::Path, limit: u64) -> Result<String, String> {
    let plain = |e: std::io::Error| whatif::load::plain_io_error(&e);
    let meta = std::fs::metadata(path).map_err(plain)?;
    #[cfg(unix)]
    let pipe = std::os::unix::fs::FileTypeExt::is_fifo(&meta.file_type());
    #[cfg(not(unix))]
    let pipe = false;
    if !meta.is_file() && !pipe {
        return Err("it is not a regular file".to_string());
    }
    let max = usize::try_from(limit).unwrap_or(usize::MAX);
    let bytes = std::fs::File::open(path)
        .and_then(|f| whatif::load::read_bounded(f, max))
        .map_err(plain)?;
    if bytes.len() > max {
        return Err(format!(
            "it is larger than the memory limit ({}); raise it with `--max-memory`",
            whatif::limits::Limit::Memory.amount(limit)
        ));
    }
    String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_string())
}
