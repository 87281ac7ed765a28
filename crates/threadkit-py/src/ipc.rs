//! `threadkit.ipc`: named `Lock`, `Semaphore`, `BoundedSemaphore` and `Event` shared
//! between processes, over `threadkit_ipc` (Linux only).
//!
//! The classes live in the native submodule `threadkit._threadkit.ipc`, re-exported by
//! `python/threadkit/ipc.py`; their `__module__` is `threadkit.ipc`, so they pickle by
//! reference to it (an object pickles as "reopen this name", for `multiprocessing`).
//!
//! The semantics are the core's; this file speaks Python:
//!
//! * `Name(name, …, *, create=None, mode=0o600, allow_foreign_owner=False)` opens or
//!   creates (`create=None`), creates (`True`) or opens (`False`); `Name.unlink(name)`
//!   removes a name (kind-checked), `ipc.unlink(name)` whatever it holds;
//! * the timeouts are those of threadkit's in-process classes (`timeout.rs`), and every
//!   wait goes through `blocking.rs` (GIL released, Ctrl-C on the main thread);
//! * a lock whose previous holder died is acquired as usual; `lock.owner_died` says so,
//!   and an `OwnerDiedWarning` is issued;
//! * the core's errors become Python exceptions in the `errors` section at the end of
//!   this file: the binding's other classes never see them.
//!
//! A permit taken by `acquire()` is a count, as in `multiprocessing`: the core's
//! permit is forgotten and `release()` (from any process) adds one back — a consumer
//! that dies keeps the items it took. A permit taken by a `with` block is a lease of
//! this process (`SemaphorePermit::keep_lease`, given back by `return_lease` in
//! `__exit__`): a process killed inside the block gives its permit back, as the core's
//! guards do.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use pyo3::exceptions::{
    PyFileExistsError, PyFileNotFoundError, PyOSError, PyOverflowError, PyPermissionError,
    PyRuntimeError, PyRuntimeWarning, PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::types::{PyTuple, PyType};
use threadkit_ipc::{AcquireError, OpenError, Options, ReleaseError};

use crate::timeout::{self, Arg, Timeout};
use crate::{blocking, repr};

pyo3::create_exception!(
    threadkit.ipc,
    OwnerDiedWarning,
    PyRuntimeWarning,
    "Issued by Lock.acquire() when the lock's previous holder died holding it (its process was killed or crashed, or its thread ended): the lock is acquired, but the data it protects may be half-updated. lock.owner_died tells the same thing."
);

/// Builds the submodule `ipc` and adds it to the native module.
pub(crate) fn init(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    let ipc = PyModule::new(py, "ipc")?;
    ipc.add_class::<Lock>()?;
    ipc.add_class::<Semaphore>()?;
    ipc.add_class::<BoundedSemaphore>()?;
    ipc.add_class::<Event>()?;
    ipc.add("OwnerDiedWarning", py.get_type::<OwnerDiedWarning>())?;
    ipc.add_function(wrap_pyfunction!(unlink, &ipc)?)?;
    ipc.add("MAX_NAME_LEN", threadkit_ipc::MAX_NAME_LEN)?;
    module.add_submodule(&ipc)
}

/// Remove the name `name`, whatever kind of object it holds (also one that cannot be
/// opened). Processes that have the object open keep using it.
#[pyfunction]
fn unlink(name: String) -> PyResult<()> {
    threadkit_ipc::unlink(&name).map_err(errors::open)
}

/// How a constructor opens its name: `create=None` opens or creates, `True` creates
/// (`FileExistsError` if the name is taken), `False` opens (`FileNotFoundError` if it
/// is missing).
#[derive(Debug, Clone, Copy)]
enum Disposition {
    Either,
    Create,
    Open,
}

impl Disposition {
    fn from_arg(create: Option<bool>) -> Self {
        match create {
            None => Disposition::Either,
            Some(true) => Disposition::Create,
            Some(false) => Disposition::Open,
        }
    }
}

/// The core's options from the constructors' keywords.
fn options(mode: u32, allow_foreign_owner: bool) -> Options {
    Options::new()
        .mode(mode)
        .allow_foreign_owner(allow_foreign_owner)
}

/// `__reduce__` of every class: `(cls._reopen, (name, allow_foreign_owner))`. The
/// bound class method pickles as `getattr(cls, "_reopen")`, the class by reference.
fn reduce<'py>(
    slf: &Bound<'py, PyAny>,
    name: &str,
    allow_foreign_owner: bool,
) -> PyResult<Bound<'py, PyTuple>> {
    let reopen = slf.get_type().getattr("_reopen")?;
    (reopen, (name.to_owned(), allow_foreign_owner)).into_pyobject(slf.py())
}

/// `repr(name)`, for the `__repr__`s.
fn py_repr(py: Python<'_>, name: &str) -> PyResult<String> {
    Ok(pyo3::types::PyString::new(py, name).repr()?.to_string())
}

/// A lock shared by name between processes: `threading.Lock` (and
/// `multiprocessing.Lock`) for any process that knows the name, recovered when its
/// holder dies.
///
/// `Lock(name, *, create=None, mode=0o600, priority_inheritance=False,
/// allow_foreign_owner=False)` opens the lock `name`, creating it if it does not exist
/// (`create=None`); `create=True` only creates (FileExistsError if the name is taken),
/// `create=False` only opens (FileNotFoundError if it is missing). `mode` and
/// `priority_inheritance` apply when the lock is created. `Lock.unlink(name)` removes
/// the name.
///
/// `acquire(blocking=True, timeout=-1)`, `release()`, `locked()` and `with` work as
/// for `threading.Lock`, except that the lock belongs to the thread that acquired it:
/// releasing it from another thread is a RuntimeError, and a blocking `acquire()` by
/// the thread that holds it raises `threadkit.DeadlockError` instead of hanging
/// (`acquire(blocking=False)` returns False).
///
/// If the previous holder died holding the lock (its process was killed, say), the
/// next `acquire()` gets it, sets `owner_died` to True and issues an
/// `OwnerDiedWarning`: the protected data may be half-updated. (If warnings are
/// errors, the lock is released again and the warning raised.)
///
/// A lock pickles as its name: unpickled (in a `multiprocessing` child, say), it opens
/// the same lock, which must still exist.
#[pyclass(frozen, weakref, module = "threadkit.ipc", name = "Lock")]
#[derive(Debug)]
pub struct Lock {
    inner: threadkit_ipc::Lock<()>,
    /// Whether the previous holder had died, as of the latest acquisition through
    /// this object.
    owner_died: AtomicBool,
    allow_foreign_owner: bool,
}

#[pymethods]
impl Lock {
    #[new]
    #[pyo3(signature = (name, *, create = None, mode = 0o600, priority_inheritance = false, allow_foreign_owner = false))]
    fn new(
        py: Python<'_>,
        name: String,
        create: Option<bool>,
        mode: u32,
        priority_inheritance: bool,
        allow_foreign_owner: bool,
    ) -> PyResult<Self> {
        let options = options(mode, allow_foreign_owner).priority_inheritance(priority_inheritance);
        let inner = py
            .detach(|| match Disposition::from_arg(create) {
                Disposition::Either => threadkit_ipc::Lock::open_or_create_with(&name, (), options),
                Disposition::Create => threadkit_ipc::Lock::create_with(&name, (), options),
                Disposition::Open => threadkit_ipc::Lock::open_with(&name, options),
            })
            .map_err(errors::open)?;
        Ok(Self {
            inner,
            owner_died: AtomicBool::new(false),
            allow_foreign_owner,
        })
    }

    /// Open the existing lock `name` (what unpickling does).
    #[classmethod]
    #[pyo3(signature = (name, allow_foreign_owner = false))]
    fn _reopen(
        cls: &Bound<'_, PyType>,
        name: String,
        allow_foreign_owner: bool,
    ) -> PyResult<Py<PyAny>> {
        reopen(cls, name, allow_foreign_owner)
    }

    /// Remove the name `name`, which must hold a lock. Processes that have the lock
    /// open keep sharing it; opening the name no longer finds it.
    #[staticmethod]
    fn unlink(name: String) -> PyResult<()> {
        threadkit_ipc::Lock::<()>::unlink(&name).map_err(errors::open)
    }

    /// Acquire the lock, blocking or not, with an optional timeout (-1: none); return
    /// whether it was acquired.
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

    /// Release the lock, at the end of `with`.
    #[pyo3(signature = (*_args))]
    fn __exit__(&self, _args: &Bound<'_, PyTuple>) -> PyResult<()> {
        self.release()
    }

    /// Release the lock, held by this thread; RuntimeError if it is unlocked or held
    /// by another thread or process.
    fn release(&self) -> PyResult<()> {
        self.inner.release().map_err(errors::release)
    }

    /// Whether the lock is held, by any thread of any process (a lock whose holder
    /// died reads as held until someone acquires it).
    fn locked(&self) -> bool {
        self.inner.is_locked()
    }

    /// Whether the holder before the latest acquisition through this object died
    /// holding the lock.
    #[getter]
    fn owner_died(&self) -> bool {
        self.owner_died.load(Ordering::Relaxed)
    }

    /// The lock's name (without a leading "/").
    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let this = slf.get();
        reduce(slf.as_any(), this.inner.name(), this.allow_foreign_owner)
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let this = slf.get();
        Ok(format!(
            "<{} {} name={} at {}>",
            repr::lock_state(this.inner.is_locked()),
            repr::class_path(slf.as_any())?,
            py_repr(slf.py(), this.inner.name())?,
            repr::address(slf.as_any())
        ))
    }
}

impl Lock {
    /// Acquires within `timeout`: the fast path with the GIL held, then the wait.
    fn acquire_for(&self, py: Python<'_>, timeout: Timeout) -> PyResult<bool> {
        let died = match self.inner.try_acquire_detached() {
            Ok(held) => held.owner_died(),
            Err(AcquireError::WouldBlock) if timeout == Timeout::Now => return Ok(false),
            Err(AcquireError::Deadlock) if timeout == Timeout::Now => return Ok(false),
            Err(AcquireError::WouldBlock) => {
                let deadline = timeout.deadline()?;
                let lock = &self.inner;
                let waited = blocking::wait(py, deadline, |until| {
                    let acquired = match until {
                        None => lock.acquire_detached(),
                        Some(until) => lock.acquire_detached_deadline(until),
                    };
                    match acquired {
                        Ok(held) => Some(Ok(held.owner_died())),
                        Err(AcquireError::Timeout) => None,
                        Err(error) => Some(Err(error)),
                    }
                })?;
                match waited {
                    Some(Ok(died)) => died,
                    Some(Err(error)) => return Err(errors::acquire(error)),
                    None => return Ok(false),
                }
            }
            Err(error) => return Err(errors::acquire(error)),
        };
        self.owner_died.store(died, Ordering::Relaxed);
        if died {
            let warning = py.get_type::<OwnerDiedWarning>();
            let message = format!(
                "the previous holder of lock {:?} died holding it; the data it protects may be inconsistent",
                self.inner.name()
            );
            let message = std::ffi::CString::new(message)
                .unwrap_or_else(|_| c"the previous holder of the lock died holding it".into());
            if let Err(error) = PyErr::warn(py, &warning, &message, 1) {
                // Warnings are errors: the caller does not get the lock.
                let _ = self.inner.release();
                return Err(error);
            }
        }
        Ok(true)
    }
}

/// A counting semaphore shared by name between processes: `threading.Semaphore` (and
/// `multiprocessing.Semaphore`) for any process that knows the name.
///
/// `Semaphore(name, value=1, *, create=None, mode=0o600, allow_foreign_owner=False)`
/// opens the semaphore `name`, creating it with `value` permits if it does not exist
/// (`create=None`); `create=True` only creates (FileExistsError if the name is taken),
/// `create=False` only opens (FileNotFoundError if it is missing; `value` is then
/// ignored). `Semaphore.unlink(name)` removes the name.
///
/// `acquire(blocking=True, timeout=None)`, `release(n=1)` and `with` work as for
/// `threading.Semaphore`; `get_value()` is the number of permits available now.
/// Permits taken from Python are plain counts, as in `multiprocessing`: a process
/// that dies holding one does not give it back.
///
/// A semaphore pickles as its name: unpickled, it opens the same semaphore.
#[pyclass(
    frozen,
    weakref,
    subclass,
    module = "threadkit.ipc",
    name = "Semaphore"
)]
#[derive(Debug)]
pub struct Semaphore {
    inner: SemaphoreKind,
    allow_foreign_owner: bool,
}

/// The core semaphore behind a Python one.
#[derive(Debug)]
enum SemaphoreKind {
    Plain(threadkit_ipc::Semaphore),
    Bounded(threadkit_ipc::BoundedSemaphore),
}

/// A semaphore shared by name between processes that cannot be released above its
/// initial value (ValueError, as `threading.BoundedSemaphore`). A different kind of
/// object from a plain `Semaphore`: opening one as the other is a TypeError.
///
/// `BoundedSemaphore(name, value=1, *, create=None, mode=0o600,
/// allow_foreign_owner=False)`, as `Semaphore`.
#[pyclass(frozen, extends = Semaphore, subclass, module = "threadkit.ipc", name = "BoundedSemaphore")]
#[derive(Debug)]
pub struct BoundedSemaphore;

/// Opens or creates a semaphore of either kind.
fn open_semaphore(
    py: Python<'_>,
    name: &str,
    value: i128,
    open: Disposition,
    options: Options,
    bounded: bool,
) -> PyResult<SemaphoreKind> {
    if value < 0 {
        return Err(PyValueError::new_err(
            "semaphore initial value must be >= 0",
        ));
    }
    let permits = usize::try_from(value)
        .ok()
        .filter(|&permits| permits <= threadkit_ipc::MAX_PERMITS)
        .ok_or_else(|| PyOverflowError::new_err("semaphore initial value is too large"))?;
    py.detach(|| {
        use threadkit_ipc::{BoundedSemaphore as B, Semaphore as S};
        match (open, bounded) {
            (Disposition::Either, false) => {
                S::open_or_create_with(name, permits, options).map(SemaphoreKind::Plain)
            }
            (Disposition::Create, false) => {
                S::create_with(name, permits, options).map(SemaphoreKind::Plain)
            }
            (Disposition::Open, false) => S::open_with(name, options).map(SemaphoreKind::Plain),
            (Disposition::Either, true) => {
                B::open_or_create_with(name, permits, options).map(SemaphoreKind::Bounded)
            }
            (Disposition::Create, true) => {
                B::create_with(name, permits, options).map(SemaphoreKind::Bounded)
            }
            (Disposition::Open, true) => B::open_with(name, options).map(SemaphoreKind::Bounded),
        }
    })
    .map_err(errors::open)
}

#[pymethods]
impl Semaphore {
    #[new]
    #[pyo3(signature = (name, value = 1, *, create = None, mode = 0o600, allow_foreign_owner = false))]
    fn new(
        py: Python<'_>,
        name: String,
        value: i128,
        create: Option<bool>,
        mode: u32,
        allow_foreign_owner: bool,
    ) -> PyResult<Self> {
        let options = options(mode, allow_foreign_owner);
        let inner = open_semaphore(
            py,
            &name,
            value,
            Disposition::from_arg(create),
            options,
            false,
        )?;
        Ok(Self {
            inner,
            allow_foreign_owner,
        })
    }

    /// Open the existing semaphore `name` (what unpickling does).
    #[classmethod]
    #[pyo3(signature = (name, allow_foreign_owner = false))]
    fn _reopen(
        cls: &Bound<'_, PyType>,
        name: String,
        allow_foreign_owner: bool,
    ) -> PyResult<Py<PyAny>> {
        reopen(cls, name, allow_foreign_owner)
    }

    /// Remove the name `name`, which must hold a semaphore of this class's kind.
    /// Processes that have it open keep sharing it; opening the name no longer finds it.
    #[classmethod]
    fn unlink(cls: &Bound<'_, PyType>, name: String) -> PyResult<()> {
        if cls.is_subclass_of::<BoundedSemaphore>()? {
            threadkit_ipc::BoundedSemaphore::unlink(&name)
        } else {
            threadkit_ipc::Semaphore::unlink(&name)
        }
        .map_err(errors::open)
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
        let timeout = timeout.filter(|t| !t.is_none());
        let blocking = timeout::truthy(blocking)?;
        timeout::check_semaphore_args(blocking, timeout)?;
        self.acquire_as(py, blocking, timeout, Hold::Count)
    }

    /// Take a permit for the `with` block: a lease of this process, given back by
    /// `__exit__`, or when the process dies inside the block.
    fn __enter__(&self, py: Python<'_>) -> PyResult<bool> {
        self.acquire_as(py, true, None, Hold::Lease)
    }

    /// Give the `with` block's permit back.
    #[pyo3(signature = (*_args))]
    fn __exit__(&self, _args: &Bound<'_, PyTuple>) -> PyResult<()> {
        let returned = match &self.inner {
            SemaphoreKind::Plain(semaphore) => semaphore.return_lease(),
            SemaphoreKind::Bounded(semaphore) => semaphore.return_lease(),
        };
        match returned {
            Ok(()) => Ok(()),
            // Not this process's lease (a `with` block entered before a `fork`, left in
            // the child): a plain release, as `multiprocessing` does.
            Err(ReleaseError::NoLease) => self.release_n(1),
            Err(error) => Err(errors::release(error)),
        }
    }

    /// Give back `n` permits, waking up to `n` waiting threads in any process.
    #[pyo3(signature = (n = 1))]
    fn release(&self, n: i128) -> PyResult<()> {
        if n < 1 {
            return Err(PyValueError::new_err("n must be one or more"));
        }
        let n = usize::try_from(n).map_err(|_| errors::release(ReleaseError::Overflow))?;
        self.release_n(n)
    }

    /// The number of permits available now (a momentary snapshot).
    fn get_value(&self) -> usize {
        match &self.inner {
            SemaphoreKind::Plain(semaphore) => semaphore.available_permits(),
            SemaphoreKind::Bounded(semaphore) => semaphore.available_permits(),
        }
    }

    /// The semaphore's name (without a leading "/").
    #[getter]
    fn name(&self) -> &str {
        match &self.inner {
            SemaphoreKind::Plain(semaphore) => semaphore.name(),
            SemaphoreKind::Bounded(semaphore) => semaphore.name(),
        }
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let this = slf.get();
        reduce(slf.as_any(), this.name(), this.allow_foreign_owner)
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let this = slf.get();
        let status = match &this.inner {
            SemaphoreKind::Plain(semaphore) => format!(
                "name={}, value={}",
                py_repr(slf.py(), semaphore.name())?,
                semaphore.available_permits()
            ),
            SemaphoreKind::Bounded(semaphore) => format!(
                "name={}, value={}/{}",
                py_repr(slf.py(), semaphore.name())?,
                semaphore.available_permits(),
                semaphore.bound()
            ),
        };
        repr::python_style(slf.as_any(), &status)
    }
}

/// How a permit taken from Python is held (see the module docs).
#[derive(Clone, Copy)]
enum Hold {
    /// `acquire()`: a count, given back by `release()` from any process.
    Count,
    /// A `with` block: a lease of this process, given back by `__exit__`.
    Lease,
}

impl Semaphore {
    /// `acquire(blocking, timeout)` (arguments already read), holding the permit as
    /// `hold` says.
    fn acquire_as(
        &self,
        py: Python<'_>,
        blocking: bool,
        timeout: Option<&Bound<'_, PyAny>>,
        hold: Hold,
    ) -> PyResult<bool> {
        if self.take(None, true, hold).map_err(errors::acquire)? {
            return Ok(true);
        }
        if !blocking {
            return Ok(false);
        }
        let deadline = match timeout::semaphore_timeout(timeout)? {
            Timeout::Now => return Ok(false),
            later => later.deadline()?,
        };
        let waited = blocking::wait(py, deadline, |until| match self.take(until, false, hold) {
            Ok(true) => Some(Ok(())),
            Ok(false) => None,
            Err(error) => Some(Err(error)),
        })?;
        match waited {
            Some(Ok(())) => Ok(true),
            Some(Err(error)) => Err(errors::acquire(error)),
            None => Ok(false),
        }
    }

    /// Takes a permit, held as `hold` says, until `until` (`None`: forever); `now`
    /// only tries. `Ok(false)`: none came in time.
    fn take(&self, until: Option<Instant>, now: bool, hold: Hold) -> Result<bool, AcquireError> {
        macro_rules! take {
            ($semaphore:expr) => {
                match (now, until) {
                    (true, _) => $semaphore.try_acquire(),
                    (false, None) => $semaphore.acquire(),
                    (false, Some(until)) => $semaphore.acquire_deadline(until),
                }
                .map(|permit| match hold {
                    Hold::Count => permit.forget(),
                    Hold::Lease => permit.keep_lease(),
                })
            };
        }
        let taken = match &self.inner {
            SemaphoreKind::Plain(semaphore) => take!(semaphore),
            SemaphoreKind::Bounded(semaphore) => take!(semaphore),
        };
        match taken {
            Ok(()) => Ok(true),
            Err(AcquireError::WouldBlock | AcquireError::Timeout) => Ok(false),
            Err(error) => Err(error),
        }
    }

    fn release_n(&self, n: usize) -> PyResult<()> {
        match &self.inner {
            SemaphoreKind::Plain(semaphore) => semaphore.release(n),
            SemaphoreKind::Bounded(semaphore) => semaphore.release(n),
        }
        .map_err(errors::release)
    }
}

#[pymethods]
impl BoundedSemaphore {
    #[new]
    #[pyo3(signature = (name, value = 1, *, create = None, mode = 0o600, allow_foreign_owner = false))]
    fn new(
        py: Python<'_>,
        name: String,
        value: i128,
        create: Option<bool>,
        mode: u32,
        allow_foreign_owner: bool,
    ) -> PyResult<PyClassInitializer<Self>> {
        let options = options(mode, allow_foreign_owner);
        let inner = open_semaphore(
            py,
            &name,
            value,
            Disposition::from_arg(create),
            options,
            true,
        )?;
        Ok(PyClassInitializer::from(Semaphore {
            inner,
            allow_foreign_owner,
        })
        .add_subclass(BoundedSemaphore))
    }
}

/// A flag shared by name between processes: `threading.Event` (and
/// `multiprocessing.Event`) for any process that knows the name.
///
/// `Event(name, *, create=None, mode=0o600, allow_foreign_owner=False)` opens the
/// event `name`, creating it (clear) if it does not exist (`create=None`);
/// `create=True` only creates, `create=False` only opens. `Event.unlink(name)`
/// removes the name. `set()`, `clear()`, `is_set()` and `wait(timeout=None)` work as
/// for `threading.Event`, across processes.
///
/// An event pickles as its name: unpickled, it opens the same event.
#[pyclass(frozen, weakref, module = "threadkit.ipc", name = "Event")]
#[derive(Debug)]
pub struct Event {
    inner: threadkit_ipc::Event,
    allow_foreign_owner: bool,
}

#[pymethods]
impl Event {
    #[new]
    #[pyo3(signature = (name, *, create = None, mode = 0o600, allow_foreign_owner = false))]
    fn new(
        py: Python<'_>,
        name: String,
        create: Option<bool>,
        mode: u32,
        allow_foreign_owner: bool,
    ) -> PyResult<Self> {
        let options = options(mode, allow_foreign_owner);
        let inner = py
            .detach(|| match Disposition::from_arg(create) {
                Disposition::Either => threadkit_ipc::Event::open_or_create_with(&name, options),
                Disposition::Create => threadkit_ipc::Event::create_with(&name, options),
                Disposition::Open => threadkit_ipc::Event::open_with(&name, options),
            })
            .map_err(errors::open)?;
        Ok(Self {
            inner,
            allow_foreign_owner,
        })
    }

    /// Open the existing event `name` (what unpickling does).
    #[classmethod]
    #[pyo3(signature = (name, allow_foreign_owner = false))]
    fn _reopen(
        cls: &Bound<'_, PyType>,
        name: String,
        allow_foreign_owner: bool,
    ) -> PyResult<Py<PyAny>> {
        reopen(cls, name, allow_foreign_owner)
    }

    /// Remove the name `name`, which must hold an event. Processes that have it open
    /// keep sharing it; opening the name no longer finds it.
    #[staticmethod]
    fn unlink(name: String) -> PyResult<()> {
        threadkit_ipc::Event::unlink(&name).map_err(errors::open)
    }

    /// Whether the event is set.
    fn is_set(&self) -> bool {
        self.inner.is_set()
    }

    /// Set the event, waking every waiting thread in every process.
    fn set(&self) {
        self.inner.set();
    }

    /// Clear the event.
    fn clear(&self) {
        self.inner.clear();
    }

    /// Block until the event is set or `timeout` seconds pass (`None`: no timeout);
    /// return whether it is set.
    #[pyo3(signature = (timeout = None))]
    fn wait(&self, py: Python<'_>, timeout: Option<&Bound<'_, PyAny>>) -> PyResult<bool> {
        if self.inner.is_set() {
            return Ok(true);
        }
        let deadline = match timeout::condition_wait(timeout)? {
            Timeout::Now => return Ok(false),
            later => later.deadline()?,
        };
        let event = &self.inner;
        let woke = blocking::wait(py, deadline, |until| match until {
            None => {
                event.wait();
                Some(())
            }
            Some(until) => event.wait_deadline(until).then_some(()),
        })?;
        Ok(woke.is_some())
    }

    /// The event's name (without a leading "/").
    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let this = slf.get();
        reduce(slf.as_any(), this.inner.name(), this.allow_foreign_owner)
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let this = slf.get();
        let state = if this.inner.is_set() { "set" } else { "unset" };
        repr::python_style(
            slf.as_any(),
            &format!("name={}, {state}", py_repr(slf.py(), this.inner.name())?),
        )
    }
}

/// The core's errors as Python exceptions, with the core's messages.
///
/// | core | Python |
/// |---|---|
/// | `OpenError::InvalidName`, `InvalidMode` | `ValueError` |
/// | `OpenError::NotFound` | `FileNotFoundError` |
/// | `OpenError::AlreadyExists` | `FileExistsError` |
/// | `OpenError::PermissionDenied`, `ForeignOwner` | `PermissionError` |
/// | `OpenError::WrongKind`, `DataLayout` (a name of another kind) | `TypeError` |
/// | other `OpenError`s (not threadkit's, another version, corrupt, incomplete, OS) | `OSError` |
/// | `AcquireError::Deadlock` | `threadkit.DeadlockError` (a `RuntimeError`) |
/// | `AcquireError::Os` | `OSError` |
/// | other `AcquireError`s (too many threads or processes, not recoverable) | `RuntimeError` |
/// | `ReleaseError::TooManyReleases`, `ZeroCount` | `ValueError` |
/// | `ReleaseError::Overflow` | `OverflowError` |
/// | other `ReleaseError`s (not locked, not the owner) | `RuntimeError` |
mod errors {
    use super::*;

    /// `errno` values, for the `OSError`s that carry one (Linux).
    const ENOENT: i32 = 2;
    const EACCES: i32 = 13;
    const EEXIST: i32 = 17;

    pub(super) fn open(error: OpenError) -> PyErr {
        let message = error.to_string();
        match error {
            OpenError::InvalidName(_) | OpenError::InvalidMode { .. } => {
                PyValueError::new_err(message)
            }
            OpenError::NotFound { .. } => PyFileNotFoundError::new_err((ENOENT, message)),
            OpenError::AlreadyExists { .. } => PyFileExistsError::new_err((EEXIST, message)),
            OpenError::PermissionDenied { .. } => PyPermissionError::new_err((EACCES, message)),
            OpenError::ForeignOwner { .. } => PyPermissionError::new_err(message),
            OpenError::WrongKind { .. } | OpenError::DataLayout { .. } => {
                PyTypeError::new_err(message)
            }
            OpenError::Os { errno, .. } => PyOSError::new_err((errno, message)),
            _ => PyOSError::new_err(message),
        }
    }

    pub(super) fn acquire(error: AcquireError) -> PyErr {
        match error {
            AcquireError::Deadlock => crate::diagnostics::DeadlockError::new_err(
                "this thread already holds the lock (a threadkit.ipc.Lock belongs to the thread that acquired it)",
            ),
            AcquireError::Os { errno, .. } => PyOSError::new_err((errno, error.to_string())),
            other => PyRuntimeError::new_err(other.to_string()),
        }
    }

    pub(super) fn release(error: ReleaseError) -> PyErr {
        match error {
            ReleaseError::TooManyReleases => {
                PyValueError::new_err("Semaphore released too many times")
            }
            ReleaseError::ZeroCount => PyValueError::new_err("n must be one or more"),
            ReleaseError::Overflow => PyOverflowError::new_err("semaphore value is too large"),
            other => PyRuntimeError::new_err(other.to_string()),
        }
    }
}

/// `cls(name, create=False, allow_foreign_owner=...)`: how every class unpickles, by
/// opening its object again by name.
fn reopen(cls: &Bound<'_, PyType>, name: String, allow_foreign_owner: bool) -> PyResult<Py<PyAny>> {
    let kwargs = pyo3::types::PyDict::new(cls.py());
    kwargs.set_item("create", false)?;
    kwargs.set_item("allow_foreign_owner", allow_foreign_owner)?;
    Ok(cls.call((name,), Some(&kwargs))?.unbind())
}
