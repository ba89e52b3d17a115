//! Aggregating runs into results, in summaries that merge exactly.
//!
//! Everything counted is an integer (runs in which an event first happened at
//! each step, histogram bins of factor values, runs bounded, steps of
//! steadiness), so counts merge in any order. Sums of factor values are floats:
//! they are kept per fixed block of runs and added along a fixed tree of blocks
//! (`sumtree`), so the result is the same whatever the number of threads, and a
//! run range computed elsewhere merges byte for byte.
//!
//! Factor quantiles come from a histogram over the factor's range; its number of
//! bins depends only on the model's size (see [`bins_for`]), and the estimate is
//! interpolated within a bin and clamped to the smallest and largest value seen,
//! so a factor that is the same in every run gets its exact value.

use serde::{Deserialize, Serialize};

use super::compile::Program;
use super::shared::Path;
use super::sim::{NEVER, Sim, Trajectory};
use crate::check::model::NodeKind;

/// Runs per block: the unit of work, of float summation order, and of sharding.
pub const BLOCK: u64 = 256;

/// Quantile histograms get at most this many bins per factor and step.
pub const MAX_BINS: usize = 1000;
/// …and at least this many.
pub const MIN_BINS: usize = 16;
/// The memory the histograms of one worker may take, which sets the bins.
const HISTOGRAM_BUDGET: usize = 4 << 20;

/// Bins per histogram for `factors` factors over `steps` steps.
#[must_use]
pub fn bins_for(factors: usize, steps: usize) -> usize {
    let cells = (factors * steps).max(1);
    (HISTOGRAM_BUDGET / 4 / cells).clamp(MIN_BINS, MAX_BINS)
}

/// Serde for float vectors as their IEEE 754 bits: exact, and JSON has no
/// infinities.
pub mod f64_bits {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Writes the bits.
    ///
    /// # Errors
    /// The serializer's.
    pub fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        let bits: Vec<u64> = v.iter().map(|x| x.to_bits()).collect();
        bits.serialize(s)
    }

    /// Reads the bits.
    ///
    /// # Errors
    /// The deserializer's.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        let bits = Vec::<u64>::deserialize(d)?;
        Ok(bits.into_iter().map(f64::from_bits).collect())
    }
}

/// Serde for a count vector with many zeros: its length, then for each other
/// cell the zeros skipped since the last one and the count, flat (histograms
/// of large models are mostly empty bins).
pub mod sparse_u32 {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Writes `[len, skip, v, skip, v, …]`.
    ///
    /// # Errors
    /// The serializer's.
    pub fn serialize<S: Serializer>(v: &[u32], s: S) -> Result<S::Ok, S::Error> {
        let mut flat = vec![v.len() as u64];
        let mut skipped = 0u64;
        for &c in v {
            if c == 0 {
                skipped += 1;
            } else {
                flat.extend([skipped, u64::from(c)]);
                skipped = 0;
            }
        }
        flat.serialize(s)
    }

    /// Reads `[len, skip, v, skip, v, …]`.
    ///
    /// # Errors
    /// A malformed list, or an index or count out of range.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u32>, D::Error> {
        let flat = Vec::<u64>::deserialize(d)?;
        let Some((&len, pairs)) = flat.split_first() else {
            return Err(D::Error::custom("an empty sparse list"));
        };
        // Refuse a length the pairs cannot justify before allocating it.
        if len > (pairs.len() as u64 + 1) * (1 << 24) || pairs.len() % 2 != 0 {
            return Err(D::Error::custom("a malformed sparse list"));
        }
        let mut out = vec![0u32; usize::try_from(len).map_err(D::Error::custom)?];
        let mut at = 0usize;
        for pair in pairs.chunks(2) {
            at = usize::try_from(pair[0])
                .ok()
                .and_then(|skip| at.checked_add(skip))
                .filter(|&i| i < out.len())
                .ok_or_else(|| D::Error::custom("a sparse index out of range"))?;
            out[at] = u32::try_from(pair[1]).map_err(D::Error::custom)?;
            at += 1;
        }
        Ok(out)
    }
}

/// Counts that merge in any order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    /// Runs counted.
    pub runs: u64,
    /// Per event (in event order) and step, runs whose first occurrence was at
    /// that step; the last cell of each row counts runs where it never happened.
    pub first: Vec<u64>,
    /// Per factor, step and bin: runs whose value fell in the bin.
    #[serde(with = "sparse_u32")]
    pub hist: Vec<u32>,
    /// Per factor and step, the smallest value seen (infinite when none was).
    #[serde(with = "f64_bits")]
    pub min: Vec<f64>,
    /// Per factor and step, the largest value seen.
    #[serde(with = "f64_bits")]
    pub max: Vec<f64>,
    /// Per factor and step, runs whose value equals the smallest value seen
    /// (so that a point mass, such as a bound, gets exact quantiles).
    pub at_min: Vec<u64>,
    /// Per factor and step, runs whose value equals the largest value seen.
    pub at_max: Vec<u64>,
    /// Per rule of the program, runs in which its condition held at some step.
    pub rule_runs: Vec<u64>,
    /// Per factor, runs in which it was kept at a bound.
    pub bounded_runs: Vec<u64>,
    /// Per factor, the earliest step it was kept at a bound in any run.
    pub bounded_from: Vec<u32>,
    /// Per step, runs that became steady then; the last cell: never steady.
    pub steady: Vec<u64>,
    /// Per probe and step, runs where it held.
    pub probes: Vec<u64>,
    /// Per probe and step, runs where it had held at some step up to then.
    pub probes_by: Vec<u64>,
}

/// Per block of runs: the float sums, kept apart so they can be added in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Sums {
    /// The block's index.
    pub block: u64,
    /// Per factor and step, the sum of its values over the block's runs.
    pub sums: Vec<f64>,
    /// Per factor and step, the sum of the squares of its values.
    pub sumsq: Vec<f64>,
}

/// The layout shared by counts and sums.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    /// The events, as node indices.
    pub events: Vec<u32>,
    /// The factors, as node indices.
    pub factors: Vec<u32>,
    /// Steps 0..=horizon.
    pub steps: usize,
    /// Bins per histogram.
    pub bins: usize,
    /// Probes.
    pub probes: usize,
    /// Rules of the program.
    pub rules: usize,
    /// Per factor and step, the interval the histogram's inner bins split: the
    /// range the first runs spanned (see `montecarlo::pilot`), else the
    /// factor's declared range.
    pub bounds: Vec<(f64, f64)>,
}

impl Layout {
    /// The layout of a program.
    #[must_use]
    pub fn of(p: &Program<'_>) -> Layout {
        let mut events = Vec::new();
        let mut factors = Vec::new();
        for (i, n) in p.nodes.iter().enumerate() {
            if n.kind == NodeKind::Event {
                events.push(i as u32);
            } else {
                factors.push(i as u32);
            }
        }
        let steps = p.horizon as usize + 1;
        let bins = bins_for(factors.len(), steps);
        let bounds = factors
            .iter()
            .flat_map(|&f| std::iter::repeat_n(p.nodes[f as usize].range, steps))
            .collect();
        Layout {
            events,
            factors,
            steps,
            bins,
            probes: p.probes.len(),
            rules: p.rules.len(),
            bounds,
        }
    }

    /// The histogram bin of value `v` in a cell: bin 0 holds values below the
    /// cell's bounds, the last bin values above them, the others split the
    /// bounds evenly.
    #[must_use]
    pub fn bin(&self, cell: usize, v: f64) -> usize {
        let (lo, hi) = self.bounds[cell];
        let inner = self.bins - 2;
        if v < lo {
            0
        } else if v > hi {
            self.bins - 1
        } else if hi > lo {
            1 + (((v - lo) / (hi - lo) * inner as f64) as usize).min(inner - 1)
        } else {
            1
        }
    }

    /// Empty counts.
    #[must_use]
    pub fn counts(&self) -> Counts {
        let f = self.factors.len();
        Counts {
            runs: 0,
            first: vec![0; self.events.len() * (self.steps + 1)],
            hist: vec![0; f * self.steps * self.bins],
            min: vec![f64::INFINITY; f * self.steps],
            max: vec![f64::NEG_INFINITY; f * self.steps],
            at_min: vec![0; f * self.steps],
            at_max: vec![0; f * self.steps],
            rule_runs: vec![0; self.rules],
            bounded_runs: vec![0; f],
            bounded_from: vec![NEVER; f],
            steady: vec![0; self.steps + 1],
            probes: vec![0; self.probes * self.steps],
            probes_by: vec![0; self.probes * self.steps],
        }
    }

    /// Factor cells: factors × steps.
    #[must_use]
    pub fn cells(&self) -> usize {
        self.factors.len() * self.steps
    }

    /// Empty sums for a block.
    #[must_use]
    pub fn sums(&self, block: u64) -> Sums {
        let cells = self.factors.len() * self.steps;
        Sums {
            block,
            sums: vec![0.0; cells],
            sumsq: vec![0.0; cells],
        }
    }
}

impl Counts {
    /// Whether these counts have the shape of `layout`'s (counts read from a
    /// file may not).
    #[must_use]
    pub fn fits(&self, layout: &Layout) -> bool {
        // The lengths `Layout::counts` gives, computed rather than allocated:
        // a layout read from a file may claim any size.
        let len = |a: usize, b: usize| a.checked_mul(b);
        let (f, steps) = (layout.factors.len(), layout.steps);
        let cells = len(f, steps);
        let expected = [
            (
                self.first.len(),
                len(layout.events.len(), steps.saturating_add(1)),
            ),
            (self.hist.len(), cells.and_then(|c| len(c, layout.bins))),
            (self.min.len(), cells),
            (self.max.len(), cells),
            (self.at_min.len(), cells),
            (self.at_max.len(), cells),
            (self.rule_runs.len(), Some(layout.rules)),
            (self.bounded_runs.len(), Some(f)),
            (self.bounded_from.len(), Some(f)),
            (self.steady.len(), steps.checked_add(1)),
            (self.probes.len(), len(layout.probes, steps)),
            (self.probes_by.len(), len(layout.probes, steps)),
        ];
        expected.iter().all(|&(have, want)| Some(have) == want)
    }

    /// Adds `other` into `self`.
    pub fn merge(&mut self, other: &Counts) {
        self.runs += other.runs;
        add(&mut self.first, &other.first);
        for (a, b) in self.hist.iter_mut().zip(&other.hist) {
            *a = a.saturating_add(*b);
        }
        for i in 0..self.min.len() {
            merge_extreme(
                &mut self.min[i],
                &mut self.at_min[i],
                other.min[i],
                other.at_min[i],
                |a, b| a < b,
            );
            merge_extreme(
                &mut self.max[i],
                &mut self.at_max[i],
                other.max[i],
                other.at_max[i],
                |a, b| a > b,
            );
        }
        add(&mut self.rule_runs, &other.rule_runs);
        add(&mut self.bounded_runs, &other.bounded_runs);
        for (a, b) in self.bounded_from.iter_mut().zip(&other.bounded_from) {
            *a = (*a).min(*b);
        }
        add(&mut self.steady, &other.steady);
        add(&mut self.probes, &other.probes);
        add(&mut self.probes_by, &other.probes_by);
    }
}

/// Merges an extreme value and the count of runs at it.
fn merge_extreme(v: &mut f64, n: &mut u64, w: f64, m: u64, better: impl Fn(f64, f64) -> bool) {
    if better(w, *v) {
        *v = w;
        *n = m;
    } else if w == *v {
        *n += m;
    }
}

/// Notes one value in a cell's extremes.
fn note_extremes(counts: &mut Counts, cell: usize, v: f64, runs: u64) {
    merge_extreme(
        &mut counts.min[cell],
        &mut counts.at_min[cell],
        v,
        runs,
        |a, b| a < b,
    );
    merge_extreme(
        &mut counts.max[cell],
        &mut counts.at_max[cell],
        v,
        runs,
        |a, b| a > b,
    );
}

fn add(a: &mut [u64], b: &[u64]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

/// Records runs into counts and a block's sums.
pub struct Recorder<'l> {
    layout: &'l Layout,
    probe_seen: Vec<bool>,
    /// The static part's run, when runs compute only the dynamic part: static
    /// nodes are then counted once per block instead of once per run.
    traj: Option<&'l Trajectory>,
    /// Positions (in the layout) of the factors recorded per run.
    dynamic_factors: Vec<usize>,
    /// Per node, its position among the layout's events if it is an event
    /// recorded per run, else `u32::MAX`.
    event_position: Vec<u32>,
    /// Positions of the events recorded per run.
    dynamic_events: Vec<usize>,
    /// Runs ended since the last [`Recorder::flush`], and per event position
    /// in how many of them it happened: the runs where an event never
    /// happened are counted at the flush, so a run costs what happened in it.
    unflushed: u64,
    happened_runs: Vec<u64>,
    /// Per step, the runs of the block that followed the shared path up to
    /// (not including) that step: their counts at the steps before are added
    /// together at the flush.
    path_ends: Vec<u64>,
    /// Per step, whether factors are recorded there (see [`super::Record`]).
    steps_recorded: Vec<bool>,
}

impl<'l> Recorder<'l> {
    /// A recorder for `p` with `layout`; with `traj`, static nodes are taken
    /// from the static part's run.
    #[must_use]
    pub fn new(p: &Program<'_>, layout: &'l Layout, traj: Option<&'l Trajectory>) -> Recorder<'l> {
        let is_dynamic = |n: u32| traj.is_none() || !p.split.node[n as usize];
        let dynamic_factors = (0..layout.factors.len())
            .filter(|&k| is_dynamic(layout.factors[k]))
            .collect();
        let dynamic_events: Vec<usize> = (0..layout.events.len())
            .filter(|&k| is_dynamic(layout.events[k]))
            .collect();
        let mut event_position = vec![u32::MAX; p.nodes.len()];
        for &k in &dynamic_events {
            event_position[layout.events[k] as usize] = k as u32;
        }
        Recorder {
            layout,
            probe_seen: vec![false; layout.probes],
            traj,
            dynamic_factors,
            event_position,
            dynamic_events,
            unflushed: 0,
            happened_runs: vec![0; layout.events.len()],
            path_ends: vec![0; layout.steps + 1],
            steps_recorded: vec![true; layout.steps],
        }
    }

    /// Records only the factors and steps `record` asks for.
    #[must_use]
    pub fn keeping(mut self, record: &super::Record) -> Self {
        let l = self.layout;
        self.dynamic_factors
            .retain(|&k| record.factor(crate::check::model::NodeId(l.factors[k])));
        self.steps_recorded = record.step_mask(l.steps);
        self
    }

    /// Records steps `0..until` of a run from the shared path it followed
    /// there: its float sums now, in run order as every run's; its counts with
    /// the block's other such runs at the flush. A run that resumes from a
    /// checkpoint at `until` then records its own steps from there.
    pub fn path_prefix(&mut self, path: &Path<'_, '_>, until: u32, sums: &mut Sums) {
        let l = self.layout;
        let steps = l.steps;
        let until = (until as usize).min(steps);
        for &k in &self.dynamic_factors {
            let cells = k * steps..k * steps + until;
            for ((s, s2), (v, v2)) in sums.sums[cells.clone()]
                .iter_mut()
                .zip(&mut sums.sumsq[cells.clone()])
                .zip(path.values[cells.clone()].iter().zip(&path.squares[cells]))
            {
                *s += v;
                *s2 += v2;
            }
        }
        self.path_ends[until] += 1;
        if until > 0 {
            for (q, seen) in self.probe_seen.iter_mut().enumerate() {
                *seen = path.probes[q * steps + until - 1].1;
            }
        }
    }

    /// Adds the counts of the path's steps for the runs of the block that
    /// followed it (see [`Recorder::path_prefix`]).
    fn flush_path(&mut self, path: &Path<'_, '_>, counts: &mut Counts) {
        let l = self.layout;
        let steps = l.steps;
        // Runs still on the path at step t: those whose prefix ends after t.
        let mut on = 0;
        for t in (0..steps).rev() {
            on += self.path_ends[t + 1];
            if on == 0 {
                continue;
            }
            for &k in &self.dynamic_factors {
                let cell = k * steps + t;
                note_extremes(counts, cell, path.values[cell], on);
                counts.hist[cell * l.bins + path.bins[cell]] += on as u32;
            }
            for q in 0..l.probes {
                let (now, by) = path.probes[q * steps + t];
                if now {
                    counts.probes[q * steps + t] += on;
                }
                if by {
                    counts.probes_by[q * steps + t] += on;
                }
            }
        }
        self.path_ends.iter_mut().for_each(|n| *n = 0);
    }

    /// Adds the static nodes' share of `runs` identical runs of a block.
    pub fn static_block(&self, runs: u64, counts: &mut Counts, sums: &mut Sums) {
        let Some(traj) = self.traj else { return };
        let l = self.layout;
        let steps = l.steps;
        for (k, &f) in l.factors.iter().enumerate() {
            let Some(j) = traj.position(f) else { continue };
            for t in 0..steps {
                let v = traj.values[t][j];
                let cell = k * steps + t;
                sums.sums[cell] += v * runs as f64;
                sums.sumsq[cell] += v * v * runs as f64;
                // No histogram: a static cell has one value in every run, so
                // its smallest and largest are equal and every quantile is that
                // value (see [`quantile`]). Its histogram's pages are then never
                // touched, which matters for a large deterministic model.
                note_extremes(counts, cell, v, runs);
            }
            let b = traj.bounded_first[f as usize];
            if b != NEVER {
                counts.bounded_runs[k] += runs;
                counts.bounded_from[k] = counts.bounded_from[k].min(b);
            }
        }
        for (k, &e) in traj.exercised.iter().enumerate() {
            if e {
                counts.rule_runs[k] += runs;
            }
        }
        let width = steps + 1;
        for (k, &e) in l.events.iter().enumerate() {
            if traj.position(e).is_none() {
                continue;
            }
            let first = traj.first[e as usize];
            let cell = if first == NEVER {
                steps
            } else {
                first as usize
            };
            counts.first[k * width + cell] += runs;
        }
    }

    /// Starts a run.
    pub fn begin(&mut self) {
        self.probe_seen.iter_mut().for_each(|s| *s = false);
    }

    /// Records step `t` of a run.
    pub fn step(&mut self, t: u32, sim: &mut Sim<'_, '_>, counts: &mut Counts, sums: &mut Sums) {
        let l = self.layout;
        let steps = l.steps;
        let t = t as usize;
        let factors: &[usize] = if self.steps_recorded[t] {
            &self.dynamic_factors
        } else {
            &[]
        };
        for &k in factors {
            let v = sim.values[l.factors[k] as usize];
            let cell = k * steps + t;
            sums.sums[cell] += v;
            sums.sumsq[cell] += v * v;
            note_extremes(counts, cell, v, 1);
            counts.hist[cell * l.bins + l.bin(cell, v)] += 1;
        }
        for q in 0..l.probes {
            if sim.probe(q, t as u32) {
                counts.probes[q * steps + t] += 1;
                self.probe_seen[q] = true;
            }
            if self.probe_seen[q] {
                counts.probes_by[q * steps + t] += 1;
            }
        }
    }

    /// Ends a run. Call [`Recorder::flush`] before reading the counts.
    pub fn end(&mut self, sim: &Sim<'_, '_>, counts: &mut Counts) {
        let l = self.layout;
        counts.runs += 1;
        self.unflushed += 1;
        let width = l.steps + 1;
        for &e in &sim.happened {
            let k = self.event_position[e as usize];
            if k == u32::MAX {
                continue;
            }
            let k = k as usize;
            self.happened_runs[k] += 1;
            counts.first[k * width + sim.first[e as usize] as usize] += 1;
        }
        for &k in &self.dynamic_factors {
            let b = sim.bounded_first[l.factors[k] as usize];
            if b != NEVER {
                counts.bounded_runs[k] += 1;
                counts.bounded_from[k] = counts.bounded_from[k].min(b);
            }
        }
        match sim.steady_at {
            Some(s) => counts.steady[s as usize] += 1,
            None => counts.steady[l.steps] += 1,
        }
        for &k in &sim.exercised_list {
            counts.rule_runs[k as usize] += 1;
        }
    }

    /// Counts, for the runs ended since the last flush, those where each event
    /// never happened.
    pub fn flush(&mut self, counts: &mut Counts, path: Option<&Path<'_, '_>>) {
        if let Some(path) = path {
            self.flush_path(path, counts);
        }
        let l = self.layout;
        let width = l.steps + 1;
        for &k in &self.dynamic_events {
            counts.first[k * width + l.steps] += self.unflushed - self.happened_runs[k];
            self.happened_runs[k] = 0;
        }
        self.unflushed = 0;
    }
}

/// The quantile `q` of the values in one histogram row, interpolated within
/// its bin and kept within the smallest and largest values seen.
#[must_use]
pub fn quantile(
    row: &[u32],
    total: u64,
    q: f64,
    (lo, hi): (f64, f64),
    (min, max): (f64, f64),
    (at_min, at_max): (u64, u64),
) -> f64 {
    if total == 0 || !min.is_finite() {
        return f64::NAN;
    }
    if min == max {
        return min;
    }
    // Point masses at the extremes (a bound, a 0/1 factor) are exact.
    if q * total as f64 <= at_min as f64 {
        return min;
    }
    if (1.0 - q) * total as f64 <= at_max as f64 {
        return max;
    }
    let target = q * total as f64;
    let last = row.len() - 1;
    let width = (hi - lo) / (row.len() - 2) as f64;
    let mut before = 0.0;
    for (i, &c) in row.iter().enumerate() {
        let c = f64::from(c);
        if c > 0.0 && before + c >= target {
            // The bin's span: below the bounds, above them, or one slice.
            let (a, b) = match i {
                0 => (min, lo),
                _ if i == last => (hi, max),
                _ => (lo + (i - 1) as f64 * width, lo + i as f64 * width),
            };
            let within = ((target - before) / c).clamp(0.0, 1.0);
            return (a + within * (b - a)).clamp(min, max);
        }
        before += c;
    }
    max
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_and_clamp() {
        // 100 values spread evenly over [0, 1] in 10 inner bins.
        let mut row = [10u32; 12];
        row[0] = 0;
        row[11] = 0;
        let q = quantile(&row, 100, 0.5, (0.0, 1.0), (0.0, 1.0), (1, 1));
        assert!((q - 0.5).abs() < 1e-12);
        // One value repeated: exact.
        let mut row = [0u32; 12];
        row[3] = 7;
        assert_eq!(
            quantile(&row, 7, 0.95, (0.0, 1.0), (0.33, 0.33), (7, 7)),
            0.33
        );
        // Half the runs at 0, half at 1: the median falls in a point mass.
        let mut row = [0u32; 12];
        row[1] = 5;
        row[10] = 5;
        assert_eq!(
            quantile(&row, 10, 0.05, (0.0, 1.0), (0.0, 1.0), (5, 5)),
            0.0
        );
        assert_eq!(
            quantile(&row, 10, 0.95, (0.0, 1.0), (0.0, 1.0), (5, 5)),
            1.0
        );
    }

    #[test]
    fn bins_shrink_with_model_size() {
        assert_eq!(bins_for(10, 53), MAX_BINS);
        assert!(bins_for(100, 53) < MAX_BINS);
        assert_eq!(bins_for(100_000, 53), MIN_BINS);
    }
}
