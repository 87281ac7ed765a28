//! Hooks for threadkit-ipc's own tests (hidden from the docs): not part of the API,
//! without any stability promise. Always compiled, switched at run time, so that the
//! tests exercise the very code that ships.
//!
//! They let a test wait until other threads or processes are really waiting before it
//! wakes them, tell a wake-up from a periodic re-check, and count a lock's claimed
//! liveness slots.

use crate::{Event, Lock, Semaphore, Shareable};

/// Whether threads, in any process, may be blocked on `event`: its `WAITERS` bit, set
/// by a waiter just before it blocks and cleared by `set`.
pub fn event_has_waiters(event: &Event) -> bool {
    event.has_waiters()
}

/// How many threads, of all processes, are registered as waiting for a permit of
/// `semaphore`. A registered waiter read the wake-up sequence under the semaphore's
/// mutex before it blocks, so a release that follows this count wakes it (or keeps it
/// from blocking): it does not depend on a periodic re-check.
pub fn semaphore_waiters(semaphore: &Semaphore) -> usize {
    semaphore.waiters()
}

/// Makes acquirers that block through this handle wait for a wake-up only, without
/// looking for dead holders every 100 ms, so that a test of the wake-ups cannot pass
/// thanks to the re-check.
pub fn disable_recheck(semaphore: &Semaphore) {
    semaphore.disable_recheck();
}

/// How many liveness slots of `lock` are claimed, by threads of all processes (a
/// momentary count; a dead process's slots count until they are taken back).
pub fn lock_threads<T: Shareable>(lock: &Lock<T>) -> usize {
    lock.handle().claimed_slots()
}

/// Makes acquirers that park through this handle wait for a wake-up (or their
/// deadline) only, without looking at the holder periodically, so that a test of the
/// wake-ups cannot pass thanks to the re-check.
pub fn disable_lock_recheck<T: Shareable>(lock: &Lock<T>) {
    lock.handle().disable_recheck();
}
