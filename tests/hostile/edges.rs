//! Odd or silent edges, each a promise: zero runs, values that are not
//! finite, reversed bounds, a `whatif.toml` that is not a file, misspelt
//! variables, counts written with an exponent, temporary files left by a
//! kill, and a snapshot that cannot be read.

use std::process::Command;

use super::{HEADER, folder, run_in, whatif};

fn in_dir(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let mut cmd = whatif();
    cmd.args(args).current_dir(dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A misplaced whatif.toml: its name, how to make it, and what the error says.
type Case = (&'static str, Box<dyn Fn(&std::path::Path)>, &'static str);

#[test]
fn zero_runs_are_refused_wherever_they_are_set() {
    let dir = folder("zero-runs");
    std::fs::write(
        dir.join("m.whatif"),
        format!("{HEADER}event e prior = 0.5\n"),
    )
    .expect("written");
    let (code, stderr) = in_dir(&dir, &["eval", "m.whatif", "--runs", "0"], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("at least 1 run"), "{stderr}");
    let (code, stderr) = in_dir(&dir, &["eval", "m.whatif"], &[("WHATIF_RUNS", "0")]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("WHATIF_RUNS must be at least 1"),
        "{stderr}"
    );
    std::fs::write(dir.join("whatif.toml"), "[eval]\nruns = 0\n").expect("written");
    let (code, stderr) = in_dir(&dir, &["eval", "--color", "never", "m.whatif"], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("`eval.runs` must be at least 1"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn min_max_and_clamp_do_not_hide_values_that_are_not_finite() {
    let dir = folder("non-finite");
    for (name, expr) in [
        ("min", "min(ln(k - 2), 1)"),
        ("max", "max(ln(k - 2), 0)"),
        ("clamp", "clamp(ln(k - 1), 0, 1)"),
        ("bounds", "clamp(0.5, k, 0)"),
    ] {
        let file = format!("{name}.whatif");
        std::fs::write(
            dir.join(&file),
            format!(
                "{HEADER}param k = 1\nfactor y := {expr}\nexpect baseline {{ mean(y) > -1 }}\n"
            ),
        )
        .expect("written");
        let (code, stderr) = run_in(&dir, &["eval", "--color", "never", &file, "--runs", "5"]);
        assert_eq!(code, 2, "{name}: {stderr}");
        assert!(
            stderr.contains("whatif::eval::non_finite"),
            "{name}: {stderr}"
        );
        assert!(
            stderr.contains(&format!("{file}:")) || stderr.contains(&format!("[{file}:")),
            "{name}: {stderr}"
        );
    }
    std::fs::write(
        dir.join("reversed.whatif"),
        format!("{HEADER}factor x = 0.5\nfactor y := clamp(x, 5, 1)\n"),
    )
    .expect("written");
    let (code, stderr) = run_in(&dir, &["check", "--color", "never", "reversed.whatif"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("the range [5, 1] is reversed"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn a_whatif_toml_that_is_not_a_file_is_an_error_not_no_project() {
    let dir = folder("toml-not-a-file");
    std::fs::write(
        dir.join("m.whatif"),
        format!("{HEADER}event e prior = 0.5\n"),
    )
    .expect("written");
    let cases: Vec<Case> = vec![
        (
            "a folder",
            Box::new(|p| std::fs::create_dir(p).expect("a folder")),
            "it is a folder",
        ),
        (
            "a link to a device",
            Box::new(|p| std::os::unix::fs::symlink("/dev/zero", p).expect("a link")),
            "it is not a regular file",
        ),
        (
            "a FIFO",
            Box::new(|p| {
                let made = Command::new("mkfifo").arg(p).status();
                assert!(made.is_ok_and(|s| s.success()), "mkfifo");
            }),
            "it is not a regular file",
        ),
    ];
    for (what, make, expected) in cases {
        let toml = dir.join("whatif.toml");
        let _ = std::fs::remove_dir(&toml);
        let _ = std::fs::remove_file(&toml);
        make(&toml);
        let out = Command::new("timeout")
            .args(["30", env!("CARGO_BIN_EXE_whatif"), "check", "m.whatif"])
            .current_dir(&dir)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
        assert!(stderr.contains("whatif.toml"), "{what}: {stderr}");
        assert!(stderr.contains(expected), "{what}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_misspelt_variable_is_refused_and_counts_take_an_exponent() {
    let dir = folder("env");
    std::fs::write(
        dir.join("m.whatif"),
        format!("{HEADER}event e prior = 0.5\n"),
    )
    .expect("written");
    let (code, stderr) = in_dir(&dir, &["check", "m.whatif"], &[("WHATIF_RUN", "100")]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("`WHATIF_RUN` is not a whatif setting"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `WHATIF_RUNS`?"), "{stderr}");
    // `--help` shows the default work limit as 1e11; it is read back as such.
    let (code, stderr) = in_dir(
        &dir,
        &["eval", "m.whatif", "--runs", "1e3"],
        &[("WHATIF_MAX_WORK", "1e11")],
    );
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr) = in_dir(
        &dir,
        &["eval", "m.whatif", "--max-work", "1e11", "--runs", "2e3"],
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(target_os = "linux")]
#[test]
fn a_temporary_file_left_by_a_kill_is_removed_by_the_next_write() {
    let dir = folder("stale-tmp");
    std::fs::write(dir.join("m.whatif"), "model   \"m\" { horizon 5 }\n").expect("written");
    // The name a killed writer leaves: its process id, which no longer runs
    // (pid_max is at most 2^22 on Linux).
    let stale = dir.join(".m.whatif.4194304.Ab3dEf.whatif-tmp");
    std::fs::write(&stale, "half a model").expect("written");
    // A live writer's file (this test's own process) is left alone.
    let live = dir.join(format!(
        ".m.whatif.{}.Xy9zWv.whatif-tmp",
        std::process::id()
    ));
    std::fs::write(&live, "being written").expect("written");
    let (code, stderr) = run_in(&dir, &["fmt", "--write", "m.whatif"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stale.exists(), "the stale temporary file is still there");
    assert!(live.exists(), "a live writer's file was removed");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_snapshot_that_cannot_be_read_is_an_error_not_overwritten() {
    let dir = folder("snapshot-unreadable");
    std::fs::write(
        dir.join("m.whatif"),
        format!("{HEADER}event e prior = 0.5\nexpect baseline {{ P(e) > 0.1 }}\n"),
    )
    .expect("written");
    let garbage = [0xff_u8, 0xfe, 0x00, 0x41];
    std::fs::write(dir.join("m.whatif.snap"), garbage).expect("written");
    let (code, stderr) = run_in(&dir, &["test", "--snapshot", "m.whatif", "--runs", "50"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("is not UTF-8 text"), "{stderr}");
    assert_eq!(
        std::fs::read(dir.join("m.whatif.snap")).expect("read"),
        garbage
    );
    let _ = std::fs::remove_dir_all(&dir);
}
