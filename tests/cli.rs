//! The integration tests: the real `whatif` binary on real files.
//!
//! Snapshots cover every model in `scenarios/` and every bad input in
//! `tests/bad/` (a diagnostic's wording is part of the product: review snapshot
//! changes as carefully as code). Run `cargo insta review` after a change.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `init`, the shell, configuration and JSON Schemas (tests/ecosystem/).
mod ecosystem;
/// Hostile input and faults: limits, failing writes, confined imports
/// (tests/hostile/).
mod hostile;
#[path = "structure/mod.rs"]
mod structure;
/// `sweep` and `sensitivity` on closed-form models (tests/study/).
#[path = "study/mod.rs"]
mod study;

fn whatif() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_whatif"));
    cmd.env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env("COLUMNS", "100");
    cmd
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs whatif in the project root and returns (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out: Output = whatif()
        .args(args)
        .current_dir(root())
        .output()
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

fn scenario_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .expect("scenarios/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "whatif"))
        .collect();
    files.sort();
    files
}

/// The command a fixture runs: `check FILE` unless its first line says
/// otherwise (`// args: eval --runs 10`: the file comes last, or where the word
/// `FILE` stands, as in `// args: explain FILE e`).
fn fixture_args(path: &Path) -> Vec<String> {
    let bytes = std::fs::read(path).unwrap_or_default();
    let text = String::from_utf8_lossy(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes));
    let first = text.lines().next().unwrap_or("");
    match first.strip_prefix("// args:") {
        Some(args) => args.split_whitespace().map(str::to_string).collect(),
        None => vec!["check".to_string()],
    }
}

#[test]
fn every_bad_input_has_a_stable_diagnostic() {
    insta::glob!("bad/**/*.whatif", |path| {
        let rel = relative(path);
        // Files that fixtures import (in a `lib/` folder) are not fixtures.
        if rel.contains("/lib/") {
            return;
        }
        // A fixture whose only problem is a warning is named `warn_*`: it runs with
        // `--deny-warnings`, which turns the warning into exit 1.
        let warning_only = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("warn_"));
        let mut args = fixture_args(path);
        args.extend(["--color".to_string(), "never".to_string()]);
        if warning_only {
            args.push("--deny-warnings".to_string());
        }
        match args.iter_mut().find(|a| *a == "FILE") {
            Some(file) => file.clone_from(&rel),
            None => args.push(rel.clone()),
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, stdout, stderr) = run(&args);
        if warning_only {
            assert_eq!(
                code, 1,
                "{rel}: expected exit 1 (warnings denied), got exit {code}\n{stderr}"
            );
        } else {
            assert!(
                code == 1 || code == 2,
                "{rel}: expected a failure, got exit {code}\n{stderr}"
            );
        }
        assert!(!stderr.contains("panicked"), "{rel} panicked:\n{stderr}");
        let source = std::fs::read(path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        insta::with_settings!({ description => source, omit_expression => true }, {
            insta::assert_snapshot!(format!("exit: {code}\n--- stdout\n{stdout}--- stderr\n{stderr}"));
        });
    });
}

#[test]
fn every_shipped_model_checks() {
    for file in scenario_files() {
        let rel = relative(&file);
        let (code, _, stderr) = run(&["check", "--color", "never", &rel]);
        assert_eq!(code, 0, "{rel} does not check:\n{stderr}");
    }
}

#[test]
fn every_shipped_model_is_formatted() {
    for file in scenario_files() {
        let rel = relative(&file);
        let (code, _, stderr) = run(&["fmt", "--check", &rel]);
        assert_eq!(
            code, 0,
            "{rel} is not in the canonical layout (run `whatif fmt --write {rel}`):\n{stderr}"
        );
    }
}

#[test]
fn formatting_is_idempotent_on_every_shipped_model() {
    for file in scenario_files() {
        let rel = relative(&file);
        let (code, once, stderr) = run(&["fmt", &rel]);
        assert_eq!(code, 0, "{stderr}");
        let tmp = std::env::temp_dir().join(format!("whatif-idem-{}.whatif", std::process::id()));
        std::fs::write(&tmp, &once).expect("temp file");
        let (_, twice, _) = run(&["fmt", tmp.to_str().expect("utf-8 path")]);
        let _ = std::fs::remove_file(&tmp);
        assert_eq!(once, twice, "formatting {rel} twice differs from once");
    }
}

/// The ```whatif blocks of the documentation: each is a complete model that
/// checks and is already in the canonical layout.
#[test]
fn every_docs_example_checks_and_is_formatted() {
    let mut count = 0;
    for entry in std::fs::read_dir(root().join("docs")).expect("docs/ exists") {
        let path = entry.expect("a docs entry").path();
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable docs");
        for (i, block) in text.split("```whatif\n").skip(1).enumerate() {
            let model = block.split("```").next().unwrap_or("");
            let tmp = std::env::temp_dir().join(format!(
                "whatif-doc-{}-{}-{i}.whatif",
                std::process::id(),
                count
            ));
            std::fs::write(&tmp, model).expect("temp file");
            let tmp_str = tmp.to_str().expect("utf-8 path");
            let (code, _, stderr) = run(&["check", "--color", "never", tmp_str]);
            let (_, formatted, _) = run(&["fmt", tmp_str]);
            let _ = std::fs::remove_file(&tmp);
            let name = format!("{} example {}", relative(&path), i + 1);
            assert_eq!(code, 0, "{name} does not check:\n{stderr}\n{model}");
            assert_eq!(formatted, model, "{name} is not in the canonical layout");
            count += 1;
        }
    }
    assert!(count > 0, "the docs have ```whatif examples");
}

/// A diagnostic far along a very long line is reported without its snippet:
/// miette cannot pad past 65,535 columns, and must not be asked to.
#[test]
fn a_diagnostic_on_a_very_long_line_is_compact() {
    let tmp = std::env::temp_dir().join(format!("whatif-long-{}.whatif", std::process::id()));
    let text = format!(
        "model \"m\" {{ horizon 10 steps }}\nparam p = 1{}:\n",
        " ".repeat(70_000)
    );
    std::fs::write(&tmp, text).expect("temp file");
    let (code, _, stderr) = run(&[
        "check",
        "--color",
        "never",
        tmp.to_str().expect("utf-8 path"),
    ]);
    let _ = std::fs::remove_file(&tmp);
    assert_eq!(code, 2, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains(":2:70012: error[whatif::syntax::unexpected]: expected"),
        "{stderr}"
    );
    assert!(stderr.contains("too long to show"), "{stderr}");
}

/// `whatif check FILE | head`: a reader that goes away is not an error.
#[test]
fn a_closed_stdout_is_not_a_panic() {
    let mut child = whatif()
        .args(["check", "--color", "never", "scenarios/x_platform.whatif"])
        .current_dir(root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("the binary ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[test]
fn a_long_evaluation_draws_no_progress_bar_into_a_pipe() {
    // Long enough (past the bar's delay) that a bar would show on a terminal.
    let (code, stdout, stderr) = run(&[
        "eval",
        "scenarios/x_platform.whatif",
        "--scenario",
        "outages_continue",
        "--runs",
        "5000",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("scenario,"),
        "{}",
        &stdout[..80.min(stdout.len())]
    );
    assert_eq!(stderr, "");
}

/// Timings vary from run to run; snapshots keep everything else.
fn without_timings(text: &str) -> String {
    let re = regex::Regex::new(r" \(\d+ ms\)").expect("a valid regex");
    re.replace_all(text, " (… ms)").into_owned()
}

/// Every scenario of every shipped model: `eval` (fixed seed), `diff` against
/// the baseline, and `explain` of the event it changes most; and `test` of
/// every model. Each is a snapshot: a change of consequences shows up in review.
#[test]
fn consequences_of_every_shipped_scenario_are_snapshotted() {
    for file in scenario_files() {
        let rel = relative(&file);
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("model")
            .to_string();
        let (code, json, stderr) =
            run(&["eval", &rel, "--all", "--format", "json", "--runs", "2000"]);
        assert_eq!(code, 0, "{rel}: {stderr}");
        let all: serde_json::Value = serde_json::from_str(&json).expect("eval prints JSON");
        let list = all.as_array().cloned().unwrap_or_default();
        let baseline = list.first().cloned().unwrap_or_default();
        for scenario in &list {
            let name = scenario["scenario"]
                .as_str()
                .unwrap_or("baseline")
                .to_string();
            let (code, text, stderr) = run(&["eval", &rel, "--scenario", &name, "--runs", "2000"]);
            assert_eq!(code, 0, "{rel} {name}: {stderr}");
            insta::assert_snapshot!(format!("eval__{stem}__{name}"), text);
            // The event this scenario moves most (for the baseline: the least
            // certain one) is the one to explain.
            let events = scenario["events"].as_object().cloned().unwrap_or_default();
            let pick = events
                .iter()
                .map(|(event, v)| {
                    let p = v["probability"].as_f64().unwrap_or(0.0);
                    let b = baseline["events"][event]["probability"]
                        .as_f64()
                        .unwrap_or(0.0);
                    let score = if name == "baseline" {
                        p.min(1.0 - p)
                    } else {
                        (p - b).abs()
                    };
                    (event.clone(), score)
                })
                .filter(|(_, s)| *s > 0.0)
                .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(&a.0)));
            if let Some((event, _)) = pick {
                let (code, text, stderr) = run(&[
                    "explain",
                    &rel,
                    "--scenario",
                    &name,
                    &event,
                    "--runs",
                    "2000",
                ]);
                assert_eq!(code, 0, "{rel} {name} {event}: {stderr}");
                insta::assert_snapshot!(format!("explain__{stem}__{name}"), text);
            }
            if name != "baseline" {
                let (code, text, stderr) = run(&["diff", &rel, &name, "--runs", "2000"]);
                assert_eq!(code, 0, "{rel} {name}: {stderr}");
                insta::assert_snapshot!(format!("diff__{stem}__{name}"), text);
            }
        }
        let (code, text, stderr) = run(&["test", &rel, "--runs", "2000"]);
        assert!(code == 0 || code == 1, "{rel}: {stderr}");
        insta::assert_snapshot!(format!("test__{stem}"), without_timings(&text));
    }
}

/// `whatif test scenarios/` passes with the default settings, and every shipped
/// model has expectations.
#[test]
fn every_shipped_model_passes_its_own_tests() {
    let (code, text, stderr) = run(&["test", "scenarios/"]);
    assert_eq!(code, 0, "{text}\n{stderr}");
    let expectations = text.lines().filter(|l| l.starts_with("PASS")).count();
    assert!(expectations >= 30, "only {expectations} expectations");
}

/// Flipping any one expectation's threshold makes `whatif test` fail, naming it.
#[test]
fn a_flipped_expectation_fails_by_name() {
    let source =
        std::fs::read_to_string(root().join("scenarios/x_platform.whatif")).expect("the flagship");
    let flipped = source.replace("P(users.migration) < 0.33", "P(users.migration) > 0.33");
    assert_ne!(source, flipped);
    let dir = std::env::temp_dir().join(format!("whatif-flip-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("lib")).expect("temp dir");
    std::fs::write(
        dir.join("lib/regulation.whatif"),
        std::fs::read(root().join("scenarios/lib/regulation.whatif")).expect("lib"),
    )
    .expect("copy");
    let model = dir.join("x_platform.whatif");
    std::fs::write(&model, flipped).expect("copy");
    let (code, text, _) = run(&["test", model.to_str().expect("utf-8"), "--runs", "2000"]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code, 1);
    assert!(
        text.lines()
            .any(|l| l.starts_with("FAIL") && l.contains("P(users.migration) > 0.33")),
        "{text}"
    );
}

/// Testing nothing is not a pass: a model without expectations, a `--run`
/// that selects none, and a folder without models exit 1 with a help line,
/// unless `--allow-empty` (issue 19: "0 passed, 0 failed" exited 0).
#[test]
fn testing_nothing_fails_unless_allowed() {
    let dir = std::env::temp_dir().join(format!("whatif-empty-{}", std::process::id()));
    let empty = dir.join("none");
    std::fs::create_dir_all(&empty).expect("temp dir");
    let bare = dir.join("bare.whatif");
    std::fs::write(
        &bare,
        "model \"m\" { horizon 3 steps }\nevent e hazard = 0.1\n",
    )
    .expect("write");
    let tested = dir.join("tested.whatif");
    std::fs::write(
        &tested,
        "model \"m\" { horizon 3 steps }\nevent e hazard = 0.1\nexpect baseline { P(e) > 0.05 }\n",
    )
    .expect("write");
    let path = |p: &Path| p.to_str().expect("utf-8").to_string();
    for (args, said) in [
        (vec![path(&bare)], "no expectations found in 1 model"),
        (
            vec![path(&tested), "--run".into(), "nothing-like-this".into()],
            "no expectation matches --run",
        ),
        (vec![path(&empty)], "no `.whatif` file found"),
    ] {
        let mut all = vec!["test".to_string()];
        all.extend(args.iter().cloned());
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        let (code, _, stderr) = run(&refs);
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert!(
            stderr.contains(said) && stderr.contains("--allow-empty"),
            "{stderr}"
        );
        let mut allowed = refs.clone();
        allowed.push("--allow-empty");
        let (code, _, stderr) = run(&allowed);
        assert_eq!(code, 0, "{args:?} --allow-empty: {stderr}");
    }
    let (code, _, stderr) = run(&["test", &path(&tested)]);
    assert_eq!(code, 0, "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--snapshot` records consequences, fails with a diff when a likelihood
/// changes, and `--accept` records the change.
#[test]
fn consequence_snapshots_catch_a_changed_likelihood() {
    let dir = std::env::temp_dir().join(format!("whatif-snap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let model = dir.join("m.whatif");
    let text = "model \"m\" { horizon 10 steps }\nevent e hazard = 0.1\nevent f\nrule r: when e then f p = 0.5\n\
        expect baseline { P(f) > 0.05 }\n";
    std::fs::write(&model, text).expect("write");
    let path = model.to_str().expect("utf-8").to_string();
    let (code, _, stderr) = run(&["test", &path, "--snapshot"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(dir.join("m.whatif.snap").exists());
    std::fs::write(&model, text.replace("p = 0.5", "p = 0.9")).expect("write");
    let (code, out, _) = run(&["test", &path, "--snapshot"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("consequences differ from the snapshot")
            && out.contains("- ")
            && out.contains("+ "),
        "{out}"
    );
    let (code, _, _) = run(&["test", &path, "--snapshot", "--accept"]);
    assert_eq!(code, 0);
    let (code, _, _) = run(&["test", &path, "--snapshot"]);
    assert_eq!(code, 0);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The JSON of `eval` is the same bytes for 1 and 2 threads and twice in a row.
#[test]
fn eval_json_is_reproducible() {
    let args = [
        "eval",
        "scenarios/x_platform.whatif",
        "--all",
        "--format",
        "json",
        "--runs",
        "3000",
    ];
    let (_, one, _) = run(&[&args[..], &["--threads", "1"]].concat());
    let (_, two, _) = run(&[&args[..], &["--threads", "2"]].concat());
    let (_, again, _) = run(&[&args[..], &["--threads", "2"]].concat());
    assert!(!one.is_empty());
    assert_eq!(one, two);
    assert_eq!(two, again);
}
