//! One run of a [`Program`], step by step, exactly as DESIGN.md §2 says.
//!
//! Within a step t: effects due at t land (sets first, then adds; forced values
//! win over rule sets), holds are applied, factors are bounded, derived nodes
//! and `for N` counters are computed in dependency order, the step is recorded,
//! then rules and hazards read the step and schedule effects for t + delay.
//!
//! Every draw goes through a [`Chooser`]: Monte Carlo answers with keyed random
//! numbers, the exact evaluator by enumerating outcomes. Work is event-driven: a
//! rule, derived node or hazard is evaluated again only when something it reads
//! changed (or it reads `step`), so quiet parts of a model cost nothing.

use super::code::Code;
use super::compile::{Compute, PEffect, PEffectOp, PRate, Program, Reader};
use crate::check::model::NodeKind;
use crate::check::values::StartValue;
use crate::rng::Purpose;

/// The step of an event that never happened.
pub const NEVER: u32 = u32::MAX;

/// Where the random outcomes of a run come from.
pub trait Chooser {
    /// True with probability `p` (already within [0, 1]).
    fn chance(&mut self, p: f64, stream: u64, step: u32, purpose: Purpose) -> bool;
    /// A whole number in `lo..=hi`, uniformly.
    fn pick(&mut self, lo: u32, hi: u32, stream: u64, step: u32) -> u32;
    /// One of the branches by their probabilities, or none (the remaining mass).
    fn branch(&mut self, ps: &[f64], stream: u64, step: u32) -> Option<usize>;
    /// An uncertain starting value (before bounding).
    fn start(&mut self, s: &StartValue, stream: u64) -> f64;
}

/// What made something happen, for explanations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A rule fired (index into the program's rules) at a step.
    Rule {
        /// The rule.
        rule: u32,
        /// The step its condition was read.
        step: u32,
        /// The firing's index in [`Sim::firings`].
        firing: u32,
    },
    /// The event's prior.
    Prior,
    /// The event's hazard.
    Hazard,
    /// A scenario's `at`.
    Forced,
    /// A scenario's hold.
    Held,
    /// A derived event's definition became true.
    Derived {
        /// The record of which of its atoms held, in [`Sim::firings`].
        firing: u32,
    },
}

/// What a [`Firing`] records the condition of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// A rule (index into the program's rules).
    Rule(u32),
    /// A derived event's definition (index into the program's nodes).
    Definition(u32),
}

/// One firing of a rule, or a derived event's definition becoming true, with
/// the atoms of its condition that were true then.
#[derive(Clone, Debug, PartialEq)]
pub struct Firing {
    /// The rule or definition.
    pub cause: Cause,
    /// The step it read.
    pub step: u32,
    /// The true atoms, with the value of the node each reads (if one).
    pub atoms: Vec<(u32, f64)>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum PendingOp {
    Happen,
    Add(f64),
    Set(f64),
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Pending {
    node: u32,
    op: PendingOp,
    /// Sort key that makes the order of adds canonical (a rule's stream), so
    /// floating-point sums do not depend on the order rules are written in.
    key: u64,
    origin: Origin,
}

/// A number that is not finite where a number must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// A rule's effect amount or likelihood.
    Rule(u32),
    /// A derived node's value or an event's hazard.
    Node(u32),
    /// Two `=` effects landed on one factor at one step.
    Conflict {
        /// The factor.
        node: u32,
        /// One rule.
        a: u32,
        /// The other.
        b: u32,
    },
}

/// A fault and where it happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaultAt {
    /// What went wrong.
    pub fault: Fault,
    /// At which step.
    pub step: u32,
}

/// Which part of a program a simulator runs (see [`crate::eval::compile::Split`]).
#[derive(Clone, Copy, Debug)]
pub enum Part<'p> {
    /// Everything (exact evaluation, explanations).
    Full,
    /// Only what no random draw reaches, once.
    Static,
    /// Only what draws reach, with the static part's values read from its
    /// trajectory.
    Dynamic(&'p Trajectory),
}

/// What the static part's run recorded for explanations: chains of dynamic
/// events often lead into the static part (a held factor, a flow).
#[derive(Clone, Debug, Default)]
pub struct Records {
    /// How each static event first happened.
    pub origin: Vec<Option<Origin>>,
    /// The static part's firings; a static origin's firing index points here.
    pub firings: Vec<Firing>,
    /// How much each rule moved each static factor.
    pub moves: std::collections::HashMap<(u32, u32), f64>,
    /// Every node's value after step 0.
    pub start_values: Vec<f64>,
}

/// The static part's run: what changed at each step.
#[derive(Clone, Debug, Default)]
pub struct Trajectory {
    /// Per step, the static nodes whose value changed (with the new value).
    pub changes: Vec<Vec<(u32, f64)>>,
    /// Per step, the static counters whose truth changed.
    pub slot_changes: Vec<Vec<(u32, bool)>>,
    /// Per step, every static node's value, in node order, for statistics.
    pub values: Vec<Vec<f64>>,
    /// Per node, its position in a row of `values` (`u32::MAX`: dynamic).
    pub index: Vec<u32>,
    /// Static events' first steps.
    pub first: Vec<u32>,
    /// Static factors' first step at a bound.
    pub bounded_first: Vec<u32>,
    /// The last step at which anything static changed.
    pub last_change: u32,
    /// Per rule, whether the static part exercised it.
    pub exercised: Vec<bool>,
    /// The static part's records, when explaining.
    pub records: Option<std::sync::Arc<Records>>,
}

impl Trajectory {
    /// A static node's position in a row of `values`.
    #[must_use]
    pub fn position(&self, node: u32) -> Option<usize> {
        self.index
            .get(node as usize)
            .filter(|&&j| j != u32::MAX)
            .map(|&j| j as usize)
    }

    /// Runs the static part of `p` once.
    ///
    /// # Errors
    /// A fault in the static part.
    pub fn compute(p: &Program<'_>, explain: bool) -> Result<Trajectory, FaultAt> {
        let mut sim = Sim::with_part(p, explain, Part::Static);
        let mut chooser = Certain;
        let mut traj = Trajectory::default();
        let statics: Vec<usize> = (0..p.nodes.len()).filter(|&i| p.split.node[i]).collect();
        let static_slots: Vec<usize> = (0..p.slots.len()).filter(|&k| p.split.slot[k]).collect();
        let mut prev_values: Vec<f64> = Vec::new();
        let mut prev_slots: Vec<bool> = Vec::new();
        sim.run(&mut chooser, &mut |t, sim| {
            let values: Vec<f64> = statics.iter().map(|&i| sim.values[i]).collect();
            let slots: Vec<bool> = static_slots.iter().map(|&k| sim.slot_val[k]).collect();
            let changes: Vec<(u32, f64)> = statics
                .iter()
                .zip(&values)
                .enumerate()
                .filter(|(j, _)| t == 0 || prev_values[*j] != values[*j])
                .map(|(_, (&i, &v))| (i as u32, v))
                .collect();
            let slot_changes: Vec<(u32, bool)> = static_slots
                .iter()
                .zip(&slots)
                .enumerate()
                .filter(|(j, _)| t == 0 || prev_slots[*j] != slots[*j])
                .map(|(_, (&k, &v))| (k as u32, v))
                .collect();
            if t > 0 && (!changes.is_empty() || !slot_changes.is_empty()) {
                traj.last_change = t;
            }
            traj.changes.push(changes);
            traj.slot_changes.push(slot_changes);
            traj.values.push(values.clone());
            prev_values = values;
            prev_slots = slots;
        })?;
        traj.first = sim.first.clone();
        traj.exercised = sim.exercised.clone();
        if explain {
            traj.records = Some(std::sync::Arc::new(Records {
                origin: sim.origin.clone(),
                firings: std::mem::take(&mut sim.firings),
                moves: std::mem::take(&mut sim.moves),
                start_values: sim.start_values.clone(),
            }));
        }
        traj.bounded_first = sim.bounded_first.clone();
        traj.index = vec![u32::MAX; p.nodes.len()];
        for (j, &i) in statics.iter().enumerate() {
            traj.index[i] = j as u32;
        }
        Ok(traj)
    }
}

/// The chooser of the static part: it draws nothing (every probability is 0 or
/// 1 there, every delay fixed).
struct Certain;

impl Chooser for Certain {
    fn chance(&mut self, p: f64, _: u64, _: u32, _: Purpose) -> bool {
        p >= 1.0
    }
    fn pick(&mut self, lo: u32, _: u32, _: u64, _: u32) -> u32 {
        lo
    }
    fn branch(&mut self, ps: &[f64], _: u64, _: u32) -> Option<usize> {
        ps.iter().position(|&p| p >= 1.0)
    }
    fn start(&mut self, s: &StartValue, _: u64) -> f64 {
        match *s {
            StartValue::Const(v) | StartValue::Normal(v, _) => v,
            StartValue::Uniform(a, _) | StartValue::Triangular(a, _, _) => a,
            StartValue::Bernoulli(p) => {
                if p >= 1.0 {
                    1.0
                } else {
                    0.0
                }
            }
        }
    }
}

/// The state of one run, reused across runs to avoid allocation.
#[derive(Clone)]
pub struct Sim<'p, 'm> {
    p: &'p Program<'m>,
    /// Every node's value (events: 1 once happened).
    pub values: Vec<f64>,
    /// Each event's first step, or [`NEVER`].
    pub first: Vec<u32>,
    /// How each event first happened (kept when explaining).
    pub origin: Vec<Option<Origin>>,
    /// Each factor's first step at a bound of its range, or [`NEVER`].
    pub bounded_first: Vec<u32>,
    /// The step the run became steady, if it did.
    pub steady_at: Option<u32>,
    /// Firings of rules (kept when explaining).
    pub firings: Vec<Firing>,
    /// Per (factor, rule), how much the rule's adds moved it (kept when
    /// explaining).
    pub moves: std::collections::HashMap<(u32, u32), f64>,
    /// Other origins of events that happened from several causes at once
    /// (kept when explaining): (event, origin).
    pub co_origins: Vec<(u32, Origin)>,
    /// Every change of a node's value as (step, node, new value), in order
    /// (kept when explaining): what a node was worth when something read it.
    trail: Vec<(u32, u32, f64)>,
    /// The step being computed.
    now: u32,
    first_firing: Vec<u32>,
    explain: bool,
    slot_count: Vec<u32>,
    /// Whether each `for N` counter holds.
    pub slot_val: Vec<bool>,
    /// Per rule, whether its condition held at some step of the run.
    pub exercised: Vec<bool>,
    /// The rules of `exercised`, in the order they were first exercised, so
    /// that recording a run costs what the run did, not the model's size.
    pub exercised_list: Vec<u32>,
    /// The events that happened in this run (not static ones copied from the
    /// static part), in order.
    pub happened: Vec<u32>,
    /// Every node's value after the run's starting values were set (kept when
    /// explaining).
    pub start_values: Vec<f64>,
    fired: Vec<bool>,
    cond: Vec<bool>,
    rule_dirty: Vec<bool>,
    compute_dirty: Vec<bool>,
    hazard_cache: Vec<f64>,
    hazard_dirty: Vec<bool>,
    wheel: Vec<Vec<Pending>>,
    pending: usize,
    set_val: Vec<f64>,
    set_by: Vec<Option<Origin>>,
    add_val: Vec<f64>,
    touched: Vec<u32>,
    /// Per node, whether it is in `touched` (a flag, not a search: a step of a
    /// stock-and-flow model touches every stock).
    is_touched: Vec<bool>,
    prev: Vec<f64>,
    happened_now: usize,
    stack: Vec<f64>,
    forced_at: usize,
    part: Part<'p>,
    /// Rules marked dirty since they were last evaluated.
    dirty_list: Vec<u32>,
    /// `while` rules whose condition held when last evaluated.
    live_while: Vec<u32>,
    queue: Vec<u32>,
    /// One bit per rule, to put a long queue in order without sorting it.
    marks: Vec<u64>,
    /// Per rule: whether this simulator runs it.
    runs_rule: Vec<bool>,
    /// Nodes with a hold.
    held: Vec<u32>,
    /// Per step, the static part's changes that something here reads (the
    /// dynamic part's boundary), so quiet static nodes cost nothing per run.
    boundary: Vec<Vec<(u32, f64)>>,
    hazards_to_run: Vec<u32>,
    order_to_run: Vec<u32>,
    nodes_to_start: Vec<u32>,
    /// What every rule's condition is when a run starts, before anything
    /// happens (see [`Start`]).
    start: Start,
}

/// Bytes a vector of `T` with room for `capacity` holds on the heap (`v`
/// only names the type).
fn heap<T>(_v: &[T], capacity: usize) -> u64 {
    (capacity * std::mem::size_of::<T>()) as u64
}

impl Sim<'_, '_> {
    /// The bytes this simulator holds on the heap: what one more copy of it
    /// costs beyond its own size (exact evaluation keeps one per state).
    #[must_use]
    pub fn heap_bytes(&self) -> u64 {
        macro_rules! vecs {
            ($($v:expr),* $(,)?) => { 0 $(+ heap(&$v, $v.capacity()))* };
        }
        let wheel: u64 = self.wheel.iter().map(|w| heap(w, w.capacity())).sum();
        let boundary: u64 = self.boundary.iter().map(|b| heap(b, b.capacity())).sum();
        let start = vecs!(self.start.cond, self.start.dirty, self.start.queue);
        // A hash map entry: key, value and a control byte, at about 8/7 load.
        let moves = (self.moves.capacity() * (std::mem::size_of::<((u32, u32), f64)>() + 1)) as u64;
        vecs!(
            self.values,
            self.first,
            self.origin,
            self.bounded_first,
            self.firings,
            self.co_origins,
            self.trail,
            self.first_firing,
            self.slot_count,
            self.slot_val,
            self.exercised,
            self.exercised_list,
            self.happened,
            self.start_values,
            self.fired,
            self.cond,
            self.rule_dirty,
            self.compute_dirty,
            self.hazard_cache,
            self.hazard_dirty,
            self.wheel,
            self.set_val,
            self.set_by,
            self.add_val,
            self.touched,
            self.is_touched,
            self.prev,
            self.stack,
            self.dirty_list,
            self.live_while,
            self.queue,
            self.marks,
            self.runs_rule,
            self.held,
            self.boundary,
            self.hazards_to_run,
            self.order_to_run,
            self.nodes_to_start,
        ) + wheel
            + boundary
            + start
            + moves
    }
}

impl<'p, 'm> Sim<'p, 'm> {
    /// A simulator for all of `p`; `explain` keeps the records explanations need.
    #[must_use]
    pub fn new(p: &'p Program<'m>, explain: bool) -> Self {
        Self::with_part(p, explain, Part::Full)
    }

    /// A simulator for one part of `p`.
    #[must_use]
    pub fn with_part(p: &'p Program<'m>, explain: bool, part: Part<'p>) -> Self {
        let n = p.nodes.len();
        let keep = |is_static: bool| match part {
            Part::Full => true,
            Part::Static => is_static,
            Part::Dynamic(_) => !is_static,
        };
        let rules_to_run: Vec<u32> = (0..p.rules.len())
            .filter(|&k| keep(p.split.rule[k]))
            .map(|k| k as u32)
            .collect();
        let hazards_to_run = (0..n)
            .filter(|&i| p.nodes[i].hazard.is_some() && keep(p.split.node[i]))
            .map(|i| i as u32)
            .collect();
        let order_to_run = (0..p.order.len())
            .filter(|&k| match p.order[k] {
                Compute::Node(i) => keep(p.split.node[i as usize]),
                Compute::Slot(s) => keep(p.split.slot[s as usize]),
            })
            .map(|k| k as u32)
            .collect();
        let nodes_to_start: Vec<u32> = (0..n)
            .filter(|&i| keep(p.split.node[i]))
            .map(|i| i as u32)
            .collect();
        let mut runs_rule = vec![false; p.rules.len()];
        for &k in &rules_to_run {
            runs_rule[k as usize] = true;
        }
        // A static node matters to the dynamic part only if a rule, derived node,
        // counter or hazard of that part reads it, or a probe does.
        let boundary = match part {
            Part::Dynamic(traj) => {
                let mut needed = vec![false; n];
                for (i, readers) in p.readers.iter().enumerate() {
                    needed[i] = readers.iter().any(|r| match *r {
                        Reader::Rule(k) => keep(p.split.rule[k as usize]),
                        Reader::Compute(k) => match p.order[k as usize] {
                            Compute::Node(x) => keep(p.split.node[x as usize]),
                            Compute::Slot(x) => keep(p.split.slot[x as usize]),
                        },
                        Reader::Hazard(x) => keep(p.split.node[x as usize]),
                    });
                }
                for probe in &p.probes {
                    for x in probe.reads().nodes {
                        needed[x as usize] = true;
                    }
                }
                // Explanations read the atoms of any rule: keep every value.
                if explain {
                    needed.iter_mut().for_each(|x| *x = true);
                }
                traj.changes
                    .iter()
                    .map(|step| {
                        step.iter()
                            .copied()
                            .filter(|(x, _)| needed[*x as usize])
                            .collect()
                    })
                    .collect()
            }
            _ => Vec::new(),
        };
        let start = Start::of(p, &nodes_to_start, &runs_rule);
        let held = (0..n)
            .filter(|&i| p.nodes[i].hold.is_some())
            .map(|i| i as u32)
            .collect();
        Sim {
            p,
            values: vec![0.0; n],
            first: vec![NEVER; n],
            origin: vec![None; n],
            bounded_first: vec![NEVER; n],
            steady_at: None,
            firings: Vec::new(),
            moves: std::collections::HashMap::new(),
            co_origins: Vec::new(),
            trail: Vec::new(),
            now: 0,
            first_firing: vec![NEVER; p.rules.len()],
            explain,
            slot_count: vec![0; p.slots.len()],
            slot_val: vec![false; p.slots.len()],
            start_values: Vec::new(),
            exercised: vec![false; p.rules.len()],
            exercised_list: Vec::new(),
            happened: Vec::new(),
            fired: vec![false; p.rules.len()],
            cond: vec![false; p.rules.len()],
            rule_dirty: vec![true; p.rules.len()],
            compute_dirty: vec![true; p.order.len()],
            hazard_cache: vec![0.0; n],
            hazard_dirty: vec![true; n],
            wheel: (0..=p.horizon as usize + 1).map(|_| Vec::new()).collect(),
            pending: 0,
            set_val: vec![0.0; n],
            set_by: vec![None; n],
            add_val: vec![0.0; n],
            touched: Vec::new(),
            is_touched: vec![false; n],
            prev: vec![0.0; n],
            happened_now: 0,
            stack: Vec::with_capacity(32),
            forced_at: 0,
            part,
            dirty_list: Vec::new(),
            live_while: Vec::new(),
            queue: Vec::new(),
            marks: vec![0; p.rules.len().div_ceil(64)],
            runs_rule,
            held,
            boundary,
            hazards_to_run,
            order_to_run,
            nodes_to_start,
            start,
        }
    }

    /// The program.
    #[must_use]
    pub fn program(&self) -> &'p Program<'m> {
        self.p
    }

    /// Whether probe `q` holds at step `t` (call after the step is computed).
    pub fn probe(&mut self, q: usize, t: u32) -> bool {
        self.p.probes[q].holds(&self.values, &self.slot_val, t, &mut self.stack)
    }
    /// The static part's records, when this runs the dynamic part.
    fn base(&self) -> Option<&Records> {
        match self.part {
            Part::Dynamic(traj) => traj.records.as_deref(),
            _ => None,
        }
    }

    fn base_firings(&self) -> usize {
        self.base().map_or(0, |b| b.firings.len())
    }

    fn is_static_here(&self, node: u32) -> bool {
        matches!(self.part, Part::Dynamic(_)) && self.p.split.node[node as usize]
    }

    /// How an event first happened (static events: from the static part).
    #[must_use]
    pub fn origin_of(&self, node: u32) -> Option<Origin> {
        match self.base() {
            Some(b) if self.is_static_here(node) => b.origin[node as usize],
            _ => self.origin[node as usize],
        }
    }

    /// A firing by its index (static firings first).
    #[must_use]
    pub fn firing_at(&self, index: u32) -> Option<&Firing> {
        let base = self.base_firings();
        match self.base() {
            Some(b) if (index as usize) < base => b.firings.get(index as usize),
            _ => self.firings.get(index as usize - base),
        }
    }

    /// The index of a rule's first firing.
    #[must_use]
    pub fn first_firing_of(&self, rule: u32) -> Option<u32> {
        if let Some(b) = self.base()
            && let Some(i) = b.firings.iter().position(|f| f.cause == Cause::Rule(rule))
        {
            return Some(i as u32);
        }
        self.firings
            .iter()
            .position(|f| f.cause == Cause::Rule(rule))
            .map(|i| (i + self.base_firings()) as u32)
    }

    /// How much each rule moved `node` (static factors: from the static part).
    #[must_use]
    pub fn moves_of(&self, node: u32) -> Vec<(u32, f64)> {
        let moves = match self.base() {
            Some(b) if self.is_static_here(node) => &b.moves,
            _ => &self.moves,
        };
        let mut out: Vec<(u32, f64)> = moves
            .iter()
            .filter(|((n, _), _)| *n == node)
            .map(|((_, r), v)| (*r, *v))
            .collect();
        out.sort_by_key(|(r, _)| *r);
        out
    }

    /// A node's value at the end of step `step` (explaining only; otherwise its
    /// value now).
    #[must_use]
    pub fn value_at(&self, node: u32, step: u32) -> f64 {
        if let Part::Dynamic(traj) = self.part
            && self.is_static_here(node)
            && let Some(row) = traj.values.get(step as usize)
        {
            return row[traj.index[node as usize] as usize];
        }
        if !self.explain {
            return self.values[node as usize];
        }
        self.trail
            .iter()
            .rev()
            .find(|&&(t, n, _)| n == node && t <= step)
            .map_or_else(|| self.start_of(node), |&(_, _, v)| v)
    }

    /// A node's value after step 0.
    #[must_use]
    pub fn start_of(&self, node: u32) -> f64 {
        match self.base() {
            Some(b) if self.is_static_here(node) => b
                .start_values
                .get(node as usize)
                .copied()
                .unwrap_or(f64::NAN),
            _ => self
                .start_values
                .get(node as usize)
                .copied()
                .unwrap_or(f64::NAN),
        }
    }

    /// Whether rule `k`'s condition holds now (for explanations).
    pub fn rule_holds(&mut self, k: usize, t: u32) -> bool {
        self.p.rules[k]
            .cond
            .holds(&self.values, &self.slot_val, t, &mut self.stack)
    }

    /// Whether atom `a` of rule `k` holds now (for explanations).
    pub fn atom_holds(&mut self, k: usize, a: usize, t: u32) -> bool {
        self.p.rules[k].atoms[a]
            .code
            .holds(&self.values, &self.slot_val, t, &mut self.stack)
    }

    fn reset(&mut self) {
        self.values.iter_mut().for_each(|v| *v = 0.0);
        self.first.iter_mut().for_each(|v| *v = NEVER);
        // Origins and first firings are kept only when explaining.
        if self.explain {
            self.origin.iter_mut().for_each(|v| *v = None);
            self.first_firing.iter_mut().for_each(|v| *v = NEVER);
        }
        self.bounded_first.iter_mut().for_each(|v| *v = NEVER);
        self.steady_at = None;
        self.firings.clear();
        self.moves.clear();
        self.co_origins.clear();
        self.trail.clear();
        self.slot_count.iter_mut().for_each(|v| *v = 0);
        self.slot_val.iter_mut().for_each(|v| *v = false);
        self.fired.iter_mut().for_each(|v| *v = false);
        for &k in &self.exercised_list {
            self.exercised[k as usize] = false;
        }
        self.exercised_list.clear();
        self.happened.clear();
        self.cond.copy_from_slice(&self.start.cond);
        self.rule_dirty.copy_from_slice(&self.start.dirty);
        self.dirty_list.clear();
        self.dirty_list.extend_from_slice(&self.start.queue);
        self.live_while.clear();
        self.compute_dirty.iter_mut().for_each(|v| *v = true);
        self.hazard_dirty.iter_mut().for_each(|v| *v = true);
        for b in &mut self.wheel {
            b.clear();
        }
        self.pending = 0;
        self.forced_at = 0;
        // A fault can end a step midway, with nodes still marked as touched.
        self.touched.clear();
        self.is_touched.iter_mut().for_each(|v| *v = false);
    }

    /// Runs one run from step 0 to the horizon (or until steady), calling
    /// `record` after each step is computed.
    ///
    /// # Errors
    /// A fault: a value that is not finite, or two `=` on one factor at a step.
    pub fn run(
        &mut self,
        chooser: &mut dyn Chooser,
        record: &mut dyn FnMut(u32, &mut Sim<'p, 'm>),
    ) -> Result<(), FaultAt> {
        self.start_run(chooser);
        self.run_from(0, chooser, record)
    }

    /// Runs steps `from` to the horizon from the state the simulator holds
    /// (the state at the start of step `from`: a run started, or a shared
    /// path's checkpoint), recording each.
    ///
    /// # Errors
    /// A fault: a value that is not finite, or two `=` on one factor at a step.
    pub fn run_from(
        &mut self,
        from: u32,
        chooser: &mut dyn Chooser,
        record: &mut dyn FnMut(u32, &mut Sim<'p, 'm>),
    ) -> Result<(), FaultAt> {
        let horizon = self.p.horizon;
        for t in from..=horizon {
            self.advance(t, chooser)?;
            if t == 0 && self.explain {
                self.start_values.clone_from(&self.values);
            }
            record(t, self);
            if self.steady_at.is_some() {
                for later in t + 1..=horizon {
                    record(later, self);
                }
                break;
            }
        }
        Ok(())
    }

    /// Starts a run: state reset, starting values drawn, priors drawn.
    pub fn start_run(&mut self, chooser: &mut dyn Chooser) {
        self.reset();
        self.init(chooser);
    }

    /// Computes step `t` (steps must be advanced in order from 0).
    ///
    /// # Errors
    /// A fault: a value that is not finite, or two `=` on one factor at a step.
    pub fn advance(&mut self, t: u32, chooser: &mut dyn Chooser) -> Result<(), FaultAt> {
        self.now = t;
        self.step(t, chooser)
    }

    /// A key identifying the state as far as the future is concerned (values,
    /// counters, rule memory, pending effects), for merging equal states in exact
    /// evaluation. When events happened is not part of it: nothing reads it.
    pub fn state_key(&self, extra: &[bool], out: &mut Vec<u64>) {
        out.clear();
        out.extend(self.values.iter().map(|v| v.to_bits()));
        out.extend(self.slot_count.iter().map(|&c| u64::from(c)));
        let bits = |v: &[bool], out: &mut Vec<u64>| {
            for chunk in v.chunks(64) {
                out.push(
                    chunk
                        .iter()
                        .enumerate()
                        .fold(0u64, |acc, (i, &b)| acc | (u64::from(b) << i)),
                );
            }
        };
        bits(&self.fired, out);
        bits(&self.cond, out);
        bits(&self.rule_dirty, out);
        bits(&self.compute_dirty, out);
        bits(extra, out);
        out.extend(self.hazard_cache.iter().map(|v| v.to_bits()));
        out.extend(self.bounded_first.iter().map(|&b| u64::from(b != NEVER)));
        for (t, bucket) in self.wheel.iter().enumerate() {
            for e in bucket {
                out.push(t as u64);
                out.push(u64::from(e.node));
                out.push(e.key);
                match e.op {
                    PendingOp::Happen => out.push(0),
                    PendingOp::Add(v) => out.extend([1, v.to_bits()]),
                    PendingOp::Set(v) => out.extend([2, v.to_bits()]),
                }
            }
        }
    }

    /// Starting values and priors.
    fn init(&mut self, chooser: &mut dyn Chooser) {
        let p = self.p;
        for k in 0..self.nodes_to_start.len() {
            let i = self.nodes_to_start[k] as usize;
            let node = &p.nodes[i];
            match node.kind {
                NodeKind::Factor if node.derived.is_none() => {
                    let v = match node.start {
                        StartValue::Const(v) => v,
                        ref s => chooser.start(s, node.stream),
                    };
                    self.values[i] = v;
                    self.bound(i, 0);
                }
                NodeKind::Event
                    if node.prior > 0.0
                        && chooser.chance(node.prior, node.stream, 0, Purpose::Likelihood) =>
                {
                    let pending = Pending {
                        node: i as u32,
                        op: PendingOp::Happen,
                        key: 0,
                        origin: Origin::Prior,
                    };
                    self.push(0, pending);
                }
                _ => {}
            }
        }
        if p.steady.is_some() {
            self.prev.copy_from_slice(&self.values);
        }
    }

    fn push(&mut self, step: u32, pending: Pending) {
        if let Some(bucket) = self.wheel.get_mut(step as usize) {
            bucket.push(pending);
            self.pending += 1;
        }
    }

    /// Keeps factor `i` within its range, noting when it hits a bound.
    fn bound(&mut self, i: usize, step: u32) {
        if let Some(kept) = outside(self.values[i], self.p.nodes[i].range) {
            self.values[i] = kept;
            if self.bounded_first[i] == NEVER {
                self.bounded_first[i] = step;
            }
        }
    }

    fn changed(&mut self, node: usize) {
        let p = self.p;
        if self.explain && self.now > 0 {
            self.trail.push((self.now, node as u32, self.values[node]));
        }
        for r in &p.readers[node] {
            self.mark(*r);
        }
    }

    /// Marks a reader for evaluation at this step.
    fn mark(&mut self, r: Reader) {
        match r {
            Reader::Rule(k) => {
                let k = k as usize;
                if !self.rule_dirty[k] {
                    self.rule_dirty[k] = true;
                    if self.runs_rule[k] {
                        self.dirty_list.push(k as u32);
                    }
                }
            }
            Reader::Compute(k) => self.compute_dirty[k as usize] = true,
            Reader::Hazard(k) => self.hazard_dirty[k as usize] = true,
        }
    }

    fn happen(&mut self, node: usize, step: u32, origin: Origin) {
        if self.first[node] != NEVER {
            return;
        }
        if self.p.nodes[node].held_at(step) == Some(0.0) {
            return;
        }
        self.first[node] = step;
        self.values[node] = 1.0;
        self.happened_now += 1;
        self.happened.push(node as u32);
        if self.explain {
            self.origin[node] = Some(origin);
        }
        self.changed(node);
    }

    fn step(&mut self, t: u32, chooser: &mut dyn Chooser) -> Result<(), FaultAt> {
        let p = self.p;
        self.happened_now = 0;
        if let Part::Dynamic(traj) = self.part {
            self.apply_trajectory(traj, t);
        }
        self.land(t)?;
        // Holds win over every effect.
        for h in 0..self.held.len() {
            let i = self.held[h] as usize;
            let node = &p.nodes[i];
            let Some(v) = node.held_at(t) else { continue };
            if node.kind == NodeKind::Event {
                if v != 0.0 {
                    self.happen(i, t, Origin::Held);
                }
            } else if self.values[i] != v {
                self.values[i] = v;
                self.changed(i);
            }
        }
        self.compute(t)?;
        if t < p.horizon {
            self.fire_rules(t, chooser)?;
            self.hazards(t, chooser)?;
        }
        if let Some(eps) = p.steady {
            self.check_steady(t, eps);
        }
        // Only steadiness compares a step with the one before.
        if p.steady.is_some() {
            self.prev.copy_from_slice(&self.values);
        }
        Ok(())
    }

    /// Copies the static part's changes at step `t`.
    fn apply_trajectory(&mut self, traj: &Trajectory, t: u32) {
        let p = self.p;
        let boundary = std::mem::take(&mut self.boundary);
        for &(n, v) in &boundary[t as usize] {
            let i = n as usize;
            if self.values[i] != v {
                self.values[i] = v;
                if p.nodes[i].kind == NodeKind::Event && v != 0.0 && self.first[i] == NEVER {
                    self.first[i] = traj.first[i];
                }
                self.changed(i);
            }
        }
        self.boundary = boundary;
        for &(k, v) in &traj.slot_changes[t as usize] {
            let si = k as usize;
            if self.slot_val[si] != v {
                self.slot_val[si] = v;
                for r in &p.slot_readers[si] {
                    self.mark(*r)
                }
            }
        }
    }

    /// Effects due at `t` land: events happen; on each factor a `=` applies
    /// first (a forced value wins over a rule's), then the adds, in a canonical
    /// order; a held factor ignores them all.
    fn land(&mut self, t: u32) -> Result<(), FaultAt> {
        let p = self.p;
        let mut bucket = std::mem::take(&mut self.wheel[t as usize]);
        self.pending -= bucket.len();
        while let Some(f) = p.forced.get(self.forced_at).filter(|f| f.step <= t) {
            if f.step == t {
                let op = match f.value {
                    None => PendingOp::Happen,
                    Some(v) => PendingOp::Set(v),
                };
                bucket.push(Pending {
                    node: f.node,
                    op,
                    key: 0,
                    origin: Origin::Forced,
                });
            }
            self.forced_at += 1;
        }
        // No sort: rules schedule in the order of their streams (see
        // `Program::new`), so the bucket's order is already canonical.
        for e in &bucket {
            let i = e.node as usize;
            match e.op {
                PendingOp::Happen => {
                    if self.explain && self.first[i] == t && self.origin[i] != Some(e.origin) {
                        self.co_origins.push((e.node, e.origin));
                    }
                    self.happen(i, t, e.origin);
                }
                PendingOp::Set(v) => {
                    if !self.is_touched[i] {
                        self.is_touched[i] = true;
                        self.touched.push(e.node);
                        self.add_val[i] = 0.0;
                        self.set_by[i] = None;
                    }
                    match (self.set_by[i], e.origin) {
                        (Some(Origin::Forced), _) => {}
                        (Some(Origin::Rule { rule: a, .. }), Origin::Rule { rule: b, .. }) => {
                            return Err(FaultAt {
                                fault: Fault::Conflict { node: e.node, a, b },
                                step: t,
                            });
                        }
                        _ => {
                            self.set_val[i] = v;
                            self.set_by[i] = Some(e.origin);
                        }
                    }
                }
                PendingOp::Add(v) => {
                    if !self.is_touched[i] {
                        self.is_touched[i] = true;
                        self.touched.push(e.node);
                        self.add_val[i] = 0.0;
                        self.set_by[i] = None;
                    }
                    self.add_val[i] += v;
                }
            }
        }
        bucket.clear();
        // Effects of one-step delays go to the next bucket: give it this one's
        // room rather than growing it again (a stock-and-flow model schedules
        // every flow at every step).
        match self.wheel.get_mut(t as usize + 1) {
            Some(next) if next.is_empty() && next.capacity() < bucket.capacity() => {
                std::mem::swap(next, &mut bucket);
                self.wheel[t as usize] = bucket;
            }
            _ => self.wheel[t as usize] = bucket,
        }
        let touched = std::mem::take(&mut self.touched);
        for &n in &touched {
            let i = n as usize;
            self.is_touched[i] = false;
            if p.nodes[i].held_at(t).is_some() {
                continue;
            }
            let before = self.values[i];
            if let Some(origin) = self.set_by[i] {
                self.values[i] = self.set_val[i];
                if self.explain
                    && let Origin::Rule { rule, .. } = origin
                {
                    // Adds are counted when scheduled; a set moves by what it replaces.
                    *self.moves.entry((n, rule)).or_insert(0.0) += self.set_val[i] - before;
                }
            }
            self.values[i] += self.add_val[i];
            self.bound(i, t);
            if self.values[i] != before {
                self.changed(i);
            }
        }
        self.touched = touched;
        self.touched.clear();
        Ok(())
    }

    /// Derived nodes and `for N` counters, in dependency order.
    fn compute(&mut self, t: u32) -> Result<(), FaultAt> {
        let p = self.p;
        if t > 0 {
            for r in &p.step_readers {
                self.mark(*r)
            }
        }
        for j in 0..self.order_to_run.len() {
            let k = self.order_to_run[j] as usize;
            match p.order[k] {
                Compute::Node(n) => {
                    if !self.compute_dirty[k] {
                        continue;
                    }
                    self.compute_dirty[k] = false;
                    let i = n as usize;
                    let node = &p.nodes[i];
                    if node.held_at(t).is_some() {
                        continue;
                    }
                    let Some(def) = &node.derived else { continue };
                    let v = def.eval(&self.values, &self.slot_val, t, &mut self.stack);
                    if node.kind == NodeKind::Event {
                        if v != 0.0 && self.first[i] == NEVER {
                            let origin = self.derivation(i, t);
                            self.happen(i, t, origin);
                        }
                    } else {
                        if !v.is_finite() {
                            return Err(FaultAt {
                                fault: Fault::Node(n),
                                step: t,
                            });
                        }
                        let before = self.values[i];
                        self.values[i] = v;
                        self.bound(i, t);
                        if self.values[i] != before || t == 0 {
                            self.changed(i);
                        }
                    }
                }
                Compute::Slot(s) => {
                    // A counter that is counting must tick every step.
                    let si = s as usize;
                    if !self.compute_dirty[k] && self.slot_count[si] == 0 {
                        continue;
                    }
                    self.compute_dirty[k] = false;
                    let slot = &p.slots[si];
                    let holds = slot
                        .cond
                        .holds(&self.values, &self.slot_val, t, &mut self.stack);
                    self.slot_count[si] = if holds {
                        self.slot_count[si].saturating_add(1)
                    } else {
                        0
                    };
                    let val = self.slot_count[si] >= slot.n;
                    if val != self.slot_val[si] {
                        self.slot_val[si] = val;
                        for r in &p.slot_readers[si] {
                            self.mark(*r)
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn rate(&mut self, r: &PRate, t: u32) -> f64 {
        match r {
            PRate::Const(v) => *v,
            PRate::Code(c) => {
                let v = c.eval(&self.values, &self.slot_val, t, &mut self.stack);
                // Finite values are kept within [0, 1]; an infinite one comes
                // from a division by a value that turned out 0, and is an error
                // like NaN, not a certainty.
                if v.is_finite() {
                    v.clamp(0.0, 1.0)
                } else {
                    f64::NAN
                }
            }
        }
    }

    /// Rules read step `t` and schedule their effects.
    fn fire_rules(&mut self, t: u32, chooser: &mut dyn Chooser) -> Result<(), FaultAt> {
        let p = self.p;
        // Only rules whose inputs changed, and `while` rules still holding, can
        // do anything; they run in index order (the canonical order).
        let mut queue = std::mem::take(&mut self.queue);
        queue.clear();
        queue.append(&mut self.dirty_list);
        queue.append(&mut self.live_while);
        in_order(&mut queue, &mut self.marks);
        for &k in &queue {
            let k = k as usize;
            let rule = &p.rules[k];
            if rule.when && self.fired[k] {
                continue;
            }
            if self.rule_dirty[k] {
                self.rule_dirty[k] = false;
                self.cond[k] = rule
                    .cond
                    .holds(&self.values, &self.slot_val, t, &mut self.stack);
            }
            if !self.cond[k] {
                continue;
            }
            if !self.exercised[k] {
                self.exercised[k] = true;
                self.exercised_list.push(k as u32);
            }
            if !rule.when {
                self.live_while.push(k as u32);
            }
            if rule.when {
                self.fired[k] = true;
            }
            let lik = self.rate(&rule.likelihood, t);
            if lik.is_nan() {
                return Err(FaultAt {
                    fault: Fault::Rule(k as u32),
                    step: t,
                });
            }
            if !chooser.chance(lik, rule.stream, t, Purpose::Likelihood) {
                continue;
            }
            let origin = self.firing(k, t);
            if rule.one_of {
                let ps: Vec<f64> = rule.branches.iter().map(|b| b.p).collect();
                let Some(b) = chooser.branch(&ps, rule.stream, t) else {
                    continue;
                };
                let branch = &rule.branches[b];
                let delay = self.delay(branch.delay, rule.stream, t, chooser);
                self.schedule(&branch.effects, k, t, delay, origin)?;
            } else {
                let delay = self.delay(rule.delay, rule.stream, t, chooser);
                self.schedule(&rule.effects, k, t, delay, origin)?;
            }
        }
        self.queue = queue;
        Ok(())
    }

    /// A derived event's origin, with the atoms of its definition that hold now.
    fn derivation(&mut self, node: usize, t: u32) -> Origin {
        if !self.explain {
            return Origin::Derived { firing: 0 };
        }
        let p = self.p;
        let atoms = self.true_atoms(&p.nodes[node].atoms, t);
        self.firings.push(Firing {
            cause: Cause::Definition(node as u32),
            step: t,
            atoms,
        });
        Origin::Derived {
            firing: (self.base_firings() + self.firings.len() - 1) as u32,
        }
    }

    /// The atoms that hold now, with the value of the node each reads.
    fn true_atoms(&mut self, atoms: &[super::compile::Atom], t: u32) -> Vec<(u32, f64)> {
        atoms
            .iter()
            .enumerate()
            .filter(|(_, a)| {
                a.code
                    .holds(&self.values, &self.slot_val, t, &mut self.stack)
            })
            .map(|(i, a)| {
                (
                    i as u32,
                    a.node.map_or(f64::NAN, |n| self.values[n as usize]),
                )
            })
            .collect()
    }

    fn firing(&mut self, k: usize, t: u32) -> Origin {
        if !self.explain {
            return Origin::Rule {
                rule: k as u32,
                step: t,
                firing: 0,
            };
        }
        let causes_events = self.p.rules[k]
            .effects
            .iter()
            .chain(
                self.p.rules[k]
                    .branches
                    .iter()
                    .flat_map(|b| b.effects.iter()),
            )
            .any(|e| matches!(e.op, PEffectOp::Happen));
        let firing = if self.explain && !causes_events && self.first_firing[k] != NEVER {
            self.first_firing[k]
        } else if self.explain {
            let p = self.p;
            let atoms = self.true_atoms(&p.rules[k].atoms, t);
            self.firings.push(Firing {
                cause: Cause::Rule(k as u32),
                step: t,
                atoms,
            });
            // Dynamic firings are numbered after the static part's.
            let index = (self.base_firings() + self.firings.len() - 1) as u32;
            if self.first_firing[k] == NEVER {
                self.first_firing[k] = index;
            }
            index
        } else {
            0
        };
        Origin::Rule {
            rule: k as u32,
            step: t,
            firing,
        }
    }

    fn delay(
        &mut self,
        (lo, hi): (u32, u32),
        stream: u64,
        t: u32,
        chooser: &mut dyn Chooser,
    ) -> u32 {
        if lo == hi {
            lo
        } else {
            chooser.pick(lo, hi, stream, t)
        }
    }

    fn schedule(
        &mut self,
        effects: &[PEffect],
        k: usize,
        t: u32,
        delay: u32,
        origin: Origin,
    ) -> Result<(), FaultAt> {
        let at = t.saturating_add(delay);
        if at > self.p.horizon {
            return Ok(());
        }
        let key = self.p.rules[k].stream;
        for e in effects {
            let op = match &e.op {
                PEffectOp::Happen => PendingOp::Happen,
                PEffectOp::Add(c) => PendingOp::Add(self.amount(c, k, t)?),
                PEffectOp::Set(c) => PendingOp::Set(self.amount(c, k, t)?),
            };
            if self.explain
                && let PendingOp::Add(v) = op
            {
                *self.moves.entry((e.node, k as u32)).or_insert(0.0) += v;
            }
            self.push(
                at,
                Pending {
                    node: e.node,
                    op,
                    key,
                    origin,
                },
            );
        }
        Ok(())
    }

    fn amount(&mut self, c: &Code, k: usize, t: u32) -> Result<f64, FaultAt> {
        let v = c.eval(&self.values, &self.slot_val, t, &mut self.stack);
        if v.is_finite() {
            Ok(v)
        } else {
            Err(FaultAt {
                fault: Fault::Rule(k as u32),
                step: t,
            })
        }
    }

    /// Events with a hazard draw for the next step.
    fn hazards(&mut self, t: u32, chooser: &mut dyn Chooser) -> Result<(), FaultAt> {
        let p = self.p;
        for j in 0..self.hazards_to_run.len() {
            let i = self.hazards_to_run[j] as usize;
            let node = &p.nodes[i];
            let Some(h) = &node.hazard else { continue };
            if self.first[i] != NEVER {
                continue;
            }
            let rate = match h {
                PRate::Const(v) => *v,
                PRate::Code(_) => {
                    if self.hazard_dirty[i] {
                        self.hazard_dirty[i] = false;
                        self.hazard_cache[i] = self.rate(h, t);
                    }
                    self.hazard_cache[i]
                }
            };
            if rate.is_nan() {
                return Err(FaultAt {
                    fault: Fault::Node(i as u32),
                    step: t,
                });
            }
            if rate > 0.0 && chooser.chance(rate, node.stream, t + 1, Purpose::Likelihood) {
                self.push(
                    t + 1,
                    Pending {
                        node: i as u32,
                        op: PendingOp::Happen,
                        key: 0,
                        origin: Origin::Hazard,
                    },
                );
            }
        }
        Ok(())
    }

    /// DESIGN.md §1: steady once no factor moved more than `eps`, no event
    /// happened, and nothing is pending.
    fn check_steady(&mut self, t: u32, eps: f64) {
        let p = self.p;
        if self.happened_now > 0 {
            return;
        }
        // Pending means something would still change: an event yet to happen,
        // or a factor moved by more than EPS. A flow whose amounts have shrunk
        // below EPS does not keep a run going.
        if self.pending > 0 {
            let significant = self.wheel[(t as usize + 1).min(self.wheel.len())..]
                .iter()
                .flatten()
                .any(|e| {
                    let i = e.node as usize;
                    match e.op {
                        PendingOp::Happen => self.first[i] == NEVER,
                        PendingOp::Add(v) => v.abs() > eps,
                        PendingOp::Set(v) => (v - self.values[i]).abs() > eps,
                    }
                });
            if significant {
                return;
            }
        }
        if let Part::Dynamic(traj) = self.part
            && traj.last_change > t
        {
            return;
        }
        if p.forced.iter().any(|f| f.step > t) {
            return;
        }
        if p.nodes.iter().any(|n| {
            n.hold
                .is_some_and(|h| h.from > t || (h.to > t && h.to < p.horizon))
        }) {
            return;
        }
        for (i, node) in p.nodes.iter().enumerate() {
            if node.kind == NodeKind::Factor && (self.values[i] - self.prev[i]).abs() > eps {
                return;
            }
            if self.first[i] == NEVER && node.hazard.is_some() {
                let live = match &node.hazard {
                    Some(PRate::Const(v)) => *v > 0.0,
                    _ => self.hazard_cache[i] > 0.0,
                };
                if live {
                    return;
                }
            }
        }
        for (k, rule) in p.rules.iter().enumerate() {
            let could_fire = if rule.when {
                !self.fired[k] && self.cond[k]
            } else {
                self.cond[k]
            };
            if could_fire && rule.likelihood.is_random() {
                return;
            }
            // A `while` rule that certainly fires keeps scheduling: its effects
            // show up as pending above, so only its randomness matters here.
        }
        self.steady_at = Some(t);
    }
}

/// The bound `v` is kept at, if it lies outside a factor's range.
fn outside(v: f64, (lo, hi): (f64, f64)) -> Option<f64> {
    (v < lo || v > hi).then(|| v.clamp(lo, hi))
}

/// Puts rule indices in increasing order without duplicates. A queue that
/// holds a good share of the rules (every flow of a stock-and-flow model, each
/// step) is put in order through one bit per rule, in linear time; a short one
/// is sorted.
fn in_order(queue: &mut Vec<u32>, marks: &mut [u64]) {
    if queue.len() * 32 < marks.len() * 64 {
        queue.sort_unstable();
        queue.dedup();
        return;
    }
    for &k in queue.iter() {
        marks[k as usize / 64] |= 1 << (k % 64);
    }
    queue.clear();
    for (w, word) in marks.iter_mut().enumerate() {
        let mut bits = std::mem::take(word);
        while bits != 0 {
            queue.push(w as u32 * 64 + bits.trailing_zeros());
            bits &= bits - 1;
        }
    }
}

#[cfg(test)]
mod order_tests {
    use super::in_order;

    #[test]
    fn long_and_short_queues_come_out_sorted_and_deduplicated() {
        for (len, rules) in [(3usize, 1000u32), (900, 1000), (5000, 1000)] {
            let mut queue: Vec<u32> = (0..len as u32).map(|i| (i * 7919) % rules).collect();
            let mut expected = queue.clone();
            expected.sort_unstable();
            expected.dedup();
            let mut marks = vec![0; (rules as usize).div_ceil(64)];
            in_order(&mut queue, &mut marks);
            assert_eq!(queue, expected);
            assert!(marks.iter().all(|&w| w == 0));
        }
    }
}

/// Every rule's condition in the state a run starts from: events not yet
/// happened, factors at their fixed starting values, counters off, step 0.
///
/// A run then evaluates at step 0 only the rules whose condition holds there
/// and those reading something that left that state (an event's prior, a
/// random starting value, a derived node: each goes through `changed`), rather
/// than every rule of the model in every run. The state after step 0 is what
/// evaluating every rule would have left, flags included.
#[derive(Clone, Debug)]
struct Start {
    /// Per rule, its condition (false for rules this simulator does not run).
    cond: Vec<bool>,
    /// Per rule, whether it must be evaluated: the readers of a random
    /// starting value, and rules this simulator does not run (never cleared).
    dirty: Vec<bool>,
    /// The rules to visit at step 0, in order.
    queue: Vec<u32>,
}

impl Start {
    fn of(p: &Program<'_>, nodes_to_start: &[u32], runs_rule: &[bool]) -> Start {
        let mut values = vec![0.0; p.nodes.len()];
        let mut dirty: Vec<bool> = runs_rule.iter().map(|&r| !r).collect();
        for &i in nodes_to_start {
            let node = &p.nodes[i as usize];
            if node.kind != NodeKind::Factor || node.derived.is_some() {
                continue;
            }
            match node.start {
                // As `Sim::init` and `Sim::bound` set it.
                StartValue::Const(v) => values[i as usize] = outside(v, node.range).unwrap_or(v),
                _ => {
                    for r in &p.readers[i as usize] {
                        if let Reader::Rule(k) = *r {
                            dirty[k as usize] = true;
                        }
                    }
                }
            }
        }
        let slots = vec![false; p.slots.len()];
        let mut stack = Vec::new();
        let cond: Vec<bool> = p
            .rules
            .iter()
            .zip(runs_rule)
            .map(|(rule, &runs)| runs && rule.cond.holds(&values, &slots, 0, &mut stack))
            .collect();
        let queue = (0..p.rules.len())
            .filter(|&k| runs_rule[k] && (cond[k] || dirty[k]))
            .map(|k| k as u32)
            .collect();
        Start { cond, dirty, queue }
    }
}
