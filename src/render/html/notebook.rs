//! HTML fragments for notebooks (what Jupyter shows of an object with a
//! `_repr_html_`): a model as its cause-and-effect graph, one scenario's
//! results as the report's section (tables and charts), a comparison as the
//! report's table of changes.
//!
//! Each fragment is one `<div class="whatif-out">` that carries the report's
//! styles scoped to it, so that it neither restyles the notebook nor depends
//! on it; like the report, it has no script and loads nothing. Element ids
//! start with the `id` the caller gives, which must be unique in the notebook
//! (the graph's arrowheads are referred to by id).

use maud::{Markup, PreEscaped, html};

use super::{CONTENT_CSS, Page, Section, against, graph_legend, model_section, section};
use crate::check::Model;
use crate::diff::Diff;
use crate::eval::Results;
use crate::graph::Graph;
use crate::render::svg_chart::ChartError;
use crate::render::svg_graph;
use crate::span::SourceMap;

/// The class of every fragment's outer element.
pub const CLASS: &str = "whatif-out";

/// The report's content styles, each rule scoped to [`CLASS`], after the
/// colours the page sets on its root.
fn styles() -> String {
    let mut css = format!(
        ".{CLASS} {{ --ink: #1b1b1b; --muted: #555; --rule: #d0d0d0; --accent: #1d5fa6; \
         color: var(--ink); background: #fff; padding: .2rem .6rem .6rem; \
         font: 14px/1.5 system-ui, -apple-system, \"Segoe UI\", Roboto, \"DejaVu Sans\", sans-serif; }}\n"
    );
    for line in CONTENT_CSS.lines() {
        let Some((selectors, body)) = line.split_once('{') else {
            continue;
        };
        let scoped: Vec<String> = selectors
            .split(',')
            .map(|s| format!(".{CLASS} {}", s.trim()))
            .collect();
        css.push_str(&scoped.join(", "));
        css.push_str(" {");
        css.push_str(body);
        css.push('\n');
    }
    // One output among a notebook's cells: no page rule above its title.
    css.push_str(&format!(
        ".{CLASS} h2 {{ border-top: none; margin-top: .6rem; padding-top: 0; }}\n"
    ));
    css
}

fn fragment(id: &str, body: &Markup) -> String {
    html! {
        div class=(CLASS) id=(id) {
            style { (PreEscaped(styles())) }
            (body)
        }
    }
    .into_string()
}

/// A model: what it holds (its actors, events and factors) and its
/// cause-and-effect graph, or why the graph is not drawn.
#[must_use]
pub fn model(model: &Model, graph: &Graph, id: &str) -> String {
    let drawn = match svg_graph::svg(model, graph, &format!("{id}-graph")) {
        Ok(svg) => html! {
            figure class="graph" {
                div class="scroll" { (svg) }
                figcaption { (graph_legend(model)) }
            }
        },
        Err(why) => html! { p class="note" { "The graph is not drawn: " (why.to_string()) "." } },
    };
    let body = html! {
        h2 { (model.title) }
        (model_section(model))
        (drawn)
    };
    fragment(id, &body)
}

/// One scenario's results as the report shows them: what the scenario
/// changes, its consequences in tables, events' probabilities and factors'
/// fan charts over time (against `baseline`'s when given), its causal chains
/// when the results hold explanations, and `diff`'s largest changes when
/// given.
///
/// # Errors
/// A chart could not be drawn.
pub fn results(
    model: &Model,
    sources: &SourceMap,
    results: &Results,
    baseline: Option<&Results>,
    diff: Option<&Diff>,
    id: &str,
) -> Result<String, ChartError> {
    let Some(scenario) = model.scenario_named(&results.scenario) else {
        // Results of another model: nothing of this one to show with them.
        return Ok(fragment(
            id,
            &html! { p class="note" { "These results are not of “" (model.title) "”." } },
        ));
    };
    let shown = [Section {
        id: scenario,
        results,
        diff,
    }];
    let page = Page {
        model,
        sources,
        baseline,
        sections: &shown,
    };
    let why = !results.explanations.is_empty();
    let body = section(&page, &shown[0], &format!("{id}-s"), why)?;
    Ok(fragment(id, &body))
}

/// A comparison of two scenarios: the report's table of the largest changes
/// and the causal chains found in one scenario only.
#[must_use]
pub fn diff(d: &Diff, id: &str) -> String {
    let body = html! {
        h3 { code { (d.a) } " against " code { (d.b) } }
        (against(d))
    };
    fragment(id, &body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::model::{BASELINE, ScenarioId};
    use crate::eval::{Options, run};
    use crate::limits::Limits;

    fn analysed() -> crate::Analysis {
        crate::testing::analyzed(super::super::tests::MODEL)
    }

    #[test]
    fn every_rule_of_the_styles_is_scoped_to_the_fragment() {
        for line in styles().lines() {
            let selectors = line.split_once('{').map_or("", |(s, _)| s);
            for s in selectors.split(',') {
                assert!(s.trim().starts_with(".whatif-out"), "{line}");
            }
        }
    }

    #[test]
    fn results_show_the_tables_and_charts_against_the_baseline() {
        let a = analysed();
        let model = a.model.as_ref().expect("a model");
        let limits = Limits::default();
        let options = Options {
            runs: 300,
            ..Options::default()
        };
        let eval = |s| run(model, &a.sources, s, &[], &options, &limits).expect("evaluated");
        let (base, sprinklers) = (eval(BASELINE), eval(ScenarioId(1)));
        let html =
            results(model, &a.sources, &sprinklers, Some(&base), None, "w7").expect("a fragment");
        assert!(html.starts_with(r#"<div class="whatif-out" id="w7"><style>"#));
        assert!(html.contains(r#"<table class="events""#));
        assert!(html.contains(r#"<table class="factors""#));
        assert_eq!(html.matches(r#"<svg class="chart curve""#).count(), 1);
        assert_eq!(html.matches(r#"<svg class="chart fan""#).count(), 1);
        // The baseline is drawn under the scenario's curves.
        assert!(html.contains("stroke-dasharray=\"5 4\""));
        assert!(html.contains(r#"id="w7-s""#));
        // No explanations were computed, so no "Why".
        assert!(!html.contains("<h3>Why</h3>"));
        assert!(!html.contains("<script"), "text from the model is escaped");
        // Without the baseline's results, no column, curve or key for them.
        let alone = results(model, &a.sources, &sprinklers, None, None, "w8").expect("a fragment");
        assert!(!alone.contains("baseline mean"));
        assert!(!alone.contains("stroke-dasharray=\"5 4\""));
        assert!(!alone.contains("the same in the baseline"));
    }

    #[test]
    fn a_model_shows_as_its_graph() {
        let a = analysed();
        let model = a.model.as_ref().expect("a model");
        let html = super::model(model, &Graph::of(model), "w1");
        assert!(html.contains(r#"<svg class="graph""#));
        assert!(html.contains("url(#w1-graph-"), "ids are prefixed");
        assert!(html.contains("Fire &lt;b&gt;&amp;&lt;/b&gt; smoke"));
    }
}
