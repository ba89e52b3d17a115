//! Results as CSV: one row per (scenario, node, step, statistic).

use std::fmt::Write as _;

use crate::eval::Results;

/// The rows of every scenario's results, with a header.
#[must_use]
pub fn results(all: &[Results]) -> String {
    let mut out = String::from("scenario,node,kind,step,statistic,value\n");
    for r in all {
        for e in &r.events {
            for (t, p) in e.by_step.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "{},{},event,{t},probability,{p}",
                    field(&r.scenario),
                    field(&e.name)
                );
            }
        }
        for f in &r.factors {
            for (stat, values) in [
                ("mean", &f.mean),
                ("p5", &f.p5),
                ("p50", &f.p50),
                ("p95", &f.p95),
            ] {
                for (t, v) in values.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "{},{},factor,{t},{stat},{v}",
                        field(&r.scenario),
                        field(&f.name)
                    );
                }
            }
        }
    }
    out
}

/// Quotes a field when it needs quoting (names never do; kept for safety).
pub(crate) fn field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
