//! Runs that share a path: most runs of a model of rare events are the same
//! run until something unlikely happens in them, and many never leave it.
//!
//! The *path* is one reference run whose every draw takes its most likely
//! outcome (no breach this week, the likelier branch), made once per
//! evaluation. Its draws are logged in order, and its state is kept at
//! checkpoints. A run follows the path for as long as its own draws, keyed as
//! always by (seed, run, stream, step, purpose), give the path's outcomes: the
//! simulator is deterministic given its draws, so until the first draw that
//! differs the run *is* the path. Checking a run is then a walk along the log,
//! one keyed draw per entry; a run that never differs is recorded from the
//! path's values, and one that differs at step s resumes from the last
//! checkpoint at or before s with its own draws.
//!
//! Nothing about the results changes: a run's values at every step are the
//! ones it would have computed, its float sums are added in the same run order
//! (counts are integers, whose order does not matter, so the path's share of
//! them is added once per block). What changes is the cost: a run of the SaaS
//! model, 1,440 half-hour steps in which the region fails in 2% of runs, costs
//! 1,440 keyed draws instead of 1,440 simulated steps.
//!
//! The path is taken only where it pays: when runs are expected to follow it
//! for a good share of the horizon, judged from the probabilities of its own
//! draws. A starting value drawn from a continuous distribution makes every
//! run differ from the start, so no path is taken then.

use super::compile::Program;
use super::montecarlo::Keyed;
use super::sim::{Chooser, FaultAt, Part, Sim};
use super::stats::Layout;
use crate::check::values::StartValue;
use crate::rng::Purpose;

/// A run is expected to follow the path for at least this share of the
/// horizon, or it is not taken: below it, checking the draws costs more than
/// what the shared steps save.
const WORTH: f64 = 0.25;

/// The most bytes the checkpoints may hold; they are spaced to fit.
const CHECKPOINT_BYTES: u64 = 64 << 20;

/// One draw of the reference run, with its outcome.
#[derive(Clone, Debug)]
enum Drawn {
    Chance {
        p: f64,
        stream: u64,
        purpose: Purpose,
        outcome: bool,
    },
    Pick {
        lo: u32,
        hi: u32,
        stream: u64,
        outcome: u32,
    },
    Branch {
        ps: Vec<f64>,
        stream: u64,
        outcome: Option<usize>,
    },
    Start {
        p: f64,
        stream: u64,
        outcome: bool,
    },
}

/// A draw: the step being computed when it was made (a hazard's draw for
/// step t is made while step t − 1 is computed), the step in its key, and
/// the draw with its outcome.
#[derive(Clone, Debug)]
struct Entry {
    during: u32,
    step: u32,
    drawn: Drawn,
}

/// The chooser of the reference run: every draw's likeliest outcome, logged.
#[derive(Default)]
struct Modal {
    /// The step being computed.
    now: u32,
    log: Vec<Entry>,
    /// A likelihood of each logged outcome, in log order.
    odds: Vec<f64>,
    /// A starting value drawn from a continuous distribution: no run follows.
    continuous: bool,
}

impl Modal {
    fn push(&mut self, step: u32, drawn: Drawn, odds: f64) {
        self.log.push(Entry {
            during: self.now,
            step,
            drawn,
        });
        self.odds.push(odds);
    }
}

impl Chooser for Modal {
    fn chance(&mut self, p: f64, stream: u64, step: u32, purpose: Purpose) -> bool {
        let outcome = p >= 0.5;
        // A certain outcome draws nothing: every run has it.
        if p > 0.0 && p < 1.0 {
            let drawn = Drawn::Chance {
                p,
                stream,
                purpose,
                outcome,
            };
            self.push(step, drawn, p.max(1.0 - p));
        }
        outcome
    }

    fn pick(&mut self, lo: u32, hi: u32, stream: u64, step: u32) -> u32 {
        if hi > lo {
            let drawn = Drawn::Pick {
                lo,
                hi,
                stream,
                outcome: lo,
            };
            self.push(step, drawn, 1.0 / f64::from(hi - lo + 1));
        }
        lo
    }

    fn branch(&mut self, ps: &[f64], stream: u64, step: u32) -> Option<usize> {
        // The likeliest branch, or none when the remaining mass is likelier.
        let rest = 1.0 - ps.iter().sum::<f64>();
        let mut outcome = None;
        let mut best = rest;
        for (i, &p) in ps.iter().enumerate() {
            if p > best {
                best = p;
                outcome = Some(i);
            }
        }
        let drawn = Drawn::Branch {
            ps: ps.to_vec(),
            stream,
            outcome,
        };
        self.push(step, drawn, best.clamp(0.0, 1.0));
        outcome
    }

    fn start(&mut self, s: &StartValue, stream: u64) -> f64 {
        match *s {
            StartValue::Const(v) => v,
            StartValue::Uniform(a, b) | StartValue::Triangular(a, _, b) if a == b => a,
            StartValue::Normal(m, 0.0) => m,
            StartValue::Bernoulli(p) => {
                let outcome = p >= 0.5;
                if p > 0.0 && p < 1.0 {
                    let drawn = Drawn::Start { p, stream, outcome };
                    self.push(0, drawn, p.max(1.0 - p));
                }
                if outcome { 1.0 } else { 0.0 }
            }
            _ => {
                self.continuous = true;
                0.0
            }
        }
    }
}

/// Whether run's draws give `drawn`'s outcome: the very calls the simulator
/// would make, so the comparison is exact.
fn agrees(keyed: &mut Keyed, step: u32, drawn: &Drawn) -> bool {
    match drawn {
        Drawn::Chance {
            p,
            stream,
            purpose,
            outcome,
        } => keyed.chance(*p, *stream, step, *purpose) == *outcome,
        Drawn::Pick {
            lo,
            hi,
            stream,
            outcome,
        } => keyed.pick(*lo, *hi, *stream, step) == *outcome,
        Drawn::Branch {
            ps,
            stream,
            outcome,
        } => keyed.branch(ps, *stream, step) == *outcome,
        Drawn::Start { p, stream, outcome } => {
            (keyed.start(&StartValue::Bernoulli(*p), *stream) == 1.0) == *outcome
        }
    }
}

/// Where a run leaves the path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leaves {
    /// Never: the run is the path.
    Never,
    /// At a step: the run resumes from the checkpoint of index `checkpoint`
    /// (its state at the start of step `from`), or from its start when
    /// `checkpoint` is `None` (it left at step 0).
    At {
        /// The checkpoint to resume from.
        checkpoint: Option<usize>,
        /// The step the checkpoint holds the state before.
        from: u32,
    },
}

/// The shared path of one evaluation.
pub struct Path<'p, 'm> {
    log: Vec<Entry>,
    /// The path's state at the start of some steps, in order: (step, state).
    checkpoints: Vec<(u32, Sim<'p, 'm>)>,
    /// The path's state after its last step: what a run that never leaves it
    /// ends with.
    pub end: Sim<'p, 'm>,
    /// Per layout factor and step (factor-major, like the layout's cells):
    /// the path's value, its square, and its histogram bin.
    pub values: Vec<f64>,
    /// The squares of [`Path::values`], computed as the recorder computes them.
    pub squares: Vec<f64>,
    /// Each cell's histogram bin under the layout's bounds.
    pub bins: Vec<usize>,
    /// Per probe and step: whether the probe held, and whether it had held by
    /// then.
    pub probes: Vec<(bool, bool)>,
}

impl<'p, 'm> Path<'p, 'm> {
    /// The path of `p` under `layout` (whose bounds the pilot has set), for
    /// runs of the simulator part `which`; `None` when no run is expected to
    /// follow it far enough to pay, or when the reference run faults (the
    /// runs then report it as usual).
    #[must_use]
    pub fn of(p: &'p Program<'m>, layout: &Layout, which: Part<'p>) -> Option<Path<'p, 'm>> {
        let mut sim = Sim::with_part(p, false, which);
        let mut modal = Modal::default();
        let steps = layout.steps;
        let horizon = p.horizon;
        // The first pass logs the draws; checkpoints are spaced by the state's size.
        sim.start_run(&mut modal);
        if modal.continuous {
            return None;
        }
        let every = spacing(&sim, horizon);
        let mut checkpoints = Vec::new();
        let mut values = vec![0.0; layout.cells()];
        let mut probes = vec![(false, false); layout.probes * steps];
        let mut seen = vec![false; layout.probes];
        let mut record = |t: u32, sim: &mut Sim<'p, 'm>| {
            let t = t as usize;
            for (k, &f) in layout.factors.iter().enumerate() {
                values[k * steps + t] = sim.values[f as usize];
            }
            for (q, seen) in seen.iter_mut().enumerate() {
                let now = sim.probe(q, t as u32);
                *seen = *seen || now;
                probes[q * steps + t] = (now, *seen);
            }
        };
        let mut t = 0;
        loop {
            if t > 0 && t % every == 0 {
                checkpoints.push((t, sim.clone()));
            }
            modal.now = t;
            sim.advance(t, &mut modal).ok()?;
            record(t, &mut sim);
            if sim.steady_at.is_some() {
                for later in t + 1..=horizon {
                    record(later, &mut sim);
                }
                break;
            }
            if t == horizon {
                break;
            }
            t += 1;
        }
        if modal.continuous || !worth_it(&modal, horizon) {
            return None;
        }
        let squares = values.iter().map(|v| v * v).collect();
        let bins = (0..layout.cells())
            .map(|cell| layout.bin(cell, values[cell]))
            .collect();
        Some(Path {
            log: modal.log,
            checkpoints,
            end: sim,
            values,
            squares,
            bins,
            probes,
        })
    }

    /// Where the run whose draws `keyed` makes leaves the path.
    pub fn leaves(&self, keyed: &mut Keyed) -> Leaves {
        let Some(at) = self
            .log
            .iter()
            .find(|e| !agrees(keyed, e.step, &e.drawn))
            .map(|e| e.during)
        else {
            return Leaves::Never;
        };
        // The last checkpoint at or before the step (its state is the run's).
        let k = self.checkpoints.partition_point(|(s, _)| *s <= at);
        match k.checked_sub(1) {
            Some(i) => Leaves::At {
                checkpoint: Some(i),
                from: self.checkpoints[i].0,
            },
            None => Leaves::At {
                checkpoint: None,
                from: 0,
            },
        }
    }

    /// Puts `sim` in the path's state at the start of checkpoint `i`'s step.
    pub fn restore(&self, i: usize, sim: &mut Sim<'p, 'm>) {
        sim.clone_from(&self.checkpoints[i].1);
    }
}

/// Checkpoints every how many steps: as often as each step while they fit
/// [`CHECKPOINT_BYTES`].
fn spacing(sim: &Sim<'_, '_>, horizon: u32) -> u32 {
    let one = sim.heap_bytes() + std::mem::size_of::<Sim<'_, '_>>() as u64;
    let fit = (CHECKPOINT_BYTES / one.max(1)).max(1);
    let every = u64::from(horizon).div_ceil(fit).max(1);
    u32::try_from(every).unwrap_or(u32::MAX)
}

/// Whether runs are expected to follow the path for at least [`WORTH`] of
/// the horizon: the chance of still being on it at each step, from the odds of
/// the draws made by then, summed over the steps.
fn worth_it(modal: &Modal, horizon: u32) -> bool {
    if modal.log.is_empty() {
        return false;
    }
    let steps = f64::from(horizon) + 1.0;
    let mut on = 1.0;
    let mut expected = 0.0;
    let mut at = 0;
    for (entry, odds) in modal.log.iter().zip(&modal.odds) {
        // Steps before this draw's are covered with the chance so far.
        expected += on * f64::from(entry.during - at);
        at = entry.during;
        on *= odds;
    }
    expected += on * (steps - f64::from(at));
    expected >= WORTH * steps
}

/// A run that resumes after its checkpoint: the simulator's state is
/// restored (or reset) and its steps from `from` are run with the run's own
/// draws, each recorded.
///
/// # Errors
/// A fault in the run.
pub fn resume<'p, 'm>(
    path: &Path<'p, 'm>,
    leaves: Leaves,
    sim: &mut Sim<'p, 'm>,
    chooser: &mut dyn Chooser,
    record: &mut dyn FnMut(u32, &mut Sim<'p, 'm>),
) -> Result<(), FaultAt> {
    match leaves {
        Leaves::At {
            checkpoint: Some(i),
            from,
        } => {
            path.restore(i, sim);
            sim.run_from(from, chooser, record)
        }
        _ => sim.run(chooser, record),
    }
}
