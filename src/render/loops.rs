//! Feedback loops as text: one block per loop, its links aligned.

use std::fmt::Write as _;

use crate::check::Model;
use crate::loops::{Loop, Polarity, mechanism};

/// The loops of `model` in `scenario`, for people.
#[must_use]
pub fn loops(model: &Model, scenario: &str, loops: &[Loop]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — scenario `{scenario}`",
        super::escape::inline(&model.title)
    );
    let count = |p: Polarity| loops.iter().filter(|l| l.polarity == p).count();
    let noun = if loops.len() == 1 { "loop" } else { "loops" };
    let _ = writeln!(
        out,
        "{} feedback {noun}: {} reinforcing, {} balancing, {} indeterminate",
        loops.len(),
        count(Polarity::Reinforcing),
        count(Polarity::Balancing),
        count(Polarity::Indeterminate)
    );
    for l in loops {
        let _ = writeln!(out);
        let links = if l.links.len() == 1 { "link" } else { "links" };
        let _ = writeln!(
            out,
            "{}  {}, {} {links}",
            l.label,
            l.polarity.word(),
            l.links.len()
        );
        let rows: Vec<(String, String)> = l
            .links
            .iter()
            .map(|k| {
                let arrow = format!(
                    "{} {}→ {}",
                    model.node(k.from).name,
                    k.sign.symbol(),
                    model.node(k.to).name
                );
                let by: Vec<String> = k.by.iter().map(|b| mechanism(model, *b, k.to)).collect();
                (arrow, by.join(", "))
            })
            .collect();
        let width = rows
            .iter()
            .map(|(a, _)| a.chars().count())
            .max()
            .unwrap_or(0);
        for (arrow, by) in rows {
            let pad = width - arrow.chars().count();
            let _ = writeln!(out, "    {arrow}{}   {by}", " ".repeat(pad));
        }
    }
    out
}
