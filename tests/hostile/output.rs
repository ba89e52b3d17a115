//! `-o` onto what is not a regular file, and onto the command's own inputs:
//! a special file is written into (never replaced, never read), `-` is
//! standard output, and an input is never overwritten.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use super::{HEADER, folder};

/// The binary under coreutils' `timeout`, so that a hang fails the test (exit
/// 124) instead of stalling the suite.
fn bounded(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("timeout");
    cmd.arg("60")
        .arg(env!("CARGO_BIN_EXE_whatif"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE");
    cmd
}

fn model(dir: &Path) {
    std::fs::write(
        dir.join("m.whatif"),
        format!("{HEADER}event e prior = 0.5\n"),
    )
    .expect("written");
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

#[cfg(unix)]
#[test]
fn o_dev_null_is_written_into_not_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let dir = folder("o-dev-null");
    model(&dir);
    let out = bounded(
        &dir,
        &["eval", "m.whatif", "--runs", "10", "-o", "/dev/null"],
    )
    .output()
    .expect("runs");
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let kind = std::fs::metadata("/dev/null")
        .expect("/dev/null")
        .file_type();
    assert!(kind.is_char_device(), "/dev/null was replaced: {kind:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn o_dev_stdout_into_a_pipe_and_o_dev_zero_finish() {
    let dir = folder("o-dev-stdout");
    model(&dir);
    let out = bounded(
        &dir,
        &["eval", "m.whatif", "--runs", "10", "-o", "/dev/stdout"],
    )
    .stdout(Stdio::piped())
    .output()
    .expect("runs");
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("scenario `baseline`"));
    // A device that reads without end is never read.
    let out = bounded(
        &dir,
        &["eval", "m.whatif", "--runs", "10", "-o", "/dev/zero"],
    )
    .output()
    .expect("runs");
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn o_fifo_is_written_into_for_its_reader() {
    let dir = folder("o-fifo");
    model(&dir);
    let fifo = dir.join("out.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap_or_default())
    };
    let out = bounded(
        &dir,
        &["eval", "m.whatif", "--runs", "10", "-o", "out.fifo"],
    )
    .output()
    .expect("runs");
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let read = reader.join().expect("the reader");
    assert!(read.contains("scenario `baseline`"), "{read}");
    // Still a FIFO, not a file put in its place.
    assert!(std::os::unix::fs::FileTypeExt::is_fifo(
        &std::fs::metadata(&fifo).expect("there").file_type()
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn o_dash_is_standard_output() {
    let dir = folder("o-dash");
    model(&dir);
    for format in ["text", "json", "csv"] {
        let out = bounded(
            &dir,
            &[
                "eval", "m.whatif", "--runs", "10", "--format", format, "-o", "-",
            ],
        )
        .output()
        .expect("runs");
        assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
        assert!(!out.stdout.is_empty(), "{format}");
    }
    assert!(!dir.join("-").exists(), "a file named `-` was created");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn o_onto_a_folder_is_refused() {
    let dir = folder("o-folder");
    model(&dir);
    std::fs::create_dir_all(dir.join("out")).expect("a folder");
    let out = bounded(&dir, &["eval", "m.whatif", "--runs", "10", "-o", "out"])
        .output()
        .expect("runs");
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("it is a folder"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn o_onto_an_input_is_refused_naming_both() {
    let dir = folder("o-input");
    std::fs::write(dir.join("lib.whatif"), "event f prior = 0.2\n").expect("written");
    std::fs::write(
        dir.join("m.whatif"),
        format!("{HEADER}import \"lib.whatif\"\nevent e prior = 0.5\n"),
    )
    .expect("written");
    let before = std::fs::read(dir.join("m.whatif")).expect("read");
    let lib = std::fs::read(dir.join("lib.whatif")).expect("read");
    #[cfg(unix)]
    std::os::unix::fs::symlink("m.whatif", dir.join("link.whatif")).expect("a link");
    let mut targets = vec!["m.whatif", "lib.whatif", "./m.whatif"];
    if cfg!(unix) {
        targets.push("link.whatif");
    }
    for target in targets {
        for args in [
            vec!["eval", "m.whatif", "--runs", "10", "-o", target],
            vec![
                "eval", "m.whatif", "--runs", "10", "--shard", "1/2", "-o", target,
            ],
            vec!["report", "m.whatif", "--runs", "10", "-o", target],
        ] {
            let out = bounded(&dir, &args).output().expect("runs");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(code(&out), 2, "{args:?}: {stderr}");
            assert!(
                stderr.contains(&format!("`-o {target}` would overwrite")),
                "{args:?}: {stderr}"
            );
        }
    }
    assert_eq!(std::fs::read(dir.join("m.whatif")).expect("read"), before);
    assert_eq!(std::fs::read(dir.join("lib.whatif")).expect("read"), lib);
    // merge's inputs are its partials.
    let out = bounded(
        &dir,
        &[
            "eval", "m.whatif", "--runs", "600", "--shard", "1/1", "-o", "p1.json",
        ],
    )
    .output()
    .expect("runs");
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let partial = std::fs::read(dir.join("p1.json")).expect("read");
    let out = bounded(&dir, &["merge", "p1.json", "-o", "p1.json"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(code(&out), 2, "{stderr}");
    assert!(
        stderr.contains("`-o p1.json` would overwrite `p1.json`"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(dir.join("p1.json")).expect("read"), partial);
    let _ = std::fs::remove_dir_all(&dir);
}
