//! `whatif diff`: what one scenario changes against another.

use std::fmt::Write as _;

use clap::{Args, ValueEnum};
use whatif::check::model::NodeKind;
use whatif::check::scale::percent;
use whatif::diff::{Diff, diff};
use whatif::render::{num, points, signed};

use super::eval::{EvalOptions, load_model, scenarios};
use super::{Context, Outcome, print_stdout};

/// `whatif diff FILE A [B]`
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The model (`-` reads standard input).
    #[arg(value_name = "FILE")]
    pub file: String,
    /// The scenario whose changes to show.
    #[arg(value_name = "A")]
    a: String,
    /// The scenario to compare with [default: baseline].
    #[arg(value_name = "B", default_value = "baseline")]
    b: String,
    /// How to print the comparison.
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

/// Runs `whatif diff`.
pub fn run(args: &DiffArgs, ctx: &Context) -> Outcome {
    let (model, sources) = match load_model(&args.file, ctx) {
        Ok(m) => m,
        Err(o) => return o,
    };
    let ids = match scenarios(&model, &[args.a.clone(), args.b.clone()], false) {
        Ok(ids) => ids,
        Err(message) => {
            errorln!("error: {message}");
            return Outcome::Failure;
        }
    };
    let options = args.eval.options(&ctx.settings);
    if !args.eval.set.is_empty() || args.eval.exact {
        errorln!(
            "error: `diff` compares scenarios on paired Monte Carlo runs; `--set` and `--exact` do not apply"
        );
        return Outcome::Failure;
    }
    let d = match diff(
        &model,
        &sources,
        ids[0],
        ids[1],
        &options,
        &ctx.settings.limits,
    ) {
        Ok(d) => d,
        Err(e) => {
            ctx.reporter.print_eval_error(&e, &sources);
            return Outcome::Failure;
        }
    };
    let text = match args.format {
        Format::Text => text(&d),
        Format::Json => super::json(&d.to_json()),
    };
    print_stdout(&text)
}

fn text(d: &Diff) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — `{}` against `{}` at step {} ({} paired runs, seed {}, {} intervals)\n",
        whatif::render::escape::inline(&d.model),
        d.a,
        d.b,
        d.horizon,
        d.runs,
        d.seed,
        percent(d.confidence)
    );
    if d.changes.is_empty() {
        let _ = writeln!(out, "no consequence changes");
        return out;
    }
    let width = d
        .changes
        .iter()
        .map(|c| c.node.chars().count())
        .max()
        .unwrap_or(4);
    let _ = writeln!(
        out,
        "{:<width$}  {:>20}  {:>30}",
        "consequence",
        format!("{} → {}", d.b, d.a),
        "change [interval]"
    );
    for c in &d.changes {
        let (from_to, change) = match c.kind {
            NodeKind::Event => (
                format!("{} → {}", percent(c.b), percent(c.a)),
                format!(
                    "{} [{}, {}]",
                    points(c.delta.0),
                    points(c.delta.1),
                    points(c.delta.2)
                ),
            ),
            NodeKind::Factor => (
                format!("{} → {} (mean)", num(c.b, 3), num(c.a, 3)),
                format!(
                    "{} [{}, {}]",
                    signed(c.delta.0, 3),
                    signed(c.delta.1, 3),
                    signed(c.delta.2, 3)
                ),
            ),
        };
        let crossing = c.crossing.map_or(String::new(), |x| format!("  {x}"));
        let _ = writeln!(
            out,
            "{:<width$}  {from_to:>20}  {change:>30}{crossing}",
            c.node
        );
    }
    if !d.chains.is_empty() {
        let _ = writeln!(out, "\ncausal chains in one scenario only:");
        for c in &d.chains {
            let _ = writeln!(
                out,
                "  {} in `{}` via {} ({} of runs)",
                c.node,
                c.scenario,
                c.chain,
                percent(c.share)
            );
        }
    }
    out
}
