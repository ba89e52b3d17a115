//! The cause-and-effect graph: structure questions and export.
//!
//! Nodes are the model's events and factors. There is an edge from every node a
//! rule reads (in its condition, likelihood or an effect's amount) to every
//! node the rule changes, and from every node a derived definition or a hazard
//! reads to that node (delay 0, no rule). Each edge is signed by a monotonicity
//! analysis: `+` when more of the cause means more of the effect, `−` when less,
//! `?` when it cannot be known (`abs`, an `if` whose condition reads the cause, a
//! product of two unknowns). `x += e` reads the nodes of `e`, not `x` itself.
//!
//! The evaluator does not use this graph: its hot loop runs on the compiled
//! program. The graph serves questions about structure (loops, paths, export).

use petgraph::graph::{DiGraph, NodeIndex};

use crate::check::Model;
use crate::check::model::{
    ArithOp, EffectOp, Expr, ExprKind, Func, Likelihood, NodeId, NodeKind, RuleId, ScenarioId,
};
use crate::check::values;
use crate::syntax::ast::CmpOp;

/// How a cause moves its effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sign {
    /// More of the cause, more of the effect.
    Positive,
    /// More of the cause, less of the effect.
    Negative,
    /// Cannot be known from the expressions.
    Unknown,
}

impl Sign {
    /// `+`, `−` or `?`.
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            Sign::Positive => "+",
            Sign::Negative => "−",
            Sign::Unknown => "?",
        }
    }

    /// The opposite sign.
    #[must_use]
    pub fn flip(self) -> Sign {
        match self {
            Sign::Positive => Sign::Negative,
            Sign::Negative => Sign::Positive,
            Sign::Unknown => Sign::Unknown,
        }
    }
}

/// How an expression depends on one node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dep {
    /// Not at all.
    None,
    /// Through a known sign.
    Sign(Sign),
}

fn combine(a: Dep, b: Dep) -> Dep {
    match (a, b) {
        (Dep::None, x) | (x, Dep::None) => x,
        (Dep::Sign(x), Dep::Sign(y)) if x == y => Dep::Sign(x),
        _ => Dep::Sign(Sign::Unknown),
    }
}

fn flip(d: Dep) -> Dep {
    match d {
        Dep::None => Dep::None,
        Dep::Sign(s) => Dep::Sign(s.flip()),
    }
}

/// What is known of values: each node's range, each parameter's value.
struct Bounds {
    nodes: Vec<(f64, f64)>,
    params: Vec<f64>,
    dt: f64,
}

impl Bounds {
    fn of(model: &Model) -> Bounds {
        let dt = model.step.size;
        let params: Vec<f64> = model
            .params
            .iter()
            .map(|p| values::eval_const(&p.value, &[], dt))
            .collect();
        Bounds::with(model, params)
    }

    /// The bounds under these parameter values.
    fn with(model: &Model, params: Vec<f64>) -> Bounds {
        let dt = model.step.size;
        let nodes = model
            .nodes
            .iter()
            .map(|n| match n.kind {
                NodeKind::Event => (0.0, 1.0),
                NodeKind::Factor => (
                    values::eval_const(&n.range.0, &params, dt),
                    values::eval_const(&n.range.1, &params, dt),
                ),
            })
            .collect();
        Bounds { nodes, params, dt }
    }

    /// An interval holding every value `e` can take (interval arithmetic over
    /// the ranges; infinite when unknown).
    fn interval(&self, e: &Expr) -> (f64, f64) {
        const ALL: (f64, f64) = (f64::NEG_INFINITY, f64::INFINITY);
        let i = |x: &Expr| self.interval(x);
        let hull = |a: (f64, f64), b: (f64, f64)| (a.0.min(b.0), a.1.max(b.1));
        let r = match &e.kind {
            ExprKind::Num(v) => (*v, *v),
            ExprKind::Bool(_)
            | ExprKind::Cmp(..)
            | ExprKind::And(..)
            | ExprKind::Or(..)
            | ExprKind::Not(_) => (0.0, 1.0),
            ExprKind::AtLeast(_) | ExprKind::Sustained(..) => (0.0, 1.0),
            ExprKind::Step => (0.0, f64::INFINITY),
            ExprKind::Dt => (self.dt, self.dt),
            ExprKind::Param(p) => self.params.get(p.index()).map_or(ALL, |v| (*v, *v)),
            ExprKind::Node(n) => self.nodes.get(n.index()).copied().unwrap_or(ALL),
            ExprKind::Neg(a) => {
                let (lo, hi) = i(a);
                (-hi, -lo)
            }
            ExprKind::Arith(op, a, b) => {
                let ((al, ah), (bl, bh)) = (i(a), i(b));
                match op {
                    ArithOp::Add => (al + bl, ah + bh),
                    ArithOp::Sub => (al - bh, ah - bl),
                    ArithOp::Mul => {
                        let c = [al * bl, al * bh, ah * bl, ah * bh];
                        if c.iter().any(|v| v.is_nan()) {
                            ALL
                        } else {
                            (
                                c.iter().copied().fold(f64::INFINITY, f64::min),
                                c.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                            )
                        }
                    }
                    ArithOp::Div if bl > 0.0 || bh < 0.0 => {
                        let c = [al / bl, al / bh, ah / bl, ah / bh];
                        (
                            c.iter().copied().fold(f64::INFINITY, f64::min),
                            c.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                        )
                    }
                    ArithOp::Div => ALL,
                }
            }
            ExprKind::Func(f, args) => match f {
                Func::Exp | Func::Sigmoid => (0.0, f64::INFINITY),
                Func::Tanh => (-1.0, 1.0),
                Func::Abs => (0.0, f64::INFINITY),
                Func::Min | Func::Max => args.iter().map(i).reduce(hull).unwrap_or(ALL),
                Func::Clamp => match (args.get(1), args.get(2)) {
                    (Some(lo), Some(hi)) => (i(lo).0, i(hi).1),
                    _ => ALL,
                },
                Func::Sin | Func::Cos => (-1.0, 1.0),
                Func::Sqrt => (0.0, f64::INFINITY),
                // Rounding never decreases, so the ends round to the ends.
                Func::Floor | Func::Ceil | Func::Round => {
                    let (lo, hi) = args.first().map_or(ALL, i);
                    let one = |v: f64| f.apply(&[v]);
                    (one(lo), one(hi))
                }
                Func::Ln | Func::Log10 | Func::Pow => ALL,
            },
            ExprKind::If(parts) => hull(i(&parts[1]), i(&parts[2])),
        };
        if r.0.is_nan() || r.1.is_nan() { ALL } else { r }
    }

    /// The sign of `e` over the whole range of what it reads, if it has one.
    fn sign(&self, e: &Expr) -> Option<Sign> {
        let (lo, hi) = self.interval(e);
        if lo >= 0.0 && hi > 0.0 {
            Some(Sign::Positive)
        } else if hi <= 0.0 && lo < 0.0 {
            Some(Sign::Negative)
        } else {
            None
        }
    }
}

/// An interval holding every value `e` can take when each node stays within its
/// range and the parameters have the values `params` (interval arithmetic;
/// infinite ends when nothing better is known).
#[must_use]
pub fn value_range(model: &Model, params: &[f64], e: &Expr) -> (f64, f64) {
    Bounds::with(model, params.to_vec()).interval(e)
}

/// How `e` depends on `node`.
fn dependence(e: &Expr, node: NodeId, bounds: &Bounds) -> Dep {
    let d = |x: &Expr| dependence(x, node, bounds);
    let constant_sign = |x: &Expr| bounds.sign(x);
    match &e.kind {
        ExprKind::Node(n) if *n == node => Dep::Sign(Sign::Positive),
        ExprKind::Num(_)
        | ExprKind::Bool(_)
        | ExprKind::Step
        | ExprKind::Dt
        | ExprKind::Param(_)
        | ExprKind::Node(_) => Dep::None,
        ExprKind::Neg(a) | ExprKind::Not(a) => flip(d(a)),
        ExprKind::Arith(op, a, b) => match op {
            ArithOp::Add => combine(d(a), d(b)),
            ArithOp::Sub => combine(d(a), flip(d(b))),
            ArithOp::Mul => match (d(a), d(b)) {
                (Dep::None, Dep::None) => Dep::None,
                (x, Dep::None) => scale(x, constant_sign(b)),
                (Dep::None, y) => scale(y, constant_sign(a)),
                _ => Dep::Sign(Sign::Unknown),
            },
            ArithOp::Div => match (d(a), d(b)) {
                (Dep::None, Dep::None) => Dep::None,
                (x, Dep::None) => scale(x, constant_sign(b)),
                (Dep::None, y) => scale(flip(y), constant_sign(a)),
                _ => Dep::Sign(Sign::Unknown),
            },
        },
        ExprKind::Cmp(op, a, b) => match op {
            CmpOp::Lt | CmpOp::Le => combine(flip(d(a)), d(b)),
            CmpOp::Gt | CmpOp::Ge => combine(d(a), flip(d(b))),
            CmpOp::Eq | CmpOp::Ne => unknown_if(combine(d(a), d(b))),
        },
        ExprKind::And(a, b) | ExprKind::Or(a, b) => combine(d(a), d(b)),
        ExprKind::Func(f, args) => match f {
            Func::Abs => unknown_if(args.iter().fold(Dep::None, |acc, a| combine(acc, d(a)))),
            Func::Clamp => args.first().map_or(Dep::None, d),
            // Neither rises nor falls steadily with its argument: a power falls
            // in its base for a negative exponent, in its exponent for a base
            // below 1.
            Func::Sin | Func::Cos | Func::Pow => {
                unknown_if(args.iter().fold(Dep::None, |acc, a| combine(acc, d(a))))
            }
            _ => args.iter().fold(Dep::None, |acc, a| combine(acc, d(a))),
        },
        ExprKind::If(parts) => {
            let (c, a, b) = (d(&parts[0]), d(&parts[1]), d(&parts[2]));
            if c == Dep::None {
                combine(a, b)
            } else if a == Dep::None && b == Dep::None {
                // A switch between two values the node does not move: more of
                // the condition picks `then`, so the sign is the condition's
                // when `then` is never below `else`, the opposite when never
                // above (`if x < t then 1 else 0` falls as `x` rises).
                let ((alo, ahi), (blo, bhi)) =
                    (bounds.interval(&parts[1]), bounds.interval(&parts[2]));
                if alo >= bhi {
                    c
                } else if ahi <= blo {
                    flip(c)
                } else {
                    unknown_if(c)
                }
            } else {
                unknown_if(combine(combine(c, a), b))
            }
        }
        ExprKind::AtLeast(b) => b.1.iter().fold(Dep::None, |acc, a| combine(acc, d(a))),
        ExprKind::Sustained(c, _) => d(c),
    }
}

fn scale(d: Dep, by: Option<Sign>) -> Dep {
    match (d, by) {
        (Dep::None, _) => Dep::None,
        (Dep::Sign(s), Some(Sign::Positive)) => Dep::Sign(s),
        (Dep::Sign(s), Some(Sign::Negative)) => Dep::Sign(s.flip()),
        _ => Dep::Sign(Sign::Unknown),
    }
}

fn unknown_if(d: Dep) -> Dep {
    match d {
        Dep::None => Dep::None,
        Dep::Sign(_) => Dep::Sign(Sign::Unknown),
    }
}

/// What makes a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    /// A rule.
    Rule(RuleId),
    /// A derived node's definition.
    Derived,
    /// An event's hazard.
    Hazard,
}

/// One edge of the graph.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    /// What makes it.
    pub kind: LinkKind,
    /// How the cause moves the effect.
    pub sign: Sign,
}

/// The cause-and-effect graph of a model (its base rules and every scenario's).
#[derive(Clone, Debug)]
pub struct Graph {
    /// Nodes are model nodes; edges are links.
    pub graph: DiGraph<NodeId, Link>,
}

impl Graph {
    /// Builds the graph of `model`: its base rules and every scenario's.
    #[must_use]
    pub fn of(model: &Model) -> Graph {
        let bounds = Bounds::of(model);
        let constant_sign = |x: &Expr| bounds.sign(x);
        let dependence = |e: &Expr, n: NodeId| dependence(e, n, &bounds);
        let mut graph: DiGraph<NodeId, Link> =
            DiGraph::with_capacity(model.nodes.len(), model.rules.len());
        let index: Vec<NodeIndex> = (0..model.nodes.len())
            .map(|i| graph.add_node(NodeId::from_index(i)))
            .collect();
        let mut reads = Vec::new();
        for (i, rule) in model.rules.iter().enumerate() {
            let id = RuleId::from_index(i);
            for effect in rule.effects.iter() {
                reads.clear();
                let mut exprs: Vec<(&Expr, bool)> = vec![(&rule.condition, false)];
                if let Some(Likelihood::P(e)) = &rule.likelihood {
                    exprs.push((e, false));
                }
                // An amount counts with its direction: `-=` flips it.
                match &effect.op {
                    EffectOp::Add(a) | EffectOp::Set(a) => exprs.push((a, false)),
                    EffectOp::Sub(a) => exprs.push((a, true)),
                    EffectOp::Happen => {}
                }
                for (e, _) in &exprs {
                    for n in e.nodes() {
                        // Only explicit mentions: `x += e` does not read `x`.
                        if !reads.contains(&n) {
                            reads.push(n);
                        }
                    }
                }
                // The effect's own direction: an event happening, or a factor
                // raised by a positive amount, is "more".
                let direction = match &effect.op {
                    EffectOp::Happen | EffectOp::Set(_) => Some(Sign::Positive),
                    EffectOp::Add(a) => constant_sign(a),
                    EffectOp::Sub(a) => constant_sign(a).map(Sign::flip),
                };
                for &n in &reads {
                    let through_condition = combine(
                        dependence(&rule.condition, n),
                        match &rule.likelihood {
                            Some(Likelihood::P(e)) => dependence(e, n),
                            _ => Dep::None,
                        },
                    );
                    let gate = scale(through_condition, direction);
                    let through_amount = match &effect.op {
                        EffectOp::Add(a) | EffectOp::Set(a) => dependence(a, n),
                        EffectOp::Sub(a) => flip(dependence(a, n)),
                        EffectOp::Happen => Dep::None,
                    };
                    let sign = match combine(gate, through_amount) {
                        Dep::Sign(s) => s,
                        Dep::None => Sign::Unknown,
                    };
                    graph.add_edge(
                        index[n.index()],
                        index[effect.target.index()],
                        Link {
                            kind: LinkKind::Rule(id),
                            sign,
                        },
                    );
                }
            }
        }
        for (i, node) in model.nodes.iter().enumerate() {
            for (expr, kind) in [
                (node.derived.as_ref(), LinkKind::Derived),
                (node.hazard.as_ref(), LinkKind::Hazard),
            ] {
                let Some(e) = expr else { continue };
                for n in e.nodes() {
                    let sign = match dependence(e, n) {
                        Dep::Sign(s) => s,
                        Dep::None => Sign::Unknown,
                    };
                    graph.add_edge(index[n.index()], index[i], Link { kind, sign });
                }
            }
        }
        Graph { graph }
    }

    /// The graph of one scenario: the base model's rules less those the scenario
    /// or an ancestor disables (`without rule`), and the rules the scenario and
    /// its ancestors declare. [`crate::check::model::BASELINE`] gives the base model's graph.
    #[must_use]
    pub fn of_scenario(model: &Model, scenario: ScenarioId) -> Graph {
        let mut g = Graph::of(model);
        let active = rules_in(model, scenario);
        g.graph.retain_edges(|g, e| match g[e].kind {
            LinkKind::Rule(r) => active.get(r.index()).copied().unwrap_or(false),
            LinkKind::Derived | LinkKind::Hazard => true,
        });
        g
    }

    /// The links from `from` to `to`.
    pub fn links(&self, from: NodeId, to: NodeId) -> impl Iterator<Item = &Link> {
        self.graph
            .edges_connecting(NodeIndex::new(from.index()), NodeIndex::new(to.index()))
            .map(|e| e.weight())
    }
}

/// Per rule (by id), whether it takes part in `scenario`: a base rule that no
/// scenario of the lineage disables, or a rule of the lineage.
#[must_use]
pub fn rules_in(model: &Model, scenario: ScenarioId) -> Vec<bool> {
    let lineage = model.lineage(scenario);
    let mut active: Vec<bool> = model
        .rules
        .iter()
        .map(|r| r.scenario.is_none_or(|s| lineage.contains(&s)))
        .collect();
    for s in &lineage {
        for (r, _) in &model.scenario(*s).without {
            if let Some(a) = active.get_mut(r.index()) {
                *a = false;
            }
        }
    }
    active
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(text: &str) -> (Model, Graph) {
        let model = crate::testing::analyzed(text).model.expect("a model");
        let g = Graph::of(&model);
        (model, g)
    }

    fn sign(m: &Model, g: &Graph, from: &str, to: &str) -> Vec<Sign> {
        let (a, b) = (
            m.node_named(from).expect("from"),
            m.node_named(to).expect("to"),
        );
        g.links(a, b).map(|l| l.sign).collect()
    }

    #[test]
    fn signs_follow_monotonicity() {
        let text = "model \"m\" { horizon 5 steps }\nfactor trust = 0.5\nfactor loyalty = 0.5\nfactor outages = 0.5\nevent leave\n\
            factor engagement := trust * (1 - outages)\n\
            rule erode: while outages > 0.3 then trust -= 0.1 * (1 - loyalty)\n\
            rule tip: when trust < 0.3 then leave\n\
            rule shaky: while true then loyalty += abs(trust - 0.5)";
        let (m, g) = graph(text);
        assert_eq!(sign(&m, &g, "outages", "trust"), vec![Sign::Negative]);
        assert_eq!(sign(&m, &g, "loyalty", "trust"), vec![Sign::Positive]);
        assert_eq!(sign(&m, &g, "trust", "leave"), vec![Sign::Negative]);
        assert_eq!(sign(&m, &g, "trust", "engagement"), vec![Sign::Positive]);
        assert_eq!(sign(&m, &g, "outages", "engagement"), vec![Sign::Negative]);
        assert_eq!(sign(&m, &g, "trust", "loyalty"), vec![Sign::Unknown]);
    }

    #[test]
    fn a_switch_between_fixed_values_has_the_sign_of_its_condition() {
        let text = "model \"m\" { horizon 5 steps }\nparam risk = 1.5\nfactor staff = 0.5\nfactor x = 0.5\n\
            factor short := if staff < 0.5 then 1 else 0\n\
            factor mixed := if staff < 0.5 then x else 0\n\
            factor overlap := if staff < 0.5 then x else 0.5\n\
            event breach hazard = 0.01 * (if short > 0 then risk else 1)";
        let (m, g) = graph(text);
        assert_eq!(sign(&m, &g, "staff", "short"), vec![Sign::Negative]);
        assert_eq!(sign(&m, &g, "short", "breach"), vec![Sign::Positive]);
        // `then` reads another node, but never goes below `else`.
        assert_eq!(sign(&m, &g, "staff", "mixed"), vec![Sign::Negative]);
        assert_eq!(sign(&m, &g, "staff", "overlap"), vec![Sign::Unknown]);
    }
}
