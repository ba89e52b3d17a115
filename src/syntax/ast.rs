//! The abstract syntax tree of one `.whatif` file.
//!
//! The tree mirrors what the user wrote — names are still text, attributes keep
//! their order, parentheses are kept — so the formatter can print it back. It
//! owns its strings and carries byte spans, never pest types. Meaning (which name
//! is which node, what is a number and what a condition) is the checker's job.

use crate::span::Span;

/// One parsed file.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct File {
    /// The top-level items, in source order.
    pub items: Vec<Item>,
}

/// A top-level item.
///
/// Each is boxed: a large model is hundreds of thousands of items, and a vector
/// of pointers costs little to build, grow, or take apart (the checker moves the
/// rules out) compared with one of whole declarations.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// `model "…" { … }`
    Model(Box<ModelDecl>),
    /// `import "path"`
    Import(Box<Import>),
    /// `param name = …`
    Param(Box<NodeDecl>),
    /// `actor name { … }`
    Actor(Box<Actor>),
    /// A factor or event outside any actor.
    Node(Box<NodeDecl>),
    /// `rule name: …`
    Rule(Box<RuleDecl>),
    /// `scenario name { … }`
    Scenario(Box<Scenario>),
    /// `expect scenario { … }`
    Expect(Box<ExpectBlock>),
}

impl Item {
    /// The item's span.
    #[must_use]
    pub fn span(&self) -> Span {
        match self {
            Item::Model(m) => m.span,
            Item::Import(i) => i.span,
            Item::Param(n) | Item::Node(n) => n.span,
            Item::Actor(a) => a.span,
            Item::Rule(r) => r.span,
            Item::Scenario(s) => s.span,
            Item::Expect(e) => e.span,
        }
    }
}

/// A name as written: one identifier.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    /// The text.
    pub name: Box<str>,
    /// Where it was written.
    pub span: Span,
}

/// A possibly qualified reference: `trust` or `users.trust`.
#[derive(Clone, Debug, PartialEq)]
pub struct Name {
    /// The text, with its dot.
    pub text: Box<str>,
    /// Where it was written.
    pub span: Span,
}

impl Name {
    /// The actor part and the local part (`("users", "trust")`), or `None` for a
    /// bare name.
    #[must_use]
    pub fn split(&self) -> Option<(&str, &str)> {
        self.text.split_once('.')
    }
}

/// A string literal, unescaped.
#[derive(Clone, Debug, PartialEq)]
pub struct Str {
    /// The text between the quotes, with escapes resolved.
    pub value: Box<str>,
    /// Where it was written, quotes included.
    pub span: Span,
}

/// A number literal.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Number {
    /// Its value (possibly infinite when the literal was huge: the checker reports it).
    pub value: f64,
    /// Where it was written.
    pub span: Span,
}

// ------------------------------------------------------------------ header

/// `model "title" { … }`
#[derive(Clone, Debug, PartialEq)]
pub struct ModelDecl {
    /// The model's title.
    pub title: Str,
    /// Its settings, in source order.
    pub settings: Vec<Setting>,
    /// The whole declaration.
    pub span: Span,
}

/// One setting of the model header.
#[derive(Clone, Debug, PartialEq)]
pub enum Setting {
    /// `step 1 week`
    Step {
        /// The size of one step in `unit`s.
        size: Number,
        /// The unit.
        unit: UnitName,
        /// The whole setting.
        span: Span,
    },
    /// `horizon 52 weeks`
    Horizon(Duration),
    /// `stop when steady 0.001`
    Stop {
        /// The largest change that still counts as steady.
        eps: Number,
        /// The whole setting.
        span: Span,
    },
    /// `scale ipcc` or `scale { … }`
    Scale(ScaleDecl),
}

/// The likelihood scale a model uses.
#[derive(Clone, Debug, PartialEq)]
pub enum ScaleDecl {
    /// A built-in scale by name.
    Named(Ident),
    /// The model's own words.
    Words {
        /// The words, in source order.
        words: Vec<ScaleWord>,
        /// The whole declaration.
        span: Span,
    },
}

/// `likely = 0.83 in [0.66, 1]`
#[derive(Clone, Debug, PartialEq)]
pub struct ScaleWord {
    /// The word.
    pub word: Ident,
    /// The probability the word stands for in a rule.
    pub point: Number,
    /// The lower end of the word's interval.
    pub lo: Number,
    /// The upper end of the word's interval.
    pub hi: Number,
    /// The whole definition.
    pub span: Span,
}

/// `import "path"`
#[derive(Clone, Debug, PartialEq)]
pub struct Import {
    /// The path, relative to the importing file.
    pub path: Str,
    /// The whole item.
    pub span: Span,
}

// ------------------------------------------------------------------ nodes

/// `actor name "description" { … }`
#[derive(Clone, Debug, PartialEq)]
pub struct Actor {
    /// The actor's name: the namespace of its nodes.
    pub name: Ident,
    /// An optional description.
    pub description: Option<Str>,
    /// Its factors and events.
    pub nodes: Vec<NodeDecl>,
    /// The whole block.
    pub span: Span,
}

/// What a [`NodeDecl`] declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// `param`
    Param,
    /// `factor`
    Factor,
    /// `event`
    Event,
}

impl NodeKind {
    /// The keyword.
    #[must_use]
    pub fn keyword(self) -> &'static str {
        match self {
            NodeKind::Param => "param",
            NodeKind::Factor => "factor",
            NodeKind::Event => "event",
        }
    }
}

/// A parameter, factor or event declaration.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeDecl {
    /// Parameter, factor or event.
    pub kind: NodeKind,
    /// The local name.
    pub name: Ident,
    /// `:= EXPR` for a derived node.
    pub derived: Option<Expr>,
    /// The attributes, in source order.
    pub attrs: Vec<NodeAttr>,
    /// The whole declaration.
    pub span: Span,
}

/// One attribute of a node.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeAttr {
    /// `= VALUE`: a starting value (possibly a distribution) or a parameter's value.
    Value(Expr),
    /// `in [lo, hi]`
    Range {
        /// The lower bound.
        lo: Expr,
        /// The upper bound.
        hi: Expr,
        /// How plausibility is spread within it, when written.
        spread: Option<Spread>,
        /// The whole attribute.
        span: Span,
    },
    /// `prior = P`
    Prior(Expr),
    /// `hazard = EXPR`
    Hazard(Expr),
    /// `"description"`
    Description(Str),
    /// `source "citation"`
    Source(Str),
}

/// How a parameter's plausibility is spread over its range
/// (`in [lo, hi] triangular`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Spread {
    /// Every value in the range as plausible as any other.
    #[default]
    Uniform,
    /// Most plausible at the parameter's value, falling linearly to the ends.
    Triangular,
}

impl Spread {
    /// The word that writes it.
    #[must_use]
    pub fn keyword(self) -> &'static str {
        match self {
            Spread::Uniform => "uniform",
            Spread::Triangular => "triangular",
        }
    }
}

impl NodeAttr {
    /// The attribute's canonical position: the formatter prints attributes in this
    /// order (value, range, prior, hazard, description, source).
    #[must_use]
    pub fn rank(&self) -> u8 {
        match self {
            NodeAttr::Value(_) => 0,
            NodeAttr::Range { .. } => 1,
            NodeAttr::Prior(_) => 2,
            NodeAttr::Hazard(_) => 3,
            NodeAttr::Description(_) => 4,
            NodeAttr::Source(_) => 5,
        }
    }

    /// The attribute's span (for `prior` and `hazard`, that of the expression).
    #[must_use]
    pub fn span(&self) -> Span {
        match self {
            NodeAttr::Value(e) | NodeAttr::Prior(e) | NodeAttr::Hazard(e) => e.span,
            NodeAttr::Range { span, .. } => *span,
            NodeAttr::Description(s) | NodeAttr::Source(s) => s.span,
        }
    }
}

// ------------------------------------------------------------------ rules

/// `when` (fires once) or `while` (applies at every step).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleKind {
    /// Fires once, the first step its condition holds.
    When,
    /// Applies at every step its condition holds.
    While,
}

/// `rule name "description": when|while CONDITION then EFFECTS …`
#[derive(Clone, Debug, PartialEq)]
pub struct RuleDecl {
    /// The rule's name.
    pub name: Ident,
    /// An optional description.
    pub description: Option<Str>,
    /// `when` or `while`.
    pub kind: RuleKind,
    /// The condition.
    pub condition: Expr,
    /// What follows.
    pub effects: Effects,
    /// Likelihood, delay and sources, in source order.
    pub attrs: Vec<RuleAttr>,
    /// The whole rule.
    pub span: Span,
}

/// A rule's effects.
#[derive(Clone, Debug, PartialEq)]
pub enum Effects {
    /// One or more effects that all happen.
    All(Vec<Effect>),
    /// `one of { … }`: at most one branch happens.
    OneOf {
        /// The branches.
        branches: Vec<Branch>,
        /// The whole `one of` block.
        span: Span,
    },
}

/// One effect: an event happens, or a factor changes.
#[derive(Clone, Debug, PartialEq)]
pub struct Effect {
    /// The event or factor.
    pub target: Name,
    /// `None` for an event; the operator and amount for a factor.
    pub change: Option<(AssignOp, Expr)>,
    /// The whole effect.
    pub span: Span,
}

/// How an effect changes a factor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignOp {
    /// `+=`
    Add,
    /// `-=`
    Sub,
    /// `=`
    Set,
}

impl AssignOp {
    /// The operator as written.
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            AssignOp::Add => "+=",
            AssignOp::Sub => "-=",
            AssignOp::Set => "=",
        }
    }
}

/// One branch of `one of`.
#[derive(Clone, Debug, PartialEq)]
pub struct Branch {
    /// The branch's effects.
    pub effects: Vec<Effect>,
    /// Its probability.
    pub likelihood: Likelihood,
    /// Its own delay, if any.
    pub delay: Option<Delay>,
    /// An optional description.
    pub description: Option<Str>,
    /// The whole branch.
    pub span: Span,
}

/// A rule attribute after its effects.
#[derive(Clone, Debug, PartialEq)]
pub enum RuleAttr {
    /// `p = …` or a word.
    Likelihood(Likelihood),
    /// `after …` (boxed: a delay is large and most rules have none or one).
    Delay(Box<Delay>),
    /// `source "…"`
    Source(Str),
}

/// A likelihood: `p = EXPR` or a calibrated word.
#[derive(Clone, Debug, PartialEq)]
pub enum Likelihood {
    /// `p = EXPR`
    P(Expr),
    /// `likely`, `very_unlikely`, …
    Word(Ident),
}

impl Likelihood {
    /// Where the likelihood was written.
    #[must_use]
    pub fn span(&self) -> Span {
        match self {
            Likelihood::P(e) => e.span,
            Likelihood::Word(w) => w.span,
        }
    }
}

/// `after D` or `after LO..HI` (inclusive, drawn uniformly).
#[derive(Clone, Debug, PartialEq)]
pub struct Delay {
    /// The delay, or the lower end of its range.
    pub lo: Duration,
    /// The upper end of the range.
    pub hi: Option<Duration>,
    /// The whole clause.
    pub span: Span,
}

/// A number of steps, or an amount of time in a unit.
#[derive(Clone, Debug, PartialEq)]
pub struct Duration {
    /// The amount: a number, a parameter or a parenthesised expression.
    pub value: Expr,
    /// The unit, if one was written.
    pub unit: Option<UnitName>,
    /// The whole duration.
    pub span: Span,
}

/// A unit of time as written.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UnitName {
    /// Which unit.
    pub unit: TimeUnit,
    /// Whether it was written in the plural (kept by the formatter).
    pub plural: bool,
    /// Where it was written.
    pub span: Span,
}

/// The units of time the language knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeUnit {
    /// One step of the model, whatever its size.
    Step,
    /// A second.
    Second,
    /// 60 seconds.
    Minute,
    /// 60 minutes.
    Hour,
    /// 24 hours.
    Day,
    /// 7 days.
    Week,
    /// A calendar month.
    Month,
    /// 3 months.
    Quarter,
    /// 12 months.
    Year,
}

impl TimeUnit {
    /// The unit's name in the singular.
    #[must_use]
    pub fn singular(self) -> &'static str {
        match self {
            TimeUnit::Step => "step",
            TimeUnit::Second => "second",
            TimeUnit::Minute => "minute",
            TimeUnit::Hour => "hour",
            TimeUnit::Day => "day",
            TimeUnit::Week => "week",
            TimeUnit::Month => "month",
            TimeUnit::Quarter => "quarter",
            TimeUnit::Year => "year",
        }
    }

    /// Reads a unit word, singular or plural.
    #[must_use]
    pub fn parse(word: &str) -> Option<(TimeUnit, bool)> {
        let (stem, plural) = match word.strip_suffix('s') {
            Some(stem) => (stem, true),
            None => (word, false),
        };
        let unit = match stem {
            "step" => TimeUnit::Step,
            "second" => TimeUnit::Second,
            "minute" => TimeUnit::Minute,
            "hour" => TimeUnit::Hour,
            "day" => TimeUnit::Day,
            "week" => TimeUnit::Week,
            "month" => TimeUnit::Month,
            "quarter" => TimeUnit::Quarter,
            "year" => TimeUnit::Year,
            _ => return None,
        };
        Some((unit, plural))
    }
}

// ------------------------------------------------------------------ scenarios

/// `scenario name extends parent "title" { … }`
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// The scenario's name.
    pub name: Ident,
    /// The scenario it builds on.
    pub extends: Option<Ident>,
    /// An optional title ("What if the outages continue?").
    pub title: Option<Str>,
    /// Its interventions, in source order.
    pub items: Vec<ScenarioItem>,
    /// The whole block.
    pub span: Span,
}

/// One intervention of a scenario.
#[derive(Clone, Debug, PartialEq)]
pub enum ScenarioItem {
    /// `horizon 26 weeks`
    Horizon(Duration),
    /// `hold node = VALUE [from S to E]`
    Hold {
        /// The held node.
        target: Name,
        /// Its value while held.
        value: Expr,
        /// The inclusive window, when not the whole run.
        window: Option<(Duration, Duration)>,
        /// The whole statement.
        span: Span,
    },
    /// `set target = VALUE`
    Set {
        /// A parameter, a factor (its start) or an event (its prior or hazard).
        target: Name,
        /// `prior` or `hazard` for an event.
        field: Option<SetField>,
        /// The new value.
        value: Expr,
        /// The whole statement.
        span: Span,
    },
    /// `set rule NAME p = VALUE`
    SetRule {
        /// The rule.
        rule: Ident,
        /// Its new likelihood.
        value: Expr,
        /// The whole statement.
        span: Span,
    },
    /// `at STEP: event` or `at STEP: set factor = VALUE`
    At {
        /// When.
        step: Duration,
        /// What.
        action: AtAction,
        /// The whole statement.
        span: Span,
    },
    /// `without rule NAME`
    Without {
        /// The disabled rule.
        rule: Ident,
        /// The whole statement.
        span: Span,
    },
    /// A rule that exists only in this scenario.
    Rule(RuleDecl),
}

impl ScenarioItem {
    /// The statement's span.
    #[must_use]
    pub fn span(&self) -> Span {
        match self {
            ScenarioItem::Horizon(d) => d.span,
            ScenarioItem::Hold { span, .. }
            | ScenarioItem::Set { span, .. }
            | ScenarioItem::SetRule { span, .. }
            | ScenarioItem::At { span, .. }
            | ScenarioItem::Without { span, .. } => *span,
            ScenarioItem::Rule(r) => r.span,
        }
    }
}

/// The field of an event that `set` changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetField {
    /// `.prior`
    Prior,
    /// `.hazard`
    Hazard,
}

/// What happens at a forced step.
#[derive(Clone, Debug, PartialEq)]
pub enum AtAction {
    /// The event happens.
    Event(Name),
    /// The factor takes a value.
    Set(Name, Expr),
}

// ------------------------------------------------------------------ expectations

/// `expect scenario { … }`
#[derive(Clone, Debug, PartialEq)]
pub struct ExpectBlock {
    /// The scenario the expectations are about (`baseline` included).
    pub scenario: Ident,
    /// The expectations.
    pub items: Vec<Expectation>,
    /// The whole block.
    pub span: Span,
}

/// One expectation.
#[derive(Clone, Debug, PartialEq)]
pub enum Expectation {
    /// `mean(x) at 52 < 0.4`
    Stat {
        /// `mean`, `median`, `p5`, …
        stat: Ident,
        /// The factor.
        target: Name,
        /// The step (the horizon when absent).
        at: Option<Duration>,
        /// The verdict.
        verdict: Verdict,
        /// The whole expectation.
        span: Span,
    },
    /// `P(event by 26) > 0.5`, `P(CONDITION at 52) > 0.5`
    Prob {
        /// The event or condition.
        condition: Expr,
        /// `at S` or `by S`.
        when: Option<(ProbWhen, Duration)>,
        /// The verdict.
        verdict: Verdict,
        /// The whole expectation.
        span: Span,
    },
    /// `never event [by S]`
    Never {
        /// The event.
        event: Name,
        /// The step (the horizon when absent).
        by: Option<Duration>,
        /// The whole expectation.
        span: Span,
    },
    /// `event is likely [by S]`
    Is {
        /// The event.
        event: Name,
        /// The likelihood word.
        word: Ident,
        /// The step (the horizon when absent).
        by: Option<Duration>,
        /// The whole expectation.
        span: Span,
    },
}

impl Expectation {
    /// The expectation's span.
    #[must_use]
    pub fn span(&self) -> Span {
        match self {
            Expectation::Stat { span, .. }
            | Expectation::Prob { span, .. }
            | Expectation::Never { span, .. }
            | Expectation::Is { span, .. } => *span,
        }
    }
}

/// A measure of one run, written as an expectation writes what it measures:
/// the unit of the library's per-run samples (see [`crate::syntax::parse_measure`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Measure {
    /// `P(CONDITION [at|by S])`: 1 in a run where it holds, else 0.
    Prob {
        /// The event or condition.
        condition: Expr,
        /// `at S` or `by S`.
        when: Option<(ProbWhen, Duration)>,
        /// The whole measure.
        span: Span,
    },
    /// `factor [at S]`: the factor's value.
    Value {
        /// The factor.
        target: Name,
        /// The step (the horizon when absent).
        at: Option<Duration>,
        /// The whole measure.
        span: Span,
    },
}

/// `at S` (the condition holds at step S) or `by S` (it held at some step up to S).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbWhen {
    /// `at`
    At,
    /// `by`
    By,
}

/// What an expectation's value is judged against.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// `< 0.4`, `>= 0.5`, …
    Compare(CmpOp, Expr),
    /// `lower than in other` / `higher than in other`
    Than {
        /// Lower or higher.
        direction: Direction,
        /// The other scenario.
        other: Ident,
    },
}

/// `lower` or `higher`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// `lower than in`
    Lower,
    /// `higher than in`
    Higher,
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
}

impl CmpOp {
    /// The operator as written.
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
        }
    }

    /// Reads an operator.
    #[must_use]
    pub fn parse(text: &str) -> Option<CmpOp> {
        Some(match text {
            "<" => CmpOp::Lt,
            "<=" => CmpOp::Le,
            ">" => CmpOp::Gt,
            ">=" => CmpOp::Ge,
            "==" => CmpOp::Eq,
            "!=" => CmpOp::Ne,
            _ => return None,
        })
    }

    /// Applies the comparison.
    #[must_use]
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            CmpOp::Lt => a < b,
            CmpOp::Le => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Ge => a >= b,
            CmpOp::Eq => a == b,
            CmpOp::Ne => a != b,
        }
    }
}

// ------------------------------------------------------------------ expressions

/// An expression: a number or a condition (the checker decides which).
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it was written.
    pub span: Span,
}

/// The forms of an expression.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A number literal.
    Number(f64),
    /// `true` or `false`.
    Bool(bool),
    /// `step`: the current step.
    Step,
    /// `dt`: the size of one step.
    Dt,
    /// A node or parameter, possibly qualified.
    Name(Box<str>),
    /// `f(a, b)`: a function, or a distribution in a starting value.
    Call(Box<Call>),
    /// `( … )`, kept so the formatter prints what the author wrote.
    Paren(Box<Expr>),
    /// `not x`, `-x`
    Unary(UnOp, Box<Expr>),
    /// `a + b`, `a and b`, `a < b`, …
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `if c then a else b`
    If(Box<[Expr; 3]>),
    /// `at least K of (a, b, …)`
    AtLeast(Box<AtLeast>),
    /// `CONDITION for N`
    Sustained(Box<Sustained>),
}

// The rarer forms are boxed whole so that every expression node stays small.

/// `f(a, b)`
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// The function's name.
    pub name: Box<str>,
    /// The arguments.
    pub args: Vec<Expr>,
}

/// `at least K of (a, b, …)`
#[derive(Clone, Debug, PartialEq)]
pub struct AtLeast {
    /// How many must hold.
    pub k: Expr,
    /// The conditions.
    pub items: Vec<Expr>,
}

/// `CONDITION for N`
#[derive(Clone, Debug, PartialEq)]
pub struct Sustained {
    /// The condition.
    pub condition: Expr,
    /// For how long.
    pub duration: Duration,
}

/// A prefix operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    /// `not`
    Not,
    /// `-`
    Neg,
}

/// An infix operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// `or`
    Or,
    /// `and`
    And,
    /// A comparison.
    Cmp(CmpOp),
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

impl BinOp {
    /// The operator as written.
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Cmp(c) => c.symbol(),
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
        }
    }

    /// Binding strength: higher binds tighter. `not` sits at 3 and `for` at 4,
    /// between `and` and the comparisons (see `Precedence` in lower.rs).
    #[must_use]
    pub fn precedence(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::Cmp(_) => 5,
            BinOp::Add | BinOp::Sub => 6,
            BinOp::Mul | BinOp::Div => 7,
        }
    }
}

/// Precedence of `not`.
pub const NOT_PRECEDENCE: u8 = 3;
/// Precedence of `… for N`.
pub const FOR_PRECEDENCE: u8 = 4;
/// Precedence of unary minus.
pub const NEG_PRECEDENCE: u8 = 8;
