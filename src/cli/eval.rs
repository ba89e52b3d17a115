//! `whatif eval`: evaluate scenarios and print their consequences.

use clap::{Args, ValueEnum};
use whatif::check::Model;
use whatif::check::model::ScenarioId;
use whatif::check::values::Override;
use whatif::eval::shard::{self, Partial, Shard};
use whatif::eval::{self, Options, Results};
use whatif::span::SourceMap;

use super::report::Reporter;
use super::settings::Settings;
use super::{Context, Outcome, input, render};

/// Options shared by the commands that evaluate.
#[derive(Debug, Args, Clone)]
pub struct EvalOptions {
    /// Monte Carlo runs, at least 1 (a model with no random draw runs once)
    /// [default: 10000].
    #[arg(long, value_name = "N", value_parser = super::runs_arg)]
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
    /// The library's options: the settings (these flags included, see
    /// `settings.rs`) and `--exact`.
    pub fn options(&self, settings: &Settings) -> Options {
        Options {
            runs: settings.runs.value,
            seed: settings.seed.value,
            threads: settings.threads.value,
            confidence: settings.confidence.value,
            exact: self.exact,
            ..Options::default()
        }
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

impl EvalOptions {
    /// The library's options and the overrides, or the failure, printed.
    pub fn read(&self, model: &Model, ctx: &Context) -> Result<(Options, Vec<Override>), Outcome> {
        let overrides = self
            .overrides(model, &ctx.reporter)
            .ok_or(Outcome::Failure)?;
        Ok((self.options(&ctx.settings), overrides))
    }
}

/// The scenario of an optional `--scenario` (`baseline` without one), or the
/// failure, printed.
pub fn one_scenario(model: &Model, name: Option<&String>) -> Result<ScenarioId, Outcome> {
    let names: Vec<String> = name.into_iter().cloned().collect();
    match scenarios(model, &names, false) {
        Ok(ids) => Ok(ids[0]),
        Err(message) => {
            errorln!("error: {message}");
            Err(Outcome::Failure)
        }
    }
}

/// Which scenarios a command evaluates.
#[derive(Debug, Args, Clone)]
pub struct ScenarioChoice {
    /// A scenario (repeatable) [default: baseline].
    #[arg(long, short, value_name = "NAME")]
    pub scenario: Vec<String>,
    /// The baseline and every scenario.
    #[arg(long, conflicts_with = "scenario")]
    pub all: bool,
}

/// `whatif eval FILE [--scenario NAME ... | --all]`
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The model (`-` reads standard input).
    #[arg(value_name = "FILE")]
    pub file: String,
    #[command(flatten)]
    pub choice: ScenarioChoice,
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
    pub eval: EvalOptions,
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Csv,
}

/// A checked model, or the outcome of failing to get one (diagnostics printed).
pub fn load_model(file: &str, ctx: &Context) -> Result<(Model, SourceMap), Outcome> {
    let input = input::read(file, ctx).map_err(|message| {
        errorln!("error: {message}");
        Outcome::Failure
    })?;
    let analysis = input::analyze(input, ctx);
    let errors: Vec<_> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .cloned()
        .collect();
    match analysis.model {
        Some(model) if errors.is_empty() => Ok((model, analysis.sources)),
        _ => {
            ctx.reporter
                .print_all(&analysis.diagnostics, &analysis.sources);
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
        .map(|n| model.scenario_asked(n).map_err(|e| e.to_string()))
        .collect()
}

/// Evaluates one scenario, reporting a failure as a diagnostic (and, with
/// `-v`, how long it took).
pub fn evaluate(
    model: &Model,
    sources: &SourceMap,
    scenario: ScenarioId,
    overrides: &[Override],
    options: &Options,
    ctx: &Context,
) -> Option<Results> {
    let started = std::time::Instant::now();
    match eval::run(
        model,
        sources,
        scenario,
        overrides,
        options,
        &ctx.settings.limits,
    ) {
        Ok(r) => {
            ctx.note(&format!(
                "evaluated `{}`: {} runs in {:.0?}",
                r.scenario,
                r.runs,
                started.elapsed()
            ));
            Some(r)
        }
        Err(e) => {
            ctx.reporter.print_eval_error(&e, sources);
            None
        }
    }
}

/// What a command that evaluates several scenarios reads before it starts.
pub struct Setup {
    /// The checked model.
    pub model: Model,
    /// Its sources.
    pub sources: SourceMap,
    /// The evaluation options.
    pub options: Options,
    /// The `--set` overrides.
    pub overrides: Vec<Override>,
    /// The scenarios asked for.
    pub ids: Vec<ScenarioId>,
}

/// Loads the model and reads the evaluation flags and the scenarios named
/// (`--scenario` or `--all`), or the outcome of failing to (reported).
pub fn setup(
    file: &str,
    eval: &EvalOptions,
    choice: &ScenarioChoice,
    ctx: &Context,
) -> Result<Setup, Outcome> {
    let (model, sources) = load_model(file, ctx)?;
    let (options, overrides) = eval.read(&model, ctx)?;
    let ids = scenarios(&model, &choice.scenario, choice.all).map_err(|message| {
        errorln!("error: {message}");
        Outcome::Failure
    })?;
    Ok(Setup {
        model,
        sources,
        options,
        overrides,
        ids,
    })
}

/// Runs `whatif eval`.
pub fn run(args: &EvalArgs, ctx: &Context) -> Outcome {
    let Setup {
        model,
        sources,
        options,
        overrides,
        ids,
    } = match setup(&args.file, &args.eval, &args.choice, ctx) {
        Ok(s) => s,
        Err(o) => return o,
    };
    if let Err(o) = super::refuse_overwriting_inputs(args.output.as_deref(), source_paths(&sources))
    {
        return o;
    }
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
            let part = eval::prepare(&model, &sources, id, &overrides, &[], &ctx.settings.limits)
                .and_then(|prepared| shard::part(&prepared, &options, &ctx.settings.limits, shard));
            match part {
                Ok(p) => parts.push(p),
                Err(e) => {
                    ctx.reporter.print_eval_error(&e, &sources);
                    return Outcome::Failure;
                }
            }
        }
        let names: Vec<String> = ids
            .iter()
            .map(|&id| model.scenario(id).name.clone())
            .collect();
        let identity = shard::identity(&sources, &names, args.choice.all, &args.eval.set, &options);
        let partial = Partial::new(identity, shard, &options, args.choice.all, parts);
        return super::write_output(args.output.as_deref(), &partial.to_json());
    }
    let bar = !ctx.quiet() && !options.exact && args.format != Format::Json;
    let total = options.runs.saturating_mul(ids.len() as u64);
    let results = super::progress::track(bar, total, |progress| {
        let options = Options {
            progress,
            ..options.clone()
        };
        ids.iter()
            .map(|&id| evaluate(&model, &sources, id, &overrides, &options, ctx))
            .collect::<Option<Vec<Results>>>()
    });
    let Some(results) = results else {
        return Outcome::Failure;
    };
    write_results(
        args.output.as_deref(),
        &results,
        args.format,
        args.choice.all,
    )
}

/// The files a model was read from (the model and its imports), as paths
/// from the working folder; standard input is none.
pub fn source_paths(sources: &SourceMap) -> impl Iterator<Item = &std::path::Path> {
    sources
        .files()
        .map(|(_, f)| std::path::Path::new(f.name.as_str()))
}

/// Writes every scenario's results in `format` to `path` or standard output.
/// JSON goes to standard output as it is serialized: a large model's results
/// are megabytes, better not held twice.
pub fn write_results(
    path: Option<&std::path::Path>,
    results: &[Results],
    format: Format,
    all: bool,
) -> Outcome {
    let text = match format {
        Format::Json => return super::write_json(path, &Results::eval_output(results, all)),
        Format::Text => results
            .iter()
            .map(render::text::results)
            .collect::<Vec<_>>()
            .join("\n"),
        Format::Csv => render::csv::results(results),
    };
    super::write_output(path, &text)
}
