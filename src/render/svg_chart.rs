//! Charts as SVG: an event's probability over time, and a factor's fan chart
//! (the band from the 5th to the 95th percentile, with the median).
//!
//! `plotters` draws them with its SVG backend and none of its default
//! features: no font files are read (text is measured by plotters' built-in
//! estimate and drawn by the browser in its own sans-serif face), nothing is
//! rasterised, and the output depends only on the numbers. Each chart gets a
//! `<title>` saying in words what it shows, for screen readers and for anyone
//! hovering over it; the namespace attribute, which a page's inline SVG does
//! not need, is dropped so the page names no remote address at all.
//!
//! A curve with more points than [`MAX_POINTS`] is thinned to every k-th step
//! (the last one always kept): a picture a few hundred pixels wide shows no
//! more, and the page stays small for long horizons.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::render::num;

/// The most points drawn per curve.
pub const MAX_POINTS: usize = 300;
/// A chart's size in pixels (it scales with the page).
pub const SIZE: (u32, u32) = (320, 200);

/// The colour of the scenario's curves and bands…
const SCENARIO: RGBColor = RGBColor(0x1d, 0x5f, 0xa6);
/// …as CSS, for legends.
pub const SCENARIO_CSS: &str = "#1d5fa6";
/// The colour of the baseline's (dashed) curves, as CSS.
pub const BASELINE_CSS: &str = "#707070";
/// Marks the baseline's line, which [`finish`] dashes: plotters draws a
/// dashed line as one element per dash, which would multiply the page's size.
const DASHED: RGBColor = RGBColor(0x70, 0x70, 0x71);
/// The text and axes.
const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);

/// A chart could not be drawn (plotters' own failure; not expected with an
/// in-memory backend).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("cannot draw the chart of `{node}`: {message}")]
#[diagnostic(code(whatif::report::chart))]
pub struct ChartError {
    /// The node charted.
    pub node: String,
    /// Plotters' message.
    pub message: String,
}

/// The time axis.
#[derive(Clone, Debug)]
pub struct Axis {
    /// Its label: "step (1 week each)".
    pub label: String,
    /// The last step.
    pub steps: usize,
}

/// Indices of the steps drawn: every one up to [`MAX_POINTS`], else every
/// k-th and the last.
fn thinned(len: usize) -> Vec<usize> {
    if len <= MAX_POINTS {
        return (0..len).collect();
    }
    let k = len.div_ceil(MAX_POINTS);
    let mut idx: Vec<usize> = (0..len).step_by(k).collect();
    if idx.last() != Some(&(len - 1)) {
        idx.push(len - 1);
    }
    idx
}

fn points(values: &[f64]) -> Vec<(f64, f64)> {
    thinned(values.len())
        .into_iter()
        .map(|t| (t as f64, values[t]))
        .collect()
}

/// Turns plotters' SVG document into an element for the page: an accessible
/// name, a class, no namespace attribute.
fn finish(svg: &str, id: &str, class: &str, title: &str) -> String {
    let title = maud::html! { title id=(id) { (title) } }.into_string();
    let open = format!(r#"<svg class="{class}" role="img" aria-labelledby="{id}" "#);
    let svg = svg.replacen("<svg ", &open, 1).replacen(
        r#" xmlns="http://www.w3.org/2000/svg">"#,
        &format!(">{title}"),
        1,
    );
    svg.replace(r#" xmlns="http://www.w3.org/2000/svg""#, "")
        .replace(
            r##"stroke="#707071""##,
            &format!(r#"stroke="{BASELINE_CSS}" stroke-dasharray="5 4""#),
        )
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Draws with `body` on a fresh chart area and returns plotters' SVG.
fn draw(
    node: &str,
    body: impl FnOnce(&Area<'_>) -> Result<(), Box<dyn std::error::Error>>,
) -> Result<String, ChartError> {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, SIZE).into_drawing_area();
        let result = root
            .fill(&WHITE)
            .map_err(Box::<dyn std::error::Error>::from)
            .and_then(|()| body(&root))
            .and_then(|()| root.present().map_err(Into::into));
        result.map_err(|e| ChartError {
            node: node.to_string(),
            message: e.to_string(),
        })?;
    }
    Ok(buf)
}

fn text(size: u32) -> TextStyle<'static> {
    ("sans-serif", size).into_font().color(&INK)
}

/// The value axis of a chart.
struct YAxis<'f> {
    range: (f64, f64),
    label: &'static str,
    ticks: usize,
    format: &'f dyn Fn(&f64) -> String,
    /// Pixels for the tick labels.
    room: u32,
}

type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A chart titled `node` with steps across (as many as `axis.steps`) and `y`
/// up, its grid and labelled axes drawn.
fn axes<'a, 'b>(
    root: &'a Area<'b>,
    node: &str,
    axis: &Axis,
    y: &YAxis<'_>,
) -> Result<Chart<'a, 'b>, Box<dyn std::error::Error>> {
    let last = axis.steps.max(1) as f64;
    let mut chart = ChartBuilder::on(root)
        .caption(node, text(14))
        .margin(6)
        .margin_right(14)
        .x_label_area_size(34)
        .y_label_area_size(y.room)
        .build_cartesian_2d(0.0..last, y.range.0..y.range.1)?;
    chart
        .configure_mesh()
        .x_desc(axis.label.as_str())
        .y_desc(y.label)
        .x_labels(6)
        .y_labels(y.ticks)
        .x_label_formatter(&|v| num(*v, 6))
        .y_label_formatter(y.format)
        .label_style(text(11))
        .axis_desc_style(text(11))
        .max_light_lines(0)
        .bold_line_style(RGBColor(0xe4, 0xe4, 0xe4))
        .axis_style(INK)
        .draw()?;
    Ok(chart)
}

/// P(happened by step t) of one event, in a scenario and (dashed) in the
/// baseline, as an SVG element whose id is `id`.
///
/// # Errors
/// Plotters failed to draw.
pub fn event_curve(
    id: &str,
    node: &str,
    scenario: &str,
    by_step: &[f64],
    baseline: Option<&[f64]>,
    axis: &Axis,
) -> Result<String, ChartError> {
    let svg = draw(node, |root| {
        let y = YAxis {
            range: (0.0, 1.0),
            label: "P(by step)",
            ticks: 6,
            format: &|v| format!("{}%", num(v * 100.0, 3)),
            room: 44,
        };
        let mut chart = axes(root, node, axis, &y)?;
        if let Some(base) = baseline {
            chart.draw_series(LineSeries::new(points(base), DASHED.stroke_width(2)))?;
        }
        chart.draw_series(LineSeries::new(points(by_step), SCENARIO.stroke_width(2)))?;
        Ok(())
    })?;
    let at_end = |v: &[f64]| v.last().copied().unwrap_or(0.0);
    let mid = by_step.len() / 2;
    let mut title = format!(
        "Probability that {node} has happened, by step, in scenario {scenario}: {} at step 0, {} at step {mid}, {} at step {}",
        crate::check::scale::percent(by_step.first().copied().unwrap_or(0.0)),
        crate::check::scale::percent(by_step.get(mid).copied().unwrap_or(0.0)),
        crate::check::scale::percent(at_end(by_step)),
        by_step.len().saturating_sub(1),
    );
    if let Some(base) = baseline {
        title.push_str(&format!(
            "; in the baseline (dashed grey) {} at step {}",
            crate::check::scale::percent(at_end(base)),
            base.len().saturating_sub(1)
        ));
    }
    Ok(finish(&svg, id, "chart curve", &title))
}

/// One factor's percentiles at each step.
#[derive(Clone, Copy, Debug)]
pub struct Fan<'a> {
    /// 5th percentile.
    pub p5: &'a [f64],
    /// Median.
    pub p50: &'a [f64],
    /// 95th percentile.
    pub p95: &'a [f64],
}

/// The y range shown: the values' extent with a margin, within the factor's
/// range; a flat fan gets a small window around its value.
fn y_range(fans: &[&[f64]], range: (f64, f64)) -> (f64, f64) {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for v in fans.iter().flat_map(|f| f.iter()).filter(|v| v.is_finite()) {
        lo = lo.min(*v);
        hi = hi.max(*v);
    }
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    let span = hi - lo;
    let width = if range.1 > range.0 && range.1.is_finite() && range.0.is_finite() {
        range.1 - range.0
    } else {
        lo.abs().max(1.0)
    };
    let pad = if span > 0.0 { span * 0.1 } else { width * 0.05 };
    let pad = if pad > 0.0 { pad } else { 0.5 };
    let (mut a, mut b) = (lo - pad, hi + pad);
    if range.0.is_finite() {
        a = a.max(range.0.min(lo));
    }
    if range.1.is_finite() {
        b = b.min(range.1.max(hi));
    }
    if b <= a { (a - 0.5, a + 0.5) } else { (a, b) }
}

/// A factor's fan chart: the p5–p95 band and the median in a scenario, and
/// the baseline's median dashed, as an SVG element whose id is `id`.
///
/// # Errors
/// Plotters failed to draw.
pub fn fan_chart(
    id: &str,
    node: &str,
    scenario: &str,
    fan: Fan<'_>,
    baseline: Option<&[f64]>,
    range: (f64, f64),
    axis: &Axis,
) -> Result<String, ChartError> {
    let mut series: Vec<&[f64]> = vec![fan.p5, fan.p50, fan.p95];
    if let Some(b) = baseline {
        series.push(b);
    }
    let (lo, hi) = y_range(&series, range);
    let svg = draw(node, |root| {
        let y = YAxis {
            range: (lo, hi),
            label: "value",
            ticks: 5,
            format: &|v| num(*v, 3),
            room: 50,
        };
        let mut chart = axes(root, node, axis, &y)?;
        let idx = thinned(fan.p50.len());
        let band: Vec<(f64, f64)> = idx
            .iter()
            .map(|&t| (t as f64, fan.p95[t]))
            .chain(idx.iter().rev().map(|&t| (t as f64, fan.p5[t])))
            .collect();
        chart.draw_series(std::iter::once(Polygon::new(
            band,
            SCENARIO.mix(0.22).filled(),
        )))?;
        chart.draw_series(LineSeries::new(
            points(fan.p95),
            SCENARIO.mix(0.6).stroke_width(1),
        ))?;
        chart.draw_series(LineSeries::new(
            points(fan.p5),
            SCENARIO.mix(0.6).stroke_width(1),
        ))?;
        if let Some(base) = baseline {
            chart.draw_series(LineSeries::new(points(base), DASHED.stroke_width(2)))?;
        }
        chart.draw_series(LineSeries::new(points(fan.p50), SCENARIO.stroke_width(2)))?;
        Ok(())
    })?;
    let end = fan.p50.len().saturating_sub(1);
    let at = |v: &[f64], t: usize| num(v.get(t).copied().unwrap_or(f64::NAN), 3);
    let mut title = format!(
        "{node} over time in scenario {scenario}: median {} at step 0 and {} at step {end}; at step {end}, 90% of runs lie between {} and {}",
        at(fan.p50, 0),
        at(fan.p50, end),
        at(fan.p5, end),
        at(fan.p95, end),
    );
    if let Some(base) = baseline {
        title.push_str(&format!(
            "; the baseline's median (dashed grey) ends at {}",
            at(base, base.len().saturating_sub(1))
        ));
    }
    Ok(finish(&svg, id, "chart fan", &title))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axis() -> Axis {
        Axis {
            label: "step (1 week)".to_string(),
            steps: 3,
        }
    }

    #[test]
    fn long_curves_are_thinned_to_every_kth_step_and_the_last() {
        assert_eq!(thinned(5), vec![0, 1, 2, 3, 4]);
        let idx = thinned(1001);
        assert!(idx.len() <= MAX_POINTS + 1, "{}", idx.len());
        assert_eq!(idx.first(), Some(&0));
        assert_eq!(idx.last(), Some(&1000));
    }

    #[test]
    fn a_flat_fan_gets_a_window_around_its_value() {
        let flat = [0.4; 10];
        let (lo, hi) = y_range(&[&flat], (0.0, 1.0));
        assert!(lo < 0.4 && hi > 0.4, "{lo} {hi}");
        let (lo, hi) = y_range(&[&[0.0, 1.0]], (0.0, 1.0));
        assert_eq!((lo, hi), (0.0, 1.0));
    }

    #[test]
    fn charts_name_what_they_show_and_no_remote_address() {
        let p = [0.0, 0.1, 0.3, 0.5];
        let svg =
            event_curve("c1", "users.migration", "s", &p, Some(&[0.0; 4]), &axis()).expect("drawn");
        assert!(svg.starts_with(r#"<svg class="chart curve" role="img" aria-labelledby="c1" "#));
        assert!(
            svg.contains(r#"<title id="c1">Probability that users.migration"#),
            "{svg}"
        );
        assert!(svg.contains("50% at step 3"));
        assert!(!svg.contains("http"), "{svg}");
        let fan = Fan {
            p5: &[0.5, 0.4, 0.3],
            p50: &[0.6, 0.5, 0.4],
            p95: &[0.7, 0.6, 0.5],
        };
        let svg =
            fan_chart("f1", "users.trust", "s", fan, None, (0.0, 1.0), &axis()).expect("drawn");
        assert!(svg.contains("<polygon"), "{svg}");
        assert!(svg.contains("90% of runs lie between 0.3 and 0.5"), "{svg}");
        assert!(svg.contains("step (1 week)"));
    }

    #[test]
    fn names_are_escaped() {
        let svg = event_curve("c2", "a<b", "s&t", &[0.0, 1.0], None, &axis()).expect("drawn");
        assert!(!svg.contains("a<b"));
        assert!(svg.contains("a&lt;b"));
    }
}
