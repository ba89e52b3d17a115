//! `whatif graph`: the cause-and-effect graph for Graphviz, Mermaid or tools.

use clap::{Args, ValueEnum};
use whatif::check::values;
use whatif::graph::Graph;
use whatif::render::drawing::Drawing;

use super::eval::{EvalOptions, evaluate, load_model, one_scenario};
use super::{Context, Outcome, render};

/// `whatif graph FILE [--scenario NAME] --format dot|mermaid|json`
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// The model (`-` reads standard input).
    #[arg(value_name = "FILE")]
    pub file: String,
    /// Draw this scenario's rules and shade nodes by its evaluation:
    /// events by probability, factors by change over the horizon
    /// [default: the base model, unshaded].
    #[arg(long, short, value_name = "NAME")]
    scenario: Option<String>,
    /// The language of the picture.
    #[arg(long, value_enum, default_value_t = Format::Dot)]
    format: Format,
    #[command(flatten)]
    pub eval: EvalOptions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Graphviz (`whatif graph m.whatif | dot -Tsvg > m.svg`).
    Dot,
    /// A Mermaid flowchart (Markdown renderers draw it).
    Mermaid,
    /// Nodes and links, for other tools.
    Json,
}

/// Runs `whatif graph`.
pub fn run(args: &GraphArgs, ctx: &Context) -> Outcome {
    let (limits, reporter) = (&ctx.settings.limits, &ctx.reporter);
    let (model, sources) = match load_model(&args.file, ctx) {
        Ok(m) => m,
        Err(o) => return o,
    };
    let (options, overrides) = match args.eval.read(&model, ctx) {
        Ok(x) => x,
        Err(o) => return o,
    };
    let scenario = match one_scenario(&model, args.scenario.as_ref()) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let resolved = match values::resolve(&model, scenario, &overrides, limits) {
        Ok(r) => r,
        Err(errors) => {
            let list: Vec<whatif::Diagnostic> =
                errors.into_iter().map(whatif::Diagnostic::from).collect();
            reporter.print_all(&list, &sources);
            return Outcome::Failure;
        }
    };
    let results = match args.scenario {
        None => None,
        Some(_) => match evaluate(&model, &sources, scenario, &overrides, &options, ctx) {
            Some(r) => Some(r),
            None => return Outcome::Failure,
        },
    };
    let graph = Graph::of_scenario(&model, scenario);
    let text = |span| {
        sources
            .text(span)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let drawing = Drawing::new(&model, &graph, &resolved, results.as_ref(), &text);
    let out = match args.format {
        Format::Dot => render::dot::dot(&drawing),
        Format::Mermaid => render::mermaid::mermaid(&drawing),
        Format::Json => super::json(&drawing.to_json()),
    };
    super::print_stdout(&out)
}
