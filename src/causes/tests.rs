//! Cut sets with answers computed by hand.

use super::*;
use crate::check::model::BASELINE;
use crate::testing::analyzed as analysis;

fn exact() -> Options {
    Options {
        exact: true,
        ..Options::default()
    }
}

/// The sets of `event` in `scenario`, each as its causes' texts, with its
/// probability; and the whole answer.
fn sets_of(
    text: &str,
    scenario: &str,
    event: &str,
    options: &Options,
) -> (Vec<(Vec<String>, f64)>, Causes) {
    let a = analysis(text);
    let m = a.model.as_ref().expect("a model");
    let s = m.scenario_named(scenario).expect("the scenario");
    let n = m.node_named(event).expect("the event");
    let c = analyze(m, &a.sources, s, &[], n, options, &Limits::default(), 1000).expect("sets");
    let sets = c
        .sets
        .iter()
        .map(|s| {
            (
                s.roots.iter().map(|&r| c.roots[r].text.clone()).collect(),
                s.probability,
            )
        })
        .collect();
    (sets, c)
}

fn fault_tree() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/fault_tree.whatif"
    ))
    .expect("the fault tree")
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

fn prior(name: &str) -> String {
    format!("prior of {name}")
}

/// NUREG-0492's algebra by hand: the top event is power.lost (mains AND
/// generator) OR too_few (2 of 3 chillers) OR controls.lost (the controller,
/// since no backup is installed).
#[test]
fn the_fault_tree_has_its_hand_computed_cut_sets() {
    let (sets, c) = sets_of(&fault_tree(), "baseline", "loss_of_cooling", &exact());
    let expected = [
        (
            vec![prior("power.mains_fails"), prior("power.generator_fails")],
            0.2 * 0.3,
        ),
        (vec![prior("controls.controller_fails")], 0.05),
        (
            vec![
                prior("chillers.chiller_1_fails"),
                prior("chillers.chiller_2_fails"),
            ],
            0.01,
        ),
        (
            vec![
                prior("chillers.chiller_1_fails"),
                prior("chillers.chiller_3_fails"),
            ],
            0.01,
        ),
        (
            vec![
                prior("chillers.chiller_2_fails"),
                prior("chillers.chiller_3_fails"),
            ],
            0.01,
        ),
    ];
    assert_eq!(sets.len(), expected.len(), "{sets:?}");
    for ((got, p), (want, q)) in sets.iter().zip(expected.iter()) {
        assert_eq!(got, want);
        assert!(close(*p, *q), "{got:?}: {p} ≠ {q}");
    }
    assert!(c.exact(), "{:?}", c.notes);
    assert!(c.evaluation_exact);
    // 1 − (1 − 0.06)(1 − 0.028)(1 − 0.05) = 0.132004.
    assert!(close(c.probability, 0.132004), "{}", c.probability);
    // The bound: 1 − 0.94 × 0.95 × 0.99³.
    let bound = 1.0 - 0.94 * 0.95 * 0.99_f64.powi(3);
    assert!(close(c.bound.unwrap_or(0.0), bound));
    assert!(c.probability <= bound);
}

#[test]
fn scenarios_change_the_fault_trees_sets() {
    // A second controller: the single-failure set becomes a pair, 0.05².
    let (sets, c) = sets_of(
        &fault_tree(),
        "redundant_controller",
        "loss_of_cooling",
        &exact(),
    );
    assert_eq!(sets.len(), 5);
    let last = sets.last().expect("a set");
    assert_eq!(
        last.0,
        vec![
            prior("controls.controller_fails"),
            prior("controls.backup_controller_fails")
        ]
    );
    assert!(close(last.1, 0.0025));
    assert!(close(c.probability, 0.0886042), "{}", c.probability);
    // A better generator: 0.2 × 0.1.
    let (sets, _) = sets_of(&fault_tree(), "better_generator", "power.lost", &exact());
    assert_eq!(sets.len(), 1);
    assert!(close(sets[0].1, 0.02));
}

const HEADER: &str = "model \"m\" { horizon 10 steps }\n";

#[test]
fn a_rule_enters_as_its_condition_and_its_draw() {
    // fire (prior 0.1) → alarm (p = 0.9, when) → one of { evacuate 0.7, shelter 0.2 }.
    let text = format!(
        "{HEADER}event fire prior = 0.1\nevent alarm\nevent evacuate\nevent shelter\nevent spark hazard = 0.01\n\
         rule ring: when fire or spark then alarm p = 0.9\n\
         rule react: when alarm then one of {{ evacuate p = 0.7  shelter p = 0.2 }}\n"
    );
    let (sets, c) = sets_of(&text, "baseline", "evacuate", &Options::default());
    let spark = 1.0 - libm::pow(0.99, 10.0);
    assert_eq!(
        sets,
        vec![
            (
                vec![
                    prior("fire"),
                    "rule ring succeeds".to_string(),
                    "rule react takes branch 1".to_string()
                ],
                0.1 * 0.9 * 0.7
            ),
            (
                vec![
                    "hazard of spark (0.01 a step over 10 steps)".to_string(),
                    "rule ring succeeds".to_string(),
                    "rule react takes branch 1".to_string()
                ],
                spark * 0.9 * 0.7
            ),
        ]
    );
    // Every cause is an exact, independent draw; only time makes it approximate.
    assert!(c.sets.iter().all(|s| s.exact));
    assert_eq!(c.notes.len(), 1, "{:?}", c.notes);
    assert!(c.notes[0].contains("delay"));
}

#[test]
fn interventions_are_root_causes_and_holds_block() {
    let text = format!(
        "{HEADER}event a prior = 0.2\nevent b\nfactor level = 0.1\nevent c := level > 0.5 and a\n\
         rule ab: when a then b\n\
         scenario forced {{ at 2: a }}\n\
         scenario blocked {{ hold a = false }}\n\
         scenario raised {{ hold level = 0.9 }}\n"
    );
    let (sets, _) = sets_of(&text, "forced", "b", &Options::default());
    assert_eq!(
        sets,
        vec![
            (vec!["scenario: at 2: a".to_string()], 1.0),
            (vec![prior("a")], 0.2),
        ]
    );
    let (sets, c) = sets_of(&text, "blocked", "b", &Options::default());
    assert!(sets.is_empty());
    assert_eq!(c.probability, 0.0);
    // A condition that nothing moves is settled: false at baseline (the set
    // goes), true when a hold settles it (the hold is the cause).
    let (sets, c) = sets_of(&text, "baseline", "c", &exact());
    assert!(sets.is_empty(), "{sets:?}");
    assert!(c.exact());
    let (sets, c) = sets_of(&text, "raised", "c", &exact());
    assert_eq!(
        sets,
        vec![(
            vec!["scenario: hold level = 0.9".to_string(), prior("a")],
            0.2
        )]
    );
    assert!(c.exact(), "{:?}", c.notes);
}

#[test]
fn conditions_on_moving_factors_are_priced_by_the_runs() {
    let text = format!("{HEADER}factor x = uniform(0, 1)\nevent e := x > 0.75\nevent g := not e\n");
    let (sets, c) = sets_of(&text, "baseline", "e", &Options::default());
    assert_eq!(sets.len(), 1);
    assert!((sets[0].1 - 0.25).abs() < 0.03, "{}", sets[0].1);
    assert_eq!(sets[0].0, vec!["condition x > 0.75".to_string()]);
    assert!(!c.exact());
    assert!(c.notes.iter().any(|n| n.contains("not an event")));
    // `not e` is a condition too.
    let (sets, _) = sets_of(&text, "baseline", "g", &Options::default());
    assert_eq!(sets[0].0, vec!["condition not e".to_string()]);
}

#[test]
fn events_that_cause_each_other_start_from_outside() {
    let text = format!(
        "{HEADER}event a prior = 0.1\nevent b prior = 0.2\n\
         rule ab: when a then b p = 0.5\nrule ba: when b then a p = 0.4\n"
    );
    let (sets, c) = sets_of(&text, "baseline", "a", &Options::default());
    assert_eq!(
        sets,
        vec![
            (vec![prior("a")], 0.1),
            (vec![prior("b"), "rule ba succeeds".to_string()], 0.2 * 0.4),
        ]
    );
    assert!(c.notes.iter().any(|n| n.contains("cause each other")));
}

#[test]
fn chains_solve_in_either_declaration_order() {
    for text in [
        format!("{HEADER}event c prior = 0.3\nevent b := c\nevent a := b\n"),
        format!("{HEADER}event a := b\nevent b := c\nevent c prior = 0.3\n"),
    ] {
        let (sets, c) = sets_of(&text, "baseline", "a", &exact());
        assert_eq!(sets, vec![(vec![prior("c")], 0.3)]);
        assert!(c.exact());
    }
}

#[test]
fn too_many_sets_is_an_error() {
    let mut text = HEADER.to_string();
    let mut items = Vec::new();
    for i in 0..16 {
        text.push_str(&format!("event e{i} prior = 0.1\n"));
        items.push(format!("e{i}"));
    }
    text.push_str(&format!(
        "event top := at least 8 of ({})\n",
        items.join(", ")
    ));
    let a = analysis(&text);
    let m = a.model.as_ref().expect("a model");
    let n = m.node_named("top").expect("top");
    let r = analyze(
        m,
        &a.sources,
        BASELINE,
        &[],
        n,
        &Options::default(),
        &Limits::default(),
        1000,
    );
    assert_eq!(
        r.err(),
        Some(CausesError::TooMany {
            node: "top".to_string(),
            limit: 1000
        })
    );
}
