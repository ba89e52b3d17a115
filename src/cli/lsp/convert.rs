//! Between the library's byte spans and files and the protocol's ranges and
//! URIs.

use std::path::{Path, PathBuf};

use lsp_types::{Position, Range, Url};
use whatif::ide::lines::{self, LineIndex};

/// The file path of a `file:` URI; `None` for any other scheme (an untitled
/// buffer), which then has no folder to import from.
pub fn path_of(uri: &Url) -> Option<PathBuf> {
    if uri.scheme() == "file" {
        uri.to_file_path().ok()
    } else {
        None
    }
}

/// The `file:` URI of a path.
pub fn uri_of(path: &Path) -> Option<Url> {
    Url::from_file_path(path).ok()
}

/// A text as the client sees it, for converting between its positions and the
/// byte offsets of the library's spans. The library drops a leading byte-order
/// mark; the client counts it, so offsets are shifted by its length.
pub struct TextView<'a> {
    text: &'a str,
    lines: std::borrow::Cow<'a, LineIndex>,
    shift: usize,
}

impl<'a> TextView<'a> {
    /// A view of `text`, with its line index when one is at hand.
    pub fn new(text: &'a str, lines: Option<&'a LineIndex>) -> TextView<'a> {
        let lines = match lines {
            Some(l) => std::borrow::Cow::Borrowed(l),
            None => std::borrow::Cow::Owned(LineIndex::new(text)),
        };
        let shift = if text.starts_with('\u{feff}') {
            '\u{feff}'.len_utf8()
        } else {
            0
        };
        TextView { text, lines, shift }
    }

    /// The text as the library reads it (without a byte-order mark).
    pub fn source(&self) -> &'a str {
        &self.text[self.shift..]
    }

    /// The client's position of a library offset.
    pub fn position(&self, offset: usize) -> Position {
        let p = self.lines.position(self.text, offset + self.shift);
        Position::new(p.line, p.column)
    }

    /// The client's range of a library byte range.
    pub fn range(&self, start: usize, end: usize) -> Range {
        Range::new(self.position(start), self.position(end.max(start)))
    }

    /// The library offset of a client's position.
    pub fn offset(&self, position: Position) -> usize {
        let p = lines::Position {
            line: position.line,
            column: position.character,
        };
        self.lines.offset(self.text, p).saturating_sub(self.shift)
    }

    /// The range of the whole text (after a byte-order mark).
    pub fn whole(&self) -> Range {
        self.range(0, self.source().len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_shifts_offsets_but_counts_as_a_column() {
        let text = "\u{feff}ab\ncd";
        let view = TextView::new(text, None);
        assert_eq!(view.source(), "ab\ncd");
        assert_eq!(view.position(0), Position::new(0, 1));
        assert_eq!(view.position(3), Position::new(1, 0));
        assert_eq!(view.offset(Position::new(0, 0)), 0);
        assert_eq!(view.offset(Position::new(1, 1)), 4);
        assert_eq!(
            view.whole(),
            Range::new(Position::new(0, 1), Position::new(1, 2))
        );
    }

    #[test]
    fn only_file_uris_have_paths() {
        let Ok(file) = Url::parse("file:///tmp/a%20b.whatif") else {
            panic!("a valid URI");
        };
        assert_eq!(path_of(&file), Some(PathBuf::from("/tmp/a b.whatif")));
        let Ok(untitled) = Url::parse("untitled:Untitled-1") else {
            panic!("a valid URI");
        };
        assert_eq!(path_of(&untitled), None);
        assert_eq!(uri_of(Path::new("/tmp/a b.whatif")), Some(file));
    }
}
