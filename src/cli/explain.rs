//! `whatif explain`: why a consequence follows in a scenario, and why not.

use clap::{Args, ValueEnum};

use super::eval::{EvalOptions, evaluate, load_model, scenarios};
use super::{Context, Outcome, render};

/// `whatif explain FILE --scenario NAME NODE`
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The model (`-` reads standard input).
    #[arg(value_name = "FILE")]
    pub file: String,
    /// The event to explain (qualified name, e.g. `advertisers.withdrawal`).
    #[arg(value_name = "EVENT")]
    node: String,
    /// The scenario [default: baseline].
    #[arg(long, short, value_name = "NAME")]
    scenario: Option<String>,
    /// How to print the explanation.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    pub eval: EvalOptions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// Runs `whatif explain`.
pub fn run(args: &ExplainArgs, ctx: &Context) -> Outcome {
    let (model, sources) = match load_model(&args.file, ctx) {
        Ok(m) => m,
        Err(o) => return o,
    };
    let node = match model.event_to_explain(&args.node) {
        Ok(n) => n,
        Err(e) => {
            errorln!("error: {e}");
            return Outcome::Failure;
        }
    };
    let names: Vec<String> = args.scenario.iter().cloned().collect();
    let scenario = match scenarios(&model, &names, false) {
        Ok(ids) => ids[0],
        Err(message) => {
            errorln!("error: {message}");
            return Outcome::Failure;
        }
    };
    let mut options = args.eval.options(&ctx.settings);
    if options.exact {
        errorln!("error: explanations come from Monte Carlo runs; drop `--exact`");
        return Outcome::Failure;
    }
    options.explain = vec![node];
    let Some(overrides) = args.eval.overrides(&model, &ctx.reporter) else {
        return Outcome::Failure;
    };
    let bar = !ctx.quiet() && args.format != Format::Json;
    let results = super::progress::track(bar, options.runs, |progress| {
        let options = whatif::eval::Options {
            progress,
            ..options.clone()
        };
        evaluate(&model, &sources, scenario, &overrides, &options, ctx)
    });
    let Some(results) = results else {
        return Outcome::Failure;
    };
    let Some(x) = results.explanations.first() else {
        return Outcome::Failure;
    };
    let text = match args.format {
        Format::Text => {
            let head = format!(
                "{} — scenario `{}`; {} runs, seed {}\n\n",
                render::escape::inline(&results.model),
                results.scenario,
                render::text::group(results.runs),
                results.seed
            );
            head + &render::text::explanation(x)
        }
        Format::Json => super::json(&x.to_json()),
    };
    super::print_stdout(&text)
}
