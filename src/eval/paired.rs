//! Paired comparisons of two scenarios: the same runs, the same draws.
//!
//! Run r of scenario A and run r of scenario B use the same keyed draws (common
//! random numbers), so the difference of a measure between them is computed run
//! by run; its mean and standard deviation give an interval far narrower than
//! comparing two independent estimates would.

use std::sync::atomic::{AtomicU64, Ordering};

use super::bitsim;
use super::compile::Program;
use super::montecarlo::{Engine, Keyed, fault_error, on_workers};
use super::sim::{NEVER, Sim};
use super::stats::{BLOCK, Layout};
use super::sumtree::SumTree;
use super::{EvalError, Options};
use crate::check::model::NodeKind;
use crate::limits::Limits;
use crate::rng::Rng;

/// What to measure in a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// 1 if the event had happened by the step, else 0.
    Event(u32),
    /// The factor's value at the step.
    Factor(u32),
    /// 1 if probe k held at the step.
    ProbeAt(usize),
    /// 1 if probe k held at some step up to the step.
    ProbeBy(usize),
}

/// One measure of each scenario, at one step, compared run by run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pair {
    /// In scenario A.
    pub a: Measure,
    /// In scenario B.
    pub b: Measure,
    /// The step.
    pub step: u32,
}

/// The paired difference A − B of one measure.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Difference {
    /// The mean of A.
    pub mean_a: f64,
    /// The mean of B.
    pub mean_b: f64,
    /// The mean of A − B.
    pub mean: f64,
    /// The standard deviation of A − B across runs.
    pub sd: f64,
    /// Runs.
    pub runs: u64,
}

impl Difference {
    /// The interval of the mean difference at confidence `c` (normal
    /// approximation; exact when every run gives the same difference).
    #[must_use]
    pub fn interval(&self, c: f64) -> (f64, f64) {
        if self.runs < 2 || self.sd == 0.0 {
            return (self.mean, self.mean);
        }
        let z = super::normal::quantile(0.5 + c / 2.0);
        let half = z * self.sd / (self.runs as f64).sqrt();
        (self.mean - half, self.mean + half)
    }
}

fn measure(sim: &mut Sim<'_, '_>, m: Measure, t: u32, seen: &mut [bool]) -> f64 {
    match m {
        Measure::Event(n) => {
            let f = sim.first[n as usize];
            if f != NEVER && f <= t { 1.0 } else { 0.0 }
        }
        Measure::Factor(n) => sim.values[n as usize],
        Measure::ProbeAt(k) => {
            if sim.probe(k, t) {
                1.0
            } else {
                0.0
            }
        }
        Measure::ProbeBy(k) => {
            if seen[k] {
                1.0
            } else {
                0.0
            }
        }
    }
}

/// Runs `runs` paired runs of `a` and `b` and returns each pair's difference.
///
/// # Errors
/// A limit (the runs of both scenarios count), or the fault of the earliest
/// run that had one, in either scenario.
pub fn compare(
    a: &Program<'_>,
    b: &Program<'_>,
    pairs: &[Pair],
    runs: u64,
    options: &Options,
    limits: &Limits,
) -> Result<Vec<Difference>, EvalError> {
    compare_with(a, b, pairs, runs, options, limits, Engine::Fastest)
}

/// [`compare`] with a choice of simulator (the results are the same).
///
/// # Errors
/// As [`compare`].
pub fn compare_with(
    a: &Program<'_>,
    b: &Program<'_>,
    pairs: &[Pair],
    runs: u64,
    options: &Options,
    limits: &Limits,
    engine: Engine,
) -> Result<Vec<Difference>, EvalError> {
    let runs = if a.random || b.random { runs.max(1) } else { 1 };
    super::budget::check(&[a, b], runs, limits)?;
    // Two models of events alone, measured on events and probes, run a block
    // at a time on the bit-parallel simulator: every measure is 0 or 1, so a
    // block's sums are counts of runs, the same numbers the runs one by one
    // would add up. (A model with a factor cannot take it, and its layout
    // holds a bound per factor and step: it is not built.)
    let factor = |m: Measure| matches!(m, Measure::Factor(_));
    let events_alone = |p: &Program<'_>| p.nodes.iter().all(|n| n.kind == NodeKind::Event);
    let plans = match engine {
        Engine::Fastest
            if events_alone(a)
                && events_alone(b)
                && !pairs.iter().any(|p| factor(p.a) || factor(p.b)) =>
        {
            let (la, lb) = (Layout::of(a), Layout::of(b));
            bitsim::Plan::of(a, &la)
                .zip(bitsim::Plan::of(b, &lb))
                .map(|plans| (plans, (la, lb)))
        }
        _ => None,
    };
    let blocks = runs.div_ceil(BLOCK);
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        n => n,
    }
    .min(blocks as usize)
    .max(1);
    let rng = Rng::new(options.seed);
    let next = AtomicU64::new(0);
    let n = pairs.len();
    // The sums of a, b and their difference side by side, and the squares of
    // the difference, folded along the same fixed tree of blocks as Monte
    // Carlo's: the order of additions does not depend on the threads, and
    // memory does not grow with the runs.
    let totals = std::sync::Mutex::new(SumTree::new(blocks));
    // Each worker returns the fault of the earliest run it saw fail, if any.
    if let Some(((pa, pb), (la, lb))) = &plans {
        let work = || {
            let mut lanes = [bitsim::Lanes::default(), bitsim::Lanes::default()];
            // The plans count into these too; only the measures are used.
            let mut counts = [la.counts(), lb.counts()];
            loop {
                if options.cancelled() {
                    return;
                }
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= blocks {
                    return;
                }
                let block = (
                    index * BLOCK,
                    ((index + 1) * BLOCK).min(runs) - index * BLOCK,
                );
                let mut masks = [
                    vec![bitsim::Mask::default(); n],
                    vec![bitsim::Mask::default(); n],
                ];
                for (side, plan) in [pa, pb].into_iter().enumerate() {
                    let masks = &mut masks[side];
                    plan.block(
                        &mut lanes[side],
                        &rng,
                        block,
                        &mut counts[side],
                        &mut |t, l| {
                            for (i, pair) in pairs.iter().enumerate() {
                                if pair.step == t {
                                    let m = if side == 0 { pair.a } else { pair.b };
                                    masks[i] = match m {
                                        Measure::Event(node) => l.happened(node),
                                        Measure::ProbeAt(k) => l.probe_at(k),
                                        Measure::ProbeBy(k) => l.probe_by(k),
                                        Measure::Factor(_) => bitsim::Mask::default(),
                                    };
                                }
                            }
                        },
                    );
                }
                let [ma, mb] = &masks;
                let count = |m: &bitsim::Mask| bitsim::ones(m) as f64;
                let sum_a: Vec<f64> = ma.iter().map(count).collect();
                let sum_b: Vec<f64> = mb.iter().map(count).collect();
                let sum_d: Vec<f64> = sum_a.iter().zip(&sum_b).map(|(x, y)| x - y).collect();
                // (A − B)² is 1 exactly in the runs where one of them holds.
                let sum_dd: Vec<f64> = ma
                    .iter()
                    .zip(mb)
                    .map(|(x, y)| count(&std::array::from_fn(|w| x[w] ^ y[w])))
                    .collect();
                if let Ok(mut tree) = totals.lock() {
                    let _ = tree.add_block(index, [sum_a, sum_b, sum_d].concat(), sum_dd);
                }
            }
        };
        if threads == 1 {
            work();
        } else {
            std::thread::scope(|scope| {
                for _ in 0..threads {
                    scope.spawn(work);
                }
            });
        }
        if options.cancelled() {
            return Err(EvalError::Cancelled);
        }
        return Ok(differences(totals, n, runs));
    }
    let work = || -> Option<(u64, EvalError)> {
        let mut sa = Sim::new(a, false);
        let mut sb = Sim::new(b, false);
        let mut va = vec![0.0; n];
        let mut vb = vec![0.0; n];
        loop {
            if options.cancelled() {
                return None;
            }
            let index = next.fetch_add(1, Ordering::Relaxed);
            if index >= blocks {
                return None;
            }
            let mut sum = [vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]];
            for run in index * BLOCK..((index + 1) * BLOCK).min(runs) {
                for (sim, p, values, side) in
                    [(&mut sa, a, &mut va, true), (&mut sb, b, &mut vb, false)]
                {
                    let mut seen = vec![false; p.probes.len()];
                    let mut chooser = Keyed::new(&rng, run);
                    let outcome = sim.run(&mut chooser, &mut |t, sim| {
                        for (k, s) in seen.iter_mut().enumerate() {
                            if !*s && sim.probe(k, t) {
                                *s = true;
                            }
                        }
                        for (i, pair) in pairs.iter().enumerate() {
                            if pair.step == t {
                                let m = if side { pair.a } else { pair.b };
                                values[i] = measure(sim, m, t, &mut seen);
                            }
                        }
                    });
                    if let Err(f) = outcome {
                        // Later blocks of this worker only have later runs.
                        return Some((run, fault_error(p, run, f)));
                    }
                }
                for i in 0..n {
                    let d = va[i] - vb[i];
                    sum[0][i] += va[i];
                    sum[1][i] += vb[i];
                    sum[2][i] += d;
                    sum[3][i] += d * d;
                }
            }
            let [sum_a, sum_b, sum_d, sum_dd] = sum;
            // Blocks are handed out once each, so the tree cannot refuse one;
            // a poisoned lock means another worker panicked, which join re-raises.
            if let Ok(mut tree) = totals.lock() {
                let _ = tree.add_block(index, [sum_a, sum_b, sum_d].concat(), sum_dd);
            }
        }
    };
    let faults = on_workers(threads, work);
    if options.cancelled() {
        return Err(EvalError::Cancelled);
    }
    if let Some((_, e)) = faults.into_iter().flatten().min_by_key(|(run, _)| *run) {
        return Err(e);
    }
    Ok(differences(totals, n, runs))
}

/// The differences from the sums of every block.
fn differences(totals: std::sync::Mutex<SumTree>, n: usize, runs: u64) -> Vec<Difference> {
    let tree = totals
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let (sums, sumsq) = tree.total().unwrap_or((&[], &[]));
    let part = |k: usize, i: usize| sums.get(k * n + i).copied().unwrap_or(0.0);
    let sum = [
        (0..n).map(|i| part(0, i)).collect::<Vec<f64>>(),
        (0..n).map(|i| part(1, i)).collect(),
        (0..n).map(|i| part(2, i)).collect(),
        (0..n)
            .map(|i| sumsq.get(i).copied().unwrap_or(0.0))
            .collect(),
    ];
    let r = runs as f64;
    (0..n)
        .map(|i| {
            let mean = sum[2][i] / r;
            let var = if runs > 1 {
                ((sum[3][i] - r * mean * mean) / (r - 1.0)).max(0.0)
            } else {
                0.0
            };
            Difference {
                mean_a: sum[0][i] / r,
                mean_b: sum[1][i] / r,
                mean,
                sd: var.sqrt(),
                runs,
            }
        })
        .collect()
}
