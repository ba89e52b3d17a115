//! Whole-model checks: algebraic loops, conflicting `=` effects, the value checks
//! of every scenario, and the warnings.

use std::collections::HashSet;

use petgraph::graph::{DiGraph, NodeIndex};

use super::Baseline;
use super::error::Num;
use super::model::{
    EffectOp, ExpectKind, Expr, ExprKind, InterventionKind, Likelihood, Model, NodeId, NodeKind,
    RuleEffects, RuleId, ScenarioId, Start, Verdict,
};
use super::values::{self, Resolved};
use super::{CheckError, CheckWarning, Checker, Symbol};
use crate::span::Span;
use crate::syntax::ast::{CmpOp, RuleKind};

impl Checker<'_> {
    /// Structure: derived nodes in a cycle, and `=` effects that can collide.
    pub(super) fn structure(&mut self) {
        let Some(model) = self.model.take() else {
            return;
        };
        self.algebraic_loops(&model);
        self.assignment_conflicts(&model);
        self.model = Some(model);
    }

    fn algebraic_loops(&mut self, model: &Model) {
        let mut graph: DiGraph<NodeId, ()> = DiGraph::new();
        let mut index = vec![None; model.nodes.len()];
        for (i, n) in model.nodes.iter().enumerate() {
            if n.derived.is_some() {
                index[i] = Some(graph.add_node(NodeId::from_index(i)));
            }
        }
        for (i, n) in model.nodes.iter().enumerate() {
            let (Some(def), Some(to)) = (&n.derived, index[i]) else {
                continue;
            };
            for read in def.nodes() {
                if let Some(from) = index[read.index()] {
                    graph.update_edge(from, to, ());
                }
            }
        }
        for scc in petgraph::algo::kosaraju_scc(&graph) {
            let looped = scc.len() > 1 || scc.first().is_some_and(|&n| graph.contains_edge(n, n));
            if !looped {
                continue;
            }
            let mut ids: Vec<NodeId> = scc.iter().map(|&i| graph[i]).collect();
            ids.sort();
            let first = model.node(ids[0]);
            let mut names: Vec<&str> = ids.iter().map(|&n| model.node(n).name.as_str()).collect();
            names.push(names[0]);
            let others = ids[1..]
                .iter()
                .map(|&n| model.node(n).span)
                .filter(|s| s.file == first.span.file)
                .map(|s| {
                    miette::LabeledSpan::new_with_span(Some("part of the cycle".to_string()), s)
                })
                .collect();
            self.error(CheckError::AlgebraicLoop {
                at: first.span,
                others,
                chain: names.join(" → "),
            });
        }
    }

    fn assignment_conflicts(&mut self, model: &Model) {
        struct Set<'m> {
            rule: RuleId,
            branch: Option<usize>,
            span: Span,
            delay: Option<&'m super::model::Delay>,
        }
        let mut by_factor: Vec<Vec<Set<'_>>> = (0..model.nodes.len()).map(|_| Vec::new()).collect();
        for (i, rule) in model.rules.iter().enumerate() {
            let rule_id = RuleId::from_index(i);
            let mut add = |effects: &[super::model::Effect], branch, delay| {
                for e in effects {
                    if let EffectOp::Set(_) = e.op {
                        by_factor[e.target.index()].push(Set {
                            rule: rule_id,
                            branch,
                            span: e.span,
                            delay,
                        });
                    }
                }
            };
            match &rule.effects {
                RuleEffects::All(list) => add(list, None, rule.delay.as_deref()),
                RuleEffects::OneOf(branches) => {
                    for (b, br) in branches.iter().enumerate() {
                        add(
                            &br.effects,
                            Some(b),
                            br.delay.as_ref().or(rule.delay.as_deref()),
                        );
                    }
                }
            }
        }
        let mut reported = HashSet::new();
        for (factor, sets) in by_factor.iter().enumerate() {
            let name = &model.nodes[factor].name;
            for (j, b) in sets.iter().enumerate() {
                // A `while` rule with a ranged delay can land two of its own `=`
                // at one step (fired at t with delay 2 and at t+1 with delay 1).
                let rb = model.rule(b.rule);
                if rb.kind == RuleKind::While
                    && b.delay.is_some_and(|d| d.hi.is_some())
                    && reported.insert((b.rule, b.rule))
                {
                    self.error(CheckError::AssignmentConflict {
                        at: b.span,
                        other_at: b.delay.map_or(b.span, |d| d.span),
                        rule: rb.name.clone(),
                        other: rb.name.clone(),
                        factor: name.clone(),
                    });
                }
                for a in &sets[..j] {
                    let ra = model.rule(a.rule);
                    let exclusive = if a.rule == b.rule {
                        match (a.branch, b.branch) {
                            (Some(x), Some(y)) if x != y => {
                                ra.kind == RuleKind::When || same_fixed_delay(a.delay, b.delay)
                            }
                            _ => false,
                        }
                    } else {
                        !scenarios_meet(model, ra.scenario, rb.scenario)
                            || (same_fixed_delay(a.delay, b.delay)
                                && exclusive(&ra.condition, &rb.condition))
                    };
                    if exclusive || !reported.insert((a.rule, b.rule)) {
                        continue;
                    }
                    let same_file = a.span.file == b.span.file;
                    self.error(CheckError::AssignmentConflict {
                        at: b.span,
                        other_at: if same_file { a.span } else { b.span },
                        rule: rb.name.clone(),
                        other: ra.name.clone(),
                        factor: name.clone(),
                    });
                }
            }
        }
    }

    /// Runs the value checks in every scenario, and the warnings that need values.
    pub(super) fn values(&mut self) {
        let Some(model) = self.model.take() else {
            return;
        };
        let mut seen = HashSet::new();
        for s in 0..model.scenarios.len() {
            let id = ScenarioId::from_index(s);
            match values::resolve(&model, id, &[], &self.limits) {
                Ok(resolved) => {
                    self.expectation_values(&model, &resolved, &mut seen);
                    self.timed_warnings(&model, &resolved, &mut seen);
                    if id == super::model::BASELINE {
                        self.baseline = Some(Baseline {
                            params: resolved.params.clone(),
                            dt: resolved.dt,
                            ranges: resolved.nodes.iter().map(|n| n.range).collect(),
                            horizon: resolved.horizon,
                        });
                    }
                }
                Err(errors) => {
                    for e in errors {
                        let key = (e.span().file, e.span().start, e.span().end, e.to_string());
                        if seen.insert(key) {
                            self.error(e);
                        }
                    }
                }
            }
        }
        self.model = Some(model);
    }

    /// The values of the expectations about `r.scenario`: their steps (whole,
    /// within the horizon) and the thresholds of their probabilities (in [0, 1]).
    fn expectation_values(
        &mut self,
        model: &Model,
        r: &Resolved<'_>,
        seen: &mut HashSet<(crate::span::FileId, u32, u32, String)>,
    ) {
        let mut errors = Vec::new();
        for e in model
            .expectations
            .iter()
            .filter(|e| e.scenario == r.scenario)
        {
            let step = match &e.kind {
                ExpectKind::Prob { step, .. } => step.as_ref(),
                ExpectKind::Stat { at, .. } => at.as_ref(),
                ExpectKind::Never { by, .. } | ExpectKind::Is { by, .. } => by.as_ref(),
            };
            if let Some(s) = step
                && let Err(e) = r.step_within_horizon(s, "the step of an expectation")
            {
                errors.push(e);
            }
            if let ExpectKind::Prob {
                verdict: Verdict::Compare(_, threshold),
                ..
            } = &e.kind
            {
                let v = r.constant(threshold);
                if !(0.0..=1.0).contains(&v) {
                    errors.push(CheckError::Probability {
                        at: threshold.span,
                        what: "the threshold",
                        value: Num(v),
                        help: Some(
                            "`P(…)` is a probability, between 0 and 1, so it is compared with a number from 0 to 1"
                                .to_string(),
                        ),
                    });
                }
            }
        }
        for err in errors {
            let at = err.span();
            if seen.insert((at.file, at.start, at.end, err.to_string())) {
                self.error(err);
            }
        }
    }

    /// Warnings about `at`: blocked by a hold, or after the horizon.
    fn timed_warnings(
        &mut self,
        model: &Model,
        r: &Resolved<'_>,
        seen: &mut HashSet<(crate::span::FileId, u32, u32, String)>,
    ) {
        for f in &r.forced {
            let warning = if f.step > r.horizon {
                Some(CheckWarning::UnreachedStep {
                    at: f.span,
                    step: f.step.into(),
                    horizon: r.horizon.into(),
                })
            } else {
                r.holds
                    .iter()
                    .find(|h| h.node == f.node && h.from <= f.step && f.step <= h.to)
                    .map(|h| CheckWarning::BlockedAt {
                        at: f.span,
                        hold: (h.span.file == f.span.file).then_some(h.span),
                        name: model.node(f.node).name.clone(),
                        step: f.step.into(),
                    })
            };
            if let Some(w) = warning
                && seen.insert((f.span.file, f.span.start, f.span.end, w.to_string()))
            {
                self.warn(w);
            }
        }
    }

    /// The warnings that need the whole, valid model.
    pub(super) fn lint(&mut self) {
        let Some(model) = self.model.take() else {
            return;
        };
        self.unused_and_uncaused(&model);
        self.always_held(&model);
        self.shadowing();
        self.leaving_range(&model);
        self.short_horizon(&model);
        self.model = Some(model);
    }

    fn unused_and_uncaused(&mut self, model: &Model) {
        let n = model.nodes.len();
        let mut used = vec![false; n];
        let mut caused = vec![false; n];
        let read = |e: &Expr, used: &mut Vec<bool>| {
            e.visit(&mut |x| {
                if let ExprKind::Node(id) = x.kind {
                    used[id.index()] = true;
                }
            });
        };
        for node in &model.nodes {
            for e in node.derived.iter().chain(node.hazard.iter()) {
                read(e, &mut used);
            }
        }
        for rule in &model.rules {
            read(&rule.condition, &mut used);
            if let Some(Likelihood::P(e)) = &rule.likelihood {
                read(e, &mut used);
            }
            for e in rule.effects.iter() {
                used[e.target.index()] = true;
                caused[e.target.index()] = true;
                if let Some(a) = e.op.amount() {
                    read(a, &mut used);
                }
            }
        }
        for s in &model.scenarios {
            for i in &s.interventions {
                match &i.kind {
                    InterventionKind::Hold { node, value, .. } => {
                        used[node.index()] = true;
                        if matches!(value.kind, ExprKind::Bool(true)) {
                            caused[node.index()] = true;
                        }
                    }
                    InterventionKind::SetStart(node, _) => used[node.index()] = true,
                    InterventionKind::SetPrior(node, e) | InterventionKind::SetHazard(node, e) => {
                        used[node.index()] = true;
                        caused[node.index()] = true;
                        read(e, &mut used);
                    }
                    InterventionKind::AtEvent(_, node) | InterventionKind::AtSet(_, node, _) => {
                        used[node.index()] = true;
                        caused[node.index()] = true;
                    }
                    InterventionKind::SetParam(..) => {}
                    InterventionKind::SetRule(_, e) => read(e, &mut used),
                }
            }
        }
        for e in &model.expectations {
            match &e.kind {
                ExpectKind::Prob { condition, .. } => read(condition, &mut used),
                ExpectKind::Stat { node, .. }
                | ExpectKind::Never { node, .. }
                | ExpectKind::Is { node, .. } => {
                    used[node.index()] = true;
                }
            }
        }
        for (i, node) in model.nodes.iter().enumerate() {
            if !used[i] {
                self.warn(CheckWarning::Unused {
                    at: node.span,
                    name: node.name.clone(),
                });
            } else if node.kind == NodeKind::Event
                && node.derived.is_none()
                && node.prior.is_none()
                && node.hazard.is_none()
                && !caused[i]
            {
                self.warn(CheckWarning::Uncaused {
                    at: node.span,
                    name: node.name.clone(),
                });
            }
        }
    }

    fn always_held(&mut self, model: &Model) {
        for rule in &model.rules {
            let Some(own) = rule.scenario else { continue };
            let active: Vec<ScenarioId> = (1..model.scenarios.len())
                .map(ScenarioId::from_index)
                .filter(|s| model.lineage(*s).contains(&own))
                .collect();
            let targets: Vec<NodeId> = rule.effects.iter().map(|e| e.target).collect();
            let held_everywhere = !active.is_empty()
                && active.iter().all(|s| {
                    let merged = values::merged_interventions(model, &model.lineage(*s));
                    targets.iter().all(|t| {
                        merged.iter().any(|(k, _)| {
                            matches!(k, InterventionKind::Hold { node, window: None, .. } if node == t)
                        })
                    })
                });
            if held_everywhere {
                self.warn(CheckWarning::RuleAlwaysHeld {
                    at: rule.name_span,
                    name: rule.name.clone(),
                    why: "every node it changes is held for the whole run wherever it applies"
                        .to_string(),
                });
            }
        }
    }

    fn shadowing(&mut self) {
        let mut warnings = Vec::new();
        for site in &self.node_sites {
            if site.actor.is_none() {
                continue;
            }
            let local = &*site.decl.name.name;
            if let Some(&(sym, span)) = self.symbols.get(local) {
                let top = matches!(sym, Symbol::Param(_) | Symbol::Node(_));
                if top {
                    let actor = self.actor_name_of(site.actor);
                    warnings.push(CheckWarning::Shadowing {
                        at: site.decl.name.span,
                        other: (span.file == site.decl.name.span.file).then_some(span),
                        name: local.to_string(),
                        actor,
                    });
                }
            }
        }
        self.warnings.extend(warnings);
    }

    fn actor_name_of(&self, id: Option<super::model::ActorId>) -> String {
        id.and_then(|id| {
            self.actors
                .iter()
                .find(|(_, v)| v.0 == id)
                .map(|(k, _)| k.clone())
        })
        .unwrap_or_default()
    }

    fn leaving_range(&mut self, model: &Model) {
        let Some(base) = self.baseline.take() else {
            return;
        };
        for rule in &model.rules {
            for e in rule.effects.iter() {
                let Some(amount) = e.op.amount() else {
                    continue;
                };
                if !amount.is_constant() {
                    continue;
                }
                let v = values::eval_const(amount, &base.params, base.dt);
                let (lo, hi) = base.ranges[e.target.index()];
                let leaves = match e.op {
                    EffectOp::Set(_) => !(lo..=hi).contains(&v),
                    _ => v.abs() > hi - lo,
                };
                if leaves {
                    self.warn(CheckWarning::LeavesRange {
                        at: e.span,
                        what: "this effect".to_string(),
                        name: model.node(e.target).name.clone(),
                        lo: Num(lo),
                        hi: Num(hi),
                    });
                }
            }
        }
        for (i, node) in model.nodes.iter().enumerate() {
            let Some(start) = &node.start else { continue };
            let (lo, hi) = base.ranges[i];
            let value = |e: &Expr| values::eval_const(e, &base.params, base.dt);
            let ends: Vec<f64> = match start {
                Start::Uniform(a, b) | Start::Triangular(a, _, b) => {
                    vec![value(a), value(b)]
                }
                _ => Vec::new(),
            };
            if ends.iter().any(|v| !(lo..=hi).contains(v)) {
                let span = start
                    .exprs()
                    .iter()
                    .map(|e| e.span)
                    .reduce(Span::to)
                    .unwrap_or(node.span);
                self.warn(CheckWarning::LeavesRange {
                    at: span,
                    what: "the starting distribution".to_string(),
                    name: node.name.clone(),
                    lo: Num(lo),
                    hi: Num(hi),
                });
            }
        }
        self.baseline = Some(base);
    }

    /// Warns when a horizon is shorter than the longest causal chain: every rule
    /// takes at least its delay, so the chain's end cannot be seen in time.
    fn short_horizon(&mut self, model: &Model) {
        let Some(base) = &self.baseline else { return };
        // One edge per (cause, effect) pair, with the longest delay among the
        // rules linking them.
        let mut edges: Vec<(u32, u32, u32)> = Vec::new();
        let mut reads: Vec<NodeId> = Vec::new();
        let collect = |e: &Expr, into: &mut Vec<NodeId>| {
            e.visit(&mut |x| {
                if let ExprKind::Node(n) = x.kind {
                    into.push(n);
                }
            });
        };
        // A rule's shortest delay, from its own `after` under the baseline's
        // parameters: a scenario's rule is inactive in the baseline, whose
        // resolved values would say 1 for it.
        let shortest = |d: Option<&super::model::Delay>| {
            d.map_or(1, |d| {
                let v = (values::eval_const(&d.lo.value, &base.params, base.dt) * d.lo.per_unit)
                    .round();
                if v.is_finite() && v >= 1.0 {
                    // Saturating: a delay beyond u32 is beyond every horizon.
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    let v = v.min(f64::from(u32::MAX)) as u32;
                    v
                } else {
                    1
                }
            })
        };
        for rule in &model.rules {
            reads.clear();
            collect(&rule.condition, &mut reads);
            if let Some(Likelihood::P(e)) = &rule.likelihood {
                collect(e, &mut reads);
            }
            let groups: Vec<(&[super::model::Effect], u32)> = match &rule.effects {
                RuleEffects::All(list) => vec![(list, shortest(rule.delay.as_deref()))],
                RuleEffects::OneOf(branches) => branches
                    .iter()
                    .map(|b| {
                        let delay = shortest(b.delay.as_ref().or(rule.delay.as_deref()));
                        (&b.effects[..], delay)
                    })
                    .collect(),
            };
            for (effects, delay) in groups {
                for e in effects {
                    edges.extend(reads.iter().map(|r| (r.0, e.target.0, delay)));
                }
            }
        }
        for (i, node) in model.nodes.iter().enumerate() {
            if let Some(d) = &node.derived {
                reads.clear();
                collect(d, &mut reads);
                edges.extend(reads.iter().map(|r| (r.0, NodeId::from_index(i).0, 0)));
            }
        }
        // Longest delay first within a pair, so dedup keeps it.
        edges.sort_unstable_by_key(|&(a, b, w)| (a, b, std::cmp::Reverse(w)));
        edges.dedup_by_key(|e| (e.0, e.1));
        let mut graph: DiGraph<NodeId, u32> =
            DiGraph::with_capacity(model.nodes.len(), edges.len());
        for i in 0..model.nodes.len() {
            graph.add_node(NodeId::from_index(i));
        }
        for (a, b, w) in edges {
            graph.add_edge(NodeIndex::new(a as usize), NodeIndex::new(b as usize), w);
        }
        let Some((length, chain)) = longest_chain(&graph) else {
            return;
        };
        let horizon = u64::from(base.horizon);
        if length > horizon {
            let names: Vec<&str> = chain.iter().map(|n| model.node(*n).name.as_str()).collect();
            self.warn(CheckWarning::ShortHorizon {
                at: model.horizon.span,
                horizon,
                length,
                chain: names.join(" → "),
            });
        }
    }
}

/// The longest path (by delay) through the graph with its cycles collapsed: a
/// cycle can be travelled any number of times, so only its way in and out count.
fn longest_chain(graph: &DiGraph<NodeId, u32>) -> Option<(u64, Vec<NodeId>)> {
    let sccs = petgraph::algo::kosaraju_scc(graph);
    // Components come in reverse topological order; kosaraju_scc, unlike
    // tarjan_scc, does not recurse, so a long chain cannot overflow the stack.
    let mut comp = vec![0usize; graph.node_count()];
    for (c, scc) in sccs.iter().enumerate() {
        for n in scc {
            comp[n.index()] = c;
        }
    }
    let k = sccs.len();
    let mut best = vec![0u64; k];
    let mut next: Vec<Option<(usize, NodeIndex, NodeIndex)>> = vec![None; k];
    for c in 0..k {
        for &n in &sccs[c] {
            for e in graph.edges(n) {
                use petgraph::visit::EdgeRef;
                let to = comp[e.target().index()];
                if to == c {
                    continue;
                }
                let len = best[to] + u64::from(*e.weight());
                if len > best[c] {
                    best[c] = len;
                    next[c] = Some((to, n, e.target()));
                }
            }
        }
    }
    let start = (0..k).max_by_key(|&c| (best[c], std::cmp::Reverse(c)))?;
    if best[start] == 0 {
        return None;
    }
    let mut chain = Vec::new();
    let mut at = start;
    while let Some((to, from, into)) = next[at] {
        if chain.last() != Some(&graph[from]) {
            chain.push(graph[from]);
        }
        chain.push(graph[into]);
        at = to;
    }
    Some((best[start], chain))
}

/// Whether rules of these two scenarios (`None`: the base model) can be active
/// together: only when one scenario is the other or an ancestor of it.
fn scenarios_meet(model: &Model, a: Option<ScenarioId>, b: Option<ScenarioId>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => model.lineage(x).contains(&y) || model.lineage(y).contains(&x),
        _ => true,
    }
}

fn same_fixed_delay(a: Option<&super::model::Delay>, b: Option<&super::model::Delay>) -> bool {
    let fixed = |d: Option<&super::model::Delay>| match d {
        None => Some(1.0),
        Some(d) if d.hi.is_none() => match d.lo.value.kind {
            ExprKind::Num(v) => Some(v * d.lo.per_unit),
            _ => None,
        },
        _ => None,
    };
    matches!((fixed(a), fixed(b)), (Some(x), Some(y)) if (x - y).abs() < 1e-9)
}

/// Whether two conditions can never hold at the same step, judged from their
/// top-level conjuncts: one has `c` and the other `not c`, or they compare one
/// node with constants on disjoint sides.
fn exclusive(a: &Expr, b: &Expr) -> bool {
    let (ca, cb) = (conjuncts(a), conjuncts(b));
    ca.iter().any(|x| cb.iter().any(|y| contradict(x, y)))
}

fn conjuncts(e: &Expr) -> Vec<&Expr> {
    match &e.kind {
        ExprKind::And(a, b) => {
            let mut v = conjuncts(a);
            v.extend(conjuncts(b));
            v
        }
        _ => vec![e],
    }
}

fn contradict(x: &Expr, y: &Expr) -> bool {
    match (&x.kind, &y.kind) {
        (ExprKind::Not(inner), _) if same(inner, y) => true,
        (_, ExprKind::Not(inner)) if same(inner, x) => true,
        _ => match (interval(x), interval(y)) {
            (Some((n, a)), Some((m, b))) if n == m => disjoint(a, b),
            _ => false,
        },
    }
}

/// `node OP constant` as the set of values it allows: (lo, lo inclusive, hi, hi inclusive).
type Interval = (f64, bool, f64, bool);

fn interval(e: &Expr) -> Option<(NodeId, Interval)> {
    let ExprKind::Cmp(op, a, b) = &e.kind else {
        return None;
    };
    let (node, c, op) = match (&a.kind, &b.kind) {
        (ExprKind::Node(n), ExprKind::Num(c)) => (*n, *c, *op),
        (ExprKind::Num(c), ExprKind::Node(n)) => (*n, *c, flip(*op)),
        _ => return None,
    };
    let inf = f64::INFINITY;
    Some((
        node,
        match op {
            CmpOp::Lt => (-inf, false, c, false),
            CmpOp::Le => (-inf, false, c, true),
            CmpOp::Gt => (c, false, inf, false),
            CmpOp::Ge => (c, true, inf, false),
            CmpOp::Eq => (c, true, c, true),
            CmpOp::Ne => return None,
        },
    ))
}

fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        other => other,
    }
}

fn disjoint(a: Interval, b: Interval) -> bool {
    let below = |x: Interval, y: Interval| x.2 < y.0 || (x.2 == y.0 && !(x.3 && y.1));
    below(a, b) || below(b, a)
}

/// Structural equality, spans aside.
fn same(a: &Expr, b: &Expr) -> bool {
    use ExprKind as K;
    match (&a.kind, &b.kind) {
        (K::Num(x), K::Num(y)) => x == y,
        (K::Bool(x), K::Bool(y)) => x == y,
        (K::Step, K::Step) | (K::Dt, K::Dt) => true,
        (K::Param(x), K::Param(y)) => x == y,
        (K::Node(x), K::Node(y)) => x == y,
        (K::Neg(x), K::Neg(y)) | (K::Not(x), K::Not(y)) => same(x, y),
        (K::Arith(o, x1, x2), K::Arith(p, y1, y2)) => o == p && same(x1, y1) && same(x2, y2),
        (K::Cmp(o, x1, x2), K::Cmp(p, y1, y2)) => o == p && same(x1, y1) && same(x2, y2),
        (K::And(x1, x2), K::And(y1, y2)) | (K::Or(x1, x2), K::Or(y1, y2)) => {
            same(x1, y1) && same(x2, y2)
        }
        (K::Func(f, xs), K::Func(g, ys)) => {
            f == g && xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| same(x, y))
        }
        (K::If(xs), K::If(ys)) => xs.iter().zip(ys.iter()).all(|(x, y)| same(x, y)),
        _ => false,
    }
}
