//! Diagnostics from Python: `DeadlockError`, switching detection on and off, and
//! thread dumps that name Python threads by their Python names.

use std::collections::HashMap;

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use threadkit::diagnostics::{self, ThreadDump};

use crate::timeout;

pyo3::create_exception!(
    threadkit,
    DeadlockError,
    PyRuntimeError,
    "Raised instead of waiting forever when deadlock detection is on: the thread holds the lock it acquires (without a timeout), or closes a cycle of threads each waiting for a lock the next one holds. The message names every thread and lock of the cycle and where each lock was acquired; the thread's own locks are untouched, so it can release them and retry."
);

/// A detected deadlock as Python's [`DeadlockError`].
pub(crate) fn deadlock(error: &diagnostics::DeadlockError) -> PyErr {
    DeadlockError::new_err(error.to_string())
}

/// Where Python code creates a lock, as `file.py:12`, while diagnostics are on: the
/// lock's name in reports (the core would name the binding's Rust source instead).
/// Off, nothing is computed; names are interned, one per distinct site.
pub(crate) fn creation_site(py: Python<'_>) -> Option<String> {
    if !diagnostics::is_enabled() {
        return None;
    }
    // Native calls push no frame: frame 0 is the Python code calling Lock().
    let frame = py
        .import("sys")
        .ok()?
        .call_method1("_getframe", (0,))
        .ok()?;
    let file: String = frame
        .getattr("f_code")
        .ok()?
        .getattr("co_filename")
        .ok()?
        .extract()
        .ok()?;
    let line: u32 = frame.getattr("f_lineno").ok()?.extract().ok()?;
    let file = std::path::Path::new(&file)
        .file_name()
        .map_or(file.as_str(), |name| name.to_str().unwrap_or_default());
    Some(format!("{file}:{line}"))
}

/// A primitive named after where Python code creates it (see [`creation_site`]) while
/// diagnostics are on, made by `named`; otherwise made by `unnamed`.
pub(crate) fn site_named<T>(
    py: Python<'_>,
    named: impl FnOnce(&str) -> T,
    unnamed: impl FnOnce() -> T,
) -> T {
    match creation_site(py) {
        Some(site) => named(&site),
        None => unnamed(),
    }
}

/// Switches deadlock detection (and the other diagnostics) on for the whole process:
/// a blocking `acquire()` that would wait forever raises `DeadlockError`.
#[pyfunction]
pub fn enable_deadlock_detection() {
    diagnostics::enable();
}

/// Switches deadlock detection off (the default): locks cost nothing extra again.
#[pyfunction]
pub fn disable_deadlock_detection() {
    diagnostics::disable();
}

/// Whether deadlock detection is on.
#[pyfunction]
pub fn is_deadlock_detection_enabled() -> bool {
    diagnostics::is_enabled()
}

/// How long every thread must have been waiting, with no timeout, before the stall
/// watchdog (running while detection is on) reports a stall on stderr: default 1 s.
#[pyfunction]
pub fn set_stall_threshold(seconds: f64) -> PyResult<()> {
    diagnostics::set_stall_threshold(timeout::positive_seconds(seconds, "the stall threshold")?);
    Ok(())
}

/// A report of every thread threadkit knows: its state, the locks it holds (and
/// where and for how long), what it waits for and who holds that. `format` is
/// `"text"` (in the spirit of Java's jstack) or `"json"`.
#[pyfunction]
#[pyo3(signature = (format = "text"))]
pub fn dump_threads(py: Python<'_>, format: &str) -> PyResult<String> {
    if format != "text" && format != "json" {
        return Err(PyValueError::new_err(format!(
            "format must be 'text' or 'json', not {format:?}"
        )));
    }
    let names = python_names(py)?;
    let mut dump = py.detach(diagnostics::dump);
    rename(&mut dump, &names);
    Ok(if format == "json" {
        dump.to_json()
    } else {
        dump.to_string()
    })
}

/// Python's name of every live Python thread, by its kernel id.
fn python_names(py: Python<'_>) -> PyResult<HashMap<u64, String>> {
    let mut names = HashMap::new();
    for thread in py
        .import("threading")?
        .call_method0("enumerate")?
        .try_iter()?
    {
        let thread = thread?;
        let native_id: Option<u64> = thread.getattr("native_id")?.extract()?;
        if let Some(native_id) = native_id {
            names.insert(native_id, thread.getattr("name")?.extract()?);
        }
    }
    Ok(names)
}

/// Gives the dump's threads their Python names (threads Python started outside
/// threadkit are "Dummy-N" to the core), holders included.
fn rename(dump: &mut ThreadDump, names: &HashMap<u64, String>) {
    let by_ident: HashMap<u64, String> = dump
        .threads
        .iter()
        .filter_map(|thread| {
            let name = names.get(&thread.native_id?)?;
            Some((thread.ident, name.clone()))
        })
        .collect();
    for thread in &mut dump.threads {
        if let Some(name) = by_ident.get(&thread.ident) {
            thread.name.clone_from(name);
        }
        let holder = thread
            .waiting_on
            .as_mut()
            .and_then(|wait| wait.held_by.as_mut());
        if let Some(holder) = holder
            && let Some(name) = by_ident.get(&holder.ident)
        {
            holder.name.clone_from(name);
        }
    }
}

/// Registers the functions and the exception, and switches detection on if the
/// environment says `THREADKIT_DEADLOCK=1` (the core reads it too, at start-up on
/// Linux; reading it here makes it hold at import everywhere).
pub(crate) fn init(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    module.add("DeadlockError", py.get_type::<DeadlockError>())?;
    module.add_function(wrap_pyfunction!(enable_deadlock_detection, module)?)?;
    module.add_function(wrap_pyfunction!(disable_deadlock_detection, module)?)?;
    module.add_function(wrap_pyfunction!(is_deadlock_detection_enabled, module)?)?;
    module.add_function(wrap_pyfunction!(dump_threads, module)?)?;
    module.add_function(wrap_pyfunction!(set_stall_threshold, module)?)?;
    if std::env::var_os("THREADKIT_DEADLOCK").is_some_and(|value| value == "1") {
        diagnostics::enable();
    }
    Ok(())
}
