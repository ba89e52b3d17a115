//! `whatif watch`, driven as a person uses it: the real binary watching a
//! model and its import while the files are edited, its output read line by
//! line with generous timeouts (each step waits for the lines it expects, so a
//! busy machine makes the test slower, not flaky).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(90);

/// A line of output, from stdout or stderr.
enum Line {
    Out(String),
    Err(String),
}

/// The watch process; killed when dropped, so a failing test leaves nothing
/// running.
struct Watch {
    child: Child,
    lines: Receiver<Line>,
    /// Every line read so far, per stream: (stdout, stderr).
    seen: (Vec<String>, Vec<String>),
    /// How far each stream has been matched: the two interleave in no fixed
    /// order, so each is searched on its own.
    matched: (usize, usize),
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Watch {
    fn start(dir: &Path, args: &[&str]) -> Watch {
        let mut child = Command::new(env!("CARGO_BIN_EXE_whatif"))
            .arg("watch")
            .args(args)
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let (tx, lines) = channel();
        let out = child.stdout.take().expect("piped");
        let err = child.stderr.take().expect("piped");
        let tx2 = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(Line::Out(line));
            }
        });
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let _ = tx2.send(Line::Err(line));
            }
        });
        Watch {
            child,
            lines,
            seen: (Vec::new(), Vec::new()),
            matched: (0, 0),
        }
    }

    /// Waits for the next line of stdout (`out`) or stderr that contains
    /// `needle`; returns the lines of that stream from the last match to it.
    fn wait(&mut self, out: bool, needle: &str) -> Vec<String> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let (lines, from) = if out {
                (&self.seen.0, &mut self.matched.0)
            } else {
                (&self.seen.1, &mut self.matched.1)
            };
            if let Some(i) = lines[*from..].iter().position(|l| l.contains(needle)) {
                let found = lines[*from..=*from + i].to_vec();
                *from += i + 1;
                return found;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(Line::Out(l)) => self.seen.0.push(l),
                Ok(Line::Err(l)) => self.seen.1.push(l),
                Err(RecvTimeoutError::Timeout) => {
                    panic!(
                        "no line with {needle:?} within {TIMEOUT:?}; seen: {:#?}",
                        self.seen
                    )
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!(
                        "whatif watch stopped before {needle:?}; seen: {:#?}",
                        self.seen
                    )
                }
            }
        }
    }
}

/// Replaces a file the way many editors save: a new file renamed over it.
fn save(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp~");
    std::fs::write(&tmp, text).expect("written");
    std::fs::rename(&tmp, path).expect("renamed");
}

fn folder(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("watch-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("lib")).expect("a temporary folder");
    dir
}

/// No random draw: each evaluation is exact, so the lines expected are known.
const MODEL: &str = r#"model "watched" { horizon 20 }
import "lib/users.whatif"

param rate = 0.1
rule erode: while true then users.trust -= rate
rule leave: when users.trust < 0.5 then users.migration
scenario slow { set rate = 0.05 }
"#;

const LIB: &str = "actor users {\n  factor trust = 0.7\n  event migration\n}\n";

#[test]
fn every_save_is_checked_and_evaluated_again() {
    let dir = folder("saves");
    let model = dir.join("m.whatif");
    let lib = dir.join("lib/users.whatif");
    std::fs::write(&model, MODEL).expect("written");
    std::fs::write(&lib, LIB).expect("written");
    let mut watch = Watch::start(&dir, &["m.whatif", "--debounce", "100"]);

    // The first evaluation in full, then the watch on the model and its import.
    let first = watch.wait(true, "users.migration");
    assert!(
        first.iter().any(|l| l.contains("scenario `baseline`")),
        "{first:#?}"
    );
    watch.wait(false, "watching 2 files for changes");

    // A change of a rule: only what changed is printed.
    save(
        &model,
        &MODEL.replace("param rate = 0.1", "param rate = 0.02"),
    );
    watch.wait(true, "m.whatif changed: evaluation 2");
    let changed = watch.wait(true, "+ event users.migration: 100%, median step");
    assert!(
        changed
            .iter()
            .any(|l| l == "what changed since the last evaluation:"),
        "{changed:#?}"
    );
    assert!(
        changed
            .iter()
            .any(|l| l == "  - event users.migration: 100%, median step 4"),
        "{changed:#?}"
    );

    // A broken save: diagnostics, and the watch goes on.
    std::fs::write(&model, "model \"watched\" { horizon 20 }\nrule (\n").expect("written");
    watch.wait(false, "unclosed `(`");
    watch.wait(true, "the model has errors (above): still watching");

    // Repaired as it was before the break: nothing changed since the last good
    // evaluation.
    save(
        &model,
        &MODEL.replace("param rate = 0.1", "param rate = 0.02"),
    );
    watch.wait(true, "no consequence changed since the last evaluation");

    // An edit of the imported file counts too.
    save(&lib, &LIB.replace("0.7", "0.3"));
    watch.wait(true, "users.whatif changed");
    let changed = watch.wait(true, "+ event users.migration: 100%, median step 1");
    assert!(
        changed
            .iter()
            .any(|l| l.starts_with("  - event users.migration")),
        "{changed:#?}"
    );
}

#[test]
fn several_scenarios_are_named_and_a_missing_scenario_is_an_error() {
    let dir = folder("scenarios");
    let model = dir.join("m.whatif");
    std::fs::write(&model, MODEL).expect("written");
    std::fs::write(dir.join("lib/users.whatif"), LIB).expect("written");
    let mut watch = Watch::start(
        &dir,
        &[
            "m.whatif",
            "-s",
            "baseline",
            "-s",
            "slow",
            "--debounce",
            "100",
        ],
    );
    watch.wait(false, "watching 2 files");
    save(&model, &MODEL.replace("0.05", "0.01"));
    let changed = watch.wait(true, "+ event users.migration");
    assert!(
        changed.iter().any(|l| l == "scenario `slow`:"),
        "{changed:#?}"
    );
    assert!(
        !changed.iter().any(|l| l == "scenario `baseline`:"),
        "{changed:#?}"
    );
    // The scenario renamed away: an error, and the watch goes on.
    save(&model, &MODEL.replace("scenario slow", "scenario slower"));
    watch.wait(false, "no scenario `slow`");
    watch.wait(true, "still watching");
}
