//! The pieces of CPython's `__repr__` formats.
//!
//! * the C locks: `<unlocked _thread.lock object at 0x7f…>`,
//!   `<locked _thread.RLock object owner=140… count=1 at 0x7f…>`;
//! * the classes written in Python: `<threading.Event at 0x7f…: set>`.
//!
//! threadkit prints its own class path (`threadkit.Lock`, or a subclass's) where
//! CPython prints `_thread.lock` or `threading.Event`.

use pyo3::prelude::*;

/// `id(obj)` as `%p`/`{id(self):#x}` print it.
pub(crate) fn address(obj: &Bound<'_, PyAny>) -> String {
    format!("{:#x}", obj.as_ptr().addr())
}

/// `f"{cls.__module__}.{cls.__qualname__}"` of the object's class.
pub(crate) fn class_path(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    let class = obj.get_type();
    let module = class.module()?;
    let qualname = class.qualname()?;
    Ok(format!("{module}.{qualname}"))
}

/// `<{class path} at {address}: {status}>`, the format of CPython's Event, Semaphore,
/// BoundedSemaphore and Barrier.
pub(crate) fn python_style(obj: &Bound<'_, PyAny>, status: &str) -> PyResult<String> {
    Ok(format!(
        "<{} at {}: {status}>",
        class_path(obj)?,
        address(obj)
    ))
}

/// `"locked"` or `"unlocked"`.
pub(crate) fn lock_state(locked: bool) -> &'static str {
    if locked { "locked" } else { "unlocked" }
}
