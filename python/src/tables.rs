//! Tables for Python: named columns, made a pandas DataFrame by
//! `whatif._frames` when pandas is installed, else a list of records (one
//! dict per row).

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};

/// Columns in order, each a Python list of the same length.
#[derive(Default)]
pub struct Table<'py> {
    columns: Vec<(&'static str, Bound<'py, PyList>)>,
}

impl<'py> Table<'py> {
    /// An empty table.
    pub fn new() -> Self {
        Table {
            columns: Vec::new(),
        }
    }

    /// Adds a column.
    pub fn column<T, I>(mut self, py: Python<'py>, name: &'static str, values: I) -> PyResult<Self>
    where
        I: IntoIterator<Item = T>,
        T: IntoPyObject<'py>,
    {
        let list = PyList::empty(py);
        for v in values {
            list.append(v)?;
        }
        self.columns.push((name, list));
        Ok(self)
    }

    /// The table as a DataFrame or records.
    pub fn finish(self, py: Python<'py>) -> PyResult<Py<PyAny>> {
        let columns = PyList::empty(py);
        for (name, values) in self.columns {
            columns.append((name, values))?;
        }
        Ok(frames(py)?.call_method1("table", (columns,))?.unbind())
    }
}

/// `whatif._frames`.
fn frames(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    py.import("whatif._frames")
}

/// Per-run samples, consumed: one column of floats per measure, in the
/// order of the runs, as a DataFrame indexed by run, or a dict of
/// `array.array("d")`. Each column becomes an array in turn and the samples
/// are freed before the DataFrame is made, so at most twice their size is
/// held at once.
pub fn samples(py: Python<'_>, s: whatif::eval::samples::Samples) -> PyResult<Py<PyAny>> {
    let array = py.import("array")?.getattr("array")?;
    let list = PyList::empty(py);
    for (k, name) in s.measures.iter().enumerate() {
        let values = s.column(k);
        let bytes = PyBytes::new_with(py, values.len() * 8, |buf| {
            for (chunk, v) in buf.chunks_exact_mut(8).zip(values) {
                chunk.copy_from_slice(&v.to_ne_bytes());
            }
            Ok(())
        })?;
        let column = array.call1(("d",))?;
        column.call_method1("frombytes", (bytes,))?;
        list.append((name, column))?;
    }
    drop(s);
    Ok(frames(py)?.call_method1("samples", (list,))?.unbind())
}
