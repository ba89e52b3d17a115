//! `whatif loops`: the feedback loops of a model, with their polarity.

use clap::{Args, ValueEnum};
use whatif::graph::Graph;
use whatif::loops::{self, DEFAULT_MAX_LOOPS};

use super::eval::{load_model, one_scenario};
use super::{Context, Outcome, render};

/// `whatif loops FILE [--scenario NAME]`
#[derive(Debug, Args)]
pub struct LoopsArgs {
    /// The model (`-` reads standard input).
    #[arg(value_name = "FILE")]
    pub file: String,
    /// The scenario whose rules count (its own, less those it disables)
    /// [default: baseline, the base model's rules].
    #[arg(long, short, value_name = "NAME")]
    scenario: Option<String>,
    /// How to print the loops.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// The most loops to list before giving up.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_LOOPS)]
    max_loops: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// Runs `whatif loops`.
pub fn run(args: &LoopsArgs, ctx: &Context) -> Outcome {
    let reporter = &ctx.reporter;
    let (model, _) = match load_model(&args.file, ctx) {
        Ok(m) => m,
        Err(o) => return o,
    };
    let scenario = match one_scenario(&model, args.scenario.as_ref()) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let graph = Graph::of_scenario(&model, scenario);
    let found = match loops::find(&model, &graph, args.max_loops) {
        Ok(l) => l,
        Err(e) => {
            reporter.print_plain(&e);
            return Outcome::Failure;
        }
    };
    let name = &model.scenario(scenario).name;
    let text = match args.format {
        Format::Text => render::loops::loops(&model, name, &found),
        Format::Json => super::json(&loops::to_json(&model, name, &found)),
    };
    super::print_stdout(&text)
}
