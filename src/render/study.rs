//! Studies as text tables and tidy CSV: `whatif sweep` and `whatif
//! sensitivity`. (Their JSON is the study types themselves, serialized.)

use std::fmt::Write as _;

use crate::check::format_number;
use crate::study::{Estimate, Sensitivity, Sweep};

/// A number for a table: at most `d` decimals, no trailing zeros.
fn num(v: f64, d: usize) -> String {
    super::num(v, d)
}

fn runs(n: u64) -> String {
    if n == 1 {
        "1 run".to_string()
    } else {
        format!("{n} runs")
    }
}

fn interval(e: &Estimate, d: usize) -> String {
    format!("{} [{}, {}]", num(e.mean, d), num(e.low, d), num(e.high, d))
}

/// The sweep as a table: one row per point, a column per varied parameter and
/// per measure.
#[must_use]
pub fn sweep_text(s: &Sweep) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "sweep of `{}`: {} points, {} each on the same random numbers (seed {}), {}% intervals from Monte Carlo noise",
        s.scenario,
        s.points.len(),
        runs(s.runs),
        s.seed,
        num(s.confidence * 100.0, 1)
    );
    if !s.fixed.is_empty() {
        let _ = writeln!(out, "held at their values: {}", s.fixed.join(", "));
    }
    out.push('\n');
    let mut header: Vec<String> = s.varied.clone();
    header.extend(s.measures.iter().cloned());
    let mut rows: Vec<Vec<String>> = s
        .points
        .iter()
        .map(|p| {
            let mut r: Vec<String> = p.values.iter().map(|v| format_number(*v)).collect();
            r.extend(p.estimates.iter().map(|e| interval(e, 3)));
            r
        })
        .collect();
    rows.insert(0, header);
    table(&mut out, &rows);
    out
}

/// The sweep as tidy CSV: one row per point and measure.
#[must_use]
pub fn sweep_csv(s: &Sweep) -> String {
    let mut out = String::new();
    let mut header: Vec<String> = s.varied.iter().map(|n| super::csv::field(n)).collect();
    header.extend(["measure", "mean", "low", "high", "runs"].map(String::from));
    let _ = writeln!(out, "{}", header.join(","));
    for p in &s.points {
        for (m, e) in s.measures.iter().zip(&p.estimates) {
            let mut row: Vec<String> = p.values.iter().map(|v| v.to_string()).collect();
            row.push(super::csv::field(m));
            row.extend([e.mean, e.low, e.high].map(|v| v.to_string()));
            row.push(s.runs.to_string());
            let _ = writeln!(out, "{}", row.join(","));
        }
    }
    out
}

/// The sensitivity analysis as a table, the most influential input first.
#[must_use]
pub fn sensitivity_text(s: &Sensitivity) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "sensitivity of {} under `{}` ({}): {} points, {} each on the same random numbers (seed {})",
        s.measure,
        s.scenario,
        s.method,
        s.points,
        runs(s.runs),
        s.seed
    );
    let _ = writeln!(
        out,
        "at the values: {}, {}% interval from Monte Carlo noise",
        interval(&s.at_values, 3),
        num(s.confidence * 100.0, 1)
    );
    if !s.fixed.is_empty() {
        let _ = writeln!(
            out,
            "fixed (no range, so not varied): {}",
            s.fixed.join(", ")
        );
    }
    out.push('\n');
    let mut rows: Vec<Vec<String>> = Vec::new();
    match s.method.as_str() {
        "oat" => {
            rows.push(
                ["input", "span", "at low", "at high", "swing [interval]", ""]
                    .map(String::from)
                    .to_vec(),
            );
            let widest = s
                .inputs
                .iter()
                .filter_map(|i| i.oat.map(|o| o.swing.mean.abs()))
                .fold(0.0, f64::max);
            for i in &s.inputs {
                let Some(o) = i.oat else { continue };
                let noise = if o.swing.low <= 0.0 && o.swing.high >= 0.0 {
                    "  within noise"
                } else {
                    ""
                };
                rows.push(vec![
                    i.name.clone(),
                    span(i),
                    num(o.at_low, 3),
                    num(o.at_high, 3),
                    interval(&o.swing, 3),
                    format!("{}{noise}", bar(o.swing.mean.abs(), widest)),
                ]);
            }
        }
        "morris" => {
            rows.push(
                ["input", "span", "μ*", "μ", "σ", "noise (se)"]
                    .map(String::from)
                    .to_vec(),
            );
            for i in &s.inputs {
                let Some(m) = i.morris else { continue };
                rows.push(vec![
                    i.name.clone(),
                    span(i),
                    num(m.mu_star, 3),
                    num(m.mu, 3),
                    num(m.sigma, 3),
                    num(m.noise, 3),
                ]);
            }
        }
        _ => {
            rows.push(
                [
                    "input",
                    "span",
                    "first order [interval]",
                    "total [interval]",
                ]
                .map(String::from)
                .to_vec(),
            );
            for i in &s.inputs {
                let Some(x) = i.sobol else { continue };
                rows.push(vec![
                    i.name.clone(),
                    span(i),
                    format!(
                        "{} [{}, {}]",
                        num(x.first, 3),
                        num(x.first_interval.0, 3),
                        num(x.first_interval.1, 3)
                    ),
                    format!(
                        "{} [{}, {}]",
                        num(x.total, 3),
                        num(x.total_interval.0, 3),
                        num(x.total_interval.1, 3)
                    ),
                ]);
            }
        }
    }
    table(&mut out, &rows);
    out.push('\n');
    let _ = writeln!(out, "{}", noise_line(s));
    out
}

fn noise_line(s: &Sensitivity) -> String {
    match s.method.as_str() {
        "oat" => format!(
            "Monte Carlo noise: a swing's interval is ±{} on average; a swing within it could be noise",
            num(s.noise, 4)
        ),
        "morris" => format!(
            "Monte Carlo noise: an elementary effect's standard error is {} on average; a μ* not well above it could be noise",
            num(s.noise, 4)
        ),
        _ => format!(
            "Monte Carlo noise: {}% of the measure's variance across the points is the runs' own noise",
            num(s.noise * 100.0, 2)
        ),
    }
}

fn span(i: &crate::study::methods::InputResult) -> String {
    let shape = if i.spread == "triangular" {
        " triangular"
    } else {
        ""
    };
    format!(
        "[{}, {}]{shape}",
        format_number(i.low),
        format_number(i.high)
    )
}

/// A bar of up to 20 characters, in proportion to `widest`.
fn bar(v: f64, widest: f64) -> String {
    if widest <= 0.0 {
        return String::new();
    }
    let n = ((v / widest) * 20.0).round().clamp(0.0, 20.0) as usize;
    "█".repeat(n)
}

/// The sensitivity as tidy CSV: one row per input and statistic.
#[must_use]
pub fn sensitivity_csv(s: &Sensitivity) -> String {
    let mut out = String::from("method,measure,input,statistic,value,low,high\n");
    let head = format!("{},{}", s.method, super::csv::field(&s.measure));
    let mut row = |input: &str, stat: &str, v: f64, lo: Option<f64>, hi: Option<f64>| {
        let opt = |x: Option<f64>| x.map_or(String::new(), |x| x.to_string());
        let _ = writeln!(
            out,
            "{head},{},{stat},{v},{},{}",
            super::csv::field(input),
            opt(lo),
            opt(hi)
        );
    };
    for i in &s.inputs {
        if let Some(o) = i.oat {
            row(&i.name, "at_low", o.at_low, None, None);
            row(&i.name, "at_high", o.at_high, None, None);
            row(
                &i.name,
                "swing",
                o.swing.mean,
                Some(o.swing.low),
                Some(o.swing.high),
            );
        }
        if let Some(m) = i.morris {
            row(&i.name, "mu_star", m.mu_star, None, None);
            row(&i.name, "mu", m.mu, None, None);
            row(&i.name, "sigma", m.sigma, None, None);
            row(&i.name, "noise", m.noise, None, None);
        }
        if let Some(x) = i.sobol {
            let (fl, fh) = x.first_interval;
            let (tl, th) = x.total_interval;
            row(&i.name, "first", x.first, Some(fl), Some(fh));
            row(&i.name, "total", x.total, Some(tl), Some(th));
        }
    }
    out
}

/// Left-aligned columns, two spaces apart.
fn table(out: &mut String, rows: &[Vec<String>]) {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in rows {
        let mut line = String::new();
        for (c, cell) in r.iter().enumerate() {
            if c > 0 {
                line.push_str("  ");
            }
            let pad = widths[c].saturating_sub(cell.chars().count());
            line.push_str(cell);
            line.push_str(&" ".repeat(pad));
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}
