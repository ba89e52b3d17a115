//! Positions as editors count them: a line and a column in UTF-16 code units.
//!
//! Spans are byte offsets; the Language Server Protocol speaks of lines and
//! UTF-16 columns (its default encoding), so `é` is one column and `😀` two.
//! Lines end at `\n`, `\r\n` or a lone `\r`, as the protocol says. Conversions
//! never fail: a position past a line's end or past the text's end is clamped,
//! and an offset inside a character moves back to the character's start.

/// A line and a UTF-16 column, both 0-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Position {
    /// The line, from 0.
    pub line: u32,
    /// The column in UTF-16 code units, from 0.
    pub column: u32,
}

/// Where each line of one text starts, for converting between byte offsets and
/// [`Position`]s.
#[derive(Clone, Debug)]
pub struct LineIndex {
    /// The byte offset of each line's first character; the first is 0.
    starts: Vec<usize>,
    /// The text's length in bytes.
    len: usize,
}

impl LineIndex {
    /// Indexes `text`.
    #[must_use]
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        LineIndex {
            starts,
            len: text.len(),
        }
    }

    /// How many lines the text has (an empty text has one).
    #[must_use]
    pub fn lines(&self) -> usize {
        self.starts.len()
    }

    /// The position of the byte `offset` of `text` (the text this index was
    /// built from).
    #[must_use]
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = text.floor_char_boundary(offset.min(self.len));
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let column: usize = text[start..offset].chars().map(char::len_utf16).sum();
        Position {
            line: clamp_u32(line),
            column: clamp_u32(column),
        }
    }

    /// The byte offset of `position` in `text`; a column past the line's end
    /// means the line's end, a line past the last means the text's end.
    #[must_use]
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return text.len();
        };
        let end = self
            .starts
            .get(position.line as usize + 1)
            .copied()
            .unwrap_or(text.len())
            .min(text.len());
        let line = text.get(start..end).unwrap_or("");
        let line = line.trim_end_matches(['\n', '\r']);
        let mut units = 0usize;
        for (i, c) in line.char_indices() {
            // A column inside a surrogate pair lands on the character's start.
            if units + c.len_utf16() > position.column as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        start + line.len()
    }

    /// The position just past the end of `text`.
    #[must_use]
    pub fn end(&self, text: &str) -> Position {
        self.position(text, text.len())
    }
}

fn clamp_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, column: u32) -> Position {
        Position { line, column }
    }

    #[test]
    fn columns_count_utf16_code_units() {
        let text = "a\n\"é😀\" x\n";
        let index = LineIndex::new(text);
        let x = text.find('x').unwrap_or(0);
        // `"` 1 + `é` 1 + `😀` 2 + `"` 1 + ` ` 1 = 6 units before `x`.
        assert_eq!(index.position(text, x), pos(1, 6));
        assert_eq!(index.offset(text, pos(1, 6)), x);
        // Inside the surrogate pair: the emoji's start.
        let emoji = text.find('😀').unwrap_or(0);
        assert_eq!(index.offset(text, pos(1, 3)), emoji);
        // Inside the emoji's bytes: back to its start.
        assert_eq!(index.position(text, emoji + 1), pos(1, 2));
    }

    #[test]
    fn every_line_break_counts() {
        let text = "a\r\nb\rc\nd";
        let index = LineIndex::new(text);
        assert_eq!(index.lines(), 4);
        assert_eq!(index.position(text, 3), pos(1, 0));
        assert_eq!(index.position(text, 5), pos(2, 0));
        assert_eq!(index.position(text, 7), pos(3, 0));
        // The end of a line ending in `\r\n` is before the `\r`.
        assert_eq!(index.offset(text, pos(0, 99)), 1);
    }

    #[test]
    fn positions_out_of_range_are_clamped() {
        let text = "ab\ncd";
        let index = LineIndex::new(text);
        assert_eq!(index.offset(text, pos(9, 0)), text.len());
        assert_eq!(index.offset(text, pos(1, 99)), text.len());
        assert_eq!(index.position(text, 999), pos(1, 2));
        assert_eq!(index.end(text), pos(1, 2));
        let empty = LineIndex::new("");
        assert_eq!(empty.position("", 0), pos(0, 0));
        assert_eq!(empty.offset("", pos(0, 5)), 0);
    }
}
