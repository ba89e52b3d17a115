//! Hostile input and faults (issue 6), with the real binary: inputs past every
//! resource limit end quickly with a diagnostic naming the limit and its flag;
//! a long chain is checked and evaluated without overflowing the stack;
//! `fmt --write` leaves the original byte-identical when the folder is
//! read-only, the disk is full or the process is killed mid-write; imports stay
//! inside the project root. The inputs are generated here, not committed.
//! A module of `tests/cli.rs`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::whatif;

mod edges;
mod formatter;
mod memory;
mod merge;
mod output;
mod recursion;
mod scaling;
mod terminal;

/// A fresh folder for one test.
fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("whatif-hostile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    dir
}

fn run_in(dir: &Path, args: &[&str]) -> (i32, String) {
    let out: Output = whatif()
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `args` on a generated file and expects exit 2 with a diagnostic naming
/// `flag`, at a line and column when `located`.
fn refused(name: &str, text: &[u8], args: &[&str], flag: &str, located: bool) {
    let dir = folder(name);
    std::fs::write(dir.join("m.whatif"), text).expect("written");
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--color", "never", "m.whatif"]);
    let (code, stderr) = run_in(&dir, &all);
    assert_eq!(code, 2, "{stderr}");
    // Help is wrapped to the width of the terminal, even inside a flag.
    let joined: String = stderr.split_whitespace().collect();
    assert!(joined.contains(flag), "no mention of {flag}:\n{stderr}");
    if located {
        assert!(
            stderr.contains("m.whatif:") || stderr.contains("[m.whatif:"),
            "no line and column:\n{stderr}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

const HEADER: &str = "model \"m\" { horizon 10 steps }\n";

#[test]
fn a_100_mb_file_is_refused_at_the_source_limit() {
    let mut text = HEADER.as_bytes().to_vec();
    let line = format!("// {}\n", "x".repeat(97));
    text.reserve(100_000_000);
    while text.len() < 100_000_000 {
        text.extend_from_slice(line.as_bytes());
    }
    refused("big", &text, &["check"], "--max-source-bytes", true);
}

#[test]
fn a_million_nested_parentheses_are_refused_at_the_depth_limit() {
    let text = format!(
        "{HEADER}factor f = {}1{}\n",
        "(".repeat(1_000_000),
        ")".repeat(1_000_000)
    );
    refused("parens", text.as_bytes(), &["check"], "--max-depth", true);
}

#[test]
fn a_trillion_units_of_work_are_refused_before_they_start() {
    // 10^5 runs × 10^5 steps × 100 rules and nodes = 10^12 units of work.
    let mut text = String::from("model \"m\" { horizon 100000 steps }\n");
    for i in 0..50 {
        text.push_str(&format!("event e{i} prior = 0.5\nfactor x{i} = 0\n"));
    }
    refused(
        "work",
        text.as_bytes(),
        &["eval", "--runs", "100000"],
        "--max-work",
        false,
    );
}

#[test]
fn a_request_for_a_trillion_runs_is_refused() {
    refused(
        "runs",
        format!("{HEADER}event e prior = 0.5\n").as_bytes(),
        &["eval", "--runs", "1000000000000"],
        "--max-runs",
        false,
    );
}

/// A chain of `n` events, each caused by the one before.
fn chain(n: usize) -> String {
    let mut text = String::from("model \"chain\" { horizon 3 steps }\nevent e0 prior = 0.5\n");
    for i in 1..=n {
        text.push_str(&format!("event e{i}\n"));
    }
    for i in 1..=n {
        text.push_str(&format!("rule r{i}: when e{} then e{i}\n", i - 1));
    }
    text
}

#[test]
fn a_chain_of_100000_rules_is_checked_and_evaluated() {
    let dir = folder("chain");
    std::fs::write(dir.join("m.whatif"), chain(100_000)).expect("written");
    let (code, stderr) = run_in(&dir, &["check", "m.whatif"]);
    assert_eq!(code, 0, "{stderr}");
    let out = whatif()
        .args(["eval", "--runs", "20", "--format", "json", "m.whatif"])
        .current_dir(&dir)
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let events = json["events"].as_object().expect("events");
    assert_eq!(events.len(), 100_001);
    // One link per step: by the horizon (3 steps) the chain has reached e3, and
    // no further.
    let p = |e: &str| events[e]["probability"].as_f64().expect("a probability");
    assert_eq!(p("e3"), p("e0"));
    assert!(p("e0") > 0.0);
    assert_eq!(p("e4"), 0.0);
    assert_eq!(p("e100000"), 0.0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_chain_of_100000_derived_factors_is_checked_and_evaluated() {
    let mut text = String::from("model \"chain\" { horizon 3 steps }\nfactor f0 = 1\n");
    for i in 1..=100_000 {
        text.push_str(&format!("factor f{i} := f{} + 1\n", i - 1));
    }
    let dir = folder("derived");
    std::fs::write(dir.join("m.whatif"), text).expect("written");
    let (code, stderr) = run_in(&dir, &["eval", "--runs", "5", "m.whatif"]);
    assert_eq!(code, 0, "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A model that `fmt --write` must rewrite, several kilobytes long.
fn unformatted() -> String {
    let mut text = String::from("model   \"m\"   {   horizon 10 steps   }\n");
    for i in 0..200 {
        text.push_str(&format!("event    e{i}   prior =   0.5\n"));
    }
    text
}

/// Whether `fmt --write` can be denied by file permissions here: root ignores
/// them, so as root the command runs as `nobody` through `setpriv`.
fn as_unprivileged(cmd: &mut Command) -> Option<()> {
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Some(());
    }
    if !crate::structure::external::available("setpriv", &["--version"], "util-linux") {
        return None;
    }
    let program = cmd.get_program().to_owned();
    let args: Vec<_> = cmd.get_args().map(ToOwned::to_owned).collect();
    let mut wrapped = Command::new("setpriv");
    wrapped
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(program)
        .args(args)
        .env("COLUMNS", "100");
    if let Some(dir) = cmd.get_current_dir() {
        wrapped.current_dir(dir);
    }
    *cmd = wrapped;
    Some(())
}

#[cfg(unix)]
#[test]
fn fmt_write_in_a_read_only_folder_leaves_the_file_intact() {
    use std::os::unix::fs::PermissionsExt;
    let dir = folder("readonly");
    let file = dir.join("m.whatif");
    let original = unformatted();
    std::fs::write(&file, &original).expect("written");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    let mut cmd = whatif();
    cmd.args(["fmt", "--write", "m.whatif"]).current_dir(&dir);
    if as_unprivileged(&mut cmd).is_none() {
        let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755));
        // `available` has printed why (or failed, on CI).
        return;
    }
    let out = cmd.output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot write `m.whatif`"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), original);
    assert_eq!(entries(&dir), vec!["m.whatif"]);
    let _ = std::fs::remove_dir_all(&dir);
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("readable")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    names.sort();
    names
}

/// Runs `fmt --write` under a file-size limit of one block: writing the
/// temporary file fails as on a full disk. With `ignore_signal` the write
/// returns an error (`EFBIG`); without, the kernel kills the process in the
/// middle of the write (`SIGXFSZ`).
#[cfg(unix)]
fn fmt_write_with_one_block(dir: &Path, ignore_signal: bool) -> Output {
    let trap = if ignore_signal { "trap '' XFSZ; " } else { "" };
    Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{trap}ulimit -f 1 && exec \"$0\" fmt --write m.whatif"
        ))
        .arg(env!("CARGO_BIN_EXE_whatif"))
        .current_dir(dir)
        .output()
        .expect("sh runs")
}

#[cfg(unix)]
#[test]
fn fmt_write_on_a_full_disk_leaves_the_file_intact() {
    let dir = folder("full");
    let file = dir.join("m.whatif");
    let original = unformatted();
    assert!(original.len() > 4096);
    std::fs::write(&file, &original).expect("written");
    let out = fmt_write_with_one_block(&dir, true);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot write `m.whatif`"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), original);
    // The partial temporary file is removed.
    assert_eq!(entries(&dir), vec!["m.whatif"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn fmt_write_killed_mid_write_leaves_the_file_intact() {
    use std::os::unix::process::ExitStatusExt;
    let dir = folder("killed");
    let file = dir.join("m.whatif");
    let original = unformatted();
    std::fs::write(&file, &original).expect("written");
    let out = fmt_write_with_one_block(&dir, false);
    // SIGXFSZ is 25 on Linux; what matters is that a signal ended it.
    assert!(out.status.signal().is_some(), "{:?}", out.status);
    assert_eq!(std::fs::read_to_string(&file).expect("read"), original);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn imports_stay_inside_the_project_root() {
    let dir = folder("root");
    let project = dir.join("project");
    std::fs::create_dir_all(project.join("lib")).expect("folders");
    std::fs::write(project.join("whatif.toml"), "").expect("config");
    std::fs::write(dir.join("secret.whatif"), "actor s { factor x = 1 }\n").expect("outside");
    let model = |import: &str| format!("{HEADER}import \"{import}\"\nevent e prior = 0.5\n");
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "dotdot.whatif",
            model("../secret.whatif"),
            "whatif::load::outside_root",
        ),
        (
            "absolute.whatif",
            model(&dir.join("secret.whatif").display().to_string()),
            "whatif::load::absolute",
        ),
        (
            "link.whatif",
            model("lib/link.whatif"),
            "whatif::load::outside_root",
        ),
    ];
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.join("secret.whatif"), project.join("lib/link.whatif"))
        .expect("a symbolic link");
    for (name, text, code) in &cases {
        if cfg!(not(unix)) && name.starts_with("link") {
            continue;
        }
        std::fs::write(project.join(name), text).expect("written");
        let (status, stderr) = run_in(&project, &["check", "--color", "never", name]);
        assert_eq!(status, 2, "{name}: {stderr}");
        assert!(stderr.contains(code), "{name}: {stderr}");
        assert!(stderr.contains(&format!("{name}:2:")), "{name}: {stderr}");
    }
    // A cycle is reported, with its chain.
    std::fs::write(project.join("lib/a.whatif"), "import \"b.whatif\"\n").expect("a");
    std::fs::write(project.join("lib/b.whatif"), "import \"a.whatif\"\n").expect("b");
    std::fs::write(project.join("cycle.whatif"), model("lib/a.whatif")).expect("cycle");
    let (status, stderr) = run_in(&project, &["check", "--color", "never", "cycle.whatif"]);
    assert_eq!(status, 2, "{stderr}");
    assert!(stderr.contains("whatif::load::cycle"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
