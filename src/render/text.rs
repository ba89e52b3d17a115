//! Results as readable tables.

use std::fmt::Write as _;

use super::escape::inline;
use super::num;
use crate::check::scale::percent;
use crate::eval::Results;
use crate::eval::explain::Explanation;

/// One scenario's results: events by probability, then factors at the horizon.
#[must_use]
pub fn results(r: &Results) -> String {
    let mut out = String::new();
    let title = r
        .title
        .as_deref()
        .map(|t| format!(": {}", inline(t)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{} — scenario `{}`{title}",
        inline(&r.model),
        inline(&r.scenario)
    );
    let how = if r.exact {
        if r.runs == 1 {
            "exact (no random draw: one run)".to_string()
        } else {
            "exact (every outcome enumerated)".to_string()
        }
    } else {
        format!(
            "{} runs, seed {}, {} intervals",
            group(r.runs),
            r.seed,
            percent(r.confidence)
        )
    };
    let _ = writeln!(out, "horizon {} steps; {how}", r.horizon);
    if let Some(s) = &r.steady {
        let line = match s.median_step {
            None => "stop when steady: no run became steady".to_string(),
            Some(m) if s.never == 0 => {
                format!("stop when steady: every run became steady, at step {m} (median)")
            }
            Some(m) => format!(
                "stop when steady: runs became steady at step {m} (median); {} never did",
                group(s.never)
            ),
        };
        let _ = writeln!(out, "{line}");
    }
    out.push('\n');
    if !r.events.is_empty() {
        let mut events: Vec<_> = r.events.iter().collect();
        events.sort_by(|a, b| {
            b.probability
                .total_cmp(&a.probability)
                .then_with(|| a.name.cmp(&b.name))
        });
        let width = events
            .iter()
            .map(|e| e.name.chars().count())
            .max()
            .unwrap_or(5)
            .max(5);
        let ci_head = if r.exact {
            String::new()
        } else {
            format!("{:>17}", format!("{} CI", percent(r.confidence)))
        };
        let _ = writeln!(
            out,
            "{:<width$}  {:<34}{ci_head}  {:>11}",
            "event", "probability by the horizon", "median step"
        );
        for e in events {
            let ci = if r.exact {
                String::new()
            } else {
                format!(
                    "{:>17}",
                    format!("[{}, {}]", percent(e.ci.0), percent(e.ci.1))
                )
            };
            let median = e.median_step.map_or("–".to_string(), |m| m.to_string());
            let _ = writeln!(
                out,
                "{:<width$}  {:<34}{ci}  {median:>11}",
                e.name,
                r.scale.describe(e.probability)
            );
        }
        out.push('\n');
    }
    if !r.factors.is_empty() {
        let h = r.horizon as usize;
        let head = format!("factor (step {h})");
        let width = r
            .factors
            .iter()
            .map(|f| f.name.chars().count())
            .max()
            .unwrap_or(6)
            .max(head.chars().count());
        let _ = writeln!(
            out,
            "{:<width$}  {:>9} {:>9} {:>9} {:>9}  {:>10}",
            head, "p5", "median", "p95", "mean", "vs start"
        );
        for f in &r.factors {
            let start = f.mean.first().copied().unwrap_or(f64::NAN);
            let end = f.mean.get(h).copied().unwrap_or(f64::NAN);
            let change = end - start;
            let sign = if change > 0.0 { "+" } else { "" };
            let _ = writeln!(
                out,
                "{:<width$}  {:>9} {:>9} {:>9} {:>9}  {:>10}",
                f.name,
                num(f.p5[h], 3),
                num(f.p50[h], 3),
                num(f.p95[h], 3),
                num(end, 3),
                format!("{sign}{}", num(change, 3)),
            );
        }
        let bounded: Vec<_> = r.factors.iter().filter(|f| f.bounded_runs > 0).collect();
        if !bounded.is_empty() {
            out.push('\n');
            for f in bounded {
                let runs = if r.exact {
                    "some outcomes".to_string()
                } else {
                    format!("{} runs", group(f.bounded_runs))
                };
                let from = f
                    .bounded_from
                    .map_or(String::new(), |s| format!(" from step {s}"));
                let _ = writeln!(
                    out,
                    "note: `{}` was kept within [{}, {}] in {runs}{from}",
                    f.name,
                    num(f.range.0, 6),
                    num(f.range.1, 6)
                );
            }
        }
    }
    for x in &r.explanations {
        out.push('\n');
        out.push_str(&explanation(x));
    }
    out
}

/// An explanation as an indented tree: the causal chains, then the why-not.
#[must_use]
pub fn explanation(x: &Explanation) -> String {
    let mut out = String::new();
    let share = x.happened as f64 / x.runs.max(1) as f64;
    let _ = writeln!(
        out,
        "why `{}` happens ({} of runs):",
        x.node,
        percent(share)
    );
    if x.chains.is_empty() {
        let _ = writeln!(out, "  it never happens");
    }
    for (chain, n) in x.chains.iter().take(10) {
        let _ = writeln!(
            out,
            "  {:>6}  {}",
            percent(*n as f64 / x.runs.max(1) as f64),
            chain
        );
    }
    if x.chains.len() > 10 {
        let _ = writeln!(out, "  … and {} rarer chains", x.chains.len() - 10);
    }
    if x.multiple {
        let _ = writeln!(
            out,
            "  (several rules caused it at once in some runs: each chain is credited, so shares can add up to more than 100%)"
        );
    }
    if (!x.why_not.is_empty() || !x.held_but_failed.is_empty()) && x.happened < x.runs {
        let absent = x.runs - x.happened;
        let _ = writeln!(
            out,
            "why `{}` does not happen ({} of runs):",
            x.node,
            percent(absent as f64 / x.runs.max(1) as f64)
        );
        for (rule, n) in &x.held_but_failed {
            let share = percent(*n as f64 / absent.max(1) as f64);
            let _ = writeln!(
                out,
                "  rule `{rule}`: its condition held in {share} of them, but the rule did not come through (its likelihood, or an effect due after the horizon)"
            );
        }
        for w in x.why_not.iter().take(10) {
            let failed = percent(w.failed_runs as f64 / w.absent_runs.max(1) as f64);
            let close = w.closest.map_or(String::new(), |c| {
                format!("; closest value reached: median {}", num(c, 3))
            });
            let _ = writeln!(
                out,
                "  `{}` (rule `{}`) never held in {failed} of them{close}",
                w.atom, w.rule
            );
        }
    }
    out
}

/// 10000 → "10,000".
#[must_use]
pub fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
