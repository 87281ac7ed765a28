//! [`Panicked`] (a panic caught by threadkit) and the excepthook that reports the
//! panics nobody else will see.

use std::any::Any;
use std::fmt;
use std::panic::{AssertUnwindSafe, Location};
use std::sync::{Arc, PoisonError, RwLock};

/// A panic caught by threadkit: in a thread it started, in a pool task, in a done
/// callback, in a pool's initializer. It keeps the panic's message and the thread it
/// happened in.
///
/// # Examples
///
/// ```
/// let thread = threadkit::thread::spawn(|| -> u32 { panic!("out of cheese") }).unwrap();
/// let panicked = thread.join().unwrap_err().into_panicked().unwrap();
/// assert_eq!(panicked.message(), "out of cheese");
/// assert!(panicked.thread_name().starts_with("Thread-"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Panicked {
    message: String,
    thread_name: String,
    thread_ident: u64,
}

impl Panicked {
    /// The panic's message (`"…"` of `panic!("…")`), or `"Box<dyn Any>"` for a panic
    /// whose payload is not a string.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The name of the thread that panicked.
    pub fn thread_name(&self) -> &str {
        &self.thread_name
    }

    /// threadkit's ident of the thread that panicked.
    pub fn thread_ident(&self) -> u64 {
        self.thread_ident
    }

    /// The panic with `payload`, caught on the calling thread.
    pub(crate) fn caught(payload: &(dyn Any + Send)) -> Self {
        Self {
            message: payload_message(payload),
            thread_name: super::registry::current_name(),
            thread_ident: crate::thread_id::current().get(),
        }
    }
}

impl fmt::Display for Panicked {
    /// `thread 'worker-1' panicked: out of cheese`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "thread '{}' panicked: {}",
            self.thread_name, self.message
        )
    }
}

impl std::error::Error for Panicked {}

/// The message of a panic payload (`panic!` makes a `&str` or a `String`).
pub(crate) fn payload_message(payload: &(dyn Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "Box<dyn Any>".to_owned()
    }
}

/// Where a reported panic happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PanicSource {
    /// A thread started by threadkit ([`spawn`](super::spawn), a [`Timer`](super::Timer)):
    /// its closure panicked (Python: an exception in `Thread.run`).
    Thread,
    /// A pool task panicked and its [`Future`](crate::executor::Future) was dropped
    /// without anyone looking at the outcome.
    UnobservedTask {
        /// Where the task was submitted.
        submitted_at: Option<&'static Location<'static>>,
    },
    /// A [`Future`](crate::executor::Future)'s done callback panicked.
    DoneCallback,
    /// A [`ThreadPoolExecutor`](crate::executor::ThreadPoolExecutor)'s initializer
    /// panicked (the pool is broken).
    Initializer,
}

/// What the excepthook is told: Python's `threading.ExceptHookArgs`.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct ExceptHookArgs<'a> {
    /// The panic (message, thread).
    pub panicked: &'a Panicked,
    /// Where it happened.
    pub source: PanicSource,
}

type Hook = dyn Fn(&ExceptHookArgs<'_>) + Send + Sync;

static HOOK: RwLock<Option<Arc<Hook>>> = RwLock::new(None);

/// Replaces the excepthook: the function told about every panic that threadkit
/// catches and that no caller will see otherwise (Python: `threading.excepthook`).
///
/// It runs on the thread where the panic was caught. If the hook itself panics, that
/// panic is caught and printed to stderr.
///
/// # Differences from Python's threading
///
/// Python reports only exceptions of threads; threadkit also reports a pool task
/// whose panic nobody looked at (see [`crate::executor::Future`]), a panicking done
/// callback, and a panicking pool initializer. Rust's own panic hook still prints
/// each panic where it happens; the excepthook is the report of what became of it.
///
/// # Examples
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use threadkit::thread::{self, ExceptHookArgs};
///
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let log = Arc::clone(&seen);
/// thread::set_excepthook(move |args: &ExceptHookArgs<'_>| {
///     log.lock().unwrap().push(args.panicked.message().to_owned());
/// });
/// let worker = thread::Builder::new()
///     .name("doomed")
///     .spawn(|| panic!("out of cheese"))
///     .unwrap();
/// assert!(worker.join().is_err());
/// assert!(seen.lock().unwrap().contains(&"out of cheese".to_owned()));
/// thread::reset_excepthook();
/// ```
pub fn set_excepthook(hook: impl Fn(&ExceptHookArgs<'_>) + Send + Sync + 'static) {
    *HOOK.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(hook));
}

/// Restores the default excepthook, [`default_excepthook`].
pub fn reset_excepthook() {
    *HOOK.write().unwrap_or_else(PoisonError::into_inner) = None;
}

/// The default excepthook (Python: `threading.__excepthook__`): prints the thread's
/// name and the panic message to stderr, e.g.
/// `Exception in thread worker-1: out of cheese`.
pub fn default_excepthook(args: &ExceptHookArgs<'_>) {
    let panicked = args.panicked;
    let thread = panicked.thread_name();
    let message = panicked.message();
    match args.source {
        PanicSource::Thread => eprintln!("Exception in thread {thread}: {message}"),
        PanicSource::UnobservedTask { submitted_at } => {
            let task = match submitted_at {
                Some(site) => format!("task submitted at {site}"),
                None => "a task".to_owned(),
            };
            eprintln!(
                "threadkit: {task} panicked in thread {thread} and nobody looked at its result: {message}"
            );
        }
        PanicSource::DoneCallback => {
            eprintln!("threadkit: a done callback panicked in thread {thread}: {message}");
        }
        PanicSource::Initializer => {
            eprintln!(
                "threadkit: a pool initializer panicked in thread {thread} (the pool is broken): {message}"
            );
        }
    }
}

/// Tells the current excepthook about `panicked`.
pub(crate) fn report(panicked: &Panicked, source: PanicSource) {
    let hook = HOOK.read().unwrap_or_else(PoisonError::into_inner).clone();
    let args = ExceptHookArgs { panicked, source };
    match hook {
        None => default_excepthook(&args),
        Some(hook) => {
            if let Err(payload) = std::panic::catch_unwind(AssertUnwindSafe(|| hook(&args))) {
                eprintln!(
                    "threadkit: the excepthook panicked ({}) while reporting: {panicked}",
                    payload_message(&*payload)
                );
            }
        }
    }
}
