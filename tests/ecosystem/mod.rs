//! whatif among the user's other tools: `init`, the shell (completions, man
//! page, colour, pipes, `-q`/`-v`, standard input), configuration
//! (`whatif.toml` and `WHATIF_*`), and the JSON Schemas of the JSON outputs.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use super::{relative, root, run, scenario_files, whatif};

/// A folder of its own for one test, removed when the test ends.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("whatif-eco-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("a temporary file");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs whatif in `dir` with extra environment variables: (exit code, stdout,
/// stderr).
fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let out = whatif()
        .args(args)
        .envs(env.iter().copied())
        .current_dir(dir)
        .output()
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs whatif in the project root with `input` on standard input.
fn run_with_stdin(args: &[&str], input: &[u8]) -> (i32, String, String) {
    let mut child = whatif()
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(input).expect("whatif reads its input");
    }
    let out = child.wait_with_output().expect("the binary ends");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const ESC: char = '\u{1b}';

// ------------------------------------------------------------------ init

#[test]
fn init_makes_a_project_whose_tests_pass_at_once() {
    let tmp = TempDir::new("init");
    let (code, out, err) = run_in(tmp.path(), &["init", "demo"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("cd demo && whatif test"), "{out}");
    let demo = tmp.path().join("demo");
    for file in ["whatif.toml", "archive.whatif", "README.md", ".gitignore"] {
        assert!(demo.join(file).is_file(), "{file} is missing");
    }
    let (code, out, err) = run_in(&demo, &["test"], &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("8 passed, 0 failed"), "{out}");
    let (code, _, err) = run_in(&demo, &["check", "--deny-warnings", "archive.whatif"], &[]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run_in(&demo, &["fmt", "--check", "archive.whatif"], &[]);
    assert_eq!(
        code, 0,
        "the starter model is in the canonical layout: {err}"
    );
}

#[test]
fn init_refuses_to_overwrite_anything() {
    let tmp = TempDir::new("init-again");
    let mine = "# my own notes\n";
    tmp.write("README.md", mine);
    let (code, out, err) = run_in(tmp.path(), &["init"], &[]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("README.md") && err.contains("already exists"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("README.md"))
            .ok()
            .as_deref(),
        Some(mine)
    );
    assert!(
        !tmp.path().join("archive.whatif").exists(),
        "nothing is written"
    );
}

// ------------------------------------------------------------------ the shell

#[test]
fn no_escape_codes_in_pipes() {
    let model = "scenarios/x_platform.whatif";
    let (code, out, err) = run_in(
        &root(),
        &["eval", model, "--runs", "300"],
        &[("NO_COLOR", "1")],
    );
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains(ESC) && !err.contains(ESC), "{out}{err}");
    // clap's help and errors too.
    let (code, out, _) = run(&["eval", "--help"]);
    assert_eq!(code, 0);
    assert!(!out.contains(ESC), "{out}");
    let (code, _, err) = run(&["eval", "--bogus"]);
    assert_eq!(code, 2);
    assert!(!err.contains(ESC), "{err}");
    // Diagnostics too, and even when colour is forced but NO_COLOR is set.
    let bad = "tests/bad/unknown_name_did_you_mean.whatif";
    for env in [
        &[("NO_COLOR", "1")][..],
        &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")][..],
        &[][..],
    ] {
        let (code, out, err) = run_in(&root(), &["eval", bad], env);
        assert_eq!(code, 2, "{err}");
        assert!(!out.contains(ESC) && !err.contains(ESC), "{env:?}: {err}");
    }
}

#[test]
fn colour_when_forced_or_asked_for() {
    let bad = "tests/bad/unknown_name_did_you_mean.whatif";
    let (_, _, err) = run_in(&root(), &["check", bad], &[("CLICOLOR_FORCE", "1")]);
    assert!(err.contains(ESC), "CLICOLOR_FORCE colours a pipe: {err}");
    let (_, _, err) = run_in(&root(), &["check", "--color", "always", bad], &[]);
    assert!(err.contains(ESC), "{err}");
    let (_, _, err) = run_in(
        &root(),
        &["check", "--color", "never", bad],
        &[("CLICOLOR_FORCE", "1")],
    );
    assert!(!err.contains(ESC), "--color never wins: {err}");
    let model = "scenarios/markov_chain.whatif";
    let (code, out, _) = run_in(&root(), &["test", model, "--color", "always"], &[]);
    assert_eq!(code, 0);
    assert!(
        out.contains(&format!("{ESC}[")),
        "verdicts are coloured: {out}"
    );
    let (_, out, _) = run_in(&root(), &["test", model], &[]);
    assert!(!out.contains(ESC), "{out}");
}

/// `whatif eval … | head -1`: the reader goes away after one line; whatif
/// stops quietly and succeeds.
#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    for format in ["text", "csv"] {
        let mut child = whatif()
            .args([
                "eval",
                "scenarios/x_platform.whatif",
                "--all",
                "--runs",
                "300",
                "--format",
                format,
            ])
            .current_dir(root())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary runs");
        let stdout = child.stdout.take().expect("a pipe");
        let mut first = String::new();
        BufReader::new(stdout)
            .read_line(&mut first)
            .expect("one line");
        // The reader is dropped here, like `head -1` exiting.
        let out = child.wait_with_output().expect("the binary ends");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!first.is_empty());
        assert_eq!(out.status.code(), Some(0), "{format}: {err}");
        assert!(err.is_empty(), "{format}: no message, got {err}");
    }
}

#[test]
fn help_and_the_man_page_list_every_exit_code() {
    for args in [&["--help"][..], &["eval", "--help"], &["init", "--help"]] {
        let (code, out, _) = run(args);
        assert_eq!(code, 0);
        for n in 0..=2 {
            assert!(out.contains(&format!("\n  {n}  ")), "{args:?}: {out}");
        }
    }
    let (code, page, err) = run(&["man"]);
    assert_eq!(code, 0, "{err}");
    assert!(page.starts_with(".ie") || page.starts_with(".TH"), "roff");
    assert!(page.contains(".SH \"EXIT STATUS\""), "{page}");
    for n in 0..=2 {
        assert!(page.contains(&format!("\\fB{n}\\fR")), "exit code {n}");
    }
    assert!(page.contains("whatif.toml") && page.contains("NO_COLOR"));
    let (code, page, _) = run(&["man", "eval"]);
    assert_eq!(code, 0);
    assert!(page.contains("\\-\\-scenario") && page.contains("EXIT STATUS"));
    let (code, _, err) = run(&["man", "nope"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let (code, out, err) = run(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        assert!(out.contains("whatif") && out.contains("explain"), "{shell}");
    }
    // The bash script is valid bash (bash is on every machine CI runs on).
    let (_, script, _) = run(&["completions", "bash"]);
    let tmp = TempDir::new("completions");
    let file = tmp.write("whatif.bash", &script);
    match std::process::Command::new("bash")
        .arg("-n")
        .arg(&file)
        .output()
    {
        Ok(out) => assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(_) if std::env::var_os("CI").is_none() => {
            eprintln!("skipped: no bash to check the completion script with");
        }
        Err(e) => panic!("bash is needed on CI: {e}"),
    }
}

#[test]
fn quiet_and_verbose_change_what_is_said() {
    let model = "scenarios/markov_chain.whatif";
    let (_, out, _) = run(&["check", model]);
    assert!(out.starts_with("ok: "), "{out}");
    let (code, out, _) = run(&["-q", "check", model]);
    assert_eq!((code, out.as_str()), (0, ""));

    let (_, out, _) = run(&["test", model, "--runs", "2000"]);
    assert!(out.contains("PASS"), "{out}");
    let (_, quiet, _) = run(&["test", model, "--runs", "2000", "-q"]);
    assert!(!quiet.contains("PASS"), "{quiet}");
    assert!(quiet.contains(" passed, 0 failed"), "{quiet}");

    let args = ["eval", model, "--runs", "500", "--seed", "3"];
    let (_, plain, plain_err) = run(&args);
    let (code, loud, err) = run(&[&args[..], &["-v"]].concat());
    assert_eq!(code, 0, "{err}");
    assert_eq!(plain, loud, "-v does not change the results");
    assert!(plain_err.is_empty(), "{plain_err}");
    assert!(
        err.contains("runs               500            (flag)"),
        "{err}"
    );
    assert!(err.contains("evaluated `baseline`: 500 runs in"), "{err}");
    let (code, _, err) = run(&["-q", "-v", "check", model]);
    assert_eq!(code, 2, "-q and -v conflict: {err}");
}

#[test]
fn standard_input_with_a_filename() {
    let path = "scenarios/x_platform.whatif";
    let text = std::fs::read(root().join(path)).expect("the flagship");
    // The flagship imports `lib/regulation.whatif`: found from the named path.
    let (code, out, err) = run_with_stdin(&["check", "-", "--stdin-filename", path], &text);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with(&format!("ok: {path} (")), "{out}");
    // Without a name, standard input cannot import.
    let (code, _, err) = run_with_stdin(&["check", "-"], &text);
    assert_eq!(code, 2);
    assert!(err.contains("<stdin>"), "{err}");
    // Diagnostics carry the name.
    let (code, _, err) = run_with_stdin(
        &[
            "check",
            "--color",
            "never",
            "-",
            "--stdin-filename",
            "draft.whatif",
        ],
        b"model \"m\" { horizon 3 steps }\nevent e\nrule r: when f then e\n",
    );
    assert_eq!(code, 2);
    assert!(err.contains("[draft.whatif:3:14]"), "{err}");
    // Every verb that reads one model takes `-`, `test` included.
    let model = std::fs::read(root().join("scenarios/markov_chain.whatif")).expect("a model");
    for args in [
        &["eval", "-", "--runs", "200"][..],
        &["explain", "-", "machine_a.first_failure", "--runs", "200"],
        &["diff", "-", "faster_repair", "--runs", "200"],
        &["fmt", "-"],
        &["test", "-", "--runs", "2000"],
    ] {
        let (code, out, err) = run_with_stdin(args, &model);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(!out.is_empty(), "{args:?}");
    }
}

// ------------------------------------------------------------------ configuration

/// A project with a `whatif.toml` and a small model in a subfolder (the file
/// is found by walking up from the model's folder).
fn project(name: &str, toml: &str) -> TempDir {
    let tmp = TempDir::new(name);
    tmp.write("whatif.toml", toml);
    std::fs::create_dir_all(tmp.path().join("models")).expect("a folder");
    tmp.write(
        "models/m.whatif",
        "model \"m\" { horizon 5 steps }\nevent e hazard = 0.3\n\
         expect baseline { P(e) > 0.5 }\n",
    );
    tmp
}

/// `runs` and `seed` of `eval --format json` in a project.
fn runs_and_seed(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (u64, u64) {
    let all = [&["eval", "models/m.whatif", "--format", "json"][..], args].concat();
    let (code, out, err) = run_in(dir, &all, env);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    (
        v["runs"].as_u64().unwrap_or(0),
        v["seed"].as_u64().unwrap_or(0),
    )
}

#[test]
fn a_flag_beats_the_environment_which_beats_the_file_which_beats_the_default() {
    let tmp = project("precedence", "[eval]\nruns = 300\nseed = 3\n");
    let dir = tmp.path();
    assert_eq!(runs_and_seed(dir, &[], &[]), (300, 3));
    assert_eq!(runs_and_seed(dir, &[], &[("WHATIF_RUNS", "400")]), (400, 3));
    assert_eq!(
        runs_and_seed(dir, &["--runs", "500"], &[("WHATIF_RUNS", "400")]),
        (500, 3)
    );
    // Without the file, the defaults.
    std::fs::remove_file(dir.join("whatif.toml")).expect("remove");
    assert_eq!(runs_and_seed(dir, &[], &[]), (10_000, 0));
}

#[test]
fn limits_and_test_confidence_come_from_the_file_too() {
    let tmp = project(
        "limits",
        "[eval]\nruns = 300\n[limits]\nmax-runs = 100\n[test]\nconfidence = 0.5\n",
    );
    let (code, _, err) = run_in(tmp.path(), &["eval", "models/m.whatif"], &[]);
    assert_eq!(code, 2, "300 runs exceed max-runs = 100");
    assert!(err.contains("--max-runs"), "{err}");
    let (code, _, err) = run_in(
        tmp.path(),
        &["eval", "models/m.whatif", "--max-runs", "1000"],
        &[],
    );
    assert_eq!(code, 0, "the flag wins: {err}");
    let (_, _, err) = run_in(
        tmp.path(),
        &["-v", "test", "models", "--max-runs", "1000"],
        &[],
    );
    assert!(
        err.contains("test confidence    0.5            (whatif.toml)"),
        "{err}"
    );
}

#[test]
fn a_bad_config_file_is_a_diagnostic_with_line_and_column() {
    let tmp = project("bad-config", "[eval]\nruns = 300\nconfidence = 1.5\n");
    let (code, out, err) = run_in(
        tmp.path(),
        &["eval", "--color", "never", "models/m.whatif"],
        &[],
    );
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("whatif::config::bad_value"), "{err}");
    assert!(err.contains("whatif.toml:3:14]"), "{err}");
    tmp.write("whatif.toml", "[eval]\nrusn = 5\n");
    let (code, _, err) = run_in(
        tmp.path(),
        &["check", "--color", "never", "models/m.whatif"],
        &[],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown field `rusn`") && err.contains("whatif.toml:2:1]"),
        "{err}"
    );
    let (code, _, err) = run_in(
        tmp.path(),
        &["check", "models/m.whatif"],
        &[("WHATIF_SEED", "x")],
    );
    assert_eq!(code, 2);
    assert!(err.contains("WHATIF_SEED"), "{err}");
}

#[test]
fn a_project_scale_gives_models_their_words() {
    let tmp = project(
        "scale",
        "[scale]\nprobable = { p = 0.75, in = [0.63, 0.87] }\nunlikely_ = { p = 0.2, in = [0, 0.4] }\n",
    );
    tmp.write(
        "models/m.whatif",
        "model \"m\" { horizon 5 steps }\nevent a prior = 1\nevent b\n\
         rule r: when a then b probable\nexpect baseline { b is probable }\n",
    );
    let (code, out, err) = run_in(tmp.path(), &["test", "models"], &[]);
    assert_eq!(code, 0, "{out}{err}");
    // The same model outside the project does not know the word.
    let outside = TempDir::new("scale-outside");
    let model = std::fs::read_to_string(tmp.path().join("models/m.whatif")).expect("model");
    outside.write("m.whatif", &model);
    let (code, _, err) = run_in(outside.path(), &["check", "m.whatif"], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown_word"), "{err}");
}

#[test]
fn models_of_two_projects_are_not_mixed() {
    let a = project("project-a", "[eval]\nruns = 300\n");
    let b = project("project-b", "[eval]\nruns = 400\n");
    let (code, _, err) = run(&[
        "check",
        a.path().join("models/m.whatif").to_str().expect("utf-8"),
        b.path().join("models/m.whatif").to_str().expect("utf-8"),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("different projects"), "{err}");
}

// ------------------------------------------------------------------ JSON Schemas

fn schema(name: &str) -> jsonschema::Validator {
    let (code, out, err) = run(&["schema", name]);
    assert_eq!(code, 0, "{err}");
    let schema: serde_json::Value = serde_json::from_str(&out).expect("a schema is JSON");
    jsonschema::validator_for(&schema).expect("a valid JSON Schema")
}

fn assert_valid(validator: &jsonschema::Validator, args: &[&str], stdout: &str) {
    let instance: serde_json::Value =
        serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{args:?} prints JSON: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{args:?}:\n{}", errors.join("\n"));
}

/// Real outputs of every verb with a JSON format validate against the schema
/// `whatif schema` prints for it.
#[test]
fn every_json_output_validates_against_its_schema() {
    let (code, list, _) = run(&["schema"]);
    assert_eq!(code, 0);
    let names: Vec<&str> = list
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        names,
        [
            "causes",
            "check",
            "diff",
            "eval",
            "explain",
            "graph",
            "loops",
            "sensitivity",
            "sweep",
            "test"
        ]
    );
    let x = "scenarios/x_platform.whatif";
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("eval", vec!["eval", x, "--format", "json", "--runs", "200"]),
        (
            "sweep",
            vec![
                "sweep",
                x,
                "-s",
                "outages_continue",
                "--vary",
                "tipping_trust=0.2..0.6:3",
                "--measure",
                "P(users.migration)",
                "--measure",
                "users.trust at 26",
                "--format",
                "json",
                "--runs",
                "100",
            ],
        ),
        (
            "sensitivity",
            vec![
                "sensitivity",
                x,
                "-s",
                "outages_continue",
                "--measure",
                "P(users.migration)",
                "--method",
                "sobol",
                "--samples",
                "8",
                "--format",
                "json",
                "--runs",
                "50",
            ],
        ),
        (
            "sensitivity",
            vec![
                "sensitivity",
                x,
                "-s",
                "outages_continue",
                "--measure",
                "P(users.migration)",
                "--method",
                "morris",
                "--trajectories",
                "2",
                "--include",
                "words",
                "--format",
                "json",
                "--runs",
                "50",
            ],
        ),
        (
            "eval",
            vec!["eval", x, "--all", "--format", "json", "--runs", "200"],
        ),
        (
            "eval",
            vec![
                "eval",
                "scenarios/fault_tree.whatif",
                "--all",
                "--exact",
                "--format",
                "json",
            ],
        ),
        (
            "explain",
            vec![
                "explain",
                x,
                "-s",
                "outages_continue",
                "advertisers.withdrawal",
                "--format",
                "json",
                "--runs",
                "200",
            ],
        ),
        (
            "explain",
            vec![
                "explain",
                x,
                "users.migration",
                "--format",
                "json",
                "--runs",
                "200",
            ],
        ),
        (
            "diff",
            vec![
                "diff",
                x,
                "outages_continue",
                "--format",
                "json",
                "--runs",
                "200",
            ],
        ),
        ("check", vec!["check", x, "--format", "json"]),
        (
            "check",
            vec![
                "check",
                "tests/bad/unknown_name_did_you_mean.whatif",
                "tests/bad/warn_effect_leaves_range.whatif",
                "no/such/file.whatif",
                "--format",
                "json",
            ],
        ),
        (
            "test",
            vec![
                "test",
                "scenarios/markov_chain.whatif",
                "--format",
                "json",
                "--runs",
                "2000",
            ],
        ),
    ];
    for (name, args) in cases {
        let (code, out, err) = run(&args);
        assert!(code == 0 || name == "check", "{args:?}: {err}");
        assert_valid(&schema(name), &args, &out);
    }
    let (code, _, err) = run(&["schema", "nope"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("the outputs are causes, check, diff, eval, explain, graph, loops, sensitivity, sweep, test"),
        "{err}"
    );
}

/// The structure commands' JSON on every shipped model validates against its
/// schema: loops, the graph plain and shaded, and the causes of every event.
#[test]
fn structure_outputs_of_every_shipped_model_validate_against_their_schemas() {
    let (loops, graph, causes) = (schema("loops"), schema("graph"), schema("causes"));
    let mut checked = 0;
    for file in scenario_files() {
        let rel = relative(&file);
        let mut output = |validator: &jsonschema::Validator, args: &[&str]| {
            let (code, out, err) = run(args);
            assert_eq!(code, 0, "{args:?}: {err}");
            assert_valid(validator, args, &out);
            checked += 1;
            out
        };
        let found = output(&loops, &["loops", &rel, "--format", "json"]);
        // The schema is not vacuous: an output without its loops is refused.
        let mut broken: serde_json::Value = serde_json::from_str(&found).expect("JSON");
        if let Some(map) = broken.as_object_mut() {
            map.remove("loops");
        }
        assert!(
            !loops.is_valid(&broken),
            "{rel}: a loops output needs `loops`"
        );
        output(
            &graph,
            &[
                "graph", &rel, "-s", "baseline", "--format", "json", "--runs", "100",
            ],
        );
        let plain = output(&graph, &["graph", &rel, "--format", "json"]);
        let plain: serde_json::Value = serde_json::from_str(&plain).expect("JSON");
        let events: Vec<String> = plain["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter(|n| n["kind"] == "event")
            .filter_map(|n| n["name"].as_str().map(str::to_string))
            .collect();
        assert!(!events.is_empty(), "{rel} has events");
        for event in &events {
            output(
                &causes,
                &["causes", &rel, event, "--format", "json", "--runs", "100"],
            );
        }
    }
    assert!(checked > 3 * scenario_files().len(), "{checked} outputs");
}

/// The eval JSON contract (issue 3) keeps its bytes: keys, order, layout.
#[test]
fn the_eval_json_contract_keeps_its_bytes() {
    let cases = [
        (
            "eval_json__fault_tree",
            &["eval", "scenarios/fault_tree.whatif", "--runs", "500"][..],
        ),
        (
            "explain_json__x_platform",
            &[
                "explain",
                "scenarios/x_platform.whatif",
                "users.migration",
                "--runs",
                "300",
            ],
        ),
    ];
    for (name, args) in cases {
        let (code, out, err) = run(&[args, &["--format", "json"]].concat());
        assert_eq!(code, 0, "{err}");
        insta::assert_snapshot!(name, out);
    }
}
