//! The one mapping from the core's errors to Python exceptions.
//!
//! The classes are the stdlib's (`RuntimeError`, `ValueError`,
//! `threading.BrokenBarrierError` itself), and the messages CPython's, so existing
//! `except` clauses and tests that check messages keep working.

use pyo3::exceptions::{PyOverflowError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;

pyo3::import_exception!(threading, BrokenBarrierError);

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
