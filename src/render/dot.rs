//! A [`Drawing`] in Graphviz's DOT language.
//!
//! Actors are clusters; events are ellipses and factors boxes, derived ones
//! drawn dashed; a positive link is a blue arrow, a negative one a red line
//! ending in a bar (`tee`), an unknown one grey with an open diamond. With a
//! scenario, events are filled by probability (white to red) and factors by
//! their change over the horizon (blue for a rise, orange for a fall).

use std::fmt::Write as _;

use super::drawing::{Arrow, Cause, Drawing, Shape};
use crate::check::model::NodeKind;
use crate::graph::Sign;

/// The colour of a link of this sign.
#[must_use]
pub fn sign_colour(s: Sign) -> &'static str {
    match s {
        Sign::Positive => "#2166ac",
        Sign::Negative => "#b2182b",
        Sign::Unknown => "#737373",
    }
}

/// The fill of a shaded node, and whether its text should be white.
#[must_use]
pub fn fill(shape: &Shape) -> Option<(String, bool)> {
    let (t, up) = shape.shade?.intensity();
    let target: (f64, f64, f64) = match (shape.kind, up) {
        (NodeKind::Event, _) => (203.0, 24.0, 29.0),
        (NodeKind::Factor, true) => (33.0, 113.0, 181.0),
        (NodeKind::Factor, false) => (230.0, 85.0, 13.0),
    };
    let mix = |c: f64| (255.0 + (c - 255.0) * t).round().clamp(0.0, 255.0) as u8;
    Some((
        format!(
            "#{:02x}{:02x}{:02x}",
            mix(target.0),
            mix(target.1),
            mix(target.2)
        ),
        t > 0.6,
    ))
}

/// `text` as a DOT quoted string: backslashes and quotes escaped, line breaks
/// as `\n` (Graphviz reads a label as an escString).
#[must_use]
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The drawing in DOT.
#[must_use]
pub fn dot(d: &Drawing) -> String {
    let mut out = String::new();
    let title = d.heading("\n");
    let _ = writeln!(out, "digraph whatif {{");
    let _ = writeln!(
        out,
        "  graph [rankdir=LR, fontname=\"Helvetica\", labelloc=t, label={}];",
        quote(&title)
    );
    let _ = writeln!(out, "  node [fontname=\"Helvetica\", fontsize=11];");
    let _ = writeln!(out, "  edge [fontname=\"Helvetica\", fontsize=9];");
    let (by_actor, top) = d.groups();
    for (actor, members) in d.actors.iter().zip(&by_actor) {
        let _ = writeln!(out, "  subgraph {} {{", quote(&format!("cluster_{actor}")));
        let _ = writeln!(
            out,
            "    label={}; style=rounded; color=\"#bdbdbd\";",
            quote(actor)
        );
        for &i in members {
            let _ = writeln!(out, "    {}", node(i, &d.nodes[i]));
        }
        let _ = writeln!(out, "  }}");
    }
    for i in top {
        let _ = writeln!(out, "  {}", node(i, &d.nodes[i]));
    }
    for e in &d.edges {
        let _ = writeln!(out, "  {}", edge(e));
    }
    let _ = writeln!(out, "}}");
    out
}

fn node(i: usize, n: &Shape) -> String {
    let shape = match n.kind {
        NodeKind::Event => "ellipse",
        NodeKind::Factor => "box",
    };
    let mut style = vec![];
    if n.kind == NodeKind::Factor {
        style.push("rounded");
    }
    if n.derived {
        style.push("dashed");
    }
    let mut label = n.name.clone();
    if let Some(s) = n.shade {
        label.push('\n');
        label.push_str(&s.caption());
    }
    let mut attrs = vec![format!("label={}", quote(&label)), format!("shape={shape}")];
    if let Some((colour, white)) = fill(n) {
        style.push("filled");
        attrs.push(format!("fillcolor={}", quote(&colour)));
        if white {
            attrs.push("fontcolor=\"white\"".to_string());
        }
    }
    if !style.is_empty() {
        attrs.push(format!("style={}", quote(&style.join(","))));
    }
    if let Some(desc) = &n.description {
        attrs.push(format!("tooltip={}", quote(desc)));
    }
    format!("n{i} [{}];", attrs.join(", "))
}

fn edge(e: &Arrow) -> String {
    let arrowhead = match e.sign {
        Sign::Positive => "normal",
        Sign::Negative => "tee",
        Sign::Unknown => "odiamond",
    };
    let colour = sign_colour(e.sign);
    let style = match e.cause {
        Cause::Rule { .. } => "solid",
        Cause::Definition => "dashed",
        Cause::Hazard => "dotted",
    };
    format!(
        "n{} -> n{} [label={}, color={}, fontcolor={}, arrowhead={arrowhead}, style={style}];",
        e.from,
        e.to,
        quote(&e.label()),
        quote(colour),
        quote(colour)
    )
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quotes_backslashes_and_line_breaks_are_escaped() {
        assert_eq!(quote("a \"b\" \\n\nc"), "\"a \\\"b\\\" \\\\n\\nc\"");
    }
}
