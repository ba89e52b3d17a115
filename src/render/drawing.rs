//! What a picture of the cause-and-effect graph shows, whatever draws it: actors
//! as groups, nodes with their kind and shade, links with their sign, likelihood
//! and delay. [`super::dot`] and [`super::mermaid`] write it for Graphviz and
//! Mermaid; [`Drawing::to_json`] gives it to other tools.
//!
//! Links that the same rule (or definition, or hazard) makes between the same
//! two nodes are drawn once; their signs combine (`?` when they disagree).

use std::collections::HashMap;

use super::{json, num};
use crate::check::Model;
use crate::check::model::{Likelihood, NodeKind, RuleEffects, RuleId};
use crate::check::scale::percent;
use crate::check::values::{Rate, Resolved};
use crate::eval::Results;
use crate::graph::{Graph, LinkKind, Sign};
use crate::loops::ascii_sign;
use crate::span::Span;

/// A picture of a model's graph, ready to write in any format.
#[derive(Clone, Debug, PartialEq)]
pub struct Drawing {
    /// The model's title.
    pub title: String,
    /// The scenario whose rules and values are drawn.
    pub scenario: String,
    /// Whether nodes are shaded by an evaluation.
    pub shaded: bool,
    /// Actor names; nodes refer to them by index.
    pub actors: Vec<String>,
    /// Nodes, in model order.
    pub nodes: Vec<Shape>,
    /// Links, in a stable order.
    pub edges: Vec<Arrow>,
}

/// One node.
#[derive(Clone, Debug, PartialEq)]
pub struct Shape {
    /// Its qualified name.
    pub name: String,
    /// Its actor, by index into [`Drawing::actors`].
    pub actor: Option<usize>,
    /// Event or factor.
    pub kind: NodeKind,
    /// Whether it is derived (`:=`).
    pub derived: bool,
    /// Its description.
    pub description: Option<String>,
    /// What an evaluation says of it.
    pub shade: Option<Shade>,
}

/// What an evaluation says of a node.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shade {
    /// An event's probability of having happened by the horizon.
    Probability(f64),
    /// A factor's mean at step 0 and at the horizon, and its range.
    Change {
        /// Mean at step 0.
        start: f64,
        /// Mean at the horizon.
        end: f64,
        /// The factor's range.
        range: (f64, f64),
    },
}

impl Shade {
    /// How strongly to shade, in [0, 1], and whether the shade means "up"
    /// (probability, a rise) rather than "down" (a fall).
    #[must_use]
    pub fn intensity(self) -> (f64, bool) {
        match self {
            Shade::Probability(p) => (p.clamp(0.0, 1.0), true),
            Shade::Change { start, end, range } => {
                let width = range.1 - range.0;
                let rel = if width > 0.0 {
                    (end - start) / width
                } else {
                    0.0
                };
                // A square root, so that a change of a tenth of the range shows.
                (rel.abs().clamp(0.0, 1.0).sqrt(), rel >= 0.0)
            }
        }
    }

    /// The shade in words: `P 38%`, `0.7 → 0.42`.
    #[must_use]
    pub fn caption(self) -> String {
        match self {
            Shade::Probability(p) => format!("P {}", percent(p)),
            Shade::Change { start, end, .. } => format!("{} → {}", num(start, 3), num(end, 3)),
        }
    }
}

/// What makes a link.
#[derive(Clone, Debug, PartialEq)]
pub enum Cause {
    /// A rule, with its likelihood and delay in words (`likely`, `after 2..8`).
    Rule {
        /// The rule's name.
        name: String,
        /// Its likelihood, when it has one.
        likelihood: Option<String>,
        /// Its delay in steps.
        delay: String,
    },
    /// A derived node's definition (no delay).
    Definition,
    /// An event's hazard (a draw at every step).
    Hazard,
}

/// One link.
#[derive(Clone, Debug, PartialEq)]
pub struct Arrow {
    /// The cause, by index into [`Drawing::nodes`].
    pub from: usize,
    /// The effect.
    pub to: usize,
    /// How the cause moves the effect.
    pub sign: Sign,
    /// What makes it.
    pub cause: Cause,
}

impl Arrow {
    /// The label: sign, mechanism, likelihood and delay.
    #[must_use]
    pub fn label(&self) -> String {
        let sign = self.sign.symbol();
        match &self.cause {
            Cause::Rule {
                name,
                likelihood,
                delay,
            } => match likelihood {
                Some(l) => format!("{sign} {name}\n{l}, {delay}"),
                None => format!("{sign} {name}\n{delay}"),
            },
            Cause::Definition => format!("{sign} :="),
            Cause::Hazard => format!("{sign} hazard"),
        }
    }
}

impl Drawing {
    /// The drawing of `graph` (a graph of `model`) with the values of one
    /// scenario, shaded by `results` when given. `text` gives the source text
    /// of a span (for likelihoods written as expressions).
    #[must_use]
    pub fn new(
        model: &Model,
        graph: &Graph,
        values: &Resolved<'_>,
        results: Option<&Results>,
        text: &dyn Fn(Span) -> String,
    ) -> Drawing {
        let nodes = model
            .nodes
            .iter()
            .map(|n| Shape {
                name: n.name.clone(),
                actor: n.actor.map(|a| a.index()),
                kind: n.kind,
                derived: n.derived.is_some(),
                description: n.description.clone(),
                shade: results.and_then(|r| shade(r, &n.name, n.kind)),
            })
            .collect();
        let mut edges: Vec<Arrow> = Vec::new();
        let mut seen: HashMap<(usize, usize, u8, u32), usize> = HashMap::new();
        let g = &graph.graph;
        for e in g.edge_indices() {
            let Some((a, b)) = g.edge_endpoints(e) else {
                continue;
            };
            let (from, to) = (g[a].index(), g[b].index());
            let link = &g[e];
            let key = match link.kind {
                LinkKind::Rule(r) => (from, to, 0, r.0),
                LinkKind::Derived => (from, to, 1, 0),
                LinkKind::Hazard => (from, to, 2, 0),
            };
            if let Some(&i) = seen.get(&key) {
                if edges[i].sign != link.sign {
                    edges[i].sign = Sign::Unknown;
                }
                continue;
            }
            let cause = match link.kind {
                LinkKind::Rule(r) => rule_cause(model, values, r, g[b], text),
                LinkKind::Derived => Cause::Definition,
                LinkKind::Hazard => Cause::Hazard,
            };
            seen.insert(key, edges.len());
            edges.push(Arrow {
                from,
                to,
                sign: link.sign,
                cause,
            });
        }
        edges.sort_by_key(|x| (x.from, x.to, x.label()));
        Drawing {
            title: model.title.clone(),
            scenario: model.scenario(values.scenario).name.clone(),
            shaded: results.is_some(),
            actors: model.actors.iter().map(|a| a.name.clone()).collect(),
            nodes,
            edges,
        }
    }

    /// The title of the picture; `sep` goes before what the shades mean.
    #[must_use]
    pub fn heading(&self, sep: &str) -> String {
        let mut title = format!("{} — scenario `{}`", self.title, self.scenario);
        if self.shaded {
            title.push_str(sep);
            title.push_str("events by probability, factors by change over the horizon");
        }
        title
    }

    /// The nodes of each actor, and the nodes of none, by index.
    #[must_use]
    pub fn groups(&self) -> (Vec<Vec<usize>>, Vec<usize>) {
        let mut by_actor = vec![Vec::new(); self.actors.len()];
        let mut top = Vec::new();
        for (i, n) in self.nodes.iter().enumerate() {
            match n.actor.and_then(|a| by_actor.get_mut(a)) {
                Some(list) => list.push(i),
                None => top.push(i),
            }
        }
        (by_actor, top)
    }

    /// The drawing as JSON (see [`json::GraphReport`]).
    #[must_use]
    pub fn to_json(&self) -> json::GraphReport {
        let name = |i: usize| self.nodes[i].name.clone();
        let node = |n: &Shape| {
            let (probability, change) = match n.shade {
                Some(Shade::Probability(p)) => (Some(p), None),
                Some(Shade::Change { start, end, .. }) => (None, Some((start, end))),
                None => (None, None),
            };
            json::GraphNode {
                actor: n.actor.map(|a| self.actors[a].clone()),
                derived: n.derived,
                description: n.description.clone(),
                kind: match n.kind {
                    NodeKind::Event => "event",
                    NodeKind::Factor => "factor",
                }
                .to_string(),
                mean_end: change.map(|(_, end)| end),
                mean_start: change.map(|(start, _)| start),
                name: n.name.clone(),
                probability,
            }
        };
        let edge = |e: &Arrow| {
            let (from, to, sign) = (name(e.from), name(e.to), ascii_sign(e.sign).to_string());
            match &e.cause {
                Cause::Rule {
                    name,
                    likelihood,
                    delay,
                } => json::GraphEdge::Rule {
                    delay: delay.clone(),
                    from,
                    likelihood: likelihood.clone(),
                    rule: name.clone(),
                    sign,
                    to,
                },
                Cause::Definition => json::GraphEdge::Definition {
                    definition: true,
                    from,
                    sign,
                    to,
                },
                Cause::Hazard => json::GraphEdge::Hazard {
                    from,
                    hazard: true,
                    sign,
                    to,
                },
            }
        };
        json::GraphReport {
            actors: self.actors.clone(),
            edges: self.edges.iter().map(edge).collect(),
            model: self.title.clone(),
            nodes: self.nodes.iter().map(node).collect(),
            scenario: self.scenario.clone(),
            shaded: self.shaded,
        }
    }
}

fn shade(r: &Results, name: &str, kind: NodeKind) -> Option<Shade> {
    match kind {
        NodeKind::Event => r.event(name).map(|e| Shade::Probability(e.probability)),
        NodeKind::Factor => r.factor(name).map(|f| Shade::Change {
            start: f.mean.first().copied().unwrap_or(0.0),
            end: f.mean.last().copied().unwrap_or(0.0),
            range: f.range,
        }),
    }
}

/// A rule's likelihood and delay as the scenario has them; for `one of`, the
/// branches that reach `to`.
fn rule_cause(
    model: &Model,
    values: &Resolved<'_>,
    id: RuleId,
    to: crate::check::model::NodeId,
    text: &dyn Fn(Span) -> String,
) -> Cause {
    let rule = model.rule(id);
    let v = &values.rules[id.index()];
    let likelihood = match (&v.likelihood, &rule.likelihood) {
        (Rate::Const(p), Some(Likelihood::Word { word, value, .. })) if p == value => {
            Some(word.clone())
        }
        (Rate::Const(p), _) if *p >= 1.0 => None,
        (Rate::Const(p), _) => Some(format!("p = {}", num(*p, 3))),
        (Rate::Expr(e), _) => Some(format!("p = {}", text(e.span))),
    };
    let steps = |(lo, hi): (u32, u32)| {
        if lo == hi {
            format!("after {lo}")
        } else {
            format!("after {lo}..{hi}")
        }
    };
    let (likelihood, delay) = match &rule.effects {
        RuleEffects::All(_) => (likelihood, steps(v.delay)),
        RuleEffects::OneOf(branches) => {
            let reach: Vec<usize> = branches
                .iter()
                .enumerate()
                .filter(|(_, b)| b.effects.iter().any(|e| e.target == to))
                .map(|(i, _)| i)
                .collect();
            let ps: Vec<String> = reach
                .iter()
                .filter_map(|&i| v.branches.get(i))
                .map(|(p, _)| num(*p, 3))
                .collect();
            let delays: Vec<String> = reach
                .iter()
                .filter_map(|&i| v.branches.get(i))
                .map(|(_, d)| steps(*d))
                .collect();
            let branch = format!("one of: p = {}", ps.join(" | "));
            let l = match likelihood {
                Some(l) => format!("{l}, {branch}"),
                None => branch,
            };
            (Some(l), delays.join(" | "))
        }
    };
    Cause::Rule {
        name: rule.name.clone(),
        likelihood,
        delay,
    }
}
