//! Long work without the GIL, stopped by Ctrl-C.
//!
//! The work runs on a thread of its own and never touches Python. The calling
//! thread waits for it with the GIL released, waking every [`POLL`] to run
//! Python's signal handlers (`Python::check_signals`, which does so on the
//! main thread, where Jupyter's interrupt and Ctrl-C arrive). When a handler
//! raises (`KeyboardInterrupt`), the work is cancelled through
//! `whatif::eval::Cancel`, which the library looks at between blocks of runs;
//! once it has stopped, the exception is raised. Nothing is left running.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use whatif::eval::Cancel;

/// How often the waiting thread looks for signals.
const POLL: Duration = Duration::from_millis(50);

/// Runs `work` without the GIL; on a signal whose handler raises, cancels
/// `cancel`, waits for `work` to stop and raises that exception.
///
/// # Errors
/// The signal handler's exception, or a `RuntimeError` when the work could
/// not start or panicked (a bug).
pub fn interruptible<T: Send + 'static>(
    py: Python<'_>,
    cancel: &Cancel,
    work: impl FnOnce() -> T + Send + 'static,
) -> PyResult<T> {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::Builder::new()
        .name("whatif-eval".to_string())
        .spawn(move || {
            let _ = tx.send(work());
        })
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start the evaluation: {e}")))?;
    let mut rx = rx;
    loop {
        // The receiver goes in and comes back out: it is not `Sync`, so the
        // closure that runs without the GIL owns it rather than borrowing it.
        let (back, got) = py.detach(move || {
            let got = rx.recv_timeout(POLL);
            (rx, got)
        });
        rx = back;
        match got {
            Ok(value) => {
                let _ = py.detach(move || handle.join());
                return Ok(value);
            }
            Err(RecvTimeoutError::Timeout) => {
                if let Err(signal) = py.check_signals() {
                    cancel.cancel();
                    // The work stops at its next block of runs.
                    let _ = py.detach(move || rx.recv());
                    let _ = py.detach(move || handle.join());
                    return Err(signal);
                }
            }
            Err(RecvTimeoutError::Disconnected) => {
                let _ = py.detach(move || handle.join());
                return Err(PyRuntimeError::new_err(
                    "the evaluation stopped unexpectedly (a bug in whatif: please report it)",
                ));
            }
        }
    }
}
