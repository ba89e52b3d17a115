//! Everything parameters can change, computed for one scenario and one set of
//! overrides, with every value check run on the result.
//!
//! The checker calls [`resolve`] once per scenario with no override, so a model
//! that checks is valid in each of its scenarios; evaluation calls it again with
//! the command line's `--set` overrides, so an override is held to the same
//! rules as the model ("probabilities in [0, 1]", "delays ≥ 1", ranges…).

use super::CheckError;
use super::error::{Num, format_number};
use super::model::{
    Expr, ExprKind, Func, InterventionKind, Likelihood, Model, NodeId, NodeKind, ParamId,
    RuleEffects, RuleId, ScenarioId, Start, Steps,
};
use crate::limits::Limits;
use crate::span::Span;

/// One `--set` override.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    /// What it changes.
    pub target: OverrideTarget,
    /// The new value.
    pub value: f64,
    /// The override as written (`users.trust=0.5`), for messages.
    pub text: String,
}

/// What an override changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OverrideTarget {
    /// A parameter.
    Param(ParamId),
    /// A factor's starting value.
    Start(NodeId),
    /// An event's prior.
    Prior(NodeId),
    /// An event's hazard.
    Hazard(NodeId),
    /// A rule's likelihood.
    Rule(RuleId),
}

/// Why an override could not be read.
#[derive(Clone, Debug, PartialEq, thiserror::Error, miette::Diagnostic)]
#[error("cannot apply `--set {text}`: {problem}")]
#[diagnostic(code(whatif::cli::set))]
pub struct OverrideError {
    /// The override as written.
    pub text: String,
    /// What is wrong.
    pub problem: String,
    /// A hint.
    #[help]
    pub help: Option<String>,
}

impl Override {
    /// Reads `NAME=V`, `actor.factor=V`, `actor.event.prior=V`,
    /// `actor.event.hazard=V` or `rule.NAME.p=V`.
    ///
    /// # Errors
    /// A malformed override, an unknown name, or a field the target lacks.
    pub fn parse(model: &Model, text: &str) -> Result<Override, OverrideError> {
        let fail = |problem: String, help: Option<String>| OverrideError {
            text: text.to_string(),
            problem,
            help,
        };
        let Some((name, value)) = text.split_once('=') else {
            return Err(fail(
                "expected NAME=VALUE".into(),
                Some("e.g. `--set users.trust=0.5`".into()),
            ));
        };
        let (name, value) = (name.trim(), value.trim());
        let value: f64 = match value.parse::<f64>() {
            Ok(v) if v.is_finite() => v,
            Ok(_) => return Err(fail(format!("`{value}` is not a finite number"), None)),
            Err(_) => {
                return Err(fail(
                    format!("`{value}` is not a number"),
                    Some("write a decimal number, e.g. `0.25` or `1e3`".into()),
                ));
            }
        };
        let shown = format_number(value);
        let target = if let Some(rule) = name.strip_prefix("rule.") {
            let rule = rule.strip_suffix(".p").ok_or_else(|| {
                fail(
                    "a rule's override names its likelihood".into(),
                    Some(format!("write `rule.{rule}.p={shown}`")),
                )
            })?;
            let id = model
                .rule_named(rule)
                .ok_or_else(|| fail(format!("no rule `{rule}`"), None))?;
            OverrideTarget::Rule(id)
        } else if let Some(p) = model.param_named(name) {
            OverrideTarget::Param(p)
        } else if let Some(n) = model.node_named(name) {
            if model.node(n).kind == NodeKind::Event {
                return Err(fail(
                    format!("`{name}` is an event"),
                    Some(format!(
                        "set its prior or hazard: `{name}.prior=…`, `{name}.hazard=…`"
                    )),
                ));
            }
            if model.node(n).derived.is_some() {
                return Err(fail(
                    format!("`{name}` is derived and has no starting value"),
                    None,
                ));
            }
            OverrideTarget::Start(n)
        } else if let Some((node, field)) = name.rsplit_once('.')
            && let Some(n) = model.node_named(node)
            && (field == "prior" || field == "hazard")
        {
            if model.node(n).kind != NodeKind::Event || model.node(n).derived.is_some() {
                return Err(fail(
                    format!("`{node}` has no {field}: only events that are not derived do"),
                    None,
                ));
            }
            if field == "prior" {
                OverrideTarget::Prior(n)
            } else {
                OverrideTarget::Hazard(n)
            }
        } else {
            let mut names: Vec<&str> = model.params.iter().map(|p| p.name.as_str()).collect();
            names.extend(model.nodes.iter().map(|n| n.name.as_str()));
            let help = super::did_you_mean(name, names.iter().copied());
            return Err(fail(
                format!("no parameter, factor or event `{name}`"),
                help,
            ));
        };
        Ok(Override {
            target,
            value,
            text: text.to_string(),
        })
    }
}

/// A probability or rate: a constant, or an expression read at each step.
#[derive(Clone, Copy, Debug)]
pub enum Rate<'m> {
    /// A constant in [0, 1].
    Const(f64),
    /// An expression over the state, kept within [0, 1] when evaluated.
    Expr(&'m Expr),
}

/// A starting value with its numbers computed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum StartValue {
    /// A constant.
    Const(f64),
    /// `uniform(a, b)`
    Uniform(f64, f64),
    /// `triangular(a, mode, b)`
    Triangular(f64, f64, f64),
    /// `normal(mean, sd)`
    Normal(f64, f64),
    /// `bernoulli(p)`
    Bernoulli(f64),
}

/// A node's values in one evaluation.
#[derive(Clone, Debug)]
pub struct NodeValues<'m> {
    /// A factor's range (events: `(0, 1)`).
    pub range: (f64, f64),
    /// A factor's starting value (events and derived factors: `Const(0)`).
    pub start: StartValue,
    /// An event's prior (0 when none).
    pub prior: f64,
    /// An event's hazard.
    pub hazard: Option<Rate<'m>>,
}

/// A rule's values in one evaluation.
#[derive(Clone, Debug)]
pub struct RuleValues<'m> {
    /// Whether the rule takes part (base rules, and the rules of the scenario and
    /// its ancestors, minus those disabled with `without`).
    pub active: bool,
    /// Its likelihood (1 when it has none).
    pub likelihood: Rate<'m>,
    /// Its delay range, inclusive, in steps.
    pub delay: (u32, u32),
    /// For `one of`: each branch's probability and delay range.
    pub branches: Vec<(f64, (u32, u32))>,
}

/// A hold with its numbers computed.
#[derive(Clone, Copy, Debug)]
pub struct Hold {
    /// The held node.
    pub node: NodeId,
    /// The value (events: 1 for true, 0 for false).
    pub value: f64,
    /// First step held.
    pub from: u32,
    /// Last step held (inclusive).
    pub to: u32,
    /// Where the hold is written.
    pub span: Span,
}

/// A forced event or value at a step.
#[derive(Clone, Copy, Debug)]
pub struct Forced {
    /// The step.
    pub step: u32,
    /// The event or factor.
    pub node: NodeId,
    /// The factor's value; `None` forces the event.
    pub value: Option<f64>,
    /// Where it is written.
    pub span: Span,
}

/// Everything one evaluation of one scenario needs that parameters could change.
#[derive(Clone, Debug)]
pub struct Resolved<'m> {
    /// The scenario.
    pub scenario: ScenarioId,
    /// The number of steps after step 0.
    pub horizon: u32,
    /// Parameter values, by [`ParamId`].
    pub params: Vec<f64>,
    /// The size of one step.
    pub dt: f64,
    /// Per node, by [`NodeId`].
    pub nodes: Vec<NodeValues<'m>>,
    /// Per rule, by [`RuleId`].
    pub rules: Vec<RuleValues<'m>>,
    /// The holds in force (one per node at most).
    pub holds: Vec<Hold>,
    /// The forced events and values, by step.
    pub forced: Vec<Forced>,
}

impl Resolved<'_> {
    /// The value of a constant expression under these parameters.
    #[must_use]
    pub fn constant(&self, e: &Expr) -> f64 {
        eval_const(e, &self.params, self.dt)
    }

    /// The step an expectation or a measure asks about (`what`), under these
    /// parameters: a whole number of steps, within the horizon.
    ///
    /// # Errors
    /// [`CheckError::NotWholeSteps`] or [`CheckError::AfterHorizon`].
    pub fn step_within_horizon(&self, s: &Steps, what: &str) -> Result<u32, CheckError> {
        let raw = self.constant(&s.value) * s.per_unit;
        if (raw - raw.round()).abs() > 1e-9 * raw.abs().max(1.0) || raw < 0.0 {
            return Err(CheckError::NotWholeSteps {
                at: s.span,
                what: what.to_string(),
                value: Num(raw),
                help: s.unit.map(|u| {
                    format!(
                        "one {} is {} steps here",
                        u.singular(),
                        format_number(s.per_unit)
                    )
                }),
            });
        }
        let v = self.steps(s);
        if v > self.horizon {
            return Err(CheckError::AfterHorizon {
                at: s.span,
                step: v.into(),
                horizon: self.horizon.into(),
            });
        }
        Ok(v)
    }

    /// A number of steps under these parameters (already validated).
    #[must_use]
    pub fn steps(&self, s: &Steps) -> u32 {
        let v = (self.constant(&s.value) * s.per_unit).round();
        if v <= 0.0 {
            0
        } else if v >= f64::from(u32::MAX) {
            u32::MAX
        } else {
            v as u32
        }
    }
}

/// Computes a constant expression. Nodes and `step` never occur in one (the
/// checker saw to it); they read as NaN, which the caller reports.
#[must_use]
pub fn eval_const(e: &Expr, params: &[f64], dt: f64) -> f64 {
    let ev = |x: &Expr| eval_const(x, params, dt);
    let truth = |b: bool| if b { 1.0 } else { 0.0 };
    match &e.kind {
        ExprKind::Num(v) => *v,
        ExprKind::Bool(b) => truth(*b),
        ExprKind::Dt => dt,
        ExprKind::Param(p) => params.get(p.index()).copied().unwrap_or(f64::NAN),
        ExprKind::Step | ExprKind::Node(_) | ExprKind::Sustained(..) => f64::NAN,
        ExprKind::Neg(a) => -ev(a),
        ExprKind::Not(a) => truth(ev(a) == 0.0),
        ExprKind::Arith(op, a, b) => op.apply(ev(a), ev(b)),
        ExprKind::Cmp(op, a, b) => truth(op.holds(ev(a), ev(b))),
        ExprKind::And(a, b) => truth(ev(a) != 0.0 && ev(b) != 0.0),
        ExprKind::Or(a, b) => truth(ev(a) != 0.0 || ev(b) != 0.0),
        ExprKind::Func(f, args) => {
            let vals: Vec<f64> = args.iter().map(ev).collect();
            f.apply(&vals)
        }
        ExprKind::If(parts) => {
            if ev(&parts[0]) != 0.0 {
                ev(&parts[1])
            } else {
                ev(&parts[2])
            }
        }
        ExprKind::AtLeast(b) => {
            let n = b.1.iter().filter(|i| ev(i) != 0.0).count();
            truth(n as f64 >= ev(&b.0))
        }
    }
}

impl Func {
    /// Applies the function; `libm` keeps results identical on every machine.
    #[must_use]
    pub fn apply(self, args: &[f64]) -> f64 {
        let a = args.first().copied().unwrap_or(f64::NAN);
        // A value that is not finite is reported where it arises: `min`,
        // `max` and `clamp` would otherwise hide it (min(NaN, 1) is 1,
        // clamp(ln(0), 0, 1) is 0). So are bounds that `clamp` cannot honour.
        let choosing = matches!(self, Func::Min | Func::Max | Func::Clamp);
        if choosing && args.iter().any(|v| !v.is_finite()) {
            return f64::NAN;
        }
        match self {
            Func::Min => args.iter().copied().fold(f64::INFINITY, f64::min),
            Func::Max => args.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            Func::Abs => a.abs(),
            Func::Exp => libm::exp(a),
            Func::Ln => libm::log(a),
            Func::Sigmoid => 1.0 / (1.0 + libm::exp(-a)),
            Func::Tanh => libm::tanh(a),
            Func::Sin => libm::sin(a),
            Func::Cos => libm::cos(a),
            // A square root or logarithm outside its domain is NaN or
            // infinite, reported like any other value that is not a number.
            Func::Sqrt => libm::sqrt(a),
            Func::Pow => libm::pow(a, args.get(1).copied().unwrap_or(f64::NAN)),
            Func::Floor => libm::floor(a),
            Func::Ceil => libm::ceil(a),
            Func::Round => libm::round(a),
            Func::Log10 => libm::log10(a),
            Func::Clamp => {
                let (lo, hi) = (
                    args.get(1).copied().unwrap_or(a),
                    args.get(2).copied().unwrap_or(a),
                );
                if lo > hi { f64::NAN } else { a.max(lo).min(hi) }
            }
        }
    }
}

/// Collects errors while resolving.
struct Resolver<'m> {
    model: &'m Model,
    overrides: &'m [Override],
    errors: Vec<CheckError>,
    params: Vec<f64>,
    dt: f64,
}

impl<'m> Resolver<'m> {
    fn value(&mut self, e: &Expr, what: &'static str) -> f64 {
        let v = eval_const(e, &self.params, self.dt);
        if !v.is_finite() {
            self.errors.push(CheckError::NonFinite {
                at: e.span,
                what,
                problem: "is not a finite number",
                help: "check for a division by zero, the log of 0, the square root of a negative number or a huge exponent".to_string(),
            });
            return 0.0;
        }
        v
    }

    fn probability(&mut self, e: &Expr, what: &'static str, help: Option<String>) -> f64 {
        let v = self.value(e, what);
        if !(0.0..=1.0).contains(&v) {
            let help = help.or_else(|| {
                // Below 2 a percentage reading is far-fetched (1.5% as 1.5?),
                // and more likely a slip in an expression.
                Some(if (2.0..=100.0).contains(&v) {
                    format!(
                        "probabilities are between 0 and 1: for {}%, write {}",
                        format_number(v),
                        format_number(v / 100.0)
                    )
                } else {
                    "write a probability as a number from 0 to 1, e.g. 0.3 for 30%".to_string()
                })
            });
            self.errors.push(CheckError::Probability {
                at: e.span,
                what,
                value: Num(v),
                help,
            });
        }
        v.clamp(0.0, 1.0)
    }

    /// A duration in whole steps. `None` when it is not one (reported here), so
    /// that the checks on its value (a delay of at least 1, a window in order)
    /// do not report the same slip a second time.
    fn steps(&mut self, s: &Steps, what: &str) -> Option<u32> {
        let raw = eval_const(&s.value, &self.params, self.dt) * s.per_unit;
        if !raw.is_finite() {
            self.errors.push(CheckError::NonFinite {
                at: s.span,
                what: "this number of steps",
                problem: "is not a finite number",
                help: "check for a division by zero, the log of 0, the square root of a negative number or a huge exponent".to_string(),
            });
            return None;
        }
        let rounded = raw.round();
        if (raw - rounded).abs() > 1e-9 * rounded.abs().max(1.0) || rounded < 0.0 {
            let help = s.unit.map(|u| {
                format!(
                    "one {} is {} steps here",
                    u.singular(),
                    format_number(s.per_unit)
                )
            });
            self.errors.push(CheckError::NotWholeSteps {
                at: s.span,
                what: what.to_string(),
                value: Num(raw),
                help,
            });
            return None;
        }
        // Saturating: a count past u32::MAX is over every limit, reported by the
        // caller with the real number.
        Some(if rounded > f64::from(u32::MAX) {
            u32::MAX
        } else {
            rounded as u32
        })
    }

    fn override_help(&self, target: OverrideTarget) -> Option<String> {
        self.overrides
            .iter()
            .rev()
            .find(|o| o.target == target)
            .map(|o| format!("the value comes from `--set {}`", o.text))
    }

    fn overridden(&self, target: OverrideTarget) -> Option<f64> {
        self.overrides
            .iter()
            .rev()
            .find(|o| o.target == target)
            .map(|o| o.value)
    }
}

/// Computes and checks every value of `scenario` under `overrides`.
///
/// # Errors
/// Every value check that fails: probabilities outside [0, 1], `one of` sums
/// above 1, delays under one step, values outside ranges, reversed ranges,
/// durations that are not whole steps, a horizon out of bounds.
pub fn resolve<'m>(
    model: &'m Model,
    scenario: ScenarioId,
    overrides: &'m [Override],
    limits: &Limits,
) -> Result<Resolved<'m>, Vec<CheckError>> {
    let lineage = model.lineage(scenario);
    let interventions: Vec<(&'m InterventionKind, Span)> = merged_interventions(model, &lineage);
    let mut r = Resolver {
        model,
        overrides,
        errors: Vec::new(),
        params: Vec::new(),
        dt: model.step.size,
    };

    // Parameters: declared, then set by the scenario, then overridden.
    let mut params = Vec::with_capacity(model.params.len());
    for p in &model.params {
        params.push(eval_const(&p.value, &[], r.dt));
    }
    r.params = params;
    for p in 0..model.params.len() {
        let id = ParamId::from_index(p);
        let decl = &model.params[p];
        let mut at = decl.value.span;
        for (kind, span) in &interventions {
            if let InterventionKind::SetParam(q, e) = kind
                && *q == id
            {
                r.params[p] = eval_const(e, &r.params, r.dt);
                at = *span;
            }
        }
        if let Some(v) = r.overridden(OverrideTarget::Param(id)) {
            r.params[p] = v;
        }
        let v = r.params[p];
        if !v.is_finite() {
            r.errors.push(CheckError::NonFinite {
                at,
                what: "this parameter's value",
                problem: "is not a finite number",
                help: "check for a division by zero, the log of 0, the square root of a negative number or a huge exponent".to_string(),
            });
            continue;
        }
        if let Some((lo, hi)) = &decl.range {
            let (lo, hi) = (r.value(lo, "a range's end"), r.value(hi, "a range's end"));
            check_range(&mut r, lo, hi, decl.span);
            if !(lo..=hi).contains(&v) {
                let help = r.override_help(OverrideTarget::Param(id));
                r.errors.push(CheckError::OutOfRange {
                    at,
                    what: "the value",
                    value: Num(v),
                    name: decl.name.clone(),
                    lo: Num(lo),
                    hi: Num(hi),
                    help: range_help(help, &decl.name, lo, hi),
                });
            }
        }
    }

    // The horizon: the nearest scenario that sets one, else the model's.
    let horizon_steps = lineage
        .iter()
        .rev()
        .find_map(|s| model.scenario(*s).horizon.as_ref())
        .unwrap_or(&model.horizon);
    let horizon_raw = eval_const(&horizon_steps.value, &r.params, r.dt) * horizon_steps.per_unit;
    let horizon = if horizon_raw < 1.0 {
        r.errors.push(CheckError::Horizon {
            at: horizon_steps.span,
            steps: Num(horizon_raw),
        });
        1
    } else {
        let h = r.steps(horizon_steps, "the horizon");
        // Compared as a float, so that a horizon beyond u32 is reported as written.
        #[allow(clippy::cast_precision_loss)]
        let limit = limits.horizon as f64;
        if h.is_some() && horizon_raw.round() > limit {
            r.errors.push(CheckError::TooMany {
                at: horizon_steps.span,
                which: crate::limits::Limit::Horizon,
                count: Num(horizon_raw.round()),
                limit: limits.horizon,
            });
        }
        h.unwrap_or(1).max(1)
    };

    let nodes = resolve_nodes(&mut r, &interventions);
    let rules = resolve_rules(&mut r, &lineage, &interventions);
    let (holds, forced) = resolve_interventions(&mut r, &interventions, &nodes, horizon);
    check_expressions(&mut r, &rules);

    let Resolver {
        errors, params, dt, ..
    } = r;
    if errors.is_empty() {
        Ok(Resolved {
            scenario,
            horizon,
            params,
            dt,
            nodes,
            rules,
            holds,
            forced,
        })
    } else {
        Err(errors)
    }
}

/// The interventions in force in a scenario: its ancestors', then its own, a
/// later one replacing an earlier one on the same target.
#[must_use]
pub fn merged_interventions<'m>(
    model: &'m Model,
    lineage: &[ScenarioId],
) -> Vec<(&'m InterventionKind, Span)> {
    let mut out: Vec<(&'m InterventionKind, Span)> = Vec::new();
    for s in lineage {
        for i in &model.scenario(*s).interventions {
            out.retain(|(k, _)| !super::items::same_target(k, &i.kind));
            out.push((&i.kind, i.span));
        }
    }
    out
}

/// What to do about a value outside a range, and where it came from when an
/// override gave it.
fn range_help(from: Option<String>, name: &str, lo: f64, hi: f64) -> Option<String> {
    let fix = format!(
        "give a value from {} to {}, or widen the range of `{name}` with `in [lo, hi]`",
        format_number(lo),
        format_number(hi)
    );
    Some(match from {
        Some(from) => format!("{from}; {fix}"),
        None => fix,
    })
}

/// The largest magnitude of a range's end or a distribution's parameter, so of
/// any value a factor can take. Within it, every statistic of the results — sums
/// and squares over up to 10^8 runs, differences between scenarios, histogram
/// widths — is a finite number; and no model needs more (a quantity in the
/// billions of billions is measured in larger units).
pub const MAX_MAGNITUDE: f64 = 1e100;

/// Reports `value` (`what`, at `at`) when its magnitude is beyond [`MAX_MAGNITUDE`].
fn check_magnitude(r: &mut Resolver<'_>, value: f64, what: &'static str, at: Span) -> bool {
    if value.abs() <= MAX_MAGNITUDE || value.is_nan() {
        return true;
    }
    r.errors.push(CheckError::Huge {
        at,
        what,
        value: Num(value),
    });
    false
}

fn check_range(r: &mut Resolver<'_>, lo: f64, hi: f64, at: Span) -> bool {
    if !(check_magnitude(r, lo, "the range's end", at)
        & check_magnitude(r, hi, "the range's end", at))
    {
        return false;
    }
    let (problem, help) = if lo > hi {
        ("reversed", "write the lower end first: `in [low, high]`")
    } else if lo == hi {
        (
            "empty",
            "a range needs room to move: make the upper end larger than the lower end (a value that never changes can be a `param`)",
        )
    } else {
        return true;
    };
    r.errors.push(CheckError::BadRange {
        at,
        lo: Num(lo),
        hi: Num(hi),
        problem,
        help,
    });
    false
}

fn resolve_nodes<'m>(
    r: &mut Resolver<'m>,
    interventions: &[(&'m InterventionKind, Span)],
) -> Vec<NodeValues<'m>> {
    let model = r.model;
    let mut out = Vec::with_capacity(model.nodes.len());
    for (i, n) in model.nodes.iter().enumerate() {
        let id = NodeId::from_index(i);
        let mut v = NodeValues {
            range: (0.0, 1.0),
            start: StartValue::Const(0.0),
            prior: 0.0,
            hazard: None,
        };
        if n.kind == NodeKind::Factor {
            let (lo, hi) = (
                r.value(&n.range.0, "a range's end"),
                r.value(&n.range.1, "a range's end"),
            );
            let span = n.range.0.span.to(n.range.1.span);
            if !check_range(r, lo, hi, span) {
                // Without a range, the starting value has nothing to be
                // checked against: one error, not a spurious second.
                out.push(v);
                continue;
            }
            v.range = (lo, hi);
            let mut start = n.start.as_ref();
            for (kind, _) in interventions {
                if let InterventionKind::SetStart(m, s) = kind
                    && *m == id
                {
                    start = Some(s);
                }
            }
            if let Some(s) = start {
                v.start = start_value(r, s, &n.name, v.range);
            }
            if let Some(value) = r.overridden(OverrideTarget::Start(id)) {
                v.start = StartValue::Const(value);
                if !(v.range.0..=v.range.1).contains(&value) {
                    let help = r.override_help(OverrideTarget::Start(id));
                    r.errors.push(CheckError::OutOfRange {
                        at: n.span,
                        what: "the starting value",
                        value: Num(value),
                        name: n.name.clone(),
                        lo: Num(v.range.0),
                        hi: Num(v.range.1),
                        help: range_help(help, &n.name, v.range.0, v.range.1),
                    });
                }
            }
        } else {
            let mut prior = n.prior.as_ref();
            let mut hazard = n.hazard.as_ref();
            for (kind, _) in interventions {
                match kind {
                    InterventionKind::SetPrior(m, e) if *m == id => prior = Some(e),
                    InterventionKind::SetHazard(m, e) if *m == id => hazard = Some(e),
                    _ => {}
                }
            }
            if let Some(p) = prior {
                v.prior = r.probability(p, "the prior", None);
            }
            if let Some(value) = r.overridden(OverrideTarget::Prior(id)) {
                v.prior =
                    override_probability(r, value, OverrideTarget::Prior(id), n.span, "the prior");
            }
            v.hazard = hazard.map(|h| rate(r, h, "the hazard"));
            if let Some(value) = r.overridden(OverrideTarget::Hazard(id)) {
                let p = override_probability(
                    r,
                    value,
                    OverrideTarget::Hazard(id),
                    n.span,
                    "the hazard",
                );
                v.hazard = Some(Rate::Const(p));
            }
        }
        out.push(v);
    }
    out
}

fn override_probability(
    r: &mut Resolver<'_>,
    value: f64,
    target: OverrideTarget,
    at: Span,
    what: &'static str,
) -> f64 {
    if !(0.0..=1.0).contains(&value) {
        let help = r.override_help(target);
        r.errors.push(CheckError::Probability {
            at,
            what,
            value: Num(value),
            help,
        });
    }
    value.clamp(0.0, 1.0)
}

fn rate<'m>(r: &mut Resolver<'m>, e: &'m Expr, what: &'static str) -> Rate<'m> {
    if e.is_constant() {
        Rate::Const(r.probability(e, what, None))
    } else {
        Rate::Expr(e)
    }
}

fn start_value(r: &mut Resolver<'_>, s: &Start, name: &str, (lo, hi): (f64, f64)) -> StartValue {
    let mut val = |e: &Expr| r.value(e, "a starting value");
    let out = match s {
        Start::Value(e) => StartValue::Const(val(e)),
        Start::Uniform(a, b) => StartValue::Uniform(val(a), val(b)),
        Start::Triangular(a, m, b) => StartValue::Triangular(val(a), val(m), val(b)),
        Start::Normal(m, sd) => StartValue::Normal(val(m), val(sd)),
        Start::Bernoulli(p) => StartValue::Bernoulli(val(p)),
    };
    let span = s
        .exprs()
        .iter()
        .map(|e| e.span)
        .reduce(Span::to)
        .unwrap_or_default();
    let bad = |r: &mut Resolver<'_>, problem: String, help: &str| {
        r.errors.push(CheckError::BadAttribute {
            at: span,
            problem,
            help: Some(help.to_string()),
        });
    };
    let parameters = match out {
        StartValue::Uniform(a, b) => vec![a, b],
        StartValue::Triangular(a, m, b) => vec![a, m, b],
        StartValue::Normal(m, sd) => vec![m, sd],
        StartValue::Const(_) | StartValue::Bernoulli(_) => Vec::new(),
    };
    for (v, e) in parameters.into_iter().zip(s.exprs()) {
        if !check_magnitude(r, v, "the distribution's parameter", e.span) {
            return out;
        }
    }
    match out {
        StartValue::Const(v) if !(lo..=hi).contains(&v) => {
            r.errors.push(CheckError::OutOfRange {
                at: span,
                what: "the starting value",
                value: Num(v),
                name: name.to_string(),
                lo: Num(lo),
                hi: Num(hi),
                help: range_help(None, name, lo, hi),
            });
        }
        StartValue::Uniform(a, b) if a > b => {
            let (a, b) = (format_number(a), format_number(b));
            r.errors.push(CheckError::BadAttribute {
                at: span,
                problem: format!("`uniform({a}, {b})` has its ends reversed"),
                help: Some(format!("write the lower end first: `uniform({b}, {a})`")),
            });
        }
        StartValue::Triangular(a, m, b) if !(a <= m && m <= b && a < b) => {
            bad(
                r,
                format!(
                    "`triangular({}, {}, {})` needs low ≤ mode ≤ high, low < high",
                    format_number(a),
                    format_number(m),
                    format_number(b)
                ),
                "the arguments are the low end, the most likely value and the high end, e.g. `triangular(0.2, 0.5, 0.9)`",
            );
        }
        StartValue::Normal(_, sd) if sd <= 0.0 => {
            bad(
                r,
                format!(
                    "`normal` needs a positive standard deviation, not {}",
                    format_number(sd)
                ),
                "the arguments are the mean and the standard deviation, e.g. `normal(0.5, 0.1)`",
            );
        }
        StartValue::Bernoulli(p) if !(0.0..=1.0).contains(&p) => {
            r.errors.push(CheckError::Probability {
                at: span,
                what: "`bernoulli`'s probability",
                value: Num(p),
                help: Some(
                    "`bernoulli(p)` starts at 1 with probability p and at 0 otherwise, so p is between 0 and 1"
                        .to_string(),
                ),
            });
        }
        _ => {}
    }
    out
}

fn resolve_rules<'m>(
    r: &mut Resolver<'m>,
    lineage: &[ScenarioId],
    interventions: &[(&'m InterventionKind, Span)],
) -> Vec<RuleValues<'m>> {
    let model = r.model;
    let mut out = Vec::with_capacity(model.rules.len());
    for (i, rule) in model.rules.iter().enumerate() {
        let id = RuleId::from_index(i);
        let in_lineage = rule.scenario.is_none_or(|s| lineage.contains(&s));
        let disabled = lineage
            .iter()
            .any(|s| model.scenario(*s).without.iter().any(|(w, _)| *w == id));
        let active = in_lineage && !disabled;
        let mut values = RuleValues {
            active,
            likelihood: Rate::Const(1.0),
            delay: (1, 1),
            branches: Vec::new(),
        };
        if !in_lineage {
            out.push(values);
            continue;
        }
        values.likelihood = match &rule.likelihood {
            None => Rate::Const(1.0),
            Some(Likelihood::Word { value, .. }) => Rate::Const(*value),
            Some(Likelihood::P(e)) => rate(r, e, "the likelihood"),
        };
        for (kind, _) in interventions {
            if let InterventionKind::SetRule(q, e) = kind
                && *q == id
            {
                values.likelihood = rate(r, e, "the likelihood");
            }
        }
        if let Some(v) = r.overridden(OverrideTarget::Rule(id)) {
            let p = override_probability(
                r,
                v,
                OverrideTarget::Rule(id),
                rule.name_span,
                "the likelihood",
            );
            values.likelihood = Rate::Const(p);
        }
        values.delay = rule.delay.as_ref().map_or((1, 1), |d| delay(r, d));
        if let RuleEffects::OneOf(branches) = &rule.effects {
            let mut sum = 0.0;
            for b in branches {
                let p = match &b.likelihood {
                    Likelihood::P(e) => r.probability(e, "a branch's probability", None),
                    Likelihood::Word { value, .. } => *value,
                };
                sum += p;
                let d = b.delay.as_ref().map_or(values.delay, |d| delay(r, d));
                values.branches.push((p, d));
            }
            if sum > 1.0 + 1e-12 {
                let span = branches
                    .iter()
                    .map(|b| b.span)
                    .reduce(Span::to)
                    .unwrap_or(rule.span);
                r.errors.push(CheckError::BranchSum {
                    at: span,
                    sum: Num(sum),
                });
            }
        }
        out.push(values);
    }
    out
}

fn delay(r: &mut Resolver<'_>, d: &super::model::Delay) -> (u32, u32) {
    let lo = r.steps(&d.lo, "the delay");
    let hi = match &d.hi {
        Some(h) => r.steps(h, "the delay"),
        None => lo,
    };
    let ends = std::iter::once((lo, &d.lo)).chain(d.hi.as_ref().map(|h| (hi, h)));
    for (v, s) in ends {
        if let Some(v) = v
            && v < 1
        {
            r.errors.push(CheckError::Delay {
                at: s.span,
                steps: Num(f64::from(v)),
            });
        }
    }
    if let (Some(lo), Some(hi)) = (lo, hi)
        && hi < lo
    {
        r.errors.push(CheckError::ReversedSteps {
            at: d.span,
            what: "the delay",
            lo: lo.into(),
            hi: hi.into(),
        });
    }
    let lo = lo.unwrap_or(1).max(1);
    (lo, hi.unwrap_or(lo).max(lo))
}

fn resolve_interventions(
    r: &mut Resolver<'_>,
    interventions: &[(&InterventionKind, Span)],
    nodes: &[NodeValues<'_>],
    horizon: u32,
) -> (Vec<Hold>, Vec<Forced>) {
    let model = r.model;
    let mut holds = Vec::new();
    let mut forced = Vec::new();
    for (kind, span) in interventions {
        match kind {
            InterventionKind::Hold {
                node,
                value,
                window,
            } => {
                let n = model.node(*node);
                let v = r.value(value, "the held value");
                if n.kind == NodeKind::Factor {
                    let (lo, hi) = nodes[node.index()].range;
                    if !(lo..=hi).contains(&v) {
                        r.errors.push(CheckError::OutOfRange {
                            at: value.span,
                            what: "the held value",
                            value: Num(v),
                            name: n.name.clone(),
                            lo: Num(lo),
                            hi: Num(hi),
                            help: range_help(None, &n.name, lo, hi),
                        });
                    }
                }
                let (from, to) = match window {
                    None => (0, horizon),
                    Some((a, b)) => {
                        let (from, to) = (
                            r.steps(a, "the start of the hold"),
                            r.steps(b, "the end of the hold"),
                        );
                        if let (Some(from), Some(to)) = (from, to)
                            && to < from
                        {
                            r.errors.push(CheckError::ReversedSteps {
                                at: a.span.to(b.span),
                                what: "the hold",
                                lo: from.into(),
                                hi: to.into(),
                            });
                        }
                        (from.unwrap_or(0), to.unwrap_or(horizon).min(horizon))
                    }
                };
                holds.push(Hold {
                    node: *node,
                    value: v,
                    from,
                    to,
                    span: *span,
                });
            }
            InterventionKind::AtEvent(steps, node) => {
                let step = r.steps(steps, "the step of `at`").unwrap_or(0);
                forced.push(Forced {
                    step,
                    node: *node,
                    value: None,
                    span: *span,
                });
            }
            InterventionKind::AtSet(steps, node, value) => {
                let step = r.steps(steps, "the step of `at`").unwrap_or(0);
                let v = r.value(value, "the value set by `at`");
                let (lo, hi) = nodes[node.index()].range;
                if !(lo..=hi).contains(&v) {
                    let name = model.node(*node).name.clone();
                    r.errors.push(CheckError::OutOfRange {
                        at: value.span,
                        what: "the value set by `at`",
                        value: Num(v),
                        help: range_help(None, &name, lo, hi),
                        name,
                        lo: Num(lo),
                        hi: Num(hi),
                    });
                }
                forced.push(Forced {
                    step,
                    node: *node,
                    value: Some(v),
                    span: *span,
                });
            }
            _ => {}
        }
    }
    forced.sort_by_key(|f| f.step);
    (holds, forced)
}

/// Constants inside expressions: the length of `for`, the count of `at least`.
fn check_expressions(r: &mut Resolver<'_>, rules: &[RuleValues<'_>]) {
    let model = r.model;
    let mut exprs: Vec<&Expr> = Vec::new();
    for n in &model.nodes {
        exprs.extend(n.derived.iter().chain(n.hazard.iter()));
    }
    for (rule, values) in model.rules.iter().zip(rules) {
        if !values.active {
            continue;
        }
        exprs.push(&rule.condition);
        exprs.extend(rule.effects.iter().filter_map(|e| e.op.amount()));
        if let Some(Likelihood::P(e)) = &rule.likelihood {
            exprs.push(e);
        }
    }
    let mut found: Vec<(&Steps, Option<(&Expr, usize)>)> = Vec::new();
    for e in exprs {
        e.visit(&mut |x| match &x.kind {
            ExprKind::Sustained(_, s) => found.push((s, None)),
            ExprKind::AtLeast(b) => found.push((&model.horizon, Some((&b.0, b.1.len())))),
            _ => {}
        });
    }
    for (steps, at_least) in found {
        match at_least {
            None => {
                if r.steps(steps, "the length of `for`") == Some(0) {
                    r.errors.push(CheckError::BadAttribute {
                        at: steps.span,
                        problem: "`for` needs at least 1 step".to_string(),
                        help: Some("`c for 1` is `c` itself".to_string()),
                    });
                }
            }
            Some((k, n)) => {
                let v = r.value(k, "the count of `at least`");
                if v.fract() != 0.0 || v < 0.0 || v > n as f64 {
                    r.errors.push(CheckError::BadAttribute {
                        at: k.span,
                        problem: format!(
                            "`at least {} of` needs a whole number from 0 to {n}",
                            format_number(v)
                        ),
                        help: Some(format!(
                            "it counts how many of its {n} conditions hold, so the count is one of 0, 1, …, {n}"
                        )),
                    });
                }
            }
        }
    }
}
