//! `threadkit.Queue`, `LifoQueue` and `PriorityQueue`: Python's `queue` classes, over
//! `threadkit::{Queue, LifoQueue, CustomQueue}`.
//!
//! A queue runs in one of two modes, chosen by `__init__`:
//!
//! * **core storage** — a `Queue` or `LifoQueue` whose class does not override the
//!   storage hooks (`_init`, `_qsize`, `_put`, `_get`): the items live in the core's
//!   lock-free FIFO (`threadkit::Queue`, created unbounded so that `maxsize` can change
//!   freely) or its LIFO. The core never calls back into Python, so calls that do not
//!   wait are made with the GIL held; only a wait releases it.
//! * **hooks** — a `PriorityQueue` (Python compares its items), or a subclass that
//!   overrides a hook (CPython's `FailingQueueTest`): a `threadkit::CustomQueue` whose
//!   hooks ([`Hooks`](crate::queue_storage::Hooks)) call the Python methods. The core
//!   runs hooks with its internal lock held and the hooks take the GIL, so every call
//!   into such a queue is made with the GIL released: a thread holding the GIL while it
//!   waits for the queue's lock could otherwise deadlock with the lock's holder
//!   waiting for the GIL. The items live where CPython keeps them, in `self.queue` (a
//!   deque, or a list kept as a heap), which the base class's `_put`/`_get`/`_qsize`
//!   reach without going through the queue — so an override may call them.
//!
//! Blocking, `maxsize`, `task_done`/`join` and Python 3.13's `shutdown` are the core's
//! in both modes.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Instant;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple, PyType};

use crate::queue_storage::{self, Hooks, Order, Storage};
use crate::timeout::{self, Timeout};
use crate::{blocking, diagnostics, errors};

/// A first-in, first-out queue, as `queue.Queue(maxsize=0)`.
///
/// `put(item, block=True, timeout=None)` adds an item, waiting while the queue is
/// full (`maxsize` > 0); `get(block=True, timeout=None)` takes the oldest one,
/// waiting while it is empty. `task_done()` and `join()` track processed items;
/// `shutdown(immediate=False)` (Python 3.13's) ends it.
#[pyclass(frozen, weakref, subclass, module = "threadkit", name = "Queue")]
#[derive(Debug)]
pub struct Queue {
    order: Order,
    inner: OnceLock<Inner>,
    /// `maxsize` as Python last set it (0 or less: unbounded).
    maxsize: AtomicI64,
    /// `self.queue` in hooks mode.
    storage: Storage,
}

/// A last-in, first-out queue (a stack), as `queue.LifoQueue(maxsize=0)`.
#[pyclass(frozen, extends = Queue, subclass, module = "threadkit", name = "LifoQueue")]
#[derive(Debug)]
pub struct LifoQueue;

/// A queue that hands out the smallest item first, as `queue.PriorityQueue(maxsize=0)`
/// (items are compared with `<`, as `heapq` does; put `(priority, data)` tuples).
#[pyclass(frozen, extends = Queue, subclass, module = "threadkit", name = "PriorityQueue")]
#[derive(Debug)]
pub struct PriorityQueue;

/// The core queue behind a Python one.
#[derive(Debug)]
enum Inner {
    // Boxed: the lock-free FIFO is several cache lines, the others a few words.
    Fifo(Box<threadkit::Queue<Py<PyAny>>>),
    Lifo(threadkit::LifoQueue<Py<PyAny>>),
    Hooked(threadkit::CustomQueue<Py<PyAny>, Hooks>),
}

/// How long a core call may wait.
#[derive(Debug, Clone, Copy)]
enum Wait {
    /// Not at all.
    Now,
    /// Until the deadline (`None`: forever).
    Until(Option<Instant>),
}

/// Why a put did not happen.
enum PutFailure {
    /// Full (or still full at the deadline); the item is handed back.
    Full(Py<PyAny>),
    ShutDown,
    Hook(PyErr),
}

/// Why a get did not happen.
enum GetFailure {
    Empty,
    ShutDown,
    Hook(PyErr),
}

#[pymethods]
impl Queue {
    // Any arguments are accepted here and checked by `__init__`, so that a subclass
    // may give its `__init__` other parameters (see `Event::new`).
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(maxsize=0)")]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        Self::unset(Order::Fifo)
    }

    #[pyo3(signature = (maxsize = None))]
    fn __init__(slf: &Bound<'_, Self>, maxsize: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let py = slf.py();
        let this = slf.get();
        if this.inner.get().is_some() {
            return Err(errors::initialized_twice(this.order.class()));
        }
        let zero;
        let maxsize = match maxsize {
            Some(maxsize) => maxsize,
            None => {
                zero = 0_i64.into_pyobject(py)?.into_any();
                &zero
            }
        };
        this.store_maxsize(maxsize)?;
        let bound = this.core_maxsize();
        let overridden = queue_storage::overrides_hooks(slf)?;
        let site = diagnostics::creation_site(py);
        let inner = if overridden || this.order == Order::Priority {
            // CPython's `__init__` calls `self._init(maxsize)`, which makes `self.queue`.
            slf.call_method1(pyo3::intern!(py, "_init"), (maxsize,))?;
            let hooks = Hooks::new(slf.as_any(), this.order, overridden)?;
            Inner::Hooked(match &site {
                Some(site) => threadkit::CustomQueue::named(site, hooks, bound),
                None => threadkit::CustomQueue::new(hooks, bound),
            })
        } else if this.order == Order::Lifo {
            Inner::Lifo(match &site {
                Some(site) => threadkit::LifoQueue::named(site, bound),
                None => threadkit::LifoQueue::new(bound),
            })
        } else {
            // Created unbounded (maxsize 0), so that any maxsize can be set later.
            let queue = match &site {
                Some(site) => threadkit::Queue::named(site, 0),
                None => threadkit::Queue::unbounded(),
            };
            // Never fails: a queue created unbounded takes any maxsize.
            let _ = queue.set_maxsize(bound);
            Inner::Fifo(Box::new(queue))
        };
        this.inner
            .set(inner)
            .map_err(|_| errors::initialized_twice(this.order.class()))
    }

    /// Put `item` into the queue. With `block` true (the default), wait while the
    /// queue is full, at most `timeout` seconds (`None`: no limit) before raising
    /// `Full`; with `block` false, raise `Full` at once. Raises `ShutDown` if the queue
    /// was shut down.
    #[pyo3(
        signature = (item, block = None, timeout = None),
        text_signature = "($self, /, item, block=True, timeout=None)"
    )]
    fn put(
        &self,
        py: Python<'_>,
        item: Py<PyAny>,
        block: Option<&Bound<'_, PyAny>>,
        timeout: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let inner = self.inner()?;
        let block = timeout::truthy(block)?;
        // CPython checks the timeout (when it may wait at all) before the queue.
        let wait = if !block {
            Timeout::Now
        } else if self.maxsize.load(Ordering::Relaxed) > 0 {
            match timeout::queue_wait(timeout) {
                Ok(wait) => wait,
                Err(_) if inner.is_shutdown(py) => return Err(errors::queue_shut_down(py)),
                Err(error) => return Err(error),
            }
        } else {
            Timeout::Forever
        };
        let item = match inner.put(py, item, Wait::Now) {
            Ok(()) => return Ok(()),
            Err(PutFailure::Full(item)) if block => item,
            Err(failure) => return Err(failure.into_err(py)),
        };
        let deadline = wait.deadline()?;
        let mut slot = Some(item);
        let outcome = blocking::wait(py, deadline, |until| {
            let item = slot.take()?;
            match inner.put_detached(item, Wait::Until(until)) {
                Ok(()) => Some(Ok(())),
                Err(PutFailure::Full(item)) => {
                    slot = Some(item);
                    None
                }
                Err(failure) => Some(Err(failure)),
            }
        })?;
        match outcome {
            Some(Ok(())) => Ok(()),
            Some(Err(failure)) => Err(failure.into_err(py)),
            None => Err(errors::queue_full()),
        }
    }

    /// `put(item, block=False)`.
    fn put_nowait(&self, py: Python<'_>, item: Py<PyAny>) -> PyResult<()> {
        self.inner()?
            .put(py, item, Wait::Now)
            .map_err(|failure| failure.into_err(py))
    }

    /// Remove and return an item. With `block` true (the default), wait while the
    /// queue is empty, at most `timeout` seconds (`None`: no limit) before raising
    /// `Empty`; with `block` false, raise `Empty` at once. Raises `ShutDown` once the
    /// queue is shut down and empty.
    #[pyo3(
        signature = (block = None, timeout = None),
        text_signature = "($self, /, block=True, timeout=None)"
    )]
    fn get(
        &self,
        py: Python<'_>,
        block: Option<&Bound<'_, PyAny>>,
        timeout: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let inner = self.inner()?;
        let block = timeout::truthy(block)?;
        let wait = if block {
            match timeout::queue_wait(timeout) {
                Ok(wait) => wait,
                Err(_) if inner.is_shutdown(py) && inner.qsize(py)? == 0 => {
                    return Err(errors::queue_shut_down(py));
                }
                Err(error) => return Err(error),
            }
        } else {
            Timeout::Now
        };
        match inner.get(py, Wait::Now) {
            Ok(item) => return Ok(item),
            Err(GetFailure::Empty) if block => {}
            Err(failure) => return Err(failure.into_err(py)),
        }
        let deadline = wait.deadline()?;
        let outcome = blocking::wait(py, deadline, |until| {
            match inner.get_detached(Wait::Until(until)) {
                Err(GetFailure::Empty) => None,
                other => Some(other),
            }
        })?;
        match outcome {
            Some(Ok(item)) => Ok(item),
            Some(Err(failure)) => Err(failure.into_err(py)),
            None => Err(errors::queue_empty()),
        }
    }

    /// `get(block=False)`.
    fn get_nowait(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.inner()?
            .get(py, Wait::Now)
            .map_err(|failure| failure.into_err(py))
    }

    /// The approximate number of items.
    fn qsize(&self, py: Python<'_>) -> PyResult<usize> {
        self.inner()?.qsize(py)
    }

    /// Whether the queue is empty (approximately).
    fn empty(&self, py: Python<'_>) -> PyResult<bool> {
        Ok(self.qsize(py)? == 0)
    }

    /// Whether the queue is full (approximately).
    fn full(&self, py: Python<'_>) -> PyResult<bool> {
        let maxsize = self.maxsize.load(Ordering::Relaxed);
        Ok(maxsize > 0 && self.qsize(py)? as u64 >= maxsize as u64)
    }

    /// The most items the queue holds (0 or less: no limit); may be assigned, also
    /// while threads wait.
    #[getter]
    fn maxsize(&self) -> i64 {
        self.maxsize.load(Ordering::Relaxed)
    }

    #[setter]
    fn set_maxsize(&self, py: Python<'_>, maxsize: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let Some(maxsize) = maxsize else {
            return Err(pyo3::exceptions::PyAttributeError::new_err(
                "can't delete attribute 'maxsize'",
            ));
        };
        self.store_maxsize(maxsize)?;
        if let Some(inner) = self.inner.get() {
            inner.set_maxsize(py, self.core_maxsize());
        }
        Ok(())
    }

    /// Mark one item taken with `get()` as processed; `ValueError` if called more
    /// times than items were put.
    fn task_done(&self, py: Python<'_>) -> PyResult<()> {
        let inner = self.inner()?;
        match inner {
            Inner::Fifo(queue) => queue.task_done(),
            Inner::Lifo(queue) => queue.task_done(),
            Inner::Hooked(queue) => py.detach(|| queue.task_done()),
        }
        .map_err(errors::task_done)
    }

    /// Block until every item put has been marked processed with `task_done()`.
    fn join(&self, py: Python<'_>) -> PyResult<()> {
        let inner = self.inner()?;
        blocking::wait(py, None, |until| inner.join_until(until).then_some(()))?;
        Ok(())
    }

    /// Items put and not yet marked processed with `task_done()`.
    #[getter]
    fn unfinished_tasks(&self, py: Python<'_>) -> PyResult<u64> {
        Ok(match self.inner()? {
            Inner::Fifo(queue) => queue.unfinished_tasks(),
            Inner::Lifo(queue) => queue.unfinished_tasks(),
            Inner::Hooked(queue) => py.detach(|| queue.unfinished_tasks()),
        })
    }

    /// Shut the queue down (Python 3.13): `put` raises `ShutDown` from now on, and
    /// `get` too once the queue is empty; with `immediate`, the items left are
    /// discarded (and counted as done for `join`). Every blocked caller wakes up.
    #[pyo3(signature = (immediate = None), text_signature = "($self, /, immediate=False)")]
    fn shutdown(&self, py: Python<'_>, immediate: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let immediate = match immediate {
            Some(immediate) => immediate.is_truthy()?,
            None => false,
        };
        match self.inner()? {
            Inner::Fifo(queue) => queue.shutdown(immediate),
            Inner::Lifo(queue) => queue.shutdown(immediate),
            Inner::Hooked(queue) => py.detach(|| queue.shutdown(immediate))?,
        }
        Ok(())
    }

    /// Whether `shutdown()` was called.
    #[getter]
    fn is_shutdown(&self, py: Python<'_>) -> PyResult<bool> {
        Ok(self.inner()?.is_shutdown(py))
    }

    /// The items, in a queue whose class overrides the storage hooks (or a
    /// `PriorityQueue`): the deque or list that `_init` made, as in CPython.
    #[getter(queue)]
    fn storage(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.storage.get(py)
    }

    #[setter(queue)]
    fn set_storage(&self, value: Option<Py<PyAny>>) {
        self.storage.set(value);
    }

    /// The storage hook that creates `self.queue` (a deque; a list for `LifoQueue` and
    /// `PriorityQueue`).
    fn _init(&self, py: Python<'_>, maxsize: &Bound<'_, PyAny>) -> PyResult<()> {
        let _ = maxsize;
        self.storage
            .set(Some(queue_storage::new_container(py, self.order)?));
        Ok(())
    }

    /// The storage hook that counts the items.
    fn _qsize(&self, py: Python<'_>) -> PyResult<usize> {
        match self.inner.get() {
            Some(Inner::Hooked(_)) | None => {
                queue_storage::len(&self.storage.get(py)?.into_bound(py))
            }
            Some(inner) => inner.qsize(py),
        }
    }

    /// The storage hook that adds an item.
    fn _put(&self, py: Python<'_>, item: &Bound<'_, PyAny>) -> PyResult<()> {
        match self.inner.get() {
            Some(Inner::Hooked(_)) | None => {
                queue_storage::put(&self.storage.get(py)?.into_bound(py), self.order, item)
            }
            Some(_) => self.put_nowait(py, item.clone().unbind()),
        }
    }

    /// The storage hook that removes the next item.
    fn _get(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match self.inner.get() {
            Some(Inner::Hooked(_)) | None => {
                queue_storage::get(&self.storage.get(py)?.into_bound(py), self.order)
                    .map(Bound::unbind)
            }
            Some(_) => self.get_nowait(py),
        }
    }

    /// `Queue[int]`, as for the stdlib's generic classes.
    #[classmethod]
    fn __class_getitem__(cls: &Bound<'_, PyType>, item: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        generic_alias(cls, item)
    }
}

#[pymethods]
impl LifoQueue {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(maxsize=0)")]
    fn new(
        _args: &Bound<'_, PyTuple>,
        _kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyClassInitializer<Self> {
        PyClassInitializer::from(Queue::unset(Order::Lifo)).add_subclass(LifoQueue)
    }
}

#[pymethods]
impl PriorityQueue {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(maxsize=0)")]
    fn new(
        _args: &Bound<'_, PyTuple>,
        _kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyClassInitializer<Self> {
        PyClassInitializer::from(Queue::unset(Order::Priority)).add_subclass(PriorityQueue)
    }
}

/// `types.GenericAlias(cls, item)`: what `__class_getitem__` returns for the stdlib's
/// queues.
pub(crate) fn generic_alias(
    cls: &Bound<'_, PyType>,
    item: &Bound<'_, PyAny>,
) -> PyResult<Py<PyAny>> {
    let py = cls.py();
    Ok(py
        .import("types")?
        .getattr("GenericAlias")?
        .call1((cls, item))?
        .unbind())
}

impl Queue {
    fn unset(order: Order) -> Self {
        Self {
            order,
            inner: OnceLock::new(),
            maxsize: AtomicI64::new(0),
            storage: Storage::default(),
        }
    }

    fn inner(&self) -> PyResult<&Inner> {
        self.inner
            .get()
            .ok_or_else(|| errors::not_initialized(self.order.class()))
    }

    /// Stores `maxsize` as given (an integer; huge ones are clamped).
    fn store_maxsize(&self, maxsize: &Bound<'_, PyAny>) -> PyResult<()> {
        let value: i128 = maxsize.extract().or_else(|error: PyErr| {
            // An integer too large for i128 is as good as "no limit reachable".
            if error.is_instance_of::<pyo3::exceptions::PyOverflowError>(maxsize.py()) {
                Ok(if maxsize.gt(0)? { i128::MAX } else { 0 })
            } else {
                Err(error)
            }
        })?;
        let value = value.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
        self.maxsize.store(value, Ordering::Relaxed);
        Ok(())
    }

    /// The core's maxsize for the Python one (0: unbounded).
    fn core_maxsize(&self) -> usize {
        usize::try_from(self.maxsize.load(Ordering::Relaxed).max(0)).unwrap_or(usize::MAX)
    }
}

impl Inner {
    /// Puts `item` if there is room, waiting as `wait` allows. The core-storage queues
    /// are called with the GIL held (only ever with `Wait::Now` here); a hooks queue is
    /// called with the GIL released.
    fn put(&self, py: Python<'_>, item: Py<PyAny>, wait: Wait) -> Result<(), PutFailure> {
        match self {
            Inner::Hooked(_) => py.detach(|| self.put_detached(item, wait)),
            _ => self.put_detached(item, wait),
        }
    }

    /// [`put`](Self::put), called with the GIL released (or, for the core-storage
    /// queues, when it does not matter).
    fn put_detached(&self, item: Py<PyAny>, wait: Wait) -> Result<(), PutFailure> {
        use threadkit::queue::{CustomPutError, TryPutError};
        let try_failed = |error| match error {
            TryPutError::Full(item) => PutFailure::Full(item),
            TryPutError::ShutDown(_) => PutFailure::ShutDown,
        };
        match (self, wait) {
            (Inner::Fifo(queue), Wait::Now) => queue.try_put(item).map_err(try_failed),
            (Inner::Lifo(queue), Wait::Now) => queue.try_put(item).map_err(try_failed),
            (Inner::Fifo(queue), Wait::Until(None)) => {
                queue.put(item).map_err(|_| PutFailure::ShutDown)
            }
            (Inner::Lifo(queue), Wait::Until(None)) => {
                queue.put(item).map_err(|_| PutFailure::ShutDown)
            }
            (Inner::Fifo(queue), Wait::Until(Some(deadline))) => {
                queue.put_deadline(item, deadline).map_err(timed_out)
            }
            (Inner::Lifo(queue), Wait::Until(Some(deadline))) => {
                queue.put_deadline(item, deadline).map_err(timed_out)
            }
            (Inner::Hooked(queue), wait) => {
                let result = match wait {
                    Wait::Now => queue.try_put(item),
                    Wait::Until(None) => queue.put(item),
                    Wait::Until(Some(deadline)) => queue.put_deadline(item, deadline),
                };
                result.map_err(|error| match error {
                    CustomPutError::Full(item) | CustomPutError::Timeout(item) => {
                        PutFailure::Full(item)
                    }
                    CustomPutError::ShutDown(_) => PutFailure::ShutDown,
                    CustomPutError::Hook(error) => PutFailure::Hook(error),
                })
            }
        }
    }

    /// Takes an item, waiting for one as `wait` allows; GIL as for [`put`](Self::put).
    fn get(&self, py: Python<'_>, wait: Wait) -> Result<Py<PyAny>, GetFailure> {
        match self {
            Inner::Hooked(_) => py.detach(|| self.get_detached(wait)),
            _ => self.get_detached(wait),
        }
    }

    /// [`get`](Self::get), called with the GIL released (or when it does not matter).
    fn get_detached(&self, wait: Wait) -> Result<Py<PyAny>, GetFailure> {
        use threadkit::queue::{CustomGetError, GetTimeoutError, TryGetError};
        let try_failed = |error| match error {
            TryGetError::Empty => GetFailure::Empty,
            TryGetError::ShutDown => GetFailure::ShutDown,
        };
        let timed_out = |error| match error {
            GetTimeoutError::Timeout => GetFailure::Empty,
            GetTimeoutError::ShutDown => GetFailure::ShutDown,
        };
        match (self, wait) {
            (Inner::Fifo(queue), Wait::Now) => queue.try_get().map_err(try_failed),
            (Inner::Lifo(queue), Wait::Now) => queue.try_get().map_err(try_failed),
            (Inner::Fifo(queue), Wait::Until(None)) => {
                queue.get().map_err(|_| GetFailure::ShutDown)
            }
            (Inner::Lifo(queue), Wait::Until(None)) => {
                queue.get().map_err(|_| GetFailure::ShutDown)
            }
            (Inner::Fifo(queue), Wait::Until(Some(deadline))) => {
                queue.get_deadline(deadline).map_err(timed_out)
            }
            (Inner::Lifo(queue), Wait::Until(Some(deadline))) => {
                queue.get_deadline(deadline).map_err(timed_out)
            }
            (Inner::Hooked(queue), wait) => {
                let result = match wait {
                    Wait::Now => queue.try_get(),
                    Wait::Until(None) => queue.get(),
                    Wait::Until(Some(deadline)) => queue.get_deadline(deadline),
                };
                result.map_err(|error| match error {
                    CustomGetError::Empty | CustomGetError::Timeout => GetFailure::Empty,
                    CustomGetError::ShutDown => GetFailure::ShutDown,
                    CustomGetError::Hook(error) => GetFailure::Hook(error),
                })
            }
        }
    }

    fn qsize(&self, py: Python<'_>) -> PyResult<usize> {
        match self {
            Inner::Fifo(queue) => Ok(queue.qsize()),
            Inner::Lifo(queue) => Ok(queue.qsize()),
            Inner::Hooked(queue) => py.detach(|| queue.qsize()),
        }
    }

    fn set_maxsize(&self, py: Python<'_>, maxsize: usize) {
        // Never fails: the FIFO queue was created unbounded.
        let _ = match self {
            Inner::Fifo(queue) => queue.set_maxsize(maxsize),
            Inner::Lifo(queue) => queue.set_maxsize(maxsize),
            Inner::Hooked(queue) => py.detach(|| queue.set_maxsize(maxsize)),
        };
    }

    fn is_shutdown(&self, py: Python<'_>) -> bool {
        match self {
            Inner::Fifo(queue) => queue.is_shutdown(),
            Inner::Lifo(queue) => queue.is_shutdown(),
            Inner::Hooked(queue) => py.detach(|| queue.is_shutdown()),
        }
    }

    /// Waits (GIL released) until every task is done or `until` passes.
    fn join_until(&self, until: Option<Instant>) -> bool {
        match (self, until) {
            (Inner::Fifo(queue), None) => {
                queue.join();
                true
            }
            (Inner::Lifo(queue), None) => {
                queue.join();
                true
            }
            (Inner::Hooked(queue), None) => {
                queue.join();
                true
            }
            (Inner::Fifo(queue), Some(until)) => queue.join_deadline(until).is_ok(),
            (Inner::Lifo(queue), Some(until)) => queue.join_deadline(until).is_ok(),
            (Inner::Hooked(queue), Some(until)) => queue
                .join_timeout(until.saturating_duration_since(Instant::now()))
                .is_ok(),
        }
    }
}

/// A timed put that failed.
fn timed_out(error: threadkit::queue::PutTimeoutError<Py<PyAny>>) -> PutFailure {
    match error {
        threadkit::queue::PutTimeoutError::Timeout(item) => PutFailure::Full(item),
        threadkit::queue::PutTimeoutError::ShutDown(_) => PutFailure::ShutDown,
    }
}

impl PutFailure {
    fn into_err(self, py: Python<'_>) -> PyErr {
        match self {
            PutFailure::Full(_) => errors::queue_full(),
            PutFailure::ShutDown => errors::queue_shut_down(py),
            PutFailure::Hook(error) => error,
        }
    }
}

impl GetFailure {
    fn into_err(self, py: Python<'_>) -> PyErr {
        match self {
            GetFailure::Empty => errors::queue_empty(),
            GetFailure::ShutDown => errors::queue_shut_down(py),
            GetFailure::Hook(error) => error,
        }
    }
}
