//! [`Builder`] and [`Thread`]: starting threads with a name, a daemon flag and a stack
//! size, and joining them.

use std::fmt;
use std::panic::{AssertUnwindSafe, Location};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::error::{JoinError, SpawnError};
use super::excepthook::{self, PanicSource, Panicked};
use super::registry::{self, Entry, ThreadRef};
use super::state::ThreadState;
use crate::diagnostics::{self, Blocking};
use crate::origin::Origin;

/// Configures a thread before it starts: Python's `threading.Thread(name=…,
/// daemon=…)` and `threading.stack_size`.
///
/// # Differences from Python's threading
///
/// * Building and starting are one step, [`spawn`](Self::spawn): there is no
///   unstarted thread object (its `New` state lasts until the thread first runs).
/// * Unnamed threads are called `Thread-<ident>` (Python: `Thread-<counter>`).
///
/// # Examples
///
/// ```
/// use threadkit::thread::Builder;
///
/// let worker = Builder::new()
///     .name("worker-1")
///     .daemon(false)
///     .stack_size(256 * 1024)
///     .spawn(|| 6 * 7)
///     .unwrap();
/// assert_eq!(worker.name(), "worker-1");
/// assert!(!worker.is_daemon());
/// assert_eq!(worker.join().unwrap(), 42);
/// ```
#[derive(Debug, Default, Clone)]
#[must_use = "a builder does nothing until `spawn` is called"]
pub struct Builder {
    name: Option<String>,
    daemon: Option<bool>,
    stack_size: Option<usize>,
}

impl Builder {
    /// A builder with the defaults: a generated name, the daemon flag of the calling
    /// thread, the default stack size.
    pub fn new() -> Self {
        Self::default()
    }

    /// The thread's name (for reports, and the OS thread's name).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Whether the thread is a daemon, which [`join_non_daemon`](super::join_non_daemon)
    /// does not wait for. By default a thread inherits the flag of the thread that
    /// spawns it, as in Python: threads spawned by the main thread are not daemons;
    /// threads spawned by threads threadkit did not start (Python's "dummy" threads,
    /// which are daemons) are.
    pub fn daemon(mut self, daemon: bool) -> Self {
        self.daemon = Some(daemon);
        self
    }

    /// The size of the thread's stack, in bytes (rounded up by the OS as it needs).
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = Some(bytes);
        self
    }

    /// Starts a thread running `f`.
    ///
    /// The thread is in the registry ([`enumerate`](super::enumerate)) from the moment
    /// this returns. If `f` panics, the panic is reported to the
    /// [excepthook](super::set_excepthook) and [`Thread::join`] returns it.
    ///
    /// # Errors
    ///
    /// [`SpawnError`] if the OS cannot start a thread.
    #[track_caller]
    pub fn spawn<F, T>(self, f: F) -> Result<Thread<T>, SpawnError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let origin = Origin::site(Location::caller());
        let daemon = self
            .daemon
            .unwrap_or_else(registry::current_entry_is_daemon);
        let entry = registry::enter_spawned(self.name, daemon, origin);
        let mut native = std::thread::Builder::new().name(entry.name().to_owned());
        if let Some(bytes) = self.stack_size {
            native = native.stack_size(bytes);
        }
        let child = Arc::clone(&entry);
        match native.spawn(move || run(&child, f)) {
            Ok(native) => Ok(Thread {
                thread: ThreadRef { entry },
                native,
            }),
            Err(error) => {
                registry::finish(&entry, false);
                Err(SpawnError::from(error))
            }
        }
    }
}

/// The body of every thread threadkit starts.
fn run<F: FnOnce() -> T, T>(entry: &Arc<Entry>, f: F) -> Result<T, Panicked> {
    registry::start(entry);
    let result = std::panic::catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let panicked = Panicked::caught(&*payload);
        excepthook::report(&panicked, PanicSource::Thread);
        panicked
    });
    registry::finish(entry, result.is_err());
    result
}

/// Starts a thread running `f`, with the [`Builder`]'s defaults.
///
/// # Errors
///
/// [`SpawnError`] if the OS cannot start a thread.
///
/// # Examples
///
/// ```
/// let thread = threadkit::thread::spawn(|| "done").unwrap();
/// assert_eq!(thread.join().unwrap(), "done");
/// ```
#[track_caller]
pub fn spawn<F, T>(f: F) -> Result<Thread<T>, SpawnError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    Builder::new().spawn(f)
}

/// A thread started by threadkit, owning its result: Python's `threading.Thread`
/// after `start()`, with `join` returning what the thread returned.
///
/// Dropping the handle detaches the thread (it keeps running; nobody can join it).
///
/// # Differences from Python's threading
///
/// * [`join`](Self::join) returns the closure's value, or the panic as
///   [`JoinError::Panicked`] (Python's join returns `None` and the exception only
///   goes to `threading.excepthook`; here it goes to both).
/// * `join(timeout)` is [`join_timeout`](Self::join_timeout), which hands the handle
///   back if the thread is still running.
/// * `ident` is threadkit's never-reused number; `native_id` is the kernel's.
///
/// # Memory ordering
///
/// Everything the thread did happens-before a join that returns its result, and
/// before `is_alive` returning false.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use threadkit::thread::{self, ThreadState};
/// use threadkit::Event;
/// use std::sync::Arc;
///
/// let go = Arc::new(Event::new());
/// let worker = {
///     let go = Arc::clone(&go);
///     thread::Builder::new().name("worker").spawn(move || { go.wait(); 1 }).unwrap()
/// };
/// let worker = worker.join_timeout(Duration::from_millis(1)).unwrap_err().into_thread().unwrap();
/// assert!(worker.is_alive());
/// go.set();
/// assert_eq!(worker.join().unwrap(), 1);
/// ```
pub struct Thread<T> {
    thread: ThreadRef,
    native: std::thread::JoinHandle<Result<T, Panicked>>,
}

impl<T> Thread<T> {
    /// Waits for the thread to finish and returns what its closure returned.
    ///
    /// # Errors
    ///
    /// [`JoinError::Panicked`] if the closure panicked, and
    /// [`JoinError::CurrentThread`] (with the handle) if called by the thread itself.
    pub fn join(self) -> Result<T, JoinError<T>> {
        if self.is_current() {
            return Err(JoinError::CurrentThread(self));
        }
        let _scope = (!self.thread.entry.finished.is_set()).then(|| {
            let entry = &self.thread.entry;
            diagnostics::block(|| entry.object(), Blocking::Signal, None)
        });
        match self.native.join() {
            Ok(result) => result.map_err(JoinError::Panicked),
            // Only a panic after the closure (a `Local` value's drop) lands here.
            Err(payload) => Err(JoinError::Panicked(Panicked::caught(&*payload))),
        }
    }

    /// Waits at most `timeout` for the thread to finish.
    ///
    /// # Errors
    ///
    /// As [`join`](Self::join), and [`JoinError::TimedOut`] (with the handle) if the
    /// thread is still running when the timeout passes.
    pub fn join_timeout(self, timeout: Duration) -> Result<T, JoinError<T>> {
        match crate::time::deadline_after(timeout) {
            Some(deadline) => self.join_deadline(deadline),
            None => self.join(),
        }
    }

    /// Waits until `deadline` at the latest for the thread to finish.
    ///
    /// # Errors
    ///
    /// As [`join_timeout`](Self::join_timeout).
    pub fn join_deadline(self, deadline: Instant) -> Result<T, JoinError<T>> {
        if self.is_current() {
            return Err(JoinError::CurrentThread(self));
        }
        let entry = &self.thread.entry;
        if entry.finished.wait(Some(deadline), || entry.object()) {
            self.join()
        } else {
            Err(JoinError::TimedOut(self))
        }
    }

    /// Whether the thread has not finished yet.
    pub fn is_alive(&self) -> bool {
        self.thread.is_alive()
    }

    /// The thread's name.
    pub fn name(&self) -> &str {
        self.thread.name()
    }

    /// threadkit's never-reused number for the thread.
    pub fn ident(&self) -> u64 {
        self.thread.ident()
    }

    /// The kernel's id for the thread, once it has started running.
    pub fn native_id(&self) -> Option<u64> {
        self.thread.native_id()
    }

    /// Whether the thread is a daemon.
    pub fn is_daemon(&self) -> bool {
        self.thread.is_daemon()
    }

    /// The thread's lifecycle state right now.
    pub fn state(&self) -> ThreadState {
        self.thread.state()
    }

    /// A shared view of the thread, as [`enumerate`](super::enumerate) lists it.
    pub fn thread_ref(&self) -> &ThreadRef {
        &self.thread
    }

    fn is_current(&self) -> bool {
        self.thread.ident() == crate::thread_id::current().get()
    }
}

impl<T> fmt::Debug for Thread<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Thread")
            .field("name", &self.name())
            .field("ident", &self.ident())
            .field("daemon", &self.is_daemon())
            .field("state", &self.state())
            .finish()
    }
}
