//! The parking substrate: every blocking wait in threadkit goes through here.
//!
//! A thread *parks* on an address (the *key*, usually the address of the primitive it
//! waits for) and is *unparked* by another thread naming the same key. The design is
//! parking_lot_core's: a fixed hash table of buckets, each a mutex over a FIFO queue
//! of waiters; the primitives keep a "someone is parked" bit in their own state word
//! so that the fast paths never touch the table.
//!
//! The protocol that makes lost wake-ups impossible:
//!
//! 1. `park` locks the key's bucket and calls `validate`. The primitive checks there
//!    that it still wants to sleep (its state word says so). Because an unparker must
//!    take the same bucket lock, no unpark for this key can slip between `validate`
//!    and the enqueue.
//! 2. The waiter is queued and the bucket unlocked; `before_sleep` runs (a Condition
//!    releases its lock there — a notify that follows will find the waiter queued).
//!    If it returns false, the waiter leaves the queue again and the park is `Invalid`
//!    (or `Unparked`, if a wake-up came first).
//! 3. The waiter spins for a bounded time on its own wake word (see [`Spin`]), then
//!    sleeps (futex on Linux) until woken or until its deadline.
//! 4. An unparker, under the bucket lock, takes waiters off the queue, hands each an
//!    *unpark token* (the primitive's message: "you were handed the lock", "the event
//!    was set") and marks it woken; the system call that wakes a sleeping waiter is
//!    made after the bucket is unlocked.
//! 5. A waiter whose deadline passes locks the bucket: if it was woken meanwhile, the
//!    wake-up counts; otherwise it leaves the queue and `timed_out` runs under the lock
//!    (a primitive clears its "parked" bit there when the last waiter leaves). The same
//!    callback, named `left` below, runs when `before_sleep` declines.
//!
//! `validate` and `timed_out` run with the bucket locked: they must be short and must
//! not park or unpark. `before_sleep` and unpark callbacks may unpark other keys
//! (`before_sleep` runs unlocked; unpark callbacks run locked and must only touch the
//! primitive's own state word).

mod queue;
mod sleeper;

use std::time::Instant;

use queue::{Waiter, WakeBatch, bucket};

pub(crate) use sleeper::Spin;

/// The message an unparker hands the threads it wakes.
pub(crate) type Token = usize;

/// An ordinary wake-up: go and try again.
pub(crate) const TOKEN_NORMAL: Token = 0;

/// The unparker passed ownership (of a lock, a permit) directly to the woken thread.
pub(crate) const TOKEN_HANDOFF: Token = 1;

/// How a park ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ParkResult {
    /// Woken by an unparker, with its token.
    Unparked(Token),
    /// `validate` returned false: the thread never slept.
    Invalid,
    /// The deadline passed before anyone unparked the thread.
    TimedOut,
}

/// What an unpark operation found, passed to its callback before anyone is woken.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct UnparkResult {
    /// How many threads are being woken.
    pub(crate) unparked: usize,
    /// Whether threads remain parked on the key afterwards.
    pub(crate) have_more: bool,
    /// Whether this is a good moment for a fair hand-off (about every half millisecond
    /// per bucket), so that a waiter cannot be overtaken forever.
    pub(crate) be_fair: bool,
}

/// Parks the calling thread on `key` until it is unparked or `deadline` passes.
///
/// See the module docs for the protocol and what each callback may do.
/// `left(was_last)` runs under the bucket lock when the thread leaves the queue by
/// itself (timeout, or `before_sleep` declined) and learns whether no other thread is
/// left parked on `key`.
pub(crate) fn park(
    key: usize,
    validate: impl FnOnce() -> bool,
    before_sleep: impl FnOnce() -> bool,
    left: impl FnOnce(bool),
    deadline: Option<Instant>,
    spin: Spin,
) -> ParkResult {
    let waiter = Waiter::new(key);
    let bucket = bucket(key);
    {
        let mut queue = bucket.lock();
        if !validate() {
            return ParkResult::Invalid;
        }
        queue.push(&waiter);
    }
    // The waiter is now reachable from the queue: it must not leave this frame while
    // it is queued, so if `before_sleep` unwinds, the guard takes it off first.
    let unqueue = LeaveQueueOnUnwind { waiter: &waiter };
    let sleep = before_sleep();
    std::mem::forget(unqueue);

    if sleep && waiter.sleeper.sleep(deadline, spin) {
        return ParkResult::Unparked(waiter.token());
    }
    let mut queue = bucket.lock();
    if waiter.sleeper.is_woken() {
        // Woken before we could leave: the wake-up counts.
        return ParkResult::Unparked(waiter.token());
    }
    let was_last = queue.remove(&waiter);
    left(was_last);
    if sleep {
        ParkResult::TimedOut
    } else {
        ParkResult::Invalid
    }
}

/// Wakes the first thread parked on `key`, if any.
///
/// `callback` runs under the bucket lock, also when no thread was found (so a
/// primitive can clear its "parked" bit), and returns the token the woken thread gets.
pub(crate) fn unpark_one(key: usize, callback: impl FnOnce(UnparkResult) -> Token) -> UnparkResult {
    unpark_up_to(key, 1, callback)
}

/// With the bucket of `key` locked, calls `decide`; if it returns a token, wakes every
/// thread parked on `key` with it. Returns how many were woken.
///
/// For a state change that must wake exactly the threads parked before it: waiters
/// validate under the same lock, so none can slip in between `decide` and the wake-up,
/// and none parked later can be woken by it (a plain `unpark_all` after the change
/// could run late and wake a thread that parked after a later, opposite change).
pub(crate) fn unpark_all_when(key: usize, decide: impl FnOnce() -> Option<Token>) -> usize {
    let bucket = bucket(key);
    let mut wakes = WakeBatch::new();
    let count;
    {
        let mut queue = bucket.lock();
        let Some(token) = decide() else {
            return 0;
        };
        let taken = queue.take(key, usize::MAX);
        count = taken.count;
        taken.wake(token, &mut wakes);
    }
    wakes.wake_all();
    count
}

/// Wakes up to `max` threads parked on `key`, oldest first.
///
/// `callback` runs under the bucket lock, also when no thread was found, and returns
/// the token every woken thread gets.
pub(crate) fn unpark_up_to(
    key: usize,
    max: usize,
    callback: impl FnOnce(UnparkResult) -> Token,
) -> UnparkResult {
    let bucket = bucket(key);
    let mut wakes = WakeBatch::new();
    let result;
    {
        let mut queue = bucket.lock();
        let taken = queue.take(key, max);
        let be_fair = taken.count > 0 && queue.fair_turn();
        result = UnparkResult {
            unparked: taken.count,
            have_more: taken.have_more,
            be_fair,
        };
        let token = callback(result);
        taken.wake(token, &mut wakes);
    }
    wakes.wake_all();
    result
}

/// Takes a waiter off its queue if `before_sleep` panics while it is queued.
struct LeaveQueueOnUnwind<'a> {
    waiter: &'a Waiter,
}

impl Drop for LeaveQueueOnUnwind<'_> {
    fn drop(&mut self) {
        let mut queue = bucket(self.waiter.key).lock();
        if !self.waiter.sleeper.is_woken() {
            queue.remove(self.waiter);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests;
