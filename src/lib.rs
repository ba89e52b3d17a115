//! whatif: scenario analysis for cause-and-effect models.
//!
//! The library is the product; the `whatif` binary is a thin layer over it. A
//! model flows one way through the stages, each a module with its own error type:
//! [`load`] reads the files (through a [`load::Loader`] the caller supplies),
//! [`syntax`] turns text into an AST, [`check`] turns ASTs into a checked
//! [`check::Model`] and diagnostics; [`eval`] evaluates a scenario into
//! [`eval::Results`], which [`render`] turns into text, CSV and JSON.
//! [`analyze`] and [`analyze_file`] run the first stages in one call.
//!
//! The library prints nothing and reads no terminal: depend on it with
//! `default-features = false` to leave out the command line's dependencies
//! (the `cli` feature). `docs/library.md` shows how to embed it and how to
//! snapshot-test a model's consequences with insta.
//!
//! ```
//! use whatif::eval::{self, Options};
//! use whatif::limits::Limits;
//! use whatif::load::NoImports;
//!
//! let text = r#"
//! model "A rumour" { horizon 10 steps }
//! event rumour  hazard = 0.2
//! event panic
//! rule spreads: when rumour then panic likely after 2
//! scenario calm "What if nobody listens?" { without rule spreads }
//! "#;
//! let limits = Limits::default();
//! let analysis = whatif::analyze(&mut NoImports, "rumour", "rumour.whatif", text.into(), &limits);
//! let model = analysis.model.expect("the model checks");
//! let scenario = model.scenario_named("baseline").expect("baseline always exists");
//! let results = eval::run(&model, &analysis.sources, scenario, &[], &Options::default(), &limits)
//!     .expect("the evaluation succeeds");
//! let panic = results.event("panic").expect("an event of the model");
//! assert!(panic.probability > 0.5 && panic.probability < 0.9);
//! println!("panic: {}", results.scale.describe(panic.probability));
//! ```

#![warn(missing_docs)]

#[cfg(feature = "cli")]
pub mod allocator;
pub mod causes;
pub mod check;
pub mod config;
pub mod cycles;
pub mod diagnostic;
pub mod diff;
pub mod eval;
pub mod expect;
pub mod fuzz;
pub mod generate;
pub mod graph;
pub mod ide;
pub mod limits;
pub mod load;
pub mod loops;
pub mod render;
pub mod rng;
pub mod snapshot;
pub mod span;
pub mod study;
pub mod syntax;
#[cfg(test)]
mod testing;

pub use diagnostic::Diagnostic;

use check::Model;
use check::scale::Scale;
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
    analyze_with_scale(loader, key, name, bytes, limits, &Scale::ipcc())
}

/// Reads, parses and checks the model file at `path` and the files it imports
/// (which stay inside its project root, see [`load::FsLoader`]).
///
/// The settings of the project's `whatif.toml` are not applied: to honour its
/// likelihood scale or limits, read it with [`config`] and call
/// [`analyze_with_scale`].
///
/// # Errors
/// When the file cannot be read; everything wrong inside it is a diagnostic.
pub fn analyze_file(path: &std::path::Path, limits: &Limits) -> std::io::Result<Analysis> {
    let bytes = std::fs::read(path)?;
    let key = path
        .canonicalize()
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string();
    let name = path.display().to_string();
    let mut loader = load::FsLoader::for_model(path);
    Ok(analyze(&mut loader, &key, &name, bytes, limits))
}

/// Like [`analyze`], with `scale` as the likelihood scale of a model whose
/// header names none (what a project's `whatif.toml` may choose).
pub fn analyze_with_scale(
    loader: &mut dyn load::Loader,
    key: &str,
    name: &str,
    bytes: Vec<u8>,
    limits: &Limits,
    scale: &Scale,
) -> Analysis {
    analyze_files_with_scale(load::load(loader, key, name, bytes, limits), limits, scale)
}

/// Checks files already read and parsed by [`load::load`] (for a caller that
/// looks at the syntax trees first, as an editor does).
#[must_use]
pub fn analyze_files(files: load::Files, limits: &Limits) -> Analysis {
    analyze_files_with_scale(files, limits, &Scale::ipcc())
}

/// Like [`analyze_files`], with `scale` as the likelihood scale of a model
/// whose header names none.
#[must_use]
pub fn analyze_files_with_scale(files: load::Files, limits: &Limits, scale: &Scale) -> Analysis {
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
        let checked = check::check_with_scale(&files.sources, asts, limits, scale);
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
