//! `whatif causes` on the shipped models.

use super::run;

/// (model, scenario, event, extra flags): a fault tree and an event tree
/// answered exactly, and an event of every other shipped model.
const CASES: &[(&str, &str, &str, &[&str])] = &[
    ("fault_tree", "baseline", "loss_of_cooling", &["--exact"]),
    (
        "fault_tree",
        "redundant_controller",
        "loss_of_cooling",
        &["--exact"],
    ),
    ("event_tree", "fire_starts", "outcome.heavy", &["--exact"]),
    (
        "hospital_ransomware",
        "attack",
        "clinical.ambulance_diversion",
        &[],
    ),
    ("markov_chain", "baseline", "machine_a.first_failure", &[]),
    (
        "saas_region_outage",
        "single_region_outage",
        "customers.key_account_notice",
        &[],
    ),
    (
        "supply_chain_disruption",
        "disruption",
        "customers.key_customer_lost",
        &[],
    ),
    (
        "x_platform",
        "outages_continue",
        "advertisers.withdrawal",
        &[],
    ),
    ("x_platform", "major_breach", "regulators.fines", &[]),
];

#[test]
fn cut_sets_of_shipped_models_are_snapshotted() {
    for (model, scenario, event, extra) in CASES {
        let file = format!("scenarios/{model}.whatif");
        let args = [
            &[
                "causes",
                &file,
                event,
                "--scenario",
                scenario,
                "--runs",
                "2000",
            ][..],
            extra,
        ]
        .concat();
        let (code, text, stderr) = run(&args);
        assert_eq!(code, 0, "{model} {scenario} {event}: {stderr}");
        insta::assert_snapshot!(format!("{model}__{scenario}"), text);
    }
}

/// The fault tree's sets by hand (NUREG-0492's gate algebra): the JSON gives
/// each set's causes and exact probability, and says the answer is exact.
#[test]
fn the_fault_trees_sets_match_the_hand_computation() {
    let (code, json, stderr) = run(&[
        "causes",
        "scenarios/fault_tree.whatif",
        "loss_of_cooling",
        "--format",
        "json",
        "--exact",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(v["exact"], true);
    assert!((v["probability"].as_f64().unwrap_or(0.0) - 0.132004).abs() < 1e-12);
    let sets: Vec<(Vec<String>, f64)> = v["sets"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|s| {
            let causes = s["causes"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .filter_map(|c| c["cause"].as_str().map(str::to_string))
                .collect();
            (causes, s["probability"].as_f64().unwrap_or(0.0))
        })
        .collect();
    let p = |n: &str| format!("prior of {n}");
    let expected = [
        (
            vec![p("power.mains_fails"), p("power.generator_fails")],
            0.06,
        ),
        (vec![p("controls.controller_fails")], 0.05),
        (
            vec![p("chillers.chiller_1_fails"), p("chillers.chiller_2_fails")],
            0.01,
        ),
        (
            vec![p("chillers.chiller_1_fails"), p("chillers.chiller_3_fails")],
            0.01,
        ),
        (
            vec![p("chillers.chiller_2_fails"), p("chillers.chiller_3_fails")],
            0.01,
        ),
    ];
    assert_eq!(sets.len(), expected.len());
    for ((got, gp), (want, wp)) in sets.iter().zip(expected.iter()) {
        assert_eq!(got, want);
        assert!((gp - wp).abs() < 1e-12, "{got:?}: {gp}");
    }
}

#[test]
fn causes_errors_are_clear() {
    let x = "scenarios/x_platform.whatif";
    let (code, _, err) = run(&["causes", x, "users.trust"]);
    assert_eq!(code, 2);
    assert!(err.contains("`users.trust` is a factor"), "{err}");
    let (code, _, err) = run(&["causes", x, "users.trsut"]);
    assert_eq!(code, 2);
    assert!(err.contains("no event `users.trsut`"), "{err}");
    let (code, _, err) = run(&["causes", x, "users.migration", "--scenario", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("no scenario `nope`"), "{err}");
    let (code, out, err) = run(&["causes", x, "advertisers.withdrawal", "--max-sets", "1"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.contains("more than 1 sets") && err.contains("--max-sets"),
        "{err}"
    );
}

/// The example of `docs/structure.md`: its model, run through `whatif causes
/// pump.whatif no_cooling --exact`, prints the text the page shows.
#[test]
fn the_documented_example_prints_what_the_docs_show() {
    let page = std::fs::read_to_string(super::root().join("docs/structure.md")).expect("the page");
    let block = |fence: &str, after: &str| {
        page.split(after)
            .nth(1)
            .and_then(|rest| rest.split(fence).nth(1))
            .and_then(|rest| rest.split("```").next())
            .unwrap_or("")
            .to_string()
    };
    let model = block("```whatif\n", "saved as `pump.whatif`");
    let shown = block("```text\n", "whatif causes pump.whatif no_cooling --exact");
    assert!(model.contains("no_cooling") && shown.contains("minimal cut sets"));
    let dir = std::env::temp_dir().join(format!("whatif-docs-causes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a folder");
    let path = dir.join("pump.whatif");
    std::fs::write(&path, &model).expect("the model");
    let (code, out, err) = run(&[
        "causes",
        path.to_str().expect("utf-8"),
        "no_cooling",
        "--exact",
    ]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, shown);
}
