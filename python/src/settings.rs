//! The settings of a model loaded from Python: the project's `whatif.toml`
//! (found upward from the model's folder, as the command line finds it), then
//! the `limits` given to `load`, then the defaults. The `WHATIF_*`
//! environment variables are the command line's and are not read here.

use std::path::{Path, PathBuf};

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use whatif::check::scale::Scale;
use whatif::config::{self, Config};
use whatif::eval::Options;
use whatif::expect::TEST_CONFIDENCE;
use whatif::limits::{Limit, Limits};
use whatif::span::SourceMap;

use crate::errors::{Diagnostic, model_error};

/// Every setting of an evaluation but those given to each call.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Monte Carlo runs.
    pub runs: u64,
    /// The seed.
    pub seed: u64,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// The confidence of intervals.
    pub confidence: f64,
    /// The confidence of test verdicts.
    pub test_confidence: f64,
    /// The likelihood scale of a model whose header names none.
    pub scale: Scale,
    /// The resource limits.
    pub limits: Limits,
    /// The project's `whatif.toml`, if any.
    pub config: Option<PathBuf>,
}

impl Settings {
    /// The settings of `file` (the defaults and `limits`, without one).
    pub fn resolve(
        file: Option<(PathBuf, Config)>,
        limits: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Settings> {
        let defaults = Options::default();
        let (config, c) = match file {
            Some((path, c)) => (Some(path), c),
            None => (None, Config::default()),
        };
        let mut l = c.apply_limits(Limits::default());
        if let Some(given) = limits {
            for (key, value) in given.iter() {
                let key: String = key
                    .extract()
                    .map_err(|_| PyTypeError::new_err("the keys of `limits` are strings"))?;
                let limit = limit_named(&key)?;
                let value: u64 = value.extract().map_err(|_| {
                    PyValueError::new_err(format!("`limits[{key:?}]` is a whole number from 0 up"))
                })?;
                l.set(limit, value);
            }
        }
        Ok(Settings {
            runs: c.runs.unwrap_or(defaults.runs),
            seed: c.seed.unwrap_or(defaults.seed),
            threads: c.threads.unwrap_or(defaults.threads),
            confidence: c.confidence.unwrap_or(defaults.confidence),
            test_confidence: c.test_confidence.unwrap_or(TEST_CONFIDENCE),
            scale: c.scale.unwrap_or_else(Scale::ipcc),
            limits: l,
            config,
        })
    }
}

/// The limit a key of `limits` names: `whatif.toml`'s `[limits]` keys, with
/// `_` or `-` (`max_memory`, `max-memory`).
fn limit_named(key: &str) -> PyResult<Limit> {
    let wanted = key.replace('_', "-");
    Limit::ALL
        .into_iter()
        .find(|l| l.key() == wanted)
        .ok_or_else(|| {
            let known: Vec<String> = Limit::ALL
                .iter()
                .map(|l| l.key().replace('-', "_"))
                .collect();
            PyValueError::new_err(format!(
                "no limit `{key}` (the limits are {})",
                known.join(", ")
            ))
        })
}

/// The project's `whatif.toml` for the model at `path`, read, if there is one:
/// the nearest upward from the model's folder.
///
/// # Errors
/// The file cannot be read (`OSError`), or its settings are wrong
/// (`ModelError`, pointing into it).
pub fn project_config(py: Python<'_>, path: &Path) -> PyResult<Option<(PathBuf, Config)>> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let dir = std::path::absolute(&dir).unwrap_or(dir);
    let dir = dir.canonicalize().unwrap_or(dir);
    let Some(found) = config::find(&dir) else {
        return Ok(None);
    };
    let shown = whatif::load::shown_path(&found);
    let text = std::fs::read_to_string(&found).map_err(|e| crate::model::io_error(&shown, &e))?;
    let mut sources = SourceMap::new();
    let id = sources.add(&shown, text);
    let text = std::sync::Arc::clone(&sources.get(id).text);
    match config::parse(id, &text) {
        Ok(c) => Ok(Some((found, c))),
        Err(errors) => Err(model_error(
            py,
            errors
                .iter()
                .map(|e| Diagnostic::at(e, e.span(), sources.get(id)))
                .collect(),
        )),
    }
}
