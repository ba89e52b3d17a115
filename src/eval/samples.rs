//! Per-run samples: the value of chosen measures in every Monte Carlo run,
//! for statistics of one's own (a histogram, a correlation, a regression).
//!
//! A measure is written as an expectation writes what it measures
//! ([`crate::check::measure`]): `P(users.migration)` is 1 in the runs where
//! the event happened by the horizon, else 0; `users.trust at 52` is the
//! factor's value at step 52. Run r is computed with the same keyed draws as
//! run r of [`super::run`], so the mean of a `P(e)` column is exactly the
//! event's probability in the results, and every value is the same whatever
//! the number of threads.
//!
//! Memory is what the caller asks for and is bounded: the samples hold 8 bytes
//! per run and per measure, and are refused before any run when they would
//! exceed the evaluation's memory limit ([`Limits::memory`], 2 GiB by default,
//! the same limit `--max-memory` sets), counted together with one worker's
//! estimate. The runs are those of the evaluation, so [`Limits::runs`] and
//! [`Limits::work`] apply as well.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::budget::Memory;
use super::montecarlo::{Keyed, blocks_of, fault_error, on_workers};
use super::sim::Sim;
use super::stats::BLOCK;
use super::{EvalError, Options};
use crate::check::Model;
use crate::check::measure::{Measure, MeasureKind};
use crate::check::model::{Expr, ProbMode, ScenarioId};
use crate::check::values::{self, Override};
use crate::limits::{Limit, Limits};
use crate::rng::Rng;
use crate::span::SourceMap;

/// Bytes one sampled value holds.
pub const BYTES_PER_VALUE: u64 = 8;

/// The value of each measure in each run.
#[derive(Clone, Debug, PartialEq)]
pub struct Samples {
    /// The measures, as written.
    pub measures: Vec<String>,
    /// The step each measure was taken at.
    pub steps: Vec<u32>,
    /// Runs (1 for a model with no random draw).
    pub runs: u64,
    /// Measure after measure, each `runs` values long, in the order of the runs.
    pub values: Vec<f64>,
}

impl Samples {
    /// Measure `k`'s value in every run, in the order of the runs.
    #[must_use]
    pub fn column(&self, k: usize) -> &[f64] {
        let n = usize::try_from(self.runs).unwrap_or(usize::MAX);
        self.values.get(k * n..(k + 1) * n).unwrap_or(&[])
    }
}

/// What is read of a run at one step.
#[derive(Clone, Copy, Debug)]
enum Read {
    /// The factor's value.
    Value(u32),
    /// Whether probe k holds at the step.
    At(usize),
    /// Whether probe k held at some step up to the step.
    By(usize),
}

/// Records `measures` in every run of `scenario` under `overrides`, with the
/// runs, seed and threads of `options` (the runs of a Monte Carlo evaluation:
/// `options.exact` is not looked at, and a model with no random draw runs once).
/// `sources` holds the model's files and the measures'.
///
/// # Errors
/// A measure's step that is not whole or is after the horizon, the scenario's
/// values, a limit (memory above all), a fault in a run, or a cancel.
pub fn collect(
    model: &Model,
    sources: &SourceMap,
    scenario: ScenarioId,
    overrides: &[Override],
    measures: &[Measure],
    options: &Options,
    limits: &Limits,
) -> Result<Samples, EvalError> {
    let resolved =
        values::resolve(model, scenario, overrides, limits).map_err(EvalError::Values)?;
    let mut steps = Vec::with_capacity(measures.len());
    let mut errors = Vec::new();
    for m in measures {
        match m.step() {
            None => steps.push(resolved.horizon),
            Some(s) => match resolved.step_within_horizon(s, "the step of a measure") {
                Ok(t) => steps.push(t),
                Err(e) => errors.push(e),
            },
        }
    }
    if !errors.is_empty() {
        return Err(EvalError::Values(errors));
    }
    let mut probes: Vec<&Expr> = Vec::new();
    let reads: Vec<Read> = measures
        .iter()
        .map(|m| match &m.kind {
            MeasureKind::Value { node, .. } => Read::Value(node.0),
            MeasureKind::Prob {
                condition, mode, ..
            } => {
                probes.push(condition);
                if *mode == ProbMode::By {
                    Read::By(probes.len() - 1)
                } else {
                    Read::At(probes.len() - 1)
                }
            }
        })
        .collect();
    let prepared = super::prepare(model, sources, scenario, overrides, &probes, limits)?;
    let p = &prepared.program;
    let runs = super::runs_within_limits(p, options, limits)?;
    let memory = Memory::of(p);
    let bytes = runs
        .saturating_mul(measures.len() as u64)
        .saturating_mul(BYTES_PER_VALUE)
        .saturating_add(memory.shared)
        .saturating_add(memory.per_worker);
    if bytes > limits.memory {
        return Err(EvalError::Limit {
            which: Limit::Memory,
            requested: bytes,
            limit: limits.memory,
        });
    }
    let n = usize::try_from(runs).map_err(|_| EvalError::Limit {
        which: Limit::Memory,
        requested: bytes,
        limit: limits.memory,
    })?;
    let k = measures.len();
    let blocks = blocks_of(runs);
    let workers = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        t => t,
    }
    .min(usize::try_from(blocks).unwrap_or(usize::MAX))
    .max(1);
    let rng = Rng::new(options.seed);
    let next = AtomicU64::new(0);
    let values = Mutex::new(vec![0.0; n * k]);
    // Each worker returns the fault of the earliest run it saw fail, if any,
    // and whether it stopped for a cancel.
    let work = || -> (Option<(u64, EvalError)>, bool) {
        let mut sim = Sim::new(p, false);
        let mut seen = vec![false; p.probes.len()];
        let mut block = vec![0.0; BLOCK as usize * k];
        loop {
            if options.cancelled() {
                return (None, true);
            }
            let b = next.fetch_add(1, Ordering::Relaxed);
            if b >= blocks {
                return (None, false);
            }
            let first = b * BLOCK;
            let last = ((b + 1) * BLOCK).min(runs);
            for run in first..last {
                let row = (run - first) as usize;
                seen.fill(false);
                let mut chooser = Keyed::new(&rng, run);
                let outcome = sim.run(&mut chooser, &mut |t, sim| {
                    for (q, s) in seen.iter_mut().enumerate() {
                        if !*s && sim.probe(q, t) {
                            *s = true;
                        }
                    }
                    for (j, (&read, &step)) in reads.iter().zip(&steps).enumerate() {
                        if step != t {
                            continue;
                        }
                        let v = match read {
                            Read::Value(node) => sim.values[node as usize],
                            Read::At(q) => f64::from(u8::from(sim.probe(q, t))),
                            Read::By(q) => f64::from(u8::from(seen[q])),
                        };
                        block[j * BLOCK as usize + row] = v;
                    }
                });
                if let Err(f) = outcome {
                    // Later blocks of this worker only have later runs.
                    return (Some((run, fault_error(p, run, f))), false);
                }
            }
            let len = (last - first) as usize;
            if let Ok(mut all) = values.lock() {
                for j in 0..k {
                    let at = j * n + first as usize;
                    all[at..at + len]
                        .copy_from_slice(&block[j * BLOCK as usize..j * BLOCK as usize + len]);
                }
            }
            if let Some(progress) = &options.progress {
                progress.add(last - first);
            }
        }
    };
    let ends = on_workers(workers, work);
    if ends.iter().any(|(_, cancelled)| *cancelled) {
        return Err(EvalError::Cancelled);
    }
    if let Some((_, e)) = ends
        .into_iter()
        .filter_map(|(fault, _)| fault)
        .min_by_key(|(run, _)| *run)
    {
        return Err(e);
    }
    Ok(Samples {
        measures: measures.iter().map(|m| m.text.clone()).collect(),
        steps,
        runs,
        values: values
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    })
}

#[cfg(test)]
mod tests;
