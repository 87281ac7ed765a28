//! Hooks for threadkit-ipc's own tests (hidden from the docs): not part of the API,
//! without any stability promise. Always compiled, switched at run time, so that the
//! tests exercise the very code that ships.
//!
//! They let a test wait until other threads or processes are really waiting before it
//! wakes them, and tell a wake-up from a periodic re-check.

use crate::{Event, Semaphore};

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
