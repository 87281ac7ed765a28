//! threadkit's Python package: the native module `threadkit._threadkit`.
//!
//! Each class is a thin front over the Rust core (`crates/threadkit`), which holds the
//! semantics; this crate only speaks Python:
//!
//! | module | Python class | core type |
//! |---|---|---|
//! | `lock.rs` | `Lock` | `threadkit::Lock<()>` |
//! | `rlock.rs` | `RLock` | `threadkit::RLock<()>` |
//! | `condition.rs` | `Condition` | `threadkit::Condition` over a `CondLock` (`condition_lock.rs`) |
//! | `semaphore.rs` | `Semaphore`, `BoundedSemaphore` | `threadkit::{Semaphore, BoundedSemaphore}` |
//! | `event.rs` | `Event` | `threadkit::Event` |
//! | `barrier.rs` | `Barrier` | `threadkit::Barrier` |
//! | `queue.rs` | `Queue`, `LifoQueue`, `PriorityQueue` | `threadkit::{Queue, LifoQueue}`, or `threadkit::CustomQueue` over Python storage hooks (`queue_storage.rs`) |
//! | `simple_queue.rs` | `SimpleQueue` | `threadkit::SimpleQueue` |
//! | `thread.rs` | `_ThreadHandle` (under `threadkit.Thread`), `ThreadState` | `threadkit::thread::{Builder, Thread, ThreadState}` |
//! | `executor.rs` | `_Pool` (under `threadkit.ThreadPoolExecutor`) | `threadkit::executor::ThreadPoolExecutor` |
//!
//! and the helpers they share:
//!
//! * `blocking.rs`: the one place a call blocks — with the GIL released, and on the
//!   main thread in bounded slices that run the signal handlers (Ctrl-C);
//! * `timeout.rs`: Python's timeout arguments, validated as CPython does;
//! * `errors.rs`: core errors as the stdlib's exception classes;
//! * `diagnostics.rs`: `DeadlockError`, switching detection on and off, thread dumps;
//! * `repr.rs`: the `__repr__` formats of CPython's classes.
//!
//! The Python side (`python/threadkit/`) re-exports these classes, builds `Thread`,
//! `Timer` and `ThreadPoolExecutor` (which must subclass the stdlib's Python classes)
//! over `_ThreadHandle` and `_Pool`, and re-exports the `threading` names threadkit
//! takes from the stdlib.

#![forbid(unsafe_code)]

mod barrier;
mod blocking;
mod condition;
mod condition_lock;
mod diagnostics;
mod errors;
mod event;
mod executor;
#[cfg(target_os = "linux")]
mod ipc;
mod lock;
mod queue;
mod queue_storage;
mod repr;
mod rlock;
mod semaphore;
mod simple_queue;
mod thread;
mod timeout;

use pyo3::prelude::*;

/// Python's threading primitives, implemented by threadkit's Rust core.
#[pymodule]
mod _threadkit {
    use pyo3::prelude::*;

    #[pymodule_export]
    use crate::barrier::Barrier;
    #[pymodule_export]
    use crate::blocking::_set_signal_slice;
    #[pymodule_export]
    use crate::condition::Condition;
    #[pymodule_export]
    use crate::event::Event;
    #[pymodule_export]
    use crate::executor::{_interpreter_shutdown, Pool};
    #[pymodule_export]
    use crate::lock::Lock;
    #[pymodule_export]
    use crate::queue::{LifoQueue, PriorityQueue, Queue};
    #[pymodule_export]
    use crate::rlock::{RLock, RLockState};
    #[pymodule_export]
    use crate::semaphore::{BoundedSemaphore, Semaphore};
    #[pymodule_export]
    use crate::simple_queue::SimpleQueue;
    #[pymodule_export]
    use crate::thread::{ThreadHandle, ThreadState};

    #[pymodule_init]
    fn init(module: &Bound<'_, PyModule>) -> PyResult<()> {
        super::init(module)
    }
}

/// Reads what the module needs from the interpreter and registers the fork hook.
fn init(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    timeout::init(py)?;
    blocking::init(module)?;
    module.add("TIMEOUT_MAX", timeout::timeout_max())?;
    module.add("Empty", py.get_type::<errors::Empty>())?;
    module.add("Full", py.get_type::<errors::Full>())?;
    module.add("ShutDown", errors::shut_down_class(py))?;
    diagnostics::init(module)?;
    #[cfg(target_os = "linux")]
    ipc::init(module)?;
    Ok(())
}
