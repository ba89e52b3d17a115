//! Rendering diagnostics for a terminal or a pipe.
//!
//! miette draws the source around each label; a line too long to draw (miette's
//! padding is limited to 65,535 columns, and a megabyte of one line helps no one)
//! is reported in a compact form instead: `file:line:col: severity[code]: message`
//! and the help, without the snippet.

use std::io::IsTerminal;
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, NamedSource};
use whatif::Diagnostic;
use whatif::span::{FileId, SourceMap};

/// Renders diagnostics with miette: colour only when asked (see `color.rs`),
/// a fixed width in pipes so output is stable.
pub struct Reporter {
    handler: GraphicalReportHandler,
}

impl Reporter {
    /// A reporter for standard error, coloured or not.
    pub fn new(colored: bool) -> Reporter {
        let tty = std::io::stderr().is_terminal();
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
        if too_long_to_show(d, &file.text) {
            return compact(d, file);
        }
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
            super::print_stderr(&format!("{}\n", self.render(d, sources)));
        }
    }
}

/// Lines longer than this are not drawn: miette pads to a label's column with a
/// formatting width, which panics past 65,535, and such a line is unreadable in
/// a terminal anyway.
const LONGEST_SHOWN_LINE: usize = 4096;

/// Whether a label of `d` touches, or sits next to, a line too long to draw.
fn too_long_to_show(d: &Diagnostic, text: &str) -> bool {
    let mut spans: Vec<(usize, usize)> = d
        .label_list()
        .into_iter()
        .map(|(offset, len, _)| (offset, offset + len))
        .collect();
    let main = d.span();
    spans.push((main.start as usize, main.end as usize));
    spans.into_iter().any(|(start, end)| {
        let start = start.min(text.len());
        let end = end.clamp(start, text.len());
        // miette also shows one line of context on each side.
        let from = text[..start]
            .rfind('\n')
            .and_then(|i| text[..i].rfind('\n'))
            .map_or(0, |i| i + 1);
        let to = text[end..]
            .find('\n')
            .and_then(|i| text[end + i + 1..].find('\n').map(|j| end + i + 1 + j))
            .unwrap_or(text.len());
        text[from..to]
            .split('\n')
            .any(|line| line.len() > LONGEST_SHOWN_LINE)
    })
}

/// `file:line:col: severity[code]: message`, then the help: a diagnostic without
/// its source snippet.
fn compact(d: &Diagnostic, file: &whatif::span::SourceFile) -> String {
    let (line, col) = file.line_col(d.span().start);
    let severity = if d.is_error() { "error" } else { "warning" };
    let mut out = format!(
        "{}:{line}:{col}: {severity}[{}]: {d}\n",
        file.name,
        d.code_str()
    );
    out.push_str("  (the line is too long to show)\n");
    if let Some(help) = d.help_str() {
        out.push_str(&format!("  help: {help}\n"));
    }
    out
}

impl Reporter {
    /// Prints an error that points at no source.
    pub fn print_plain(&self, e: &dyn miette::Diagnostic) {
        let mut out = String::new();
        if self.handler.render_report(&mut out, e).is_err() {
            out = format!("error: {e}\n");
        }
        super::print_stderr(&out);
    }

    /// Prints an evaluation error, against its source when it has one.
    pub fn print_eval_error(&self, e: &whatif::eval::EvalError, sources: &SourceMap) {
        match e {
            whatif::eval::EvalError::Values(errors) => {
                errorln!("error: {e}");
                let list: Vec<Diagnostic> = errors.iter().cloned().map(Diagnostic::from).collect();
                self.print_all(&list, sources);
            }
            _ => match e.span() {
                Some(span) => self.print_at(e, span.file, sources),
                None => self.print_plain(e),
            },
        }
    }

    /// Prints an error against the file it points into.
    pub fn print_at<D: miette::Diagnostic>(&self, e: &D, file: FileId, sources: &SourceMap) {
        let located = Located {
            diagnostic: e,
            source: sources.get(file).named_source(),
        };
        let mut out = String::new();
        if self.handler.render_report(&mut out, &located).is_err() {
            out = format!("error: {e}\n");
        }
        super::print_stderr(&out);
    }
}

fn terminal_width() -> Option<usize> {
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok())
}

/// A diagnostic with its file attached, as miette renders it.
#[derive(Debug)]
struct Located<'a, D: miette::Diagnostic> {
    diagnostic: &'a D,
    source: NamedSource<Arc<str>>,
}

impl<D: miette::Diagnostic> std::fmt::Display for Located<'_, D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self.diagnostic, f)
    }
}

impl<D: miette::Diagnostic> std::error::Error for Located<'_, D> {}

impl<D: miette::Diagnostic> miette::Diagnostic for Located<'_, D> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use whatif::span::Span;
    use whatif::syntax::SyntaxError;

    fn unexpected(sources: &mut SourceMap, text: String, at: usize) -> (Diagnostic, SourceMap) {
        let id = sources.add("m.whatif", text);
        let d = Diagnostic::from(SyntaxError::Unexpected {
            at: Span::new(id, at, at + 1),
            expected: "a number".to_string(),
            found: "`:`".to_string(),
            help: Some("write a number".to_string()),
        });
        (d, sources.clone())
    }

    #[test]
    fn a_short_line_is_drawn() {
        let (d, sources) = unexpected(&mut SourceMap::new(), "param p = :\n".to_string(), 10);
        let out = Reporter::plain().render(&d, &sources);
        assert!(out.contains("param p = :"), "{out}");
        assert!(out.contains("[m.whatif:1:11]"), "{out}");
    }

    #[test]
    fn a_very_long_line_is_not_drawn() {
        let text = format!(
            "model \"m\" {{ horizon 1 }}\nparam p = 1{}:\n",
            " ".repeat(70_000)
        );
        let at = text.find(':').unwrap_or(0);
        let (d, sources) = unexpected(&mut SourceMap::new(), text, at);
        let out = Reporter::plain().render(&d, &sources);
        assert_eq!(
            out,
            "m.whatif:2:70012: error[whatif::syntax::unexpected]: expected a number, found `:`\n  \
             (the line is too long to show)\n  help: write a number\n"
        );
        // A long line next to the label is shown as context by miette: also compact.
        let text = format!("param p = :\n#{}\n", " ".repeat(70_000));
        let (d, sources) = unexpected(&mut SourceMap::new(), text, 10);
        assert!(
            Reporter::plain()
                .render(&d, &sources)
                .starts_with("m.whatif:1:11: error")
        );
    }
}
