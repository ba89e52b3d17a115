//! Judging a model's expectations: its own tests.
//!
//! Each expectation is measured with a confidence interval (99% by default) and
//! judged PASS, FAIL or INCONCLUSIVE — inconclusive when the interval straddles
//! the threshold, so a Monte Carlo test never flips between pass and fail from
//! one seed to another; the verdict then says how many runs would decide it.
//!
//! - Probabilities: the Wilson interval of P(condition at / by the step).
//! - `is WORD`: the interval must lie inside the word's interval (PASS) or
//!   entirely outside it (FAIL).
//! - Means: the normal interval of the mean.
//! - Percentiles: `pQ(x) < c` is judged as P(x < c) ≥ Q, exactly the same
//!   statement, whose Wilson interval is sharp.
//! - `never`: no run at all (a count, not an interval).
//! - `lower/higher than in OTHER`: the paired difference of the two scenarios,
//!   run by run with the same draws.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::check::Model;
use crate::check::model::{
    ExpectKind, Expectation, Expr, ExprKind, NodeId, ProbMode, ScenarioId, Stat, Verdict,
};
use crate::check::scale::percent;
use crate::check::values::{self, Override};
use crate::eval::paired::{self, Measure, Pair};
use crate::eval::{self, EvalError, Options};
use crate::limits::Limits;
use crate::render::{num, points, signed};
use crate::span::{SourceMap, Span};
use crate::syntax::ast::{CmpOp, Direction};

/// The default confidence of test verdicts.
pub const TEST_CONFIDENCE: f64 = 0.99;

/// A verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Judgement {
    /// The interval is on the expected side.
    Pass,
    /// The interval is on the other side.
    Fail,
    /// The interval straddles the threshold; about this many runs would decide
    /// it, when that can be estimated.
    Inconclusive(Option<u64>),
}

/// The outcome of one expectation.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The expectation's index in the model.
    pub index: usize,
    /// Its scenario.
    pub scenario: String,
    /// The expectation as written.
    pub text: String,
    /// Where it is written.
    pub span: Span,
    /// The verdict.
    pub judgement: Judgement,
    /// What was measured, in words ("P = 83% [82%, 84%]").
    pub measured: String,
    /// What it was held against ("≥ 66%").
    pub against: String,
    /// How long it took (its share of the evaluations it needed).
    pub elapsed: Duration,
}

/// How to run the tests.
#[derive(Clone, Debug, PartialEq)]
pub struct TestOptions {
    /// The evaluation options (runs, seed, threads).
    pub eval: Options,
    /// The confidence of the verdicts.
    pub confidence: f64,
}

impl Default for TestOptions {
    fn default() -> Self {
        TestOptions {
            eval: Options::default(),
            confidence: TEST_CONFIDENCE,
        }
    }
}

/// Judges a value with interval `(lo, hi)` against `op threshold`.
#[must_use]
pub fn judge(value: f64, (lo, hi): (f64, f64), op: CmpOp, threshold: f64, runs: u64) -> Judgement {
    let pass = |v: f64| op.holds(v, threshold);
    let (pl, ph) = (pass(lo), pass(hi));
    match op {
        CmpOp::Eq | CmpOp::Ne => {
            if lo == hi {
                if pl { Judgement::Pass } else { Judgement::Fail }
            } else if op == CmpOp::Ne && !(lo..=hi).contains(&threshold) {
                Judgement::Pass
            } else if op == CmpOp::Eq && !(lo..=hi).contains(&threshold) {
                Judgement::Fail
            } else {
                Judgement::Inconclusive(None)
            }
        }
        _ if pl && ph => Judgement::Pass,
        _ if !pl && !ph => Judgement::Fail,
        _ => Judgement::Inconclusive(runs_to_decide(value, lo, hi, threshold, runs)),
    }
}

/// Runs needed for the interval to clear the threshold, by the √n law.
fn runs_to_decide(value: f64, lo: f64, hi: f64, threshold: f64, runs: u64) -> Option<u64> {
    let margin = (value - threshold).abs();
    let half = (hi - lo) / 2.0;
    if margin <= 0.0 || half <= 0.0 || runs == 0 {
        return None;
    }
    let needed = runs as f64 * (half / margin).powi(2) * 1.1;
    (needed.is_finite() && needed < 1e15).then(|| needed.ceil() as u64)
}

/// What one scenario's evaluation must measure.
#[derive(Default)]
struct Plan<'m> {
    probes: Vec<Expr>,
    items: Vec<(usize, &'m Expectation)>,
}

/// Judges the expectations of `model` that `select` keeps.
///
/// # Errors
/// An evaluation failure (a fault, a value check, a limit).
pub fn run(
    model: &Model,
    sources: &SourceMap,
    overrides: &[Override],
    options: &TestOptions,
    limits: &Limits,
    select: &dyn Fn(&Expectation) -> bool,
) -> Result<Vec<Outcome>, EvalError> {
    let mut outcomes: Vec<Outcome> = Vec::new();
    // Absolute expectations: one evaluation per scenario, with probes.
    let mut plans: BTreeMap<ScenarioId, Plan<'_>> = BTreeMap::new();
    // Comparisons: one paired evaluation per pair of scenarios.
    let mut pairs: BTreeMap<(ScenarioId, ScenarioId), Vec<(usize, &Expectation)>> = BTreeMap::new();
    for (i, e) in model.expectations.iter().enumerate() {
        if !select(e) {
            continue;
        }
        match verdict_of(e) {
            Some(Verdict::Than(_, other)) => {
                pairs.entry((e.scenario, *other)).or_default().push((i, e))
            }
            _ => {
                let plan = plans.entry(e.scenario).or_default();
                plan.probes.extend(probes_of(e));
                plan.items.push((i, e));
            }
        }
    }
    for (scenario, plan) in plans {
        let start = Instant::now();
        let probe_refs: Vec<&Expr> = plan.probes.iter().collect();
        let prepared = eval::prepare(model, sources, scenario, overrides, &probe_refs, limits)?;
        let resolved =
            values::resolve(model, scenario, overrides, limits).map_err(EvalError::Values)?;
        // Only the factors and steps the expectations read are recorded.
        let mut factors = Vec::new();
        let mut steps = Vec::new();
        for (_, e) in &plan.items {
            if let ExpectKind::Stat { node, at, .. } = &e.kind {
                factors.push(*node);
                steps.push(at.as_ref().map_or(resolved.horizon, |s| resolved.steps(s)));
            }
        }
        let eval_options = eval::Options {
            record: eval::Record::Only { factors, steps },
            ..options.eval.clone()
        };
        let results = eval::evaluate(&prepared, &eval_options, limits)?;
        let each = start.elapsed() / u32::try_from(plan.items.len().max(1)).unwrap_or(1);
        let mut probe = 0;
        for (i, e) in plan.items {
            let step = |s: Option<&crate::check::model::Steps>| {
                s.map_or(resolved.horizon, |s| resolved.steps(s)) as usize
            };
            let n = results.runs;
            let exact = results.exact;
            let interval = |p: f64| {
                if exact {
                    (p, p)
                } else {
                    let k = (p * n as f64).round() as u64;
                    eval::results::wilson(k, n, options.confidence)
                }
            };
            let (judgement, measured, against) = match &e.kind {
                ExpectKind::Prob {
                    mode,
                    step: s,
                    verdict,
                    ..
                } => {
                    let t = step(s.as_ref());
                    let (at, by) = &results.probes[probe];
                    probe += 1;
                    let p = if *mode == ProbMode::At { at[t] } else { by[t] };
                    let ci = interval(p);
                    let Verdict::Compare(op, thr) = verdict else {
                        continue;
                    };
                    let thr = resolved.constant(thr);
                    (
                        judge(p, ci, *op, thr, n),
                        prob_text(p, ci, exact),
                        format!("{} {}", op.symbol(), pct(thr)),
                    )
                }
                ExpectKind::Is {
                    interval: (lo, hi),
                    by,
                    word,
                    ..
                } => {
                    let t = step(by.as_ref());
                    let (_, by_step) = &results.probes[probe];
                    probe += 1;
                    let p = by_step[t];
                    let ci = interval(p);
                    let judgement = if ci.0 >= *lo && ci.1 <= *hi {
                        Judgement::Pass
                    } else if ci.1 < *lo || ci.0 > *hi {
                        Judgement::Fail
                    } else {
                        let edge = if p < *lo || (p - lo).abs() < (p - hi).abs() {
                            *lo
                        } else {
                            *hi
                        };
                        Judgement::Inconclusive(runs_to_decide(p, ci.0, ci.1, edge, n))
                    };
                    (
                        judgement,
                        prob_text(p, ci, exact),
                        format!(
                            "{} = [{}, {}]",
                            word.replace('_', " "),
                            percent(*lo),
                            percent(*hi)
                        ),
                    )
                }
                ExpectKind::Never { by, .. } => {
                    let t = step(by.as_ref());
                    let (_, by_step) = &results.probes[probe];
                    probe += 1;
                    let p = by_step[t];
                    let judgement = if p == 0.0 {
                        Judgement::Pass
                    } else {
                        Judgement::Fail
                    };
                    let runs = (p * n as f64).round() as u64;
                    let measured = if exact {
                        format!("P = {}", pct(p))
                    } else {
                        format!("happened in {runs} of {n} runs")
                    };
                    (judgement, measured, "no run".to_string())
                }
                ExpectKind::Stat {
                    stat: Stat::Mean,
                    node,
                    at,
                    verdict,
                } => {
                    let t = step(at.as_ref());
                    let f = results.factor(&model.node(*node).name).ok_or(
                        EvalError::ExactOutOfReach {
                            reason: "internal: missing factor".into(),
                        },
                    )?;
                    let (m, sd) = (f.mean[t], f.sd[t]);
                    let ci = if exact || n < 2 {
                        (m, m)
                    } else {
                        let z = crate::eval::results::z(options.confidence);
                        let half = z * sd / (n as f64).sqrt();
                        (m - half, m + half)
                    };
                    let Verdict::Compare(op, thr) = verdict else {
                        continue;
                    };
                    let thr = resolved.constant(thr);
                    let measured = if ci.0 == ci.1 {
                        format!("mean = {}", num(m, 6))
                    } else {
                        format!("mean = {} [{}, {}]", num(m, 6), num(ci.0, 6), num(ci.1, 6))
                    };
                    (
                        judge(m, ci, *op, thr, n),
                        measured,
                        format!("{} {}", op.symbol(), num(thr, 6)),
                    )
                }
                ExpectKind::Stat {
                    stat: Stat::Percentile(q),
                    node,
                    at,
                    verdict,
                } => {
                    let t = step(at.as_ref());
                    let (_, _) = (node, at);
                    let Verdict::Compare(op, thr) = verdict else {
                        continue;
                    };
                    let thr = resolved.constant(thr);
                    let (at_step, _) = &results.probes[probe];
                    probe += 1;
                    let q = f64::from(*q) / 100.0;
                    // The probe is `x < thr` for `<` and `>=`, `x <= thr` for `<=`
                    // and `>` (see `probe_of`): pQ < thr ⟺ P(x < thr) ≥ Q, and so on.
                    let p = at_step[t];
                    let ci = interval(p);
                    let estimate = results
                        .factor(&model.node(*node).name)
                        .map_or(f64::NAN, |f| match q {
                            x if (x - 0.05).abs() < 1e-9 => f.p5[t],
                            x if (x - 0.5).abs() < 1e-9 => f.p50[t],
                            x if (x - 0.95).abs() < 1e-9 => f.p95[t],
                            _ => f64::NAN,
                        });
                    let below = matches!(op, CmpOp::Lt | CmpOp::Le);
                    let judgement = match op {
                        CmpOp::Eq | CmpOp::Ne => {
                            // pQ == c exactly when P(x < c) < Q ≤ P(x ≤ c): a
                            // second probe, `x <= c`, follows the first.
                            let p_le = results.probes[probe].0[t];
                            probe += 1;
                            let ci_le = interval(p_le);
                            let equal = match (
                                judge(p, ci, CmpOp::Lt, q, n),
                                judge(p_le, ci_le, CmpOp::Ge, q, n),
                            ) {
                                (Judgement::Pass, Judgement::Pass) => Judgement::Pass,
                                (Judgement::Fail, _) | (_, Judgement::Fail) => Judgement::Fail,
                                (Judgement::Inconclusive(a), Judgement::Inconclusive(b)) => {
                                    Judgement::Inconclusive(a.max(b))
                                }
                                (Judgement::Inconclusive(a), _)
                                | (_, Judgement::Inconclusive(a)) => Judgement::Inconclusive(a),
                            };
                            match (op, equal) {
                                (CmpOp::Ne, Judgement::Pass) => Judgement::Fail,
                                (CmpOp::Ne, Judgement::Fail) => Judgement::Pass,
                                (_, j) => j,
                            }
                        }
                        _ => {
                            // P ≥ q passes a `<`/`<=`; P < q passes a `>`/`>=`.
                            let want = if below { CmpOp::Ge } else { CmpOp::Lt };
                            judge(p, ci, want, q, n)
                        }
                    };
                    let stat = format!("p{}", (q * 100.0).round());
                    let sign = if matches!(op, CmpOp::Le | CmpOp::Gt) {
                        "≤"
                    } else {
                        "<"
                    };
                    let measured = if estimate.is_finite() {
                        format!(
                            "{stat} ≈ {}; P(x {sign} {}) = {}",
                            num(estimate, 4),
                            num(thr, 6),
                            prob_text(p, ci, exact).trim_start_matches("P = ")
                        )
                    } else {
                        format!(
                            "P(x {sign} {}) = {}",
                            num(thr, 6),
                            prob_text(p, ci, exact).trim_start_matches("P = ")
                        )
                    };
                    (
                        judgement,
                        measured,
                        format!("{stat} {} {}", op.symbol(), num(thr, 6)),
                    )
                }
            };
            outcomes.push(Outcome {
                index: i,
                scenario: model.scenario(e.scenario).name.clone(),
                text: e.text.clone(),
                span: e.span,
                judgement,
                measured,
                against,
                elapsed: each,
            });
        }
    }
    for ((a, b), items) in pairs {
        let start = Instant::now();
        let mut probes_a: Vec<Expr> = Vec::new();
        let mut measures: Vec<Pair> = Vec::new();
        let resolved = values::resolve(model, a, overrides, limits).map_err(EvalError::Values)?;
        for (_, e) in &items {
            let (m, t) = match &e.kind {
                ExpectKind::Prob {
                    condition,
                    mode,
                    step,
                    ..
                } => {
                    let t = step
                        .as_ref()
                        .map_or(resolved.horizon, |s| resolved.steps(s));
                    let k = probes_a.len();
                    probes_a.push(condition.clone());
                    (
                        if *mode == ProbMode::At {
                            Measure::ProbeAt(k)
                        } else {
                            Measure::ProbeBy(k)
                        },
                        t,
                    )
                }
                ExpectKind::Stat { node, at, .. } => (
                    Measure::Factor(node.0),
                    at.as_ref().map_or(resolved.horizon, |s| resolved.steps(s)),
                ),
                _ => continue,
            };
            measures.push(Pair {
                a: m,
                b: m,
                step: t,
            });
        }
        let refs: Vec<&Expr> = probes_a.iter().collect();
        let pa = eval::prepare(model, sources, a, overrides, &refs, limits)?;
        let pb = eval::prepare(model, sources, b, overrides, &refs, limits)?;
        let runs = options.eval.runs;
        let diffs = if options.eval.exact {
            exact_differences(&pa, &pb, &measures, model, &options.eval, limits)?
        } else {
            paired::compare(
                &pa.program,
                &pb.program,
                &measures,
                runs,
                &options.eval,
                limits,
            )?
        };
        let each = start.elapsed() / u32::try_from(items.len().max(1)).unwrap_or(1);
        for ((i, e), d) in items.iter().zip(diffs) {
            let Some(Verdict::Than(direction, other)) = verdict_of(e) else {
                continue;
            };
            let ci = d.interval(options.confidence);
            let op = if *direction == Direction::Lower {
                CmpOp::Lt
            } else {
                CmpOp::Gt
            };
            let judgement = judge(d.mean, ci, op, 0.0, d.runs);
            let is_prob = matches!(e.kind, ExpectKind::Prob { .. });
            let show = |v: f64| if is_prob { pct(v) } else { num(v, 4) };
            let change = |v: f64| if is_prob { points(v) } else { signed(v, 3) };
            let measured = format!(
                "{} vs {} in `{}`: difference {} [{}, {}]",
                show(d.mean_a),
                show(d.mean_b),
                model.scenario(*other).name,
                change(d.mean),
                change(ci.0),
                change(ci.1),
            );
            let against = format!(
                "{} than in `{}`",
                if *direction == Direction::Lower {
                    "lower"
                } else {
                    "higher"
                },
                model.scenario(*other).name
            );
            outcomes.push(Outcome {
                index: *i,
                scenario: model.scenario(e.scenario).name.clone(),
                text: e.text.clone(),
                span: e.span,
                judgement,
                measured,
                against,
                elapsed: each,
            });
        }
    }
    outcomes.sort_by_key(|o| o.index);
    Ok(outcomes)
}

/// Both scenarios evaluated exactly: their difference has no sampling error.
fn exact_differences(
    a: &eval::Prepared<'_>,
    b: &eval::Prepared<'_>,
    measures: &[Pair],
    model: &Model,
    options: &Options,
    limits: &Limits,
) -> Result<Vec<paired::Difference>, EvalError> {
    let (ra, rb) = (
        eval::evaluate(a, options, limits)?,
        eval::evaluate(b, options, limits)?,
    );
    let value = |r: &eval::Results, m: Measure, t: usize| match m {
        Measure::ProbeAt(k) => r.probes[k].0[t],
        Measure::ProbeBy(k) => r.probes[k].1[t],
        Measure::Event(n) => r
            .event(&model.nodes[n as usize].name)
            .map_or(f64::NAN, |e| e.by_step[t]),
        Measure::Factor(n) => r
            .factor(&model.nodes[n as usize].name)
            .map_or(f64::NAN, |f| f.mean[t]),
    };
    Ok(measures
        .iter()
        .map(|pair| {
            let t = pair.step as usize;
            let (x, y) = (value(&ra, pair.a, t), value(&rb, pair.b, t));
            paired::Difference {
                mean_a: x,
                mean_b: y,
                mean: x - y,
                sd: 0.0,
                runs: 0,
            }
        })
        .collect())
}

/// A probability with three significant digits: a test's verdict may turn on
/// the third.
fn pct(p: f64) -> String {
    format!("{}%", num(p * 100.0, 3))
}

fn prob_text(p: f64, (lo, hi): (f64, f64), exact: bool) -> String {
    if exact || lo == hi {
        format!("P = {} (exact)", pct(p))
    } else {
        format!("P = {} [{}, {}]", pct(p), pct(lo), pct(hi))
    }
}

fn verdict_of(e: &Expectation) -> Option<&Verdict> {
    match &e.kind {
        ExpectKind::Prob { verdict, .. } | ExpectKind::Stat { verdict, .. } => Some(verdict),
        _ => None,
    }
}

/// The condition an absolute expectation counts, if it needs one.
fn probes_of(e: &Expectation) -> Vec<Expr> {
    let node = |n: NodeId| Expr {
        kind: ExprKind::Node(n),
        span: e.span,
    };
    match &e.kind {
        ExpectKind::Prob { condition, .. } => vec![condition.clone()],
        ExpectKind::Is { node: n, .. } | ExpectKind::Never { node: n, .. } => vec![node(*n)],
        ExpectKind::Stat {
            stat: Stat::Percentile(_),
            node: n,
            verdict: Verdict::Compare(op, thr),
            ..
        } => {
            let cmp = |op| Expr {
                kind: ExprKind::Cmp(op, Box::new(node(*n)), Box::new(thr.clone())),
                span: e.span,
            };
            match op {
                CmpOp::Le | CmpOp::Gt => vec![cmp(CmpOp::Le)],
                CmpOp::Lt | CmpOp::Ge => vec![cmp(CmpOp::Lt)],
                CmpOp::Eq | CmpOp::Ne => vec![cmp(CmpOp::Lt), cmp(CmpOp::Le)],
            }
        }
        ExpectKind::Stat { .. } => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_respect_the_interval() {
        assert_eq!(
            judge(0.7, (0.68, 0.72), CmpOp::Gt, 0.5, 1000),
            Judgement::Pass
        );
        assert_eq!(
            judge(0.3, (0.28, 0.32), CmpOp::Gt, 0.5, 1000),
            Judgement::Fail
        );
        assert!(matches!(
            judge(0.5, (0.48, 0.52), CmpOp::Gt, 0.49, 1000),
            Judgement::Inconclusive(Some(_))
        ));
        assert_eq!(judge(0.5, (0.5, 0.5), CmpOp::Eq, 0.5, 1), Judgement::Pass);
    }
}
