//! A cheap pass over the raw text before pest sees it.
//!
//! It does four jobs that a PEG parser does badly:
//! - it finds the comments, which the formatter must keep, and blanks them out of
//!   the text pest reads (same length, so spans hold), which spares pest a comment
//!   test at every token;
//! - it refuses characters that would let a file say one thing and show another:
//!   ASCII control characters other than tab, line feed and carriage return, and
//!   the Unicode controls that reorder text (the "Trojan Source" trick);
//! - it bounds nesting (brackets, braces and `if`s) so that a million `(` end in a
//!   diagnostic instead of a stack overflow inside pest's recursive descent;
//! - it pairs brackets, so that a bracket left open is reported where it was
//!   opened (pest would only notice much later, where the text stops making
//!   sense), and a stray closing bracket where it stands;
//! - it cuts the file at top-level items, so each batch of items is parsed on its
//!   own: pest's token queue then never holds more than one batch, batches can be
//!   parsed in parallel, and a syntax error in one item does not hide the errors
//!   of the others.
//!
//! It does not try to understand the language: a top-level item starts wherever a
//! top-level keyword begins a word outside brackets, strings and comments —
//! unless it is half of a qualified name (`event.x`) or comes right after a word
//! that a name must follow (`actor event`), where it is a keyword misused as a
//! name, which the checker reports. That is exact because those keywords are
//! reserved and cannot occur elsewhere at depth 0. Whatever the scanner gets
//! wrong on malformed input, pest reports.

/// The kind of a comment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommentKind {
    /// `// …` up to the end of the line.
    Line,
    /// `/* … */`
    Block,
}

/// A comment, by byte range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Comment {
    /// Line or block.
    pub kind: CommentKind,
    /// First byte (the `/`).
    pub start: usize,
    /// One past the last byte (the newline is not part of a line comment).
    pub end: usize,
}

/// What the scanner found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Scan {
    /// Byte offsets where top-level items begin, in order.
    pub item_starts: Vec<usize>,
    /// Every comment, in order.
    pub comments: Vec<Comment>,
}

impl Scan {
    /// `text[start..end]` with every comment in it replaced by spaces (line
    /// breaks kept), or the slice itself when it has no comment. Blanking a
    /// batch at a time keeps a copy of the whole file from living beside it.
    #[must_use]
    pub fn blanked<'t>(
        &self,
        text: &'t str,
        start: usize,
        end: usize,
    ) -> std::borrow::Cow<'t, str> {
        let slice = &text[start..end];
        // Comments are in order and never straddle an item start.
        let first = self.comments.partition_point(|c| c.start < start);
        let inside = self.comments[first..].iter().take_while(|c| c.end <= end);
        let mut bytes: Option<Vec<u8>> = None;
        for c in inside {
            let bytes = bytes.get_or_insert_with(|| slice.as_bytes().to_vec());
            for b in &mut bytes[c.start - start..c.end - start] {
                if *b != b'\n' {
                    *b = b' ';
                }
            }
        }
        let Some(bytes) = bytes else {
            return std::borrow::Cow::Borrowed(slice);
        };
        // Only whole comments were replaced, by ASCII, so the bytes stay UTF-8.
        std::borrow::Cow::Owned(
            String::from_utf8(bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        )
    }
}

/// Why the scanner stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanError {
    /// A string runs to the end of its line or of the file.
    UnterminatedString {
        /// The opening quote.
        start: usize,
        /// Where the string stopped.
        end: usize,
    },
    /// A `/*` has no `*/`.
    UnterminatedComment {
        /// The `/*`.
        start: usize,
    },
    /// A character that has no place in a source file.
    Forbidden {
        /// Its first byte.
        at: usize,
        /// Its length in bytes.
        len: usize,
        /// The character.
        ch: char,
    },
    /// Nesting went deeper than the limit.
    TooDeep {
        /// The token that went one level too deep.
        at: usize,
        /// Its length in bytes.
        len: usize,
    },
    /// A bracket still open at the end of the file.
    Unclosed {
        /// The opening bracket.
        at: usize,
        /// `(`, `[` or `{`.
        ch: char,
    },
    /// A closing bracket with no bracket open.
    Unmatched {
        /// The closing bracket.
        at: usize,
        /// `)`, `]` or `}`.
        ch: char,
    },
    /// A closing bracket of another kind than the one open.
    Mismatched {
        /// The bracket that is open.
        open: usize,
        /// Its character.
        open_ch: char,
        /// The closing bracket.
        at: usize,
        /// Its character.
        ch: char,
    },
}

/// The closing bracket of an opening one.
#[must_use]
pub fn closing(open: char) -> char {
    match open {
        '(' => ')',
        '[' => ']',
        _ => '}',
    }
}

const ITEM_KEYWORDS: [&[u8]; 9] = [
    b"model",
    b"import",
    b"param",
    b"actor",
    b"factor",
    b"event",
    b"rule",
    b"scenario",
    b"expect",
];

/// Words that a name must follow: an item keyword right after one of them is
/// that name (`actor event { … }`, a mistake the checker reports), not the start
/// of a new item.
const NAMERS: [&[u8]; 9] = [
    b"actor",
    b"factor",
    b"event",
    b"param",
    b"rule",
    b"scenario",
    b"expect",
    b"extends",
    b"import",
];

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Scans `text`, failing when nesting exceeds `max_depth`.
///
/// # Errors
/// Unterminated strings and block comments, and nesting beyond `max_depth`.
pub fn scan(text: &str, max_depth: usize) -> Result<Scan, ScanError> {
    let bytes = text.as_bytes();
    let mut out = Scan::default();
    // The open brackets, innermost last: their number decides where items may
    // start. `ifs` only counts towards the nesting limit, because pest recurses
    // on a nested `if` as on a bracket.
    let mut open: Vec<(usize, u8)> = Vec::new();
    let mut ifs: usize = 0;
    // Whether the last token (comments and white space aside) is a word of
    // `NAMERS`.
    let mut after_namer = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if let Some(ch) = forbidden_at(bytes, i) {
            return Err(ScanError::Forbidden {
                at: i,
                len: ch.len_utf8(),
                ch,
            });
        }
        if b.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        match b {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = memchr_newline(bytes, i);
                check_span(bytes, i, end)?;
                out.comments.push(Comment {
                    kind: CommentKind::Line,
                    start: i,
                    end,
                });
                i = end;
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let Some(close) = find(bytes, i + 2, b"*/") else {
                    return Err(ScanError::UnterminatedComment { start: i });
                };
                let end = close + 2;
                check_span(bytes, i, end)?;
                out.comments.push(Comment {
                    kind: CommentKind::Block,
                    start: i,
                    end,
                });
                i = end;
                continue;
            }
            b'"' => {
                let mut j = i + 1;
                loop {
                    match bytes.get(j) {
                        None | Some(b'\n') => {
                            return Err(ScanError::UnterminatedString { start: i, end: j });
                        }
                        // An escape takes the next character, but never the
                        // end of the line or of the file: the string is then
                        // unterminated there (and the span stays in the text).
                        Some(b'\\') if !matches!(bytes.get(j + 1), None | Some(b'\n')) => j += 2,
                        Some(b'\\') => j += 1,
                        Some(b'"') => break,
                        Some(_) => j += 1,
                    }
                }
                check_span(bytes, i, j)?;
                i = j + 1;
            }
            b'(' | b'[' | b'{' => {
                open.push((i, b));
                if open.len() + ifs > max_depth {
                    return Err(ScanError::TooDeep { at: i, len: 1 });
                }
                i += 1;
            }
            b')' | b']' | b'}' => {
                let ch = char::from(b);
                match open.pop() {
                    None => return Err(ScanError::Unmatched { at: i, ch }),
                    Some((at, o)) if closing(char::from(o)) != ch => {
                        return Err(ScanError::Mismatched {
                            open: at,
                            open_ch: char::from(o),
                            at: i,
                            ch,
                        });
                    }
                    Some(_) => {}
                }
                i += 1;
            }
            _ if b.is_ascii_alphabetic() || b == b'_' => {
                let start = i;
                while i < bytes.len() && is_ident_byte(bytes[i]) {
                    i += 1;
                }
                let word = &bytes[start..i];
                // A word right before or after a dot is half of a qualified name.
                let after_dot = start > 0 && bytes[start - 1] == b'.';
                if word == b"if" {
                    ifs += 1;
                    if open.len() + ifs > max_depth {
                        return Err(ScanError::TooDeep { at: start, len: 2 });
                    }
                } else if word == b"else" {
                    ifs = ifs.saturating_sub(1);
                } else if open.is_empty()
                    && !after_dot
                    && bytes.get(i) != Some(&b'.')
                    && !after_namer
                    && ITEM_KEYWORDS.contains(&word)
                {
                    out.item_starts.push(start);
                }
                after_namer = NAMERS.contains(&word);
                continue;
            }
            _ if b.is_ascii_digit() => {
                // Skip a whole number so `1e5` is not read as a word `e5`.
                while i < bytes.len() && (is_ident_byte(bytes[i]) || bytes[i] == b'.') {
                    if bytes[i] == b'.' && bytes.get(i + 1) == Some(&b'.') {
                        break;
                    }
                    i += 1;
                }
            }
            _ => i += 1,
        }
        // Any other token ends a run of names (white space, comments and words
        // `continue` before this).
        after_namer = false;
    }
    // The outermost bracket left open is the one to close: the inner ones may
    // well be closed by the brackets the author forgot.
    if let Some(&(at, b)) = open.first() {
        return Err(ScanError::Unclosed {
            at,
            ch: char::from(b),
        });
    }
    Ok(out)
}

/// The forbidden character starting at byte `i`, if any: a character that
/// would let the file display differently from how whatif reads it, or drive
/// the terminal that shows a diagnostic.
fn forbidden_at(bytes: &[u8], i: usize) -> Option<char> {
    let b = bytes[i];
    // ASCII controls other than tab and line feed; a carriage return only as
    // half of CRLF (alone, some editors break the line there and whatif
    // does not, so a `//` comment would hide what looks like the next line).
    if (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f {
        return Some(char::from(b));
    }
    if b == b'\r' && bytes.get(i + 1) != Some(&b'\n') {
        return Some('\r');
    }
    // The C1 controls U+0080..U+009F (C2 80..9F in UTF-8): U+009B is the
    // terminal's CSI, as good as an escape.
    if b == 0xC2
        && bytes
            .get(i + 1)
            .is_some_and(|&c| (0x80..=0x9F).contains(&c))
    {
        return char::from_u32(u32::from(bytes[i + 1]));
    }
    // E2 80 A8..AE: the line and paragraph separators U+2028 and U+2029 (line
    // breaks to some editors only) and the bidirectional controls
    // U+202A..U+202E; E2 81 A6..A9: the bidirectional isolates U+2066..U+2069.
    if b == 0xE2 {
        let ch = match (bytes.get(i + 1), bytes.get(i + 2)) {
            (Some(0x80), Some(&c @ 0xA8..=0xAE)) => 0x2000 + u32::from(c - 0x80),
            (Some(0x81), Some(&c @ 0xA6..=0xA9)) => 0x2040 + u32::from(c - 0x80),
            _ => return None,
        };
        return char::from_u32(ch);
    }
    None
}

fn check_span(bytes: &[u8], start: usize, end: usize) -> Result<(), ScanError> {
    for i in start..end.min(bytes.len()) {
        if let Some(ch) = forbidden_at(bytes, i) {
            return Err(ScanError::Forbidden {
                at: i,
                len: ch.len_utf8(),
                ch,
            });
        }
    }
    Ok(())
}

fn memchr_newline(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| from + p)
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_items_and_comments() {
        let text = "// head\nmodel \"m\" { horizon 3 }\nactor a { event e }\n/* x */ rule r: when a.e then a.e";
        let scan = scan(text, 256).unwrap();
        assert_eq!(scan.item_starts.len(), 3);
        assert_eq!(&text[scan.item_starts[1]..scan.item_starts[1] + 5], "actor");
        assert_eq!(scan.comments.len(), 2);
        assert_eq!(scan.comments[1].kind, CommentKind::Block);
    }

    #[test]
    fn keywords_inside_blocks_strings_and_comments_do_not_split() {
        let text = "scenario s { rule r: when x then y }\nparam p = 1 \"a rule\" // event\n";
        let scan = scan(text, 256).unwrap();
        assert_eq!(scan.item_starts, vec![0, 37]);
    }

    #[test]
    fn a_keyword_used_as_a_name_does_not_start_an_item() {
        let text = "actor event { factor x = 1 }\nscenario /* c */ rule { }\nexpect\n  expect { }";
        let scan = scan(text, 256).unwrap();
        assert_eq!(scan.item_starts, vec![0, 29, 55]);
        // Anything between the two words breaks the pair.
        let scan = super::scan("import \"a\" event e", 256).unwrap();
        assert_eq!(scan.item_starts, vec![0, 11]);
        // Half of a qualified name is not an item either.
        let scan = super::scan("rule r: when event.x > 1 then y", 256).unwrap();
        assert_eq!(scan.item_starts, vec![0]);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = "(".repeat(1_000_000);
        assert_eq!(
            scan(&text, 256),
            Err(ScanError::TooDeep { at: 256, len: 1 })
        );
        let ifs = "if a then ".repeat(300);
        assert!(matches!(scan(&ifs, 256), Err(ScanError::TooDeep { .. })));
    }

    #[test]
    fn control_and_bidi_characters_are_refused() {
        assert_eq!(
            scan("param p = 1 \u{0}", 256),
            Err(ScanError::Forbidden {
                at: 12,
                len: 1,
                ch: '\u{0}'
            })
        );
        assert_eq!(
            scan("// comment \u{202E} hidden", 256),
            Err(ScanError::Forbidden {
                at: 11,
                len: 3,
                ch: '\u{202E}'
            })
        );
        assert_eq!(
            scan("\"a\u{2067}b\"", 256),
            Err(ScanError::Forbidden {
                at: 2,
                len: 3,
                ch: '\u{2067}'
            })
        );
        assert!(scan("a\tb\r\n", 256).is_ok());
        // A carriage return alone, a C1 control, a line separator.
        for (text, ch) in [
            ("a // b\rrule c", '\r'),
            ("a \"\u{9B}31m\"", '\u{9B}'),
            ("a // b\u{2028}rule c", '\u{2028}'),
            ("a\r", '\r'),
        ] {
            assert!(
                matches!(scan(text, 256), Err(ScanError::Forbidden { ch: c, .. }) if c == ch),
                "{text:?}"
            );
        }
    }

    #[test]
    fn blanking_keeps_length_and_lines() {
        let text = "a // é\nb /* x\ny */ c";
        let scan = scan(text, 256).unwrap();
        let blank = scan.blanked(text, 0, text.len());
        assert_eq!(blank.len(), text.len());
        assert_eq!(blank.matches('\n').count(), 2);
        assert!(!blank.contains('/'));
    }

    #[test]
    fn blanking_a_batch_copies_only_a_batch_with_a_comment() {
        let text = "event a // note\nevent b\nevent c /* x */\n";
        let scan = scan(text, 256).unwrap();
        let (b, c) = (scan.item_starts[1], scan.item_starts[2]);
        let first = scan.blanked(text, 0, b);
        assert_eq!(first, "event a        \n");
        assert!(matches!(
            scan.blanked(text, b, c),
            std::borrow::Cow::Borrowed("event b\n")
        ));
        assert_eq!(scan.blanked(text, c, text.len()), "event c        \n");
    }

    #[test]
    fn brackets_are_paired() {
        assert_eq!(
            scan("actor a {\n  factor x = 0.5\nrule r: when (a then b", 256),
            Err(ScanError::Unclosed { at: 8, ch: '{' })
        );
        assert_eq!(
            scan("param p = 1 }", 256),
            Err(ScanError::Unmatched { at: 12, ch: '}' })
        );
        assert_eq!(
            scan("param p = max(1, 2]", 256),
            Err(ScanError::Mismatched {
                open: 13,
                open_ch: '(',
                at: 18,
                ch: ']'
            })
        );
        // Brackets in strings and comments do not count.
        assert!(scan("param p = 1 \"(\" // {\n/* ] */ factor x = (1)", 256).is_ok());
    }

    #[test]
    fn unterminated_strings_and_comments() {
        assert_eq!(
            scan("param p = 1 \"abc\nx", 256),
            Err(ScanError::UnterminatedString { start: 12, end: 16 })
        );
        assert_eq!(
            scan("a /* b", 256),
            Err(ScanError::UnterminatedComment { start: 2 })
        );
    }
}
