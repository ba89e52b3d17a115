//! A progress bar on stderr for long evaluations: only on a terminal, never
//! with `--quiet` or JSON output, and only once a run has taken long enough
//! that a bar helps (short runs print nothing at all).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use whatif::eval::Progress;

/// How long an evaluation runs before the bar appears.
const DELAY: Duration = Duration::from_millis(400);
/// How often the bar is redrawn.
const TICK: Duration = Duration::from_millis(100);

/// Runs `job`, drawing a bar of `total` runs while it runs when `wanted` and
/// stderr is a terminal. `job` gets the counter to hand to the evaluator.
pub fn track<T>(wanted: bool, total: u64, job: impl FnOnce(Option<Progress>) -> T) -> T {
    if !wanted || !std::io::stderr().is_terminal() {
        return job(None);
    }
    let progress = Progress::default();
    let finished = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let watcher = scope.spawn(|| {
            let start = Instant::now();
            let mut bar: Option<ProgressBar> = None;
            while !finished.load(Ordering::Acquire) {
                std::thread::park_timeout(TICK);
                if bar.is_none() && start.elapsed() >= DELAY {
                    let b = ProgressBar::new(total);
                    if let Ok(style) = ProgressStyle::with_template(
                        "{elapsed:>4} [{bar:30}] {human_pos}/{human_len} runs, {eta} left",
                    ) {
                        b.set_style(style.progress_chars("=> "));
                    }
                    bar = Some(b);
                }
                if let Some(b) = &bar {
                    b.set_position(progress.done().min(total));
                }
            }
            if let Some(b) = bar {
                b.finish_and_clear();
            }
        });
        let out = job(Some(progress.clone()));
        finished.store(true, Ordering::Release);
        watcher.thread().unpark();
        out
    })
}
