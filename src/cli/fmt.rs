//! `whatif fmt`: print models in the one canonical layout, check that they are
//! in it, or rewrite them in place (atomically).

use clap::Args;
use whatif::limits::Limits;
use whatif::span::SourceMap;
use whatif::syntax;

use super::atomic::write_if_changed;
use super::{Context, Outcome, input, print_stderr, print_stdout};

/// `whatif fmt [--check | --write] FILE...`
#[derive(Debug, Args)]
pub struct FmtArgs {
    /// The models to format (`-` reads standard input).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
    /// Print nothing; exit 1 when a file is not in the canonical layout.
    #[arg(long, conflicts_with = "write")]
    check: bool,
    /// Rewrite the files in place (atomically; unchanged files are not touched).
    #[arg(long)]
    write: bool,
}

/// Runs `whatif fmt`.
pub fn run(args: &FmtArgs, ctx: &Context) -> Outcome {
    let mut outcome = Outcome::Success;
    for arg in &args.files {
        let input = match input::read(arg, ctx) {
            Ok(i) => i,
            Err(message) => {
                print_stderr(&format!("error: {message}\n"));
                outcome = outcome.max(Outcome::Failure);
                continue;
            }
        };
        let formatted = match format_bytes(&input.name, input.bytes.clone(), &ctx.settings.limits) {
            Ok(f) => f,
            Err((diagnostics, sources)) => {
                ctx.reporter.print_all(&diagnostics, &sources);
                outcome = outcome.max(Outcome::Failure);
                continue;
            }
        };
        let unchanged = formatted.as_bytes() == input.bytes.as_slice();
        if args.check {
            if !unchanged {
                print_stderr(&format!("{}: not formatted\n", input.name));
                outcome = outcome.max(Outcome::Found);
            }
        } else if args.write {
            match &input.path {
                Some(path) if !unchanged => {
                    if let Err(e) = write_if_changed(path, formatted.as_bytes()) {
                        print_stderr(&format!("error: cannot write `{}`: {e}\n", input.name));
                        outcome = outcome.max(Outcome::Failure);
                    }
                }
                Some(_) => {}
                None => outcome = outcome.max(print_stdout(&formatted)),
            }
        } else {
            outcome = outcome.max(print_stdout(&formatted));
        }
    }
    outcome
}

/// Formats a file's bytes, or returns its syntax errors.
fn format_bytes(
    name: &str,
    bytes: Vec<u8>,
    limits: &Limits,
) -> Result<String, (Vec<whatif::Diagnostic>, SourceMap)> {
    let mut sources = SourceMap::new();
    let id = match syntax::add_source(&mut sources, name, bytes, limits) {
        Ok(id) => id,
        Err(e) => return Err((vec![e.into()], sources)),
    };
    let text = std::sync::Arc::clone(&sources.get(id).text);
    match syntax::parse(id, &text, limits) {
        Ok(parsed) => Ok(syntax::print::format(&parsed, &text)),
        Err(errors) => Err((errors.into_iter().map(Into::into).collect(), sources)),
    }
}
