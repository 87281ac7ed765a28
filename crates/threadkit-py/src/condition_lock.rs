//! The lock under a `threadkit.Condition`, adapted to the core's
//! [`ConditionLock`](threadkit::ConditionLock) trait.
//!
//! A threadkit `Lock` or `RLock` is used directly. Any other object (Python's
//! `Condition(lock)` accepts anything with `acquire`/`release`, such as
//! `threading.Lock()`) is adapted the way CPython's Condition adapts it: its
//! `_is_owned`, `_release_save` and `_acquire_restore` when it has them, otherwise
//! `acquire`/`release` (and "owned" means "cannot be acquired right now"). The core's
//! Condition calls these with the GIL released, so the adapter attaches to the
//! interpreter for each call; an exception raised by the foreign lock is kept for the
//! calling thread and raised when the core call returns ([`take_pending`]).

use std::cell::RefCell;
use std::time::Instant;

use pyo3::prelude::*;
use threadkit::{ConditionLock, ReleaseError};

use crate::lock::Lock;
use crate::rlock::{RLock, Saved};

thread_local! {
    /// An exception a foreign lock raised inside a core call on this thread.
    static PENDING: RefCell<Option<PyErr>> = const { RefCell::new(None) };
}

/// The exception a foreign lock raised during the last core call on this thread, if
/// any.
pub(crate) fn take_pending() -> Option<PyErr> {
    PENDING.with(|pending| pending.borrow_mut().take())
}

fn stash(error: PyErr) {
    PENDING.with(|pending| *pending.borrow_mut() = Some(error));
}

/// The lock of a Condition.
#[derive(Debug)]
pub(crate) enum CondLock {
    /// A `threadkit.Lock`.
    Lock(Py<Lock>),
    /// A `threadkit.RLock` (not a subclass: a subclass may override its methods).
    RLock(Py<RLock>),
    /// Anything else with `acquire` and `release`.
    Foreign(Py<PyAny>),
}

/// What a Condition wait gave up, to restore.
pub(crate) enum CondSaved {
    /// A Lock was released.
    Lock,
    /// An RLock's hold.
    RLock(Saved),
    /// What a foreign lock's `_release_save()` returned (`None` without one).
    Foreign(Option<Py<PyAny>>),
}

impl CondLock {
    /// The lock for `lock`: threadkit's own locks directly, anything else adapted.
    pub(crate) fn new(lock: &Bound<'_, PyAny>) -> Self {
        if let Ok(own) = lock.cast_exact::<Lock>() {
            CondLock::Lock(own.clone().unbind())
        } else if let Ok(own) = lock.cast_exact::<RLock>() {
            CondLock::RLock(own.clone().unbind())
        } else {
            CondLock::Foreign(lock.clone().unbind())
        }
    }
}

/// Calls into a foreign lock with the interpreter attached; an exception is stashed
/// for the calling thread and `None` returned.
fn foreign<T>(call: impl for<'py> FnOnce(Python<'py>) -> PyResult<T>) -> Option<T> {
    Python::attach(|py| match call(py) {
        Ok(value) => Some(value),
        Err(error) => {
            stash(error);
            None
        }
    })
}

/// `lock.acquire(True, seconds)` (or `lock.acquire()` without a deadline).
fn foreign_acquire(lock: &Py<PyAny>, deadline: Option<Instant>) -> bool {
    foreign(|py| {
        let lock = lock.bind(py);
        let acquired = match deadline {
            None => lock.call_method0("acquire")?,
            Some(deadline) => {
                let seconds = deadline
                    .saturating_duration_since(Instant::now())
                    .as_secs_f64();
                lock.call_method1("acquire", (true, seconds))?
            }
        };
        acquired.is_truthy()
    })
    .unwrap_or(false)
}

impl ConditionLock for CondLock {
    type Saved = CondSaved;

    fn acquire_lock(&self) {
        self.acquire_lock_until(None);
    }

    fn acquire_lock_until(&self, deadline: Option<Instant>) -> bool {
        match self {
            CondLock::Lock(lock) => lock.get().core().acquire_lock_until(deadline),
            CondLock::RLock(lock) => lock.get().acquire_until(deadline),
            CondLock::Foreign(lock) => foreign_acquire(lock, deadline),
        }
    }

    fn try_acquire_lock(&self) -> bool {
        match self {
            CondLock::Lock(lock) => lock.get().core().try_acquire_lock(),
            CondLock::RLock(lock) => lock.get().acquire_until(Some(Instant::now())),
            CondLock::Foreign(lock) => {
                foreign(|py| lock.bind(py).call_method1("acquire", (false,))?.is_truthy())
                    .unwrap_or(false)
            }
        }
    }

    fn release_lock(&self) -> Result<(), ReleaseError> {
        match self {
            CondLock::Lock(lock) => lock.get().core().release(),
            CondLock::RLock(lock) => lock.get().release_one(),
            CondLock::Foreign(lock) => {
                foreign(|py| lock.bind(py).call_method0("release").map(drop))
                    .ok_or(ReleaseError::NotLocked)
            }
        }
    }

    fn is_owned(&self) -> bool {
        match self {
            CondLock::Lock(lock) => lock.get().core().is_locked(),
            CondLock::RLock(lock) => lock.get().core().is_owned(),
            CondLock::Foreign(lock) => foreign(|py| {
                let lock = lock.bind(py);
                if lock.hasattr("_is_owned")? {
                    return lock.call_method0("_is_owned")?.is_truthy();
                }
                // CPython's Condition._is_owned for a lock without one.
                if lock.call_method1("acquire", (false,))?.is_truthy()? {
                    lock.call_method0("release")?;
                    Ok(false)
                } else {
                    Ok(true)
                }
            })
            .unwrap_or(false),
        }
    }

    fn release_save(&self) -> Result<CondSaved, ReleaseError> {
        match self {
            CondLock::Lock(lock) => lock.get().core().release().map(|()| CondSaved::Lock),
            CondLock::RLock(lock) => lock.get().save().map(CondSaved::RLock),
            CondLock::Foreign(lock) => foreign(|py| {
                let lock = lock.bind(py);
                if lock.hasattr("_release_save")? {
                    Ok(CondSaved::Foreign(Some(
                        lock.call_method0("_release_save")?.unbind(),
                    )))
                } else {
                    lock.call_method0("release")?;
                    Ok(CondSaved::Foreign(None))
                }
            })
            .ok_or(ReleaseError::NotLocked),
        }
    }

    fn acquire_restore(&self, saved: CondSaved) {
        match (self, saved) {
            (CondLock::Lock(lock), _) => lock.get().core().acquire_restore(()),
            (CondLock::RLock(lock), CondSaved::RLock(saved)) => lock.get().restore(saved),
            (CondLock::RLock(lock), _) => {
                lock.get().acquire_until(None);
            }
            (CondLock::Foreign(lock), saved) => {
                let state = match saved {
                    CondSaved::Foreign(state) => state,
                    _ => None,
                };
                foreign(|py| {
                    let lock = lock.bind(py);
                    if lock.hasattr("_acquire_restore")? {
                        let state = state.unwrap_or_else(|| py.None());
                        lock.call_method1("_acquire_restore", (state,))?;
                    } else {
                        lock.call_method0("acquire")?;
                    }
                    Ok(())
                });
            }
        }
    }
}
