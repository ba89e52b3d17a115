//! The report: one self-contained HTML page that shows a model and what its
//! scenarios lead to.
//!
//! The page holds everything it shows — styles inline, pictures as inline SVG
//! ([`super::svg_graph`], [`super::svg_chart`]), no script, no font, no image
//! or stylesheet from anywhere — so it opens offline, can be mailed or
//! archived, and prints. It reads only what it is given: the same inputs give
//! the same bytes (no clock, no random ids). Text from the model (titles,
//! descriptions, names) is escaped by `maud`, which builds the markup.
//!
//! Layout: the model (title, actors, settings), the cause-and-effect graph,
//! then one section per scenario — what the scenario changes (its source),
//! a table of consequences with likelihood words and intervals, events'
//! probabilities over time and factors' fan charts (each against the
//! baseline), the commonest causal chains, and the largest changes against
//! the baseline from the paired comparison.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::svg_chart::{self, Axis, ChartError, Fan};
use super::svg_graph;
use super::{num, points, signed, text::group};
use crate::check::Model;
use crate::check::model::{NodeKind, ScenarioId};
use crate::check::scale::percent;
use crate::diff::Diff;
use crate::eval::Results;
use crate::graph::{Graph, Sign};
use crate::span::SourceMap;
use crate::syntax::ast::TimeUnit;

pub mod notebook;

/// At most this many charts of each kind per scenario (the tables list all).
pub const MAX_CHARTS: usize = 24;
/// Events explained per scenario, and chains shown per event.
pub const EXPLAINED_EVENTS: usize = 6;
/// Chains shown per explained event.
pub const CHAINS_PER_EVENT: usize = 3;
/// Changes against the baseline shown per scenario.
pub const CHANGES_SHOWN: usize = 10;
/// A probability below this counts as "never happens" for choosing charts.
const NEGLIGIBLE: f64 = 0.0005;

/// One scenario's part of the report.
#[derive(Clone, Copy, Debug)]
pub struct Section<'a> {
    /// The scenario.
    pub id: ScenarioId,
    /// Its results, with explanations of its events.
    pub results: &'a Results,
    /// Its comparison with the baseline (absent for the baseline itself).
    pub diff: Option<&'a Diff>,
}

/// Everything the report shows.
#[derive(Clone, Debug)]
pub struct Report<'a> {
    /// The model.
    pub model: &'a Model,
    /// Its sources, to quote what scenarios change.
    pub sources: &'a SourceMap,
    /// Its cause-and-effect graph.
    pub graph: &'a Graph,
    /// The baseline's results, drawn under every scenario's for comparison.
    pub baseline: &'a Results,
    /// The scenarios shown, in order.
    pub sections: Vec<Section<'a>>,
    /// The `--set` overrides, as written.
    pub overrides: Vec<String>,
}

/// The report as a complete HTML document.
///
/// # Errors
/// A chart could not be drawn.
pub fn page(r: &Report<'_>) -> Result<String, ChartError> {
    let model = r.model;
    let graph = match svg_graph::svg(model, r.graph, "graph") {
        Ok(svg) => svg,
        Err(why) => html! { p class="note" { "The graph is not drawn: " (why.to_string()) "." } },
    };
    let page = Page {
        model,
        sources: r.sources,
        baseline: Some(r.baseline),
        sections: &r.sections,
    };
    let mut sections = Vec::with_capacity(r.sections.len());
    for (k, s) in r.sections.iter().enumerate() {
        sections.push(section(&page, s, &format!("s{k}"), true)?);
    }
    let first = r.sections.first().map(|s| s.results);
    let doc = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="generator" content=(concat!("whatif ", env!("CARGO_PKG_VERSION")));
                title { (model.title) " — whatif report" }
                style { (PreEscaped(PAGE_CSS)) (PreEscaped(CONTENT_CSS)) (PreEscaped(PRINT_CSS)) }
            }
            body {
                header {
                    h1 { (model.title) }
                    p class="lead" {
                        "A report of " (r.sections.len()) " scenario"
                        @if r.sections.len() != 1 { "s" }
                        " of this cause-and-effect model: which consequences follow, how likely, how soon, and why."
                    }
                    @if let Some(res) = first { (how_computed(res, &r.overrides)) }
                }
                nav aria-label="Contents" {
                    h2 { "Contents" }
                    ol {
                        li { a href="#model" { "The model" } }
                        li { a href="#graph" { "Cause-and-effect graph" } }
                        @for (k, s) in r.sections.iter().enumerate() {
                            li {
                                a href=(format!("#s{k}")) { "Scenario " code { (s.results.scenario) } }
                                @if let Some(t) = &s.results.title { " — " (t) }
                            }
                        }
                    }
                }
                main {
                    (model_section(model))
                    section id="graph" aria-labelledby="graph-h" {
                        h2 id="graph-h" { "Cause-and-effect graph" }
                        p {
                            "Every link runs from a node a rule, a definition or a hazard reads to the node it changes. "
                            "Hover over a node or a link for its description and the rules behind it."
                        }
                        figure class="graph" {
                            div class="scroll" { (graph) }
                            figcaption { (graph_legend(model)) }
                        }
                    }
                    @for s in &sections { (s) }
                }
                footer {
                    p { "Made by whatif " (env!("CARGO_PKG_VERSION")) " from the model “" (model.title) "”. "
                        "Likelihood words follow the " (model.scale.name) " scale. "
                        "The page is self-contained: it loads nothing from anywhere." }
                }
            }
        }
    };
    Ok(doc.into_string())
}

/// What a scenario's section reads besides its own results: the whole page's
/// (a report), or a notebook's one output ([`notebook`]).
struct Page<'a> {
    model: &'a Model,
    sources: &'a SourceMap,
    /// Drawn under every other scenario's results, when there is one.
    baseline: Option<&'a Results>,
    /// Every section of the page, for links between them.
    sections: &'a [Section<'a>],
}

fn how_computed(r: &Results, overrides: &[String]) -> Markup {
    html! {
        p class="meta" {
            @if r.exact {
                "Exact results (every outcome enumerated)."
            } @else {
                (group(r.runs)) " Monte Carlo runs per scenario, seed " (r.seed) ", "
                (percent(r.confidence)) " confidence intervals; comparisons with the baseline use paired runs."
            }
            @if !overrides.is_empty() {
                " Overrides: "
                @for (i, o) in overrides.iter().enumerate() {
                    @if i > 0 { ", " }
                    code { (o) }
                }
                "."
            }
        }
    }
}

fn step_words(model: &Model) -> String {
    let unit = model.step.unit;
    if unit == TimeUnit::Step {
        "one step".to_string()
    } else {
        format!(
            "{} {}",
            num(model.step.size, 6),
            plural(unit.singular(), model.step.size)
        )
    }
}

fn plural(word: &str, n: f64) -> String {
    if (n - 1.0).abs() < f64::EPSILON {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

fn axis(model: &Model, steps: usize) -> Axis {
    let label = if model.step.unit == TimeUnit::Step {
        "step".to_string()
    } else {
        format!("step ({} each)", step_words(model))
    };
    Axis { label, steps }
}

fn model_section(model: &Model) -> Markup {
    let events = model
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Event)
        .count();
    let factors = model.nodes.len() - events;
    let base_rules = model.rules.iter().filter(|r| r.scenario.is_none()).count();
    let loose: Vec<&str> = model
        .nodes
        .iter()
        .filter(|n| n.actor.is_none())
        .map(|n| n.name.as_str())
        .collect();
    html! {
        section id="model" aria-labelledby="model-h" {
            h2 id="model-h" { "The model" }
            p {
                (events) " events and " (factors) " factors in " (model.actors.len()) " actors, linked by "
                (base_rules) " rules; " (model.scenarios.len().saturating_sub(1)) " scenarios besides the baseline. "
                "One step is " (step_words(model)) "."
            }
            table class="actors" {
                caption { "Actors and what they hold" }
                thead { tr { th scope="col" { "actor" } th scope="col" { "description" } th scope="col" { "events" } th scope="col" { "factors" } } }
                tbody {
                    @for (a, actor) in model.actors.iter().enumerate() {
                        @let (fill, border) = svg_graph::actor_colour(Some(a));
                        tr {
                            th scope="row" {
                                span class="swatch" style=(format!("background:{fill};border-color:{border}")) {}
                                (actor.name)
                            }
                            td { (actor.description.as_deref().unwrap_or("")) }
                            td { (members(model, Some(a), NodeKind::Event)) }
                            td { (members(model, Some(a), NodeKind::Factor)) }
                        }
                    }
                    @if !loose.is_empty() {
                        tr {
                            th scope="row" { span class="swatch" {} "(no actor)" }
                            td {}
                            td { (members(model, None, NodeKind::Event)) }
                            td { (members(model, None, NodeKind::Factor)) }
                        }
                    }
                }
            }
        }
    }
}

fn members(model: &Model, actor: Option<usize>, kind: NodeKind) -> Markup {
    let names: Vec<&str> = model
        .nodes
        .iter()
        .filter(|n| n.kind == kind && n.actor.map(|a| a.index()) == actor)
        .map(|n| n.name.rsplit_once('.').map_or(n.name.as_str(), |(_, s)| s))
        .collect();
    html! {
        @for (i, n) in names.iter().enumerate() {
            @if i > 0 { ", " }
            (n)
        }
    }
}

fn graph_legend(model: &Model) -> Markup {
    let sign = |s: Sign| {
        let (_, colour, dash, _, words) = svg_graph::sign_style(s);
        html! {
            li {
                svg class="key" width="46" height="12" aria-hidden="true" {
                    line x1="2" y1="6" x2="44" y2="6" stroke=(colour) stroke-width="2"
                        stroke-dasharray=[(!dash.is_empty()).then_some(dash)] {}
                }
                " " strong { (s.symbol()) } " " (words)
            }
        }
    };
    html! {
        ul class="legend" {
            li {
                svg class="key" width="46" height="18" aria-hidden="true" {
                    rect x="2" y="2" width="42" height="14" rx="7" fill="#fff" stroke="#333" stroke-width="2" {}
                }
                " event (happens or not)"
            }
            li {
                svg class="key" width="46" height="18" aria-hidden="true" {
                    rect x="2" y="2" width="42" height="14" rx="2" fill="#fff" stroke="#333" stroke-width="1.5" {}
                }
                " factor (a number)"
            }
            li {
                svg class="key" width="46" height="18" aria-hidden="true" {
                    rect x="2" y="2" width="42" height="14" rx="2" fill="#fff" stroke="#333" stroke-width="1.5" stroke-dasharray="4 3" {}
                }
                " derived (computed within each step)"
            }
            (sign(Sign::Positive))
            (sign(Sign::Negative))
            (sign(Sign::Unknown))
            @for (a, actor) in model.actors.iter().enumerate() {
                @let (fill, border) = svg_graph::actor_colour(Some(a));
                li { span class="swatch" style=(format!("background:{fill};border-color:{border}")) {} (actor.name) }
            }
        }
    }
}

/// What a scenario changes, quoted from its source.
fn changes(r: &Page<'_>, id: ScenarioId) -> Markup {
    let model = r.model;
    let s = model.scenario(id);
    let lines = model.changes_as_written(id, r.sources);
    html! {
        @if id == crate::check::model::BASELINE {
            p { "The baseline: the model as written, with no intervention." }
        } @else {
            p {
                @if let Some(parent) = s.extends {
                    "Builds on " a href=(format!("#{}", anchor_of(r, parent))) { code { (model.scenario(parent).name) } }
                    " and changes:"
                } @else {
                    "Changes to the model:"
                }
            }
            @if lines.is_empty() {
                p { "(nothing of its own)" }
            } @else {
                ul class="source" { @for l in &lines { li { code { (l) } } } }
            }
        }
    }
}

/// The anchor of a scenario's section, or the contents when it has none.
fn anchor_of(r: &Page<'_>, id: ScenarioId) -> String {
    r.sections
        .iter()
        .position(|s| s.id == id)
        .map_or("model".to_string(), |k| format!("s{k}"))
}

/// One scenario's section; `prefix` is its id and prefixes its elements' ids.
/// `why` shows its explanations (a report computes them for every event).
fn section(r: &Page<'_>, s: &Section<'_>, prefix: &str, why: bool) -> Result<Markup, ChartError> {
    let res = s.results;
    let is_baseline = s.id == crate::check::model::BASELINE;
    let base = if is_baseline { None } else { r.baseline };
    // Shown without the baseline's: the baseline itself, and in a notebook a
    // scenario whose baseline results are not given.
    let alone = base.is_none();
    let h = res.horizon as usize;
    let axis = axis(r.model, h);
    let mut events: Vec<_> = res.events.iter().collect();
    events.sort_by(|a, b| {
        b.probability
            .total_cmp(&a.probability)
            .then_with(|| a.name.cmp(&b.name))
    });
    // Charts for events that happen here or in the baseline.
    let base_event = |name: &str| base.and_then(|b| b.event(name));
    let charted: Vec<_> = events
        .iter()
        .filter(|e| {
            e.probability >= NEGLIGIBLE
                || base_event(&e.name).is_some_and(|b| b.probability >= NEGLIGIBLE)
        })
        .collect();
    let never: Vec<&str> = events
        .iter()
        .filter(|e| !charted.iter().any(|c| c.name == e.name))
        .map(|e| e.name.as_str())
        .collect();
    let mut curves = Vec::new();
    for (i, e) in charted.iter().take(MAX_CHARTS).enumerate() {
        let svg = svg_chart::event_curve(
            &format!("{prefix}-e{i}"),
            &e.name,
            &res.scenario,
            &e.by_step,
            base_event(&e.name).map(|b| upto(&b.by_step, h)),
            &axis,
        )?;
        curves.push(svg);
    }
    // Fan charts for factors that move, here or in the baseline.
    let base_factor = |name: &str| base.and_then(|b| b.factor(name));
    let moves = |p5: &[f64], p95: &[f64]| {
        let first = (p5.first().copied(), p95.first().copied());
        p5.iter()
            .zip(p95)
            .any(|(a, b)| (Some(*a), Some(*b)) != first)
            || p5.iter().zip(p95).any(|(a, b)| a != b)
    };
    let (moving, still): (Vec<_>, Vec<_>) = res.factors.iter().partition(|f| {
        moves(&f.p5, &f.p95)
            || base_factor(&f.name).is_some_and(|b| moves(&b.p5, &b.p95) || b.p50 != f.p50)
    });
    let mut fans = Vec::new();
    for (i, f) in moving.iter().take(MAX_CHARTS).enumerate() {
        let svg = svg_chart::fan_chart(
            &format!("{prefix}-f{i}"),
            &f.name,
            &res.scenario,
            Fan {
                p5: &f.p5,
                p50: &f.p50,
                p95: &f.p95,
            },
            base_factor(&f.name).map(|b| upto(&b.p50, h)),
            f.range,
            &axis,
        )?;
        fans.push(svg);
    }
    Ok(html! {
        section class="scenario" id=(prefix) aria-labelledby=(format!("{prefix}-h")) {
            h2 id=(format!("{prefix}-h")) {
                "Scenario " code { (res.scenario) }
                @if let Some(t) = &res.title { ": " (t) }
            }
            (changes(r, s.id))
            p class="meta" {
                "Horizon: step " (res.horizon) ". "
                @if res.exact { "Exact results." } @else {
                    (group(res.runs)) " runs, seed " (res.seed) ", " (percent(res.confidence)) " intervals."
                }
                @if let Some(st) = &res.steady {
                    " "
                    @match st.median_step {
                        None => "No run became steady.",
                        Some(m) => { "Runs became steady at step " (m) " (median)" @if st.never > 0 { "; " (group(st.never)) " never did" } "." }
                    }
                }
            }
            h3 { "Consequences" }
            @if !events.is_empty() {
                table class="events" {
                    caption { "Events by their probability of having happened by step " (res.horizon) }
                    thead { tr {
                        th scope="col" { "event" }
                        th scope="col" { "how likely by step " (res.horizon) }
                        @if !res.exact { th scope="col" { (percent(res.confidence)) " interval" } }
                        th scope="col" { "median first step" }
                        @if !alone { th scope="col" { "baseline" } }
                    } }
                    tbody {
                        @for e in &events {
                            tr {
                                th scope="row" { (e.name) }
                                td { (likelihood(res, e.probability)) }
                                @if !res.exact { td class="num" { (percent(e.ci.0)) "–" (percent(e.ci.1)) } }
                                td class="num" { (e.median_step.map_or("–".to_string(), |m| m.to_string())) }
                                @if !alone {
                                    td class="num" { (base_event(&e.name).map_or("–".to_string(), |b| percent(at(&b.by_step, h)))) }
                                }
                            }
                        }
                    }
                }
            }
            @if !res.factors.is_empty() {
                table class="factors" {
                    caption { "Factors at step " (res.horizon) ": the spread across runs" }
                    thead { tr {
                        th scope="col" { "factor" }
                        th scope="col" { "start (mean)" }
                        th scope="col" { "p5" }
                        th scope="col" { "median" }
                        th scope="col" { "p95" }
                        th scope="col" { "mean" }
                        @if !alone { th scope="col" { "baseline mean" } }
                    } }
                    tbody {
                        @for f in &res.factors {
                            tr {
                                th scope="row" { (f.name) }
                                td class="num" { (num(f.mean.first().copied().unwrap_or(f64::NAN), 3)) }
                                td class="num" { (num(at(&f.p5, h), 3)) }
                                td class="num" { (num(at(&f.p50, h), 3)) }
                                td class="num" { (num(at(&f.p95, h), 3)) }
                                td class="num" { (num(at(&f.mean, h), 3)) }
                                @if !alone {
                                    td class="num" { (base_factor(&f.name).map_or("–".to_string(), |b| num(at(&b.mean, h), 3))) }
                                }
                            }
                        }
                    }
                }
            }
            h3 { "Events over time" }
            @if curves.is_empty() {
                p { "No event happens in this scenario." }
            } @else {
                (chart_key(false, alone))
                div class="charts" { @for c in &curves { figure { (PreEscaped(c)) } } }
                @if charted.len() > MAX_CHARTS {
                    p class="note" { (charted.len() - MAX_CHARTS) " more events are in the table above." }
                }
            }
            @if !never.is_empty() {
                p class="note" { "Never happen here" @if !alone { " nor in the baseline" } ": " (never.join(", ")) "." }
            }
            h3 { "Factors over time" }
            @if fans.is_empty() {
                p { "No factor moves in this scenario." }
            } @else {
                (chart_key(true, alone))
                div class="charts" { @for c in &fans { figure { (PreEscaped(c)) } } }
                @if moving.len() > MAX_CHARTS {
                    p class="note" { (moving.len() - MAX_CHARTS) " more factors are in the table above." }
                }
            }
            @if !still.is_empty() {
                p class="note" { "Constant throughout: "
                    @for (i, f) in still.iter().enumerate() {
                        @if i > 0 { ", " }
                        (f.name) " = " (num(f.p50.first().copied().unwrap_or(f64::NAN), 3))
                    }
                    "."
                }
            }
            @if why {
                h3 { "Why" }
                (explanations(res, s.diff))
            }
            @if let Some(d) = s.diff {
                h3 { "Against the baseline" }
                (against(d))
            }
        }
    })
}

/// A series up to step `h` (a baseline may run longer than the scenario).
fn upto(values: &[f64], h: usize) -> &[f64] {
    &values[..values.len().min(h + 1)]
}

/// A series' value at step `h`, or at its last step when shorter.
fn at(values: &[f64], h: usize) -> f64 {
    upto(values, h).last().copied().unwrap_or(f64::NAN)
}

fn likelihood(res: &Results, p: f64) -> Markup {
    match res.scale.phrase(p) {
        Some(w) => html! { span class="word" { (w.name.replace('_', " ")) } " (" (percent(p)) ")" },
        None => html! { (percent(p)) },
    }
}

fn chart_key(fan: bool, alone: bool) -> Markup {
    let blue = svg_chart::SCENARIO_CSS;
    let grey = svg_chart::BASELINE_CSS;
    html! {
        ul class="legend key-row" {
            @if fan {
                li {
                    svg class="key" width="46" height="14" aria-hidden="true" {
                        rect x="2" y="1" width="42" height="12" fill=(blue) fill-opacity="0.22" {}
                        line x1="2" y1="7" x2="44" y2="7" stroke=(blue) stroke-width="2" {}
                    }
                    " median, and the band where 90% of runs lie (5th to 95th percentile)"
                }
            } @else {
                li {
                    svg class="key" width="46" height="14" aria-hidden="true" {
                        line x1="2" y1="7" x2="44" y2="7" stroke=(blue) stroke-width="2" {}
                    }
                    " probability of having happened by each step"
                }
            }
            @if !alone {
                li {
                    svg class="key" width="46" height="14" aria-hidden="true" {
                        line x1="2" y1="7" x2="44" y2="7" stroke=(grey) stroke-width="2" stroke-dasharray="5 4" {}
                    }
                    @if fan { " the baseline's median" } @else { " the same in the baseline" }
                }
            }
        }
    }
}

fn explanations(res: &Results, diff: Option<&Diff>) -> Markup {
    // The events that changed most first, then the most probable.
    let mut order: Vec<&str> = Vec::new();
    if let Some(d) = diff {
        for c in d
            .changes
            .iter()
            .filter(|c| c.kind == NodeKind::Event && c.a > 0.0)
        {
            order.push(&c.node);
        }
    }
    let mut by_p: Vec<_> = res.events.iter().filter(|e| e.happened > 0).collect();
    by_p.sort_by(|a, b| {
        b.probability
            .total_cmp(&a.probability)
            .then_with(|| a.name.cmp(&b.name))
    });
    for e in by_p {
        if !order.contains(&e.name.as_str()) {
            order.push(&e.name);
        }
    }
    let shown: Vec<_> = order
        .iter()
        .filter_map(|n| res.explanations.iter().find(|x| x.node == *n))
        .filter(|x| x.happened > 0 && !x.chains.is_empty())
        .take(EXPLAINED_EVENTS)
        .collect();
    html! {
        @if shown.is_empty() {
            p { "No event happens, so there is nothing to explain." }
        } @else {
            p { "The commonest causal chains behind "
                @if diff.is_some() { "the events that change most, and the likeliest ones" } @else { "the likeliest events" }
                ", with the share of runs each explains (read " kbd { "←" } " as “because of”)." }
            dl class="why" {
                @for x in &shown {
                    dt { code { (x.node) } " happens in " (percent(x.happened as f64 / x.runs.max(1) as f64)) " of runs" }
                    dd {
                        ol {
                            @for (chain, n) in x.chains.iter().take(CHAINS_PER_EVENT) {
                                li { span class="share" { (percent(*n as f64 / x.runs.max(1) as f64)) } " " span class="chain" { (chain) } }
                            }
                        }
                        @if x.chains.len() > CHAINS_PER_EVENT {
                            p class="note" { "… and " (x.chains.len() - CHAINS_PER_EVENT) " rarer chains (" code { "whatif explain" } " lists them)." }
                        }
                        @if x.multiple {
                            p class="note" { "Several rules caused it at once in some runs; each chain is credited, so shares can add up to more than 100%." }
                        }
                    }
                }
            }
        }
    }
}

fn against(d: &Diff) -> Markup {
    html! {
        @if d.changes.is_empty() {
            p { "Nothing changes against the baseline." }
        } @else {
            table class="diff" {
                caption { "The largest changes against the baseline at step " (d.horizon) " (" (group(d.runs)) " paired runs, " (percent(d.confidence)) " intervals)" }
                thead { tr {
                    th scope="col" { "consequence" }
                    th scope="col" { "baseline" }
                    th scope="col" { (d.a) }
                    th scope="col" { "change" }
                    th scope="col" { "interval" }
                } }
                tbody {
                    @for c in d.changes.iter().take(CHANGES_SHOWN) {
                        @let up = c.delta.0 > 0.0;
                        tr {
                            th scope="row" { (c.node) @if let Some(x) = c.crossing { " " span class="crossing" { (x) } } }
                            @if c.kind == NodeKind::Event {
                                td class="num" { (percent(c.b)) }
                                td class="num" { (percent(c.a)) }
                                td class=(if up { "num up" } else { "num down" }) { (points(c.delta.0)) }
                                td class="num" { (points(c.delta.1)) " to " (points(c.delta.2)) }
                            } @else {
                                td class="num" { (num(c.b, 3)) " (mean)" }
                                td class="num" { (num(c.a, 3)) }
                                td class=(if up { "num up" } else { "num down" }) { (signed(c.delta.0, 3)) }
                                td class="num" { (signed(c.delta.1, 3)) " to " (signed(c.delta.2, 3)) }
                            }
                        }
                    }
                }
            }
            @if d.changes.len() > CHANGES_SHOWN {
                p class="note" { (d.changes.len() - CHANGES_SHOWN) " smaller changes: " code { "whatif diff" } " lists them all." }
            }
            @if !d.chains.is_empty() {
                p { "Causal chains found in one scenario and not the other:" }
                ul class="chains" {
                    @for c in d.chains.iter().take(CHANGES_SHOWN) {
                        li {
                            code { (c.node) } " in " code { (c.scenario) } " only, " (percent(c.share)) " of runs: "
                            span class="chain" { (c.chain) }
                        }
                    }
                }
            }
        }
    }
}

/// The page's own styles: system fonts, readable widths, its header, contents
/// and footer.
const PAGE_CSS: &str = r#"
:root { color-scheme: light; --ink: #1b1b1b; --muted: #555; --rule: #d0d0d0; --accent: #1d5fa6; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1280px; padding: 1.5rem 2rem 3rem; color: var(--ink); background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
h1 { font-size: 1.9rem; margin: 0 0 .3rem; }
.lead { font-size: 1.08rem; margin: .2rem 0; }
nav ol { columns: 2; margin: 0; }
footer { margin-top: 3rem; border-top: 1px solid var(--rule); color: var(--muted); font-size: .85rem; }
"#;

/// The styles of what the page shows, shared with [`notebook`]'s fragments,
/// which scope each rule to their own element: one rule per line.
const CONTENT_CSS: &str = r#"
h2 { font-size: 1.45rem; margin: 2.2rem 0 .6rem; padding-top: .6rem; border-top: 2px solid var(--ink); }
h3 { font-size: 1.12rem; margin: 1.6rem 0 .5rem; }
code, kbd { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .92em; }
a { color: var(--accent); }
.meta, .note { color: var(--muted); }
.note { font-size: .92rem; }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: .93rem; }
caption { text-align: left; font-weight: 600; padding-bottom: .3rem; }
th, td { text-align: left; padding: .22rem .7rem .22rem 0; border-bottom: 1px solid var(--rule); vertical-align: top; }
thead th { border-bottom: 2px solid var(--ink); font-weight: 600; }
tbody th { font-weight: 500; font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .9em; }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
td.up, td.down { font-weight: 600; }
.word { font-weight: 600; }
.crossing { font-family: system-ui, sans-serif; font-size: .8em; border: 1px solid var(--muted); border-radius: 3px; padding: 0 .3em; }
.swatch { display: inline-block; width: .9em; height: .9em; margin-right: .4em; border: 2px solid #333; border-radius: 2px; vertical-align: -.1em; }
.legend { list-style: none; padding: 0; margin: .4rem 0; display: flex; flex-wrap: wrap; gap: .3rem 1.4rem; font-size: .9rem; }
.legend li { display: flex; align-items: center; gap: .3rem; }
svg.key { flex: none; }
figure { margin: 0; }
figure.graph { border: 1px solid var(--rule); padding: .5rem; }
.scroll { overflow-x: auto; }
svg.graph { display: block; max-width: 100%; height: auto; margin: 0 auto; font-family: system-ui, "DejaVu Sans", sans-serif; }
svg.graph text.name { fill: #111; font-weight: 600; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: .8rem 1rem; }
.charts figure { border: 1px solid var(--rule); }
svg.chart { display: block; width: 100%; height: auto; }
ul.source { margin: .2rem 0 .6rem; }
dl.why dt { margin-top: .6rem; font-weight: 600; }
dl.why dd { margin-left: 1.2rem; }
dl.why ol { margin: .2rem 0; padding-left: 1.2rem; }
.share { display: inline-block; min-width: 3.4em; font-weight: 600; font-variant-numeric: tabular-nums; }
.chain { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .88em; }
"#;

/// Print rules that keep figures whole and colours on paper (last: they
/// override the rules above).
const PRINT_CSS: &str = r#"
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  nav { display: none; }
  section.scenario { break-before: page; }
  figure, table, dl.why dd { break-inside: avoid; }
  .scroll { overflow: visible; }
  a { color: inherit; text-decoration: none; }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::model::BASELINE;
    use crate::eval::{Options, run};
    use crate::limits::Limits;

    /// Text from the model that must be escaped everywhere (also used by the
    /// notebook's tests).
    pub(super) const MODEL: &str = r#"model "Fire <b>&</b> smoke" { horizon 10 steps }
actor building "rooms & <halls>" {
  event fire "a fire </title><script>alert(1)</script>" hazard = 0.1
  factor smoke = 0
}
rule spread: while building.fire then building.smoke += 0.1
scenario sprinklers "What if <sprinklers> work?" {
  set building.fire.hazard = 0.02
}
"#;

    fn page_of(scenarios: &[ScenarioId]) -> String {
        let a = crate::testing::analyzed(MODEL);
        let model = a.model.expect("a model");
        let limits = Limits::default();
        let options = Options {
            runs: 400,
            explain: vec![crate::check::model::NodeId(0)],
            ..Options::default()
        };
        let results: Vec<Results> = scenarios
            .iter()
            .map(|&s| run(&model, &a.sources, s, &[], &options, &limits).expect("evaluated"))
            .collect();
        let baseline =
            run(&model, &a.sources, BASELINE, &[], &options, &limits).expect("evaluated");
        let diffs: Vec<Option<Diff>> = scenarios
            .iter()
            .map(|&s| {
                (s != BASELINE).then(|| {
                    crate::diff::diff(
                        &model,
                        &a.sources,
                        s,
                        BASELINE,
                        &Options {
                            explain: Vec::new(),
                            ..options.clone()
                        },
                        &limits,
                    )
                    .expect("compared")
                })
            })
            .collect();
        let graph = Graph::of(&model);
        let report = Report {
            model: &model,
            sources: &a.sources,
            graph: &graph,
            baseline: &baseline,
            sections: scenarios
                .iter()
                .zip(results.iter().zip(&diffs))
                .map(|(&id, (results, diff))| Section {
                    id,
                    results,
                    diff: diff.as_ref(),
                })
                .collect(),
            overrides: vec!["building.smoke=0.1".to_string()],
        };
        page(&report).expect("a page")
    }

    #[test]
    fn text_from_the_model_is_escaped() {
        let p = page_of(&[BASELINE, ScenarioId(1)]);
        assert!(
            !p.contains("<script"),
            "a script from the model reached the page"
        );
        assert!(!p.contains("<b>&"));
        assert!(p.contains("Fire &lt;b&gt;&amp;&lt;/b&gt; smoke"));
        assert!(p.contains("rooms &amp; &lt;halls&gt;"));
        assert!(p.contains("What if &lt;sprinklers&gt; work?"));
    }

    #[test]
    fn each_scenario_gets_a_section_with_charts_explanations_and_changes() {
        let p = page_of(&[BASELINE, ScenarioId(1)]);
        assert_eq!(p.matches(r#"<section class="scenario""#).count(), 2);
        assert_eq!(p.matches(r#"<svg class="chart curve""#).count(), 2);
        assert_eq!(p.matches(r#"<svg class="chart fan""#).count(), 2);
        assert!(p.contains(r#"<svg class="graph""#));
        // The scenario quotes what it changes, and compares with the baseline.
        assert!(p.contains("<code>set building.fire.hazard = 0.02</code>"));
        assert!(p.contains("Against the baseline"));
        assert!(p.contains("building.fire ← hazard"));
        assert!(p.contains("<code>building.smoke=0.1</code>"));
        // The baseline is drawn under the scenario's curves, not under its own.
        assert!(p.matches("stroke-dasharray=\"5 4\"").count() >= 2);
    }

    #[test]
    fn the_page_is_the_same_for_the_same_inputs() {
        assert_eq!(page_of(&[ScenarioId(1)]), page_of(&[ScenarioId(1)]));
    }
}
