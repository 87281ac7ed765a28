//! Diagnostics: deadlocks as errors instead of hangs, lock-order inversions, stalls,
//! thread dumps and contention statistics.
//!
//! Off by default. While off, every hook in the primitives is one relaxed load of a
//! global flag and a branch (measured by `threadkit bench` against a build with the
//! hooks compiled out). Switched on with [`enable`], or for a whole run with the
//! environment variable `THREADKIT_DEADLOCK=1` (read once, at start-up on Linux, else
//! at the first contended acquisition):
//!
//! * every acquisition and release of an owned lock (`Lock`, `RLock`, and a
//!   `Condition`'s lock) is recorded against the acquiring thread, with the source
//!   location of the acquiring call, and every blocking wait with what it waits for;
//! * **deadlocks**: a thread about to park without a timeout on a lock it holds
//!   itself, or on a lock whose holder waits (through any chain of holders) for a
//!   lock this thread holds, gets a [`DeadlockError`] instead of parking:
//!   `Lock::acquire_checked` / `RLock::acquire_checked` return it; the plain
//!   `acquire` panics with it under the default [`Policy::Error`]. [`set_policy`]
//!   chooses `Error`, `Panic` (even the checked forms panic) or `Log` (warn and wait
//!   anyway); [`set_deadlock_callback`] hears every detection first. A cycle is
//!   reported only after each of its edges is confirmed while the edge it rests on is
//!   stable, so races give no false positive; a cycle with a timed wait on it will
//!   undo itself and is a [`Warning`] ([`WarningKind::TimedCycle`]);
//! * **lock-order inversions**: "A held while acquiring B" edges are recorded (at most
//!   a bounded number; a lock's edges go when it drops); an edge that closes a cycle
//!   (A→B here, B→A there) is a [`WarningKind::LockOrderInversion`] naming both
//!   acquisition sites, before it ever deadlocks;
//! * **stalls**: a watchdog thread reports ([`WarningKind::Stall`], once per stall)
//!   when every live thread threadkit knows, one of them a non-daemon, has been
//!   waiting without a timeout for at least [`set_stall_threshold`] (default 1 s); a
//!   binding that waits in short slices (to look for signals) marks them as one wait
//!   with [`sliced_wait`];
//! * [`dump`] (and [`dump_on_signal`]) gives a `jstack`-like report of every thread:
//!   state, locks held and for how long, what it waits for and who holds it; JSON with
//!   the `json` feature; [`snapshot`] gives the same as data;
//! * [`enable_stats`] counts acquisitions, contended acquisitions and time waited per
//!   lock ([`contention`]), independently of the records.
//!
//! Warnings go to [`set_warning_callback`]'s callback, else to the `log` crate
//! (target `threadkit`), else to stderr.
//!
//! Threads are those of the thread registry ([`crate::thread::enumerate`]: threads
//! threadkit started, and threads that touched a primitive's slow path, a hook or the
//! thread API). Locks are identified by their name (`Lock::named`) or else by their
//! creation site.
//!
//! Limitations: locks acquired before diagnostics were switched on are not in the
//! picture (and their releases are ignored). A `Lock` used as a signal between threads
//! (acquired by one, released by another, as Python allows) looks like a lock its
//! holder waits for: with detection on, its holder acquiring it again is reported as
//! a self-deadlock. Only owned locks take part in cycles; waits on events, conditions,
//! semaphores, queues and barriers are what the stall watchdog is for.
//!
//! ```
//! use threadkit::Lock;
//! use threadkit::diagnostics;
//!
//! diagnostics::enable();
//! let config = Lock::named("config", 0);
//! let held = config.acquire();
//! // Python's classic `l.acquire(); l.acquire()` hang, as an error:
//! let error = config.acquire_checked().unwrap_err();
//! assert!(error.is_self_deadlock());
//! assert!(error.to_string().contains("Lock 'config'"));
//! drop(held);
//! println!("{}", diagnostics::dump());
//! diagnostics::disable();
//! ```

mod clock;
mod deadlock;
mod hooks;
mod object;
mod order;
mod record;
mod report;
mod signal;
mod sliced;
mod snapshot;
mod stats;
mod switch;
mod watchdog;

pub(crate) use deadlock::Detection;
pub use deadlock::{CycleLink, DeadlockError, ThreadName};
pub use hooks::set_capture_backtraces;
pub(crate) use hooks::{
    Blocking, acquired, block, block_on_lock, contended, contention_start, lock_dropped, released,
};
pub(crate) use object::Object;
pub use object::{Primitive, PrimitiveKind};
pub(crate) use record::ThreadDiag;
pub(crate) use report::warn;
pub use report::{Warning, WarningKind, set_warning_callback};
pub use signal::dump_on_signal;
pub use sliced::{SlicedWait, sliced_wait};
pub use snapshot::{HeldLock, ThreadDump, ThreadSnapshot, WaitingOn, dump, snapshot};
pub use stats::{
    ContentionReport, LockStats, contention, disable_stats, enable_stats, reset_stats,
};
pub use switch::{Policy, disable, enable, is_enabled, policy, set_deadlock_callback, set_policy};
pub(crate) use switch::{callback as deadlock_callback, read_environment};
pub use watchdog::set_stall_threshold;
