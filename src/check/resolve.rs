//! Expressions: names resolved in their scope, numbers told from conditions.
//!
//! Inference is bottom-up; an error yields a placeholder of unknown type, which
//! no later check complains about, so one mistake gives one diagnostic.

use super::error::Num;
use super::model::{ArithOp, Expr, ExprKind, Func, NodeId, StepSize, Steps};
use super::{CheckError, Checker, Symbol, did_you_mean};
use crate::span::Span;
use crate::syntax::ast::{self, BinOp, NodeKind as AstKind, TimeUnit, UnOp};

/// Number or condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Ty {
    Num,
    Bool,
}

impl Ty {
    fn article(self) -> &'static str {
        match self {
            Ty::Num => "a number",
            Ty::Bool => "a condition",
        }
    }
}

/// Where a name is read: inside an actor, bare names mean that actor's nodes first.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Scope<'s> {
    pub actor: Option<&'s str>,
}

/// The names of the distributions a starting value may be.
pub const DISTRIBUTIONS: [&str; 4] = ["uniform", "triangular", "normal", "bernoulli"];

impl Checker<'_> {
    /// Resolves a possibly qualified name, reporting it when unknown.
    pub(super) fn lookup(&mut self, name: &str, at: Span, scope: Scope<'_>) -> Option<Symbol> {
        if !name.contains('.')
            && let Some(actor) = scope.actor
            && let Some(&(sym, _)) = self.symbols.get(&format!("{actor}.{name}"))
        {
            return Some(sym);
        }
        if let Some(&(sym, _)) = self.symbols.get(name) {
            return Some(sym);
        }
        let help = self.suggest(name, scope).or_else(|| {
            Some(
                "declare it (`event NAME`, `factor NAME = …`, `param NAME = …`), or check the spelling: from outside an actor, its nodes are named `actor.name`"
                    .to_string(),
            )
        });
        self.error(CheckError::UnknownName {
            at,
            what: "name",
            name: name.to_string(),
            help,
        });
        None
    }

    /// "did you mean" among the names visible from `scope`.
    pub(super) fn suggest(&self, name: &str, scope: Scope<'_>) -> Option<String> {
        if name.len() > super::LONGEST_SUGGESTED {
            return None;
        }
        let key = format!("{}\0{name}", scope.actor.unwrap_or(""));
        if let Some(known) = self.suggested.borrow().get(&key) {
            return known.clone();
        }
        if !self.may_suggest() {
            return None;
        }
        let found = self.search_suggestion(name, scope);
        self.suggested.borrow_mut().insert(key, found.clone());
        found
    }

    fn search_suggestion(&self, name: &str, scope: Scope<'_>) -> Option<String> {
        let prefix = scope.actor.map(|a| format!("{a}."));
        let candidates: Vec<&str> = self
            .symbols
            .keys()
            .map(|k| match &prefix {
                // Inside an actor its own nodes are suggested by their bare name.
                Some(p) if k.starts_with(p.as_str()) => &k[p.len()..],
                _ => k.as_str(),
            })
            .collect();
        if let Some(hint) = did_you_mean(name, candidates.iter().copied()) {
            return Some(hint);
        }
        if let Some((actor, _)) = name.split_once('.')
            && !self.actors.contains_key(actor)
        {
            let actors = self.actors.keys().map(String::as_str);
            return did_you_mean(actor, actors).map(|h| format!("no actor `{actor}`: {h}"));
        }
        None
    }

    pub(super) fn node_kind(&self, id: NodeId) -> AstKind {
        match (self.node_sites.get(id.index()), self.known) {
            (Some(site), _) => site.decl.kind,
            (None, Some(m)) if m.node(id).kind == super::model::NodeKind::Event => AstKind::Event,
            (None, _) => AstKind::Factor,
        }
    }

    /// The qualified name of a node, for messages.
    pub(super) fn node_name(&self, id: NodeId) -> String {
        let Some(site) = self.node_sites.get(id.index()) else {
            return self
                .known
                .map_or_else(String::new, |m| m.node(id).name.clone());
        };
        match site.actor {
            Some(a) => {
                let actor = self
                    .actors
                    .iter()
                    .find(|(_, v)| v.0 == a)
                    .map_or("?", |(k, _)| k.as_str());
                format!("{actor}.{}", site.decl.name.name)
            }
            None => site.decl.name.name.to_string(),
        }
    }

    /// Infers an expression's type. `None` means an error was already reported.
    pub(super) fn infer(&mut self, e: &ast::Expr, scope: Scope<'_>) -> (Expr, Option<Ty>) {
        let span = e.span;
        let mk = |kind| Expr { kind, span };
        match &e.kind {
            ast::ExprKind::Number(v) => {
                if !v.is_finite() {
                    self.error(CheckError::NonFinite {
                        at: span,
                        what: "this number",
                        problem: "is too large for a 64-bit float",
                        help: "numbers must fit a 64-bit float (up to about 1.8e308)".to_string(),
                    });
                    return (mk(ExprKind::Num(0.0)), None);
                }
                (mk(ExprKind::Num(*v)), Some(Ty::Num))
            }
            ast::ExprKind::Bool(b) => (mk(ExprKind::Bool(*b)), Some(Ty::Bool)),
            ast::ExprKind::Step => (mk(ExprKind::Step), Some(Ty::Num)),
            ast::ExprKind::Dt => (mk(ExprKind::Dt), Some(Ty::Num)),
            ast::ExprKind::Name(name) => match self.lookup(name, span, scope) {
                Some(Symbol::Param(p)) => (mk(ExprKind::Param(p)), Some(Ty::Num)),
                Some(Symbol::Node(n)) => {
                    let ty = if self.node_kind(n) == AstKind::Event {
                        Ty::Bool
                    } else {
                        Ty::Num
                    };
                    (mk(ExprKind::Node(n)), Some(ty))
                }
                None => (mk(ExprKind::Num(0.0)), None),
            },
            ast::ExprKind::Paren(inner) => self.infer(inner, scope),
            ast::ExprKind::Unary(UnOp::Neg, a) => {
                let a = self.num(a, scope);
                (mk(ExprKind::Neg(Box::new(a))), Some(Ty::Num))
            }
            ast::ExprKind::Unary(UnOp::Not, a) => {
                let a = self.cond(a, scope);
                (mk(ExprKind::Not(Box::new(a))), Some(Ty::Bool))
            }
            ast::ExprKind::Binary(op, a, b) => self.binary(*op, a, b, span, scope),
            ast::ExprKind::Call(call) => self.call(call, span, scope),
            ast::ExprKind::If(parts) => {
                let c = self.cond(&parts[0], scope);
                let (a, ta) = self.infer(&parts[1], scope);
                let b = match ta {
                    Some(Ty::Bool) => self.cond(&parts[2], scope),
                    Some(Ty::Num) => self.num(&parts[2], scope),
                    None => self.infer(&parts[2], scope).0,
                };
                (mk(ExprKind::If(Box::new([c, a, b]))), ta)
            }
            ast::ExprKind::AtLeast(al) => {
                let k = self.constant(&al.k, scope, "the count of `at least`");
                let items = al.items.iter().map(|i| self.cond(i, scope)).collect();
                (mk(ExprKind::AtLeast(Box::new((k, items)))), Some(Ty::Bool))
            }
            ast::ExprKind::Sustained(s) => {
                let c = self.cond(&s.condition, scope);
                let steps = self.steps(&s.duration, scope, "the length of `for`");
                (
                    mk(ExprKind::Sustained(Box::new(c), Box::new(steps))),
                    Some(Ty::Bool),
                )
            }
        }
    }

    fn binary(
        &mut self,
        op: BinOp,
        a: &ast::Expr,
        b: &ast::Expr,
        span: Span,
        scope: Scope<'_>,
    ) -> (Expr, Option<Ty>) {
        let mk = |kind| Expr { kind, span };
        match op {
            BinOp::And | BinOp::Or => {
                let (a, b) = (self.cond(a, scope), self.cond(b, scope));
                let kind = if op == BinOp::And {
                    ExprKind::And(Box::new(a), Box::new(b))
                } else {
                    ExprKind::Or(Box::new(a), Box::new(b))
                };
                (mk(kind), Some(Ty::Bool))
            }
            BinOp::Cmp(c) => {
                let (a, b) = (self.num(a, scope), self.num(b, scope));
                (
                    mk(ExprKind::Cmp(c, Box::new(a), Box::new(b))),
                    Some(Ty::Bool),
                )
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
                let arith = match op {
                    BinOp::Add => ArithOp::Add,
                    BinOp::Sub => ArithOp::Sub,
                    BinOp::Mul => ArithOp::Mul,
                    _ => ArithOp::Div,
                };
                if arith == ArithOp::Div && is_literal_zero(b) {
                    self.error(CheckError::DivisionByZero { at: b.span });
                }
                let (a, b) = (self.num(a, scope), self.num(b, scope));
                (
                    mk(ExprKind::Arith(arith, Box::new(a), Box::new(b))),
                    Some(Ty::Num),
                )
            }
        }
    }

    fn call(&mut self, call: &ast::Call, span: Span, scope: Scope<'_>) -> (Expr, Option<Ty>) {
        let placeholder = Expr {
            kind: ExprKind::Num(0.0),
            span,
        };
        let name = &*call.name;
        if DISTRIBUTIONS.contains(&name) {
            self.error(CheckError::MisplacedDistribution {
                at: span,
                name: name.to_string(),
            });
            return (placeholder, None);
        }
        let Some(&(_, func)) = Func::ALL.iter().find(|(n, _)| *n == name) else {
            let names: Vec<&str> = Func::ALL.iter().map(|(n, _)| *n).collect();
            let help = match did_you_mean(name, names.iter().copied()) {
                Some(h) => h,
                None => format!("the functions are {}", names.join(", ")),
            };
            self.error(CheckError::UnknownFunction {
                at: span,
                name: name.to_string(),
                help,
            });
            return (placeholder, None);
        };
        let args: Vec<Expr> = call.args.iter().map(|a| self.num(a, scope)).collect();
        let (lo, hi) = func.arity();
        if args.len() < lo || hi.is_some_and(|hi| args.len() > hi) {
            let expected = match hi {
                Some(n) => arguments(n),
                None => format!("at least {}", arguments(lo)),
            };
            self.error(CheckError::Arity {
                at: span,
                name: name.to_string(),
                expected,
                found: args.len(),
                given: arguments(args.len()),
                help: format!("write `{}`", call_form(name)),
            });
            return (placeholder, None);
        }
        // `clamp(x, 5, 1)` has no value to keep x in; bounds that are numbers
        // are checked here, others when they are computed.
        if func == Func::Clamp
            && let (Some(ExprKind::Num(lo)), Some(ExprKind::Num(hi))) =
                (args.get(1).map(|a| &a.kind), args.get(2).map(|a| &a.kind))
            && lo > hi
        {
            self.error(CheckError::BadRange {
                at: span,
                lo: Num(*lo),
                hi: Num(*hi),
                problem: "reversed",
                help: "write the lower bound first: `clamp(x, lo, hi)`",
            });
        }
        (
            Expr {
                kind: ExprKind::Func(func, args.into_boxed_slice()),
                span,
            },
            Some(Ty::Num),
        )
    }

    /// Resolves an expression that must be a number.
    pub(super) fn num(&mut self, e: &ast::Expr, scope: Scope<'_>) -> Expr {
        self.typed(e, scope, Ty::Num)
    }

    /// Resolves an expression that must be a condition.
    pub(super) fn cond(&mut self, e: &ast::Expr, scope: Scope<'_>) -> Expr {
        self.typed(e, scope, Ty::Bool)
    }

    fn typed(&mut self, e: &ast::Expr, scope: Scope<'_>, want: Ty) -> Expr {
        let (expr, ty) = self.infer(e, scope);
        match ty {
            Some(t) if t != want => {
                self.mismatch(&expr, e, want, t);
                Expr {
                    kind: ExprKind::Num(0.0),
                    span: expr.span,
                }
            }
            _ => expr,
        }
    }

    fn mismatch(&mut self, expr: &Expr, e: &ast::Expr, want: Ty, found: Ty) {
        let at = strip_parens(e).span;
        match (&expr.kind, want) {
            (ExprKind::Node(n), Ty::Num) => {
                let name = self.node_name(*n);
                self.error(CheckError::EventAsNumber { at, name });
            }
            (ExprKind::Node(n), Ty::Bool) => {
                let name = self.node_name(*n);
                self.error(CheckError::NumberAsCondition {
                    at,
                    what: "factor",
                    name,
                });
            }
            (ExprKind::Param(p), Ty::Bool) => {
                let name = match (self.param_sites.get(p.index()), self.known) {
                    (Some(site), _) => site.name.name.to_string(),
                    (None, Some(m)) => m.params[p.index()].name.clone(),
                    (None, None) => String::new(),
                };
                self.error(CheckError::NumberAsCondition {
                    at,
                    what: "parameter",
                    name,
                });
            }
            _ => {
                let help = match (want, &expr.kind) {
                    (Ty::Num, ExprKind::Cmp(..) | ExprKind::And(..) | ExprKind::Or(..)) => Some(
                        "to compare conditions, combine them with `and`, `or` and `not`"
                            .to_string(),
                    ),
                    (Ty::Bool, _) => {
                        Some("compare the number to make a condition, e.g. `… > 0.5`".to_string())
                    }
                    _ => None,
                };
                self.error(CheckError::TypeMismatch {
                    at: expr.span,
                    expected: want.article(),
                    found: found.article(),
                    help,
                });
            }
        }
    }

    /// Resolves a number that must not depend on the state.
    pub(super) fn constant(&mut self, e: &ast::Expr, scope: Scope<'_>, what: &'static str) -> Expr {
        let expr = self.num(e, scope);
        if !expr.is_constant() {
            self.error(CheckError::NotConstant {
                at: expr.span,
                what,
            });
        }
        expr
    }

    /// Resolves a duration into steps.
    pub(super) fn steps(
        &mut self,
        d: &ast::Duration,
        scope: Scope<'_>,
        what: &'static str,
    ) -> Steps {
        self.steps_or_in(d, None, scope, what)
    }

    /// Resolves the two ends of a range of durations (`after 2..8 weeks`, `from 2
    /// to 12 weeks`): a unit written only on the second end applies to both, as
    /// one reads it; a unit on the first end only is that end's alone.
    pub(super) fn step_range(
        &mut self,
        (lo, hi): (&ast::Duration, &ast::Duration),
        scope: Scope<'_>,
        what: (&'static str, &'static str),
    ) -> (Steps, Steps) {
        let shared = if lo.unit.is_none() { hi.unit } else { None };
        (
            self.steps_or_in(lo, shared, scope, what.0),
            self.steps(hi, scope, what.1),
        )
    }

    /// Resolves a duration into steps, in `shared` (the other end's unit) when it
    /// has none of its own. A `shared` unit that does not convert is reported
    /// once, on the end that carries it.
    fn steps_or_in(
        &mut self,
        d: &ast::Duration,
        shared: Option<ast::UnitName>,
        scope: Scope<'_>,
        what: &'static str,
    ) -> Steps {
        let value = self.constant(&d.value, scope, what);
        let step = self.model.as_ref().or(self.known).map_or(
            StepSize {
                size: 1.0,
                unit: TimeUnit::Step,
            },
            |m| m.step,
        );
        let per_unit = match (d.unit, shared) {
            (None, None) => 1.0,
            (None, Some(u)) => steps_per_unit(u.unit, step).unwrap_or(1.0),
            (Some(u), _) => match steps_per_unit(u.unit, step) {
                Ok(r) => r,
                Err(problem) => {
                    self.error(CheckError::BadSetting { at: u.span, problem, help: Some(
                        "give the duration in steps, or in a unit convertible to the model's step".to_string(),
                    ) });
                    1.0
                }
            },
        };
        Steps {
            value,
            per_unit,
            unit: d.unit.or(shared).map(|u| u.unit),
            span: d.span,
        }
    }
}

/// `1 argument`, `2 arguments`.
pub(super) fn arguments(n: usize) -> String {
    if n == 1 {
        "1 argument".to_string()
    } else {
        format!("{n} arguments")
    }
}

/// How a function or distribution is called, for help lines.
pub(super) fn call_form(name: &str) -> &'static str {
    match name {
        "min" => "min(a, b, …)",
        "max" => "max(a, b, …)",
        "abs" => "abs(x)",
        "exp" => "exp(x)",
        "ln" => "ln(x)",
        "sigmoid" => "sigmoid(x)",
        "tanh" => "tanh(x)",
        "clamp" => "clamp(x, lo, hi)",
        "sin" => "sin(x)",
        "cos" => "cos(x)",
        "sqrt" => "sqrt(x)",
        "pow" => "pow(x, y)",
        "floor" => "floor(x)",
        "ceil" => "ceil(x)",
        "round" => "round(x)",
        "log10" => "log10(x)",
        "uniform" => "uniform(low, high)",
        "triangular" => "triangular(low, mode, high)",
        "normal" => "normal(mean, sd)",
        "bernoulli" => "bernoulli(p)",
        _ => "…",
    }
}

fn strip_parens(e: &ast::Expr) -> &ast::Expr {
    match &e.kind {
        ast::ExprKind::Paren(inner) => strip_parens(inner),
        _ => e,
    }
}

fn is_literal_zero(e: &ast::Expr) -> bool {
    matches!(strip_parens(e).kind, ast::ExprKind::Number(v) if v == 0.0)
}

/// How long a unit lasts, in its family's base: seconds, or calendar months.
fn unit_length(unit: TimeUnit) -> (bool, f64) {
    match unit {
        TimeUnit::Step => (true, 0.0),
        TimeUnit::Second => (true, 1.0),
        TimeUnit::Minute => (true, 60.0),
        TimeUnit::Hour => (true, 3_600.0),
        TimeUnit::Day => (true, 86_400.0),
        TimeUnit::Week => (true, 604_800.0),
        TimeUnit::Month => (false, 1.0),
        TimeUnit::Quarter => (false, 3.0),
        TimeUnit::Year => (false, 12.0),
    }
}

/// How many steps one `unit` is. Clock units (seconds to weeks) and calendar
/// units (months to years) do not convert into each other: a month is not a whole
/// number of days.
pub(super) fn steps_per_unit(unit: TimeUnit, step: StepSize) -> Result<f64, String> {
    if unit == TimeUnit::Step {
        return Ok(1.0);
    }
    if step.unit == TimeUnit::Step {
        return Err(format!(
            "the model's step has no unit, so `{}` cannot be converted to steps (add e.g. `step 1 week` to the model header)",
            unit.singular()
        ));
    }
    let (clock_u, len_u) = unit_length(unit);
    let (clock_s, len_s) = unit_length(step.unit);
    if clock_u != clock_s {
        return Err(format!(
            "a {} is not a whole number of {}s, so it cannot be converted to steps",
            unit.singular(),
            step.unit.singular()
        ));
    }
    Ok(len_u / (len_s * step.size))
}
