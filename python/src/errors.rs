//! Errors as Python exceptions: a model that does not check raises
//! `ModelError` with every diagnostic, an evaluation that fails raises
//! `EvalError`; `str()` of either is what the command line prints.

use pyo3::IntoPyObjectExt;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyList;
use whatif::render::diagnostics::DiagnosticRenderer;
use whatif::span::{SourceFile, SourceMap, Span};

pyo3::create_exception!(
    whatif,
    Error,
    PyException,
    "The base of whatif's own exceptions."
);
pyo3::create_exception!(
    whatif,
    ModelError,
    Error,
    "A model (or a measure, or a `whatif.toml`) that does not check. `diagnostics` holds every diagnostic; `str()` is what the command line prints."
);
pyo3::create_exception!(
    whatif,
    EvalError,
    Error,
    "An evaluation that could not complete: a value that is not finite, a limit, values that fail their checks under `set`. `code`, `help` and `diagnostics` say more; `str()` is what the command line prints."
);

/// The width diagnostics are drawn at: the command line's in a pipe.
const WIDTH: usize = 100;

/// The renderer of every diagnostic: no colour, the command line's width.
pub fn renderer() -> DiagnosticRenderer {
    DiagnosticRenderer::new(false, WIDTH)
}

/// One diagnostic: what is wrong, where, and what to do about it.
#[pyclass(frozen, get_all, module = "whatif")]
#[derive(Clone, Debug)]
pub struct Diagnostic {
    /// `"error"` or `"warning"`.
    pub severity: String,
    /// Its stable code, e.g. `"whatif::check::unknown_name"`.
    pub code: String,
    /// What is wrong.
    pub message: String,
    /// The file it points into (an imported file, a `whatif.toml`, or a
    /// measure such as `samples[0]`).
    pub file: String,
    /// The line where it starts (from 1).
    pub line: usize,
    /// The column where it starts (from 1, in characters).
    pub column: usize,
    /// The line where it ends.
    pub end_line: usize,
    /// The column after its last character.
    pub end_column: usize,
    /// What to do about it, when there is a concrete fix.
    pub help: Option<String>,
    /// The diagnostic as the command line draws it, with the source around it.
    pub rendered: String,
}

#[pymethods]
impl Diagnostic {
    fn __str__(&self) -> String {
        self.rendered.clone()
    }

    fn __repr__(&self) -> String {
        format!(
            "<Diagnostic {} {}:{}:{}: {}>",
            self.code, self.file, self.line, self.column, self.message
        )
    }
}

impl Diagnostic {
    /// A diagnostic of the library, rendered against `sources`.
    pub fn of(d: &whatif::Diagnostic, sources: &SourceMap) -> Diagnostic {
        let j = d.to_json(sources);
        Diagnostic {
            severity: j.severity,
            code: j.code,
            message: j.message,
            file: j.file,
            line: j.line,
            column: j.column,
            end_line: j.end_line,
            end_column: j.end_column,
            help: j.help,
            rendered: renderer().render(d, sources),
        }
    }

    /// An error of another kind (a `whatif.toml`'s) at `span` of `file`.
    pub fn at(e: &dyn miette::Diagnostic, span: Span, file: &SourceFile) -> Diagnostic {
        let (line, column) = file.line_col(span.start);
        let (end_line, end_column) = file.line_col(span.end);
        Diagnostic {
            severity: "error".to_string(),
            code: e.code().map(|c| c.to_string()).unwrap_or_default(),
            message: e.to_string(),
            file: file.name.clone(),
            line,
            column,
            end_line,
            end_column,
            help: e.help().map(|h| h.to_string()),
            rendered: renderer().render_at(&Located(e), file),
        }
    }
}

/// A `dyn miette::Diagnostic` as a sized one, for the renderer.
#[derive(Debug)]
struct Located<'a>(&'a dyn miette::Diagnostic);

impl std::fmt::Display for Located<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self.0, f)
    }
}

impl std::error::Error for Located<'_> {}

impl miette::Diagnostic for Located<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.0.code()
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.0.help()
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.0.labels()
    }
}

/// `ModelError` carrying `diagnostics`; its text is theirs, as the command
/// line prints them (each followed by a blank line).
pub fn model_error(py: Python<'_>, diagnostics: Vec<Diagnostic>) -> PyErr {
    let text: String = diagnostics
        .iter()
        .map(|d| format!("{}\n", d.rendered))
        .collect();
    with_attributes(
        py,
        ModelError::new_err(text),
        &[("diagnostics", diagnostics_list(py, diagnostics))],
    )
}

/// `EvalError` for a failed evaluation, rendered against `sources`.
pub fn eval_error(py: Python<'_>, e: &whatif::eval::EvalError, sources: &SourceMap) -> PyErr {
    use whatif::eval::EvalError as E;
    let text = renderer().render_eval_error(e, sources);
    let diagnostics: Vec<Diagnostic> = match e {
        E::Values(errors) => errors
            .iter()
            .map(|c| Diagnostic::of(&whatif::Diagnostic::from(c.clone()), sources))
            .collect(),
        _ => match e.span() {
            Some(span) => vec![Diagnostic::at(e, span, sources.get(span.file))],
            None => Vec::new(),
        },
    };
    let code = miette::Diagnostic::code(e).map_or(String::new(), |c| c.to_string());
    let help = miette::Diagnostic::help(e).map(|h| h.to_string());
    with_attributes(
        py,
        EvalError::new_err(text.trim_end().to_string()),
        &[
            ("code", object(py, code)),
            ("help", object(py, help)),
            ("diagnostics", diagnostics_list(py, diagnostics)),
        ],
    )
}

fn object<'py, T: IntoPyObject<'py>>(py: Python<'py>, value: T) -> PyResult<Py<PyAny>> {
    value.into_py_any(py)
}

fn diagnostics_list(py: Python<'_>, diagnostics: Vec<Diagnostic>) -> PyResult<Py<PyAny>> {
    let items = diagnostics
        .into_iter()
        .map(|d| Py::new(py, d))
        .collect::<PyResult<Vec<_>>>()?;
    Ok(PyList::new(py, items)?.into_any().unbind())
}

/// `err` with `attributes` set on its exception value (an attribute that
/// could not be made leaves the error as it is).
fn with_attributes(
    py: Python<'_>,
    err: PyErr,
    attributes: &[(&str, PyResult<Py<PyAny>>)],
) -> PyErr {
    let value = err.value(py);
    for (name, v) in attributes {
        if let Ok(v) = v {
            let _ = value.setattr(*name, v);
        }
    }
    err
}
