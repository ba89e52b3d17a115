//! `whatif eval`: evaluate scenarios and print their consequences.

use clap::{Args, ValueEnum};
use whatif::check::Model;
use whatif::check::model::ScenarioId;
use whatif::check::values::Override;
use whatif::eval::shard::{self, Partial, Shard};
use whatif::eval::{self, Options, Results};
use whatif::limits::Limits;
use whatif::span::SourceMap;

use super::report::Reporter;
use super::{Outcome, input, render};

/// Options shared by the commands that evaluate.
#[derive(Debug, Args, Clone)]
pub struct EvalOptions {
    /// Monte Carlo runs (a model with no random draw runs once) [default: 10000].
    #[arg(long, value_name = "N")]
    pub runs: Option<u64>,
    /// The seed of every random draw [default: 0].
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Worker threads (results do not depend on it) [default: one per core].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Confidence level of the intervals, in (0, 1) [default: 0.95].
    #[arg(long, value_name = "C")]
    pub confidence: Option<f64>,
    /// Override a value for this evaluation: `param=V`, `actor.factor=V`,
    /// `actor.event.prior=V`, `actor.event.hazard=V`, `rule.NAME.p=V`.
    #[arg(long = "set", value_name = "NAME=V")]
    pub set: Vec<String>,
    /// Enumerate every outcome exactly instead of sampling (small models).
    #[arg(long)]
    pub exact: bool,
}

impl EvalOptions {
    /// The library's options, or a message for a bad flag.
    pub fn options(&self) -> Result<Options, String> {
        let d = Options::default();
        let confidence = self.confidence.unwrap_or(d.confidence);
        if !(confidence > 0.0 && confidence < 1.0) {
            return Err(format!(
                "--confidence must be between 0 and 1 (exclusive), not {confidence}"
            ));
        }
        Ok(Options {
            runs: self.runs.unwrap_or(d.runs),
            seed: self.seed.unwrap_or(d.seed),
            threads: self.threads.unwrap_or(d.threads),
            confidence,
            exact: self.exact,
            explain: Vec::new(),
            progress: None,
        })
    }

    /// The overrides, read against `model`.
    pub fn overrides(&self, model: &Model, reporter: &Reporter) -> Option<Vec<Override>> {
        let mut out = Vec::new();
        for text in &self.set {
            match Override::parse(model, text) {
                Ok(o) => out.push(o),
                Err(e) => {
                    reporter.print_plain(&e);
                    return None;
                }
            }
        }
        Some(out)
    }
}

/// `whatif eval FILE [--scenario NAME ... | --all]`
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The model (`-` reads standard input).
    #[arg(value_name = "FILE")]
    file: String,
    /// A scenario to evaluate (repeatable) [default: baseline].
    #[arg(long, short, value_name = "NAME")]
    scenario: Vec<String>,
    /// Evaluate the baseline and every scenario.
    #[arg(long, conflicts_with = "scenario")]
    all: bool,
    /// How to print the results.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Compute only slice K of N of the runs and write a partial result for
    /// `whatif merge` (the format is chosen there).
    #[arg(long, value_name = "K/N", conflicts_with = "exact")]
    shard: Option<String>,
    /// Write to this file (atomically) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<std::path::PathBuf>,
    #[command(flatten)]
    eval: EvalOptions,
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Csv,
}

/// A checked model, or the outcome of failing to get one (diagnostics printed).
pub fn load_model(
    file: &str,
    limits: &Limits,
    reporter: &Reporter,
) -> Result<(Model, SourceMap), Outcome> {
    let input = input::read(file).map_err(|message| {
        errorln!("error: {message}");
        Outcome::Failure
    })?;
    let analysis = input::analyze(input, limits);
    let errors: Vec<_> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .cloned()
        .collect();
    match analysis.model {
        Some(model) if errors.is_empty() => Ok((model, analysis.sources)),
        _ => {
            reporter.print_all(&analysis.diagnostics, &analysis.sources);
            Err(Outcome::Failure)
        }
    }
}

/// The scenarios named on the command line (`baseline` by default).
pub fn scenarios(model: &Model, names: &[String], all: bool) -> Result<Vec<ScenarioId>, String> {
    if all {
        return Ok((0..model.scenarios.len())
            .map(ScenarioId::from_index)
            .collect());
    }
    if names.is_empty() {
        return Ok(vec![ScenarioId(0)]);
    }
    names
        .iter()
        .map(|n| {
            model.scenario_named(n).ok_or_else(|| {
                let known: Vec<&str> = model.scenarios.iter().map(|s| s.name.as_str()).collect();
                format!("no scenario `{n}` (the scenarios are {})", known.join(", "))
            })
        })
        .collect()
}

/// Evaluates one scenario, reporting a failure as a diagnostic.
pub fn evaluate(
    model: &Model,
    sources: &SourceMap,
    scenario: ScenarioId,
    overrides: &[Override],
    options: &Options,
    limits: &Limits,
    reporter: &Reporter,
) -> Option<Results> {
    match eval::run(model, sources, scenario, overrides, options, limits) {
        Ok(r) => Some(r),
        Err(e) => {
            reporter.print_eval_error(&e, sources);
            None
        }
    }
}

/// Runs `whatif eval`.
pub fn run(args: &EvalArgs, limits: &Limits, reporter: &Reporter, quiet: bool) -> Outcome {
    let (model, sources) = match load_model(&args.file, limits, reporter) {
        Ok(m) => m,
        Err(o) => return o,
    };
    let options = match args.eval.options() {
        Ok(o) => o,
        Err(message) => {
            errorln!("error: {message}");
            return Outcome::Failure;
        }
    };
    let Some(overrides) = args.eval.overrides(&model, reporter) else {
        return Outcome::Failure;
    };
    let ids = match scenarios(&model, &args.scenario, args.all) {
        Ok(ids) => ids,
        Err(message) => {
            errorln!("error: {message}");
            return Outcome::Failure;
        }
    };
    if let Some(text) = &args.shard {
        let shard = match Shard::parse(text) {
            Ok(s) => s,
            Err(message) => {
                errorln!("error: {message}");
                return Outcome::Failure;
            }
        };
        let mut parts = Vec::new();
        for &id in &ids {
            let part = eval::prepare(&model, &sources, id, &overrides, &[], limits)
                .and_then(|prepared| shard::part(&prepared, &options, limits, shard));
            match part {
                Ok(p) => parts.push(p),
                Err(e) => {
                    reporter.print_eval_error(&e, &sources);
                    return Outcome::Failure;
                }
            }
        }
        let names: Vec<String> = ids
            .iter()
            .map(|&id| model.scenario(id).name.clone())
            .collect();
        let identity = shard::identity(&sources, &names, args.all, &args.eval.set, &options);
        let partial = Partial::new(identity, shard, &options, args.all, parts);
        return write(args.output.as_deref(), &partial.to_json());
    }
    let bar = !quiet && !options.exact && args.format != Format::Json;
    let total = options.runs.saturating_mul(ids.len() as u64);
    let results = super::progress::track(bar, total, |progress| {
        let options = Options {
            progress,
            ..options.clone()
        };
        ids.iter()
            .map(|&id| evaluate(&model, &sources, id, &overrides, &options, limits, reporter))
            .collect::<Option<Vec<Results>>>()
    });
    let Some(results) = results else {
        return Outcome::Failure;
    };
    let text = render_all(&results, args.format, args.all);
    write(args.output.as_deref(), &text)
}

/// Prints `text`, or writes it atomically to `path`.
pub fn write(path: Option<&std::path::Path>, text: &str) -> Outcome {
    match path {
        Some(path) => match super::fmt::write_atomically(path, text.as_bytes()) {
            Ok(()) => Outcome::Success,
            Err(e) => {
                errorln!("error: cannot write `{}`: {e}", path.display());
                Outcome::Failure
            }
        },
        None => super::print_stdout(text),
    }
}

/// Every scenario's results in `format`; JSON gives a list when every scenario
/// was asked for or there are several, else one object.
pub fn render_all(results: &[Results], format: Format, all: bool) -> String {
    match format {
        Format::Text => results
            .iter()
            .map(render::text::results)
            .collect::<Vec<_>>()
            .join("\n"),
        Format::Json => {
            let value = if all || results.len() > 1 {
                serde_json::Value::Array(results.iter().map(Results::to_json).collect())
            } else {
                results.first().map(Results::to_json).unwrap_or_default()
            };
            format!(
                "{}\n",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            )
        }
        Format::Csv => render::csv::results(results),
    }
}
