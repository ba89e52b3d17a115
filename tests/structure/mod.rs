//! Structure: `whatif loops`, `whatif causes` and `whatif graph` on the shipped
//! models, with the outside programs that must accept the pictures: Graphviz's
//! `dot`, and Mermaid's own parser (the npm package, run in headless Chromium).
//!
//! A test that needs an outside program prints a notice and passes when the
//! program is missing and `CI` is unset; with `CI` set it fails (`.ci/run`
//! installs them).

mod causes;
pub(crate) mod external;

use super::{relative, root, run, scenario_files};

fn stem(path: &std::path::Path) -> String {
    path.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("model")
        .to_string()
}

/// The loops of every shipped model, in text and JSON.
#[test]
fn loops_of_every_shipped_model_are_snapshotted() {
    for file in scenario_files() {
        let rel = relative(&file);
        let (code, text, stderr) = run(&["loops", &rel]);
        assert_eq!(code, 0, "{rel}: {stderr}");
        insta::assert_snapshot!(format!("loops__{}", stem(&file)), text);
        let (code, json, stderr) = run(&["loops", &rel, "--format", "json"]);
        assert_eq!(code, 0, "{rel}: {stderr}");
        let v: serde_json::Value = serde_json::from_str(&json).expect("loops prints JSON");
        let listed = v["loops"].as_array().map_or(0, Vec::len);
        let counted: u64 = ["reinforcing", "balancing", "indeterminate"]
            .iter()
            .map(|k| v[k].as_u64().unwrap_or(0))
            .sum();
        assert_eq!(listed as u64, counted, "{rel}");
    }
}

/// The loops of `x_platform` in one scenario, as JSON: (polarity, nodes).
fn flagship_loops(extra: &[&str]) -> Vec<(String, Vec<String>)> {
    let args = [
        &["loops", "scenarios/x_platform.whatif", "--format", "json"],
        extra,
    ]
    .concat();
    let (code, json, stderr) = run(&args);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    v["loops"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|l| {
            let nodes = l["nodes"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .filter_map(|n| n.as_str().map(str::to_string))
                .collect();
            (l["polarity"].as_str().unwrap_or("").to_string(), nodes)
        })
        .collect()
}

/// The "done when": the flagship has the reinforcing loop the
/// commentaries describe (outages erode trust, users leave, advertisers follow,
/// revenue falls, security staff is cut, outages grow) and the balancing one
/// (outages draw scrutiny, rules force security investment, outages fall).
#[test]
fn the_flagship_has_the_loops_the_commentaries_describe() {
    let loops = flagship_loops(&[]);
    let has = |polarity: &str, nodes: &[&str]| {
        loops.iter().any(|(p, ns)| {
            p == polarity
                && ns.len() == nodes.len()
                && nodes.iter().all(|n| ns.iter().any(|m| m == n))
        })
    };
    assert!(has(
        "reinforcing",
        &[
            "users.trust",
            "users.migration",
            "advertisers.withdrawal",
            "advertisers.spend",
            "platform.revenue",
            "platform.security_staffing",
            "platform.outage_rate",
        ]
    ));
    assert!(has(
        "balancing",
        &[
            "platform.outage_rate",
            "regulators.scrutiny",
            "regulators.incident_reporting_rules",
            "platform.security_staffing",
        ]
    ));
    // A scenario's own rule adds its loop: hiring stops at 90% staffing.
    let reinvest = flagship_loops(&["--scenario", "reinvest"]);
    assert!(reinvest.contains(&(
        "balancing".to_string(),
        vec!["platform.security_staffing".to_string()]
    )));
    assert!(!loops.contains(&(
        "balancing".to_string(),
        vec!["platform.security_staffing".to_string()]
    )));
}

#[test]
fn too_many_loops_is_a_clear_error() {
    let (code, out, err) = run(&["loops", "scenarios/x_platform.whatif", "--max-loops", "5"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.contains("more than 5 feedback loops") && err.contains("--max-loops"),
        "{err}"
    );
}

/// The pictures of every shipped model, unshaded, in every format.
#[test]
fn graphs_of_every_shipped_model_are_snapshotted() {
    for file in scenario_files() {
        let rel = relative(&file);
        for format in ["dot", "mermaid", "json"] {
            let (code, out, stderr) = run(&["graph", &rel, "--format", format]);
            assert_eq!(code, 0, "{rel} {format}: {stderr}");
            insta::assert_snapshot!(format!("graph__{}__{format}", stem(&file)), out);
        }
    }
}

/// With a scenario, nodes carry its evaluation: the flagship's outages
/// scenario, shaded, in each format.
#[test]
fn a_scenario_shades_the_graph() {
    for format in ["dot", "mermaid", "json"] {
        let (code, out, stderr) = run(&[
            "graph",
            "scenarios/x_platform.whatif",
            "--scenario",
            "outages_continue",
            "--format",
            format,
            "--runs",
            "2000",
        ]);
        assert_eq!(code, 0, "{stderr}");
        insta::assert_snapshot!(
            format!("graph__x_platform__outages_continue__{format}"),
            out
        );
    }
    let (_, json, _) = run(&[
        "graph",
        "scenarios/fault_tree.whatif",
        "--scenario",
        "baseline",
        "--format",
        "json",
        "--exact",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let top = v["nodes"]
        .as_array()
        .and_then(|ns| ns.iter().find(|n| n["name"] == "loss_of_cooling"))
        .cloned()
        .unwrap_or_default();
    let p = top["probability"].as_f64().unwrap_or(0.0);
    assert!((p - 0.132004).abs() < 1e-9, "{p}");
}

#[test]
fn graph_errors_are_clear() {
    let (code, _, err) = run(&["graph", "scenarios/x_platform.whatif", "--scenario", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("no scenario `nope`"), "{err}");
    let (code, _, err) = run(&["graph", "scenarios/x_platform.whatif", "--format", "png"]);
    assert_eq!(code, 2);
    assert!(err.contains("png"), "{err}");
}

/// Every picture the tests feed to Graphviz and Mermaid: each shipped model
/// unshaded and shaded by its first scenario, and a model full of characters
/// both languages give a meaning.
fn pictures(format: &str) -> Vec<(String, String)> {
    let mut files: Vec<String> = scenario_files().iter().map(|f| relative(f)).collect();
    files.push("tests/structure/escaping.whatif".to_string());
    let mut out = Vec::new();
    for rel in files {
        let (code, json, stderr) =
            run(&["eval", &rel, "--all", "--format", "json", "--runs", "10"]);
        assert_eq!(code, 0, "{rel}: {stderr}");
        let all: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        let second = all
            .as_array()
            .and_then(|a| a.get(1))
            .and_then(|s| s["scenario"].as_str())
            .map(str::to_string);
        let (code, plain, stderr) = run(&["graph", &rel, "--format", format]);
        assert_eq!(code, 0, "{rel}: {stderr}");
        out.push((format!("{rel} ({format})"), plain));
        if let Some(s) = second {
            let (code, shaded, stderr) = run(&[
                "graph",
                &rel,
                "--format",
                format,
                "--scenario",
                &s,
                "--runs",
                "200",
            ]);
            assert_eq!(code, 0, "{rel} {s}: {stderr}");
            out.push((format!("{rel} --scenario {s} ({format})"), shaded));
        }
    }
    out
}

/// Graphviz's `dot` draws every picture as SVG.
#[test]
fn graphviz_accepts_every_dot_picture() {
    if !external::available("dot", &["-V"], "graphviz") {
        return;
    }
    for (name, text) in pictures("dot") {
        let svg = external::pipe("dot", &["-Tsvg"], &text)
            .unwrap_or_else(|e| panic!("dot rejects {name}: {e}\n{text}"));
        assert!(svg.contains("<svg"), "{name}: {svg}");
    }
}

/// Mermaid's own parser accepts every picture, and Mermaid draws each as SVG.
#[test]
fn mermaid_accepts_every_mermaid_picture() {
    let pictures = pictures("mermaid");
    let Some(verdicts) = external::mermaid_check(&pictures) else {
        return;
    };
    for (name, _) in &pictures {
        let verdict = verdicts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("missing");
        assert_eq!(verdict, "ok", "Mermaid rejects {name}");
    }
    // The check can fail: a broken picture is reported, not waved through.
    let broken = vec![(
        "broken".to_string(),
        "flowchart LR\n  n0[\"a\" --> n1\n".to_string(),
    )];
    let verdicts = external::mermaid_check(&broken).unwrap_or_default();
    assert!(
        verdicts
            .iter()
            .any(|(n, v)| n == "broken" && v.starts_with("error")),
        "{verdicts:?}"
    );
}
