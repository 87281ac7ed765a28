//! Python's threading system rebuilt in Rust.
//!
//! threadkit gives Rust the synchronization primitives Python programmers know — with
//! Python's semantics, the speed of parking_lot, and diagnostics.
//!
//! | threadkit | Python | notes |
//! |---|---|---|
//! | [`Lock<T>`] | `threading.Lock` | `Lock<()>` is Python's lock; `Lock<T>` a `Mutex<T>` |
//! | [`RLock<T>`] | `threading.RLock` | reentrant; only the holder may release |
//! | [`Condition`] | `threading.Condition` | over an RLock (default) or a Lock |
//! | [`Semaphore`], [`BoundedSemaphore`] | same names | permits as RAII guards, or explicit `release(n)` |
//! | [`Event`] | `threading.Event` | `wait` on a set event is one load |
//! | [`Barrier`] | `threading.Barrier` | action, default timeout, reset, abort |
//! | [`RawLock`] | — | the lock engine; `lock_api::RawMutex` |
//! | [`Queue`], [`LifoQueue`], [`PriorityQueue`], [`SimpleQueue`] | `queue.*` | lock-free FIFO storage; `task_done`/`join`; 3.13 `shutdown`; values handed back in errors |
//! | [`thread::Builder`], [`thread::spawn`], [`thread::Thread`] | `threading.Thread` | name, daemon, stack size; `join` returns the value or the panic; [`thread::ThreadState`] shows the lifecycle |
//! | [`thread::current`], [`thread::enumerate`], [`thread::main_thread`], … | same names | the registry; threads threadkit did not start appear once they touch it |
//! | [`thread::Timer`], [`thread::Local`], [`thread::set_excepthook`] | `threading.Timer`, `local`, `excepthook` | also [`thread::join_non_daemon`] (Python's wait at exit) |
//! | [`executor::ThreadPoolExecutor`], [`executor::Future`] | `concurrent.futures` | `wait`, `as_completed`; a failure nobody looked at is reported, never lost |
//! | [`diagnostics::enable`], [`diagnostics::DeadlockError`], [`diagnostics::dump`] | — | deadlocks as errors instead of hangs, lock-order inversions, stalls, thread dumps, contention statistics |
//!
//! # Concepts
//!
//! * **Guards.** Acquiring returns a guard that releases on drop. For code written the
//!   Python way (acquire here, release there), guards can be detached and the
//!   primitives have checked `release` methods.
//! * **Misuse is an error, never a panic**: releasing an unlocked [`Lock`], someone
//!   else's [`RLock`], over-releasing a [`BoundedSemaphore`], waiting on a
//!   [`Condition`] without its lock, a [`Barrier`] of zero parties — each returns an
//!   error (see [`ReleaseError`], [`NotOwnedError`], [`BrokenBarrierError`],
//!   [`ZeroPartiesError`]). No poisoning: a panic releases what the guard held.
//! * **Timeouts** come as `op_timeout(Duration)` and `op_deadline(Instant)`; a timeout
//!   too large for the clock means "forever".
//! * **Names.** Every primitive knows where it was created; `named` constructors give
//!   it a name for reports.
//! * **Diagnostics** ([`diagnostics`]) are off by default and cost one relaxed load per
//!   hook while off; switched on ([`diagnostics::enable`] or `THREADKIT_DEADLOCK=1`),
//!   they record which thread holds which lock (and where it acquired it) and what each
//!   blocked thread waits for, and turn a deadlock into a
//!   [`DeadlockError`](diagnostics::DeadlockError) naming the threads and locks
//!   ([`Lock::acquire_checked`]) instead of a hang.
//!
//! # How it works
//!
//! Each primitive is a state word with an inline fast path (one atomic operation when
//! uncontended) and a cold slow path that spins briefly and then parks the thread in a
//! parking lot keyed by the primitive's address (parking_lot's design). Parked threads
//! spin for a few microseconds before sleeping, so a hand-off between threads running
//! on different CPUs rarely pays for a sleep and a wake-up.
//!
//! # Differences from Python's threading
//!
//! Each type's docs list them; in short: guards instead of bare acquire/release
//! pairs, `Duration` timeouts, errors as values, and no spurious wake-ups anywhere.
//!
//! # Cargo features
//!
//! `json`: thread dumps as JSON (`diagnostics::ThreadDump::to_json`, serde). Under
//! `RUSTFLAGS="--cfg loom"` the crate builds against loom, and its
//! protocols are model-checked (`src/tests/loom_*.rs`).

mod backoff;
mod barrier;
mod condition;
pub mod diagnostics;
mod error;
mod event;
pub mod executor;
mod flag_word;
mod internal_lock;
mod latch;
mod lock;
mod origin;
mod park;
mod primitive;
pub mod queue;
mod raw_lock;
mod rlock;
mod semaphore;
pub mod thread;
mod thread_id;
mod time;
mod wait_queue;

#[cfg(all(test, loom))]
mod tests;

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

pub use barrier::{Barrier, BarrierBuilder};
pub use condition::{Condition, ConditionGuard, ConditionLock, RLockSaved};
pub use error::{BrokenBarrierError, NotOwnedError, ReleaseError, ZeroPartiesError};
pub use event::Event;
pub use lock::{Lock, LockGuard};
pub use queue::{CustomQueue, LifoQueue, PriorityQueue, Queue, SimpleQueue};
pub use raw_lock::RawLock;
pub use rlock::{RLock, RLockGuard};
pub use semaphore::{BoundedSemaphore, MAX_PERMITS, Semaphore, SemaphorePermit};
