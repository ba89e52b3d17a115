//! `whatif watch`: check and evaluate a model again on every save, and print
//! what changed since the last evaluation.
//!
//! The first evaluation prints the consequences in full, as `whatif eval`
//! does; each later one prints only the lines of its consequence snapshot (the
//! rounded summary `whatif test --snapshot` keeps) that differ from the last
//! good evaluation, so sampling noise below the rounding stays quiet. A save
//! that breaks the model prints its diagnostics and the watch goes on. The
//! folders of the model and of every file it imports are watched (editors often
//! save by writing a new file and renaming it over the old one, which a watch
//! on the file itself would lose), and the set is renewed as imports change.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use clap::Args;
use notify::RecursiveMode;
use notify_debouncer_mini::{DebounceEventResult, new_debouncer};
use whatif::eval::{Options, Results};
use whatif::limits::Limits;
use whatif::load::{FsLoader, LoadFailure, Loaded, Loader, plain_io_error};
use whatif::render;
use whatif::snapshot::{changed_lines, scenario_block};

use super::eval::{EvalOptions, evaluate, scenarios};
use super::report::Reporter;
use super::{Outcome, print_stdout};

/// `whatif watch FILE [--scenario NAME ...]`
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The model to watch.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// A scenario to evaluate (repeatable) [default: baseline].
    #[arg(long, short, value_name = "NAME")]
    scenario: Vec<String>,
    /// How long the files must stay quiet before a new evaluation, in
    /// milliseconds (an editor's save can take several writes).
    #[arg(long, value_name = "MS", default_value_t = 200)]
    debounce: u64,
    #[command(flatten)]
    eval: EvalOptions,
}

/// A loader that remembers which files it read.
struct Recording {
    inner: FsLoader,
    /// (canonical path, name as shown) of every imported file read.
    read: Vec<(PathBuf, String)>,
}

impl Loader for Recording {
    fn load(&mut self, from: &str, path: &str) -> Result<Loaded, LoadFailure> {
        let loaded = self.inner.load(from, path)?;
        self.read
            .push((PathBuf::from(&loaded.key), loaded.name.clone()));
        Ok(loaded)
    }
}

/// One round: the files it read, and the consequences when the model checked
/// and evaluated.
struct Round {
    files: Vec<(PathBuf, String)>,
    results: Option<Vec<Results>>,
}

/// Runs `whatif watch` until interrupted.
pub fn run(args: &WatchArgs, limits: &Limits, reporter: &Reporter) -> Outcome {
    let options = match args.eval.options() {
        Ok(o) => o,
        Err(message) => {
            errorln!("error: {message}");
            return Outcome::Failure;
        }
    };
    let (tx, rx) = mpsc::channel::<DebounceEventResult>();
    let mut debouncer = match new_debouncer(Duration::from_millis(args.debounce.max(1)), tx) {
        Ok(d) => d,
        Err(e) => {
            errorln!("error: cannot watch files: {e}");
            return Outcome::Failure;
        }
    };
    let mut watched: BTreeSet<PathBuf> = BTreeSet::new();
    let mut last: Option<String> = None;
    let mut trigger: Option<String> = None;
    for round in 1u64.. {
        if let Some(name) = &trigger {
            print_stdout(&format!("\n── {name} changed: evaluation {round}\n"));
        }
        let this = check_and_evaluate(args, &options, limits, reporter);
        let snapshot: Option<String> = this
            .results
            .as_ref()
            .map(|rs| rs.iter().map(scenario_block).collect());
        match (&snapshot, &last) {
            (Some(new), Some(old)) => {
                let changes = changed_lines(old, new, "  ");
                if changes.is_empty() {
                    print_stdout("no consequence changed since the last evaluation\n");
                } else {
                    print_stdout(&format!(
                        "what changed since the last evaluation:\n{changes}"
                    ));
                }
            }
            (Some(_), None) => {
                let full: Vec<String> = this
                    .results
                    .iter()
                    .flatten()
                    .map(render::text::results)
                    .collect();
                print_stdout(&full.join("\n"));
            }
            (None, _) => {
                print_stdout("the model has errors (above): still watching\n");
            }
        }
        if snapshot.is_some() {
            last = snapshot;
        }
        // Watch the folder of every file read; a folder that cannot be watched
        // (it was removed) is tried again next round.
        let folders: BTreeSet<PathBuf> = this
            .files
            .iter()
            .filter_map(|(p, _)| p.parent().map(Path::to_path_buf))
            .collect();
        for folder in &folders {
            if !watched.contains(folder)
                && debouncer
                    .watcher()
                    .watch(folder, RecursiveMode::NonRecursive)
                    .is_ok()
            {
                watched.insert(folder.clone());
            }
        }
        for folder in watched.difference(&folders).cloned().collect::<Vec<_>>() {
            let _ = debouncer.watcher().unwatch(&folder);
            watched.remove(&folder);
        }
        if round == 1 {
            errorln!(
                "watching {} file{} for changes (Ctrl-C stops)",
                this.files.len(),
                if this.files.len() == 1 { "" } else { "s" }
            );
        }
        trigger = match wait_for_change(&rx, &this.files) {
            Some(name) => Some(name),
            None => return Outcome::Failure,
        };
    }
    Outcome::Success
}

/// Blocks until one of `files` changes; its name, or `None` when the watch
/// itself failed for good.
fn wait_for_change(
    rx: &mpsc::Receiver<DebounceEventResult>,
    files: &[(PathBuf, String)],
) -> Option<String> {
    loop {
        match rx.recv() {
            Ok(Ok(events)) => {
                let hit = events.iter().find_map(|e| {
                    files
                        .iter()
                        .find(|(path, _)| *path == e.path)
                        .map(|(_, name)| name.clone())
                });
                if hit.is_some() {
                    return hit;
                }
            }
            Ok(Err(e)) => errorln!("warning: watching files: {e}"),
            Err(_) => {
                errorln!("error: the file watch stopped");
                return None;
            }
        }
    }
}

/// The absolute path of `file`, through its folder when the file itself is
/// missing (in the middle of a save), so the watch can wait for it to return.
fn absolute(file: &Path) -> PathBuf {
    if let Ok(p) = file.canonicalize() {
        return p;
    }
    let folder = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let folder = folder
        .canonicalize()
        .unwrap_or_else(|_| folder.to_path_buf());
    match file.file_name() {
        Some(name) => folder.join(name),
        None => folder,
    }
}

/// Reads, checks and evaluates the model once, printing its diagnostics.
fn check_and_evaluate(
    args: &WatchArgs,
    options: &Options,
    limits: &Limits,
    reporter: &Reporter,
) -> Round {
    let name = args.file.display().to_string();
    let root = absolute(&args.file);
    let mut round = Round {
        files: vec![(root.clone(), name.clone())],
        results: None,
    };
    let bytes = match std::fs::read(&args.file) {
        Ok(b) => b,
        Err(e) => {
            errorln!("error: cannot read `{name}`: {}", plain_io_error(&e));
            return round;
        }
    };
    let mut loader = Recording {
        inner: FsLoader::for_model(&args.file),
        read: Vec::new(),
    };
    let key = root.display().to_string();
    let analysis = whatif::analyze(&mut loader, &key, &name, bytes, limits);
    round.files.append(&mut loader.read);
    reporter.print_all(&analysis.diagnostics, &analysis.sources);
    let model = match analysis.model {
        Some(m) if !analysis.has_errors() => m,
        _ => return round,
    };
    let Some(overrides) = args.eval.overrides(&model, reporter) else {
        return round;
    };
    let ids = match scenarios(&model, &args.scenario, false) {
        Ok(ids) => ids,
        Err(message) => {
            errorln!("error: {message}");
            return round;
        }
    };
    let mut results: Vec<Results> = Vec::new();
    for id in ids {
        match evaluate(
            &model,
            &analysis.sources,
            id,
            &overrides,
            options,
            limits,
            reporter,
        ) {
            Some(r) => results.push(r),
            None => return round,
        }
    }
    round.results = Some(results);
    round
}
