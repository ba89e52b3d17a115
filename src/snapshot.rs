//! Consequence snapshots: a stable, readable summary of every scenario's
//! consequences, kept beside a model so that a rule change shows up as a
//! reviewed change in consequences (`whatif test --snapshot`).
//!
//! Probabilities are rounded to whole percents and levels to three significant
//! digits; the seed and the number of runs are written in the file, so the same
//! model always gives the same bytes.

use std::fmt::Write as _;

use crate::check::Model;
use crate::check::model::ScenarioId;
use crate::eval::{self, EvalError, Options, Results};
use crate::limits::Limits;
use crate::render::num;
use crate::span::SourceMap;

/// Runs per scenario in a snapshot unless the caller says otherwise.
pub const SNAPSHOT_RUNS: u64 = 2_000;

/// The snapshot text of `model` (named `file`).
///
/// # Errors
/// An evaluation failure.
pub fn snapshot(
    model: &Model,
    sources: &SourceMap,
    file: &str,
    options: &Options,
    limits: &Limits,
) -> Result<String, EvalError> {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# whatif consequence snapshot of {file}: review changes like code"
    );
    let _ = writeln!(out, "# update with `whatif test --snapshot --accept`");
    let _ = writeln!(
        out,
        "# seed {}, {} runs per scenario; probabilities in whole percents, levels to 3 significant digits",
        options.seed, options.runs
    );
    for s in 0..model.scenarios.len() {
        let id = ScenarioId::from_index(s);
        let r = eval::run(model, sources, id, &[], options, limits)?;
        out.push('\n');
        out.push_str(&scenario_block(&r));
    }
    Ok(out)
}

/// One scenario's part of a snapshot: a header line, then a line per event and
/// per factor, rounded so that sampling noise below the rounding does not show.
#[must_use]
pub fn scenario_block(r: &Results) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "scenario {}{}",
        r.scenario,
        if r.exact {
            " (exact: no random draw)"
        } else {
            ""
        }
    );
    let h = r.horizon as usize;
    for e in &r.events {
        let median = e
            .median_step
            .map_or(String::new(), |m| format!(", median step {m}"));
        let _ = writeln!(
            out,
            "  event {}: {}%{median}",
            e.name,
            (e.probability * 100.0).round()
        );
    }
    for f in &r.factors {
        let _ = writeln!(
            out,
            "  factor {}: median {} at step {h} (p5 {}, p95 {})",
            f.name,
            num(f.p50[h], 3),
            num(f.p5[h], 3),
            num(f.p95[h], 3)
        );
    }
    out
}

/// The lines that differ between two snapshots, `- old` then `+ new`, each
/// after `indent`; empty when they are the same.
#[must_use]
pub fn changed_lines(old: &str, new: &str, indent: &str) -> String {
    let diff = similar::TextDiff::from_lines(old, new);
    let mut out = String::new();
    for change in diff.iter_all_changes() {
        let sign = match change.tag() {
            similar::ChangeTag::Delete => "-",
            similar::ChangeTag::Insert => "+",
            similar::ChangeTag::Equal => continue,
        };
        let _ = write!(out, "{indent}{sign} {change}");
        if change.missing_newline() {
            out.push('\n');
        }
    }
    out
}
