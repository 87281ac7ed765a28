//! The one place where threadkit's Python classes block.
//!
//! Every blocking call releases the GIL, so other Python threads run meanwhile. Python
//! runs signal handlers (and raises `KeyboardInterrupt` for Ctrl-C) only on the main
//! thread, and only when that thread is back in the interpreter; so the main thread
//! blocks in bounded slices ([`slice`], 20 ms) and runs `check_signals()` between them,
//! the way CPython's own lock retries after `EINTR`. Other threads cannot receive
//! signals in Python and block in one call.
//!
//! [`wait`] is that helper; every class uses it. [`run_aside`] is its variant for a wait
//! that cannot be cut into slices (a barrier wait breaks the barrier when it times
//! out): the wait runs on a helper thread while the main thread waits, in slices, for
//! it to finish.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;

/// Default length of one slice of the main thread's waits.
const DEFAULT_SLICE: Duration = Duration::from_millis(20);

/// Length of one slice, in nanoseconds (changed only by tests, through
/// `_threadkit._set_signal_slice`).
static SLICE_NANOS: AtomicU64 = AtomicU64::new(DEFAULT_SLICE.as_nanos() as u64);

/// Bumped in a forked child: the thread that forked becomes the main thread there.
static FORK_GENERATION: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// This thread's `threading.get_ident()` (0 until first needed).
    static IDENT: Cell<u64> = const { Cell::new(0) };
    /// Whether this thread is Python's main thread, as of fork generation `.0`.
    static MAIN: Cell<Option<(u64, bool)>> = const { Cell::new(None) };
}

/// How long the main thread blocks before it checks for signals.
pub(crate) fn slice() -> Duration {
    Duration::from_nanos(SLICE_NANOS.load(Ordering::Relaxed))
}

/// Sets the length of the main thread's wait slices (for tests; the default is 20 ms).
#[pyfunction]
pub fn _set_signal_slice(seconds: f64) -> PyResult<()> {
    if !(seconds > 0.0 && seconds <= 1.0) {
        return Err(PyValueError::new_err("slice must be in (0, 1] seconds"));
    }
    SLICE_NANOS.store((seconds * 1e9) as u64, Ordering::Relaxed);
    Ok(())
}

/// Called in a forked child (`os.register_at_fork`): main-thread answers are stale.
#[pyfunction]
fn after_fork_in_child() {
    FORK_GENERATION.fetch_add(1, Ordering::Relaxed);
}

/// Registers the fork hook.
pub(crate) fn init(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    let hook = wrap_pyfunction!(after_fork_in_child, module)?;
    let os = py.import("os")?;
    if os.hasattr("register_at_fork")? {
        let kwargs = pyo3::types::PyDict::new(py);
        kwargs.set_item("after_in_child", hook)?;
        os.call_method("register_at_fork", (), Some(&kwargs))?;
    }
    Ok(())
}

/// The calling thread's `threading.get_ident()` (cached per thread: it is the
/// thread's pthread id, which does not change, not even in a forked child).
pub(crate) fn thread_ident() -> u64 {
    let cached = IDENT.with(Cell::get);
    if cached != 0 {
        return cached;
    }
    let ident = Python::attach(|py| -> PyResult<u64> {
        py.import("_thread")?.call_method0("get_ident")?.extract()
    })
    .unwrap_or(0);
    IDENT.with(|cell| cell.set(ident));
    ident
}

/// Whether the calling thread is Python's main thread (the one that runs signal
/// handlers).
pub(crate) fn is_main_thread() -> bool {
    let generation = FORK_GENERATION.load(Ordering::Relaxed);
    if let Some((seen, main)) = MAIN.with(Cell::get)
        && seen == generation
    {
        return main;
    }
    let main = Python::attach(|py| -> PyResult<bool> {
        let main: Option<u64> = py
            .import("threading")?
            .call_method0("main_thread")?
            .getattr("ident")?
            .extract()?;
        Ok(main == Some(thread_ident()))
    })
    .unwrap_or(false);
    MAIN.with(|cell| cell.set(Some((generation, main))));
    main
}

/// Blocks in `attempt` until it succeeds (returns `Some`) or `deadline` passes
/// (`Ok(None)`), with the GIL released.
///
/// `attempt(until)` must block until it succeeds or until `until` passes (`None`:
/// until it succeeds) and must leave things as they were when it gives up, so it can
/// be called again. On the main thread, `until` is at most one [`slice`] away, and
/// between slices pending signals are handled: an exception raised by a signal
/// handler (`KeyboardInterrupt`) ends the wait with that exception.
pub(crate) fn wait<T: Send>(
    py: Python<'_>,
    deadline: Option<Instant>,
    mut attempt: impl FnMut(Option<Instant>) -> Option<T> + Send,
) -> PyResult<Option<T>> {
    if !is_main_thread() {
        return Ok(py.detach(|| attempt(deadline)));
    }
    // Slices of a wait without a timeout are that one wait, for the stall watchdog and
    // thread dumps.
    let _one_wait = deadline.is_none().then(threadkit::diagnostics::sliced_wait);
    loop {
        let slice_end = Instant::now().checked_add(slice());
        let (until, last) = match (deadline, slice_end) {
            (Some(deadline), Some(end)) if deadline <= end => (Some(deadline), true),
            (Some(deadline), None) => (Some(deadline), true),
            (_, end) => (end, false),
        };
        if let Some(done) = py.detach(|| attempt(until)) {
            return Ok(Some(done));
        }
        if last {
            return Ok(None);
        }
        py.check_signals()?;
    }
}

/// Runs `work`, which blocks and cannot be cut into slices, with the GIL released.
///
/// On the main thread it runs on a helper thread while the main thread waits for it
/// in slices; if a signal handler raises, `interrupt` is called (it must make `work`
/// return soon), the helper is joined and the exception is raised.
pub(crate) fn run_aside<T: Send>(
    py: Python<'_>,
    work: impl FnOnce() -> T + Send,
    interrupt: impl FnOnce() + Send,
) -> PyResult<T> {
    if !is_main_thread() {
        return Ok(py.detach(work));
    }
    let done = threadkit::Event::new();
    std::thread::scope(|scope| {
        let helper = std::thread::Builder::new()
            .name("threadkit-wait".into())
            .spawn_scoped(scope, || {
                let result = work();
                done.set();
                result
            })
            .map_err(|e| PyRuntimeError::new_err(format!("can't start new thread: {e}")))?;
        let waited = wait(py, None, |until| match until {
            Some(until) => done.wait_deadline(until).then_some(()),
            None => {
                done.wait();
                Some(())
            }
        });
        if waited.is_err() {
            py.detach(interrupt);
        }
        let joined = py.detach(|| helper.join());
        let result = match joined {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        waited.map(|_| result)
    })
}
