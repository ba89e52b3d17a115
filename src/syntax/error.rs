//! Errors of the syntax stage: text that is not a `.whatif` file.

use miette::Diagnostic;
use thiserror::Error;

use super::lower::{Rule, describe};
use crate::limits::Limit;
use crate::span::{FileId, Span};

/// Why some text could not be parsed.
#[derive(Clone, Debug, Error, Diagnostic, PartialEq)]
pub enum SyntaxError {
    /// pest stopped: something other than what the grammar allows here.
    #[error("expected {expected}, found {found}")]
    #[diagnostic(code(whatif::syntax::unexpected))]
    Unexpected {
        /// What was found.
        #[label("unexpected {found}")]
        at: Span,
        /// What the grammar allows here, in prose.
        expected: String,
        /// What was found, in prose.
        found: String,
        /// A hint for common slips.
        #[help]
        help: Option<String>,
    },
    /// Nesting deeper than the limit.
    #[error("nesting deeper than {limit} levels")]
    #[diagnostic(
        code(whatif::limit::depth),
        help(
            "split the expression with a derived factor (`factor part := …`), or raise the limit with `--max-depth`"
        )
    )]
    TooDeep {
        /// Where the limit was crossed.
        #[label("too deeply nested")]
        at: Span,
        /// The limit.
        limit: usize,
    },
    /// An expression tree deeper than the limit, without deep brackets: a long
    /// chain of operators, each of which is one level.
    #[error("this expression is more than {limit} levels deep")]
    #[diagnostic(
        code(whatif::limit::depth),
        help(
            "each operator counts as one level, so a long chain such as `a + b + c + …` is deep too: split it with a derived factor (`factor part := a + b + …`) and use `part`, or raise the limit with `--max-depth`"
        )
    )]
    ExprTooDeep {
        /// The expression.
        #[label("too deep")]
        at: Span,
        /// The limit.
        limit: usize,
    },
    /// A bracket never closed.
    #[error("unclosed `{open}`")]
    #[diagnostic(code(whatif::syntax::unclosed), help("close it with `{close}`"))]
    Unclosed {
        /// The opening bracket.
        #[label("opened here and never closed")]
        at: Span,
        /// The bracket.
        open: char,
        /// The bracket that closes it.
        close: char,
    },
    /// A closing bracket with nothing open.
    #[error("unmatched `{close}`")]
    #[diagnostic(
        code(whatif::syntax::unmatched),
        help("delete it, or add the `{open}` it was meant to close")
    )]
    Unmatched {
        /// The closing bracket.
        #[label("nothing is open here")]
        at: Span,
        /// The bracket.
        close: char,
        /// The bracket it would close.
        open: char,
    },
    /// A closing bracket of another kind than the bracket open.
    #[error("`{found}` cannot close `{open}`")]
    #[diagnostic(
        code(whatif::syntax::mismatched),
        help("close `{open}` with `{close}` first")
    )]
    Mismatched {
        /// The closing bracket.
        #[label("expected `{close}` before this")]
        at: Span,
        /// The bracket that is open, when in view.
        #[label("`{open}` opened here")]
        open_at: Span,
        /// The open bracket.
        open: char,
        /// The bracket that would close it.
        close: char,
        /// The closing bracket found.
        found: char,
    },
    /// A string with an unknown escape.
    #[error("unknown escape in a string")]
    #[diagnostic(
        code(whatif::syntax::bad_escape),
        help("the escapes are `\\\"`, `\\\\`, `\\n` and `\\t`")
    )]
    BadEscape {
        /// The escape.
        #[label("unknown escape")]
        at: Span,
    },
    /// A string with no closing quote on its line.
    #[error("unterminated string")]
    #[diagnostic(
        code(whatif::syntax::unterminated_string),
        help("close the string with `\"` on the same line; strings cannot span lines")
    )]
    UnterminatedString {
        /// From the opening quote to where the string stopped.
        #[label("this string is never closed")]
        at: Span,
    },
    /// A character that has no place in a source file.
    #[error("the character U+{code:04X} is not allowed in a model")]
    #[diagnostic(code(whatif::syntax::forbidden_character), help("{}", forbidden_help(*code)))]
    Forbidden {
        /// The character.
        #[label("forbidden character")]
        at: Span,
        /// Its code point.
        code: u32,
    },
    /// A `/*` with no `*/`.
    #[error("unterminated block comment")]
    #[diagnostic(
        code(whatif::syntax::unterminated_comment),
        help("close the comment with `*/`")
    )]
    UnterminatedComment {
        /// The `/*`.
        #[label("this comment is never closed")]
        at: Span,
    },
    /// The file is larger than the limit.
    #[error("the file is larger than the limit of {limit} bytes")]
    #[diagnostic(
        code(whatif::limit::source_bytes),
        help(
            "split the model into files that import each other, or raise the limit with `--max-source-bytes`"
        )
    )]
    TooLarge {
        /// Where the limit is reached (the file is read no further).
        #[label("the limit is reached here")]
        at: Span,
        /// The limit.
        limit: usize,
    },
    /// The file is not UTF-8.
    #[error("the file is not valid UTF-8")]
    #[diagnostic(
        code(whatif::syntax::invalid_utf8),
        help("save the file as UTF-8; invalid bytes are shown as �")
    )]
    InvalidUtf8 {
        /// The first invalid byte (in the text as shown, with � replacing it).
        #[label("invalid byte")]
        at: Span,
    },
    /// A grammar and lowering mismatch: a bug in whatif, not in the model.
    #[error("internal error while reading this construct (a bug in whatif, please report it)")]
    #[diagnostic(code(whatif::syntax::internal))]
    Internal {
        /// The construct.
        #[label("here")]
        at: Span,
    },
}

impl SyntaxError {
    /// The span the error points at.
    #[must_use]
    pub fn span(&self) -> Span {
        match self {
            SyntaxError::Unexpected { at, .. }
            | SyntaxError::TooDeep { at, .. }
            | SyntaxError::ExprTooDeep { at, .. }
            | SyntaxError::Unclosed { at, .. }
            | SyntaxError::Unmatched { at, .. }
            | SyntaxError::Mismatched { at, .. }
            | SyntaxError::BadEscape { at }
            | SyntaxError::UnterminatedString { at }
            | SyntaxError::UnterminatedComment { at }
            | SyntaxError::Forbidden { at, .. }
            | SyntaxError::TooLarge { at, .. }
            | SyntaxError::InvalidUtf8 { at }
            | SyntaxError::Internal { at } => *at,
        }
    }

    /// The limit this error reports, if it is one.
    #[must_use]
    pub fn limit(&self) -> Option<Limit> {
        match self {
            SyntaxError::TooDeep { .. } | SyntaxError::ExprTooDeep { .. } => Some(Limit::Depth),
            SyntaxError::TooLarge { .. } => Some(Limit::SourceBytes),
            _ => None,
        }
    }
}

/// What to do about a forbidden character.
fn forbidden_help(code: u32) -> &'static str {
    match code {
        0x0D => {
            "a carriage return must be followed by a line feed: save the file with LF or CRLF line endings (a lone carriage return breaks the line in some editors but not for whatif, so a `//` comment would hide what looks like the next line)"
        }
        0x2028 | 0x2029 => {
            "use an ordinary line break: U+2028 and U+2029 break the line in some editors only, so the file would read differently from how it displays"
        }
        _ => {
            "delete it: control characters other than tab and line breaks, and the Unicode controls that reorder text, could make the file read differently from how it displays, or drive the terminal that shows it"
        }
    }
}

/// Turns pest's error into ours, phrased for a person.
pub(crate) fn from_pest(
    error: &pest::error::Error<Rule>,
    file: FileId,
    base: usize,
    text: &str,
) -> SyntaxError {
    from_pest_with(error, file, base, text, "")
}

/// [`from_pest`] with `help` (when not empty) instead of the hint for a file
/// when no slip is recognized: text that is not a file (a measure) has its own.
pub(crate) fn from_pest_with(
    error: &pest::error::Error<Rule>,
    file: FileId,
    base: usize,
    text: &str,
    help: &str,
) -> SyntaxError {
    let pos = match error.location {
        pest::error::InputLocation::Pos(p) | pest::error::InputLocation::Span((p, _)) => p,
    };
    let (found, len) = found_at(text, pos);
    let mut expected: Vec<String> = match &error.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => positives
            .iter()
            .filter_map(|r| describe(*r))
            .map(str::to_string)
            .collect(),
        pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
    };
    expected.extend(attempted_tokens(error, pos, &expected));
    expected.sort_unstable();
    expected.dedup();
    let expected = match expected.as_slice() {
        [] => "something else".to_string(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    };
    let help = hint(text, pos, &found).or_else(|| {
        Some(if help.is_empty() {
            fallback_hint(text, pos, &found)
        } else {
            help.to_string()
        })
    });
    SyntaxError::Unexpected {
        at: Span::new(file, base + pos, base + pos + len),
        expected,
        found,
        help,
    }
}

/// Punctuation worth naming when pest tried it: the closing brackets, separators
/// and assignments a person forgets.
const PUNCTUATION: [&str; 12] = [
    "}", ")", "]", "{", "(", "[", ",", ":", "=", ":=", "..", "+=",
];

/// Keywords worth naming when pest tried them. Operators (`and`, `or`, `not`)
/// are "an operator"; words such as units and `p` have a rule's description.
const KEYWORDS: [&str; 40] = [
    "model", "step", "horizon", "stop", "when", "steady", "scale", "import", "param", "actor",
    "factor", "event", "in", "prior", "hazard", "source", "rule", "then", "one", "of", "after",
    "scenario", "extends", "hold", "from", "to", "set", "at", "without", "expect", "by", "never",
    "is", "lower", "higher", "than", "for", "if", "else", "least",
];

/// The literal tokens pest tried where it stopped, for the expected list: what
/// the rule names alone leave out (a missing `,`, `then` or `}`). Only with
/// `pest::set_error_detail(true)`, and only when pest's record of attempts ends
/// where its error does.
fn attempted_tokens(
    error: &pest::error::Error<Rule>,
    pos: usize,
    described: &[String],
) -> Vec<String> {
    let Some(attempts) = error.parse_attempts() else {
        return Vec::new();
    };
    if attempts.max_position != pos {
        return Vec::new();
    }
    let mut out = Vec::new();
    // pest does not export its token type, but displays it: a literal as itself,
    // a character range as `a..z`.
    for token in attempts.expected_tokens().iter().map(ToString::to_string) {
        if PUNCTUATION.contains(&token.as_str()) || KEYWORDS.contains(&token.as_str()) {
            // `in` is already there as `in [lo, hi]`, `=` as `= VALUE`, and the
            // tokens that begin an expression as "an expression".
            let covered = described.iter().any(|d| {
                d.strip_prefix('`')
                    .and_then(|d| d.strip_prefix(token.as_str()))
                    .is_some_and(|rest| rest.starts_with([' ', '`']))
            }) || (matches!(token.as_str(), "(" | "at" | "if")
                && described.iter().any(|d| d == "an expression"));
            if !covered {
                out.push(format!("`{token}`"));
            }
        } else if token == "*../" || token == "<..>" {
            // The first characters of the operators, from the look-ahead that
            // tests for one.
            out.push("an operator".to_string());
        }
    }
    out
}

/// Describes the token at `pos` and its length in bytes.
fn found_at(text: &str, pos: usize) -> (String, usize) {
    let rest = text.get(pos..).unwrap_or("");
    let Some(c) = rest.chars().next() else {
        return ("end of input".to_string(), 0);
    };
    if c.is_ascii_alphanumeric() || c == '_' {
        let word: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
            .collect();
        let shown: String = word.chars().take(40).collect();
        let ellipsis = if word.len() > shown.len() { "…" } else { "" };
        return (format!("`{shown}{ellipsis}`"), word.len());
    }
    let shown = match c {
        '\n' => "end of line".to_string(),
        '\0' => "a NUL character".to_string(),
        c if c.is_control() => format!("control character U+{:04X}", c as u32),
        c if is_invisible(c) => format!("invisible character U+{:04X}", c as u32),
        c if c.is_whitespace() => format!("the space character U+{:04X}", c as u32),
        c => format!("`{c}`"),
    };
    (shown, c.len_utf8())
}

/// Characters that render as nothing or reorder text (bidi controls, zero-width
/// spaces): worth naming, since the user cannot see them.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

fn hint(text: &str, pos: usize, found: &str) -> Option<String> {
    let rest = text.get(pos..).unwrap_or("");
    if rest.starts_with('=') && !rest.starts_with("==") {
        return Some("to compare, write `==`; `=` assigns".to_string());
    }
    if rest.starts_with('%') {
        let before = &text[..pos.min(text.len())];
        let digits = before.len()
            - before
                .trim_end_matches(|c: char| c.is_ascii_digit() || c == '.')
                .len();
        if let Ok(n) = before[before.len() - digits..].parse::<f64>() {
            // Display gives the shortest text that reads back as the value, so
            // 40 / 100 shows as 0.4.
            return Some(format!(
                "write probabilities as numbers between 0 and 1: {n}% is {}",
                n / 100.0
            ));
        }
    }
    if rest.starts_with("&&") || rest.starts_with("||") {
        return Some("write `and` / `or` instead of `&&` / `||`".to_string());
    }
    if rest.starts_with('!') && !rest.starts_with("!=") {
        return Some("write `not` instead of `!`".to_string());
    }
    let keywords = [
        "model", "import", "param", "actor", "factor", "event", "rule", "scenario", "expect",
        "when", "while", "then", "if", "else", "and", "or", "not", "true", "false", "step", "dt",
        "one", "of", "at", "least", "for", "after", "source", "hazard", "prior", "hold", "set",
        "without", "extends", "from", "to", "in", "by", "is", "horizon", "stop",
    ];
    if rest.starts_with('#') || rest.starts_with("--") {
        return Some("comments start with `//` (to the end of the line) or are `/* … */`".into());
    }
    if rest.starts_with('\'') {
        return Some("write strings in double quotes: \"…\"".into());
    }
    let after_digit = text[..pos.min(text.len())].ends_with(|c: char| c.is_ascii_digit());
    if !after_digit && rest.starts_with('.') && rest[1..].starts_with(|c: char| c.is_ascii_digit())
    {
        return Some("write a digit before the point: `0.5`, not `.5`".into());
    }
    let word = found.trim_matches('`');
    // A word that begins like a number but is none (`0x10`, `1_000`, `1e`, `1x`).
    if word.starts_with(|c: char| c.is_ascii_digit()) && word.parse::<f64>().is_err() {
        return Some(
            "numbers are decimal, such as `1000`, `0.25` or `1e3` (no `0x`, no `_`), and names start with a letter or `_`"
                .into(),
        );
    }
    let lower = word.to_ascii_lowercase();
    if lower != word && keywords.contains(&lower.as_str()) {
        return Some(format!("keywords are lower case: write `{lower}`"));
    }
    if keywords.contains(&word) {
        return Some(format!(
            "`{word}` is a keyword and cannot be used as a name here"
        ));
    }
    if found.starts_with("invisible") {
        return Some(
            "delete the invisible character (it may have come from a copy and paste)".into(),
        );
    }
    None
}

/// The help of a syntax error no common slip explains: what to look at.
fn fallback_hint(text: &str, pos: usize, found: &str) -> String {
    let rest = text.get(pos..).unwrap_or("");
    let word_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(rest.len());
    // A character outside ASCII, at the error or right after the word found
    // there (`rulе` with a Cyrillic `е` is found as `rul`).
    let foreign = rest.chars().next().filter(|c| !c.is_ascii()).or_else(|| {
        rest[word_len..]
            .chars()
            .next()
            .filter(|c| !c.is_ascii() && c.is_alphanumeric())
    });
    if let Some(c) = foreign {
        return format!(
            "`{c}` (U+{:04X}) is not part of the language: keywords and names are written with ASCII letters, digits and `_`, and words are separated by ordinary spaces; retype it (a look-alike character may have come from a copy and paste)",
            c as u32
        );
    }
    if found == "end of input" {
        return "the file ends in the middle of an item: complete it, or delete the unfinished part".to_string();
    }
    "write one of the expected forms here; docs/language.md shows the form of each item".to_string()
}
