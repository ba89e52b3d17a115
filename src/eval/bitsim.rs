//! Bit-parallel Monte Carlo for models made of events alone.
//!
//! When every node is an event with a fixed prior and hazard, and every rule
//! is a `when` rule whose condition combines events with `and`, `or` and
//! `not`, whose likelihood is a number and whose fixed delay makes events
//! happen, the state of a run is one bit per event and one per rule. A block
//! of [`BLOCK`] runs is then simulated at once, a bit per run: a condition
//! costs a few instructions for 256 runs, and draws are made only for the runs
//! in which a rule's condition has just come true (or a hazard's event has not
//! happened yet). They are the draws [`super::sim::Sim`] makes, keyed the same
//! way, so the counts are the same bit for bit (the tests compare the two on
//! generated models). A fault tree or a noisy-OR network evaluates several
//! times faster this way.

use super::code::Op;
use super::compile::{PEffectOp, PRate, Program, Reader};
use super::stats::{BLOCK, Counts, Layout};
use crate::check::model::NodeKind;
use crate::rng::{LANES, LaneDraws, Purpose, Rng, threshold};

/// Words of a block's mask.
const WORDS: usize = (BLOCK / 64) as usize;

/// One bit per run of a block.
pub type Mask = [u64; WORDS];

const NONE: Mask = [0; WORDS];

/// A condition's instruction over masks (postfix, as [`Op`]).
#[derive(Clone, Copy, Debug, PartialEq)]
enum MaskOp {
    Load(u32),
    Const(bool),
    Not,
    And,
    Or,
}

/// A rule, as this simulator runs it.
#[derive(Clone, Debug)]
struct Rule {
    cond: Box<[MaskOp]>,
    likelihood: Chance,
    delay: u32,
    targets: Box<[u32]>,
    stream: u64,
}

/// A program this simulator can run, prepared.
#[derive(Clone, Debug)]
pub struct Plan {
    horizon: u32,
    rules: Vec<Rule>,
    /// Events with a prior that can come true: (node, prior, stream).
    priors: Vec<(u32, Chance, u64)>,
    /// Events with a hazard that can come true: (node, hazard, stream).
    hazards: Vec<(u32, Chance, u64)>,
    /// Per node, the rules that read it.
    readers: Vec<Box<[u32]>>,
    /// Per node, its hold: (first step, last step, whether it is held true).
    holds: Vec<Option<(u32, u32, bool)>>,
    /// Events held true at some step.
    held_true: Vec<u32>,
    /// Forced events, by step: (step, node).
    forced: Vec<(u32, u32)>,
    /// Per node, its row in the layout's events.
    position: Vec<u32>,
    /// The probes (conditions an expectation counts at each step).
    probes: Vec<Box<[MaskOp]>>,
}

impl Plan {
    /// The plan of `p`, if this simulator can run it: events only (no factor,
    /// derived node or `for N` counter), constant priors and hazards, and `when`
    /// rules over events with a constant likelihood, a fixed delay and
    /// events as effects; probes over events; no steadiness test.
    #[must_use]
    pub fn of(p: &Program<'_>, layout: &Layout) -> Option<Plan> {
        if p.steady.is_some()
            || !p.slots.is_empty()
            || !p.order.is_empty()
            || !p.step_readers.is_empty()
            || !layout.factors.is_empty()
        {
            return None;
        }
        let n = p.nodes.len();
        let mut priors = Vec::new();
        let mut hazards = Vec::new();
        let mut holds = vec![None; n];
        let mut held_true = Vec::new();
        for (i, node) in p.nodes.iter().enumerate() {
            if node.kind != NodeKind::Event || node.derived.is_some() || node.prior.is_nan() {
                return None;
            }
            match node.hazard {
                None => {}
                Some(PRate::Const(h)) if !h.is_nan() => {
                    let hazard = Chance::of(h);
                    if hazard != Chance::Never {
                        hazards.push((i as u32, hazard, node.stream));
                    }
                }
                Some(_) => return None,
            }
            let prior = Chance::of(node.prior);
            if prior != Chance::Never {
                priors.push((i as u32, prior, node.stream));
            }
            if let Some(h) = node.hold {
                holds[i] = Some((h.from, h.to, h.value != 0.0));
                if h.value != 0.0 {
                    held_true.push(i as u32);
                }
            }
        }
        let mut forced = Vec::with_capacity(p.forced.len());
        for f in &p.forced {
            if f.value.is_some() {
                return None;
            }
            forced.push((f.step, f.node));
        }
        let mut rules = Vec::with_capacity(p.rules.len());
        for r in &p.rules {
            let likelihood = match r.likelihood {
                PRate::Const(l) if !l.is_nan() => Chance::of(l),
                _ => return None,
            };
            if !r.when || r.one_of || r.delay.0 != r.delay.1 || r.delay.0 == 0 {
                return None;
            }
            let mut targets = Vec::with_capacity(r.effects.len());
            for e in &r.effects {
                if !matches!(e.op, PEffectOp::Happen) {
                    return None;
                }
                targets.push(e.node);
            }
            rules.push(Rule {
                cond: mask_code(r.cond.ops(), n)?,
                likelihood,
                delay: r.delay.0,
                targets: targets.into_boxed_slice(),
                stream: r.stream,
            });
        }
        let readers = p
            .readers
            .iter()
            .map(|rs| {
                rs.iter()
                    .filter_map(|r| match r {
                        Reader::Rule(k) => Some(*k),
                        _ => None,
                    })
                    .collect()
            })
            .collect();
        let probes = p
            .probes
            .iter()
            .map(|c| mask_code(c.ops(), n))
            .collect::<Option<Vec<_>>>()?;
        let mut position = vec![u32::MAX; n];
        for (k, &e) in layout.events.iter().enumerate() {
            position[e as usize] = k as u32;
        }
        Some(Plan {
            horizon: p.horizon,
            rules,
            priors,
            hazards,
            readers,
            holds,
            held_true,
            forced,
            position,
            probes,
        })
    }

    /// Whether `node` is held false at step `t` (it cannot happen then).
    fn held_false(&self, node: usize, t: u32) -> bool {
        matches!(self.holds[node], Some((from, to, false)) if from <= t && t <= to)
    }

    /// Whether `node` is held true at step `t`.
    fn held_true_at(&self, node: usize, t: u32) -> bool {
        matches!(self.holds[node], Some((from, to, true)) if from <= t && t <= to)
    }

    /// Runs `count` runs from `first_run` (at most one block) and adds them to
    /// `counts`; `observe` sees the block's state after each step is computed.
    pub fn block(
        &self,
        lanes: &mut Lanes,
        rng: &Rng,
        (first_run, count): (u64, u64),
        counts: &mut Counts,
        observe: &mut dyn FnMut(u32, &Lanes),
    ) {
        let count = count.min(BLOCK) as usize;
        let steps = self.horizon as usize + 1;
        let width = steps + 1;
        lanes.reset(self, rng, first_run, count);
        let valid = lanes.valid;
        self.draw_priors(lanes);
        let mut forced = self.forced.iter().peekable();
        for t in 0..=self.horizon {
            for &node in &lanes.changed {
                lanes.is_changed[node as usize] = false;
            }
            lanes.changed.clear();
            let mut landing = std::mem::take(&mut lanes.wheel[t as usize]);
            while let Some(&&(step, node)) = forced.peek() {
                if step > t {
                    break;
                }
                if step == t {
                    landing.push((node, valid));
                }
                forced.next();
            }
            for &(node, mask) in &landing {
                self.land(lanes, node as usize, mask, t, width, counts);
            }
            landing.clear();
            lanes.wheel[t as usize] = landing;
            for &node in &self.held_true {
                if self.held_true_at(node as usize, t) {
                    self.land(lanes, node as usize, valid, t, width, counts);
                }
            }
            self.count_probes(lanes, t as usize, steps, counts);
            observe(t, lanes);
            if t < self.horizon {
                self.fire(lanes, t);
                self.hazards(lanes, t);
            }
        }
        for (i, &k) in self.position.iter().enumerate() {
            if k == u32::MAX {
                continue;
            }
            let happened = ones(&lanes.happened[i]);
            counts.first[k as usize * width + steps] += count as u64 - happened;
        }
        for (k, fired) in lanes.fired.iter().enumerate() {
            counts.rule_runs[k] += ones(fired);
        }
        counts.runs += count as u64;
        counts.steady[steps] += count as u64;
    }

    /// Draws every event's prior: those that come true happen at step 0.
    fn draw_priors(&self, lanes: &mut Lanes) {
        let valid = lanes.valid;
        for &(node, prior, stream) in &self.priors {
            let mask = lanes.draw(prior, stream, 0, valid);
            if mask != NONE {
                lanes.wheel[0].push((node, mask));
            }
        }
    }

    /// Events in `mask` happen at `t`, where they had not and are not held false.
    fn land(
        &self,
        lanes: &mut Lanes,
        node: usize,
        mask: Mask,
        t: u32,
        width: usize,
        counts: &mut Counts,
    ) {
        if self.held_false(node, t) {
            return;
        }
        let happened = &mut lanes.happened[node];
        let mut newly = NONE;
        for w in 0..WORDS {
            newly[w] = mask[w] & !happened[w];
            happened[w] |= newly[w];
        }
        let n = ones(&newly);
        if n == 0 {
            return;
        }
        let k = self.position[node];
        if k != u32::MAX {
            counts.first[k as usize * width + t as usize] += n;
        }
        if !lanes.is_changed[node] {
            lanes.is_changed[node] = true;
            lanes.changed.push(node as u32);
        }
    }

    /// Counts the runs where each probe holds at step `t`, and where it has
    /// held at some step up to `t`.
    fn count_probes(&self, lanes: &mut Lanes, t: usize, steps: usize, counts: &mut Counts) {
        for (q, code) in self.probes.iter().enumerate() {
            let holds = eval(code, &lanes.happened, &mut lanes.stack);
            let seen = &mut lanes.seen[q];
            let mut now = 0;
            let mut by = 0;
            for w in 0..WORDS {
                let h = holds[w] & lanes.valid[w];
                lanes.now[q][w] = h;
                seen[w] |= h;
                now += u64::from(h.count_ones());
                by += u64::from(seen[w].count_ones());
            }
            counts.probes[q * steps + t] += now;
            counts.probes_by[q * steps + t] += by;
        }
    }

    /// Each hazard draws, in the runs where its event has not happened, whether
    /// it happens at the next step.
    fn hazards(&self, lanes: &mut Lanes, t: u32) {
        for &(node, hazard, stream) in &self.hazards {
            let open: Mask =
                std::array::from_fn(|w| lanes.valid[w] & !lanes.happened[node as usize][w]);
            if open == NONE {
                continue;
            }
            let next = lanes.draw(hazard, stream, t + 1, open);
            if next != NONE {
                lanes.wheel[t as usize + 1].push((node, next));
            }
        }
    }

    /// Rules whose condition has just come true in some runs draw for those
    /// runs and schedule their effects.
    fn fire(&self, lanes: &mut Lanes, t: u32) {
        // At step 0 every rule reads the starting state; later, only rules
        // reading an event that just happened can have come true.
        lanes.dirty.clear();
        if t == 0 {
            lanes.dirty.extend(0..self.rules.len() as u32);
        } else {
            for &node in &lanes.changed {
                for &k in &self.readers[node as usize] {
                    if !lanes.is_dirty[k as usize] {
                        lanes.is_dirty[k as usize] = true;
                        lanes.dirty.push(k);
                    }
                }
            }
        }
        let dirty = std::mem::take(&mut lanes.dirty);
        for &k in &dirty {
            let k = k as usize;
            lanes.is_dirty[k] = false;
            let rule = &self.rules[k];
            let holds = eval(&rule.cond, &lanes.happened, &mut lanes.stack);
            let fired = &mut lanes.fired[k];
            let mut newly = NONE;
            let mut any = 0;
            for w in 0..WORDS {
                newly[w] = holds[w] & lanes.valid[w] & !fired[w];
                fired[w] |= newly[w];
                any |= newly[w];
            }
            if any == 0 || rule.likelihood == Chance::Never {
                continue;
            }
            let at = t.saturating_add(rule.delay);
            if at > self.horizon {
                continue;
            }
            let success = lanes.draw(rule.likelihood, rule.stream, t, newly);
            if success != NONE {
                for &node in &rule.targets {
                    lanes.wheel[at as usize].push((node, success));
                }
            }
        }
        lanes.dirty = dirty;
    }
}

/// One worker's state for [`Plan::block`], reused from block to block.
#[derive(Clone, Debug)]
pub struct Lanes {
    happened: Vec<Mask>,
    fired: Vec<Mask>,
    valid: Mask,
    /// Per step, the events due then, for the runs in the mask.
    wheel: Vec<Vec<(u32, Mask)>>,
    changed: Vec<u32>,
    is_changed: Vec<bool>,
    dirty: Vec<u32>,
    is_dirty: Vec<bool>,
    /// Per probe, the runs where it holds at this step.
    now: Vec<Mask>,
    /// Per probe, the runs where it has held.
    seen: Vec<Mask>,
    lanes: Box<LaneDraws>,
    bits: Box<[u64; LANES]>,
    stack: Vec<Mask>,
}

/// A probability as this simulator draws it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Chance {
    /// Zero or less: nothing is drawn, nothing happens.
    Never,
    /// One or more: nothing is drawn, it happens.
    Always,
    /// A draw succeeds when its top 53 bits are below this ([`threshold`]).
    Below(u64),
}

impl Chance {
    fn of(p: f64) -> Chance {
        if p <= 0.0 {
            Chance::Never
        } else if p >= 1.0 {
            Chance::Always
        } else {
            Chance::Below(threshold(p))
        }
    }
}

/// From this many runs drawing for one key in a block, drawing for all of its
/// runs at once (vector instructions, then a mask) is cheaper than drawing
/// for each of them.
const LANE_BATCH: u64 = 48;

impl Default for Lanes {
    fn default() -> Self {
        Lanes {
            happened: Vec::new(),
            fired: Vec::new(),
            valid: NONE,
            wheel: Vec::new(),
            changed: Vec::new(),
            is_changed: Vec::new(),
            dirty: Vec::new(),
            is_dirty: Vec::new(),
            now: Vec::new(),
            seen: Vec::new(),
            lanes: Box::new(LaneDraws::new(&Rng::new(0), 0, 0)),
            bits: Box::new([0; LANES]),
            stack: Vec::new(),
        }
    }
}

impl Lanes {
    /// The runs of the block where event `node` has happened.
    #[must_use]
    pub fn happened(&self, node: u32) -> Mask {
        self.happened.get(node as usize).copied().unwrap_or(NONE)
    }

    /// The runs where probe `q` holds at the step just computed.
    #[must_use]
    pub fn probe_at(&self, q: usize) -> Mask {
        self.now.get(q).copied().unwrap_or(NONE)
    }

    /// The runs where probe `q` has held at some step so far.
    #[must_use]
    pub fn probe_by(&self, q: usize) -> Mask {
        self.seen.get(q).copied().unwrap_or(NONE)
    }

    /// The runs of `mask` for which a draw of (`stream`, `t`) comes out true.
    fn draw(&mut self, chance: Chance, stream: u64, t: u32, mask: Mask) -> Mask {
        match chance {
            Chance::Never => NONE,
            Chance::Always => mask,
            Chance::Below(below) if ones(&mask) >= LANE_BATCH => self.below(below, stream, t, mask),
            Chance::Below(below) => {
                let mut out = NONE;
                for (w, &word) in mask.iter().enumerate() {
                    let mut rest = word;
                    while rest != 0 {
                        let bit = rest.trailing_zeros() as usize;
                        rest &= rest - 1;
                        let bits =
                            self.lanes
                                .run(w * 64 + bit)
                                .bits(stream, t, Purpose::Likelihood);
                        out[w] |= u64::from(bits >> 11 < below) << bit;
                    }
                }
                out
            }
        }
    }

    /// The runs of `mask` whose draw of (`stream`, `t`) is below `below`, all
    /// drawn side by side.
    fn below(&mut self, below: u64, stream: u64, t: u32, mask: Mask) -> Mask {
        self.lanes
            .bits(stream, t, Purpose::Likelihood, &mut self.bits);
        // Each word is built in a register: setting bits in memory one run at
        // a time chains every run on the one before.
        let mut out = NONE;
        for ((word, chunk), m) in out.iter_mut().zip(self.bits.chunks_exact(64)).zip(mask) {
            *word = m & chunk.iter().enumerate().fold(0, |acc, (bit, &bits)| {
                acc | (u64::from(bits >> 11 < below) << bit)
            });
        }
        out
    }

    fn reset(&mut self, plan: &Plan, rng: &Rng, first_run: u64, count: usize) {
        let nodes = plan.readers.len();
        self.happened.clear();
        self.happened.resize(nodes, NONE);
        self.fired.clear();
        self.fired.resize(plan.rules.len(), NONE);
        self.seen.clear();
        self.seen.resize(plan.probes.len(), NONE);
        self.now.clear();
        self.now.resize(plan.probes.len(), NONE);
        self.valid = valid_mask(count);
        self.wheel.resize_with(plan.horizon as usize + 1, Vec::new);
        self.wheel.iter_mut().for_each(Vec::clear);
        self.changed.clear();
        self.is_changed.clear();
        self.is_changed.resize(nodes, false);
        self.is_dirty.resize(plan.rules.len(), false);
        *self.lanes = LaneDraws::new(rng, first_run, count);
    }
}

/// The mask of the first `count` runs of a block.
fn valid_mask(count: usize) -> Mask {
    let mut mask = NONE;
    for (w, word) in mask.iter_mut().enumerate() {
        let bits = count.saturating_sub(w * 64).min(64);
        *word = if bits == 64 {
            u64::MAX
        } else {
            (1u64 << bits) - 1
        };
    }
    mask
}

/// The number of runs in `mask`.
#[must_use]
pub fn ones(mask: &Mask) -> u64 {
    mask.iter().map(|w| u64::from(w.count_ones())).sum()
}

/// A condition over events as mask instructions, if it is one: loads of
/// events, constants, `not`, `and`, `or`, well formed.
fn mask_code(ops: &[Op], nodes: usize) -> Option<Box<[MaskOp]>> {
    let mut depth = 0usize;
    let mut out = Vec::with_capacity(ops.len());
    for op in ops {
        let m = match *op {
            Op::Load(n) if (n as usize) < nodes => MaskOp::Load(n),
            // Truth is "not zero", as in `Code::holds` (NaN is true).
            Op::Const(c) => MaskOp::Const(c != 0.0),
            Op::Not => MaskOp::Not,
            Op::And => MaskOp::And,
            Op::Or => MaskOp::Or,
            _ => return None,
        };
        depth = match m {
            MaskOp::Load(_) | MaskOp::Const(_) => depth + 1,
            MaskOp::Not if depth >= 1 => depth,
            MaskOp::And | MaskOp::Or if depth >= 2 => depth - 1,
            _ => return None,
        };
        out.push(m);
    }
    (depth == 1).then(|| out.into_boxed_slice())
}

/// Evaluates a condition for every run of a block.
fn eval(code: &[MaskOp], happened: &[Mask], stack: &mut Vec<Mask>) -> Mask {
    if let [MaskOp::Load(n)] = code {
        return happened[*n as usize];
    }
    stack.clear();
    for op in code {
        match *op {
            MaskOp::Load(n) => stack.push(happened[n as usize]),
            MaskOp::Const(b) => stack.push(if b { [u64::MAX; WORDS] } else { NONE }),
            MaskOp::Not => {
                if let Some(top) = stack.last_mut() {
                    top.iter_mut().for_each(|w| *w = !*w);
                }
            }
            MaskOp::And | MaskOp::Or => {
                let (Some(y), Some(x)) = (stack.pop(), stack.last_mut()) else {
                    return NONE;
                };
                for w in 0..WORDS {
                    x[w] = if *op == MaskOp::And {
                        x[w] & y[w]
                    } else {
                        x[w] | y[w]
                    };
                }
            }
        }
    }
    stack.pop().unwrap_or(NONE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_cover_exactly_the_runs_of_a_block() {
        assert_eq!(valid_mask(0), NONE);
        assert_eq!(valid_mask(1), [1, 0, 0, 0]);
        assert_eq!(valid_mask(64), [u64::MAX, 0, 0, 0]);
        assert_eq!(valid_mask(130), [u64::MAX, u64::MAX, 3, 0]);
        assert_eq!(valid_mask(256), [u64::MAX; WORDS]);
        assert_eq!(ones(&valid_mask(130)), 130);
    }

    #[test]
    fn conditions_over_events_become_mask_code() {
        let ops = [
            Op::Load(0),
            Op::Load(1),
            Op::Not,
            Op::And,
            Op::Const(1.0),
            Op::Or,
        ];
        assert!(mask_code(&ops, 2).is_some());
        // A comparison is not a condition over events.
        assert_eq!(
            mask_code(
                &[
                    Op::Load(0),
                    Op::Const(0.5),
                    Op::Cmp(crate::syntax::ast::CmpOp::Lt)
                ],
                1
            ),
            None
        );
        // Nor is a load of a node that does not exist, or a malformed stack.
        assert_eq!(mask_code(&[Op::Load(3)], 2), None);
        assert_eq!(mask_code(&[Op::And], 2), None);
        assert_eq!(mask_code(&[Op::Load(0), Op::Load(1)], 2), None);
    }

    #[test]
    fn mask_code_evaluates_bitwise() {
        let happened = [[0b1100, 0, 0, 0], [0b1010, 0, 0, 0]];
        let mut stack = Vec::new();
        let code = mask_code(&[Op::Load(0), Op::Load(1), Op::Not, Op::And], 2).unwrap_or_default();
        assert_eq!(eval(&code, &happened, &mut stack)[0], 0b0100);
        let code = mask_code(&[Op::Load(0), Op::Load(1), Op::Or], 2).unwrap_or_default();
        assert_eq!(eval(&code, &happened, &mut stack)[0], 0b1110);
        let code = mask_code(&[Op::Const(0.0), Op::Not], 2).unwrap_or_default();
        assert_eq!(eval(&code, &happened, &mut stack), [u64::MAX; WORDS]);
    }
}
