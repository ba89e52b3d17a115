//! Minimal cut sets as text: one line per set, most probable first, then the
//! event's probability and whether the sets are exact.

use std::fmt::Write as _;

use super::num;
use crate::causes::Causes;

/// A probability with three significant digits: `13.2%`, `0.25%`.
fn pct(p: f64) -> String {
    format!("{}%", num(p * 100.0, 3))
}

/// The sets of `c`, for people.
#[must_use]
pub fn causes(c: &Causes) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — scenario `{}`",
        super::escape::inline(&c.model),
        super::escape::inline(&c.scenario)
    );
    let noun = if c.sets.len() == 1 { "set" } else { "sets" };
    let _ = writeln!(
        out,
        "minimal cut sets of `{}` by step {}: {} {noun} of root causes",
        c.node,
        c.horizon,
        c.sets.len()
    );
    out.push('\n');
    if c.sets.is_empty() {
        let _ = writeln!(out, "  none: nothing in this scenario can make it happen");
    }
    for s in &c.sets {
        let p = if s.exact {
            pct(s.probability)
        } else {
            format!("~{}", pct(s.probability))
        };
        if s.roots.is_empty() {
            let _ = writeln!(
                out,
                "  {p:>9}  (no cause needed: it follows whatever happens)"
            );
            continue;
        }
        for (k, &r) in s.roots.iter().enumerate() {
            let root = &c.roots[r];
            let lead = if k == 0 { p.clone() } else { String::new() };
            let and = if k == 0 { "   " } else { "and" };
            let _ = writeln!(
                out,
                "  {lead:>9}  {and} {} — {}",
                root.text,
                pct(root.probability)
            );
        }
    }
    out.push('\n');
    let how = if c.evaluation_exact {
        "exact evaluation".to_string()
    } else {
        format!("Monte Carlo, {} runs", super::text::group(c.runs))
    };
    let _ = writeln!(
        out,
        "P({} by step {}) = {} ({how})",
        c.node,
        c.horizon,
        pct(c.probability)
    );
    if let Some(b) = c.bound {
        let _ = writeln!(
            out,
            "any one set suffices, so P ≤ 1 − Π(1 − P(set)) = {}",
            pct(b)
        );
    }
    if c.exact() {
        let _ = writeln!(
            out,
            "exact: the root causes are independent priors, hazards, draws and interventions, over events with no delay"
        );
    } else {
        let _ = writeln!(out, "approximate (~), because:");
        for n in &c.notes {
            let _ = writeln!(out, "  - {n}");
        }
    }
    out
}
