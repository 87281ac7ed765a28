//! The storage of a queue in hooks mode (see `queue.rs`): CPython's `self.queue`
//! container and the storage hooks `_init`, `_qsize`, `_put`, `_get`.
//!
//! [`Hooks`] is the core's [`QueueHooks`] for such a queue: with the GIL taken (the
//! core calls it with its lock held and the GIL released), it calls the Python
//! methods a subclass overrides, or, for a `PriorityQueue` that overrides none, works
//! on `self.queue` directly. A hook that raises fails the queue operation, and the
//! core leaves the queue as it was (CPython's `FailingQueueTest`).

use std::sync::{Mutex, MutexGuard, PoisonError};

use pyo3::exceptions::{PyAttributeError, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyList, PyWeakrefReference};
use threadkit::queue::QueueHooks;

use crate::queue::Queue;

/// The order of a queue, fixed by its class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    /// `Queue`: first in, first out (a `collections.deque`).
    Fifo,
    /// `LifoQueue`: last in, first out (a list).
    Lifo,
    /// `PriorityQueue`: smallest first (a list kept as a heap by `heapq`).
    Priority,
}

impl Order {
    /// The class's name, for messages.
    pub(crate) fn class(self) -> &'static str {
        match self {
            Order::Fifo => "Queue",
            Order::Lifo => "LifoQueue",
            Order::Priority => "PriorityQueue",
        }
    }
}

/// `self.queue`: the container of a queue in hooks mode (unset otherwise).
#[derive(Debug, Default)]
pub(crate) struct Storage(Mutex<Option<Py<PyAny>>>);

impl Storage {
    fn slot(&self) -> MutexGuard<'_, Option<Py<PyAny>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The container; `AttributeError` if there is none (a queue whose items the core
    /// keeps).
    pub(crate) fn get(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.slot()
            .as_ref()
            .map(|value| value.clone_ref(py))
            .ok_or_else(|| {
                PyAttributeError::new_err(
                    "'queue': this queue keeps its items in threadkit's core; only a queue whose \
                 class overrides _init/_qsize/_put/_get (or a PriorityQueue) has a 'queue' \
                 container",
                )
            })
    }

    /// Replaces (or, with `None`, removes) the container.
    pub(crate) fn set(&self, value: Option<Py<PyAny>>) {
        let old = std::mem::replace(&mut *self.slot(), value);
        // Dropped after the lock is released: its `__del__` may run Python code.
        drop(old);
    }
}

/// Whether `queue`'s class overrides one of the storage hooks.
pub(crate) fn overrides_hooks(queue: &Bound<'_, Queue>) -> PyResult<bool> {
    let py = queue.py();
    let class = queue.get_type();
    if class.is(py.get_type::<Queue>())
        || class.is(py.get_type::<crate::queue::LifoQueue>())
        || class.is(py.get_type::<crate::queue::PriorityQueue>())
    {
        return Ok(false);
    }
    let base = py.get_type::<Queue>();
    for hook in ["_init", "_qsize", "_put", "_get"] {
        if !class.getattr(hook)?.is(base.getattr(hook)?) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A new empty container for `order`: what CPython's `_init` assigns to `self.queue`.
pub(crate) fn new_container(py: Python<'_>, order: Order) -> PyResult<Py<PyAny>> {
    static DEQUE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    Ok(match order {
        Order::Fifo => DEQUE
            .get_or_try_init(py, || -> PyResult<_> {
                Ok(py.import("collections")?.getattr("deque")?.unbind())
            })?
            .bind(py)
            .call0()?
            .unbind(),
        Order::Lifo | Order::Priority => PyList::empty(py).into_any().unbind(),
    })
}

/// CPython's `_qsize`: `len(self.queue)`.
pub(crate) fn len(container: &Bound<'_, PyAny>) -> PyResult<usize> {
    container.len()
}

/// CPython's `_put`: `append`, or `heapq.heappush`.
pub(crate) fn put(
    container: &Bound<'_, PyAny>,
    order: Order,
    item: &Bound<'_, PyAny>,
) -> PyResult<()> {
    let py = container.py();
    match order {
        Order::Fifo | Order::Lifo => {
            container.call_method1(pyo3::intern!(py, "append"), (item,))?;
        }
        Order::Priority => {
            heapq(py, "heappush")?.call1((container, item))?;
        }
    }
    Ok(())
}

/// CPython's `_get`: `popleft`, `pop`, or `heapq.heappop`.
pub(crate) fn get<'py>(container: &Bound<'py, PyAny>, order: Order) -> PyResult<Bound<'py, PyAny>> {
    let py = container.py();
    match order {
        Order::Fifo => container.call_method0(pyo3::intern!(py, "popleft")),
        Order::Lifo => container.call_method0(pyo3::intern!(py, "pop")),
        Order::Priority => heapq(py, "heappop")?.call1((container,)),
    }
}

/// `heapq.heappush` or `heapq.heappop` (the C functions, cached).
fn heapq<'py>(py: Python<'py>, name: &'static str) -> PyResult<&'py Bound<'py, PyAny>> {
    static PUSH: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    static POP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let cell = if name == "heappush" { &PUSH } else { &POP };
    Ok(cell
        .get_or_try_init(py, || -> PyResult<_> {
            Ok(py.import("heapq")?.getattr(name)?.unbind())
        })?
        .bind(py))
}

/// The core's storage hooks for a queue in hooks mode.
#[derive(Debug)]
pub(crate) struct Hooks {
    /// The Python queue (weakly: it owns the core queue, which owns these hooks).
    queue: Py<PyWeakrefReference>,
    order: Order,
    /// Call the Python methods (a subclass overrides some); otherwise work on
    /// `self.queue` directly.
    methods: bool,
}

impl Hooks {
    pub(crate) fn new(queue: &Bound<'_, PyAny>, order: Order, methods: bool) -> PyResult<Self> {
        Ok(Self {
            queue: PyWeakrefReference::new(queue)?.unbind(),
            order,
            methods,
        })
    }

    /// Runs `f` with the GIL and the queue (which is alive: the core calls the hooks
    /// from one of its methods).
    fn with_queue<R>(
        &self,
        f: impl for<'py> FnOnce(&Bound<'py, PyAny>) -> PyResult<R>,
    ) -> PyResult<R> {
        Python::attach(|py| {
            let queue = self
                .queue
                .bind(py)
                .upgrade()
                .ok_or_else(|| PyRuntimeError::new_err("the queue no longer exists"))?;
            f(&queue)
        })
    }

    /// `self.queue`, for the default hooks.
    fn container<'py>(queue: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        queue.getattr(pyo3::intern!(queue.py(), "queue"))
    }
}

impl QueueHooks<Py<PyAny>> for Hooks {
    type Error = PyErr;

    fn qsize(&mut self) -> PyResult<usize> {
        self.with_queue(|queue| {
            if self.methods {
                queue
                    .call_method0(pyo3::intern!(queue.py(), "_qsize"))?
                    .extract()
            } else {
                len(&Self::container(queue)?)
            }
        })
    }

    fn put(&mut self, value: Py<PyAny>) -> PyResult<()> {
        self.with_queue(|queue| {
            let py = queue.py();
            if self.methods {
                queue.call_method1(pyo3::intern!(py, "_put"), (value,))?;
                Ok(())
            } else {
                put(&Self::container(queue)?, self.order, value.bind(py))
            }
        })
    }

    fn get(&mut self) -> PyResult<Option<Py<PyAny>>> {
        self.with_queue(|queue| {
            let item = if self.methods {
                queue.call_method0(pyo3::intern!(queue.py(), "_get"))?
            } else {
                get(&Self::container(queue)?, self.order)?
            };
            Ok(Some(item.unbind()))
        })
    }
}
