//! `threadkit.Condition`: Python's `threading.Condition`, over `threadkit::Condition`.
//!
//! The main thread waits in slices (see [`blocking`]); between two slices it is
//! briefly off the core's wait queue, and a `notify` in that window would find
//! nobody to wake. So a notify that wakes fewer threads than asked while the main
//! thread is waiting leaves a "spare" notification, which the main thread takes when
//! its slice ends without one: no notification is lost, and none is counted twice
//! (the core reports exactly how many threads each notify woke).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use pyo3::exceptions::{PyDeprecationWarning, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use threadkit::ConditionLock;

use crate::condition_lock::{self, CondLock};
use crate::rlock::RLock;
use crate::timeout::{self, Timeout};
use crate::{blocking, diagnostics, errors};

/// A condition variable, as `threading.Condition(lock=None)`.
///
/// Threads holding its lock (a new RLock by default, or the given lock — any object
/// with `acquire` and `release`, such as `threading.Lock()`) `wait()` until another
/// thread `notify()`s them.
#[pyclass(frozen, weakref, subclass, module = "threadkit", name = "Condition")]
#[derive(Debug)]
pub struct Condition {
    state: OnceLock<State>,
}

#[derive(Debug)]
struct State {
    cond: threadkit::Condition<CondLock>,
    /// The lock as Python passed it (or the default RLock).
    lock: Py<PyAny>,
    /// The main thread is in a (sliced) wait.
    main_waiting: AtomicBool,
    /// A notification found no waiter while the main thread was waiting.
    spare: AtomicBool,
}

#[pymethods]
impl Condition {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(lock=None)")]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        Self {
            state: OnceLock::new(),
        }
    }

    #[pyo3(signature = (lock = None))]
    fn __init__(&self, py: Python<'_>, lock: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let lock = match lock.filter(|lock| !lock.is_none()) {
            Some(lock) => lock.clone(),
            None => Bound::new(py, RLock::new(py))?.into_any(),
        };
        let state = State {
            cond: diagnostics::site_named(
                py,
                |site| threadkit::Condition::named(site, CondLock::new(&lock)),
                || threadkit::Condition::with_lock(CondLock::new(&lock)),
            ),
            lock: lock.unbind(),
            main_waiting: AtomicBool::new(false),
            spare: AtomicBool::new(false),
        };
        self.state
            .set(state)
            .map_err(|_| errors::initialized_twice("Condition"))
    }

    /// Acquire the underlying lock (same arguments and result as its `acquire`).
    #[pyo3(signature = (*args, **kwargs))]
    fn acquire(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let state = self.state()?;
        if args.is_empty() && kwargs.is_none() {
            match state.cond.lock() {
                CondLock::Lock(lock) => {
                    return Ok(lock
                        .get()
                        .acquire_for(py, Timeout::Forever)?
                        .into_pyobject(py)?
                        .to_owned()
                        .into_any()
                        .unbind());
                }
                CondLock::RLock(lock) => {
                    return Ok(lock
                        .get()
                        .acquire_for(py, Timeout::Forever)?
                        .into_pyobject(py)?
                        .to_owned()
                        .into_any()
                        .unbind());
                }
                CondLock::Foreign(_) => {}
            }
        }
        Ok(state
            .lock
            .bind(py)
            .call_method("acquire", args, kwargs)?
            .unbind())
    }

    /// Release the underlying lock.
    fn release(&self, py: Python<'_>) -> PyResult<()> {
        let state = self.state()?;
        match state.cond.lock() {
            CondLock::Lock(lock) => lock.get().core().release().map_err(errors::release),
            CondLock::RLock(lock) => lock.get().release_one().map_err(errors::release),
            CondLock::Foreign(lock) => lock.bind(py).call_method0("release").map(drop),
        }
    }

    fn __enter__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let state = self.state()?;
        match state.cond.lock() {
            CondLock::Lock(lock) => Ok(lock
                .get()
                .acquire_for(py, Timeout::Forever)?
                .into_pyobject(py)?
                .to_owned()
                .into_any()
                .unbind()),
            CondLock::RLock(lock) => Ok(lock
                .get()
                .acquire_for(py, Timeout::Forever)?
                .into_pyobject(py)?
                .to_owned()
                .into_any()
                .unbind()),
            CondLock::Foreign(lock) => Ok(lock.bind(py).call_method0("__enter__")?.unbind()),
        }
    }

    #[pyo3(signature = (*args))]
    fn __exit__(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        let state = self.state()?;
        match state.cond.lock() {
            CondLock::Lock(_) | CondLock::RLock(_) => {
                self.release(py)?;
                Ok(py.None())
            }
            CondLock::Foreign(lock) => Ok(lock.bind(py).call_method1("__exit__", args)?.unbind()),
        }
    }

    /// Wait until notified or until `timeout` seconds pass (`None`: no timeout);
    /// return False if it timed out. The lock must be held: it is released while
    /// waiting and re-acquired before returning.
    #[pyo3(signature = (timeout = None))]
    fn wait(&self, py: Python<'_>, timeout: Option<&Bound<'_, PyAny>>) -> PyResult<bool> {
        let state = self.state()?;
        state.check_owned("wait")?;
        let deadline = timeout::condition_wait(timeout)?.deadline()?;
        state.wait(py, deadline)
    }

    /// Wait until `predicate()` is true, for at most `timeout` seconds (`None`: no
    /// timeout); return the predicate's last value.
    #[pyo3(signature = (predicate, timeout = None))]
    fn wait_for(
        &self,
        py: Python<'_>,
        predicate: &Bound<'_, PyAny>,
        timeout: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let state = self.state()?;
        // CPython's loop, with a monotonic clock.
        let start = Instant::now();
        let mut end: Option<f64> = None;
        let mut wait_time: Option<f64> = None;
        // The first wait gets the timeout as given: an int keeps CPython's messages.
        let mut int = false;
        let mut result = predicate.call0()?;
        if !result.is_truthy()?
            && let Some((time, given_as_int)) = timeout::wait_for_seconds(timeout)?
        {
            wait_time = Some(time);
            int = given_as_int;
        }
        while !result.is_truthy()? {
            if let Some(time) = wait_time {
                let now = start.elapsed().as_secs_f64();
                match end {
                    None => end = Some(now + time),
                    Some(end) => {
                        let left = end - now;
                        if left <= 0.0 {
                            break;
                        }
                        wait_time = Some(left);
                        int = false;
                    }
                }
            }
            state.check_owned("wait")?;
            let wait = match wait_time {
                None => Timeout::Forever,
                Some(seconds) if seconds > 0.0 => Timeout::Seconds { seconds, int },
                Some(_) => Timeout::Now,
            };
            state.wait(py, wait.deadline()?)?;
            result = predicate.call0()?;
        }
        Ok(result.unbind())
    }

    /// Wake up to `n` threads waiting on the condition (the lock must be held).
    #[pyo3(signature = (n = None), text_signature = "($self, /, n=1)")]
    fn notify(&self, n: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let state = self.state()?;
        state.check_owned("notify")?;
        let n = match n {
            None => 1,
            Some(n) => count(n)?,
        };
        state.notify(n)
    }

    /// Wake every thread waiting on the condition (the lock must be held).
    fn notify_all(&self) -> PyResult<()> {
        let state = self.state()?;
        state.check_owned("notify")?;
        state.notify(usize::MAX)
    }

    /// A deprecated synonym of `notify_all()`.
    #[pyo3(name = "notifyAll")]
    fn notify_all_deprecated(&self, py: Python<'_>) -> PyResult<()> {
        PyErr::warn(
            py,
            &py.get_type::<PyDeprecationWarning>(),
            c"notifyAll() is deprecated, use notify_all() instead",
            1,
        )?;
        self.notify_all()
    }

    /// Whether the calling thread holds the lock.
    fn _is_owned(&self) -> PyResult<bool> {
        self.state()?.is_owned()
    }

    /// Release the lock completely; return what `_acquire_restore` needs.
    fn _release_save(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let lock = self.state()?.lock.bind(py);
        if lock.hasattr("_release_save")? {
            Ok(lock.call_method0("_release_save")?.unbind())
        } else {
            lock.call_method0("release")?;
            Ok(py.None())
        }
    }

    /// Re-acquire the lock as `_release_save` left it.
    fn _acquire_restore(&self, py: Python<'_>, state: &Bound<'_, PyAny>) -> PyResult<()> {
        let lock = self.state()?.lock.bind(py);
        if lock.hasattr("_acquire_restore")? {
            lock.call_method1("_acquire_restore", (state,))?;
        } else {
            lock.call_method0("acquire")?;
        }
        Ok(())
    }

    /// Reset the lock (used after `os.fork()`).
    fn _at_fork_reinit(&self, py: Python<'_>) -> PyResult<()> {
        self.state()?
            .lock
            .bind(py)
            .call_method0("_at_fork_reinit")
            .map(drop)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let state = self.state()?;
        Ok(format!(
            "<Condition({}, {})>",
            state.lock.bind(py).str()?,
            state.cond.waiting()
        ))
    }
}

impl Condition {
    fn state(&self) -> PyResult<&State> {
        self.state
            .get()
            .ok_or_else(|| errors::not_initialized("Condition"))
    }
}

impl State {
    fn is_owned(&self) -> PyResult<bool> {
        let owned = self.cond.lock().is_owned();
        match condition_lock::take_pending() {
            Some(error) => Err(error),
            None => Ok(owned),
        }
    }

    fn check_owned(&self, operation: &'static str) -> PyResult<()> {
        if self.is_owned()? {
            Ok(())
        } else {
            Err(errors::not_owned(threadkit::NotOwnedError { operation }))
        }
    }

    /// Waits (the lock is held) until notified or `deadline`; true if notified.
    fn wait(&self, py: Python<'_>, deadline: Option<Instant>) -> PyResult<bool> {
        let main = blocking::is_main_thread();
        let _registration = main.then(|| MainWaiter::register(self));
        let result = blocking::wait(py, deadline, |until| {
            let notified = match until {
                None => self.cond.wait().map(|()| true),
                Some(until) => self.cond.wait_deadline(until),
            };
            if let Some(error) = condition_lock::take_pending() {
                return Some(Err(error));
            }
            match notified {
                Err(error) => Some(Err(errors::not_owned(error))),
                Ok(true) => Some(Ok(true)),
                Ok(false) if main && self.spare.swap(false, Ordering::SeqCst) => Some(Ok(true)),
                Ok(false) => None,
            }
        })?;
        result.unwrap_or(Ok(false))
    }

    /// Wakes up to `n` waiters (the lock is held).
    fn notify(&self, n: usize) -> PyResult<()> {
        if n == 0 {
            return Ok(());
        }
        let woken = self.cond.notify(n);
        if let Some(error) = condition_lock::take_pending() {
            return Err(error);
        }
        let woken = woken.map_err(errors::not_owned)?;
        if woken < n && self.main_waiting.load(Ordering::SeqCst) {
            self.spare.store(true, Ordering::SeqCst);
        }
        Ok(())
    }
}

/// Marks the main thread as waiting on a condition, for the spare notification.
struct MainWaiter<'a> {
    state: &'a State,
    previous: bool,
}

impl<'a> MainWaiter<'a> {
    fn register(state: &'a State) -> Self {
        state.spare.store(false, Ordering::SeqCst);
        let previous = state.main_waiting.swap(true, Ordering::SeqCst);
        Self { state, previous }
    }
}

impl Drop for MainWaiter<'_> {
    fn drop(&mut self) {
        self.state
            .main_waiting
            .store(self.previous, Ordering::SeqCst);
    }
}

/// `notify`'s `n`, as CPython's `while waiters and n > 0: ... n -= 1` counts it.
fn count(n: &Bound<'_, PyAny>) -> PyResult<usize> {
    let n: f64 = n.extract().map_err(|_| {
        PyTypeError::new_err(format!(
            "'>' not supported between instances of '{}' and 'int'",
            n.get_type()
                .name()
                .map_or_else(|_| "object".to_owned(), |name| name.to_string())
        ))
    })?;
    Ok(if n.is_nan() || n <= 0.0 {
        0
    } else if n >= usize::MAX as f64 {
        usize::MAX
    } else {
        n.ceil() as usize
    })
}
