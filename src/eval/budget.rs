//! What an evaluation may cost, checked against the [`Limits`] before it
//! starts: runs, work, and memory.
//!
//! Work counts runs × steps × (rules + nodes): an upper bound on what the
//! per-step loop touches. Memory is estimated from what the statistics record
//! per node and step — shared by the workers, and per worker — plus each
//! worker's simulator. Workers cost memory, not results (a result never depends
//! on the number of threads), so the evaluation runs with as many workers as
//! fit the memory limit, and fails only when one does not. Exact evaluation
//! cannot know its cost in advance; it counts as it goes (see `exact.rs`).

use super::EvalError;
use super::compile::Program;
use super::stats::bins_for;
use crate::check::model::NodeKind;
use crate::limits::{Limit, Limits};

/// Bytes a simulator holds per node and per rule, about (values, flags,
/// counters, the previous step, the pending effects).
pub const SIM_BYTES_PER_ITEM: u64 = 64;

/// Checks the runs and the work of `runs` runs of each of `programs` (two for
/// a paired comparison, which runs both).
///
/// # Errors
/// [`EvalError::Limit`] naming the limit exceeded.
pub fn check(programs: &[&Program<'_>], runs: u64, limits: &Limits) -> Result<(), EvalError> {
    if runs > limits.runs {
        return Err(EvalError::Limit {
            which: Limit::Runs,
            requested: runs,
            limit: limits.runs,
        });
    }
    let work = programs.iter().fold(0u64, |sum, p| {
        sum.saturating_add(
            runs.saturating_mul(u64::from(p.horizon) + 1)
                .saturating_mul((p.rules.len() + p.nodes.len()) as u64),
        )
    });
    if work > limits.work {
        return Err(EvalError::Limit {
            which: Limit::Work,
            requested: work,
            limit: limits.work,
        });
    }
    Ok(())
}

/// The memory of a Monte Carlo evaluation of `p`: what all workers share, and
/// what each one adds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Memory {
    /// Bytes shared (results, histogram bounds, totals, the static part).
    pub shared: u64,
    /// Bytes per worker (counts, histograms, one block's sums, a simulator).
    pub per_worker: u64,
}

impl Memory {
    /// The estimate for `p`.
    #[must_use]
    pub fn of(p: &Program<'_>) -> Memory {
        let steps = u64::from(p.horizon) + 1;
        let factors = p
            .nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Factor)
            .count();
        let events = p.nodes.len() - factors;
        let bins = bins_for(factors, steps as usize) as u64;
        let cells = |n: usize| (n as u64).saturating_mul(steps);
        let (fc, ec, pc) = (cells(factors), cells(events), cells(p.probes.len()));
        // Per factor cell, shared: five statistics in the results, the
        // histogram bounds, the pilot's extremes, the two totals; per worker:
        // the bins, the extremes with their counts, one block's two sums.
        let shared = fc
            .saturating_mul(5 * 8 + 16 + 16 + 16)
            .saturating_add(ec.saturating_mul(8 + 8))
            .saturating_add(pc.saturating_mul(16 + 16))
            .saturating_add(cells(p.nodes.len()).saturating_mul(8));
        let sim = SIM_BYTES_PER_ITEM.saturating_mul((p.nodes.len() + p.rules.len()) as u64);
        let per_worker = fc
            .saturating_mul(bins * 4 + 32 + 16)
            .saturating_add(ec.saturating_mul(8))
            .saturating_add(pc.saturating_mul(16))
            .saturating_add(sim);
        Memory { shared, per_worker }
    }

    /// How many of `wanted` workers fit `limits.memory` (at least one).
    ///
    /// # Errors
    /// [`EvalError::Limit`] when even one worker does not fit.
    pub fn workers(self, wanted: usize, limits: &Limits) -> Result<usize, EvalError> {
        let one = self.shared.saturating_add(self.per_worker);
        if one > limits.memory {
            return Err(EvalError::Limit {
                which: Limit::Memory,
                requested: one,
                limit: limits.memory,
            });
        }
        let fit = (limits.memory - self.shared) / self.per_worker.max(1);
        Ok(wanted
            .min(usize::try_from(fit).unwrap_or(usize::MAX))
            .max(1))
    }
}
