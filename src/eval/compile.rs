//! From a checked model and one scenario's values to a [`Program`]: dense
//! indices, compiled expressions, derived nodes in dependency order, and for
//! every node the rules and computations that read it, so the per-step loop does
//! no hashing, no string work and no allocation.

use petgraph::graph::DiGraph;

use super::code::{Code, Op};
use crate::check::model::{
    EffectOp, Expr, ExprKind, Model, NodeKind, RuleEffects, RuleId, ScenarioId,
};
use crate::check::values::{Rate, Resolved, StartValue};
use crate::rng;
use crate::span::Span;
use crate::syntax::ast::RuleKind;

/// A probability: constant, or read from the state at each draw (kept within
/// [0, 1]).
#[derive(Clone, Debug, PartialEq)]
pub enum PRate {
    /// Constant.
    Const(f64),
    /// Computed.
    Code(Code),
}

impl PRate {
    /// Whether drawing it can go either way.
    #[must_use]
    pub fn is_random(&self) -> bool {
        match self {
            PRate::Const(p) => *p > 0.0 && *p < 1.0,
            PRate::Code(_) => true,
        }
    }
}

/// A hold on one node.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PHold {
    /// First step held.
    pub from: u32,
    /// Last step held (inclusive).
    pub to: u32,
    /// The held value (events: 1 or 0).
    pub value: f64,
}

/// A node as the evaluator sees it.
#[derive(Clone, Debug)]
pub struct PNode {
    /// Event or factor.
    pub kind: NodeKind,
    /// A factor's range.
    pub range: (f64, f64),
    /// A factor's starting value.
    pub start: StartValue,
    /// An event's prior.
    pub prior: f64,
    /// An event's hazard.
    pub hazard: Option<PRate>,
    /// The definition of a derived node.
    pub derived: Option<Code>,
    /// A derived event's definition's atoms, for explanations.
    pub atoms: Vec<Atom>,
    /// The scenario's hold, if any.
    pub hold: Option<PHold>,
    /// The draw stream of the node (a hash of its name).
    pub stream: u64,
}

impl PNode {
    /// Whether the node is held at `step`.
    #[must_use]
    pub fn held_at(&self, step: u32) -> Option<f64> {
        self.hold
            .filter(|h| h.from <= step && step <= h.to)
            .map(|h| h.value)
    }
}

/// A `c for N` counter.
#[derive(Clone, Debug)]
pub struct PSlot {
    /// The condition.
    pub cond: Code,
    /// How many consecutive steps it must hold.
    pub n: u32,
}

/// Something computed within each step, in dependency order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compute {
    /// A derived node.
    Node(u32),
    /// A `for N` counter.
    Slot(u32),
}

/// What an effect does, compiled.
#[derive(Clone, Debug)]
pub enum PEffectOp {
    /// The event happens.
    Happen,
    /// `+= amount` (`-=` is compiled as `+= -amount`).
    Add(Code),
    /// `= amount`.
    Set(Code),
}

/// One effect.
#[derive(Clone, Debug)]
pub struct PEffect {
    /// The node.
    pub node: u32,
    /// What happens to it.
    pub op: PEffectOp,
}

/// A `one of` branch.
#[derive(Clone, Debug)]
pub struct PBranch {
    /// Its probability.
    pub p: f64,
    /// Its delay range.
    pub delay: (u32, u32),
    /// Its effects.
    pub effects: Vec<PEffect>,
}

/// A rule, compiled.
#[derive(Clone, Debug)]
pub struct PRule {
    /// The rule in the model.
    pub id: RuleId,
    /// `when` (fires once) or `while`.
    pub when: bool,
    /// The condition.
    pub cond: Code,
    /// The likelihood.
    pub likelihood: PRate,
    /// The delay range.
    pub delay: (u32, u32),
    /// The effects (empty for `one of`).
    pub effects: Vec<PEffect>,
    /// `one of` branches (empty otherwise).
    pub branches: Vec<PBranch>,
    /// Whether the rule is `one of`.
    pub one_of: bool,
    /// The draw stream of the rule (a hash of its name).
    pub stream: u64,
    /// The condition's atoms (events, comparisons, …), for explanations.
    pub atoms: Vec<Atom>,
}

/// One leaf of a rule's condition, for explanations.
#[derive(Clone, Debug)]
pub struct Atom {
    /// The atom as a condition.
    pub code: Code,
    /// The atom as written.
    pub text: String,
    /// The node it is about, when it reads exactly one.
    pub node: Option<u32>,
    /// Every node it reads.
    pub reads: Vec<u32>,
    /// Whether it is just a node (`x`, or `x for N`): true when the event has happened.
    pub reference: bool,
    /// For a comparison of a node with a constant: which way the node must move
    /// to make it true (+1 up, -1 down).
    pub direction: i8,
}

/// Who reads a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reader {
    /// A rule (its condition, likelihood or an effect's amount).
    Rule(u32),
    /// An entry of [`Program::order`].
    Compute(u32),
    /// An event's hazard.
    Hazard(u32),
}

/// A forced event or value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PForced {
    /// The step.
    pub step: u32,
    /// The node.
    pub node: u32,
    /// The factor value; `None` forces the event.
    pub value: Option<f64>,
}

/// One scenario of a model, ready to run.
#[derive(Clone, Debug)]
pub struct Program<'m> {
    /// The model.
    pub model: &'m Model,
    /// The scenario.
    pub scenario: ScenarioId,
    /// The last step.
    pub horizon: u32,
    /// `stop when steady EPS`.
    pub steady: Option<f64>,
    /// Nodes, by index.
    pub nodes: Vec<PNode>,
    /// `for N` counters.
    pub slots: Vec<PSlot>,
    /// Derived nodes and counters, in dependency order.
    pub order: Vec<Compute>,
    /// The active rules.
    pub rules: Vec<PRule>,
    /// Forced events and values, by step.
    pub forced: Vec<PForced>,
    /// Per node, who reads it.
    pub readers: Vec<Vec<Reader>>,
    /// Per counter, who reads it.
    pub slot_readers: Vec<Vec<Reader>>,
    /// Who reads the current step (they are evaluated at every step).
    pub step_readers: Vec<Reader>,
    /// Whether any draw can go either way; if not, one run is the exact answer.
    pub random: bool,
    /// Extra conditions to count (expectation probes).
    pub probes: Vec<Code>,
    /// Which nodes, counters and rules are the same in every run.
    pub split: Split,
}

/// The part of a program that no random draw reaches: its trajectory is the
/// same in every run, so Monte Carlo computes it once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Split {
    /// Per node: its values are the same in every run.
    pub node: Vec<bool>,
    /// Per counter.
    pub slot: Vec<bool>,
    /// Per rule: it never draws and reads only static things.
    pub rule: Vec<bool>,
}

/// Compiles expressions, allocating `for N` counters as it meets them.
struct Compiler<'r> {
    resolved: &'r Resolved<'r>,
    slots: Vec<PSlot>,
}

impl Compiler<'_> {
    fn code(&mut self, e: &Expr) -> Code {
        let mut ops = Vec::new();
        self.emit(e, &mut ops);
        Code::new(ops)
    }

    fn emit(&mut self, e: &Expr, ops: &mut Vec<Op>) {
        match &e.kind {
            ExprKind::Num(v) => ops.push(Op::Const(*v)),
            ExprKind::Bool(b) => ops.push(Op::Const(if *b { 1.0 } else { 0.0 })),
            ExprKind::Dt | ExprKind::Param(_) => ops.push(Op::Const(self.resolved.constant(e))),
            ExprKind::Step => ops.push(Op::Step),
            ExprKind::Node(n) => ops.push(Op::Load(n.0)),
            ExprKind::Neg(a) => {
                self.emit(a, ops);
                ops.push(Op::Neg);
            }
            ExprKind::Not(a) => {
                self.emit(a, ops);
                ops.push(Op::Not);
            }
            ExprKind::Arith(op, a, b) => {
                self.emit(a, ops);
                self.emit(b, ops);
                ops.push(Op::Arith(*op));
            }
            ExprKind::Cmp(op, a, b) => {
                self.emit(a, ops);
                self.emit(b, ops);
                ops.push(Op::Cmp(*op));
            }
            ExprKind::And(a, b) => {
                self.emit(a, ops);
                self.emit(b, ops);
                ops.push(Op::And);
            }
            ExprKind::Or(a, b) => {
                self.emit(a, ops);
                self.emit(b, ops);
                ops.push(Op::Or);
            }
            ExprKind::Func(f, args) => {
                for a in args {
                    self.emit(a, ops);
                }
                ops.push(Op::Func(*f, u8::try_from(args.len()).unwrap_or(u8::MAX)));
            }
            ExprKind::If(parts) => {
                for p in parts.iter() {
                    self.emit(p, ops);
                }
                ops.push(Op::Select);
            }
            ExprKind::AtLeast(b) => {
                let (k, items) = &**b;
                for i in items {
                    self.emit(i, ops);
                }
                let k = self.resolved.constant(k).max(0.0) as u32;
                ops.push(Op::AtLeast(
                    k,
                    u32::try_from(items.len()).unwrap_or(u32::MAX),
                ));
            }
            ExprKind::Sustained(c, steps) => {
                let cond = self.code(c);
                let n = self.resolved.steps(steps).max(1);
                let slot = u32::try_from(self.slots.len()).unwrap_or(u32::MAX);
                self.slots.push(PSlot { cond, n });
                ops.push(Op::Slot(slot));
            }
        }
    }

    fn rate(&mut self, r: &Rate<'_>) -> PRate {
        match r {
            Rate::Const(p) => PRate::Const(*p),
            Rate::Expr(e) => PRate::Code(self.code(e)),
        }
    }

    /// A condition's leaves, compiled for explanations.
    fn atoms(&mut self, cond: &Expr, texts: &dyn Fn(Span) -> String) -> Vec<Atom> {
        let mut leaves = Vec::new();
        atoms(cond, &mut leaves);
        leaves
            .iter()
            .map(|a| {
                let reads = a.nodes(); // `(x < c) for N` is about `x` as much as `x < c` is.
                let inner = match &a.kind {
                    ExprKind::Sustained(c, _) => c.as_ref(),
                    _ => a,
                };
                let direction = match &inner.kind {
                    ExprKind::Cmp(op, x, y) => cmp_direction(*op, x, y),
                    _ => 0,
                };
                Atom {
                    code: self.code(a),
                    text: texts(a.span),
                    node: (reads.len() == 1).then(|| reads[0].0),
                    reads: reads.iter().map(|n| n.0).collect(),
                    reference: matches!(inner.kind, ExprKind::Node(_)),
                    direction,
                }
            })
            .collect()
    }
}

/// The leaves of a condition: what an explanation reports as true or false.
fn atoms(e: &Expr, out: &mut Vec<Expr>) {
    match &e.kind {
        ExprKind::And(a, b) | ExprKind::Or(a, b) => {
            atoms(a, out);
            atoms(b, out);
        }
        ExprKind::Not(a) if matches!(a.kind, ExprKind::And(..) | ExprKind::Or(..)) => atoms(a, out),
        ExprKind::Bool(_) => {}
        _ => out.push(e.clone()),
    }
}

impl<'m> Program<'m> {
    /// Compiles `resolved` (one scenario's values of `model`), with `probes`:
    /// extra conditions whose truth the evaluation counts at every step.
    #[must_use]
    pub fn new(
        model: &'m Model,
        resolved: &Resolved<'_>,
        probes: &[&Expr],
        texts: &dyn Fn(Span) -> String,
    ) -> Program<'m> {
        let mut c = Compiler {
            resolved,
            slots: Vec::new(),
        };
        let mut nodes = Vec::with_capacity(model.nodes.len());
        for (i, n) in model.nodes.iter().enumerate() {
            let v = &resolved.nodes[i];
            nodes.push(PNode {
                kind: n.kind,
                range: v.range,
                start: v.start,
                prior: v.prior,
                hazard: v.hazard.as_ref().map(|h| c.rate(h)),
                derived: n.derived.as_ref().map(|d| c.code(d)),
                atoms: match &n.derived {
                    Some(d) if n.kind == NodeKind::Event => c.atoms(d, texts),
                    _ => Vec::new(),
                },
                hold: None,
                stream: rng::stream(&n.name),
            });
        }
        for h in &resolved.holds {
            nodes[h.node.index()].hold = Some(PHold {
                from: h.from,
                to: h.to,
                value: h.value,
            });
        }
        let mut rules = Vec::new();
        for (i, r) in model.rules.iter().enumerate() {
            let v = &resolved.rules[i];
            if !v.active {
                continue;
            }
            let effect = |c: &mut Compiler<'_>, e: &crate::check::model::Effect| PEffect {
                node: e.target.0,
                op: match &e.op {
                    EffectOp::Happen => PEffectOp::Happen,
                    EffectOp::Add(a) => PEffectOp::Add(c.code(a)),
                    EffectOp::Sub(a) => {
                        let neg = Expr {
                            kind: ExprKind::Neg(Box::new(a.clone())),
                            span: a.span,
                        };
                        PEffectOp::Add(c.code(&neg))
                    }
                    EffectOp::Set(a) => PEffectOp::Set(c.code(a)),
                },
            };
            let (effects, branches, one_of) = match &r.effects {
                RuleEffects::All(list) => (
                    list.iter().map(|e| effect(&mut c, e)).collect(),
                    Vec::new(),
                    false,
                ),
                RuleEffects::OneOf(bs) => {
                    let branches = bs
                        .iter()
                        .zip(&v.branches)
                        .map(|(b, &(p, delay))| PBranch {
                            p,
                            delay,
                            effects: b.effects.iter().map(|e| effect(&mut c, e)).collect(),
                        })
                        .collect();
                    (Vec::new(), branches, true)
                }
            };
            let atoms = c.atoms(&r.condition, texts);
            rules.push(PRule {
                id: RuleId::from_index(i),
                when: r.kind == RuleKind::When,
                cond: c.code(&r.condition),
                likelihood: c.rate(&v.likelihood),
                delay: v.delay,
                effects,
                branches,
                one_of,
                stream: rng::stream(&r.name),
                atoms,
            });
        }
        // Rules run in the order of their draw streams (hashes of their names),
        // not the order they are written in: adds landing on one factor at one
        // step are then summed in an order that no edit elsewhere changes.
        rules.sort_by_key(|r| (r.stream, r.id));
        let probes = probes.iter().map(|e| c.code(e)).collect();
        let slots = c.slots;
        let order = dependency_order(&nodes, &slots);
        let forced = resolved
            .forced
            .iter()
            .map(|f| PForced {
                step: f.step,
                node: f.node.0,
                value: f.value,
            })
            .collect();
        let mut p = Program {
            model,
            scenario: resolved.scenario,
            horizon: resolved.horizon,
            steady: model.steady_eps,
            nodes,
            slots,
            order,
            rules,
            forced,
            readers: Vec::new(),
            slot_readers: Vec::new(),
            step_readers: Vec::new(),
            random: false,
            probes,
            split: Split::default(),
        };
        p.index_readers();
        p.random = p.has_randomness();
        p.split = p.static_part();
        p
    }

    fn index_readers(&mut self) {
        let mut readers = vec![Vec::new(); self.nodes.len()];
        let mut slot_readers = vec![Vec::new(); self.slots.len()];
        let mut step_readers = Vec::new();
        let mut add = |code: &Code, who: Reader| {
            let r = code.reads();
            for n in r.nodes {
                let list: &mut Vec<Reader> = &mut readers[n as usize];
                // One reader's reads are added together: a repeat can only
                // be the last entry.
                if list.last() != Some(&who) {
                    list.push(who);
                }
            }
            for s in r.slots {
                let list: &mut Vec<Reader> = &mut slot_readers[s as usize];
                if list.last() != Some(&who) {
                    list.push(who);
                }
            }
            if r.step && step_readers.last() != Some(&who) {
                step_readers.push(who);
            }
        };
        for (i, rule) in self.rules.iter().enumerate() {
            let who = Reader::Rule(u32::try_from(i).unwrap_or(u32::MAX));
            add(&rule.cond, who);
            if let PRate::Code(c) = &rule.likelihood {
                add(c, who);
            }
            for e in rule
                .effects
                .iter()
                .chain(rule.branches.iter().flat_map(|b| b.effects.iter()))
            {
                if let PEffectOp::Add(c) | PEffectOp::Set(c) = &e.op {
                    add(c, who);
                }
            }
        }
        for (k, entry) in self.order.iter().enumerate() {
            let who = Reader::Compute(u32::try_from(k).unwrap_or(u32::MAX));
            match *entry {
                Compute::Node(n) => {
                    if let Some(d) = &self.nodes[n as usize].derived {
                        add(d, who);
                    }
                }
                Compute::Slot(s) => add(&self.slots[s as usize].cond, who),
            }
        }
        for (n, node) in self.nodes.iter().enumerate() {
            if let Some(PRate::Code(c)) = &node.hazard {
                add(c, Reader::Hazard(u32::try_from(n).unwrap_or(u32::MAX)));
            }
        }
        self.readers = readers;
        self.slot_readers = slot_readers;
        self.step_readers = step_readers;
    }

    /// Finds what no random draw reaches: start from everything static, mark
    /// whatever draws as dynamic, and spread dynamism along reads and writes.
    /// A worklist visits each node, counter and rule once, so a long chain
    /// costs its length, not its length squared.
    fn static_part(&self) -> Split {
        #[derive(Clone, Copy)]
        enum Item {
            Node(u32),
            Slot(u32),
            Rule(u32),
        }
        let n = self.nodes.len();
        let mut split = Split {
            node: vec![true; n],
            slot: vec![true; self.slots.len()],
            rule: vec![true; self.rules.len()],
        };
        let mut queue: Vec<Item> = Vec::new();
        fn mark(split: &mut Split, queue: &mut Vec<Item>, item: Item) {
            let flag = match item {
                Item::Node(i) => &mut split.node[i as usize],
                Item::Slot(s) => &mut split.slot[s as usize],
                Item::Rule(k) => &mut split.rule[k as usize],
            };
            if std::mem::replace(flag, false) {
                queue.push(item);
            }
        }
        let index = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
        let effects = |r: &PRule| -> Vec<u32> {
            r.effects
                .iter()
                .chain(r.branches.iter().flat_map(|b| b.effects.iter()))
                .map(|e| e.node)
                .collect()
        };
        // Who changes each node: a rule that changes a dynamic node must run in
        // every run.
        let mut writers: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (k, r) in self.rules.iter().enumerate() {
            for e in effects(r) {
                writers[e as usize].push(index(k));
            }
        }
        for (i, nd) in self.nodes.iter().enumerate() {
            let random_start =
                nd.kind == NodeKind::Factor && nd.derived.is_none() && start_is_random(&nd.start);
            let random_event = (nd.prior > 0.0 && nd.prior < 1.0)
                || matches!(nd.hazard, Some(PRate::Code(_)))
                || nd.hazard.as_ref().is_some_and(PRate::is_random);
            if random_start || random_event {
                mark(&mut split, &mut queue, Item::Node(index(i)));
            }
        }
        for (k, r) in self.rules.iter().enumerate() {
            if r.likelihood.is_random()
                || r.delay.0 != r.delay.1
                || r.branches
                    .iter()
                    .any(|b| (b.p > 0.0 && b.p < 1.0) || b.delay.0 != b.delay.1)
            {
                mark(&mut split, &mut queue, Item::Rule(index(k)));
            }
        }
        let reader = |who: Reader| match who {
            Reader::Rule(k) => Item::Rule(k),
            Reader::Hazard(i) => Item::Node(i),
            Reader::Compute(c) => match self.order[c as usize] {
                Compute::Node(i) => Item::Node(i),
                Compute::Slot(s) => Item::Slot(s),
            },
        };
        while let Some(item) = queue.pop() {
            let next: Vec<Item> = match item {
                Item::Node(i) => self.readers[i as usize]
                    .iter()
                    .map(|&who| reader(who))
                    .chain(writers[i as usize].iter().map(|&k| Item::Rule(k)))
                    .collect(),
                Item::Slot(s) => self.slot_readers[s as usize]
                    .iter()
                    .map(|&who| reader(who))
                    .collect(),
                Item::Rule(k) => effects(&self.rules[k as usize])
                    .into_iter()
                    .map(Item::Node)
                    .collect(),
            };
            for item in next {
                mark(&mut split, &mut queue, item);
            }
        }
        split
    }

    fn has_randomness(&self) -> bool {
        let start_random = start_is_random;
        self.nodes.iter().any(|n| {
            (n.prior > 0.0 && n.prior < 1.0)
                || n.hazard.as_ref().is_some_and(PRate::is_random)
                || (n.kind == NodeKind::Factor && n.derived.is_none() && start_random(&n.start))
        }) || self.rules.iter().any(|r| {
            r.likelihood.is_random()
                || r.delay.0 != r.delay.1
                || r.branches
                    .iter()
                    .any(|b| (b.p > 0.0 && b.p < 1.0) || b.delay.0 != b.delay.1)
        })
    }
}

fn start_is_random(s: &StartValue) -> bool {
    match *s {
        StartValue::Const(_) => false,
        StartValue::Uniform(a, b) => a != b,
        StartValue::Triangular(a, _, b) => a != b,
        StartValue::Normal(_, sd) => sd > 0.0,
        StartValue::Bernoulli(p) => p > 0.0 && p < 1.0,
    }
}

/// For `node OP constant` (either side): +1 when the node must rise for the
/// comparison to hold, -1 when it must fall.
fn cmp_direction(op: crate::syntax::ast::CmpOp, x: &Expr, y: &Expr) -> i8 {
    use crate::syntax::ast::CmpOp as C;
    let up = match op {
        C::Gt | C::Ge => 1,
        C::Lt | C::Le => -1,
        _ => return 0,
    };
    match (&x.kind, y.is_constant()) {
        (ExprKind::Node(_), true) => up,
        _ if matches!(y.kind, ExprKind::Node(_)) && x.is_constant() => -up,
        _ => 0,
    }
}

/// Derived nodes and counters in an order where each comes after what it reads.
fn dependency_order(nodes: &[PNode], slots: &[PSlot]) -> Vec<Compute> {
    let mut graph: DiGraph<Compute, ()> = DiGraph::new();
    let mut node_ix = vec![None; nodes.len()];
    for (i, n) in nodes.iter().enumerate() {
        if n.derived.is_some() {
            node_ix[i] = Some(graph.add_node(Compute::Node(u32::try_from(i).unwrap_or(u32::MAX))));
        }
    }
    let slot_ix: Vec<_> = (0..slots.len())
        .map(|s| graph.add_node(Compute::Slot(u32::try_from(s).unwrap_or(u32::MAX))))
        .collect();
    let mut link = |code: &Code, to| {
        let r = code.reads();
        for n in r.nodes {
            if let Some(from) = node_ix[n as usize] {
                graph.add_edge(from, to, ());
            }
        }
        for s in r.slots {
            graph.add_edge(slot_ix[s as usize], to, ());
        }
    };
    for (i, n) in nodes.iter().enumerate() {
        if let (Some(d), Some(to)) = (&n.derived, node_ix[i]) {
            link(d, to);
        }
    }
    for (s, slot) in slots.iter().enumerate() {
        link(&slot.cond, slot_ix[s]);
    }
    // The checker refused cycles among derived nodes; were one to slip through,
    // falling back to declaration order keeps evaluation defined.
    match petgraph::algo::toposort(&graph, None) {
        Ok(order) => order.into_iter().map(|i| graph[i]).collect(),
        Err(_) => graph.node_indices().map(|i| graph[i]).collect(),
    }
}
