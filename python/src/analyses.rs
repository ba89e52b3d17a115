//! The analyses beside evaluation: a model's tests (`whatif test`),
//! explanations (`whatif explain`) and comparisons (`whatif diff`), each a
//! structured result with tables, JSON where the command line has it, and
//! HTML for notebooks.

use std::collections::HashSet;
use std::sync::Arc;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use whatif::check::model::{Expectation as Expect, NodeKind};
use whatif::eval::{self, Cancel};
use whatif::expect::{Judgement, Outcome, TestOptions};

use crate::errors::eval_error;
use crate::model::{EvalArgs, Loaded, html_id};
use crate::run::interruptible;
use crate::tables::Table;

/// The verdict's word, as the command line's JSON writes it.
fn verdict(j: Judgement) -> &'static str {
    match j {
        Judgement::Pass => "pass",
        Judgement::Fail => "fail",
        Judgement::Inconclusive(_) => "inconclusive",
    }
}

/// The verdicts of a model's expectations (`Model.test`).
#[pyclass(frozen, module = "whatif")]
pub struct TestReport {
    outcomes: Vec<Outcome>,
    lines: Vec<usize>,
}

#[pymethods]
impl TestReport {
    /// Expectations that passed.
    #[getter]
    fn passed(&self) -> usize {
        self.count(|j| j == Judgement::Pass)
    }

    /// Expectations that failed.
    #[getter]
    fn failed(&self) -> usize {
        self.count(|j| j == Judgement::Fail)
    }

    /// Expectations whose interval straddles the threshold.
    #[getter]
    fn inconclusive(&self) -> usize {
        self.count(|j| matches!(j, Judgement::Inconclusive(_)))
    }

    /// Whether no expectation failed (`whatif test`'s exit status 0).
    #[getter]
    fn ok(&self) -> bool {
        self.failed() == 0
    }

    /// One row per expectation: `scenario`, `expectation` (as written),
    /// `line`, `verdict` (`pass`, `fail` or `inconclusive`), `measured`,
    /// `against`, `runs_to_decide` (for an inconclusive one, about how many
    /// runs would decide it) and `seconds` (its share of the evaluations).
    #[getter]
    fn outcomes(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let o = &self.outcomes;
        Table::new()
            .column(py, "scenario", o.iter().map(|o| o.scenario.as_str()))?
            .column(py, "expectation", o.iter().map(|o| o.text.as_str()))?
            .column(py, "line", self.lines.iter().copied())?
            .column(py, "verdict", o.iter().map(|o| verdict(o.judgement)))?
            .column(py, "measured", o.iter().map(|o| o.measured.as_str()))?
            .column(py, "against", o.iter().map(|o| o.against.as_str()))?
            .column(
                py,
                "runs_to_decide",
                o.iter().map(|o| match o.judgement {
                    Judgement::Inconclusive(n) => n,
                    _ => None,
                }),
            )?
            .column(py, "seconds", o.iter().map(|o| o.elapsed.as_secs_f64()))?
            .finish(py)
    }

    fn __repr__(&self) -> String {
        format!(
            "<whatif.TestReport: {} passed, {} failed, {} inconclusive>",
            self.passed(),
            self.failed(),
            self.inconclusive()
        )
    }

    fn _repr_html_(&self, py: Python<'_>) -> PyResult<String> {
        let rows: Vec<Vec<String>> = self
            .outcomes
            .iter()
            .map(|o| {
                vec![
                    verdict(o.judgement).to_uppercase(),
                    o.scenario.clone(),
                    o.text.clone(),
                    o.measured.clone(),
                    o.against.clone(),
                ]
            })
            .collect();
        html_table(
            py,
            &self.__repr__(),
            &["verdict", "scenario", "expectation", "measured", "against"],
            rows,
        )
    }
}

impl TestReport {
    fn count(&self, f: impl Fn(Judgement) -> bool) -> usize {
        self.outcomes.iter().filter(|o| f(o.judgement)).count()
    }
}

/// A table of text for a notebook, escaped, by `whatif._frames.html_table`.
fn html_table(
    py: Python<'_>,
    caption: &str,
    header: &[&str],
    rows: Vec<Vec<String>>,
) -> PyResult<String> {
    py.import("whatif._frames")?
        .call_method1("html_table", (html_id(), caption, header.to_vec(), rows))?
        .extract()
}

pub fn test(
    py: Python<'_>,
    loaded: &Arc<Loaded>,
    args: &EvalArgs<'_, '_>,
    select: Option<&str>,
) -> PyResult<TestReport> {
    let (options, overrides) = args.read(loaded, loaded.settings.test_confidence)?;
    let model = &loaded.model;
    // The expectations chosen, by index, matched with Python's own `re`.
    let chosen: Option<HashSet<usize>> = match select {
        None => None,
        Some(pattern) => {
            let re = py.import("re")?.call_method1("compile", (pattern,))?;
            let mut set = HashSet::new();
            for (i, e) in model.expectations.iter().enumerate() {
                let text = format!("{}: {}", model.scenario(e.scenario).name, e.text);
                if !re.call_method1("search", (text,))?.is_none() {
                    set.insert(i);
                }
            }
            Some(set)
        }
    };
    let cancel = options.cancel.clone().unwrap_or_default();
    let shared = Arc::clone(loaded);
    let confidence = options.confidence;
    let outcome = interruptible(py, &cancel, move || {
        let l = &shared;
        let select = |e: &Expect| {
            chosen.as_ref().is_none_or(|set| {
                l.model
                    .expectations
                    .iter()
                    .position(|x| std::ptr::eq(x, e))
                    .is_some_and(|i| set.contains(&i))
            })
        };
        let test_options = TestOptions {
            eval: options,
            confidence,
        };
        whatif::expect::run(
            &l.model,
            &l.sources,
            &overrides,
            &test_options,
            &l.settings.limits,
            &select,
        )
    })?;
    let outcomes = outcome.map_err(|e| eval_error(py, &e, &loaded.sources))?;
    let lines = outcomes
        .iter()
        .map(|o| loaded.sources.get(o.span.file).line_col(o.span.start).0)
        .collect();
    Ok(TestReport { outcomes, lines })
}

/// How an event comes about in a scenario, and why not (`Model.explain`).
#[pyclass(frozen, module = "whatif")]
pub struct Explanation {
    scenario: String,
    x: eval::explain::Explanation,
}

#[pymethods]
impl Explanation {
    /// The event explained.
    #[getter]
    fn event(&self) -> String {
        self.x.node.clone()
    }

    /// The scenario.
    #[getter]
    fn scenario(&self) -> String {
        self.scenario.clone()
    }

    /// Runs counted.
    #[getter]
    fn runs(&self) -> u64 {
        self.x.runs
    }

    /// Runs in which the event happened.
    #[getter]
    fn happened_runs(&self) -> u64 {
        self.x.happened
    }

    /// Whether some runs credited several chains (shares may add up to more
    /// than 1).
    #[getter]
    fn shares_may_exceed_1(&self) -> bool {
        self.x.multiple
    }

    /// One row per causal chain, most frequent first: `chain` (effect first,
    /// read `←` as "because of"), `runs` it explains, `share` of all runs.
    #[getter]
    fn chains(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let c = &self.x.chains;
        let total = self.x.runs.max(1) as f64;
        Table::new()
            .column(py, "chain", c.iter().map(|(s, _)| s.as_str()))?
            .column(py, "runs", c.iter().map(|(_, n)| *n))?
            .column(py, "share", c.iter().map(|(_, n)| *n as f64 / total))?
            .finish(py)
    }

    /// One row per condition that failed to hold in runs without the event:
    /// `rule`, `condition`, `failed_runs`, `absent_runs`, and for a
    /// comparison on a factor `closest_median` (the median of the closest
    /// value it reached).
    #[getter]
    fn why_not(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let w = &self.x.why_not;
        Table::new()
            .column(py, "rule", w.iter().map(|w| w.rule.as_str()))?
            .column(py, "condition", w.iter().map(|w| w.atom.as_str()))?
            .column(py, "failed_runs", w.iter().map(|w| w.failed_runs))?
            .column(py, "absent_runs", w.iter().map(|w| w.absent_runs))?
            .column(py, "closest_median", w.iter().map(|w| w.closest))?
            .finish(py)
    }

    /// One row per rule that could have caused the event and whose condition
    /// held in runs without it: `rule`, `runs`.
    #[getter]
    fn conditions_held_without_effect(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let h = &self.x.held_but_failed;
        Table::new()
            .column(py, "rule", h.iter().map(|(r, _)| r.as_str()))?
            .column(py, "runs", h.iter().map(|(_, n)| *n))?
            .finish(py)
    }

    /// The explanation as `whatif explain … --format json` prints it.
    fn to_json(&self) -> String {
        whatif::render::json::document(&self.x.to_json())
    }

    /// The explanation as `whatif explain` prints it as text (its heading
    /// aside).
    fn __str__(&self) -> String {
        whatif::render::text::explanation(&self.x)
    }

    fn __repr__(&self) -> String {
        format!(
            "<whatif.Explanation of `{}` in `{}`: {} chains>",
            self.x.node,
            self.scenario,
            self.x.chains.len()
        )
    }

    fn _repr_html_(&self, py: Python<'_>) -> PyResult<String> {
        let total = self.x.runs.max(1) as f64;
        let rows = self
            .x
            .chains
            .iter()
            .map(|(c, n)| vec![whatif::check::scale::percent(*n as f64 / total), c.clone()])
            .collect();
        let caption = format!(
            "`{}` in `{}` happens in {} of {} runs; its causal chains (read ← as “because of”)",
            self.x.node, self.scenario, self.x.happened, self.x.runs
        );
        html_table(py, &caption, &["share of runs", "chain"], rows)
    }
}

pub fn explain(
    py: Python<'_>,
    loaded: &Arc<Loaded>,
    args: &EvalArgs<'_, '_>,
    event: &str,
    scenario: &str,
) -> PyResult<Explanation> {
    let node = loaded
        .model
        .event_to_explain(event)
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    let id = loaded.scenario(scenario)?;
    let (mut options, overrides) = args.read(loaded, loaded.settings.confidence)?;
    options.explain = vec![node];
    let cancel = options.cancel.clone().unwrap_or_default();
    let shared = Arc::clone(loaded);
    let outcome = interruptible(py, &cancel, move || {
        let l = &shared;
        eval::run(
            &l.model,
            &l.sources,
            id,
            &overrides,
            &options,
            &l.settings.limits,
        )
    })?;
    let results = outcome.map_err(|e| eval_error(py, &e, &loaded.sources))?;
    let x = results
        .explanations
        .into_iter()
        .next()
        .ok_or_else(|| PyValueError::new_err("the evaluation explained nothing"))?;
    Ok(Explanation {
        scenario: results.scenario,
        x,
    })
}

/// What scenario A changes against B, on paired runs (`Model.diff`).
#[pyclass(frozen, module = "whatif")]
pub struct Diff {
    d: whatif::diff::Diff,
}

#[pymethods]
impl Diff {
    /// Scenario A, whose changes are shown.
    #[getter]
    fn a(&self) -> String {
        self.d.a.clone()
    }

    /// Scenario B, compared with.
    #[getter]
    fn b(&self) -> String {
        self.d.b.clone()
    }

    /// Paired runs.
    #[getter]
    fn runs(&self) -> u64 {
        self.d.runs
    }

    /// The step compared at (the horizon of A).
    #[getter]
    fn horizon(&self) -> u32 {
        self.d.horizon
    }

    /// One row per consequence that changed, largest change first: `node`,
    /// `kind` (`event`: probability by the horizon; `factor`: mean at the
    /// horizon), its value in `a` and in `b`, `change` (A − B) with its
    /// interval (`low`, `high`), `size` (the change in probability points or
    /// as a share of the factor's range) and `crossing` (`appears`,
    /// `vanishes` or `None`).
    #[getter]
    fn changes(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let c = &self.d.changes;
        Table::new()
            .column(py, "node", c.iter().map(|c| c.node.as_str()))?
            .column(
                py,
                "kind",
                c.iter().map(|c| match c.kind {
                    NodeKind::Event => "event",
                    NodeKind::Factor => "factor",
                }),
            )?
            .column(py, "a", c.iter().map(|c| c.a))?
            .column(py, "b", c.iter().map(|c| c.b))?
            .column(py, "change", c.iter().map(|c| c.delta.0))?
            .column(py, "low", c.iter().map(|c| c.delta.1))?
            .column(py, "high", c.iter().map(|c| c.delta.2))?
            .column(py, "size", c.iter().map(|c| c.size))?
            .column(py, "crossing", c.iter().map(|c| c.crossing))?
            .finish(py)
    }

    /// One row per causal chain found in one scenario and not the other:
    /// `node`, `scenario` (the one that has it), `chain`, `share` of its runs.
    #[getter]
    fn chains(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let c = &self.d.chains;
        Table::new()
            .column(py, "node", c.iter().map(|c| c.node.as_str()))?
            .column(py, "scenario", c.iter().map(|c| c.scenario.as_str()))?
            .column(py, "chain", c.iter().map(|c| c.chain.as_str()))?
            .column(py, "share", c.iter().map(|c| c.share))?
            .finish(py)
    }

    /// The comparison as `whatif diff … --format json` prints it.
    fn to_json(&self) -> String {
        whatif::render::json::document(&self.d.to_json())
    }

    fn __repr__(&self) -> String {
        format!(
            "<whatif.Diff `{}` against `{}`: {} changes>",
            self.d.a,
            self.d.b,
            self.d.changes.len()
        )
    }

    fn _repr_html_(&self) -> String {
        whatif::render::html::notebook::diff(&self.d, &html_id())
    }
}

pub fn diff(
    py: Python<'_>,
    loaded: &Arc<Loaded>,
    args: &EvalArgs<'_, '_>,
    a: &str,
    b: &str,
) -> PyResult<Diff> {
    let (ia, ib) = (loaded.scenario(a)?, loaded.scenario(b)?);
    let (options, overrides) = args.read(loaded, loaded.settings.confidence)?;
    let cancel: Cancel = options.cancel.clone().unwrap_or_default();
    let shared = Arc::clone(loaded);
    let outcome = interruptible(py, &cancel, move || {
        let l = &shared;
        whatif::diff::diff_under(
            &l.model,
            &l.sources,
            ia,
            ib,
            &overrides,
            &options,
            &l.settings.limits,
        )
    })?;
    let d = outcome.map_err(|e| eval_error(py, &e, &loaded.sources))?;
    Ok(Diff { d })
}
