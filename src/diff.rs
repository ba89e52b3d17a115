//! What a scenario changes: every consequence compared with another scenario
//! on paired runs, the largest changes first, with the causal chains that one
//! scenario has and the other lacks.

use crate::check::Model;
use crate::check::model::{NodeId, NodeKind, ScenarioId};
use crate::check::values::Override;
use crate::eval::paired::{self, Measure, Pair};
use crate::eval::{self, EvalError, Options};
use crate::limits::Limits;
use crate::render::json;
use crate::span::SourceMap;

/// Below this probability a consequence counts as absent…
pub const ABSENT_BELOW: f64 = 0.01;
/// …and above this one as present: crossing both is "appears" or "vanishes".
pub const PRESENT_ABOVE: f64 = 0.05;
/// How many changed events get their causal chains compared.
const EXPLAINED: usize = 5;

/// One consequence's change.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// The node.
    pub node: String,
    /// Event (probability by the horizon) or factor (mean at the horizon).
    pub kind: NodeKind,
    /// In scenario A.
    pub a: f64,
    /// In scenario B.
    pub b: f64,
    /// A − B, with its interval (paired).
    pub delta: (f64, f64, f64),
    /// The change on a common scale: probability points, or the share of the
    /// factor's range.
    pub size: f64,
    /// "appears" or "vanishes" when it crosses the thresholds.
    pub crossing: Option<&'static str>,
}

/// A causal chain one scenario has and the other lacks.
#[derive(Clone, Debug, PartialEq)]
pub struct DeltaChain {
    /// The event.
    pub node: String,
    /// The scenario that has the chain.
    pub scenario: String,
    /// The chain.
    pub chain: String,
    /// Its share of that scenario's runs.
    pub share: f64,
}

/// The comparison of two scenarios.
#[derive(Clone, Debug, PartialEq)]
pub struct Diff {
    /// The model's title.
    pub model: String,
    /// Scenario A.
    pub a: String,
    /// Scenario B.
    pub b: String,
    /// Paired runs.
    pub runs: u64,
    /// The seed.
    pub seed: u64,
    /// The confidence of the intervals.
    pub confidence: f64,
    /// The horizon of A.
    pub horizon: u32,
    /// Every consequence that changed, largest change first.
    pub changes: Vec<Change>,
    /// Chains present in one scenario and absent in the other.
    pub chains: Vec<DeltaChain>,
}

/// Compares scenario `a` with `b`.
///
/// # Errors
/// An evaluation failure in either scenario.
pub fn diff(
    model: &Model,
    sources: &SourceMap,
    a: ScenarioId,
    b: ScenarioId,
    options: &Options,
    limits: &Limits,
) -> Result<Diff, EvalError> {
    diff_under(model, sources, a, b, &[], options, limits)
}

/// Compares scenario `a` with `b`, both under the same `--set` overrides.
///
/// # Errors
/// An evaluation failure in either scenario.
pub fn diff_under(
    model: &Model,
    sources: &SourceMap,
    a: ScenarioId,
    b: ScenarioId,
    overrides: &[Override],
    options: &Options,
    limits: &Limits,
) -> Result<Diff, EvalError> {
    let pa = eval::prepare(model, sources, a, overrides, &[], limits)?;
    let pb = eval::prepare(model, sources, b, overrides, &[], limits)?;
    let horizon = pa.program.horizon.min(pb.program.horizon);
    let nodes: Vec<(NodeId, NodeKind)> = model
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (NodeId::from_index(i), n.kind))
        .collect();
    let pairs: Vec<Pair> = nodes
        .iter()
        .map(|&(id, kind)| {
            let m = if kind == NodeKind::Event {
                Measure::Event(id.0)
            } else {
                Measure::Factor(id.0)
            };
            Pair {
                a: m,
                b: m,
                step: horizon,
            }
        })
        .collect();
    let diffs = paired::compare(
        &pa.program,
        &pb.program,
        &pairs,
        options.runs,
        options,
        limits,
    )?;
    let runs = diffs.first().map_or(0, |d| d.runs);
    let mut changes: Vec<Change> = nodes
        .iter()
        .zip(&diffs)
        .filter(|(_, d)| d.mean != 0.0 || d.sd != 0.0)
        .map(|(&(id, kind), d)| {
            let (lo, hi) = d.interval(options.confidence);
            let width = match kind {
                NodeKind::Event => 1.0,
                NodeKind::Factor => {
                    let node = pa.program.nodes[id.index()].range;
                    (node.1 - node.0).max(f64::MIN_POSITIVE)
                }
            };
            let crossing = if kind != NodeKind::Event {
                None
            } else if d.mean_b < ABSENT_BELOW && d.mean_a > PRESENT_ABOVE {
                Some("appears")
            } else if d.mean_a < ABSENT_BELOW && d.mean_b > PRESENT_ABOVE {
                Some("vanishes")
            } else {
                None
            };
            Change {
                node: model.node(id).name.clone(),
                kind,
                a: d.mean_a,
                b: d.mean_b,
                delta: (d.mean, lo, hi),
                size: d.mean.abs() / width,
                crossing,
            }
        })
        .collect();
    changes.sort_by(|x, y| y.size.total_cmp(&x.size).then_with(|| x.node.cmp(&y.node)));
    let explained: Vec<NodeId> = changes
        .iter()
        .filter(|c| c.kind == NodeKind::Event)
        .take(EXPLAINED)
        .filter_map(|c| model.node_named(&c.node))
        .collect();
    let mut chains = Vec::new();
    if !explained.is_empty() {
        let explain = Options {
            explain: explained,
            ..options.clone()
        };
        let ra = eval::evaluate(&pa, &explain, limits)?;
        let rb = eval::evaluate(&pb, &explain, limits)?;
        for (xa, xb) in ra.explanations.iter().zip(&rb.explanations) {
            for (x, y, name) in [(xa, xb, &ra.scenario), (xb, xa, &rb.scenario)] {
                for (chain, n) in &x.chains {
                    let share = *n as f64 / x.runs.max(1) as f64;
                    let elsewhere = y
                        .chains
                        .iter()
                        .find(|(c, _)| c == chain)
                        .map_or(0, |(_, m)| *m);
                    if share >= ABSENT_BELOW
                        && (elsewhere as f64 / y.runs.max(1) as f64) < ABSENT_BELOW
                    {
                        chains.push(DeltaChain {
                            node: x.node.clone(),
                            scenario: name.clone(),
                            chain: chain.clone(),
                            share,
                        });
                    }
                }
            }
        }
    }
    Ok(Diff {
        model: model.title.clone(),
        a: model.scenario(a).name.clone(),
        b: model.scenario(b).name.clone(),
        runs,
        seed: options.seed,
        confidence: options.confidence,
        horizon,
        changes,
        chains,
    })
}

impl Diff {
    /// The comparison as JSON: see [`json::Diff`].
    #[must_use]
    pub fn to_json(&self) -> json::Diff {
        let event = |c: &Change| c.kind == NodeKind::Event;
        json::Diff {
            schema_version: json::SCHEMA_VERSION,
            model: self.model.clone(),
            scenario: self.a.clone(),
            against: self.b.clone(),
            runs: self.runs,
            seed: self.seed,
            confidence: self.confidence,
            step: self.horizon,
            changes: self
                .changes
                .iter()
                .map(|c| json::Change {
                    node: c.node.clone(),
                    kind: if event(c) { "event" } else { "factor" }.to_string(),
                    measure: if event(c) { "probability" } else { "mean" }.to_string(),
                    value: c.a,
                    against: c.b,
                    change: c.delta.0,
                    interval: [c.delta.1, c.delta.2],
                    crossing: c.crossing.map(str::to_string),
                })
                .collect(),
            chains: self
                .chains
                .iter()
                .map(|c| json::DeltaChain {
                    node: c.node.clone(),
                    only_in: c.scenario.clone(),
                    chain: c.chain.clone(),
                    share: c.share,
                })
                .collect(),
        }
    }
}
