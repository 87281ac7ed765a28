//! The parking table: buckets of FIFO waiter queues, and the waiters themselves.
//!
//! A [`Waiter`] lives on the stack of the thread blocked in `park`; the queue holds raw
//! pointers to it. The invariant that makes this sound:
//!
//! * a waiter is linked into at most one queue, and only while its thread is inside
//!   `park` and has not observed itself woken;
//! * `next` and `token` are only touched with the bucket locked, and `token` is
//!   written before the waiter is marked woken (a release store its thread acquires);
//! * whoever takes a waiter off the queue either is its own thread, or marks it woken
//!   as the very last access (the optional wake system call only uses its address).

use std::cell::Cell;
use std::ptr;

use super::sleeper::{Sleeper, WakeHandle};
use super::{TOKEN_NORMAL, Token};
use crate::primitive::{Mutex, MutexGuard};

/// One parked thread.
pub(super) struct Waiter {
    /// The address the thread parks on.
    pub(super) key: usize,
    /// Next waiter in the bucket queue (or in a batch being woken). Bucket lock.
    next: Cell<*const Waiter>,
    /// The unparker's message. Bucket lock; read by the owner once woken.
    token: Cell<Token>,
    /// How the thread sleeps and is woken.
    pub(super) sleeper: Sleeper,
}

impl Waiter {
    /// A waiter for the calling thread on `key`.
    pub(super) fn new(key: usize) -> Self {
        Self {
            key,
            next: Cell::new(ptr::null()),
            token: Cell::new(TOKEN_NORMAL),
            sleeper: Sleeper::new(),
        }
    }

    /// The token handed over by the unparker; only meaningful once woken.
    pub(super) fn token(&self) -> Token {
        debug_assert!(self.sleeper.is_woken());
        self.token.get()
    }
}

/// A bucket's FIFO queue of waiters (for every key that hashes to the bucket).
pub(super) struct Queue {
    head: *const Waiter,
    tail: *const Waiter,
    fairness: Fairness,
}

// SAFETY: the raw pointers are only dereferenced with the bucket mutex held, under the
// invariant in the module docs; the queue itself is plain data.
unsafe impl Send for Queue {}

/// Waiters taken off a queue, linked through their `next` fields, not yet woken.
pub(super) struct Taken {
    head: *const Waiter,
    /// How many waiters were taken.
    pub(super) count: usize,
    /// Whether waiters with the same key remain queued.
    pub(super) have_more: bool,
}

impl Queue {
    const fn new() -> Self {
        Self {
            head: ptr::null(),
            tail: ptr::null(),
            fairness: Fairness::new(),
        }
    }

    /// Appends `waiter` at the tail.
    pub(super) fn push(&mut self, waiter: &Waiter) {
        waiter.next.set(ptr::null());
        let this: *const Waiter = waiter;
        if self.tail.is_null() {
            self.head = this;
        } else {
            // SAFETY: `tail` is a queued waiter (module invariant), and we hold the lock.
            unsafe { (*self.tail).next.set(this) };
        }
        self.tail = this;
    }

    /// Unlinks `target`, which must be queued here. Returns whether no other waiter
    /// with its key is left in the queue.
    ///
    /// # Panics
    ///
    /// If `target` is not queued: a broken internal invariant.
    pub(super) fn remove(&mut self, target: &Waiter) -> bool {
        let target_ptr: *const Waiter = target;
        let mut prev: *const Waiter = ptr::null();
        let mut current = self.head;
        let mut others = false;
        while !current.is_null() {
            // SAFETY: every pointer reached from `head` is a queued waiter.
            let waiter = unsafe { &*current };
            let next = waiter.next.get();
            if current == target_ptr {
                self.unlink(prev, current, next);
                return !(others || self.has_key_from(next, target.key));
            }
            others |= waiter.key == target.key;
            prev = current;
            current = next;
        }
        panic!("threadkit: a parked thread was missing from its queue");
    }

    /// Takes up to `max` waiters with `key` off the queue, oldest first.
    pub(super) fn take(&mut self, key: usize, max: usize) -> Taken {
        let mut taken = Taken {
            head: ptr::null(),
            count: 0,
            have_more: false,
        };
        let mut taken_tail: *const Waiter = ptr::null();
        let mut prev: *const Waiter = ptr::null();
        let mut current = self.head;
        while !current.is_null() {
            // SAFETY: every pointer reached from `head` is a queued waiter.
            let waiter = unsafe { &*current };
            let next = waiter.next.get();
            if waiter.key == key {
                if taken.count == max {
                    taken.have_more = true;
                    break;
                }
                self.unlink(prev, current, next);
                waiter.next.set(ptr::null());
                if taken_tail.is_null() {
                    taken.head = current;
                } else {
                    // SAFETY: `taken_tail` was taken off the queue above and is still
                    // parked (not yet woken), and we hold the lock.
                    unsafe { (*taken_tail).next.set(current) };
                }
                taken_tail = current;
                taken.count += 1;
            } else {
                prev = current;
            }
            current = next;
        }
        taken
    }

    /// Whether this unpark should hand off fairly (see `UnparkResult::be_fair`).
    pub(super) fn fair_turn(&mut self) -> bool {
        self.fairness.turn()
    }

    fn unlink(&mut self, prev: *const Waiter, current: *const Waiter, next: *const Waiter) {
        if prev.is_null() {
            self.head = next;
        } else {
            // SAFETY: `prev` is a queued waiter, and we hold the lock.
            unsafe { (*prev).next.set(next) };
        }
        if self.tail == current {
            self.tail = prev;
        }
    }

    fn has_key_from(&self, mut current: *const Waiter, key: usize) -> bool {
        while !current.is_null() {
            // SAFETY: every pointer reached from a queued waiter is a queued waiter.
            let waiter = unsafe { &*current };
            if waiter.key == key {
                return true;
            }
            current = waiter.next.get();
        }
        false
    }
}

impl Taken {
    /// Hands each taken waiter `token` and marks it woken; the system calls needed to
    /// wake sleeping ones are collected in `wakes`, to be made after the bucket unlocks.
    pub(super) fn wake(self, token: Token, wakes: &mut WakeBatch) {
        let mut current = self.head;
        while !current.is_null() {
            // SAFETY: taken off the queue under the lock we still hold; its thread stays
            // parked until `wake_prepare` below marks it woken, after which this loop
            // does not touch it again.
            let waiter = unsafe { &*current };
            current = waiter.next.get();
            waiter.token.set(token);
            if let Some(handle) = waiter.sleeper.wake_prepare() {
                wakes.push(handle);
            }
        }
    }
}

/// Wake-ups to perform once the bucket lock is released.
pub(super) struct WakeBatch {
    handles: [Option<WakeHandle>; WAKE_BATCH],
    len: usize,
}

/// Wake-ups deferred past the bucket lock; beyond this many, they are made at once.
const WAKE_BATCH: usize = 8;

impl WakeBatch {
    pub(super) const fn new() -> Self {
        Self {
            handles: [const { None }; WAKE_BATCH],
            len: 0,
        }
    }

    fn push(&mut self, handle: WakeHandle) {
        if self.len == WAKE_BATCH {
            handle.wake();
        } else {
            self.handles[self.len] = Some(handle);
            self.len += 1;
        }
    }

    /// Makes the deferred wake-ups.
    pub(super) fn wake_all(mut self) {
        for handle in self.handles[..self.len].iter_mut().filter_map(Option::take) {
            handle.wake();
        }
    }
}

/// The per-bucket clock for fair hand-offs: a turn comes every 0–1 ms (randomized so
/// that buckets do not all turn fair together), as in parking_lot.
struct Fairness {
    #[cfg(not(loom))]
    due: Option<std::time::Instant>,
    #[cfg(not(loom))]
    seed: u32,
    /// Under loom, time must not decide anything: every other unpark is fair.
    #[cfg(loom)]
    toggle: bool,
}

impl Fairness {
    #[cfg(not(loom))]
    const fn new() -> Self {
        Self {
            due: None,
            seed: 0x9E37_79B9,
        }
    }

    #[cfg(loom)]
    const fn new() -> Self {
        Self { toggle: false }
    }

    #[cfg(not(loom))]
    fn turn(&mut self) -> bool {
        let now = std::time::Instant::now();
        let turn = self.due.is_some_and(|due| now >= due);
        if turn || self.due.is_none() {
            // xorshift32: cheap, and good enough to spread the turns.
            self.seed ^= self.seed << 13;
            self.seed ^= self.seed >> 17;
            self.seed ^= self.seed << 5;
            let delay = std::time::Duration::from_nanos(u64::from(self.seed % 1_000_000));
            self.due = Some(now + delay);
        }
        turn
    }

    #[cfg(loom)]
    fn turn(&mut self) -> bool {
        self.toggle = !self.toggle;
        self.toggle
    }
}

/// One bucket: a mutex over a queue, padded to its own cache line.
#[repr(align(64))]
pub(super) struct Bucket {
    queue: Mutex<Queue>,
}

impl Bucket {
    #[cfg(not(loom))]
    const fn new() -> Self {
        Self {
            queue: Mutex::new(Queue::new()),
        }
    }

    #[cfg(loom)]
    fn new() -> Self {
        Self {
            queue: Mutex::new(Queue::new()),
        }
    }

    /// Locks the bucket. Nothing panics while it is held, but if something did, the
    /// queue would still be consistent (every mutation is a few pointer stores), so a
    /// poisoned lock is simply taken.
    pub(super) fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Number of buckets: enough that unrelated keys rarely share a queue.
#[cfg(not(loom))]
const BUCKETS: usize = 512;

/// Under loom, one bucket: every key shares the queue (the harder case for the key
/// filtering), and the models do not depend on where addresses happen to hash.
#[cfg(loom)]
const BUCKETS: usize = 1;

#[cfg(not(loom))]
static TABLE: [Bucket; BUCKETS] = [const { Bucket::new() }; BUCKETS];

#[cfg(loom)]
loom::lazy_static! {
    static ref TABLE: Vec<Bucket> = (0..BUCKETS).map(|_| Bucket::new()).collect();
}

/// The bucket `key` hashes to (Fibonacci hashing).
pub(super) fn bucket(key: usize) -> &'static Bucket {
    let hash = (key as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
    &TABLE[hash as usize % BUCKETS]
}
