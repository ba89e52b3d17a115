//! Monte Carlo: many independent runs with keyed draws, in parallel.
//!
//! Runs are grouped in fixed blocks of [`BLOCK`] runs. Workers take blocks from
//! a shared counter; counts merge in any order, and each block's float sums are
//! added along a fixed tree of blocks ([`SumTree`]), so the output is identical
//! for any number of threads, and a range of blocks computed elsewhere (a
//! shard) merges into the same bytes.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::EvalError;
use super::Options;
use super::bitsim;
use super::budget::Memory;
use super::compile::Program;
use super::explain;
use super::results::{self, Results};
use super::shared;
use super::sim::{self, Chooser, Fault, FaultAt, Sim, Trajectory};
use super::stats::{BLOCK, Counts, Layout, Recorder};
use super::sumtree::SumTree;
use crate::check::values::StartValue;
use crate::limits::Limits;
use crate::rng::{Purpose, Rng, RunDraws, to_unit};

/// Draws keyed by (seed, run, stream, step, purpose).
pub struct Keyed {
    draws: RunDraws,
}

impl Keyed {
    /// The draws of run `run`.
    #[must_use]
    pub fn new(rng: &Rng, run: u64) -> Self {
        Keyed {
            draws: rng.run(run),
        }
    }
}

/// Whether a draw of `bits` falls below `p` (certain outcomes draw nothing).
fn below(p: f64, bits: impl FnOnce() -> u64) -> bool {
    if p <= 0.0 {
        return false;
    }
    if p >= 1.0 {
        return true;
    }
    to_unit(bits()) < p
}

impl Chooser for Keyed {
    fn chance(&mut self, p: f64, stream: u64, step: u32, purpose: Purpose) -> bool {
        below(p, || self.draws.bits(stream, step, purpose))
    }

    fn pick(&mut self, lo: u32, hi: u32, stream: u64, step: u32) -> u32 {
        let span = u64::from(hi - lo) + 1;
        let u = self.draws.unit(stream, step, Purpose::Delay);
        lo + ((u * span as f64) as u64).min(span - 1) as u32
    }

    fn branch(&mut self, ps: &[f64], stream: u64, step: u32) -> Option<usize> {
        let u = self.draws.unit(stream, step, Purpose::Branch);
        let mut cum = 0.0;
        for (i, p) in ps.iter().enumerate() {
            cum += p;
            if u < cum {
                return Some(i);
            }
        }
        None
    }

    fn start(&mut self, s: &StartValue, stream: u64) -> f64 {
        let u = self.draws.unit(stream, 0, Purpose::Start);
        match *s {
            StartValue::Const(v) => v,
            StartValue::Uniform(a, b) => a + u * (b - a),
            StartValue::Triangular(a, m, b) => {
                // The inverse of the triangular distribution's CDF.
                let f = (m - a) / (b - a);
                if u < f {
                    a + (u * (b - a) * (m - a)).sqrt()
                } else {
                    b - ((1.0 - u) * (b - a) * (b - m)).sqrt()
                }
            }
            StartValue::Normal(mean, sd) => {
                // Box–Muller with two keyed draws; 1 - u keeps the log finite.
                let u2 = self.draws.unit(stream, 0, Purpose::Start2);
                let r = (-2.0 * libm::log(1.0 - u)).sqrt();
                mean + sd * r * libm::cos(2.0 * std::f64::consts::PI * u2)
            }
            StartValue::Bernoulli(p) => {
                if u < p {
                    1.0
                } else {
                    0.0
                }
            }
        }
    }
}

/// What one worker produced (its float sums go to the shared [`SumTree`]).
struct WorkerPart {
    counts: Counts,
    explain: Option<explain::Tally>,
    fault: Option<(u64, FaultAt)>,
    /// It stopped because the evaluation was cancelled.
    cancelled: bool,
}

/// What a range of blocks of runs produced, before it becomes [`Results`]:
/// exact counts and the sums' tree nodes, which merge with other ranges'.
pub struct Aggregate {
    /// The layout, with the histogram bounds the pilot runs set.
    pub layout: Layout,
    /// The counts.
    pub counts: Counts,
    /// The sums, along the tree of blocks.
    pub sums: SumTree,
    /// Explanations' tallies, when asked for.
    pub explain: Option<explain::Tally>,
}

/// The blocks of `runs` runs.
#[must_use]
pub fn blocks_of(runs: u64) -> u64 {
    runs.div_ceil(BLOCK).max(1)
}

/// Runs `runs` runs of `p` and aggregates them.
///
/// # Errors
/// The memory limit, or the fault of the earliest run that had one.
pub fn evaluate(
    p: &Program<'_>,
    runs: u64,
    options: &Options,
    limits: &Limits,
) -> Result<Results, EvalError> {
    let all = aggregate(p, runs, options, (0, blocks_of(runs)), limits)?;
    let (total, total_sq) = all.sums.total().unwrap_or((&[], &[]));
    let mut results = results::finish(
        p,
        &all.layout,
        &all.counts,
        (total, total_sq),
        options.seed,
        options.confidence,
    );
    if let Some(t) = all.explain {
        results.explanations = t.finish(p);
    }
    Ok(results)
}

/// Runs blocks `first..last` of `runs` runs of `p` (a block is [`BLOCK`] runs).
///
/// Memory does not grow with the runs: workers fold each finished block into
/// one shared [`SumTree`], which keeps a few nodes per worker.
///
/// # Errors
/// The memory limit, or the fault of the earliest run that had one.
pub fn aggregate(
    p: &Program<'_>,
    runs: u64,
    options: &Options,
    blocks: (u64, u64),
    limits: &Limits,
) -> Result<Aggregate, EvalError> {
    aggregate_with(p, runs, options, blocks, limits, Engine::Fastest)
}

/// Which simulator runs the blocks (the results are the same).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// The bit-parallel one when the model allows it ([`bitsim`]), else
    /// [`Sim`] with runs following a shared path where that pays
    /// ([`shared`]).
    Fastest,
    /// Always [`Sim`], every step of every run (for comparing the others).
    General,
}

/// [`aggregate`] with a choice of simulator.
///
/// # Errors
/// As [`aggregate`].
pub fn aggregate_with(
    p: &Program<'_>,
    runs: u64,
    options: &Options,
    (first_block, last_block): (u64, u64),
    limits: &Limits,
    engine: Engine,
) -> Result<Aggregate, EvalError> {
    let last_block = last_block.min(blocks_of(runs));
    let first_block = first_block.min(last_block);
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        n => n,
    };
    // Priced before anything is allocated: the layout alone holds the
    // histogram bounds of every factor at every step.
    let workers = Memory::of(p).workers(
        threads
            .min((last_block - first_block).max(1) as usize)
            .max(1),
        limits,
    )?;
    let mut layout = Layout::of(p);
    let next = AtomicU64::new(first_block);
    let rng = Rng::new(options.seed);
    let targets: Vec<u32> = options.explain.iter().map(|n| n.0).collect();
    // A model of events alone runs whole on the bit-parallel simulator (its
    // plan needs no factor, so neither a pilot nor a static part).
    let plan = match engine {
        Engine::Fastest if targets.is_empty() => bitsim::Plan::of(p, &layout),
        _ => None,
    };
    // What no draw reaches is computed once; runs then compute only the rest.
    // Explanations follow chains through both parts, so they run everything.
    let traj = if plan.is_none() && p.split.node.iter().any(|&s| s) {
        Some(Trajectory::compute(p, !targets.is_empty()).map_err(|f| fault_error(p, 0, f))?)
    } else {
        None
    };
    let which = traj.as_ref().map_or(sim::Part::Full, sim::Part::Dynamic);
    // The pilot runs only set factors' histogram bounds.
    if !layout.factors.is_empty() {
        pilot(p, &mut layout, which, &rng, runs.min(BLOCK))?;
    }
    let layout = layout;
    // Most runs of a model of rare events share one path for much of the
    // horizon (see `shared`); explanations follow each run's own records.
    let path = if engine == Engine::Fastest
        && plan.is_none()
        && targets.is_empty()
        && p.random
        && runs > 1
    {
        shared::Path::of(p, &layout, which)
    } else {
        None
    };
    let tree = Mutex::new(SumTree::new(blocks_of(runs)));
    let work = || {
        let mut sim = Sim::with_part(p, !targets.is_empty(), which);
        let mut recorder = Recorder::new(p, &layout, traj.as_ref()).keeping(&options.record);
        let mut lanes = bitsim::Lanes::default();
        let mut part = WorkerPart {
            counts: layout.counts(),
            explain: (!targets.is_empty()).then(|| explain::Tally::new(p, &targets)),
            fault: None,
            cancelled: false,
        };
        loop {
            if options.cancelled() {
                part.cancelled = true;
                break;
            }
            let b = next.fetch_add(1, Ordering::Relaxed);
            if b >= last_block {
                break;
            }
            let mut sums = layout.sums(b);
            let block_runs = ((b + 1) * BLOCK).min(runs) - b * BLOCK;
            if let Some(plan) = &plan {
                // It runs the whole model, static part included.
                let runs = (b * BLOCK, block_runs);
                plan.block(&mut lanes, &rng, runs, &mut part.counts, &mut |_, _| {});
            } else {
                recorder.static_block(block_runs, &mut part.counts, &mut sums);
            }
            let general = if plan.is_some() {
                0..0
            } else {
                b * BLOCK..((b + 1) * BLOCK).min(runs)
            };
            for run in general {
                recorder.begin();
                if let Some(t) = part.explain.as_mut() {
                    t.begin();
                }
                let mut chooser = Keyed::new(&rng, run);
                let leaves = match &path {
                    Some(path) => {
                        let leaves = path.leaves(&mut chooser);
                        let until = match leaves {
                            shared::Leaves::Never => p.horizon + 1,
                            shared::Leaves::At { from, .. } => from,
                        };
                        recorder.path_prefix(path, until, &mut sums);
                        if leaves == shared::Leaves::Never {
                            recorder.end(&path.end, &mut part.counts);
                            continue;
                        }
                        Some(leaves)
                    }
                    None => None,
                };
                let counts = &mut part.counts;
                let tally = &mut part.explain;
                let mut record = |t: u32, sim: &mut Sim<'_, '_>| {
                    recorder.step(t, sim, counts, &mut sums);
                    if let Some(tally) = tally.as_mut() {
                        tally.step(t, sim);
                    }
                };
                let outcome = match (&path, leaves) {
                    (Some(path), Some(leaves)) => {
                        shared::resume(path, leaves, &mut sim, &mut chooser, &mut record)
                    }
                    _ => sim.run(&mut chooser, &mut record),
                };
                if let Err(fault) = outcome {
                    if part.fault.is_none_or(|(r, _)| run < r) {
                        part.fault = Some((run, fault));
                    }
                    break;
                }
                recorder.end(&sim, &mut part.counts);
                if let Some(t) = part.explain.as_mut() {
                    t.end(&sim);
                }
            }
            recorder.flush(&mut part.counts, path.as_ref());
            if let Some(progress) = &options.progress {
                progress.add(block_runs);
            }
            if part.fault.is_some() {
                break;
            }
            // Blocks are handed out once each, so the tree cannot refuse one;
            // a poisoned lock means another worker panicked, which join reports.
            if let Ok(mut tree) = tree.lock() {
                let _ = tree.add_block(sums.block, sums.sums, sums.sumsq);
            }
        }
        part
    };
    let parts: Vec<WorkerPart> = on_workers(workers, work);
    // Counts merge in any order, so the first worker's are the base (one
    // table fewer to allocate and add for a large model).
    let mut counts: Option<Counts> = None;
    let mut tally: Option<explain::Tally> = None;
    let mut fault: Option<(u64, FaultAt)> = None;
    if parts.iter().any(|part| part.cancelled) {
        return Err(EvalError::Cancelled);
    }
    for part in parts {
        match counts.as_mut() {
            Some(all) => all.merge(&part.counts),
            None => counts = Some(part.counts),
        }
        if let Some(t) = part.explain {
            match tally.as_mut() {
                Some(all) => all.merge(t),
                None => tally = Some(t),
            }
        }
        if let Some((run, f)) = part.fault
            && fault.is_none_or(|(r, _)| run < r)
        {
            fault = Some((run, f));
        }
    }
    if let Some((run, f)) = fault {
        return Err(fault_error(p, run, f));
    }
    let sums = tree
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let counts = counts.unwrap_or_else(|| layout.counts());
    Ok(Aggregate {
        layout,
        counts,
        sums,
        explain: tally,
    })
}

/// Runs `work` on `workers` threads (on this one when there is one) and
/// returns what each returned; a worker's panic is raised again here.
pub(crate) fn on_workers<T: Send>(workers: usize, work: impl Fn() -> T + Sync) -> Vec<T> {
    if workers <= 1 {
        return vec![work()];
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers).map(|_| scope.spawn(&work)).collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

/// Sets each factor cell's histogram bounds to the range the first `n` runs
/// spanned. The same runs set them wherever and however the evaluation is
/// split, so results stay identical; later values outside the bounds fall into
/// the two edge bins, which reach to the smallest and largest values seen.
fn pilot(
    p: &Program<'_>,
    layout: &mut Layout,
    which: sim::Part<'_>,
    rng: &Rng,
    n: u64,
) -> Result<(), EvalError> {
    let steps = layout.steps;
    let mut lo = vec![f64::INFINITY; layout.bounds.len()];
    let mut hi = vec![f64::NEG_INFINITY; layout.bounds.len()];
    let mut sim = Sim::with_part(p, false, which);
    for run in 0..n {
        let mut chooser = Keyed::new(rng, run);
        let factors = &layout.factors;
        sim.run(&mut chooser, &mut |t, sim| {
            for (k, &f) in factors.iter().enumerate() {
                let v = sim.values[f as usize];
                let cell = k * steps + t as usize;
                lo[cell] = lo[cell].min(v);
                hi[cell] = hi[cell].max(v);
            }
        })
        .map_err(|f| fault_error(p, run, f))?;
    }
    for (cell, bound) in layout.bounds.iter_mut().enumerate() {
        if lo[cell].is_finite() && hi[cell].is_finite() {
            *bound = (lo[cell], hi[cell]);
        }
    }
    Ok(())
}

/// The error for a fault in run `run`.
#[must_use]
pub fn fault_error(p: &Program<'_>, run: u64, f: FaultAt) -> EvalError {
    let model = p.model;
    match f.fault {
        Fault::Rule(k) => {
            let rule = model.rule(p.rules[k as usize].id);
            EvalError::NonFinite {
                at: rule.span,
                what: format!("a value of rule `{}`", rule.name),
                step: f.step,
                run,
            }
        }
        Fault::Node(n) => {
            let node = &model.nodes[n as usize];
            // A derived node's definition, or an event's hazard, is what
            // produced the value.
            let (at, what) = match (&node.derived, &node.hazard) {
                (Some(def), _) => (def.span, format!("the definition of `{}`", node.name)),
                (None, Some(h)) => (h.span, format!("the hazard of `{}`", node.name)),
                (None, None) => (node.span, format!("`{}`", node.name)),
            };
            EvalError::NonFinite {
                at,
                what,
                step: f.step,
                run,
            }
        }
        Fault::Conflict { node, a, b } => {
            let (ra, rb) = (
                model.rule(p.rules[a as usize].id),
                model.rule(p.rules[b as usize].id),
            );
            EvalError::Conflict {
                at: rb.span,
                a: ra.name.clone(),
                b: rb.name.clone(),
                factor: model.nodes[node as usize].name.clone(),
                step: f.step,
                run,
            }
        }
    }
}
