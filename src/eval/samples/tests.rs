use super::*;
use crate::check::CheckError;
use crate::check::measure::read;
use crate::check::model::BASELINE;
use crate::eval::{Cancel, run};

use crate::eval::tests::{EVENTS_ALONE as EVENTS, RANDOM_WALK as WALK};

fn model(text: &str) -> (Model, SourceMap) {
    let a = crate::testing::analyzed(text);
    (a.model.expect("the model checks"), a.sources)
}

fn sample(
    text: &str,
    measures: &[&str],
    options: &Options,
    limits: &Limits,
) -> Result<Samples, EvalError> {
    let (m, mut sources) = model(text);
    let measures: Vec<Measure> = measures
        .iter()
        .enumerate()
        .map(|(i, t)| read(&m, &mut sources, &format!("samples[{i}]"), t, limits).expect("reads"))
        .collect();
    collect(&m, &sources, BASELINE, &[], &measures, options, limits)
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

#[test]
fn a_probability_column_averages_to_the_results_probability_exactly() {
    let limits = Limits::default();
    for (text, event) in [(WALK, "shock"), (EVENTS, "b")] {
        let options = Options {
            runs: 1_000,
            seed: 3,
            ..Options::default()
        };
        let (m, sources) = model(text);
        let results = run(&m, &sources, BASELINE, &[], &options, &limits).expect("runs");
        let p = format!("P({event})");
        let by = format!("P({event} by 5)");
        let s = sample(text, &[&p, &by], &options, &limits).expect("samples");
        assert_eq!(s.runs, 1_000);
        assert_eq!(s.steps, vec![results.horizon, 5]);
        let e = results.event(event).expect("the event");
        assert_eq!(mean(s.column(0)), e.probability);
        assert_eq!(mean(s.column(1)), e.by_step[5]);
        assert!(s.values.iter().all(|&v| v == 0.0 || v == 1.0));
    }
}

#[test]
fn a_factor_column_averages_to_the_results_mean() {
    let limits = Limits::default();
    let options = Options {
        runs: 700,
        ..Options::default()
    };
    let (m, sources) = model(WALK);
    let results = run(&m, &sources, BASELINE, &[], &options, &limits).expect("runs");
    let s = sample(WALK, &["x at 12", "x"], &options, &limits).expect("samples");
    let x = results.factor("x").expect("the factor");
    assert!((mean(s.column(0)) - x.mean[12]).abs() < 1e-9);
    assert!((mean(s.column(1)) - x.mean[50]).abs() < 1e-9);
    // Runs differ: the start is drawn.
    assert!(s.column(0).iter().any(|&v| v != s.column(0)[0]));
}

#[test]
fn samples_do_not_depend_on_the_threads() {
    let limits = Limits::default();
    let measures = ["x at 7", "P(x > 1 by 20)", "P(shock at 9)"];
    let at = |threads| {
        let options = Options {
            runs: 900,
            threads,
            ..Options::default()
        };
        sample(WALK, &measures, &options, &limits).expect("samples")
    };
    assert_eq!(at(1), at(2));
    // `by` holds in every run where `at` the same step does.
    let s = at(2);
    let (at20, by20) = (
        sample(WALK, &["P(x > 1 at 20)"], &Options::default(), &limits).expect("samples"),
        sample(WALK, &["P(x > 1 by 20)"], &Options::default(), &limits).expect("samples"),
    );
    assert!(at20.values.iter().zip(&by20.values).all(|(a, b)| a <= b));
    assert_eq!(s.measures, measures);
}

#[test]
fn steps_are_checked_against_the_scenario() {
    let limits = Limits::default();
    let err = sample(WALK, &["x at 51"], &Options::default(), &limits).expect_err("after");
    let EvalError::Values(errors) = err else {
        panic!("{err:?}")
    };
    assert!(matches!(
        errors[0],
        CheckError::AfterHorizon { step: 51, .. }
    ));
    let days = r#"model "days" { step 1 week  horizon 10 weeks }
factor x = 0.5
"#;
    let err = sample(days, &["x at 3 days"], &Options::default(), &limits).expect_err("3/7");
    let EvalError::Values(errors) = err else {
        panic!("{err:?}")
    };
    assert!(matches!(errors[0], CheckError::NotWholeSteps { .. }));
}

#[test]
fn samples_over_the_memory_limit_are_refused_before_any_run() {
    let limits = Limits {
        memory: 1 << 20,
        ..Limits::default()
    };
    let options = Options {
        runs: 200_000,
        ..Options::default()
    };
    let err = sample(WALK, &["x"], &options, &limits).expect_err("too large");
    assert!(matches!(
        err,
        EvalError::Limit {
            which: Limit::Memory,
            ..
        }
    ));
    // Within it, fine.
    let options = Options {
        runs: 20_000,
        ..options
    };
    assert!(sample(WALK, &["x"], &options, &limits).is_ok());
}

#[test]
fn a_model_with_no_draw_runs_once_and_a_cancel_stops_sampling() {
    let limits = Limits::default();
    let fixed = r#"model "fixed" { horizon 3 steps }
factor y = 1 in [0, 10]
rule grow: when step > 0 then y += 1
"#;
    let s = sample(fixed, &["y at 3"], &Options::default(), &limits).expect("samples");
    // `when` acts once, as its condition becomes true.
    assert_eq!((s.runs, s.values.clone()), (1, vec![2.0]));
    let cancel = Cancel::default();
    cancel.cancel();
    let options = Options {
        cancel: Some(cancel),
        ..Options::default()
    };
    assert_eq!(
        sample(WALK, &["x"], &options, &limits),
        Err(EvalError::Cancelled)
    );
}
