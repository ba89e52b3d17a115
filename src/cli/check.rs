//! `whatif check`: read, parse and check models, and report every problem.

use clap::{Args, ValueEnum};
use whatif::limits::Limits;

use super::report::Reporter;
use super::{Outcome, input};

/// `whatif check FILE...`
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The models to check (`-` reads standard input).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<String>,
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
pub fn run(args: &CheckArgs, limits: &Limits, reporter: &Reporter, quiet: bool) -> Outcome {
    let mut outcome = Outcome::Success;
    let mut json_files = Vec::new();
    let (mut errors, mut warnings) = (0usize, 0usize);
    for arg in &args.files {
        let input = match input::read(arg) {
            Ok(i) => i,
            Err(message) => {
                if args.format == Format::Json {
                    json_files.push(serde_json::json!({ "file": arg, "error": message }));
                } else {
                    eprintln!("error: {message}");
                }
                outcome = outcome.max(Outcome::Failure);
                errors += 1;
                continue;
            }
        };
        let name = input.name.clone();
        let analysis = input::analyze(input, limits);
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
                let diags: Vec<_> = analysis
                    .diagnostics
                    .iter()
                    .map(|d| d.to_json(&analysis.sources))
                    .collect();
                json_files.push(serde_json::json!({ "file": name, "diagnostics": diags }));
            }
            Format::Text => {
                reporter.print_all(&analysis.diagnostics, &analysis.sources);
                if !quiet && let Some(model) = &analysis.model {
                    println!(
                        "ok: {name} ({} nodes, {} rules, {} scenarios, {} expectations{})",
                        model.nodes.len(),
                        model.rules.len(),
                        model.scenarios.len() - 1,
                        model.expectations.len(),
                        match file_warnings {
                            0 => String::new(),
                            1 => ", 1 warning".to_string(),
                            n => format!(", {n} warnings"),
                        }
                    );
                }
            }
        }
    }
    if args.format == Format::Json {
        let out =
            serde_json::json!({ "files": json_files, "errors": errors, "warnings": warnings });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else if !quiet && errors > 0 {
        eprintln!(
            "{errors} error{}, {warnings} warning{}",
            if errors == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" }
        );
    }
    outcome
}
