//! Text that reaches a terminal: nothing a model (or a file name, or a partial
//! result) holds may drive it.
//!
//! The scanner refuses control and bidirectional characters in a model, but
//! they still reach output: a diagnostic quotes the very line it refuses, a
//! file name can hold anything, a string's `\n` escape is a real line break,
//! and a partial result read by `merge` is any JSON at all. Three tools:
//! [`inline`] for a value printed within a line of text (a title, a file
//! name), [`SourceView`] for the source a diagnostic shows, and [`terminal`]
//! for the last pass over everything the command line prints.

use std::borrow::Cow;

/// Whether `c` could drive a terminal or make text display differently from
/// what it is: the C0 controls but tab and line feed, DEL, the C1 controls
/// (U+009B is a CSI), the bidirectional controls and isolates, and the line
/// and paragraph separators U+2028 and U+2029. The same set the scanner
/// refuses, and carriage return.
#[must_use]
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// How an unsafe character is shown: `\u{1b}`.
fn shown(c: char) -> String {
    format!("\\u{{{:x}}}", u32::from(c))
}

/// `s` for printing within one line: every unsafe character and every line
/// break shown as an escape (`\n`, `\u{1b}`), so that a title cannot forge a
/// line of output or reach the terminal.
#[must_use]
pub fn inline(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c == '\n' || is_unsafe(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if is_unsafe(c) => out.push_str(&shown(c)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Whether `bytes` may hold an unsafe character (or a carriage return): a C0
/// control or DEL, a C1 control (C2 80..9F in UTF-8), or a bidirectional or
/// separator character (E2 80 A8..AE, E2 81 A6..A9). A quick scan over the
/// bytes, so that the usual output is passed on untouched.
fn may_be_unsafe(bytes: &[u8]) -> bool {
    bytes.iter().enumerate().any(|(i, &b)| match b {
        b'\n' | b'\t' => false,
        0..0x20 | 0x7f => true,
        0xC2 => bytes.get(i + 1).is_some_and(|c| (0x80..=0x9F).contains(c)),
        0xE2 => matches!(
            (bytes.get(i + 1), bytes.get(i + 2)),
            (Some(0x80), Some(0xA8..=0xAE)) | (Some(0x81), Some(0xA6..=0xA9))
        ),
        _ => false,
    })
}

/// The last pass over text for a terminal or a pipe: every unsafe character
/// is shown as an escape, except a carriage return that ends a line (CRLF)
/// and, when `styled`, the colour sequences whatif writes itself
/// (`ESC [ … m`, parameters digits and `;` only).
#[must_use]
pub fn terminal(s: &str, styled: bool) -> Cow<'_, str> {
    if !may_be_unsafe(s.as_bytes()) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        let len = c.len_utf8();
        if c == '\u{1b}'
            && styled
            && let Some(n) = sgr_len(rest)
        {
            out.push_str(&rest[..n]);
            rest = &rest[n..];
            continue;
        }
        if c == '\r' && rest[len..].starts_with('\n') {
            out.push('\r');
        } else if is_unsafe(c) {
            out.push_str(&shown(c));
        } else {
            out.push(c);
        }
        rest = &rest[len..];
    }
    Cow::Owned(out)
}

/// The length of a colour sequence at the start of `s`: `ESC [`, digits and
/// semicolons, `m`.
fn sgr_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    if b.get(1) != Some(&b'[') {
        return None;
    }
    let params = b[2..]
        .iter()
        .take_while(|&&c| c.is_ascii_digit() || c == b';')
        .count();
    (b.get(2 + params) == Some(&b'm')).then_some(3 + params)
}

/// A source text as a diagnostic may show it: every unsafe character replaced
/// by its escape, with the offsets of the original mapped onto the shown text
/// so that labels still point at what they meant.
#[derive(Debug)]
pub struct SourceView {
    /// The text to show.
    pub text: String,
    /// Per replacement, in order: (offset in the original, extra bytes the
    /// escape takes over the character).
    shifts: Vec<(usize, usize)>,
}

impl SourceView {
    /// The view of `text`, or `None` when it has nothing to replace (the usual
    /// case: then the original is shown as it is).
    #[must_use]
    pub fn of(text: &str) -> Option<SourceView> {
        if !may_be_unsafe(text.as_bytes()) {
            return None;
        }
        let mut shown_text = String::with_capacity(text.len() + 16);
        let mut shifts = Vec::new();
        for (i, c) in text.char_indices() {
            let crlf = c == '\r' && text[i + 1..].starts_with('\n');
            if is_unsafe(c) && !crlf {
                let escape = shown(c);
                shifts.push((i, escape.len() - c.len_utf8()));
                shown_text.push_str(&escape);
            } else {
                shown_text.push(c);
            }
        }
        if shifts.is_empty() {
            return None;
        }
        Some(SourceView {
            text: shown_text,
            shifts,
        })
    }

    /// Where byte `offset` of the original is in the shown text. An offset
    /// inside or at a replaced character maps to the start of its escape; the
    /// end of a range over it maps past the escape, as [`SourceView::range`]
    /// does.
    #[must_use]
    pub fn offset(&self, offset: usize) -> usize {
        let before = self.shifts.partition_point(|&(at, _)| at < offset);
        offset + self.shifts[..before].iter().map(|&(_, n)| n).sum::<usize>()
    }

    /// The shown range for the original range `start..start + len`.
    #[must_use]
    pub fn range(&self, start: usize, len: usize) -> (usize, usize) {
        let from = self.offset(start);
        let to = self.offset(start + len);
        (from, to.saturating_sub(from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_shows_line_breaks_and_controls() {
        assert_eq!(inline("plain title"), "plain title");
        assert_eq!(inline("two\nlines"), "two\\nlines");
        assert_eq!(inline("a\u{1b}]0;pwn\u{7}b"), "a\\u{1b}]0;pwn\\u{7}b");
        assert_eq!(inline("rtl\u{202e}x"), "rtl\\u{202e}x");
        assert_eq!(inline("tab\tok"), "tab\tok");
    }

    #[test]
    fn the_terminal_pass_keeps_our_colours_only_when_styled() {
        let text = "\u{1b}[1;31merror\u{1b}[0m: \u{1b}[2J\u{9b}31m\r\nend\rx";
        assert_eq!(
            terminal(text, true),
            "\u{1b}[1;31merror\u{1b}[0m: \\u{1b}[2J\\u{9b}31m\r\nend\\u{d}x"
        );
        assert_eq!(
            terminal(text, false),
            "\\u{1b}[1;31merror\\u{1b}[0m: \\u{1b}[2J\\u{9b}31m\r\nend\\u{d}x"
        );
        assert!(matches!(terminal("é — ok\n", false), Cow::Borrowed(_)));
    }

    #[test]
    fn a_source_view_maps_offsets_past_each_escape() {
        let text = "ab\u{1b}cd\u{202e}e";
        let view = SourceView::of(text).expect("something to replace");
        assert_eq!(view.text, "ab\\u{1b}cd\\u{202e}e");
        assert_eq!(view.offset(0), 0);
        assert_eq!(view.offset(2), 2);
        assert_eq!(view.offset(3), 8);
        // The label on the escape character covers its whole escape.
        assert_eq!(view.range(2, 1), (2, 6));
        let e = text.find('e').expect("an e");
        assert_eq!(&view.text[view.offset(e)..], "e");
        assert!(SourceView::of("model \"m\" {}\r\n").is_none());
    }
}
