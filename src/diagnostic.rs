//! One type for every diagnostic a model can produce, whatever the stage.
//!
//! Each stage keeps its own error enum; this wrapper lets a caller hold them in
//! one list, sorted by position, and render each against its own file.

use miette::Severity;

use crate::check::{CheckError, CheckWarning};
use crate::load::LoadError;
use crate::render::json;
use crate::span::{SourceMap, Span};
use crate::syntax::SyntaxError;

/// A diagnostic from any stage.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum Diagnostic {
    /// The text is not a `.whatif` file.
    #[error(transparent)]
    Syntax(SyntaxError),
    /// An import could not be read.
    #[error(transparent)]
    Load(LoadError),
    /// The model is wrong.
    #[error(transparent)]
    Check(CheckError),
    /// The model is suspect.
    #[error(transparent)]
    Warning(CheckWarning),
}

impl Diagnostic {
    fn inner(&self) -> &(dyn miette::Diagnostic + Send + Sync + 'static) {
        match self {
            Diagnostic::Syntax(e) => e,
            Diagnostic::Load(e) => e,
            Diagnostic::Check(e) => e,
            Diagnostic::Warning(e) => e,
        }
    }

    /// Where it points.
    #[must_use]
    pub fn span(&self) -> Span {
        match self {
            Diagnostic::Syntax(e) => e.span(),
            Diagnostic::Load(e) => e.span(),
            Diagnostic::Check(e) => e.span(),
            Diagnostic::Warning(e) => e.span(),
        }
    }

    /// Whether it is an error (not a warning).
    #[must_use]
    pub fn is_error(&self) -> bool {
        !matches!(self, Diagnostic::Warning(_))
    }

    /// Its stable code (`whatif::check::unknown_name`).
    #[must_use]
    pub fn code_str(&self) -> String {
        self.inner()
            .code()
            .map(|c| c.to_string())
            .unwrap_or_default()
    }

    /// Its help line, if any.
    #[must_use]
    pub fn help_str(&self) -> Option<String> {
        self.inner().help().map(|h| h.to_string())
    }

    /// Its labels, as (span start, length, label).
    #[must_use]
    pub fn label_list(&self) -> Vec<(usize, usize, Option<String>)> {
        self.inner()
            .labels()
            .map(|ls| {
                ls.map(|l| (l.offset(), l.len(), l.label().map(str::to_string)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The diagnostic as JSON (see [`json::Diagnostic`]): severity, code,
    /// message, file, line, column, help and labels.
    #[must_use]
    pub fn to_json(&self, sources: &SourceMap) -> json::Diagnostic {
        let span = self.span();
        let file = sources.get(span.file);
        let (line, column) = file.line_col(span.start);
        let (end_line, end_column) = file.line_col(span.end);
        let labels = self
            .label_list()
            .into_iter()
            .map(|(offset, length, label)| {
                let (line, column) = file.line_col(u32::try_from(offset).unwrap_or(u32::MAX));
                json::Label {
                    line,
                    column,
                    length,
                    label,
                }
            })
            .collect();
        json::Diagnostic {
            severity: if self.is_error() { "error" } else { "warning" }.to_string(),
            code: self.code_str(),
            message: self.to_string(),
            file: file.name.clone(),
            line,
            column,
            end_line,
            end_column,
            help: self.help_str(),
            labels,
        }
    }
}

impl miette::Diagnostic for Diagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.inner().code()
    }

    fn severity(&self) -> Option<Severity> {
        Some(self.inner().severity().unwrap_or(Severity::Error))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.inner().help()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.inner().labels()
    }
}

impl From<SyntaxError> for Diagnostic {
    fn from(e: SyntaxError) -> Self {
        Diagnostic::Syntax(e)
    }
}

impl From<LoadError> for Diagnostic {
    fn from(e: LoadError) -> Self {
        Diagnostic::Load(e)
    }
}

impl From<CheckError> for Diagnostic {
    fn from(e: CheckError) -> Self {
        Diagnostic::Check(e)
    }
}

impl From<CheckWarning> for Diagnostic {
    fn from(e: CheckWarning) -> Self {
        Diagnostic::Warning(e)
    }
}
