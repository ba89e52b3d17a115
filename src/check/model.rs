//! The checked model: names resolved to dense ids, every expression typed.
//!
//! Values that parameters can change (ranges, starting values, priors, delays,
//! steps) stay expressions here; [`crate::check::values`] computes them for one
//! scenario and one set of overrides, and runs the value checks each time.

use crate::span::Span;
use crate::syntax::ast::{CmpOp, Direction, RuleKind, TimeUnit};

use super::scale::Scale;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);

        impl $name {
            /// The id as an index.
            #[must_use]
            pub fn index(self) -> usize {
                self.0 as usize
            }

            /// The id of an index.
            #[must_use]
            pub fn from_index(i: usize) -> Self {
                Self(u32::try_from(i).unwrap_or(u32::MAX))
            }
        }
    };
}

id_type!(
    /// An event or factor.
    NodeId
);
id_type!(
    /// A parameter.
    ParamId
);
id_type!(
    /// A rule (of the base model or of a scenario).
    RuleId
);
id_type!(
    /// A scenario; `ScenarioId(0)` is the implicit `baseline`.
    ScenarioId
);
id_type!(
    /// An actor.
    ActorId
);

/// The implicit scenario with no intervention.
pub const BASELINE: ScenarioId = ScenarioId(0);

/// A model that passed the checker.
#[derive(Clone, Debug)]
pub struct Model {
    /// The model's title.
    pub title: String,
    /// The size and unit of one step.
    pub step: StepSize,
    /// The default horizon.
    pub horizon: Steps,
    /// `stop when steady EPS`.
    pub steady_eps: Option<f64>,
    /// The likelihood scale.
    pub scale: Scale,
    /// Actors, by [`ActorId`].
    pub actors: Vec<Actor>,
    /// Parameters, by [`ParamId`].
    pub params: Vec<Param>,
    /// Events and factors, by [`NodeId`].
    pub nodes: Vec<Node>,
    /// Rules, by [`RuleId`]: the base model's first, then the scenarios'.
    pub rules: Vec<Rule>,
    /// Scenarios, by [`ScenarioId`]; index 0 is `baseline`.
    pub scenarios: Vec<Scenario>,
    /// Every expectation, in source order.
    pub expectations: Vec<Expectation>,
}

/// A name a caller gave that the model does not have, or not as the kind
/// asked for.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// No scenario has the name.
    #[error("no scenario `{name}` (the scenarios are {})", known.join(", "))]
    Scenario {
        /// The name given.
        name: String,
        /// Every scenario, `baseline` first.
        known: Vec<String>,
    },
    /// No event has the name.
    #[error("no event `{name}` (the events are {})", known.join(", "))]
    Event {
        /// The name given.
        name: String,
        /// Every event.
        known: Vec<String>,
    },
    /// A factor where an event to explain was asked for.
    #[error("`{name}` is a factor; explanations are about events (factors appear in their chains)")]
    FactorToExplain {
        /// The name given.
        name: String,
    },
}

impl Model {
    /// The node with this id.
    #[must_use]
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    /// The rule with this id.
    #[must_use]
    pub fn rule(&self, id: RuleId) -> &Rule {
        &self.rules[id.index()]
    }

    /// The scenario with this id.
    #[must_use]
    pub fn scenario(&self, id: ScenarioId) -> &Scenario {
        &self.scenarios[id.index()]
    }

    /// A node by qualified name.
    #[must_use]
    pub fn node_named(&self, name: &str) -> Option<NodeId> {
        self.nodes
            .iter()
            .position(|n| n.name == name)
            .map(NodeId::from_index)
    }

    /// A scenario by name (`baseline` included).
    #[must_use]
    pub fn scenario_named(&self, name: &str) -> Option<ScenarioId> {
        self.scenarios
            .iter()
            .position(|s| s.name == name)
            .map(ScenarioId::from_index)
    }

    /// What scenario `id` changes itself (not what it inherits), each
    /// statement on one line as written in `sources`: its interventions, its
    /// own rules, the rules it disables, its horizon.
    #[must_use]
    pub fn changes_as_written(
        &self,
        id: ScenarioId,
        sources: &crate::span::SourceMap,
    ) -> Vec<String> {
        let s = self.scenario(id);
        let one_line = |span| {
            sources
                .text(span)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut lines: Vec<String> = s.interventions.iter().map(|i| one_line(i.span)).collect();
        lines.extend(s.rules.iter().map(|&rule| one_line(self.rule(rule).span)));
        lines.extend(s.without.iter().map(|(_, span)| one_line(*span)));
        if let Some(h) = &s.horizon {
            lines.push(format!("horizon {}", one_line(h.span)));
        }
        lines
    }

    /// The scenario named `name`, for a caller that names one (the CLI's
    /// `--scenario`, the Python package's `scenario=`).
    ///
    /// # Errors
    /// [`NameError::Scenario`], naming every scenario.
    pub fn scenario_asked(&self, name: &str) -> Result<ScenarioId, NameError> {
        self.scenario_named(name)
            .ok_or_else(|| NameError::Scenario {
                name: name.to_string(),
                known: self.scenarios.iter().map(|s| s.name.clone()).collect(),
            })
    }

    /// The event named `name`, to explain.
    ///
    /// # Errors
    /// [`NameError::Event`] naming every event, or [`NameError::FactorToExplain`].
    pub fn event_to_explain(&self, name: &str) -> Result<NodeId, NameError> {
        match self.node_named(name) {
            Some(n) if self.node(n).kind == NodeKind::Event => Ok(n),
            Some(_) => Err(NameError::FactorToExplain {
                name: name.to_string(),
            }),
            None => Err(NameError::Event {
                name: name.to_string(),
                known: self
                    .nodes
                    .iter()
                    .filter(|n| n.kind == NodeKind::Event)
                    .map(|n| n.name.clone())
                    .collect(),
            }),
        }
    }

    /// A rule by name.
    #[must_use]
    pub fn rule_named(&self, name: &str) -> Option<RuleId> {
        self.rules
            .iter()
            .position(|r| r.name == name)
            .map(RuleId::from_index)
    }

    /// A parameter by name.
    #[must_use]
    pub fn param_named(&self, name: &str) -> Option<ParamId> {
        self.params
            .iter()
            .position(|p| p.name == name)
            .map(ParamId::from_index)
    }

    /// The scenario and its ancestors, root first, itself last.
    #[must_use]
    pub fn lineage(&self, id: ScenarioId) -> Vec<ScenarioId> {
        let mut chain = vec![id];
        let mut at = id;
        // The checker refused cyclic `extends`; the bound is a second guard.
        while let Some(parent) = self.scenario(at).extends {
            if chain.len() > self.scenarios.len() {
                break;
            }
            chain.push(parent);
            at = parent;
        }
        chain.reverse();
        chain
    }
}

/// The size of one step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepSize {
    /// How many units one step lasts (`dt` in expressions).
    pub size: f64,
    /// The unit; [`TimeUnit::Step`] when the model names none.
    pub unit: TimeUnit,
}

/// An actor.
#[derive(Clone, Debug)]
pub struct Actor {
    /// Its name.
    pub name: String,
    /// An optional description.
    pub description: Option<String>,
    /// Where it is declared.
    pub span: Span,
}

/// A parameter.
#[derive(Clone, Debug)]
pub struct Param {
    /// Its name.
    pub name: String,
    /// Its value as declared (a constant expression).
    pub value: Expr,
    /// The range overrides must respect, and its plausible span in a study
    /// (`whatif sensitivity`); a parameter without one is fixed there.
    pub range: Option<(Expr, Expr)>,
    /// How plausibility is spread over the range.
    pub spread: crate::syntax::ast::Spread,
    /// An optional description.
    pub description: Option<String>,
    /// Its citations.
    pub sources: Vec<String>,
    /// Where its name is declared.
    pub span: Span,
}

/// Event or factor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// Happens or not; once it happens it stays happened.
    Event,
    /// A number within a range.
    Factor,
}

/// An event or factor.
#[derive(Clone, Debug)]
pub struct Node {
    /// Its qualified name (`users.trust`, or `trust` outside any actor).
    pub name: String,
    /// Its actor.
    pub actor: Option<ActorId>,
    /// Event or factor.
    pub kind: NodeKind,
    /// `:= EXPR`: computed within each step.
    pub derived: Option<Expr>,
    /// A factor's starting value (none for a derived factor).
    pub start: Option<Start>,
    /// A factor's range (`[0, 1]` by default).
    pub range: (Expr, Expr),
    /// An event's prior: it has happened at step 0 with this probability.
    pub prior: Option<Expr>,
    /// An event's hazard: its probability per step.
    pub hazard: Option<Expr>,
    /// An optional description.
    pub description: Option<String>,
    /// Its citations.
    pub sources: Vec<String>,
    /// Where its name is declared.
    pub span: Span,
}

/// A factor's starting value: a number or a distribution drawn once per run.
#[derive(Clone, Debug)]
pub enum Start {
    /// A constant.
    Value(Expr),
    /// `uniform(a, b)`
    Uniform(Expr, Expr),
    /// `triangular(a, mode, b)`
    Triangular(Expr, Expr, Expr),
    /// `normal(mean, sd)`
    Normal(Expr, Expr),
    /// `bernoulli(p)`: 1 with probability p, else 0.
    Bernoulli(Expr),
}

impl Start {
    /// The expressions the value is made of.
    #[must_use]
    pub fn exprs(&self) -> Vec<&Expr> {
        match self {
            Start::Value(a) | Start::Bernoulli(a) => vec![a],
            Start::Uniform(a, b) | Start::Normal(a, b) => vec![a, b],
            Start::Triangular(a, b, c) => vec![a, b, c],
        }
    }

    /// Whether the value is drawn at random.
    #[must_use]
    pub fn is_random(&self) -> bool {
        !matches!(self, Start::Value(_))
    }
}

/// A rule.
#[derive(Clone, Debug)]
pub struct Rule {
    /// Its name.
    pub name: String,
    /// An optional description.
    pub description: Option<String>,
    /// `when` or `while`.
    pub kind: RuleKind,
    /// The condition (a boolean expression).
    pub condition: Expr,
    /// What follows.
    pub effects: RuleEffects,
    /// Its likelihood; certain when absent.
    pub likelihood: Option<Likelihood>,
    /// Its delay; one step when absent.
    pub delay: Option<Box<Delay>>,
    /// Its citations.
    pub sources: Vec<String>,
    /// The scenario that declares it, for a scenario's own rule.
    pub scenario: Option<ScenarioId>,
    /// Where its name is declared.
    pub name_span: Span,
    /// The whole rule.
    pub span: Span,
}

/// A rule's effects.
#[derive(Clone, Debug)]
pub enum RuleEffects {
    /// Effects that all happen.
    All(Vec<Effect>),
    /// `one of`: at most one branch happens.
    OneOf(Vec<Branch>),
}

impl RuleEffects {
    /// Every effect, across branches.
    pub fn iter(&self) -> impl Iterator<Item = &Effect> {
        let (all, branches): (&[Effect], &[Branch]) = match self {
            RuleEffects::All(e) => (e, &[]),
            RuleEffects::OneOf(b) => (&[], b),
        };
        all.iter()
            .chain(branches.iter().flat_map(|b| b.effects.iter()))
    }
}

/// One effect on one node.
#[derive(Clone, Debug)]
pub struct Effect {
    /// The event or factor.
    pub target: NodeId,
    /// What happens to it.
    pub op: EffectOp,
    /// Where it is written.
    pub span: Span,
}

/// What an effect does.
#[derive(Clone, Debug)]
pub enum EffectOp {
    /// The event happens.
    Happen,
    /// `+= EXPR`
    Add(Expr),
    /// `-= EXPR`
    Sub(Expr),
    /// `= EXPR`
    Set(Expr),
}

impl EffectOp {
    /// The amount, for a factor effect.
    #[must_use]
    pub fn amount(&self) -> Option<&Expr> {
        match self {
            EffectOp::Happen => None,
            EffectOp::Add(e) | EffectOp::Sub(e) | EffectOp::Set(e) => Some(e),
        }
    }
}

/// A branch of `one of`.
#[derive(Clone, Debug)]
pub struct Branch {
    /// Its effects.
    pub effects: Vec<Effect>,
    /// Its probability.
    pub likelihood: Likelihood,
    /// Its own delay (the rule's when absent).
    pub delay: Option<Delay>,
    /// An optional description.
    pub description: Option<String>,
    /// Where it is written.
    pub span: Span,
}

/// A probability: an expression, or a word of the scale.
#[derive(Clone, Debug)]
pub enum Likelihood {
    /// `p = EXPR`
    P(Expr),
    /// A calibrated word and the value the scale gives it.
    Word {
        /// The word.
        word: String,
        /// Its point value.
        value: f64,
        /// Where it is written.
        span: Span,
    },
}

impl Likelihood {
    /// Where it is written.
    #[must_use]
    pub fn span(&self) -> Span {
        match self {
            Likelihood::P(e) => e.span,
            Likelihood::Word { span, .. } => *span,
        }
    }
}

/// `after LO` or `after LO..HI`.
#[derive(Clone, Debug)]
pub struct Delay {
    /// The delay, or the lower end of its range.
    pub lo: Steps,
    /// The upper end of the range.
    pub hi: Option<Steps>,
    /// The whole clause.
    pub span: Span,
}

/// A number of steps: an expression times the steps per unit it was written in.
#[derive(Clone, Debug)]
pub struct Steps {
    /// The amount as written (a constant expression).
    pub value: Expr,
    /// How many steps one unit of `value` is.
    pub per_unit: f64,
    /// The unit's name, for messages (`None` for plain steps).
    pub unit: Option<TimeUnit>,
    /// The whole duration.
    pub span: Span,
}

/// A scenario: a named set of interventions over the base model.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Its name.
    pub name: String,
    /// An optional title.
    pub title: Option<String>,
    /// The scenario it extends.
    pub extends: Option<ScenarioId>,
    /// Its own horizon.
    pub horizon: Option<Steps>,
    /// Its own interventions, in source order (inherited ones are not repeated).
    pub interventions: Vec<Intervention>,
    /// Rules it declares.
    pub rules: Vec<RuleId>,
    /// Rules it disables.
    pub without: Vec<(RuleId, Span)>,
    /// Where its name is declared.
    pub span: Span,
}

/// One intervention.
#[derive(Clone, Debug)]
pub struct Intervention {
    /// What it does.
    pub kind: InterventionKind,
    /// Where it is written.
    pub span: Span,
}

/// The interventions a scenario can make.
#[derive(Clone, Debug)]
pub enum InterventionKind {
    /// `hold node = VALUE [from S to E]`
    Hold {
        /// The held node.
        node: NodeId,
        /// A number for a factor, `true`/`false` for an event.
        value: Expr,
        /// The inclusive window; the whole run when absent.
        window: Option<(Steps, Steps)>,
    },
    /// `set param = VALUE`
    SetParam(ParamId, Expr),
    /// `set factor = VALUE`: a new starting value.
    SetStart(NodeId, Start),
    /// `set event.prior = P`
    SetPrior(NodeId, Expr),
    /// `set event.hazard = EXPR`
    SetHazard(NodeId, Expr),
    /// `set rule NAME p = P`
    SetRule(RuleId, Expr),
    /// `at STEP: event`
    AtEvent(Steps, NodeId),
    /// `at STEP: set factor = VALUE`
    AtSet(Steps, NodeId, Expr),
}

/// An expectation about one scenario.
#[derive(Clone, Debug)]
pub struct Expectation {
    /// The scenario.
    pub scenario: ScenarioId,
    /// What is expected.
    pub kind: ExpectKind,
    /// The expectation as written, for reports.
    pub text: String,
    /// Where it is written.
    pub span: Span,
}

/// The forms of an expectation.
#[derive(Clone, Debug)]
pub enum ExpectKind {
    /// The probability of a condition: `P(e by 26) > 0.5`, `P(x < 0.4 at 52) > 0.5`.
    Prob {
        /// The condition (an event, or any boolean expression).
        condition: Expr,
        /// At one step, or at some step up to it.
        mode: ProbMode,
        /// The step (the horizon when absent).
        step: Option<Steps>,
        /// The verdict.
        verdict: Verdict,
    },
    /// A statistic of a factor at a step: `mean(x) at 52 < 0.4`.
    Stat {
        /// Which statistic.
        stat: Stat,
        /// The factor.
        node: NodeId,
        /// The step (the horizon when absent).
        at: Option<Steps>,
        /// The verdict.
        verdict: Verdict,
    },
    /// `never e [by S]`: no run has it.
    Never {
        /// The event.
        node: NodeId,
        /// The step (the horizon when absent).
        by: Option<Steps>,
    },
    /// `e is WORD [by S]`: its probability lies in the word's interval.
    Is {
        /// The event.
        node: NodeId,
        /// The word.
        word: String,
        /// The word's interval.
        interval: (f64, f64),
        /// The step (the horizon when absent).
        by: Option<Steps>,
    },
}

/// How a probability expectation reads time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbMode {
    /// The condition holds at the step.
    At,
    /// The condition held at some step up to the step (for an event: it happened
    /// by then).
    By,
}

/// A statistic of a factor across runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Stat {
    /// The mean.
    Mean,
    /// A percentile (`p5`, `median` = 50, `p95`).
    Percentile(u8),
}

/// What a measured value is judged against.
#[derive(Clone, Debug)]
pub enum Verdict {
    /// A comparison with a constant.
    Compare(CmpOp, Expr),
    /// Lower or higher than in another scenario (paired).
    Than(Direction, ScenarioId),
}

/// A checked expression.
#[derive(Clone, Debug)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is written.
    pub span: Span,
}

/// The forms of a checked expression. Every expression is either a number or a
/// condition; the checker has verified which, so evaluation needs no type tags.
#[derive(Clone, Debug)]
pub enum ExprKind {
    /// A number.
    Num(f64),
    /// `true` / `false`.
    Bool(bool),
    /// The current step.
    Step,
    /// The size of one step.
    Dt,
    /// A parameter's value.
    Param(ParamId),
    /// A factor's value, or whether an event has happened.
    Node(NodeId),
    /// `-x`
    Neg(Box<Expr>),
    /// `not c`
    Not(Box<Expr>),
    /// `a + b`, `a - b`, `a * b`, `a / b`
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    /// `a < b`, …
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
    /// `a and b`
    And(Box<Expr>, Box<Expr>),
    /// `a or b`
    Or(Box<Expr>, Box<Expr>),
    /// `f(…)`
    Func(Func, Box<[Expr]>),
    /// `if c then a else b`
    If(Box<[Expr; 3]>),
    /// `at least K of (…)`
    AtLeast(Box<(Expr, Vec<Expr>)>),
    /// `c for N`
    Sustained(Box<Expr>, Box<Steps>),
}

/// An arithmetic operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

impl ArithOp {
    /// Applies the operator.
    #[must_use]
    pub fn apply(self, a: f64, b: f64) -> f64 {
        match self {
            ArithOp::Add => a + b,
            ArithOp::Sub => a - b,
            ArithOp::Mul => a * b,
            ArithOp::Div => a / b,
        }
    }
}

/// A built-in function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    /// `min(a, b, …)`
    Min,
    /// `max(a, b, …)`
    Max,
    /// `abs(x)`
    Abs,
    /// `exp(x)`
    Exp,
    /// `ln(x)`
    Ln,
    /// `sigmoid(x)` = 1 / (1 + exp(-x))
    Sigmoid,
    /// `tanh(x)`
    Tanh,
    /// `clamp(x, lo, hi)`
    Clamp,
    /// `sin(x)`, x in radians
    Sin,
    /// `cos(x)`, x in radians
    Cos,
    /// `sqrt(x)`
    Sqrt,
    /// `pow(x, y)` = x^y
    Pow,
    /// `floor(x)`
    Floor,
    /// `ceil(x)`
    Ceil,
    /// `round(x)`, halves away from zero
    Round,
    /// `log10(x)`
    Log10,
}

impl Func {
    /// Every function, with its name.
    pub const ALL: [(&'static str, Func); 16] = [
        ("min", Func::Min),
        ("max", Func::Max),
        ("abs", Func::Abs),
        ("exp", Func::Exp),
        ("ln", Func::Ln),
        ("sigmoid", Func::Sigmoid),
        ("tanh", Func::Tanh),
        ("clamp", Func::Clamp),
        ("sin", Func::Sin),
        ("cos", Func::Cos),
        ("sqrt", Func::Sqrt),
        ("pow", Func::Pow),
        ("floor", Func::Floor),
        ("ceil", Func::Ceil),
        ("round", Func::Round),
        ("log10", Func::Log10),
    ];

    /// The function's name.
    #[must_use]
    pub fn name(self) -> &'static str {
        Func::ALL
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("?", |(n, _)| n)
    }

    /// How many arguments it takes: exactly `lo` when `hi` is `Some(lo)`, at least
    /// `lo` when `hi` is `None`.
    #[must_use]
    pub fn arity(self) -> (usize, Option<usize>) {
        match self {
            Func::Min | Func::Max => (2, None),
            Func::Clamp => (3, Some(3)),
            Func::Pow => (2, Some(2)),
            _ => (1, Some(1)),
        }
    }
}

impl Expr {
    /// Calls `f` on this expression and every expression inside it, depth first.
    pub fn visit<'a>(&'a self, f: &mut impl FnMut(&'a Expr)) {
        f(self);
        match &self.kind {
            ExprKind::Num(_)
            | ExprKind::Bool(_)
            | ExprKind::Step
            | ExprKind::Dt
            | ExprKind::Param(_)
            | ExprKind::Node(_) => {}
            ExprKind::Neg(a) | ExprKind::Not(a) => a.visit(f),
            ExprKind::Arith(_, a, b)
            | ExprKind::Cmp(_, a, b)
            | ExprKind::And(a, b)
            | ExprKind::Or(a, b) => {
                a.visit(f);
                b.visit(f);
            }
            ExprKind::Func(_, args) => args.iter().for_each(|a| a.visit(f)),
            ExprKind::If(parts) => parts.iter().for_each(|a| a.visit(f)),
            ExprKind::AtLeast(b) => {
                b.0.visit(f);
                b.1.iter().for_each(|a| a.visit(f));
            }
            ExprKind::Sustained(c, steps) => {
                c.visit(f);
                steps.value.visit(f);
            }
        }
    }

    /// The nodes the expression reads, in order of first appearance, without
    /// repeats.
    #[must_use]
    pub fn nodes(&self) -> Vec<NodeId> {
        let mut out = Vec::new();
        self.visit(&mut |e| {
            if let ExprKind::Node(n) = e.kind
                && !out.contains(&n)
            {
                out.push(n);
            }
        });
        out
    }

    /// Whether the expression reads no node and not the current step, so it can be
    /// computed once from the parameters.
    #[must_use]
    pub fn is_constant(&self) -> bool {
        let mut constant = true;
        self.visit(&mut |e| {
            if matches!(
                e.kind,
                ExprKind::Node(_) | ExprKind::Step | ExprKind::Sustained(..)
            ) {
                constant = false;
            }
        });
        constant
    }
}
