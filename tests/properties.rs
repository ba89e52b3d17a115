//! Properties of the library on generated inputs (issue 6): checking never
//! panics and its spans are sound, evaluation does not depend on threads or on
//! how many runs were asked for, and a model without chance is evaluated the
//! same by Monte Carlo as exactly. Parse ∘ print and formatting's fixed point
//! are properties of the syntax stage, beside it in `src/syntax/tests.rs`.
//!
//! Case counts are modest so that `cargo test` stays fast in a debug build.

use proptest::prelude::*;
use whatif::check::model::BASELINE;
use whatif::eval::{self, Options, Results};
use whatif::limits::Limits;
use whatif::load::NoImports;

/// Words and punctuation of the language, so that arbitrary strings reach past
/// the first token often enough to exercise the parser and the checker.
const PIECES: &[&str] = &[
    "model \"m\" { horizon 5 steps }\n",
    "event ",
    "factor ",
    "param ",
    "rule ",
    "scenario ",
    "expect ",
    "actor ",
    "import ",
    "when ",
    "while ",
    "then ",
    "after ",
    "p = ",
    "prior = ",
    "hazard = ",
    " := ",
    " = ",
    " += ",
    " in [0, 1]",
    " and ",
    " or ",
    "not ",
    "if ",
    "else ",
    "for 2 steps",
    "at least 1 of (",
    "one of {",
    "hold ",
    "without ",
    "{",
    "}",
    "(",
    ")",
    ",",
    ":",
    ".",
    "\n",
    "a",
    "b",
    "x",
    "0.5",
    "1e308",
    "-3",
    "\"text\"",
    "//",
    "/*",
    "é",
    "\u{202E}",
    "\u{FEFF}",
    "\r\n",
];

fn source() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..200),
        proptest::collection::vec(proptest::sample::select(PIECES), 0..40)
            .prop_map(|pieces| pieces.concat().into_bytes()),
    ]
}

/// A likelihood: 0 or 1 only when `certain`.
fn chance(certain: bool) -> BoxedStrategy<f64> {
    if certain {
        prop_oneof![Just(0.0), Just(1.0)].boxed()
    } else {
        prop_oneof![Just(0.0), Just(0.25), Just(0.5), Just(0.9), Just(1.0)].boxed()
    }
}

/// A small model of events and one counting factor: priors, rules with
/// conditions over the events, likelihoods and delays (ranged only when not
/// `certain`).
fn model(certain: bool) -> impl Strategy<Value = String> {
    (2usize..6)
        .prop_flat_map(move |n| {
            let priors = proptest::collection::vec(chance(certain), n);
            let rule = (
                0..n,
                0..n,
                0..n,
                0u8..4,
                any::<bool>(),
                chance(certain),
                1u32..3,
                any::<bool>(),
            );
            (Just(n), priors, proptest::collection::vec(rule, 1..6))
        })
        .prop_map(move |(n, priors, rules)| {
            let mut text = String::from("model \"m\" { horizon 8 steps }\nfactor x = 0\n");
            for (i, p) in priors.iter().enumerate() {
                text.push_str(&format!("event e{i} prior = {p}\n"));
            }
            for (k, (a, b, target, shape, keep, p, delay, ranged)) in rules.into_iter().enumerate()
            {
                let cond = match shape {
                    0 => format!("e{a}"),
                    1 => format!("e{a} and not e{b}"),
                    2 => format!("e{a} or e{b}"),
                    _ => format!("at least 2 of (e{a}, e{b}, e{})", (a + 1) % n),
                };
                let kind = if keep { "while" } else { "when" };
                let after = if ranged && !certain {
                    format!("{delay}..{}", delay + 2)
                } else {
                    delay.to_string()
                };
                let effect = if k % 3 == 2 {
                    "x += 1".to_string()
                } else {
                    format!("e{target}")
                };
                text.push_str(&format!(
                    "rule r{k}: {kind} {cond} then {effect} p = {p} after {after}\n"
                ));
            }
            text
        })
}

fn analyze(text: &str) -> whatif::Analysis {
    whatif::analyze(
        &mut NoImports,
        "m",
        "m.whatif",
        text.as_bytes().to_vec(),
        &Limits::default(),
    )
}

fn evaluate(text: &str, options: &Options) -> Results {
    let analysis = analyze(text);
    let errors: Vec<String> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(ToString::to_string)
        .collect();
    assert!(errors.is_empty(), "{errors:?}\n{text}");
    let model = analysis.model.expect("a model without errors");
    eval::run(
        &model,
        &analysis.sources,
        BASELINE,
        &[],
        options,
        &Limits::default(),
    )
    .expect("evaluates")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// Whatever the bytes, checking ends without a panic, a model comes back
    /// exactly when there is no error, and every span lies inside its source
    /// on character boundaries (all asserted by the fuzzing entry point).
    #[test]
    fn check_never_panics_and_spans_stay_inside_the_source(bytes in source()) {
        whatif::fuzz::check(&bytes);
        whatif::fuzz::parse(&bytes);
        whatif::fuzz::fmt(&bytes);
    }

    /// The generated models check; results are the same at 1, 2 and 4 threads.
    #[test]
    fn results_do_not_depend_on_the_number_of_threads(text in model(false), seed in any::<u64>()) {
        let at = |threads| evaluate(&text, &Options { runs: 600, seed, threads, ..Options::default() });
        let one = at(1);
        prop_assert_eq!(&one, &at(2));
        prop_assert_eq!(&one, &at(4));
    }

    /// Run k is the same run whether N or 2N runs are asked for: the first N
    /// runs of a request for 2N count exactly what a request for N counts.
    #[test]
    fn the_first_runs_do_not_depend_on_how_many_follow(text in model(false), seed in any::<u64>(), m in 1u64..3) {
        let analysis = analyze(&text);
        let model = analysis.model.expect("a model without errors");
        let limits = Limits::default();
        let prepared = eval::prepare(&model, &analysis.sources, BASELINE, &[], &[], &limits)
            .expect("prepares");
        let n = m * eval::stats::BLOCK;
        let options = Options { seed, threads: 2, ..Options::default() };
        let first = |runs| {
            eval::montecarlo::aggregate(&prepared.program, runs, &options, (0, m), &limits)
                .expect("runs")
        };
        let (alone, of_twice) = (first(n), first(2 * n));
        prop_assert_eq!(&alone.counts, &of_twice.counts);
        prop_assert_eq!(&alone.layout, &of_twice.layout);
    }

    /// With every likelihood at 0 or 1 nothing is left to chance: Monte Carlo
    /// gives what exact evaluation gives.
    #[test]
    fn without_chance_monte_carlo_is_exact(text in model(true), seed in any::<u64>()) {
        let mc = evaluate(&text, &Options { runs: 50, seed, ..Options::default() });
        let exact = evaluate(&text, &Options { exact: true, ..Options::default() });
        prop_assert_eq!(mc.events.len(), exact.events.len());
        for (a, b) in mc.events.iter().zip(&exact.events) {
            prop_assert_eq!(&a.name, &b.name);
            prop_assert_eq!(a.probability, b.probability, "{}\n{}", a.name, text);
            prop_assert_eq!(&a.by_step, &b.by_step, "{}\n{}", a.name, text);
        }
        for (a, b) in mc.factors.iter().zip(&exact.factors) {
            prop_assert_eq!(&a.mean, &b.mean, "{}\n{}", a.name, text);
            prop_assert_eq!(&a.p50, &b.p50, "{}\n{}", a.name, text);
        }
    }
}
