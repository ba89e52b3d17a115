//! The `whatif` Python package's native module, `whatif._whatif`: the library
//! driven from Python.
//!
//! Everything is computed by the `whatif` library, as the command line
//! computes it: models are read and checked by `whatif::analyze_with_scale`
//! under the project's `whatif.toml`, evaluations are `whatif::eval::run`
//! with the GIL released, JSON is `whatif::render::json::document`, HTML is
//! `whatif::render::html::notebook`. This crate converts: arguments in,
//! errors to exceptions, results to tables (the pure-Python `whatif._frames`
//! makes them DataFrames when pandas is installed).

use pyo3::prelude::*;

mod analyses;
mod errors;
mod model;
mod results;
mod run;
mod settings;
mod tables;

/// whatif: scenario analysis for cause-and-effect models, from Python.
#[pymodule]
fn _whatif(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("Error", py.get_type::<errors::Error>())?;
    m.add("ModelError", py.get_type::<errors::ModelError>())?;
    m.add("EvalError", py.get_type::<errors::EvalError>())?;
    m.add_class::<errors::Diagnostic>()?;
    m.add_class::<model::Model>()?;
    m.add_class::<model::Scenario>()?;
    m.add_class::<model::Param>()?;
    m.add_class::<model::Node>()?;
    m.add_class::<model::Expectation>()?;
    m.add_class::<results::Results>()?;
    m.add_class::<analyses::TestReport>()?;
    m.add_class::<analyses::Explanation>()?;
    m.add_class::<analyses::Diff>()?;
    m.add_function(wrap_pyfunction!(model::load, m)?)?;
    m.add_function(wrap_pyfunction!(model::loads, m)?)?;
    Ok(())
}
