//! The run-time switches of diagnostics, and what a detected deadlock does.
//!
//! One byte of flags, so that the check on the fast paths stays a single relaxed load:
//!
//! ```text
//! RECORD  holds and waits are recorded, deadlocks and lock-order inversions detected
//! STATS   contention statistics are collected (see `stats`)
//! ```
//!
//! `THREADKIT_DEADLOCK=1` switches RECORD on when the process starts (on Linux, from
//! an ELF constructor, before `main`, so even the first acquisition is seen), and
//! otherwise at the first slow path of any primitive.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Mutex, Once, PoisonError};

use super::DeadlockError;

/// Holds and waits are recorded; deadlocks and inversions are detected.
pub(crate) const RECORD: u8 = 0b01;
/// Contention statistics are collected.
pub(crate) const STATS: u8 = 0b10;

static FLAGS: AtomicU8 = AtomicU8::new(0);
/// Whether RECORD was ever on (so a lock being dropped knows to forget its edges).
static EVER: AtomicU8 = AtomicU8::new(0);
static FROM_ENVIRONMENT: Once = Once::new();

/// Switches deadlock detection and the hold/wait records on for the whole process.
///
/// Locks acquired before this call are not in the records (so they are never part of
/// a report: the records may miss a hold, never invent one).
pub fn enable() {
    FROM_ENVIRONMENT.call_once(|| {});
    if FLAGS.fetch_or(RECORD, Ordering::SeqCst) & RECORD == 0 {
        EVER.store(1, Ordering::Relaxed);
        // Records of an earlier period may be stale: start afresh.
        super::record::clear_all();
        super::clock::refresh();
        super::watchdog::start();
    }
}

/// Switches deadlock detection and the records off. The records are dropped.
pub fn disable() {
    FLAGS.fetch_and(!RECORD, Ordering::SeqCst);
    super::record::clear_all();
}

/// Whether deadlock detection and the records are on.
pub fn is_enabled() -> bool {
    flags() & RECORD != 0
}

/// Switches contention statistics on or off (see [`stats`](super::stats)).
pub(crate) fn set_stats(on: bool) {
    if on {
        FLAGS.fetch_or(STATS, Ordering::SeqCst);
    } else {
        FLAGS.fetch_and(!STATS, Ordering::SeqCst);
    }
}

/// The check every hook makes first: one relaxed load (nothing at all in the build
/// with hooks compiled out, and under loom).
#[inline(always)]
pub(crate) fn on() -> bool {
    flags() != 0
}

/// The flags (0 in the build with hooks compiled out, and under loom).
#[inline(always)]
pub(crate) fn flags() -> u8 {
    if cfg!(any(loom, threadkit_no_hooks)) {
        0
    } else {
        FLAGS.load(Ordering::Relaxed)
    }
}

/// Whether records were ever kept (a dropped lock must then forget its edges).
#[inline]
pub(crate) fn ever_enabled() -> bool {
    !cfg!(any(loom, threadkit_no_hooks)) && EVER.load(Ordering::Relaxed) != 0
}

/// Reads `THREADKIT_DEADLOCK` once (called from slow paths; on Linux already done at
/// start-up).
#[inline]
pub(crate) fn read_environment() {
    if !cfg!(any(loom, threadkit_no_hooks)) {
        FROM_ENVIRONMENT.call_once(|| {
            if std::env::var_os("THREADKIT_DEADLOCK").is_some_and(|v| v == "1") {
                // `call_once` is running: enable without re-entering it.
                if FLAGS.fetch_or(RECORD, Ordering::SeqCst) & RECORD == 0 {
                    EVER.store(1, Ordering::Relaxed);
                    super::watchdog::start();
                }
            }
        });
    }
}

/// Runs before `main` on Linux, so that `THREADKIT_DEADLOCK=1` sees every acquisition.
#[cfg(all(target_os = "linux", not(loom), not(threadkit_no_hooks), not(miri)))]
mod at_start {
    extern "C" fn read_environment_at_start() {
        super::read_environment();
    }

    // SAFETY: the function only reads an environment variable and sets atomics; it
    // runs before `main` on the main thread, which the C runtime allows (glibc calls
    // `.init_array` entries after its own initialization, with the environment set).
    #[used]
    #[unsafe(link_section = ".init_array")]
    static READ_ENVIRONMENT_AT_START: extern "C" fn() = read_environment_at_start;
}

/// What a detected deadlock does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Policy {
    /// The checked acquisitions (`acquire_checked`) return [`DeadlockError`]; the
    /// plain ones, which have no error to return, panic with it. The default.
    #[default]
    Error,
    /// Every acquisition panics with the report.
    Panic,
    /// The report is logged, and the thread waits as it would have without detection.
    Log,
}

static POLICY: Mutex<(Policy, Option<Callback>)> = Mutex::new((Policy::Error, None));

type Callback = std::sync::Arc<dyn Fn(&DeadlockError) + Send + Sync>;

/// Chooses what a detected deadlock does (default: [`Policy::Error`]).
pub fn set_policy(policy: Policy) {
    POLICY.lock().unwrap_or_else(PoisonError::into_inner).0 = policy;
}

/// The current policy.
pub fn policy() -> Policy {
    POLICY.lock().unwrap_or_else(PoisonError::into_inner).0
}

/// Calls `callback` with every detected deadlock, whatever the policy (`None` removes
/// it). It runs on the thread that detected the deadlock, before the policy applies.
pub fn set_deadlock_callback(callback: Option<impl Fn(&DeadlockError) + Send + Sync + 'static>) {
    POLICY.lock().unwrap_or_else(PoisonError::into_inner).1 =
        callback.map(|f| std::sync::Arc::new(f) as Callback);
}

/// The callback, if one is set.
pub(crate) fn callback() -> Option<Callback> {
    POLICY
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .1
        .clone()
}
