//! Byte spans into source files, and the file table they point into.
//!
//! A [`Span`] is a file id plus a byte range. Spans are carried by every AST node
//! and every diagnostic, but never take part in equality: two trees that differ
//! only in layout compare equal, which is what the formatter's round-trip tests
//! need (the kdl-rs convention).

use std::sync::Arc;

/// Identifies one source file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A byte range `start..end` in one file.
///
/// Equality always holds between two spans (see the module documentation); compare
/// `start` and `end` explicitly where positions matter.
#[derive(Clone, Copy, Debug, Default)]
pub struct Span {
    /// The file the range is in.
    pub file: FileId,
    /// The first byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl PartialEq for Span {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Span {
    /// A span over `start..end` in `file`.
    #[must_use]
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        // Sources are limited far below 4 GiB (see `Limits::source_bytes`), so the
        // offsets fit; saturate rather than wrap if a caller ever passes more.
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Span {
            file,
            start: clamp(start),
            end: clamp(end),
        }
    }

    /// The smallest span covering both `self` and `other` (same file assumed).
    #[must_use]
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The span's length in bytes.
    #[must_use]
    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    /// Whether the span is empty.
    #[must_use]
    pub fn is_empty(self) -> bool {
        self.end == self.start
    }

    /// The span as miette wants it.
    #[must_use]
    pub fn source_span(self) -> miette::SourceSpan {
        (self.start as usize, self.len()).into()
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> Self {
        span.source_span()
    }
}

/// One source file: its display name and its text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The name shown in diagnostics (a path relative to the working directory, or
    /// `<stdin>`).
    pub name: String,
    /// The text, shared so that diagnostics can carry it cheaply.
    pub text: Arc<str>,
    /// Where each line starts, computed when first asked: a file with
    /// thousands of diagnostics must not be scanned from its start for each.
    lines: std::sync::OnceLock<Arc<[usize]>>,
}

impl SourceFile {
    /// A file named `name` holding `text`.
    #[must_use]
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> SourceFile {
        SourceFile {
            name: name.into(),
            text: text.into(),
            lines: std::sync::OnceLock::new(),
        }
    }

    /// The byte offset where each line starts (the first is 0).
    #[must_use]
    pub fn line_starts(&self) -> &Arc<[usize]> {
        self.lines.get_or_init(|| line_starts(&self.text))
    }

    /// The 1-based line and column (in characters) of a byte offset.
    #[must_use]
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let text = &*self.text;
        let mut offset = (offset as usize).min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let starts = self.line_starts();
        let line = starts.partition_point(|&s| s <= offset);
        let start = starts[line.saturating_sub(1)];
        (line, text[start..offset].chars().count() + 1)
    }

    /// The source as miette renders it.
    #[must_use]
    pub fn named_source(&self) -> miette::NamedSource<Window> {
        miette::NamedSource::new(self.name.clone(), self.window(Arc::clone(&self.text)))
    }

    /// `text` (this file's text, or a view of it with the same lines) as miette
    /// reads it: a few lines around each span, found through the line index.
    #[must_use]
    pub fn window(&self, text: Arc<str>) -> Window {
        let starts = if Arc::ptr_eq(&text, &self.text) {
            Arc::clone(self.line_starts())
        } else {
            line_starts(&text)
        };
        Window { text, starts }
    }
}

/// Where each line of `text` starts.
fn line_starts(text: &str) -> Arc<[usize]> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// A source text for miette that hands it only the lines around a span.
/// miette finds a span's line by scanning from the start of the text, which
/// made a file with 20,000 diagnostics take a quadratic 20 seconds to report.
#[derive(Debug, Clone)]
pub struct Window {
    text: Arc<str>,
    starts: Arc<[usize]>,
}

impl miette::SourceCode for Window {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let text: &'a str = &self.text;
        let line_of = |offset: usize| {
            self.starts
                .partition_point(|&s| s <= offset)
                .saturating_sub(1)
        };
        let first = line_of(span.offset()).saturating_sub(context_lines_before);
        let end = span.offset() + span.len();
        let last = line_of(end.saturating_sub(1).max(span.offset())) + context_lines_after + 1;
        let from = self.starts[first];
        // One line more than needed, so that miette sees where the last ends.
        let to = self.starts.get(last + 1).copied().unwrap_or(text.len());
        if end > text.len() {
            return Err(miette::MietteError::OutOfBounds);
        }
        let local = miette::SourceSpan::new((span.offset() - from).into(), span.len());
        let inner = text[from..to].read_span(&local, context_lines_before, context_lines_after)?;
        let shifted =
            miette::SourceSpan::new((inner.span().offset() + from).into(), inner.span().len());
        Ok(Box::new(miette::MietteSpanContents::new(
            inner.data(),
            shifted,
            inner.line() + first,
            inner.column(),
            inner.line_count() + first,
        )))
    }
}

/// The 1-based line and column (in characters) of a byte offset in `text`.
#[must_use]
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() + 1;
    (line, column)
}

/// Every file of one model: the root file and its imports, by [`FileId`].
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty map.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<Arc<str>>) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceFile::new(name, text));
        id
    }

    /// The file with this id.
    ///
    /// # Panics
    /// When the id did not come from this map (a bug in the caller).
    #[must_use]
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// The text a span covers.
    #[must_use]
    pub fn text(&self, span: Span) -> &str {
        self.get(span.file)
            .text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }

    /// All files, in the order they were added.
    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(u32::try_from(i).unwrap_or(u32::MAX)), f))
    }

    /// How many files the map holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether the map is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let text = "ab\ncé d\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        // `d` is at byte 7 (é takes two bytes) but character column 4.
        assert_eq!(line_col(text, 7), (2, 4));
        // An offset inside a character moves back to its start.
        assert_eq!(line_col(text, 5), (2, 2));
        assert_eq!(line_col(text, 100), (3, 1));
    }

    #[test]
    fn the_line_index_agrees_with_a_scan() {
        let text = "ab\ncé d\n\nlast";
        let file = SourceFile::new("t", text);
        for offset in 0..=text.len() + 2 {
            assert_eq!(
                file.line_col(offset as u32),
                line_col(text, offset),
                "{offset}"
            );
        }
    }

    #[test]
    fn miette_reads_the_same_lines_through_the_window() {
        use miette::SourceCode;
        let text: String = (0..50).map(|i| format!("line {i} of the file\n")).collect();
        let file = SourceFile::new("t", text.as_str());
        let window = file.window(Arc::clone(&file.text));
        for (offset, len) in [
            (0, 4),
            (45, 3),
            (300, 30),
            (text.len() - 5, 4),
            (text.len(), 0),
        ] {
            let span = miette::SourceSpan::new(offset.into(), len);
            for context in [0, 1, 2] {
                let whole = text
                    .as_str()
                    .read_span(&span, context, context)
                    .expect("whole");
                let part = window.read_span(&span, context, context).expect("window");
                assert_eq!(whole.data(), part.data(), "{offset} {context}");
                assert_eq!(whole.span(), part.span(), "{offset} {context}");
                assert_eq!(whole.line(), part.line(), "{offset} {context}");
                assert_eq!(whole.column(), part.column(), "{offset} {context}");
            }
        }
    }

    #[test]
    fn spans_never_decide_equality() {
        let a = Span::new(FileId(0), 1, 2);
        let b = Span::new(FileId(3), 7, 9);
        assert_eq!(a, b);
        assert_eq!(a.to(Span::new(FileId(0), 5, 8)).end, 8);
    }
}
