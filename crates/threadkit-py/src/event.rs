//! `threadkit.Event`: Python's `threading.Event`, over `threadkit::Event`.

use pyo3::exceptions::PyDeprecationWarning;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple};

use crate::condition::Condition;
use crate::lock::Lock;
use crate::timeout::{self, Timeout};
use crate::{blocking, diagnostics, repr};

/// An event, as `threading.Event()`: a flag that threads can wait for.
///
/// `set()` raises the flag and wakes every waiting thread; `clear()` lowers it;
/// `wait(timeout=None)` returns at once when it is set, and otherwise blocks until it
/// is (returning the flag: False only when it timed out).
#[pyclass(frozen, weakref, subclass, module = "threadkit", name = "Event")]
pub struct Event {
    inner: threadkit::Event,
    /// CPython's private `Event._cond` (a `Condition(Lock())`), created on first use for
    /// code that reaches into it; threadkit's Event itself does not use it.
    cond: PyOnceLock<Py<Condition>>,
}

impl std::fmt::Debug for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Event")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

#[pymethods]
impl Event {
    // Any arguments are accepted here and checked by `__init__`, so that a subclass
    // may give its `__init__` other parameters, as with CPython's Python class.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "()")]
    fn new(
        py: Python<'_>,
        _args: &Bound<'_, PyTuple>,
        _kwargs: Option<&Bound<'_, PyDict>>,
    ) -> Self {
        Self {
            inner: diagnostics::site_named(py, threadkit::Event::named, || threadkit::Event::new()),
            cond: PyOnceLock::new(),
        }
    }

    fn __init__(&self) {}

    /// CPython's private `Event._cond`: a `Condition` over a `Lock` (unused by
    /// threadkit's Event, which is one atomic word; kept for code that reaches into it).
    #[getter]
    fn _cond(&self, py: Python<'_>) -> PyResult<Py<Condition>> {
        let cond = self.cond.get_or_try_init(py, || -> PyResult<_> {
            let lock = Bound::new(py, Lock::new(py))?;
            Ok(py
                .get_type::<Condition>()
                .call1((lock,))?
                .cast_into::<Condition>()?
                .unbind())
        })?;
        Ok(cond.clone_ref(py))
    }

    /// Reset the private condition's lock (used after `os.fork()`).
    fn _at_fork_reinit(&self, py: Python<'_>) -> PyResult<()> {
        if let Some(cond) = self.cond.get(py) {
            cond.bind(py).call_method0("_at_fork_reinit")?;
        }
        Ok(())
    }

    /// Whether the flag is set.
    fn is_set(&self) -> bool {
        self.inner.is_set()
    }

    /// A deprecated synonym of `is_set()`.
    #[pyo3(name = "isSet")]
    fn is_set_deprecated(&self, py: Python<'_>) -> PyResult<bool> {
        PyErr::warn(
            py,
            &py.get_type::<PyDeprecationWarning>(),
            c"isSet() is deprecated, use is_set() instead",
            1,
        )?;
        Ok(self.is_set())
    }

    /// Set the flag, waking every waiting thread.
    fn set(&self) {
        self.inner.set();
    }

    /// Clear the flag.
    fn clear(&self) {
        self.inner.clear();
    }

    /// Block until the flag is set or `timeout` seconds pass (`None`: no timeout);
    /// return the flag.
    #[pyo3(signature = (timeout = None))]
    fn wait(&self, py: Python<'_>, timeout: Option<&Bound<'_, PyAny>>) -> PyResult<bool> {
        if self.inner.is_set() {
            return Ok(true);
        }
        let timeout = timeout::condition_wait(timeout)?;
        if timeout == Timeout::Now {
            return Ok(self.inner.is_set());
        }
        let deadline = timeout.deadline()?;
        let event = &self.inner;
        let set = blocking::wait(py, deadline, |until| {
            let set = match until {
                None => {
                    event.wait();
                    true
                }
                Some(until) => event.wait_deadline(until),
            };
            set.then_some(())
        })?;
        Ok(set.is_some())
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let status = if slf.get().inner.is_set() {
            "set"
        } else {
            "unset"
        };
        repr::python_style(slf.as_any(), status)
    }
}
