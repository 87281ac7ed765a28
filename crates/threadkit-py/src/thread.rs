//! The native half of `threadkit.Thread` (`python/threadkit/_threads.py`): a thread
//! started by the core's `thread::Builder` that runs a Python callable, and its
//! lifecycle state as `threadkit.ThreadState`.
//!
//! The new thread attaches to the interpreter once, for its whole life (one Python
//! thread state, so `threading.local` values and trace hooks persist), runs the
//! bootstrap callable the Python class gives it, and marks itself done after it has
//! detached. Joining waits for that mark in [`blocking::wait`], so a join on the main
//! thread stays interruptible by Ctrl-C.

use std::sync::{Arc, Mutex, PoisonError};

use pyo3::basic::CompareOp;
use pyo3::prelude::*;

use crate::timeout::{self, Timeout};
use crate::{blocking, errors};

/// A thread started by threadkit for a `threadkit.Thread`.
#[pyclass(frozen, module = "threadkit._threadkit", name = "_ThreadHandle")]
#[derive(Debug)]
pub struct ThreadHandle {
    /// The core's handle, until someone joins the OS thread.
    thread: Mutex<Option<threadkit::thread::Thread<()>>>,
    view: threadkit::thread::ThreadRef,
    /// Set once the thread has run its bootstrap and detached from the interpreter (or,
    /// in a forked child, where the thread does not exist).
    done: Arc<threadkit::Event>,
}

#[pymethods]
impl ThreadHandle {
    /// Starts a thread that runs `bootstrap()` (exceptions it lets through are
    /// printed), named `name`, with the daemon flag, and a stack of `stack_size` bytes
    /// (0: the default).
    #[staticmethod]
    fn start(
        bootstrap: Py<PyAny>,
        name: String,
        daemon: bool,
        stack_size: usize,
    ) -> PyResult<Self> {
        let done = Arc::new(threadkit::Event::new());
        let finished = Arc::clone(&done);
        let mut builder = threadkit::thread::Builder::new().name(name).daemon(daemon);
        if stack_size > 0 {
            builder = builder.stack_size(stack_size);
        }
        let thread = builder
            .spawn(move || {
                Python::attach(|py| {
                    if let Err(error) = bootstrap.call0(py) {
                        error.print(py);
                    }
                    drop(bootstrap);
                });
                finished.set();
            })
            .map_err(errors::spawn)?;
        Ok(Self {
            view: thread.thread_ref().clone(),
            thread: Mutex::new(Some(thread)),
            done,
        })
    }

    /// Waits until the thread is done, at most `timeout` seconds (`None`: no limit; a
    /// negative timeout counts as zero); returns whether it is done.
    #[pyo3(signature = (timeout = None))]
    fn join(&self, py: Python<'_>, timeout: Option<&Bound<'_, PyAny>>) -> PyResult<bool> {
        if !self.done.is_set() {
            let wait = timeout::join_wait(timeout)?;
            if wait == Timeout::Now {
                return Ok(false);
            }
            let done = &self.done;
            let finished = blocking::wait(py, wait.deadline()?, |until| {
                let set = match until {
                    None => {
                        done.wait();
                        true
                    }
                    Some(until) => done.wait_deadline(until),
                };
                set.then_some(())
            })?;
            if finished.is_none() {
                return Ok(false);
            }
        }
        // Reap the OS thread: it has nothing left to do but exit.
        let thread = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(thread) = thread {
            py.detach(|| drop(thread.join()));
        }
        Ok(true)
    }

    /// Whether the thread is done.
    fn is_done(&self) -> bool {
        self.done.is_set()
    }

    /// Marks the thread done without it finishing: in a child process after
    /// `os.fork()`, where only the forking thread exists.
    fn _forget_after_fork(&self) {
        self.done.set();
        // The handle refers to a thread of the parent: never join it here.
        if let Some(thread) = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            std::mem::forget(thread);
        }
    }

    /// The thread's lifecycle state, as the core tracks it.
    #[getter]
    fn state(&self) -> ThreadState {
        ThreadState::from_core(&self.view.state())
    }
}

/// Where a `threadkit.Thread` is in its lifecycle (`Thread.state`).
///
/// `name` is one of `"new"`, `"runnable"`, `"blocked"` (on a lock), `"waiting"` (for
/// an event, condition, queue, semaphore, barrier, thread or future), `"sleeping"` or
/// `"terminated"`; `on` names the kind of threadkit primitive a blocked or waiting
/// thread is parked on. A state compares equal to its name (`thread.state ==
/// "waiting"`), and `str()` reads like `"waiting on Event"`.
///
/// The core tracks threadkit's own primitives: a thread blocked in something else
/// (`time.sleep`, a `threading.Lock`, I/O, the GIL) shows as `"runnable"`.
#[pyclass(frozen, module = "threadkit", name = "ThreadState")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadState {
    /// `"new"`, `"runnable"`, `"blocked"`, `"waiting"`, `"sleeping"` or `"terminated"`.
    #[pyo3(get)]
    name: String,
    /// The kind of primitive a blocked or waiting thread is parked on (`"Lock"`,
    /// `"Event"`, `"Queue"` …), else `None`.
    #[pyo3(get)]
    on: Option<String>,
}

#[pymethods]
impl ThreadState {
    #[new]
    #[pyo3(signature = (name, on = None))]
    fn new(name: &str, on: Option<&str>) -> PyResult<Self> {
        const NAMES: [&str; 6] = [
            "new",
            "runnable",
            "blocked",
            "waiting",
            "sleeping",
            "terminated",
        ];
        let name = NAMES
            .into_iter()
            .find(|known| *known == name)
            .ok_or_else(|| {
                pyo3::exceptions::PyValueError::new_err(format!(
                    "unknown thread state {name:?} (one of {NAMES:?})"
                ))
            })?;
        Ok(Self {
            name: name.to_owned(),
            on: on.map(str::to_owned),
        })
    }

    fn __str__(&self) -> String {
        match &self.on {
            Some(on) => format!("{} on {on}", self.name),
            None => self.name.clone(),
        }
    }

    fn __repr__(&self) -> String {
        format!("<ThreadState {}>", self.__str__())
    }

    /// The hash of the name (a state equals its name).
    fn __hash__(&self, py: Python<'_>) -> PyResult<isize> {
        pyo3::types::PyString::new(py, &self.name).hash()
    }

    /// Equal to another state with the same name and primitive, or to its name.
    fn __richcmp__(&self, other: &Bound<'_, PyAny>, op: CompareOp) -> PyResult<Py<PyAny>> {
        let py = other.py();
        let equal = if let Ok(other) = other.cast::<Self>() {
            *other.get() == *self
        } else if let Ok(name) = other.extract::<String>() {
            name == self.name
        } else {
            return Ok(py.NotImplemented());
        };
        Ok(match op {
            CompareOp::Eq => equal.into_pyobject(py)?.to_owned().into_any().unbind(),
            CompareOp::Ne => (!equal).into_pyobject(py)?.to_owned().into_any().unbind(),
            _ => py.NotImplemented(),
        })
    }
}

impl ThreadState {
    fn from_core(state: &threadkit::thread::ThreadState) -> Self {
        use threadkit::thread::ThreadState as Core;
        let (name, on) = match state {
            Core::New => ("new", None),
            Core::Blocked { on } => ("blocked", Some(on.kind.as_str())),
            Core::Waiting { on } => ("waiting", Some(on.kind.as_str())),
            Core::Sleeping => ("sleeping", None),
            Core::Terminated { .. } => ("terminated", None),
            _ => ("runnable", None),
        };
        Self {
            name: name.to_owned(),
            on: on.map(str::to_owned),
        }
    }
}
