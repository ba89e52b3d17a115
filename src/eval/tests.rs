//! The semantics of DESIGN.md §2, each with a model whose answer is known
//! exactly.

use super::*;
use crate::check::model::BASELINE;
use crate::load::NoImports;

fn model(text: &str) -> (Model, SourceMap) {
    let analysis = crate::analyze(
        &mut NoImports,
        "t",
        "t.whatif",
        text.as_bytes().to_vec(),
        &Limits::default(),
    );
    let errors: Vec<String> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(ToString::to_string)
        .collect();
    assert!(errors.is_empty(), "{errors:?}\n{text}");
    (analysis.model.expect("a model"), analysis.sources)
}

fn eval_with(text: &str, scenario: &str, options: &Options) -> Results {
    let (m, sources) = model(text);
    let id = m.scenario_named(scenario).expect("the scenario");
    run(&m, &sources, id, &[], options, &Limits::default()).expect("evaluates")
}

fn exact(text: &str) -> Results {
    eval_with(
        text,
        "baseline",
        &Options {
            exact: true,
            ..Options::default()
        },
    )
}

fn mc(text: &str, runs: u64) -> Results {
    eval_with(
        text,
        "baseline",
        &Options {
            runs,
            ..Options::default()
        },
    )
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

fn p_by(r: &Results, event: &str) -> Vec<f64> {
    r.event(event).expect("the event").by_step.clone()
}

#[test]
fn prior_and_hazard_compound_as_designed() {
    let r = exact("model \"m\" { horizon 6 steps }\nevent e prior = 0.2 hazard = 0.1");
    for (t, p) in p_by(&r, "e").iter().enumerate() {
        let expected = 1.0 - 0.8 * 0.9f64.powi(t as i32);
        assert!(close(*p, expected), "step {t}: {p} vs {expected}");
    }
}

#[test]
fn effects_due_after_the_horizon_are_dropped() {
    let r = exact("model \"m\" { horizon 3 steps }\nevent e\nrule r: when true then e after 5");
    assert_eq!(r.event("e").map(|e| e.probability), Some(0.0));
    let r = exact("model \"m\" { horizon 5 steps }\nevent e\nrule r: when true then e after 5");
    assert_eq!(p_by(&r, "e"), vec![0.0, 0.0, 0.0, 0.0, 0.0, 1.0]);
}

#[test]
fn when_fires_once_on_first_truth_with_one_draw() {
    // The condition holds at every step, but the likelihood is drawn once.
    let r = exact("model \"m\" { horizon 8 steps }\nevent e\nrule r: when true then e p = 0.5");
    assert!(close(r.event("e").map_or(0.0, |e| e.probability), 0.5));
    // Step 0 included: the effect lands at step 1.
    assert_eq!(r.event("e").and_then(|e| e.median_step), Some(1));
}

#[test]
fn while_draws_at_every_step() {
    let r = exact("model \"m\" { horizon 3 steps }\nevent e\nrule r: while true then e p = 0.5");
    assert_eq!(p_by(&r, "e"), vec![0.0, 0.5, 0.75, 0.875]);
}

#[test]
fn a_delayed_effect_lands_after_its_condition_lapsed() {
    let text = "model \"m\" { horizon 5 steps }\nevent trigger\nevent e\nfactor x = 0\n\
        rule r: when x < 0.5 then e after 3\nrule raise: when true then x = 1";
    let r = exact(text);
    // x < 0.5 holds only at step 0; e lands at step 3 anyway.
    assert_eq!(p_by(&r, "e"), vec![0.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
}

#[test]
fn holds_win_over_effects_and_windows_are_inclusive() {
    let text = "model \"m\" { horizon 6 steps }\nfactor x = 0\nrule grow: while true then x += 0.1\n\
        scenario s { hold x = 0.5 from 2 to 3 }";
    let (m, sources) = model(text);
    let s = m.scenario_named("s").expect("s");
    let r = run(
        &m,
        &sources,
        s,
        &[],
        &Options {
            exact: true,
            ..Options::default()
        },
        &Limits::default(),
    )
    .expect("runs");
    let x = &r.factor("x").expect("x").mean;
    let expected = [0.0, 0.1, 0.5, 0.5, 0.6, 0.7, 0.8];
    for (t, (a, b)) in x.iter().zip(expected).enumerate() {
        assert!((a - b).abs() < 1e-9, "step {t}: {a} vs {b}");
    }
}

#[test]
fn holds_on_events() {
    let text = "model \"m\" { horizon 3 steps }\nevent e prior = 1\nevent f\n\
        scenario blocked { hold e = false\n at 1: e }\nscenario forced { hold f = true }";
    let (m, sources) = model(text);
    let opts = Options {
        exact: true,
        ..Options::default()
    };
    let blocked = run(
        &m,
        &sources,
        m.scenario_named("blocked").expect("s"),
        &[],
        &opts,
        &Limits::default(),
    )
    .expect("runs");
    assert_eq!(blocked.event("e").map(|e| e.probability), Some(0.0));
    let forced = run(
        &m,
        &sources,
        m.scenario_named("forced").expect("s"),
        &[],
        &opts,
        &Limits::default(),
    )
    .expect("runs");
    assert_eq!(p_by(&forced, "f"), vec![1.0, 1.0, 1.0, 1.0]);
}

#[test]
fn a_set_applies_first_then_the_adds() {
    let text = "model \"m\" { horizon 2 steps }\nfactor x = 0\n\
        rule set_it: when true then x = 0.5\nrule add_it: when true then x += 0.1";
    let r = exact(text);
    let x = &r.factor("x").expect("x").mean;
    assert!((x[1] - 0.6).abs() < 1e-12, "{x:?}");
}

#[test]
fn bounding_is_reported() {
    let r =
        exact("model \"m\" { horizon 3 steps }\nfactor x = 0.9\nrule up: while true then x += 0.2");
    let x = r.factor("x").expect("x");
    assert_eq!(x.mean, vec![0.9, 1.0, 1.0, 1.0]);
    assert_eq!(x.bounded_from, Some(1));
    let r = mc(
        "model \"m\" { horizon 3 steps }\nfactor x = 0.9\nrule up: while true then x += 0.2",
        10,
    );
    assert_eq!(r.factor("x").map(|x| x.bounded_runs), Some(1));
}

#[test]
fn one_of_draws_the_likelihood_then_one_branch() {
    let text = "model \"m\" { horizon 2 steps }\nevent a\nevent b\n\
        rule r: when true then one of {\n a p = 0.5\n b p = 0.4 after 2\n } p = 0.5";
    let r = exact(text);
    assert!(close(r.event("a").map_or(0.0, |e| e.probability), 0.25));
    assert!(close(r.event("b").map_or(0.0, |e| e.probability), 0.2));
    assert_eq!(p_by(&r, "b")[1], 0.0);
}

#[test]
fn sustained_conditions_need_every_step_of_the_window() {
    let text = "model \"m\" { horizon 6 steps }\nfactor x = 0\nevent held := x > 0.5 for 3\n\
        rule up: when true then x = 1";
    let r = exact(text);
    // x > 0.5 from step 1; `for 3` holds from step 3.
    assert_eq!(p_by(&r, "held"), vec![0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]);
}

#[test]
fn ranged_delays_are_uniform() {
    let r = exact("model \"m\" { horizon 5 steps }\nevent e\nrule r: when true then e after 1..3");
    let by = p_by(&r, "e");
    assert!(
        close(by[1], 1.0 / 3.0) && close(by[2], 2.0 / 3.0) && close(by[3], 1.0),
        "{by:?}"
    );
}

#[test]
fn derived_nodes_never_lag() {
    let text = "model \"m\" { horizon 3 steps }\nfactor x = 0\nfactor y := x * 2\nevent big := y > 1\n\
        rule up: when true then x = 0.8";
    let r = exact(text);
    assert_eq!(
        r.factor("y").map(|y| y.mean.clone()),
        Some(vec![0.0, 1.0, 1.0, 1.0])
    );
    // y is bounded to its default range [0, 1], so y > 1 never holds.
    assert_eq!(r.event("big").map(|e| e.probability), Some(0.0));
}

#[test]
fn a_two_of_three_vote_fails_with_probability_0_028() {
    let text = "model \"m\" { horizon 1 steps }\nevent a prior = 0.1\nevent b prior = 0.1\nevent c prior = 0.1\n\
        event fails := at least 2 of (a, b, c)";
    let r = exact(text);
    let p = r.event("fails").map_or(0.0, |e| e.probability);
    assert!((p - 0.028).abs() < 1e-12, "{p}");
    let m = mc(text, 20_000);
    let e = m.event("fails").expect("fails");
    assert!(e.ci95.0 <= 0.028 && 0.028 <= e.ci95.1, "{:?}", e.ci95);
}

#[test]
fn a_shared_basic_event_is_not_counted_twice() {
    // top = (a and s) or (b and s): P = P(s) * P(a or b) = 0.5 * (1 - 0.6 * 0.7).
    let text = "model \"m\" { horizon 1 steps }\nevent s prior = 0.5\nevent a prior = 0.4\nevent b prior = 0.3\n\
        event top := (a and s) or (b and s)";
    let r = exact(text);
    let p = r.event("top").map_or(0.0, |e| e.probability);
    assert!((p - 0.5 * (1.0 - 0.6 * 0.7)).abs() < 1e-12, "{p}");
}

#[test]
fn a_two_state_chain_over_several_steps() {
    // s moves 0 → 1 with probability 0.3 and 1 → 0 with probability 0.2 per step.
    let text = "model \"m\" { horizon 6 steps }\nfactor s = 0\n\
        rule up: while s < 0.5 then s = 1 p = 0.3\nrule down: while s >= 0.5 then s = 0 p = 0.2";
    let r = exact(text);
    let mut p1 = 0.0;
    let mean = &r.factor("s").expect("s").mean;
    for (t, m) in mean.iter().enumerate() {
        assert!((m - p1).abs() < 1e-12, "step {t}: {m} vs {p1}");
        p1 = (1.0 - p1) * 0.3 + p1 * 0.8;
    }
    let sampled = mc(text, 20_000);
    let m = sampled.factor("s").expect("s").mean[6];
    assert!((m - mean[6]).abs() < 0.02, "{m} vs {}", mean[6]);
}

#[test]
fn an_event_tree() {
    let text = "model \"m\" { horizon 3 steps }\nevent start prior = 1\nevent good\nevent bad\n\
        rule branch: when start then one of {\n good p = 0.7\n bad p = 0.2\n }";
    let r = exact(text);
    assert!(close(r.event("good").map_or(0.0, |e| e.probability), 0.7));
    assert!(close(r.event("bad").map_or(0.0, |e| e.probability), 0.2));
    let m = mc(text, 20_000);
    for (name, p) in [("good", 0.7), ("bad", 0.2)] {
        let e = m.event(name).expect("event");
        assert!(e.ci95.0 <= p && p <= e.ci95.1, "{name}: {:?}", e.ci95);
    }
}

#[test]
fn results_do_not_depend_on_threads() {
    let text = include_str!("../../scenarios/x_platform.whatif")
        .replace("import \"lib/regulation.whatif\"", "");
    let text = format!(
        "{text}\n{}",
        include_str!("../../scenarios/lib/regulation.whatif")
    );
    let (m, sources) = model(&text);
    let id = m.scenario_named("outages_continue").expect("scenario");
    let results: Vec<Results> = [1, 2, 4]
        .iter()
        .map(|&threads| {
            let opts = Options {
                runs: 700,
                threads,
                ..Options::default()
            };
            run(&m, &sources, id, &[], &opts, &Limits::default()).expect("runs")
        })
        .collect();
    assert_eq!(results[0], results[1]);
    assert_eq!(results[0], results[2]);
}

#[test]
fn scenarios_share_their_draws_and_edits_leave_other_rules_alone() {
    let base = "model \"m\" { horizon 20 steps }\nevent e hazard = 0.1\nevent f\nfactor x = 0\n\
        rule r: when e then f p = 0.5 after 1..4\nscenario other { hold x = 0.5 }";
    let (m, sources) = model(base);
    let opts = Options {
        runs: 2_000,
        ..Options::default()
    };
    let a = run(&m, &sources, BASELINE, &[], &opts, &Limits::default()).expect("runs");
    let b = run(
        &m,
        &sources,
        m.scenario_named("other").expect("s"),
        &[],
        &opts,
        &Limits::default(),
    )
    .expect("runs");
    assert_eq!(a.events, b.events);
    // A new rule elsewhere does not reshuffle `r`'s draws.
    let edited = format!("{base}\nevent g\nrule unrelated: while true then g p = 0.3");
    let (m2, sources2) = model(&edited);
    let c = run(&m2, &sources2, BASELINE, &[], &opts, &Limits::default()).expect("runs");
    assert_eq!(a.event("f"), c.event("f"));
    assert_eq!(a.event("e"), c.event("e"));
}

#[test]
fn a_model_without_randomness_runs_once_and_is_exact() {
    let r = mc(
        "model \"m\" { horizon 3 steps }\nfactor x = 0\nrule up: while true then x += 0.1",
        10_000,
    );
    assert!(r.exact);
    assert_eq!(r.runs, 1);
}

#[test]
fn monte_carlo_agrees_with_exact_within_its_interval() {
    let text = "model \"m\" { horizon 12 steps }\nevent a hazard = 0.05\nevent b prior = 0.3\nevent c\nevent d\n\
        rule r1: when a or b then c p = 0.6 after 1..3\nrule r2: when c and not b then d likely";
    let x = exact(text);
    let m = mc(text, 20_000);
    for e in &x.events {
        let s = m.event(&e.name).expect("event");
        assert!(
            s.ci95.0 <= e.probability && e.probability <= s.ci95.1,
            "{}: {} not in {:?}",
            e.name,
            e.probability,
            s.ci95
        );
    }
}

#[test]
fn stop_when_steady() {
    let text = "model \"m\" {\n horizon 20 steps\n stop when steady 0.001\n}\nfactor x = 0\nevent e prior = 0.5\n\
        rule up: while x < 0.5 then x += 0.1";
    let r = mc(text, 1_000);
    let s = r.steady.expect("steady results");
    assert_eq!(s.never, 0);
    // x reaches 0.5 at step 5 and stops moving: steady at step 6 at the latest.
    assert!(s.median_step.is_some_and(|m| m <= 6), "{s:?}");
}

#[test]
fn a_value_that_is_not_finite_is_an_error() {
    let (m, sources) = model(
        "model \"m\" { horizon 3 steps }\nfactor x = 0 in [0, 10]\nrule r: while true then x += 1 / x",
    );
    let e = run(
        &m,
        &sources,
        BASELINE,
        &[],
        &Options::default(),
        &Limits::default(),
    )
    .expect_err("not finite");
    assert!(matches!(e, EvalError::NonFinite { .. }), "{e:?}");
}

#[test]
fn overrides_are_checked() {
    let (m, sources) =
        model("model \"m\" { horizon 3 steps }\nparam q = 0.5 in [0, 1]\nevent e prior = q");
    let ok = crate::check::values::Override::parse(&m, "q=0.25").expect("parses");
    let r = run(
        &m,
        &sources,
        BASELINE,
        &[ok],
        &Options {
            exact: true,
            ..Options::default()
        },
        &Limits::default(),
    )
    .expect("runs");
    assert!(close(r.event("e").map_or(0.0, |e| e.probability), 0.25));
    let bad = crate::check::values::Override::parse(&m, "q=1.5").expect("parses");
    assert!(matches!(
        run(
            &m,
            &sources,
            BASELINE,
            &[bad],
            &Options::default(),
            &Limits::default()
        ),
        Err(EvalError::Values(_))
    ));
    let prior = crate::check::values::Override::parse(&m, "e.prior=2").expect("parses");
    assert!(
        run(
            &m,
            &sources,
            BASELINE,
            &[prior],
            &Options::default(),
            &Limits::default()
        )
        .is_err()
    );
}

/// The chains explaining `event` (a model with no draw runs once).
fn chains(text: &str, event: &str) -> Vec<(String, u64)> {
    let (m, sources) = model(text);
    let node = m.node_named(event).expect("the event");
    let r = run(
        &m,
        &sources,
        BASELINE,
        &[],
        &Options {
            runs: 50,
            explain: vec![node],
            ..Options::default()
        },
        &Limits::default(),
    )
    .expect("runs");
    r.explanations[0].chains.clone()
}

#[test]
fn a_derived_event_is_explained_through_its_definition() {
    // `alarm` becomes true because `heat` passed 0.5, which `warming` did: the
    // chain follows the definition's comparison to the rule that moved the
    // factor, even though `cooling` brings `heat` back down before the horizon.
    let c = chains(
        "model \"m\" { horizon 10 steps }
         factor heat = 0
         event alarm := heat > 0.5
         event spark prior = 1
         rule warming: when spark then heat += 1
         rule cooling: when heat > 0.9 then heat -= 1 after 2 steps",
        "alarm",
    );
    assert_eq!(
        c,
        vec![(
            "alarm ← heat > 0.5 ← warming ← spark ← prior".to_string(),
            1
        )]
    );
}

#[test]
fn a_derived_factor_is_followed_to_the_input_that_had_moved_by_then() {
    // `out` is 1 while `down` has happened and `fixed` has not; by the end both
    // have happened and `out` is back to 0, but when `alert` fired it was `down`
    // that had moved it.
    let c = chains(
        "model \"m\" { horizon 10 steps }
         event go prior = 1
         event down
         event fixed
         factor out := if down and not fixed then 1 else 0
         event alert
         rule fail: when go then down after 2 steps
         rule raise: when out > 0.5 then alert
         rule repair: when down then fixed after 3 steps",
        "alert",
    );
    assert_eq!(
        c,
        vec![(
            "alert ← raise ← out > 0.5 ← down ← fail ← go ← prior".to_string(),
            1
        )]
    );
}

#[test]
fn an_event_already_in_a_chain_is_named_not_retold() {
    let c = chains(
        "model \"m\" { horizon 10 steps }
         event a prior = 1
         event b
         event c
         rule ab: when a then b
         rule c_from_both: when a and b then c",
        "c",
    );
    assert_eq!(
        c,
        vec![(
            "c ← c_from_both ← (a ← prior and b ← ab ← a)".to_string(),
            1
        )]
    );
}

/// A random model of events alone, the kind the bit-parallel simulator runs:
/// priors, hazards, `when` rules over `and`/`or`/`not` with likelihoods and delays, and
/// scenarios that hold and force events.
fn event_model(seed: u64) -> String {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let events = 4 + next(20) as usize;
    let horizon = 1 + next(12);
    let mut text = format!("model \"m\" {{ horizon {horizon} steps }}\n");
    let likelihood = ["0", "0.25", "0.5", "0.9", "1"];
    for i in 0..events {
        match next(4) {
            0 => text += &format!("event e{i}\n"),
            1 => {
                text += &format!(
                    "event e{i} hazard = {}\n",
                    ["0.05", "0.2", "1"][next(3) as usize]
                )
            }
            _ => text += &format!("event e{i} prior = {}\n", likelihood[next(5) as usize]),
        }
    }
    let name = |next: &mut dyn FnMut(u64) -> u64| format!("e{}", next(events as u64));
    for k in 0..2 * events {
        let a = name(&mut next);
        let b = name(&mut next);
        let c = name(&mut next);
        let cond = match next(5) {
            0 => a,
            1 => format!("{a} and {b}"),
            2 => format!("{a} or {b} or {c}"),
            3 => format!("{a} and not {b}"),
            _ => format!("not ({a} or {b}) or {c}"),
        };
        let target = name(&mut next);
        let second = if next(4) == 0 {
            format!(", {}", name(&mut next))
        } else {
            String::new()
        };
        text += &format!(
            "rule r{k}: when {cond} then {target}{second} p = {} after {}\n",
            likelihood[next(5) as usize],
            1 + next(3)
        );
    }
    // Three different events: one scenario intervenes once on each.
    let base = next(events as u64) as usize;
    let [held, forced, on] = [0, 1, 2].map(|d| format!("e{}", (base + d) % events));
    text += &format!(
        "scenario s {{ hold {held} = false from 1 to {}\n at {}: {forced}\n hold {on} = true from 2 to 3 }}\n",
        1 + next(horizon),
        next(horizon + 1),
    );
    text
}

/// Calls `check(seed, scenario, text, program)` for both scenarios of each of
/// 60 models `generate` makes, compiled with probes as `whatif test` adds
/// them (some rules' conditions).
fn each_generated_program(
    generate: fn(u64) -> String,
    mut check: impl FnMut(u64, &str, &str, &Program<'_>),
) {
    let limits = Limits::default();
    for seed in 0..60 {
        let text = generate(seed);
        let (m, sources) = model(&text);
        for scenario in ["baseline", "s"] {
            let id = m.scenario_named(scenario).expect("the scenario");
            let probes: Vec<&Expr> = m.rules.iter().take(3).map(|r| &r.condition).collect();
            let prepared = prepare(&m, &sources, id, &[], &probes, &limits).expect("prepares");
            check(seed, scenario, &text, &prepared.program);
        }
    }
}

/// 700 runs of `p` (two whole blocks and one partial one) by the general
/// simulator and by the fastest engine that takes `p`; their counts agree.
fn both_engines(
    p: &Program<'_>,
    options: &Options,
    context: &str,
) -> (montecarlo::Aggregate, montecarlo::Aggregate) {
    use montecarlo::{Engine, aggregate_with};
    let limits = Limits::default();
    let blocks = (0, montecarlo::blocks_of(700));
    let general = aggregate_with(p, 700, options, blocks, &limits, Engine::General).expect("runs");
    let fast = aggregate_with(p, 700, options, blocks, &limits, Engine::Fastest).expect("runs");
    assert_eq!(fast.counts, general.counts, "{context}");
    (general, fast)
}

#[test]
fn the_bit_parallel_simulator_counts_what_the_general_one_counts() {
    use montecarlo::{Engine, aggregate_with};
    let limits = Limits::default();
    let mut planned = 0;
    each_generated_program(event_model, |seed, scenario, text, p| {
        let layout = stats::Layout::of(p);
        if bitsim::Plan::of(p, &layout).is_some() {
            planned += 1;
        }
        let options = Options {
            seed: seed * 7 + 1,
            threads: 1 + (seed % 2) as usize,
            ..Options::default()
        };
        let (general, fast) =
            both_engines(p, &options, &format!("seed {seed}, {scenario}:\n{text}"));
        // A shard's blocks add up to the same counts.
        let mut shards = aggregate_with(p, 700, &options, (0, 1), &limits, Engine::Fastest)
            .expect("runs")
            .counts;
        let rest =
            aggregate_with(p, 700, &options, (1, 3), &limits, Engine::Fastest).expect("runs");
        shards.merge(&rest.counts);
        assert_eq!(shards, general.counts, "seed {seed}, {scenario}: shards");
        // And the general simulator's split into a part computed once and
        // a part computed per run agrees with running everything per run.
        let full = full_counts(p, 700, options.seed, &fast.layout);
        assert_eq!(full, general.counts, "seed {seed}, {scenario}: whole runs");
    });
    // Every generated model is one the bit-parallel simulator takes.
    assert_eq!(planned, 120);
}

/// The counts of `runs` runs of all of `p` by [`sim::Sim`], one at a time.
fn full_counts(p: &Program<'_>, runs: u64, seed: u64, layout: &stats::Layout) -> stats::Counts {
    let rng = crate::rng::Rng::new(seed);
    let mut sim = sim::Sim::new(p, false);
    let mut rec = stats::Recorder::new(p, layout, None);
    let mut counts = layout.counts();
    let mut sums = layout.sums(0);
    for run in 0..runs {
        rec.begin();
        let mut ch = montecarlo::Keyed::new(&rng, run);
        sim.run(&mut ch, &mut |t, sim| {
            rec.step(t, sim, &mut counts, &mut sums)
        })
        .expect("runs");
        rec.end(&sim, &mut counts);
    }
    rec.flush(&mut counts, None);
    counts
}

#[test]
fn paired_comparisons_of_event_models_agree_between_the_simulators() {
    use montecarlo::Engine;
    use paired::{Measure, Pair, compare_with};
    let limits = Limits::default();
    for seed in 0..30 {
        let text = event_model(seed);
        let (m, sources) = model(&text);
        let probes: Vec<&Expr> = m.rules.iter().take(2).map(|r| &r.condition).collect();
        let program = |name: &str| {
            let id = m.scenario_named(name).expect("the scenario");
            prepare(&m, &sources, id, &[], &probes, &limits).expect("prepares")
        };
        let (a, b) = (program("s"), program("baseline"));
        let horizon = a.program.horizon;
        let mut pairs: Vec<Pair> = (0..m.nodes.len() as u32)
            .map(|n| Pair {
                a: Measure::Event(n),
                b: Measure::Event(n),
                step: n % (horizon + 1),
            })
            .collect();
        for (k, step) in [(0, horizon), (1, horizon / 2)] {
            pairs.push(Pair {
                a: Measure::ProbeAt(k),
                b: Measure::ProbeAt(k),
                step,
            });
            pairs.push(Pair {
                a: Measure::ProbeBy(k),
                b: Measure::ProbeAt(k),
                step,
            });
        }
        let options = Options {
            seed,
            threads: 1 + (seed % 2) as usize,
            ..Options::default()
        };
        let run = |engine| {
            compare_with(
                &a.program, &b.program, &pairs, 700, &options, &limits, engine,
            )
            .expect("compares")
        };
        assert_eq!(
            run(Engine::Fastest),
            run(Engine::General),
            "seed {seed}:\n{text}"
        );
    }
}

/// A model of factors (the general simulator) and one of events alone (the
/// bit-parallel one), for cancellation and samples.
pub(super) const RANDOM_WALK: &str = r#"model "walk" { horizon 50 steps }
factor x = uniform(0, 1) in [0, 100]
event shock hazard = 0.05
rule up: while shock then x += 1
rule drift: when x > 0.5 then x += 0.1 likely
scenario calm { set shock.hazard = 0.01 }
"#;
pub(super) const EVENTS_ALONE: &str = r#"model "events" { horizon 20 steps }
event a hazard = 0.1
event b
rule ab: when a then b likely after 2
scenario rare { set a.hazard = 0.01 }
"#;

#[test]
fn a_cancelled_evaluation_stops_with_its_own_error() {
    let limits = Limits::default();
    let cancel = Cancel::default();
    cancel.cancel();
    for text in [RANDOM_WALK, EVENTS_ALONE] {
        let (m, sources) = model(text);
        for threads in [1, 2] {
            let options = Options {
                runs: 2_000,
                threads,
                cancel: Some(cancel.clone()),
                ..Options::default()
            };
            let got = run(&m, &sources, BASELINE, &[], &options, &limits);
            assert_eq!(got, Err(EvalError::Cancelled), "{text}");
            let d = crate::diff::diff(&m, &sources, ScenarioId(1), BASELINE, &options, &limits);
            assert_eq!(d.err(), Some(EvalError::Cancelled), "{text}");
        }
    }
    let (m, sources) = model(EVENTS_ALONE);
    let options = Options {
        exact: true,
        cancel: Some(cancel),
        ..Options::default()
    };
    // Exact evaluation looks at its first outcome and every 1,024th.
    let got = run(&m, &sources, BASELINE, &[], &options, &limits);
    assert_eq!(got, Err(EvalError::Cancelled));
}

#[test]
fn an_evaluation_cancelled_while_it_runs_stops() {
    let limits = Limits {
        runs: u64::MAX,
        work: u64::MAX,
        ..Limits::default()
    };
    let (m, sources) = model(RANDOM_WALK);
    let cancel = Cancel::default();
    let progress = Progress::default();
    // Far more runs than can finish before the cancel below.
    let options = Options {
        runs: 1 << 40,
        threads: 2,
        cancel: Some(cancel.clone()),
        progress: Some(progress.clone()),
        ..Options::default()
    };
    std::thread::scope(|s| {
        let worker = s.spawn(|| run(&m, &sources, BASELINE, &[], &options, &limits));
        while progress.done() == 0 {
            std::thread::yield_now();
        }
        cancel.cancel();
        let got = worker.join().expect("no panic");
        assert_eq!(got, Err(EvalError::Cancelled));
    });
}

#[test]
fn a_cancel_never_used_changes_nothing() {
    let limits = Limits::default();
    for text in [RANDOM_WALK, EVENTS_ALONE] {
        let (m, sources) = model(text);
        let plain = Options {
            runs: 1_000,
            ..Options::default()
        };
        let with = Options {
            cancel: Some(Cancel::default()),
            ..plain.clone()
        };
        assert_eq!(
            run(&m, &sources, BASELINE, &[], &plain, &limits),
            run(&m, &sources, BASELINE, &[], &with, &limits)
        );
    }
}

/// A model of factors and rare events, drawn from `seed`: small priors and
/// hazards, `when` and `while` rules with delays (some ranges), a `one of`,
/// derived nodes, `for N`, an uncertain start, sometimes `stop when steady`,
/// and a scenario with a hold and a forced event.
fn rare_model(seed: u64) -> String {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let horizon = 5 + next(60);
    let steady = if next(3) == 0 {
        "\n  stop when steady 0.0001"
    } else {
        ""
    };
    let mut text = format!("model \"m\" {{\n  horizon {horizon} steps{steady}\n}}\n");
    // Mostly rare, so that most runs follow the modal path; one in five is not.
    let hazards = ["0.0005", "0.001", "0.002", "0.01", "0.3"];
    for i in 0..4 {
        text += &format!("event e{i} hazard = {}\n", hazards[next(5) as usize]);
    }
    let priors = ["0.001", "0.01", "0.05", "0.3", "0.9"];
    text += &format!("event p0 prior = {}\n", priors[next(5) as usize]);
    text += "event q0\nevent q1\n";
    text += "factor f0 = 0.5\nfactor f1 = bernoulli(0.02)\nfactor f2 = 0 in [0, 100]\n";
    text += "factor d0 := f0 * 2 + f2 / 100 in [0, 3]\n";
    text += "event g0 := e0 or (f0 < 0.3 for 2)\n";
    text += "rule flow: while true then f2 += 0.5 * f0\n";
    text += "rule drain: while f2 > 20 then f2 -= 1\n";
    for k in 0..6 {
        let cond = match next(5) {
            0 => format!("e{}", next(4)),
            1 => format!("e{} and not q0", next(4)),
            2 => "g0".to_string(),
            3 => format!("f0 < {}", ["0.1", "0.2", "0.3"][next(3) as usize]),
            _ => "p0 or f1 > 0.5".to_string(),
        };
        let effect = match next(4) {
            0 => "f0 -= 0.1".to_string(),
            1 => "f0 += 0.05, q1".to_string(),
            2 => format!("q{}", next(2)),
            _ => "f1 += 0.2".to_string(),
        };
        let delay = match next(3) {
            0 => "after 1".to_string(),
            1 => format!("after 1..{}", 2 + next(3)),
            _ => "after 2".to_string(),
        };
        let kind = if next(3) == 0 { "while" } else { "when" };
        text += &format!(
            "rule r{k}: {kind} {cond} then {effect} p = {} {delay}\n",
            ["0.5", "0.9", "1", "0.2"][next(4) as usize]
        );
    }
    text += "rule split: when e1 then one of {\n  q0 p = 0.7 after 1\n  q1 p = 0.2 after 2\n}\n";
    text += &format!(
        "scenario s {{ hold f0 = 0.4 from 1 to {} at {}: e2 }}\n",
        1 + next(horizon),
        next(horizon + 1)
    );
    text
}

#[test]
fn runs_that_follow_the_shared_path_count_and_sum_what_each_run_alone_does() {
    let mut taken = 0;
    each_generated_program(rare_model, |seed, scenario, text, p| {
        if shared::Path::of(p, &stats::Layout::of(p), sim::Part::Full).is_some() {
            taken += 1;
        }
        let options = Options {
            seed: seed * 11 + 3,
            threads: 1 + (seed % 2) as usize,
            ..Options::default()
        };
        let (general, fast) =
            both_engines(p, &options, &format!("seed {seed}, {scenario}:\n{text}"));
        let bits = |a: &montecarlo::Aggregate| {
            let (s, q) = a.sums.total().expect("every block");
            s.iter().chain(q).map(|v| v.to_bits()).collect::<Vec<u64>>()
        };
        assert_eq!(bits(&fast), bits(&general), "seed {seed}, {scenario}: sums");
    });
    // A good share of the generated models (49 of 120 when written) are ones
    // whose runs share a path, so the comparison above exercises it.
    assert!(taken >= 40, "only {taken} of 120 took the shared path");
}

#[test]
fn recording_only_some_cells_leaves_them_as_recording_everything_does() {
    // The SaaS model has long horizons, shared paths and static factors; the
    // generated rare models add probes. The cells asked for are bit-identical.
    let mut texts = vec![include_str!("../../scenarios/saas_region_outage.whatif").to_string()];
    texts.extend((0..4).map(rare_model));
    for text in texts {
        let (m, sources) = model(&text);
        let factors: Vec<NodeId> = m
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.kind == crate::check::model::NodeKind::Factor)
            .map(|(i, _)| NodeId::from_index(i))
            .step_by(2)
            .collect();
        for scenario in m.scenarios.iter().map(|s| s.name.clone()).take(3) {
            let id = m.scenario_named(&scenario).expect("the scenario");
            let all = Options {
                runs: 300,
                threads: 2,
                ..Options::default()
            };
            let horizon = run(&m, &sources, id, &[], &all, &Limits::default())
                .expect("evaluates")
                .horizon;
            let steps = vec![0, horizon / 3, horizon];
            let some = Options {
                record: Record::Only {
                    factors: factors.clone(),
                    steps: steps.clone(),
                },
                ..all.clone()
            };
            let a = run(&m, &sources, id, &[], &all, &Limits::default()).expect("evaluates");
            let b = run(&m, &sources, id, &[], &some, &Limits::default()).expect("evaluates");
            assert_eq!(a.events, b.events, "{scenario}");
            assert_eq!(a.probes, b.probes, "{scenario}");
            for (fa, fb) in a.factors.iter().zip(&b.factors) {
                let kept = factors.contains(&m.node_named(&fa.name).expect("a node"));
                for (sa, sb) in [
                    (&fa.mean, &fb.mean),
                    (&fa.sd, &fb.sd),
                    (&fa.p5, &fb.p5),
                    (&fa.p50, &fb.p50),
                    (&fa.p95, &fb.p95),
                ] {
                    for t in 0..sa.len() {
                        if kept && steps.contains(&(t as u32)) {
                            assert_eq!(sa[t].to_bits(), sb[t].to_bits(), "{}, step {t}", fa.name);
                        } else {
                            assert!(sb[t].is_nan(), "{} at step {t} was not recorded", fa.name);
                        }
                    }
                }
            }
        }
    }
}
