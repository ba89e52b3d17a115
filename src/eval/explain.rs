//! Why consequences follow, and why they do not.
//!
//! During a run every occurrence keeps its origin: the rule that fired (with the
//! atoms of its condition that were true), a prior, a hazard, a scenario's
//! intervention, or a derived definition. After the run, an event's origin is
//! followed upstream into a causal chain: an event atom leads to that event's own
//! chain; a comparison on a factor (`users.trust < 0.4`) leads to the rule that
//! moved the factor furthest in the direction that made it true, or to the hold
//! that fixed it, or to its starting value. Across runs, identical chains are
//! counted and reported with their share of runs. When several rules make one
//! event happen at the same step, each chain is credited, so shares can add up
//! to more than 100%.
//!
//! For an event that mostly stays absent, "why not" looks at the rules that could
//! cause it: how often each atom of their conditions never held, and how close
//! the factor in a comparison came (the median, across runs, of its value
//! closest to making the comparison true).

use std::cell::RefCell;
use std::collections::HashMap;

use super::compile::{PEffectOp, Program};
use super::sim::{Cause, NEVER, Origin, Sim};
use crate::check::model::NodeKind;
use crate::render::json;

/// The most links a chain follows before it stops with "…".
const MAX_DEPTH: usize = 8;

/// How an event came about, across runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    /// The event.
    pub node: String,
    /// Runs counted.
    pub runs: u64,
    /// Runs in which it happened.
    pub happened: u64,
    /// Causal chains with the number of runs each explains, most frequent first.
    pub chains: Vec<(String, u64)>,
    /// Whether some runs credited several chains.
    pub multiple: bool,
    /// Why it did not happen, in the runs where it did not.
    pub why_not: Vec<WhyNot>,
    /// The rules that could have caused it, with the runs (among those without
    /// it) in which their condition held all the same: their likelihood did not
    /// come through, or their effect was due after the horizon.
    pub held_but_failed: Vec<(String, u64)>,
}

/// One condition that failed to hold in runs where the event stayed absent.
#[derive(Clone, Debug, PartialEq)]
pub struct WhyNot {
    /// The rule that could have caused the event.
    pub rule: String,
    /// The atom of its condition.
    pub atom: String,
    /// Runs (among those without the event) in which the atom never held.
    pub failed_runs: u64,
    /// Runs without the event.
    pub absent_runs: u64,
    /// For a comparison on a factor, the median of the closest value it reached.
    pub closest: Option<f64>,
}

impl Explanation {
    /// The explanation as JSON: see [`json::Explanation`].
    #[must_use]
    pub fn to_json(&self) -> json::Explanation {
        json::Explanation {
            node: self.node.clone(),
            runs: self.runs,
            happened_runs: self.happened,
            chains: self
                .chains
                .iter()
                .map(|(c, n)| json::Chain {
                    chain: c.clone(),
                    runs: *n,
                    share: *n as f64 / self.runs.max(1) as f64,
                })
                .collect(),
            shares_may_exceed_100_percent: self.multiple,
            conditions_held_without_effect: self
                .held_but_failed
                .iter()
                .map(|(r, n)| json::HeldCondition {
                    rule: r.clone(),
                    runs: *n,
                })
                .collect(),
            why_not: self
                .why_not
                .iter()
                .map(|w| json::WhyNot {
                    rule: w.rule.clone(),
                    condition: w.atom.clone(),
                    failed_runs: w.failed_runs,
                    absent_runs: w.absent_runs,
                    closest_median: w.closest,
                })
                .collect(),
        }
    }
}

/// What the why-not analysis watches for one target: (rule, atom, node,
/// direction).
type Watch = (u32, u32, Option<u32>, i8);

/// Tallies of one target across runs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TargetTally {
    /// Runs counted.
    pub runs: u64,
    /// Runs in which the target happened.
    pub happened: u64,
    /// Chains and how many runs each explains.
    pub chains: HashMap<String, u64>,
    /// Runs that credited more than one chain.
    pub multiple: u64,
    /// Per watched atom: runs without the target in which it never held.
    pub failed: Vec<u64>,
    /// Per watched atom: closest values in runs without the target.
    pub closest: Vec<Vec<f64>>,
    /// Per candidate rule: runs without the target in which its condition held.
    pub rule_held: Vec<u64>,
}

/// Explanations being gathered during runs.
pub struct Tally {
    targets: Vec<u32>,
    watches: Vec<Vec<Watch>>,
    /// Per target, the rules that can cause it.
    candidates: Vec<Vec<u32>>,
    rule_seen: Vec<Vec<bool>>,
    /// Per target.
    pub tallies: Vec<TargetTally>,
    held: Vec<Vec<bool>>,
    best: Vec<Vec<f64>>,
}

impl Tally {
    /// A tally for `targets` (node indices of events).
    #[must_use]
    pub fn new(p: &Program<'_>, targets: &[u32]) -> Tally {
        let watches: Vec<Vec<Watch>> = targets
            .iter()
            .map(|&t| {
                let mut w = Vec::new();
                for (k, rule) in p.rules.iter().enumerate() {
                    let causes = rule
                        .effects
                        .iter()
                        .chain(rule.branches.iter().flat_map(|b| b.effects.iter()))
                        .any(|e| e.node == t && matches!(e.op, PEffectOp::Happen));
                    if causes {
                        for (a, atom) in rule.atoms.iter().enumerate() {
                            w.push((k as u32, a as u32, atom.node, atom.direction));
                        }
                    }
                }
                w
            })
            .collect();
        let candidates: Vec<Vec<u32>> = watches
            .iter()
            .map(|w| {
                let mut c: Vec<u32> = w.iter().map(|x| x.0).collect();
                c.dedup();
                c
            })
            .collect();
        let tallies = watches
            .iter()
            .zip(&candidates)
            .map(|(w, c)| TargetTally {
                failed: vec![0; w.len()],
                closest: vec![Vec::new(); w.len()],
                rule_held: vec![0; c.len()],
                ..TargetTally::default()
            })
            .collect();
        let rule_seen = candidates.iter().map(|c| vec![false; c.len()]).collect();
        let held = watches.iter().map(|w| vec![false; w.len()]).collect();
        let best = watches.iter().map(|w| vec![f64::NAN; w.len()]).collect();
        Tally {
            targets: targets.to_vec(),
            watches,
            candidates,
            rule_seen,
            tallies,
            held,
            best,
        }
    }

    /// Starts a run.
    pub fn begin(&mut self) {
        for h in &mut self.held {
            h.iter_mut().for_each(|x| *x = false);
        }
        for b in &mut self.best {
            b.iter_mut().for_each(|x| *x = f64::NAN);
        }
        for r in &mut self.rule_seen {
            r.iter_mut().for_each(|x| *x = false);
        }
    }

    /// Watches step `t` for the why-not analysis.
    pub fn step(&mut self, t: u32, sim: &mut Sim<'_, '_>) {
        for (i, &target) in self.targets.iter().enumerate() {
            if sim.first[target as usize] != NEVER {
                continue;
            }
            for (c, &rule) in self.candidates[i].iter().enumerate() {
                if !self.rule_seen[i][c] && sim.rule_holds(rule as usize, t) {
                    self.rule_seen[i][c] = true;
                }
            }
            for (w, &(rule, atom, node, dir)) in self.watches[i].iter().enumerate() {
                if sim.atom_holds(rule as usize, atom as usize, t) {
                    self.held[i][w] = true;
                }
                if let Some(n) = node {
                    let v = sim.values[n as usize];
                    let b = &mut self.best[i][w];
                    if b.is_nan() || (dir < 0 && v < *b) || (dir > 0 && v > *b) {
                        *b = v;
                    }
                }
            }
        }
    }

    /// Ends a run: counts its chains or its failed conditions.
    pub fn end(&mut self, sim: &Sim<'_, '_>) {
        for (i, &target) in self.targets.iter().enumerate() {
            let tally = &mut self.tallies[i];
            tally.runs += 1;
            if sim.first[target as usize] == NEVER {
                for (c, seen) in self.rule_seen[i].iter().enumerate() {
                    if *seen {
                        tally.rule_held[c] += 1;
                    }
                }
                for (w, &(_, _, node, dir)) in self.watches[i].iter().enumerate() {
                    if !self.held[i][w] {
                        tally.failed[w] += 1;
                    }
                    if node.is_some() && dir != 0 && !self.best[i][w].is_nan() {
                        tally.closest[w].push(self.best[i][w]);
                    }
                }
                continue;
            }
            tally.happened += 1;
            let mut origins = vec![sim.origin_of(target)];
            origins.extend(
                sim.co_origins
                    .iter()
                    .filter(|(n, _)| *n == target)
                    .map(|(_, o)| Some(*o)),
            );
            if origins.len() > 1 {
                tally.multiple += 1;
            }
            for origin in origins {
                let chain = Chain {
                    sim,
                    told: RefCell::default(),
                }
                .event(target, origin, 0, &mut Vec::new());
                *tally.chains.entry(chain).or_insert(0) += 1;
            }
        }
    }

    /// Adds another tally of the same targets.
    pub fn merge(&mut self, other: Tally) {
        for (a, b) in self.tallies.iter_mut().zip(other.tallies) {
            a.runs += b.runs;
            a.happened += b.happened;
            a.multiple += b.multiple;
            for (chain, n) in b.chains {
                *a.chains.entry(chain).or_insert(0) += n;
            }
            for (x, y) in a.failed.iter_mut().zip(&b.failed) {
                *x += y;
            }
            for (x, y) in a.closest.iter_mut().zip(b.closest) {
                x.extend(y);
            }
            for (x, y) in a.rule_held.iter_mut().zip(&b.rule_held) {
                *x += y;
            }
        }
    }

    /// The explanations, each event's chains most frequent first (ties by text,
    /// so the order never depends on threads).
    #[must_use]
    pub fn finish(self, p: &Program<'_>) -> Vec<Explanation> {
        let model = p.model;
        self.targets
            .iter()
            .zip(self.tallies)
            .zip(self.watches)
            .zip(self.candidates)
            .map(|(((&t, tally), watches), candidates)| {
                let held_but_failed = candidates
                    .iter()
                    .zip(&tally.rule_held)
                    .filter(|(_, n)| **n > 0)
                    .map(|(&r, &n)| (model.rule(p.rules[r as usize].id).name.clone(), n))
                    .collect();
                let mut chains: Vec<(String, u64)> = tally.chains.into_iter().collect();
                chains.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                let absent = tally.runs - tally.happened;
                let mut why_not: Vec<WhyNot> = watches
                    .iter()
                    .zip(tally.failed.iter().zip(tally.closest))
                    .map(|(&(rule, atom, _, _), (&failed, mut closest))| {
                        closest.sort_by(f64::total_cmp);
                        let r = &p.rules[rule as usize];
                        WhyNot {
                            rule: model.rule(r.id).name.clone(),
                            atom: r.atoms[atom as usize].text.clone(),
                            failed_runs: failed,
                            absent_runs: absent,
                            closest: (!closest.is_empty())
                                .then(|| closest[(closest.len() - 1) / 2]),
                        }
                    })
                    // An atom that held in every run without the event is no reason it failed.
                    .filter(|w| w.failed_runs > 0)
                    .collect();
                why_not.sort_by(|a, b| {
                    b.failed_runs
                        .cmp(&a.failed_runs)
                        .then_with(|| a.atom.cmp(&b.atom))
                });
                Explanation {
                    node: model.nodes[t as usize].name.clone(),
                    runs: tally.runs,
                    happened: tally.happened,
                    chains,
                    multiple: tally.multiple > 0,
                    why_not,
                    held_but_failed,
                }
            })
            .collect()
    }
}

/// Builds one run's chains.
struct Chain<'s, 'p, 'm> {
    sim: &'s Sim<'p, 'm>,
    /// Events whose own chain is already in this one: named again, not retold.
    told: RefCell<Vec<u32>>,
}

impl Chain<'_, '_, '_> {
    fn name(&self, node: u32) -> &str {
        &self.sim.program().model.nodes[node as usize].name
    }

    fn event(
        &self,
        node: u32,
        origin: Option<Origin>,
        depth: usize,
        seen: &mut Vec<u32>,
    ) -> String {
        let name = self.name(node).to_string();
        if depth >= MAX_DEPTH {
            return format!("{name} ← …");
        }
        if origin.is_some() {
            if self.told.borrow().contains(&node) {
                return name;
            }
            self.told.borrow_mut().push(node);
        }
        match origin {
            None => name,
            Some(Origin::Prior) => format!("{name} ← prior"),
            Some(Origin::Hazard) => format!("{name} ← hazard"),
            Some(Origin::Forced) => format!("{name} ← forced by the scenario"),
            Some(Origin::Held) => format!("{name} ← held by the scenario"),
            Some(Origin::Derived { firing }) => {
                let up = self.upstream(firing, depth, seen);
                if up.is_empty() {
                    format!("{name} ← its definition")
                } else {
                    format!("{name}{up}")
                }
            }
            Some(Origin::Rule { rule, firing, .. }) => {
                let rule_name = self.rule_name(rule);
                if seen.contains(&rule) {
                    return format!("{name} ← {rule_name} ← …");
                }
                seen.push(rule);
                let up = self.upstream(firing, depth, seen);
                seen.pop();
                format!("{name} ← {rule_name}{up}")
            }
        }
    }

    /// A change as a share of the node's range (events: of 1).
    fn relative(&self, node: u32, change: f64) -> f64 {
        let n = &self.sim.program().nodes[node as usize];
        let width = match n.kind {
            NodeKind::Event => 1.0,
            NodeKind::Factor => n.range.1 - n.range.0,
        };
        (change / width.max(f64::MIN_POSITIVE)).abs()
    }

    fn rule_name(&self, rule: u32) -> String {
        let p = self.sim.program();
        p.model.rule(p.rules[rule as usize].id).name.clone()
    }

    /// " ← …" for the atoms that were true when a firing happened.
    fn upstream(&self, firing: u32, depth: usize, seen: &mut Vec<u32>) -> String {
        let Some(f) = self.sim.firing_at(firing) else {
            return String::new();
        };
        let p = self.sim.program();
        let atoms = match f.cause {
            Cause::Rule(r) => &p.rules[r as usize].atoms,
            Cause::Definition(n) => &p.nodes[n as usize].atoms,
        };
        let parts: Vec<String> = f
            .atoms
            .iter()
            .map(|&(a, value)| {
                let atom = &atoms[a as usize];
                match atom.node {
                    Some(n) if p.nodes[n as usize].kind == NodeKind::Event && atom.reference => {
                        let chain = self.event(n, self.sim.origin_of(n), depth + 1, seen);
                        if atom.text.contains(char::is_whitespace) {
                            // `x for 2 weeks`
                            format!("{} ← {chain}", atom.text)
                        } else {
                            chain
                        }
                    }
                    Some(n)
                        if p.nodes[n as usize].kind == NodeKind::Factor && atom.direction != 0 =>
                    {
                        let start = self.sim.start_of(n);
                        let start = if start.is_nan() { value } else { start };
                        let held = p.nodes[n as usize].held_at(f.step).is_some();
                        if held || (value - start) * f64::from(atom.direction) > 0.0 {
                            let cause = self.factor(n, atom.direction, f.step, depth, seen);
                            format!("{} ← {cause}", atom.text)
                        } else {
                            format!("{} from the start", atom.text)
                        }
                    }
                    _ => {
                        // `at least 2 of (a, b, c)` and the like: follow the
                        // events it reads that had happened.
                        let happened: Vec<String> = atom
                            .reads
                            .iter()
                            .filter(|&&n| {
                                p.nodes[n as usize].kind == NodeKind::Event
                                    && self.sim.first[n as usize] <= f.step
                            })
                            .map(|&n| self.event(n, self.sim.origin_of(n), depth + 1, seen))
                            .collect();
                        match happened.len() {
                            0 => atom.text.clone(),
                            1 => format!("{} ← {}", atom.text, happened[0]),
                            _ => format!("{} ← ({})", atom.text, happened.join(" and ")),
                        }
                    }
                }
            })
            .collect();
        match parts.len() {
            0 => String::new(),
            1 => format!(" ← {}", parts[0]),
            _ => format!(" ← ({})", parts.join(" and ")),
        }
    }

    /// " ← X falls ← …" for the factor that moved most among those the rule's
    /// effect on `node` reads.
    fn amount_inputs(
        &self,
        rule: u32,
        node: u32,
        step: u32,
        depth: usize,
        seen: &mut Vec<u32>,
    ) -> String {
        let p = self.sim.program();
        let r = &p.rules[rule as usize];
        let reads: Vec<u32> = r
            .effects
            .iter()
            .chain(r.branches.iter().flat_map(|b| b.effects.iter()))
            .filter(|e| e.node == node)
            .filter_map(|e| match &e.op {
                super::compile::PEffectOp::Add(c) | super::compile::PEffectOp::Set(c) => {
                    Some(c.reads().nodes)
                }
                super::compile::PEffectOp::Happen => None,
            })
            .flatten()
            .filter(|&n| n != node && p.nodes[n as usize].kind == NodeKind::Factor)
            .collect();
        let best = reads
            .into_iter()
            .map(|n| {
                let change = self.sim.value_at(n, step) - self.sim.start_of(n);
                (n, change, self.relative(n, change))
            })
            .filter(|&(_, change, _)| change != 0.0 && change.is_finite())
            .max_by(|a, b| a.2.total_cmp(&b.2).then_with(|| b.0.cmp(&a.0)));
        match best {
            Some((n, change, _)) if depth < MAX_DEPTH => {
                let dir = if change > 0.0 { 1 } else { -1 };
                let moved = if dir > 0 { "rises" } else { "falls" };
                format!(
                    " ← {} {moved} ← {}",
                    self.name(n),
                    self.factor(n, dir, step, depth, seen)
                )
            }
            _ => String::new(),
        }
    }

    /// What moved a factor in `direction`: the hold that fixed it, the rule that
    /// moved it furthest that way, or its starting value.
    fn factor(
        &self,
        node: u32,
        direction: i8,
        step: u32,
        depth: usize,
        seen: &mut Vec<u32>,
    ) -> String {
        let p = self.sim.program();
        let name = self.name(node);
        if let Some(v) = p.nodes[node as usize].held_at(step) {
            return format!("{name} held at {}", crate::syntax::print::number(v));
        }
        if depth >= MAX_DEPTH {
            return "…".to_string();
        }
        // A derived factor moves with what it is computed from: follow the input
        // that had moved furthest by then (relative to its range).
        if let Some(def) = &p.nodes[node as usize].derived {
            let input = def
                .reads()
                .nodes
                .into_iter()
                .filter(|&n| n != node)
                .map(|n| {
                    let change = self.sim.value_at(n, step) - self.sim.start_of(n);
                    (n, change, self.relative(n, change))
                })
                .filter(|&(_, change, _)| change != 0.0 && change.is_finite())
                .max_by(|a, b| a.2.total_cmp(&b.2).then_with(|| b.0.cmp(&a.0)));
            return match input {
                Some((n, _, _)) if p.nodes[n as usize].kind == NodeKind::Event => {
                    self.event(n, self.sim.origin_of(n), depth + 1, seen)
                }
                Some((n, change, _)) => {
                    let dir = if change > 0.0 { 1 } else { -1 };
                    let moved = if dir > 0 { "rises" } else { "falls" };
                    format!(
                        "{} {moved} ← {}",
                        self.name(n),
                        self.factor(n, dir, step, depth + 1, seen)
                    )
                }
                None => format!("{name} as defined"),
            };
        }
        let mover = self
            .sim
            .moves_of(node)
            .into_iter()
            .filter(|(_, v)| v * f64::from(direction) > 0.0)
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()).then_with(|| b.0.cmp(&a.0)))
            .map(|(r, _)| r);
        match mover {
            Some(r) if !seen.contains(&r) => {
                seen.push(r);
                let first = self.sim.first_firing_of(r);
                let mut up = first
                    .map(|f| self.upstream(f, depth + 1, seen))
                    .unwrap_or_default();
                if up.is_empty() {
                    // A flow whose condition says nothing (`while true`): follow
                    // what its amount reads.
                    up = self.amount_inputs(r, node, step, depth + 1, seen);
                }
                seen.pop();
                format!("{}{up}", self.rule_name(r))
            }
            Some(r) => self.rule_name(r),
            None => format!("{name} from its start"),
        }
    }
}
