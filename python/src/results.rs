//! `Results`: one scenario's consequences as tidy tables, its JSON (the
//! command line's bytes), its per-run samples, and its HTML for notebooks.

use std::sync::Arc;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use whatif::eval::Results as Computed;

use crate::model::{Loaded, html_id};
use crate::tables::Table;

/// The results of evaluating one scenario (`Model.eval`).
///
/// `events`, `event_steps`, `factors` and `factor_steps` are tidy tables:
/// pandas DataFrames when pandas is installed, else lists of records (one
/// dict per row). Each row carries the scenario's name, so the tables of
/// several scenarios concatenate.
#[pyclass(frozen, module = "whatif")]
pub struct Results {
    loaded: Arc<Loaded>,
    results: Computed,
    samples: Option<Py<PyAny>>,
}

impl Results {
    /// Results of `loaded`'s model, with their samples converted.
    pub fn new(loaded: Arc<Loaded>, results: Computed, samples: Option<Py<PyAny>>) -> Results {
        Results {
            loaded,
            results,
            samples,
        }
    }
}

fn at(values: &[f64], t: usize) -> f64 {
    values.get(t).copied().unwrap_or(f64::NAN)
}

#[pymethods]
impl Results {
    /// The scenario's name.
    #[getter]
    fn scenario(&self) -> String {
        self.results.scenario.clone()
    }

    /// The scenario's title, if any.
    #[getter]
    fn title(&self) -> Option<String> {
        self.results.title.clone()
    }

    /// The model's title.
    #[getter]
    fn model(&self) -> String {
        self.results.model.clone()
    }

    /// The last step.
    #[getter]
    fn horizon(&self) -> u32 {
        self.results.horizon
    }

    /// Runs computed (1 for a model with no random draw).
    #[getter]
    fn runs(&self) -> u64 {
        self.results.runs
    }

    /// The seed of every random draw.
    #[getter]
    fn seed(&self) -> u64 {
        self.results.seed
    }

    /// Whether the results are exact (enumerated, or nothing is random).
    #[getter]
    fn exact(&self) -> bool {
        self.results.exact
    }

    /// The confidence of the intervals.
    #[getter]
    fn confidence(&self) -> f64 {
        self.results.confidence
    }

    /// One row per event: `scenario`, `event`, `probability` (of having
    /// happened by the horizon), its interval at the requested confidence
    /// (`ci_low`, `ci_high`) and at 95% (`ci95_low`, `ci95_high`), `words`
    /// (the narrowest likelihood word that holds it), `median_step` (the
    /// median first step among the runs where it happened) and
    /// `happened_runs`.
    #[getter]
    fn events(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let r = &self.results;
        let e = &r.events;
        Table::new()
            .column(py, "scenario", e.iter().map(|_| r.scenario.as_str()))?
            .column(py, "event", e.iter().map(|e| e.name.as_str()))?
            .column(py, "probability", e.iter().map(|e| e.probability))?
            .column(py, "ci_low", e.iter().map(|e| e.ci.0))?
            .column(py, "ci_high", e.iter().map(|e| e.ci.1))?
            .column(py, "ci95_low", e.iter().map(|e| e.ci95.0))?
            .column(py, "ci95_high", e.iter().map(|e| e.ci95.1))?
            .column(
                py,
                "words",
                e.iter()
                    .map(|e| r.scale.phrase(e.probability).map(|w| w.name.clone())),
            )?
            .column(py, "median_step", e.iter().map(|e| e.median_step))?
            .column(py, "happened_runs", e.iter().map(|e| e.happened))?
            .finish(py)
    }

    /// One row per event and step: `scenario`, `event`, `step`, and
    /// `probability` of having happened by that step.
    #[getter]
    fn event_steps(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let r = &self.results;
        let rows = || {
            r.events
                .iter()
                .flat_map(|e| e.by_step.iter().enumerate().map(move |(t, p)| (e, t, *p)))
        };
        Table::new()
            .column(py, "scenario", rows().map(|_| r.scenario.as_str()))?
            .column(py, "event", rows().map(|(e, _, _)| e.name.as_str()))?
            .column(py, "step", rows().map(|(_, t, _)| t))?
            .column(py, "probability", rows().map(|(_, _, p)| p))?
            .finish(py)
    }

    /// One row per factor, at the horizon: `scenario`, `factor`, `mean`,
    /// `sd`, `p5`, `p50`, `p95`, its range (`range_low`, `range_high`),
    /// `bounded_runs` (runs in which it was kept at a bound of its range) and
    /// `bounded_from` (the earliest step it was, in any run).
    #[getter]
    fn factors(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let r = &self.results;
        let f = &r.factors;
        let h = r.horizon as usize;
        Table::new()
            .column(py, "scenario", f.iter().map(|_| r.scenario.as_str()))?
            .column(py, "factor", f.iter().map(|f| f.name.as_str()))?
            .column(py, "mean", f.iter().map(|f| at(&f.mean, h)))?
            .column(py, "sd", f.iter().map(|f| at(&f.sd, h)))?
            .column(py, "p5", f.iter().map(|f| at(&f.p5, h)))?
            .column(py, "p50", f.iter().map(|f| at(&f.p50, h)))?
            .column(py, "p95", f.iter().map(|f| at(&f.p95, h)))?
            .column(py, "range_low", f.iter().map(|f| f.range.0))?
            .column(py, "range_high", f.iter().map(|f| f.range.1))?
            .column(py, "bounded_runs", f.iter().map(|f| f.bounded_runs))?
            .column(py, "bounded_from", f.iter().map(|f| f.bounded_from))?
            .finish(py)
    }

    /// One row per factor and step: `scenario`, `factor`, `step`, `mean`,
    /// `sd`, `p5`, `p50`, `p95` across runs.
    #[getter]
    fn factor_steps(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let r = &self.results;
        let rows = || {
            r.factors
                .iter()
                .flat_map(|f| (0..f.mean.len()).map(move |t| (f, t)))
        };
        Table::new()
            .column(py, "scenario", rows().map(|_| r.scenario.as_str()))?
            .column(py, "factor", rows().map(|(f, _)| f.name.as_str()))?
            .column(py, "step", rows().map(|(_, t)| t))?
            .column(py, "mean", rows().map(|(f, t)| at(&f.mean, t)))?
            .column(py, "sd", rows().map(|(f, t)| at(&f.sd, t)))?
            .column(py, "p5", rows().map(|(f, t)| at(&f.p5, t)))?
            .column(py, "p50", rows().map(|(f, t)| at(&f.p50, t)))?
            .column(py, "p95", rows().map(|(f, t)| at(&f.p95, t)))?
            .finish(py)
    }

    /// The per-run samples asked for with `eval(samples=[…])`: a DataFrame
    /// with one column per measure (named as written) and one row per run
    /// (the index, named `run`), or without pandas a dict of measure to
    /// `array.array("d")`. `None` when none were asked for.
    #[getter]
    fn samples(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.samples.as_ref().map(|s| s.clone_ref(py))
    }

    /// The results as `whatif eval FILE -s SCENARIO --format json` prints
    /// them, byte for byte (final newline included).
    fn to_json(&self) -> String {
        whatif::render::json::document(&Computed::eval_output(
            std::slice::from_ref(&self.results),
            false,
        ))
    }

    /// The results as `whatif eval` prints them as text.
    fn __str__(&self) -> String {
        whatif::render::text::results(&self.results)
    }

    fn __repr__(&self) -> String {
        let r = &self.results;
        let how = if r.exact {
            "exact".to_string()
        } else {
            format!("{} runs, seed {}", r.runs, r.seed)
        };
        format!(
            "<whatif.Results of `{}` in “{}”: {} events, {} factors, {how}>",
            r.scenario,
            r.model,
            r.events.len(),
            r.factors.len()
        )
    }

    fn _repr_html_(&self) -> PyResult<String> {
        let l = &self.loaded;
        whatif::render::html::notebook::results(
            &l.model,
            &l.sources,
            &self.results,
            None,
            None,
            &html_id(),
        )
        .map_err(|e| PyValueError::new_err(e.to_string()))
    }
}
