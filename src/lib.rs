//! whatif: scenario analysis for cause-and-effect models.
//!
//! The library is the product; the `whatif` binary is a thin layer over it. A
//! model flows one way through the stages, each a module with its own error type:
//! [`load`] reads the files (through a [`load::Loader`] the caller supplies),
//! [`syntax`] turns text into an AST, [`check`] turns ASTs into a checked
//! [`check::Model`] and diagnostics; evaluation and rendering build on the model.
//! [`analyze`] runs the first stages in one call.

pub mod check;
pub mod diagnostic;
pub mod diff;
pub mod eval;
pub mod expect;
pub mod generate;
pub mod graph;
pub mod ide;
pub mod limits;
pub mod load;
pub mod render;
pub mod rng;
pub mod snapshot;
pub mod span;
pub mod syntax;

pub use diagnostic::Diagnostic;

use check::Model;
use limits::Limits;
use span::{FileId, SourceMap};

/// A model read, parsed and checked.
#[derive(Debug, Default)]
pub struct Analysis {
    /// The text of every file.
    pub sources: SourceMap,

    /// The checked model, when there is no error.
    pub model: Option<Model>,
    /// Every diagnostic, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    /// Whether any diagnostic is an error.
    #[must_use]
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Reads, parses and checks the model `name` with contents `bytes`; `key`
/// identifies it for the `loader`, which reads its imports.
pub fn analyze(
    loader: &mut dyn load::Loader,
    key: &str,
    name: &str,
    bytes: Vec<u8>,
    limits: &Limits,
) -> Analysis {
    analyze_files(load::load(loader, key, name, bytes, limits), limits)
}

/// Checks files already read and parsed by [`load::load`] (for a caller that
/// looks at the syntax trees first, as an editor does).
#[must_use]
pub fn analyze_files(files: load::Files, limits: &Limits) -> Analysis {
    let mut diagnostics: Vec<Diagnostic> = files
        .syntax_errors
        .into_iter()
        .map(Diagnostic::from)
        .collect();
    diagnostics.extend(files.load_errors.into_iter().map(Diagnostic::from));
    let mut model = None;
    if diagnostics.is_empty() {
        let asts: Vec<(FileId, syntax::ast::File)> = files
            .parsed
            .into_iter()
            .map(|(id, p)| (id, p.ast))
            .collect();
        let checked = check::check(&files.sources, asts, limits);
        diagnostics.extend(checked.errors.into_iter().map(Diagnostic::from));
        diagnostics.extend(checked.warnings.into_iter().map(Diagnostic::from));
        model = checked.model;
    }
    diagnostics.sort_by_key(|d| {
        let s = d.span();
        (s.file, s.start, s.end)
    });
    Analysis {
        sources: files.sources,

        model,
        diagnostics,
    }
}
