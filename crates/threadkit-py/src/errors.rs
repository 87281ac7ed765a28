//! The one mapping from the core's errors to Python exceptions.
//!
//! The classes are the stdlib's (`RuntimeError`, `ValueError`,
//! `threading.BrokenBarrierError`, `queue.Empty`, `queue.Full` themselves), and the
//! messages CPython's, so existing `except` clauses and tests that check messages keep
//! working. `queue.ShutDown` is the stdlib's where the interpreter has it (3.13+), and
//! threadkit's own [`ShutDown`] class before that.

use pyo3::exceptions::{PyException, PyOverflowError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

pyo3::import_exception!(threading, BrokenBarrierError);
pyo3::import_exception!(queue, Empty);
pyo3::import_exception!(queue, Full);
pyo3::import_exception!(concurrent.futures.thread, BrokenThreadPool);

pyo3::create_exception!(
    threadkit,
    ShutDown,
    PyException,
    "Raised by put() on a queue that was shut down, and by get() on one that is shut down and empty (queue.ShutDown of Python 3.13, for older Pythons)."
);

/// The class raised for a shut-down queue: `queue.ShutDown`, or [`ShutDown`].
static SHUT_DOWN: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// `queue.ShutDown` if the interpreter has it, else threadkit's [`ShutDown`].
pub(crate) fn shut_down_class(py: Python<'_>) -> &Bound<'_, PyType> {
    SHUT_DOWN
        .get_or_init(py, || {
            py.import("queue")
                .and_then(|queue| queue.getattr("ShutDown"))
                .and_then(|class| class.cast_into::<PyType>().map_err(PyErr::from))
                .map_or_else(|_| py.get_type::<ShutDown>().unbind(), Bound::unbind)
        })
        .bind(py)
}

/// A queue that is shut down (and, for a get, empty).
pub(crate) fn queue_shut_down(py: Python<'_>) -> PyErr {
    PyErr::from_type(shut_down_class(py).clone(), ())
}

/// A get that found (or waited on) an empty queue: `queue.Empty`.
pub(crate) fn queue_empty() -> PyErr {
    Empty::new_err(())
}

/// A put that found (or waited on) a full queue: `queue.Full`.
pub(crate) fn queue_full() -> PyErr {
    Full::new_err(())
}

/// `task_done()` called more times than items were put.
pub(crate) fn task_done(_: threadkit::queue::TaskDoneError) -> PyErr {
    PyValueError::new_err("task_done() called too many times")
}

/// `submit` on a pool that was shut down (or during interpreter shutdown).
pub(crate) fn submit_after_shutdown(interpreter: bool) -> PyErr {
    if interpreter {
        PyRuntimeError::new_err("cannot schedule new futures after interpreter shutdown")
    } else {
        PyRuntimeError::new_err("cannot schedule new futures after shutdown")
    }
}

/// `submit` on a pool whose initializer failed:
/// `concurrent.futures.thread.BrokenThreadPool`.
pub(crate) fn broken_pool(message: &str) -> PyErr {
    BrokenThreadPool::new_err(message.to_owned())
}

/// A thread the OS would not start.
pub(crate) fn spawn(_: threadkit::thread::SpawnError) -> PyErr {
    PyRuntimeError::new_err("can't start new thread")
}

/// A failed `release` (of a Lock, an RLock or a semaphore).
pub(crate) fn release(error: threadkit::ReleaseError) -> PyErr {
    use threadkit::ReleaseError;
    match error {
        ReleaseError::NotLocked => PyRuntimeError::new_err("release unlocked lock"),
        ReleaseError::NotOwned => PyRuntimeError::new_err("cannot release un-acquired lock"),
        ReleaseError::TooManyReleases => PyValueError::new_err("Semaphore released too many times"),
        ReleaseError::ZeroCount => PyValueError::new_err("n must be one or more"),
        ReleaseError::Overflow => PyOverflowError::new_err("semaphore value is too large"),
        other => PyRuntimeError::new_err(other.to_string()),
    }
}

/// `wait` or `notify` on a Condition whose lock the thread does not hold.
pub(crate) fn not_owned(error: threadkit::NotOwnedError) -> PyErr {
    PyRuntimeError::new_err(format!("cannot {} on un-acquired lock", error.operation))
}

/// A broken barrier: `threading.BrokenBarrierError`.
pub(crate) fn broken_barrier(_: threadkit::BrokenBarrierError) -> PyErr {
    BrokenBarrierError::new_err(())
}

/// A barrier of fewer than one party.
pub(crate) fn zero_parties(_: threadkit::ZeroPartiesError) -> PyErr {
    PyValueError::new_err("parties must be >= 1")
}

/// A class whose `__init__` was not called (a subclass that forgot `super().__init__`).
pub(crate) fn not_initialized(class: &str) -> PyErr {
    PyRuntimeError::new_err(format!(
        "{class}.__init__() was not called (a subclass must call super().__init__())"
    ))
}

/// `__init__` called on an object that is already initialized.
pub(crate) fn initialized_twice(class: &str) -> PyErr {
    PyRuntimeError::new_err(format!(
        "{class}.__init__() was already called on this object"
    ))
}
