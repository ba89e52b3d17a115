//! `whatif check`: read, parse and check models, and report every problem.

use clap::{Args, ValueEnum};
use whatif::check::Model;
use whatif::render::json::{CheckReport, CheckedFile};

use super::{Context, Outcome, input, print_stderr, print_stdout};

/// `whatif check FILE...`
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The models to check (`-` reads standard input).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
    /// Fail (exit 1) when there are warnings.
    #[arg(long)]
    deny_warnings: bool,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// Runs `whatif check`.
pub fn run(args: &CheckArgs, ctx: &Context) -> Outcome {
    let quiet = ctx.quiet();
    let mut outcome = Outcome::Success;
    let mut json_files = Vec::new();
    let (mut errors, mut warnings) = (0usize, 0usize);
    for arg in &args.files {
        let input = match input::read(arg, ctx) {
            Ok(i) => i,
            Err(message) => {
                if args.format == Format::Json {
                    json_files.push(CheckedFile::Unreadable {
                        file: arg.clone(),
                        error: message,
                    });
                } else {
                    print_stderr(&format!("error: {message}\n"));
                }
                outcome = outcome.max(Outcome::Failure);
                errors += 1;
                continue;
            }
        };
        let name = input.name.clone();
        let analysis = input::analyze(input, ctx);
        let file_errors = analysis.diagnostics.iter().filter(|d| d.is_error()).count();
        let file_warnings = analysis.diagnostics.len() - file_errors;
        errors += file_errors;
        warnings += file_warnings;
        if file_errors > 0 {
            outcome = outcome.max(Outcome::Failure);
        } else if file_warnings > 0 && args.deny_warnings {
            outcome = outcome.max(Outcome::Found);
        }
        match args.format {
            Format::Json => {
                json_files.push(CheckedFile::Read {
                    file: name,
                    diagnostics: analysis
                        .diagnostics
                        .iter()
                        .map(|d| d.to_json(&analysis.sources))
                        .collect(),
                });
            }
            Format::Text => {
                ctx.reporter
                    .print_all(&analysis.diagnostics, &analysis.sources);
                if !quiet && let Some(model) = &analysis.model {
                    outcome = outcome.max(print_stdout(&summary(
                        &name,
                        model,
                        file_warnings,
                        args.deny_warnings,
                    )));
                }
            }
        }
    }
    if args.format == Format::Json {
        let report = CheckReport {
            files: json_files,
            errors,
            warnings,
        };
        outcome = outcome.max(print_stdout(&super::json(&report)));
    } else if !quiet && errors > 0 {
        print_stderr(&format!(
            "{}, {}\n",
            count(errors, "error"),
            count(warnings, "warning")
        ));
    }
    outcome
}

/// The line for a file that checked: `ok: FILE (3 nodes, 1 rule, …)`, or, when
/// warnings are denied and there are some, `warnings: FILE (2 warnings)`, since
/// the file is then not ok.
fn summary(name: &str, model: &Model, warnings: usize, deny_warnings: bool) -> String {
    if deny_warnings && warnings > 0 {
        return format!("warnings: {name} ({})\n", count(warnings, "warning"));
    }
    let mut parts = vec![
        count(model.nodes.len(), "node"),
        count(model.rules.len(), "rule"),
        count(model.scenarios.len() - 1, "scenario"),
        count(model.expectations.len(), "expectation"),
    ];
    if warnings > 0 {
        parts.push(count(warnings, "warning"));
    }
    format!("ok: {name} ({})\n", parts.join(", "))
}

/// `1 rule`, `2 rules`, `0 rules`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn counts_agree_with_their_noun() {
        assert_eq!(count(0, "rule"), "0 rules");
        assert_eq!(count(1, "rule"), "1 rule");
        assert_eq!(count(2, "warning"), "2 warnings");
    }
}
