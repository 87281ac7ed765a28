//! The native half of `threadkit.ThreadPoolExecutor` (`python/threadkit/_executor.py`):
//! Python work items run on the workers of the core's
//! `threadkit::executor::ThreadPoolExecutor`.
//!
//! A submission puts a work item (future, function, arguments) on a lock-free core
//! `Queue` and submits one *drain job* to the core pool. A drain job takes an item if
//! there is one (without the GIL) and then, holding the GIL, runs items until the
//! queue is empty. So a worker that has the GIL keeps it across tasks, as the stdlib's
//! workers do, instead of handing it back and forth once per task; and since every
//! item is followed by its own drain job, there are always at least as many drain jobs
//! waiting as items: an item waits only while every worker is busy, as in the stdlib
//! (a task that blocks holds up nothing but its own worker).
//!
//! The queue's task count doubles as the count of items not finished, which
//! `shutdown(wait=True)` waits for — in slices, so Ctrl-C interrupts it — before the
//! core pool joins its (then idle) workers.
//!
//! Running an item is the stdlib's `_WorkItem.run`: `set_running_or_notify_cancel()`,
//! the call, then `set_result` or `set_exception` on the `concurrent.futures.Future`
//! (threadkit's subclass) that `submit` returned.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::{blocking, errors};

/// Set once the interpreter shuts down: submissions fail from then on.
static INTERPRETER_SHUTDOWN: AtomicBool = AtomicBool::new(false);

/// Marks the interpreter as shutting down (called at exit by `_executor.py`).
#[pyfunction]
pub fn _interpreter_shutdown() {
    INTERPRETER_SHUTDOWN.store(true, Ordering::SeqCst);
}

/// The worker pool of a `threadkit.ThreadPoolExecutor`.
#[pyclass(frozen, module = "threadkit._threadkit", name = "_Pool")]
#[derive(Debug)]
pub struct Pool {
    /// The core pool (`None` once handed to a background drop) and the shutdown flag,
    /// under one lock so that a submission and a shutdown never interleave.
    gate: Mutex<Gate>,
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Gate {
    core: Option<threadkit::executor::ThreadPoolExecutor>,
    shutdown: bool,
}

/// What the pool and its drain jobs share.
#[derive(Debug)]
struct Shared {
    /// Items submitted and not taken yet; the task count counts items not finished.
    items: threadkit::Queue<WorkItem>,
    /// Why the pool is broken (its initializer raised), once it is.
    broken: OnceLock<String>,
    /// The `threading` objects registered for this pool's workers (see
    /// `register_worker`): (ident, object).
    workers: Mutex<Vec<(u64, Py<PyAny>)>>,
}

/// One `submit`: what the stdlib calls a `_WorkItem`.
#[derive(Debug)]
struct WorkItem {
    future: Py<PyAny>,
    function: Py<PyAny>,
    args: Py<PyTuple>,
    kwargs: Option<Py<PyDict>>,
}

#[pymethods]
impl Pool {
    /// A pool of at most `max_workers` threads named `<prefix>_<n>`; `initializer()`
    /// runs on each worker before its first task.
    #[new]
    #[pyo3(signature = (max_workers, thread_name_prefix, initializer = None))]
    fn new(
        max_workers: usize,
        thread_name_prefix: String,
        initializer: Option<Py<PyAny>>,
    ) -> PyResult<Self> {
        let mut builder = threadkit::executor::ThreadPoolExecutor::builder()
            .max_workers(max_workers)
            .thread_name_prefix(thread_name_prefix);
        if let Some(initializer) = initializer {
            builder = builder.initializer(move || {
                Python::attach(|py| {
                    if let Err(error) = initializer.call0(py) {
                        error.write_unraisable(py, Some(initializer.bind(py)));
                    }
                });
            });
        }
        let core = builder.build().map_err(|_| {
            pyo3::exceptions::PyValueError::new_err("max_workers must be greater than 0")
        })?;
        Ok(Self {
            gate: Mutex::new(Gate {
                core: Some(core),
                shutdown: false,
            }),
            shared: Arc::new(Shared {
                items: threadkit::Queue::unbounded(),
                broken: OnceLock::new(),
                workers: Mutex::new(Vec::new()),
            }),
        })
    }

    /// Schedules `function(*args, **kwargs)`, whose outcome goes to `future`.
    #[pyo3(signature = (future, function, args, kwargs = None))]
    fn submit(
        &self,
        future: Py<PyAny>,
        function: Py<PyAny>,
        args: Py<PyTuple>,
        kwargs: Option<Py<PyDict>>,
    ) -> PyResult<()> {
        let gate = self.gate();
        if let Some(reason) = self.shared.broken.get() {
            return Err(errors::broken_pool(reason));
        }
        let core = match &gate.core {
            Some(core) if !gate.shutdown => core,
            _ => return Err(errors::submit_after_shutdown(false)),
        };
        if INTERPRETER_SHUTDOWN.load(Ordering::SeqCst) {
            return Err(errors::submit_after_shutdown(true));
        }
        let item = WorkItem {
            future,
            function,
            args,
            kwargs,
        };
        if self.shared.items.try_put(item).is_err() {
            // The item queue is unbounded and shut down only with the pool.
            return Err(errors::submit_after_shutdown(false));
        }
        let shared = Arc::clone(&self.shared);
        if core.submit(move || shared.drain()).is_err() {
            // The core pool broke or closed under us: fail what will not run.
            drop(gate);
            return Err(errors::submit_after_shutdown(false));
        }
        Ok(())
    }

    /// Stops taking work: with `cancel_futures`, the items not started are cancelled;
    /// with `wait`, returns once every item has finished and the workers have exited.
    #[pyo3(signature = (wait = true, cancel_futures = false))]
    fn shutdown(&self, py: Python<'_>, wait: bool, cancel_futures: bool) -> PyResult<()> {
        let cancelled = {
            let mut gate = self.gate();
            gate.shutdown = true;
            let mut cancelled = Vec::new();
            if cancel_futures {
                while let Ok(item) = self.shared.items.try_get() {
                    cancelled.push(item);
                }
            }
            if let Some(core) = &gate.core {
                core.shutdown(false, false);
            }
            cancelled
        };
        for item in cancelled {
            let result = item.future.bind(py).call_method0("cancel");
            let _ = self.shared.items.task_done();
            result?;
        }
        if !wait {
            return Ok(());
        }
        // Wait for the items (interruptibly), unless called from one of them, then for
        // the workers, which have nothing left to do.
        if !is_worker_of(&self.shared) {
            let items = &self.shared.items;
            blocking::wait(py, None, |until| match until {
                None => {
                    items.join();
                    Some(())
                }
                Some(until) => items.join_deadline(until).ok(),
            })?;
        }
        let core = self.gate().core.take();
        if let Some(core) = core {
            py.detach(|| drop(core));
        }
        self.shared.forget_workers(py)
    }

    /// Marks the pool broken (its initializer raised): items not started fail with
    /// `BrokenThreadPool(reason)`, and so do later submissions.
    fn _break(&self, py: Python<'_>, reason: String) -> PyResult<()> {
        let _ = self.shared.broken.set(reason);
        while let Ok(item) = self.shared.items.try_get() {
            self.shared.fail_broken(py, &item);
            let _ = self.shared.items.task_done();
        }
        Ok(())
    }

    /// How many worker threads have been started.
    #[getter]
    fn worker_count(&self) -> usize {
        self.gate()
            .core
            .as_ref()
            .map_or(0, threadkit::executor::ThreadPoolExecutor::worker_count)
    }

    /// Items submitted and not finished.
    #[getter]
    fn pending(&self) -> u64 {
        self.shared.items.unfinished_tasks()
    }
}

impl Pool {
    fn gate(&self) -> MutexGuard<'_, Gate> {
        self.gate.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // Dropping the core pool waits for its workers, which may need the GIL that
        // the collecting thread holds: let a background thread wait instead, as the
        // stdlib's workers finish on their own when their executor is collected.
        let core = self
            .gate
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .core
            .take();
        if let Some(core) = core {
            core.shutdown(false, false);
            let pending = self.shared.items.unfinished_tasks() > 0;
            // Without the GIL either way: even with no item left, a worker may still
            // be running the initializer, which needs the GIL this thread holds.
            Python::attach(|py| {
                py.detach(|| {
                    if pending {
                        // (If the OS refuses a thread, the pool is dropped right here.)
                        let _ = std::thread::Builder::new()
                            .name("threadkit-pool-drop".into())
                            .spawn(move || drop(core));
                    } else {
                        drop(core);
                    }
                });
            });
        }
    }
}

thread_local! {
    /// The pool whose work item this thread is running (its `Shared`'s address).
    static RUNNING_FOR: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Whether the calling thread is running one of `shared`'s items.
fn is_worker_of(shared: &Arc<Shared>) -> bool {
    RUNNING_FOR.with(std::cell::Cell::get) == Arc::as_ptr(shared).addr()
}

impl Shared {
    /// A drain job: runs items, holding the GIL, until none is left.
    fn drain(self: &Arc<Self>) {
        let Ok(first) = self.items.try_get() else {
            return;
        };
        Python::attach(|py| {
            self.register_worker(py);
            let previous = RUNNING_FOR.with(|cell| cell.replace(Arc::as_ptr(self).addr()));
            let mut item = first;
            loop {
                self.run(py, item);
                let _ = self.items.task_done();
                match self.items.try_get() {
                    Ok(next) => item = next,
                    Err(_) => break,
                }
            }
            RUNNING_FOR.with(|cell| cell.set(previous));
        });
    }

    /// The stdlib's `_WorkItem.run`.
    fn run(&self, py: Python<'_>, item: WorkItem) {
        if self.broken.get().is_some() {
            self.fail_broken(py, &item);
            return;
        }
        let future = item.future.bind(py);
        match future.call_method0(pyo3::intern!(py, "set_running_or_notify_cancel")) {
            Ok(running) if running.is_truthy().unwrap_or(false) => {}
            Ok(_) => return, // cancelled
            Err(error) => {
                error.write_unraisable(py, Some(future));
                return;
            }
        }
        let outcome = item
            .function
            .bind(py)
            .call(item.args.bind(py), item.kwargs.as_ref().map(|k| k.bind(py)));
        let reported = match outcome {
            Ok(value) => future.call_method1(pyo3::intern!(py, "set_result"), (value,)),
            Err(error) => {
                let exception = error.into_value(py);
                future.call_method1(pyo3::intern!(py, "set_exception"), (exception,))
            }
        };
        if let Err(error) = reported {
            error.write_unraisable(py, Some(future));
        }
    }

    /// Fails `item`'s future with `BrokenThreadPool`.
    fn fail_broken(&self, py: Python<'_>, item: &WorkItem) {
        let reason = self.broken.get().map_or("", String::as_str);
        let error = errors::broken_pool(reason).into_value(py);
        let future = item.future.bind(py);
        if let Err(error) = future.call_method1(pyo3::intern!(py, "set_exception"), (error,)) {
            error.write_unraisable(py, Some(future));
        }
    }

    /// Makes `threading.current_thread()` in a task return a thread named like the
    /// worker (`ThreadPoolExecutor-0_1`), as in the stdlib, rather than `Dummy-<n>`:
    /// the first time a worker runs Python, it registers a `threading._DummyThread`
    /// under the worker's name. The registrations are removed when the pool is shut
    /// down with `wait` (the workers have exited then).
    fn register_worker(&self, py: Python<'_>) {
        let registered = (|| -> PyResult<()> {
            let threading = py.import("threading")?;
            let ident: u64 = threading.getattr("get_ident")?.call0()?.extract()?;
            let active = threading.getattr("_active")?;
            if active.contains(ident)? {
                return Ok(());
            }
            let dummy = threading.getattr("_DummyThread")?.call0()?;
            if let Some(name) = std::thread::current().name() {
                dummy.setattr("name", name)?;
            }
            self.workers
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push((ident, dummy.unbind()));
            Ok(())
        })();
        if let Err(error) = registered {
            error.write_unraisable(py, None);
        }
    }

    /// Removes the workers' registrations from `threading` (they have exited).
    fn forget_workers(&self, py: Python<'_>) -> PyResult<()> {
        let workers =
            std::mem::take(&mut *self.workers.lock().unwrap_or_else(PoisonError::into_inner));
        if workers.is_empty() {
            return Ok(());
        }
        let threading = py.import("threading")?;
        let lock = threading.getattr("_active_limbo_lock")?;
        let active = threading.getattr("_active")?;
        lock.call_method0("acquire")?;
        let removed = (|| -> PyResult<()> {
            for (ident, dummy) in &workers {
                if let Ok(current) = active.get_item(*ident)
                    && current.is(dummy.bind(py))
                {
                    active.del_item(*ident)?;
                }
            }
            Ok(())
        })();
        lock.call_method0("release")?;
        removed
    }
}
