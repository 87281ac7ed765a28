//! `threadkit.Barrier`: Python's `threading.Barrier`, over `threadkit::Barrier`.
//!
//! The core's barrier breaks when a wait times out, so a main-thread wait cannot be
//! cut into slices to run signal handlers: it runs aside (see
//! [`blocking::run_aside`]), and a Ctrl-C during it aborts the barrier.
//!
//! The action runs in the thread that completes the barrier, attached to the
//! interpreter; an exception it raises breaks the barrier (the core does that when
//! the action unwinds) and is raised in that thread, as in CPython.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use pyo3::{PyTraverseError, gc::PyVisit};

use crate::timeout::{self, Timeout};
use crate::{blocking, diagnostics, errors, repr};

/// A barrier for a fixed number of threads, as
/// `threading.Barrier(parties, action=None, timeout=None)`.
///
/// Each of `parties` threads calls `wait()`; all block until the last one arrives,
/// then all are released together and each gets a distinct index in
/// `range(parties)`. `action`, if given, is called by the last thread before the
/// others are released. A timeout, `abort()` or a failing action breaks the barrier:
/// waiting threads then get `threading.BrokenBarrierError`.
#[pyclass(frozen, weakref, subclass, module = "threadkit", name = "Barrier")]
#[derive(Debug)]
pub struct Barrier {
    state: OnceLock<State>,
}

#[derive(Debug)]
struct State {
    barrier: threadkit::Barrier,
    /// Shared with the core's action closure; taken by `__clear__`.
    action: Arc<Mutex<Option<Py<PyAny>>>>,
    /// The default timeout object, as given.
    timeout: Mutex<Option<Py<PyAny>>>,
}

/// The panic payload that carries an action's exception through the core.
struct ActionFailed(PyErr);

#[pymethods]
impl Barrier {
    // Any arguments are accepted here and checked by `__init__` (see `Event::new`).
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(parties, action=None, timeout=None)")]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        Self {
            state: OnceLock::new(),
        }
    }

    #[pyo3(signature = (parties, action = None, timeout = None))]
    fn __init__(
        &self,
        parties: &Bound<'_, PyAny>,
        action: Option<&Bound<'_, PyAny>>,
        timeout: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let py = parties.py();
        let parties: i128 = parties.extract()?;
        let parties = usize::try_from(parties).unwrap_or(0);
        let action = Arc::new(Mutex::new(
            action.filter(|a| !a.is_none()).map(|a| a.clone().unbind()),
        ));
        let mut builder = threadkit::Barrier::builder(parties);
        if let Some(site) = diagnostics::creation_site(py) {
            builder = builder.name(&site);
        }
        if action.lock().is_ok_and(|a| a.is_some()) {
            let action = Arc::clone(&action);
            builder = builder.action(move || run_action(&action));
        }
        let barrier = builder.build().map_err(errors::zero_parties)?;
        let state = State {
            barrier,
            action,
            timeout: Mutex::new(timeout.filter(|t| !t.is_none()).map(|t| t.clone().unbind())),
        };
        self.state
            .set(state)
            .map_err(|_| errors::initialized_twice("Barrier"))
    }

    /// Wait for all parties (at most `timeout` seconds, or the barrier's default
    /// timeout); return this thread's index in `range(parties)`.
    #[pyo3(signature = (timeout = None))]
    fn wait(&self, py: Python<'_>, timeout: Option<&Bound<'_, PyAny>>) -> PyResult<usize> {
        let state = self.state()?;
        let barrier = &state.barrier;
        // A thread that completes the barrier does not block. The main thread, which
        // cannot wait in slices (a timed-out slice would break the barrier), gives
        // the others a moment to arrive first, which a rendezvous of two usually
        // needs; otherwise it waits aside, on a helper thread.
        let main = blocking::is_main_thread();
        let last = py.detach(|| {
            if main {
                completes_soon(barrier)
            } else {
                barrier.n_waiting() + 1 >= barrier.parties()
            }
        });
        let timeout = match timeout.filter(|t| !t.is_none()) {
            Some(timeout) => Some(timeout.clone()),
            None => state
                .timeout
                .lock()
                .ok()
                .and_then(|t| t.as_ref().map(|t| t.bind(py).clone())),
        };
        // CPython only uses the timeout when it has to wait.
        let deadline = match timeout::barrier_wait(timeout.as_ref()) {
            Ok(Timeout::Forever) => None,
            Ok(timeout) => timeout.deadline()?,
            Err(_) if last => None,
            Err(error) => return Err(error),
        };
        let wait = || {
            std::panic::catch_unwind(AssertUnwindSafe(|| match deadline {
                None => barrier.wait(),
                Some(deadline) => barrier.wait_deadline(deadline),
            }))
        };
        let outcome = if !main || last {
            py.detach(wait)
        } else {
            blocking::run_aside(py, wait, || barrier.abort())?
        };
        match outcome {
            Ok(result) => result.map_err(errors::broken_barrier),
            Err(payload) => match payload.downcast::<ActionFailed>() {
                Ok(failed) => Err(failed.0),
                Err(payload) => std::panic::resume_unwind(payload),
            },
        }
    }

    /// Return the barrier to its initial state; threads waiting in it get
    /// BrokenBarrierError.
    fn reset(&self, py: Python<'_>) -> PyResult<()> {
        let barrier = &self.state()?.barrier;
        py.detach(|| barrier.reset());
        Ok(())
    }

    /// Break the barrier: current and future waits raise BrokenBarrierError until
    /// `reset()`.
    fn abort(&self, py: Python<'_>) -> PyResult<()> {
        let barrier = &self.state()?.barrier;
        py.detach(|| barrier.abort());
        Ok(())
    }

    /// The number of threads the barrier needs.
    #[getter]
    fn parties(&self) -> PyResult<usize> {
        Ok(self.state()?.barrier.parties())
    }

    /// The number of threads waiting in the barrier now.
    #[getter]
    fn n_waiting(&self, py: Python<'_>) -> PyResult<usize> {
        let barrier = &self.state()?.barrier;
        Ok(py.detach(|| barrier.n_waiting()))
    }

    /// Whether the barrier is broken.
    #[getter]
    fn broken(&self, py: Python<'_>) -> PyResult<bool> {
        let barrier = &self.state()?.barrier;
        Ok(py.detach(|| barrier.is_broken()))
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let py = slf.py();
        let barrier = &slf.get().state()?.barrier;
        let (broken, waiting) = py.detach(|| (barrier.is_broken(), barrier.n_waiting()));
        let status = if broken {
            "broken".to_owned()
        } else {
            format!("waiters={waiting}/{}", barrier.parties())
        };
        repr::python_style(slf.as_any(), &status)
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if let Some(state) = self.state.get() {
            if let Ok(action) = state.action.try_lock() {
                visit.call(&*action)?;
            }
            if let Ok(timeout) = state.timeout.try_lock() {
                visit.call(&*timeout)?;
            }
        }
        Ok(())
    }

    fn __clear__(&self) {
        if let Some(state) = self.state.get() {
            let action = state.action.lock().ok().and_then(|mut a| a.take());
            let timeout = state.timeout.lock().ok().and_then(|mut t| t.take());
            drop((action, timeout));
        }
    }
}

impl Barrier {
    fn state(&self) -> PyResult<&State> {
        self.state
            .get()
            .ok_or_else(|| errors::not_initialized("Barrier"))
    }
}

/// How long the main thread waits outside the barrier for the others to arrive.
const ARRIVAL_SPIN: Duration = Duration::from_micros(200);

/// Whether the calling thread completes the barrier by arriving within
/// [`ARRIVAL_SPIN`] (the other parties already wait in it).
fn completes_soon(barrier: &threadkit::Barrier) -> bool {
    let start = Instant::now();
    loop {
        if barrier.n_waiting() + 1 >= barrier.parties() {
            return true;
        }
        if start.elapsed() >= ARRIVAL_SPIN {
            return false;
        }
        std::thread::yield_now();
    }
}

/// Calls the action with the interpreter attached; an exception unwinds (as
/// [`ActionFailed`]) into the core, which breaks the barrier and re-raises it in this
/// thread's `wait`.
fn run_action(action: &Mutex<Option<Py<PyAny>>>) {
    let failed = Python::attach(|py| {
        let action = action
            .lock()
            .ok()
            .and_then(|a| a.as_ref().map(|a| a.clone_ref(py)));
        match action {
            Some(action) => action.call0(py).err(),
            None => None,
        }
    });
    if let Some(error) = failed {
        std::panic::resume_unwind(Box::new(ActionFailed(error)));
    }
}
