//! Every JSON output, as types: the contract tools read.
//!
//! Each `--format json` output of the command line is one of these types,
//! serialized with serde; with the `schema` feature each also derives its JSON
//! Schema (`whatif schema NAME`), so the schema and the output cannot drift
//! apart. The types hold data only: they are built from the library's results
//! by the `to_json` methods beside those results.
//!
//! Within each object the fields are declared in alphabetical order, and maps
//! are sorted by key. The JSON's keys have always come out sorted (they were
//! built as `serde_json` maps), and the contract keeps the bytes, not just the
//! meaning: a tool that diffs two outputs sees no churn.
//!
//! The outputs of `loops`, `causes` and `graph` are in [`structure`].

use std::collections::BTreeMap;

use serde::Serialize;

pub mod layout;
pub mod structure;
pub use structure::{
    CausesReport, CutSet, Evaluation, GraphEdge, GraphNode, GraphReport, Loop, LoopLink,
    LoopsReport, Mechanism, RootCause,
};

/// `value` as every `--format json` output is printed: in [`layout::Layout`],
/// with a final newline.
#[must_use]
pub fn document<T: Serialize + ?Sized>(value: &T) -> String {
    // Serializing these types cannot fail: every map has string keys. Written
    // straight into the buffer: an evaluation's output can be megabytes.
    let mut out = Vec::with_capacity(1 << 16);
    if write_document(&mut out, value).is_err() {
        out.clear();
        out.push(b'\n');
    }
    // The serializer writes UTF-8 only.
    String::from_utf8(out).unwrap_or_default()
}

/// Writes [`document`]'s bytes to `w` as they are serialized, without holding
/// the whole document first.
///
/// # Errors
/// Writing failed, or `value` refused to serialize.
pub fn write_document<W: std::io::Write, T: Serialize + ?Sized>(
    mut w: W,
    value: &T,
) -> std::io::Result<()> {
    layout::to_writer(&mut w, value)?;
    w.write_all(b"\n")
}

/// The version of the `eval` and `diff` contracts; raised when a field changes
/// meaning or disappears (new fields may appear without it).
pub const SCHEMA_VERSION: u32 = 1;

/// `whatif eval --format json`: one scenario's results, or a list of them for
/// `--all` and for several `--scenario`s.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum EvalOutput {
    /// One scenario.
    One(Results),
    /// Several scenarios, in the order asked for.
    Many(Vec<Results>),
}

/// The results of one scenario.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Results {
    /// The confidence level of every event's `ci`.
    pub confidence: f64,
    /// Every event, by qualified name.
    pub events: BTreeMap<String, EventResult>,
    /// Whether the results are exact (enumerated, or no random draw), with no
    /// sampling error.
    pub exact: bool,
    /// Causal chains of the events asked about (absent when none was).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanations: Option<Vec<Explanation>>,
    /// Every factor, by qualified name.
    pub factors: BTreeMap<String, FactorResult>,
    /// The last step.
    pub horizon: u32,
    /// The model's title.
    pub model: String,
    /// Bins of the quantile histograms (0 when exact).
    pub quantile_bins: usize,
    /// Runs computed (1 for a model with no random draw).
    pub runs: u64,
    /// The scenario's name (`baseline` for the model with no intervention).
    pub scenario: String,
    /// The version of this contract: 1.
    pub schema_version: u32,
    /// The seed of every random draw.
    pub seed: u64,
    /// When runs became steady, for a model that stops when steady.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steady: Option<Steadiness>,
    /// The scenario's title.
    pub title: Option<String>,
}

/// One event's results.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EventResult {
    /// P(happened by step t), for t = 0 to the horizon.
    pub by_step: Vec<f64>,
    /// The Wilson interval of `probability` at the requested confidence.
    pub ci: [f64; 2],
    /// The Wilson interval of `probability` at 95%.
    pub ci95: [f64; 2],
    /// Runs in which it happened.
    pub happened_runs: u64,
    /// The median first step among the runs in which it happened.
    pub median_step: Option<u32>,
    /// P(happened by the horizon).
    pub probability: f64,
    /// The narrowest word of the likelihood scale whose interval holds the
    /// probability, if any.
    pub words: Option<String>,
}

/// One factor's results.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FactorResult {
    /// The earliest step at which it was kept at a bound of its range, in any run.
    pub bounded_from: Option<u32>,
    /// Runs in which it was kept at a bound of its range.
    pub bounded_runs: u64,
    /// The mean at each step.
    pub mean: Vec<f64>,
    /// The 5th percentile at each step.
    pub p5: Vec<f64>,
    /// The median at each step.
    pub p50: Vec<f64>,
    /// The 95th percentile at each step.
    pub p95: Vec<f64>,
    /// Its range, [low, high].
    pub range: [f64; 2],
}

/// When runs became steady (`stop when steady`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Steadiness {
    /// The median step at which runs became steady, among those that did.
    pub median_step: Option<u32>,
    /// Runs that never became steady.
    pub never_steady_runs: u64,
}

/// `whatif explain --format json`: how an event came about, across runs, and
/// why it did not.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Explanation {
    /// Causal chains, most frequent first.
    pub chains: Vec<Chain>,
    /// The rules that could have caused the event whose condition held in runs
    /// without it: their likelihood did not come through, or their effect was
    /// due after the horizon.
    pub conditions_held_without_effect: Vec<HeldCondition>,
    /// Runs in which the event happened.
    pub happened_runs: u64,
    /// The event.
    pub node: String,
    /// Runs counted.
    pub runs: u64,
    /// Whether some runs credited several chains, so shares may add up to more
    /// than 1.
    pub shares_may_exceed_100_percent: bool,
    /// Conditions that failed to hold in runs without the event.
    pub why_not: Vec<WhyNot>,
}

/// One causal chain.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Chain {
    /// The chain, effect first: `a ← rule ← b ← …`.
    pub chain: String,
    /// Runs it explains.
    pub runs: u64,
    /// Its share of all runs.
    pub share: f64,
}

/// A rule whose condition held in runs without the event.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HeldCondition {
    /// The rule.
    pub rule: String,
    /// Runs without the event in which its condition held.
    pub runs: u64,
}

/// One condition that failed to hold in runs without the event.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WhyNot {
    /// Runs without the event.
    pub absent_runs: u64,
    /// For a comparison on a factor, the median over runs of the closest value
    /// it reached.
    pub closest_median: Option<f64>,
    /// The condition (an atom of the rule's condition).
    pub condition: String,
    /// Runs without the event in which the condition never held.
    pub failed_runs: u64,
    /// The rule that could have caused the event.
    pub rule: String,
}

/// `whatif diff --format json`: what scenario A changes against B, on paired
/// runs.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Diff {
    /// Scenario B, the one compared with.
    pub against: String,
    /// Causal chains present in one scenario and absent in the other.
    pub chains: Vec<DeltaChain>,
    /// Every consequence that changed, largest change first.
    pub changes: Vec<Change>,
    /// The confidence level of the intervals.
    pub confidence: f64,
    /// The model's title.
    pub model: String,
    /// Paired runs.
    pub runs: u64,
    /// Scenario A, whose changes are shown.
    pub scenario: String,
    /// The version of this contract: 1.
    pub schema_version: u32,
    /// The seed.
    pub seed: u64,
    /// The step compared (A's horizon).
    pub step: u32,
}

/// One consequence's change.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Change {
    /// Its value in scenario B.
    pub against: f64,
    /// A − B, on paired runs.
    pub change: f64,
    /// `appears` or `vanishes` when the change crosses from absent to present
    /// or back.
    pub crossing: Option<String>,
    /// The interval of the change.
    pub interval: [f64; 2],
    /// `event` or `factor`.
    pub kind: String,
    /// `probability` (by the step) for an event, `mean` (at the step) for a factor.
    pub measure: String,
    /// The node.
    pub node: String,
    /// Its value in scenario A.
    pub value: f64,
}

/// A causal chain one scenario has and the other lacks.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeltaChain {
    /// The chain.
    pub chain: String,
    /// The event.
    pub node: String,
    /// The scenario that has the chain.
    pub only_in: String,
    /// Its share of that scenario's runs.
    pub share: f64,
}

/// `whatif check --format json`: every diagnostic of every file.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CheckReport {
    /// Errors in all files, unreadable files included.
    pub errors: usize,
    /// One entry per file named on the command line.
    pub files: Vec<CheckedFile>,
    /// Warnings in all files.
    pub warnings: usize,
}

/// One file of `whatif check`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum CheckedFile {
    /// A file that was read: its diagnostics, by position.
    Read {
        /// Every diagnostic, sorted by file and position.
        diagnostics: Vec<Diagnostic>,
        /// The file, as named on the command line.
        file: String,
    },
    /// A file that could not be read.
    Unreadable {
        /// Why.
        error: String,
        /// The file, as named on the command line.
        file: String,
    },
}

/// One diagnostic. Lines and columns count from 1; columns count characters.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Diagnostic {
    /// Its stable code (`whatif::check::unknown_name`).
    pub code: String,
    /// Where it starts.
    pub column: usize,
    /// Where it ends (the column after its last character).
    pub end_column: usize,
    /// The line where it ends.
    pub end_line: usize,
    /// The file it points into (an imported file, possibly).
    pub file: String,
    /// What to do about it, when there is a concrete fix.
    pub help: Option<String>,
    /// Labelled spans of source.
    pub labels: Vec<Label>,
    /// The line where it starts.
    pub line: usize,
    /// What is wrong.
    pub message: String,
    /// `error` or `warning`.
    pub severity: String,
}

/// A labelled span of a diagnostic.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Label {
    /// Where it starts.
    pub column: usize,
    /// Its text, if any.
    pub label: Option<String>,
    /// Its length in bytes.
    pub length: usize,
    /// The line where it starts.
    pub line: usize,
}

/// `whatif test --format json`: every expectation's verdict.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TestReport {
    /// Expectations that failed, with inconclusive ones under `--strict`, and
    /// snapshots that differ.
    pub failed: usize,
    /// Every model tested.
    pub files: Vec<TestedFile>,
    /// Inconclusive expectations.
    pub inconclusive: usize,
    /// Expectations that passed.
    pub passed: usize,
}

/// One model of `whatif test`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TestedFile {
    /// Every expectation selected, in the model's order.
    pub expectations: Vec<Verdict>,
    /// The model.
    pub file: String,
    /// With `--snapshot`: the lines that differ from the snapshot (`- old`,
    /// `+ new`), or null when it matches.
    pub snapshot_diff: Option<String>,
}

/// One expectation's verdict.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Verdict {
    /// What it was held against, in words (`≥ 66%`).
    pub against: String,
    /// Where it is written: line (from 1).
    pub line: usize,
    /// What was measured, in words (`P = 83% [82%, 84%]`).
    pub measured: String,
    /// Milliseconds spent (its share of the evaluations it needed).
    pub milliseconds: u64,
    /// For an inconclusive verdict: about how many runs would decide it, when
    /// that can be estimated.
    pub runs_to_decide: Option<u64>,
    /// Its scenario.
    pub scenario: String,
    /// The expectation as written.
    pub text: String,
    /// `pass`, `fail` or `inconclusive`.
    pub verdict: String,
}

/// The JSON Schema of every JSON output, by the name `whatif schema` knows it
/// by, with a line on what it describes.
#[cfg(feature = "schema")]
#[must_use]
pub fn schemas() -> Vec<(&'static str, &'static str, schemars::Schema)> {
    vec![
        (
            "causes",
            "whatif causes --format json",
            schemars::schema_for!(CausesReport),
        ),
        (
            "check",
            "whatif check --format json",
            schemars::schema_for!(CheckReport),
        ),
        (
            "diff",
            "whatif diff --format json",
            schemars::schema_for!(Diff),
        ),
        (
            "eval",
            "whatif eval --format json",
            schemars::schema_for!(EvalOutput),
        ),
        (
            "explain",
            "whatif explain --format json",
            schemars::schema_for!(Explanation),
        ),
        (
            "graph",
            "whatif graph --format json",
            schemars::schema_for!(GraphReport),
        ),
        (
            "loops",
            "whatif loops --format json",
            schemars::schema_for!(LoopsReport),
        ),
        (
            "sensitivity",
            "whatif sensitivity --format json",
            schemars::schema_for!(crate::study::Sensitivity),
        ),
        (
            "sweep",
            "whatif sweep --format json",
            schemars::schema_for!(crate::study::Sweep),
        ),
        (
            "test",
            "whatif test --format json",
            schemars::schema_for!(TestReport),
        ),
    ]
}
