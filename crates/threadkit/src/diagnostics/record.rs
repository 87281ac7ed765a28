//! Per-thread records of held locks and current waits, and the registry of all of
//! them (so that a dump can read every thread, and a lock released by another thread
//! than its acquirer — Python allows that for `Lock` — can be found).
//!
//! Records are only created and updated while diagnostics are on. Each has its own
//! small mutex: the owning thread takes it on every recorded acquire and release,
//! others only when they read the picture, so it is almost never contended.

use std::cell::OnceCell;
use std::panic::Location;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use super::hooks::Blocking;
use super::object::Object;

/// What diagnostics know about one thread.
pub(crate) struct ThreadRecord {
    pub(crate) ident: u64,
    pub(crate) name: String,
    state: Mutex<ThreadDiag>,
}

/// The mutable part of a record.
#[derive(Default)]
pub(crate) struct ThreadDiag {
    /// Locks held, oldest first.
    pub(crate) held: Vec<HeldEntry>,
    /// What the thread is blocked on, if anything.
    pub(crate) waiting: Option<WaitEntry>,
}

/// One held lock.
#[derive(Clone, Copy)]
pub(crate) struct HeldEntry {
    pub(crate) object: Object,
    pub(crate) site: &'static Location<'static>,
    pub(crate) since: Instant,
}

/// One blocking wait.
#[derive(Clone, Copy)]
pub(crate) struct WaitEntry {
    pub(crate) object: Object,
    pub(crate) blocking: Blocking,
    pub(crate) timed: bool,
    pub(crate) since: Instant,
}

impl ThreadRecord {
    /// Locks the record.
    pub(crate) fn lock(&self) -> MutexGuard<'_, ThreadDiag> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

static REGISTRY: Mutex<Vec<Arc<ThreadRecord>>> = Mutex::new(Vec::new());

/// Unregisters the thread's record when the thread exits.
struct Registration(OnceCell<Arc<ThreadRecord>>);

impl Drop for Registration {
    fn drop(&mut self) {
        if let Some(record) = self.0.get() {
            registry().retain(|r| !Arc::ptr_eq(r, record));
        }
    }
}

std::thread_local! {
    static CURRENT: Registration = const { Registration(OnceCell::new()) };
}

fn registry() -> MutexGuard<'static, Vec<Arc<ThreadRecord>>> {
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs `f` on the calling thread's record, creating and registering it on first use.
/// `None` while the thread is being torn down.
pub(crate) fn with_current<R>(f: impl FnOnce(&ThreadRecord) -> R) -> Option<R> {
    CURRENT
        .try_with(|registration| {
            let record = registration.0.get_or_init(|| {
                let ident = crate::thread_id::current().get();
                let name = std::thread::current()
                    .name()
                    .map_or_else(|| format!("Thread-{ident}"), str::to_owned);
                let record = Arc::new(ThreadRecord {
                    ident,
                    name,
                    state: Mutex::new(ThreadDiag::default()),
                });
                registry().push(Arc::clone(&record));
                record
            });
            f(record)
        })
        .ok()
}

/// Every registered record, in order of registration.
pub(crate) fn all() -> Vec<Arc<ThreadRecord>> {
    registry().clone()
}
