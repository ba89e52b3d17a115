//! `whatif report`: a self-contained HTML page of a model and its scenarios.
//!
//! Evaluates the baseline (always: every chart draws it for comparison) and
//! each scenario asked for, with explanations of every event, compares each
//! scenario with the baseline on paired runs, and writes the page that
//! `render::html` builds — atomically, so a reader never sees half a report.

use std::path::Path;

use clap::Args;
use whatif::check::model::{BASELINE, NodeId, NodeKind};
use whatif::diff::{Diff, diff_under};
use whatif::eval::Results;
use whatif::graph::Graph;
use whatif::render::html::{self, Report, Section};

use super::eval::{EvalOptions, ScenarioChoice, Setup, evaluate, setup, source_paths};

use super::{Context, Outcome, write_output};

/// `whatif report FILE [--scenario NAME ... | --all] -o FILE`
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The model (`-` reads standard input).
    #[arg(value_name = "FILE")]
    pub file: String,
    #[command(flatten)]
    choice: ScenarioChoice,
    /// Where to write the page (`-` for standard output); an existing file is
    /// replaced atomically.
    #[arg(short, long, value_name = "FILE", required = true)]
    output: String,
    #[command(flatten)]
    pub eval: EvalOptions,
}

/// Runs `whatif report`.
pub fn run(args: &ReportArgs, ctx: &Context) -> Outcome {
    let (limits, reporter) = (&ctx.settings.limits, &ctx.reporter);
    let Setup {
        model,
        sources,
        mut options,
        overrides,
        ids,
    } = match setup(&args.file, &args.eval, &args.choice, ctx) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let output = Path::new(&args.output);
    if let Err(o) = super::refuse_overwriting_inputs(Some(output), source_paths(&sources)) {
        return o;
    }
    if options.exact {
        errorln!(
            "error: the report's explanations and comparisons come from Monte Carlo runs; drop `--exact`"
        );
        return Outcome::Failure;
    }
    options.explain = model
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.kind == NodeKind::Event)
        .map(|(i, _)| NodeId::from_index(i))
        .collect();
    let evaluate = |id| evaluate(&model, &sources, id, &overrides, &options, ctx);
    let Some(baseline) = evaluate(BASELINE) else {
        return Outcome::Failure;
    };
    let mut shown: Vec<(Option<Results>, Option<Diff>)> = Vec::new();
    for &id in &ids {
        if id == BASELINE {
            shown.push((None, None));
            continue;
        }
        let Some(results) = evaluate(id) else {
            return Outcome::Failure;
        };
        let compare = whatif::eval::Options {
            explain: Vec::new(),
            ..options.clone()
        };
        let d = match diff_under(&model, &sources, id, BASELINE, &overrides, &compare, limits) {
            Ok(d) => d,
            Err(e) => {
                reporter.print_eval_error(&e, &sources);
                return Outcome::Failure;
            }
        };
        shown.push((Some(results), Some(d)));
    }
    let graph = Graph::of(&model);
    let report = Report {
        model: &model,
        sources: &sources,
        graph: &graph,
        baseline: &baseline,
        sections: ids
            .iter()
            .zip(&shown)
            .map(|(&id, (results, diff))| Section {
                id,
                results: results.as_ref().unwrap_or(&baseline),
                diff: diff.as_ref(),
            })
            .collect(),
        overrides: args.eval.set.clone(),
    };
    let page = match html::page(&report) {
        Ok(p) => p,
        Err(e) => {
            reporter.print_plain(&e);
            return Outcome::Failure;
        }
    };
    let path = (args.output != "-").then(|| Path::new(&args.output));
    write_output(path, &page)
}
