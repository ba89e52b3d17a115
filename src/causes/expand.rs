//! From a checked model and one scenario's values to the minimal sets of root
//! causes of an event.
//!
//! Each event is the "or" of what can make it happen: its prior, its hazard,
//! a scenario forcing or holding it, its definition (a derived event), and each
//! rule that makes it happen ("and" of the rule's condition, its likelihood,
//! and the `one of` branch). A condition's events are expanded in turn; what
//! is not an event (a comparison on factors, `not`, `… for N`) is a root cause
//! of its own, a *condition*. Events that cause each other are solved as the
//! least fixed point (a cycle never starts itself): every event is evaluated
//! once its causes are, strongly connected groups by repeated rounds.

use std::collections::HashMap;

use petgraph::graph::{DiGraph, NodeIndex};

use super::sets::{Sets, TooManySets};
use crate::check::Model;
use crate::check::model::{EffectOp, Expr, ExprKind, NodeId, NodeKind, RuleEffects, RuleId};
use crate::check::values::{Rate, Resolved};
use crate::graph::rules_in;
use crate::span::Span;
use crate::syntax::ast::RuleKind;

/// A root cause as the expansion finds it; [`super::analyze`] gives it a
/// probability.
#[derive(Clone, Debug)]
pub enum Leaf<'m> {
    /// An event's prior.
    Prior(NodeId, f64),
    /// An event's hazard.
    Hazard(NodeId, Rate<'m>),
    /// A rule's likelihood draw.
    Draw(RuleId, Rate<'m>),
    /// A `one of` branch of a rule, with its probability.
    Branch(RuleId, usize, f64),
    /// A scenario intervention that makes an event happen (`at S: e`,
    /// `hold e = true`), as written.
    Intervention(Span),
    /// A condition that is not an event, as written.
    Condition(&'m Expr, String),
    /// A scenario intervention on a factor or parameter (`hold`, `set`, `at S:
    /// set`) that alone makes a condition true, as written.
    Setting(Span),
}

impl Leaf<'_> {
    /// The order causes are listed in within a set: interventions, priors,
    /// hazards, conditions, then rules' draws and branches, each in model
    /// order.
    #[must_use]
    pub fn order(&self) -> (u8, u32, u32) {
        match self {
            Leaf::Intervention(s) | Leaf::Setting(s) => (0, s.file.0, s.start),
            Leaf::Prior(n, _) => (1, n.0, 0),
            Leaf::Hazard(n, _) => (2, n.0, 0),
            Leaf::Condition(e, _) => (3, e.span.file.0, e.span.start),
            Leaf::Draw(r, _) => (4, r.0, 0),
            Leaf::Branch(r, b, _) => (5, r.0, u32::try_from(*b).unwrap_or(u32::MAX)),
        }
    }
}

/// How an event comes about, before it is solved into sets.
#[derive(Clone, Debug)]
enum Formula {
    Sets(Sets),
    Event(NodeId),
    And(Vec<Formula>),
    Or(Vec<Formula>),
    AtLeast(usize, Vec<Formula>),
}

/// The expansion of one scenario.
pub struct Expander<'m, 'r> {
    model: &'m Model,
    values: &'r Resolved<'m>,
    active: Vec<bool>,
    text: &'r dyn Fn(Span) -> String,
    limit: usize,
    /// The root causes met so far; sets refer to them by index.
    pub leaves: Vec<Leaf<'m>>,
    seen: HashMap<(u8, u32, u32, String), u32>,
    /// Rules that take part in some cause (their delays make time matter).
    pub rules_used: bool,
    /// Events that cause each other.
    pub cycles: bool,
    /// A `… for N` over events was read as its events (they must wait N steps).
    pub waits: bool,
    /// Events held false for part of the run only (their causes are kept).
    pub partly_blocked: Vec<NodeId>,
}

impl<'m, 'r> Expander<'m, 'r> {
    /// An expansion of `model` under `values` (one scenario), with at most
    /// `limit` sets at any point; `text` gives the source of a span.
    pub fn new(
        model: &'m Model,
        values: &'r Resolved<'m>,
        text: &'r dyn Fn(Span) -> String,
        limit: usize,
    ) -> Self {
        Expander {
            model,
            values,
            active: rules_in(model, values.scenario),
            text,
            limit,
            leaves: Vec::new(),
            seen: HashMap::new(),
            rules_used: false,
            cycles: false,
            waits: false,
            partly_blocked: Vec::new(),
        }
    }

    fn leaf(&mut self, leaf: Leaf<'m>) -> Formula {
        Formula::Sets(Sets::leaf(self.index(leaf)))
    }

    /// The index of a root cause, the same for the same cause.
    pub fn index(&mut self, leaf: Leaf<'m>) -> u32 {
        let key = key(&leaf);
        if let Some(&i) = self.seen.get(&key) {
            return i;
        }
        let i = u32::try_from(self.leaves.len()).unwrap_or(u32::MAX);
        self.leaves.push(leaf);
        self.seen.insert(key, i);
        i
    }

    /// The minimal sets of root causes of `target`.
    ///
    /// # Errors
    /// [`TooManySets`] past the limit.
    pub fn causes_of(&mut self, target: NodeId) -> Result<Sets, TooManySets> {
        // Every event the target's causes reach, with how each comes about.
        let mut formulas: HashMap<NodeId, Formula> = HashMap::new();
        let mut order: Vec<NodeId> = Vec::new();
        let mut todo = vec![target];
        while let Some(e) = todo.pop() {
            if formulas.contains_key(&e) {
                continue;
            }
            let f = self.definition(e);
            let mut refs = Vec::new();
            events_in(&f, &mut refs);
            todo.extend(refs.into_iter().filter(|r| !formulas.contains_key(r)));
            formulas.insert(e, f);
            order.push(e);
        }
        // Solve in dependency order: an edge from each event to the events
        // it reads, whose components petgraph lists dependencies first.
        let mut g: DiGraph<NodeId, ()> = DiGraph::new();
        let index: HashMap<NodeId, NodeIndex> = order.iter().map(|&e| (e, g.add_node(e))).collect();
        for (&e, f) in &formulas {
            let mut refs = Vec::new();
            events_in(f, &mut refs);
            for r in refs {
                g.add_edge(index[&e], index[&r], ());
            }
        }
        let mut solved: HashMap<NodeId, Sets> = HashMap::new();
        for scc in petgraph::algo::kosaraju_scc(&g) {
            let members: Vec<NodeId> = scc.iter().map(|&i| g[i]).collect();
            let cyclic = members.len() > 1 || g.contains_edge(scc[0], scc[0]);
            if !cyclic {
                let s = self.solve(&formulas[&members[0]], &solved)?;
                solved.insert(members[0], s);
                continue;
            }
            self.cycles = true;
            // Least fixed point: start from "never", repeat until nothing
            // changes; a minimal set needs each member at most once on any
            // chain, so as many rounds as members (and one to confirm) suffice.
            for &m in &members {
                solved.insert(m, Sets::none());
            }
            for _ in 0..=members.len() {
                let mut changed = false;
                for &m in &members {
                    let s = self.solve(&formulas[&m], &solved)?;
                    if solved.get(&m) != Some(&s) {
                        changed = true;
                        solved.insert(m, s);
                    }
                }
                if !changed {
                    break;
                }
            }
        }
        Ok(solved.remove(&target).unwrap_or_default())
    }

    fn solve(&self, f: &Formula, solved: &HashMap<NodeId, Sets>) -> Result<Sets, TooManySets> {
        Ok(match f {
            Formula::Sets(s) => s.clone(),
            Formula::Event(e) => solved.get(e).cloned().unwrap_or_default(),
            Formula::And(parts) => {
                let mut acc = Sets::certain();
                for p in parts {
                    acc = acc.and(&self.solve(p, solved)?, self.limit)?;
                }
                acc
            }
            Formula::Or(parts) => {
                let mut acc = Sets::none();
                for p in parts {
                    acc = acc.or(&self.solve(p, solved)?, self.limit)?;
                }
                acc
            }
            Formula::AtLeast(k, items) => {
                let items = items
                    .iter()
                    .map(|i| self.solve(i, solved))
                    .collect::<Result<Vec<_>, _>>()?;
                Sets::at_least(*k, &items, self.limit)?
            }
        })
    }

    /// How event `e` comes about in this scenario.
    fn definition(&mut self, e: NodeId) -> Formula {
        let values = self.values;
        let horizon = values.horizon;
        let mut ways = Vec::new();
        for h in values.holds.iter().filter(|h| h.node == e) {
            if h.value < 0.5 {
                if h.from == 0 && h.to >= horizon {
                    return Formula::Sets(Sets::none());
                }
                self.partly_blocked.push(e);
            } else if h.from == 0 {
                // Happened at step 0 whatever else: nothing else is a cause.
                return self.leaf(Leaf::Intervention(h.span));
            } else if h.from <= horizon {
                ways.push(self.leaf(Leaf::Intervention(h.span)));
            }
        }
        for f in values.forced.iter().filter(|f| f.node == e) {
            if f.value.is_none() && f.step <= horizon {
                ways.push(self.leaf(Leaf::Intervention(f.span)));
            }
        }
        let node_values = &values.nodes[e.index()];
        if node_values.prior > 0.0 {
            ways.push(self.leaf(Leaf::Prior(e, node_values.prior)));
        }
        match node_values.hazard {
            Some(Rate::Const(h)) if h <= 0.0 => {}
            Some(rate) => ways.push(self.leaf(Leaf::Hazard(e, rate))),
            None => {}
        }
        let model = self.model;
        if let Some(d) = &model.node(e).derived {
            ways.push(self.condition(d));
        }
        for (i, rule) in model.rules.iter().enumerate() {
            if !self.active[i] {
                continue;
            }
            let id = RuleId::from_index(i);
            let happens = |effects: &[crate::check::model::Effect]| {
                effects
                    .iter()
                    .any(|x| x.target == e && matches!(x.op, EffectOp::Happen))
            };
            let paths: Vec<Option<usize>> = match &rule.effects {
                RuleEffects::All(effects) => {
                    if happens(effects) {
                        vec![None]
                    } else {
                        vec![]
                    }
                }
                RuleEffects::OneOf(branches) => branches
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| happens(&b.effects))
                    .map(|(b, _)| Some(b))
                    .collect(),
            };
            if paths.is_empty() {
                continue;
            }
            self.rules_used = true;
            let rv = &values.rules[i];
            let cond = self.condition(&rule.condition);
            let draw = match rv.likelihood {
                Rate::Const(p) if p >= 1.0 => None,
                rate => Some(self.leaf(Leaf::Draw(id, rate))),
            };
            for b in paths {
                let mut all = vec![cond.clone()];
                all.extend(draw.clone());
                if let Some(b) = b {
                    let p = rv.branches.get(b).map_or(0.0, |(p, _)| *p);
                    if p < 1.0 {
                        all.push(self.leaf(Leaf::Branch(id, b, p)));
                    }
                }
                ways.push(Formula::And(all));
            }
        }
        Formula::Or(ways)
    }

    /// A condition as a formula over events and conditions.
    fn condition(&mut self, c: &'m Expr) -> Formula {
        match &c.kind {
            ExprKind::Bool(true) => Formula::Sets(Sets::certain()),
            ExprKind::Bool(false) => Formula::Sets(Sets::none()),
            ExprKind::Node(n) if self.model.node(*n).kind == NodeKind::Event => Formula::Event(*n),
            ExprKind::And(a, b) => Formula::And(vec![self.condition(a), self.condition(b)]),
            ExprKind::Or(a, b) => Formula::Or(vec![self.condition(a), self.condition(b)]),
            ExprKind::AtLeast(parts) => {
                let (k, items) = &**parts;
                let k = self.values.constant(k).max(0.0) as usize;
                Formula::AtLeast(k, items.iter().map(|i| self.condition(i)).collect())
            }
            // Events stay happened, so `c for N` over events holds once `c`
            // has held for N steps: the same causes, later (a time effect).
            ExprKind::Sustained(inner, _) if self.only_events(inner) => {
                self.waits = true;
                self.condition(inner)
            }
            _ => {
                let text = (self.text)(c.span);
                self.leaf(Leaf::Condition(c, text))
            }
        }
    }

    /// Whether a condition is made of events alone (`and`, `or`, `at least`).
    fn only_events(&self, c: &Expr) -> bool {
        match &c.kind {
            ExprKind::Bool(_) => true,
            ExprKind::Node(n) => self.model.node(*n).kind == NodeKind::Event,
            ExprKind::And(a, b) | ExprKind::Or(a, b) => self.only_events(a) && self.only_events(b),
            ExprKind::AtLeast(parts) => parts.1.iter().all(|i| self.only_events(i)),
            _ => false,
        }
    }

    /// Whether a rule is a `while` rule (drawn at every step its condition
    /// holds).
    #[must_use]
    pub fn is_while(&self, r: RuleId) -> bool {
        self.model.rule(r).kind == RuleKind::While
    }
}

/// What identifies a root cause: two conditions written alike that read the
/// same nodes are one.
fn key(leaf: &Leaf<'_>) -> (u8, u32, u32, String) {
    let span = |s: &Span| (s.start, format!("{}", s.file.0));
    match leaf {
        Leaf::Prior(n, _) => (0, n.0, 0, String::new()),
        Leaf::Hazard(n, _) => (1, n.0, 0, String::new()),
        Leaf::Draw(r, _) => (2, r.0, 0, String::new()),
        Leaf::Branch(r, b, _) => (3, r.0, u32::try_from(*b).unwrap_or(u32::MAX), String::new()),
        Leaf::Intervention(s) => (4, span(s).0, s.end, span(s).1),
        Leaf::Setting(s) => (5, span(s).0, s.end, span(s).1),
        Leaf::Condition(e, text) => {
            let reads: Vec<String> = e.nodes().iter().map(|n| n.0.to_string()).collect();
            (6, 0, 0, format!("{text}|{}", reads.join(",")))
        }
    }
}

fn events_in(f: &Formula, out: &mut Vec<NodeId>) {
    match f {
        Formula::Sets(_) => {}
        Formula::Event(e) => {
            if !out.contains(e) {
                out.push(*e);
            }
        }
        Formula::And(p) | Formula::Or(p) | Formula::AtLeast(_, p) => {
            for x in p {
                events_in(x, out);
            }
        }
    }
}
