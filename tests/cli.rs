//! The integration tests: the real `whatif` binary on real files.
//!
//! Snapshots cover every model in `scenarios/` and every bad input in
//! `tests/bad/` (a diagnostic's wording is part of the product: review snapshot
//! changes as carefully as code). Run `cargo insta review` after a change.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

#[test]
fn every_bad_input_has_a_stable_diagnostic() {
    insta::glob!("bad/*.whatif", |path| {
        let rel = relative(path);
        // A fixture whose only problem is a warning is named `warn_*`: it runs with
        // `--deny-warnings`, which turns the warning into exit 1.
        let warning_only = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("warn_"));
        let mut args = vec!["check", "--color", "never"];
        if warning_only {
            args.push("--deny-warnings");
        }
        args.push(&rel);
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
