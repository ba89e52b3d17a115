//! `whatif causes`: the minimal sets of root causes of an event.

use clap::{Args, ValueEnum};
use whatif::causes::{self, CausesError, DEFAULT_MAX_SETS};
use whatif::check::model::NodeKind;

use super::eval::{EvalOptions, load_model, one_scenario};
use super::{Context, Outcome, render};

/// `whatif causes FILE --scenario NAME EVENT`
#[derive(Debug, Args)]
pub struct CausesArgs {
    /// The model (`-` reads standard input).
    #[arg(value_name = "FILE")]
    pub file: String,
    /// The event (qualified name, e.g. `advertisers.withdrawal`).
    #[arg(value_name = "EVENT")]
    node: String,
    /// The scenario [default: baseline].
    #[arg(long, short, value_name = "NAME")]
    scenario: Option<String>,
    /// How to print the sets.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// The most sets at any point of the analysis before giving up.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_SETS)]
    max_sets: usize,
    #[command(flatten)]
    pub eval: EvalOptions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// Runs `whatif causes`.
pub fn run(args: &CausesArgs, ctx: &Context) -> Outcome {
    let (limits, reporter) = (&ctx.settings.limits, &ctx.reporter);
    let (model, sources) = match load_model(&args.file, ctx) {
        Ok(m) => m,
        Err(o) => return o,
    };
    let events = || {
        model
            .nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Event)
            .map(|n| n.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(node) = model.node_named(&args.node) else {
        errorln!(
            "error: no event `{}` (the events are {})",
            args.node,
            events()
        );
        return Outcome::Failure;
    };
    if model.node(node).kind != NodeKind::Event {
        errorln!(
            "error: `{}` is a factor; cut sets are about events (the events are {})",
            args.node,
            events()
        );
        return Outcome::Failure;
    }
    let scenario = match one_scenario(&model, args.scenario.as_ref()) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let (options, overrides) = match args.eval.read(&model, ctx) {
        Ok(x) => x,
        Err(o) => return o,
    };
    let found = causes::analyze(
        &model,
        &sources,
        scenario,
        &overrides,
        node,
        &options,
        limits,
        args.max_sets,
    );
    let c = match found {
        Ok(c) => c,
        Err(CausesError::Eval(e)) => {
            reporter.print_eval_error(&e, &sources);
            return Outcome::Failure;
        }
        Err(e) => {
            reporter.print_plain(&e);
            return Outcome::Failure;
        }
    };
    let text = match args.format {
        Format::Text => render::causes::causes(&c),
        Format::Json => super::json(&c.to_json()),
    };
    super::print_stdout(&text)
}
