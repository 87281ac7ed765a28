//! `threadkit.Semaphore` and `threadkit.BoundedSemaphore` (a subclass, as in CPython),
//! over `threadkit::Semaphore` and `threadkit::BoundedSemaphore`.

use std::sync::OnceLock;
use std::time::Instant;

use pyo3::exceptions::{PyOverflowError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::timeout::{self, Timeout};
use crate::{blocking, diagnostics, errors, repr};

/// A counting semaphore, as `threading.Semaphore(value=1)`.
///
/// `acquire()` takes one of its `value` permits, blocking while there is none;
/// `release(n=1)` gives permits back. It is also a context manager.
#[pyclass(frozen, weakref, subclass, module = "threadkit", name = "Semaphore")]
#[derive(Debug)]
pub struct Semaphore {
    state: OnceLock<Kind>,
}

/// The core semaphore behind a Python one.
#[derive(Debug)]
enum Kind {
    Plain(threadkit::Semaphore),
    Bounded(threadkit::BoundedSemaphore),
}

/// A semaphore that cannot be released above its initial value, as
/// `threading.BoundedSemaphore(value=1)` (ValueError: "released too many times").
#[pyclass(frozen, extends = Semaphore, subclass, module = "threadkit", name = "BoundedSemaphore")]
#[derive(Debug)]
pub struct BoundedSemaphore;

#[pymethods]
impl Semaphore {
    // Any arguments are accepted here and checked by `__init__` (see `Event::new`).
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(value=1)")]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        Self::empty()
    }

    #[pyo3(signature = (value = 1))]
    fn __init__(&self, py: Python<'_>, value: i128) -> PyResult<()> {
        let permits = initial_value(value)?;
        let semaphore = diagnostics::site_named(
            py,
            |site| threadkit::Semaphore::named(site, permits),
            || threadkit::Semaphore::new(permits),
        );
        self.init(Kind::Plain(semaphore), "Semaphore")
    }

    /// Take a permit, blocking or not, with an optional timeout (`None`: no timeout);
    /// return whether one was taken.
    #[pyo3(
        signature = (blocking = None, timeout = None),
        text_signature = "($self, /, blocking=True, timeout=None)"
    )]
    fn acquire(
        &self,
        py: Python<'_>,
        blocking: Option<&Bound<'_, PyAny>>,
        timeout: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        let kind = self.kind()?;
        if blocking.is_none() && timeout.is_none() {
            return kind.acquire_for(py, Timeout::Forever);
        }
        let timeout = timeout.filter(|t| !t.is_none());
        let blocking = timeout::truthy(blocking)?;
        timeout::check_semaphore_args(blocking, timeout)?;
        if kind.take_until(None, true) {
            return Ok(true);
        }
        if !blocking {
            return Ok(false);
        }
        kind.acquire_for(py, timeout::semaphore_timeout(timeout)?)
    }

    /// `acquire()`, for `with`.
    #[pyo3(
        signature = (blocking = None, timeout = None),
        text_signature = "($self, /, blocking=True, timeout=None)"
    )]
    fn __enter__(
        &self,
        py: Python<'_>,
        blocking: Option<&Bound<'_, PyAny>>,
        timeout: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        self.acquire(py, blocking, timeout)
    }

    /// `release()`, at the end of `with`.
    fn __exit__(
        &self,
        _t: &Bound<'_, PyAny>,
        _v: &Bound<'_, PyAny>,
        _tb: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        self.kind()?.release(1)
    }

    /// Give back `n` permits, waking up to `n` waiting threads.
    #[pyo3(signature = (n = None), text_signature = "($self, /, n=1)")]
    fn release(&self, n: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let n = match n {
            None => 1,
            Some(n) => release_count(n)?,
        };
        self.kind()?.release(n)
    }

    /// The number of permits available now.
    #[getter]
    fn _value(&self) -> PyResult<usize> {
        Ok(self.kind()?.available())
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let status = match slf.get().kind()? {
            Kind::Plain(semaphore) => format!("value={}", semaphore.available_permits()),
            Kind::Bounded(semaphore) => format!(
                "value={}/{}",
                semaphore.available_permits(),
                semaphore.bound()
            ),
        };
        repr::python_style(slf.as_any(), &status)
    }
}

#[pymethods]
impl BoundedSemaphore {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(value=1)")]
    fn new(
        _args: &Bound<'_, PyTuple>,
        _kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyClassInitializer<Self> {
        PyClassInitializer::from(Semaphore::empty()).add_subclass(BoundedSemaphore)
    }

    #[pyo3(signature = (value = 1))]
    fn __init__(slf: &Bound<'_, Self>, value: i128) -> PyResult<()> {
        let permits = initial_value(value)?;
        let semaphore = diagnostics::site_named(
            slf.py(),
            |site| threadkit::BoundedSemaphore::named(site, permits),
            || threadkit::BoundedSemaphore::new(permits),
        );
        slf.as_super()
            .get()
            .init(Kind::Bounded(semaphore), "BoundedSemaphore")
    }

    /// The initial value, which releases may not exceed.
    #[getter]
    fn _initial_value(slf: &Bound<'_, Self>) -> PyResult<usize> {
        match slf.as_super().get().kind()? {
            Kind::Bounded(semaphore) => Ok(semaphore.bound()),
            Kind::Plain(semaphore) => Ok(semaphore.available_permits()),
        }
    }
}

impl Semaphore {
    fn empty() -> Self {
        Self {
            state: OnceLock::new(),
        }
    }

    fn init(&self, kind: Kind, class: &str) -> PyResult<()> {
        self.state
            .set(kind)
            .map_err(|_| errors::initialized_twice(class))
    }

    fn kind(&self) -> PyResult<&Kind> {
        self.state
            .get()
            .ok_or_else(|| errors::not_initialized("Semaphore"))
    }
}

impl Kind {
    /// Takes a permit within `timeout`: the fast path with the GIL held, then the wait.
    fn acquire_for(&self, py: Python<'_>, timeout: Timeout) -> PyResult<bool> {
        if self.take_until(Some(Instant::now()), true) {
            return Ok(true);
        }
        if timeout == Timeout::Now {
            return Ok(false);
        }
        let deadline = timeout.deadline()?;
        Ok(blocking::wait(py, deadline, |until| {
            self.take_until(until, false).then_some(())
        })?
        .is_some())
    }

    /// Takes a permit (without a guard: Python releases by hand) until `until`
    /// (`None`: forever); `now` only tries.
    fn take_until(&self, until: Option<Instant>, now: bool) -> bool {
        match (self, until) {
            (Kind::Plain(semaphore), _) if now => semaphore.try_acquire().map(forget).is_some(),
            (Kind::Bounded(semaphore), _) if now => semaphore.try_acquire().map(forget).is_some(),
            (Kind::Plain(semaphore), None) => {
                semaphore.acquire().forget();
                true
            }
            (Kind::Bounded(semaphore), None) => {
                semaphore.acquire().forget();
                true
            }
            (Kind::Plain(semaphore), Some(until)) => {
                semaphore.acquire_deadline(until).map(forget).is_some()
            }
            (Kind::Bounded(semaphore), Some(until)) => {
                semaphore.acquire_deadline(until).map(forget).is_some()
            }
        }
    }

    fn release(&self, n: usize) -> PyResult<()> {
        match self {
            Kind::Plain(semaphore) => semaphore.release(n),
            Kind::Bounded(semaphore) => semaphore.release(n),
        }
        .map_err(errors::release)
    }

    fn available(&self) -> usize {
        match self {
            Kind::Plain(semaphore) => semaphore.available_permits(),
            Kind::Bounded(semaphore) => semaphore.available_permits(),
        }
    }
}

fn forget(permit: threadkit::SemaphorePermit<'_>) {
    permit.forget();
}

/// The initial value: an integer from 0 to the core's `MAX_PERMITS`.
fn initial_value(value: i128) -> PyResult<usize> {
    if value < 0 {
        return Err(PyValueError::new_err(
            "semaphore initial value must be >= 0",
        ));
    }
    if value > threadkit::MAX_PERMITS as i128 {
        return Err(PyOverflowError::new_err(
            "semaphore initial value is too large",
        ));
    }
    Ok(value as usize)
}

/// `release(n)`'s `n`: one or more.
fn release_count(n: &Bound<'_, PyAny>) -> PyResult<usize> {
    let n: i128 = n.extract()?;
    if n < 1 {
        return Err(PyValueError::new_err("n must be one or more"));
    }
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}
