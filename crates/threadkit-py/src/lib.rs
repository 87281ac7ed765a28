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
//!
//! and the helpers they share:
//!
//! * `blocking.rs`: the one place a call blocks — with the GIL released, and on the
//!   main thread in bounded slices that run the signal handlers (Ctrl-C);
//! * `timeout.rs`: Python's timeout arguments, validated as CPython does;
//! * `errors.rs`: core errors as the stdlib's exception classes;
//! * `repr.rs`: the `__repr__` formats of CPython's classes.
//!
//! The Python side (`python/threadkit/__init__.py`) re-exports these classes next to
//! the `threading` names threadkit does not provide yet.

#![forbid(unsafe_code)]

mod barrier;
mod blocking;
mod condition;
mod condition_lock;
mod errors;
mod event;
mod lock;
mod repr;
mod rlock;
mod semaphore;
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
    use crate::lock::Lock;
    #[pymodule_export]
    use crate::rlock::{RLock, RLockState};
    #[pymodule_export]
    use crate::semaphore::{BoundedSemaphore, Semaphore};

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
    Ok(())
}
