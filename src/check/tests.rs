//! Unit tests of the checker: a model's text in, its diagnostics out.

use super::*;
use crate::syntax;

/// Parses and checks `text` (one file), which must parse.
fn check_text(text: &str) -> Checked {
    let limits = Limits::default();
    let mut sources = SourceMap::new();
    let id = sources.add("m.whatif", text);
    let parsed = match syntax::parse(id, text, &limits) {
        Ok(p) => p,
        Err(e) => panic!("{e:?}\n--- text\n{text}"),
    };
    check(&sources, vec![(id, parsed.ast)], &limits)
}

/// The codes of every error, in order.
fn error_codes(checked: &Checked) -> Vec<String> {
    checked
        .errors
        .iter()
        .map(|e| {
            miette::Diagnostic::code(e)
                .map(|c| c.to_string())
                .unwrap_or_default()
        })
        .collect()
}

const HEADER: &str = "model \"m\" { horizon 10 steps }\n";

#[test]
fn misspelt_names_get_a_suggestion() {
    assert_eq!(
        did_you_mean("trusst", ["trust", "loyalty"]),
        Some("did you mean `trust`?".to_string())
    );
    assert_eq!(
        did_you_mean("users.trst", ["users.trust"]),
        Some("did you mean `users.trust`?".to_string())
    );
    assert_eq!(did_you_mean("zzzzzz", ["trust"]), None);
}

#[test]
fn a_huge_unknown_name_is_reported_quickly_without_a_suggestion() {
    let name = "x".repeat(1_000_000);
    let text = format!("{HEADER}factor y = 0.5\nrule r: when {name} > 1 then y += 1\n");
    let started = std::time::Instant::now();
    let checked = check_text(&text);
    assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
    assert_eq!(error_codes(&checked), ["whatif::check::unknown_name"]);
    assert!(matches!(
        &checked.errors[0],
        CheckError::UnknownName { help: Some(h), .. } if !h.contains("did you mean")
    ));
}

#[test]
fn numbers_are_shown_for_people() {
    assert_eq!(format_number(1.1 + 0.2), "1.3");
    assert_eq!(format_number(3.0 / 7.0), "0.428571");
    assert_eq!(format_number(1e10), "10000000000");
    assert_eq!(format_number(4_294_967_295.0), "4294967295");
    assert_eq!(format_number(123_456.7), "123457");
    assert_eq!(format_number(0.015), "0.015");
    assert_eq!(format_number(100.0), "100");
    assert_eq!(format_number(-2.5), "-2.5");
    assert_eq!(format_number(0.0), "0");
    assert_eq!(format_number(-0.0), "0");
    assert_eq!(format_number(-1e-9), "-1e-9");
    assert_eq!(format_number(1.5e-7), "1.5e-7");
    assert_eq!(format_number(1e20), "1e20");
    assert_eq!(format_number(f64::MAX), "1.79769e308");
    assert_eq!(format_number(f64::INFINITY), "infinity");
}

const WEEKLY: &str = "model \"m\" { step 1 week  horizon 10 weeks }\nactor a { factor x = 0.5  event e prior = 0.1 }\n";

#[test]
fn a_duration_that_is_not_whole_steps_is_reported_once() {
    for line in [
        "rule r: when a.e then a.x += 0.1 after 3 days",
        "rule r: when a.e then a.x += 0.1 after 3 days..2",
        "rule r: when a.e for 3 days then a.x += 0.1",
        "scenario s { hold a.x = 0.5 from 3 days to 1 }",
    ] {
        let checked = check_text(&format!("{WEEKLY}{line}\n"));
        assert_eq!(error_codes(&checked), ["whatif::check::steps"], "{line}");
    }
}

#[test]
fn an_event_held_at_a_number_is_one_error() {
    let checked = check_text(&format!("{WEEKLY}scenario s {{ hold a.e = 1 }}\n"));
    assert_eq!(error_codes(&checked), ["whatif::check::bad_intervention"]);
    let checked = check_text(&format!("{WEEKLY}scenario s {{ hold a.e = (true) }}\n"));
    assert_eq!(error_codes(&checked), Vec::<String>::new());
}

#[test]
fn a_horizon_beyond_u32_is_reported_as_written() {
    let checked = check_text("model \"m\" { horizon 1e10 steps }\nfactor x = 0\n");
    assert_eq!(
        checked.errors[0].to_string(),
        "the model has 10000000000 steps of horizon, more than the limit of 100000"
    );
}

#[test]
fn a_unit_on_the_second_end_of_a_range_applies_to_both() {
    let text = "model \"m\" { step 1 day  horizon 100 days }\n\
                actor a { factor x = 0.5  event e prior = 0.1 }\n\
                rule r: when a.e then a.x += 0.1 after 2..8 weeks\n\
                rule s: when a.e then a.e after 1 week..8\n\
                scenario s { hold a.x = 0.5 from 2 to 12 weeks }\n";
    let checked = check_text(text);
    assert_eq!(error_codes(&checked), Vec::<String>::new());
    let model = checked.model.expect("a model");
    let limits = Limits::default();
    let base = values::resolve(&model, model::BASELINE, &[], &limits).expect("valid");
    assert_eq!(base.rules[0].delay, (14, 56));
    assert_eq!(base.rules[1].delay, (7, 8));
    let held = values::resolve(&model, ScenarioId(1), &[], &limits).expect("valid");
    assert_eq!((held.holds[0].from, held.holds[0].to), (14, 84));
}

#[test]
fn a_shared_unit_that_does_not_convert_is_reported_once() {
    let text = format!("{WEEKLY}rule r: when a.e then a.x += 0.1 after 1..2 months\n");
    let checked = check_text(&text);
    assert_eq!(error_codes(&checked), ["whatif::check::bad_setting"]);
}

#[test]
fn a_scenario_rule_counts_with_its_own_delay_in_the_longest_chain() {
    let text = "model \"m\" { horizon 10 steps }\n\
                actor a { event e prior = 0.1  event f }\n\
                scenario s { rule r: when a.e then a.f after 20 }\n";
    let checked = check_text(text);
    assert_eq!(error_codes(&checked), Vec::<String>::new());
    assert!(
        checked
            .warnings
            .iter()
            .any(|w| matches!(w, CheckWarning::ShortHorizon { length: 20, .. })),
        "{:?}",
        checked.warnings
    );
}

#[test]
fn a_custom_scale_needs_words_that_are_not_keywords() {
    let checked = check_text("model \"m\" { horizon 10 scale { } }\nfactor x = 0\n");
    assert_eq!(error_codes(&checked), ["whatif::check::bad_setting"]);
    for word in ["after", "then", "p", "hold"] {
        let text = format!(
            "model \"m\" {{ horizon 10 scale {{ {word} = 0.5 in [0, 1] likely = 0.8 in [0.6, 1] }} }}\nfactor x = 0\n"
        );
        let checked = check_text(&text);
        assert_eq!(
            error_codes(&checked),
            ["whatif::check::keyword_name"],
            "{word}"
        );
    }
}

#[test]
fn reserved_words_follow_the_grammar() {
    let grammar = include_str!("../../grammar/whatif.pest");
    let line = grammar
        .lines()
        .find(|l| l.starts_with("reserved"))
        .expect("the grammar's `reserved` rule");
    let words: Vec<&str> = line.split('"').skip(1).step_by(2).collect();
    assert_eq!(words, items::RESERVED_WORDS);
}
#[test]
fn sizes() {
    eprintln!(
        "Rule {} Expr {} Delay {} Steps {} Effect {} Likelihood {}",
        std::mem::size_of::<super::model::Rule>(),
        std::mem::size_of::<super::model::Expr>(),
        std::mem::size_of::<super::model::Delay>(),
        std::mem::size_of::<super::model::Steps>(),
        std::mem::size_of::<super::model::Effect>(),
        std::mem::size_of::<super::model::Likelihood>()
    );
}

#[test]
fn the_math_functions_are_computed_by_libm() {
    let one = |name: &str, args: &[f64]| {
        let (_, f) = model::Func::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .copied()
            .expect("a function");
        f.apply(args)
    };
    assert_eq!(one("sin", &[0.0]), 0.0);
    assert!((one("sin", &[std::f64::consts::FRAC_PI_2]) - 1.0).abs() < 1e-15);
    assert_eq!(one("cos", &[0.0]), 1.0);
    assert_eq!(one("sqrt", &[2.25]), 1.5);
    assert_eq!(one("pow", &[2.0, 10.0]), 1024.0);
    assert_eq!(one("pow", &[4.0, 0.5]), 2.0);
    assert_eq!(one("floor", &[-1.5]), -2.0);
    assert_eq!(one("ceil", &[-1.5]), -1.0);
    assert_eq!((one("round", &[2.5]), one("round", &[-2.5])), (3.0, -3.0));
    assert_eq!(one("log10", &[1000.0]), 3.0);
    // Outside their domains they are not finite, which the checker and the
    // evaluator report where it arises.
    assert!(one("sqrt", &[-1.0]).is_nan());
    assert_eq!(one("log10", &[0.0]), f64::NEG_INFINITY);
    assert!(one("log10", &[-1.0]).is_nan());
    assert!(one("pow", &[-8.0, 1.0 / 3.0]).is_nan());
    assert_eq!(one("pow", &[0.0, -1.0]), f64::INFINITY);
}

#[test]
fn the_math_functions_check_their_arity_and_constants() {
    let text = format!(
        "{HEADER}param a = pow(2, 3) + sqrt(16) + floor(0.5) + ceil(0.5) + round(0.5) + log10(10) + sin(0) + cos(0)\n\
         factor x = 0\n"
    );
    let checked = check_text(&text);
    assert_eq!(error_codes(&checked), Vec::<String>::new());
    let model = checked.model.expect("a model");
    let base = values::resolve(&model, model::BASELINE, &[], &Limits::default()).expect("valid");
    assert_eq!(
        base.params[0],
        8.0 + 4.0 + 0.0 + 1.0 + 1.0 + 1.0 + 0.0 + 1.0
    );
    let checked = check_text(&format!("{HEADER}param a = pow(2)\nfactor x = 0\n"));
    assert_eq!(error_codes(&checked), ["whatif::check::arity"]);
    for bad in ["sqrt(-1)", "log10(0)", "log10(-2)"] {
        let checked = check_text(&format!("{HEADER}param a = {bad}\nfactor x = 0\n"));
        assert_eq!(
            error_codes(&checked),
            ["whatif::check::non_finite"],
            "{bad}"
        );
    }
}
