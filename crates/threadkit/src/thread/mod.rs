//! Threads with a visible lifecycle: Python's `threading.Thread`, `current_thread`,
//! `enumerate`, `Timer`, `local` and `excepthook`.
//!
//! * [`Builder`] (name, daemon, stack size) and [`spawn`] start a thread and return a
//!   [`Thread`] handle: [`join`](Thread::join) returns the closure's value or its
//!   panic ([`Panicked`], with the message), [`join_timeout`](Thread::join_timeout)
//!   gives up after a while, [`state`](Thread::state) says where the thread is in its
//!   lifecycle ([`ThreadState`]: new, runnable, blocked on a lock, waiting for a
//!   signal, sleeping, terminated).
//! * The registry: [`current`], [`main_thread`], [`enumerate`], [`active_count`],
//!   [`get_ident`], [`get_native_id`]. Threads threadkit did not start appear in it
//!   (as Python's "dummy" threads) once they touch a threadkit primitive's slow path,
//!   or call [`current`]; finished threads leave it.
//! * Python's daemon rule: [`join_non_daemon`] waits for every non-daemon thread,
//!   which is what Python does before the interpreter exits.
//! * [`Timer`], per-object thread-local values ([`Local`]), [`sleep`] (shown as
//!   `Sleeping`), and the [excepthook](set_excepthook) that reports every panic in a
//!   threadkit thread (thread name and message; by default to stderr).
//!
//! The lifecycle state is kept by the primitives' slow paths (right before a thread
//! parks, and when it wakes), so it costs nothing on their fast paths.
//!
//! # Differences from Python's threading
//!
//! * A thread is built and started in one step ([`Builder::spawn`]).
//! * `join` returns the thread's result; panics are reported to the excepthook *and*
//!   returned by `join`.
//! * Idents are threadkit's own numbers, never reused; [`get_native_id`] is the
//!   kernel's id.
//! * A thread that is not a daemon does not keep the process alive by itself: Rust
//!   exits when `main` returns. Call [`join_non_daemon`] at the end of `main` for
//!   Python's behaviour.
//!
//! # Examples
//!
//! ```
//! use threadkit::thread::{self, ThreadState};
//!
//! let worker = thread::Builder::new().name("squarer").spawn(|| 7 * 7).unwrap();
//! assert!(thread::enumerate().iter().any(|t| t.name() == "squarer") || !worker.is_alive());
//! assert_eq!(worker.join().unwrap(), 49);
//! assert_eq!(thread::current().state(), ThreadState::Runnable);
//! assert_eq!(thread::main_thread().name(), "MainThread");
//! thread::join_non_daemon();
//! ```

mod builder;
mod error;
mod excepthook;
mod local;
pub(crate) mod platform;
pub(crate) mod registry;
pub(crate) mod state;
mod timer;

use std::time::{Duration, Instant};

pub use builder::{Builder, Thread, spawn};
pub use error::{JoinError, SpawnError};
pub(crate) use excepthook::report;
pub use excepthook::{
    ExceptHookArgs, PanicSource, Panicked, default_excepthook, reset_excepthook, set_excepthook,
};
pub use local::Local;
pub use registry::ThreadRef;
pub use state::ThreadState;
pub use timer::Timer;

use state::{RawState, StateScope};

/// The calling thread, registering it if threadkit has not met it yet (Python:
/// `threading.current_thread()`).
///
/// # Examples
///
/// ```
/// let me = threadkit::thread::current();
/// assert_eq!(me.ident(), threadkit::thread::get_ident());
/// assert!(me.is_alive());
/// ```
pub fn current() -> ThreadRef {
    ThreadRef {
        entry: registry::current_entry(),
    }
}

/// The process's main thread (Python: `threading.main_thread()`), named `MainThread`.
pub fn main_thread() -> ThreadRef {
    ThreadRef {
        entry: std::sync::Arc::clone(registry::main_entry()),
    }
}

/// Every live thread in the registry, in the order threadkit first met them (Python:
/// `threading.enumerate()`): the main thread, threads threadkit started, and other
/// threads that touched threadkit.
pub fn enumerate() -> Vec<ThreadRef> {
    registry::main_entry();
    registry::all()
        .into_iter()
        .map(|entry| ThreadRef { entry })
        .collect()
}

/// How many threads [`enumerate`] would list (Python: `threading.active_count()`).
pub fn active_count() -> usize {
    registry::main_entry();
    registry::all().len()
}

/// threadkit's number for the calling thread (Python: `threading.get_ident()`; never
/// reused, unlike Python's).
pub fn get_ident() -> u64 {
    crate::thread_id::current().get()
}

/// The kernel's id for the calling thread (Python: `threading.get_native_id()`;
/// Linux: `gettid`). On platforms where threadkit cannot read it, the same number as
/// [`get_ident`].
pub fn get_native_id() -> u64 {
    platform::native_id()
}

/// Waits until every thread threadkit started that is not a daemon has finished,
/// including threads they start meanwhile: what Python does before the interpreter
/// exits. Call it at the end of `main` to get Python's rule that the program ends
/// when its last non-daemon thread does.
///
/// The calling thread itself is not waited for.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicBool, Ordering};
///
/// let saved = Arc::new(AtomicBool::new(false));
/// let flag = Arc::clone(&saved);
/// threadkit::thread::Builder::new()
///     .daemon(false)
///     .spawn(move || flag.store(true, Ordering::SeqCst))
///     .unwrap(); // not joined
/// threadkit::thread::join_non_daemon();
/// assert!(saved.load(Ordering::SeqCst));
/// ```
pub fn join_non_daemon() {
    let me = get_ident();
    loop {
        let pending: Vec<_> = registry::all()
            .into_iter()
            .filter(|entry| entry.ident != me && registry::is_joinable_non_daemon(entry))
            .collect();
        if pending.is_empty() {
            return;
        }
        for entry in pending {
            entry.finished.wait(None, || entry.object());
        }
    }
}

/// Sleeps for `duration`, showing as [`ThreadState::Sleeping`] meanwhile (Python:
/// `time.sleep`).
pub fn sleep(duration: Duration) {
    let _state = StateScope::enter(RawState::SLEEPING);
    std::thread::sleep(duration);
}

/// Sleeps until `deadline`, showing as [`ThreadState::Sleeping`] meanwhile.
pub fn sleep_until(deadline: Instant) {
    let _state = StateScope::enter(RawState::SLEEPING);
    let now = Instant::now();
    if deadline > now {
        std::thread::sleep(deadline - now);
    }
}
