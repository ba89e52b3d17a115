//! `whatif.load`, `whatif.loads` and the `Model` they return: its metadata
//! (scenarios, parameters, nodes, expectations) and what it can compute.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use pyo3::exceptions::{
    PyFileNotFoundError, PyIsADirectoryError, PyOSError, PyPermissionError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use whatif::check::Model as Checked;
use whatif::check::model::{BASELINE, NodeKind, ScenarioId};
use whatif::check::values::{self, Override};
use whatif::config::valid_confidence;
use whatif::eval::{self, Cancel, Options};
use whatif::graph::Graph;
use whatif::load::{Found, LoadFailure, Loader};
use whatif::span::SourceMap;

use crate::errors::{Diagnostic, eval_error, model_error, renderer};
use crate::results::Results;
use crate::run::interruptible;
use crate::settings::{Settings, project_config};

/// A model read and checked, with what every evaluation of it shares.
#[derive(Debug)]
pub struct Loaded {
    /// The checked model.
    pub model: Checked,
    /// The text of its files.
    pub sources: SourceMap,
    /// Its warnings.
    pub warnings: Vec<whatif::Diagnostic>,
    /// Its settings.
    pub settings: Settings,
    /// Its path, when read from a file.
    pub path: Option<PathBuf>,
}

impl Loaded {
    /// The scenario named `name`, or a `ValueError` naming the scenarios.
    pub fn scenario(&self, name: &str) -> PyResult<ScenarioId> {
        self.model
            .scenario_asked(name)
            .map_err(|e| PyValueError::new_err(e.to_string()))
    }
}

/// A unique prefix for the element ids of one HTML output in a notebook.
pub fn html_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("whatif-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// An `OSError` of the right kind for reading `shown`.
pub fn io_error(shown: &str, e: &std::io::Error) -> PyErr {
    let message = format!("cannot read `{shown}`: {}", whatif::load::plain_io_error(e));
    match e.kind() {
        std::io::ErrorKind::NotFound => PyFileNotFoundError::new_err(message),
        std::io::ErrorKind::PermissionDenied => PyPermissionError::new_err(message),
        std::io::ErrorKind::IsADirectory => PyIsADirectoryError::new_err(message),
        _ => PyOSError::new_err(message),
    }
}

/// Imports of a model given as text: there are none to read.
struct TextOnly;

impl Loader for TextOnly {
    fn find(&mut self, _from: &str, _path: &str) -> Result<Found, LoadFailure> {
        Err(LoadFailure::Unreadable(
            "a model given as text (`whatif.loads`) cannot import files; read it with `whatif.load(path)`".to_string(),
        ))
    }

    fn read(&mut self, _key: &str, _max_bytes: usize) -> Result<Vec<u8>, LoadFailure> {
        self.find("", "").map(|_| Vec::new())
    }
}

/// The checked model of `analysis`, or `ModelError` with every diagnostic
/// (warnings too, as the command line prints them).
fn checked(
    py: Python<'_>,
    analysis: whatif::Analysis,
    settings: Settings,
    path: Option<PathBuf>,
) -> PyResult<Model> {
    let whatif::Analysis {
        sources,
        model,
        diagnostics,
    } = analysis;
    match model {
        Some(model) if !diagnostics.iter().any(whatif::Diagnostic::is_error) => Ok(Model {
            inner: Arc::new(Loaded {
                model,
                sources,
                warnings: diagnostics,
                settings,
                path,
            }),
        }),
        _ => Err(model_error(
            py,
            diagnostics
                .iter()
                .map(|d| Diagnostic::of(d, &sources))
                .collect(),
        )),
    }
}

/// Reads and checks the model at `path` and the files it imports, under the
/// settings of its project's `whatif.toml` (found upward from its folder, as
/// the command line finds it). `limits` raises or lowers resource limits:
/// `{"max_runs": 10**9}`, the keys of `whatif.toml`'s `[limits]`.
///
/// Raises `ModelError` when the model does not check, `OSError` when it
/// cannot be read.
#[pyfunction]
#[pyo3(signature = (path, *, limits=None))]
pub fn load(py: Python<'_>, path: PathBuf, limits: Option<&Bound<'_, PyDict>>) -> PyResult<Model> {
    let settings = Settings::resolve(project_config(py, &path)?, limits)?;
    let name = path.display().to_string();
    let bytes = std::fs::File::open(&path)
        .and_then(|f| whatif::load::read_bounded(f, settings.limits.source_bytes))
        .map_err(|e| io_error(&name, &e))?;
    let key = whatif::load::key_of(&path);
    let analysis = py.detach(|| {
        let mut loader = whatif::load::FsLoader::for_model(&path);
        whatif::analyze_with_scale(
            &mut loader,
            &key,
            &name,
            bytes,
            &settings.limits,
            &settings.scale,
        )
    });
    checked(py, analysis, settings, Some(path))
}

/// Checks a model given as text (which cannot import files), named `name` in
/// diagnostics. `limits` as for `load`.
///
/// Raises `ModelError` when the model does not check.
#[pyfunction]
#[pyo3(signature = (text, *, name="<string>", limits=None))]
pub fn loads(
    py: Python<'_>,
    text: &str,
    name: &str,
    limits: Option<&Bound<'_, PyDict>>,
) -> PyResult<Model> {
    let settings = Settings::resolve(None, limits)?;
    let bytes = text.as_bytes().to_vec();
    let analysis = py.detach(|| {
        whatif::analyze_with_scale(
            &mut TextOnly,
            name,
            name,
            bytes,
            &settings.limits,
            &settings.scale,
        )
    });
    checked(py, analysis, settings, None)
}

/// The options of one evaluation, read from a call's keyword arguments over
/// the model's settings.
pub struct EvalArgs<'a, 'py> {
    pub runs: Option<u64>,
    pub seed: Option<u64>,
    pub threads: Option<usize>,
    pub confidence: Option<f64>,
    pub set: Option<&'a Bound<'py, PyDict>>,
    pub exact: bool,
}

impl EvalArgs<'_, '_> {
    /// The library's options (with a fresh cancel) and the overrides.
    pub fn read(&self, loaded: &Loaded, confidence: f64) -> PyResult<(Options, Vec<Override>)> {
        let s = &loaded.settings;
        let confidence = self.confidence.unwrap_or(confidence);
        if !valid_confidence(confidence) {
            return Err(PyValueError::new_err(format!(
                "`confidence` must be between 0 and 1 (exclusive), not {confidence}"
            )));
        }
        let mut overrides = Vec::new();
        if let Some(set) = self.set {
            for (key, value) in set.iter() {
                let name: String = key.extract().map_err(|_| {
                    PyValueError::new_err(
                        "the keys of `set` are names, e.g. {\"users.trust\": 0.5}",
                    )
                })?;
                let value: f64 = value
                    .extract()
                    .map_err(|_| PyValueError::new_err(format!("`set[{name:?}]` is a number")))?;
                let text = format!("{name}={value}");
                let o = Override::parse(&loaded.model, &text)
                    .map_err(|e| PyValueError::new_err(renderer().render_plain(&e)))?;
                overrides.push(o);
            }
        }
        let options = Options {
            runs: self.runs.unwrap_or(s.runs),
            seed: self.seed.unwrap_or(s.seed),
            threads: self.threads.unwrap_or(s.threads),
            confidence,
            exact: self.exact,
            cancel: Some(Cancel::default()),
            ..Options::default()
        };
        Ok((options, overrides))
    }
}

/// A scenario: its name, title, the scenario it builds on, and what it
/// changes, as written.
#[pyclass(frozen, get_all, module = "whatif")]
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Its name (`baseline` for the model as written).
    pub name: String,
    /// Its title, if any.
    pub title: Option<String>,
    /// The scenario it extends, if any.
    pub extends: Option<String>,
    /// What it changes, one statement each, as written.
    pub changes: Vec<String>,
    /// Its last step.
    pub horizon: u32,
}

#[pymethods]
impl Scenario {
    fn __repr__(&self) -> String {
        format!("<Scenario {}>", self.name)
    }
}

/// A parameter (`param NAME = VALUE in [LO, HI]`): a number rules read,
/// which scenarios and `set` may change.
#[pyclass(frozen, get_all, module = "whatif")]
#[derive(Clone, Debug)]
pub struct Param {
    /// Its name (the key `set` takes).
    pub name: String,
    /// Its value in the baseline.
    pub value: f64,
    /// The range a change must respect, if declared.
    pub range: Option<(f64, f64)>,
    /// Its description.
    pub description: Option<String>,
    /// Its sources, as written.
    pub sources: Vec<String>,
    /// Whether a source marks it as an assumption.
    pub assumption: bool,
}

#[pymethods]
impl Param {
    fn __repr__(&self) -> String {
        format!("<Param {} = {}>", self.name, self.value)
    }
}

/// An event or a factor.
#[pyclass(frozen, get_all, module = "whatif")]
#[derive(Clone, Debug)]
pub struct Node {
    /// Its qualified name (`users.trust`).
    pub name: String,
    /// `"event"` or `"factor"`.
    pub kind: String,
    /// Its actor, if any.
    pub actor: Option<String>,
    /// Whether it is derived (`:=`, computed within each step).
    pub derived: bool,
    /// A factor's range in the baseline (`None` for an event).
    pub range: Option<(f64, f64)>,
    /// Its description.
    pub description: Option<String>,
    /// Its sources, as written.
    pub sources: Vec<String>,
}

#[pymethods]
impl Node {
    fn __repr__(&self) -> String {
        format!("<Node {} ({})>", self.name, self.kind)
    }
}

/// An expectation of the model (`expect SCENARIO { … }`).
#[pyclass(frozen, get_all, module = "whatif")]
#[derive(Clone, Debug)]
pub struct Expectation {
    /// The scenario it is about.
    pub scenario: String,
    /// The expectation as written.
    pub text: String,
    /// The file it is written in.
    pub file: String,
    /// Its line.
    pub line: usize,
}

#[pymethods]
impl Expectation {
    fn __repr__(&self) -> String {
        format!("<Expectation {}: {}>", self.scenario, self.text)
    }
}

/// A checked model. `whatif.load` and `whatif.loads` make one; it is
/// immutable, and may be evaluated from several threads at once.
#[pyclass(frozen, module = "whatif")]
pub struct Model {
    pub inner: Arc<Loaded>,
}

#[pymethods]
impl Model {
    /// The model's title.
    #[getter]
    fn title(&self) -> String {
        self.inner.model.title.clone()
    }

    /// The file it was read from (`None` for `whatif.loads`).
    #[getter]
    fn path(&self) -> Option<PathBuf> {
        self.inner.path.clone()
    }

    /// The project's `whatif.toml` whose settings apply, if any.
    #[getter]
    fn config(&self) -> Option<PathBuf> {
        self.inner.settings.config.clone()
    }

    /// The defaults of evaluations (`whatif.toml`'s, else the built-in
    /// ones): runs, seed, threads, confidence, test_confidence.
    #[getter]
    fn defaults<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = &self.inner.settings;
        let d = PyDict::new(py);
        d.set_item("runs", s.runs)?;
        d.set_item("seed", s.seed)?;
        d.set_item("threads", s.threads)?;
        d.set_item("confidence", s.confidence)?;
        d.set_item("test_confidence", s.test_confidence)?;
        Ok(d)
    }

    /// The warnings of the check (the model has no error).
    #[getter]
    fn warnings(&self) -> Vec<Diagnostic> {
        self.inner
            .warnings
            .iter()
            .map(|d| Diagnostic::of(d, &self.inner.sources))
            .collect()
    }

    /// Every scenario, `baseline` first.
    #[getter]
    fn scenarios(&self) -> Vec<Scenario> {
        let l = &self.inner;
        let m = &l.model;
        m.scenarios
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let id = ScenarioId::from_index(i);
                let changes = m.changes_as_written(id, &l.sources);
                let horizon =
                    values::resolve(m, id, &[], &l.settings.limits).map_or(0, |r| r.horizon);
                Scenario {
                    name: s.name.clone(),
                    title: s.title.clone(),
                    extends: s.extends.map(|p| m.scenario(p).name.clone()),
                    changes,
                    horizon,
                }
            })
            .collect()
    }

    /// Every parameter, with its value in the baseline.
    #[getter]
    fn params(&self) -> Vec<Param> {
        let l = &self.inner;
        let m = &l.model;
        let resolved = values::resolve(m, BASELINE, &[], &l.settings.limits).ok();
        let value = |e| {
            resolved
                .as_ref()
                .map_or(f64::NAN, |r: &values::Resolved<'_>| r.constant(e))
        };
        m.params
            .iter()
            .enumerate()
            .map(|(i, p)| Param {
                name: p.name.clone(),
                value: resolved
                    .as_ref()
                    .and_then(|r| r.params.get(i).copied())
                    .unwrap_or(f64::NAN),
                range: p.range.as_ref().map(|(lo, hi)| (value(lo), value(hi))),
                description: p.description.clone(),
                sources: p.sources.clone(),
                assumption: p.sources.iter().any(|s| s.starts_with("assumption")),
            })
            .collect()
    }

    /// Every event and factor, in the order they are declared.
    #[getter]
    fn nodes(&self) -> Vec<Node> {
        let l = &self.inner;
        let m = &l.model;
        let resolved = values::resolve(m, BASELINE, &[], &l.settings.limits).ok();
        m.nodes
            .iter()
            .map(|n| Node {
                name: n.name.clone(),
                kind: match n.kind {
                    NodeKind::Event => "event",
                    NodeKind::Factor => "factor",
                }
                .to_string(),
                actor: n.actor.map(|a| m.actors[a.index()].name.clone()),
                derived: n.derived.is_some(),
                range: (n.kind == NodeKind::Factor)
                    .then(|| {
                        resolved
                            .as_ref()
                            .map(|r| (r.constant(&n.range.0), r.constant(&n.range.1)))
                    })
                    .flatten(),
                description: n.description.clone(),
                sources: n.sources.clone(),
            })
            .collect()
    }

    /// Every expectation, in source order.
    #[getter]
    fn expectations(&self) -> Vec<Expectation> {
        let l = &self.inner;
        l.model
            .expectations
            .iter()
            .map(|e| {
                let file = l.sources.get(e.span.file);
                Expectation {
                    scenario: l.model.scenario(e.scenario).name.clone(),
                    text: e.text.clone(),
                    file: file.name.clone(),
                    line: file.line_col(e.span.start).0,
                }
            })
            .collect()
    }

    /// Evaluates `scenario` (`whatif eval FILE -s SCENARIO`). Keyword
    /// arguments left out take the model's defaults (its project's
    /// `whatif.toml`, else 10,000 runs, seed 0, one thread per core, 95%
    /// intervals). `set` overrides values (`{"users.trust": 0.5,
    /// "rule.outages_erode_trust.p": 0.9}`); `exact` enumerates every outcome
    /// instead of sampling. `samples` names measures to record in every run,
    /// written as an expectation writes them (`"P(users.migration)"`,
    /// `"users.trust at 52"`): `Results.samples` holds them, 8 bytes per run
    /// and measure, within the memory limit.
    ///
    /// The evaluation runs without the GIL; Ctrl-C (a notebook's interrupt)
    /// stops it and raises `KeyboardInterrupt`. Raises `EvalError` when it
    /// fails, `ModelError` for a measure that does not check, `ValueError`
    /// for an unknown scenario or a bad `set`.
    #[pyo3(signature = (scenario="baseline", *, runs=None, seed=None, threads=None, confidence=None, set=None, exact=false, samples=None))]
    #[allow(clippy::too_many_arguments)]
    fn eval(
        &self,
        py: Python<'_>,
        scenario: &str,
        runs: Option<u64>,
        seed: Option<u64>,
        threads: Option<usize>,
        confidence: Option<f64>,
        set: Option<&Bound<'_, PyDict>>,
        exact: bool,
        samples: Option<Vec<String>>,
    ) -> PyResult<Results> {
        let l = &self.inner;
        let id = l.scenario(scenario)?;
        let args = EvalArgs {
            runs,
            seed,
            threads,
            confidence,
            set,
            exact,
        };
        let (options, overrides) = args.read(l, l.settings.confidence)?;
        let texts = samples.unwrap_or_default();
        if exact && !texts.is_empty() {
            return Err(PyValueError::new_err(
                "per-run samples come from Monte Carlo runs; drop `exact=True`",
            ));
        }
        let mut sources = l.sources.clone();
        let mut measures = Vec::new();
        let mut problems = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            let name = format!("samples[{i}]");
            match whatif::check::measure::read(
                &l.model,
                &mut sources,
                &name,
                text,
                &l.settings.limits,
            ) {
                Ok(m) => measures.push(m),
                Err(d) => problems.extend(d.iter().map(|d| Diagnostic::of(d, &sources))),
            }
        }
        if !problems.is_empty() {
            return Err(model_error(py, problems));
        }
        let cancel = options.cancel.clone().unwrap_or_default();
        let shared = Arc::clone(l);
        let sources_for_run = sources.clone();
        let outcome = interruptible(py, &cancel, move || {
            let l = &shared;
            let limits = &l.settings.limits;
            let results = eval::run(&l.model, &l.sources, id, &overrides, &options, limits)?;
            let samples = if measures.is_empty() {
                None
            } else {
                Some(eval::samples::collect(
                    &l.model,
                    &sources_for_run,
                    id,
                    &overrides,
                    &measures,
                    &options,
                    limits,
                )?)
            };
            Ok::<_, eval::EvalError>((results, samples))
        })?;
        let (results, samples) = outcome.map_err(|e| eval_error(py, &e, &sources))?;
        let samples = samples.map(|s| crate::tables::samples(py, s)).transpose()?;
        Ok(Results::new(Arc::clone(l), results, samples))
    }

    /// Judges the model's expectations (`whatif test FILE`): each PASS, FAIL
    /// or INCONCLUSIVE on its interval (99% by default, `test_confidence` in
    /// `whatif.toml`). `select` is a regular expression: only the
    /// expectations whose `scenario: expectation` it matches are judged (the
    /// command line's `--run`). Other arguments as for `eval`.
    #[pyo3(signature = (*, runs=None, seed=None, threads=None, confidence=None, set=None, exact=false, select=None))]
    #[allow(clippy::too_many_arguments)]
    fn test(
        &self,
        py: Python<'_>,
        runs: Option<u64>,
        seed: Option<u64>,
        threads: Option<usize>,
        confidence: Option<f64>,
        set: Option<&Bound<'_, PyDict>>,
        exact: bool,
        select: Option<&str>,
    ) -> PyResult<crate::analyses::TestReport> {
        let args = EvalArgs {
            runs,
            seed,
            threads,
            confidence,
            set,
            exact,
        };
        crate::analyses::test(py, &self.inner, &args, select)
    }

    /// Explains how `event` comes about in `scenario`, and why not
    /// (`whatif explain FILE EVENT -s SCENARIO`): its causal chains across
    /// runs, the conditions that failed in the runs without it. Monte Carlo
    /// only. Other arguments as for `eval`.
    #[pyo3(signature = (event, scenario="baseline", *, runs=None, seed=None, threads=None, set=None))]
    #[allow(clippy::too_many_arguments)]
    fn explain(
        &self,
        py: Python<'_>,
        event: &str,
        scenario: &str,
        runs: Option<u64>,
        seed: Option<u64>,
        threads: Option<usize>,
        set: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<crate::analyses::Explanation> {
        let args = EvalArgs {
            runs,
            seed,
            threads,
            confidence: None,
            set,
            exact: false,
        };
        crate::analyses::explain(py, &self.inner, &args, event, scenario)
    }

    /// Compares scenario `a` with `b` on paired runs (`whatif diff FILE A
    /// B`): every consequence that changed, largest first, with its
    /// interval, and the causal chains one scenario has and the other lacks.
    /// `set` applies to both scenarios. Other arguments as for `eval`.
    #[pyo3(signature = (a, b="baseline", *, runs=None, seed=None, threads=None, confidence=None, set=None))]
    #[allow(clippy::too_many_arguments)]
    fn diff(
        &self,
        py: Python<'_>,
        a: &str,
        b: &str,
        runs: Option<u64>,
        seed: Option<u64>,
        threads: Option<usize>,
        confidence: Option<f64>,
        set: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<crate::analyses::Diff> {
        let args = EvalArgs {
            runs,
            seed,
            threads,
            confidence,
            set,
            exact: false,
        };
        crate::analyses::diff(py, &self.inner, &args, a, b)
    }

    /// The model's cause-and-effect graph, as the report draws it (SVG).
    fn graph_svg(&self) -> PyResult<String> {
        let m = &self.inner.model;
        whatif::render::svg_graph::svg(m, &Graph::of(m), &html_id())
            .map(|svg| svg.0)
            .map_err(|e| PyValueError::new_err(e.to_string()))
    }

    fn _repr_html_(&self) -> String {
        let m = &self.inner.model;
        whatif::render::html::notebook::model(m, &Graph::of(m), &html_id())
    }

    fn __repr__(&self) -> String {
        let m = &self.inner.model;
        let events = m.nodes.iter().filter(|n| n.kind == NodeKind::Event).count();
        format!(
            "<whatif.Model “{}”: {} events, {} factors, {} rules, {} scenarios>",
            m.title,
            events,
            m.nodes.len() - events,
            m.rules.len(),
            m.scenarios.len()
        )
    }
}
