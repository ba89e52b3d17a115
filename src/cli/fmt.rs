//! `whatif fmt`: print models in the one canonical layout, check that they are
//! in it, or rewrite them in place (atomically).

use std::io::Write;
use std::path::Path;

use clap::Args;
use whatif::limits::Limits;
use whatif::span::SourceMap;
use whatif::syntax;

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
                    if let Err(e) = write_atomically(path, formatted.as_bytes()) {
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
    let text = match syntax::decode(bytes) {
        Ok(text) => text,
        Err((shown, at)) => {
            let id = sources.add(name, shown);
            let end = sources.get(id).text[at..]
                .chars()
                .next()
                .map_or(at, |c| at + c.len_utf8());
            let e = syntax::SyntaxError::InvalidUtf8 {
                at: whatif::span::Span::new(id, at, end),
            };
            return Err((vec![e.into()], sources));
        }
    };
    let id = sources.add(name, text);
    let text = std::sync::Arc::clone(&sources.get(id).text);
    match syntax::parse(id, &text, limits) {
        Ok(parsed) => Ok(syntax::print::format(&parsed, &text)),
        Err(errors) => Err((errors.into_iter().map(Into::into).collect(), sources)),
    }
}

/// Replaces `path` with `bytes` so that a reader sees the old file or the new
/// one, never a mix: write a temporary file in the same folder, sync it, rename.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.whatif-tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        if let Ok(meta) = std::fs::metadata(path) {
            let _ = f.set_permissions(meta.permissions());
        }
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
