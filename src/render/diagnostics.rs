//! Diagnostics as text: miette draws the source around each label.
//!
//! A line too long to draw (miette pads to a label's column with a formatting
//! width, which panics past 65,535 columns, and a megabyte of one line helps no
//! one) is reported in a compact form instead: `file:line:col: severity[code]:
//! message` and the help, without the snippet. This lives in the library, not the
//! command line, so that the fuzz targets render every diagnostic they provoke.
//! Choosing colours and printing is the caller's business.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use miette::{GraphicalReportHandler, GraphicalTheme, NamedSource};

use super::escape::{self, SourceView};
use crate::Diagnostic;
use crate::eval::EvalError;
use crate::span::{SourceFile, SourceMap, Span, Window};

/// Renders diagnostics with miette, at a fixed width, with or without colour.
#[derive(Debug)]
pub struct DiagnosticRenderer {
    handler: GraphicalReportHandler,
    /// Per source text (by address, the text itself kept so that the address
    /// cannot be reused), what miette is shown of it: computed once, not once
    /// per diagnostic (a file can have thousands).
    shown: Mutex<HashMap<usize, (Arc<str>, Shown)>>,
}

/// Texts the cache keeps at most: enough for one model and its imports;
/// `whatif watch` reads a new text on every save.
const CACHED_TEXTS: usize = 32;

/// A source as diagnostics show it: its escaped view, if it needs one, and
/// the text miette reads.
#[derive(Clone, Debug)]
struct Shown {
    view: Option<Arc<SourceView>>,
    window: Window,
}

impl DiagnosticRenderer {
    /// A renderer drawing `width` columns, in colour when `colored`.
    #[must_use]
    pub fn new(colored: bool, width: usize) -> DiagnosticRenderer {
        let theme = if colored {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        DiagnosticRenderer {
            handler: GraphicalReportHandler::new_themed(theme).with_width(width),
            shown: Mutex::new(HashMap::new()),
        }
    }

    /// Renders one diagnostic against its file.
    #[must_use]
    pub fn render(&self, d: &Diagnostic, sources: &SourceMap) -> String {
        let file = sources.get(d.span().file);
        let spans = d.label_list().into_iter().map(|(o, l, _)| (o, o + l));
        if too_long_to_show(spans, d.span(), &file.text) {
            let severity = if d.is_error() { "error" } else { "warning" };
            return compact(file, d.span(), severity, &d.code_str(), d, d.help_str());
        }
        self.render_located(d, file)
    }

    /// Renders an error that points at no source.
    #[must_use]
    pub fn render_plain(&self, e: &dyn miette::Diagnostic) -> String {
        let mut out = String::new();
        if self.handler.render_report(&mut out, e).is_err() {
            out = format!("error: {e}\n");
        }
        out
    }

    /// Renders an evaluation error, against its source when it has one. Values
    /// that fail their checks are listed one by one after a heading.
    #[must_use]
    pub fn render_eval_error(&self, e: &EvalError, sources: &SourceMap) -> String {
        if let EvalError::Values(errors) = e {
            let mut out = format!("error: {e}\n");
            for error in errors {
                out.push_str(&self.render(&Diagnostic::from(error.clone()), sources));
                out.push('\n');
            }
            return out;
        }
        let Some(span) = e.span() else {
            return self.render_plain(e);
        };
        let file = sources.get(span.file);
        let spans: Vec<(usize, usize)> = miette::Diagnostic::labels(e)
            .map(|ls| ls.map(|l| (l.offset(), l.offset() + l.len())).collect())
            .unwrap_or_default();
        if too_long_to_show(spans.into_iter(), span, &file.text) {
            let code = miette::Diagnostic::code(e).map_or(String::new(), |c| c.to_string());
            let help = miette::Diagnostic::help(e).map(|h| h.to_string());
            return compact(file, span, "error", &code, e, help);
        }
        self.render_located(e, file)
    }

    /// Renders an error against the file it points into.
    pub fn render_at<D: miette::Diagnostic>(&self, d: &D, file: &SourceFile) -> String {
        self.render_located(d, file)
    }

    fn render_located<D: miette::Diagnostic>(&self, d: &D, file: &SourceFile) -> String {
        // A refused character is shown as its escape, never as itself: the
        // diagnostic that refuses `ESC [ 2 J` must not clear the screen.
        let shown = self.shown(file);
        let name = escape::inline(&file.name).into_owned();
        let located = Located {
            diagnostic: d,
            source: NamedSource::new(name.clone(), shown.window),
            view: shown.view.as_deref(),
        };
        let mut out = String::new();
        if self.handler.render_report(&mut out, &located).is_err() {
            out = format!("{name}: {d}\n");
        }
        out
    }
}

impl DiagnosticRenderer {
    /// What diagnostics show of `file`, from the cache.
    fn shown(&self, file: &SourceFile) -> Shown {
        let key = Arc::as_ptr(&file.text).cast::<u8>() as usize;
        let mut cache = self
            .shown
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((text, shown)) = cache.get(&key)
            && Arc::ptr_eq(text, &file.text)
        {
            return shown.clone();
        }
        if cache.len() >= CACHED_TEXTS {
            cache.clear();
        }
        let view = SourceView::of(&file.text).map(Arc::new);
        let text = view
            .as_ref()
            .map_or_else(|| Arc::clone(&file.text), |v| Arc::from(v.text.as_str()));
        let shown = Shown {
            window: file.window(text),
            view,
        };
        cache.insert(key, (Arc::clone(&file.text), shown.clone()));
        shown
    }
}

/// Lines longer than this are not drawn: miette pads to a label's column with a
/// formatting width, which panics past 65,535, and such a line is unreadable in
/// a terminal anyway.
const LONGEST_SHOWN_LINE: usize = 4096;

/// Whether a label (`spans`, as byte ranges) or the main span touches, or sits
/// next to, a line too long to draw.
fn too_long_to_show(spans: impl Iterator<Item = (usize, usize)>, main: Span, text: &str) -> bool {
    let mut spans: Vec<(usize, usize)> = spans.collect();
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
        text.get(from..to)
            .unwrap_or(text)
            .split('\n')
            .any(|line| line.len() > LONGEST_SHOWN_LINE)
    })
}

/// `file:line:col: severity[code]: message`, then the help: a diagnostic without
/// its source snippet.
fn compact(
    file: &SourceFile,
    at: Span,
    severity: &str,
    code: &str,
    message: &dyn std::fmt::Display,
    help: Option<String>,
) -> String {
    let (line, col) = file.line_col(at.start);
    let mut out = format!(
        "{}:{line}:{col}: {severity}[{code}]: {message}\n",
        escape::inline(&file.name)
    );
    out.push_str("  (the line is too long to show)\n");
    if let Some(help) = help {
        out.push_str(&format!("  help: {help}\n"));
    }
    out
}

/// A diagnostic with its file attached, as miette renders it.
#[derive(Debug)]
struct Located<'a, D: miette::Diagnostic> {
    diagnostic: &'a D,
    source: NamedSource<Window>,
    /// The escaped text shown instead of the source, when it has characters
    /// to escape: labels move with it.
    view: Option<&'a SourceView>,
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
        let labels = miette::Diagnostic::labels(self.diagnostic)?;
        let Some(view) = self.view else {
            return Some(labels);
        };
        Some(Box::new(labels.map(move |l| {
            let span = view.range(l.offset(), l.len());
            let label = l.label().map(str::to_string);
            if l.primary() {
                miette::LabeledSpan::new_primary_with_span(label, span)
            } else {
                miette::LabeledSpan::new_with_span(label, span)
            }
        })))
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::SyntaxError;

    fn unexpected(text: String, at: usize) -> (Diagnostic, SourceMap) {
        let mut sources = SourceMap::new();
        let id = sources.add("m.whatif", text);
        let d = Diagnostic::from(SyntaxError::Unexpected {
            at: Span::new(id, at, at + 1),
            expected: "a number".to_string(),
            found: "`:`".to_string(),
            help: Some("write a number".to_string()),
        });
        (d, sources)
    }

    fn plain() -> DiagnosticRenderer {
        DiagnosticRenderer::new(false, 100)
    }

    #[test]
    fn a_short_line_is_drawn() {
        let (d, sources) = unexpected("param p = :\n".to_string(), 10);
        let out = plain().render(&d, &sources);
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
        let (d, sources) = unexpected(text, at);
        let out = plain().render(&d, &sources);
        assert_eq!(
            out,
            "m.whatif:2:70012: error[whatif::syntax::unexpected]: expected a number, found `:`\n  \
             (the line is too long to show)\n  help: write a number\n"
        );
        // A long line next to the label is shown as context by miette: also compact.
        let text = format!("param p = :\n#{}\n", " ".repeat(70_000));
        let (d, sources) = unexpected(text, 10);
        assert!(
            plain()
                .render(&d, &sources)
                .starts_with("m.whatif:1:11: error")
        );
    }

    #[test]
    fn an_evaluation_error_on_a_very_long_line_is_compact() {
        let mut sources = SourceMap::new();
        let text = format!("rule r: while true then x = 1{}\n", " ".repeat(70_000));
        let id = sources.add("m.whatif", text);
        let e = EvalError::NonFinite {
            at: Span::new(id, 0, 70_030),
            what: "a value of rule `r`".to_string(),
            step: 1,
            run: 0,
        };
        let out = plain().render_eval_error(&e, &sources);
        assert!(
            out.starts_with("m.whatif:1:1: error[whatif::eval::non_finite]: a value of rule"),
            "{out}"
        );
    }
}
