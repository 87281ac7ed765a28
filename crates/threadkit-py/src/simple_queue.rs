//! `threadkit.SimpleQueue`: Python's `queue.SimpleQueue`, over `threadkit::SimpleQueue`.

use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::timeout::{self, Timeout};
use crate::{blocking, diagnostics, errors};

/// An unbounded first-in, first-out queue without task tracking, as
/// `queue.SimpleQueue()`.
///
/// `put` never blocks and takes no lock (the core's storage is a lock-free list of
/// blocks), so it is safe even from a `__del__` or a signal handler that runs in the
/// middle of another `put` or `get` on the same queue.
#[pyclass(frozen, weakref, subclass, module = "threadkit", name = "SimpleQueue")]
#[derive(Debug)]
pub struct SimpleQueue {
    inner: threadkit::SimpleQueue<Py<PyAny>>,
}

#[pymethods]
impl SimpleQueue {
    #[new]
    fn new(py: Python<'_>) -> Self {
        Self {
            inner: diagnostics::site_named(py, threadkit::SimpleQueue::named, || {
                threadkit::SimpleQueue::new()
            }),
        }
    }

    /// Put `item` into the queue; never blocks (`block` and `timeout` are accepted
    /// for compatibility with `Queue.put` and ignored).
    #[pyo3(
        signature = (item, block = None, timeout = None),
        text_signature = "($self, /, item, block=True, timeout=None)"
    )]
    fn put(
        &self,
        item: Py<PyAny>,
        block: Option<&Bound<'_, PyAny>>,
        timeout: Option<&Bound<'_, PyAny>>,
    ) {
        let _ = (block, timeout);
        self.inner.put(item);
    }

    /// `put(item)`.
    fn put_nowait(&self, item: Py<PyAny>) {
        self.inner.put(item);
    }

    /// Remove and return an item. With `block` true (the default), wait while the
    /// queue is empty, at most `timeout` seconds (`None`: no limit) before raising
    /// `Empty`; with `block` false, raise `Empty` at once.
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
        let block = timeout::truthy(block)?;
        let wait = if block {
            timeout::simple_queue_wait(timeout)?
        } else {
            Timeout::Now
        };
        if let Some(item) = self.inner.try_get() {
            return Ok(item);
        }
        if wait == Timeout::Now {
            return Err(errors::queue_empty());
        }
        let inner = &self.inner;
        blocking::wait(py, wait.deadline()?, |until| match until {
            None => Some(inner.get()),
            Some(until) => inner.get_deadline(until),
        })?
        .ok_or_else(errors::queue_empty)
    }

    /// `get(block=False)`.
    fn get_nowait(&self) -> PyResult<Py<PyAny>> {
        self.inner.try_get().ok_or_else(errors::queue_empty)
    }

    /// Whether the queue is empty (approximately).
    fn empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// The approximate number of items.
    fn qsize(&self) -> usize {
        self.inner.qsize()
    }

    /// `SimpleQueue[int]`, as for the stdlib's generic classes.
    #[classmethod]
    fn __class_getitem__(cls: &Bound<'_, PyType>, item: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        crate::queue::generic_alias(cls, item)
    }
}
