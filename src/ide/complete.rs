//! Completion: which names fit where the cursor stands.
//!
//! The text before the cursor is read backwards, a word or two: after
//! `expect`, `extends` or `than in` comes a scenario; after `without rule` or
//! `set rule` a rule; after a declaring keyword (`rule`, `factor`, …) a new
//! name, where nothing is offered; anywhere else a node or parameter. This works
//! on text that does not parse, which is what a file being typed is.

use super::index::{Index, SymbolKind};

/// What the cursor's position calls for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expecting {
    /// A node or a parameter.
    Value,
    /// A scenario name.
    Scenario,
    /// A rule name.
    Rule,
    /// A new name, a string or a comment: nothing to offer.
    Nothing,
}

/// One completion.
#[derive(Clone, Debug, PartialEq)]
pub struct Completion {
    /// The name to insert.
    pub label: String,
    /// What it is; `None` for the implicit `baseline`.
    pub kind: Option<SymbolKind>,
    /// Its description, if any.
    pub detail: Option<String>,
}

/// Words after which a new name is declared.
const DECLARING: [&str; 6] = ["rule", "scenario", "actor", "factor", "event", "param"];

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

/// The start of the (possibly qualified) name the cursor is in, and what the
/// position calls for.
#[must_use]
pub fn context(text: &str, offset: usize) -> (usize, Expecting) {
    let offset = text.floor_char_boundary(offset);
    let before = &text[..offset];
    let start = before
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_name_char(c))
        .last()
        .map_or(offset, |(i, _)| i);
    let line = before[..start].rsplit('\n').next().unwrap_or("");
    if in_string_or_comment(line) {
        return (start, Expecting::Nothing);
    }
    let mut words = before[..start]
        .split(|c: char| !is_name_char(c))
        .filter(|w| !w.is_empty())
        .rev();
    // A word counts only if nothing but blanks separates it from the cursor:
    // `expect s { ` is not `expect ` any more.
    let tail = before[..start].trim_end();
    let last_is_word = tail.chars().next_back().is_some_and(is_name_char);
    let (prev, prev2) = if last_is_word {
        (words.next().unwrap_or(""), words.next().unwrap_or(""))
    } else {
        ("", "")
    };
    let expecting = match (prev2, prev) {
        (_, "expect" | "extends") | ("than", "in") => Expecting::Scenario,
        ("without" | "set", "rule") => Expecting::Rule,
        (_, w) if DECLARING.contains(&w) => Expecting::Nothing,
        _ => Expecting::Value,
    };
    (start, expecting)
}

/// Whether the end of `line` is inside a string or after `//`.
fn in_string_or_comment(line: &str) -> bool {
    let mut in_string = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if in_string => {
                chars.next();
            }
            '"' => in_string = !in_string,
            '/' if !in_string && chars.peek() == Some(&'/') => return true,
            _ => {}
        }
    }
    in_string
}

/// The names that fit at `offset` in `text`, and where the name being
/// completed starts.
#[must_use]
pub fn completions(index: &Index, text: &str, offset: usize) -> (usize, Vec<Completion>) {
    let (start, expecting) = context(text, offset);
    let kinds: &[SymbolKind] = match expecting {
        Expecting::Value => &[SymbolKind::Param, SymbolKind::Factor, SymbolKind::Event],
        Expecting::Scenario => &[SymbolKind::Scenario],
        Expecting::Rule => &[SymbolKind::Rule],
        Expecting::Nothing => &[],
    };
    let mut out: Vec<Completion> = Vec::new();
    if expecting == Expecting::Scenario {
        out.push(Completion {
            label: "baseline".to_string(),
            kind: None,
            detail: Some("the model with no intervention".to_string()),
        });
    }
    for s in &index.symbols {
        if kinds.contains(&s.kind) && !out.iter().any(|c| c.label == s.name) {
            out.push(Completion {
                label: s.name.clone(),
                kind: Some(s.kind),
                detail: s.description.clone(),
            });
        }
    }
    (start, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_end(text: &str) -> (usize, Expecting) {
        context(text, text.len())
    }

    #[test]
    fn the_words_before_the_cursor_decide() {
        assert_eq!(at_end("expect "), (7, Expecting::Scenario));
        assert_eq!(at_end("expect out"), (7, Expecting::Scenario));
        assert_eq!(at_end("scenario a extends "), (19, Expecting::Scenario));
        assert_eq!(at_end("  P(x) lower than in o").1, Expecting::Scenario);
        assert_eq!(at_end("  without rule ").1, Expecting::Rule);
        assert_eq!(at_end("  set rule r").1, Expecting::Rule);
        assert_eq!(at_end("rule ").1, Expecting::Nothing);
        assert_eq!(at_end("factor tr").1, Expecting::Nothing);
        assert_eq!(at_end("rule r: when users.tr"), (13, Expecting::Value));
        assert_eq!(at_end("expect s {\n  ").1, Expecting::Value);
        assert_eq!(at_end("event e \"a desc").1, Expecting::Nothing);
        assert_eq!(at_end("x += 1 // users.").1, Expecting::Nothing);
        assert_eq!(at_end("").1, Expecting::Value);
        // An offset inside a character or past the end is clamped.
        assert_eq!(context("é", 1), (0, Expecting::Value));
        assert_eq!(context("ab", 99), (0, Expecting::Value));
    }
}
