//! `threadkit.Lock`: Python's `threading.Lock`, over `threadkit::Lock<()>`.

use std::time::Instant;

use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::timeout::{self, Arg, Timeout};
use crate::{blocking, diagnostics, errors, repr};
use threadkit::diagnostics::DeadlockError;

/// A primitive lock, as `threading.Lock()` returns.
///
/// `acquire(blocking=True, timeout=-1)` waits for the lock (at most `timeout` seconds;
/// -1 means forever) and returns whether it got it; `release()` releases it, from any
/// thread. A lock is also a context manager.
#[pyclass(frozen, weakref, module = "threadkit", name = "Lock")]
#[derive(Debug)]
pub struct Lock {
    inner: threadkit::Lock<()>,
}

#[pymethods]
impl Lock {
    #[new]
    pub(crate) fn new(py: Python<'_>) -> Self {
        Self {
            inner: diagnostics::site_named(
                py,
                |site| threadkit::Lock::named(site, ()),
                || threadkit::Lock::new(()),
            ),
        }
    }

    /// Acquire the lock, blocking or not, with an optional timeout; return whether it
    /// was acquired.
    #[pyo3(
        signature = (blocking = Arg::Missing, timeout = Arg::Missing),
        text_signature = "($self, /, blocking=True, timeout=-1)"
    )]
    fn acquire(&self, py: Python<'_>, blocking: Arg<'_>, timeout: Arg<'_>) -> PyResult<bool> {
        self.acquire_for(py, timeout::lock_acquire_args(&blocking, &timeout)?)
    }

    /// An obsolete synonym of `acquire()`.
    #[pyo3(
        signature = (blocking = Arg::Missing, timeout = Arg::Missing),
        text_signature = "($self, /, blocking=True, timeout=-1)"
    )]
    fn acquire_lock(&self, py: Python<'_>, blocking: Arg<'_>, timeout: Arg<'_>) -> PyResult<bool> {
        self.acquire(py, blocking, timeout)
    }

    /// Acquire the lock (blocking), for `with`.
    fn __enter__(&self, py: Python<'_>) -> PyResult<bool> {
        self.acquire_for(py, Timeout::Forever)
    }

    /// Release the lock, at the end of `with`.
    #[pyo3(signature = (*_args))]
    fn __exit__(&self, _args: &Bound<'_, PyTuple>) -> PyResult<()> {
        self.release()
    }

    /// Release the lock, which may be held by any thread; RuntimeError if it is
    /// unlocked.
    fn release(&self) -> PyResult<()> {
        self.inner.release().map_err(errors::release)
    }

    /// An obsolete synonym of `release()`.
    fn release_lock(&self) -> PyResult<()> {
        self.release()
    }

    /// Whether the lock is held (by any thread).
    fn locked(&self) -> bool {
        self.inner.is_locked()
    }

    /// An obsolete synonym of `locked()`.
    fn locked_lock(&self) -> bool {
        self.locked()
    }

    /// Reset the lock to the unlocked state (used after `os.fork()`).
    fn _at_fork_reinit(&self) {
        // In the child of a fork: free, with no waiter of the parent handed the lock.
        self.inner.reset_after_fork();
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        Ok(format!(
            "<{} {} object at {}>",
            repr::lock_state(slf.get().inner.is_locked()),
            repr::class_path(slf.as_any())?,
            repr::address(slf.as_any())
        ))
    }
}

impl Lock {
    /// The core lock.
    pub(crate) fn core(&self) -> &threadkit::Lock<()> {
        &self.inner
    }

    /// Acquires within `timeout`: the fast path with the GIL held, then the wait.
    pub(crate) fn acquire_for(&self, py: Python<'_>, timeout: Timeout) -> PyResult<bool> {
        if let Some(guard) = self.inner.try_acquire() {
            guard.detach();
            return Ok(true);
        }
        if timeout == Timeout::Now {
            return Ok(false);
        }
        let deadline = timeout.deadline()?;
        let lock = &self.inner;
        let forever = deadline.is_none();
        match blocking::wait(py, deadline, |until| acquire_until(lock, forever, until))? {
            Some(Ok(())) => Ok(true),
            Some(Err(error)) => Err(diagnostics::deadlock(&error)),
            None => Ok(false),
        }
    }
}

/// One blocking attempt: acquire, Python style (no guard), until `until` (`None`:
/// until acquired). A wait without a timeout (`forever`, perhaps cut into slices to
/// look for Ctrl-C) is checked for deadlocks while diagnostics are on.
fn acquire_until(
    lock: &threadkit::Lock<()>,
    forever: bool,
    until: Option<Instant>,
) -> Option<Result<(), DeadlockError>> {
    match (until, forever) {
        (None, _) => Some(lock.acquire_checked().map(threadkit::LockGuard::detach)),
        (Some(until), true) => lock
            .acquire_checked_slice(until)
            .map(|acquired| acquired.map(threadkit::LockGuard::detach))
            .transpose(),
        (Some(until), false) => lock
            .acquire_deadline(until)
            .map(threadkit::LockGuard::detach)
            .map(Ok),
    }
}
