//! Rendering diagnostics for a terminal or a pipe.

use std::io::IsTerminal;
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, NamedSource};
use whatif::Diagnostic;
use whatif::span::SourceMap;

use super::Color;

/// Renders diagnostics with miette: colour only on a terminal (or when asked),
/// a fixed width in pipes so output is stable.
pub struct Reporter {
    handler: GraphicalReportHandler,
}

impl Reporter {
    /// A reporter honouring `--color`, `NO_COLOR` and `CLICOLOR_FORCE`.
    pub fn new(color: Color) -> Reporter {
        let tty = std::io::stderr().is_terminal();
        let env = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty() && v != "0");
        let colored = match color {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => !env("NO_COLOR") && (env("CLICOLOR_FORCE") || tty),
        };
        let theme = if colored {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let width = if tty {
            terminal_width().unwrap_or(100)
        } else {
            100
        };
        Reporter {
            handler: GraphicalReportHandler::new_themed(theme).with_width(width),
        }
    }

    /// A reporter for tests: no colour, 100 columns.
    #[cfg(test)]
    pub fn plain() -> Reporter {
        Reporter {
            handler: GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
                .with_width(100),
        }
    }

    /// Renders one diagnostic against its file.
    pub fn render(&self, d: &Diagnostic, sources: &SourceMap) -> String {
        let file = sources.get(d.span().file);
        let located = Located {
            diagnostic: d,
            source: file.named_source(),
        };
        let mut out = String::new();
        if self.handler.render_report(&mut out, &located).is_err() {
            out = format!("{}: {d}\n", file.name);
        }
        out
    }

    /// Prints every diagnostic to standard error.
    pub fn print_all(&self, diagnostics: &[Diagnostic], sources: &SourceMap) {
        for d in diagnostics {
            eprint!("{}", self.render(d, sources));
            eprintln!();
        }
    }
}

fn terminal_width() -> Option<usize> {
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok())
}

/// A diagnostic with its file attached, as miette renders it.
#[derive(Debug)]
struct Located<'a> {
    diagnostic: &'a Diagnostic,
    source: NamedSource<Arc<str>>,
}

impl std::fmt::Display for Located<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.diagnostic.fmt(f)
    }
}

impl std::error::Error for Located<'_> {}

impl miette::Diagnostic for Located<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        miette::Diagnostic::code(self.diagnostic)
    }
    fn severity(&self) -> Option<miette::Severity> {
        miette::Diagnostic::severity(self.diagnostic)
    }
    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        miette::Diagnostic::help(self.diagnostic)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        miette::Diagnostic::labels(self.diagnostic)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
}
