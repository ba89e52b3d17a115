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
//! on the file itself would lose), and new imports add their folders.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use clap::Args;
use notify::event::{AccessKind, AccessMode};
use notify::{Event, EventKind, RecursiveMode, Watcher as _};
use whatif::eval::{Options, Results};
use whatif::load::{Found, FsLoader, LoadFailure, Loader, plain_io_error, shown_path};
use whatif::render;
use whatif::snapshot::{changed_lines, scenario_block};

use super::eval::{EvalOptions, evaluate, scenarios};
use super::{Context, Outcome, print_stdout};

/// `whatif watch FILE [--scenario NAME ...]`
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The model to watch.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// A scenario to evaluate (repeatable) [default: baseline].
    #[arg(long, short, value_name = "NAME")]
    scenario: Vec<String>,
    /// How long the files must stay quiet after a change before a new
    /// evaluation, in milliseconds (an editor's save can take several writes).
    #[arg(long, value_name = "MS", default_value_t = 200)]
    debounce: u64,
    #[command(flatten)]
    pub eval: EvalOptions,
}

/// A file a round read.
struct Read {
    /// Its canonical path.
    path: PathBuf,
    /// Its name as shown.
    name: String,
    /// What it held (`None`: it could not be read).
    bytes: Option<Vec<u8>>,
}

impl Read {
    /// Whether the file no longer holds what was read. Reading a file makes
    /// the watch report it too, and editors touch files they do not change:
    /// only a change of contents counts.
    fn changed(&self) -> bool {
        std::fs::read(&self.path).ok() != self.bytes
    }
}

/// A loader that remembers which files it read.
struct Recording {
    inner: FsLoader,
    read: Vec<Read>,
}

impl Loader for Recording {
    fn find(&mut self, from: &str, path: &str) -> Result<Found, LoadFailure> {
        self.inner.find(from, path)
    }

    fn read(&mut self, key: &str, max_bytes: usize) -> Result<Vec<u8>, LoadFailure> {
        let bytes = self.inner.read(key, max_bytes)?;
        let path = PathBuf::from(key);
        self.read.push(Read {
            name: shown_path(&path),
            path,
            bytes: Some(bytes.clone()),
        });
        Ok(bytes)
    }
}

/// One round: the files it read, and the consequences when the model checked
/// and evaluated.
struct Round {
    files: Vec<Read>,
    results: Option<Vec<Results>>,
}

/// Runs `whatif watch` until interrupted.
pub fn run(args: &WatchArgs, ctx: &Context) -> Outcome {
    let options = args.eval.options(&ctx.settings);
    let quiet = Duration::from_millis(args.debounce);
    let (tx, rx) = mpsc::channel::<notify::Result<Event>>();
    let mut watcher = match notify::recommended_watcher(tx) {
        Ok(w) => w,
        Err(e) => {
            errorln!("error: cannot watch files: {e}");
            return Outcome::Failure;
        }
    };
    let mut watched: BTreeSet<PathBuf> = BTreeSet::new();
    // The last good evaluation's snapshot, scenario by scenario.
    let mut last: Option<Vec<(String, String)>> = None;
    let mut trigger: Option<String> = None;
    for round in 1u64.. {
        if let Some(name) = &trigger {
            print_stdout(&format!("\n── {name} changed: evaluation {round}\n"));
        }
        let this = check_and_evaluate(args, &options, ctx);
        let snapshot: Option<Vec<(String, String)>> = this.results.as_ref().map(|rs| {
            rs.iter()
                .map(|r| (r.scenario.clone(), scenario_block(r)))
                .collect()
        });
        match (&snapshot, &last) {
            (Some(new), Some(old)) => {
                let changes = changes(old, new);
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
        // (it was removed) is tried again next round. A folder stays watched
        // once it is (events from it about other files are ignored): dropping
        // and adding the same watch races inside inotify.
        for folder in this.files.iter().filter_map(|f| f.path.parent()) {
            if !watched.contains(folder)
                && watcher.watch(folder, RecursiveMode::NonRecursive).is_ok()
            {
                watched.insert(folder.to_path_buf());
            }
        }
        if round == 1 {
            errorln!(
                "watching {} file{} for changes (Ctrl-C stops)",
                this.files.len(),
                if this.files.len() == 1 { "" } else { "s" }
            );
        }
        trigger = match wait_for_change(&rx, &this.files, quiet) {
            Some(name) => Some(name),
            None => return Outcome::Failure,
        };
    }
    Outcome::Success
}

/// The lines of the snapshots that changed, scenario by scenario (named when
/// there are several).
fn changes(old: &[(String, String)], new: &[(String, String)]) -> String {
    // The block's header names the scenario, and its lines are indented for a
    // file: the changes are shown flush, under their own header.
    let lines = |block: &str| -> String {
        block
            .lines()
            .skip(1)
            .map(|l| format!("{}\n", l.trim_start()))
            .collect()
    };
    let mut out = String::new();
    for (scenario, block) in new {
        let before = old
            .iter()
            .find(|(s, _)| s == scenario)
            .map_or(String::new(), |(_, b)| lines(b));
        let changed = changed_lines(&before, &lines(block), "  ");
        if changed.is_empty() {
            continue;
        }
        if new.len() > 1 {
            out.push_str(&format!("scenario `{scenario}`:\n"));
        }
        out.push_str(&changed);
    }
    out
}

/// Blocks until the contents of one of `files` change, then until the
/// folders have been quiet for `quiet` (a save can take several writes); the
/// changed file's name, or `None` when the watch itself failed for good.
fn wait_for_change(
    rx: &mpsc::Receiver<notify::Result<Event>>,
    files: &[Read],
    quiet: Duration,
) -> Option<String> {
    let name = loop {
        match rx.recv() {
            Ok(Ok(event)) if mutates(&event.kind) => {
                let hit = files
                    .iter()
                    .find(|f| event.paths.contains(&f.path) && f.changed());
                if let Some(file) = hit {
                    break file.name.clone();
                }
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => errorln!("warning: watching files: {e}"),
            Err(_) => {
                errorln!("error: the file watch stopped");
                return None;
            }
        }
    };
    loop {
        match rx.recv_timeout(quiet) {
            Ok(_) => {}
            Err(mpsc::RecvTimeoutError::Timeout) => return Some(name),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                errorln!("error: the file watch stopped");
                return None;
            }
        }
    }
}

/// Whether an event may have changed a file: reading one (as each evaluation
/// does) is reported too, and must not start another evaluation.
fn mutates(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
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
fn check_and_evaluate(args: &WatchArgs, options: &Options, ctx: &Context) -> Round {
    let name = args.file.display().to_string();
    let root = absolute(&args.file);
    let read = std::fs::read(&args.file);
    let mut round = Round {
        files: vec![Read {
            path: root.clone(),
            name: name.clone(),
            bytes: read.as_ref().ok().cloned(),
        }],
        results: None,
    };
    let bytes = match read {
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
    let (limits, reporter) = (&ctx.settings.limits, &ctx.reporter);
    let analysis = whatif::analyze_with_scale(
        &mut loader,
        &key,
        &name,
        bytes,
        limits,
        &ctx.settings.scale.value,
    );
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
        match evaluate(&model, &analysis.sources, id, &overrides, options, ctx) {
            Some(r) => results.push(r),
            None => return round,
        }
    }
    round.results = Some(results);
    round
}
