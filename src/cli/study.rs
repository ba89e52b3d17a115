//! `whatif sweep` and `whatif sensitivity`: studies of a scenario over its
//! parameters (the library's `whatif::study`). Both read the model once, read
//! each `--vary`, `--param` and `--measure` as a little source of its own (so a
//! diagnostic points into the argument), price the whole study, and print or
//! write (`-o`, atomically) only once every point has been evaluated.

use clap::{Args, ValueEnum};
use whatif::check::Model;
use whatif::check::measure::{self, Measure};
use whatif::check::model::ScenarioId;
use whatif::check::{did_you_mean, values::Override};
use whatif::eval::Options;
use whatif::render::study as render;
use whatif::span::{SourceMap, Span};
use whatif::study::{Axis, InputKind, Method, Space, Study, StudyError};

use super::eval::{EvalOptions, load_model, one_scenario, source_paths};
use super::{Context, Outcome};

/// How a study is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Csv,
}

/// `whatif sweep FILE --scenario S --vary NAME=LO..HI[:K] … [--measure M …]`
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The model (`-` reads standard input).
    #[arg(value_name = "FILE")]
    pub file: String,
    /// The scenario [default: baseline].
    #[arg(long, short, value_name = "NAME")]
    scenario: Option<String>,
    /// A parameter and the values it takes: K equally spaced values from LO to
    /// HI (5 without `:K`). Repeatable: the grid is every combination.
    #[arg(long, value_name = "NAME=LO..HI[:K]", required = true)]
    vary: Vec<String>,
    /// What to measure in each run, written as an expectation writes it:
    /// `P(users.migration)`, `P(users.trust < 0.4 by 26)`, `users.trust at 52`.
    /// Repeatable.
    #[arg(long, value_name = "MEASURE", required = true)]
    measure: Vec<String>,
    /// How to print the sweep: a table, or tidy CSV or JSON.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write to this file (atomically) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub eval: EvalOptions,
}

/// A sensitivity method on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MethodName {
    /// One at a time: the tornado.
    Oat,
    /// Morris's elementary effects (screening).
    Morris,
    /// Sobol's first-order and total indices.
    Sobol,
}

/// What else to treat as uncertain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Include {
    /// Every rule's likelihood word, within its interval on the scale.
    Words,
}

/// `whatif sensitivity FILE --scenario S --measure M [--method …]`
#[derive(Debug, Args)]
pub struct SensitivityArgs {
    /// The model (`-` reads standard input).
    #[arg(value_name = "FILE")]
    pub file: String,
    /// The scenario [default: baseline].
    #[arg(long, short, value_name = "NAME")]
    scenario: Option<String>,
    /// What to measure in each run, written as an expectation writes it.
    #[arg(long, value_name = "MEASURE")]
    measure: String,
    /// The method.
    #[arg(long, value_enum, default_value_t = MethodName::Oat)]
    method: MethodName,
    /// Vary only these parameters (repeatable) [default: every parameter with a range].
    #[arg(long = "param", value_name = "NAME")]
    params: Vec<String>,
    /// Treat more as uncertain: `words`, each rule's likelihood word.
    #[arg(long, value_enum, value_name = "WHAT")]
    include: Vec<Include>,
    /// Morris trajectories.
    #[arg(long, value_name = "R", default_value_t = 10, value_parser = clap::value_parser!(u16).range(2..))]
    trajectories: u16,
    /// Sobol base samples (the study evaluates N × (inputs + 2) points).
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u32).range(2..=1_000_000))]
    samples: u32,
    /// How to print the analysis: a table, or tidy CSV or JSON.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write to this file (atomically) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub eval: EvalOptions,
}

/// What both verbs read before they start.
struct Setup {
    model: Model,
    sources: SourceMap,
    scenario: ScenarioId,
    options: Options,
    overrides: Vec<Override>,
}

fn setup(
    file: &str,
    scenario: Option<&String>,
    eval: &EvalOptions,
    output: Option<&std::path::Path>,
    ctx: &Context,
) -> Result<Setup, Outcome> {
    if eval.exact {
        errorln!("error: a study evaluates each point by Monte Carlo; `--exact` does not apply");
        return Err(Outcome::Failure);
    }
    let (model, sources) = load_model(file, ctx)?;
    super::refuse_overwriting_inputs(output, source_paths(&sources))?;
    let (options, overrides) = eval.read(&model, ctx)?;
    let scenario = one_scenario(&model, scenario)?;
    Ok(Setup {
        model,
        sources,
        scenario,
        options,
        overrides,
    })
}

/// Reads each measure as a source named after its flag.
fn measures(
    model: &Model,
    sources: &mut SourceMap,
    texts: &[String],
    ctx: &Context,
) -> Result<Vec<Measure>, Outcome> {
    let mut out = Vec::with_capacity(texts.len());
    for text in texts {
        match measure::read(model, sources, "--measure", text, &ctx.settings.limits) {
            Ok(m) => out.push(m),
            Err(diagnostics) => {
                ctx.reporter.print_all(&diagnostics, sources);
                return Err(Outcome::Failure);
            }
        }
    }
    Ok(out)
}

/// Prints a study's error against the file or argument it points into.
fn report(e: &StudyError, sources: &SourceMap, ctx: &Context) -> Outcome {
    match (e, e.span()) {
        (StudyError::Point { point, error }, _) => {
            if !point.is_empty() {
                errorln!("error: the study's point {point} failed:");
            }
            ctx.reporter.print_eval_error(error, sources);
        }
        (_, Some(at)) => ctx.reporter.print_at(e, at.file, sources),
        (_, None) => ctx.reporter.print_plain(e),
    }
    Outcome::Failure
}

/// Runs `whatif sweep`.
pub fn sweep(args: &SweepArgs, ctx: &Context) -> Outcome {
    let Setup {
        model,
        mut sources,
        scenario,
        options,
        overrides,
    } = match setup(
        &args.file,
        args.scenario.as_ref(),
        &args.eval,
        args.output.as_deref(),
        ctx,
    ) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let mut axes: Vec<Axis> = Vec::with_capacity(args.vary.len());
    for text in &args.vary {
        let file = sources.add("--vary", text.as_str());
        match Axis::parse(&model, file, text) {
            Ok(a) => axes.push(a),
            Err(e) => return report(&e, &sources, ctx),
        }
    }
    let measures = match measures(&model, &mut sources, &args.measure, ctx) {
        Ok(m) => m,
        Err(o) => return o,
    };
    let study = Study {
        model: &model,
        sources: &sources,
        scenario,
        measures: &measures,
        overrides: &overrides,
        options: &options,
        limits: &ctx.settings.limits,
    };
    let points: u64 = axes.iter().map(|a| a.values.len() as u64).product();
    let bar = !ctx.quiet() && args.format == Format::Text;
    let result = super::progress::track(bar, points.saturating_mul(options.runs), |progress| {
        let options = Options {
            progress,
            ..options.clone()
        };
        Study {
            options: &options,
            ..study
        }
        .sweep(&axes)
    });
    let sweep = match result {
        Ok(s) => s,
        Err(e) => return report(&e, &sources, ctx),
    };
    let text = match args.format {
        Format::Text => render::sweep_text(&sweep),
        Format::Csv => render::sweep_csv(&sweep),
        Format::Json => super::json(&sweep),
    };
    super::write_output(args.output.as_deref(), &text)
}

/// Runs `whatif sensitivity`.
pub fn sensitivity(args: &SensitivityArgs, ctx: &Context) -> Outcome {
    let Setup {
        model,
        mut sources,
        scenario,
        options,
        overrides,
    } = match setup(
        &args.file,
        args.scenario.as_ref(),
        &args.eval,
        args.output.as_deref(),
        ctx,
    ) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let measures = match measures(
        &model,
        &mut sources,
        std::slice::from_ref(&args.measure),
        ctx,
    ) {
        Ok(m) => m,
        Err(o) => return o,
    };
    let method = match args.method {
        MethodName::Oat => Method::Oat,
        MethodName::Morris => Method::Morris {
            trajectories: usize::from(args.trajectories),
        },
        MethodName::Sobol => Method::Sobol {
            samples: args.samples as usize,
        },
    };
    let words = args.include.contains(&Include::Words);
    let limits = &ctx.settings.limits;
    let space = match Space::of(&model, scenario, &overrides, words, limits)
        .and_then(|s| restrict(s, &model, &mut sources, &args.params, method))
    {
        Ok(s) => s,
        Err(e) => return report(&e, &sources, ctx),
    };
    if space.inputs.is_empty() {
        let words = if words {
            ", and no rule with a likelihood word"
        } else {
            ""
        };
        return report(&StudyError::NothingToVary { words }, &sources, ctx);
    }
    let study = Study {
        model: &model,
        sources: &sources,
        scenario,
        measures: &measures,
        overrides: &overrides,
        options: &options,
        limits,
    };
    let points = method.points(space.inputs.len());
    let bar = !ctx.quiet() && args.format == Format::Text;
    let result = super::progress::track(bar, points.saturating_mul(options.runs), |progress| {
        let options = Options {
            progress,
            ..options.clone()
        };
        Study {
            options: &options,
            ..study
        }
        .sensitivity(&space, method)
    });
    let s = match result {
        Ok(s) => s,
        Err(e) => return report(&e, &sources, ctx),
    };
    let text = match args.format {
        Format::Text => render::sensitivity_text(&s),
        Format::Csv => render::sensitivity_csv(&s),
        Format::Json => super::json(&s),
    };
    super::write_output(args.output.as_deref(), &text)
}

/// Keeps the inputs `--param` names (all of them without one): each must be a
/// parameter, and have a range.
fn restrict(
    mut space: Space,
    model: &Model,
    sources: &mut SourceMap,
    names: &[String],
    method: Method,
) -> Result<Space, StudyError> {
    if names.is_empty() {
        return Ok(space);
    }
    for name in names {
        let file = sources.add("--param", name.as_str());
        let Some(id) = model.param_named(name) else {
            let all = model.params.iter().map(|p| p.name.as_str());
            return Err(StudyError::UnknownParameter {
                at: Span::new(file, 0, name.len()),
                name: name.clone(),
                help: did_you_mean(name, all)
                    .unwrap_or_else(|| "name a parameter the model declares".to_string()),
            });
        };
        let p = &model.params[id.index()];
        if p.range.is_none() {
            return Err(StudyError::NoRange {
                at: p.span,
                method: method.name().to_string(),
                name: name.clone(),
                help: format!(
                    "give it its plausible range where it is declared: `param {name} = VALUE in [LO, HI]`"
                ),
            });
        }
    }
    // Words asked for with `--include words` stay.
    space
        .inputs
        .retain(|i| matches!(i.kind, InputKind::Word(_)) || names.contains(&i.name));
    Ok(space)
}
