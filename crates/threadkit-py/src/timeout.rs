//! Python's timeout arguments, validated the way CPython validates them.
//!
//! Two families of rules exist in the stdlib, and threadkit keeps both:
//!
//! * `Lock.acquire`/`RLock.acquire` (C, `lock_acquire_parse_args`): `timeout=-1` means
//!   forever, any other negative number is a `ValueError`, `None` a `TypeError`, NaN a
//!   `ValueError`, more than `TIMEOUT_MAX` an `OverflowError`, and a timeout with
//!   `blocking=False` a `ValueError` — all checked before trying to acquire.
//! * The classes written in Python (`Condition.wait`, `Event.wait`, `Semaphore.acquire`,
//!   `Barrier.wait`): `None` means forever, zero or a negative number means "do not
//!   block", and only a wait that really blocks checks the upper bound
//!   (`OverflowError`), as their inner lock acquisition would.
//! * `queue.Queue.put/get` (Python) and `SimpleQueue.get` (C): `None` means forever and
//!   a negative number is a `ValueError`, checked before looking at the queue.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use pyo3::exceptions::{PyOverflowError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyInt};

/// `_thread.TIMEOUT_MAX` of the running interpreter.
static TIMEOUT_MAX: OnceLock<f64> = OnceLock::new();

/// The interpreter's message for a negative lock timeout (it changed across versions).
static NEGATIVE_MESSAGE: OnceLock<String> = OnceLock::new();

/// The interpreter's message for an integer timeout beyond its clock type (`_PyTime_t`
/// up to 3.12, `PyTime_t` from 3.13).
static INT_OVERFLOW_MESSAGE: OnceLock<String> = OnceLock::new();

/// The interpreter's message for a float timeout beyond its clock type (3.10+: "out of
/// range for platform time_t"; 3.9: "too large to convert to C _PyTime_t").
static FLOAT_OVERFLOW_MESSAGE: OnceLock<String> = OnceLock::new();

/// The interpreter's message for a timeout that is no number, with `{}` for the type's
/// name (3.10+: "'{}' object cannot be interpreted as an integer"; 3.9: "an integer is
/// required (got type {})").
static NOT_A_NUMBER_TEMPLATE: OnceLock<String> = OnceLock::new();

/// Whether the interpreter's `Lock.acquire` reads `blocking` as a C int (CPython up
/// to 3.12, format `i`) rather than as a truth value (format `p`).
static BLOCKING_IS_INT: OnceLock<bool> = OnceLock::new();

/// Seconds from which CPython's nanosecond clock type overflows (2^63 ns).
const TIME_T_LIMIT: f64 = 9_223_372_036.854_775;

/// Reads `TIMEOUT_MAX` and the negative-timeout message from the interpreter.
pub(crate) fn init(py: Python<'_>) -> PyResult<()> {
    let thread = py.import("_thread")?;
    let max: f64 = thread.getattr("TIMEOUT_MAX")?.extract()?;
    let _ = TIMEOUT_MAX.set(max);
    let probe = thread.call_method0("allocate_lock")?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("timeout", -5)?;
    let message = match probe.call_method("acquire", (), Some(&kwargs)) {
        Err(error) if error.is_instance_of::<PyValueError>(py) => {
            error.value(py).str()?.to_string()
        }
        _ => "timeout value must be a non-negative number".to_owned(),
    };
    let _ = NEGATIVE_MESSAGE.set(message);
    kwargs.set_item("timeout", 1_u128 << 64)?;
    let message = match probe.call_method("acquire", (), Some(&kwargs)) {
        Err(error) if error.is_instance_of::<PyOverflowError>(py) => {
            error.value(py).str()?.to_string()
        }
        _ => "timestamp too large to convert to C _PyTime_t".to_owned(),
    };
    let _ = INT_OVERFLOW_MESSAGE.set(message);
    kwargs.set_item("timeout", 1e300)?;
    let message = match probe.call_method("acquire", (), Some(&kwargs)) {
        Err(error) if error.is_instance_of::<PyOverflowError>(py) => {
            error.value(py).str()?.to_string()
        }
        _ => "timestamp out of range for platform time_t".to_owned(),
    };
    let _ = FLOAT_OVERFLOW_MESSAGE.set(message);
    kwargs.set_item("timeout", "")?;
    let template = match probe.call_method("acquire", (), Some(&kwargs)) {
        Err(error) if error.is_instance_of::<PyTypeError>(py) => {
            error.value(py).str()?.to_string().replacen("str", "{}", 1)
        }
        _ => "'{}' object cannot be interpreted as an integer".to_owned(),
    };
    let _ = NOT_A_NUMBER_TEMPLATE.set(template);
    let int = probe
        .call_method1("acquire", ("",))
        .is_err_and(|error| error.is_instance_of::<PyTypeError>(py));
    let _ = BLOCKING_IS_INT.set(int);
    Ok(())
}

/// The `OverflowError` for an integer timeout beyond the interpreter's clock type.
fn int_overflow() -> PyErr {
    PyOverflowError::new_err(
        INT_OVERFLOW_MESSAGE
            .get()
            .cloned()
            .unwrap_or_else(|| "timestamp too large to convert to C _PyTime_t".to_owned()),
    )
}

/// The `OverflowError` for a float timeout beyond the interpreter's clock type.
fn float_overflow() -> PyErr {
    PyOverflowError::new_err(
        FLOAT_OVERFLOW_MESSAGE
            .get()
            .cloned()
            .unwrap_or_else(|| "timestamp out of range for platform time_t".to_owned()),
    )
}

/// A duration given in seconds that must be positive (a setting, not a wait):
/// ValueError for zero, negative or NaN, OverflowError above `TIMEOUT_MAX`.
pub(crate) fn positive_seconds(seconds: f64, what: &str) -> PyResult<Duration> {
    if seconds.is_nan() || seconds <= 0.0 {
        return Err(PyValueError::new_err(format!(
            "{what} must be a positive number of seconds, not {seconds}"
        )));
    }
    if seconds > timeout_max() {
        return Err(float_overflow());
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// `threading.TIMEOUT_MAX`.
pub(crate) fn timeout_max() -> f64 {
    TIMEOUT_MAX.get().copied().unwrap_or(TIME_T_LIMIT.floor())
}

/// An optional argument that tells an explicit `None` from a missing one (for the C
/// locks, where `timeout=None` is a `TypeError`, not "no timeout").
#[derive(Debug)]
pub(crate) enum Arg<'py> {
    /// Not passed.
    Missing,
    /// Passed (possibly `None`).
    Given(Bound<'py, PyAny>),
}

impl<'py> Arg<'py> {
    /// The object, if one was passed.
    pub(crate) fn get(&self) -> Option<&Bound<'py, PyAny>> {
        match self {
            Arg::Missing => None,
            Arg::Given(value) => Some(value),
        }
    }
}

impl<'a, 'py> FromPyObject<'a, 'py> for Arg<'py> {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        Ok(Arg::Given(obj.to_owned()))
    }
}

/// How long a call may block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Timeout {
    /// Do not block.
    Now,
    /// Block until done.
    Forever,
    /// Block at most this many seconds (positive; not yet checked against
    /// `TIMEOUT_MAX`). `int`: Python passed an int (CPython's overflow message
    /// differs for ints).
    Seconds { seconds: f64, int: bool },
}

impl Timeout {
    /// The deadline to wait until (`None`: forever); `Seconds` are checked against
    /// `TIMEOUT_MAX` here, when the call is about to block.
    pub(crate) fn deadline(self) -> PyResult<Option<Instant>> {
        match self {
            Timeout::Now => Ok(Some(Instant::now())),
            Timeout::Forever => Ok(None),
            Timeout::Seconds { seconds, int } => {
                if seconds.is_nan() {
                    return Err(PyValueError::new_err("Invalid value NaN (not a number)"));
                }
                check_blocking_seconds(seconds, int)?;
                Ok(Instant::now().checked_add(Duration::from_secs_f64(seconds)))
            }
        }
    }
}

/// The bounds a lock acquisition puts on a blocking timeout (`int`: Python passed
/// an int).
fn check_blocking_seconds(seconds: f64, int: bool) -> PyResult<()> {
    if int && seconds >= TIME_T_LIMIT {
        return Err(int_overflow());
    }
    if seconds >= TIME_T_LIMIT {
        return Err(float_overflow());
    }
    if seconds > timeout_max() {
        return Err(PyOverflowError::new_err("timeout value is too large"));
    }
    Ok(())
}

/// `blocking` as Python reads it (any object's truth value; default true).
pub(crate) fn truthy(blocking: Option<&Bound<'_, PyAny>>) -> PyResult<bool> {
    match blocking {
        None => Ok(true),
        Some(value) => value.is_truthy(),
    }
}

/// `blocking` of `Lock.acquire` as the interpreter reads it: a C int, or a truth value.
fn lock_blocking(blocking: Option<&Bound<'_, PyAny>>) -> PyResult<bool> {
    let Some(value) = blocking else {
        return Ok(true);
    };
    if !BLOCKING_IS_INT.get().copied().unwrap_or(false) {
        return value.is_truthy();
    }
    let whole: i64 = value.extract().map_err(|error: PyErr| {
        if error.is_instance_of::<PyOverflowError>(value.py()) {
            PyOverflowError::new_err("Python int too large to convert to C long")
        } else {
            PyTypeError::new_err(format!(
                "'{}' object cannot be interpreted as an integer",
                type_name(value)
            ))
        }
    })?;
    if whole > i64::from(i32::MAX) {
        return Err(PyOverflowError::new_err(
            "signed integer is greater than maximum",
        ));
    }
    if whole < i64::from(i32::MIN) {
        return Err(PyOverflowError::new_err(
            "signed integer is less than minimum",
        ));
    }
    Ok(whole != 0)
}

/// The name of an object's type, for messages.
fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map_or_else(|_| "object".to_owned(), |name| name.to_string())
}

/// [`lock_acquire`] for the arguments as passed: a call without any (the common
/// `lock.acquire()`) is `Forever` without looking further.
pub(crate) fn lock_acquire_args(blocking: &Arg<'_>, timeout: &Arg<'_>) -> PyResult<Timeout> {
    if let (Arg::Missing, Arg::Missing) = (blocking, timeout) {
        return Ok(Timeout::Forever);
    }
    lock_acquire(blocking.get(), timeout.get())
}

/// `Lock.acquire(blocking=True, timeout=-1)` / `RLock.acquire`: CPython's C rules, all
/// checked up front.
pub(crate) fn lock_acquire(
    blocking: Option<&Bound<'_, PyAny>>,
    timeout: Option<&Bound<'_, PyAny>>,
) -> PyResult<Timeout> {
    let blocking = lock_blocking(blocking)?;
    let seconds = match timeout {
        None => -1.0,
        Some(timeout) => c_seconds(timeout)?,
    };
    let unset = seconds == -1.0;
    if !blocking && !unset {
        return Err(PyValueError::new_err(
            "can't specify a timeout for a non-blocking call",
        ));
    }
    if seconds < 0.0 && !unset {
        let message = NEGATIVE_MESSAGE.get().map_or(
            "timeout value must be a non-negative number",
            String::as_str,
        );
        return Err(PyValueError::new_err(message.to_owned()));
    }
    if !blocking {
        return Ok(Timeout::Now);
    }
    if unset {
        return Ok(Timeout::Forever);
    }
    check_blocking_seconds(seconds, false)?;
    Ok(if seconds > 0.0 {
        Timeout::Seconds {
            seconds,
            int: false,
        }
    } else {
        Timeout::Now
    })
}

/// A timeout object as CPython's `_PyTime_FromSecondsObject` reads it: a float (not
/// NaN, within the clock's range) or an integer.
fn c_seconds(timeout: &Bound<'_, PyAny>) -> PyResult<f64> {
    if let Ok(float) = timeout.cast::<PyFloat>() {
        let seconds = float.value();
        if seconds.is_nan() {
            return Err(PyValueError::new_err("Invalid value NaN (not a number)"));
        }
        if seconds.abs() >= TIME_T_LIMIT {
            return Err(float_overflow());
        }
        return Ok(seconds);
    }
    let whole: i64 = match timeout.extract() {
        Ok(whole) => whole,
        Err(error) if error.is_instance_of::<PyOverflowError>(timeout.py()) => i64::MAX,
        Err(error) if error.is_instance_of::<PyTypeError>(timeout.py()) => {
            let template = NOT_A_NUMBER_TEMPLATE.get().map_or(
                "'{}' object cannot be interpreted as an integer",
                String::as_str,
            );
            return Err(PyTypeError::new_err(
                template.replace("{}", &type_name(timeout)),
            ));
        }
        Err(error) => return Err(error),
    };
    if whole.unsigned_abs() as f64 >= TIME_T_LIMIT {
        return Err(int_overflow());
    }
    Ok(whole as f64)
}

/// A timeout as a number, for the rules of the classes written in Python. `template`
/// is CPython's `TypeError` message for the operation it would fail on, with `{}` for
/// the type's name.
///
/// Returns the seconds and whether they came as an int.
fn python_seconds(timeout: &Bound<'_, PyAny>, template: &str) -> PyResult<(f64, bool)> {
    let int = timeout.is_instance_of::<PyInt>();
    if int {
        // A huge int does not fit a float either; CPython's message is the clock's.
        return match timeout.extract::<f64>() {
            Ok(seconds) => Ok((seconds, true)),
            Err(_) => Ok((f64::INFINITY, true)),
        };
    }
    let seconds = timeout.extract::<f64>().map_err(|error| {
        if !error.is_instance_of::<PyTypeError>(timeout.py()) {
            return error;
        }
        PyTypeError::new_err(template.replace("{}", &type_name(timeout)))
    })?;
    Ok((seconds, false))
}

/// `timeout > 0` on a non-number.
const COMPARE: &str = "'>' not supported between instances of '{}' and 'int'";
/// `_time() + timeout` on a non-number.
const ADD: &str = "unsupported operand type(s) for +: 'float' and '{}'";

/// `Condition.wait(timeout=None)` and `Event.wait(timeout=None)`: `None` waits
/// forever, a positive number that long, anything else (zero, negative, NaN) does not
/// block.
pub(crate) fn condition_wait(timeout: Option<&Bound<'_, PyAny>>) -> PyResult<Timeout> {
    let Some(timeout) = timeout.filter(|t| !t.is_none()) else {
        return Ok(Timeout::Forever);
    };
    let (seconds, int) = python_seconds(timeout, COMPARE)?;
    Ok(if seconds > 0.0 {
        Timeout::Seconds { seconds, int }
    } else {
        Timeout::Now
    })
}

/// `Semaphore.acquire(blocking=False, timeout=...)`: the one check CPython makes
/// before looking at the counter.
pub(crate) fn check_semaphore_args(
    blocking: bool,
    timeout: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    if !blocking && timeout.is_some() {
        return Err(PyValueError::new_err(
            "can't specify timeout for non-blocking acquire",
        ));
    }
    Ok(())
}

/// `Semaphore.acquire(timeout=...)` once no permit is available (so parsing errors
/// only show then, as in CPython, which only computes with the timeout then).
///
/// CPython's loop treats zero and negative timeouts as "try once"; a NaN timeout
/// never expires there (each `endtime - now` is NaN, never `<= 0`), so it waits
/// until a permit comes: threadkit does the same, without spinning.
pub(crate) fn semaphore_timeout(timeout: Option<&Bound<'_, PyAny>>) -> PyResult<Timeout> {
    let Some(timeout) = timeout.filter(|t| !t.is_none()) else {
        return Ok(Timeout::Forever);
    };
    let (seconds, int) = python_seconds(timeout, ADD)?;
    Ok(if seconds.is_nan() {
        Timeout::Forever
    } else if seconds > 0.0 {
        Timeout::Seconds { seconds, int }
    } else {
        Timeout::Now
    })
}

/// `Barrier.wait(timeout)` (after the default timeout was substituted for `None`):
/// CPython's `wait_for` loop, where zero or a negative timeout breaks the barrier at
/// once (unless this thread completes it) and NaN never expires.
pub(crate) fn barrier_wait(timeout: Option<&Bound<'_, PyAny>>) -> PyResult<Timeout> {
    let Some(timeout) = timeout.filter(|t| !t.is_none()) else {
        return Ok(Timeout::Forever);
    };
    let (seconds, int) = python_seconds(timeout, ADD)?;
    if seconds.is_nan() {
        return Ok(Timeout::Forever);
    }
    if seconds > 0.0 {
        check_blocking_seconds(seconds, int)?;
        return Ok(Timeout::Seconds { seconds, int });
    }
    Ok(Timeout::Now)
}

/// A `wait_for` timeout: `None` or a number (NaN is `None`: CPython's loop never
/// expires with it), and whether it came as an int.
pub(crate) fn wait_for_seconds(
    timeout: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<(f64, bool)>> {
    let Some(timeout) = timeout.filter(|t| !t.is_none()) else {
        return Ok(None);
    };
    let (seconds, int) = python_seconds(timeout, ADD)?;
    Ok((!seconds.is_nan()).then_some((seconds, int)))
}

/// `timeout < 0` on a non-number.
const COMPARE_NEGATIVE: &str = "'<' not supported between instances of '{}' and 'int'";

/// CPython's message for a negative queue timeout.
const NEGATIVE_QUEUE: &str = "'timeout' must be a non-negative number";

/// `Queue.put(block=True, timeout)` / `Queue.get(block=True, timeout)` (CPython's
/// `queue.py`): `None` waits forever, a negative number is a `ValueError`, zero does
/// not block. NaN passes here, as in CPython, and fails (`ValueError`) only if the
/// call has to wait.
pub(crate) fn queue_wait(timeout: Option<&Bound<'_, PyAny>>) -> PyResult<Timeout> {
    let Some(timeout) = timeout.filter(|t| !t.is_none()) else {
        return Ok(Timeout::Forever);
    };
    let (seconds, int) = python_seconds(timeout, COMPARE_NEGATIVE)?;
    if seconds < 0.0 {
        return Err(PyValueError::new_err(NEGATIVE_QUEUE));
    }
    // `queue.py` computes `time() + timeout` at once, so the lock underneath only
    // ever sees a float.
    if int && seconds.is_infinite() {
        return Err(PyOverflowError::new_err(
            "int too large to convert to float",
        ));
    }
    Ok(if seconds > 0.0 || seconds.is_nan() {
        Timeout::Seconds {
            seconds,
            int: false,
        }
    } else {
        Timeout::Now
    })
}

/// `SimpleQueue.get(block=True, timeout)` (C, `_queue`): the timeout is read as the C
/// locks read it (NaN and non-numbers fail at once), then a negative one is a
/// `ValueError`.
pub(crate) fn simple_queue_wait(timeout: Option<&Bound<'_, PyAny>>) -> PyResult<Timeout> {
    let Some(timeout) = timeout.filter(|t| !t.is_none()) else {
        return Ok(Timeout::Forever);
    };
    let seconds = c_seconds(timeout)?;
    if seconds < 0.0 {
        return Err(PyValueError::new_err(NEGATIVE_QUEUE));
    }
    Ok(if seconds > 0.0 {
        Timeout::Seconds {
            seconds,
            int: false,
        }
    } else {
        Timeout::Now
    })
}

/// `Thread.join(timeout)`: `None` waits forever; CPython clamps a negative timeout
/// to zero.
pub(crate) fn join_wait(timeout: Option<&Bound<'_, PyAny>>) -> PyResult<Timeout> {
    let Some(timeout) = timeout.filter(|t| !t.is_none()) else {
        return Ok(Timeout::Forever);
    };
    let (seconds, int) = python_seconds(timeout, COMPARE)?;
    Ok(if seconds > 0.0 {
        Timeout::Seconds { seconds, int }
    } else {
        Timeout::Now
    })
}
