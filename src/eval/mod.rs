//! Evaluation: a checked model and one scenario in, consequences out.
//!
//! `compile` turns the model and the scenario's values into a [`Program`];
//! `sim` runs it one step at a time; `montecarlo` runs many runs in parallel
//! with keyed random draws; `exact` enumerates every outcome of small models;
//! `stats` aggregates runs into [`Results`]; `explain` turns the causes recorded
//! during runs into causal chains and "why not" reports; `samples` records
//! chosen measures run by run. No I/O happens here.

pub mod bitsim;
pub mod budget;
pub mod code;
pub mod compile;
mod error;
pub mod exact;
pub mod explain;
pub mod montecarlo;
pub(crate) mod normal;
pub mod paired;
pub mod results;
pub mod samples;
pub mod shard;
pub mod shared;
pub mod sim;
pub mod stats;
pub mod sumtree;

pub use compile::Program;
pub use error::EvalError;
pub use results::Results;

use crate::check::model::{Expr, Model, NodeId, ScenarioId};
use crate::check::values::{self, Override};
use crate::limits::Limits;
use crate::span::SourceMap;

/// How to evaluate.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// Monte Carlo runs (ignored when the model has no random draw).
    pub runs: u64,
    /// The seed of every draw.
    pub seed: u64,
    /// Worker threads (0: one per core). Results do not depend on it.
    pub threads: usize,
    /// The confidence of reported intervals.
    pub confidence: f64,
    /// Enumerate outcomes exactly instead of sampling.
    pub exact: bool,
    /// Events to explain (causal chains and why-not).
    pub explain: Vec<NodeId>,
    /// Counts finished runs as they finish, for a progress bar.
    pub progress: Option<Progress>,
    /// Asks a running evaluation to stop (an interrupt, a deadline).
    pub cancel: Option<Cancel>,
    /// Which factors' values are recorded, and at which steps.
    pub record: Record,
}

/// Which factor values a Monte Carlo evaluation records.
///
/// Recording is most of the cost of a small model with many steps: every
/// factor's sums and histogram at every step of every run. A caller that reads
/// a few cells (`whatif test` reads the steps its expectations name) asks for
/// those only. The cells it asks for come out exactly as with
/// [`Record::Everything`]; the others are NaN in the results. Events, probes
/// and exact evaluation are unaffected.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Record {
    /// Every factor at every step: what `whatif eval` reports.
    #[default]
    Everything,
    /// These factors at these steps.
    Only {
        /// The factors read.
        factors: Vec<NodeId>,
        /// The steps read (`0..=horizon`).
        steps: Vec<u32>,
    },
}

impl Record {
    /// Whether factor `node` is recorded at all.
    #[must_use]
    pub fn factor(&self, node: NodeId) -> bool {
        match self {
            Record::Everything => true,
            Record::Only { factors, .. } => factors.contains(&node),
        }
    }

    /// Per step of `steps`, whether it is recorded.
    #[must_use]
    pub fn step_mask(&self, steps: usize) -> Vec<bool> {
        match self {
            Record::Everything => vec![true; steps],
            Record::Only { steps: wanted, .. } => {
                let mut mask = vec![false; steps];
                for &t in wanted {
                    if let Some(m) = mask.get_mut(t as usize) {
                        *m = true;
                    }
                }
                mask
            }
        }
    }

    /// Sets the cells of `results` that were not recorded to NaN, so that no
    /// one reads an empty cell as a value.
    fn blank(&self, model: &Model, results: &mut Results) {
        let Record::Only { factors, .. } = self else {
            return;
        };
        // By name, as results name factors; one lookup each, not a scan.
        let kept: std::collections::HashSet<&str> = factors
            .iter()
            .map(|&n| model.node(n).name.as_str())
            .collect();
        let mask = self.step_mask(results.horizon as usize + 1);
        for f in &mut results.factors {
            let recorded = kept.contains(f.name.as_str());
            for series in [&mut f.mean, &mut f.p5, &mut f.p50, &mut f.p95, &mut f.sd] {
                for (t, v) in series.iter_mut().enumerate() {
                    if !recorded || !mask.get(t).copied().unwrap_or(false) {
                        *v = f64::NAN;
                    }
                }
            }
        }
    }
}

/// A count of finished Monte Carlo runs that another thread may read while an
/// evaluation goes on (the library draws nothing itself).
#[derive(Clone, Debug, Default)]
pub struct Progress(std::sync::Arc<std::sync::atomic::AtomicU64>);

impl Progress {
    /// Runs finished so far.
    #[must_use]
    pub fn done(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn add(&self, runs: u64) {
        self.0.fetch_add(runs, std::sync::atomic::Ordering::Relaxed);
    }
}

impl PartialEq for Progress {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

/// A request to stop an evaluation before it ends, which another thread makes
/// while it runs: a notebook's interrupt, a server's deadline.
///
/// Workers look at it between blocks of runs (and exact evaluation every so
/// many outcomes), so an evaluation stops within about one block's time and
/// returns [`EvalError::Cancelled`]. Nothing else changes: an evaluation that
/// is not cancelled gives the same results with or without one.
#[derive(Clone, Debug, Default)]
pub struct Cancel(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Cancel {
    /// Asks every evaluation holding a clone of this to stop.
    pub fn cancel(&self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether [`Cancel::cancel`] was called.
    #[must_use]
    pub fn is_cancelled(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl PartialEq for Cancel {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Options {
    /// Whether the evaluation was asked to stop.
    #[must_use]
    pub fn cancelled(&self) -> bool {
        self.cancel.as_ref().is_some_and(Cancel::is_cancelled)
    }
}

/// The defaults: 10,000 runs, seed 0, 95% intervals.
pub const DEFAULT_RUNS: u64 = 10_000;
/// The default seed.
pub const DEFAULT_SEED: u64 = 0;
/// The default confidence.
pub const DEFAULT_CONFIDENCE: f64 = 0.95;

impl Default for Options {
    fn default() -> Self {
        Options {
            runs: DEFAULT_RUNS,
            seed: DEFAULT_SEED,
            threads: 0,
            confidence: DEFAULT_CONFIDENCE,
            exact: false,
            explain: Vec::new(),
            progress: None,
            cancel: None,
            record: Record::Everything,
        }
    }
}

/// A scenario ready to evaluate: its values checked, its program compiled.
pub struct Prepared<'m> {
    /// The program.
    pub program: Program<'m>,
}

/// Computes the scenario's values under `overrides`, checks them, and compiles
/// the program with `probes` (conditions to count at each step).
///
/// # Errors
/// Value checks that fail under the overrides, or a limit.
pub fn prepare<'m>(
    model: &'m Model,
    sources: &SourceMap,
    scenario: ScenarioId,
    overrides: &'m [Override],
    probes: &[&Expr],
    limits: &Limits,
) -> Result<Prepared<'m>, EvalError> {
    let resolved =
        values::resolve(model, scenario, overrides, limits).map_err(EvalError::Values)?;
    let texts = |span: crate::span::Span| {
        sources
            .text(span)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let program = Program::new(model, &resolved, probes, &texts);
    Ok(Prepared { program })
}

/// Evaluates a prepared scenario.
///
/// # Errors
/// A limit exceeded, a fault during a run (a value that is not finite, two
/// `=` on one factor at one step), or an exact evaluation that is out of reach.
pub fn evaluate(
    prepared: &Prepared<'_>,
    options: &Options,
    limits: &Limits,
) -> Result<Results, EvalError> {
    let p = &prepared.program;
    if options.exact {
        return exact::evaluate(p, options, limits);
    }
    let runs = runs_within_limits(p, options, limits)?;
    let mut results = montecarlo::evaluate(p, runs, options, limits)?;
    options.record.blank(p.model, &mut results);
    Ok(results)
}

/// The runs an evaluation of `p` makes (one when nothing is random), within
/// the limits.
///
/// # Errors
/// The runs or the work exceed a limit.
pub fn runs_within_limits(
    p: &Program<'_>,
    options: &Options,
    limits: &Limits,
) -> Result<u64, EvalError> {
    let runs = if p.random { options.runs.max(1) } else { 1 };
    budget::check(&[p], runs, limits)?;
    Ok(runs)
}

/// Evaluates `scenario` of `model` in one call.
///
/// # Errors
/// See [`prepare`] and [`evaluate`].
pub fn run(
    model: &Model,
    sources: &SourceMap,
    scenario: ScenarioId,
    overrides: &[Override],
    options: &Options,
    limits: &Limits,
) -> Result<Results, EvalError> {
    let prepared = prepare(model, sources, scenario, overrides, &[], limits)?;
    evaluate(&prepared, options, limits)
}

#[cfg(test)]
mod tests;
