//! Feedback loops: the elementary cycles of the cause-and-effect graph, each
//! with its polarity and the rules that form it.
//!
//! A loop is a cycle of nodes together with one sign for each of its links.
//! Two rules that link the same two nodes with the same sign are one mechanism
//! and are listed together; two that link them with opposite signs make two
//! loops of opposite polarity, since which one dominates is a question of
//! numbers, not of structure. A loop with an even number of negative links is
//! reinforcing, with an odd number balancing, and with any link of unknown sign
//! indeterminate (system dynamics' convention, Sterman 2000, ch. 5).
//!
//! The cycles come from [`crate::cycles`], bounded by a limit; this module does
//! not read time: a loop closed by a `when` rule may run only once.

use miette::Diagnostic;
use thiserror::Error;

use crate::check::Model;
use crate::check::model::NodeId;
use crate::cycles::{TooManyCycles, elementary_cycles};
use crate::graph::{Graph, LinkKind, Sign};
use crate::render::json;

/// The default bound on the number of loops reported.
pub const DEFAULT_MAX_LOOPS: usize = 10_000;

/// Why the loops could not be listed.
#[derive(Clone, Debug, Error, Diagnostic, PartialEq, Eq)]
pub enum LoopsError {
    /// More loops than the limit.
    #[error("the model has more than {limit} feedback loops")]
    #[diagnostic(
        code(whatif::loops::too_many),
        help(
            "the number of loops grows exponentially with the links among a group of nodes; raise the limit with `--max-loops`"
        )
    )]
    TooMany {
        /// The limit.
        limit: usize,
    },
}

/// Reinforcing, balancing, or unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Polarity {
    /// An even number of negative links: change feeds on itself.
    Reinforcing,
    /// An odd number of negative links: change is counteracted.
    Balancing,
    /// A link of unknown sign.
    Indeterminate,
}

impl Polarity {
    /// `reinforcing`, `balancing` or `indeterminate`.
    #[must_use]
    pub fn word(self) -> &'static str {
        match self {
            Polarity::Reinforcing => "reinforcing",
            Polarity::Balancing => "balancing",
            Polarity::Indeterminate => "indeterminate",
        }
    }

    /// The letter of loop labels: R, B, or I.
    #[must_use]
    pub fn letter(self) -> char {
        match self {
            Polarity::Reinforcing => 'R',
            Polarity::Balancing => 'B',
            Polarity::Indeterminate => 'I',
        }
    }
}

/// One link of a loop: the mechanisms that move `to` with `from`, all of one
/// sign.
#[derive(Clone, Debug, PartialEq)]
pub struct LoopLink {
    /// The cause.
    pub from: NodeId,
    /// The effect.
    pub to: NodeId,
    /// How the cause moves the effect.
    pub sign: Sign,
    /// What makes the link (rules, a definition, a hazard), without repeats.
    pub by: Vec<LinkKind>,
}

/// One feedback loop.
#[derive(Clone, Debug, PartialEq)]
pub struct Loop {
    /// A label: the polarity's letter and a number (`R1`, `B2`, `I1`).
    pub label: String,
    /// Its polarity.
    pub polarity: Polarity,
    /// Its links in order; the last leads back to the first's cause.
    pub links: Vec<LoopLink>,
}

impl Loop {
    /// The nodes in order, starting with the one whose name sorts first.
    #[must_use]
    pub fn nodes(&self) -> Vec<NodeId> {
        self.links.iter().map(|l| l.from).collect()
    }
}

/// Every feedback loop of `graph`, sorted by length, then by node names, then
/// by polarity; at most `limit`.
///
/// # Errors
/// [`LoopsError::TooMany`] when there are more than `limit` loops.
pub fn find(model: &Model, graph: &Graph, limit: usize) -> Result<Vec<Loop>, LoopsError> {
    let g = &graph.graph;
    let mut succ = vec![Vec::new(); g.node_count()];
    for e in g.edge_indices() {
        if let Some((a, b)) = g.edge_endpoints(e) {
            succ[a.index()].push(b.index());
        }
    }
    let cycles = elementary_cycles(&succ, limit)
        .map_err(|TooManyCycles { limit }| LoopsError::TooMany { limit })?;
    let name = |i: usize| {
        model.nodes[g[petgraph::graph::NodeIndex::new(i)].index()]
            .name
            .as_str()
    };
    let mut loops: Vec<(Vec<&str>, Loop)> = Vec::new();
    for mut cycle in cycles {
        // Start at the node whose name sorts first, so a loop reads the same
        // whatever order the model declares its nodes in.
        if let Some(first) = (0..cycle.len()).min_by_key(|&i| name(cycle[i])) {
            cycle.rotate_left(first);
        }
        let ids: Vec<NodeId> = cycle
            .iter()
            .map(|&i| g[petgraph::graph::NodeIndex::new(i)])
            .collect();
        for links in variants(graph, &ids) {
            if loops.len() >= limit {
                return Err(LoopsError::TooMany { limit });
            }
            let polarity = polarity(&links);
            let names = cycle.iter().map(|&i| name(i)).collect();
            loops.push((
                names,
                Loop {
                    label: String::new(),
                    polarity,
                    links,
                },
            ));
        }
    }
    loops.sort_by(|(na, a), (nb, b)| {
        (na.len(), na, a.polarity, signs(a)).cmp(&(nb.len(), nb, b.polarity, signs(b)))
    });
    let mut counts = [0usize; 3];
    Ok(loops
        .into_iter()
        .map(|(_, mut l)| {
            let k = l.polarity as usize;
            counts[k] += 1;
            l.label = format!("{}{}", l.polarity.letter(), counts[k]);
            l
        })
        .collect())
}

fn signs(l: &Loop) -> Vec<&'static str> {
    l.links.iter().map(|k| k.sign.symbol()).collect()
}

/// The polarity of a loop with these links.
#[must_use]
pub fn polarity(links: &[LoopLink]) -> Polarity {
    if links.iter().any(|l| l.sign == Sign::Unknown) {
        Polarity::Indeterminate
    } else if links.iter().filter(|l| l.sign == Sign::Negative).count() % 2 == 0 {
        Polarity::Reinforcing
    } else {
        Polarity::Balancing
    }
}

/// The loops along a cycle of nodes: one per choice of sign on each link.
fn variants(graph: &Graph, cycle: &[NodeId]) -> Vec<Vec<LoopLink>> {
    let mut out: Vec<Vec<LoopLink>> = vec![Vec::new()];
    for (i, &from) in cycle.iter().enumerate() {
        let to = cycle[(i + 1) % cycle.len()];
        let mut by_sign: Vec<LoopLink> = Vec::new();
        for link in graph.links(from, to) {
            match by_sign.iter_mut().find(|l| l.sign == link.sign) {
                Some(l) => {
                    if !l.by.contains(&link.kind) {
                        l.by.push(link.kind);
                    }
                }
                None => by_sign.push(LoopLink {
                    from,
                    to,
                    sign: link.sign,
                    by: vec![link.kind],
                }),
            }
        }
        by_sign.sort_by_key(|l| l.sign.symbol());
        for l in &mut by_sign {
            l.by.sort_by_key(|k| match k {
                LinkKind::Rule(r) => (0, r.0),
                LinkKind::Derived => (1, 0),
                LinkKind::Hazard => (2, 0),
            });
        }
        out = out
            .into_iter()
            .flat_map(|prefix| {
                by_sign.iter().map(move |l| {
                    let mut v = prefix.clone();
                    v.push(l.clone());
                    v
                })
            })
            .collect();
    }
    out
}

/// What makes a link, in words: a rule's name, `definition of x`, `hazard of x`.
#[must_use]
pub fn mechanism(model: &Model, kind: LinkKind, to: NodeId) -> String {
    match kind {
        LinkKind::Rule(r) => model.rule(r).name.clone(),
        LinkKind::Derived => format!("definition of {}", model.node(to).name),
        LinkKind::Hazard => format!("hazard of {}", model.node(to).name),
    }
}

/// The loops as JSON (see [`json::LoopsReport`]).
#[must_use]
pub fn to_json(model: &Model, scenario: &str, loops: &[Loop]) -> json::LoopsReport {
    let count = |p: Polarity| loops.iter().filter(|l| l.polarity == p).count();
    let name = |n: NodeId| model.node(n).name.clone();
    let link = |k: &LoopLink| json::LoopLink {
        by: k
            .by
            .iter()
            .map(|kind| match kind {
                LinkKind::Rule(r) => json::Mechanism::Rule(model.rule(*r).name.clone()),
                LinkKind::Derived => json::Mechanism::Definition(name(k.to)),
                LinkKind::Hazard => json::Mechanism::Hazard(name(k.to)),
            })
            .collect(),
        from: name(k.from),
        sign: ascii_sign(k.sign).to_string(),
        to: name(k.to),
    };
    json::LoopsReport {
        balancing: count(Polarity::Balancing),
        indeterminate: count(Polarity::Indeterminate),
        loops: loops
            .iter()
            .map(|l| json::Loop {
                label: l.label.clone(),
                length: l.links.len(),
                links: l.links.iter().map(link).collect(),
                nodes: l.nodes().into_iter().map(name).collect(),
                polarity: l.polarity.word().to_string(),
            })
            .collect(),
        model: model.title.clone(),
        reinforcing: count(Polarity::Reinforcing),
        scenario: scenario.to_string(),
    }
}

/// `+`, `-` or `?`: a sign in plain ASCII, for tools.
#[must_use]
pub fn ascii_sign(s: Sign) -> &'static str {
    match s {
        Sign::Positive => "+",
        Sign::Negative => "-",
        Sign::Unknown => "?",
    }
}

#[cfg(test)]
mod tests;
