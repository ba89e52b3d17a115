//! Helpers for unit tests: a model written inline, read and checked.

use crate::Analysis;
use crate::limits::Limits;
use crate::load::NoImports;

/// `text` read and checked as `t.whatif` (no imports, default limits); panics
/// on an error, which is what a test wants.
pub fn analyzed(text: &str) -> Analysis {
    let a = crate::analyze(
        &mut NoImports,
        "t",
        "t.whatif",
        text.as_bytes().to_vec(),
        &Limits::default(),
    );
    assert!(!a.has_errors(), "{:?}", a.diagnostics);
    a
}
