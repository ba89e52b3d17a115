//! Minimal cut sets: the smallest sets of root causes that together lead to an
//! event, as in fault-tree analysis (NUREG-0492, ch. VII), each with its
//! probability.
//!
//! Root causes are priors, hazards, a rule's likelihood (a draw that must
//! succeed, "and"-ed with the rule's condition), a `one of` branch, and the
//! scenario's interventions; a condition on factors is a root cause of its own.
//! `expand` finds the sets over the model's structure; this module then
//! evaluates the scenario to learn which conditions are settled (the same in
//! every run: they drop out, or become the interventions that settle them) and
//! how often the others hold, and prices each set.
//!
//! The answer is exact when every root cause left is an independent prior,
//! hazard, draw or intervention and no rule's delay is involved: a fault tree
//! or any acyclic model of events with derived gates. Otherwise [`Causes::notes`]
//! says what makes it an approximation.

mod expand;
pub mod sets;

use std::collections::BTreeSet;

use miette::Diagnostic;
use thiserror::Error;

use crate::check::Model;
use crate::check::model::{InterventionKind, NodeId, ScenarioId};
use crate::check::values::{self, Override, Rate};
use crate::eval::{self, EvalError, Options};
use crate::graph::value_range;
use crate::limits::Limits;
use crate::render::json;
use crate::span::{SourceMap, Span};
use expand::{Expander, Leaf};
use sets::{Replace, Sets, TooManySets};

/// The default bound on the number of sets at any point of the analysis.
pub const DEFAULT_MAX_SETS: usize = 10_000;

/// Why the sets could not be found.
#[derive(Clone, Debug, Error, Diagnostic, PartialEq)]
pub enum CausesError {
    /// More sets than the limit.
    #[error("the causes of `{node}` make more than {limit} sets")]
    #[diagnostic(
        code(whatif::causes::too_many),
        help("raise the limit with `--max-sets`, or ask about an event closer to its causes")
    )]
    TooMany {
        /// The event.
        node: String,
        /// The limit.
        limit: usize,
    },
    /// The scenario could not be evaluated.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Eval(#[from] EvalError),
}

/// What kind of root cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RootKind {
    /// An event's prior.
    Prior,
    /// An event's hazard over the horizon.
    Hazard,
    /// A rule's likelihood draw succeeds.
    Likelihood,
    /// A `one of` branch is chosen.
    Branch,
    /// A scenario intervention.
    Intervention,
    /// A condition on factors holds at some step.
    Condition,
}

impl RootKind {
    /// The kind in one word, for JSON.
    #[must_use]
    pub fn word(self) -> &'static str {
        match self {
            RootKind::Prior => "prior",
            RootKind::Hazard => "hazard",
            RootKind::Likelihood => "likelihood",
            RootKind::Branch => "branch",
            RootKind::Intervention => "intervention",
            RootKind::Condition => "condition",
        }
    }
}

/// One root cause.
#[derive(Clone, Debug, PartialEq)]
pub struct Root {
    /// Its kind.
    pub kind: RootKind,
    /// What it is, in words (`prior of power.mains_fails`).
    pub text: String,
    /// Its probability.
    pub probability: f64,
    /// Whether the probability is exact and independent of the other causes.
    pub exact: bool,
}

/// One minimal set: every root cause in it together leads to the event.
#[derive(Clone, Debug, PartialEq)]
pub struct CutSet {
    /// Its root causes, by index into [`Causes::roots`].
    pub roots: Vec<usize>,
    /// The product of their probabilities.
    pub probability: f64,
    /// Whether that product is exact.
    pub exact: bool,
}

/// The minimal cut sets of one event in one scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Causes {
    /// The model's title.
    pub model: String,
    /// The scenario.
    pub scenario: String,
    /// The event.
    pub node: String,
    /// The last step.
    pub horizon: u32,
    /// Every root cause that appears in a set.
    pub roots: Vec<Root>,
    /// The sets, most probable first.
    pub sets: Vec<CutSet>,
    /// P(the event by the horizon), from the evaluation.
    pub probability: f64,
    /// Whether that evaluation is exact.
    pub evaluation_exact: bool,
    /// Runs of the evaluation.
    pub runs: u64,
    /// When every set is exact, 1 − Π(1 − P(set)): an upper bound on the
    /// event's probability (Esary and Proschan, 1963).
    pub bound: Option<f64>,
    /// Why the sets are an approximation; empty when they are exact.
    pub notes: Vec<String>,
}

/// The minimal cut sets of event `node` in `scenario`, priced by an evaluation
/// with `options`; at most `max_sets` sets at any point.
///
/// # Errors
/// Too many sets, or an evaluation that fails (values, limits).
#[allow(clippy::too_many_arguments)]
pub fn analyze(
    model: &Model,
    sources: &SourceMap,
    scenario: ScenarioId,
    overrides: &[Override],
    node: NodeId,
    options: &Options,
    limits: &Limits,
    max_sets: usize,
) -> Result<Causes, CausesError> {
    let name = model.node(node).name.clone();
    let too_many = |TooManySets { limit }| CausesError::TooMany {
        node: name.clone(),
        limit,
    };
    let values = values::resolve(model, scenario, overrides, limits).map_err(EvalError::Values)?;
    let text = |span: Span| {
        sources
            .text(span)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut ex = Expander::new(model, &values, &text, max_sets);
    let found = ex.causes_of(node).map_err(too_many)?;

    // Evaluate, counting each condition as a probe.
    let conditions: Vec<(u32, &crate::check::model::Expr)> = ex
        .leaves
        .iter()
        .enumerate()
        .filter_map(|(i, l)| match l {
            Leaf::Condition(e, _) => Some((u32::try_from(i).unwrap_or(u32::MAX), *e)),
            _ => None,
        })
        .collect();
    let probes: Vec<&crate::check::model::Expr> = conditions.iter().map(|(_, e)| *e).collect();
    let prepared = eval::prepare(model, sources, scenario, overrides, &probes, limits)?;
    let results = eval::evaluate(&prepared, options, limits)?;
    let split = &prepared.program.split;

    // Settled conditions drop out, or become the interventions that settle them.
    let mut held: Vec<Option<f64>> = vec![None; ex.leaves.len()];
    let mut replace: Vec<Replace> = vec![Replace::Keep; ex.leaves.len()];
    let lineage = model.lineage(scenario);
    let interventions = values::merged_interventions(model, &lineage);
    for (q, (leaf, e)) in conditions.iter().enumerate() {
        // `not …` holds at step 0 in almost every run: what matters is whether
        // it still holds at the end, so a negation is priced at the horizon.
        let negated = matches!(e.kind, crate::check::model::ExprKind::Not(_));
        let p = results
            .probes
            .get(q)
            .and_then(|(at, by)| if negated { at.last() } else { by.last() })
            .copied()
            .unwrap_or(0.0);
        held[*leaf as usize] = Some(p);
        let settled = e.nodes().iter().all(|n| split.node[n.index()]);
        if !settled {
            continue;
        }
        replace[*leaf as usize] = if p >= 0.5 {
            let why = settling(model, e, &interventions);
            Replace::With(
                why.into_iter()
                    .map(|s| ex.index(Leaf::Setting(s)))
                    .collect(),
            )
        } else {
            Replace::False
        };
    }
    let found = found
        .substitute(
            |l| replace.get(l as usize).cloned().unwrap_or(Replace::Keep),
            max_sets,
        )
        .map_err(too_many)?;

    let mut notes = BTreeSet::new();
    let roots_all: Vec<Root> = ex
        .leaves
        .iter()
        .enumerate()
        .map(|(i, l)| {
            root(
                model,
                &values,
                &ex,
                &text,
                l,
                held.get(i).copied().flatten(),
                &mut notes,
            )
        })
        .collect();
    Ok(finish(
        model, &values, &ex, &name, &found, roots_all, &results, notes,
    ))
}

/// The interventions of the scenario on the nodes and parameters a settled
/// condition reads (through derived definitions too).
fn settling(
    model: &Model,
    e: &crate::check::model::Expr,
    interventions: &[(&InterventionKind, Span)],
) -> Vec<Span> {
    use crate::check::model::ExprKind;
    let mut nodes: Vec<NodeId> = Vec::new();
    let mut params = Vec::new();
    let mut todo = vec![e];
    while let Some(x) = todo.pop() {
        x.visit(&mut |y| match &y.kind {
            ExprKind::Node(n) if !nodes.contains(n) => {
                nodes.push(*n);
                if let Some(d) = &model.node(*n).derived {
                    todo.push(d);
                }
            }
            ExprKind::Param(p) if !params.contains(p) => params.push(*p),
            _ => {}
        });
    }
    interventions
        .iter()
        .filter(|(k, _)| match k {
            InterventionKind::Hold { node, .. }
            | InterventionKind::SetStart(node, _)
            | InterventionKind::AtSet(_, node, _) => nodes.contains(node),
            InterventionKind::SetParam(p, _) => params.contains(p),
            _ => false,
        })
        .map(|(_, s)| *s)
        .collect()
}

/// A root cause priced; `held` is a condition's share of runs.
fn root(
    model: &Model,
    values: &values::Resolved<'_>,
    ex: &Expander<'_, '_>,
    text: &dyn Fn(Span) -> String,
    leaf: &Leaf<'_>,
    held: Option<f64>,
    notes: &mut BTreeSet<String>,
) -> Root {
    let horizon = values.horizon;
    let over_horizon = |h: f64| 1.0 - libm::pow(1.0 - h.clamp(0.0, 1.0), f64::from(horizon));
    let highest =
        |e: &crate::check::model::Expr| value_range(model, &values.params, e).1.clamp(0.0, 1.0);
    let num = |v: f64| crate::render::num(v, 3);
    let (kind, text, probability, exact) = match leaf {
        Leaf::Prior(n, p) => (
            RootKind::Prior,
            format!("prior of {}", model.node(*n).name),
            *p,
            true,
        ),
        Leaf::Hazard(n, Rate::Const(h)) => (
            RootKind::Hazard,
            format!(
                "hazard of {} ({} a step over {horizon} steps)",
                model.node(*n).name,
                num(*h)
            ),
            over_horizon(*h),
            true,
        ),
        Leaf::Hazard(n, Rate::Expr(e)) => {
            notes.insert(NOTE_UPPER.to_string());
            (
                RootKind::Hazard,
                format!(
                    "hazard of {} (at most {} a step)",
                    model.node(*n).name,
                    num(highest(e))
                ),
                over_horizon(highest(e)),
                false,
            )
        }
        Leaf::Draw(r, rate) => {
            let rule = &model.rule(*r).name;
            let (p, exact) = match rate {
                Rate::Const(p) => (*p, !ex.is_while(*r)),
                Rate::Expr(e) => {
                    notes.insert(NOTE_UPPER.to_string());
                    (highest(e), false)
                }
            };
            if ex.is_while(*r) {
                notes.insert(NOTE_WHILE.to_string());
            }
            let text = match (rate, ex.is_while(*r)) {
                (Rate::Expr(_), _) => {
                    format!("rule {rule} succeeds (at most: its likelihood reads the state)")
                }
                (_, true) => format!("rule {rule} succeeds (a draw at each step)"),
                _ => format!("rule {rule} succeeds"),
            };
            (RootKind::Likelihood, text, p, exact)
        }
        Leaf::Branch(r, b, p) => (
            RootKind::Branch,
            format!("rule {} takes branch {}", model.rule(*r).name, b + 1),
            *p,
            true,
        ),
        Leaf::Intervention(span) | Leaf::Setting(span) => (
            RootKind::Intervention,
            format!("scenario: {}", text(*span)),
            1.0,
            true,
        ),
        Leaf::Condition(_, text) => {
            notes.insert(NOTE_CONDITION.to_string());
            (
                RootKind::Condition,
                format!("condition {text}"),
                held.unwrap_or(0.0),
                false,
            )
        }
    };
    Root {
        kind,
        text,
        probability,
        exact,
    }
}

const NOTE_CONDITION: &str = "a condition that is not an event counts as a root cause of its own: its probability is the share of runs in which it held at some step (for `not …`: at the horizon), and it is not independent of the other causes";
const NOTE_WHILE: &str = "a `while` rule draws its likelihood at every step its condition holds: the set counts one draw, so its probability is a lower bound for that cause";
const NOTE_UPPER: &str = "a hazard or likelihood that reads the state is priced at its largest value over the nodes' ranges: an upper bound";

/// Prices the sets, keeps the root causes they use, and says what is
/// approximate.
#[allow(clippy::too_many_arguments)]
fn finish(
    model: &Model,
    values: &values::Resolved<'_>,
    ex: &Expander<'_, '_>,
    name: &str,
    found: &Sets,
    all: Vec<Root>,
    results: &eval::Results,
    mut notes: BTreeSet<String>,
) -> Causes {
    // Only the causes in some set, in order of first use by the sets below.
    let mut priced: Vec<CutSet> = found
        .0
        .iter()
        .map(|t| {
            let mut leaves: Vec<usize> = t.iter().map(|&l| l as usize).collect();
            leaves.sort_by_key(|&l| ex.leaves[l].order());
            CutSet {
                probability: leaves.iter().map(|&l| all[l].probability).product(),
                exact: leaves.iter().all(|&l| all[l].exact),
                roots: leaves,
            }
        })
        .collect();
    let texts =
        |c: &CutSet| -> Vec<String> { c.roots.iter().map(|&l| all[l].text.clone()).collect() };
    priced.sort_by(|a, b| {
        b.probability
            .total_cmp(&a.probability)
            .then_with(|| a.roots.len().cmp(&b.roots.len()))
            .then_with(|| texts(a).cmp(&texts(b)))
    });
    let mut used: Vec<usize> = Vec::new();
    for c in &priced {
        for &l in &c.roots {
            if !used.contains(&l) {
                used.push(l);
            }
        }
    }
    // Notes only about causes that are used.
    if !used.iter().any(|&l| all[l].kind == RootKind::Condition) {
        notes.remove(NOTE_CONDITION);
    }
    if !used
        .iter()
        .any(|&l| matches!(ex.leaves[l], Leaf::Draw(r, _) if ex.is_while(r)))
    {
        notes.remove(NOTE_WHILE);
    }
    if !used.iter().any(|&l| {
        matches!(
            ex.leaves[l],
            Leaf::Draw(_, Rate::Expr(_)) | Leaf::Hazard(_, Rate::Expr(_))
        )
    }) {
        notes.remove(NOTE_UPPER);
    }
    if ex.rules_used && !priced.is_empty() {
        notes.insert(format!(
            "rules act after a delay of at least one step, so a cause late in the run may not lead to `{name}` by step {}: the sets leave time out",
            values.horizon
        ));
    }
    if ex.waits && !priced.is_empty() {
        notes.insert(
            "a `… for N` over events is read as its events: they must have happened N steps before"
                .to_string(),
        );
    }
    if ex.cycles {
        notes.insert("events here cause each other: a set names what starts the cycle, never the cycle itself".to_string());
    }
    for e in &ex.partly_blocked {
        notes.insert(format!(
            "`{}` is held false for part of the run: its causes are kept, though they cannot act while it is held",
            model.node(*e).name
        ));
    }
    for c in &mut priced {
        for l in &mut c.roots {
            *l = used.iter().position(|u| u == l).unwrap_or(0);
        }
    }
    let roots: Vec<Root> = used.iter().map(|&l| all[l].clone()).collect();
    let bound = priced
        .iter()
        .all(|c| c.exact)
        .then(|| 1.0 - priced.iter().map(|c| 1.0 - c.probability).product::<f64>());
    Causes {
        model: model.title.clone(),
        scenario: model.scenario(values.scenario).name.clone(),
        node: name.to_string(),
        horizon: values.horizon,
        roots,
        sets: priced,
        probability: results.event(name).map_or(0.0, |e| e.probability),
        evaluation_exact: results.exact,
        runs: results.runs,
        bound,
        notes: notes.into_iter().collect(),
    }
}

impl Causes {
    /// Whether the sets and their probabilities are exact.
    #[must_use]
    pub fn exact(&self) -> bool {
        self.notes.is_empty()
    }

    /// The sets as JSON (see [`json::CausesReport`]).
    #[must_use]
    pub fn to_json(&self) -> json::CausesReport {
        let cause = |&r: &usize| {
            let root = &self.roots[r];
            json::RootCause {
                cause: root.text.clone(),
                exact: root.exact,
                kind: root.kind.word().to_string(),
                probability: root.probability,
            }
        };
        json::CausesReport {
            bound: self.bound,
            evaluation: json::Evaluation {
                exact: self.evaluation_exact,
                runs: self.runs,
            },
            event: self.node.clone(),
            exact: self.exact(),
            horizon: self.horizon,
            model: self.model.clone(),
            notes: self.notes.clone(),
            probability: self.probability,
            scenario: self.scenario.clone(),
            sets: self
                .sets
                .iter()
                .map(|c| json::CutSet {
                    causes: c.roots.iter().map(cause).collect(),
                    exact: c.exact,
                    probability: c.probability,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests;
