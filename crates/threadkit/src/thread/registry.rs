//! The registry of live threads: one [`Entry`] per thread that threadkit started or
//! that touched threadkit, which diagnostics also keep their per-thread records in.
//!
//! A thread started by threadkit is entered by its spawner (so it is listed from the
//! moment `spawn` returns) and leaves when its closure has returned. Any other thread
//! is entered the first time it needs an entry — a primitive's slow path, a
//! diagnostics hook, [`current`](super::current), a [`Local`](super::Local) — and
//! leaves when it exits (from a thread-local destructor). The process's main thread
//! has an entry from the first time anyone asks for it, and keeps it.

use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak};

use super::platform;
use super::state::{RawState, StateCell, ThreadState};
use crate::diagnostics::{Object, PrimitiveKind, ThreadDiag};
use crate::latch::Latch;
use crate::origin::Origin;

/// The lock of a thread's diagnostics record (see [`Entry`]'s `diag`).
type DiagLock = spin::mutex::SpinMutex<ThreadDiag, spin::relax::Yield>;

/// What threadkit knows about one thread.
pub(crate) struct Entry {
    /// threadkit's number for the thread (`thread_id`), never reused.
    pub(crate) ident: u64,
    name: String,
    daemon: bool,
    /// Started by threadkit (false: a "dummy" entry for a thread it met).
    spawned: bool,
    /// Where the thread was spawned (for reports of joins on it).
    origin: Origin,
    /// The kernel's id, 0 until known.
    native_id: AtomicU64,
    /// The lifecycle state, written by the thread itself.
    pub(crate) state: StateCell,
    /// Set when the thread has finished (after its `Local` values were dropped).
    pub(crate) finished: Latch,
    /// Diagnostics' record: held locks and the current wait (kept while they are on).
    ///
    /// A spin lock that yields: its owner takes it on every recorded acquire and
    /// release, others only to read it, for a few instructions each time; its release
    /// is a plain store where a `Mutex`'s is an atomic swap — the difference between
    /// detection costing 4× and under 3× an uncontended lock (`threadkit bench`).
    diag: DiagLock,
    /// While the thread waits in slices (see `diagnostics::sliced_wait`): when the
    /// whole wait began, as the coarse clock's nanoseconds plus one; 0 otherwise.
    /// Written by the thread itself, read by the stall watchdog.
    pub(crate) sliced_since: AtomicU64,
    /// The `Local`s holding a value for this thread, to drop at exit.
    locals: Mutex<Vec<Weak<dyn LocalValues>>>,
}

/// A [`Local`](super::Local)'s values, as a thread's exit sees them.
pub(crate) trait LocalValues: Send + Sync {
    /// Drops the value of the thread `ident`, if any.
    fn remove_thread(&self, ident: u64);
}

impl Entry {
    fn new(ident: u64, name: String, daemon: bool, spawned: bool, origin: Origin) -> Self {
        Self {
            ident,
            name,
            daemon,
            spawned,
            origin,
            native_id: AtomicU64::new(0),
            state: StateCell::new(if spawned {
                RawState::NEW
            } else {
                RawState::RUNNABLE
            }),
            finished: Latch::new(),
            diag: DiagLock::new(ThreadDiag::default()),
            sliced_since: AtomicU64::new(0),
            locals: Mutex::new(Vec::new()),
        }
    }

    /// The thread's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Locks diagnostics' record of the thread.
    pub(crate) fn diag(&self) -> spin::mutex::SpinMutexGuard<'_, ThreadDiag> {
        self.diag.lock()
    }

    /// The thread as diagnostics name it when another thread waits for it to finish.
    pub(crate) fn object(&self) -> Object {
        Object {
            kind: PrimitiveKind::Thread,
            key: std::ptr::from_ref(self).addr(),
            origin: self.origin,
        }
    }

    /// Asks the thread's exit to drop `local`'s value for it.
    pub(crate) fn register_local(&self, local: Weak<dyn LocalValues>) {
        let mut locals = self.locals.lock().unwrap_or_else(PoisonError::into_inner);
        locals.retain(|l| l.strong_count() > 0);
        locals.push(local);
    }
}

static REGISTRY: Mutex<BTreeMap<u64, Arc<Entry>>> = Mutex::new(BTreeMap::new());

static MAIN: OnceLock<Arc<Entry>> = OnceLock::new();

fn registry() -> MutexGuard<'static, BTreeMap<u64, Arc<Entry>>> {
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Ends a thread's registration when it exits (for threads threadkit did not start;
/// those it started have finished before this runs, and finishing twice is harmless).
struct Registration(OnceCell<Arc<Entry>>);

impl Drop for Registration {
    fn drop(&mut self) {
        if let Some(entry) = self.0.get() {
            finish(entry, false);
        }
    }
}

std::thread_local! {
    static CURRENT: Registration = const { Registration(OnceCell::new()) };
}

/// Runs `f` on the calling thread's entry, creating and registering it on first use.
/// `None` while the thread is being torn down.
#[inline]
pub(crate) fn with_current<R>(f: impl FnOnce(&Arc<Entry>) -> R) -> Option<R> {
    CURRENT
        .try_with(|registration| f(registration.0.get_or_init(meet_current)))
        .ok()
}

/// The entry of a thread threadkit did not start, met for the first time.
#[cold]
fn meet_current() -> Arc<Entry> {
    if platform::is_main_thread() {
        let entry = main_entry();
        entry
            .native_id
            .store(platform::native_id(), Ordering::Relaxed);
        return Arc::clone(entry);
    }
    let ident = crate::thread_id::current().get();
    let name = std::thread::current()
        .name()
        .map_or_else(|| format!("Dummy-{ident}"), str::to_owned);
    // Python: a dummy thread is a daemon (nobody waits for it at exit).
    let entry = Arc::new(Entry::new(ident, name, true, false, Origin::NONE));
    entry
        .native_id
        .store(platform::native_id(), Ordering::Relaxed);
    registry().insert(ident, Arc::clone(&entry));
    entry
}

/// The main thread's entry, created (and registered, for good) on first request.
pub(crate) fn main_entry() -> &'static Arc<Entry> {
    MAIN.get_or_init(|| {
        let entry = Arc::new(Entry::new(
            crate::thread_id::main(),
            "MainThread".to_owned(),
            false,
            false,
            Origin::NONE,
        ));
        if let Some(id) = platform::main_native_id() {
            entry.native_id.store(id, Ordering::Relaxed);
        }
        registry().insert(entry.ident, Arc::clone(&entry));
        entry
    })
}

/// A new entry for a thread about to be spawned, registered as `New`.
pub(crate) fn enter_spawned(name: Option<String>, daemon: bool, origin: Origin) -> Arc<Entry> {
    let ident = crate::thread_id::reserve();
    let name = name.unwrap_or_else(|| format!("Thread-{ident}"));
    let entry = Arc::new(Entry::new(ident, name, daemon, true, origin));
    registry().insert(ident, Arc::clone(&entry));
    entry
}

/// Called first thing by a thread threadkit started: it takes on its entry.
pub(crate) fn start(entry: &Arc<Entry>) {
    crate::thread_id::adopt(entry.ident);
    entry
        .native_id
        .store(platform::native_id(), Ordering::Relaxed);
    // A fresh thread has no registration yet, so this one is its own.
    let _ = CURRENT.try_with(|registration| registration.0.set(Arc::clone(entry)));
    entry.state.replace(RawState::RUNNABLE);
}

/// The thread of `entry` has finished (or could not be started): drops its `Local`
/// values, marks it terminated, takes it out of the registry and wakes its joiners.
/// Runs on the thread itself, except for a thread that could not be started.
pub(crate) fn finish(entry: &Entry, panicked: bool) {
    if entry.finished.is_set() {
        return;
    }
    let locals = std::mem::take(&mut *entry.locals.lock().unwrap_or_else(PoisonError::into_inner));
    for local in locals {
        if let Some(local) = local.upgrade() {
            local.remove_thread(entry.ident);
        }
    }
    entry.state.replace(RawState::terminated(panicked));
    {
        let mut registry = registry();
        if registry
            .get(&entry.ident)
            .is_some_and(|e| std::ptr::eq(Arc::as_ptr(e), entry))
        {
            registry.remove(&entry.ident);
        }
    }
    entry.finished.set();
}

/// Every registered entry, by ident (the order threads were first seen).
pub(crate) fn all() -> Vec<Arc<Entry>> {
    registry().values().cloned().collect()
}

/// A thread known to threadkit: Python's `threading.Thread` object, as
/// [`current`](super::current), [`main_thread`](super::main_thread) and
/// [`enumerate`](super::enumerate) return it (and [`Thread::thread_ref`](super::Thread::thread_ref)).
///
/// It is a shared, read-only view: cheap to clone, and it stays valid after the
/// thread has ended (then [`state`](Self::state) says `Terminated`).
#[derive(Clone)]
pub struct ThreadRef {
    pub(crate) entry: Arc<Entry>,
}

impl ThreadRef {
    /// The thread's name: as given to the [`Builder`](super::Builder), else
    /// `Thread-<ident>` for threads threadkit started, `MainThread` for the main
    /// thread, and the Rust thread name or `Dummy-<ident>` for other threads.
    pub fn name(&self) -> &str {
        &self.entry.name
    }

    /// threadkit's number for the thread: unique in the process, never reused
    /// (Python's `ident`, which the OS may reuse).
    pub fn ident(&self) -> u64 {
        self.entry.ident
    }

    /// The kernel's id for the thread (Linux: `gettid`), once the thread has run; on
    /// platforms where threadkit cannot read it, the same number as `ident`.
    pub fn native_id(&self) -> Option<u64> {
        match self.entry.native_id.load(Ordering::Relaxed) {
            0 => None,
            id => Some(id),
        }
    }

    /// Whether the thread is a daemon: one that [`join_non_daemon`](super::join_non_daemon)
    /// does not wait for.
    pub fn is_daemon(&self) -> bool {
        self.entry.daemon
    }

    /// Whether the thread has not finished yet.
    pub fn is_alive(&self) -> bool {
        !self.entry.state.load().is_terminated()
    }

    /// The thread's lifecycle state right now (see [`ThreadState`] for the transitions).
    pub fn state(&self) -> ThreadState {
        self.entry.state.get()
    }

    /// Whether this is the process's main thread.
    pub fn is_main(&self) -> bool {
        MAIN.get()
            .is_some_and(|main| Arc::ptr_eq(main, &self.entry))
    }
}

impl PartialEq for ThreadRef {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.entry, &other.entry)
    }
}

impl Eq for ThreadRef {}

impl fmt::Debug for ThreadRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadRef")
            .field("name", &self.name())
            .field("ident", &self.ident())
            .field("daemon", &self.is_daemon())
            .field("state", &self.state())
            .finish()
    }
}

/// The entry of the calling thread, or a throwaway one while it is being torn down.
pub(crate) fn current_entry() -> Arc<Entry> {
    with_current(Arc::clone).unwrap_or_else(|| {
        let ident = crate::thread_id::current().get();
        Arc::new(Entry::new(
            ident,
            format!("Dummy-{ident}"),
            true,
            false,
            Origin::NONE,
        ))
    })
}

/// Whether the calling thread is a daemon (what a thread it spawns inherits).
pub(crate) fn current_entry_is_daemon() -> bool {
    with_current(|entry| entry.daemon).unwrap_or(true)
}

/// Whether `entry` is a live thread threadkit started that is not a daemon.
pub(crate) fn is_joinable_non_daemon(entry: &Entry) -> bool {
    entry.spawned && !entry.daemon && !entry.finished.is_set()
}

/// The calling thread's name, for reports.
#[cfg(not(loom))]
pub(crate) fn current_name() -> String {
    with_current(|entry| entry.name.clone()).unwrap_or_else(|| {
        std::thread::current()
            .name()
            .unwrap_or("<exiting thread>")
            .to_owned()
    })
}

/// Under loom the registry is not used (its statics would outlive the model).
#[cfg(loom)]
pub(crate) fn current_name() -> String {
    "loom".to_owned()
}
