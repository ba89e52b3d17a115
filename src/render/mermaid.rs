//! A [`Drawing`] as a Mermaid flowchart.
//!
//! Nodes get plain ids (`n0`, `n1`, …) so that no name can break the syntax;
//! names and labels go in quoted strings with Mermaid's entity codes for the
//! characters that would end or change them. Actors are subgraphs; events are
//! stadiums (derived: hexagons), factors rectangles (derived: rounded). A
//! positive link ends in an arrow, a negative one in a circle, an unknown one
//! in a cross; colours match the DOT output, as do the shades.

use std::fmt::Write as _;

use super::dot::{fill, sign_colour};
use super::drawing::{Cause, Drawing, Shape};
use crate::check::model::NodeKind;
use crate::graph::Sign;

/// `text` as a Mermaid quoted label: `"`, `#`, `<`, `>`, `&`, `|` and
/// backquotes as entity codes, line breaks as `<br>`.
#[must_use]
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '`' => out.push_str("#96;"),
            '|' => out.push_str("#124;"),
            '\n' => out.push_str("<br>"),
            '\t' => out.push(' '),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The drawing as a Mermaid flowchart.
#[must_use]
pub fn mermaid(d: &Drawing) -> String {
    let mut out = String::new();
    let title = d.heading(": ");
    let _ = writeln!(out, "---\ntitle: {}\n---", yaml_quote(&title));
    let _ = writeln!(out, "flowchart LR");
    let (by_actor, top) = d.groups();
    for (a, (actor, members)) in d.actors.iter().zip(&by_actor).enumerate() {
        let _ = writeln!(out, "  subgraph a{a} [{}]", quote(actor));
        for &i in members {
            let _ = writeln!(out, "    {}", node(i, &d.nodes[i]));
        }
        let _ = writeln!(out, "  end");
    }
    for i in top {
        let _ = writeln!(out, "  {}", node(i, &d.nodes[i]));
    }
    for e in &d.edges {
        let line = match (&e.cause, e.sign) {
            (Cause::Rule { .. }, Sign::Positive) => "-->",
            (Cause::Rule { .. }, Sign::Negative) => "--o",
            (Cause::Rule { .. }, Sign::Unknown) => "--x",
            (_, Sign::Positive) => "-.->",
            (_, Sign::Negative) => "-.-o",
            (_, Sign::Unknown) => "-.-x",
        };
        let _ = writeln!(out, "  n{} {line}|{}| n{}", e.from, quote(&e.label()), e.to);
    }
    for (k, e) in d.edges.iter().enumerate() {
        let c = sign_colour(e.sign);
        let _ = writeln!(out, "  linkStyle {k} stroke:{c},color:{c}");
    }
    for (i, n) in d.nodes.iter().enumerate() {
        if let Some((colour, white)) = fill(n) {
            let text = if white { "#ffffff" } else { "#000000" };
            let _ = writeln!(out, "  style n{i} fill:{colour},color:{text}");
        }
    }
    out
}

/// `text` as a YAML double-quoted string (the title sits in the front matter,
/// which YAML reads, not Mermaid).
fn yaml_quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn node(i: usize, n: &Shape) -> String {
    let mut label = n.name.clone();
    if let Some(s) = n.shade {
        label.push('\n');
        label.push_str(&s.caption());
    }
    let q = quote(&label);
    match (n.kind, n.derived) {
        (NodeKind::Event, false) => format!("n{i}([{q}])"),
        (NodeKind::Event, true) => format!("n{i}{{{{{q}}}}}"),
        (NodeKind::Factor, false) => format!("n{i}[{q}]"),
        (NodeKind::Factor, true) => format!("n{i}({q})"),
    }
}

#[cfg(test)]
mod tests {
    use super::{quote, yaml_quote};

    #[test]
    fn the_title_is_yaml() {
        assert_eq!(yaml_quote("a \"b\" \\ c\nd"), "\"a \\\"b\\\" \\\\ c\\nd\"");
    }

    #[test]
    fn characters_that_end_a_label_become_entities() {
        assert_eq!(
            quote("a \"b\" <c> #1 & `d`\ne"),
            "\"a #quot;b#quot; #lt;c#gt; #35;1 #amp; #96;d#96;<br>e\""
        );
    }
}
