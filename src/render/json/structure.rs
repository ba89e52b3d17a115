//! The JSON outputs of the structure commands, as types: `whatif loops`,
//! `whatif causes` and `whatif graph`.
//!
//! The same rules as for the other outputs hold (see [`super`]): data only,
//! fields in alphabetical order so the keys come out sorted, as they did when
//! these outputs were built as `serde_json` maps.

use serde::Serialize;

/// `whatif loops --format json`: the feedback loops of one scenario's graph.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LoopsReport {
    /// Balancing loops (an odd number of negative links).
    pub balancing: usize,
    /// Indeterminate loops (a link of unknown sign).
    pub indeterminate: usize,
    /// Every loop, shortest first, then by node names, then by polarity.
    pub loops: Vec<Loop>,
    /// The model's title.
    pub model: String,
    /// Reinforcing loops (an even number of negative links).
    pub reinforcing: usize,
    /// The scenario whose rules count (`baseline` for the base model).
    pub scenario: String,
}

/// One feedback loop.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Loop {
    /// The polarity's letter and a number: `R1`, `B2`, `I1`.
    pub label: String,
    /// Its number of links (and of nodes).
    pub length: usize,
    /// Its links in order; the last leads back to the first's cause.
    pub links: Vec<LoopLink>,
    /// Its nodes in order, starting with the one whose name sorts first.
    pub nodes: Vec<String>,
    /// `reinforcing`, `balancing` or `indeterminate`.
    pub polarity: String,
}

/// One link of a loop: the mechanisms that move `to` with `from`, all of one
/// sign.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LoopLink {
    /// What makes the link, without repeats: rules first, in model order.
    pub by: Vec<Mechanism>,
    /// The cause.
    pub from: String,
    /// How the cause moves the effect: `+`, `-` or `?` (unknown).
    pub sign: String,
    /// The effect.
    pub to: String,
}

/// What makes a link: an object with one key.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Mechanism {
    /// A rule, by name.
    Rule(String),
    /// The definition (`:=`) of the derived node named.
    Definition(String),
    /// The hazard of the event named.
    Hazard(String),
}

/// `whatif causes --format json`: the minimal sets of root causes of one
/// event in one scenario.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CausesReport {
    /// When every set is exact, 1 − Π(1 − P(set)): an upper bound on the
    /// event's probability; otherwise null.
    pub bound: Option<f64>,
    /// The evaluation that priced the sets.
    pub evaluation: Evaluation,
    /// The event.
    pub event: String,
    /// Whether the sets and their probabilities are exact (no `notes`).
    pub exact: bool,
    /// The last step.
    pub horizon: u32,
    /// The model's title.
    pub model: String,
    /// Why the sets are an approximation; empty when they are exact.
    pub notes: Vec<String>,
    /// P(the event by the horizon), from the evaluation.
    pub probability: f64,
    /// The scenario.
    pub scenario: String,
    /// The minimal sets, most probable first.
    pub sets: Vec<CutSet>,
}

/// The evaluation behind `whatif causes`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Evaluation {
    /// Whether it is exact, with no sampling error.
    pub exact: bool,
    /// Runs computed.
    pub runs: u64,
}

/// One minimal set: every root cause in it together leads to the event.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CutSet {
    /// Its root causes.
    pub causes: Vec<RootCause>,
    /// Whether its probability is exact.
    pub exact: bool,
    /// The product of its causes' probabilities.
    pub probability: f64,
}

/// One root cause of a set.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RootCause {
    /// The cause in words (`prior of power.mains_fails`).
    pub cause: String,
    /// Whether its probability is exact and independent of the other causes.
    pub exact: bool,
    /// `prior`, `hazard`, `likelihood`, `branch`, `intervention` or
    /// `condition`.
    pub kind: String,
    /// Its probability.
    pub probability: f64,
}

/// `whatif graph --format json`: the cause-and-effect graph, as drawn.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GraphReport {
    /// The actors, in model order.
    pub actors: Vec<String>,
    /// The links, in a stable order; links that one rule (or definition, or
    /// hazard) makes between the same two nodes are one.
    pub edges: Vec<GraphEdge>,
    /// The model's title.
    pub model: String,
    /// The nodes, in model order.
    pub nodes: Vec<GraphNode>,
    /// The scenario whose rules and values are drawn.
    pub scenario: String,
    /// Whether nodes carry an evaluation (`--scenario` given).
    pub shaded: bool,
}

/// One node of the graph.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GraphNode {
    /// Its actor, if any.
    pub actor: Option<String>,
    /// Whether it is derived (`:=`).
    pub derived: bool,
    /// Its description, if any.
    pub description: Option<String>,
    /// `event` or `factor`.
    pub kind: String,
    /// For a factor of a shaded graph: its mean at the horizon.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_end: Option<f64>,
    /// For a factor of a shaded graph: its mean at step 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_start: Option<f64>,
    /// Its qualified name.
    pub name: String,
    /// For an event of a shaded graph: P(happened by the horizon).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
}

/// One link of the graph, by what makes it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum GraphEdge {
    /// A rule's link.
    Rule {
        /// The rule's delay in words (`after 2..8`).
        delay: String,
        /// The cause.
        from: String,
        /// The rule's likelihood in words, as the scenario has it; null for a
        /// rule without one.
        likelihood: Option<String>,
        /// The rule's name.
        rule: String,
        /// `+`, `-` or `?` (unknown, or the rule's effects disagree).
        sign: String,
        /// The effect.
        to: String,
    },
    /// A derived node's definition (no delay).
    Definition {
        /// Always true.
        definition: bool,
        /// A node the definition reads.
        from: String,
        /// `+`, `-` or `?`.
        sign: String,
        /// The derived node.
        to: String,
    },
    /// An event's hazard (a draw at every step).
    Hazard {
        /// A node the hazard reads.
        from: String,
        /// Always true.
        hazard: bool,
        /// `+`, `-` or `?`.
        sign: String,
        /// The event.
        to: String,
    },
}
