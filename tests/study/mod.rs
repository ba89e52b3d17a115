//! `whatif sweep` and `whatif sensitivity` on closed-form models
//! (tests/study/models/): the estimators against analytic values, an unused
//! parameter, invariance under renaming and reordering, thread counts, and no
//! output file from a study that fails.

use serde_json::Value;

use super::run;

const MODELS: &str = "tests/study/models";

/// `whatif sensitivity` as JSON.
fn sensitivity(model: &str, extra: &[&str]) -> Value {
    let path = format!("{MODELS}/{model}");
    let mut args = vec!["sensitivity", path.as_str(), "--format", "json"];
    args.extend_from_slice(extra);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).expect("JSON")
}

/// An input's statistic: `stat` is `oat.swing.mean`, `sobol.total`, ….
fn stat(v: &Value, input: &str, stat: &str) -> f64 {
    let i = v["inputs"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["name"] == input))
        .unwrap_or_else(|| panic!("no input {input}"));
    stat.split('.')
        .fold(i, |v, k| &v[k])
        .as_f64()
        .unwrap_or_else(|| panic!("{input}.{stat} is not a number"))
}

fn interval(v: &Value, input: &str, which: &str) -> (f64, f64) {
    let i = v["inputs"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["name"] == input))
        .expect("the input");
    let pair = &i["sobol"][which];
    (
        pair[0].as_f64().expect("low"),
        pair[1].as_f64().expect("high"),
    )
}

fn sobol(model: &str) -> Value {
    sensitivity(
        model,
        &["--measure", "y", "--method", "sobol", "--samples", "1024"],
    )
}

#[test]
fn an_additive_model_gets_its_analytic_indices_and_slopes() {
    let s = sobol("additive.whatif");
    for (input, want) in [("a", 0.8), ("b", 0.2)] {
        for which in ["first", "total"] {
            let (lo, hi) = interval(&s, input, &format!("{which}_interval"));
            assert!(
                lo - 0.02 <= want && want <= hi + 0.02,
                "{input} {which}: {want} outside [{lo}, {hi}]"
            );
        }
    }
    // The unused parameter: its total index is exactly 0, and so is μ*.
    assert_eq!(stat(&s, "c", "sobol.total"), 0.0);
    let m = sensitivity("additive.whatif", &["--measure", "y", "--method", "morris"]);
    assert!((stat(&m, "a", "morris.mu_star") - 2.0).abs() < 1e-9);
    assert!((stat(&m, "b", "morris.mu_star") - 1.0).abs() < 1e-9);
    assert_eq!(stat(&m, "c", "morris.mu_star"), 0.0);
    let o = sensitivity("additive.whatif", &["--measure", "y"]);
    assert!((stat(&o, "a", "oat.swing.mean") - 2.0).abs() < 1e-9);
    assert_eq!(stat(&o, "c", "oat.swing.mean"), 0.0);
    let names: Vec<&str> = o["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .filter_map(|i| i["name"].as_str())
        .collect();
    assert_eq!(names, ["a", "b", "c"], "the tornado is sorted by swing");
}

#[test]
fn a_product_shares_its_variance_between_main_effects_and_the_interaction() {
    let s = sobol("product.whatif");
    for input in ["a", "b"] {
        let (lo, hi) = interval(&s, input, "total_interval");
        assert!(
            lo - 0.02 <= 4.0 / 7.0 && 4.0 / 7.0 <= hi + 0.02,
            "{input}: [{lo}, {hi}]"
        );
        let (lo, hi) = interval(&s, input, "first_interval");
        assert!(
            lo - 0.02 <= 3.0 / 7.0 && 3.0 / 7.0 <= hi + 0.02,
            "{input}: [{lo}, {hi}]"
        );
    }
}

#[test]
fn a_parameter_acting_only_through_an_interaction_is_flat_in_the_tornado_not_in_sobol() {
    let o = sensitivity("interaction.whatif", &["--measure", "y"]);
    assert_eq!(stat(&o, "b", "oat.swing.mean"), 0.0);
    let s = sobol("interaction.whatif");
    let (lo, hi) = interval(&s, "b", "total_interval");
    assert!(
        lo > 0.3 && lo - 0.02 <= 4.0 / 7.0 && 4.0 / 7.0 <= hi + 0.02,
        "[{lo}, {hi}]"
    );
    let (lo, hi) = interval(&s, "b", "first_interval");
    assert!(lo <= 0.02 && hi >= -0.02, "[{lo}, {hi}]");
}

#[test]
fn indices_do_not_depend_on_the_order_or_the_names_of_the_parameters() {
    let s = sobol("additive.whatif");
    let reordered = sobol("additive_reordered.whatif");
    assert_eq!(s["inputs"], reordered["inputs"]);
    // Renamed, the design draws other numbers: the same indices within noise.
    let renamed = sobol("additive_renamed.whatif");
    for (old, new) in [("a", "alpha"), ("b", "beta"), ("c", "gamma")] {
        for which in ["sobol.first", "sobol.total"] {
            let (x, y) = (stat(&s, old, which), stat(&renamed, new, which));
            assert!((x - y).abs() < 0.1, "{old}/{new} {which}: {x} against {y}");
        }
    }
    assert_eq!(stat(&renamed, "gamma", "sobol.total"), 0.0);
}

#[test]
fn a_study_is_the_same_with_one_thread_or_two() {
    let x = "scenarios/x_platform.whatif";
    for method in ["oat", "morris"] {
        let args = |threads: &'static str| {
            vec![
                "sensitivity",
                x,
                "-s",
                "outages_continue",
                "--measure",
                "P(users.migration)",
                "--method",
                method,
                "--trajectories",
                "2",
                "--include",
                "words",
                "--runs",
                "600",
                "--threads",
                threads,
                "--format",
                "json",
            ]
        };
        let (c1, one, e1) = run(&args("1"));
        let (c2, two, e2) = run(&args("2"));
        assert_eq!((c1, c2), (0, 0), "{e1}{e2}");
        assert_eq!(one, two, "{method}");
    }
}

#[test]
fn a_sweep_uses_the_same_random_numbers_at_every_point() {
    let x = "scenarios/x_platform.whatif";
    let (code, out, err) = run(&[
        "sweep",
        x,
        "-s",
        "outages_continue",
        "--vary",
        "tipping_trust=0.2..0.6:3",
        "--measure",
        "P(users.migration)",
        "--runs",
        "500",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<&str> = out.lines().collect();
    assert_eq!(rows[0], "tipping_trust,measure,mean,low,high,runs");
    assert_eq!(rows.len(), 4);
    // Migration can only grow with the threshold when every point draws the
    // same numbers: a run that migrates at 0.2 migrates at 0.4.
    let means: Vec<f64> = rows[1..]
        .iter()
        .map(|r| {
            r.split(',')
                .nth(2)
                .and_then(|m| m.parse().ok())
                .expect("a mean")
        })
        .collect();
    assert!(means[0] < means[1] && means[1] <= means[2], "{means:?}");
    // The middle point is the scenario at its own value: `eval`'s number.
    let (_, eval, _) = run(&[
        "eval",
        x,
        "-s",
        "outages_continue",
        "--runs",
        "500",
        "--format",
        "json",
    ]);
    let eval: Value = serde_json::from_str(&eval).expect("JSON");
    let p = eval["events"]["users.migration"]["probability"]
        .as_f64()
        .expect("the probability");
    assert!((p - means[1]).abs() < 1e-12, "{p} against {}", means[1]);
}

#[test]
fn a_study_that_fails_writes_no_output_file() {
    let dir = std::env::temp_dir().join(format!("whatif-study-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a folder");
    let out = dir.join("out.csv");
    let out_s = out.display().to_string();
    for args in [
        vec!["--vary", "tipping_trust=0.1..0.6"],
        vec!["--vary", "tiping_trust=0.2..0.6"],
        vec!["--vary", "tipping_trust=0.2..0.6:1"],
        vec!["--vary", "tipping_trust=0.2..0.6", "--max-work", "1000"],
    ] {
        let mut all = vec![
            "sweep",
            "scenarios/x_platform.whatif",
            "--measure",
            "P(users.migration)",
            "--runs",
            "10",
            "-o",
            &out_s,
        ];
        all.extend(args.iter().copied());
        let (code, _, err) = run(&all);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(!out.exists(), "{args:?} left {out_s}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The text block after the first line that starts with `after` in `doc`.
fn block_after(doc: &str, after: &str) -> Vec<String> {
    let text = std::fs::read_to_string(super::root().join(doc)).expect("the doc");
    let from = text
        .find(after)
        .unwrap_or_else(|| panic!("{doc}: no `{after}`"));
    let rest = &text[from..];
    let start = rest.find("```text\n").expect("a text block") + "```text\n".len();
    let body = &rest[start..];
    let end = body.find("```").expect("the block's end");
    body[..end].lines().map(str::to_string).collect()
}

/// The flagship's tornado that the README and docs/sensitivity.md show is
/// what the command prints.
#[test]
fn the_documented_flagship_tornado_is_what_the_command_prints() {
    let command = "whatif sensitivity scenarios/x_platform.whatif --scenario outages_continue --measure 'P(users.migration)'";
    let (code, out, err) = run(&[
        "sensitivity",
        "scenarios/x_platform.whatif",
        "--scenario",
        "outages_continue",
        "--measure",
        "P(users.migration)",
    ]);
    assert_eq!(code, 0, "{err}");
    let printed: Vec<&str> = out.lines().collect();
    for doc in ["README.md", "docs/sensitivity.md"] {
        let shown = block_after(doc, command);
        assert!(shown.len() >= 6, "{doc}: {shown:?}");
        for line in &shown {
            assert!(
                printed.contains(&line.as_str()),
                "{doc}: `{line}` is not printed:\n{out}"
            );
        }
    }
}

/// The figures docs/sensitivity.md quotes from the flagship's Morris screening.
#[test]
fn the_flagship_morris_screening_is_snapshotted() {
    let args = [
        "sensitivity",
        "scenarios/x_platform.whatif",
        "--scenario",
        "outages_continue",
        "--measure",
        "P(users.migration)",
        "--method",
        "morris",
        "--include",
        "words",
        "--runs",
        "1000",
    ];
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!(out);
    let (_, json, _) = run(&[&args[..], &["--format", "json"]].concat());
    let v: Value = serde_json::from_str(&json).expect("JSON");
    let round = |x: f64| (x * 100.0).round() / 100.0;
    assert_eq!(round(stat(&v, "tipping_trust", "morris.mu_star")), 0.48);
    assert_eq!(round(stat(&v, "breach_hazard", "morris.mu_star")), 0.31);
    let names: Vec<&str> = v["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .take(3)
        .filter_map(|i| i["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["tipping_trust", "breach_hazard", "rule tipping_point"]
    );
}
