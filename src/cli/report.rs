//! Printing diagnostics for a terminal or a pipe: colour only on a terminal (or
//! when asked), a fixed width in pipes so output is stable. The rendering itself
//! is the library's [`DiagnosticRenderer`].

use std::io::IsTerminal;

use whatif::Diagnostic;
use whatif::render::diagnostics::DiagnosticRenderer;
use whatif::span::{FileId, SourceMap};

/// Prints diagnostics to standard error, coloured only when asked (see
/// `color.rs`).
pub struct Reporter {
    renderer: DiagnosticRenderer,
}

impl Reporter {
    /// A reporter for standard error, coloured or not.
    pub fn new(colored: bool) -> Reporter {
        let tty = std::io::stderr().is_terminal();
        let width = if tty {
            terminal_width().unwrap_or(100)
        } else {
            100
        };
        Reporter {
            renderer: DiagnosticRenderer::new(colored, width),
        }
    }

    /// Prints every diagnostic to standard error.
    pub fn print_all(&self, diagnostics: &[Diagnostic], sources: &SourceMap) {
        for d in diagnostics {
            super::print_stderr(&format!("{}\n", self.renderer.render(d, sources)));
        }
    }

    /// Prints an error that points at no source.
    pub fn print_plain(&self, e: &dyn miette::Diagnostic) {
        super::print_stderr(&self.renderer.render_plain(e));
    }

    /// Prints an evaluation error, against its source when it has one.
    pub fn print_eval_error(&self, e: &whatif::eval::EvalError, sources: &SourceMap) {
        super::print_stderr(&self.renderer.render_eval_error(e, sources));
    }

    /// Prints an error against the file it points into.
    pub fn print_at<D: miette::Diagnostic>(&self, e: &D, file: FileId, sources: &SourceMap) {
        super::print_stderr(&self.renderer.render_at(e, sources.get(file)));
    }
}

fn terminal_width() -> Option<usize> {
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok())
}
