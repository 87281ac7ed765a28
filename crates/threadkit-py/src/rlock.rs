//! `threadkit.RLock`: Python's `threading.RLock`, over `threadkit::RLock<()>`.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use threadkit::{ConditionLock, RLockSaved, ReleaseError};

use crate::timeout::{self, Arg, Timeout};
use crate::{blocking, diagnostics, errors, repr};
use threadkit::diagnostics::DeadlockError;

/// A reentrant lock, as `threading.RLock()` returns.
///
/// The thread that holds it may acquire it again; it is released when each
/// acquisition has been released. Only the holder may release it.
#[pyclass(frozen, weakref, subclass, module = "threadkit", name = "RLock")]
#[derive(Debug)]
pub struct RLock {
    inner: threadkit::RLock<()>,
    // For `repr` and `_recursion_count` seen from other threads, as CPython shows
    // them: the holder's `threading.get_ident()` (0 when free) and its recursion
    // count. Written only by the holder, before the core lock is released and after
    // it is acquired, so the core lock orders them.
    owner: AtomicU64,
    count: AtomicUsize,
}

/// The hold an RLock gave up in `_release_save()`, for `_acquire_restore()`.
#[pyclass(frozen, module = "threadkit", name = "_RLockState")]
#[derive(Debug)]
pub struct RLockState {
    saved: Mutex<Option<Saved>>,
}

/// What `RLock::save` returns: the core's saved hold and the recursion count.
#[derive(Debug)]
pub(crate) struct Saved {
    core: RLockSaved,
    count: usize,
}

#[pymethods]
impl RLock {
    #[new]
    pub(crate) fn new(py: Python<'_>) -> Self {
        Self {
            inner: diagnostics::site_named(
                py,
                |site| threadkit::RLock::named(site, ()),
                || threadkit::RLock::new(()),
            ),
            owner: AtomicU64::new(0),
            count: AtomicUsize::new(0),
        }
    }

    /// Acquire the lock, blocking or not, with an optional timeout; return whether it
    /// was acquired. The holder acquires again at once.
    #[pyo3(
        signature = (blocking = Arg::Missing, timeout = Arg::Missing),
        text_signature = "($self, /, blocking=True, timeout=-1)"
    )]
    fn acquire(&self, py: Python<'_>, blocking: Arg<'_>, timeout: Arg<'_>) -> PyResult<bool> {
        self.acquire_for(py, timeout::lock_acquire_args(&blocking, &timeout)?)
    }

    /// Acquire the lock (blocking), for `with`.
    fn __enter__(&self, py: Python<'_>) -> PyResult<bool> {
        self.acquire_for(py, Timeout::Forever)
    }

    /// Release one level, at the end of `with`.
    #[pyo3(signature = (*_args))]
    fn __exit__(&self, _args: &Bound<'_, PyTuple>) -> PyResult<()> {
        self.release()
    }

    /// Release one level of the calling thread's hold; RuntimeError if it does not
    /// hold the lock.
    fn release(&self) -> PyResult<()> {
        if !self.inner.is_owned() {
            return Err(errors::release(ReleaseError::NotOwned));
        }
        self.note_released();
        self.inner.release().map_err(errors::release)
    }

    /// Whether the calling thread holds the lock (for `threading.Condition`).
    fn _is_owned(&self) -> bool {
        self.inner.is_owned()
    }

    /// How many times the calling thread holds the lock (0 if it does not).
    fn _recursion_count(&self) -> usize {
        self.inner.depth()
    }

    /// Release every level of the calling thread's hold and return a state for
    /// `_acquire_restore()` (for `threading.Condition`).
    fn _release_save(&self) -> PyResult<RLockState> {
        let saved = self.save().map_err(errors::release)?;
        Ok(RLockState {
            saved: Mutex::new(Some(saved)),
        })
    }

    /// Re-acquire (blocking) every level given up by `_release_save()`.
    fn _acquire_restore(&self, py: Python<'_>, state: &Bound<'_, RLockState>) -> PyResult<()> {
        let saved = state
            .get()
            .saved
            .lock()
            .map_err(|_| PyRuntimeError::new_err("RLock state is poisoned"))?
            .take()
            .ok_or_else(|| PyRuntimeError::new_err("this RLock state was already restored"))?;
        py.detach(|| self.restore(saved));
        Ok(())
    }

    /// Reset the lock to the unlocked state (used after `os.fork()`).
    ///
    /// threadkit can reset it when the calling thread holds it (or nobody does); a
    /// hold by another thread cannot be taken away (RuntimeError).
    fn _at_fork_reinit(&self) {
        // In the child of a fork, whoever held the lock: free it, as CPython does.
        self.owner.store(0, Ordering::Relaxed);
        self.count.store(0, Ordering::Relaxed);
        self.inner.reset_after_fork();
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let this = slf.get();
        let locked = this.inner.is_locked();
        let (owner, count) = if locked {
            (
                this.owner.load(Ordering::Relaxed),
                this.count.load(Ordering::Relaxed),
            )
        } else {
            (0, 0)
        };
        Ok(format!(
            "<{} {} object owner={owner} count={count} at {}>",
            repr::lock_state(locked),
            repr::class_path(slf.as_any())?,
            repr::address(slf.as_any())
        ))
    }
}

impl RLock {
    /// The core lock.
    pub(crate) fn core(&self) -> &threadkit::RLock<()> {
        &self.inner
    }

    /// Acquires within `timeout`: the fast path (free, or held by this thread) with the
    /// GIL held, then the wait.
    pub(crate) fn acquire_for(&self, py: Python<'_>, timeout: Timeout) -> PyResult<bool> {
        if let Some(guard) = self.inner.try_acquire() {
            guard.detach();
            self.note_acquired();
            return Ok(true);
        }
        if timeout == Timeout::Now {
            return Ok(false);
        }
        let deadline = timeout.deadline()?;
        let lock = &self.inner;
        let forever = deadline.is_none();
        match blocking::wait(py, deadline, |until| {
            acquire_checked_until(lock, forever, until)
        })? {
            Some(Ok(())) => {
                self.note_acquired();
                Ok(true)
            }
            Some(Err(error)) => Err(diagnostics::deadlock(&error)),
            None => Ok(false),
        }
    }

    /// Acquires within `deadline`, with the GIL already released (for a Condition,
    /// whose re-acquisition after a wait follows the diagnostics policy).
    pub(crate) fn acquire_until(&self, deadline: Option<Instant>) -> bool {
        let acquired = acquire_until(&self.inner, deadline).is_some();
        if acquired {
            self.note_acquired();
        }
        acquired
    }

    /// Releases one level of the calling thread's hold.
    pub(crate) fn release_one(&self) -> Result<(), ReleaseError> {
        if !self.inner.is_owned() {
            return Err(ReleaseError::NotOwned);
        }
        self.note_released();
        self.inner.release()
    }

    /// Releases every level of the calling thread's hold.
    pub(crate) fn save(&self) -> Result<Saved, ReleaseError> {
        if !self.inner.is_owned() {
            return Err(ReleaseError::NotOwned);
        }
        let count = self.count.load(Ordering::Relaxed);
        self.owner.store(0, Ordering::Relaxed);
        self.count.store(0, Ordering::Relaxed);
        let core = ConditionLock::release_save(&self.inner)?;
        Ok(Saved { core, count })
    }

    /// Re-acquires (blocking; call it with the GIL released) what `save` gave up.
    pub(crate) fn restore(&self, saved: Saved) {
        ConditionLock::acquire_restore(&self.inner, saved.core);
        self.owner
            .store(blocking::thread_ident(), Ordering::Relaxed);
        self.count.store(saved.count, Ordering::Relaxed);
    }

    /// Records a new level of the calling thread's hold.
    #[inline]
    fn note_acquired(&self) {
        let count = self.count.load(Ordering::Relaxed);
        if count == 0 {
            self.owner
                .store(blocking::thread_ident(), Ordering::Relaxed);
        }
        self.count.store(count + 1, Ordering::Relaxed);
    }

    /// Records that the calling thread, the holder, gives up one level.
    #[inline]
    fn note_released(&self) {
        let count = self.count.load(Ordering::Relaxed);
        if count <= 1 {
            self.owner.store(0, Ordering::Relaxed);
        }
        self.count.store(count.saturating_sub(1), Ordering::Relaxed);
    }
}

/// One blocking attempt: acquire (a guard-less, Python-style hold) until `until`.
/// One blocking attempt of `RLock.acquire()` (see the Lock's `acquire_until`): a wait
/// without a timeout is checked for deadlocks while diagnostics are on.
fn acquire_checked_until(
    lock: &threadkit::RLock<()>,
    forever: bool,
    until: Option<Instant>,
) -> Option<Result<(), DeadlockError>> {
    match (until, forever) {
        (None, _) => Some(lock.acquire_checked().map(threadkit::RLockGuard::detach)),
        (Some(until), true) => lock
            .acquire_checked_slice(until)
            .map(|acquired| acquired.map(threadkit::RLockGuard::detach))
            .transpose(),
        (Some(until), false) => acquire_until(lock, Some(until)).map(Ok),
    }
}

fn acquire_until(lock: &threadkit::RLock<()>, until: Option<Instant>) -> Option<()> {
    match until {
        None => {
            lock.acquire().detach();
            Some(())
        }
        Some(until) => lock
            .acquire_deadline(until)
            .map(threadkit::RLockGuard::detach),
    }
}
