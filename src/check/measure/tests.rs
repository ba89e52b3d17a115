use super::*;
use crate::Diagnostic;

const MODEL: &str = r#"model "m" { step 1 week  horizon 10 weeks }
param delay = 2
actor a {
  event e hazard = 0.2
  factor x = 0.5 in [0, 1]
}
rule r: when a.e then a.x -= 0.1
"#;

fn model() -> (Model, SourceMap) {
    let analysis = crate::testing::analyzed(MODEL);
    (analysis.model.expect("the model checks"), analysis.sources)
}

fn read_one(text: &str) -> (Result<Measure, Vec<Diagnostic>>, SourceMap) {
    let (model, mut sources) = model();
    let got = read(&model, &mut sources, "samples[0]", text, &Limits::default());
    (got, sources)
}

fn errors(text: &str) -> Vec<(String, String, String)> {
    let (got, sources) = read_one(text);
    got.expect_err("an error")
        .iter()
        .map(|d| {
            (
                d.code_str(),
                sources.text(d.span()).to_string(),
                format!("{d} | {}", d.help_str().unwrap_or_default()),
            )
        })
        .collect()
}

#[test]
fn measures_read_as_expectations_write_them() {
    let (model, _) = model();
    let (m, _) = read_one("P(a.e)");
    let m = m.expect("reads");
    assert!(matches!(
        m.kind,
        MeasureKind::Prob {
            mode: ProbMode::At,
            step: None,
            ..
        }
    ));
    let (m, _) = read_one("P( a.x < 0.3   by 2 weeks )");
    let m = m.expect("reads");
    assert_eq!(m.text, "P( a.x < 0.3 by 2 weeks )");
    assert!(matches!(
        m.kind,
        MeasureKind::Prob {
            mode: ProbMode::By,
            step: Some(_),
            ..
        }
    ));
    let (m, _) = read_one("a.x at delay");
    match m.expect("reads").kind {
        MeasureKind::Value { node, at: Some(_) } => assert_eq!(model.node(node).name, "a.x"),
        other => panic!("{other:?}"),
    }
    let (m, _) = read_one("a.x");
    assert!(matches!(
        m.expect("reads").kind,
        MeasureKind::Value { at: None, .. }
    ));
}

#[test]
fn names_and_types_are_checked_with_their_spans() {
    let got = errors("P(a.ee)");
    assert_eq!(got[0].0, "whatif::check::unknown_name");
    assert_eq!(got[0].1, "a.ee");
    assert!(got[0].2.contains("did you mean `a.e`?"), "{got:?}");
    let got = errors("a.e at 3");
    assert_eq!(got[0].1, "a.e");
    assert!(
        got[0].2.contains("for an event write `P(event)`"),
        "{got:?}"
    );
    let got = errors("P(a.x)");
    assert_eq!(got[0].1, "a.x");
    let got = errors("delay at 3");
    assert!(got[0].2.contains("a parameter"), "{got:?}");
}

#[test]
fn syntax_errors_point_into_the_measure_and_say_its_forms() {
    let got = errors("mean(a.x) at 3");
    assert_eq!(got[0].0, "whatif::syntax::unexpected");
    assert_eq!(got[0].1, "(");
    assert!(got[0].2.contains("a measure is written as"), "{got:?}");
    let got = errors("P(a.e");
    assert_eq!(got[0].0, "whatif::syntax::unclosed");
    let got = errors("P(a.e) > 0.5");
    assert_eq!(got[0].1, ">");
    let got = errors("");
    assert_eq!(got[0].0, "whatif::syntax::unexpected");
    // The scanner's bounds apply: nesting, control characters.
    let deep = format!("P({}a.e{})", "(".repeat(300), ")".repeat(300));
    assert_eq!(errors(&deep)[0].0, "whatif::limit::depth");
    assert_eq!(
        errors("P(a.e\u{202e})")[0].0,
        "whatif::syntax::forbidden_character"
    );
}
